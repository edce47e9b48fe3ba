"""Brute-force protection (django-axes), the client address behind a proxy, and password length."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from wijklab.client_address import client_address

PASSWORD = "een-lang-wachtwoord-2026"


@pytest.fixture
def person(db):
    user = get_user_model().objects.create_user(username="sanne", password=PASSWORD, email="sanne@example.org")
    return user


def _sign_in(client, password, **extra):
    return client.post(reverse("login"), {"username": "sanne", "password": password}, **extra)


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, person):
    for _ in range(40):
        _sign_in(client, "fout-wachtwoord")
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_wrong_passwords_do_not_lock_out(client, person):
    for _ in range(3):
        _sign_in(client, "fout-wachtwoord")
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_admin_login_is_locked_out_the_same(client, person):
    person.is_staff = True
    person.is_superuser = True
    person.save()
    for _ in range(40):
        client.post("/admin/login/", {"username": "sanne", "password": "fout-wachtwoord"})
    response = client.post("/admin/login/", {"username": "sanne", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_for_the_username_from_another_address(client, person):
    for _ in range(40):
        _sign_in(client, "fout-wachtwoord", REMOTE_ADDR="10.0.0.1")
    response = _sign_in(client, PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429


def test_a_forged_forwarded_for_does_not_change_the_address(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "203.0.113.9"


def test_a_forged_forwarded_for_does_not_escape_a_lockout(client, person, settings):
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    for i in range(40):
        client.post(
            reverse("login"),
            {"username": f"iemand{i}", "password": "x"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.1.0.{i}",
        )
    response = _sign_in(client, PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_behind_a_configured_proxy_the_client_is_what_the_proxy_saw(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the address it really saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_address(request) == "198.51.100.7"
    # Not through the proxy at all: the connection's own address.
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


@pytest.mark.parametrize("password", ["kort-2026", "password1234", "123456789012345"])
def test_short_common_or_numeric_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_twelve_characters_are_enough(db):
    validate_password("buurt-carnisse")


def test_the_demo_password_still_signs_in(client, db, settings):
    user = get_user_model().objects.create_user(username="demo", password=settings.DEMO_PASSWORD)
    response = client.post(reverse("login"), {"username": "demo", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
