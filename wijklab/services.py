"""Writes about people: notifications, cohorts (and their archive guard), profiles."""

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wijklab import mail as mail_module
from wijklab import selectors
from wijklab.account_services import sessions_end_others

# The audit log's recording function, public here so every app records the same way
# (its writes live in wijklab.audit_services; an erasure records ``AuditKind.ERASURE``).
from wijklab.audit_services import audit_record as audit_record

# The one rule for the client's address (trusted proxies only), public here for the pages'
# limits (the password-reset form): the same address the sign-in lockout and the audit log see.
from wijklab.client_address import client_address as client_address
from wijklab.errors import RuleViolation
from wijklab.models import (
    ApiToken,
    AuditKind,
    Cohort,
    Competence,
    ExternalIdentity,
    Invitation,
    MailPreference,
    Notification,
    PasswordResetRequest,
    PendingTask,
    Role,
    School,
    StudentImport,
    StudentProfile,
    SupervisorProfile,
    User,
    Weekday,
)

# A notification's text: plain text, or a function returning it, called in the reader's language.
Text = str | Callable[[], Any]
NotificationRow = tuple[User, Text, Text, str]


def _text(value: Text) -> str:
    return str(value() if callable(value) else value)


def notify(
    *, users: Iterable[User], kind: str, title: Text, body: Text = "", url: str = "", mail: bool = True
) -> list[Notification]:
    """Create in-app notifications for ``users`` (deduplicated, in one query); see ``notify_each``."""
    return notify_each(kind=kind, rows=[(user, title, body, url) for user in users], mail=mail)


def notify_each(*, kind: str, rows: Iterable[NotificationRow], mail: bool = True) -> list[Notification]:
    """Create notifications, each written to its reader: rows of (user, title, body, url), the first per person wins.

    A title or body given as a function is called in the reader's language (``wijklab.mail.in_language_of``)
    and stored as text, so the list and the mail show it in the language the reader chose.
    ``mail``: whether the notification mail carries it (``wijklab.mail``: one mail per person for a
    burst, as they chose); False when it has a mail of its own (feedback, a chat mention).
    """
    seen: set[int] = set()
    objs = []
    now = timezone.now()
    for user, title, body, url in rows:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if callable(title) or callable(body):
            with mail_module.in_language_of(user):
                title_text, body_text = _text(title), _text(body)
        else:
            title_text, body_text = str(title), str(body)
        objs.append(
            Notification(
                user=user,
                kind=kind,
                title=title_text[:200],
                body=body_text,
                url=url,
                mailed_at=None if mail else now,
            )
        )
    created = Notification.objects.bulk_create(objs)
    if mail:
        mail_module.notification_mail_schedule(seen)
    return created


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
    if not selectors.may_manage_cohorts(user=by):
        raise RuleViolation("not_coordinator", _("Alleen een coördinator kan cohorten beheren."))


def _require_coordinator_of(cohort: Cohort, by: User) -> None:
    _require_coordinator(by)
    if not selectors.manages_cohort(user=by, cohort_id=cohort.pk):
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
    clean = {"name": name, "starts_on": starts_on, "ends_on": ends_on}
    if "preferences_close_on" in values:
        close_on = values["preferences_close_on"]
        if close_on is not None and not isinstance(close_on, dt.date):
            errors.setdefault("preferences_close_on", []).append(_("Geef een datum of laat het leeg."))
        elif close_on is not None and isinstance(ends_on, dt.date) and close_on > ends_on:
            errors.setdefault("preferences_close_on", []).append(
                _("De voorkeuren moeten sluiten voordat het cohort eindigt.")
            )
        clean["preferences_close_on"] = close_on
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def cohort_create(
    *,
    by: User,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    schools: Iterable[School] = (),
    competences: Iterable[Competence] = (),
    preferences_close_on: dt.date | None = None,
) -> Cohort:
    """A new cohort; its creator becomes its coordinator."""
    _require_coordinator(by)
    values = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "preferences_close_on": preferences_close_on}
    fields = _clean_cohort(values=values, cohort=None)
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
    profile = StudentProfile.objects.select_for_update().filter(user=student).first()
    if profile is None:
        raise RuleViolation("no_student_profile", _("Je hebt geen studentprofiel; vraag je coördinator."))
    ensure_cohort_writable(profile.cohort_id)
    errors: dict[str, list] = {}
    chosen = list(competences)
    allowed = set(selectors.competences_for_cohort(cohort=profile.cohort).values_list("pk", flat=True))
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


# --- erasure (AVG, docs/privacy.md) -----------------------------------------------------------

ERASED_DISPLAY_NAME = "Verwijderde gebruiker"


def _scrub_import_rows(*, user: User, student_number: str) -> None:
    """Remove the person's row from every stored import of a student list (it holds their name and e-mail)."""
    needles = {v.casefold() for v in (user.email, user.get_display_name(), student_number) if v and v.strip()}
    if not needles:
        return
    for student_import in StudentImport.objects.all().only("pk", "rows"):
        rows = student_import.rows or []
        kept = [r for r in rows if not (isinstance(r, list) and needles & {str(c).strip().casefold() for c in r})]
        if len(kept) != len(rows):
            StudentImport.objects.filter(pk=student_import.pk).update(rows=kept)


