import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
# Initialise Django (apps, models) before importing consumers.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from teams.chat.db import LazyAuthMiddleware  # noqa: E402
from teams.chat.routing import websocket_urlpatterns  # noqa: E402
from wijklab.gc_tuning import tune_for_server  # noqa: E402


def AuthMiddlewareStack(inner):
    """channels' AuthMiddlewareStack, with a user that loads in the consumer's own database call."""
    return CookieMiddleware(SessionMiddleware(LazyAuthMiddleware(inner)))


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Last: everything the process keeps for its whole life exists by now.
tune_for_server(settings.GC_GEN0_THRESHOLD)
