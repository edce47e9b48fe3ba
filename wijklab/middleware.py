"""Middleware for pages and the API alike: the signed-in person's own language, session timeouts,
and no caching of what a signed-in person gets."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import DisallowedHost
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, ResolverMatch, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wijklab.account_services import session_keep_alive, session_started, session_timed_out
from wijklab.audit_services import audit_record, request_address
from wijklab.client_address import client_address
from wijklab.models import AuditKind


class HealthChecksAnyHostMiddleware:
    """First in the stack: ``/healthz`` and ``/livez`` answer whatever host a request names.

    A load balancer or orchestrator asks them at the process's own address (``10.0.0.5:8000``),
    which is no name in ``ALLOWED_HOSTS``: Django's host check would answer 400 and take a healthy
    process out of service. Only for such a host are they answered here, without the rest of the
    stack; with the site's own name they go through it like any page (its headers included).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info in ("/healthz", "/livez"):
            try:
                request.get_host()
            except DisallowedHost:
                from wijklab.views import healthz, livez  # the views import the database layer

                return (healthz if request.path_info == "/healthz" else livez)(request)
        return self.get_response(request)


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """After ``LocaleMiddleware`` and authentication: a user's chosen language (``User.language``) wins
    over the browser's; empty keeps what ``LocaleMiddleware`` chose.

    Someone who chose a language on their profile and then uses the switch in
    the page header (Django's ``set_language``) changes that choice: otherwise
    the switch would seem not to work. Without a profile choice the switch only
    sets the browser's cookie, as before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and user.language in _language_codes():
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        if signed_in and request.method == "POST" and 300 <= response.status_code < 400:
            match = getattr(request, "resolver_match", None)
            chosen = request.POST.get("language", "")
            if (
                match
                and match.url_name == "set_language"
                and user.language
                and chosen in _language_codes()
                and chosen != user.language
            ):
                get_user_model().objects.filter(pk=user.pk).update(language=chosen)
        return response


@receiver(user_logged_in, dispatch_uid="wijklab-session-started")
def _session_started(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Every sign-in starts the absolute limit afresh (signing in again keeps the session's data)."""
    if request is not None and hasattr(request, "session"):
        session_started(request.session, now=int(time.time()))


class SessionTimeoutMiddleware:
    """Signs a person out after ``SESSION_IDLE_TIMEOUT`` seconds without a request (sliding: each
    request renews the session) and ``SESSION_ABSOLUTE_TIMEOUT`` seconds after signing in.

    The stored session expires after the idle time too (``SESSION_COOKIE_AGE``), so a session left
    alone is gone from the database as well; this middleware extends it while the person is active
    and enforces the absolute limit, which no expiry date can. The cookie itself lasts as long as
    the browser (``account_services``), so a session the chat socket kept alive still signs in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if session_timed_out(session, now=now):
                # logout() flushes the session and sends user_logged_out (the chat closes the sockets).
                logout(request)
                messages.info(request, _("Je bent uitgelogd omdat je sessie verlopen is. Log opnieuw in."))
            else:
                # Once a minute modified: saved with a new expiry date, and the cookie is sent again.
                session_keep_alive(session, now=now)
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in person (pages, exports, API,
    attachments): no shared or browser cache keeps a copy of someone's data.

    Static files never get here (whitenoise answers them before, with their long cache); the
    person is known after the response (DRF sets a token's user on the request too).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Drop any max-age a view set: with no-store it would only mislead.
            cache_control = response.get("Cache-Control", "")
            if "max-age" in cache_control or "public" in cache_control:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
        return response


# Paths whose 403/404 is not a refusal of a person's access: files and the probes of the platform.
_NOT_PROTECTED = ("/static/", "/healthz", "/livez", "/i18n/")


class AuditMiddleware:
    """Gives services the client's address for their audit entries, and records refused accesses.

    A refused access is a 403 or 404 a resolved route answered a signed-in person: the pages'
    ``frontend.access`` helpers and the API's ``require`` / access selectors all end as one of those,
    so this one place sees them all (a path no route knows is a typo, not a refusal). One INSERT per
    refusal, nothing on any other response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        address = client_address(request)
        with request_address(address):
            response = self.get_response(request)
            if response.status_code in (403, 404):
                self._record_refusal(request, response, address)
        return response

    def _record_refusal(self, request: HttpRequest, response: HttpResponseBase, address: str | None) -> None:
        # DRF puts a token-authenticated user on the Django request too, so the API is seen here as well.
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or not user.is_authenticated or match is None or request.path.startswith(_NOT_PROTECTED):
            return
        audit_record(
            kind=AuditKind.ACCESS_REFUSED,
            actor=user,
            object_type="route",
            object_id=match.url_name or "",
            description=gettext_lazy("Toegang geweigerd (%(status)s): %(method)s %(path)s"),
            params={"status": response.status_code, "method": request.method, "path": request.path[:200]},
            address=address,
        )


# Paths a person who still has to set up their second factor may use: files, health, language, sign-out.
_SECOND_FACTOR_OPEN = ("/static/", "/healthz", "/livez", "/i18n/")
# The route names of the set-up page and of signing out (the pages' own, by name: never imported).
_SECOND_FACTOR_ROUTES = ("second-factor", "logout")


class SecondFactorMiddleware:
    """With ``SECOND_FACTOR_REQUIRED`` (outside the local mode): a coordinator, staff member or
    superuser signed in with a password whose session has not passed a second factor gets the
    set-up page and nothing else — pages redirect there, the API answers 403, and so does the admin.

    Such a session exists only until the app is set up: the sign-in asks the code of everyone who
    has one (frontend.views.account), so the session of a person with an app is verified. One that
    is not (an app added on another session, by the admin) is signed out to sign in with the code.
    An institution sign-in (OIDC) is exempt: the institution asks its own second factor.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.SECOND_FACTOR_REQUIRED:
            refused = self._refused(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refused(self, request: HttpRequest) -> HttpResponseBase | None:
        from wijklab.account_selectors import confirmed_device, second_factor_outstanding

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not second_factor_outstanding(user, request.session):
            return None
        if request.path.startswith(_SECOND_FACTOR_OPEN):
            return None
        match = resolve_or_none(request.path_info)
        if match is not None and match.url_name in _SECOND_FACTOR_ROUTES:
            return None
        if confirmed_device(user) is not None:
            logout(request)
            messages.info(request, _("Log opnieuw in, met de code uit je authenticator-app."))
            return self._send_to(request, reverse("login"))
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Stel eerst tweestapsverificatie in via je profiel in Wijklab.")}, status=403
            )
        return self._send_to(request, reverse("second-factor"))

    @staticmethod
    def _send_to(request: HttpRequest, url: str) -> HttpResponseBase:
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)


def resolve_or_none(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
