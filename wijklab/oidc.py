"""Sign in with SURFconext or eduID: OpenID Connect through mozilla-django-oidc.

The library reads one set of ``OIDC_*`` settings; Wijklab has two providers
(``settings.OIDC_PROVIDERS``, read from ``OIDC_SURFCONEXT_*`` / ``OIDC_EDUID_*``).
So its three parts are subclassed here and each answers ``get_settings`` from
the provider of the flow at hand, falling back to the shared Django settings
(PKCE, nonce, callback route, timeout):

- ``InstitutionSignInStart`` (``oidc-start``) starts the authorization code
  flow with state, nonce and a PKCE challenge (the library stores them in the
  session under the state) and adds to that same session entry which provider
  it went to and the invitation the person came from (``?uitnodiging=<token>``
  or the token the invitation page remembered in the session);
- ``InstitutionSignInCallback`` (``oidc-callback``) reads that entry back
  before the library checks and consumes the state, and turns every way a
  sign-in can fail into a friendly Dutch page (``oidc-failed``) instead of a
  400 or 500;
- ``InstitutionBackend`` exchanges the code (with the PKCE verifier) at the
  provider's token endpoint, checks the ID token against the provider's JWKS
  (signature, nonce, issuer, audience, expiry) and hands the identity to
  ``institution_sign_in``.

Who gets in (``institution_sign_in``): an identity already linked
(``ExternalIdentity``, issuer + subject) signs in to its account, and only by
that link; otherwise the invitation the person came from, or else a pending
invitation for the e-mail address the provider says it verified, is accepted
and the identity linked to the account it makes. Anyone else gets the "no
invitation" page and no account. Inactive accounts are refused.
"""

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from wijklab.errors import RuleViolation
from wijklab.models import ExternalIdentity, User

logger = logging.getLogger(__name__)

# Where the invitation page may remember the link a person came in by, for a sign-in started elsewhere.
INVITATION_SESSION_KEY = "invitation_token"
# The request attribute the callback leaves for the backend: the flow's provider, invitation and outcome.
_FLOW_ATTRIBUTE = "wijklab_oidc_flow"


@dataclass(frozen=True)
class OidcIdentity:
    """A person as an institution's provider vouches for them (ID token + userinfo)."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""


# --- the providers -------------------------------------------------------------------


def provider_config(key: str) -> dict[str, str] | None:
    """The settings of a configured provider (``surfconext`` | ``eduid``), None when it is off."""
    return settings.OIDC_PROVIDERS.get(key)


def configured_providers() -> list[dict[str, str]]:
    """The providers that are on, in a fixed order, for the sign-in buttons."""
    return [settings.OIDC_PROVIDERS[key] for key in settings.OIDC_PROVIDER_LABELS if key in settings.OIDC_PROVIDERS]


def callback_url() -> str:
    """The redirect URI registered at the providers: built from SITE_URL, never from the Host header."""
    return settings.SITE_URL.rstrip("/") + reverse("oidc-callback")


class _ProviderSettings:
    """``get_settings`` answering from the flow's provider first, then from the Django settings."""

    provider: dict[str, str] = {}

    def get_settings(self, attr, *args):
        if attr in self.provider:
            return self.provider[attr]
        return import_from_settings(attr, *args)


# --- who gets in ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    # Why nobody was signed in: a code of FAILURES (empty when user is set).
    refusal: str = ""


