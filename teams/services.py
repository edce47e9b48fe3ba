"""Writes about teams: creating, joining, leaving, moving, duos and tasks.

The composition rules themselves live in ``teams.rules``; here they are
enforced atomically. Every roster change locks the team row first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs with
``transaction_mode=IMMEDIATE``, so a write transaction holds the database's
single write lock from its start) and only then counts the members, so two
students racing for the last seat are serialised: exactly one wins.
"""

import datetime
from collections.abc import Mapping
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, AssignmentStatus, Phase
from teams import notifications
from teams.models import Duo, DuoRole, Membership, MembershipChange, Task, TaskChange, TaskStatus, Team, TeamStatus
from teams.rules import Problem, Refusal, Requirements, is_complete, join_refusal, unnamed
from teams.selectors import (
    active_membership_of,
    active_memberships,
    already_in_team_refusal,
    departure_problems,
    is_id,
    leave_refusal,
    may_read_completeness,
    niveau_counts,
    organisation_people,
    status_refusals,
    student_cohort_id,
    user_is_team_member,
    user_manages_team,
    user_may_open_team,
)
from teams.signals import membership_ended
from wijklab.errors import RuleViolation
from wijklab.mail import send_notification_mail
from wijklab.models import AuditKind, Role, User
from wijklab.services import audit_record, ensure_cohort_writable, notify_each

# Refusals a coordinator may knowingly override when moving a student.
OVERRIDABLE = frozenset({"team_full", "needs_niveau", "team_not_open", "assignment_not_open"})
REASON_MAX = 1000
# PostgreSQL cannot store NUL in text (a 500 there, stored on SQLite); forms and JSON can send it.
NUL_REFUSED = _("De tekst bevat een teken dat niet kan.")
DIFFERENT_ROLES = _("In een duo neemt ieder een andere rol: procesrol en begeleidingsrol.")


def team_url(team: Team) -> str:
    return reverse("team-detail", args=[team.pk])


class DepartureNeedsConfirmation(RuleViolation):
    """A move would leave the student's old team invalid; ``problems`` say what it would lack."""

    def __init__(self, *, from_team: Team, problems: list[Problem]) -> None:
        super().__init__(
            "leaves_team_invalid",
            _("%(team)s voldoet dan niet meer: %(problems)s")
            % {"team": from_team.name, "problems": " ".join(p.message for p in problems)},
        )
        self.from_team = from_team
        self.problems = problems


# --- locking and judging ----------------------------------------------------


def _lock_teams(*team_ids: int) -> dict[int, Team]:
    """Lock team rows in id order (a fixed order, so two moves cannot deadlock)."""
    ids = sorted({i for i in team_ids if i is not None})
    # of=("self",): PostgreSQL cannot lock the nullable side of a join; only the team row matters.
    rows = Team.objects.select_for_update(of=("self",)).select_related("assignment").filter(pk__in=ids).order_by("pk")
    return {team.pk: team for team in rows}


def _niveau_of(student: User) -> int:
    profile = getattr(student, "student_profile", None) if student.role == Role.STUDENT else None
    if profile is None:
        raise PermissionDenied(_("Alleen studenten kunnen zich bij een team aansluiten."))
    return profile.niveau


def _raise(refusal: Refusal) -> NoReturn:
    raise RuleViolation(refusal.code, refusal.message)


# --- what happens after a roster change -------------------------------------


def _member_users(team: Team) -> list[User]:
    return list(User.objects.filter(memberships__team=team, memberships__left_at__isnull=True))


def _supervisor_users(team: Team) -> list[User]:
    return list(User.objects.filter(supervision_assignments__team=team).select_related("supervisor_profile"))


def _release(*, membership: Membership, now: datetime.datetime) -> None:
    """End a membership: its duos dissolve and its unfinished tasks lose their owner."""
    membership.left_at = now
    membership.save(update_fields=["left_at"])
    team_id, student_id = membership.team_id, membership.student_id
    Duo.objects.filter(Q(member_a_id=student_id) | Q(member_b_id=student_id), team_id=team_id).delete()
    Task.objects.filter(team_id=team_id, owner_id=student_id).exclude(status=TaskStatus.DONE).update(owner=None)
    # The chat closes the student's sockets; only once the change is committed. Robust: a receiver
    # that cannot reach the channel layer (Redis down) is logged, the committed change stands.
    transaction.on_commit(
        lambda: membership_ended.send(sender=Membership, team_id=team_id, user_id=student_id), robust=True
    )


