from frontend.views import assignments, chat, core, invitations, supervision, teams
from wijklab import oidc

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *invitations.urlpatterns,
    *oidc.urlpatterns,
]
