"""Real ASGI servers for the tests that need one (uvicorn in a subprocess on the test database)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The servers the tests start speak plain http on 127.0.0.1, so they turn off what DEBUG off turns
# on for a real site (README "Security settings"): the redirect to https and cookies sent only over it.
PLAIN_HTTP = {"SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}


def server_env(
    tmp_path: Path, *, redis_url: str | None, prefix: str = "testserver", drop: tuple[str, ...] = (), **extra: str
) -> dict[str, str]:
    """The environment of a real server or worker on this test's database (``django_db(transaction=True)``).

    It shares this process's SECRET_KEY (sessions made here hold over there) and gets its own
    channel-layer and cache key prefix; ``redis_url=None`` leaves Redis out. ``drop`` removes more
    inherited variables by prefix (``"DB_"``: the settings' pool defaults); ``extra`` adds or overrides.
    """
    from django.conf import settings
    from django.db import connection

    base, _, _name = os.environ["DATABASE_URL"].rpartition("/")
    unique = f"{prefix}{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", *drop))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
            "SECRET_KEY": settings.SECRET_KEY,
            "CHANNEL_LAYER_PREFIX": unique,
            "CACHE_PREFIX": unique,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            **PLAIN_HTTP,
            # Sessions made in the tests have passed no second factor (tests/wijklab/test_account_security.py).
            "SECOND_FACTOR_REQUIRED": "false",
            "WIJKLAB_DATA_DIR": str(tmp_path),
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **extra,
        }
    )
    return env


def start_uvicorn(env: dict[str, str], log_path: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """Start ``uvicorn wijklab.asgi:application`` on a free port; returns the process and its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "wijklab.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, port


def wait_until_healthy(servers: list[tuple[subprocess.Popen, int]], log_paths: list[Path], seconds: float = 30) -> None:
    """Wait until every server's /healthz answers 200; stop them all and show their logs if one does not."""
    deadline = time.monotonic() + seconds
    for process, port in servers:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stop([p for p, _ in servers])
                logs = "\n".join(path.read_text() for path in log_paths)
                raise AssertionError(f"server did not start:\n{logs}")
            time.sleep(0.2)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
