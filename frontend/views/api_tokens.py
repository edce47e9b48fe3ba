"""Personal API tokens ("Mijn profiel → API-tokens"): make one, see it once, revoke it.

Thin: form → service (wijklab.services.api_token_create / api_token_revoke) → render. Each person
sees and revokes only their own tokens (wijklab.selectors.access_own_api_token: anyone else's is a 404).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from frontend.access import not_found_unless
from wijklab import selectors, services
from wijklab.errors import RuleViolation

NEVER = "never"
EXPIRY_CHOICES = [
    ("30", _("Over 30 dagen")),
    ("90", _("Over 90 dagen")),
    ("365", _("Over een jaar")),
    (NEVER, _("Nooit (tot je het intrekt)")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Naam"),
        max_length=100,
        help_text=_("Waar gebruik je het voor? Bijvoorbeeld ‘Rooster-script’. Alleen jij ziet deze naam."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires = forms.ChoiceField(label=_("Verloopt"), choices=EXPIRY_CHOICES, initial="90")

    def expires_at(self) -> dt.datetime | None:
        days = self.cleaned_data["expires"]
        return None if days == NEVER else timezone.now() + dt.timedelta(days=int(days))


def _page(request: HttpRequest, form: ApiTokenForm, *, status: int = 200) -> HttpResponse:
    tokens = list(selectors.api_tokens_of(user=request.user))
    now = timezone.now()
    return render(
        request,
        "profile/api_tokens.html",
        {
            "form": form,
            "rows": [{"token": t, "expired": t.is_expired(now)} for t in tokens],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    not_found_unless(selectors.may_manage_api_tokens(user=request.user))
    if request.method != "POST":
        return _page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            row, token = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        except RuleViolation as exc:
            form.add_error(None, exc.message)
        else:
            # The token itself is in this answer only (never in the session, never again): no
            # redirect, and the answer is not stored by the browser (no-store for signed-in pages).
            return render(request, "profile/api_token_created.html", {"row": row, "token": token})
    return _page(request, form, status=400)


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.access_own_api_token(user=request.user, token_id=token_id)
    if request.method == "POST":
        services.api_token_revoke(token=token, by=request.user)
        messages.success(
            request,
            _("Het token ‘%(name)s’ is ingetrokken: het werkt vanaf nu niet meer.") % {"name": token.name},
        )
        return redirect("api-tokens")
    return render(request, "profile/api_token_revoke.html", {"token": token})


urlpatterns = [
    path("profiel/api-tokens/", api_tokens, name="api-tokens"),
    path("profiel/api-tokens/<int:token_id>/intrekken/", api_token_revoke, name="api-token-revoke"),
]
