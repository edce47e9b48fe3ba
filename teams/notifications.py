"""What Wijklab tells people about teams, written once: the in-app notification and the e-mail
use the same sentences. Functions, not constants, so each text is translated in the language
active when it is called (the reader's, for a mail: ``wijklab.mail.in_language_of``).
"""

from django.conf import settings
from django.utils.translation import gettext as _

from teams.models import MembershipChange, Team
from wijklab.models import Notification


def membership_change_title(change: MembershipChange, team: Team) -> str:
    """The change as read by the people of ``team`` (its old or its new team)."""
    names = {"name": change.student.get_display_name(), "team": team.name}
    kinds = MembershipChange.Kind
    if change.kind == kinds.JOINED:
        return _("%(name)s heeft zich aangesloten bij %(team)s") % names
    if team == change.to_team:
        return _("%(name)s is door de coördinator in %(team)s geplaatst") % names
    if change.kind == kinds.LEFT:
        return _("%(name)s heeft %(team)s verlaten") % names
    if change.kind == kinds.MOVED and change.to_team is not None:
        return _("%(name)s is door de coördinator van %(team)s naar %(other)s verplaatst") % {
            **names,
            "other": change.to_team.name,
        }
    return _("%(name)s is door de coördinator uit %(team)s gehaald") % names


def team_complete_title(team: Team) -> str:
    return _("%(team)s is compleet") % {"team": team.name}


def team_complete_body(team: Team) -> str:
    return _("Het team voldoet aan de samenstelling die de opdracht %(assignment)s vraagt.") % {
        "assignment": team.assignment.title
    }


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def membership_change_mail(change: MembershipChange, team: Team, *, url: str) -> tuple[str, str]:
    """Subject and body of the mail about a roster change, for the people of ``team``."""
    subject = membership_change_title(change, team)
    body = [subject + ".", ""]
    if change.team_completed and team == change.to_team:
        body += [
            _("%(team)s is nu compleet voor de opdracht %(assignment)s.")
            % {"team": team.name, "assignment": team.assignment.title},
            "",
        ]
    body += [_("Bekijk het team: %(url)s") % {"url": _site_url(url)}, "", _("— Wijklab")]
    return subject, "\n".join(body)


def notification_mail(note: Notification) -> tuple[str, str]:
    """Subject and body of the mail that carries an in-app notification (after publishing a formation run)."""
    body = [note.title + ".", ""]
    if note.body:
        body += [note.body, ""]
    if note.url:
        body += [_("Bekijk het in Wijklab: %(url)s") % {"url": _site_url(note.url)}, ""]
    body.append(_("— Wijklab"))
    return note.title, "\n".join(body)
