"""Stored standings (``CriterionStanding``): the overview grid sorts, counts and pages from them, so
they must always say what the student's own history says.

The grid's alerts are checked against ``student_progress`` (which reads every score) for every
student of the demo and for each kind of viewer; the database's alert flags against the rows built
in Python; and a refresh after concurrent feedback on PostgreSQL.
"""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from supervision import privacy_services, selectors, services
from supervision.models import (
    AlertSummary,
    Category,
    Criterion,
    CriterionStanding,
    FeedbackKind,
    Level,
    LevelDescriptor,
)
from teams.models import SupervisionAssignment
from tests.factories import SupervisorFactory
from tests.teams.racing import _room_in_the_pool
from wijklab.models import User


def _standings() -> list[tuple]:
    return sorted(
        CriterionStanding.objects.values_list(
            "student_id", "criterion_id", "name", "category", "latest_level", "trend", "declining", "self_side"
        ),
        key=repr,
    )


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize("username", ["coordinator", "docent.mbo", "docent.hbo", "werkbegeleider"])
def test_the_grid_agrees_with_each_students_own_history_on_the_demo(demo, username):
    viewer = User.objects.get(username=username)
    today = timezone.localdate()
    overview = selectors.progress_overview(viewer=viewer, today=today)
    rows = overview.rows
    assert rows, f"{username} sees nobody in the demo"
    # The database's flags (what sorts and counts; aliases, so read them out here).
    flags = dict(overview.students.annotate(flags=F("alert_count")).values_list("pk", "flags"))
    for row in rows:
        progress = selectors.student_progress(student=row.student, today=today, viewer=viewer)
        expected = {(a.code, a.message, frozenset(a.criteria)) for a in progress.alerts}
        assert {(a.code, a.message, frozenset(a.criteria)) for a in row.alerts} == expected, row.student.username
        # The database's flags (what sorts and counts) say the same as the row.
        assert flags[row.student.pk] == len(row.alerts), row.student.username
        latest = {c.criterion_id: c.series["docent"] + c.series["werkbegeleider"] for c in progress.criteria}
        for criterion, cell in zip(overview.criteria, row.cells, strict=True):
            points = sorted(latest.get(criterion.pk, []), key=lambda p: (p.date, p.entry_id))
            assert cell.level == (points[-1].level if points else None), (row.student.username, criterion.name)
    # Most alerts first, and the counts are those of the rows.
    assert [len(r.alerts) for r in rows] == sorted((len(r.alerts) for r in rows), reverse=True)
    assert overview.counts["total"] == overview.counts["all"] == len(rows)
    assert overview.counts["flagged"] == sum(1 for r in rows if r.alerts)
    for code in selectors.ALERT_CODES:
        assert overview.counts[code] == sum(1 for r in rows if code in r.alert_codes), code
    only = selectors.progress_overview(viewer=viewer, today=today, only_alerts=True)
    assert [r.student.pk for r in only.rows] == [r.student.pk for r in rows if r.alerts]
    # Sorted by alerts in Python, ties by name in the database's order: the order SQL gives
    # sorting on the flags' total, both ways (the demo has many ties).
    name = selectors._name_key()
    for descending, key in ((False, F("alert_count").desc()), (True, F("alert_count").asc())):
        sql = list(overview.students.order_by(key, name, "pk").values_list("pk", flat=True))
        assert selectors.progress_overview(viewer=viewer, today=today, descending=descending).order == sql


def test_the_demo_has_standings_and_a_second_refresh_changes_none(demo):
    before = _standings()
    assert len(before) > 100
    assert CriterionStanding.objects.filter(declining=True).exists()
    assert CriterionStanding.objects.filter(self_side=1).exists()
    services.standings_refresh(student_ids=User.objects.filter(standings__isnull=False).values_list("pk", flat=True))
    assert _standings() == before


def test_new_feedback_moves_the_cell_and_its_trend(team, mbo_docent, student4, criteria, today):
    samenwerken = criteria["Samenwerken"]

    def cell():
        overview = selectors.progress_overview(viewer=mbo_docent, today=today)
        index = next(i for i, c in enumerate(overview.criteria) if c.pk == samenwerken.pk)
        row = next(r for r in overview.rows if r.student == student4)
        return row.cells[index].level, row.cells[index].trend, row.alert_codes

    assert cell() == (None, None, {"no_feedback"})
    for level in (3, 2, 1):
        services.feedback_create(
            author=mbo_docent, student_id=student4.pk, scores=[{"criterion": samenwerken.pk, "level": level}]
        )
    assert cell() == (1, "down", {"declining"})
    # A self-rating far above the supervisors' raises its alert at once.
    services.feedback_create(
        author=student4,
        student_id=student4.pk,
        kind=FeedbackKind.SELF,
        scores=[{"criterion": samenwerken.pk, "level": 4}],
    )
    assert cell() == (1, "down", {"declining", "self_above"})


