"""Which page may open a websocket: the Origin check of Django's CSRF protection, for the handshake.

A websocket handshake carries the session cookie of whatever page opened it,
so the Origin decides whether that page is ours, exactly as ``CsrfViewMiddleware``
decides it for a form: scheme, host and port must equal the handshake's own
(``request.get_host()``, checked against ``ALLOWED_HOSTS``; ``is_secure()``,
honouring ``SECURE_PROXY_SSL_HEADER``), or be one of ``CSRF_TRUSTED_ORIGINS``
(``https://*.example.nl`` for subdomains). A missing Origin is refused: every
browser sends one on a websocket.

channels' ``AllowedHostsOriginValidator`` compared the host alone, so
``http://127.0.0.1:9999`` (another program on the same machine) or
``https://127.0.0.1`` passed for a server on ``http://127.0.0.1:8000``.

A refused handshake is accepted and then closed with the given code: a browser
sees no close code at all when a handshake is answered with HTTP 403.
"""

import io
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils.http import is_same_domain

_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def _handshake_request(scope: dict) -> ASGIRequest:
    """The handshake as a Django request, so host and scheme are read as for any page."""
    http_scope = {
        **scope,
        "type": "http",
        "method": "GET",
        "scheme": _HTTP_SCHEME.get(scope.get("scheme", "ws"), "http"),
        "root_path": scope.get("root_path", ""),
        "query_string": scope.get("query_string", b""),
    }
    return ASGIRequest(http_scope, io.BytesIO())


def _trusted(origin: str) -> bool:
    """``CSRF_TRUSTED_ORIGINS``, read as ``CsrfViewMiddleware`` reads it."""
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {entry for entry in trusted if "*" not in entry}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for entry in trusted:
        if "*" not in entry:
            continue
        allowed = urlsplit(entry)
        if allowed.scheme == parsed.scheme and is_same_domain(parsed.netloc, allowed.netloc.lstrip("*")):
            return True
    return False


def origin_allowed(scope: dict) -> bool:
    """Whether the handshake's Origin is this site itself or a trusted origin."""
    origin = None
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            origin = value.decode("latin1")
    if not origin or origin == "null":
        return False
    try:
        request = _handshake_request(scope)
        good_host = request.get_host()
    except (DisallowedHost, KeyError, ValueError, UnicodeError):
        good_host = None
    if good_host is not None:
        good_origin = f"{'https' if request.is_secure() else 'http'}://{good_host}"
        if origin == good_origin:
            return True
    return _trusted(origin)


class OriginValidator:
    """ASGI middleware for websockets: a foreign Origin is accepted and closed with ``close_code`` at once."""

    def __init__(self, application: Callable[..., Awaitable[None]], *, close_code: int) -> None:
        self.application = application
        self.close_code = close_code

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Any) -> None:
        if scope["type"] != "websocket" or origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await refuse(receive, send, self.close_code)


async def refuse(receive: Callable[[], Awaitable[dict]], send: Any, close_code: int) -> None:
    """Accept the handshake and close it with ``close_code``, sending nothing else."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": close_code})
