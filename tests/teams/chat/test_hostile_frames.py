"""Whatever a client sends on the chat socket is answered with an ``error`` event, never a close (1011).

Lone surrogates (JSON can carry "\\ud800", UTF-8 cannot), deep nesting, and a wrong
type for every field of every frame.
"""

import json

import pytest
from channels.db import database_sync_to_async

from teams.models import Message
from tests.teams.chat.support import (  # noqa: F401
    _fresh_chat_cache,
    new_client_id,
    open_socket,
    receive,
)

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = [None, True, 1.5, -1, 10**30, "12", "", [], [1], {}, {"a": 1}]


async def answered_with_an_error_and_still_open(socket, frame: str) -> dict:
    await socket.send_to(text_data=frame)
    output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.send", output  # not a close
    event = json.loads(output["text"])
    assert event["type"] == "error", event
    assert event["code"] != "server_error", event
    assert event["detail"]
    await socket.send_json_to({"type": "ping"})
    assert (await receive(socket, "pong"))["type"] == "pong"
    return event


@pytest.fixture
async def socket(student4, team):
    communicator, connected, _ = await open_socket(student4, team.pk)
    assert connected
    await receive(communicator, "presence")
    yield communicator
    await communicator.disconnect()


@pytest.fixture
async def message_id(socket):
    await socket.send_json_to({"type": "message", "body": "eerste", "client_id": new_client_id()})
    return (await receive(socket, "message"))["id"]


@pytest.mark.parametrize(
    "frame",
    [
        # A lone surrogate in every text field.
        r'{"type": "message", "body": "hoi \ud800", "client_id": "a1"}',
        r'{"type": "message", "body": "hoi", "client_id": "\ud800"}',
        r'{"type": "\ud800"}',
        # A type that is no string (unhashable ones too).
        '{"type": ["message"]}',
        '{"type": {"a": 1}}',
        '{"type": 1}',
        '{"type": null}',
        "{}",
        # Deep nesting, in a field and as the whole frame.
        '{"type": "message", "client_id": "a2", "body": ' + "[" * 5000 + "]" * 5000 + "}",
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        # Numbers JSON-in-Python accepts beyond JSON itself.
        '{"type": "sync", "after": Infinity}',
        '{"type": "sync", "after": NaN}',
        '{"type": "read", "last_id": -Infinity}',
        # Not JSON, not an object, not text.
        " ",
        "null",
        '"message"',
        "\ud800",
    ],
)
async def test_hostile_frames_get_an_error_and_the_socket_stays_open(socket, frame):
    await answered_with_an_error_and_still_open(socket, frame)
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_a_binary_frame_gets_an_error(socket):
    await socket.send_to(bytes_data=b"\x00\xff")
    assert (await receive(socket, "error"))["code"] == "bad_request"
    await socket.send_json_to({"type": "ping"})
    assert (await receive(socket, "pong"))["type"] == "pong"


@pytest.mark.parametrize("value", WRONG)
@pytest.mark.parametrize("field", ["body", "client_id"])
async def test_a_wrong_type_in_a_message_field_gets_an_error(socket, field, value):
    frame = {"type": "message", "body": "hoi", "client_id": new_client_id(), field: value}
    if value == "12":
        pytest.skip("a text body, and a client_id of digits, are right")
    await answered_with_an_error_and_still_open(socket, json.dumps(frame))


# Values that are right after all: a text body, an after beyond every id (nothing newer), a
# read marker beyond the last message (it stops there, silently), a text reason.
VALID = [("edit", "body", "12"), ("sync", "after", 10**30), ("read", "last_id", 10**30), ("hide", "reason", "12")]


@pytest.mark.parametrize("value", [v for v in WRONG if v is not None] + [float("inf")])
@pytest.mark.parametrize(
    ("kind", "field", "extra"),
    [
        ("edit", "id", {"body": "anders"}),
        ("edit", "body", {}),
        ("delete", "id", {}),
        ("hide", "id", {"reason": "privacy"}),
        ("hide", "reason", {}),
        ("sync", "after", {}),
        ("read", "last_id", {}),
    ],
)
async def test_a_wrong_type_in_any_other_field_gets_an_error(
    socket, message_id, hbo_docent, team, kind, field, extra, value
):
    if (kind, field, value) in VALID:
        pytest.skip("a valid value")
    sender = socket
    if kind == "hide":  # a supervisor, so the refusal is about the field, not the role
        sender, _, _ = await open_socket(hbo_docent, team.pk)
        await receive(sender, "presence")
    frame = {"type": kind, "id": message_id, **extra, field: value}
    await answered_with_an_error_and_still_open(sender, json.dumps(frame, allow_nan=True))
    stored = await database_sync_to_async(Message.objects.get)(pk=message_id)
    assert (stored.body, stored.deleted_at, stored.hidden_at) == ("eerste", None, None)
    if sender is not socket:
        await sender.disconnect()


async def test_an_after_beyond_every_id_syncs_nothing(socket, message_id):
    await socket.send_json_to({"type": "sync", "after": 10**30})
    assert (await receive(socket, "message", "synced"))["type"] == "synced"


async def test_a_lone_surrogate_in_an_edit_or_a_hide_reason_gets_an_error(socket, message_id, hbo_docent, team):
    await answered_with_an_error_and_still_open(
        socket, '{"type": "edit", "id": ' + str(message_id) + ', "body": "x\\ud800"}'
    )
    docent, _, _ = await open_socket(hbo_docent, team.pk)
    await receive(docent, "presence")
    await answered_with_an_error_and_still_open(
        docent, '{"type": "hide", "id": ' + str(message_id) + ', "reason": "x\\udfff"}'
    )
    await docent.disconnect()
    stored = await database_sync_to_async(Message.objects.get)(pk=message_id)
    assert (stored.body, stored.hidden_at) == ("eerste", None)
