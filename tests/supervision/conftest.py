"""Fixtures for supervision: the default rubric and a way to write histories.

``history`` stores entries directly (with the same snapshots as the service)
so tests can build any past, including dates weeks ago, without notifications.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from supervision import selectors, services
from supervision.models import Criterion, FeedbackEntry, FeedbackKind, Rubric, Score
from wijklab.models import User


@pytest.fixture
def rubric(db) -> Rubric:
    return selectors.default_rubric()


@pytest.fixture
def criteria(rubric) -> dict[str, Criterion]:
    """The default criteria by name."""
    return {c.name: c for c in rubric.criteria.prefetch_related("descriptors")}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def history(criteria, today) -> Callable[..., FeedbackEntry]:
    def make(
        *,
        student: User,
        author: User,
        days_ago: int = 0,
        levels: dict[str, int] | None = None,
        comment: str = "",
        kind: str = FeedbackKind.SUPERVISOR,
        show_author: bool = False,
        team=None,
    ) -> FeedbackEntry:
        entry = FeedbackEntry.objects.create(
            student=student,
            author=author,
            team=team,
            date=today - dt.timedelta(days=days_ago),
            kind=kind,
            author_kind=selectors.author_kind_of(author) if kind == FeedbackKind.SUPERVISOR else "",
            comment=comment,
            show_author=show_author,
        )
        for name, level in (levels or {}).items():
            criterion = criteria[name]
            Score.objects.create(
                entry=entry,
                criterion=criterion,
                criterion_name=criterion.name,
                category=criterion.category,
                level=level,
                descriptor=next(d.text for d in criterion.descriptors.all() if d.level == level),
            )
        # What feedback_create does after storing the scores.
        services.standings_refresh(student_ids=[student.pk])
        return entry

    return make


@pytest.fixture
def op_tijd(criteria) -> Criterion:
    return criteria["Op tijd en aanwezig"]


@pytest.fixture
def contact_leggen(criteria) -> Criterion:
    return criteria["Contact leggen en aansluiten bij de leefwereld van bewoners"]
