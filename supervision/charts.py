"""Server-rendered SVG charts of one criterion over time (no JavaScript, no chart library).

Each source (docent, werkbegeleider, self) is its own series with its own
colour, line style and marker shape, so the chart also reads in grey-scale
and for colour-blind people. The SVG carries a title, a description and a
legend; pages add a data table as the text alternative.
"""

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import get_language, gettext, ngettext

from supervision.models import Level
from supervision.selectors import CHART_SOURCES, CriterionProgress, Point

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 12, 58  # bottom: date labels and the legend


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    dash: str
    marker: str  # circle, square, diamond


STYLES = {
    "docent": SeriesStyle("#0b5f73", "", "circle"),
    "werkbegeleider": SeriesStyle("#b24a00", "6 3", "square"),
    "self": SeriesStyle("#6b3fa0", "2 3", "diamond"),
}
# Small horizontal offsets so equal ratings on the same day stay visible side by side.
NUDGE = {"docent": -3.0, "werkbegeleider": 0.0, "self": 3.0}


@functools.lru_cache(maxsize=8)
def _words(language: str | None) -> tuple[dict[str, str], dict[int, str], dict[int, str]]:
    """The chart's words in ``language`` (the active one): a page draws a dozen charts with a
    hundred labels each, and translating every one of them anew was half the page's time."""
    sources = {
        "docent": gettext("Docent"),
        "werkbegeleider": gettext("Werkbegeleider"),
        "self": gettext("Zelf"),
        "peer": gettext("Teamgenoot"),
    }
    short = {1: gettext("Onvoldoende"), 2: gettext("In ontw."), 3: gettext("Voldoende"), 4: gettext("Goed")}
    levels = {level: str(Level(level).label) for level in Level.values}
    return sources, short, levels


def source_label(source: str) -> str:
    return _words(get_language())[0][source]


def short_level(level: int) -> str:
    return _words(get_language())[1][level]


def level_name(level: int) -> str:
    return _words(get_language())[2][level]


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    if shape == "square":
        return f'<rect x="{_fmt(x - 4)}" y="{_fmt(y - 4)}" width="8" height="8" fill="{colour}">{title}</rect>'
    if shape == "diamond":
        pts = f"{_fmt(x)},{_fmt(y - 5.5)} {_fmt(x + 5.5)},{_fmt(y)} {_fmt(x)},{_fmt(y + 5.5)} {_fmt(x - 5.5)},{_fmt(y)}"
        return f'<polygon points="{pts}" fill="{colour}">{title}</polygon>'
    return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="4.5" fill="{colour}">{title}</circle>'


def describe(progress: CriterionProgress) -> str:
    """A sentence per series: the text alternative inside the SVG."""
    parts = []
    for source in CHART_SOURCES:
        points = progress.series[source]
        if not points:
            continue
        last = points[-1]
        parts.append(
            ngettext(
                "%(source)s: %(count)d beoordeling, laatst %(level)s op %(date)s",
                "%(source)s: %(count)d beoordelingen, laatst %(level)s op %(date)s",
                len(points),
            )
            % {
                "source": source_label(source),
                "count": len(points),
                "level": level_name(last.level),
                "date": last.date.strftime("%d-%m-%Y"),
            }
        )
    return ". ".join(parts) + "." if parts else gettext("Nog geen beoordelingen.")


def criterion_chart(
    progress: CriterionProgress, *, start: dt.date, end: dt.date, chart_id: str, for_print: bool = False
) -> str:
    """The SVG (as a string) for one criterion between ``start`` and ``end``.

    ``for_print`` leaves out the title, description and tooltips (the PDF has
    the criterion's name and a table beside it; fpdf2 does not draw them).
    """
    span = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    inset = 8  # keep the first and last markers clear of the axis labels

    def x_of(day: dt.date) -> float:
        return LEFT + inset + (plot_w - 2 * inset) * (day - start).days / span

    def y_of(level: float) -> float:
        return TOP + plot_h * (4 - level) / 3

    title = escape(progress.name)
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" font-size="11">',
    ]
    if not for_print:
        out.append(f'<title id="{chart_id}-t">{title}</title>')
        out.append(f'<desc id="{chart_id}-d">{escape(describe(progress))}</desc>')
    # Level grid lines with their names.
    for level in Level.values:
        y = y_of(level)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="#d5dae1" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="#555e69">'
            f"{escape(short_level(level))}</text>"
        )
    # Date ticks: start, end and up to three in between.
    ticks = 4 if span >= 14 else 1
    for i in range(ticks + 1):
        day = start + dt.timedelta(days=round(span * i / ticks))
        x = x_of(day)
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        out.append(
            f'<text x="{_fmt(x)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}" fill="#555e69">'
            f"{day.day}-{day.month}</text>"
        )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="#8a94a3"/>'
    )
    for source in CHART_SOURCES:
        points: Sequence[Point] = progress.series[source]
        if not points:
            continue
        style = STYLES[source]
        coords = [(x_of(p.date) + NUDGE[source], y_of(p.level)) for p in points]
        out.append(f'<g class="series series--{source}">')
        if len(coords) > 1:
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
            out.append(
                f'<polyline points="{pts}" fill="none" stroke="{style.colour}" stroke-width="2"{dash} '
                f'stroke-linejoin="round"/>'
            )
        for (x, y), point in zip(coords, points, strict=True):
            tip = (
                ""
                if for_print
                else f"{source_label(source)} {point.date.strftime('%d-%m-%Y')}: {level_name(point.level)}"
            )
            out.append(_marker(style.marker, x, y, style.colour, tip))
        out.append("</g>")
    # The legend, always showing all three sources so charts can be compared.
    lx, ly = LEFT, HEIGHT - 14
    for source in CHART_SOURCES:
        style = STYLES[source]
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{style.colour}" stroke-width="2"{dash}/>'
        )
        out.append(_marker(style.marker, lx + 11, ly, style.colour, "" if for_print else source_label(source)))
        out.append(f'<text x="{lx + 27}" y="{ly + 4}" fill="#1b1f24">{escape(source_label(source))}</text>')
        lx += 32 + 7 * len(source_label(source))
    out.append("</svg>")
    return "".join(out)
