"""Regional data at scale (``manage.py seed_scale``): identity's part, and the context the apps extend.

Four regional cohorts with 5,000 students at factor 1, their schools, organisations (each with a
contact and a werkbegeleider), docenten and coordinators, in the shapes of ``wijklab.demo``.
Everything is written with ``bulk_create``; every name starts with ``scale.`` or ends in
``(schaal)`` so the data set can be recognised and removed again (``reset``).

Each app adds its part in ``<app>/scale.py`` (``seed(ctx)`` and ``reset(ctx)``), run in order by
the command, as ``seed_demo`` runs ``<app>/demo.py``.
"""

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from wijklab.demo import COMPETENCES, NEIGHBOURHOODS
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

USERNAME_PREFIX = "scale."
MARK = " (schaal)"
BATCH = 2_000

# At factor 1 (issue 18, "Data at scale"): the other counts live in the apps' modules.
STUDENTS = 5_000
ORGANISATIONS = 40
DOCENTEN_PER_KIND_PER_COHORT = 12

REGIONS = [
    ("Rotterdam-Zuid", ["Feijenoord", "Afrikaanderwijk", "Bloemhof", "Hillesluis", "Tarwewijk", "Carnisse"]),
    ("Capelle", ["Schollevaar", "Oostgaarde", "Middelwatering", "'s-Gravenland"]),
    ("Rotterdam-West", ["Bospolder-Tussendijken", "Oude Westen"]),
    ("Rotterdam-Noord", ["Oude Westen", "Carnisse", "Hillesluis"]),
]
SCHOOLS = [
    ("Albeda", "mbo"),
    ("Zadkine", "mbo"),
    ("Hogeschool Rotterdam", "hbo"),
    ("Hogeschool Inholland Rotterdam", "hbo"),
]
PROGRAMMES = {4: "Sociaal Werk (mbo 4)", 5: "Ad Sociaal Werk", 6: "Social Work (bachelor)"}
# The mix of a region's intake: more mbo than hbo, few associate-degree students.
NIVEAU_WEIGHTS = {4: 45, 5: 20, 6: 35}
ORGANISATION_KINDS = ["Wijkteam", "Welzijn", "Buurtwerk", "Jongerenwerk", "Ouderenwerk"]
FIRST_NAMES = [
    "Sanne", "Youssef", "Lotte", "Mila", "Daan", "Fatima", "Kevin", "Ayşe", "Jayden", "Noor", "Ricardo", "Emma",
    "Bilal", "Julia", "Priya", "Tim", "Samira", "Lucas", "Chantal", "Mohamed", "Iris", "Anouk", "Thomas", "Zeynep",
    "Ruben", "Sophie", "Nathan", "Hanna", "Omar", "Eva", "Stijn", "Maria", "Dewi", "Lars", "Yara", "Jesse",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "El Amrani", "Jansen", "Bakker", "Visser", "Ouali", "van Dam", "Yılmaz", "Martina", "Hendriks",
    "Silva", "Smit", "Chaouch", "Mulder", "Ramdin", "Dekker", "Benali", "Bos", "Rozenberg", "El Idrissi",
    "van Leeuwen", "Meijer", "van der Berg", "Kaya", "de Jong", "Brouwer", "Tjon", "Wouters", "Haddou", "Koster",
]  # fmt: skip

# The well-known accounts printed at the end (password: settings.DEMO_PASSWORD).
LOGINS = [
    ("scale.coordinator", "coördinator van de eerste regio"),
    ("scale.student1", "student in een team (eerste regio)"),
    ("scale.docent.mbo", "mbo-docent (eerste regio)"),
    ("scale.docent.hbo", "hbo-docent (eerste regio)"),
    ("scale.werkbegeleider1", "werkbegeleider van scale.org1's organisatie"),
    ("scale.org1", "organisatiecontact (eerste regio)"),
]


def scaled(count: int, factor: float, *, minimum: int = 1) -> int:
    return max(minimum, round(count * factor))


def bulk(model: type, rows: list, *, batch_size: int = BATCH) -> list:
    """``bulk_create`` in batches (the database backend lowers the batch where it must)."""
    return model.objects.bulk_create(rows, batch_size=batch_size)


@dataclass
class Student:
    id: int
    niveau: int
    cohort_id: int


