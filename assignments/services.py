"""Writes about assignments and preferences.

Every write checks who may do it, runs the rules of ``assignments.validators``
once more and happens in one transaction: on any error nothing is stored.
Permission problems raise ``PermissionDenied`` (403), broken rules of the
lifecycle raise ``RuleViolation`` (409), bad input ``ValidationError`` (400).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from assignments.models import (
    EDITABLE_STATUSES,
    Assignment,
    AssignmentCompetence,
    AssignmentRevision,
    AssignmentStatus,
    Preference,
)
from assignments.selectors import (
    active_member_counts,
    choosable_assignment_ids,
    team_hooks,
    user_can_edit_assignment,
    user_can_post_assignments,
    user_can_rank_preferences,
)
from assignments.validators import (
    ASSIGNMENT_FIELDS,
    RankingEntry,
    clean_assignment,
    clean_ranking,
    defaults,
    values_of,
)
from wijklab.errors import RuleViolation
from wijklab.models import Cohort, Organisation, Role, StudentProfile, User
from wijklab.selectors import manages_cohort
from wijklab.services import ensure_cohort_writable, notify, notify_each

MSG_NOT_YOURS = _("Alleen de eigen organisatie en de coördinatoren van het cohort kunnen deze opdracht wijzigen.")
MSG_CANNOT_POST = _("Alleen organisaties en coördinatoren plaatsen opdrachten.")
MSG_MAX_BELOW_TEAM = _(
    "Er zit al een team van %(size)d studenten op deze opdracht; de maximale teamgrootte kan niet lager dan %(size)d."
)


# --- assignments ----------------------------------------------------------------


def _check_can_post(*, by: User, organisation: Organisation, cohort: Cohort) -> None:
    if not user_can_post_assignments(user=by):
        raise PermissionDenied(MSG_CANNOT_POST)
    if by.role == Role.ORGANISATION and by.organisation_id != organisation.pk:
        raise PermissionDenied(_("Je kunt alleen opdrachten van je eigen organisatie plaatsen."))
    if by.role == Role.COORDINATOR and not manages_cohort(user=by, cohort_id=cohort.pk):
        raise PermissionDenied(_("Je kunt alleen opdrachten plaatsen in een cohort dat je coördineert."))


def _check_can_edit(*, by: User, assignment: Assignment) -> None:
    if not user_can_edit_assignment(user=by, assignment=assignment):
        raise PermissionDenied(MSG_NOT_YOURS)


def _set_competences(assignment: Assignment, competences: list[tuple[Any, int]]) -> None:
    assignment.required_competences.all().delete()
    AssignmentCompetence.objects.bulk_create(
        AssignmentCompetence(assignment=assignment, competence=competence, importance=importance)
        for competence, importance in competences
    )


@transaction.atomic
def assignment_create(*, by: User, organisation: Organisation, cohort: Cohort, values: dict[str, Any]) -> Assignment:
    """A new assignment, always as a draft; the organisation publishes it when it is ready."""
    _check_can_post(by=by, organisation=organisation, cohort=cohort)
    ensure_cohort_writable(cohort)
    data = {**defaults(), **{k: v for k, v in values.items() if k in ASSIGNMENT_FIELDS}}
    clean_assignment(data, organisation=organisation)
    competences = data.pop("competences")
    assignment = Assignment.objects.create(
        cohort=cohort, organisation=organisation, created_by=by, status=AssignmentStatus.DRAFT, **data
    )
    _set_competences(assignment, competences)
    return assignment


def _display(field: str, value: Any) -> Any:
    """A JSON value for the edit history that still reads well when the object is gone."""
    if field == "competences":
        return sorted([competence.name, importance] for competence, importance in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, User):
        return value.get_display_name()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _comparable(field: str, value: Any) -> Any:
    if field == "competences":
        return sorted((competence.pk, importance) for competence, importance in value)
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def assignment_update(*, assignment: Assignment, by: User, values: dict[str, Any]) -> Assignment:
    """Change fields of an assignment. Once published, every change is kept in its history."""
    _check_can_edit(by=by, assignment=assignment)
    ensure_cohort_writable(assignment.cohort_id)
    # Lock the row: two editors at once must not lose each other's history.
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status not in EDITABLE_STATUSES:
        raise RuleViolation(
            "not_editable",
            _("Deze opdracht is %(status)s en kan niet meer worden gewijzigd.")
            % {"status": assignment.get_status_display().lower()},
        )
    old = values_of(assignment)
    new = {**old, **{k: v for k, v in values.items() if k in ASSIGNMENT_FIELDS}}
    clean_assignment(new, organisation=assignment.organisation)
    largest_team = max(active_member_counts(assignment=assignment), default=0)
    if new["team_size_max"] < largest_team:
        raise ValidationError({"team_size_max": [str(MSG_MAX_BELOW_TEAM % {"size": largest_team})]})

    changes = {
        field: {"old": _display(field, old[field]), "new": _display(field, new[field])}
        for field in ASSIGNMENT_FIELDS
        if _comparable(field, old[field]) != _comparable(field, new[field])
    }
    if not changes:
        return assignment
    for field in changes:
        if field != "competences":
            setattr(assignment, field, new[field])
    assignment.save()
    if "competences" in changes:
        _set_competences(assignment, new["competences"])
    if assignment.status != AssignmentStatus.DRAFT:
        AssignmentRevision.objects.create(assignment=assignment, changed_by=by, changes=changes)
    return assignment


def _transition(
    *, assignment: Assignment, by: User, allowed_from: set[str], to: str, code: str, message: Any
) -> Assignment:
    _check_can_edit(by=by, assignment=assignment)
    ensure_cohort_writable(assignment.cohort_id)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status not in allowed_from:
        raise RuleViolation(code, message % {"status": assignment.get_status_display().lower()})
    old = assignment.status
    assignment.status = to
    fields = ["status", "updated_at"]
    if to == AssignmentStatus.OPEN:
        assignment.published_at = timezone.now()
        fields.append("published_at")
    assignment.save(update_fields=fields)
    AssignmentRevision.objects.create(assignment=assignment, changed_by=by, changes={"status": {"old": old, "new": to}})
    return assignment


def _url(assignment: Assignment) -> str:
    return reverse("assignment-detail", args=[assignment.pk])


@transaction.atomic
def assignment_publish(*, assignment: Assignment, by: User) -> Assignment:
    """draft → open: students of the cohort can now find and rank it."""
    _check_can_edit(by=by, assignment=assignment)
    # The rules may have changed since the draft was saved (a contact person left).
    clean_assignment(values_of(assignment), organisation=assignment.organisation)
    assignment = _transition(
        assignment=assignment,
        by=by,
        allowed_from={AssignmentStatus.DRAFT},
        to=AssignmentStatus.OPEN,
        code="not_draft",
        message=_("Alleen een concept kun je publiceren; deze opdracht is al %(status)s."),
    )
    notify(
        users=assignment.cohort.coordinators.exclude(pk=by.pk),
        kind="assignment_published",
        title=lambda: _("Nieuwe opdracht: %(title)s") % {"title": assignment.title},
        body=lambda: (
            _("%(organisation)s heeft een opdracht gepubliceerd in %(cohort)s.")
            % {"organisation": assignment.organisation.name, "cohort": assignment.cohort.name}
        ),
        url=_url(assignment),
    )
    return assignment


@transaction.atomic
def assignment_cancel(*, assignment: Assignment, by: User) -> Assignment:
    """Cancel an assignment; rankings that held it close up, and the students involved hear it."""
    assignment = _transition(
        assignment=assignment,
        by=by,
        allowed_from={AssignmentStatus.DRAFT, AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS},
        to=AssignmentStatus.CANCELLED,
        code="not_cancellable",
        message=_("Deze opdracht is %(status)s en kan niet meer worden geannuleerd."),
    )
    ranked_by = list(User.objects.filter(preferences__assignment=assignment))
    assignment.preferences.all().delete()
    for student in ranked_by:
        _close_up_ranks(student)
    in_teams = User.objects.filter(pk__in=team_hooks().active_student_ids(assignment=assignment))
    names = {"title": assignment.title, "organisation": assignment.organisation.name}

    def title() -> str:
        return _("Opdracht geannuleerd: %(title)s") % names

    def in_team_body() -> str:
        return (
            _(
                "%(organisation)s heeft de opdracht van jouw team geannuleerd. De coördinator laat je weten hoe het "
                "verder gaat."
            )
            % names
        )

    def ranked_body() -> str:
        return (
            _("%(organisation)s heeft deze opdracht geannuleerd. Hij stond in je voorkeuren: kies een andere.") % names
        )

    # Students in a team on it read about their team; the others about their choices (the first row per person wins).
    notify_each(
        kind="assignment_cancelled",
        rows=[(s, title, in_team_body, reverse("team-list")) for s in in_teams]
        + [(s, title, ranked_body, reverse("preferences")) for s in ranked_by],
    )
    return assignment


@transaction.atomic
def assignment_start(*, assignment: Assignment, by: User) -> Assignment:
    """open → in_progress: the teams are at work; no new students choose it."""
    return _transition(
        assignment=assignment,
        by=by,
        allowed_from={AssignmentStatus.OPEN},
        to=AssignmentStatus.IN_PROGRESS,
        code="not_open",
        message=_("Alleen een open opdracht kan van start gaan; deze opdracht is %(status)s."),
    )


@transaction.atomic
def assignment_complete(*, assignment: Assignment, by: User) -> Assignment:
    """in_progress → completed."""
    return _transition(
        assignment=assignment,
        by=by,
        allowed_from={AssignmentStatus.IN_PROGRESS},
        to=AssignmentStatus.COMPLETED,
        code="not_in_progress",
        message=_("Alleen een lopende opdracht kun je afronden; deze opdracht is %(status)s."),
    )


# --- preferences ----------------------------------------------------------------


def _close_up_ranks(student: User) -> None:
    """Renumber 1, 2, 3 … after a choice disappeared; ascending so no two rows share a rank."""
    for number, preference in enumerate(student.preferences.order_by("rank"), start=1):
        if preference.rank != number:
            preference.rank = number
            preference.save(update_fields=["rank", "updated_at"])


@transaction.atomic
def preferences_set(*, student: User, entries: list[RankingEntry]) -> list[Preference]:
    """Replace a student's whole ranking at once (up to five choices with a motivation)."""
    if not user_can_rank_preferences(user=student):
        raise PermissionDenied(_("Alleen studenten kiezen voorkeuren."))
    # Lock the student: two tabs saving at once must not interleave delete and insert.
    User.objects.select_for_update().filter(pk=student.pk).first()
    profile = StudentProfile.objects.select_related("cohort").filter(user=student).first()
    if profile is None:
        raise PermissionDenied(_("Alleen studenten kiezen voorkeuren."))
    ensure_cohort_writable(profile.cohort_id)
    if not profile.cohort.preferences_open:
        raise RuleViolation(
            "preferences_closed",
            _("De coördinator heeft de voorkeuren gesloten; je kunt ze niet meer wijzigen."),
        )
    if not profile.cohort.accepts_preferences():
        raise RuleViolation(
            "preferences_closed",
            _("De laatste dag om te kiezen was %(date)s; je kunt je voorkeuren niet meer wijzigen.")
            % {"date": date_format(profile.cohort.preferences_close_on, "DATE_FORMAT")},
        )
    cleaned = clean_ranking(entries, choosable_ids=choosable_assignment_ids(student=student))
    student.preferences.all().delete()
    return Preference.objects.bulk_create(
        Preference(student=student, assignment=e.assignment, rank=e.rank, motivation=e.motivation)
        for e in sorted(cleaned, key=lambda e: e.rank)
    )


