"""The client's address as the operator's proxies report it, and the answer to a locked-out sign-in.

Behind no proxy (``TRUSTED_PROXY_COUNT`` 0, the default) the address is REMOTE_ADDR and
``X-Forwarded-For`` is ignored: anyone can send that header, so a forged one changes nothing.
Behind N proxies that each append the address they received from to the header, the client is
the N-th entry from the right: everything left of it was written by the client and is not trusted.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext


def client_address(request: HttpRequest) -> str | None:
    """The one rule for the client's address: the sign-in lockout (django-axes) and the audit log use it.

    None when the address is not an IP address (a malformed header from a misconfigured proxy).
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # Fewer entries than proxies: the request did not come through all of them.
        if len(forwarded) >= count:
            return _valid_ip(forwarded[-count])
    return _valid_ip(remote)


def _valid_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """axes' answer to a locked-out sign-in: 429 with a Dutch page (JSON under /api/)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    message = gettext(
        "Te veel mislukte pogingen om in te loggen. Probeer het over %(minutes)s minuten opnieuw, "
        "of herstel je wachtwoord."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
