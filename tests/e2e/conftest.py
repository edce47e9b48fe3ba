"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

One server per test session, started like ``make run`` does (migrate,
seed_demo, an ASGI server with websockets) on a free port of 127.0.0.1, on its
own database: a temporary SQLite file in the default runtime, or a fresh
``<name>_e2e`` PostgreSQL database (with Redis) when DATABASE_URL is set;
in ``make test``'s parallel workers, one server per worker that runs browser
tests (``<name>_e2e_gw1``).
Screenshots go to ``test-artifacts/screenshots/`` (git-ignored).

Before the server, a test OpenID Connect provider starts (tests/oidc_provider/),
and the server's SURFconext sign-in points at it (``OIDC_SURFCONEXT_*``,
``SITE_URL`` = the server's own address, which is the redirect URI registered
at the provider): "Inloggen met SURFconext" works in every journey.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.oidc_provider.fixtures import OidcProvider, start_provider
from tests.servers import PLAIN_HTTP

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_PREFIXES = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


# Journeys that change the demo for every journey after them (the server and its database
# are shared by the whole session): they run after every other test.
RUN_LAST = ("tests/e2e/test_formation_journey.py",)


# trylast: after the root conftest's "browser tests last" and any random order.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: str(item.fspath).replace(os.sep, "/").endswith(RUN_LAST))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict[str, str]
    oidc_provider: OidcProvider | None = None

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database; returns stdout."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            # Generous: seed_demo takes ~20 s alone, several times that on a machine busy with other tests.
            timeout=600,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)


def _server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["WIJKLAB_DATA_DIR"] = str(tmp)
    env["MEDIA_ROOT"] = str(tmp / "media")
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, name = database_url.rpartition("/")
        # Each parallel worker of `make test` that runs browser tests has a server and a database of its own.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        e2e_name = f"{name.split('?')[0]}_e2e{'_' + worker if worker else ''}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{e2e_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{e2e_name}"')
        env["DATABASE_URL"] = f"{base}/{e2e_name}"
        env.setdefault("SECRET_KEY", "e2e-only-secret")
        env["CHANNEL_LAYER_PREFIX"] = f"e2e{os.getpid()}"
        env["CACHE_PREFIX"] = f"e2e{os.getpid()}"
        # No Celery worker runs beside the browser tests: jobs run in-process.
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    # Plain http on 127.0.0.1: no redirect to https, cookies without Secure (DEBUG is off on PostgreSQL).
    env.update(PLAIN_HTTP)
    # The demo accounts sign in with only their password, as in the local mode (`make run`), also in the
    # PostgreSQL pass; the second factor's own journey turns it on for its own accounts.
    env["SECOND_FACTOR_REQUIRED"] = "false"
    env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    return env


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run must install it (apt-get install -y chromium).")
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install -y chromium).")
    tmp = tmp_path_factory.mktemp("e2e-server")
    env = _server_env(tmp)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    oidc_provider = start_provider(tmp / "oidc-provider", redirect_uris=[f"{url}/inloggen/instelling/terug/"])
    env.update(oidc_provider.env("surfconext"))
    env["SITE_URL"] = url
    server = Server(url="", env=env, oidc_provider=oidc_provider)
    try:
        server.manage("migrate", "--noinput", "-v0")
        server.manage("seed_demo")
    except BaseException:
        oidc_provider.stop()
        raise
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "wijklab.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server.url = url
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            oidc_provider.stop()
            raise AssertionError(f"e2e server did not start:\n{(tmp / 'server.log').read_text()}")
        time.sleep(0.2)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    oidc_provider.stop()


@pytest.fixture(scope="session")
def browser(e2e_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, e2e_server):
    """Make browser contexts (one per person); phone=True gives a phone-sized screen, javascript=False
    a browser without scripts (the pages work without them)."""
    contexts = []

    def make(*, phone: bool = False, locale: str = "nl-NL", javascript: bool = True):
        options = {"base_url": e2e_server.url, "locale": locale, "java_script_enabled": javascript}
        if phone:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        else:
            options.update(viewport={"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("request", lambda req: _record_outside(req.url))
        contexts.append(context)
        return context

    outside: list[str] = []

    def _record_outside(url: str) -> None:
        if not url.startswith(LOCAL_PREFIXES):
            outside.append(url)

    yield make
    for context in contexts:
        context.close()
    # Nothing may be loaded from outside the machine: no CDN, no web fonts.
    assert not outside, f"the page loaded something from outside 127.0.0.1: {outside}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()
