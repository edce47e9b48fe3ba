"""Reads about how a person signs in: the password, the second factor, the institution (docs/second-factor.md)."""

import datetime as dt
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from wijklab.models import Role, User

# The backend an institution sign-in (OIDC) leaves in the session: its provider asks its own second factor.
INSTITUTION_BACKEND = "wijklab.oidc.InstitutionBackend"


def signs_in_with_password(user: User) -> bool:
    """Who has a password here (and so may change it and add a second factor to it)."""
    return user.is_authenticated and user.has_usable_password()


def second_factor_required(user: User) -> bool:
    """Coordinators, staff and superusers must use a second factor with their password, outside the
    local mode (``SECOND_FACTOR_REQUIRED``)."""
    if not settings.SECOND_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.role == Role.COORDINATOR or user.is_staff or user.is_superuser


def signed_in_by_institution(session: SessionBase) -> bool:
    return session.get(BACKEND_SESSION_KEY) == INSTITUTION_BACKEND


def session_passed_second_factor(user: User, session: SessionBase) -> bool:
    """Whether this session passed a code of one of the person's confirmed devices: what django-otp's
    ``OTPMiddleware`` judges for a request (``user.is_verified()``), for places without it (sockets)."""
    verified = getattr(user, "is_verified", None)
    if callable(verified):  # a request's user: OTPMiddleware has looked the device up already
        return verified()
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def second_factor_outstanding(user: User, session: SessionBase) -> bool:
    """A person who must use a second factor (``second_factor_required``), signed in with a password,
    whose session has not passed one: they get the set-up page, and nothing else, on every channel."""
    return (
        second_factor_required(user)
        and not signed_in_by_institution(session)
        and not session_passed_second_factor(user, session)
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    """The authenticator app a person has turned on, or None."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def unconfirmed_device(user: User) -> TOTPDevice | None:
    """The app being set up: shown as a QR code until a first code confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def device_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def device_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` link as an SVG QR code to put inline in the page (no request to anyone else)."""
    qr = segno.make(device.config_url, error="m")
    # No XML declaration, no namespace-less style: an <svg> element the page's CSS sizes.
    return qr.svg_inline(scale=5, border=2, dark="#1b1b1b", light="#ffffff", svgclass="qr-code", title="QR-code")


def sign_in_locked_out(request: HttpRequest, username: str) -> bool:
    """Whether the brute-force protection (django-axes) refuses this username or address now."""
    return AxesProxyHandler.is_locked(request, {"username": username})


def pending_expired(started_at: float, *, now: dt.datetime | None = None) -> bool:
    """Whether a correct password has waited too long for its code (``SECOND_FACTOR_PENDING_SECONDS``)."""
    waited = (now or timezone.now()).timestamp() - started_at
    return not (0 <= waited <= settings.SECOND_FACTOR_PENDING_SECONDS)
