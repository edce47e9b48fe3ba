"""A change-password view as the account pages do it, for tests/teams/chat/test_access.py.

It changes the password of the signed-in person, keeps the current session signed in
(``update_session_auth_hash``, which moves it to a new key) and ends the person's
other sessions; the whole middleware stack runs around it, as for a real page.
"""

from django.contrib.auth import update_session_auth_hash
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def change_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    user.set_password(request.POST["new_password"])
    user.save()
    update_session_auth_hash(request, user)
    for session in Session.objects.exclude(session_key=request.session.session_key):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    return HttpResponse("ok")


urlpatterns = [path("wachtwoord-wijzigen/", change_password), path("", include("wijklab.urls"))]
