"""Writes about people: notifications, cohorts (and their archive guard), profiles."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wijklab.errors import RuleViolation
from wijklab.models import (
    Cohort,
    Competence,
    MailPreference,
    Notification,
    PendingTask,
    Role,
    School,
    StudentProfile,
    User,
    Weekday,
)


def notify(*, users: Iterable[User], kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Create in-app notifications for ``users`` (deduplicated, in one query)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, kind=kind, title=str(title), body=str(body), url=url))
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- the archive guard -------------------------------------------------------------------

COHORT_ARCHIVED_MESSAGE = _(
    "Dit cohort is gearchiveerd: je kunt de geschiedenis nog bekijken, maar er kan niets meer worden gewijzigd."
)


def ensure_cohort_writable(cohort_or_id: Cohort | int | None) -> None:
    """Refuse any change inside an archived cohort (RuleViolation ``cohort_archived``, a 409 in the API).

    Every service that changes something inside a cohort calls this first. It
    reads the flag from the database, not from a possibly stale instance: an
    archive in another request wins.
    """
    if cohort_or_id is None:
        return
    cohort_id = cohort_or_id.pk if isinstance(cohort_or_id, Cohort) else cohort_or_id
    if Cohort.objects.filter(pk=cohort_id, archived_at__isnull=False).exists():
        raise RuleViolation("cohort_archived", COHORT_ARCHIVED_MESSAGE)


def ensure_student_cohort_writable(student: User) -> None:
    """The guard for writes a student makes in their own cohort (preferences, chat, joining)."""
    profile = getattr(student, "student_profile", None) if student.role == Role.STUDENT else None
    if profile is not None:
        ensure_cohort_writable(profile.cohort_id)


# --- cohorts ------------------------------------------------------------------------------


def _require_coordinator(by: User) -> None:
    if by.role != Role.COORDINATOR:
        raise RuleViolation("not_coordinator", _("Alleen een coördinator kan cohorten beheren."))


def _require_coordinator_of(cohort: Cohort, by: User) -> None:
    _require_coordinator(by)
    if not by.coordinated_cohorts.filter(pk=cohort.pk).exists():
        raise PermissionDenied(_("Alleen een coördinator van dit cohort kan het beheren."))


def _clean_cohort(*, values: dict[str, Any], cohort: Cohort | None) -> dict[str, Any]:
    errors: dict[str, list] = {}
    name = str(values.get("name", cohort.name if cohort else "") or "").strip()
    starts_on = values.get("starts_on", cohort.starts_on if cohort else None)
    ends_on = values.get("ends_on", cohort.ends_on if cohort else None)
    if not name:
        errors.setdefault("name", []).append(_("Geef het cohort een naam."))
    elif "\x00" in name or len(name) > Cohort._meta.get_field("name").max_length:
        errors.setdefault("name", []).append(_("Deze naam is te lang of bevat een teken dat niet kan."))
    elif Cohort.objects.filter(name__iexact=name).exclude(pk=cohort.pk if cohort else None).exists():
        errors.setdefault("name", []).append(_("Er is al een cohort met deze naam."))
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not isinstance(value, dt.date):
            errors.setdefault(field, []).append(_("Geef een datum."))
    if not errors and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(_("De einddatum ligt vóór de begindatum."))
    if errors:
        raise ValidationError(errors)
    return {"name": name, "starts_on": starts_on, "ends_on": ends_on}


@transaction.atomic
def cohort_create(
    *,
    by: User,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    schools: Iterable[School] = (),
    competences: Iterable[Competence] = (),
) -> Cohort:
    """A new cohort; its creator becomes its coordinator."""
    _require_coordinator(by)
    fields = _clean_cohort(values={"name": name, "starts_on": starts_on, "ends_on": ends_on}, cohort=None)
    cohort = Cohort.objects.create(**fields)
    cohort.coordinators.add(by)
    cohort.schools.set(list(schools))
    cohort.competences.set(list(competences))
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by: User, values: dict[str, Any]) -> Cohort:
    """Change name, dates, schools or competences (only the keys given)."""
    _require_coordinator_of(cohort, by)
    ensure_cohort_writable(cohort)
    fields = _clean_cohort(values=values, cohort=cohort)
    for key, value in fields.items():
        setattr(cohort, key, value)
    cohort.save(update_fields=list(fields))
    if "schools" in values:
        cohort.schools.set(list(values["schools"]))
    if "competences" in values:
        cohort.competences.set(list(values["competences"]))
    return cohort


@transaction.atomic
def cohort_archive(*, cohort: Cohort, by: User) -> Cohort:
    """Close the round: from now on the cohort is read-only (``ensure_cohort_writable``)."""
    _require_coordinator_of(cohort, by)
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.archived_at is not None:
        raise RuleViolation("cohort_archived", _("Dit cohort is al gearchiveerd."))
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at"])
    cohort.archived_at = locked.archived_at
    return cohort


# --- profiles -----------------------------------------------------------------------------


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    email: str,
    language: str = "",
    mail_preference: str = MailPreference.EACH,
) -> User:
    """Everyone's own settings: name, e-mail address, language ("" = the site's) and mail about notifications."""
    errors: dict[str, list] = {}
    display_name = (display_name or "").strip()
    email = (email or "").strip()
    if not display_name:
        errors["display_name"] = [_("Vul je naam in.")]
    elif len(display_name) > 150 or "\x00" in display_name:
        errors["display_name"] = [_("Deze naam is te lang of bevat een teken dat niet kan.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Geef een geldig e-mailadres.")]
    else:
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            errors["email"] = [_("Dit e-mailadres hoort al bij een ander account.")]
    if language and language not in _language_codes():
        errors["language"] = [_("Kies Nederlands of Engels.")]
    if mail_preference not in MailPreference.values:
        errors["mail_preference"] = [_("Kies hoe je mail wilt krijgen.")]
    if errors:
        raise ValidationError(errors)
    user.display_name = display_name
    user.email = email
    user.language = language
    user.mail_preference = mail_preference
    user.save(update_fields=["display_name", "email", "language", "mail_preference"])
    return user


@transaction.atomic
def student_profile_update(
    *,
    student: User,
    competences: Iterable[Competence],
    available_days: Iterable[int],
    introduction: str = "",
) -> StudentProfile:
    """A student's own competences (from the cohort's list), weekdays and introduction."""
    from wijklab.selectors import competences_for_cohort

    profile = StudentProfile.objects.select_for_update().filter(user=student).first()
    if profile is None:
        raise RuleViolation("no_student_profile", _("Je hebt geen studentprofiel; vraag je coördinator."))
    ensure_cohort_writable(profile.cohort_id)
    errors: dict[str, list] = {}
    chosen = list(competences)
    allowed = set(competences_for_cohort(cohort=profile.cohort).values_list("pk", flat=True))
    if any(c.pk not in allowed for c in chosen):
        errors["competences"] = [_("Kies competenties uit de lijst van je cohort.")]
    try:
        days = sorted({int(d) for d in available_days})
    except (TypeError, ValueError):
        days = [-1]
    if any(d not in Weekday.values for d in days):
        errors["available_days"] = [_("Kies beschikbare dagen uit maandag tot en met vrijdag.")]
    introduction = (introduction or "").strip()
    if len(introduction) > 1000 or "\x00" in introduction:
        errors["introduction"] = [_("Schrijf je introductie in hoogstens 1000 tekens.")]
    if errors:
        raise ValidationError(errors)
    profile.available_days = days
    profile.introduction = introduction
    profile.save(update_fields=["available_days", "introduction"])
    profile.competences.set(chosen)
    return profile


# --- background jobs the broker could not take -------------------------------------------------


def pending_task_keep(*, name: str, args: list, countdown: float | None = None, error: str = "") -> PendingTask:
    """Keep a job for later (see ``wijklab.celery.enqueue``); ``countdown`` still counts from now."""
    not_before = timezone.now() + dt.timedelta(seconds=countdown) if countdown else None
    return PendingTask.objects.create(name=name, args=args, not_before=not_before, last_error=error[:500])


def pending_tasks_send(*, limit: int = 500) -> int:
    """Hand kept jobs to the broker, oldest first; returns how many went. Stops at the first refusal.

    Each job is locked while it is sent (``skip_locked``: two runs at once share the work) and
    removed in the same transaction, so a job is sent again only when that transaction is lost
    after the broker took it; the tasks are idempotent for that reason. A job whose task no
    longer exists stays, with the reason, for an operator to see in the admin.
    """
    from wijklab.celery import BrokerUnreachable, task_by_name

    sent = 0
    now = timezone.now()
    for pk in list(PendingTask.objects.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            job = PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            countdown = max(0.0, (job.not_before - now).total_seconds()) if job.not_before else None
            try:
                task_by_name(job.name).apply_async(job.args, countdown=countdown)
            except (BrokerUnreachable, KeyError) as exc:  # KeyError: celery.exceptions.NotRegistered
                job.attempts += 1
                job.last_error = f"{type(exc).__name__}: {exc}"[:500]
                job.save(update_fields=["attempts", "last_error"])
                if isinstance(exc, BrokerUnreachable):
                    break
                continue
            job.delete()
            sent += 1
    return sent