@transaction.atomic
def institution_sign_in(*, identity: OidcIdentity, invitation_token: str | None = None) -> SignInResult:
    """The account an institution identity signs in to, accepting its invitation on first sign-in."""
    from wijklab.invitation_selectors import InvitationInvalid, invitation_from_token, pending_invitation_for_email
    from wijklab.invitation_services import invitation_accept

    now = timezone.now()
    link = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if link is not None:
        # A known identity signs in by its link only: not by e-mail, not by a new invitation.
        if not link.user.is_active:
            return SignInResult(None, "inactive")
        link.last_login_at = now
        link.email = identity.email or link.email
        link.save(update_fields=["last_login_at", "email"])
        return SignInResult(link.user)

    if invitation_token:
        try:
            invitation = invitation_from_token(invitation_token)
        except InvitationInvalid as exc:
            return SignInResult(None, invitation_refusal(exc))
    elif identity.email and identity.email_verified:
        invitation = pending_invitation_for_email(identity.email)
    else:
        invitation = None
    if invitation is None:
        return SignInResult(None, "no-invitation")

    try:
        user = invitation_accept(invitation=invitation, identity=identity)
    except InvitationInvalid as exc:  # accepted or revoked in the meantime
        return SignInResult(None, invitation_refusal(exc))
    except RuleViolation as exc:  # the address belongs to an account of another role, …
        logger.info("Institution sign-in could not accept invitation %s: %s", invitation.pk, exc.code)
        return SignInResult(None, "conflict")
    # invitation_accept has activated the account and linked the identity (last_login_at: now).
    return SignInResult(user)


def invitation_refusal(exc) -> str:
    """The refusal for a dead invitation link; revoked reads as unknown, as on the invitation pages."""
    return "invitation-unknown" if exc.code == "revoked" else f"invitation-{exc.code}"


# --- the backend ---------------------------------------------------------------------


