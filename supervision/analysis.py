"""Trends and alerts computed from rating histories: pure functions, no database.

A history is a list of levels (1..4) in the order they were given. The rules:

- trend: over the last three supervisor ratings; "down" when they never rise
  and end lower than they began, "up" the other way round, "flat" otherwise
  (also for a zigzag); None with fewer than two ratings.
- no recent feedback: no supervisor feedback (docent or werkbegeleider) for
  14 days or more, or never.
- declining work attitude: a werknemersvaardigheden criterion whose last three
  supervisor ratings trend "down".
- self-rating far above / below: the latest self-rating differs from the mean
  of the supervisors' last three ratings of that criterion by 1.5 levels or more.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

NO_FEEDBACK_DAYS = 14
TREND_WINDOW = 3
SELF_GAP = 1.5
MAX_NAMED = 3  # criteria named in an alert's text; the rest are counted

UP, DOWN, FLAT = "up", "down", "flat"
# The category whose decline is an alert (supervision.models.Category.WERKNEMERSVAARDIGHEDEN).
WORK_ATTITUDE = "werknemersvaardigheden"

ALERT_NO_FEEDBACK = "no_feedback"
ALERT_DECLINING = "declining"
ALERT_SELF_ABOVE = "self_above"
ALERT_SELF_BELOW = "self_below"


def trend(levels: Sequence[int]) -> str | None:
    window = list(levels)[-TREND_WINDOW:]
    if len(window) < 2:
        return None
    steps = [b - a for a, b in itertools.pairwise(window)]
    if all(s <= 0 for s in steps) and window[-1] < window[0]:
        return DOWN
    if all(s >= 0 for s in steps) and window[-1] > window[0]:
        return UP
    return FLAT


def is_declining(levels: Sequence[int]) -> bool:
    """Three or more ratings whose last three go down."""
    return len(levels) >= TREND_WINDOW and trend(levels) == DOWN


def self_gap(self_level: int | None, supervisor_levels: Sequence[int]) -> float | None:
    """Latest self-rating minus the mean of the supervisors' last three ratings."""
    if self_level is None or not supervisor_levels:
        return None
    window = list(supervisor_levels)[-TREND_WINDOW:]
    return self_level - sum(window) / len(window)


def days_without_feedback(last: dt.date | None, today: dt.date) -> int | None:
    return None if last is None else (today - last).days


@dataclass
class Alert:
    code: str
    message: str
    criteria: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if not self.criteria:
            return self.message
        shown = ", ".join(self.criteria[:MAX_NAMED])
        rest = len(self.criteria) - MAX_NAMED
        if rest > 0:
            shown += " " + ngettext("en %(n)d ander", "en %(n)d andere", rest) % {"n": rest}
        return f"{self.message}: {shown}"


@dataclass
class CriterionHistory:
    """One student's ratings of one criterion, oldest first."""

    name: str
    work_attitude: bool
    supervisor_levels: list[int] = field(default_factory=list)
    self_levels: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Standing:
    """What the overview keeps of one history: the grid's cell and the history's part of the alerts
    (stored per student and criterion, ``supervision.models.CriterionStanding``)."""

    name: str
    latest_level: int | None
    trend: str | None
    declining: bool
    # 1: the latest self-rating far above the supervisors', -1 far below, 0 neither (or unknown).
    self_side: int


def standing_of(history: CriterionHistory) -> Standing:
    gap = self_gap(history.self_levels[-1] if history.self_levels else None, history.supervisor_levels)
    side = 0 if gap is None else 1 if gap >= SELF_GAP else -1 if gap <= -SELF_GAP else 0
    return Standing(
        name=history.name,
        latest_level=history.supervisor_levels[-1] if history.supervisor_levels else None,
        trend=trend(history.supervisor_levels),
        declining=history.work_attitude and is_declining(history.supervisor_levels),
        self_side=side,
    )


def standings_from_scores(rows: Iterable[tuple[int, int | None, str, str, int, str]]) -> list[dict[str, object]]:
    """Per student and criterion the standing of their ratings, as the fields of a
    ``supervision.models.CriterionStanding``. ``rows``: (student id, criterion id, criterion name,
    category, level, "supervisor" or "self"), oldest first; a removed criterion (no id) is keyed by
    its name, as on the progress page."""
    histories: dict[tuple[int, object], tuple[int | None, str, CriterionHistory]] = {}
    for student_id, crit_id, name, category, level, kind in rows:
        key = (student_id, crit_id if crit_id is not None else ("name", name))
        if key not in histories:
            history = CriterionHistory(name=name, work_attitude=category == WORK_ATTITUDE)
            histories[key] = (crit_id, category, history)
        history = histories[key][2]
        (history.supervisor_levels if kind == "supervisor" else history.self_levels).append(level)
    standings = []
    for (student_id, _key), (crit_id, category, history) in histories.items():
        standing = standing_of(history)
        standings.append(
            {
                "student_id": student_id,
                "criterion_id": crit_id,
                "name": standing.name,
                "category": category,
                "latest_level": standing.latest_level,
                "trend": standing.trend or "",
                "declining": standing.declining,
                "self_side": standing.self_side,
            }
        )
    return standings


def no_feedback_alert(*, last_supervisor_feedback: dt.date | None, today: dt.date, followed: bool) -> bool:
    """Whether missing supervisor feedback is an alert (the overview asks the database the same:
    ``supervision.selectors.overview_students``)."""
    days = days_without_feedback(last_supervisor_feedback, today)
    return followed and (days is None or days >= NO_FEEDBACK_DAYS)


def alerts_for(
    *,
    last_supervisor_feedback: dt.date | None,
    histories: Sequence[CriterionHistory],
    today: dt.date,
    followed: bool = True,
) -> list[Alert]:
    """A student's alerts. A student in no team now and linked to no supervisor of their own
    (``followed`` False) has nobody to give feedback yet: missing feedback is no alert then
    (the overview lists them under "Zonder team")."""
    return alerts_from_standings(
        last_supervisor_feedback=last_supervisor_feedback,
        standings=[standing_of(h) for h in histories],
        today=today,
        followed=followed,
    )


def alerts_from_standings(
    *,
    last_supervisor_feedback: dt.date | None,
    standings: Sequence[Standing],
    today: dt.date,
    followed: bool = True,
) -> list[Alert]:
    alerts: list[Alert] = []
    if no_feedback_alert(last_supervisor_feedback=last_supervisor_feedback, today=today, followed=followed):
        days = days_without_feedback(last_supervisor_feedback, today)
        if days is None:
            alerts.append(Alert(ALERT_NO_FEEDBACK, str(_("Nog geen feedback van een begeleider"))))
        else:
            alerts.append(
                Alert(
                    ALERT_NO_FEEDBACK,
                    ngettext("Al %(days)d dag geen feedback", "Al %(days)d dagen geen feedback", days) % {"days": days},
                )
            )
    declining = [s.name for s in standings if s.declining]
    if declining:
        alerts.append(Alert(ALERT_DECLINING, str(_("Dalende lijn in werknemersvaardigheden")), declining))
    above = [s.name for s in standings if s.self_side > 0]
    below = [s.name for s in standings if s.self_side < 0]
    if above:
        alerts.append(Alert(ALERT_SELF_ABOVE, str(_("Zelfbeeld veel hoger dan de begeleiders")), above))
    if below:
        alerts.append(Alert(ALERT_SELF_BELOW, str(_("Zelfbeeld veel lager dan de begeleiders")), below))
    return alerts
