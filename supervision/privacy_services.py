"""AVG (GDPR) rights, the writing half: erasing a student, and an archived cohort after its retention period.

Erasure touches every app, each through its own service (profile and account in
``wijklab``, preferences in ``assignments``, memberships in ``teams``, the chat in
``teams.chat``); feedback about the student is this app's own. What is kept and why is
in docs/privacy.md.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments.services import preferences_erase_for
from supervision.models import AlertSummary, CriterionStanding, FeedbackEntry, SentMail
from supervision.privacy_selectors import students_erasable_by
from teams.chat.services import chat_erase_traces_of
from teams.models import SupervisionAssignment
from teams.services import memberships_end_for_erasure
from wijklab.errors import RuleViolation
from wijklab.models import AuditKind, Cohort, Invitation, Role, StudentImport, User
from wijklab.services import account_erase, audit_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erasure:
    memberships_ended: int
    feedback_removed: int
    attachments_removed: int


def record_erasure(*, student_id: int, cohort_id: int | None, by: User | None, reason: str) -> None:
    """An erasure is recorded in the audit log here, and only here (docs/audit.md).

    Called after the erasure, with the erased account's id: the entry's subject is the anonymised
    account, so the record stays while nothing in it names the person. ``by`` is None for the
    retention task. The client's address comes from the request being served, if any.
    """
    if reason == "retention":
        description = _(
            "Persoonsgegevens van een student gewist: bewaartermijn van het gearchiveerde cohort verstreken."
        )
    else:
        description = _("Persoonsgegevens van een student gewist door de coördinator.")
    audit_record(
        kind=AuditKind.ERASURE,
        actor=by,
        subject_id=student_id,
        cohort_id=cohort_id,
        object_type="student",
        object_id=student_id,
        description=description,
    )
    logger.info("Erased student %s (%s) by %s", student_id, reason, by.pk if by else "retention task")


def _erase(student: User) -> Erasure:
    """The erasure itself, without permission checks (inside a transaction)."""
    now = timezone.now()
    ended = memberships_end_for_erasure(student=student, now=now)
    preferences_erase_for(student=student)
    attachments = chat_erase_traces_of(user=student)
    # Feedback about them goes, including their self-assessments; feedback they wrote about
    # a teammate is the teammate's and stays, under the anonymous account.
    feedback, _by_model = FeedbackEntry.objects.filter(student=student).delete()
    CriterionStanding.objects.filter(student=student).delete()
    AlertSummary.objects.filter(student=student).delete()
    SentMail.objects.filter(recipient=student).delete()
    SupervisionAssignment.objects.filter(student=student).delete()
    account_erase(user=student)
    return Erasure(memberships_ended=ended, feedback_removed=feedback, attachments_removed=attachments)


def confirmation_matches(*, student: User, typed: str) -> bool:
    """The coordinator typed the student's full name to confirm: case and extra spaces do not matter."""
    return " ".join((typed or "").split()).casefold() == " ".join(student.get_display_name().split()).casefold()


def student_erase(*, student: User, by: User, confirmation: str) -> Erasure:
    """A coordinator of the student's cohort erases them; it cannot be undone."""
    if not students_erasable_by(user=by).filter(pk=student.pk).exists():
        raise PermissionDenied
    if not confirmation_matches(student=student, typed=confirmation):
        raise RuleViolation(
            "confirmation_mismatch",
            _("Typ de naam van de student precies over om het verwijderen te bevestigen."),
            field="confirmation",
        )
    student_id = student.pk
    cohort_id = student.student_profile.cohort_id
    with transaction.atomic():
        student = User.objects.select_for_update().get(pk=student_id)
        erasure = _erase(student)
    record_erasure(student_id=student_id, cohort_id=cohort_id, by=by, reason="coordinator")
    return erasure


def retention_days() -> int:
    return int(settings.ARCHIVED_COHORT_RETENTION_DAYS)


def archived_cohorts_erase_due(*, now: dt.datetime | None = None) -> int:
    """Erase the personal data of every cohort archived longer ago than the retention period.

    Idempotent: an erased student has no profile any more, so a second run finds nobody.
    Also the cohort's imports of student lists and its invitations go. Returns how many
    students were erased.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    erased = 0
    for cohort in Cohort.objects.filter(archived_at__isnull=False, archived_at__lte=cutoff).order_by("pk"):
        student_ids = list(
            User.objects.filter(role=Role.STUDENT, student_profile__cohort=cohort).values_list("pk", flat=True)
        )
        for student_id in student_ids:
            # One transaction per student: a failure stops this one, not the ones already done.
            with transaction.atomic():
                student = User.objects.select_for_update().filter(pk=student_id).first()
                if student is None or getattr(student, "student_profile", None) is None:
                    continue
                _erase(student)
            record_erasure(student_id=student_id, cohort_id=cohort.pk, by=None, reason="retention")
            erased += 1
        StudentImport.objects.filter(cohort=cohort).delete()
        Invitation.objects.filter(cohort=cohort).delete()
    return erased
