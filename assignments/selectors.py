"""Reads about assignments and preferences, scoped by the visibility rules of docs/design.md.

Who sees which assignment:

- a student: the open assignments of their own cohort, plus any published
  assignment they are (or were) in a team on or ranked;
- an organisation contact: everything of their own organisation, drafts and
  cancelled ones included, plus the open assignments of others (to see what is
  already asked in a neighbourhood);
- a coordinator: everything in the cohorts they coordinate;
- a supervisor: the open assignments, plus every published assignment of a
  team or student they supervise and, for a werkbegeleider, of their own
  organisation.

Drafts are seen only by the owning organisation and the cohort's
coordinators. Every page and endpoint gets its assignments from here; an
assignment someone may not see answers 404, exactly as if it did not exist.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from assignments.models import Assignment, AssignmentCompetence, AssignmentRevision, AssignmentStatus, Preference
from wijklab.models import Cohort, Organisation, Role, StudentProfile, SupervisorKind, SupervisorProfile, User
from wijklab.names import by_name
from wijklab.selectors import cohorts_managed_by, may_manage_cohorts

PUBLISHED = ~Q(status=AssignmentStatus.DRAFT)


# --- what the teams on an assignment tell it -----------------------------------------
#
# assignments sits below teams (docs/architecture.md; the layers contract in pyproject.toml), yet
# some of its rules need the teams: who worked on an assignment may still see it, the supervisors
# following its teams may see it, its team sizes must fit the teams already on it, and the
# students in its teams hear when it is cancelled. Importing teams here would make the order
# circular, so teams hands in these answers when Django starts (TeamsConfig.ready) and the rule
# "who is in or follows which team" stays written once, in teams.selectors.


@dataclass(frozen=True)
class TeamHooks:
    # Ids of the assignments whose teams ``user`` is or was a member of, or follows as supervisor
    # (as a subquery: ``.values("assignment_id")``).
    assignment_ids_involving: Callable[[User], QuerySet]
    # The teams of assignments with ``seats_taken`` (active members) annotated, for a Prefetch.
    teams_with_seats: Callable[[], QuerySet]
    # Ids of the students in an active team, on one assignment or in one cohort (a subquery).
    active_student_ids: Callable[..., QuerySet]


_team_hooks: TeamHooks | None = None


def register_team_hooks(hooks: TeamHooks) -> None:
    global _team_hooks
    _team_hooks = hooks


def team_hooks() -> TeamHooks:
    if _team_hooks is None:
        raise ImproperlyConfigured("The teams app registers assignments' team hooks in TeamsConfig.ready().")
    return _team_hooks


def student_cohort_id(*, user: User) -> int | None:
    profile = getattr(user, "student_profile", None)
    return profile.cohort_id if profile is not None else None


def coordinated_cohort_ids(*, user: User) -> list[int]:
    """The cohorts a coordinator runs (``cohorts_managed_by``), cached on the user object for the request."""
    if not may_manage_cohorts(user=user):
        return []
    cached = getattr(user, "_coordinated_cohort_ids", None)
    if cached is None:
        cached = list(cohorts_managed_by(user=user).values_list("pk", flat=True))
        user._coordinated_cohort_ids = cached
    return cached


def assignments_visible_to(*, user: User) -> QuerySet[Assignment]:
    """Every assignment ``user`` may see (see the module docstring). No joins, so no duplicates."""
    qs = Assignment.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.STUDENT:
        cohort_id = student_cohort_id(user=user)
        if cohort_id is None:
            return qs.none()
        worked_on = team_hooks().assignment_ids_involving(user)
        ranked = Preference.objects.filter(student=user).values("assignment_id")
        return qs.filter(
            Q(cohort_id=cohort_id, status=AssignmentStatus.OPEN)
            | (PUBLISHED & (Q(pk__in=worked_on) | Q(pk__in=ranked)))
        )
    if user.role == Role.ORGANISATION:
        if user.organisation_id is None:
            return qs.filter(status=AssignmentStatus.OPEN)
        return qs.filter(Q(organisation_id=user.organisation_id) | Q(status=AssignmentStatus.OPEN))
    if user.role == Role.COORDINATOR:
        return qs.filter(cohort__in=cohorts_managed_by(user=user).values("pk"))
    if user.role == Role.SUPERVISOR:
        supervised = team_hooks().assignment_ids_involving(user)
        own_organisation = SupervisorProfile.objects.filter(
            user=user, kind=SupervisorKind.WERKBEGELEIDER, organisation__isnull=False
        ).values("organisation_id")
        return qs.filter(
            Q(status=AssignmentStatus.OPEN)
            | (PUBLISHED & (Q(pk__in=supervised) | Q(organisation_id__in=own_organisation)))
        )
    return qs.none()


def access_assignment_by_id(*, user: User, assignment_id: Any) -> Assignment:
    """The assignment if ``user`` may see it; otherwise 404, exactly as if it did not exist."""
    try:
        return with_details(assignments_visible_to(user=user), user=user).get(pk=int(assignment_id))
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("Opdracht niet gevonden.") from None


# --- who may do what ----------------------------------------------------------


def user_can_post_assignments(*, user: User) -> bool:
    if user.role == Role.ORGANISATION:
        return user.organisation_id is not None
    return user.role == Role.COORDINATOR and bool(coordinated_cohort_ids(user=user))


def user_can_edit_assignment(*, user: User, assignment: Assignment) -> bool:
    """The owning organisation's contacts and the cohort's coordinators."""
    if user.role == Role.ORGANISATION:
        return user.organisation_id is not None and user.organisation_id == assignment.organisation_id
    if user.role == Role.COORDINATOR:
        return assignment.cohort_id in coordinated_cohort_ids(user=user)
    return False


def user_sees_interest(*, user: User, assignment: Assignment) -> bool:
    """How many students showed interest: for the people who posted or run it."""
    return user_can_edit_assignment(user=user, assignment=assignment)


def user_sees_interested_students(*, user: User, assignment: Assignment) -> bool:
    """Who showed interest, with niveau: coordinators only (never the organisation)."""
    return user.role == Role.COORDINATOR and assignment.cohort_id in coordinated_cohort_ids(user=user)


def organisations_user_can_post_for(*, user: User) -> QuerySet[Organisation]:
    if user.role == Role.ORGANISATION and user.organisation_id:
        return Organisation.objects.filter(pk=user.organisation_id)
    if user.role == Role.COORDINATOR:
        return Organisation.objects.all()
    return Organisation.objects.none()


def cohorts_user_can_post_in(*, user: User) -> QuerySet[Cohort]:
    """Coordinators post in their own cohorts; an organisation may offer work to any cohort."""
    if user.role == Role.COORDINATOR:
        return Cohort.objects.filter(pk__in=coordinated_cohort_ids(user=user))
    if user.role == Role.ORGANISATION and user.organisation_id:
        return Cohort.objects.all()
    return Cohort.objects.none()


def default_cohort_for(*, user: User) -> Cohort | None:
    """The newest cohort the user may post in (Cohort's ordering is newest first)."""
    return cohorts_user_can_post_in(user=user).first()


# --- annotations for lists ---------------------------------------------------


def _count(qs: QuerySet, *, field: str = "pk", aggregate: type = Count) -> Coalesce:
    """A correlated sub-select per assignment: counts without joins, so rows never multiply."""
    return Coalesce(
        Subquery(qs.order_by().values("assignment_id").annotate(n=aggregate(field)).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def with_interest(qs: QuerySet[Assignment], *, by_niveau: bool = False) -> QuerySet[Assignment]:
    preferences = Preference.objects.filter(assignment=OuterRef("pk"))
    qs = qs.annotate(interest_count=_count(preferences))
    if by_niveau:
        qs = qs.annotate(
            **{
                f"interest_n{niveau}": _count(preferences.filter(student__student_profile__niveau=niveau))
                for niveau in (4, 5, 6)
            }
        )
    return qs


def student_competence_ids(*, user: User) -> list[int]:
    cached = getattr(user, "_competence_ids", None)
    if cached is None:
        profile = getattr(user, "student_profile", None)
        cached = list(profile.competences.values_list("pk", flat=True)) if profile is not None else []
        user._competence_ids = cached
    return cached


def with_fit(qs: QuerySet[Assignment], *, student: User) -> QuerySet[Assignment]:
    """How well the student's own competences match: counts and an importance-weighted share."""
    required = AssignmentCompetence.objects.filter(assignment=OuterRef("pk"))
    ids = student_competence_ids(user=student)
    qs = qs.annotate(
        fit_required=_count(required),
        fit_required_weight=_count(required, field="importance", aggregate=Sum),
    )
    if ids:
        matched = required.filter(competence_id__in=ids)
        qs = qs.annotate(
            fit_matched=_count(matched),
            fit_matched_weight=_count(matched, field="importance", aggregate=Sum),
        )
    else:
        qs = qs.annotate(fit_matched=Value(0), fit_matched_weight=Value(0))
    return qs.annotate(
        fit_score=ExpressionWrapper(
            F("fit_matched_weight") * 1.0 / NullIf(F("fit_required_weight"), 0), output_field=FloatField()
        )
    )


def teams_prefetch() -> Prefetch:
    return Prefetch("teams", queryset=team_hooks().teams_with_seats())


def with_details(qs: QuerySet[Assignment], *, user: User) -> QuerySet[Assignment]:
    """Everything a card, a detail page or the API shows, in a fixed number of queries."""
    qs = qs.select_related("organisation", "neighbourhood", "cohort", "contact_person").prefetch_related(
        Prefetch(
            "required_competences",
            queryset=AssignmentCompetence.objects.select_related("competence"),
        ),
        teams_prefetch(),
    )
    if user.role in (Role.ORGANISATION, Role.COORDINATOR):
        qs = with_interest(qs, by_niveau=user.role == Role.COORDINATOR)
    if user.role == Role.STUDENT:
        qs = with_fit(qs, student=user)
    return qs


def _best_fit_first() -> list[Any]:
    """A student's order of assignments (their list, the matches on their home page): the best
    importance-weighted fit first (``with_fit``), then the most matched competences, the start."""
    return [F("fit_score").desc(nulls_last=True), "-fit_matched", "starts_on", by_name("title"), "pk"]


def assignments_for_list(*, user: User) -> QuerySet[Assignment]:
    """The visible assignments with everything a list shows; students get the best fit first."""
    qs = with_details(assignments_visible_to(user=user), user=user)
    if user.role == Role.STUDENT:
        return qs.order_by(*_best_fit_first())
    if user.role == Role.ORGANISATION:
        # Own work first (drafts on top: they still need doing), then other organisations' open ones.
        own = Q(organisation_id=user.organisation_id or 0)
        return qs.annotate(
            sort_own=ExpressionWrapper(own, output_field=BooleanField()),
            sort_draft=ExpressionWrapper(Q(status=AssignmentStatus.DRAFT), output_field=BooleanField()),
        ).order_by("-sort_own", "-sort_draft", "starts_on", by_name("title"), "pk")
    # Titles in the order of names (wijklab.names), as every list of names: "buurtmoestuin" among the b's.
    return qs.order_by("starts_on", by_name("title"), "pk")


def best_matches_for(*, student: User, limit: int = 3) -> QuerySet[Assignment]:
    """The open assignments a student may see and has not chosen yet, best fit first as on their
    list: only what the home page's panel shows (title, organisation, fit). Half the cost of the
    list's query with its details (docs/benchmarks.md, 2026-12-07, sixth session)."""
    chosen = Preference.objects.filter(student=student).values("assignment_id")
    qs = assignments_visible_to(user=student).filter(status=AssignmentStatus.OPEN).exclude(pk__in=chosen)
    return (
        with_fit(qs, student=student)
        .select_related("organisation")
        .only("pk", "title", "organisation__name")
        .order_by(*_best_fit_first())[:limit]
    )


# --- preferences --------------------------------------------------------------


def user_can_rank_preferences(*, user: User) -> bool:
    """Students rank assignments: the one gate of the preferences page, the API and the service."""
    return user.is_authenticated and user.role == Role.STUDENT


def has_open_preference() -> Exists:
    """The student of the outer row (its ``user_id``) has chosen at least one open assignment: the
    choices a team formation can use. A choice of an assignment no longer open counts for nothing,
    so the cohort page and the formation page both list that student as still without preferences."""
    return Exists(Preference.objects.filter(student_id=OuterRef("user_id"), assignment__status=AssignmentStatus.OPEN))


def preferences_of(*, student: User) -> QuerySet[Preference]:
    return student.preferences.select_related(
        "assignment", "assignment__organisation", "assignment__neighbourhood"
    ).order_by("rank")


def preference_ranks_of(*, student: User) -> dict[int, int]:
    """{assignment id: rank} of a student's current ranking (one query)."""
    if not user_can_rank_preferences(user=student):
        return {}
    return dict(student.preferences.values_list("assignment_id", "rank"))


def choosable_assignment_ids(*, student: User) -> set[int]:
    """What a student may rank: the open assignments of their cohort, plus what they already ranked."""
    cohort_id = student_cohort_id(user=student)
    if cohort_id is None:
        return set()
    open_ids = Assignment.objects.filter(cohort_id=cohort_id, status=AssignmentStatus.OPEN).values_list("pk", flat=True)
    return set(open_ids) | set(student.preferences.values_list("assignment_id", flat=True))


def preferences_open_for(*, student: User) -> bool:
    profile = getattr(student, "student_profile", None)
    return profile is not None and profile.cohort.accepts_preferences()


def preferences_close_on_for(*, student: User) -> datetime.date | None:
    """The last day the student's cohort takes choices, when the coordinator set one."""
    profile = getattr(student, "student_profile", None)
    return profile.cohort.preferences_close_on if profile is not None else None


def interested_students(*, assignment: Assignment) -> QuerySet[Preference]:
    """Who ranked an assignment, with their niveau: for coordinators only (see user_sees_interested_students)."""
    return assignment.preferences.select_related("student", "student__student_profile").order_by(
        "rank", "student__display_name"
    )


@dataclass(frozen=True)
class CohortPreferenceSummary:
    cohort: Cohort
    students: int
    students_with_preferences: int
    open_assignments: int
    draft_assignments: int


def cohort_summaries(*, user: User) -> list[CohortPreferenceSummary]:
    """Per coordinated cohort: how far students are with ranking, and the assignments in play."""
    # Counted in subqueries: joining students to their preferences (five rows each) and counting
    # distinct students took 0.7 s on a cohort of 1,250 (the coordinator's home page, seed_scale).
    profiles = StudentProfile.objects.filter(cohort=OuterRef("pk"))
    cohorts = Cohort.objects.filter(pk__in=coordinated_cohort_ids(user=user)).annotate(
        n_students=_count_of(profiles),
        n_ranked=_count_of(profiles.filter(Exists(Preference.objects.filter(student_id=OuterRef("user_id"))))),
        n_open=_cohort_count(AssignmentStatus.OPEN),
        n_draft=_cohort_count(AssignmentStatus.DRAFT),
    )
    return [
        CohortPreferenceSummary(
            cohort=c,
            students=c.n_students,
            students_with_preferences=c.n_ranked,
            open_assignments=c.n_open,
            draft_assignments=c.n_draft,
        )
        for c in cohorts
    ]


def _count_of(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("cohort_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())


def _cohort_count(status: str) -> Coalesce:
    rows = Assignment.objects.filter(cohort=OuterRef("pk"), status=status).order_by().values("cohort_id")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0), output_field=IntegerField())


# --- history --------------------------------------------------------------------


def revisions_of(*, assignment: Assignment) -> QuerySet[AssignmentRevision]:
    return assignment.revisions.select_related("changed_by")


def active_member_counts(*, assignment: Assignment) -> list[int]:
    """Active members per team on the assignment (a lower team_size_max must still fit them)."""
    return list(team_hooks().teams_with_seats().filter(assignment=assignment).values_list("seats_taken", flat=True))
