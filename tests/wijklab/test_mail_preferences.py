"""Mail about notifications as each person chose it: each event, a daily digest, or none; in their language."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from supervision import services as supervision_services
from teams import services as team_services
from teams.chat import services as chat_services
from teams.chat.tasks import settle_mention
from teams.models import Mention
from tests.factories import StudentFactory
from wijklab import mail
from wijklab.digest_tasks import daily_digests
from wijklab.models import MailPreference, Notification
from wijklab.services import notify

TODAY = dt.date(2026, 11, 23)


def _prefer(user, preference: str, language: str = "") -> None:
    user.mail_preference = preference
    user.language = language
    user.save(update_fields=["mail_preference", "language"])


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- mail per event -------------------------------------------------------------------------


def test_a_team_change_is_mailed_only_to_people_who_want_each_mail(
    team,
    assignment,
    student4,
    student5,
    student6,
    mbo_docent,
    hbo_docent,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _prefer(student5, MailPreference.DIGEST)
    _prefer(student6, MailPreference.NONE)
    _prefer(hbo_docent, MailPreference.EACH, language="en")
    other = team_services.team_create(assignment=assignment, name="Team Twee", by=assignment.created_by)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        team_services.membership_move(
            student=student4, to_team=other, by=assignment.created_by, override=True, reason="Proef"
        )
    to = {address for message in mailoutbox for address in message.to}
    assert student5.email not in to
    assert student6.email not in to
    assert mbo_docent.email in to
    assert hbo_docent.email in to
    english = next(m for m in mailoutbox if m.to == [hbo_docent.email])
    dutch = next(m for m in mailoutbox if m.to == [mbo_docent.email])
    # The subject's new wording waits for its English translation (make messages); the mail around it is English.
    assert english.body != dutch.body
    assert "coördinator" in dutch.subject
    # Everyone still has it in Wijklab.
    assert Notification.objects.filter(user__in=[student5, student6]).exists()


def test_a_chat_mention_is_not_mailed_to_someone_who_wants_no_mail(team, student4, student5, mailoutbox):
    _prefer(student5, MailPreference.NONE)
    chat_services.message_post(team=team, author=student4, body="@Youssef kun jij bellen?", client_id="m-1")
    mention = Mention.objects.get(user=student5)
    later = timezone.now() + dt.timedelta(seconds=chat_services.MENTION_EMAIL_DELAY + 1)
    assert settle_mention(mention.pk, now=later) == "unneeded"
    assert mailoutbox == []
    assert Notification.objects.filter(user=student5).exists()


def test_feedback_is_mailed_per_event_in_the_students_language(team, student4, mbo_docent, mailoutbox):
    _prefer(student4, MailPreference.EACH, language="en")
    entry = supervision_services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="Goed bezig")
    mailoutbox.clear()
    assert supervision_services.send_feedback_notice(entry_id=entry.pk)
    assert len(mailoutbox) == 1
    assert "feedback" in mailoutbox[0].subject.lower()
    _prefer(student4, MailPreference.NONE)
    second = supervision_services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="Nog eens")
    mailoutbox.clear()
    assert not supervision_services.send_feedback_notice(entry_id=second.pk)
    assert mailoutbox == []


def test_a_weekly_reminder_reaches_a_none_supervisor_in_wijklab_only(team, mbo_docent, mailoutbox):
    _prefer(mbo_docent, MailPreference.NONE)
    mailoutbox.clear()
    supervision_services.send_supervisor_reminder(supervisor_id=mbo_docent.pk, today=timezone.localdate())
    assert mailoutbox == []
    assert Notification.objects.filter(user=mbo_docent, kind="supervision_reminder").count() == 1
    supervision_services.send_supervisor_reminder(supervisor_id=mbo_docent.pk, today=timezone.localdate())
    assert Notification.objects.filter(user=mbo_docent, kind="supervision_reminder").count() == 1


# --- the daily digest ----------------------------------------------------------------------------


@pytest.fixture
def digester(cohort):
    user = StudentFactory(username="digest", display_name="Dirk Digest", profile__cohort=cohort)
    _prefer(user, MailPreference.DIGEST)
    return user


def _notify(user, title: str, when: dt.datetime) -> None:
    (note,) = notify(users=[user], kind="test", title=title, url="/meldingen/")
    Notification.objects.filter(pk=note.pk).update(created_at=when)


def test_the_digest_lists_what_is_unread_and_goes_out_once_per_day(digester, mailoutbox, monkeypatch):
    _notify(digester, "Nieuw teamlid", _at(TODAY, 8) - dt.timedelta(hours=3))
    _notify(digester, "Nieuwe feedback", _at(TODAY, 8) - dt.timedelta(hours=1))
    monkeypatch.setattr(timezone, "now", lambda: _at(TODAY, 9))
    assert mail.send_daily_digest(user_id=digester.pk, today=TODAY)
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Nieuw teamlid" in body
    assert "Nieuwe feedback" in body
    assert "2 nieuwe meldingen" in mailoutbox[0].subject
    # Again the same day, even with something new: nothing.
    _notify(digester, "Nog iets", _at(TODAY, 12))
    monkeypatch.setattr(timezone, "now", lambda: _at(TODAY, 18))
    assert not mail.send_daily_digest(user_id=digester.pk, today=TODAY)
    assert len(mailoutbox) == 1
    # The next day: only what came after the previous digest.
    tomorrow = TODAY + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: _at(tomorrow, 9))
    assert mail.send_daily_digest(user_id=digester.pk, today=tomorrow)
    assert "Nog iets" in mailoutbox[1].body
    assert "Nieuw teamlid" not in mailoutbox[1].body


def test_no_digest_without_anything_new_or_for_read_notifications(digester, mailoutbox, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _at(TODAY, 9))
    assert not mail.send_daily_digest(user_id=digester.pk, today=TODAY)
    _notify(digester, "Al gelezen", _at(TODAY, 8))
    Notification.objects.update(read_at=_at(TODAY, 8))
    assert not mail.send_daily_digest(user_id=digester.pk, today=TODAY)
    assert mailoutbox == []


def test_only_digest_people_get_a_digest(digester, student4, student5, mailoutbox, monkeypatch):
    _prefer(student5, MailPreference.NONE)
    for user in (digester, student4, student5):
        _notify(user, "Iets", _at(TODAY, 8))
    monkeypatch.setattr(timezone, "now", lambda: _at(TODAY, 9))
    assert list(mail.users_due_for_digest(today=TODAY)) == [digester]
    assert daily_digests(TODAY.isoformat()) == 1
    assert [m.to for m in mailoutbox] == [[digester.email]]
    assert daily_digests(TODAY.isoformat()) == 0
    assert len(mailoutbox) == 1


def test_the_digest_is_in_the_persons_language(digester, mailoutbox, monkeypatch):
    _prefer(digester, MailPreference.DIGEST, language="en")
    _notify(digester, "Iets", _at(TODAY, 8))
    monkeypatch.setattr(timezone, "now", lambda: _at(TODAY, 9))
    assert mail.send_daily_digest(user_id=digester.pk, today=TODAY)
    assert mailoutbox[0].body.startswith("Hello Dirk Digest,")


def test_the_command_sends_todays_digests_once(digester, mailoutbox):
    _notify(digester, "Iets", timezone.now() - dt.timedelta(minutes=5))
    out = StringIO()
    call_command("notifications_digest", stdout=out)
    assert "1 sent" in out.getvalue()
    call_command("notifications_digest", stdout=out)
    assert len(mailoutbox) == 1


def test_none_never_gets_mail_about_notifications(student4, mailoutbox):
    _prefer(student4, MailPreference.NONE)
    assert not mail.wants_summaries(student4)
    assert mailoutbox == []
