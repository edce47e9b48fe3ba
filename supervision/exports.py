"""Exports: a student's feedback and progress as PDF (portfolio), the overview as CSV.

Both are built from what the selectors already scoped for the viewer: the
PDF shows the same entries, with the same hidden peer authors, as the page.
"""

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext
from fpdf import FPDF

from supervision import charts
from supervision.models import FeedbackEntry, FeedbackKind, Level
from supervision.selectors import Overview, Progress

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PDF_MAX_ENTRIES = 500
TREND_TEXT = {"up": "↑", "down": "↓", "flat": "→", None: ""}


def trend_label(trend: str | None) -> str:
    return {"up": gettext("stijgend"), "down": gettext("dalend"), "flat": gettext("gelijk"), None: ""}[trend]


def kind_label(entry: FeedbackEntry) -> str:
    if entry.kind == FeedbackKind.SUPERVISOR:
        return gettext("Observatie") if entry.is_observation else gettext("Begeleider")
    return gettext("Zelfbeoordeling") if entry.kind == FeedbackKind.SELF else gettext("Peerfeedback")


def author_label(entry: FeedbackEntry) -> str:
    if not getattr(entry, "author_shown", False):
        return gettext("Een teamgenoot")
    name = entry.author.get_display_name()
    # The kind as the reader may see it (selectors.mark_author_visibility): "docent" for people of an organisation.
    label = getattr(entry, "author_kind_label", "")
    if label:
        return f"{name} ({label.lower()})"
    return name


