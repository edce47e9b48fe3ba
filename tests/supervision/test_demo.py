"""seed_demo's supervision part: the rubric, weeks of history, and something for every alert."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from supervision import demo as supervision_demo
from supervision import selectors
from supervision.models import Criterion, FeedbackEntry, FeedbackKind, Score
from teams.models import SupervisionAssignment
from wijklab import demo as wijklab_demo
from wijklab.models import Role, User


def _counts() -> tuple[int, int, int, int]:
    return (
        Criterion.objects.count(),
        FeedbackEntry.objects.count(),
        Score.objects.count(),
        SupervisionAssignment.objects.count(),
    )


def _alert_codes(username: str) -> dict[str, set[str]]:
    viewer = User.objects.get(username=username)
    rows = selectors.progress_overview(viewer=viewer, today=timezone.localdate()).rows
    return {r.student.username: r.alert_codes for r in rows}


@pytest.mark.django_db
def test_seed_demo_adds_weeks_of_feedback_that_make_every_alert_show():
    call_command("seed_demo", stdout=StringIO())
    assert Criterion.objects.count() == 13
    kinds = set(FeedbackEntry.objects.values_list("kind", flat=True))
    assert kinds == {FeedbackKind.SUPERVISOR, FeedbackKind.SELF, FeedbackKind.PEER}
    assert FeedbackEntry.objects.filter(author_kind="werkbegeleider").exists()
    assert FeedbackEntry.objects.filter(author_kind__in=["mbo_docent", "hbo_docent"]).exists()
    dates = FeedbackEntry.objects.values_list("date", flat=True)
    assert (max(dates) - min(dates)).days >= 28  # a few weeks of history
    assert max(dates) <= timezone.localdate()
    for docent in ("docent.mbo", "docent.hbo"):
        codes = _alert_codes(docent)
        assert codes, f"{docent} supervises nobody in the demo"
        assert any("no_feedback" in c for c in codes.values()), docent
    every = {}
    for supervisor in User.objects.filter(role__in=[Role.SUPERVISOR]):
        every.update(_alert_codes(supervisor.username))
    all_codes = set().union(*every.values())
    assert {"no_feedback", "declining", "self_above"} <= all_codes
    # The main demo student's chart has docent, werkbegeleider and self ratings to show.
    student4 = User.objects.get(username="student4")
    progress = selectors.student_progress(student=student4, today=timezone.localdate())
    sources = {s for c in progress.criteria for s, points in c.series.items() if points}
    assert {"docent", "werkbegeleider", "self"} <= sources


@pytest.mark.django_db
def test_seed_demo_twice_adds_no_feedback():
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first


@pytest.mark.django_db
def test_without_teams_the_demo_links_docenten_to_students_itself():
    ctx = wijklab_demo.seed()
    supervision_demo.seed(ctx)
    docent_mbo = User.objects.get(username="docent.mbo")
    students = set(
        SupervisionAssignment.objects.filter(supervisor=docent_mbo).values_list(
            "student__student_profile__niveau", flat=True
        )
    )
    assert students == {4}
    docent_hbo = User.objects.get(username="docent.hbo")
    niveaus = set(
        SupervisionAssignment.objects.filter(supervisor=docent_hbo).values_list(
            "student__student_profile__niveau", flat=True
        )
    )
    assert niveaus <= {5, 6}
    assert any("no_feedback" in c for c in _alert_codes("docent.mbo").values())
    assert any("declining" in c for c in _alert_codes("docent.mbo").values())
    assert any("self_above" in c for c in _alert_codes("docent.hbo").values())
    first = _counts()
    supervision_demo.seed(ctx)
    assert _counts() == first
