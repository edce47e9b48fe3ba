from frontend.views import assignments, chat, core, formation, imports, supervision, teams

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *imports.urlpatterns,
    *formation.urlpatterns,
]