_AUDIT_TEXT = {
    # %(to)s and %(from)s are the teams' titles ("Team Maashaven"), so no "team" before them.
    MembershipChange.Kind.JOINED: _("Lid geworden van %(to)s."),
    MembershipChange.Kind.LEFT: _("%(from)s verlaten."),
    MembershipChange.Kind.MOVED: _("Verplaatst van %(from)s naar %(to)s."),
    MembershipChange.Kind.REMOVED: _("Uit %(from)s gehaald."),
}


def _audit(change: MembershipChange, *, actor: User) -> None:
    """The change in the audit log, about the student, in the team's cohort (the reason stays in the change)."""
    team = change.to_team or change.from_team
    audit_record(
        kind=AuditKind.MEMBERSHIP,
        actor=actor,
        subject_id=change.student_id,
        cohort_id=team.assignment.cohort_id,
        object_type="membership_change",
        object_id=change.pk,
        description=_AUDIT_TEXT.get(change.kind, _("Teamlidmaatschap gewijzigd.")),
        params={"to": getattr(change.to_team, "title", "-"), "from": getattr(change.from_team, "title", "-")},
    )


def _announce(change: MembershipChange, *, actor: User) -> None:
    """In-app notifications, each written to its reader, and the audit entry; the mail follows (wijklab.mail)."""
    _audit(change, actor=actor)
    rows: list = []
    formed: list = []
    for_student = notifications.change_for_student(change)
    if for_student is not None:
        title, body = for_student
        url = team_url(change.to_team) if change.to_team is not None else reverse("team-list")
        rows.append((change.student, title, body, url))
    for team in (change.to_team, change.from_team):
        if team is None:
            continue
        url = team_url(team)
        teammates = [u for u in _member_users(team) if u.pk != change.student_id]
        rows += [(u, notifications.change_for_teammates(change, team), "", url) for u in teammates]
        rows += [(u, notifications.change_for_supervisors(change, team), "", url) for u in _supervisor_users(team)]
        organisation = list(organisation_people(assignment=team.assignment))
        if team == change.to_team and not teammates:
            title, body = notifications.team_formed_for_organisation(team, change.student.get_display_name())
            formed += [(u, title, body, url) for u in organisation]
        else:
            title, body = notifications.change_for_organisation(change, team)
            rows += [(u, title, body, url) for u in organisation]
    notify_each(kind=f"team_{change.kind}", rows=[r for r in rows if r[0].pk != actor.pk])
    notify_each(kind="team_formed", rows=[r for r in formed if r[0].pk != actor.pk])
    if change.team_completed and change.to_team is not None:
        team = change.to_team
        url = team_url(team)
        members = _member_users(team)
        title, body = notifications.team_complete_for_members(team)
        complete = [(u, title, body, url) for u in members]
        title, body = notifications.team_complete_for_supervisors(team)
        # A verdict on a team this small is not told to anyone of an organisation (docs/visibility.md).
        complete += [
            (u, title, body, url)
            for u in _supervisor_users(team)
            if may_read_completeness(u, member_count=len(members))
        ]
        notify_each(kind="team_complete", rows=complete)


def membership_change_email(*, change_id: int) -> int:
    """The job the previous release enqueued per roster change (``teams.tasks.email_membership_change``).

    The notification mail carries roster changes now (one mail per person for a burst,
    ``wijklab.mail``); a job still queued from before sends the pending mail of the people the
    change told, once (``emailed_at``). Returns the number of mails.
    """
    with transaction.atomic():
        change = (
            MembershipChange.objects.select_for_update(of=("self",))
            .filter(pk=change_id, emailed_at__isnull=True)
            .select_related("from_team", "to_team")
            .first()
        )
        if change is None:
            return 0
        change.emailed_at = timezone.now()
        change.save(update_fields=["emailed_at"])
    people = {change.student_id}
    for team in (change.from_team, change.to_team):
        if team is not None:
            people.update(u.pk for u in _member_users(team) + _supervisor_users(team))
    return sum(send_notification_mail(user_id=user_id) > 0 for user_id in sorted(people))


