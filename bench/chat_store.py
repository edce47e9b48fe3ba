"""What storing one chat message costs, in-process on PostgreSQL: today's path against the one it replaced.

Not a test: run it by hand (see docs/benchmarks.md), after ``bench/chat.py
--seed-only`` has made the benchmark database.

- ``message_post``: the project's service (one INSERT … SELECT … ON CONFLICT,
  the rate limit counted by the database);
- ``orm_and_cache`` (the baseline): the earlier path, rebuilt here as it was:
  the resend lookup through the ORM, the rate window read from the Redis
  cache, ``Message.objects.create``, the rate window written back;
- and the two halves of the difference: the earlier lookup through the ORM
  against the same lookup in plain SQL, and a bare ``SELECT 1`` (one round trip).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wijklab_chat_bench REDIS_URL=redis://127.0.0.1:6379/11 \\
    SECRET_KEY=bench .venv/bin/python bench/chat_store.py --calls 2000
"""

import argparse
import itertools
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the benchmark's PostgreSQL database (see the docstring)")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from teams.chat import services as chat_services
    from teams.models import Membership, Message

    # Many authors in turn, as in a real chat: each one's rate window holds a few messages, not thousands.
    pairs = [
        (membership.team, membership.student)
        for membership in Membership.objects.filter(team__name__startswith="Bench")
        .select_related("team", "student")
        .order_by("pk")[:500]
    ]
    if not pairs:
        raise SystemExit("no benchmark teams: run bench/chat.py --seed-only first")
    turn = itertools.cycle(pairs)

    def message_post() -> None:
        team, author = next(turn)
        chat_services.message_post(team=team, author=author, body="hallo", client_id=uuid.uuid4().hex, announce=False)

    def orm_and_cache() -> None:
        team, author = next(turn)
        client_id = uuid.uuid4().hex
        existing = next(
            iter(
                Message.objects.select_related("author", "hidden_by")
                .prefetch_related("attachments")
                .filter(author_id=author.pk, client_id=client_id)
                .order_by()[:1]
            ),
            None,
        )
        assert existing is None
        now = time.time()
        stamps = [t for t in cache.get(f"bench:rate:{author.pk}") or [] if now - t < 10]
        Message.objects.create(team=team, author=author, body="hallo", client_id=client_id)
        cache.set(f"bench:rate:{author.pk}", [*stamps, time.time()][-20:], timeout=11)

    def lookup_orm() -> None:
        _team, author = next(turn)
        next(iter(Message.objects.filter(author_id=author.pk, client_id=uuid.uuid4().hex).order_by()[:1]), None)

    def lookup_sql() -> None:
        _team, author = next(turn)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM teams_message WHERE author_id = %s AND client_id = %s LIMIT 1",
                [author.pk, uuid.uuid4().hex],
            )
            cursor.fetchone()

    def select_1() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    variants = {
        "orm_and_cache": orm_and_cache,
        "message_post": message_post,
        "lookup_orm": lookup_orm,
        "lookup_sql": lookup_sql,
        "select_1": select_1,
    }
    per_call: dict[str, list[float]] = {name: [] for name in variants}
    for _round in range(args.rounds):
        # Interleaved rounds: a slow moment of the machine hits every variant alike.
        for name, func in variants.items():
            for _ in range(50):
                func()
            started = time.perf_counter()
            for _ in range(args.calls):
                func()
            per_call[name].append((time.perf_counter() - started) / args.calls * 1000)
        Message.objects.filter(team__name__startswith="Bench").delete()

    medians = {name: statistics.median(values) for name, values in per_call.items()}
    report = {
        "calls_per_round": args.calls,
        "rounds": args.rounds,
        "ms_per_call_median": {name: round(value, 3) for name, value in medians.items()},
        "ms_per_call_rounds": {name: [round(v, 3) for v in values] for name, values in per_call.items()},
        "ratio_to_orm_and_cache": {name: round(value / medians["orm_and_cache"], 2) for name, value in medians.items()},
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
