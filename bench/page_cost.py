"""What one request of each main page costs on the server, without a network or other users.

Not a test: run it by hand (docs/benchmarks.md, "Per-request cost of the main pages"). In one
process, through Django's test client with the server's own settings (run it with ``DEBUG=false``
and the other production settings to measure what production runs), each URL is fetched once
to warm up and then N times; printed per URL: the median and the minimum in ms, and the number
of queries. The minimum is the figure to compare on a busy machine: a request's own CPU cost,
which other processes can only add to.

    WIJKLAB_DATA_DIR=/tmp/demo .venv/bin/python manage.py migrate && … seed_demo
    WIJKLAB_DATA_DIR=/tmp/demo DEBUG=false SECRET_KEY=bench SECURE_SSL_REDIRECT=false \\
        SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECOND_FACTOR_REQUIRED=false \\
        taskset -c 1 .venv/bin/python bench/page_cost.py --requests 40 [--only coordinator:/begeleiding/,…]

``--pages person:url,…`` measures those instead of the demo's pages (the scale data's accounts,
``seed_scale``: ``--pages scale.coordinator:/begeleiding/,scale.docent.mbo:/``).

To compare two versions, run it in two checkouts in alternating order, several rounds.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from wijklab.models import User  # noqa: E402

# The demo people and their main pages (the demo data of seed_demo).
PAGES = {
    "coordinator": ["/", "/begeleiding/", "/teams/", "/opdrachten/"],
    "student4": ["/", "/opdrachten/", "/api/assignments/", "/mijn-voortgang/", "/teams/"],
    "docent.mbo": ["/", "/begeleiding/"],
}


def _timed(client: Client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per URL")
    parser.add_argument("--only", default="", help="comma-separated person:url pairs")
    parser.add_argument("--pages", default="", help="comma-separated person:url pairs instead of the demo's")
    args = parser.parse_args()
    wanted = {pair for pair in args.only.split(",") if pair}
    pages: dict[str, list[str]] = PAGES
    if args.pages:
        pages = {}
        for pair in args.pages.split(","):
            username, url = pair.split(":", 1)
            pages.setdefault(username, []).append(url)
    settings.ALLOWED_HOSTS = ["testserver"]
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            if wanted and f"{username}:{url}" not in wanted:
                continue
            client.get(url)
            times = _timed(client, url, args.requests)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            print(
                f"{username:18} {url:22} median {statistics.median(times):6.1f} ms  min {min(times):6.1f}  "
                f"queries {len(queries)}"
            )
    times = _timed(Client(), "/healthz", args.requests)
    print(f"{'anonymous':18} {'/healthz':22} median {statistics.median(times):6.1f} ms  min {min(times):6.1f}")


if __name__ == "__main__":
    main()
