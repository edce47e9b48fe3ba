from frontend.views import (
    assignments,
    chat,
    cohorts,
    core,
    formation,
    imports,
    invitations,
    profile,
    supervision,
    teams,
)
from wijklab import oidc

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *cohorts.urlpatterns,
    *profile.urlpatterns,
    *imports.urlpatterns,
    *invitations.urlpatterns,
    *oidc.urlpatterns,
    *formation.urlpatterns,
]
