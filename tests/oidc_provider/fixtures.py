"""Start the test OpenID Connect provider as its own process (see tests/oidc_provider/__init__.py)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.oidc_provider.accounts import CLIENT_ID, CLIENT_SECRET, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CALLBACK_PATH = "/inloggen/instelling/terug/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OidcProvider:
    url: str
    process: subprocess.Popen
    log_path: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    _log: object = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def env(self, provider: str = "surfconext") -> dict[str, str]:
        """The OIDC_<PROVIDER>_* variables that point Wijklab at this provider."""
        prefix = f"OIDC_{provider.upper()}_"
        return {
            prefix + "ISSUER": self.issuer,
            prefix + "AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize/",
            prefix + "TOKEN_ENDPOINT": f"{self.issuer}/token/",
            prefix + "USERINFO_ENDPOINT": f"{self.issuer}/userinfo/",
            prefix + "JWKS_ENDPOINT": f"{self.issuer}/.well-known/jwks.json",
            prefix + "CLIENT_ID": self.client_id,
            prefix + "CLIENT_SECRET": self.client_secret,
            prefix + "SIGN_ALGO": "RS256",
        }

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self._log is not None:
            self._log.close()


def start_provider(tmp: Path, *, redirect_uris: list[str]) -> OidcProvider:
    """Start a provider on a free port of 127.0.0.1 with its own SQLite file in ``tmp``; wait until it answers."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_", "REDIS_"))}
    env["OIDC_PROVIDER_DB"] = str(tmp / "provider.sqlite3")
    env["OIDC_PROVIDER_ISSUER"] = f"{url}/o"
    log_path = tmp / "provider.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop()
    args = [sys.executable, "-m", "tests.oidc_provider", "--port", str(port)]
    for uri in redirect_uris:
        args += ["--redirect-uri", uri]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    provider = OidcProvider(url=url, process=process, log_path=log_path, _log=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return provider
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            provider.stop()
            raise AssertionError(f"the test OpenID Connect provider did not start:\n{provider.log()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[OidcProvider]:
    """A provider for Django's test client: Wijklab's redirect URI is http://testserver/…"""
    provider = start_provider(
        tmp_path_factory.mktemp("oidc-provider"), redirect_uris=[f"http://testserver{CALLBACK_PATH}"]
    )
    yield provider
    provider.stop()


def log_in_at_provider(session, authorize_url: str, *, username: str, password: str = PASSWORD) -> str:
    """Follow the authorization request with ``requests``, logging in on the provider's form.

    Returns the URL the provider redirects the browser back to (Wijklab's callback, with
    ``code`` and ``state``, or ``error``); that one is not fetched here.
    """
    url = authorize_url
    provider_origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (301, 302, 303):
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(provider_origin):
                return location
            url = location
            continue
        if response.status_code == 200 and 'name="password"' in response.text:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
            next_url = re.search(r'name="next" value="([^"]*)"', response.text).group(1).replace("&amp;", "&")
            posted = session.post(
                url.split("?")[0],
                data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": next_url},
                headers={"Referer": url},
                allow_redirects=False,
                timeout=10,
            )
            assert posted.status_code == 302, f"log-in at the provider failed: {posted.status_code} {posted.text[:500]}"
            url = urljoin(url, posted.headers["Location"])
            continue
        raise AssertionError(
            f"unexpected answer from the provider at {url}: {response.status_code} {response.text[:500]}"
        )
    raise AssertionError("the provider kept redirecting")
