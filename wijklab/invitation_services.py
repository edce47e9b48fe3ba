"""Writes about invitations: invite, re-send, revoke, accept.

An invitation is a single-use link, valid for 14 days. Only the hash of its
secret is stored (see ``wijklab.invitation_selectors``); the raw link exists
in the return value of ``invitation_create``/``invitation_resend`` and in the
mail task's arguments, nowhere else. Re-sending gives the invitation a new
secret, which kills the old link.

Who may invite whom:
- a coordinator, into a cohort they coordinate: students (who have an account
  from an import or an earlier cohort), docenten (mbo or hbo, with their
  school), werkbegeleiders and organisation contacts (with their organisation);
- an organisation contact: colleagues of their own organisation, as organisation
  contact or werkbegeleider, nothing else.
"""

import datetime as dt
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wijklab import invitation_selectors as selectors
from wijklab.account_services import validate_new_password
from wijklab.celery import enqueue_on_commit
from wijklab.errors import RuleViolation
from wijklab.invitation_selectors import InvitationInvalid, invitation_role_phrase, token_matches
from wijklab.models import (
    Cohort,
    ExternalIdentity,
    Invitation,
    Organisation,
    Role,
    School,
    StudentProfile,
    SupervisorKind,
    SupervisorProfile,
    User,
)
from wijklab.services import ensure_cohort_writable

INVITATION_VALID_FOR = dt.timedelta(days=14)
DOCENT_SECTOR = {SupervisorKind.MBO_DOCENT: School.Sector.MBO, SupervisorKind.HBO_DOCENT: School.Sector.HBO}


class OidcIdentity(Protocol):
    """What ``invitation_accept`` needs of an institution sign-in (SURFconext, eduID)."""

    issuer: str
    subject: str
    email: str


# --- invite --------------------------------------------------------------------------------------------


def _enqueue_mail(invitation: Invitation, token: str) -> None:
    enqueue_on_commit("wijklab.tasks.send_invitation_email", invitation.pk, token)


def _check_inviter(
    *, by: User, role: str, cohort: Cohort | None, supervisor_kind: str, organisation: Organisation | None
) -> None:
    if by.role == Role.COORDINATOR:
        if cohort is None or not selectors.may_invite_into_cohort(user=by, cohort=cohort):
            raise PermissionDenied(_("Je kunt alleen uitnodigen voor een cohort dat jij coördineert."))
        return
    if selectors.may_invite_colleagues(user=by):
        colleague = role == Role.ORGANISATION or (
            role == Role.SUPERVISOR and supervisor_kind == SupervisorKind.WERKBEGELEIDER
        )
        if not colleague or cohort is not None:
            raise PermissionDenied(_("Je kunt alleen collega's uitnodigen, als contactpersoon of werkbegeleider."))
        if organisation is not None and organisation.pk != by.organisation_id:
            raise PermissionDenied(_("Je kunt alleen collega's van je eigen organisatie uitnodigen."))
        return
    raise PermissionDenied(_("Je kunt geen mensen uitnodigen."))


def _role_fields(
    *, role: str, supervisor_kind: str, organisation: Organisation | None, school: School | None
) -> tuple[str, Organisation | None, School | None]:
    """The fields that belong to the role (others cleared), or a ValidationError per field."""
    errors: dict[str, list] = {}
    if role == Role.STUDENT:
        return "", None, school
    if role == Role.ORGANISATION:
        if organisation is None:
            errors["organisation"] = [_("Kies de organisatie van deze contactpersoon.")]
        supervisor_kind, school = "", None
    elif role == Role.SUPERVISOR:
        if supervisor_kind not in SupervisorKind.values:
            errors["supervisor_kind"] = [_("Kies of dit een mbo-docent, hbo-docent of werkbegeleider is.")]
        elif supervisor_kind == SupervisorKind.WERKBEGELEIDER:
            if organisation is None:
                errors["organisation"] = [_("Kies de organisatie van deze werkbegeleider.")]
            school = None
        else:
            if school is None:
                errors["school"] = [_("Kies de school van deze docent.")]
            elif school.sector != DOCENT_SECTOR[supervisor_kind]:
                errors["school"] = [_("Een mbo-docent hoort bij een ROC, een hbo-docent bij een hogeschool.")]
            organisation = None
    else:
        errors["role"] = [_("Kies een rol: student, docent, werkbegeleider of contactpersoon van een organisatie.")]
    if errors:
        raise ValidationError(errors)
    return supervisor_kind, organisation, school


def _home_organisation_id(account: User) -> int | None:
    if account.role == Role.ORGANISATION:
        return account.organisation_id
    profile = SupervisorProfile.objects.filter(user=account).only("organisation_id").first()
    return profile.organisation_id if profile else None


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Vul een geldig e-mailadres in.")]}) from None
    return email


