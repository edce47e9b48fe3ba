"""How long importing a 2,000-student list takes: read, preview, confirm, and the same file again.

Not a test: run it by hand (see docs/benchmarks.md, "Student import"). It
makes a throw-away database the way the test suite does (``test_<name>``:
in memory for SQLite, a fresh PostgreSQL database when DATABASE_URL points
at one), seeds one cohort with four schools and 200 students already known
to Wijklab (so some rows are updates, as in real life), generates a
semicolon CSV and an Excel file of ``--rows`` students with Dutch headers,
and times each step of ``wijklab.import_services`` in ``--rounds`` rounds
(each round rolled back). The **baseline** is the floor for storing the same
students: one ``bulk_create`` of the accounts and one of the profiles,
without reading, checking or matching anything.

    .venv/bin/python bench/import_students.py --rows 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wijklab_import_bench SECRET_KEY=bench \\
        .venv/bin/python bench/import_students.py --rows 2000
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Studentnummer", "Roepnaam", "Tussenvoegsel", "Achternaam", "E-mailadres", "Opleiding", "Niveau", "School"]
SCHOOLS = [("Albeda", 4), ("Zadkine", 4), ("Hogeschool Rotterdam", 6), ("Hogeschool Inholland Rotterdam", 5)]
KNOWN = 200  # students of the list that Wijklab already has (in an ended cohort): they become updates


def student_rows(n: int) -> list[list[str]]:
    rows = []
    for i in range(n):
        school, niveau = SCHOOLS[i % len(SCHOOLS)]
        infix = "van der" if i % 7 == 0 else ""
        name = [f"Voornaam{i}", infix, f"Achternaam{i}"]
        niveau_text = f"niveau {niveau}" if i % 3 else str(niveau)
        rows.append([str(500_000 + i), *name, f"student{i}@bench.example", "Sociaal Werk", niveau_text, school])
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\r\n".join(";".join(r) for r in [HEADER, *rows]) + "\r\n").encode("utf-8-sig")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    for r in rows:
        workbook.active.append([int(r[0]), *r[1:]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def floor(rows: list[list[str]], school: object, cohort: object) -> None:
    """The baseline: store the same students with nothing read, checked or matched."""
    from wijklab.models import Role, StudentProfile, User

    users = User.objects.bulk_create(
        [User(username=r[4], email=r[4], display_name=r[1], role=Role.STUDENT) for r in rows]
    )
    StudentProfile.objects.bulk_create(
        [StudentProfile(user=u, niveau=4, school=school, programme="x", cohort=cohort) for u in users]
    )


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not 10 <= args.rows <= 5000:
        raise SystemExit("refusing: 10–5,000 rows (the import's own limit)")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # seeding only
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import datetime as dt

        from wijklab.import_selectors import import_preview
        from wijklab.import_services import read_student_file, student_import_confirm, student_import_create
        from wijklab.models import Cohort, Role, School, StudentProfile, User

        rows = student_rows(args.rows)
        files = {"csv": ("lijst.csv", csv_bytes(rows)), "xlsx": ("lijst.xlsx", xlsx_bytes(rows))}
        figures: dict[str, list[float]] = {}
        queries: dict[str, int] = {}

        def add(name: str, ms: float) -> None:
            figures.setdefault(name, []).append(ms)

        for _round in range(args.rounds):
            with transaction.atomic():
                schools = [School.objects.create(name=n, sector="hbo" if v > 4 else "mbo") for n, v in SCHOOLS]
                cohort = Cohort.objects.create(name="Bench", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 7, 1))
                cohort.schools.set(schools)
                old = Cohort.objects.create(name="Vorig", starts_on=dt.date(2024, 9, 1), ends_on=dt.date(2025, 7, 1))
                coordinator = User.objects.create(username="coordinator", role=Role.COORDINATOR)
                cohort.coordinators.add(coordinator)
                by_name = {s.name: s for s in schools}
                known = User.objects.bulk_create(
                    [User(username=f"known{i}", email=rows[i][4], role=Role.STUDENT) for i in range(KNOWN)]
                )
                StudentProfile.objects.bulk_create(
                    [
                        StudentProfile(user=u, niveau=4, school=by_name[rows[i][7]], programme="Oud", cohort=old)
                        for i, u in enumerate(known)
                    ]
                )

                for kind, (name, content) in files.items():
                    add(f"read {kind}", timed(partial(read_student_file, name=name, content=content))[0])
                upload = partial(student_import_create, cohort=cohort, by=coordinator, name="lijst.csv")
                ms, student_import = timed(partial(upload, content=files["csv"][1]))
                add("upload: read + keep the rows (csv)", ms)
                ms, preview = timed(partial(import_preview, student_import=student_import))
                add("preview", ms)
                assert preview.counts == {"new": args.rows - KNOWN, "unchanged": 0, "updated": KNOWN, "problem": 0}
                with CaptureQueriesContext(connection) as captured:
                    ms, _ = timed(partial(student_import_confirm, student_import=student_import, by=coordinator))
                add("confirm", ms)
                queries["confirm"] = len(captured)

                again = upload(content=files["csv"][1])
                ms, preview = timed(partial(import_preview, student_import=again))
                add("re-import: preview", ms)
                assert preview.counts == {"new": 0, "unchanged": args.rows, "updated": 0, "problem": 0}
                before = StudentProfile.objects.count()
                with CaptureQueriesContext(connection) as captured:
                    ms, _ = timed(partial(student_import_confirm, student_import=again, by=coordinator))
                add("re-import: confirm (changes nothing)", ms)
                queries["re-import: confirm (changes nothing)"] = len(captured)
                assert StudentProfile.objects.count() == before
                transaction.set_rollback(True)

            with transaction.atomic():
                school = School.objects.create(name="Albeda", sector="mbo")
                cohort = Cohort.objects.create(name="Bench", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 7, 1))

                add(
                    "baseline: bulk_create of the accounts and profiles alone",
                    timed(partial(floor, rows, school, cohort))[0],
                )
                transaction.set_rollback(True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"{args.rows} rows, {args.rounds} rounds, {connection.vendor}, Python {platform.python_version()}")
    print(f"{'step':58} {'median ms':>10} {'min ms':>8}")
    for name, values in figures.items():
        print(f"{name:58} {statistics.median(values):10.0f} {min(values):8.0f}")
    for name, count in queries.items():
        print(f"queries, {name}: {count}")


if __name__ == "__main__":
    main()
