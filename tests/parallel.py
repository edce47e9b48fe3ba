"""Keeps the parallel test processes of ``make test`` (pytest-xdist) out of each other's way.

Loaded with ``-p tests.parallel`` (pyproject.toml) so it runs before Django reads its settings,
which take Redis's address from the environment once.

Each database is the worker's own already: pytest-django names the test database per worker
(``test_wijklab_gw1``), and the browser tests' server takes the worker's name into its own. Redis
is shared: a second worker takes the next database number of the one ``REDIS_URL`` names, so its
cache, rate limits and chat groups never meet the first one's, and a test that empties the cache
(Django's ``cache.clear()`` empties the whole Redis database) empties only its worker's.
"""

import os
from urllib.parse import urlsplit, urlunsplit

# Redis's default number of databases (``databases 16``).
REDIS_DATABASES = 16


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis address of xdist worker ``gwN``: database ``base + N`` of the same server."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise RuntimeError(f"Parallel tests need REDIS_URL as redis://host:port/db, got {url!r} (or TEST_WORKERS=0).")
    base = int(parts.path.strip("/") or 0)
    number = base + int(worker.removeprefix("gw"))
    if number >= REDIS_DATABASES:
        raise RuntimeError(
            f"REDIS_URL {url} leaves no Redis database for test worker {worker}: "
            f"choose a lower database number or fewer workers (make test TEST_WORKERS=…)."
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)
