"""The demo teams: realistic, valid, idempotent, and some students left to join in the browser."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from teams import demo as teams_demo
from teams.models import Duo, Membership, SupervisionAssignment, Task, Team, TeamStatus
from teams.rules import Counts, Requirements, is_complete
from teams.selectors import niveau_counts, teams_open_to_join
from wijklab import demo as wijklab_demo
from wijklab.models import User


def snapshot() -> tuple:
    return (Team.objects.count(), Membership.objects.count(), Duo.objects.count(), Task.objects.count())


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_without_open_assignments_the_teams_demo_creates_nothing(db):
    ctx = wijklab_demo.seed()
    teams_demo.seed(ctx)
    assert snapshot() == (0, 0, 0, 0)


def test_demo_students_4_5_6_share_a_complete_team_with_duos_and_tasks_in_every_phase(seeded):
    if not Team.objects.exists():
        pytest.skip("the assignments demo has no open assignments yet")
    s4 = User.objects.get(username="student4")
    team = Membership.objects.get(student=s4, left_at__isnull=True).team
    members = set(team.memberships.filter(left_at__isnull=True).values_list("student__username", flat=True))
    assert {"student4", "student5", "student6"} <= members
    assert is_complete(Requirements.of(team.assignment), niveau_counts(team=team))
    assert team.duos.count() >= 1
    assert set(team.tasks.values_list("phase", flat=True)) == {"verkenning", "begeleiding", "waakvlam"}
    overdue = [t for t in team.tasks.all() if t.is_overdue(timezone.localdate())]
    assert overdue
    kinds = set(
        SupervisionAssignment.objects.filter(team=team).values_list("supervisor__supervisor_profile__kind", flat=True)
    )
    assert {"mbo_docent", "hbo_docent"} <= kinds
    if team.assignment.requires_hbo:
        youth = team.duos.get(carries_youth_case=True)
        niveaus = User.objects.filter(pk__in=[youth.member_a_id, youth.member_b_id]).values_list(
            "student_profile__niveau", flat=True
        )
        assert 6 in niveaus


def test_demo_teams_obey_the_rules_and_leave_students_to_join(seeded):
    if not Team.objects.exists():
        pytest.skip("the assignments demo has no open assignments yet")
    for team in Team.objects.select_related("assignment"):
        req = Requirements.of(team.assignment)
        counts: Counts = niveau_counts(team=team)
        assert counts.size <= req.size_max, team
        assert team.assignment.status == "open"
        if team.status == TeamStatus.ACTIVE:
            assert is_complete(req, counts), team
    for username in ["mila.bakker", "daan.visser", "anouk.meijer", "yara.haddad"]:
        student = User.objects.get(username=username)
        assert not Membership.objects.filter(student=student, left_at__isnull=True).exists()
    mila = User.objects.get(username="mila.bakker")
    assert teams_open_to_join(student=mila).exists()
    dock_teams = Team.objects.filter(assignment__organisation__name="DOCK")
    for team in dock_teams:
        assert SupervisionAssignment.objects.filter(team=team, supervisor__username="werkbegeleider").exists()


def test_the_teams_demo_is_idempotent(seeded):
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
