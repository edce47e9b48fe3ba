"""Trends and the three alert rules, first as pure functions, then on stored histories."""

import datetime as dt

import pytest

from supervision import analysis, selectors
from supervision.analysis import CriterionHistory, alerts_for, is_declining, self_gap, trend
from supervision.models import FeedbackKind

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([3], None),
        ([2, 3], "up"),
        ([3, 2], "down"),
        ([3, 3], "flat"),
        ([4, 3, 2], "down"),
        ([4, 4, 2], "down"),
        ([2, 3, 4], "up"),
        ([2, 4, 3], "flat"),  # a zigzag is no trend
        ([1, 1, 4, 3, 2], "down"),  # only the last three count
        ([4, 4, 1, 2, 3], "up"),
        ([3, 3, 3], "flat"),
    ],
)
def test_trend_over_the_last_three_ratings(levels, expected):
    assert trend(levels) == expected


def test_declining_needs_three_ratings():
    assert not is_declining([3, 2])
    assert is_declining([4, 3, 2])
    assert is_declining([3, 3, 2])
    assert not is_declining([3, 2, 3])


def test_self_gap_compares_with_the_mean_of_the_last_three_supervisor_ratings():
    assert self_gap(4, [1, 2, 2, 2]) == pytest.approx(2.0)
    assert self_gap(1, [3, 3]) == pytest.approx(-2.0)
    assert self_gap(None, [3]) is None
    assert self_gap(3, []) is None


def test_no_feedback_alert_at_14_days_not_at_13():
    assert alerts_for(last_supervisor_feedback=TODAY - dt.timedelta(days=13), histories=[], today=TODAY) == []
    alerts = alerts_for(last_supervisor_feedback=TODAY - dt.timedelta(days=14), histories=[], today=TODAY)
    assert [(a.code, a.text) for a in alerts] == [("no_feedback", "Al 14 dagen geen feedback")]


def test_no_feedback_alert_when_there_was_never_any():
    alerts = alerts_for(last_supervisor_feedback=None, histories=[], today=TODAY)
    assert [a.code for a in alerts] == ["no_feedback"]
    assert alerts[0].text == "Nog geen feedback van een begeleider"


def test_declining_alert_only_for_work_attitude():
    histories = [
        CriterionHistory("Afspraken nakomen", work_attitude=True, supervisor_levels=[4, 3, 2]),
        CriterionHistory("Rapporteren en verantwoorden", work_attitude=False, supervisor_levels=[4, 3, 2]),
    ]
    alerts = alerts_for(last_supervisor_feedback=TODAY, histories=histories, today=TODAY)
    assert [(a.code, a.criteria) for a in alerts] == [("declining", ["Afspraken nakomen"])]


def test_self_rating_far_above_and_far_below():
    histories = [
        CriterionHistory("Op tijd en aanwezig", True, supervisor_levels=[2, 2, 2], self_levels=[4]),
        CriterionHistory("Reflecteren", True, supervisor_levels=[4, 4], self_levels=[3, 2]),
        CriterionHistory("Samenwerken", True, supervisor_levels=[3], self_levels=[4]),  # one level: not far
    ]
    alerts = alerts_for(last_supervisor_feedback=TODAY, histories=histories, today=TODAY)
    assert [(a.code, a.criteria) for a in alerts] == [
        ("self_above", ["Op tijd en aanwezig"]),
        ("self_below", ["Reflecteren"]),
    ]


def test_an_alert_names_three_criteria_and_counts_the_rest():
    alert = analysis.Alert("self_above", "Zelfbeeld veel hoger dan de begeleiders", ["a", "b", "c", "d", "e"])
    assert alert.text == "Zelfbeeld veel hoger dan de begeleiders: a, b, c en 2 andere"


# --- the same rules on stored feedback ---------------------------------------------


def _alerts(student, today):
    return {a.code: a for a in selectors.student_progress(student=student, today=today).alerts}


