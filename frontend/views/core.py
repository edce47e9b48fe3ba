"""Sign-out and password reset, the role overview ("Mijn overzicht") and notifications."""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from frontend.navigation import nav_item, panels_for
from wijklab import services
from wijklab.models import Role, User
from wijklab.services import notifications_mark_read

ALL_ROLES = [r.value for r in Role]

nav_item(_("Mijn overzicht"), "home", *ALL_ROLES, order=0)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    panels = [mark_safe(panel.render(request)) for panel in panels_for(user.role)]
    return render(
        request,
        "frontend/home.html",
        {"panels": panels, "role_label": Role(user.role).label},
    )


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    return render(request, "frontend/notifications.html", {"page": page})


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notifications")


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, but who gets a mail now is wijklab.services.password_reset_admit's call
    (a few per account and per client address an hour). The answer is the same page either way."""

    _address: str | None = None

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self._address = services.client_address(request) if request is not None else None
        return super().save(*args, request=request, **kwargs)

    def get_users(self, email: str) -> Iterator[User]:
        return iter(services.password_reset_admit(users=super().get_users(email), address=self._address))


urlpatterns = [
    path("", home, name="home"),
    path("meldingen/", notifications, name="notifications"),
    path("meldingen/gelezen/", notifications_read, name="notifications-read"),
    # The log-in page itself, with its code step, is in frontend.views.account.
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord-vergeten/",
        auth_views.PasswordResetView.as_view(
            form_class=ThrottledPasswordResetForm, success_url=reverse_lazy("password_reset_done")
        ),
        name="password_reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-herstellen/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-herstellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