class InstitutionBackend(_ProviderSettings, OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend for the provider of the flow the callback is finishing."""

    def __init__(self, *args, **kwargs):
        # The library reads its endpoints here; Django builds a backend for every request that
        # has a session, when no flow (and maybe no provider) is at hand. Read them per flow.
        self.UserModel = get_user_model()
        self.provider = {}

    def authenticate(self, request, **kwargs):
        flow = getattr(request, _FLOW_ATTRIBUTE, None) if request is not None else None
        # Only the callback passes nonce and code_verifier; a password log-in passes neither.
        if flow is None or "nonce" not in kwargs or "code_verifier" not in kwargs:
            return None
        config = provider_config(flow["provider"])
        if config is None:
            return None
        self.provider = config
        self.flow = flow
        self.OIDC_OP_TOKEN_ENDPOINT = config["OIDC_OP_TOKEN_ENDPOINT"]
        self.OIDC_OP_USER_ENDPOINT = config["OIDC_OP_USER_ENDPOINT"]
        self.OIDC_OP_JWKS_ENDPOINT = config["OIDC_OP_JWKS_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = config["OIDC_RP_CLIENT_ID"]
        self.OIDC_RP_CLIENT_SECRET = config["OIDC_RP_CLIENT_SECRET"]
        self.OIDC_RP_SIGN_ALGO = config["OIDC_RP_SIGN_ALGO"]
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.InvalidTokenError, KeyError, ValueError) as exc:
            # A refused code (replayed, expired), an unreachable provider, a token that does not
            # verify: nobody is signed in, the person gets the "failed" page.
            logger.warning("Sign-in with %s failed: %s", config["label"], exc)
            return None

    def get_token(self, payload):
        # The same redirect URI as in the authorization request (SITE_URL, not the Host header).
        payload["redirect_uri"] = callback_url()
        return super().get_token(payload)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The library checks signature, algorithm, expiry and nonce; issuer and audience are ours.
        if payload.get("iss") != self.provider["ISSUER"]:
            raise SuspiciousOperation("ID token from another issuer.")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client.")
        if not payload.get("sub"):
            raise SuspiciousOperation("ID token without subject.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if str(claims.get("sub")) != str(payload["sub"]):
            raise SuspiciousOperation("Userinfo is about another subject than the ID token.")
        identity = OidcIdentity(
            issuer=payload["iss"],
            subject=str(payload["sub"]),
            email=(claims.get("email") or "").strip(),
            email_verified=claims.get("email_verified") in (True, "true"),
            name=(claims.get("name") or "").strip(),
        )
        result = institution_sign_in(identity=identity, invitation_token=self.flow.get("invitation"))
        self.flow["refusal"] = result.refusal
        return result.user

    def get_user(self, user_id):
        # As ModelBackend: a deactivated account's session ends at its next request.
        return ModelBackend.get_user(self, user_id)


# --- the pages -----------------------------------------------------------------------


# Why a sign-in ended without an account; the Dutch text of each is in oidc/failed.html, for a
# dead invitation link the invitation pages' own (invitations/invalid.html).
FAILURES = (
    "no-invitation",
    "invitation-unknown",
    "invitation-expired",
    "invitation-used",
    "inactive",
    "conflict",
    "cancelled",
    "failed",
)


def _failed(reason: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('oidc-failed')}?{urlencode({'reden': reason})}")


class InstitutionSignInStart(_ProviderSettings, OIDCAuthenticationRequestView):
    """Send the person to their institution's provider (authorization code flow with PKCE)."""

    def __init__(self, **kwargs):
        # The library reads one provider's endpoint and client here; ours is known at get().
        View.__init__(self, **kwargs)

    def get(self, request, provider):
        config = provider_config(provider)
        if config is None:
            raise Http404
        token = request.GET.get("uitnodiging") or request.session.get(INVITATION_SESSION_KEY) or ""
        if token:
            from wijklab.invitation_selectors import InvitationInvalid, invitation_from_token

            # Say at once that a link is dead, rather than after a round trip to the institution.
            try:
                invitation_from_token(token)
            except InvitationInvalid as exc:
                return _failed(invitation_refusal(exc))
        self.provider = config
        self.OIDC_OP_AUTH_ENDPOINT = config["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = config["OIDC_RP_CLIENT_ID"]
        response = super().get(request)
        state = parse_qs(urlsplit(response.url).query)["state"][0]
        flow = request.session["oidc_states"][state]
        flow["provider"] = provider
        if token:
            flow["invitation"] = token
        request.session.modified = True
        return response

    def get_extra_params(self, request):
        return {**super().get_extra_params(request), "redirect_uri": callback_url()}


class InstitutionSignInCallback(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: finish the flow, sign in or explain why not."""

    def get(self, request):
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        entry = states.get(state) if isinstance(states, dict) and state else None
        if entry and entry.get("provider"):
            # Read before the library consumes the state entry; the backend finds it on the request.
            setattr(request, _FLOW_ATTRIBUTE, {"provider": entry["provider"], "invitation": entry.get("invitation")})
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            # An unknown or reused state: possibly forged; nobody is signed in.
            logger.warning("Institution sign-in refused: %s", exc)
            return _failed("failed")

    @property
    def success_url(self):
        # The invitation is used up once accepted; the page need not remember it any longer.
        self.request.session.pop(INVITATION_SESSION_KEY, None)
        return super().success_url

    def login_failure(self):
        flow = getattr(self.request, _FLOW_ATTRIBUTE, None) or {}
        if self.request.GET.get("error"):
            return _failed("cancelled")
        refusal = flow.get("refusal") or ""
        user = getattr(self, "user", None)
        if user is not None and not user.is_active:
            refusal = "inactive"
        return _failed(refusal if refusal in FAILURES else "failed")


@require_GET
@login_not_required
def institution_sign_in_failed(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reden", "")
    if reason not in FAILURES:
        reason = "failed"
    if reason.startswith("invitation-"):
        from wijklab.invitation_selectors import InvitationInvalid

        # The invitation pages' own answer to a dead link (unknown and revoked read the same there).
        code = reason.removeprefix("invitation-")
        message = InvitationInvalid(code).message
        return render(request, "invitations/invalid.html", {"reason": code, "message": message})
    return render(
        request,
        "oidc/failed.html",
        {"reason": reason, "providers": configured_providers(), "title": _("Inloggen via je instelling")},
    )


urlpatterns = [
    path("inloggen/instelling/terug/", login_not_required(InstitutionSignInCallback.as_view()), name="oidc-callback"),
    path("inloggen/instelling/mislukt/", institution_sign_in_failed, name="oidc-failed"),
    path(
        "inloggen/instelling/<slug:provider>/",
        login_not_required(InstitutionSignInStart.as_view()),
        name="oidc-start",
    ),
]