# --- teams ------------------------------------------------------------------


@transaction.atomic
def team_create(*, assignment: Assignment, name: str, by: User) -> Team:
    """A coordinator of the cohort, or a contact of the assignment's organisation, opens a team."""
    if not user_may_open_team(user=by, assignment=assignment):
        raise PermissionDenied(_("Je kunt op deze opdracht geen team openen."))
    ensure_cohort_writable(assignment.cohort_id)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Geef het team een naam.")]})
    if "\x00" in name:
        raise ValidationError({"name": [NUL_REFUSED]})
    if len(name) > 100:
        raise ValidationError({"name": [_("Een teamnaam is hoogstens 100 tekens.")]})
    if assignment.status != AssignmentStatus.OPEN:
        raise RuleViolation("assignment_not_open", _("Alleen op een open opdracht kun je een team openen."))
    if Team.objects.filter(assignment=assignment, name__iexact=name).exists():
        raise ValidationError({"name": [_("Er is al een team met deze naam op deze opdracht.")]})
    try:
        with transaction.atomic():
            return Team.objects.create(assignment=assignment, name=name, created_by=by)
    except IntegrityError:
        raise ValidationError({"name": [_("Er is al een team met deze naam op deze opdracht.")]}) from None


@transaction.atomic
def team_set_status(*, team: Team, status: str, by: User) -> Team:
    """A coordinator starts a team (no more joining or leaving on one's own), reopens or closes it."""
    _require_coordinator_of(team, by)
    _ensure_writable(team)
    if status not in TeamStatus.values:
        raise ValidationError({"status": [_("Kies een status: open, actief of afgesloten.")]})
    team = _lock_teams(team.pk)[team.pk]
    started = status == TeamStatus.ACTIVE and team.status != TeamStatus.ACTIVE
    team.status = status
    team.save(update_fields=["status"])
    if started:
        _announce_start(team, by=by)
    return team


def _announce_start(team: Team, *, by: User) -> None:
    """The team is at work: its members, supervisors and the assignment's organisation hear it."""
    url = team_url(team)
    title, body = notifications.team_started_for_members(team)
    rows = [(u, title, body, url) for u in _member_users(team)]
    title, body = notifications.team_started_for_others(team)
    rows += [(u, title, body, url) for u in _supervisor_users(team)]
    rows += [(u, title, body, url) for u in organisation_people(assignment=team.assignment)]
    notify_each(kind="team_started", rows=[r for r in rows if r[0].pk != by.pk])


# --- joining and leaving ----------------------------------------------------


@transaction.atomic
def membership_join(*, team: Team, student: User) -> Membership:
    """A student takes a seat, if the composition rules allow it (judged under the team's lock)."""
    niveau = _niveau_of(student)
    team = _lock_teams(team.pk)[team.pk]
    cohort_id = team.assignment.cohort_id
    if student_cohort_id(student=student) != cohort_id:
        raise RuleViolation("wrong_cohort", _("Dit team hoort bij een ander cohort."))
    ensure_cohort_writable(cohort_id)
    for refusal in status_refusals(team):
        _raise(refusal)
    current = active_membership_of(student=student, cohort_id=cohort_id)
    if current is not None:
        _raise(already_in_team_refusal(team_id=team.pk, current_team_id=current.team_id))
    req = Requirements.of(team.assignment)
    counts = niveau_counts(team=team)
    # The joining student is not in the team (yet): the refusal does not name the niveaus it misses.
    refusal = unnamed(join_refusal(req, counts, niveau))
    if refusal is not None:
        _raise(refusal)
    try:
        # A savepoint: the unique "one active team per cohort" index may still
        # refuse (the same student joining two teams at once).
        with transaction.atomic():
            membership = Membership.objects.create(team=team, student=student, cohort_id=cohort_id)
    except IntegrityError:
        refusal = already_in_team_refusal(team_id=team.pk, current_team_id=None)
        raise RuleViolation(refusal.code, refusal.message) from None
    change = MembershipChange.objects.create(
        kind=MembershipChange.Kind.JOINED,
        student=student,
        to_team=team,
        by=student,
        team_completed=not is_complete(req, counts) and is_complete(req, counts.plus(niveau)),
    )
    _announce(change, actor=student)
    return membership


