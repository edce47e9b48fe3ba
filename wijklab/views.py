import functools
import logging
import sys

import redis
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wijklab.errors import database_unreachable

logger = logging.getLogger(__name__)

# Seconds /healthz waits for a pooled connection: a load balancer wants its 503 promptly,
# not after the DB_POOL_TIMEOUT a page may wait.
HEALTHZ_DATABASE_WAIT = 2
# What a 503 asks clients to wait before they try again (a restart takes seconds to a minute).
RETRY_AFTER_SECONDS = 30


def _database_ok() -> bool:
    try:
        pool = getattr(connection, "pool", None)
        if pool is not None and connection.connection is None:
            pool.open()
            with pool.connection(timeout=HEALTHZ_DATABASE_WAIT):
                pass
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return False
    return True


@functools.cache
def _redis_pool(url: str) -> "redis.ConnectionPool":
    # One pool per process and URL: a load balancer asks every few seconds, and a new connection per
    # check cost a TCP handshake each time. The timeouts keep a hung Redis from hanging the check.
    return redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _redis_ok() -> bool:
    try:
        return bool(redis.Redis(connection_pool=_redis_pool(settings.REDIS_URL)).ping())
    except Exception:
        logger.exception("healthz: redis check failed")
        return False


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: this process answers requests (no database, no Redis). A supervisor restarts a
    process that stops answering here; /healthz (readiness) says whether it can serve users."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ok()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: under /api/ a URL no route matches (``/api/teams/abc/``) answers JSON like
    every other API 404 (the schema documents it so); pages keep Django's own."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Niet gevonden."))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that cannot be reached is a 503 that says so, everything else Django's 500.

    Django calls this inside its ``except``, wherever the error was raised (a view, a middleware
    loading the session, a template), so ``sys.exc_info()`` is the error. Nothing here may touch
    the database: no context processors, no ``request.user``.
    """
    if not database_unreachable(sys.exc_info()[1]):
        return defaults.server_error(request)
    # The middleware this answer passes on its way out asks ``request.user.is_authenticated``
    # (no-store, the chat's session follow-up). A person that failed to load would be loaded
    # again, each time waiting the pool's full timeout for a connection: 10 s became 30 s.
    # Unknown from here on: the answer is the same for everyone, and no-store already.
    request.user = AnonymousUser()
    message = _("Wijklab is even niet bereikbaar. Probeer het over een minuut opnieuw.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    else:
        body = loader.get_template("503.html").render({"message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