def test_a_comment_without_ratings_leaves_the_standings_alone(team, mbo_docent, student4, criteria):
    services.feedback_create(
        author=mbo_docent, student_id=student4.pk, scores=[{"criterion": criteria["Samenwerken"].pk, "level": 3}]
    )
    before = _standings()
    services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="Goed gesprek gehad.")
    assert _standings() == before


def test_a_comment_without_ratings_is_still_their_latest_supervisor_feedback(team, mbo_docent, student4, today):
    """The grid reads the last supervisor feedback from the stored summary: a comment alone must
    update it, or the "no feedback" alert would stay."""
    overview = selectors.progress_overview(viewer=mbo_docent, today=today)
    assert student4.pk in overview.alerted["no_feedback"]
    services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="Goed gesprek gehad.")
    overview = selectors.progress_overview(viewer=mbo_docent, today=today)
    assert student4.pk not in overview.alerted["no_feedback"]
    [row] = overview.rows_for([student4.pk])
    assert row.last_feedback == today
    assert row.alerts == []
    # A student's own comment on themself is no supervisor feedback.
    services.feedback_create(author=student4, student_id=student4.pk, kind=FeedbackKind.SELF, comment="Ging goed.")
    assert AlertSummary.objects.get(student=student4).last_supervisor_feedback == today


def test_erasing_a_student_removes_their_standings(team, history, mbo_docent, coordinator, student4, student5):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2})
    history(student=student5, author=mbo_docent, levels={"Samenwerken": 3})
    privacy_services.student_erase(student=student4, by=coordinator, confirmation=student4.get_display_name())
    assert not CriterionStanding.objects.filter(student_id=student4.pk).exists()
    assert not AlertSummary.objects.filter(student_id=student4.pk).exists()
    assert CriterionStanding.objects.filter(student=student5).count() == 1
    assert AlertSummary.objects.filter(student=student5).exists()


def test_only_alerts_pages_the_flagged_students_with_their_count(client, team, history, mbo_docent, student4, today):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, days_ago=1)
    client.force_login(mbo_docent)
    page = client.get(reverse("supervision-overview"), {"signalen": "1"}).content.decode()
    # student4 had feedback yesterday: the other two (never any feedback) are the flagged ones.
    assert "Sanne de Vries" not in page
    overview = selectors.progress_overview(viewer=mbo_docent, today=today, only_alerts=True)
    assert overview.counts["total"] == 2
    assert overview.counts["all"] == 3
    assert all(r.student.get_display_name() in page for r in overview.rows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rated", [True, False], ids=["ratings", "comments"])
def test_feedback_written_at_once_leaves_the_standings_of_all_of_it(require_postgres, team, criteria, student4, rated):
    """Six supervisors rate one student on one criterion (or only comment) at the same moment, each
    on their own connection: no deadlock, no duplicate standing or summary, and the standing is that
    of all six ratings."""
    samenwerken = criteria["Samenwerken"]
    authors = []
    for i in range(6):
        author = SupervisorFactory(username=f"racer-{i}")
        SupervisionAssignment.objects.create(supervisor=author, team=team)
        authors.append(author.pk)
    barrier = threading.Barrier(len(authors))

    def write(author_id: int) -> str:
        try:
            author = User.objects.select_related("supervisor_profile").get(pk=author_id)
            barrier.wait(timeout=60)
            scores = [{"criterion": samenwerken.pk, "level": 1 + author_id % 4}] if rated else []
            services.feedback_create(
                author=author, student_id=student4.pk, scores=scores, comment="" if rated else "Gesprek."
            )
            return "ok"
        except Exception as exc:
            return repr(exc)
        finally:
            connections.close_all()

    with _room_in_the_pool(len(authors)), ThreadPoolExecutor(max_workers=len(authors)) as pool:
        outcomes = list(pool.map(write, authors))
    assert outcomes == ["ok"] * len(authors)
    stored = _standings()
    assert len(stored) == (1 if rated else 0)
    assert AlertSummary.objects.filter(student=student4).count() == 1
    services.standings_refresh(student_ids=[student4.pk])
    assert _standings() == stored


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_standings_an_existing_database_needs(team, history, mbo_docent, student4, student5):
    """An existing database gets its standings when it migrates: the same as a refresh writes."""
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 4, "Op tijd en aanwezig": 3}, days_ago=9)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=2)
    history(student=student5, author=student5, kind=FeedbackKind.SELF, levels={"Samenwerken": 4}, days_ago=1)
    expected = _standings()
    assert len(expected) == 3
    _migrate_back_and_forth(to="0005_move_supervisionassignment")
    assert _standings() == expected


