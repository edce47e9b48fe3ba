import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from wijklab.models import Niveau, Role, StudentProfile, SupervisorKind, SupervisorProfile, User


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"wijklab", "assignments", "teams", "supervision"}
    }


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_idempotent_and_prints_the_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
    assert dict(User.objects.values_list("username", "password")) == passwords
    printed = out.getvalue()
    assert "wijklab-demo" in printed
    printed_usernames = {line.split()[0] for line in printed.splitlines() if line.startswith("  ")}
    assert printed_usernames == readme_demo_logins()
    for username in printed_usernames:
        assert User.objects.get(username=username).check_password("wijklab-demo")


def readme_demo_logins() -> set[str]:
    """The usernames in the README's table of demo logins (under "Set-up")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("**`wijklab-demo`**:", 1)[1].split("\n\n", 2)[1]
    usernames = set()
    for row in table.splitlines()[2:]:
        usernames |= set(re.findall(r"`([^`]+)`", row.split("|")[1]))
    return usernames


def test_the_readme_lists_the_demo_logins():
    assert {"coordinator", "dock", "buurtwerk", "wijkteam", "werkbegeleider", "student5", "zoe.nieuwkoop"} <= (
        readme_demo_logins()
    )


@pytest.mark.django_db(transaction=True)
def test_seed_demo_creates_a_realistic_cohort():
    call_command("seed_demo", stdout=StringIO())
    students = StudentProfile.objects.all()
    assert students.count() >= 30
    assert set(students.values_list("niveau", flat=True)) == set(Niveau.values)
    assert set(SupervisorProfile.objects.values_list("kind", flat=True)) == set(SupervisorKind.values)
    assert User.objects.filter(role=Role.COORDINATOR).count() == 1
    org_names = set(User.objects.filter(role=Role.ORGANISATION).values_list("organisation__name", flat=True))
    assert {"DOCK", "Welzijn Capelle", "Buurtwerk"} <= org_names
    assert User.objects.get(username="student4").check_password("wijklab-demo")
