"""Passwords are stored with Argon2; an older PBKDF2 hash still signs in and is rewritten as Argon2."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.urls import reverse

import wijklab.settings as project_settings

PASSWORD = "een-lang-wachtwoord-2026"


@pytest.fixture
def real_hashers(settings):
    # tests/conftest.py swaps in MD5 for speed; here the project's own list (the module, untouched) is tested.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_argon2_is_first_and_pbkdf2_still_verifies():
    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


def test_a_new_password_is_stored_with_argon2(db, real_hashers):
    user = get_user_model().objects.create_user(username="sanne", password=PASSWORD)
    assert user.password.startswith("argon2$argon2id$")


def test_a_pbkdf2_hash_signs_in_and_becomes_argon2(client, db, real_hashers):
    user = get_user_model().objects.create_user(username="sanne")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post(reverse("login"), {"username": "sanne", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_leaves_the_old_hash(client, db, real_hashers):
    user = get_user_model().objects.create_user(username="sanne")
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.password = old
    user.save(update_fields=["password"])

    client.post(reverse("login"), {"username": "sanne", "password": "fout-wachtwoord"})

    user.refresh_from_db()
    assert user.password == old