@transaction.atomic
def membership_leave(*, team: Team, student: User) -> MembershipChange:
    team = _lock_teams(team.pk)[team.pk]
    membership = active_memberships().filter(team=team, student=student).first()
    if membership is None:
        raise RuleViolation("not_a_member", _("Je zit niet in dit team."))
    _ensure_writable(team)
    refusal = leave_refusal(team)
    if refusal is not None:
        raise RuleViolation(refusal.code, refusal.message)
    _release(membership=membership, now=timezone.now())
    change = MembershipChange.objects.create(
        kind=MembershipChange.Kind.LEFT, student=student, from_team=team, by=student
    )
    _announce(change, actor=student)
    return change


# --- coordinators -----------------------------------------------------------


def _ensure_writable(team: Team) -> None:
    """Nothing changes in a team of an archived cohort (the history stays readable)."""
    ensure_cohort_writable(team.assignment.cohort_id)


def _require_coordinator_of(team: Team, by: User) -> None:
    if not user_manages_team(user=by, team=team):
        raise PermissionDenied(_("Alleen de coördinator van het cohort kan dit."))


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": [_("Geef een reden: die wordt bij de wijziging bewaard.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("De reden is hoogstens 1000 tekens.")]})
    if "\x00" in reason:
        raise ValidationError({"reason": [NUL_REFUSED]})
    return reason


@transaction.atomic
def membership_move(
    *,
    student: User,
    to_team: Team,
    by: User,
    override: bool = False,
    reason: str = "",
    confirm_departure: bool = True,
) -> MembershipChange:
    """A coordinator places a student in ``to_team`` (out of their current team, if any).

    The join rules apply; a coordinator may knowingly override the ones in
    ``OVERRIDABLE`` with a reason, and the override is recorded. With
    ``confirm_departure=False`` a move that would leave the old team invalid is
    refused with ``DepartureNeedsConfirmation`` (what it would lack), so a page
    can ask first.
    """
    _require_coordinator_of(to_team, by)
    _ensure_writable(to_team)
    reason = _clean_reason(reason, required=override)
    niveau = _niveau_of(student)
    cohort_id = to_team.assignment.cohort_id
    if student_cohort_id(student=student) != cohort_id:
        raise ValidationError({"student": [_("Deze student hoort niet bij het cohort van dit team.")]})
    current = active_membership_of(student=student, cohort_id=cohort_id)
    locked = _lock_teams(to_team.pk, current.team_id if current else None)
    to_team = locked[to_team.pk]
    if current is not None:
        # Re-read under the locks: the student may have left in the meantime.
        current = active_memberships().filter(pk=current.pk).select_related("team").first()
    if current is not None and current.team_id == to_team.pk:
        raise RuleViolation("already_in_team", _("Deze student zit al in dit team."))
    refusals = status_refusals(to_team, for_move=True)
    req = Requirements.of(to_team.assignment)
    counts = niveau_counts(team=to_team)
    composition = join_refusal(req, counts, niveau)
    if composition is not None:
        refusals.append(composition)
    blocking = [r for r in refusals if r.code not in OVERRIDABLE]
    if blocking:
        _raise(blocking[0])
    if refusals and not override:
        raise RuleViolation(
            refusals[0].code,
            _("%(reason)s Kies 'regels overschrijven' en geef een reden om toch te verplaatsen.")
            % {"reason": refusals[0].message},
        )
    if current is not None and not confirm_departure:
        breaks = departure_problems(team=locked[current.team_id], student=student)
        if breaks:
            raise DepartureNeedsConfirmation(from_team=locked[current.team_id], problems=breaks)
    now = timezone.now()
    from_team = None
    if current is not None:
        from_team = locked[current.team_id]
        _release(membership=current, now=now)
    try:
        with transaction.atomic():
            Membership.objects.create(team=to_team, student=student, cohort_id=cohort_id)
    except IntegrityError:
        # Joined another team between our first look and the locks.
        raise RuleViolation(
            "already_in_team", _("Deze student is intussen van team gewisseld. Probeer het opnieuw.")
        ) from None
    change = MembershipChange.objects.create(
        kind=MembershipChange.Kind.MOVED,
        student=student,
        from_team=from_team,
        to_team=to_team,
        by=by,
        override=bool(refusals),
        overridden_rules=[r.code for r in refusals],
        reason=reason,
        team_completed=not is_complete(req, counts) and is_complete(req, counts.plus(niveau)),
    )
    _announce(change, actor=by)
    return change


