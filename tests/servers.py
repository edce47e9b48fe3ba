"""Real ASGI servers for the tests that need one (uvicorn in a subprocess on the test database)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
