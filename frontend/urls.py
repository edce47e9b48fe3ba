from frontend.views import assignments, chat, core, imports, supervision, teams

urlpatterns = [
    *core.urlpatterns,
    *assignments.urlpatterns,
    *teams.urlpatterns,
    *chat.urlpatterns,
    *supervision.urlpatterns,
    *imports.urlpatterns,
]
