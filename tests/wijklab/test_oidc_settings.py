"""Institution sign-in settings: off when unset, whole or not at all, plain http only on this machine."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from wijklab.settings import oidc_provider_from_env

SURFCONEXT = {
    "OIDC_SURFCONEXT_ISSUER": "https://connect.surfconext.nl",
    "OIDC_SURFCONEXT_AUTHORIZATION_ENDPOINT": "https://connect.surfconext.nl/oidc/authorize",
    "OIDC_SURFCONEXT_TOKEN_ENDPOINT": "https://connect.surfconext.nl/oidc/token",
    "OIDC_SURFCONEXT_USERINFO_ENDPOINT": "https://connect.surfconext.nl/oidc/userinfo",
    "OIDC_SURFCONEXT_JWKS_ENDPOINT": "https://connect.surfconext.nl/oidc/certs",
    "OIDC_SURFCONEXT_CLIENT_ID": "wijklab.example.nl",
    "OIDC_SURFCONEXT_CLIENT_SECRET": "geheim",
}


@pytest.fixture
def env(monkeypatch):
    for name in [*SURFCONEXT, "OIDC_SURFCONEXT_SIGN_ALGO", "OIDC_SURFCONEXT_SCOPES"]:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_a_provider_without_any_variable_is_off(env):
    assert oidc_provider_from_env("surfconext") is None


def test_a_fully_configured_provider_gives_the_library_settings_with_rs256(env):
    env(**SURFCONEXT)
    provider = oidc_provider_from_env("surfconext")
    assert provider["label"] == "SURFconext"
    assert provider["OIDC_OP_AUTHORIZATION_ENDPOINT"] == "https://connect.surfconext.nl/oidc/authorize"
    assert provider["OIDC_OP_USER_ENDPOINT"] == "https://connect.surfconext.nl/oidc/userinfo"
    assert provider["OIDC_OP_JWKS_ENDPOINT"] == "https://connect.surfconext.nl/oidc/certs"
    assert provider["OIDC_RP_CLIENT_ID"] == "wijklab.example.nl"
    assert provider["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert provider["OIDC_RP_SCOPES"] == "openid email profile"


@pytest.mark.parametrize("missing", sorted(SURFCONEXT))
def test_a_half_configured_provider_stops_start_up_naming_the_missing_variable(env, missing):
    env(**{k: v for k, v in SURFCONEXT.items() if k != missing})
    with pytest.raises(ImproperlyConfigured, match=missing):
        oidc_provider_from_env("surfconext")


def test_plain_http_is_refused_outside_this_machine(env):
    env(**{**SURFCONEXT, "OIDC_SURFCONEXT_TOKEN_ENDPOINT": "http://connect.surfconext.nl/oidc/token"})
    with pytest.raises(ImproperlyConfigured, match="OIDC_SURFCONEXT_TOKEN_ENDPOINT must be an https:// URL"):
        oidc_provider_from_env("surfconext")


def test_plain_http_on_this_machine_is_allowed_for_a_local_provider(env):
    env(**{**SURFCONEXT, "OIDC_SURFCONEXT_TOKEN_ENDPOINT": "http://127.0.0.1:9000/o/token/"})
    assert oidc_provider_from_env("surfconext")["OIDC_OP_TOKEN_ENDPOINT"] == "http://127.0.0.1:9000/o/token/"


@pytest.mark.parametrize("algorithm", ["HS256", "none", "rs256"])
def test_only_asymmetric_signing_algorithms_are_accepted(env, algorithm):
    env(**SURFCONEXT, OIDC_SURFCONEXT_SIGN_ALGO=algorithm)
    with pytest.raises(ImproperlyConfigured, match="OIDC_SURFCONEXT_SIGN_ALGO"):
        oidc_provider_from_env("surfconext")


def test_scopes_must_ask_for_openid(env):
    env(**SURFCONEXT, OIDC_SURFCONEXT_SCOPES="email profile")
    with pytest.raises(ImproperlyConfigured, match="OIDC_SURFCONEXT_SCOPES"):
        oidc_provider_from_env("surfconext")


def test_start_up_stops_on_a_half_configured_provider_and_is_clean_without_one(tmp_path):
    from tests.wijklab.test_settings import load_settings

    clean = load_settings(WIJKLAB_DATA_DIR=str(tmp_path))
    assert clean.returncode == 0, clean.stderr
    assert clean.stderr == ""
    broken = load_settings(WIJKLAB_DATA_DIR=str(tmp_path), OIDC_EDUID_CLIENT_ID="wijklab")
    assert broken.returncode != 0
    assert "ImproperlyConfigured: OIDC_EDUID_ISSUER must be set" in broken.stderr
