"""Reads about people, scoped by the visibility rules of docs/design.md."""

from typing import Any

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from wijklab.ids import as_id
from wijklab.models import Cohort, Competence, Role, StudentProfile, User


def viewer_sees_niveaus(*, viewer: User) -> bool:
    """Whether a viewer may ever see niveaus (a cheap first cut for lists).

    Which students' niveau exactly: ``teams.selectors.niveau_visible_student_ids``, since it
    depends on who shares or follows a team.
    """
    return viewer.role != Role.ORGANISATION


# --- cohorts a coordinator manages -----------------------------------------------------


def may_manage_cohorts(*, user: User) -> bool:
    """Coordinators keep cohorts (list, create; each one only if they coordinate it): pages and API ask this."""
    return user.is_authenticated and user.role == Role.COORDINATOR


def cohorts_managed_by(*, user: User) -> QuerySet[Cohort]:
    """The cohorts a coordinator runs, newest first (by start date, then creation).

    The one predicate for "manages this cohort": its pages, import, invitations and team formation.
    """
    if not may_manage_cohorts(user=user):
        return Cohort.objects.none()
    return user.coordinated_cohorts.order_by("-starts_on", "-pk")


def manages_cohort(*, user: User, cohort_id: int | None) -> bool:
    """Whether ``user`` coordinates this cohort: the services' check before they change anything of it."""
    return cohort_id is not None and cohorts_managed_by(user=user).filter(pk=cohort_id).exists()


def access_managed_cohort(*, user: User, cohort_id: Any) -> Cohort:
    """A cohort the user coordinates; any other id is "not found" (404), whoever asks."""
    try:
        return cohorts_managed_by(user=user).get(pk=as_id(cohort_id))
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("Cohort niet gevonden.") from None


def competences_for_cohort(*, cohort: Cohort | None) -> QuerySet[Competence]:
    """The competences a student of ``cohort`` chooses from: the cohort's list, or all when it has none."""
    if cohort is not None:
        chosen = cohort.competences.all()
        if chosen.exists():
            return chosen
    return Competence.objects.all()


# --- student profiles ------------------------------------------------------------------


def incomplete_profile_q(prefix: str = "") -> Q:
    """The one definition of an incomplete student profile: no competence, or no available weekday.

    A filter on StudentProfile (or on a relation to it, via ``prefix`` such as ``"student_profile__"``).
    The nudge, the readiness lists and ``student_profile_is_complete`` all ask this filter.
    """
    has_competence = StudentProfile.competences.through.objects.filter(
        studentprofile_id=OuterRef(f"{prefix}pk" if prefix else "pk")
    )
    return Q(**{f"{prefix}available_days": []}) | ~Exists(has_competence)


def with_profile_completeness(profiles: QuerySet[StudentProfile]) -> QuerySet[StudentProfile]:
    """Profiles annotated with ``profile_complete``, for lists (no query per row)."""
    return profiles.annotate(
        profile_complete=Case(When(incomplete_profile_q(), then=Value(False)), default=Value(True))
    )


def student_profile_is_complete(profile: StudentProfile | None) -> bool:
    """Complete as ``incomplete_profile_q`` says, of the stored profile: from ``with_profile_completeness``
    when the profile came from there, else in one query."""
    if profile is None or profile.pk is None:
        return False
    annotated = getattr(profile, "profile_complete", None)
    if annotated is not None:
        return bool(annotated)
    return not StudentProfile.objects.filter(pk=profile.pk).filter(incomplete_profile_q()).exists()


def student_needs_profile_nudge(*, user: User) -> bool:
    """Whether the "complete your profile" banner shows: a student of a running cohort, profile incomplete.

    One query, remembered on the user object for the request (every page asks).
    """
    if user.role != Role.STUDENT:
        return False
    cached = getattr(user, "_needs_profile_nudge", None)
    if cached is None:
        cached = (
            StudentProfile.objects.filter(user=user, cohort__archived_at__isnull=True)
            .filter(incomplete_profile_q())
            .exists()
        )
        user._needs_profile_nudge = cached
    return cached
