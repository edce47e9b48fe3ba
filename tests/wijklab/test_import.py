"""Importing students from a school's list: reading, mapping, the preview's problems, confirming."""

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import count_queries
from tests.factories import CohortFactory, SchoolFactory, StudentFactory, UserFactory
from wijklab import import_selectors, import_services
from wijklab.errors import RuleViolation
from wijklab.import_selectors import guess_mapping, import_preview, parse_niveau
from wijklab.import_services import (
    ImportFileError,
    read_student_file,
    student_import_confirm,
    student_import_create,
    student_import_discard,
    student_import_set_mapping,
)
from wijklab.models import ImportColumnMapping, Role, StudentImport, StudentProfile, User

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = "Studentnummer;Roepnaam;Tussenvoegsel;Achternaam;E-mailadres;Opleiding;Niveau;Locatie/School"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def row(
    number: str, first: str, last: str, email: str, niveau: str = "4", school: str = "Albeda", infix: str = ""
) -> str:
    return f"{number};{first};{infix};{last};{email};Sociaal Werk;{niveau};{school}"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for cells in rows:
        workbook.active.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def schools(db):
    return {
        "Albeda": SchoolFactory(name="Albeda", sector="mbo"),
        "Zadkine": SchoolFactory(name="Zadkine", sector="mbo"),
        "Hogeschool Rotterdam": SchoolFactory(name="Hogeschool Rotterdam", sector="hbo"),
        "Hogeschool Inholland Rotterdam": SchoolFactory(name="Hogeschool Inholland Rotterdam", sector="hbo"),
    }


@pytest.fixture
def round_cohort(cohort, schools, coordinator):
    cohort.schools.add(*schools.values())
    return cohort


def upload(cohort, by, content: bytes, name: str = "lijst.csv") -> StudentImport:
    return student_import_create(cohort=cohort, by=by, name=name, content=content)


def actions(student_import: StudentImport) -> dict[int, str]:
    return {r.line: r.action for r in import_preview(student_import=student_import).rows}


def problems(student_import: StudentImport) -> dict[int, str]:
    return {r.line: " ".join(r.problems) for r in import_preview(student_import=student_import).rows if r.problems}


# --- reading files ----------------------------------------------------------------------------


def test_a_semicolon_csv_with_a_bom_is_read_with_its_dutch_headers(db):
    headers, rows = read_student_file(name="albeda.csv", content=csv_bytes(row("1", "Daniëlle", "Koç", "d@x.nl")))
    assert headers == HEADER.split(";")
    assert rows == [["1", "Daniëlle", "", "Koç", "d@x.nl", "Sociaal Werk", "4", "Albeda"]]


def test_a_cp1252_csv_with_commas_is_read(db):
    content = "Naam,E-mail,Niveau\r\nDaniëlle Koç,d@x.nl,4\r\n".encode("cp1252")
    headers, rows = read_student_file(name="lijst.csv", content=content)
    assert headers == ["Naam", "E-mail", "Niveau"]
    assert rows == [["Daniëlle Koç", "d@x.nl", "4"]]


def test_excel_numbers_and_dates_become_plain_text(db):
    content = xlsx_bytes([["Studentnr", "Naam", "Niveau", "Start"], [1073341, "Sara", 6.0, dt.datetime(2024, 9, 2)]])
    headers, rows = read_student_file(name="hr.xlsx", content=content)
    assert headers == ["Studentnr", "Naam", "Niveau", "Start"]
    assert rows == [["1073341", "Sara", "6", "2024-09-02"]]


