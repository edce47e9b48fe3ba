"""A Redis server of the test's own, on a free port, that the test may stop and start again.

The machine's Redis (6379) is shared by everyone and is never stopped; a fault test that
needs Redis to go away starts this one, points its server processes at it and stops it
when it likes. Nothing is kept on disk (``--save ""``, ``--appendonly no``): a restart
comes back empty, as a Redis without persistence does in production.
"""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class OwnRedis:
    """One redis-server process on ``port``; ``stop()`` and ``start()`` keep the port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10) -> None:
        assert not self.running, "already running"
        self.starts += 1
        log = open(self.directory / f"redis-{self.port}-{self.starts}.log", "w")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not _answers_ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"redis-server on port {self.port} did not start: {self.logs()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL); the port refuses connections once this returns."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.directory.glob(f"redis-{self.port}-*.log")))


@pytest.fixture
def own_redis(tmp_path_factory) -> Iterator[OwnRedis]:
    """A running Redis of this test's own, stopped at the end whatever happened."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("needs redis-server")
    redis = OwnRedis(tmp_path_factory.mktemp("own-redis"))
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
