"""Team formation: the CP-SAT engine against a greedy baseline and against its own long run.

Not a test: run it by hand (docs/benchmarks.md, "Team formation"). For each
size and seed it generates a synthetic cohort (``generate_cohort``, in the
COHORT.json shape of docs/formation.md), then in the same run:

- ``engine``: ``teams.formation.solve`` at the size's time limit (the target:
  300 students within 5 s, 1,000 within 30 s);
- ``greedy``: the first-come-first-served baseline of bench/formation_greedy.py;
- ``long``: the same engine for ``--long`` seconds, the best known proposal.

Every proposal is checked against the hard rules by the engine's own
``violations()``. Reported per variant: wall time, violations, students placed,
the gaps to the bound as the engine reports them, the preference profile, and
per size whether the targets hold.

    .venv/bin/python bench/formation.py --sizes 150,300,1000 --long 0 --seeds 1
    .venv/bin/python bench/formation.py --sizes 150,300,1000 --long 120 --seeds 1,2,3 --json var/bench/formation.json
    .venv/bin/python bench/formation.py table var/bench/formation.json
    .venv/bin/python bench/formation.py generate --students 300 --assignments 60 --seed 1 -o cohort.json

Needs no database: Django is set up only for the translated messages.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- synthetic cohorts ---------------------------------------------------------------

# Rotterdam region: mbo schools for niveau 4, associate degrees (niveau 5) and
# bachelors (niveau 6) at the universities of applied sciences.
MBO_SCHOOLS = (("albeda", 40), ("zadkine", 35), ("davinci", 25))
AD_SCHOOLS = (("hogeschool-rotterdam", 60), ("inholland", 40))
HBO_SCHOOLS = (("hogeschool-rotterdam", 50), ("inholland", 30), ("hogeschool-leiden", 20))
NIVEAU_SHARES = ((4, 0.45), (5, 0.20), (6, 0.35))
COMPETENCES = tuple(f"C{i:02d}" for i in range(1, 13))
# Fridays and Wednesdays are school days for many: fewer students are free then.
WEEKDAY_WEIGHTS = (1.0, 1.1, 0.7, 1.1, 0.5)
POPULARITY_EXPONENT = 0.8  # Zipf-like: the k-th most popular assignment is chosen ~1/k^0.8 as often
RULES = {"min_shared_weekdays": 1, "only_ranked": True, "max_teams_per_assignment": 1}


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """``k`` distinct items, each drawn in proportion to its weight among those left."""
    items, weights = list(items), list(weights)
    chosen = []
    for _ in range(min(k, len(items))):
        i = rng.choices(range(len(items)), weights=weights)[0]
        chosen.append(items.pop(i))
        weights.pop(i)
    return chosen


def generate_cohort(n_students: int, n_assignments: int, *, seed: int) -> dict:
    """A cohort in the COHORT.json shape, the same for the same arguments.

    About as many seats (the assignments' maximum sizes) as students, ranked
    choices skewed towards a few popular assignments, so not everyone can get
    a popular one and some cannot be placed at all.
    """
    rng = random.Random(f"formation-{seed}-{n_students}-{n_assignments}")
    competence_weights = [1.0 / (i + 1) ** 0.5 for i in range(len(COMPETENCES))]

    assignments = []
    for i in range(n_assignments):
        size_max = rng.choices((4, 5, 6), weights=(25, 50, 25))[0]
        size_min = min(rng.choices((3, 4), weights=(65, 35))[0], size_max)
        requires_hbo = rng.random() < 0.10
        assignments.append(
            {
                "id": f"A{i + 1:03d}",
                "team_size_min": size_min,
                "team_size_max": size_max,
                "min_niveau_4": 1,
                "min_niveau_5": 1 if rng.random() < 0.20 else 0,
                "min_niveau_6": 1 if requires_hbo or rng.random() < 0.85 else 0,
                "requires_hbo": requires_hbo,
                "max_teams": 1,
                "competences": {
                    c: rng.randint(1, 3)
                    for c in sorted(_weighted_sample(rng, COMPETENCES, competence_weights, rng.randint(2, 5)))
                },
            }
        )
    popularity = list(range(1, n_assignments + 1))
    rng.shuffle(popularity)
    choice_weights = [1.0 / p**POPULARITY_EXPONENT for p in popularity]
    assignment_ids = [a["id"] for a in assignments]

    niveaus: list[int] = []
    for niveau, share in NIVEAU_SHARES[:-1]:
        niveaus += [niveau] * round(share * n_students)
    niveaus += [NIVEAU_SHARES[-1][0]] * (n_students - len(niveaus))
    rng.shuffle(niveaus)
    schools = {4: MBO_SCHOOLS, 5: AD_SCHOOLS, 6: HBO_SCHOOLS}
    students = []
    for i, niveau in enumerate(niveaus):
        names, weights = zip(*schools[niveau], strict=True)
        students.append(
            {
                "id": f"S{i + 1:04d}",
                "niveau": niveau,
                "school": rng.choices(names, weights=weights)[0],
                "competences": sorted(_weighted_sample(rng, COMPETENCES, competence_weights, rng.randint(2, 4))),
                "weekdays": sorted(_weighted_sample(rng, range(5), list(WEEKDAY_WEIGHTS), rng.randint(2, 4))),
                "preferences": _weighted_sample(rng, assignment_ids, choice_weights, 5),
            }
        )

    # About 1 % of the students each in a together pair and in an apart pair.
    pool = rng.sample(range(n_students), 4 * max(1, n_students // 100))
    together, apart = [], []
    for k in range(0, len(pool) // 2, 2):
        first, second = students[pool[k]], students[pool[k + 1]]
        # Friends who ask to work together rank alike and share a day.
        second["preferences"] = list(first["preferences"])
        if len(second["preferences"]) > 2:
            j = rng.randrange(1, len(second["preferences"]) - 1)
            second["preferences"][j], second["preferences"][j + 1] = (
                second["preferences"][j + 1],
                second["preferences"][j],
            )
        if not set(first["weekdays"]) & set(second["weekdays"]):
            days = list(second["weekdays"])
            days[rng.randrange(len(days))] = rng.choice(first["weekdays"])
            second["weekdays"] = sorted(days)
        together.append([first["id"], second["id"]])
    for k in range(len(pool) // 2, len(pool) - 1, 2):
        apart.append([students[pool[k]]["id"], students[pool[k + 1]]["id"]])
    return {
        "rules": dict(RULES),
        "assignments": assignments,
        "students": students,
        "together": together,
        "apart": apart,
    }


# --- the run ------------------------------------------------------------------------------

SIZES = {150: 30, 300: 60, 1000: 200}  # students → assignments: about five seats a team
TIME_LIMITS = {150: 5.0, 300: 5.0, 1000: 30.0}  # the targets of issue 13 (larger cohorts: 30 s)
STAGE_GAP_TARGET = 1.0  # % on placement and preferences
STAGES_AT_1 = ("placement", "preferences")  # the engine's names of those stages
WHOLE_GAP_TARGET = 3.0  # % on the whole objective
TOP3_SLACK = 2.0  # percentage points of the long run's top-3 share
CLEARLY_BETTER = 2.0  # percentage points of the cohort, on placed and on top-3 share, above greedy


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    import django

    django.setup()


def measure(cohort: dict, variant: str, teams: list[dict], wall_s: float, proposal: dict | None = None) -> dict:
    """One variant's figures; the engine's own ``violations`` and ``preference_profile`` judge every variant."""
    from teams.formation import preference_profile, violations

    found = violations(cohort, teams)
    profile = preference_profile(cohort, teams)
    n = len(cohort["students"])
    placed = n - profile["unplaced"]
    top3 = sum(profile.get(str(r), 0) for r in (1, 2, 3))
    row = {
        "variant": variant,
        "wall_s": round(wall_s, 3),
        "violations": len(found),
        "violation_codes": sorted({v["code"] for v in found}),
        "students": n,
        "placed": placed,
        "placed_pct": round(100 * placed / n, 2),
        "rank1": profile.get("1", 0),
        "top3": top3,
        "top3_pct": round(100 * top3 / n, 2),
        "profile": profile,
        "teams": len(teams),
    }
    if proposal is not None:
        row.update(
            cpu_s=round(proposal.get("bench_cpu_s", 0.0), 2),
            loadavg_1m=round(os.getloadavg()[0], 2),
            status=proposal.get("status"),
            objective=proposal.get("objective"),
            bound=proposal.get("bound"),
            gap_pct=_pct(proposal.get("gap")),
            stage_gaps_pct=stage_gaps(proposal),
        )
    return row


def _pct(gap: float | None) -> float | None:
    return None if gap is None else round(100 * gap, 3)


def stage_gaps(proposal: dict) -> dict[str, float | None]:
    """The engine's gap per lexicographic stage, in %, as it reports them."""
    return {
        str(stage.get("name")): _pct(stage.get("gap"))
        for stage in proposal.get("stages", [])
        if isinstance(stage, dict)
    }


def run_engine(cohort: dict, time_limit: float, *, seed: int, workers: int) -> tuple[dict, float]:
    from teams.formation import solve

    started, cpu = time.perf_counter(), time.process_time()
    proposal = solve(cohort, time_limit=time_limit, seed=seed, workers=workers)
    wall = time.perf_counter() - started
    # The CPU the solver's threads got: on a shared two-core machine, less than workers × wall means others ran too.
    proposal["bench_cpu_s"] = time.process_time() - cpu
    return proposal, wall


def judge(size: int, time_limit: float, rows: dict[str, dict]) -> dict[str, bool | None]:
    """Whether the engine's default run meets the targets, against the long run and greedy of the same cohort."""
    engine, greedy_row, long = rows["engine"], rows["greedy"], rows.get("long")
    gaps = engine.get("stage_gaps_pct", {})
    stage = [gaps[name] for name in STAGES_AT_1 if gaps.get(name) is not None]
    verdict: dict[str, bool | None] = {
        "no_violations": all(r["violations"] == 0 for r in rows.values()),
        "within_time": engine["wall_s"] <= time_limit,
        "placed_as_long": None if long is None else engine["placed"] >= long["placed"],
        "top3_within_2_of_long": None if long is None else engine["top3_pct"] >= long["top3_pct"] - TOP3_SLACK,
        "stage_gaps_below_1": (max(stage) < STAGE_GAP_TARGET) if stage else None,
        "whole_gap_below_3": None if engine.get("gap_pct") is None else engine["gap_pct"] < WHOLE_GAP_TARGET,
        "clearly_better_than_greedy": engine["placed_pct"] >= greedy_row["placed_pct"] + CLEARLY_BETTER
        and engine["top3_pct"] >= greedy_row["top3_pct"] + CLEARLY_BETTER,
    }
    return verdict


def fmt(value: object, spec: str = "") -> str:
    if value is None:
        return "–"
    return format(value, spec)


def print_table(results: list[dict]) -> None:
    head = (
        "size",
        "seed",
        "variant",
        "wall s",
        "cpu s",
        "viol",
        "placed",
        "rank 1",
        "top-3 %",
        "stage gaps %",
        "gap %",
        "status",
    )
    print("\n" + " | ".join(head))
    for result in results:
        for variant in ("greedy", "engine", "long"):
            r = result["rows"].get(variant)
            if r is None:
                continue
            stages = " / ".join(f"{k} {fmt(v, '.2f')}" for k, v in r.get("stage_gaps_pct", {}).items()) or "–"
            print(
                " | ".join(
                    (
                        f"{result['students']}",
                        f"{result['seed']}",
                        variant,
                        f"{r['wall_s']:.2f}",
                        fmt(r.get("cpu_s"), ".1f"),
                        f"{r['violations']}",
                        f"{r['placed']} ({r['placed_pct']:.1f} %)",
                        f"{r['rank1']}",
                        f"{r['top3_pct']:.1f}",
                        stages,
                        fmt(r.get("gap_pct"), ".2f"),
                        r.get("status") or "–",
                    )
                )
            )
    print("\ntargets (engine at its time limit):")
    for result in results:
        if "targets" not in result:
            continue
        marks = " ".join(f"{k}={'–' if v is None else ('yes' if v else 'NO')}" for k, v in result["targets"].items())
        print(f"{result['students']} seed {result['seed']} (limit {result['time_limit']:g} s): {marks}")


def objective_cell(row: dict, long: dict | None) -> str:
    """The engine's whole objective (lower is better), and for the default run how far above the long run's."""
    value = row.get("objective")
    if value is None:
        return "–"
    if row["variant"] != "engine" or not long or not long.get("objective"):
        return f"{value:,.0f}"
    return f"{value:,.0f} ({100 * (value - long['objective']) / long['objective']:+.2f} %)"


def markdown(path: Path) -> str:
    """The figures of a ``--json`` file as the tables in docs/benchmarks.md."""
    data = json.loads(path.read_text())
    lines = [
        "| students | seed | variant | wall | CPU | violations | placed | rank 1 | top 3 "
        "| gap placement | gap preferences | gap whole | objective | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in data["results"]:
        for variant in ("greedy", "engine", "long"):
            r = result["rows"].get(variant)
            if r is None:
                continue
            gaps = r.get("stage_gaps_pct", {})
            cells = [
                f"{result['students']:,}",
                str(result["seed"]),
                variant,
                f"{r['wall_s']:.2f} s",
                fmt(r.get("cpu_s"), ".1f") + (" s" if r.get("cpu_s") is not None else ""),
                str(r["violations"]),
                f"{r['placed']} ({r['placed_pct']:.1f} %)",
                str(r["rank1"]),
                f"{r['top3_pct']:.1f} %",
                *(fmt(gaps.get(name), ".2f") + (" %" if gaps.get(name) is not None else "") for name in STAGES_AT_1),
                fmt(r.get("gap_pct"), ".2f") + (" %" if r.get("gap_pct") is not None else ""),
                objective_cell(r, result["rows"].get("long")),
                r.get("status") or "–",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    names = {
        "no_violations": "0 violations",
        "within_time": "within the limit",
        "placed_as_long": "placed = long",
        "top3_within_2_of_long": "top 3 ≥ long − 2",
        "stage_gaps_below_1": "gaps < 1 %",
        "whole_gap_below_3": "whole gap < 3 %",
        "clearly_better_than_greedy": "≫ greedy",
    }
    lines += ["", "| students | seed | limit | " + " | ".join(names.values()) + " |"]
    lines.append("|---|---|---|" + "---|" * len(names))
    for result in data["results"]:
        targets = result.get("targets")
        if targets:
            marks = ("–" if targets[k] is None else ("yes" if targets[k] else "**no**") for k in names)
            lines.append(
                f"| {result['students']:,} | {result['seed']} | {result['time_limit']:g} s | "
                + " | ".join(marks)
                + " |"
            )
    return "\n".join(lines)


def machine() -> dict:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except OSError:
        pass
    import ortools

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "engine": engine_version(),
        "loadavg_at_start": os.getloadavg(),
    }


def engine_version() -> str:
    """The commit, and the engine file's own hash when it differs from the commit (work in progress)."""
    import hashlib

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    engine = ROOT / "teams" / "formation.py"
    version = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--", str(engine)):
        version += f" + uncommitted teams/formation.py sha256 {hashlib.sha256(engine.read_bytes()).hexdigest()[:12]}"
    return version


def parse_limits(text: str | None, sizes: list[int]) -> dict[int, float]:
    """``5`` for every size, or per size as ``150:5,300:5,1000:30``; by default the targets'."""
    if not text:
        return {n: TIME_LIMITS.get(n, 5.0 if n <= 300 else 30.0) for n in sizes}
    if ":" not in text:
        return dict.fromkeys(sizes, float(text))
    limits = {int(k): float(v) for k, v in (part.split(":") for part in text.split(","))}
    return {n: limits.get(n, TIME_LIMITS.get(n, 30.0)) for n in sizes}


def run(args: argparse.Namespace) -> None:
    setup_django()
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    limits = parse_limits(args.time_limit, sizes)
    from formation_greedy import greedy  # bench/ is the script's directory, first on sys.path

    info = machine()
    print(f"{info['nproc']} cores, {info['cpu']}, Python {info['python']}, OR-Tools {info['ortools']}, {info['date']}")
    print(f"engine {info['engine']}, load average {' '.join(f'{x:.2f}' for x in info['loadavg_at_start'])}")
    results = []
    for size in sizes:
        n_assignments = SIZES.get(size, size // 5)
        for seed in seeds:
            cohort = generate_cohort(size, n_assignments, seed=seed)
            rows: dict[str, dict] = {}
            started = time.perf_counter()
            teams = greedy(cohort)
            rows["greedy"] = measure(cohort, "greedy", teams, time.perf_counter() - started)
            if args.greedy_only:
                results.append({"students": size, "assignments": n_assignments, "seed": seed, "rows": rows})
                print(f"{size} students, seed {seed}: greedy placed {rows['greedy']['placed']}", flush=True)
                continue
            proposal, wall = run_engine(cohort, limits[size], seed=args.solver_seed, workers=args.workers)
            rows["engine"] = measure(cohort, "engine", proposal["teams"], wall, proposal)
            if args.long > 0:
                proposal, wall = run_engine(cohort, args.long, seed=args.solver_seed, workers=args.workers)
                rows["long"] = measure(cohort, "long", proposal["teams"], wall, proposal)
            result = {
                "students": size,
                "assignments": n_assignments,
                "seed": seed,
                "time_limit": limits[size],
                "rows": rows,
                "targets": judge(size, limits[size], rows),
            }
            results.append(result)
            summary = ", ".join(
                f"{v} {r['wall_s']:.1f} s placed {r['placed']} top-3 {r['top3_pct']:.1f} % viol {r['violations']}"
                for v, r in rows.items()
            )
            print(f"{size} students, seed {seed}: {summary}", flush=True)
    print_table(results)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        command = " ".join([Path(sys.executable).name, *sys.argv])
        info["loadavg_at_end"] = os.getloadavg()
        path.write_text(json.dumps({"machine": info, "command": command, "results": results}, indent=1))
        print(f"\nwritten to {path}")


def generate(args: argparse.Namespace) -> None:
    cohort = generate_cohort(args.students, args.assignments or args.students // 5, seed=args.seed)
    text = json.dumps(cohort, indent=1)
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text + "\n")
        print(f"{len(cohort['students'])} students, {len(cohort['assignments'])} assignments → {args.output}")


def main() -> None:
    if sys.argv[1:2] == ["table"]:
        parser = argparse.ArgumentParser(prog="formation.py table", description="a --json file as Markdown tables")
        parser.add_argument("json")
        print(markdown(Path(parser.parse_args(sys.argv[2:]).json)))
        return
    if sys.argv[1:2] == ["generate"]:
        parser = argparse.ArgumentParser(prog="formation.py generate", description="write a synthetic COHORT.json")
        parser.add_argument("--students", type=int, default=300)
        parser.add_argument("--assignments", type=int, default=0, help="default: a fifth of the students")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("-o", "--output", default="-", help="a file, or - for stdout")
        generate(parser.parse_args(sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="150,300,1000", help="students per cohort (assignments: a fifth)")
    parser.add_argument("--seeds", default="1", help="cohort seeds, e.g. 1,2,3")
    parser.add_argument("--time-limit", help="the engine's limit: 5, or per size 150:5,300:5,1000:30 (the default)")
    parser.add_argument("--long", type=float, default=120.0, help="seconds for the best-known run; 0 skips it")
    parser.add_argument("--solver-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--greedy-only", action="store_true", help="only the baseline (no engine runs)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
