"""``manage.py seed_scale`` at a small factor: counts follow the factor, the data obeys the rules.

Runs on SQLite and, in the PostgreSQL pass of .ci/run, on PostgreSQL (bulk inserts hand back
primary keys differently per database).
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from assignments.models import Assignment, Preference
from supervision.models import FeedbackEntry, FeedbackKind, Score
from teams.models import Membership, Message, ReadMarker, SupervisionAssignment, Task, Team
from teams.rules import Counts, Requirements, is_complete, lacks_hbo_docent
from wijklab.models import Role, StudentProfile, SupervisorKind, User
from wijklab.scale import scaled


def seed_scale(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in (User, StudentProfile, Assignment, Preference, Team, Membership, Message, FeedbackEntry, Score)
    }


@pytest.mark.parametrize("factor", [0.02, 0.04])
def test_counts_follow_the_factor(db, factor):
    printed = seed_scale("--factor", str(factor))
    assert StudentProfile.objects.count() == scaled(5_000, factor)
    assert Assignment.objects.count() == scaled(1_000, factor)
    # A team is only made when it can be valid; at these sizes that is (nearly) always.
    assert scaled(1_000, factor) * 0.9 <= Team.objects.count() <= scaled(1_000, factor)
    assert Message.objects.count() == scaled(200_000, factor)
    assert FeedbackEntry.objects.count() == scaled(50_000, factor)
    assert Score.objects.count() > FeedbackEntry.objects.count()
    assert ReadMarker.objects.count() == Membership.objects.count()
    assert Task.objects.count() == 8 * Team.objects.count()
    for username in ["scale.coordinator", "scale.student1", "scale.docent.mbo", "scale.docent.hbo", "scale.org1"]:
        assert username in printed
        assert User.objects.get(username=username).check_password("wijklab-demo")
    assert "klaar in" in printed
    assert Membership.objects.filter(student__username="scale.student1", left_at__isnull=True).exists()


def test_every_team_is_valid_by_the_composition_rules(db):
    seed_scale("--factor", "0.02")
    teams = Team.objects.select_related("assignment").prefetch_related(
        "memberships__student__student_profile", "supervision_assignments__supervisor__supervisor_profile", "duos"
    )
    assert teams
    for team in teams:
        req = Requirements.of(team.assignment)
        roster = [m.student for m in team.memberships.all() if m.left_at is None]
        niveau_of = {s.pk: s.student_profile.niveau for s in roster}
        assert is_complete(req, Counts.of(list(niveau_of.values()))), team
        kinds = [link.supervisor.supervisor_profile.kind for link in team.supervision_assignments.all()]
        assert not lacks_hbo_docent(requires_hbo=req.requires_hbo, supervisor_kinds=kinds)
        assert {SupervisorKind.MBO_DOCENT, SupervisorKind.WERKBEGELEIDER} <= set(kinds)
        youth = [d for d in team.duos.all() if d.carries_youth_case]
        assert len(youth) == (1 if req.requires_hbo else 0)
        for duo in team.duos.all():
            assert {duo.member_a_id, duo.member_b_id} <= set(niveau_of)
        if youth:
            assert 6 in {niveau_of[youth[0].member_a_id], niveau_of[youth[0].member_b_id]}
    # At most one active team per cohort (also a database constraint), and some students left to join.
    assert not Membership.objects.values("student", "cohort").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert StudentProfile.objects.count() > Membership.objects.filter(left_at__isnull=True).count()


def test_the_level_blind_invariants_hold(db):
    """Organisations see people, never niveaus: none of their accounts is a student, a team member or
    a feedback author except as werkbegeleider; feedback follows who may write it."""
    seed_scale("--factor", "0.02")
    organisation_users = User.objects.filter(role=Role.ORGANISATION)
    assert organisation_users.exists()
    assert not StudentProfile.objects.filter(user__role__in=[Role.ORGANISATION, Role.SUPERVISOR]).exists()
    assert not Membership.objects.exclude(student__role=Role.STUDENT).exists()
    assert not FeedbackEntry.objects.filter(author__role=Role.ORGANISATION).exists()
    supervisor_entries = FeedbackEntry.objects.filter(kind=FeedbackKind.SUPERVISOR)
    assert not supervisor_entries.exclude(author__role=Role.SUPERVISOR).exists()
    assert not supervisor_entries.filter(author_kind="").exists()
    assert not supervisor_entries.filter(
        author_kind=SupervisorKind.WERKBEGELEIDER, author__supervisor_profile__kind__in=["mbo_docent", "hbo_docent"]
    ).exists()
    # Every supervisor who wrote about a student follows that student's team.
    for entry in supervisor_entries.select_related("team")[:200]:
        assert SupervisionAssignment.objects.filter(supervisor_id=entry.author_id, team_id=entry.team_id).exists()
    assert not FeedbackEntry.objects.filter(kind=FeedbackKind.SELF).exclude(author=F("student")).exists()
    peers = FeedbackEntry.objects.filter(kind=FeedbackKind.PEER)
    assert peers.exists()
    for entry in peers[:200]:
        assert Membership.objects.filter(team_id=entry.team_id, student_id=entry.author_id).exists()
    # The chat of a team is written by its members, its supervisors and its organisation's contact only.
    foreign = Message.objects.exclude(
        Q(author__memberships__team=F("team"))
        | Q(author__supervision_assignments__team=F("team"))
        | Q(author__organisation=F("team__assignment__organisation"))
    )
    assert not foreign.exists()


def test_a_second_run_refuses_and_reset_rebuilds_the_same_data(db):
    seed_scale("--factor", "0.01", "--seed", "7")
    first = snapshot()
    niveaus = dict(StudentProfile.objects.values_list("user__username", "niveau"))
    with pytest.raises(CommandError, match="--reset"):
        seed_scale("--factor", "0.01")
    assert snapshot() == first
    seed_scale("--factor", "0.01", "--seed", "7", "--reset")
    assert snapshot() == first
    assert dict(StudentProfile.objects.values_list("user__username", "niveau")) == niveaus


def test_scale_data_sits_beside_the_demo_and_reset_leaves_the_demo_alone(db):
    call_command("seed_demo", stdout=StringIO())
    demo_users = set(User.objects.values_list("username", flat=True))
    demo_teams = set(Team.objects.values_list("pk", flat=True))
    seed_scale("--factor", "0.01")
    seed_scale("--factor", "0.01", "--reset")
    assert demo_users <= set(User.objects.values_list("username", flat=True))
    assert demo_teams <= set(Team.objects.values_list("pk", flat=True))


def test_statistics_are_refreshed_after_the_bulk_load(db):
    """Without ANALYZE the planner takes freshly loaded tables for nearly empty (autovacuum may be off
    or not come round before a benchmark): the command ends with it, on SQLite and PostgreSQL alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        seed_scale("--factor", "0.02")
    assert queries.captured_queries[-1]["sql"] == "ANALYZE"
