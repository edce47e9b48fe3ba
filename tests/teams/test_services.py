"""Joining, leaving, moving, duos and tasks: the rules hold and every refusal has its code."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assignments.models import AssignmentStatus
from teams import services
from teams.models import Duo, DuoRole, Membership, MembershipChange, SupervisionAssignment, Task, TaskStatus, TeamStatus
from teams.signals import membership_ended
from teams.tasks import email_membership_change
from tests.factories import add_member
from tests.teams.builders import open_team, small_assignment, student
from wijklab.errors import RuleViolation
from wijklab.models import Notification


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_assignment(cohort, organisation, neighbourhood, coordinator)


@pytest.fixture
def small_team(small):
    return open_team(small, "Team Klein")


def refused(code: str) -> "_Refused":
    return _Refused(code)


class _Refused:
    def __init__(self, code: str) -> None:
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        assert exc_type is RuleViolation, f"expected a RuleViolation {self.code!r}, got {exc_type}"
        assert exc.code == self.code, f"expected {self.code!r}, got {exc.code!r}: {exc.message}"
        self.message = str(exc.message)
        return True


# --- joining ----------------------------------------------------------------


def test_a_student_joins_an_open_team(small_team, student4):
    membership = services.membership_join(team=small_team, student=student4)
    assert membership.team == small_team
    assert membership.cohort_id == small_team.assignment.cohort_id
    change = MembershipChange.objects.get()
    assert (change.kind, change.student, change.to_team, change.by) == ("joined", student4, small_team, student4)


def test_second_student_cannot_take_last_seat_that_a_niveau_6_needs(small_team, cohort):
    services.membership_join(team=small_team, student=student(cohort, 4))
    services.membership_join(team=small_team, student=student(cohort, 5))
    late = student(cohort, 4)
    with refused("needs_niveau") as refusal:
        services.membership_join(team=small_team, student=late)
    # Told to a student outside the team: without the niveau (the coordinator's move still names it).
    assert refusal.message == "De samenstelling van het team laat dit niet toe."
    assert not Membership.objects.filter(student=late).exists()
    services.membership_join(team=small_team, student=student(cohort, 6))


def test_a_full_team_refuses(small_team, cohort):
    for niveau in (4, 5, 6):
        services.membership_join(team=small_team, student=student(cohort, niveau))
    with refused("team_full"):
        services.membership_join(team=small_team, student=student(cohort, 6))


@pytest.mark.parametrize("status", [AssignmentStatus.DRAFT, AssignmentStatus.IN_PROGRESS, AssignmentStatus.CANCELLED])
def test_joining_needs_an_open_assignment(small_team, student4, status):
    small_team.assignment.status = status
    small_team.assignment.save()
    with refused("assignment_not_open"):
        services.membership_join(team=small_team, student=student4)


def test_joining_needs_an_open_team(small_team, student4):
    small_team.status = TeamStatus.ACTIVE
    small_team.save()
    with refused("team_not_open"):
        services.membership_join(team=small_team, student=student4)


def test_a_student_is_in_at_most_one_team_per_cohort(team, small_team, student4):
    with refused("already_in_team") as refusal:
        services.membership_join(team=small_team, student=student4)
    assert "Verlaat dat team eerst" in refusal.message
    with refused("already_in_team"):
        services.membership_join(team=team, student=student4)


def test_the_database_refuses_a_second_active_team_in_a_cohort(team, small_team, student4):
    with pytest.raises(IntegrityError), transaction.atomic():
        add_member(small_team, student4)


def test_a_student_may_be_in_a_team_of_another_cohort(team, other_cohort, organisation, neighbourhood, coordinator):
    """The rule is one active team *per cohort*; the database constraint is scoped the same way."""
    member = team.memberships.first()
    other = small_assignment(other_cohort, organisation, neighbourhood, coordinator)
    Membership.objects.create(team=open_team(other), student=member.student, cohort=other_cohort)
    assert Membership.objects.filter(student=member.student, left_at__isnull=True).count() == 2


def test_the_unique_index_becomes_already_in_team(small_team, team, student4, monkeypatch):
    """Two joins of one student racing past the first check: the index decides, the API says 409."""
    monkeypatch.setattr(services, "active_membership_of", lambda **kwargs: None)
    with refused("already_in_team"):
        services.membership_join(team=small_team, student=student4)
    assert Membership.objects.filter(student=student4, left_at__isnull=True).count() == 1


def test_only_students_join(small_team, coordinator):
    with pytest.raises(PermissionDenied):
        services.membership_join(team=small_team, student=coordinator)


def test_a_student_of_another_cohort_cannot_join(small_team, other_cohort):
    with refused("wrong_cohort"):
        services.membership_join(team=small_team, student=student(other_cohort, 4))


# --- notifications and e-mail ----------------------------------------------


def test_joining_notifies_team_and_supervisors_and_mails_after_commit(
    small_team, cohort, mbo_docent, django_capture_on_commit_callbacks, mailoutbox
):
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=small_team)
    first = student(cohort, 4)
    services.membership_join(team=small_team, student=first)
    second = student(cohort, 6)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.membership_join(team=small_team, student=second)
    assert mailoutbox == []  # nothing before the commit
    assert Notification.objects.filter(user=first, kind="team_joined").exists()
    assert Notification.objects.filter(user=mbo_docent, kind="team_joined").count() == 2
    assert not Notification.objects.filter(user=second, kind="team_joined").exists()
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, mbo_docent.email])
    docent_mail = next(m for m in mailoutbox if m.to == [mbo_docent.email])
    # Both joins in one mail (the first one's job never ran here): one mail per person for a burst.
    assert docent_mail.subject == "Wijklab: 2 nieuwe meldingen"
    assert docent_mail.body.count("heeft zich aangesloten bij") == 2


def test_a_team_that_becomes_complete_says_so(small_team, cohort, mbo_docent, django_capture_on_commit_callbacks):
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=small_team)
    services.membership_join(team=small_team, student=student(cohort, 4))
    services.membership_join(team=small_team, student=student(cohort, 5))
    assert not Notification.objects.filter(kind="team_complete").exists()
    last = student(cohort, 6)
    services.membership_join(team=small_team, student=last)
    complete = Notification.objects.filter(kind="team_complete")
    assert set(complete.values_list("user_id", flat=True)) == {
        mbo_docent.pk,
        last.pk,
        *small_team.memberships.values_list("student_id", flat=True),
    }
    assert MembershipChange.objects.filter(team_completed=True).count() == 1


def test_the_mail_task_is_idempotent(small_team, student4, student6, mailoutbox, django_capture_on_commit_callbacks):
    services.membership_join(team=small_team, student=student4)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_join(team=small_team, student=student6)
    change = MembershipChange.objects.get(student=student6)
    assert [m.to for m in mailoutbox] == [[student4.email]]  # eager Celery ran it on commit
    assert not Notification.objects.filter(user=student4, mailed_at__isnull=True).exists()
    assert email_membership_change.run(change.pk) == 0
    assert email_membership_change.delay(change.pk).get() == 0
    assert len(mailoutbox) == 1


# --- leaving ----------------------------------------------------------------


def test_leaving_ends_the_membership_dissolves_duos_and_frees_tasks(small_team, cohort, student4, student6):
    for s in (student4, student6):
        services.membership_join(team=small_team, student=s)
    Duo.objects.create(
        team=small_team, member_a=student4, role_a="procesrol", member_b=student6, role_b="begeleidingsrol"
    )
    open_task = Task.objects.create(team=small_team, phase="verkenning", title="Open", owner=student4)
    done_task = Task.objects.create(team=small_team, phase="verkenning", title="Klaar", owner=student4, status="done")
    services.membership_leave(team=small_team, student=student4)
    assert Membership.objects.get(student=student4).left_at is not None
    assert not small_team.duos.exists()
    open_task.refresh_from_db()
    done_task.refresh_from_db()
    assert open_task.owner is None
    assert done_task.owner == student4
    assert Notification.objects.filter(user=student6, kind="team_left").exists()
    # Free to join again.
    services.membership_join(team=small_team, student=student4)


def test_leaving_sends_membership_ended_after_commit(small_team, student4, django_capture_on_commit_callbacks):
    services.membership_join(team=small_team, student=student4)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    membership_ended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.membership_leave(team=small_team, student=student4)
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        membership_ended.disconnect(listener)
    assert {"team_id": small_team.pk, "user_id": student4.pk} in [
        {k: v for k, v in r.items() if k in {"team_id", "user_id"}} for r in received
    ]


def test_leaving_a_team_you_are_not_in_is_refused(small_team, student4):
    with refused("not_a_member"):
        services.membership_leave(team=small_team, student=student4)


def test_leaving_a_started_team_goes_through_the_coordinator(team, student4):
    team.status = TeamStatus.ACTIVE
    team.save()
    with refused("team_not_open"):
        services.membership_leave(team=team, student=student4)


# --- the coordinator's move -------------------------------------------------


def test_coordinator_moves_a_student_within_the_rules(team, small_team, student4, coordinator):
    change = services.membership_move(student=student4, to_team=small_team, by=coordinator)
    assert (change.kind, change.from_team, change.to_team, change.override) == ("moved", team, small_team, False)
    assert Membership.objects.get(student=student4, left_at__isnull=True).team == small_team
    assert Notification.objects.filter(user=student4, kind="team_moved").exists()


def test_a_move_that_breaks_a_rule_needs_an_explicit_override_with_a_reason(team, small_team, cohort, coordinator):
    for niveau in (4, 5):
        services.membership_join(team=small_team, student=student(cohort, niveau))
    mover = team.memberships.get(student__student_profile__niveau=4).student
    with refused("needs_niveau") as refusal:
        services.membership_move(student=mover, to_team=small_team, by=coordinator)
    assert "overschrijven" in refusal.message
    with pytest.raises(ValidationError) as missing_reason:
        services.membership_move(student=mover, to_team=small_team, by=coordinator, override=True)
    assert "reason" in missing_reason.value.message_dict
    change = services.membership_move(
        student=mover, to_team=small_team, by=coordinator, override=True, reason="Woont om de hoek, afgestemd."
    )
    assert change.override is True
    assert change.overridden_rules == ["needs_niveau"]
    assert change.reason == "Woont om de hoek, afgestemd."
    assert change.by == coordinator
    assert small_team.memberships.filter(left_at__isnull=True).count() == 3


def test_an_override_can_also_exceed_the_size(small_team, team, cohort, coordinator):
    for niveau in (4, 5, 6):
        services.membership_join(team=small_team, student=student(cohort, niveau))
    mover = team.memberships.first().student
    with refused("team_full"):
        services.membership_move(student=mover, to_team=small_team, by=coordinator)
    change = services.membership_move(
        student=mover, to_team=small_team, by=coordinator, override=True, reason="Tijdelijk"
    )
    assert change.overridden_rules == ["team_full"]


def test_no_override_into_a_cancelled_assignment(small_team, student4, coordinator):
    small_team.assignment.status = AssignmentStatus.CANCELLED
    small_team.assignment.save()
    with refused("assignment_closed"):
        services.membership_move(student=student4, to_team=small_team, by=coordinator, override=True, reason="x")


def test_only_the_cohorts_coordinator_moves(small_team, student4, other_coordinator, hbo_docent):
    for user in (other_coordinator, hbo_docent):
        with pytest.raises(PermissionDenied):
            services.membership_move(student=student4, to_team=small_team, by=user)


def test_a_move_sends_membership_ended_for_the_old_team(
    team, small_team, student4, coordinator, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["team_id"], kwargs["user_id"]))

    membership_ended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_move(student=student4, to_team=small_team, by=coordinator)
    finally:
        membership_ended.disconnect(listener)
    assert received == [(team.pk, student4.pk)]


def test_coordinator_removes_a_student_with_a_reason(team, student5, coordinator):
    with pytest.raises(ValidationError):
        services.membership_remove(team=team, student=student5, by=coordinator, reason=" ")
    change = services.membership_remove(team=team, student=student5, by=coordinator, reason="Stopt met de opleiding")
    assert change.kind == "removed"
    assert not team.memberships.filter(student=student5, left_at__isnull=True).exists()
    assert Notification.objects.filter(user=student5, kind="team_removed").exists()


# --- creating teams ---------------------------------------------------------


def test_coordinator_and_own_organisation_open_teams(assignment, coordinator, org_contact):
    assert services.team_create(assignment=assignment, name="Team Noord", by=coordinator).name == "Team Noord"
    assert services.team_create(assignment=assignment, name="Team Zuid", by=org_contact).created_by == org_contact


def test_others_cannot_open_teams(assignment, other_org_contact, other_coordinator, student4, hbo_docent):
    for user in (other_org_contact, other_coordinator, student4, hbo_docent):
        with pytest.raises(PermissionDenied):
            services.team_create(assignment=assignment, name="Team X", by=user)


def test_team_names_are_unique_per_assignment_and_required(assignment, coordinator):
    services.team_create(assignment=assignment, name="Team Noord", by=coordinator)
    for name in ("team noord", "  ", "x" * 101):
        with pytest.raises(ValidationError):
            services.team_create(assignment=assignment, name=name, by=coordinator)


def test_teams_only_on_open_assignments(assignment, coordinator):
    assignment.status = AssignmentStatus.DRAFT
    assignment.save()
    with refused("assignment_not_open"):
        services.team_create(assignment=assignment, name="Team Noord", by=coordinator)


# --- duos -------------------------------------------------------------------


def roles(a, role_a, b, role_b):
    return {a.pk: role_a, b.pk: role_b}


def test_members_form_a_duo_with_two_roles(team, student4, student6):
    duo = services.duo_create(team=team, by=student4, roles=roles(student4, "begeleidingsrol", student6, "procesrol"))
    assert (duo.member_a, duo.role_a, duo.member_b, duo.role_b) == (
        student4,
        DuoRole.BEGELEIDINGSROL,
        student6,
        DuoRole.PROCESROL,
    )


def test_a_duo_needs_two_members_with_different_roles(team, student4, student5, outsider_student):
    with pytest.raises(ValidationError):
        services.duo_create(team=team, by=student4, roles=roles(student4, "procesrol", student5, "procesrol"))
    with pytest.raises(ValidationError):
        services.duo_create(
            team=team, by=student4, roles=roles(student4, "procesrol", outsider_student, "begeleidingsrol")
        )
    with pytest.raises(ValidationError):
        services.duo_create(team=team, by=student4, roles={student4.pk: "procesrol"})
    with pytest.raises(ValidationError):
        services.duo_create(team=team, by=student4, roles=roles(student4, "procesrol", student5, "baas"))


def test_a_member_is_in_one_duo_per_team(team, student4, student5, student6):
    services.duo_create(team=team, by=student4, roles=roles(student4, "procesrol", student5, "begeleidingsrol"))
    with refused("already_in_duo"):
        services.duo_create(team=team, by=student6, roles=roles(student6, "procesrol", student5, "begeleidingsrol"))


def test_only_members_form_duos(team, student4, student5, hbo_docent, coordinator, org_contact):
    for user in (hbo_docent, coordinator, org_contact):
        with pytest.raises(PermissionDenied):
            services.duo_create(team=team, by=user, roles=roles(student4, "procesrol", student5, "begeleidingsrol"))


def test_the_youth_case_duo_needs_a_niveau_6(team, student4, student5, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
    with refused("youth_case_needs_niveau_6"):
        services.duo_create(
            team=team,
            by=student4,
            roles=roles(student4, "procesrol", student5, "begeleidingsrol"),
            carries_youth_case=True,
        )
    duo = services.duo_create(
        team=team, by=student4, roles=roles(student4, "procesrol", student6, "begeleidingsrol"), carries_youth_case=True
    )
    assert duo.carries_youth_case


def test_one_youth_case_duo_per_team(team, cohort, student4, student5, student6):
    team.assignment.requires_hbo = True
    team.assignment.save()
    extra = student(cohort, 6)
    add_member(team, extra)
    first = services.duo_create(
        team=team, by=student4, roles=roles(student4, "procesrol", student6, "begeleidingsrol"), carries_youth_case=True
    )
    second = services.duo_create(team=team, by=student5, roles=roles(student5, "procesrol", extra, "begeleidingsrol"))
    services.duo_update(duo=second, by=student5, carries_youth_case=True)
    first.refresh_from_db()
    assert not first.carries_youth_case
    assert team.duos.filter(carries_youth_case=True).get() == second


def test_youth_case_only_on_a_requires_hbo_assignment(team, student4, student6):
    with pytest.raises(ValidationError):
        services.duo_create(
            team=team,
            by=student4,
            roles=roles(student4, "procesrol", student6, "begeleidingsrol"),
            carries_youth_case=True,
        )


def test_members_swap_roles_and_dissolve_a_duo(team, student4, student6):
    duo = services.duo_create(team=team, by=student4, roles=roles(student4, "procesrol", student6, "begeleidingsrol"))
    duo = services.duo_update(duo=duo, by=student6, roles=roles(student4, "begeleidingsrol", student6, "procesrol"))
    assert {duo.member_a_id: duo.role_a, duo.member_b_id: duo.role_b}[student4.pk] == "begeleidingsrol"
    services.duo_dissolve(duo=duo, by=student6)
    assert not team.duos.exists()


# --- tasks ------------------------------------------------------------------


def test_members_add_and_move_tasks(team, student4, student5):
    task = services.task_create(
        team=team,
        by=student4,
        phase="verkenning",
        title="Buurthuis bellen",
        owner=student5.pk,
        due_on=datetime.date(2026, 10, 5),
    )
    assert (task.status, task.owner, task.created_by) == (TaskStatus.TODO, student5, student4)
    task = services.task_update(task=task, by=student5, status="doing")
    task = services.task_update(task=task, by=student5, status="done")
    assert Task.objects.get().status == "done"


def test_task_input_is_checked(team, student4, outsider_student):
    with pytest.raises(ValidationError) as bad:
        services.task_create(team=team, by=student4, phase="fase 9", title=" ", owner=outsider_student.pk)
    assert set(bad.value.message_dict) == {"phase", "title", "owner"}
    task = services.task_create(team=team, by=student4, phase="waakvlam", title="Nazorg")
    with pytest.raises(ValidationError):
        services.task_update(task=task, by=student4, status="gedaan")
    with pytest.raises(ValidationError):
        services.task_update(task=task, by=student4, team=1)
    assert Task.objects.get().status == "todo"


def test_only_members_change_tasks(team, student4, hbo_docent, org_contact, coordinator):
    task = services.task_create(team=team, by=student4, phase="waakvlam", title="Nazorg")
    for user in (hbo_docent, org_contact, coordinator):
        with pytest.raises(PermissionDenied):
            services.task_update(task=task, by=user, status="done")
        with pytest.raises(PermissionDenied):
            services.task_create(team=team, by=user, phase="waakvlam", title="Nazorg")


# --- team status ------------------------------------------------------------


def test_coordinator_starts_and_reopens_a_team(team, coordinator, student4):
    services.team_set_status(team=team, status=TeamStatus.ACTIVE, by=coordinator)
    with refused("team_not_open"):
        services.membership_leave(team=team, student=student4)
    services.team_set_status(team=team, status=TeamStatus.OPEN, by=coordinator)
    services.membership_leave(team=team, student=student4)
    with pytest.raises(ValidationError):
        services.team_set_status(team=team, status="weg", by=coordinator)


def test_only_the_coordinator_sets_the_team_status(team, student4, org_contact, other_coordinator):
    for user in (student4, org_contact, other_coordinator):
        with pytest.raises(PermissionDenied):
            services.team_set_status(team=team, status=TeamStatus.ACTIVE, by=user)