def test_empty_rows_and_nameless_empty_columns_are_left_out(db):
    content = xlsx_bytes([["Naam", "E-mail", None], ["Sara", "s@x.nl", None], [None, None, None]])
    assert read_student_file(name="hr.xlsx", content=content) == (["Naam", "E-mail"], [["Sara", "s@x.nl"]])


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("lijst.xls", b"\xd0\xcf\x11\xe0 old excel", "oude formaat (.xls)"),
        ("lijst.pdf", b"%PDF-1.4", "CSV-bestand (.csv) of een Excel-bestand (.xlsx)"),
        ("lijst.csv", b"", "leeg"),
        ("lijst.csv", b"  \r\n", "leeg"),
        ("lijst.xlsx", b"PK\x03\x04 not really a zip", "beschadigd"),
        ("lijst.xlsx", b"just text", "beschadigd"),
        ("lijst.csv", b"Naam;E-mail\r\n", "alleen een kopregel"),
        ("lijst.csv", b"Sara;sara@x.nl;4\r\nBas;bas@x.nl;5\r\n", "kopregel"),
        ("lijst.csv", b"Naam;E-mail\r\nSara;s@x.nl;4;extra\r\n", "evenveel kolommen"),
    ],
)
def test_a_file_that_is_no_student_list_gets_a_dutch_reason(db, name, content, says):
    with pytest.raises(ImportFileError) as exc:
        read_student_file(name=name, content=content)
    assert says in exc.value.message