@transaction.atomic
def invitation_create(
    *,
    by: User,
    email: str,
    role: str,
    cohort: Cohort | None = None,
    display_name: str = "",
    supervisor_kind: str = "",
    organisation: Organisation | None = None,
    school: School | None = None,
    user: User | None = None,
) -> tuple[Invitation, str]:
    """Invite someone; returns the invitation and its raw link token. The mail goes out after commit."""
    if selectors.may_invite_colleagues(user=by) and organisation is None:
        organisation = by.organisation
    _check_inviter(by=by, role=role, cohort=cohort, supervisor_kind=supervisor_kind, organisation=organisation)
    if cohort is not None:
        ensure_cohort_writable(cohort)
    if user is not None and not email:
        email = user.email
    email = _clean_email(email)
    supervisor_kind, organisation, school = _role_fields(
        role=role, supervisor_kind=supervisor_kind, organisation=organisation, school=school
    )
    account = user or selectors.existing_account_for(email=email)
    # Neither names the account's role or organisation: an inviter learns no more than "not like this".
    if account is not None and account.role != role:
        raise RuleViolation(
            "email_other_role",
            _("Bij dit e-mailadres hoort al een Wijklab-account met een andere rol. Gebruik een ander adres."),
        )
    if (
        account is not None
        and organisation is not None
        and _home_organisation_id(account) not in (None, organisation.pk)
    ):
        raise RuleViolation(
            "email_other_organisation",
            _("Bij dit e-mailadres hoort al een Wijklab-account van een andere organisatie."),
        )
    if role == Role.STUDENT and account is None:
        raise RuleViolation(
            "student_not_imported",
            _(
                "Studenten nodig je uit nadat ze met de studentenlijst van hun school zijn geïmporteerd: "
                "daarin staan hun niveau, school en opleiding."
            ),
        )
    if role == Role.STUDENT and not hasattr(account, "student_profile"):
        raise RuleViolation("student_without_profile", _("Dit account heeft geen studentprofiel."))
    same = Invitation.objects.filter(email__iexact=email, revoked_at__isnull=True)
    same = same.filter(cohort=cohort) if cohort is not None else same.filter(cohort__isnull=True)
    if same.filter(accepted_at__isnull=False).exists():
        raise RuleViolation("already_joined", _("%(email)s heeft deze uitnodiging al geaccepteerd.") % {"email": email})
    if same.exists():
        raise RuleViolation(
            "invitation_exists",
            _("Er staat al een uitnodiging voor %(email)s open. Stuur die opnieuw als de link kwijt of verlopen is.")
            % {"email": email},
        )
    token, digest = selectors.new_token()
    invitation = Invitation.objects.create(
        cohort=cohort,
        email=email,
        display_name=(display_name or "").strip() or (account.get_display_name() if account else ""),
        role=role,
        supervisor_kind=supervisor_kind,
        organisation=organisation,
        school=school,
        user=account,
        invited_by=by,
        token_hash=digest,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    _enqueue_mail(invitation, token)
    return invitation, token


# Imported students are invited in batches: one INSERT per batch, one mail task per batch.
MAIL_BATCH = 200


@transaction.atomic
def invitation_create_for_imported_students(*, cohort: Cohort, by: User) -> int:
    """Invite every imported student of the cohort who has no invitation for it yet. Returns how many.

    The rules of ``invitation_create`` hold for these by construction (students of the
    cohort, with an account and a profile); what is left to check is done once for all.
    """
    if not selectors.may_invite_into_cohort(user=by, cohort=cohort):
        raise PermissionDenied(_("Je kunt alleen uitnodigen voor een cohort dat jij coördineert."))
    ensure_cohort_writable(cohort)
    students = list(selectors.imported_students_without_invitation(cohort=cohort).select_for_update(of=("self",)))
    # An address with an invitation of this cohort (for another account) is left alone, as in invitation_create.
    taken = {e.lower() for e in cohort.invitations.filter(revoked_at__isnull=True).values_list("email", flat=True)}
    expires_at = timezone.now() + INVITATION_VALID_FOR
    rows, tokens = [], []
    for student in students:
        email = student.email.strip()
        if email.lower() in taken:
            continue
        try:
            validate_email(email)
        except ValidationError:
            continue
        taken.add(email.lower())
        token, digest = selectors.new_token()
        rows.append(
            Invitation(
                cohort=cohort,
                email=email,
                display_name=student.get_display_name(),
                role=Role.STUDENT,
                user=student,
                invited_by=by,
                token_hash=digest,
                expires_at=expires_at,
            )
        )
        tokens.append(token)
    created = Invitation.objects.bulk_create(rows, batch_size=MAIL_BATCH)
    pairs = [(invitation.pk, token) for invitation, token in zip(created, tokens, strict=True)]
    for start in range(0, len(pairs), MAIL_BATCH):
        enqueue_on_commit("wijklab.tasks.send_invitation_emails", pairs[start : start + MAIL_BATCH])
    return len(created)


def _lock(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("cohort", "organisation", "school")
        .get(pk=invitation.pk)
    )


def _check_manager(*, invitation: Invitation, by: User) -> None:
    if not selectors.invitations_managed_by(user=by).filter(pk=invitation.pk).exists():
        raise PermissionDenied(_("Dit is niet jouw uitnodiging."))


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> tuple[Invitation, str]:
    """A new link, valid for another 14 days; the old link stops working at once."""
    _check_manager(invitation=invitation, by=by)
    invitation = _lock(invitation)
    if invitation.cohort is not None:
        ensure_cohort_writable(invitation.cohort)
    if invitation.accepted_at is not None:
        raise RuleViolation("invitation_accepted", _("Deze uitnodiging is al geaccepteerd."))
    if invitation.revoked_at is not None:
        raise RuleViolation(
            "invitation_revoked", _("Deze uitnodiging is ingetrokken. Nodig de persoon opnieuw uit als dat nodig is.")
        )
    token, digest = selectors.new_token()
    invitation.token_hash = digest
    invitation.expires_at = timezone.now() + INVITATION_VALID_FOR
    invitation.sent_at = None
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at"])
    _enqueue_mail(invitation, token)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    _check_manager(invitation=invitation, by=by)
    invitation = _lock(invitation)
    if invitation.accepted_at is not None:
        raise RuleViolation(
            "invitation_accepted", _("Deze uitnodiging is al geaccepteerd en kan niet meer worden ingetrokken.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


# --- accept --------------------------------------------------------------------------------------------


def _new_account(invitation: Invitation, *, identity: OidcIdentity | None) -> User:
    name = invitation.display_name or getattr(identity, "name", "") or invitation.email.split("@")[0]
    first, _sep, last = name.partition(" ")
    return User(
        username=selectors.free_username(invitation.email),
        email=invitation.email,
        display_name=name,
        first_name=first[:150],
        last_name=last[:150],
        role=invitation.role,
        organisation=invitation.organisation if invitation.role == Role.ORGANISATION else None,
    )


def _link_to_cohort(invitation: Invitation, user: User) -> None:
    cohort = invitation.cohort
    if invitation.role == Role.SUPERVISOR:
        SupervisorProfile.objects.get_or_create(
            user=user,
            defaults={
                "kind": invitation.supervisor_kind,
                "school": invitation.school,
                "organisation": invitation.organisation,
            },
        )
    if cohort is None:
        return
    if invitation.role == Role.STUDENT:
        # A student from an earlier cohort takes part in this one from now on.
        StudentProfile.objects.filter(user=user).exclude(cohort=cohort).update(cohort=cohort)
    elif invitation.role == Role.SUPERVISOR:
        cohort.supervisors.add(user)
    elif invitation.role == Role.ORGANISATION:
        cohort.organisations.add(invitation.organisation)


def _validated_password(password: str, user: User) -> None:
    try:
        validate_new_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from None


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, password: str | None = None, identity: OidcIdentity | None = None
) -> User:
    """Accept: create (or claim) the account, link it to the cohort, mark the invitation used. Single use.

    Exactly one of ``password`` (checked with the project's validators; ValidationError
    {"password": [...]} leaves the invitation usable) or ``identity`` (an institution
    sign-in, linked as ExternalIdentity). Raises InvitationInvalid when the invitation
    can no longer be used (also when someone else accepted it a moment ago).
    """
    if (password is None) == (identity is None):
        raise ValueError("invitation_accept needs a password or an identity, not both")
    invitation = _lock(invitation)
    selectors.ensure_usable(invitation)
    user = invitation.user or selectors.existing_account_for(email=invitation.email)
    if user is not None and user.role != invitation.role:
        raise RuleViolation(
            "email_other_role", _("Bij dit e-mailadres hoort al een account met een andere rol. Vraag de coördinator.")
        )
    if user is None:
        user = _new_account(invitation, identity=identity)
    if password is not None:
        _validated_password(password, user)
        user.set_password(password)
    elif user.pk is None:
        user.set_unusable_password()
    user.is_active = True
    if not user.display_name and invitation.display_name:
        user.display_name = invitation.display_name
    user.save()
    if identity is not None:
        _link_identity(user, identity)
    _link_to_cohort(invitation, user)
    invitation.user = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["user", "accepted_at"])
    return user


def _link_identity(user: User, identity: OidcIdentity) -> None:
    now = timezone.now()
    existing = ExternalIdentity.objects.filter(issuer=identity.issuer, subject=identity.subject).first()
    if existing is not None and existing.user_id != user.pk:
        raise RuleViolation(
            "identity_taken",
            _("Dit instellingsaccount hoort al bij een ander Wijklab-account. Log daarmee in of vraag de coördinator."),
        )
    if existing is None:
        try:
            with transaction.atomic():
                ExternalIdentity.objects.create(
                    user=user,
                    issuer=identity.issuer,
                    subject=identity.subject,
                    email=getattr(identity, "email", "") or "",
                    last_login_at=now,
                )
        except IntegrityError:
            raise RuleViolation(
                "identity_taken", _("Dit instellingsaccount hoort al bij een ander Wijklab-account.")
            ) from None
    else:
        existing.last_login_at = now
        existing.save(update_fields=["last_login_at"])


__all__ = [
    "INVITATION_VALID_FOR",
    "InvitationInvalid",
    "OidcIdentity",
    "invitation_accept",
    "invitation_create",
    "invitation_create_for_imported_students",
    "invitation_emails_send",
    "invitation_resend",
    "invitation_revoke",
]


# --- the invitation mail (the tasks send_invitation_email(s)) -------------------------------


def invitation_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})


