"""Who reads the audit log, and which entries (docs/audit.md).

Coordinators read the entries about the students and teams of the cohorts they manage; nobody
else reads it in Wijklab (the admin shows it read-only to staff). A person's own entries are
part of what they download about themselves.
"""

from django.db.models import Q, QuerySet

from wijklab.models import AuditEntry, AuditKind, Cohort, User
from wijklab.selectors import cohorts_managed_by, may_manage_cohorts


def may_read_audit_log(*, user: User) -> bool:
    """The role gate of the log page: coordinators (each sees only their own cohorts' entries)."""
    return may_manage_cohorts(user=user)


def audit_entries_visible_to(*, viewer: User, cohort: Cohort | None = None) -> QuerySet[AuditEntry]:
    """The entries about the students and teams of the cohorts ``viewer`` manages (or of the one
    ``cohort`` of them), newest first.

    An entry belongs to a cohort when it names it (team and cohort events), else through the
    student it is about, else through the person who acted: a student of the cohort (a refusal),
    or a supervisor or coordinator taking part in it (a read of their overview of many students).
    """
    if not may_read_audit_log(user=viewer):
        return AuditEntry.objects.none()
    managed = cohorts_managed_by(user=viewer)
    if cohort is not None:
        managed = managed.filter(pk=cohort.pk)
    managed = managed.values("pk")
    return (
        AuditEntry.objects.filter(
            Q(cohort__in=managed)
            | Q(cohort__isnull=True, subject__student_profile__cohort__in=managed)
            | Q(cohort__isnull=True, subject__isnull=True, actor__student_profile__cohort__in=managed)
            # A read of the overview of many students: the cohorts its reader takes part in.
            | Q(cohort__isnull=True, subject__isnull=True, actor__supervised_cohorts__in=managed)
            | Q(cohort__isnull=True, subject__isnull=True, actor__coordinated_cohorts__in=managed)
        )
        .distinct()
        .select_related("actor", "subject")
        .order_by("-created_at", "-id")
    )


def filter_audit_entries(entries: QuerySet[AuditEntry], *, kind: str = "", person: str = "") -> QuerySet[AuditEntry]:
    """Narrow the log to one kind and/or to a person (by name or username, as actor or subject)."""
    if kind in AuditKind.values:
        entries = entries.filter(kind=kind)
    person = person.strip().replace("\x00", "")[:100]
    if person:
        entries = entries.filter(
            Q(actor__display_name__icontains=person)
            | Q(actor__username__icontains=person)
            | Q(subject__display_name__icontains=person)
            | Q(subject__username__icontains=person)
        )
    return entries


def audit_entries_of_person(*, user: User) -> QuerySet[AuditEntry]:
    """Everything the log holds about ``user`` or that they did: for their own data download (AVG)."""
    return AuditEntry.objects.filter(Q(actor=user) | Q(subject=user)).order_by("-created_at", "-id")
