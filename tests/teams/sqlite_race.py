"""Run a race scenario against a fresh SQLite *file* configured as in production.

    WIJKLAB_DATA_DIR=/tmp/x python -m tests.teams.sqlite_race last_seat reserved_seat

Prints the outcomes as JSON on the last line. The test suite's SQLite database
lives in memory with a shared cache, where concurrent writers fail at once
instead of waiting; a file is what ``make run`` uses.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tests.factories import CohortFactory, NeighbourhoodFactory, OrganisationFactory, UserFactory  # noqa: E402
from tests.teams.racing import SCENARIOS  # noqa: E402
from wijklab.models import Role  # noqa: E402


def main(scenarios: list[str]) -> None:
    assert connection.vendor == "sqlite"
    assert "memory" not in str(connection.settings_dict["NAME"])
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    results = {}
    for scenario in scenarios:
        cohort = CohortFactory(name=f"Racecohort {scenario}")
        coordinator = UserFactory(username=f"race-coordinator-{scenario}", role=Role.COORDINATOR)
        cohort.coordinators.add(coordinator)
        results[scenario] = SCENARIOS[scenario](cohort, OrganisationFactory(), NeighbourhoodFactory(), coordinator)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