def test_a_student_without_feedback_for_two_weeks_is_flagged_in_progress_and_overview(
    team, history, mbo_docent, student4, student5, today
):
    history(student=student4, author=mbo_docent, comment="lang geleden", days_ago=15)
    history(student=student4, author=student4, kind=FeedbackKind.SELF, comment="zelf telt niet", days_ago=1)
    history(student=student5, author=mbo_docent, comment="recent", days_ago=2)
    assert _alerts(student4, today)["no_feedback"].text == "Al 15 dagen geen feedback"
    assert "no_feedback" not in _alerts(student5, today)
    rows = {r.student.username: r for r in selectors.progress_overview(viewer=mbo_docent, today=today).rows}
    assert "no_feedback" in rows["sanne"].alert_codes
    assert "no_feedback" not in rows["youssef"].alert_codes
    # student6 never had feedback: flagged as well.
    assert rows["lotte"].alerts[0].text == "Nog geen feedback van een begeleider"


def test_a_declining_work_attitude_over_three_entries_is_flagged(
    team, history, mbo_docent, werkbegeleider, student4, today
):
    history(student=student4, author=mbo_docent, levels={"Afspraken nakomen": 4}, days_ago=20)
    history(student=student4, author=werkbegeleider, levels={"Afspraken nakomen": 3}, days_ago=10)
    history(student=student4, author=mbo_docent, levels={"Afspraken nakomen": 2, "Reflecteren": 3}, days_ago=1)
    alert = _alerts(student4, today)["declining"]
    assert alert.criteria == ["Afspraken nakomen"]
    progress = selectors.student_progress(student=student4, today=today)
    afspraken = next(c for c in progress.criteria if c.name == "Afspraken nakomen")
    assert afspraken.trend == "down"
    assert [p.level for p in afspraken.series["docent"]] == [4, 2]
    assert [p.level for p in afspraken.series["werkbegeleider"]] == [3]


def test_two_entries_are_not_yet_a_declining_trend(team, history, mbo_docent, student4, today):
    history(student=student4, author=mbo_docent, levels={"Afspraken nakomen": 4}, days_ago=10)
    history(student=student4, author=mbo_docent, levels={"Afspraken nakomen": 2}, days_ago=1)
    assert "declining" not in _alerts(student4, today)


def test_self_ratings_far_above_and_below_the_supervisors_are_flagged(
    team, history, mbo_docent, student4, student5, today
):
    for days in (12, 8, 3):
        history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=days)
        history(student=student5, author=mbo_docent, levels={"Reflecteren": 4}, days_ago=days)
    history(student=student4, author=student4, kind=FeedbackKind.SELF, levels={"Samenwerken": 4}, days_ago=1)
    history(student=student5, author=student5, kind=FeedbackKind.SELF, levels={"Reflecteren": 1}, days_ago=1)
    assert _alerts(student4, today)["self_above"].criteria == ["Samenwerken"]
    assert _alerts(student5, today)["self_below"].criteria == ["Reflecteren"]
    rows = {r.student.username: r for r in selectors.progress_overview(viewer=mbo_docent, today=today).rows}
    assert "self_above" in rows["sanne"].alert_codes
    assert "self_below" in rows["youssef"].alert_codes


def test_peer_ratings_do_not_count_as_self_or_supervisor_ratings(team, history, mbo_docent, student4, student5, today):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=3)
    history(student=student4, author=student5, kind=FeedbackKind.PEER, levels={"Samenwerken": 4}, days_ago=1)
    assert _alerts(student4, today) == {}
    progress = selectors.student_progress(student=student4, today=today)
    samenwerken = next(c for c in progress.criteria if c.name == "Samenwerken")
    assert samenwerken.latest_level == 2
    assert [p.level for p in samenwerken.series["peer"]] == [4]


def test_changes_since_last_week(team, history, mbo_docent, student4, today):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2, "Reflecteren": 3}, days_ago=10)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 3, "Initiatief nemen": 2}, days_ago=2)
    changes = {c.name: c for c in selectors.student_progress(student=student4, today=today).changes_since_last_week}
    assert set(changes) == {"Samenwerken", "Initiatief nemen"}
    assert (changes["Samenwerken"].before, changes["Samenwerken"].after, changes["Samenwerken"].direction) == (
        2,
        3,
        "up",
    )
    assert changes["Initiatief nemen"].direction == "new"