def current_ranking(*, student: User) -> list[RankingEntry]:
    return [
        RankingEntry(assignment=p.assignment, rank=p.rank, motivation=p.motivation)
        for p in student.preferences.select_related("assignment").order_by("rank")
    ]


def renumbered(entries: list[RankingEntry]) -> list[RankingEntry]:
    return [RankingEntry(assignment=e.assignment, rank=i, motivation=e.motivation) for i, e in enumerate(entries, 1)]


def preference_add(*, student: User, assignment: Assignment, motivation: str = "") -> list[Preference]:
    """Put an assignment at the end of the ranking (nothing happens when it is already there)."""
    entries = current_ranking(student=student)
    if any(e.assignment.pk == assignment.pk for e in entries):
        return list(student.preferences.order_by("rank"))
    entries.append(RankingEntry(assignment=assignment, rank=len(entries) + 1, motivation=motivation))
    return preferences_set(student=student, entries=entries)


def reorder(entries: list[RankingEntry], *, assignment_id: int, direction: str) -> list[RankingEntry]:
    """Move one choice a place up or down (pure: used by the page before it saves)."""
    entries = list(entries)
    index = next((i for i, e in enumerate(entries) if e.assignment.pk == assignment_id), None)
    if index is not None:
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(entries):
            entries[index], entries[target] = entries[target], entries[index]
    return renumbered(entries)


