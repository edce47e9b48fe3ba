"""The floor under the chat's latency: one round trip, and one committed INSERT, on this machine's PostgreSQL.

Not a test: run it by hand (docs/benchmarks.md). A chat message is
acknowledged only after its INSERT is committed (``synchronous_commit = on``:
on disk), so the commit's own tail is part of every chat p99, and the bare
relay (bench/chat_relay.py) has none. The baseline is ``SELECT 1``, measured
in the same run on the same connection.

    .venv/bin/python bench/pg_commit.py --calls 3000

Uses a table of its own in the benchmark's database and drops it afterwards.
"""

import argparse
import time

import psycopg
from quantiles import nearest_rank  # bench/ is the script's directory, first on sys.path

TABLE = "bench_commit_probe"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        name: round(nearest_rank(ordered, q), 2)
        for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/wijklab_chat_bench")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--pause-ms", type=float, default=2.0, help="between calls, as messages arrive")
    args = parser.parse_args()
    if not 100 <= args.calls <= 100_000:
        raise SystemExit("refusing: 100–100,000 calls")

    statements = {
        "SELECT 1 (baseline)": "SELECT 1",
        "INSERT + commit": f"INSERT INTO {TABLE} (body) VALUES ('x')",  # noqa: S608 - a constant
    }
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, body text)")
        try:
            samples: dict[str, list[float]] = {name: [] for name in statements}
            # Interleaved, so that both see the same moments of the machine.
            for _ in range(args.calls):
                for name, sql in statements.items():
                    started = time.perf_counter()
                    conn.execute(sql)
                    samples[name].append((time.perf_counter() - started) * 1000)
                    time.sleep(args.pause_ms / 1000)
        finally:
            conn.execute(f"DROP TABLE {TABLE}")
    baseline = percentiles(samples["SELECT 1 (baseline)"])
    for name, values in samples.items():
        figures = percentiles(values)
        ratios = " ".join(f"{k} {figures[k] / baseline[k]:.1f}×" for k in ("p50", "p99") if baseline[k])
        print(f"{name:<20} " + " ".join(f"{k} {v:.2f} ms" for k, v in figures.items()) + f"   ({ratios})")


if __name__ == "__main__":
    main()
