"""Reads about invitations: a link token to its invitation, the lists coordinators and contacts see.

A link token is ``<secret>.<signature>``: the signature (``django.core.signing``,
keyed on SECRET_KEY) turns away made-up tokens before any query, and only the
SHA-256 of the secret is stored (``Invitation.token_hash``), so the database
alone never yields a working link.
"""

import hashlib
import secrets

from django.core import signing
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from wijklab.models import Cohort, Invitation, Role, SupervisorKind, User
from wijklab.selectors import access_managed_cohort, cohorts_managed_by

TOKEN_SALT = "wijklab.invitation"  # noqa: S105 - a namespace for the signature, not a secret
# "." is outside the URL-safe base64 alphabet of the secret, so the token splits unambiguously.
_SIGNER_SEP = "."


class InvitationStatus:
    PENDING = "pending"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"

    LABELS = {
        PENDING: _("Nog niet geaccepteerd"),
        EXPIRED: _("Verlopen"),
        ACCEPTED: _("Geaccepteerd"),
        REVOKED: _("Ingetrokken"),
    }


class InvitationInvalid(Exception):
    """A link that cannot be used. ``code``: unknown | expired | used | revoked; ``message`` is Dutch.

    ``unknown`` and ``revoked`` read the same on purpose: whoever holds a dead or
    made-up link learns nothing about whether it ever existed.
    """

    MESSAGES = {
        "unknown": _(
            "Deze uitnodigingslink werkt niet (meer). Misschien is er intussen een nieuwe link gestuurd. "
            "Vraag degene die je uitnodigde om een nieuwe link."
        ),
        "revoked": _(
            "Deze uitnodigingslink werkt niet (meer). Misschien is er intussen een nieuwe link gestuurd. "
            "Vraag degene die je uitnodigde om een nieuwe link."
        ),
        "expired": _(
            "Een uitnodigingslink is 14 dagen geldig. "
            "Vraag degene die je uitnodigde om je de uitnodiging opnieuw te sturen."
        ),
        "used": _(
            "Met deze link is het account al geactiveerd. Log in met je account; ben je je wachtwoord "
            "vergeten, vraag dan een nieuw wachtwoord aan."
        ),
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = self.MESSAGES[code]


# --- tokens -------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, sep=_SIGNER_SEP)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random secret: returns (link token, hash to store)."""
    secret = secrets.token_urlsafe(32)
    return _signer().sign(secret), token_hash(secret)


def token_matches(*, token: str, invitation: Invitation) -> bool:
    """Whether ``token`` is the invitation's current link (a re-sent invitation has a new one)."""
    secret = _secret_of(token)
    return secret is not None and secrets.compare_digest(token_hash(secret), invitation.token_hash)


def _secret_of(token: str) -> str | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None


# --- state ---------------------------------------------------------------------------------------


def invitation_status(invitation: Invitation, *, now=None) -> str:
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def ensure_usable(invitation: Invitation) -> None:
    """Raise InvitationInvalid unless the invitation can still be accepted."""
    status = invitation_status(invitation)
    if status == InvitationStatus.ACCEPTED:
        raise InvitationInvalid("used")
    if status == InvitationStatus.REVOKED:
        raise InvitationInvalid("revoked")
    if status == InvitationStatus.EXPIRED:
        raise InvitationInvalid("expired")


def usable_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link token opens, or InvitationInvalid (unknown | expired | used | revoked)."""
    secret = _secret_of(token)
    if secret is None:
        raise InvitationInvalid("unknown")
    invitation = (
        Invitation.objects.select_related("cohort", "organisation", "school", "invited_by", "user")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if invitation is None:
        raise InvitationInvalid("unknown")
    ensure_usable(invitation)
    return invitation


def pending_invitation_for_email(email: str) -> Invitation | None:
    """The newest invitation for this address that can still be accepted."""
    email = (email or "").strip()
    if not email:
        return None
    return (
        usable_invitations()
        .filter(email__iexact=email)
        .select_related("cohort", "organisation", "school", "invited_by", "user")
        .order_by("-created_at", "-id")
        .first()
    )


def existing_account_for(*, email: str) -> User | None:
    """The account an invitation for ``email`` links to instead of making a second one."""
    email = (email or "").strip()
    if not email:
        return None
    return User.objects.filter(email__iexact=email).order_by("-is_active", "pk").first()


def free_username(email: str) -> str:
    """The username a new account gets: the address people remember, a number only when it is taken."""
    base = email.strip().lower()[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def invitation_role_phrase(invitation: Invitation) -> str:
    """What the invitation makes someone, in the active language: "hbo-docent van Hogeschool Rotterdam"."""
    if invitation.role == Role.STUDENT:
        return gettext("student")
    if invitation.role == Role.ORGANISATION:
        return gettext("contactpersoon van %(organisation)s") % {"organisation": invitation.organisation}
    if invitation.supervisor_kind == SupervisorKind.WERKBEGELEIDER:
        return gettext("werkbegeleider bij %(organisation)s") % {"organisation": invitation.organisation}
    if invitation.supervisor_kind in SupervisorKind.values:
        kind = str(SupervisorKind(invitation.supervisor_kind).label).lower()
        if invitation.school is not None:
            return pgettext("docent of a school", "%(kind)s van %(school)s") % {
                "kind": kind,
                "school": invitation.school,
            }
        return kind
    return str(Role(invitation.role).label).lower() if invitation.role in Role.values else invitation.role


# --- lists -------------------------------------------------------------------------------------------


def with_status(qs: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """Annotate ``status`` (pending | expired | accepted | revoked) so lists can filter and show it."""
    return qs.annotate(
        status=Case(
            When(accepted_at__isnull=False, then=Value(InvitationStatus.ACCEPTED)),
            When(revoked_at__isnull=False, then=Value(InvitationStatus.REVOKED)),
            When(expires_at__lte=timezone.now(), then=Value(InvitationStatus.EXPIRED)),
            default=Value(InvitationStatus.PENDING),
            output_field=CharField(),
        )
    )


def invitations_of_cohort(*, cohort: Cohort) -> QuerySet[Invitation]:
    return with_status(cohort.invitations.select_related("invited_by", "organisation", "school", "user")).order_by(
        "-created_at", "-id"
    )


def invitations_sent_by(*, user: User) -> QuerySet[Invitation]:
    return with_status(
        Invitation.objects.filter(invited_by=user).select_related("organisation", "school", "user", "cohort")
    ).order_by("-created_at", "-id")


def cohorts_with_invitation_counts(*, coordinator: User) -> QuerySet[Cohort]:
    """The coordinator's running cohorts with ``pending``, ``expired`` and ``accepted`` counts, in one query."""
    now = timezone.now()
    open_ = Q(invitations__accepted_at__isnull=True, invitations__revoked_at__isnull=True)
    return (
        coordinator.coordinated_cohorts.filter(archived_at__isnull=True)
        .annotate(
            pending=Count("invitations", filter=open_ & Q(invitations__expires_at__gt=now)),
            expired=Count("invitations", filter=open_ & Q(invitations__expires_at__lte=now)),
            accepted=Count("invitations", filter=Q(invitations__accepted_at__isnull=False)),
        )
        .order_by("-starts_on", "pk")
    )


def imported_students_without_invitation(*, cohort: Cohort) -> QuerySet[User]:
    """Students of the cohort who have an account from an import but never got an invitation for it.

    "From an import": no usable password yet (Django marks an unusable one with a leading "!").
    """
    return (
        User.objects.filter(
            role=Role.STUDENT,
            student_profile__cohort=cohort,
            password__startswith="!",  # noqa: S106 - Django's mark of an unusable password
        )
        .exclude(email="")
        .exclude(invitations__cohort=cohort)
        .order_by("pk")
    )


# --- access --------------------------------------------------------------------------------------------


def may_invite_into_cohort(*, user: User, cohort: Cohort) -> bool:
    return cohorts_managed_by(user=user).filter(pk=cohort.pk).exists()


def may_invite_colleagues(*, user: User) -> bool:
    return user.role == Role.ORGANISATION and user.organisation_id is not None


def access_invitation_cohort(*, user: User, cohort_id: int) -> Cohort:
    """A cohort whose invitations ``user`` manages (its coordinator), else Http404."""
    return access_managed_cohort(user=user, cohort_id=cohort_id)


def invitations_managed_by(*, user: User) -> QuerySet[Invitation]:
    """Invitations ``user`` may re-send or revoke: their cohorts' (coordinator), their own (organisation contact)."""
    if user.role == Role.COORDINATOR:
        return Invitation.objects.filter(cohort__coordinators=user)
    if may_invite_colleagues(user=user):
        return Invitation.objects.filter(invited_by=user, organisation_id=user.organisation_id)
    return Invitation.objects.none()


def access_invitation(*, user: User, invitation_id: int) -> Invitation:
    invitation = (
        invitations_managed_by(user=user)
        .select_related("cohort", "organisation", "school")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