# --- cohorts --------------------------------------------------------------------


def _set_preferences_open(*, cohort: Cohort, by: User | None, is_open: bool) -> Cohort:
    """Open or close a cohort's preferences; ``by=None`` is the closing date passing (the nightly task)."""
    if by is not None and not manages_cohort(user=by, cohort_id=cohort.pk):
        raise PermissionDenied(_("Alleen de coördinator van het cohort kan de voorkeuren openen of sluiten."))
    ensure_cohort_writable(cohort)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.preferences_open == is_open:
        return cohort
    cohort.preferences_open = is_open
    fields = ["preferences_open"]
    if is_open and cohort.preferences_close_on and cohort.preferences_close_on < timezone.localdate():
        # Reopened after the closing date: the night would close it again. Open until closed by hand.
        cohort.preferences_close_on = None
        fields.append("preferences_close_on")
    cohort.save(update_fields=fields)
    students = User.objects.filter(student_profile__cohort=cohort, is_active=True)

    def title() -> str:
        return _("Je kunt je voorkeuren weer aanpassen") if is_open else _("De voorkeuren zijn gesloten")

    def body() -> str:
        if is_open:
            return _("De coördinator van %(cohort)s heeft de voorkeuren weer geopend.") % {"cohort": cohort.name}
        if by is None:
            return _(
                "%(date)s was de laatste dag om je voorkeuren voor %(cohort)s te kiezen. "
                "De coördinator maakt nu de teams met jullie voorkeuren."
            ) % {"date": date_format(cohort.preferences_close_on, "DATE_FORMAT"), "cohort": cohort.name}
        return _("De coördinator van %(cohort)s maakt nu de teams met jullie voorkeuren.") % {"cohort": cohort.name}

    if not is_open and by is None:
        notify(
            users=cohort.coordinators.filter(is_active=True),
            kind="preferences_closed",
            title=lambda: _("De voorkeuren van %(cohort)s zijn gesloten") % {"cohort": cohort.name},
            body=lambda: _("De sluitingsdatum is voorbij. Je kunt nu de teams vormen."),
            url=reverse("cohort-formation", args=[cohort.pk]),
        )
    notify(users=students, kind="preferences_open" if is_open else "preferences_closed", title=title, body=body)
    return cohort


