from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from wijklab import api as wijklab_api
from wijklab.views import healthz, livez

# A database that cannot be reached answers 503 with a Dutch message instead of a bare 500.
handler500 = "wijklab.views.server_error"
handler404 = "wijklab.views.page_not_found"

# The API documentation pages draw with inline styles (Swagger UI's page and React, Redoc's
# styled-components; Redoc also searches in a worker made from a blob): the site's
# Content-Security-Policy is relaxed for these two pages only. Scripts stay 'self': Swagger UI is
# the "split" view, whose start-up script is a file instead of inline.
# Both draw their icons as data: images.
api_docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})
api_redoc_csp = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": [SELF, "blob:"]})

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
    path("docs/", api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path(
        "redoc/",
        api_redoc_csp(SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")),
        name="api-redoc",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("", include("frontend.urls")),
]

# MEDIA_ROOT is deliberately not served, not even with DEBUG: its only files are chat
# attachments, which api-chat-attachment serves after checking who may read the chat.
