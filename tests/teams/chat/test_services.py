"""Chat services and selectors: mentions and their e-mail, unread counts, who reads along."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from teams.chat import services
from teams.chat.selectors import (
    chat_overview,
    chat_reader_users,
    chat_readers,
    may_read_chat,
    teams_with_chat_for,
)
from teams.chat.tasks import send_due_mention_emails, settle_mention
from teams.models import Mention, Message, ReadMarker, SupervisionAssignment
from tests.conftest import count_queries
from tests.factories import TeamFactory
from tests.teams.chat.support import _fresh_chat_cache  # noqa: F401
from wijklab.models import Notification

EVERYONE = [
    "student4",
    "student5",
    "student6",
    "outsider_student",
    "org_contact",
    "other_org_contact",
    "mbo_docent",
    "hbo_docent",
    "werkbegeleider",
    "other_supervisor",
    "coordinator",
    "other_coordinator",
]


def _post(team, author, body, client_id=None):
    message, _created = services.message_post(
        team=team, author=author, body=body, client_id=client_id or f"c{Message.objects.count()}"
    )
    return message


# Who reads the chat of the ``team`` fixture: its three students, its three supervisors and
# the contact of the assignment's organisation. Coordinators see the team, never its chat.
READERS = {"student4", "student5", "student6", "org_contact", "mbo_docent", "hbo_docent", "werkbegeleider"}


@pytest.mark.parametrize("person", EVERYONE)
def test_exactly_the_team_its_supervisors_and_its_organisation_read_the_chat(request, team, person):
    user = request.getfixturevalue(person)
    other = TeamFactory(assignment=team.assignment, name="Tweede team")
    reads = person in READERS
    assert may_read_chat(user=user, team=team) is reads
    assert (team in teams_with_chat_for(user=user)) is reads
    assert (user in chat_reader_users(team=team)) is reads
    # The other team of the same assignment: only its organisation's contact reads along.
    assert may_read_chat(user=user, team=other) is (person == "org_contact")


def test_a_supervision_link_does_not_open_the_chat_to_another_organisations_contact(team, other_org_contact):
    from teams.models import SupervisionAssignment

    SupervisionAssignment.objects.create(supervisor=other_org_contact, team=team)
    assert not may_read_chat(user=other_org_contact, team=team)
    assert other_org_contact not in chat_reader_users(team=team)


def test_a_student_who_left_no_longer_has_the_chat(team, student4):
    team.memberships.filter(student=student4).update(left_at=timezone.now())
    assert not teams_with_chat_for(user=student4).exists()


def test_the_readers_list_groups_team_organisation_and_supervisors_without_niveau(team, org_contact):
    readers = chat_readers(team=team)
    assert [(r.group, r.display_name) for r in readers] == [
        ("team", "Lotte Jansen"),
        ("team", "Sanne de Vries"),
        ("team", "Youssef El Amrani"),
        ("organisation", "Esther Willems"),
        ("supervisor", "Ingrid Kramer"),
        ("supervisor", "Marieke Verhoeven"),
        ("supervisor", "Pieter van Wijk"),
    ]
    assert [r.shows_presence for r in readers] == [True] * 4 + [False] * 3
    assert not any("niveau" in str(vars(r)).lower() for r in readers)


@pytest.fixture
def org_contact_of_team(team, org_contact):
    return org_contact


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@Sanne kun jij bellen?", ["sanne"]),
        ("@sanne de vries en @Youssef", ["sanne", "youssef"]),
        ("Vraag het @lotte.", ["lotte"]),
        ("mail naar info@sanne.nl", []),
        ("@Sannetje is niemand", []),
        ("@Esther, kom je ook?", ["org"]),
        ("@Pieter wil je meelezen?", ["hbo-docent"]),
        ("geen noemingen", []),
    ],
)
def test_mentions_are_found_by_first_name_full_name_or_username(team, org_contact_of_team, body, expected):
    found = services.find_mentions(body, list(team_readers(team)))
    assert sorted(u.username for u in found) == sorted(expected)


def team_readers(team):
    return chat_reader_users(team=team)


def test_a_mention_notifies_in_app_at_once_and_by_mail_only_when_still_unread_later(
    team, student4, student5, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _post(team, student4, "@Youssef kun jij de sleutel halen?")
    mention = Mention.objects.get()
    assert mention.user == student5
    notification = Notification.objects.get(user=student5)
    assert notification.kind == "chat_mention"
    assert "Sanne de Vries" in notification.title
    assert notification.url.endswith(f"/teams/{team.pk}/chat/#bericht-{message.pk}")
    # The job ran at once (eager Celery) but it was not due yet: no mail.
    assert mailoutbox == []
    assert Mention.objects.get().settled_at is None

    later = timezone.now() + dt.timedelta(seconds=services.MENTION_EMAIL_DELAY + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert settle_mention(mention.pk, now=later) == "emailed"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [student5.email]
    assert "Sanne de Vries" in mail.subject
    assert "sleutel" in mail.body
    assert f"/teams/{team.pk}/chat/#bericht-{message.pk}" in mail.body
    # Only once.
    with django_capture_on_commit_callbacks(execute=True):
        assert settle_mention(mention.pk, now=later) == "settled"
    assert len(mailoutbox) == 1


def test_no_mail_for_a_mention_of_someone_who_left_the_team_since(team, student4, student5, mailoutbox):
    _post(team, student4, "@Youssef wat vind jij?")
    team.memberships.filter(student=student5).update(left_at=timezone.now())
    later = timezone.now() + dt.timedelta(seconds=services.MENTION_EMAIL_DELAY + 1)
    assert settle_mention(Mention.objects.get().pk, now=later) == "unneeded"
    assert mailoutbox == []


def test_no_mail_for_a_mention_that_was_read_or_deleted(team, student4, student5, student6, mailoutbox):
    read = _post(team, student4, "@Youssef lees je dit?")
    gone = _post(team, student4, "@Lotte dit trek ik in")
    services.read_marker_advance(user=student5, team=team, last_read_id=read.pk)
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    later = timezone.now() + dt.timedelta(seconds=services.MENTION_EMAIL_DELAY + 1)
    for mention in Mention.objects.all():
        assert settle_mention(mention.pk, now=later) == "unneeded"
    assert mailoutbox == []


def test_the_sweep_mails_due_unread_mentions(team, student4, student5, mailoutbox, django_capture_on_commit_callbacks):
    message = _post(team, student4, "@Youssef wil je dit checken?")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=services.MENTION_EMAIL_DELAY + 5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_mention_emails() == 1
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_mention_emails() == 0


def test_nobody_outside_the_chat_can_be_mentioned(team, student4, outsider_student):
    _post(team, student4, "@Bram weet jij het?")
    assert not Mention.objects.exists()
    assert not Notification.objects.filter(user=outsider_student).exists()


def test_unread_counts_skip_my_own_deleted_and_hidden_messages(team, student4, student5, hbo_docent):
    def unread(user):
        return {t.pk: t.unread for t in chat_overview(user=user)}

    visible = [_post(team, student4, f"bericht {i}") for i in range(3)]
    _post(team, student5, "van mezelf")
    Message.objects.filter(pk=visible[0].pk).update(deleted_at=timezone.now())
    hidden = _post(team, student4, "verborgen")
    services.message_hide(message=hidden, by=hbo_docent, reason="privacy", announce=False)
    assert unread(student5) == {team.pk: 2}
    services.read_marker_advance(user=student5, team=team, last_read_id=visible[1].pk)
    assert unread(student5) == {team.pk: 1}
    assert unread(student4) == {team.pk: 1}  # Youssef's message


def test_the_chat_overview_takes_one_query_however_many_teams(
    team, assignment, student4, mbo_docent, django_assert_num_queries
):
    from teams.models import SupervisionAssignment

    def overview():
        return [(t.pk, t.unread) for t in chat_overview(user=mbo_docent)]

    _post(team, student4, "hallo")
    with django_assert_num_queries(1):
        assert overview() == [(team.pk, 1)]
    for i in range(8):
        extra = TeamFactory(assignment=assignment, name=f"Extra {i}")
        SupervisionAssignment.objects.create(supervisor=mbo_docent, team=extra)
        Message.objects.create(team=extra, author=mbo_docent, body="eigen bericht")
    with django_assert_num_queries(1):
        rows = overview()
    assert len(rows) == 9
    assert dict(rows)[team.pk] == 1
    assert sum(unread for _pk, unread in rows) == 1  # the docent's own messages are not unread


def test_a_race_on_one_client_id_returns_the_message_that_won(team, student4, monkeypatch):
    original = services._store_message

    def lose_the_race(**kwargs):
        Message.objects.create(team=team, author=student4, body="won", client_id=kwargs["client_id"])
        return original(**kwargs)

    monkeypatch.setattr(services, "_store_message", lose_the_race)
    message, created = services.message_post(team=team, author=student4, body="lost", client_id="same")
    assert (message.body, created) == ("won", False)
    assert Message.objects.filter(client_id="same").count() == 1


def test_a_client_id_is_unique_per_author_across_teams(team, hbo_docent, student5):
    # A supervisor of two teams: the one author who may post in both.
    other = TeamFactory(assignment=team.assignment, name="Ander")
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=other)
    services.message_post(team=team, author=hbo_docent, body="hier", client_id="k1")
    with pytest.raises(services.ChatError) as refused:
        services.message_post(team=other, author=hbo_docent, body="daar", client_id="k1")
    assert refused.value.code == "bad_client_id"
    # Another author may use the same client_id.
    assert services.message_post(team=team, author=student5, body="ook", client_id="k1")[1] is True


def test_someone_who_may_not_read_the_chat_posts_nothing_in_it(team, student4):
    other = TeamFactory(assignment=team.assignment, name="Ander")
    with pytest.raises(services.ChatError) as refused:
        services.message_post(team=other, author=student4, body="daar", client_id="k1")
    assert (refused.value.code, refused.value.status_code) == ("no_access", 403)
    # Not even as a resend of a message stored where they may write.
    services.message_post(team=team, author=student4, body="hier", client_id="k2")
    with pytest.raises(services.ChatError) as refused:
        services.message_post(team=other, author=student4, body="hier", client_id="k2")
    assert refused.value.code == "no_access"
    assert not Message.objects.filter(team=other).exists()


def test_the_database_refuses_a_second_message_with_one_client_id(team, student4):
    Message.objects.create(team=team, author=student4, body="a", client_id="dup")
    with pytest.raises(IntegrityError):
        Message.objects.create(team=team, author=student4, body="b", client_id="dup")


def test_read_markers_never_go_back(team, student4, student5):
    ids = [_post(team, student4, f"m{i}").pk for i in range(3)]
    assert services.read_marker_advance(user=student5, team=team, last_read_id=ids[2]) == ids[2]
    assert services.read_marker_advance(user=student5, team=team, last_read_id=ids[0]) == ids[2]
    assert ReadMarker.objects.get(user=student5).last_read_id == ids[2]


def test_the_rate_limit_counts_the_authors_messages_of_the_last_ten_seconds_in_every_team(team, hbo_docent):
    # A supervisor of two teams: the one author who may post in both.
    other = TeamFactory(assignment=team.assignment, name="Ander")
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=other)
    for i in range(10):
        _post(team, hbo_docent, f"hier {i}", client_id=f"h{i}")
        _post(other, hbo_docent, f"daar {i}", client_id=f"d{i}")
    with pytest.raises(services.ChatError) as refused:
        _post(team, hbo_docent, "een te veel", client_id="x")
    assert refused.value.code == "rate_limited"
    assert Message.objects.filter(author=hbo_docent).count() == 20
    # A resend of a stored message is answered even now, and stores nothing.
    assert services.message_post(team=team, author=hbo_docent, body="hier 0", client_id="h0")[1] is False


def test_messages_older_than_ten_seconds_no_longer_count_against_the_rate_limit(team, student4, student5):
    for i in range(20):
        _post(team, student4, f"b{i}", client_id=f"b{i}")
    Message.objects.update(created_at=timezone.now() - dt.timedelta(seconds=11))
    _message, created = services.message_post(team=team, author=student4, body="weer", client_id="w")
    assert created
    # Other people's messages never count.
    assert services.message_post(team=team, author=student5, body="ik ook", client_id="w")[1] is True


@pytest.mark.parametrize("person", EVERYONE)
def test_the_chat_access_helper_finds_exactly_the_chats_i_may_read(request, team, person):
    from django.http import Http404

    from teams.chat.selectors import access_chat_team_by_id

    user = request.getfixturevalue(person)
    for related in (("assignment__organisation",), ()):  # the pages' form and the socket's
        if person in READERS:
            assert access_chat_team_by_id(user=user, team_id=team.pk, related=related) == team
        else:
            with pytest.raises(Http404):
                access_chat_team_by_id(user=user, team_id=team.pk, related=related)


def test_the_sockets_access_check_is_one_lean_query(team, student4, hbo_docent, org_contact, django_assert_num_queries):
    from teams.chat.selectors import access_chat_team_by_id

    for user in (student4, hbo_docent, org_contact):
        assert may_read_chat(user=user, team=team)
        with count_queries() as queries:
            found = access_chat_team_by_id(user=user, team_id=team.pk, related=())
        assert found == team
        (query,) = queries.captured_queries
        # No model ordering (its joins cost a third of the query to build), no assignment columns.
        assert "ORDER BY" not in query["sql"]
        assert '"assignments_assignment"."title"' not in query["sql"]
    # The pages still get the assignment and organisation with the team, in the same one query.
    with django_assert_num_queries(1):
        found = access_chat_team_by_id(user=student4, team_id=team.pk)
        assert found.assignment.organisation.name


@pytest.mark.parametrize("team_id", [0, -1, 2**63, "1", None, 1.5])
def test_the_chat_access_helper_says_not_found_for_what_cannot_be_an_id(team, student4, team_id):
    from django.http import Http404

    from teams.chat.selectors import access_chat_team_by_id

    with pytest.raises(Http404):
        access_chat_team_by_id(user=student4, team_id=team_id)


def test_a_posted_message_is_exactly_what_the_database_holds(team, student4):
    # message_post builds the message from its one INSERT; a field it forgot would show here.
    from teams.chat.selectors import message_data

    message, created = services.message_post(team=team, author=student4, body="Zie je daar", client_id="r1")
    assert created
    stored = Message.objects.get(pk=message.pk)
    assert message_data(message) == message_data(stored)
    assert (stored.edited_at, stored.deleted_at, stored.hidden_at, stored.hidden_by, stored.hidden_reason) == (
        None,
        None,
        None,
        None,
        "",
    )
    # It behaves as a loaded row: it can be edited and saved.
    services.message_edit(message=message, by=student4, body="Zie je om tien uur bij het buurthuis")
    assert Message.objects.get(pk=message.pk).body == "Zie je om tien uur bij het buurthuis"
