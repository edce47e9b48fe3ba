from frontend.views import assignments, chat, core, formation, imports, invitations, supervision, teams
from wijklab import oidc

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *imports.urlpatterns,
    *invitations.urlpatterns,
    *oidc.urlpatterns,
    *formation.urlpatterns,
]