def _migrate_back_and_forth(*, to: str) -> None:
    """Migrate supervision back to ``to`` and forward again, as an existing database upgrades."""
    executor = MigrationExecutor(connection)
    executor.migrate([("supervision", to)])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("supervision"))


def _summaries() -> list[tuple]:
    return sorted(
        AlertSummary.objects.values_list(
            "student_id",
            "last_supervisor_feedback",
            "declining",
            "self_above",
            "self_below",
            "shared_declining",
            "shared_self_above",
            "shared_self_below",
        )
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_summaries_an_existing_database_needs(
    team, history, mbo_docent, student4, student5, student6, criteria
):
    """The summaries the migration writes (in SQL) are those the service writes: a decline, a
    self-rating above the supervisors', a comment alone, a programme's criterion (not for
    werkbegeleiders) and a removed one (for them too, as they see its standing)."""
    rubric = criteria["Samenwerken"].rubric
    for name, programme in (("Methodiek", "Social Work"), ("Oud criterium", "")):
        criterion = Criterion.objects.create(
            rubric=rubric, category=Category.WERKNEMERSVAARDIGHEDEN, name=name, programme=programme
        )
        for level in Level.values:
            LevelDescriptor.objects.create(criterion=criterion, level=level, text=f"Niveau {level}")
        criteria[name] = criterion
    for days_ago, level in ((9, 3), (5, 2), (2, 1)):
        history(student=student4, author=mbo_docent, levels={"Samenwerken": level}, days_ago=days_ago)
        history(student=student5, author=mbo_docent, levels={"Oud criterium": level}, days_ago=days_ago)
        history(student=student6, author=mbo_docent, levels={"Methodiek": level}, days_ago=days_ago + 1)
    history(student=student4, author=student4, kind=FeedbackKind.SELF, levels={"Samenwerken": 4}, days_ago=1)
    history(student=student6, author=mbo_docent, comment="Alleen een gesprek.", days_ago=0)
    criteria["Oud criterium"].delete()
    services.alert_summary_refresh(student_ids=[student4.pk, student5.pk, student6.pk])
    expected = _summaries()
    today = timezone.localdate()
    assert expected == [
        (student4.pk, today - dt.timedelta(days=2), True, True, False, True, True, False),
        (student5.pk, today - dt.timedelta(days=2), True, False, False, True, False, False),
        (student6.pk, today, True, False, False, False, False, False),
    ]
    _migrate_back_and_forth(to="0007_feedback_newest_first")
    assert _summaries() == expected


def test_removing_a_criterion_updates_the_summaries_of_its_students(
    team, history, mbo_docent, werkbegeleider, student4, criteria, django_capture_on_commit_callbacks
):
    """A programme's criterion removed: its standings stay without a criterion, which a werkbegeleider
    sees, so their grid's flags (from the stored summary) must follow, as the rows do."""
    methodiek = Criterion.objects.create(
        rubric=criteria["Samenwerken"].rubric,
        category=Category.WERKNEMERSVAARDIGHEDEN,
        name="Methodiek",
        programme="Social Work",
    )
    for level in Level.values:
        LevelDescriptor.objects.create(criterion=methodiek, level=level, text=f"Niveau {level}")
    criteria["Methodiek"] = methodiek
    for days_ago, level in ((9, 3), (5, 2), (2, 1)):
        history(student=student4, author=mbo_docent, levels={"Methodiek": level}, days_ago=days_ago)
    today = timezone.localdate()

    def flagged_and_shown() -> tuple[bool, bool]:
        overview = selectors.progress_overview(viewer=werkbegeleider, today=today)
        [row] = overview.rows_for([student4.pk])
        return student4.pk in overview.alerted["declining"], "declining" in row.alert_codes

    assert flagged_and_shown() == (False, False)
    with django_capture_on_commit_callbacks(execute=True):
        methodiek.delete()
    assert flagged_and_shown() == (True, True)
