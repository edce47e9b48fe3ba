"""A chat socket lives only as long as its person may read the chat (docs/chat-protocol.md "Closing").

One test per kind of loss (membership ended, supervision ended, password changed,
account deactivated, signed out, session expired), each closing within 5 seconds;
access checked again at every action; the SQL check held equal to the rule.
"""

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from teams.chat.selectors import may_read_chat, still_reads_chat
from teams.models import Membership, Message, ReadMarker, SupervisionAssignment
from teams.services import membership_leave
from tests.factories import TeamFactory
from tests.teams.chat.support import (  # noqa: F401
    _fresh_chat_cache,
    login_cookie,
    new_client_id,
    open_socket,
    receive,
)
from wijklab.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

EVERYONE = [
    "student4",
    "student5",
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


async def closed_with_4403_within(socket, seconds: float = 5) -> float:
    """Wait for the server's close; it must be 4403 and come within ``seconds``. Returns the time taken."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        output = await socket.receive_output(timeout=seconds + 1)
        if output["type"] == "websocket.close":
            break
    took = loop.time() - started
    assert output["code"] == 4403
    assert took < seconds
    return took


async def still_open(socket) -> None:
    await socket.send_json_to({"type": "ping"})
    assert (await receive(socket, "pong"))["type"] == "pong"


# --- the check in SQL is the rule -------------------------------------------------------


@pytest.mark.parametrize("person", EVERYONE)
def test_the_sql_check_says_what_the_rule_says(request, team, person):
    user = request.getfixturevalue(person)
    assert still_reads_chat(user=user, team_id=team.pk) == may_read_chat(user=user, team=team)


def test_the_sql_check_fails_once_the_account_is_deactivated_or_its_role_changed(team, student4, org_contact):
    assert still_reads_chat(user=student4, team_id=team.pk)
    type(student4).objects.filter(pk=student4.pk).update(is_active=False)
    assert not still_reads_chat(user=student4, team_id=team.pk)
    assert still_reads_chat(user=org_contact, team_id=team.pk)
    type(org_contact).objects.filter(pk=org_contact.pk).update(role=Role.COORDINATOR)
    assert not still_reads_chat(user=org_contact, team_id=team.pk)


# --- one test per kind of loss ------------------------------------------------------------


async def test_membership_ended_by_leaving_closes_the_sockets_within_5_seconds(student4, student5, team):
    sanne, _, _ = await open_socket(student4, team.pk)
    youssef, _, _ = await open_socket(student5, team.pk)
    await database_sync_to_async(membership_leave)(student=student4, team=team)
    await closed_with_4403_within(sanne)
    await still_open(youssef)
    await youssef.disconnect()


async def test_membership_ended_in_the_admin_closes_the_sockets_within_5_seconds(student4, team):
    sanne, _, _ = await open_socket(student4, team.pk)

    def end_in_admin() -> None:
        membership = Membership.objects.get(team=team, student=student4)
        membership.left_at = timezone.now()
        membership.save()

    await database_sync_to_async(end_in_admin)()
    await closed_with_4403_within(sanne)


async def test_supervision_ended_closes_that_supervisors_sockets_within_5_seconds(mbo_docent, hbo_docent, team):
    marieke, _, _ = await open_socket(mbo_docent, team.pk)
    pieter, _, _ = await open_socket(hbo_docent, team.pk)
    await database_sync_to_async(lambda: SupervisionAssignment.objects.get(supervisor=mbo_docent, team=team).delete())()
    await closed_with_4403_within(marieke)
    await still_open(pieter)
    await pieter.disconnect()


async def test_a_password_change_closes_the_other_sessions_and_keeps_the_current_one(
    student4, student5, team, settings
):
    settings.ROOT_URLCONF = "tests.teams.chat.password_urls"
    phone, _, _ = await open_socket(student4, team.pk)  # the session that changes the password
    laptop, _, _ = await open_socket(student4, team.pk)  # another session of hers
    youssef, _, _ = await open_socket(student5, team.pk)

    def change_password_on_the_phone() -> str:
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = phone.session
        response = client.post("/wachtwoord-wijzigen/", {"new_password": "een-heel-nieuw-wachtwoord"})
        assert response.status_code == 200
        return client.cookies[django_settings.SESSION_COOKIE_NAME].value

    new_key = await database_sync_to_async(change_password_on_the_phone)()
    assert new_key != phone.session  # the current session moved to a new key
    await closed_with_4403_within(laptop)
    await still_open(phone)
    await phone.send_json_to(
        {"type": "message", "body": "Nieuw wachtwoord, zelfde chat.", "client_id": new_client_id()}
    )
    assert (await receive(phone, "message"))["body"] == "Nieuw wachtwoord, zelfde chat."
    await still_open(youssef)

    # The phone's socket now belongs to the new key: signing out there closes it.
    def sign_out() -> None:
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = new_key
        assert client.post("/uitloggen/").status_code == 302

    await database_sync_to_async(sign_out)()
    await closed_with_4403_within(phone)
    await youssef.disconnect()


async def test_a_password_set_outside_a_request_closes_every_session_within_5_seconds(student4, team):
    phone, _, _ = await open_socket(student4, team.pk)
    laptop, _, _ = await open_socket(student4, team.pk)

    def reset_password() -> None:  # as the admin, a reset link or `manage.py changepassword` do
        student4.set_password("een-heel-nieuw-wachtwoord")
        student4.save()

    await database_sync_to_async(reset_password)()
    await closed_with_4403_within(phone)
    await closed_with_4403_within(laptop)


async def test_deactivating_the_account_closes_its_sockets_within_5_seconds(student4, student5, team):
    sanne, _, _ = await open_socket(student4, team.pk)
    youssef, _, _ = await open_socket(student5, team.pk)

    def deactivate() -> None:
        student4.is_active = False
        student4.save(update_fields=["is_active"])

    await database_sync_to_async(deactivate)()
    await closed_with_4403_within(sanne)
    await still_open(youssef)
    await youssef.disconnect()


async def test_signing_out_closes_that_sessions_sockets_within_5_seconds(student4, team):
    phone, _, _ = await open_socket(student4, team.pk)
    laptop, _, _ = await open_socket(student4, team.pk)

    def sign_out() -> None:
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = phone.session
        assert client.post("/uitloggen/").status_code == 302

    await database_sync_to_async(sign_out)()
    await closed_with_4403_within(phone)
    await still_open(laptop)
    await laptop.disconnect()


def _session_expiring_in(user, seconds: float) -> str:
    key = login_cookie(user)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(seconds=seconds))
    return key


async def test_a_socket_closes_within_5_seconds_of_its_session_expiring(student4, team):
    key = await database_sync_to_async(_session_expiring_in)(student4, 1.5)
    socket, connected, _ = await open_socket(student4, team.pk, session=key)
    assert connected
    await receive(socket, "presence")
    started = asyncio.get_running_loop().time()
    await closed_with_4403_within(socket, seconds=5)
    # Not before the session ran out.
    assert asyncio.get_running_loop().time() - started >= 1.0


async def test_a_session_extended_before_it_expires_keeps_its_socket(student4, team):
    key = await database_sync_to_async(_session_expiring_in)(student4, 1)
    socket, _, _ = await open_socket(student4, team.pk, session=key)

    def extend() -> None:  # the person used a page meanwhile: the idle timeout starts again
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(hours=1))

    await database_sync_to_async(extend)()
    await asyncio.sleep(2)
    await still_open(socket)
    await socket.disconnect()


@pytest.fixture
def renew_at_once(monkeypatch):
    # Renewed at most once a minute in production; here at every action, to see it happen.
    monkeypatch.setattr("teams.chat.consumers.RENEW_AFTER", 0)
    monkeypatch.setattr("wijklab.account_services.RENEW_AFTER", 0)


async def test_chatting_keeps_the_session_alive_as_a_page_would(student4, team, renew_at_once):
    key = await database_sync_to_async(_session_expiring_in)(student4, 2)
    socket, _, _ = await open_socket(student4, team.pk, session=key)
    await receive(socket, "presence")
    await socket.send_json_to({"type": "message", "body": "ik typ nog", "client_id": new_client_id()})
    await receive(socket, "message")
    await asyncio.sleep(3)  # past the old expiry
    await still_open(socket)
    expires = await database_sync_to_async(lambda: Session.objects.get(session_key=key).expire_date)()
    assert expires > timezone.now() + dt.timedelta(seconds=django_settings.SESSION_IDLE_TIMEOUT - 60)
    await socket.disconnect()


async def test_the_browsers_own_pings_keep_no_session_alive(student4, team, renew_at_once):
    key = await database_sync_to_async(_session_expiring_in)(student4, 1.5)
    socket, _, _ = await open_socket(student4, team.pk, session=key)
    await receive(socket, "presence")
    await socket.send_json_to({"type": "ping"})
    await receive(socket, "pong")
    await closed_with_4403_within(socket, seconds=5)


async def test_a_signed_out_session_is_not_written_back_by_its_socket(student4, team, renew_at_once):
    key = await database_sync_to_async(login_cookie)(student4)
    socket, _, _ = await open_socket(student4, team.pk, session=key)
    await receive(socket, "presence")
    # Gone without a signal (the socket learns at its next check): the message still goes through,
    # and renewing the session after it finds nothing to renew.
    await database_sync_to_async(Session.objects.filter(session_key=key).delete)()
    await socket.send_json_to({"type": "message", "body": "nog één", "client_id": new_client_id()})
    await receive(socket, "message")
    await still_open(socket)
    assert not await database_sync_to_async(Session.objects.filter(session_key=key).exists)()
    await socket.disconnect()


async def test_a_change_no_signal_announces_closes_at_the_periodic_check(student4, team, monkeypatch):
    monkeypatch.setattr("teams.chat.consumers.ACCESS_RECHECK_SECONDS", 0.5)
    sanne, _, _ = await open_socket(student4, team.pk)
    await database_sync_to_async(type(student4).objects.filter(pk=student4.pk).update)(is_active=False)
    await closed_with_4403_within(sanne, seconds=2)


# --- every action checks again --------------------------------------------------------------


ACTIONS = {
    "message": lambda message_id: {"type": "message", "body": "nog even", "client_id": new_client_id()},
    "edit": lambda message_id: {"type": "edit", "id": message_id, "body": "anders"},
    "delete": lambda message_id: {"type": "delete", "id": message_id},
    "read": lambda message_id: {"type": "read", "last_id": message_id},
    "sync": lambda message_id: {"type": "sync", "after": 0},
    "typing": lambda message_id: {"type": "typing"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_every_action_checks_access_again_and_a_former_member_is_closed(student4, team, action):
    sanne, _, _ = await open_socket(student4, team.pk)
    await sanne.send_json_to({"type": "message", "body": "van toen", "client_id": new_client_id()})
    message = await receive(sanne, "message")

    # Ended without any signal (a bulk update): only the action's own check can notice.
    await database_sync_to_async(Membership.objects.filter(student=student4).update)(left_at=timezone.now())
    await sanne.send_json_to(ACTIONS[action](message["id"]))
    while True:
        output = await sanne.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
        assert '"type":"message"' not in output.get("text", "").replace(" ", "")  # nothing of the chat
    assert output["code"] == 4403
    stored = await database_sync_to_async(Message.objects.get)(pk=message["id"])
    assert (stored.body, stored.deleted_at) == ("van toen", None)
    assert await database_sync_to_async(Message.objects.count)() == 1
    assert not await database_sync_to_async(ReadMarker.objects.filter(user=student4).exists)()


async def test_a_supervisor_who_no_longer_supervises_cannot_hide(student4, hbo_docent, team):
    sanne, _, _ = await open_socket(student4, team.pk)
    docent, _, _ = await open_socket(hbo_docent, team.pk)
    await sanne.send_json_to({"type": "message", "body": "adres van een bewoner", "client_id": new_client_id()})
    message = await receive(docent, "message")
    other_team = await database_sync_to_async(TeamFactory)(assignment=team.assignment, name="Ander team")
    # Moved without any signal (a bulk update): only the action's own check can notice.
    await database_sync_to_async(SupervisionAssignment.objects.filter(supervisor=hbo_docent).update)(team=other_team)
    await docent.send_json_to({"type": "hide", "id": message["id"], "reason": "privacy"})
    await closed_with_4403_within(docent, seconds=3)
    stored = await database_sync_to_async(Message.objects.get)(pk=message["id"])
    assert stored.hidden_at is None
    await sanne.disconnect()
