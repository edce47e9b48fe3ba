"""``{% grid_row row %}``: one row of the supervision grid (/begeleiding/), the student, the last
feedback, the alerts and the criterion cells.

Written here instead of with template tags per cell, as Django's admin writes its change list's
rows: a page holds 50 rows of 16 cells, and the template's nodes for them (about 5,200 per request)
were half of the page's time; the row's name, date and alert cells were half of what was left
(docs/benchmarks.md). Presentation only: what a row holds comes from ``supervision.selectors``.
"""

import functools
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from frontend.templatetags.wijklab_dates import short_date
from supervision.models import Level

register = template.Library()

# The arrow of each trend and its class.
_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


@functools.lru_cache(maxsize=16)
def _fixed_parts(language: str | None) -> dict[str, Any]:
    """The row's fixed words, escaped, and the two cells that hold no level, in one language.

    Kept per language: asking the catalogue for these words in every row was some 600 lookups per
    page, each through the active language's context-local (docs/benchmarks.md). ``language`` is
    the active one (``get_language()``), which these ``gettext`` calls translate into."""
    words = {
        "na": gettext("n.v.t."),
        "na_long": gettext("niet van toepassing"),
        "unrated": gettext("nog niet beoordeeld"),
        "up": gettext("stijgend"),
        "down": gettext("dalend"),
        "flat": gettext("gelijk"),
        "no_team": gettext("zonder team"),
        "today": gettext("vandaag"),
        "never": gettext("nooit"),
        "give_feedback": gettext("Geef feedback"),
    }
    parts: dict[str, Any] = {key: conditional_escape(text) for key, text in words.items()}
    parts["labels"] = {level.value: conditional_escape(str(level.label)) for level in Level}
    parts["not_applicable"] = (
        f'<td><span class="muted">{parts["na"]}<span class="visually-hidden"> ({parts["na_long"]})</span></span></td>'
    )
    parts["unrated"] = (
        f'<td><span class="lv lv--none">·<span class="visually-hidden">{parts["unrated"]}</span></span></td>'
    )
    parts["log_url"] = reverse("supervision-log")
    return parts


def _cells(cells: Iterable, parts: dict[str, Any]) -> str:
    labels = parts["labels"]
    out = []
    for cell in cells:
        if not cell.applies:
            out.append(parts["not_applicable"])
        elif cell.level:
            level = int(cell.level)
            trend = ""
            if cell.trend in _ARROWS:
                word = parts[cell.trend]
                trend = (
                    f'<span class="trend--{cell.trend}" aria-hidden="true" title="{word}">{_ARROWS[cell.trend]}</span>'
                    f'<span class="visually-hidden">{word}</span>'
                )
            out.append(
                f'<td><span class="lv lv--{level}">{level}<span class="visually-hidden"> {labels.get(level, "")}</span>'
                f"{trend}</span></td>"
            )
        else:
            out.append(parts["unrated"])
    return "\n".join(out)


@register.simple_tag(takes_context=True)
def grid_row(context: template.Context, row: Any) -> SafeString:
    """The ``<tr>`` of one ``supervision.selectors.OverviewRow``."""
    parts = _fixed_parts(get_language())
    student = row.student
    esc = conditional_escape
    where = esc(", ".join(row.team_names)) if row.team_names else parts["no_team"]
    if row.niveau:
        where += " · " + esc(gettext("niveau %(n)s") % {"n": row.niveau})
    name = (
        f'<a href="{esc(reverse("supervision-progress", args=[student.pk]))}">{esc(student.get_display_name())}</a>\n'
        f'<div class="small muted">{where}</div>'
    )
    if row.alerts:
        n = len(row.alerts)
        count = esc(ngettext("%(counter)s signaal", "%(counter)s signalen", n) % {"counter": n})
        name += f'\n<span class="badge badge--alert grid-table__count">{count}</span>'
    if row.last_feedback:
        if row.days_since == 0:
            ago = parts["today"]
        else:
            days = row.days_since
            ago = esc(ngettext("%(counter)s dag", "%(counter)s dagen", days) % {"counter": days})
        last = (
            f'<time datetime="{row.last_feedback.isoformat()}">{esc(short_date(row.last_feedback))}</time>\n'
            f'<div class="small muted">{ago}</div>'
        )
    else:
        last = f'<span class="muted">{parts["never"]}</span>'
    # Whoever may write supervisor feedback (the view asks ``may_write_as_supervisor``): docenten and
    # werkbegeleiders of either account kind.
    if context.get("can_log"):
        log = f"{parts['log_url']}?student={student.pk}"
        last += f'\n<div><a class="small" href="{log}">{parts["give_feedback"]}</a></div>'
    flags = "".join(f'<span class="flag flag--{esc(a.code)}">{esc(a.text)}</span>' for a in row.alerts)
    flags = flags or '<span class="muted">–</span>'
    marked = ' class="has-alert"' if row.alerts else ""
    html = (
        f"<tr{marked}>\n"
        f'<th scope="row" class="grid-table__name">\n{name}\n</th>\n'
        f"<td>\n{last}\n</td>\n"
        f'<td class="grid-table__alerts">\n{flags}\n</td>\n'
        f"{_cells(row.cells, parts)}\n</tr>"
    )
    # Every piece is a fixed tag, a number, a URL or an escaped text.
    return mark_safe(html)


@register.simple_tag
def team_options(teams: Iterable[tuple[int, str]], selected: object) -> SafeString:
    """The team menu's options, ``(id, name)`` each, the selected one marked: a regional cohort has
    some 250 teams, and three template nodes per option took 2.9 ms of the coordinator's grid;
    written here, 0.4 ms (docs/benchmarks.md, 2026-12-07, sixth session)."""
    # Safe: the ids are integers, the names escaped.
    return mark_safe(
        "".join(
            f'<option value="{int(pk)}"{" selected" if selected == pk else ""}>{conditional_escape(name)}</option>'
            for pk, name in teams
        )
    )
