"""Small builders for the teams tests (named people live in tests/conftest.py)."""

import itertools

from tests.factories import AssignmentFactory, StudentFactory, TeamFactory
from wijklab.models import User

_seq = itertools.count(1)


def student(cohort, niveau: int, name: str | None = None) -> User:
    n = next(_seq)
    username = name or f"s{niveau}-{n}"
    return StudentFactory(
        username=username, display_name=f"Student {username}", profile__niveau=niveau, profile__cohort=cohort
    )


def open_team(assignment, name: str | None = None):
    return TeamFactory(assignment=assignment, name=name or f"Team {next(_seq)}", created_by=assignment.created_by)


def small_assignment(cohort, organisation, neighbourhood, coordinator, **kwargs):
    """An assignment for a team of exactly three: one niveau 4 and one niveau 6 at least."""
    defaults = {
        "team_size_min": 3,
        "team_size_max": 3,
        "min_niveau_4": 1,
        "min_niveau_5": 0,
        "min_niveau_6": 1,
        "title": f"Kleine opdracht {next(_seq)}",
    }
    defaults.update(kwargs)
    return AssignmentFactory(
        cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, created_by=coordinator, **defaults
    )
