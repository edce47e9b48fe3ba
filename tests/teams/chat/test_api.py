"""The chat's REST side: history pages, idempotent posting, edits, read markers, role by role."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import Message, MessageRevision, ReadMarker
from tests.conftest import queries_of_get
from tests.teams.chat.support import _fresh_chat_cache, new_client_id  # noqa: F401

NOT_READERS = ["outsider_student", "other_org_contact", "other_supervisor", "coordinator", "other_coordinator"]


def _messages(team, author, count, start=0):
    return Message.objects.bulk_create(
        [Message(team=team, author=author, body=f"bericht {i}", client_id=f"c{i}") for i in range(start, start + count)]
    )


def _endpoints(team, message):
    t = team.pk
    return [
        ("get", reverse("api-chat-messages", kwargs={"team_id": t}), None),
        ("post", reverse("api-chat-messages", kwargs={"team_id": t}), {"body": "hoi", "client_id": "x1"}),
        ("patch", reverse("api-chat-message", kwargs={"team_id": t, "message_id": message.pk}), {"body": "anders"}),
        ("delete", reverse("api-chat-message", kwargs={"team_id": t, "message_id": message.pk}), None),
        ("post", reverse("api-chat-hide", kwargs={"team_id": t, "message_id": message.pk}), {"reason": "weg"}),
        ("get", reverse("api-chat-revisions", kwargs={"team_id": t, "message_id": message.pk}), None),
        ("post", reverse("api-chat-read", kwargs={"team_id": t}), {"last_id": message.pk}),
        ("post", reverse("api-chat-attachments", kwargs={"team_id": t}), {"client_id": "x2"}),
    ]


@pytest.mark.parametrize("person", NOT_READERS)
def test_every_chat_endpoint_is_not_found_for_those_who_may_not_read(request, team, student4, client_for, person):
    message = Message.objects.create(team=team, author=student4, body="alleen voor het team")
    client = client_for(request.getfixturevalue(person))
    for method, url, data in _endpoints(team, message):
        response = getattr(client, method)(url, data, format="json") if data else getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    message.refresh_from_db()
    assert message.body == "alleen voor het team"
    assert message.deleted_at is None
    assert message.hidden_at is None
    assert Message.objects.count() == 1


def test_anonymous_visitors_get_nothing(team, student4, client_for):
    message = Message.objects.create(team=team, author=student4, body="geheim")
    for method, url, data in _endpoints(team, message):
        response = getattr(client_for(None), method)(url, data or {}, format="json")
        assert response.status_code in {401, 403}, (method, url)


@pytest.mark.parametrize("person", ["student5", "mbo_docent", "werkbegeleider", "org_contact"])
def test_readers_get_the_history_oldest_first(request, team, student4, client_for, person):
    _messages(team, student4, 3)
    response = client_for(request.getfixturevalue(person)).get(
        reverse("api-chat-messages", kwargs={"team_id": team.pk})
    )
    assert response.status_code == 200
    assert [m["body"] for m in response.data["results"]] == ["bericht 0", "bericht 1", "bericht 2"]
    assert response.data["count"] == 3
    first = response.data["results"][0]
    assert first["author"] == {"id": student4.pk, "display_name": "Sanne de Vries"}
    assert set(first) >= {"type", "id", "team", "author", "body", "created_at", "client_id"}


def test_after_and_before_page_through_the_history(team, student4, client_for):
    ids = [m.pk for m in _messages(team, student4, 12)]
    client = client_for(student4)
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk})
    page = client.get(url, {"after": ids[3], "limit": 5}).data
    assert [m["id"] for m in page["results"]] == ids[4:9]
    assert f"after={ids[8]}" in page["next"]
    assert f"before={ids[4]}" in page["previous"]
    older = client.get(url, {"before": ids[4], "limit": 3}).data
    assert [m["id"] for m in older["results"]] == ids[1:4]
    assert f"before={ids[1]}" in older["previous"]
    oldest = client.get(url, {"before": ids[1], "limit": 3}).data
    assert [m["id"] for m in oldest["results"]] == ids[:1]
    assert oldest["previous"] is None
    last = client.get(url, {"after": ids[-1]}).data
    assert last["results"] == []
    assert last["next"] is None


@pytest.mark.parametrize(
    "params",
    [{"after": "x"}, {"after": -1}, {"limit": 0}, {"limit": 101}, {"before": 0}, {"after": 1, "before": 5}],
)
def test_bad_paging_parameters_are_a_400_with_a_reason(team, student4, client_for, params):
    response = client_for(student4).get(reverse("api-chat-messages", kwargs={"team_id": team.pk}), params)
    assert response.status_code == 400
    assert any(key in response.data for key in ("after", "before", "limit"))


def test_the_history_takes_the_same_number_of_queries_for_5_or_80_messages(team, student4, student5, client_for):
    from teams.models import Attachment

    client = client_for(student5)
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk}) + "?limit=100"
    _messages(team, student4, 5)
    client.get(url)
    few = queries_of_get(client, url)
    assert few == 4
    more = _messages(team, student5, 75, start=5)
    for message in more[:10]:
        Attachment.objects.create(
            message=message,
            kind="pdf",
            content_type="application/pdf",
            file="chat/x.pdf",
            original_name="x.pdf",
            size=1,
        )
    assert queries_of_get(client, url) == few
    assert len(client.get(url).data["results"]) == 80


def test_posting_twice_with_one_client_id_stores_one_message(team, student4, client_for):
    client = client_for(student4)
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk})
    client_id = new_client_id()
    first = client.post(url, {"body": "Ik neem de flyers mee.", "client_id": client_id}, format="json")
    assert first.status_code == 201
    second = client.post(url, {"body": "Ik neem de flyers mee.", "client_id": client_id}, format="json")
    assert second.status_code == 200
    assert second.data["id"] == first.data["id"]
    assert Message.objects.filter(team=team).count() == 1


@pytest.mark.parametrize(("body", "fragment"), [("", "leeg"), ("   ", "leeg"), ("x" * 4001, "4000")])
def test_empty_or_too_long_messages_are_a_400_in_dutch_and_nothing_is_stored(
    team, student4, client_for, body, fragment
):
    response = client_for(student4).post(
        reverse("api-chat-messages", kwargs={"team_id": team.pk}), {"body": body, "client_id": "a"}, format="json"
    )
    assert response.status_code == 400
    assert fragment in response.data["body"][0]
    assert not Message.objects.exists()


def test_the_21st_message_in_10_seconds_is_a_429(team, student4, client_for):
    client = client_for(student4)
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk})
    for i in range(20):
        assert client.post(url, {"body": f"b{i}", "client_id": f"c{i}"}, format="json").status_code == 201
    response = client.post(url, {"body": "te veel", "client_id": "c20"}, format="json")
    assert response.status_code == 429
    assert response.data["code"] == "rate_limited"
    assert Message.objects.count() == 20
    # A resend of something already stored is still answered.
    assert client.post(url, {"body": "b0", "client_id": "c0"}, format="json").status_code == 200


def test_the_author_edits_and_deletes_and_others_cannot(team, student4, student5, client_for):
    message = Message.objects.create(team=team, author=student4, body="eerst")
    url = reverse("api-chat-message", kwargs={"team_id": team.pk, "message_id": message.pk})
    assert client_for(student5).patch(url, {"body": "van mij"}, format="json").status_code == 403
    assert client_for(student5).delete(url).status_code == 403
    response = client_for(student4).patch(url, {"body": "daarna"}, format="json")
    assert response.status_code == 200
    assert response.data["body"] == "daarna"
    assert response.data["edited_at"]
    assert list(MessageRevision.objects.values_list("body", flat=True)) == ["eerst"]
    response = client_for(student4).delete(url)
    assert response.status_code == 200
    assert response.data["deleted"] is True
    assert client_for(student4).patch(url, {"body": "weer"}, format="json").status_code == 409


def test_editing_after_15_minutes_is_refused_with_a_code(team, student4, client_for):
    message = Message.objects.create(team=team, author=student4, body="oud")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    url = reverse("api-chat-message", kwargs={"team_id": team.pk, "message_id": message.pk})
    response = client_for(student4).patch(url, {"body": "nieuw"}, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "edit_window_passed"


def test_the_edit_history_is_for_the_author_and_the_supervisors(team, student4, student5, mbo_docent, client_for):
    message = Message.objects.create(team=team, author=student4, body="nieuw")
    MessageRevision.objects.create(message=message, body="oud")
    url = reverse("api-chat-revisions", kwargs={"team_id": team.pk, "message_id": message.pk})
    assert [r["body"] for r in client_for(student4).get(url).data] == ["oud"]
    assert [r["body"] for r in client_for(mbo_docent).get(url).data] == ["oud"]
    assert client_for(student5).get(url).status_code == 404


def test_a_supervisor_hides_with_a_reason_an_organisation_contact_cannot(
    team, student4, werkbegeleider, org_contact, client_for
):
    message = Message.objects.create(team=team, author=student4, body="telefoonnummer van mevrouw J.")
    url = reverse("api-chat-hide", kwargs={"team_id": team.pk, "message_id": message.pk})
    assert client_for(org_contact).post(url, {"reason": "privacy"}, format="json").status_code == 403
    assert client_for(student4).post(url, {"reason": "privacy"}, format="json").status_code == 403
    assert client_for(werkbegeleider).post(url, {"reason": ""}, format="json").status_code == 400
    response = client_for(werkbegeleider).post(url, {"reason": "Privacy van een bewoner"}, format="json")
    assert response.status_code == 200
    assert response.data["hidden"]["by"] == "Ingrid Kramer"
    assert response.data["body"] == ""
    message.refresh_from_db()
    assert (message.hidden_by, message.hidden_reason) == (werkbegeleider, "Privacy van een bewoner")


def test_the_read_marker_only_moves_forward(team, student4, student5, client_for):
    ids = [m.pk for m in _messages(team, student4, 3)]
    client = client_for(student5)
    url = reverse("api-chat-read", kwargs={"team_id": team.pk})
    assert client.post(url, {"last_id": ids[1]}, format="json").data == {"last_read_id": ids[1]}
    assert client.post(url, {"last_id": ids[0]}, format="json").data == {"last_read_id": ids[1]}
    assert client.post(url, {"last_id": ids[2] + 99}, format="json").data == {"last_read_id": ids[2]}
    assert client.post(url, {"last_id": "veel"}, format="json").status_code == 400
    assert ReadMarker.objects.get(user=student5, team=team).last_read_id == ids[2]


def test_my_chats_list_unread_counts(team, student4, student5, client_for):
    _messages(team, student4, 4)
    Message.objects.create(team=team, author=student5, body="van mezelf", client_id="eigen")
    response = client_for(student5).get(reverse("api-chat-overview"))
    assert response.status_code == 200
    assert response.data["count"] == 1
    item = response.data["results"][0]
    assert item["team"] == {"id": team.pk, "name": "Team Zonnebloem"}
    assert item["unread"] == 4
    assert item["websocket"] == f"/ws/teams/{team.pk}/chat/"


def test_a_coordinator_has_no_chats(team, coordinator, client_for):
    assert client_for(coordinator).get(reverse("api-chat-overview")).data["count"] == 0


def test_the_schema_describes_the_chat_endpoints(client_for, student4):
    response = client_for(student4).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/teams/{team_id}/messages/" in paths
    assert "/api/teams/{team_id}/attachments/{attachment_id}/" in paths


@pytest.mark.django_db(transaction=True)
async def test_a_message_from_rest_is_the_same_as_its_websocket_frame(team, student4, hbo_docent):
    """The API's MessageSerializer and the socket's message_data: same keys, same values."""
    from channels.db import database_sync_to_async
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from tests.teams.chat.support import open_socket, receive
    from tests.teams.chat.test_attachments import _png

    def rest_side() -> tuple[list[dict], dict]:
        author, supervisor = APIClient(), APIClient()
        author.force_authenticate(student4)
        supervisor.force_authenticate(hbo_docent)
        messages = reverse("api-chat-messages", kwargs={"team_id": team.pk})
        author.post(messages, {"body": "Hallo @Youssef", "client_id": "plain"}, format="json")
        with_file = author.post(
            reverse("api-chat-attachments", kwargs={"team_id": team.pk}),
            {"file": SimpleUploadedFile("foto.png", _png()), "client_id": "file", "body": "kijk"},
            format="multipart",
        ).json()
        edited = author.post(messages, {"body": "eerst", "client_id": "edit"}, format="json").json()
        url = reverse("api-chat-message", kwargs={"team_id": team.pk, "message_id": edited["id"]})
        author.patch(url, {"body": "daarna"}, format="json")
        hidden = author.post(messages, {"body": "weg ermee", "client_id": "hide"}, format="json").json()
        hide = reverse("api-chat-hide", kwargs={"team_id": team.pk, "message_id": hidden["id"]})
        updated = supervisor.post(hide, {"reason": "privacy"}, format="json").json()
        assert with_file["attachments"][0]["thumbnail_url"]
        return author.get(messages).json()["results"], updated

    listed, updated = await database_sync_to_async(rest_side)()
    assert len(listed) == 4
    socket, connected, _ = await open_socket(student4, team.pk)
    assert connected
    await socket.send_json_to({"type": "sync", "after": 0})
    frames = [await receive(socket, "message") for _ in listed]
    await receive(socket, "synced")
    assert frames == listed
    assert updated == {**frames[-1], "type": "message_updated"}
    await socket.disconnect()
