"""Log-in, the role overview ("Mijn overzicht") and notifications."""

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from frontend.navigation import nav_item, panels_for
from wijklab.models import Role
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


urlpatterns = [
    path("", home, name="home"),
    path("meldingen/", notifications, name="notifications"),
    path("meldingen/gelezen/", notifications_read, name="notifications-read"),
    path(
        "inloggen/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord-vergeten/",
        auth_views.PasswordResetView.as_view(success_url=reverse_lazy("password_reset_done")),
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
