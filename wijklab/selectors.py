"""Reads about people, scoped by the visibility rules of docs/design.md."""

import datetime
import hashlib
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.lookups import IContains
from django.http import Http404

from wijklab.ids import as_id
from wijklab.models import ApiToken, Cohort, Competence, Role, StudentProfile, SupervisorKind, User
from wijklab.names import fold, unaccented


def containing(queryset: QuerySet, query: str, *fields: str) -> QuerySet:
    """The rows of ``queryset`` where any of ``fields`` contains ``query``, whatever the case and the
    accents ("ozdemir" finds Özdemir, wijklab/names.py); all rows for an empty query. The one search
    of the lists and pickers. No text holds a NUL (PostgreSQL text cannot store one): such a query
    finds nothing, never a 500."""
    query = query.strip()
    if not query:
        return queryset
    if "\x00" in query:
        return queryset.none()
    folded = fold(query)
    condition = Q()
    for name in fields:
        condition |= Q(IContains(unaccented(name), folded))
    return queryset.filter(condition)


def first_and_count(queryset: QuerySet, n: int) -> tuple[list, int]:
    """The first ``n`` rows of ``queryset`` (in its order) and how many rows it has in all, in one
    query: the count is a window over the same rows, computed before the limit. A list's names
    and its count read the rows once, where ``[:n]`` and ``.count()`` read them twice
    (docs/benchmarks.md)."""
    rows = list(queryset.annotate(_total_rows=Window(Count("pk")))[:n])
    return rows, (rows[0]._total_rows if rows else 0)


def is_of_organisation(user: User) -> bool:
    """Whether ``user`` is a person of an organisation, whatever kind of account carries it.

    Organisation contacts (also when they act as werkbegeleider) and supervisor accounts of
    kind werkbegeleider. Towards them the platform is level-blind (docs/visibility.md).
    At most one query per user object (the supervisor profile, remembered by Django).
    """
    if not user.is_authenticated:
        return False
    if user.role == Role.ORGANISATION:
        return True
    if user.role != Role.SUPERVISOR:
        return False
    profile = getattr(user, "supervisor_profile", None)
    return profile is not None and profile.kind == SupervisorKind.WERKBEGELEIDER


def viewer_sees_niveaus(*, viewer: User) -> bool:
    """Whether a viewer may ever see niveaus (a cheap first cut for lists): never anyone of an organisation.

    Which students' niveau exactly: ``teams.selectors.niveau_visible_student_ids``, since it
    depends on who shares or follows a team. The same answer governs everything that reveals a
    niveau: the programme, an mbo/hbo docent kind, the youth-case duo (docs/visibility.md).
    """
    return viewer.is_authenticated and not is_of_organisation(viewer)


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


# --- personal API tokens (docs/api.md "Authentication") ---------------------------------------

# Every token Wijklab makes starts with this, so a leaked one is recognisable (secret scanners, logs).
API_TOKEN_PREFIX = "wl_"  # noqa: S105 - a marker, not a secret
# Tokens made before personal tokens existed (DRF's 40 hexadecimal characters) were carried over
# hashed; the longest a token can be is far below this.
_API_TOKEN_MAX_LENGTH = 200


def api_token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token holds 256 random bits: no salt or stretching needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """A person's own API tokens, newest first: nobody else ever lists them."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def may_manage_api_tokens(*, user: User) -> bool:
    """Everyone signed in keeps their own tokens (a token acts as its owner, with nothing more)."""
    return user.is_authenticated and user.is_active


def access_own_api_token(*, user: User, token_id: Any) -> ApiToken:
    """One of ``user``'s own tokens; anyone else's, or a made-up id, is "not found" (404)."""
    try:
        return api_tokens_of(user=user).get(pk=as_id(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404("API-token niet gevonden.") from None


def api_token_for(*, token: str, now: datetime.datetime | None = None) -> ApiToken | None:
    """The token row a presented token opens, with its owner loaded (one query); None when it is
    unknown (or revoked: the row is gone), expired, or its owner's account is deactivated."""
    if not isinstance(token, str) or not token or len(token) > _API_TOKEN_MAX_LENGTH:
        return None
    try:
        row = ApiToken.objects.select_related("user").get(token_hash=api_token_hash(token))
    except ApiToken.DoesNotExist:
        return None
    if row.is_expired(now) or not row.user.is_active:
        return None
    return row