def test_a_corrupted_xlsx_is_refused_with_a_reason(db):
    content = bytearray(xlsx_bytes([["Naam"], ["Sara"]]))
    content[len(content) // 2 : len(content) // 2 + 200] = b"\0" * 200
    with pytest.raises(ImportFileError, match="beschadigd"):
        read_student_file(name="kapot.xlsx", content=bytes(content))


def test_too_large_and_too_long_files_are_refused(db, monkeypatch):
    monkeypatch.setattr(import_services, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError, match="groter dan"):
        read_student_file(name="lijst.csv", content=b"Naam\r\n" + b"Sara\r\n" * 50)
    monkeypatch.setattr(import_services, "MAX_FILE_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(import_services, "MAX_ROWS", 3)
    with pytest.raises(ImportFileError, match="hooguit 3"):
        read_student_file(name="lijst.csv", content=b"Naam\r\n" + b"Sara\r\n" * 4)


# --- mapping ------------------------------------------------------------------------------------


def test_common_dutch_headers_are_mapped_automatically():
    mapping = guess_mapping(HEADER.split(";"))
    assert mapping["first_name"] == "Roepnaam"
    assert mapping["infix"] == "Tussenvoegsel"
    assert mapping["last_name"] == "Achternaam"
    assert mapping["email"] == "E-mailadres"
    assert mapping["student_number"] == "Studentnummer"
    assert mapping["niveau"] == "Niveau"
    assert mapping["school"] == "Locatie/School"
    assert mapping["programme"] == "Opleiding"
    assert mapping["name"] == ""


def test_a_mapping_is_remembered_for_the_next_file_with_the_same_columns(round_cohort, coordinator):
    header = "Nr;Wie;Adres;Lvl;Waar"
    first = upload(round_cohort, coordinator, csv_bytes("1;Sara Jansen;s@x.nl;4;Albeda", header=header))
    assert first.mapping["email"] == ""  # nothing recognisable
    mapping = {"name": "Wie", "email": "Adres", "niveau": "Lvl", "school": "Waar", "student_number": "Nr"}
    student_import_set_mapping(student_import=first, by=coordinator, mapping=mapping)
    assert ImportColumnMapping.objects.count() == 1

    # Same columns, other order and case: mapped at once.
    second = upload(round_cohort, coordinator, csv_bytes("Albeda;4;b@x.nl;Bas Bos;2", header="waar;LVL;Adres;Wie;Nr"))
    assert second.summary["mapping_remembered"] is True
    assert second.mapping["email"] == "Adres"
    assert second.mapping["niveau"] == "LVL"
    assert actions(second) == {2: "new"}


def test_a_mapping_without_email_or_name_is_not_accepted():
    problems_ = import_selectors.mapping_problems({"niveau": "N", "school": "S"}, ["N", "S"])
    assert any("e-mailadres" in p for p in problems_)
    assert any("naam" in p for p in problems_)


# --- the preview ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "niveau"),
    [
        ("4", 4),
        ("niveau 4", 4),
        ("N4", 4),
        ("mbo 4", 4),
        ("MBO-4", 4),
        ("4.0", 4),
        ("Niveau 5", 5),
        ("Ad", 5),
        ("bachelor", 6),
        ("hbo 6", 6),
        ("6", 6),
        ("3", 3),
        ("mbo", None),
        ("hbo", None),
        ("vier", None),
        ("", None),
    ],
)
def test_niveau_is_read_as_schools_write_it(text, niveau):
    assert parse_niveau(text) == niveau


def test_the_preview_names_every_problem_in_dutch(round_cohort, coordinator, other_cohort):
    StudentFactory(username="elders", email="elders@x.nl", profile__cohort=other_cohort)
    UserFactory(username="docent", email="docent@x.nl", role=Role.SUPERVISOR)
    content = csv_bytes(
        row("1", "Goed", "Student", "goed@x.nl"),
        row("2", "Onbekende", "School", "school@x.nl", school="Hogeschool Leiden"),
        row("3", "Niveau", "Drie", "drie@x.nl", niveau="niveau 3"),
        row("4", "Niveau", "Raar", "raar@x.nl", niveau="hoog"),
        row("5", "Geen", "Adres", ""),
        row("6", "Fout", "Adres", "fout@"),
        row("7", "Dubbel", "Een", "dubbel@x.nl"),
        row("8", "Dubbel", "Twee", "DUBBEL@x.nl"),
        row("9", "Nummer", "Een", "nummer1@x.nl"),
        row("9", "Nummer", "Twee", "nummer2@x.nl"),
        row("10", "Ander", "Cohort", "elders@x.nl"),
        row("11", "Geen", "Student", "docent@x.nl"),
        row("12", "", "", "naamloos@x.nl"),
    )
    student_import = upload(round_cohort, coordinator, content)
    found = problems(student_import)
    assert 2 not in found
    assert "School “Hogeschool Leiden” doet niet mee" in found[3]
    assert "Niveau 3 doet niet mee" in found[4]
    assert "Niveau “hoog” is niet duidelijk" in found[5]
    assert "e-mailadres ontbreekt" in found[6]
    assert "“fout@” is geen geldig e-mailadres" in found[7]
    assert "staat ook in rij 9" in found[8]
    assert "staat ook in rij 8" in found[9]
    assert "Studentnummer 9 van deze school staat ook in rij 11" in found[10]
    assert "staat al in een ander actief cohort: Ander cohort" in found[12]
    assert "geen student" in found[13]
    assert "naam ontbreekt" in found[14]
    counts = import_preview(student_import=student_import).counts
    assert counts == {"new": 1, "unchanged": 0, "updated": 0, "problem": 12}


def test_school_names_match_without_regard_to_case_or_spaces(round_cohort, coordinator):
    student_import = upload(
        round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl", school=" ALBEDA "))
    )
    assert actions(student_import) == {2: "new"}


def test_a_school_that_exists_but_is_not_in_the_cohort_is_unknown(round_cohort, coordinator):
    SchoolFactory(name="Hogeschool Leiden", sector="hbo")
    student_import = upload(
        round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl", school="Hogeschool Leiden"))
    )
    assert "doet niet mee in dit cohort" in problems(student_import)[2]


def test_one_school_and_niveau_may_be_chosen_for_a_file_without_those_columns(round_cohort, coordinator, schools):
    student_import = upload(round_cohort, coordinator, csv_bytes("Sara Jansen;s@x.nl", header="Naam;E-mail"))
    mapping = {**student_import.mapping, "fixed_school": str(schools["Zadkine"].pk), "fixed_niveau": "4"}
    student_import_set_mapping(student_import=student_import, by=coordinator, mapping=mapping)
    student_import_confirm(student_import=student_import, by=coordinator)
    profile = StudentProfile.objects.get(user__email="s@x.nl")
    assert (profile.school, profile.niveau) == (schools["Zadkine"], 4)


def test_the_one_niveau_and_school_fill_empty_cells_of_their_columns(round_cohort, coordinator, schools):
    content = csv_bytes(row("1", "Sara", "Jansen", "s@x.nl", niveau="", school=""), row("2", "Bas", "Bos", "b@x.nl"))
    student_import = upload(round_cohort, coordinator, content)
    assert "Het niveau ontbreekt." in problems(student_import)[2]
    mapping = {**student_import.mapping, "fixed_school": str(schools["Zadkine"].pk), "fixed_niveau": "5"}
    student_import_set_mapping(student_import=student_import, by=coordinator, mapping=mapping)
    rows = import_preview(student_import=student_import).rows
    assert [(r.niveau, r.school.name) for r in rows] == [(5, "Zadkine"), (4, "Albeda")]


def test_a_student_of_an_archived_or_ended_cohort_may_move_to_this_one(round_cohort, coordinator, schools):
    old = CohortFactory(name="Vorig jaar", starts_on=dt.date(2024, 9, 1), ends_on=dt.date(2025, 7, 1))
    archived = CohortFactory(name="Gearchiveerd", archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    moved = StudentFactory(username="oud", email="oud@x.nl", profile__cohort=old, profile__school=schools["Albeda"])
    StudentFactory(username="archief", email="archief@x.nl", profile__cohort=archived)
    content = csv_bytes(row("1", "Oud", "Student", "oud@x.nl"), row("2", "Archief", "Student", "archief@x.nl"))
    student_import = upload(round_cohort, coordinator, content)
    assert actions(student_import) == {2: "updated", 3: "updated"}
    student_import_confirm(student_import=student_import, by=coordinator)
    moved.student_profile.refresh_from_db()
    assert moved.student_profile.cohort == round_cohort
    assert moved.student_profile.student_number == "1"


# --- confirming --------------------------------------------------------------------------------


def test_nothing_about_students_is_stored_before_the_coordinator_confirms(round_cohort, coordinator):
    users = User.objects.count()
    student_import = upload(round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl")))
    import_preview(student_import=student_import)
    assert User.objects.count() == users
    assert not StudentProfile.objects.filter(cohort=round_cohort).exists()
    assert StudentImport.objects.get().status == StudentImport.Status.PREVIEW


def test_confirming_creates_accounts_and_profiles_and_skips_rows_with_problems(round_cohort, coordinator, schools):
    content = csv_bytes(
        row("104250", "Jesper", "Rijn", "Jesper.vanRijn@x.nl", infix="van", niveau="niveau 4"),
        row("104251", "Fenna", "Dekker", "fenna@"),
    )
    student_import = upload(round_cohort, coordinator, content)
    done = student_import_confirm(student_import=student_import, by=coordinator)
    user = User.objects.get(email="Jesper.vanRijn@x.nl")
    assert user.role == Role.STUDENT
    assert user.display_name == "Jesper van Rijn"
    assert (user.first_name, user.last_name) == ("Jesper", "van Rijn")
    assert user.username == "jesper.vanrijn@x.nl"
    assert not user.has_usable_password()
    profile = user.student_profile
    assert (profile.niveau, profile.school, profile.programme) == (4, schools["Albeda"], "Sociaal Werk")
    assert (profile.student_number, profile.cohort) == ("104250", round_cohort)
    assert not User.objects.filter(email="fenna@").exists()
    assert done.status == StudentImport.Status.CONFIRMED
    assert done.summary["created"] == 1
    assert done.summary["skipped"] == 1
    assert done.summary["skipped_rows"][0]["line"] == 3
    # The file's rows are not kept once they are stored.
    assert StudentImport.objects.get(pk=done.pk).rows == []


def test_importing_the_same_file_again_changes_nothing(round_cohort, coordinator):
    content = (EXAMPLES / "albeda-studenten.csv").read_bytes()
    first = upload(round_cohort, coordinator, content, name="albeda-studenten.csv")
    student_import_confirm(student_import=first, by=coordinator)
    before = list(User.objects.order_by("pk").values())
    profiles = list(StudentProfile.objects.order_by("pk").values())

    again = upload(round_cohort, coordinator, content, name="albeda-studenten.csv")
    counts = import_preview(student_import=again).counts
    assert counts == {"new": 0, "unchanged": 8, "updated": 0, "problem": 2}
    done = student_import_confirm(student_import=again, by=coordinator)
    assert done.summary["created"] == done.summary["updated"] == 0
    assert list(User.objects.order_by("pk").values()) == before
    assert list(StudentProfile.objects.order_by("pk").values()) == profiles


def test_a_known_student_is_matched_on_student_number_and_school_before_email(round_cohort, coordinator, schools):
    known = StudentFactory(
        username="known", email="oud@x.nl", profile__cohort=round_cohort, profile__school=schools["Albeda"]
    )
    StudentProfile.objects.filter(user=known).update(student_number="104250", niveau=4)
    # The school gave the student a new address: same number, so the same student, now with that address.
    content = csv_bytes(row("104250", "Persoon", "Bekend", "nieuw@x.nl", niveau="5"))
    student_import = upload(round_cohort, coordinator, content)
    preview = import_preview(student_import=student_import)
    assert preview.rows[0].action == "updated"
    assert preview.rows[0].user == known
    student_import_confirm(student_import=student_import, by=coordinator)
    known.refresh_from_db()
    assert known.email == "nieuw@x.nl"
    assert known.student_profile.niveau == 5
    assert User.objects.filter(role=Role.STUDENT).count() == 1


def test_the_same_number_at_another_school_is_another_student(round_cohort, coordinator, schools):
    known = StudentFactory(username="known", email="a@x.nl", profile__cohort=round_cohort)
    StudentProfile.objects.filter(user=known).update(student_number="7", school=schools["Albeda"])
    student_import = upload(round_cohort, coordinator, csv_bytes(row("7", "Ander", "Mens", "b@x.nl", school="Zadkine")))
    assert actions(student_import) == {2: "new"}


def test_a_known_student_without_number_is_matched_on_email_and_gets_the_number(round_cohort, coordinator, schools):
    known = StudentFactory(
        username="known", email="Sara@X.nl", profile__cohort=round_cohort, profile__school=schools["Albeda"]
    )
    student_import = upload(round_cohort, coordinator, csv_bytes(row("55", "Sara", "Jansen", "sara@x.nl")))
    preview = import_preview(student_import=student_import)
    assert preview.rows[0].user == known
    student_import_confirm(student_import=student_import, by=coordinator)
    known.refresh_from_db()
    assert known.student_profile.student_number == "55"
    assert known.email == "sara@x.nl"


def test_an_email_that_belongs_to_another_student_than_the_number_is_a_problem(round_cohort, coordinator, schools):
    one = StudentFactory(username="one", email="one@x.nl", profile__cohort=round_cohort)
    StudentProfile.objects.filter(user=one).update(student_number="1", school=schools["Albeda"])
    StudentFactory(username="two", email="two@x.nl", profile__cohort=round_cohort)
    student_import = upload(round_cohort, coordinator, csv_bytes(row("1", "Een", "Student", "two@x.nl")))
    assert "hoort al bij een ander account" in problems(student_import)[2]


def test_a_username_already_taken_gets_a_number(round_cohort, coordinator):
    UserFactory(username="sara@x.nl", email="iemand-anders@x.nl", role=Role.COORDINATOR)
    student_import = upload(round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "sara@x.nl")))
    student_import_confirm(student_import=student_import, by=coordinator)
    assert User.objects.get(email="sara@x.nl", role=Role.STUDENT).username == "sara@x.nl-2"


def test_a_failing_write_midway_stores_nothing(round_cohort, coordinator, monkeypatch):
    content = csv_bytes(row("1", "Sara", "Jansen", "s@x.nl"), row("2", "Bas", "Bos", "b@x.nl"))
    student_import = upload(round_cohort, coordinator, content)
    users = User.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # The accounts are written, then the profiles fail: the accounts must go too.
    monkeypatch.setattr(StudentProfile.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        student_import_confirm(student_import=student_import, by=coordinator)
    assert User.objects.count() == users
    student_import.refresh_from_db()
    assert student_import.status == StudentImport.Status.PREVIEW


def test_confirm_takes_the_same_number_of_queries_for_10_and_50_rows(round_cohort, coordinator):
    def queries_for(n: int, start: int) -> int:
        rows = [row(str(start + i), f"Naam{i}", "Student", f"s{start + i}@x.nl") for i in range(n)]
        student_import = upload(round_cohort, coordinator, csv_bytes(*rows))
        with count_queries() as captured:
            student_import_confirm(student_import=student_import, by=coordinator)
        return len(captured)

    assert queries_for(10, 1000) == queries_for(50, 2000)


def test_a_confirmed_or_discarded_import_cannot_be_confirmed_again(round_cohort, coordinator):
    student_import = upload(round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl")))
    student_import_discard(student_import=student_import, by=coordinator)
    assert student_import.rows == []
    with pytest.raises(RuleViolation):
        student_import_confirm(student_import=student_import, by=coordinator)
    assert not User.objects.filter(email="s@x.nl").exists()


def test_an_archived_cohort_takes_no_imports(round_cohort, coordinator):
    student_import = upload(round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl")))
    round_cohort.archived_at = dt.datetime(2027, 7, 2, tzinfo=dt.UTC)
    round_cohort.save()
    with pytest.raises(RuleViolation) as exc:
        upload(round_cohort, coordinator, csv_bytes(row("1", "Sara", "Jansen", "s@x.nl")))
    assert exc.value.code == "cohort_archived"
    with pytest.raises(RuleViolation):
        student_import_confirm(student_import=student_import, by=coordinator)
    assert not User.objects.filter(email="s@x.nl").exists()


# --- the example files -----------------------------------------------------------------------


def test_the_example_files_import_with_the_problems_they_show(round_cohort, coordinator):
    albeda = upload(round_cohort, coordinator, (EXAMPLES / "albeda-studenten.csv").read_bytes(), "albeda-studenten.csv")
    assert import_preview(student_import=albeda).counts == {"new": 8, "unchanged": 0, "updated": 0, "problem": 2}
    hr_file = (EXAMPLES / "hogeschool-rotterdam-studenten.xlsx").read_bytes()
    hr = upload(round_cohort, coordinator, hr_file, "hogeschool-rotterdam-studenten.xlsx")
    assert hr.mapping["name"] == "Naam"
    assert hr.mapping["niveau"] == "Opleidingsniveau"
    assert hr.mapping["school"] == "Instelling"
    preview = import_preview(student_import=hr)
    assert preview.counts == {"new": 8, "unchanged": 0, "updated": 0, "problem": 1}
    student_import_confirm(student_import=hr, by=coordinator)
    sara = User.objects.get(email="1073341@hr.example")
    assert (sara.display_name, sara.student_profile.niveau) == ("Sara el Khatib", 6)
    assert sara.student_profile.student_number == "1073341"
    assert User.objects.get(email="1080014@hr.example").student_profile.niveau == 5


def test_a_confirmed_import_is_one_audit_entry_in_its_cohort_without_names_or_niveaus(round_cohort, coordinator):
    from wijklab.models import AuditEntry, AuditKind

    content = csv_bytes(row("104250", "Jesper", "Rijn", "jesper@x.nl"), row("104251", "Fenna", "Dekker", "fenna@"))
    student_import = upload(round_cohort, coordinator, content)
    assert not AuditEntry.objects.filter(kind=AuditKind.IMPORT).exists()  # a preview is not an import
    student_import_confirm(student_import=student_import, by=coordinator)
    entry = AuditEntry.objects.get(kind=AuditKind.IMPORT)
    assert (entry.actor, entry.cohort) == (coordinator, round_cohort)
    assert entry.object_id == str(student_import.pk)
    assert "1 nieuw" in entry.description
    assert "1 overgeslagen" in entry.description
    assert "Jesper" not in entry.description
    assert "Sociaal Werk" not in entry.description
    assert "niveau" not in entry.description.lower()
