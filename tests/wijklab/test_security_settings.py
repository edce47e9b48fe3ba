"""Deployment is secure by default: HTTPS, HSTS, Secure cookies, no caching of personal answers,
and sessions that end (README "Security settings")."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from wijklab import middleware

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """Nothing of this machine's Wijklab settings: only what a process needs to run, and ``env``."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "SYSTEMROOT") if k in os.environ}
    return {**base, "WIJKLAB_DATA_DIR": str(tmp_path), **env}


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "wijklab.example.nl",
    # check --deploy does not connect: the database need not exist.
    "DATABASE_URL": "postgres://wijklab@db.example.nl:5432/wijklab",
}


def test_check_deploy_passes_with_only_the_four_required_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(tmp_path, **PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _security_settings(tmp_path: Path, **env: str) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'wijklab.settings'; "
        "from django.conf import settings as s; print(json.dumps({n: getattr(s, n) for n in ("
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_IDLE_TIMEOUT', "
        "'SESSION_ABSOLUTE_TIMEOUT', 'SESSION_COOKIE_AGE', 'SECURE_REDIRECT_EXEMPT', 'SECOND_FACTOR_REQUIRED')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_clean_env(tmp_path, **env), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_outside_local_mode_everything_is_on(tmp_path):
    values = _security_settings(tmp_path, **PRODUCTION)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False  # the domain owner's decision
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["SESSION_ABSOLUTE_TIMEOUT"] == 12 * 3600
    # The proxy's health checks still answer over plain http.
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$", r"^livez$"]
    # Coordinators and staff sign in with a second factor (docs/second-factor.md).
    assert values["SECOND_FACTOR_REQUIRED"] is True


def test_also_on_when_debug_is_off_in_the_local_mode(tmp_path):
    values = _security_settings(tmp_path, DEBUG="false")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True


def test_the_local_mode_serves_plain_http(tmp_path):
    values = _security_settings(tmp_path)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    # The demo accounts sign in with just the password (README "Set-up").
    assert values["SECOND_FACTOR_REQUIRED"] is False


def test_each_protection_is_turned_off_only_explicitly(tmp_path):
    values = _security_settings(
        tmp_path,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="false",
        SESSION_IDLE_TIMEOUT="3600",
        SESSION_ABSOLUTE_TIMEOUT="28800",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        SECOND_FACTOR_REQUIRED="false",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECOND_FACTOR_REQUIRED"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False  # follows the session cookie unless set itself
    assert values["SESSION_IDLE_TIMEOUT"] == values["SESSION_COOKIE_AGE"] == 3600
    assert values["SESSION_ABSOLUTE_TIMEOUT"] == 28800
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER must look like"),
        ({"SECURE_PROXY_SSL_HEADER": "X Forwarded: https"}, "SECURE_PROXY_SSL_HEADER must look like"),
        ({"SECURE_SSL_REDIRECT": "soms"}, "SECURE_SSL_REDIRECT must be a boolean"),
        ({"SESSION_IDLE_TIMEOUT": "7200", "SESSION_ABSOLUTE_TIMEOUT": "3600"}, "must not be shorter"),
    ],
)
def test_bad_security_values_stop_start_up(tmp_path, env, message):
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'wijklab.settings'; import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(tmp_path, **PRODUCTION, **env),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert message in result.stderr


# --- the same, in requests ---------------------------------------------------------------


def test_plain_http_is_redirected_except_the_health_checks(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("login")
    assert client.get("/livez").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_https_answers_carry_hsts_and_the_proxy_header_counts(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_static_files_keep_their_cache_and_signed_in_answers_are_not_stored(client, student4):
    client.force_login(student4)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    static = client.get("/static/frontend/wijklab.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
    api = client.get("/api/me/")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]


def test_api_token_answers_are_not_stored(api_client, student4):
    from tests.factories import api_token

    response = api_client.get("/api/me/", headers={"Authorization": f"Bearer {api_token(student4)}"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: float) -> None:
        self.now = start
        monkeypatch.setattr(middleware.time, "time", lambda: self.now)


def test_session_ends_after_the_idle_time_and_each_request_renews_it(client, student4, settings, monkeypatch):
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_COOKIE_AGE = 30 * 60  # as settings.py derives them
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    clock = Clock(monkeypatch, 1_900_000_000)
    client.force_login(student4)
    home = reverse("home")
    assert client.get(home).status_code == 200
    # Active every 25 minutes for two hours: never signed out (sliding).
    for _ in range(5):
        clock.now += 25 * 60
        response = client.get(home)
        assert response.status_code == 200
        # The stored session is saved again with the full idle time; the cookie, sent again, lasts as
        # long as the browser (the server ends the session).
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == ""
        assert cookie["expires"] == ""
        assert client.session.get_expiry_age() == 30 * 60
    # Then 31 minutes away: signed out, with a message on the log-in page.
    clock.now += 31 * 60
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert "sessie verlopen" in page.content.decode()
    assert client.get(home).status_code == 302


def test_session_ends_at_the_absolute_limit_however_active(client, student4, settings, monkeypatch):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 2 * 3600
    clock = Clock(monkeypatch, 1_900_000_000)
    client.force_login(student4)
    home = reverse("home")
    for _ in range(7):  # every 15 minutes up to 1h45
        clock.now += 15 * 60
        assert client.get(home).status_code == 200
    clock.now += 20 * 60  # 2h05 after signing in
    assert client.get(home).status_code == 302
    # Signing in again starts afresh.
    client.force_login(student4)
    assert client.get(home).status_code == 200


def test_a_renewal_writes_the_session_at_most_once_a_minute(client, student4, settings, monkeypatch):
    clock = Clock(monkeypatch, 1_900_000_000)
    client.force_login(student4)
    home = reverse("home")
    client.get(home)
    clock.now += 10
    response = client.get(home)
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # not renewed: nothing written
    clock.now += 60
    response = client.get(home)
    assert settings.SESSION_COOKIE_NAME in response.cookies
