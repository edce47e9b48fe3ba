"""Log-in, the role overviews and the rule that every page needs a login."""

import pytest
from django.urls import reverse

from wijklab.models import Notification


@pytest.mark.parametrize(
    "person",
    ["student4", "student6", "org_contact", "mbo_docent", "hbo_docent", "werkbegeleider", "coordinator"],
)
def test_each_role_lands_on_its_own_overview(client, request, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mijn overzicht" in body
    assert user.get_role_display() in body


def test_login_redirects_to_the_overview(client, student4):
    response = client.post(reverse("login"), {"username": "sanne", "password": "wijklab-demo"})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_is_refused_in_dutch(client, student4):
    response = client.post(reverse("login"), {"username": "sanne", "password": "fout"})
    assert response.status_code == 200
    assert "klopt niet" in response.content.decode()


def test_pages_are_dutch_by_default_and_english_on_request(client, student4):
    client.force_login(student4)
    assert "Mijn overzicht" in client.get("/").content.decode()
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "My overview" in english


@pytest.mark.parametrize("url", ["/", "/meldingen/"])
def test_pages_require_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_page_url_requires_login(client, db):
    """Walk the URL configuration: every page without arguments sends anonymous users to login."""
    from django.urls import get_resolver

    public = {
        "login",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
        "healthz",
        "livez",
        "set_language",
    }
    # Signing in with an institution happens before there is a session (wijklab/oidc.py).
    public |= {"oidc-callback", "oidc-failed"}
    checked = 0
    for name, entries in get_resolver().reverse_dict.lists():
        if not isinstance(name, str) or name in public or name.startswith("api"):
            continue
        for possibility, _pattern, _defaults, _converters in entries:
            for _path, params in possibility:
                if params:
                    continue
                url = reverse(name)
                if url.startswith(("/api/", "/admin/", "/static/")):
                    continue
                response = client.get(url)
                assert response.status_code in {302, 405}, f"{url} answered {response.status_code}"
                if response.status_code == 302:
                    assert reverse("login") in response.url, url
                checked += 1
    assert checked >= 2


def test_admin_requires_staff_login(client, student4):
    assert client.get("/admin/").status_code == 302
    client.force_login(student4)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_the_logout_button_logs_out(client, student4):
    client.force_login(student4)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_dutch_mail(client, student4, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": student4.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "Nieuw wachtwoord" in mailoutbox[0].subject


def test_notifications_are_listed_and_marked_read(client, student4, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        [Notification(user=student4, kind="test", title=f"Melding {i}") for i in range(30)]
    )
    client.force_login(student4)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications"))
    assert "Melding 29" in response.content.decode()
    client.post(reverse("notifications-read"))
    assert not student4.notifications.filter(read_at__isnull=True).exists()


def test_pages_load_nothing_from_outside(client, student4):
    client.force_login(student4)
    body = client.get("/").content.decode()
    assert "//cdn" not in body
    assert 'src="http' not in body
    assert "/static/django_htmx/htmx" in body
