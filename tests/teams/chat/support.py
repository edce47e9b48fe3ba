"""Helpers for the chat tests: real sessions, sockets through the real ASGI stack."""

import asyncio
import copy
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from wijklab.models import User

ORIGIN = b"http://127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_chat_cache(settings):
    """Rate limits and presence live in the cache; each test gets its own key space (same backend)."""
    caches = copy.deepcopy(django_settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"chat-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    # The named people get passwords; a fast hasher keeps these tests quick (logins here are sessions).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login_cookie(user: User) -> str:
    """A real session for ``user`` (the cookie value), as the browser would have after logging in."""
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


async def open_socket(
    user: User | None, team_id: int, *, origin: bytes | None = ORIGIN, session: str | None = None
) -> tuple[WebsocketCommunicator, bool, object]:
    from wijklab.asgi import application

    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin))
    if session is None and user is not None:
        session = await database_sync_to_async(login_cookie)(user)
    if session is not None:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={session}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/teams/{team_id}/chat/", headers=headers)
    connected, detail = await communicator.connect(timeout=5)
    communicator.session = session  # type: ignore[attr-defined]
    return communicator, connected, detail


async def receive(communicator: WebsocketCommunicator, *types: str, timeout: float = 3) -> dict:
    """The next event of one of ``types``, skipping presence and typing noise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"no {types} event within {timeout}s")
        event = await communicator.receive_json_from(timeout=left)
        if not types or event["type"] in types:
            return event


async def drain(communicator: WebsocketCommunicator, wait: float = 0.2) -> list[dict]:
    """Everything that arrives within ``wait`` seconds.

    (``receive_nothing`` rather than a timed-out receive: asgiref cancels the
    application when a receive times out.)
    """
    events = []
    while not await communicator.receive_nothing(timeout=wait):
        events.append(await communicator.receive_json_from())
    return events


def new_client_id() -> str:
    return str(uuid.uuid4())