def invitation_mail(invitation: Invitation, token: str) -> tuple[str, str]:
    """Subject and body, in the active language."""
    inviter = invitation.invited_by.get_display_name()
    where = invitation.cohort.name if invitation.cohort else str(invitation.organisation or "Wijklab")
    expires = formats.date_format(timezone.localtime(invitation.expires_at), "j F Y")
    names = {"inviter": inviter, "where": where, "role": invitation_role_phrase(invitation), "expires": expires}
    subject = gettext("Uitnodiging voor Wijklab: %(where)s") % names
    greeting = (
        gettext("Hallo %(name)s,") % {"name": invitation.display_name} if invitation.display_name else gettext("Hallo,")
    )
    if invitation.cohort is not None:
        intro = gettext("%(inviter)s nodigt je uit om als %(role)s mee te doen aan %(where)s in Wijklab.") % names
    else:
        intro = gettext("%(inviter)s nodigt je uit als %(role)s in Wijklab.") % names
    body = [
        greeting,
        "",
        intro,
        gettext(
            "In Wijklab werken studenten van mbo en hbo samen aan echte opdrachten in de wijk, "
            "begeleid door docenten en werkbegeleiders."
        ),
        "",
        gettext("Open deze link om je account te activeren:"),
        invitation_link(token),
        "",
        gettext("Je kiest daar een wachtwoord, of je logt in met SURFconext of eduID.")
        if getattr(settings, "OIDC_PROVIDERS", None)
        else gettext("Je kiest daar een wachtwoord."),
        gettext("De link werkt één keer en is geldig tot en met %(expires)s.") % names,
        gettext("Werkt de link niet meer? Vraag %(inviter)s dan om een nieuwe.") % names,
        "",
        gettext("— Wijklab"),
    ]
    return str(subject), "\n".join(str(line) for line in body)


