"""Sign-ins and failed sign-ins, with a password or an institution account, into the audit log."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from wijklab.audit_services import audit_record
from wijklab.models import AuditKind, User

# Django passes the credentials with the secrets masked; an institution sign-in passes none of these.
_USERNAME_KEYS = ("username", "email")


def _method(request: Any) -> str:
    match = getattr(request, "resolver_match", None)
    return "oidc" if match is not None and match.url_name == "oidc-callback" else "password"


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def record_sign_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    description = _("Ingelogd met een instellingsaccount.") if _method(request) == "oidc" else _("Ingelogd.")
    audit_record(kind=AuditKind.SIGN_IN, actor=user, subject=user, request=request, description=description)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def record_sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = next((str(credentials[k]) for k in _USERNAME_KEYS if credentials.get(k)), "")
    if not username and _method(request) == "oidc":
        description = _("Inloggen met een instellingsaccount mislukt.")
        subject_id = None
    else:
        description = _("Inloggen mislukt.")
        # One read, only on a failed sign-in: so the entry is about the account that was tried
        # (and shows in its cohort's log). The name typed is not stored: it may be a password.
        subject_id = User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    audit_record(
        kind=AuditKind.SIGN_IN_FAILED,
        subject_id=subject_id,
        request=request,
        description=description,
    )
