"""Personal API tokens on the API: ``Authorization: Bearer <token>`` (docs/api.md "Authentication").

``Authorization: Token <token>``, the scheme documented before personal tokens existed, is
accepted too, for the same tokens. Only pages (wijklab.frontend ``api-tokens``) make and revoke
tokens; the API has no endpoint for it, so a token cannot make more tokens or outlive itself.

This module is loaded when ``rest_framework.views`` is (DRF reads ``DEFAULT_AUTHENTICATION_CLASSES``
at import): it imports no view and reads the models only when a request comes.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

SCHEMES = (b"bearer", b"token")  # compared case-insensitively, as HTTP's scheme names are


class ApiTokenAuthentication(BaseAuthentication):
    """A personal API token; its owner is the request's user, with exactly the owner's permissions.

    Unknown, revoked and expired tokens, and tokens of a deactivated account, answer 401 with one
    message (which of these it was is not told). No ``Authorization`` header of these schemes:
    the next way (the browser session) is tried.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Stuur het token als 'Authorization: Bearer <token>'."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Dit token is onbekend, verlopen of ingetrokken.")) from None

        from wijklab import selectors, services

        row = selectors.api_token_for(token=token)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Dit token is onbekend, verlopen of ingetrokken."))
        services.api_token_touch(token=row)
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        # A challenge makes DRF answer 401 (not 403) to a request without valid credentials.
        return 'Bearer realm="api"'
