"""The change-password page closes the chat sockets of the person's other sessions within 5 seconds
and keeps this session's (docs/chat-protocol.md "Closing"; tests/teams/chat/test_access.py)."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.teams.chat.support import _fresh_chat_cache, open_socket  # noqa: F401
from tests.teams.chat.test_access import closed_with_4403_within, still_open

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "een-heel-nieuw-wachtwoord-2026"


async def test_the_change_password_page_closes_the_sockets_of_the_other_sessions(student4, student5, team):
    phone, _, _ = await open_socket(student4, team.pk)  # the session that changes the password
    laptop, _, _ = await open_socket(student4, team.pk)  # another session of hers
    youssef, _, _ = await open_socket(student5, team.pk)

    def change_password_on_the_phone() -> str:
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = phone.session
        response = client.post(
            reverse("password-change"),
            {
                "old_password": django_settings.DEMO_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
        return client.cookies[django_settings.SESSION_COOKIE_NAME].value

    new_key = await database_sync_to_async(change_password_on_the_phone)()
    assert new_key != phone.session
    await closed_with_4403_within(laptop, 5)
    # The laptop's session is gone from the store, not only outdated.
    assert not await database_sync_to_async(Session.objects.filter(session_key=laptop.session).exists)()
    await still_open(phone)
    await still_open(youssef)
    await phone.disconnect()
    await youssef.disconnect()
