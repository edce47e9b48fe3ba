import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
# Initialise Django (apps, models) before importing consumers.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from teams.chat.consumers import CLOSE_FORBIDDEN  # noqa: E402
from teams.chat.db import LazyAuthMiddleware  # noqa: E402
from teams.chat.routing import websocket_urlpatterns  # noqa: E402
from wijklab.gc_tuning import tune_for_server  # noqa: E402
from wijklab.websocket_origin import OriginValidator, refuse  # noqa: E402


def AuthMiddlewareStack(inner):
    """channels' AuthMiddlewareStack, with a user that loads in the consumer's own database call."""
    return CookieMiddleware(SessionMiddleware(LazyAuthMiddleware(inner)))


async def no_such_socket(scope, receive, send):
    """Any other websocket path: refused like a chat one may not read (accepted, closed with 4403), not an error."""
    await refuse(receive, send, CLOSE_FORBIDDEN)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin as Django's CSRF protection checks it (scheme, host and port); refused with 4403.
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, re_path(r"", no_such_socket)])),
            close_code=CLOSE_FORBIDDEN,
        ),
    }
)

# Last: everything the process keeps for its whole life exists by now.
tune_for_server(settings.GC_GEN0_THRESHOLD)
