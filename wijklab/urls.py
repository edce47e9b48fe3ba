from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from wijklab import api as wijklab_api
from wijklab.views import healthz

# Each app's api.py exposes ``urlpatterns`` for its own endpoints under /api/.
api_patterns = [
    path("me/", wijklab_api.MeView.as_view(), name="api-me"),
    *wijklab_api.cohort_urlpatterns,
    path("", include("assignments.api")),
    path("", include("teams.api")),
    path("", include("teams.chat.api")),
    path("", include("teams.formation_api")),
    path("", include("supervision.api")),
    path("", include("wijklab.import_api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("", include("frontend.urls")),
]

# MEDIA_ROOT is deliberately not served, not even with DEBUG: its only files are chat
# attachments, which api-chat-attachment serves after checking who may read the chat.
