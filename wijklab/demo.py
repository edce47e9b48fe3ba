"""Demo data for identity: a Rotterdam-region cohort with people of every role.

Idempotent: everything is looked up by a natural key and only created when
missing, so a second run changes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from wijklab.models import (
    Cohort,
    Competence,
    Neighbourhood,
    Organisation,
    Role,
    School,
    StudentProfile,
    SupervisorKind,
    SupervisorProfile,
    User,
)

COHORT_NAME = "Wijklab Rotterdam-Zuid & Capelle 2026-2027"

SCHOOLS = [
    ("Albeda", "mbo", "Rotterdam"),
    ("Zadkine", "mbo", "Rotterdam"),
    ("Hogeschool Rotterdam", "hbo", "Rotterdam"),
    ("Hogeschool Inholland Rotterdam", "hbo", "Rotterdam"),
]

ORGANISATIONS = [
    ("DOCK", "Rotterdam", "Sociaal werk in Rotterdamse wijken: opbouwwerk, buurtwerk en ondersteuning van bewoners."),
    (
        "Welzijn Capelle",
        "Capelle aan den IJssel",
        "Welzijnswerk, ouderenwerk en jongerenwerk in Capelle aan den IJssel.",
    ),
    ("Buurtwerk", "Rotterdam", "Buurthuizen, jongerenwerk en talentontwikkeling in Rotterdam-Zuid."),
    ("Wijkteam Feijenoord", "Rotterdam", "Het wijkteam voor hulp bij zorg, opvoeden, geld en wonen in Feijenoord."),
]

NEIGHBOURHOODS = [
    ("Feijenoord", "Rotterdam"),
    ("Afrikaanderwijk", "Rotterdam"),
    ("Bloemhof", "Rotterdam"),
    ("Hillesluis", "Rotterdam"),
    ("Tarwewijk", "Rotterdam"),
    ("Carnisse", "Rotterdam"),
    ("Bospolder-Tussendijken", "Rotterdam"),
    ("Oude Westen", "Rotterdam"),
    ("Schollevaar", "Capelle aan den IJssel"),
    ("Oostgaarde", "Capelle aan den IJssel"),
    ("Middelwatering", "Capelle aan den IJssel"),
    ("'s-Gravenland", "Capelle aan den IJssel"),
]

COMPETENCES = [
    ("Contact leggen met bewoners", "Laagdrempelig in gesprek gaan, vertrouwen opbouwen."),
    ("Gespreksvoering", "Motiverende en verhelderende gesprekken voeren."),
    ("Activiteiten organiseren", "Groepsactiviteiten en bijeenkomsten opzetten en draaien."),
    ("Netwerken en samenwerken", "Partners in de wijk kennen en inschakelen."),
    ("Signaleren", "Zorgen en risico's opmerken en bespreekbaar maken."),
    ("Vraagverheldering", "Samen met bewoners de echte vraag achter de vraag vinden."),
    ("Rapporteren", "Helder en feitelijk vastleggen en verantwoorden."),
    ("Jongerenwerk", "Aansluiten bij de leefwereld van jongeren."),
    ("Ouderenwerk", "Werken met (eenzame) ouderen en mantelzorgers."),
    ("Meertaligheid", "Gesprekken voeren in meer talen dan Nederlands."),
    ("Digitale vaardigheden", "Bewoners helpen met digitale zaken en formulieren."),
    ("Projectplanning", "Plannen, overzicht houden en afspraken bewaken."),
]

# username, display name, niveau, school, programme, competence indexes, days
STUDENTS = [
    ("student4", "Sanne de Vries", 4, "Albeda", "Sociaal Werk (mbo 4)", [0, 2, 8], [0, 1, 3]),
    ("student5", "Youssef El Amrani", 5, "Hogeschool Rotterdam", "Ad Sociaal Werk", [1, 3, 9], [0, 2, 3]),
    ("student6", "Lotte Jansen", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [4, 5, 6], [1, 2, 3]),
    ("mila.bakker", "Mila Bakker", 4, "Albeda", "Sociaal Werk (mbo 4)", [0, 7, 10], [0, 1, 2]),
    ("daan.visser", "Daan Visser", 4, "Zadkine", "Sociaal Werk (mbo 4)", [2, 7, 11], [1, 3, 4]),
    ("fatima.ouali", "Fatima Ouali", 4, "Zadkine", "Sociaal Werk (mbo 4)", [0, 8, 9], [0, 2, 4]),
    ("kevin.vandam", "Kevin van Dam", 4, "Albeda", "Sociaal Werk (mbo 4)", [2, 10, 11], [0, 1, 3]),
    ("ayse.yilmaz", "Ayşe Yılmaz", 4, "Zadkine", "Sociaal Werk (mbo 4)", [0, 1, 9], [1, 2, 3]),
    ("jayden.martina", "Jayden Martina", 4, "Albeda", "Sociaal Werk (mbo 4)", [7, 2, 0], [2, 3, 4]),
    ("noor.hendriks", "Noor Hendriks", 4, "Zadkine", "Sociaal Werk (mbo 4)", [8, 0, 6], [0, 3, 4]),
    ("ricardo.silva", "Ricardo Silva", 4, "Albeda", "Sociaal Werk (mbo 4)", [10, 9, 2], [0, 1, 2]),
    ("emma.smit", "Emma Smit", 4, "Zadkine", "Sociaal Werk (mbo 4)", [8, 2, 4], [1, 2, 4]),
    ("bilal.chaouch", "Bilal Chaouch", 4, "Albeda", "Sociaal Werk (mbo 4)", [7, 0, 9], [0, 2, 3]),
    ("julia.mulder", "Julia Mulder", 4, "Zadkine", "Sociaal Werk (mbo 4)", [0, 2, 6], [1, 3, 4]),
    ("priya.ramdin", "Priya Ramdin", 5, "Hogeschool Rotterdam", "Ad Sociaal Werk", [1, 5, 11], [0, 1, 3]),
    ("tim.dekker", "Tim Dekker", 5, "Hogeschool Inholland Rotterdam", "Ad Sociaal Werk", [3, 11, 6], [1, 3, 4]),
    ("samira.benali", "Samira Benali", 5, "Hogeschool Rotterdam", "Ad Sociaal Werk", [9, 0, 5], [0, 2, 4]),
    ("lucas.bos", "Lucas Bos", 5, "Hogeschool Inholland Rotterdam", "Ad Sociaal Werk", [2, 3, 10], [0, 3, 4]),
    ("chantal.rozenberg", "Chantal Rozenberg", 5, "Hogeschool Rotterdam", "Ad Sociaal Werk", [8, 1, 4], [1, 2, 3]),
    (
        "mohamed.elidrissi",
        "Mohamed El Idrissi",
        5,
        "Hogeschool Inholland Rotterdam",
        "Ad Sociaal Werk",
        [7, 9, 3],
        [0, 1, 4],
    ),
    ("iris.vanleeuwen", "Iris van Leeuwen", 5, "Hogeschool Rotterdam", "Ad Sociaal Werk", [5, 6, 11], [2, 3, 4]),
    ("anouk.meijer", "Anouk Meijer", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [3, 5, 11], [0, 1, 2]),
    (
        "thomas.vanderberg",
        "Thomas van der Berg",
        6,
        "Hogeschool Inholland Rotterdam",
        "Social Work (bachelor)",
        [4, 6, 1],
        [0, 3, 4],
    ),
    ("zeynep.kaya", "Zeynep Kaya", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [9, 1, 7], [1, 2, 4]),
    (
        "ruben.dejong",
        "Ruben de Jong",
        6,
        "Hogeschool Inholland Rotterdam",
        "Social Work (bachelor)",
        [11, 3, 6],
        [0, 2, 3],
    ),
    ("sophie.brouwer", "Sophie Brouwer", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [4, 5, 8], [1, 3, 4]),
    ("nathan.tjon", "Nathan Tjon", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [7, 4, 3], [0, 1, 3]),
    (
        "hanna.wouters",
        "Hanna Wouters",
        6,
        "Hogeschool Inholland Rotterdam",
        "Social Work (bachelor)",
        [5, 1, 6],
        [2, 3, 4],
    ),
    ("omar.haddou", "Omar Haddou", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [9, 4, 0], [0, 2, 4]),
    ("eva.koster", "Eva Koster", 6, "Hogeschool Inholland Rotterdam", "Social Work (bachelor)", [6, 11, 5], [0, 1, 2]),
    ("stijn.verbeek", "Stijn Verbeek", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [3, 4, 10], [1, 3, 4]),
    ("maria.santos", "Maria Santos", 4, "Albeda", "Sociaal Werk (mbo 4)", [9, 8, 0], [0, 1, 4]),
    ("dewi.pinas", "Dewi Pinas", 4, "Zadkine", "Sociaal Werk (mbo 4)", [2, 0, 7], [2, 3, 4]),
    ("lars.peeters", "Lars Peeters", 5, "Hogeschool Inholland Rotterdam", "Ad Sociaal Werk", [11, 2, 10], [0, 2, 3]),
    ("yara.haddad", "Yara Haddad", 6, "Hogeschool Rotterdam", "Social Work (bachelor)", [1, 5, 9], [1, 2, 3]),
    ("jesse.vermeulen", "Jesse Vermeulen", 4, "Albeda", "Sociaal Werk (mbo 4)", [0, 10, 2], [0, 3, 4]),
]

# A student who has just signed in for the first time: no competences, no weekdays yet, so the
# "complete your profile" nudge and the coordinator's readiness list have someone to show.
# Kept apart from STUDENTS (and sorted last) so the demo teams never pick them.
INCOMPLETE_PROFILE_STUDENT = ("zoe.nieuwkoop", "Zoë Nieuwkoop", 4, "Zadkine", "Sociaal Werk (mbo 4)")

# username, display name, kind, school, organisation
SUPERVISORS = [
    ("docent.mbo", "Marieke Verhoeven", SupervisorKind.MBO_DOCENT, "Albeda", None),
    ("docent.mbo2", "Hasan Öztürk", SupervisorKind.MBO_DOCENT, "Zadkine", None),
    ("docent.hbo", "Pieter van Wijk", SupervisorKind.HBO_DOCENT, "Hogeschool Rotterdam", None),
    ("docent.hbo2", "Nadia Boukhari", SupervisorKind.HBO_DOCENT, "Hogeschool Inholland Rotterdam", None),
    ("werkbegeleider", "Ingrid Kramer", SupervisorKind.WERKBEGELEIDER, None, "DOCK"),
    ("werkbegeleider.capelle", "Ronald Groen", SupervisorKind.WERKBEGELEIDER, None, "Welzijn Capelle"),
]

# username, display name, organisation
ORGANISATION_CONTACTS = [
    ("dock", "Esther Willems", "DOCK"),
    ("welzijncapelle", "Gerard Vos", "Welzijn Capelle"),
    ("buurtwerk", "Latifa Amrani", "Buurtwerk"),
    ("wijkteam", "Kees Dijkstra", "Wijkteam Feijenoord"),
]

COORDINATOR = ("coordinator", "Annemiek Hoekstra")


@dataclass
class DemoContext:
    cohort: Cohort
    schools: dict[str, School]
    organisations: dict[str, Organisation]
    neighbourhoods: dict[str, Neighbourhood]
    competences: list[Competence]
    coordinator: User
    users: dict[str, User]


def _user(username: str, display_name: str, role: str, **extra: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _, last = display_name.partition(" ")
        user = User(
            username=username,
            display_name=display_name,
            first_name=first,
            last_name=last,
            role=role,
            email=f"{username}@demo.wijklab.nl",
            **extra,
        )
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
    return user


def seed() -> DemoContext:
    schools = {
        name: School.objects.get_or_create(name=name, defaults={"sector": sector, "city": city})[0]
        for name, sector, city in SCHOOLS
    }
    organisations = {
        name: Organisation.objects.get_or_create(name=name, defaults={"city": city, "description": text})[0]
        for name, city, text in ORGANISATIONS
    }
    neighbourhoods = {
        name: Neighbourhood.objects.get_or_create(name=name, municipality=municipality)[0]
        for name, municipality in NEIGHBOURHOODS
    }
    competences = [
        Competence.objects.get_or_create(name=name, defaults={"description": text})[0] for name, text in COMPETENCES
    ]
    cohort, _ = Cohort.objects.get_or_create(
        name=COHORT_NAME,
        defaults={"starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2027, 7, 1)},
    )
    coordinator = _user(*COORDINATOR, Role.COORDINATOR)
    cohort.coordinators.add(coordinator)
    cohort.schools.add(*schools.values())
    if not cohort.competences.exists():
        cohort.competences.set(competences)
    users: dict[str, User] = {coordinator.username: coordinator}

    for username, name, niveau, school, programme, comp_idx, days in STUDENTS:
        user = _user(username, name, Role.STUDENT)
        users[username] = user
        profile, created = StudentProfile.objects.get_or_create(
            user=user,
            defaults={
                "niveau": niveau,
                "school": schools[school],
                "programme": programme,
                "cohort": cohort,
                "available_days": days,
            },
        )
        if created:
            profile.competences.set([competences[i] for i in comp_idx])

    username, name, niveau, school, programme = INCOMPLETE_PROFILE_STUDENT
    users[username] = _user(username, name, Role.STUDENT)
    StudentProfile.objects.get_or_create(
        user=users[username],
        defaults={"niveau": niveau, "school": schools[school], "programme": programme, "cohort": cohort},
    )

    for username, name, kind, school, organisation in SUPERVISORS:
        user = _user(username, name, Role.SUPERVISOR)
        users[username] = user
        SupervisorProfile.objects.get_or_create(
            user=user,
            defaults={
                "kind": kind,
                "school": schools[school] if school else None,
                "organisation": organisations[organisation] if organisation else None,
            },
        )

    for username, name, organisation in ORGANISATION_CONTACTS:
        users[username] = _user(username, name, Role.ORGANISATION, organisation=organisations[organisation])

    # Who takes part, as a coordinator's cohort page shows it.
    cohort.supervisors.add(*(users[username] for username, *_rest in SUPERVISORS))
    cohort.organisations.add(*organisations.values())

    return DemoContext(
        cohort=cohort,
        schools=schools,
        organisations=organisations,
        neighbourhoods=neighbourhoods,
        competences=competences,
        coordinator=coordinator,
        users=users,
    )


DEMO_LOGINS = [
    ("coordinator", "coördinator"),
    ("dock", "organisatie (DOCK)"),
    ("welzijncapelle", "organisatie (Welzijn Capelle)"),
    ("buurtwerk", "organisatie (Buurtwerk)"),
    ("wijkteam", "organisatie (Wijkteam Feijenoord)"),
    ("docent.mbo", "mbo-docent"),
    ("docent.hbo", "hbo-docent"),
    ("werkbegeleider", "werkbegeleider (DOCK)"),
    ("student4", "student niveau 4"),
    ("student5", "student niveau 5"),
    ("student6", "student niveau 6"),
    ("zoe.nieuwkoop", "student, profiel nog niet compleet"),
]