@transaction.atomic
def membership_remove(*, team: Team, student: User, by: User, reason: str) -> MembershipChange:
    """A coordinator takes a student out of a team (recorded with a reason)."""
    _require_coordinator_of(team, by)
    _ensure_writable(team)
    reason = _clean_reason(reason, required=True)
    team = _lock_teams(team.pk)[team.pk]
    membership = active_memberships().filter(team=team, student=student).first()
    if membership is None:
        raise RuleViolation("not_a_member", _("Deze student zit niet in dit team."))
    _release(membership=membership, now=timezone.now())
    change = MembershipChange.objects.create(
        kind=MembershipChange.Kind.REMOVED, student=student, from_team=team, by=by, reason=reason
    )
    _announce(change, actor=by)
    return change


# --- duos -------------------------------------------------------------------


def _require_member(team: Team, user: User) -> None:
    if not user_is_team_member(user=user, team=team):
        raise PermissionDenied(_("Alleen teamleden kunnen dit aanpassen."))


def _niveaus_of(user_ids: list[int]) -> dict[int, int]:
    return dict(User.objects.filter(pk__in=user_ids).values_list("pk", "student_profile__niveau"))


@transaction.atomic
def duo_create(*, team: Team, by: User, roles: Mapping[int, str], carries_youth_case: bool = False) -> Duo:
    """Two team members form a duo (tandem); each takes a different role.

    ``roles`` maps the two members' ids to their role (procesrol, begeleidingsrol).
    """
    team = _lock_teams(team.pk)[team.pk]
    _require_member(team, by)
    _ensure_writable(team)
    ids = list(roles)
    if len(ids) != 2 or ids[0] == ids[1]:
        raise ValidationError({"members": [_("Een duo bestaat uit twee verschillende teamleden.")]})
    if not all(is_id(i) for i in ids):
        raise ValidationError({"members": [_("Kies twee leden van dit team.")]})
    members = set(active_memberships().filter(team=team, student_id__in=ids).values_list("student_id", flat=True))
    if members != set(ids):
        raise ValidationError({"members": [_("Kies twee leden van dit team.")]})
    values = [roles[i] for i in ids]
    if any(v not in DuoRole.values for v in values):
        raise ValidationError({"roles": [_("Kies voor beide leden een rol: procesrol of begeleidingsrol.")]})
    if values[0] == values[1]:
        raise ValidationError({"roles": [DIFFERENT_ROLES]})
    taken = team.duos.filter(Q(member_a_id__in=ids) | Q(member_b_id__in=ids)).exists()
    if taken:
        raise RuleViolation("already_in_duo", _("Een van beiden zit al in een duo in dit team."))
    if carries_youth_case:
        _check_youth_case(team, ids)
        team.duos.filter(carries_youth_case=True).update(carries_youth_case=False)
    return Duo.objects.create(
        team=team,
        member_a_id=ids[0],
        role_a=values[0],
        member_b_id=ids[1],
        role_b=values[1],
        carries_youth_case=carries_youth_case,
    )


def _check_youth_case(team: Team, member_ids: list[int]) -> None:
    if not team.assignment.requires_hbo:
        raise ValidationError({"carries_youth_case": [_("Deze opdracht is geen jeugdcasus met risico's.")]})
    if 6 not in _niveaus_of(member_ids).values():
        raise RuleViolation(
            "youth_case_needs_niveau_6",
            _("Het duo dat de jeugdcasus draagt, moet een niveau 6-student hebben."),
        )


