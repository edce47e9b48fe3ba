from frontend.views import assignments, chat, cohorts, core, profile, supervision, teams

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *cohorts.urlpatterns,
    *profile.urlpatterns,
]
