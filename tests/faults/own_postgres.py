"""A PostgreSQL cluster of the test's own, on a free port of 127.0.0.1, that the test may stop and start.

The machine's shared PostgreSQL (5432) is never touched. The cluster lives in a
temporary directory owned by the ``postgres`` user (the server refuses to run as
root, and pytest's own tmp directories are root-only), with trust authentication
and durability off (``fsync=off``): it holds only what the test puts in it.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin)."""
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    if not candidates:
        return None
    return max(candidates, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    # We are root in CI; PostgreSQL's tools must run as the postgres user.
    command = ["runuser", "-u", SUPERUSER, "--", *args] if os.geteuid() == 0 else list(args)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class OwnPostgres:
    """``start()``, ``stop()`` (fast shutdown: sessions are cut off) and ``start()`` again on the same port."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="wijklab-own-pg-"))
        self.data_dir = self.root / "data"
        self.log_path = self.root / "server.log"
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        _as_postgres(
            str(bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _as_postgres(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            timeout=90,
        )
        self.running = True

    def stop(self) -> None:
        """Fast shutdown: open sessions are terminated, as in a restart during use."""
        _as_postgres(str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w", timeout=90)
        self.running = False

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def destroy(self) -> None:
        """Stop the server if it runs (immediately: nothing in it is kept) and remove its files."""
        if self.running or (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _as_postgres(
                    str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", timeout=60
                )
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""


def wait_for(predicate, seconds: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
