from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase

# Paths that answer for themselves: the API returns 401/403 instead of a
# redirect, the admin has its own login, health checks and static files are public.
_EXEMPT_PREFIXES = ("/api/", "/healthz", "/static/", "/i18n/", "/admin/login/")


class LoginRequiredPagesMiddleware(LoginRequiredMiddleware):
    """Every page requires login unless its view opts out with ``@login_not_required``."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith(_EXEMPT_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
