from frontend.views import assignments, chat, core, supervision, teams
from wijklab import oidc

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *oidc.urlpatterns,
]
