from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from frontend.htmx import wants_partial
from wijklab.errors import RuleViolation

# Paths that answer for themselves: the API returns 401/403 instead of a
# redirect, the admin has its own login, health checks and static files are public.
_EXEMPT_PREFIXES = ("/api/", "/healthz", "/livez", "/static/", "/i18n/", "/admin/login/")


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


class RuleViolationMessageMiddleware:
    """A page whose service refused with a rule (an archived cohort, say) goes back with the reason
    as a message, instead of a 500. The API answers 409 itself (wijklab.api_support)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, RuleViolation) or request.path.startswith("/api/"):
            return None
        messages.error(request, exception.message)
        if wants_partial(request):
            # A fragment request: reload the page, which then shows the message.
            return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        back = request.META.get("HTTP_REFERER", "")
        if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("home")
        return redirect(back)