def preferences_close_due(*, today: dt.date | None = None) -> list[int]:
    """Close the preferences of every cohort whose last day to choose has passed (idempotent).

    Each cohort in a transaction of its own: one that fails (archived meanwhile) does not keep the others open.
    """
    today = today or timezone.localdate()
    due = Cohort.objects.filter(
        preferences_open=True, archived_at__isnull=True, preferences_close_on__lt=today
    ).values_list("pk", flat=True)
    closed = []
    for cohort_id in list(due):
        try:
            with transaction.atomic():
                _set_preferences_open(cohort=Cohort.objects.get(pk=cohort_id), by=None, is_open=False)
        except RuleViolation:  # archived meanwhile: nothing to close
            continue
        closed.append(cohort_id)
    return closed


@transaction.atomic
def cohort_preferences_close(*, cohort: Cohort, by: User) -> Cohort:
    """Freeze every student's ranking so the coordinator can form teams from it."""
    return _set_preferences_open(cohort=cohort, by=by, is_open=False)


@transaction.atomic
def cohort_preferences_open(*, cohort: Cohort, by: User) -> Cohort:
    return _set_preferences_open(cohort=cohort, by=by, is_open=True)


@transaction.atomic
def cohort_self_join_set(*, cohort: Cohort, by: User, reopened: bool) -> Cohort:
    """Let students join teams themselves again after preferences closed (or stop that again).

    While preferences are open students always join themselves; the flag only
    matters once they close and the coordinator forms the teams.
    """
    if not manages_cohort(user=by, cohort_id=cohort.pk):
        raise PermissionDenied(_("Alleen de coördinator van het cohort kan zelf aansluiten openen of sluiten."))
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.self_join_reopened == reopened:
        return cohort
    was_open = cohort.self_join_open
    cohort.self_join_reopened = reopened
    cohort.save(update_fields=["self_join_reopened"])
    if cohort.self_join_open != was_open:
        # Only students still looking for a team notice the difference.
        in_a_team = team_hooks().active_student_ids(cohort=cohort)
        students = User.objects.filter(student_profile__cohort=cohort, is_active=True).exclude(pk__in=in_a_team)

        def title() -> str:
            if reopened:
                return _("Je kunt je weer zelf bij een team aansluiten")
            return _("De coördinator maakt de teams")

        def body() -> str:
            if reopened:
                return _("De coördinator van %(cohort)s heeft zelf aansluiten weer geopend.") % {"cohort": cohort.name}
            return _("Je kunt je niet meer zelf bij een team aansluiten; je hoort het zodra je team bekend is.")

        notify(
            users=students,
            kind="self_join_open" if reopened else "self_join_closed",
            title=title,
            body=body,
            url=reverse("team-list"),
        )
    return cohort


def preferences_erase_for(*, student: User) -> int:
    """Delete a student's ranking and motivations (erasure, docs/privacy.md); returns how many."""
    deleted, _by_model = Preference.objects.filter(student=student).delete()
    return deleted
