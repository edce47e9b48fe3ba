from frontend.views import assignments, chat, core, formation, supervision, teams

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *formation.urlpatterns,
]