class _PDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.doc_title = title
        # DejaVu (Bitstream Vera licence, bundled) covers names such as "Ayşe Yılmaz".
        self.add_font("dejavu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("dejavu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Wijklab")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("dejavu", "", 8)
        self.set_text_color(90, 94, 105)
        self.cell(0, 5, f"{self.doc_title} · {self.page_no()}/{{nb}}", align="C")


def progress_pdf(
    *, progress: Progress, entries: Sequence[FeedbackEntry], include_alerts: bool, include_programme: bool = True
) -> bytes:
    """The portfolio PDF; ``include_programme`` False for readers who may not see a niveau (the programme
    reveals it: docs/visibility.md)."""
    student = progress.student
    title = gettext("Voortgang en feedback van %(name)s") % {"name": student.get_display_name()}
    pdf = _PDF(title)
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("dejavu", "B", 16)
    pdf.multi_cell(width, 8, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("dejavu", "", 9)
    pdf.set_text_color(85, 94, 105)
    profile = getattr(student, "student_profile", None)
    meta = []
    if profile is not None and include_programme:
        meta.append(gettext("Opleiding: %(programme)s") % {"programme": profile.programme})
    meta.append(gettext("Gemaakt op %(date)s") % {"date": timezone.localdate().strftime("%d-%m-%Y")})
    if progress.last_supervisor_feedback:
        meta.append(
            gettext("Laatste feedback van een begeleider: %(date)s")
            % {"date": progress.last_supervisor_feedback.strftime("%d-%m-%Y")}
        )
    pdf.multi_cell(width, 5, " · ".join(meta), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)

    if include_alerts and progress.alerts:
        pdf.set_font("dejavu", "B", 11)
        pdf.cell(width, 7, gettext("Signalen"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 9)
        for alert in progress.alerts:
            pdf.multi_cell(width, 5, f"• {alert.text}", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)

    _summary_table(pdf, progress)
    _charts(pdf, progress)
    _entries(pdf, entries)
    return bytes(pdf.output())


def _summary_table(pdf: _PDF, progress: Progress) -> None:
    pdf.set_font("dejavu", "B", 11)
    pdf.cell(pdf.epw, 7, gettext("Per criterium"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 8.5)
    headings = (
        gettext("Criterium"),
        gettext("Begeleiders nu"),
        gettext("Trend"),
        gettext("Zelf nu"),
        gettext("Aantal"),
    )
    with pdf.table(col_widths=(48, 18, 14, 18, 10), text_align="LEFT", line_height=4.6) as table:
        table.row(headings)
        for crit in progress.criteria:
            count = sum(len(crit.series[s]) for s in crit.series)
            table.row(
                (
                    crit.name,
                    str(Level(crit.latest_level).label) if crit.latest_level else "–",
                    f"{TREND_TEXT[crit.trend]} {trend_label(crit.trend)}".strip() or "–",
                    str(Level(crit.latest_self_level).label) if crit.latest_self_level else "–",
                    str(count),
                )
            )
    pdf.ln(3)


def _charts(pdf: _PDF, progress: Progress) -> None:
    rated = [c for c in progress.criteria if c.has_ratings]
    if not rated:
        return
    start, end = progress.date_range
    pdf.add_page()
    pdf.set_font("dejavu", "B", 11)
    pdf.cell(pdf.epw, 7, gettext("Ontwikkeling per criterium"), new_x="LMARGIN", new_y="NEXT")
    col_w = (pdf.epw - 6) / 2
    chart_h = col_w * charts.HEIGHT / charts.WIDTH
    for index, crit in enumerate(rated):
        column = index % 2
        if column == 0 and pdf.get_y() + chart_h + 8 > pdf.page_break_trigger:
            pdf.add_page()
        x = pdf.l_margin + column * (col_w + 6)
        y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.set_font("dejavu", "B", 8.5)
        pdf.multi_cell(col_w, 4.2, crit.name, new_x="LEFT", new_y="NEXT", max_line_height=4.2, align="L")
        svg = charts.criterion_chart(crit, start=start, end=end, chart_id=f"pdf-{index}", for_print=True)
        pdf.image(io.BytesIO(svg.encode()), x=x, y=y + 9, w=col_w)
        if column == 1 or index == len(rated) - 1:
            pdf.set_xy(pdf.l_margin, y + 9 + chart_h + 4)
        else:
            pdf.set_xy(pdf.l_margin, y)


def _entries(pdf: _PDF, entries: Sequence[FeedbackEntry]) -> None:
    pdf.add_page()
    pdf.set_font("dejavu", "B", 11)
    pdf.cell(pdf.epw, 7, gettext("Feedback"), new_x="LMARGIN", new_y="NEXT")
    if not entries:
        pdf.set_font("dejavu", "", 9)
        pdf.cell(pdf.epw, 6, gettext("Nog geen feedback."), new_x="LMARGIN", new_y="NEXT")
        return
    for entry in entries:
        pdf.set_font("dejavu", "B", 9)
        head = f"{entry.date.strftime('%d-%m-%Y')} · {kind_label(entry)} · {author_label(entry)}"
        if entry.team_id:
            head += f" · {entry.team.name}"
        pdf.multi_cell(pdf.epw, 5, head, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("dejavu", "", 9)
        for score in entry.scores.all():
            pdf.multi_cell(
                pdf.epw,
                4.6,
                f"• {score.criterion_name}: {Level(score.level).label}",
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )
        if entry.comment:
            pdf.set_text_color(40, 44, 52)
            pdf.multi_cell(pdf.epw, 4.6, entry.comment, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_text_color(0, 0, 0)
        pdf.ln(2.5)


# --- CSV ---------------------------------------------------------------------------


def _safe(value: object) -> str:
    """Neutralise spreadsheet formulas in names and free text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def overview_csv(overview: Overview, *, codes: Sequence[str]) -> str:
    """Semicolon-separated with a BOM: what Excel in a Dutch locale opens correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    # Without the niveau column for readers who may not see it (``Overview.shows_niveau``): left out, not empty.
    niveau_header = [gettext("Niveau")] if overview.shows_niveau else []
    header = [
        gettext("Student"),
        gettext("Team"),
        *niveau_header,
        gettext("Laatste feedback"),
        gettext("Dagen geleden"),
        gettext("Signalen"),
    ]
    for code, criterion in zip(codes, overview.criteria, strict=True):
        header += [f"{code} {criterion.name}", f"{code} {gettext('trend')}"]
    writer.writerow(header)
    for row in overview.rows:
        line = [
            row.student.get_display_name(),
            ", ".join(row.team_names),
            *([row.niveau or ""] if overview.shows_niveau else []),
            row.last_feedback.isoformat() if row.last_feedback else "",
            "" if row.days_since is None else row.days_since,
            " | ".join(a.text for a in row.alerts),
        ]
        for cell in row.cells:
            line += [cell.level or "", trend_label(cell.trend)]
        writer.writerow([_safe(v) for v in line])
    return "\ufeff" + buffer.getvalue()
