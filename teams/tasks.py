"""Background jobs of the teams app: e-mail about roster changes.

Tasks take ids, load what they need and are idempotent: a change is e-mailed
once, however often the task runs (retries, a duplicate delivery).
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.models import MembershipChange, Team
from wijklab.mail import in_language_of, recipients_wanting_mail_now, wants_mail_now
from wijklab.models import User


def _recipients(team: Team, *, exclude: set[int]) -> list[User]:
    """Members and supervisors who want a mail per event (the others read it in Wijklab or in their digest)."""
    people = User.objects.filter(
        Q(memberships__team=team, memberships__left_at__isnull=True) | Q(supervision_assignments__team=team)
    ).distinct()
    return [u for u in recipients_wanting_mail_now(people) if u.pk not in exclude]


def _lines(change: MembershipChange, team: Team) -> tuple[str, str]:
    name = change.student.get_display_name()
    names = {"name": name, "team": team.name, "assignment": team.assignment.title}
    kinds = MembershipChange.Kind
    if change.kind == kinds.JOINED:
        subject = _("%(name)s heeft zich aangesloten bij %(team)s") % names
    elif team == change.to_team:
        subject = _("%(name)s is door de coördinator in %(team)s geplaatst") % names
    elif change.kind == kinds.LEFT:
        subject = _("%(name)s heeft %(team)s verlaten") % names
    elif change.kind == kinds.MOVED and change.to_team is not None:
        subject = _("%(name)s is door de coördinator van %(team)s naar %(other)s verplaatst") % {
            **names,
            "other": change.to_team.name,
        }
    else:
        subject = _("%(name)s is door de coördinator uit %(team)s gehaald") % names
    body = [subject + ".", ""]
    if change.team_completed and team == change.to_team:
        body += [_("%(team)s is nu compleet voor de opdracht %(assignment)s.") % names, ""]
    url = settings.SITE_URL.rstrip("/") + f"/teams/{team.pk}/"
    body += [_("Bekijk het team: %(url)s") % {"url": url}, "", _("— Wijklab")]
    return str(subject), "\n".join(str(line) for line in body)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def email_membership_change(self, change_id: int) -> int:
    """Mail the members and supervisors of the team(s) a roster change touched. Returns the number of mails."""
    with transaction.atomic():
        # The row lock makes a concurrent duplicate wait and then find it sent;
        # a failed send rolls back, so a retry sends again.
        change = (
            MembershipChange.objects.select_for_update(of=("self",))
            .filter(pk=change_id, emailed_at__isnull=True)
            .select_related("student", "by", "from_team__assignment", "to_team__assignment")
            .first()
        )
        if change is None:
            return 0
        messages = []
        for team in (change.from_team, change.to_team):
            if team is None:
                continue
            exclude = {change.by_id}
            for user in _recipients(team, exclude=exclude):
                with in_language_of(user):
                    subject, body = _lines(change, team)
                messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))
        if change.kind == MembershipChange.Kind.REMOVED and wants_mail_now(change.student):
            with in_language_of(change.student):
                subject, body = _lines(change, change.from_team)
            messages.append(EmailMessage(subject=subject, body=body, to=[change.student.email]))
        sent = get_connection().send_messages(messages) if messages else 0
        change.emailed_at = timezone.now()
        change.save(update_fields=["emailed_at"])
    return sent or 0
