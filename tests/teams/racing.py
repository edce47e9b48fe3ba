"""Students racing for seats, each on their own database connection (threads).

Used by test_concurrency.py on PostgreSQL, and by sqlite_race.py against a
real SQLite file (the in-memory test database cannot take concurrent writers).
"""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connections

from teams import services
from teams.models import Membership
from tests.factories import add_member
from tests.teams.builders import open_team, small_assignment, student
from wijklab.errors import RuleViolation
from wijklab.models import User

RACERS = 24


@contextmanager
def _room_in_the_pool(racers: int) -> Iterator[None]:
    """Every racer holds a connection at the barrier: the PostgreSQL pool (DB_POOL_MAX_SIZE) must lend them all."""
    database = connections["default"]
    options = database.settings_dict.get("OPTIONS", {}).get("pool")
    if not isinstance(options, dict) or options.get("max_size", 0) > racers:
        yield
        return
    original = dict(options)

    def new_pool(**changes) -> None:
        database.close()
        database.close_pool()
        options.clear()
        options.update(original, **changes)

    new_pool(max_size=racers + 1)
    try:
        yield
    finally:
        new_pool()


def _attempt_all(calls: list) -> Counter:
    barrier = threading.Barrier(len(calls))

    def attempt(call) -> str:
        team, student_id = call
        try:
            user = User.objects.select_related("student_profile").get(pk=student_id)
            barrier.wait(timeout=60)
            services.membership_join(team=team, student=user)
            return "joined"
        except RuleViolation as exc:
            return exc.code
        finally:
            connections.close_all()

    with _room_in_the_pool(len(calls)), ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(pool.map(attempt, calls))


def last_seat(cohort, organisation, neighbourhood, coordinator) -> dict:
    """A team of 3 with a niveau 4 and a niveau 6; students of every niveau race for the one seat left."""
    assignment = small_assignment(cohort, organisation, neighbourhood, coordinator, team_size_max=3)
    team = open_team(assignment, "Team Laatste Plek")
    add_member(team, student(cohort, 4))
    add_member(team, student(cohort, 6))
    racers = [student(cohort, (4, 5, 6)[i % 3]).pk for i in range(RACERS)]
    outcomes = _attempt_all([(team, r) for r in racers])
    return {"outcomes": dict(outcomes), "members": _members(team)}


def reserved_seat(cohort, organisation, neighbourhood, coordinator) -> dict:
    """A team of 3 with a niveau 4 and a niveau 5: the last seat is for a niveau 6; 4s and 6s race."""
    assignment = small_assignment(cohort, organisation, neighbourhood, coordinator, team_size_max=3)
    team = open_team(assignment, "Team Gereserveerd")
    add_member(team, student(cohort, 4))
    add_member(team, student(cohort, 5))
    racers = [student(cohort, (4, 6)[i % 2]).pk for i in range(RACERS)]
    outcomes = _attempt_all([(team, r) for r in racers])
    newest = Membership.objects.filter(team=team, left_at__isnull=True).order_by("-pk").first()
    return {
        "outcomes": dict(outcomes),
        "members": _members(team),
        "winner_niveau": newest.student.student_profile.niveau,
    }


def one_student_many_teams(cohort, organisation, neighbourhood, coordinator) -> dict:
    """One student joining many teams at the same moment (the unique index decides)."""
    assignment = small_assignment(cohort, organisation, neighbourhood, coordinator, team_size_max=5)
    teams = [open_team(assignment, f"Team {i}") for i in range(RACERS)]
    racer = student(cohort, 6)
    outcomes = _attempt_all([(team, racer.pk) for team in teams])
    return {
        "outcomes": dict(outcomes),
        "memberships": Membership.objects.filter(student=racer, left_at__isnull=True).count(),
    }


def _members(team) -> int:
    return Membership.objects.filter(team=team, left_at__isnull=True).count()


SCENARIOS = {"last_seat": last_seat, "reserved_seat": reserved_seat, "one_student_many_teams": one_student_many_teams}
