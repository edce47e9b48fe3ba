"""Fixtures for the teams tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every named person gets a password; the default hasher makes each one
    # cost a third of a second, which these tests do not need to measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