@transaction.atomic
def duo_update(
    *, duo: Duo, by: User, roles: Mapping[int, str] | None = None, carries_youth_case: bool | None = None
) -> Duo:
    team = _lock_teams(duo.team_id)[duo.team_id]
    _require_member(team, by)
    _ensure_writable(team)
    duo = team.duos.get(pk=duo.pk)
    if roles is not None:
        if set(roles) != {duo.member_a_id, duo.member_b_id}:
            raise ValidationError({"roles": [_("Geef de rollen van precies de twee leden van dit duo.")]})
        if any(v not in DuoRole.values for v in roles.values()) or roles[duo.member_a_id] == roles[duo.member_b_id]:
            raise ValidationError(
                {"roles": [_("In een duo neemt ieder een andere rol: procesrol en begeleidingsrol.")]}
            )
        duo.role_a, duo.role_b = roles[duo.member_a_id], roles[duo.member_b_id]
    if carries_youth_case is True and not duo.carries_youth_case:
        _check_youth_case(team, [duo.member_a_id, duo.member_b_id])
        team.duos.filter(carries_youth_case=True).update(carries_youth_case=False)
        duo.carries_youth_case = True
    elif carries_youth_case is False:
        duo.carries_youth_case = False
    duo.save()
    return duo


@transaction.atomic
def duo_dissolve(*, duo: Duo, by: User) -> None:
    team = _lock_teams(duo.team_id)[duo.team_id]
    _require_member(team, by)
    _ensure_writable(team)
    team.duos.filter(pk=duo.pk).delete()


# --- tasks ------------------------------------------------------------------


def _clean_task_fields(team: Team, fields: Mapping[str, object]) -> dict[str, object]:
    errors: dict[str, list] = {}
    clean: dict[str, object] = {}
    if "title" in fields:
        title = str(fields["title"] or "").strip()
        if not title:
            errors["title"] = [_("Geef de taak een titel.")]
        elif len(title) > 200:
            errors["title"] = [_("Een titel is hoogstens 200 tekens.")]
        elif "\x00" in title:
            errors["title"] = [NUL_REFUSED]
        clean["title"] = title
    if "description" in fields:
        description = str(fields["description"] or "").strip()
        if len(description) > 2000:
            errors["description"] = [_("Een omschrijving is hoogstens 2000 tekens.")]
        elif "\x00" in description:
            errors["description"] = [NUL_REFUSED]
        clean["description"] = description
    if "phase" in fields:
        if fields["phase"] not in Phase.values:
            errors["phase"] = [_("Kies een fase: verkenning, begeleiding of waakvlam.")]
        clean["phase"] = fields["phase"]
    if "status" in fields:
        if fields["status"] not in TaskStatus.values:
            errors["status"] = [_("Kies een status: te doen, bezig of klaar.")]
        clean["status"] = fields["status"]
    if "due_on" in fields:
        due_on = fields["due_on"]
        if due_on is not None and not isinstance(due_on, datetime.date):
            errors["due_on"] = [_("Geef een geldige datum.")]
        clean["due_on"] = due_on
    if "owner" in fields:
        owner = fields["owner"]
        owner_id = owner.pk if isinstance(owner, User) else owner
        if owner_id is not None and (
            not is_id(owner_id) or not active_memberships().filter(team=team, student_id=owner_id).exists()
        ):
            errors["owner"] = [_("De eigenaar moet lid van dit team zijn.")]
        clean["owner_id"] = owner_id
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def task_create(
    *,
    team: Team,
    by: User,
    phase: str,
    title: str,
    owner: User | int | None = None,
    due_on: datetime.date | None = None,
    description: str = "",
    status: str = TaskStatus.TODO,
    confirm_past_due: bool = True,
) -> Task:
    """Add a task. ``confirm_past_due=False``: a deadline before today is refused (code ``past_due``)
    so the page can ask "Klopt dat?" first; the API keeps accepting it as sent."""
    _require_member(team, by)
    _ensure_writable(team)
    clean = _clean_task_fields(
        team,
        {
            "phase": phase,
            "title": title,
            "owner": owner,
            "due_on": due_on,
            "description": description,
            "status": status,
        },
    )
    _check_past_due(clean.get("due_on"), None, confirm_past_due)
    task = Task.objects.create(team=team, created_by=by, **clean)
    TaskChange.objects.create(
        team=team,
        task=task,
        title=task.title,
        kind=TaskChange.Kind.CREATED,
        by=by,
        changes={n: [None, v] for n in TASK_HISTORY_FIELDS if (v := _history_value(task, n))},
    )
    return task


