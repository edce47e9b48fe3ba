"""Students racing for the last seat: exactly one wins, with real concurrent connections.

On PostgreSQL every thread has its own connection and the join locks the team
row (SELECT … FOR UPDATE). On SQLite the write transactions start with
BEGIN IMMEDIATE, which serialises them on the database's write lock; that
race runs against a real SQLite file in a subprocess (see sqlite_race.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.teams import racing

ROOT = Path(__file__).resolve().parents[2]
N = racing.RACERS


def check(scenario: str, result: dict) -> None:
    outcomes = result["outcomes"]
    if scenario == "last_seat":
        assert outcomes == {"joined": 1, "team_full": N - 1}
        assert result["members"] == 3
    elif scenario == "reserved_seat":
        # Exactly one niveau 6 wins; the niveau 4s are refused because the seat
        # is reserved (before or after the winner), other niveau 6s because it is taken.
        assert outcomes["joined"] == 1
        assert outcomes.get("needs_niveau", 0) + outcomes.get("team_full", 0) == N - 1
        assert result["winner_niveau"] == 6
        assert result["members"] == 3
    else:
        assert outcomes == {"joined": 1, "already_in_team": N - 1}
        assert result["memberships"] == 1


SCENARIOS = ["last_seat", "reserved_seat", "one_student_many_teams"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_exactly_one_racer_wins_on_postgresql(
    require_postgres, cohort, organisation, neighbourhood, coordinator, scenario
):
    result = racing.SCENARIOS[scenario](cohort, organisation, neighbourhood, coordinator)
    check(scenario, result)


@pytest.fixture(scope="module")
def sqlite_results(tmp_path_factory) -> dict:
    """All scenarios in one subprocess: one fresh SQLite file, migrated once."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the SQLite race runs in the SQLite pass")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        WIJKLAB_DATA_DIR=str(tmp_path_factory.mktemp("sqlite-race")),
        DJANGO_SETTINGS_MODULE="wijklab.settings",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.teams.sqlite_race", *SCENARIOS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_exactly_one_racer_wins_on_a_sqlite_file(sqlite_results, scenario):
    check(scenario, sqlite_results[scenario])
