"""Writes the example student lists in this folder (run from the repository root).

    .venv/bin/python docs/examples/make_examples.py

The Albeda list is a CSV as Excel saves it on a Dutch Windows machine
(semicolons, Windows-1252); the Hogeschool Rotterdam list is an Excel workbook
with other column names, numbers and dates as real cells. All people are
fictional (not the demo's), addresses are on the reserved ``.example`` domain.
Each file has a few rows with a problem, so the preview shows them.
"""

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

# Exactly as the school's system writes it; two rows have a problem (an address
# without a domain, a niveau 3 student).
ALBEDA = """\
Studentnummer;Roepnaam;Tussenvoegsel;Achternaam;E-mailadres;Opleiding;Niveau;Locatie/School;Klas
104233;Daniëlle;;Koç;danielle.koc@student.albeda.example;Maatschappelijke zorg;4;Albeda;MZ4A
104250;Jesper;van;Rijn;jesper.vanrijn@student.albeda.example;Sociaal Werk;niveau 4;Albeda;SW4B
104287;Soufiane;;Amrani;soufiane.amrani@student.albeda.example;Sociaal Werk;N4;ALBEDA;SW4B
104301;Romy;de;Groot;romy.degroot@student.albeda.example;Sociaal Werk;mbo 4;Albeda;SW4A
104318;Kiara;;Martis;kiara.martis@student.albeda.example;Sociaal Werk;4;Albeda;SW4A
104322;Luuk;van der;Wal;luuk.vanderwal@student.albeda.example;Sociaal Werk;4;Albeda;SW4B
104339;Fenna;;Dekker;fenna.dekker@;Sociaal Werk;4;Albeda;SW4A
104341;Mehmet;;Aydin;mehmet.aydin@student.albeda.example;Pedagogisch medewerker;Niveau 3;Albeda;PM3A
203117;Jordy;;Pinas;jordy.pinas@student.zadkine.example;Sociaal Werk;4;Zadkine;SW4-Z1
203125;Naomi;;Verhagen;naomi.verhagen@student.zadkine.example;Sociaal Werk;4;Zadkine;SW4-Z1
"""

HR, INHOLLAND = "Hogeschool Rotterdam", "Hogeschool Inholland Rotterdam"
BACHELOR, AD = "Social Work", "Ad Sociaal Werk"
HEADERS = ["Studentnr", "Naam", "E-mail", "Opleiding", "Opleidingsniveau", "Instelling", "Startdatum"]
# Student number, name, programme, niveau (a number or a word, as in the real export), school, start.
# One row has a problem: a school that does not take part in the cohort.
HOGESCHOOL_ROTTERDAM = [
    (1073341, "Sara el Khatib", BACHELOR, "Bachelor", HR, dt.date(2024, 9, 2)),
    (1073358, "Milan Hoekstra", BACHELOR, 6, HR, dt.date(2024, 9, 2)),
    (1073362, "Esmée Bakker", BACHELOR, 6, "hogeschool rotterdam", dt.date(2023, 9, 4)),
    (1080014, "Rachid Bouzid", AD, "Ad", HR, dt.date(2025, 9, 1)),
    (1080027, "Lieke Janssen", AD, 5, HR, dt.date(2025, 9, 1)),
    (1080031, "Tess van Dijk", AD, 5, HR, dt.date(2025, 9, 1)),
    (1081145, "Gijs Vermeer", BACHELOR, 6, INHOLLAND, dt.date(2023, 9, 4)),
    (1081152, "Amira Said", BACHELOR, 6, INHOLLAND, dt.date(2023, 9, 4)),
    (1090001, "Bas Kuipers", BACHELOR, 6, "Hogeschool Leiden", dt.date(2024, 9, 2)),
]


def write_albeda(path: Path) -> None:
    path.write_bytes(ALBEDA.replace("\n", "\r\n").encode("cp1252"))


def write_hogeschool_rotterdam(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Studenten"
    sheet.append(HEADERS)
    for number, name, programme, niveau, school, start in HOGESCHOOL_ROTTERDAM:
        domain = "inholland.example" if school == INHOLLAND else "hr.example"
        sheet.append([number, name, f"{number}@{domain}", programme, niveau, school, start])
    for cell in sheet["G"][1:]:
        cell.number_format = "dd-mm-yyyy"
    workbook.save(path)


if __name__ == "__main__":
    write_albeda(HERE / "albeda-studenten.csv")
    write_hogeschool_rotterdam(HERE / "hogeschool-rotterdam-studenten.xlsx")