@transaction.atomic
def task_update(*, task: Task, by: User, confirm_past_due: bool = True, **fields: object) -> Task:
    """Change a task's status, owner, due date, phase, title or description; the change is kept in its history.

    ``confirm_past_due=False``: a deadline moved to before today is refused (code ``past_due``)
    until the person confirms it; a deadline that was already in the past and stays is not asked again.
    """
    _require_member(task.team, by)
    _ensure_writable(task.team)
    unknown = set(fields) - {"title", "description", "phase", "status", "due_on", "owner"}
    if unknown:
        raise ValidationError({name: [_("Dit veld bestaat niet.")] for name in sorted(unknown)})
    clean = _clean_task_fields(task.team, fields)
    if "due_on" in clean:
        _check_past_due(clean["due_on"], task.due_on, confirm_past_due)
    before = {name: _history_value(task, name) for name in TASK_HISTORY_FIELDS}
    for name, value in clean.items():
        setattr(task, name, value)
    task.save()
    changes = {
        name: [before[name], _history_value(task, name)]
        for name in TASK_HISTORY_FIELDS
        if before[name] != _history_value(task, name)
    }
    if changes:
        TaskChange.objects.create(
            team=task.team, task=task, title=task.title, kind=TaskChange.Kind.CHANGED, by=by, changes=changes
        )
    if "owner_id" in clean:
        # Fresh owner object for the caller's response.
        task.owner = User.objects.filter(pk=task.owner_id).first() if task.owner_id else None
    return task


@transaction.atomic
def task_delete(*, task: Task, by: User) -> None:
    _require_member(task.team, by)
    _ensure_writable(task.team)
    TaskChange.objects.create(team=task.team, task=None, title=task.title, kind=TaskChange.Kind.DELETED, by=by)
    # The history of the task stays, without the link to it.
    task.delete()


# What a task's history records, in this order (the owner as an id: the page shows the name).
TASK_HISTORY_FIELDS = ("title", "description", "phase", "status", "owner", "due_on")


def _history_value(task: Task, name: str) -> object:
    if name == "owner":
        return task.owner_id
    if name == "due_on":
        return task.due_on.isoformat() if task.due_on else None
    return getattr(task, name)


def _check_past_due(due_on: object, before: object, confirmed: bool) -> None:
    if confirmed or not isinstance(due_on, datetime.date) or due_on == before:
        return
    if due_on < timezone.localdate():
        raise ValidationError(
            {"due_on": [ValidationError(_("Deze deadline ligt in het verleden. Klopt dat?"), code="past_due")]}
        )


# --- erasure (AVG) ------------------------------------------------------------------------


def memberships_end_for_erasure(*, student: User, now: datetime.datetime) -> int:
    """End every active membership of a student being erased; returns how many ended.

    Quietly: no MembershipChange, no notification or mail (each would carry the name
    that is being erased). Duos dissolve, tasks lose their owner and the chat closes
    the student's sockets, as on any other end of a membership. Ended memberships of
    the (by then anonymous) account stay: they say only that "a deleted user" was in a team.
    """
    ended = 0
    for membership in Membership.objects.select_for_update().filter(student=student, left_at__isnull=True):
        _release(membership=membership, now=now)
        ended += 1
    # Also duos and task ownership in teams the student had already left.
    Duo.objects.filter(Q(member_a=student) | Q(member_b=student)).delete()
    Task.objects.filter(owner=student).update(owner=None)
    Task.objects.filter(created_by=student).update(created_by=None)
    TaskChange.objects.filter(by=student).update(by=None)
    MembershipChange.objects.filter(student=student).delete()
    return ended