def account_erase(*, user: User) -> None:
    """Erase a person's account data in place (call inside the caller's transaction).

    The row stays, anonymous and unusable, because messages and feedback others must keep
    point at it: username ``verwijderd-…``, display name "Verwijderde gebruiker", no
    e-mail, no password, inactive. The profile, notifications, invitations, institution
    accounts, API tokens, password-reset counts, sessions and the second factor go; rows of student-list
    imports naming them too.
    """
    import uuid

    from django_otp.plugins.otp_totp.models import TOTPDevice

    profile = getattr(user, "student_profile", None)
    student_number = profile.student_number if profile is not None else ""
    _scrub_import_rows(user=user, student_number=student_number)
    Invitation.objects.filter(user=user).delete()
    if user.email:
        Invitation.objects.filter(email__iexact=user.email).delete()
    ExternalIdentity.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    PasswordResetRequest.objects.filter(user=user).delete()
    if profile is not None:
        profile.delete()
    SupervisorProfile.objects.filter(user=user).delete()
    # Their sessions, as recorded at every sign-in (UserSession): ended in the store and its cache.
    # (A session older than that record could not sign in anyway: the account is inactive, its
    # password unusable.)
    sessions_end_others(user=user, keep_session_key=None)
    TOTPDevice.objects.filter(user=user).delete()  # the second factor's secret
    user.username = f"verwijderd-{uuid.uuid4().hex[:16]}"
    user.display_name = ERASED_DISPLAY_NAME
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.language = ""
    user.mail_preference = MailPreference.NONE
    user.digest_sent_at = None
    user.last_login = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.organisation = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.coordinated_cohorts.clear()
    user.supervised_cohorts.clear()


# --- personal API tokens (docs/api.md "Authentication") ---------------------------------------

# last_used_at is written at most this often per token: a busy script costs no write per request.
API_TOKEN_TOUCH_SECONDS = 60


def _clean_api_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Geef het token een naam, bijvoorbeeld waar je het voor gebruikt.")]})
    if len(name) > 100 or "\x00" in name or not name.isprintable():
        raise ValidationError(
            {"name": [_("Deze naam is te lang (hoogstens 100 tekens) of bevat een teken dat niet kan.")]}
        )
    return name


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Make a personal API token for ``user``; returns the row and the token itself.

    The token is returned here once and never stored: the caller shows it right away and then it is
    gone (only its prefix and SHA-256 are kept). At most ``API_TOKENS_PER_USER`` per person, expired
    ones included (they can be revoked). Recorded in the audit log.
    """
    if not selectors.may_manage_api_tokens(user=user):
        raise PermissionDenied
    name = _clean_api_token_name(name)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": [_("Kies een vervaldatum in de toekomst.")]})
    # One person's requests one at a time, so two at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.API_TOKENS_PER_USER
    if ApiToken.objects.filter(user=user).count() >= limit:
        raise RuleViolation(
            "api_token_limit",
            _("Je hebt al %(limit)s API-tokens, het maximum. Trek er eerst een in (verlopen tokens tellen mee).")
            % {"limit": limit},
        )
    token = selectors.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[:10],
        token_hash=selectors.api_token_hash(token),
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(
        kind=AuditKind.API_TOKEN,
        actor=user,
        subject=user,
        object_type="api_token",
        object_id=row.pk,
        description=_("API-token %(prefix)s… aangemaakt."),
        params={"prefix": row.prefix},
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke one of ``by``'s own tokens: the row goes, so the very next request with it is refused (401)."""
    if token.user_id != by.pk:
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk).delete()
    audit_record(
        kind=AuditKind.API_TOKEN,
        actor=by,
        subject=by,
        object_type="api_token",
        object_id=token.pk,
        description=_("API-token %(prefix)s… ingetrokken."),
        params={"prefix": token.prefix},
    )


def api_token_touch(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Note that ``token`` was used: one UPDATE at most once a minute per token, whatever the traffic."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    # The condition again in the UPDATE: of several processes at once, one writes.
    ApiToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)).update(
        last_used_at=now
    )
    token.last_used_at = now


# --- password reset: how many mails (README "Environment": PASSWORD_RESET_*) ---------------------

PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)


@transaction.atomic
def password_reset_admit(*, users: Iterable[User], address: str | None, now: dt.datetime | None = None) -> list[User]:
    """Which of ``users`` (the accounts of the e-mail address typed in the reset form) get a mail now.

    Within the last hour: at most ``PASSWORD_RESET_REQUESTS_PER_ADDRESS`` requests from one client
    address (counted whether or not the e-mail address has an account; beyond it nobody gets a
    mail), and at most ``PASSWORD_RESET_MAILS_PER_ACCOUNT`` mails to one account. The form answers
    the same either way, so nobody learns whether an account exists or was throttled. Counted in
    the database (``PasswordResetRequest``), which also forgets rows older than the hour.
    """
    now = now or timezone.now()
    since = now - PASSWORD_RESET_WINDOW
    users = list(users)
    PasswordResetRequest.objects.filter(created_at__lt=since).delete()
    # The accounts' rows locked: two requests at once for one account cannot both slip under the limit.
    list(User.objects.select_for_update().filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    recent = PasswordResetRequest.objects.filter(created_at__gte=since)
    if recent.filter(user__isnull=True, address=address).count() >= settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS:
        return []
    PasswordResetRequest.objects.create(address=address, created_at=now)
    admitted = []
    for user in users:
        if recent.filter(user=user).count() < settings.PASSWORD_RESET_MAILS_PER_ACCOUNT:
            PasswordResetRequest.objects.create(address=address, user=user, created_at=now)
            admitted.append(user)
    return admitted