@dataclass
class ScaleContext:
    factor: float
    seed: int
    rng: random.Random
    out: Callable[[str], None]
    today: dt.date
    cohorts: list[Cohort] = field(default_factory=list)
    schools: dict[str, School] = field(default_factory=dict)
    competences: list[Competence] = field(default_factory=list)
    neighbourhoods: dict[int, list[Neighbourhood]] = field(default_factory=dict)  # per cohort id
    organisations: dict[int, list[Organisation]] = field(default_factory=dict)  # per cohort id
    contact_of: dict[int, int] = field(default_factory=dict)  # organisation id -> contact user id
    werkbegeleider_of: dict[int, int] = field(default_factory=dict)  # organisation id -> user id
    coordinator_of: dict[int, int] = field(default_factory=dict)  # cohort id -> user id
    docenten: dict[int, dict[str, list[int]]] = field(default_factory=dict)  # cohort id -> kind -> user ids
    students: list[Student] = field(default_factory=list)
    # Filled by the apps for the ones after them.
    extra: dict[str, object] = field(default_factory=dict)

    def scaled(self, count: int, *, minimum: int = 1) -> int:
        return scaled(count, self.factor, minimum=minimum)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Prints ``5.000 studenten… klaar in 12 s`` around one part of the work."""
        started = time.monotonic()
        self.out(f"{label}…")
        yield
        self.out(f"  klaar in {time.monotonic() - started:.1f} s")


def dutch_count(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def exists() -> bool:
    return User.objects.filter(username__startswith=USERNAME_PREFIX).exists()


def scale_cohorts() -> list[Cohort]:
    return list(Cohort.objects.filter(name__endswith=MARK))


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _users(rows: list[tuple[str, str, str, int | None]], password: str, rng: random.Random) -> dict[str, int]:
    """Creates users (username, role, email domain, organisation id); returns username -> id."""
    users = []
    for username, role, domain, organisation_id in rows:
        first, last = _name(rng)
        users.append(
            User(
                username=username,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                display_name=f"{first} {last}",
                email=f"{username}@{domain}",
                organisation_id=organisation_id,
            )
        )
    bulk(User, users)
    return dict(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", "id"))


def seed(ctx: ScaleContext) -> None:
    rng = ctx.rng
    # One hash for every account: hashing 5,000 passwords would take longer than the rest together.
    password = make_password(settings.DEMO_PASSWORD)
    with ctx.step("scholen, organisaties, wijken en cohorten"):
        ctx.schools = {
            name: School.objects.get_or_create(name=name, defaults={"sector": sector, "city": "Rotterdam"})[0]
            for name, sector in SCHOOLS
        }
        ctx.competences = [
            Competence.objects.get_or_create(name=name, defaults={"description": text})[0] for name, text in COMPETENCES
        ]
        municipality = dict(NEIGHBOURHOODS)
        cohorts = bulk(
            Cohort,
            [
                Cohort(
                    name=f"Wijklab {region} 2026-2027{MARK}",
                    starts_on=dt.date(2026, 9, 1),
                    ends_on=dt.date(2027, 7, 1),
                    preferences_open=False,
                )
                for region, _places in REGIONS
            ],
        )
        ctx.cohorts = list(Cohort.objects.filter(name__in=[c.name for c in cohorts]).order_by("pk"))
        organisations = bulk(
            Organisation,
            [
                Organisation(
                    name=f"{ORGANISATION_KINDS[i % len(ORGANISATION_KINDS)]} {REGIONS[i % len(REGIONS)][0]} "
                    f"{i // len(REGIONS) + 1}{MARK}",
                    city="Rotterdam",
                    description="Sociaal werk in de wijk: bewoners, jongeren, ouderen en mantelzorgers.",
                )
                for i in range(ctx.scaled(ORGANISATIONS, minimum=len(REGIONS)))
            ],
        )
        organisations = list(Organisation.objects.filter(name__in=[o.name for o in organisations]).order_by("pk"))
        for index, cohort in enumerate(ctx.cohorts):
            ctx.organisations[cohort.pk] = organisations[index :: len(ctx.cohorts)]
            ctx.neighbourhoods[cohort.pk] = [
                Neighbourhood.objects.get_or_create(name=name, municipality=municipality[name])[0]
                for name in REGIONS[index][1]
            ]
            cohort.schools.add(*ctx.schools.values())
            cohort.competences.set(ctx.competences)
            cohort.organisations.add(*ctx.organisations[cohort.pk])

    with ctx.step(f"coördinatoren, {dutch_count(len(organisations))} organisatiecontacten en begeleiders"):
        rows: list[tuple[str, str, str, int | None]] = []
        for index, _cohort in enumerate(ctx.cohorts):
            rows.append(("scale.coordinator" + (str(index + 1) if index else ""), Role.COORDINATOR, "regio.nl", None))
        for number, organisation in enumerate(organisations, start=1):
            rows.append((f"scale.org{number}", Role.ORGANISATION, "organisatie.nl", organisation.pk))
            rows.append((f"scale.werkbegeleider{number}", Role.SUPERVISOR, "organisatie.nl", None))
        docenten_per_kind = ctx.scaled(DOCENTEN_PER_KIND_PER_COHORT)
        for index, _cohort in enumerate(ctx.cohorts):
            for kind in ("mbo", "hbo"):
                for number in range(docenten_per_kind):
                    serial = index * docenten_per_kind + number + 1
                    rows.append(
                        (
                            f"scale.docent.{kind}" + (str(serial) if serial > 1 else ""),
                            Role.SUPERVISOR,
                            "school.nl",
                            None,
                        )
                    )
        ids = _users(rows, password, rng)
        mbo_schools = [s for s in ctx.schools.values() if s.sector == School.Sector.MBO]
        hbo_schools = [s for s in ctx.schools.values() if s.sector == School.Sector.HBO]
        profiles = []
        for number, organisation in enumerate(organisations, start=1):
            ctx.contact_of[organisation.pk] = ids[f"scale.org{number}"]
            ctx.werkbegeleider_of[organisation.pk] = ids[f"scale.werkbegeleider{number}"]
            profiles.append(
                SupervisorProfile(
                    user_id=ids[f"scale.werkbegeleider{number}"],
                    kind=SupervisorKind.WERKBEGELEIDER,
                    organisation=organisation,
                )
            )
        for index, cohort in enumerate(ctx.cohorts):
            ctx.coordinator_of[cohort.pk] = ids["scale.coordinator" + (str(index + 1) if index else "")]
            cohort.coordinators.add(ctx.coordinator_of[cohort.pk])
            ctx.docenten[cohort.pk] = {SupervisorKind.MBO_DOCENT: [], SupervisorKind.HBO_DOCENT: []}
            for kind, schools in (("mbo", mbo_schools), ("hbo", hbo_schools)):
                for number in range(docenten_per_kind):
                    serial = index * docenten_per_kind + number + 1
                    user_id = ids[f"scale.docent.{kind}" + (str(serial) if serial > 1 else "")]
                    supervisor_kind = SupervisorKind.MBO_DOCENT if kind == "mbo" else SupervisorKind.HBO_DOCENT
                    ctx.docenten[cohort.pk][supervisor_kind].append(user_id)
                    profiles.append(
                        SupervisorProfile(user_id=user_id, kind=supervisor_kind, school=schools[number % len(schools)])
                    )
            werkbegeleiders = [ctx.werkbegeleider_of[o.pk] for o in ctx.organisations[cohort.pk]]
            cohort.supervisors.add(
                *(id_ for ids_ in ctx.docenten[cohort.pk].values() for id_ in ids_), *werkbegeleiders
            )
        bulk(SupervisorProfile, profiles)

    count = ctx.scaled(STUDENTS, minimum=len(REGIONS) * 6)
    with ctx.step(f"{dutch_count(count)} studenten"):
        niveaus = rng.choices(list(NIVEAU_WEIGHTS), weights=list(NIVEAU_WEIGHTS.values()), k=count)
        niveaus[0] = 4  # scale.student1, a well-known login: niveau 4 and placed in the first team
        rows = [(f"scale.student{n}", Role.STUDENT, "student.nl", None) for n in range(1, count + 1)]
        ids = _users(rows, password, rng)
        profiles = []
        for n, niveau in enumerate(niveaus, start=1):
            cohort = ctx.cohorts[(n - 1) % len(ctx.cohorts)]
            sector = School.Sector.MBO if niveau == 4 else School.Sector.HBO
            schools = [s for s in ctx.schools.values() if s.sector == sector]
            user_id = ids[f"scale.student{n}"]
            profiles.append(
                StudentProfile(
                    user_id=user_id,
                    niveau=niveau,
                    school=schools[n % len(schools)],
                    programme=PROGRAMMES[niveau],
                    cohort=cohort,
                    available_days=sorted(rng.sample(range(5), k=3)),
                    student_number=f"S{n:06d}",
                )
            )
            ctx.students.append(Student(id=user_id, niveau=niveau, cohort_id=cohort.pk))
        profiles = bulk(StudentProfile, profiles)
        profile_ids = dict(
            StudentProfile.objects.filter(user_id__in=[s.id for s in ctx.students]).values_list("user_id", "id")
        )
        through = StudentProfile.competences.through
        bulk(
            through,
            [
                through(studentprofile_id=profile_ids[s.id], competence_id=c.pk)
                for s in ctx.students
                for c in rng.sample(ctx.competences, k=3)
            ],
        )


def reset(ctx: ScaleContext) -> None:
    """Removes identity's part; runs last, after the apps removed theirs."""
    cohorts = scale_cohorts()
    users = User.objects.filter(username__startswith=USERNAME_PREFIX)
    StudentProfile.objects.filter(user__in=users).delete()
    SupervisorProfile.objects.filter(user__in=users).delete()
    users.delete()
    Cohort.objects.filter(pk__in=[c.pk for c in cohorts]).delete()
    Organisation.objects.filter(name__endswith=MARK).delete()
