"""Signing in (with the second step for a code), changing the password and the second factor.

Thin: forms → ``wijklab.account_services`` → render. Who must use a second factor, and how a
session counts as verified, is in ``wijklab.account_selectors`` and ``wijklab.middleware``.

The sign-in of a person with an authenticator app has two steps: the password (Django's
``LoginView``) leaves only a note in the session (who, which backend, when, where to next), and
nobody is signed in until the second step has checked the code. A wrong code counts as a failed
sign-in for the brute-force protection (django-axes), like a wrong password.
"""

import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from wijklab import account_selectors, account_services, selectors
from wijklab.account_services import CodeCheck

# The session's note of a correct password waiting for its code.
PENDING = "wijklab_second_factor_pending"

WRONG_CODE = _("Deze code klopt niet. Neem de code over die je app nu laat zien (6 cijfers) en probeer het opnieuw.")
TOO_SOON = _("Te snel na een verkeerde code. Wacht een paar seconden en probeer het dan opnieuw.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code uit je authenticator-app"),
        max_length=12,
        error_messages={"required": _("Vul de code van 6 cijfers uit je app in.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autocapitalize": "none", "size": 8}
        ),
    )


# --- signing in -------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's log-in page; a person with an authenticator app goes on to the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form: auth_forms.AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        self.request.session.pop(PENDING, None)  # a sign-in begun before and left at its code step
        if account_selectors.confirmed_device(user) is None:
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login-code")


def _pending_user(request: HttpRequest) -> tuple[Any, dict] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or account_selectors.pending_expired(float(pending.get("at", 0))):
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponseBase:
    """The second step: the code from the app of the person whose password was right."""
    if request.user.is_authenticated:
        return redirect("home")
    found = _pending_user(request)
    device = account_selectors.confirmed_device(found[0]) if found is not None else None
    if found is None or device is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Log opnieuw in: het inloggen duurde te lang of is niet begonnen."))
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        result = account_services.second_factor_sign_in(
            request, user=user, device=device, token=form.cleaned_data["code"]
        )
        if result == CodeCheck.OK:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        if result == CodeCheck.LOCKED:
            request.session.pop(PENDING, None)
        form.add_error("code", WRONG_CODE if allowed else TOO_SOON)
    return render(request, "registration/login_code.html", {"form": form}, status=200)


# --- the password -----------------------------------------------------------------------------


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, the new one twice, AUTH_PASSWORD_VALIDATORS) in the site's words."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Je huidige wachtwoord klopt niet. Er is niets gewijzigd."),
        "password_mismatch": _("De twee nieuwe wachtwoorden zijn niet gelijk."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Huidig wachtwoord")
        self.fields["new_password1"].label = _("Nieuw wachtwoord")
        self.fields["new_password1"].help_text = _(
            "Minstens 12 tekens, niet te gewoon en niet te veel op je naam of e-mailadres lijkend."
        )
        self.fields["new_password2"].label = _("Nieuw wachtwoord, nog een keer")
        self.fields["new_password2"].help_text = _("Typ het nieuwe wachtwoord nog een keer, tegen tikfouten.")
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].widget.attrs.pop("autofocus", None)
        if selectors.api_tokens_of(user=self.user).exists():
            # A token works apart from the password: someone who knew the old one may have made one.
            self.fields["revoke_api_tokens"] = forms.BooleanField(
                required=False,
                initial=True,
                label=_("Trek ook al mijn API-tokens in"),
                help_text=_(
                    "Doe dit als iemand anders je wachtwoord kan hebben gekend: een API-token blijft anders "
                    "werken. Koppelingen die je zelf maakte, hebben dan een nieuw token nodig."
                ),
            )

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        try:
            account_services.validate_new_password(password, user)
        except ValidationError as error:
            self.add_error(password_field_name, error.error_list)


def _password_only(request: HttpRequest) -> None:
    """These pages are for people who sign in with a password; anyone else: 404."""
    if not account_selectors.signs_in_with_password(request.user):
        raise Http404


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    _password_only(request)
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        revoked = account_services.password_change(
            user=user,
            new_password=form.cleaned_data["new_password1"],
            revoke_api_tokens=form.cleaned_data.get("revoke_api_tokens", False),
        )
        # This session stays signed in (under a new key); every other one ends.
        update_session_auth_hash(request, user)
        account_services.sessions_end_others(user=user, keep_session_key=request.session.session_key)
        messages.success(request, _("Je wachtwoord is gewijzigd. Op je andere apparaten en browsers ben je uitgelogd."))
        if revoked:
            messages.info(
                request,
                ngettext("Je API-token is ingetrokken.", "Je %(count)d API-tokens zijn ingetrokken.", revoked)
                % {"count": revoked},
            )
        return redirect("profile")
    return render(request, "profile/password.html", {"form": form})


# --- the second factor ------------------------------------------------------------------------


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("Je wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Vul je wachtwoord in om tweestapsverificatie uit te zetten.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Dit wachtwoord klopt niet. Tweestapsverificatie staat nog aan."))
        return password


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Turn the authenticator app on (QR code, secret, a first code) or off (with the password)."""
    _password_only(request)
    user = request.user
    device = account_selectors.confirmed_device(user)
    code_form = CodeForm()
    disable_form = DisableForm(user=user)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start" and device is None:
        account_services.second_factor_start(user=user)
        return redirect("second-factor")
    if action == "confirm" and device is None:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            confirmed = account_services.second_factor_confirm(user=user, token=code_form.cleaned_data["code"])
            if confirmed is not None:
                otp_login(request, confirmed)
                messages.success(
                    request, _("Tweestapsverificatie staat aan. Voortaan vraagt Wijklab bij het inloggen om een code.")
                )
                return redirect("profile")
            code_form.add_error("code", WRONG_CODE)
    elif action == "disable" and device is not None:
        disable_form = DisableForm(request.POST, user=user)
        if disable_form.is_valid():
            account_services.second_factor_disable(user=user)
            messages.success(request, _("Tweestapsverificatie staat uit."))
            return redirect("second-factor")
    elif action is not None:
        messages.error(request, _("Dat kan nu niet: kijk hieronder hoe het er nu voor staat."))
        return redirect("second-factor")
    pending = account_selectors.unconfirmed_device(user) if device is None else None
    return render(
        request,
        "profile/second_factor.html",
        {
            "device": device,
            "pending": pending,
            "qr_svg": account_selectors.device_qr_svg(pending) if pending else "",
            "secret": account_selectors.device_secret(pending) if pending else "",
            "required": account_selectors.second_factor_required(user),
            "code_form": code_form,
            "disable_form": disable_form,
        },
    )


urlpatterns = [
    path("inloggen/", SignInView.as_view(), name="login"),
    path("inloggen/code/", sign_in_code, name="login-code"),
    path("profiel/wachtwoord/", password_change, name="password-change"),
    path("profiel/tweestapsverificatie/", second_factor, name="second-factor"),
]
