"""The chat pages: who may open them, escaping, the no-JavaScript form, unread counts on the overview.

The formatting of a body (and its hostile corpus) is in test_formatting.py.
"""

import pytest
from django.urls import reverse

from teams.models import Message, ReadMarker
from tests.conftest import count_queries, queries_of_get
from tests.teams.chat.support import _fresh_chat_cache  # noqa: F401


def _url(team):
    return reverse("chat-page", kwargs={"team_id": team.pk})


@pytest.mark.parametrize("person", ["student4", "mbo_docent", "hbo_docent", "werkbegeleider", "org_contact"])
def test_readers_open_the_chat_and_see_who_reads_along(client, request, team, org_contact, person):
    client.force_login(request.getfixturevalue(person))
    response = client.get(_url(team))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ["Sanne de Vries", "Youssef El Amrani", "Lotte Jansen", "Esther Willems", "Pieter van Wijk"]:
        assert name in body
    assert "niveau" not in body.lower()
    assert f"/ws/teams/{team.pk}/chat/" in body
    assert "chat/chat.js" in body


@pytest.mark.parametrize("person", ["outsider_student", "other_org_contact", "other_supervisor", "coordinator"])
def test_everyone_else_gets_404_also_when_posting(client, request, team, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(_url(team)).status_code == 404
    assert client.post(_url(team), {"body": "hallo", "client_id": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client, team):
    response = client.get(_url(team))
    assert response.status_code == 302
    assert "/inloggen/" in response.url


def test_bodies_are_escaped_and_links_are_safe(client, team, student4, student5):
    Message.objects.create(
        team=team,
        author=student4,
        body='<script>alert("x")</script> zie https://www.rotterdam.nl/wijken?a=1&b=2. en javascript:alert(1)',
    )
    client.force_login(student5)
    body = client.get(_url(team)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert (
        '<a href="https://www.rotterdam.nl/wijken?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">'
        in body
    )
    assert 'href="javascript' not in body


def test_the_page_shows_a_divider_before_the_first_unread_message_and_marks_the_chat_read(
    client, team, student4, student5
):
    read = Message.objects.create(team=team, author=student4, body="al gelezen", client_id="a")
    new = Message.objects.create(team=team, author=student4, body="nieuw voor jou", client_id="b")
    ReadMarker.objects.create(user=student5, team=team, last_read_id=read.pk)
    client.force_login(student5)
    body = client.get(_url(team)).content.decode()
    assert body.index("al gelezen") < body.index("Nieuwe berichten") < body.index("nieuw voor jou")
    assert ReadMarker.objects.get(user=student5, team=team).last_read_id == new.pk
    # Next time there is nothing new.
    assert "Nieuwe berichten</span></li>" not in client.get(_url(team)).content.decode()


def test_the_page_shows_the_last_50_and_takes_the_same_queries_for_more(client, team, student4, student5):
    client.force_login(student5)
    Message.objects.bulk_create(
        [Message(team=team, author=student4, body=f"b{i}", client_id=f"c{i}") for i in range(5)]
    )
    client.get(_url(team))
    # Each measured visit has something new to mark as read.
    Message.objects.create(team=team, author=student4, body="nog een", client_id="e")
    few = queries_of_get(client, _url(team))
    assert few <= 16
    Message.objects.bulk_create(
        [Message(team=team, author=student4, body=f"later {i}", client_id=f"d{i}") for i in range(80)]
    )
    with count_queries() as queries:
        body = client.get(_url(team)).content.decode()
    assert len(queries) == few
    assert "later 79" in body
    assert "later 29" not in body.split('id="chat-config"')[0]
    assert "Oudere berichten laden" in body


def test_posting_without_javascript_works_once_per_form(client, team, student4):
    client.force_login(student4)
    response = client.post(_url(team), {"body": "Zonder JavaScript", "client_id": "form-1"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert response.url.endswith(f"#bericht-{message.pk}")
    client.post(_url(team), {"body": "Zonder JavaScript", "client_id": "form-1"})
    assert Message.objects.count() == 1
    response = client.post(_url(team), {"body": "", "client_id": "form-2"}, follow=True)
    assert "Een leeg bericht kun je niet versturen." in response.content.decode()
    assert Message.objects.count() == 1


@pytest.mark.parametrize("person", ["student5", "mbo_docent", "org_contact"])
def test_the_overview_shows_unread_counts_per_team(client, request, team, student4, org_contact, person):
    Message.objects.bulk_create(
        [Message(team=team, author=student4, body=f"b{i}", client_id=f"c{i}") for i in range(3)]
    )
    client.force_login(request.getfixturevalue(person))
    body = client.get(reverse("home")).content.decode()
    assert "Teamchat" in body
    assert "3 ongelezen" in body
    assert _url(team) in body


def test_a_coordinator_has_no_chat_panel_or_menu_item(client, team, coordinator):
    client.force_login(coordinator)
    body = client.get(reverse("home")).content.decode()
    assert "Teamchat" not in body
    assert reverse("chat-index") not in body


def test_the_chat_list_links_every_chat_with_its_unread_count(client, team, student4, student5):
    Message.objects.create(team=team, author=student4, body="hoi")
    client.force_login(student5)
    body = client.get(reverse("chat-index")).content.decode()
    assert "Team Zonnebloem" in body
    assert "1 ongelezen" in body


def test_the_chat_page_stores_the_presence_list_its_socket_will_need(
    client, team, student4, student5, mbo_docent, org_contact, django_assert_num_queries
):
    from teams.chat.selectors import presence_list

    client.force_login(student4)
    assert client.get(_url(team)).status_code == 200
    # The socket the page opens next finds the list without a query.
    with django_assert_num_queries(0):
        shown = presence_list(team=team)
    ids = {person["id"] for person in shown}
    assert {student4.pk, student5.pk, org_contact.pk} <= ids
    assert mbo_docent.pk not in ids  # supervisors read along without showing up
    assert presence_list(team=team, refresh=True) == shown


@pytest.mark.parametrize(
    ("person", "teams_item"), [("student4", "Mijn team"), ("mbo_docent", "Teams"), ("org_contact", "Teams")]
)
def test_the_menu_marks_chat_not_teams_on_a_team_chat(client, request, team, person, teams_item):
    client.force_login(request.getfixturevalue(person))
    chat = client.get(_url(team))
    active = [str(item["label"]) for item in chat.context["nav_items"] if item["active"]]
    assert active == ["Chat"]
    assert f'<a href="{reverse("chat-index")}" aria-current="page">' in chat.content.decode()
    # The team's own page, under the same /teams/ path, still marks the teams item.
    detail = client.get(reverse("team-detail", kwargs={"team_id": team.pk}))
    active = [str(item["label"]) for item in detail.context["nav_items"] if item["active"]]
    assert active == [teams_item]
