"""The signed-in person's own language, for pages and the API alike."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation


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
