"""Background jobs about people: the invitation mail.

Tasks take ids, load what they need and are idempotent: an invitation is
mailed once per link (``Invitation.sent_at``), however often the task runs.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from wijklab.invitation_selectors import invitation_role_phrase, token_matches
from wijklab.models import Invitation


def invitation_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})


def invitation_mail(invitation: Invitation, token: str) -> tuple[str, str]:
    """Subject and body, in the active language."""
    inviter = invitation.invited_by.get_display_name()
    where = invitation.cohort.name if invitation.cohort else str(invitation.organisation or "Wijklab")
    expires = formats.date_format(timezone.localtime(invitation.expires_at), "j F Y")
    names = {"inviter": inviter, "where": where, "role": invitation_role_phrase(invitation), "expires": expires}
    subject = _("Uitnodiging voor Wijklab: %(where)s") % names
    greeting = _("Hallo %(name)s,") % {"name": invitation.display_name} if invitation.display_name else _("Hallo,")
    if invitation.cohort is not None:
        intro = _("%(inviter)s nodigt je uit om als %(role)s mee te doen aan %(where)s in Wijklab.") % names
    else:
        intro = _("%(inviter)s nodigt je uit als %(role)s in Wijklab.") % names
    body = [
        greeting,
        "",
        intro,
        _(
            "In Wijklab werken studenten van mbo en hbo samen aan echte opdrachten in de wijk, "
            "begeleid door docenten en werkbegeleiders."
        ),
        "",
        _("Open deze link om je account te activeren:"),
        invitation_link(token),
        "",
        _("Je kiest daar een wachtwoord, of je logt in met SURFconext of eduID.")
        if getattr(settings, "OIDC_PROVIDERS", None)
        else _("Je kiest daar een wachtwoord."),
        _("De link werkt één keer en is geldig tot en met %(expires)s.") % names,
        _("Werkt de link niet meer? Vraag %(inviter)s dan om een nieuwe.") % names,
        "",
        _("— Wijklab"),
    ]
    return str(subject), "\n".join(str(line) for line in body)


def _send(pairs: list[tuple[int, str]] | list[list]) -> int:
    """Mail each (invitation id, link token) not mailed yet; returns how many mails went out.

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


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_invitation_email(self, invitation_id: int, token: str) -> int:
    """Mail one invitation's link. Returns 1 when the mail went out, 0 when there was nothing (left) to send."""
    return _send([(invitation_id, token)])


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_invitation_emails(self, pairs: list[list]) -> int:
    """Mail many invitations at once ([[id, token], …]: one task and one mail connection per batch)."""
    return _send(pairs)
