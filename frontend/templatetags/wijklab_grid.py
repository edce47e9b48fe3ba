"""``{% grid_cells row.cells %}``: the criterion cells of one row of the supervision grid (/begeleiding/).

Written here instead of with template tags per cell: a page holds 50 rows of 13 cells, and the
template's nodes for them (about 5,200 per request) were half of the page's time
(docs/benchmarks.md). Presentation only: what a cell holds comes from ``supervision.selectors``.
"""

from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from supervision.models import Level

register = template.Library()

# The arrow of each trend and its class; the words are translated once per row (each call).
_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


@register.simple_tag
def grid_cells(cells: Iterable) -> SafeString:
    words = {
        "na": gettext("n.v.t."),
        "na_long": gettext("niet van toepassing"),
        "unrated": gettext("nog niet beoordeeld"),
        "up": gettext("stijgend"),
        "down": gettext("dalend"),
        "flat": gettext("gelijk"),
    }
    words = {key: conditional_escape(text) for key, text in words.items()}
    labels = {level.value: conditional_escape(str(level.label)) for level in Level}
    not_applicable = (
        f'<td><span class="muted">{words["na"]}<span class="visually-hidden"> ({words["na_long"]})</span></span></td>'
    )
    unrated = f'<td><span class="lv lv--none">·<span class="visually-hidden">{words["unrated"]}</span></span></td>'
    parts = []
    for cell in cells:
        if not cell.applies:
            parts.append(not_applicable)
        elif cell.level:
            level = int(cell.level)
            trend = ""
            if cell.trend in _ARROWS:
                word = words[cell.trend]
                trend = (
                    f'<span class="trend--{cell.trend}" aria-hidden="true" title="{word}">{_ARROWS[cell.trend]}</span>'
                    f'<span class="visually-hidden">{word}</span>'
                )
            parts.append(
                f'<td><span class="lv lv--{level}">{level}<span class="visually-hidden"> {labels.get(level, "")}</span>'
                f"{trend}</span></td>"
            )
        else:
            parts.append(unrated)
    # Every piece is a fixed tag, a number or an escaped translation.
    return mark_safe("\n".join(parts))