def invitation_emails_send(*, pairs: list[tuple[int, str]] | list[list]) -> int:
    """Mail each (invitation id, link token) not mailed yet (the invitation tasks); returns how many mails went out.

    Each mail is marked sent as soon as it went out, and those marks are committed
    even when a later mail fails (the error is raised afterwards): whatever runs the
    task again sends the rest, and nobody gets a mail twice.
    """
    tokens = {int(pk): token for pk, token in pairs}
    sent_ids: list[int] = []
    error: Exception | None = None
    with transaction.atomic():
        # The row locks make a concurrent duplicate wait and then find them sent.
        invitations = (
            Invitation.objects.select_for_update(of=("self",))
            .filter(pk__in=tokens, sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("cohort", "organisation", "school", "invited_by", "user")
            .order_by("pk")
        )
        connection = get_connection()
        with connection:
            for invitation in invitations:
                token = tokens[invitation.pk]
                # A re-sent invitation has a new link: a task still holding the old one has nothing to send.
                if not token_matches(token=token, invitation=invitation):
                    continue
                language = (invitation.user.language if invitation.user else "") or settings.LANGUAGE_CODE
                with translation.override(language):
                    subject, body = invitation_mail(invitation, token)
                # Invitations go out whatever mail preference an existing account has: they are not notifications.
                try:
                    connection.send_messages([EmailMessage(subject=subject, body=body, to=[invitation.email])])
                except Exception as exc:  # any transport error: keep what went out, then raise
                    error = exc
                    break
                sent_ids.append(invitation.pk)
        if sent_ids:
            Invitation.objects.filter(pk__in=sent_ids).update(sent_at=timezone.now())
    if error is not None:
        raise error
    return len(sent_ids)
