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
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

NO_FEEDBACK_DAYS = 14
TREND_WINDOW = 3
SELF_GAP = 1.5
MAX_NAMED = 3  # criteria named in an alert's text; the rest are counted

UP, DOWN, FLAT = "up", "down", "flat"

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
    alerts: list[Alert] = []
    days = days_without_feedback(last_supervisor_feedback, today)
    if followed and days is None:
        alerts.append(Alert(ALERT_NO_FEEDBACK, str(_("Nog geen feedback van een begeleider"))))
    elif followed and days is not None and days >= NO_FEEDBACK_DAYS:
        alerts.append(
            Alert(
                ALERT_NO_FEEDBACK,
                ngettext("Al %(days)d dag geen feedback", "Al %(days)d dagen geen feedback", days) % {"days": days},
            )
        )
    declining = [h.name for h in histories if h.work_attitude and is_declining(h.supervisor_levels)]
    if declining:
        alerts.append(Alert(ALERT_DECLINING, str(_("Dalende lijn in werknemersvaardigheden")), declining))
    above, below = [], []
    for h in histories:
        gap = self_gap(h.self_levels[-1] if h.self_levels else None, h.supervisor_levels)
        if gap is None:
            continue
        if gap >= SELF_GAP:
            above.append(h.name)
        elif gap <= -SELF_GAP:
            below.append(h.name)
    if above:
        alerts.append(Alert(ALERT_SELF_ABOVE, str(_("Zelfbeeld veel hoger dan de begeleiders")), above))
    if below:
        alerts.append(Alert(ALERT_SELF_BELOW, str(_("Zelfbeeld veel lager dan de begeleiders")), below))
    return alerts
