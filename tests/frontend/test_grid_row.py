"""The grid's rows as the tag writes them: each kind of cell, the student's cell, the last feedback
and the alerts, in both languages, escaped."""

import datetime as dt

import pytest
from django.template import Context
from django.utils import translation

from frontend.templatetags.wijklab_grid import grid_row, team_options
from supervision.analysis import ALERT_DECLINING, ALERT_NO_FEEDBACK, Alert
from supervision.selectors import Cell, OverviewRow
from wijklab.models import Role, User


def _row(student: User, **fields) -> OverviewRow:
    values = {
        "team_names": [],
        "niveau": None,
        "last_feedback": None,
        "days_since": None,
        "cells": [],
        "alerts": [],
    }
    return OverviewRow(student=student, **(values | fields))


def _cells(html: str) -> list[str]:
    return [
        line for line in html.split("\n") if line.startswith('<td><span class="lv') or "n.v.t." in line or "n/a" in line
    ]


def _supervisor() -> Context:
    """A row as someone who may write supervisor feedback sees it."""
    return Context({"user": User(pk=7, username="docent", role=Role.SUPERVISOR), "can_log": True})


@pytest.fixture
def student() -> User:
    return User(pk=42, username="s42", first_name="Sanne", last_name="de <b>Vries</b>", role=Role.STUDENT)


def test_each_kind_of_cell_reads_the_same_to_the_eye_and_to_a_screen_reader(student):
    cells = [Cell(level=3, trend="up"), Cell(level=1, trend=None), Cell(applies=False), Cell()]
    html = grid_row(_supervisor(), _row(student, cells=cells))
    assert _cells(html) == [
        '<td><span class="lv lv--3">3<span class="visually-hidden"> Voldoende</span>'
        '<span class="trend--up" aria-hidden="true" title="stijgend">↑</span>'
        '<span class="visually-hidden">stijgend</span></span></td>',
        '<td><span class="lv lv--1">1<span class="visually-hidden"> Onvoldoende</span></span></td>',
        '<td><span class="muted">n.v.t.<span class="visually-hidden"> (niet van toepassing)</span></span></td>',
        '<td><span class="lv lv--none">·<span class="visually-hidden">nog niet beoordeeld</span></span></td>',
    ]


def test_the_row_speaks_the_readers_language(student):
    row = _row(
        student,
        cells=[Cell(level=2, trend="down"), Cell(applies=False)],
        niveau=4,
        last_feedback=dt.date(2026, 11, 20),
        days_since=3,
        alerts=[Alert(ALERT_DECLINING, "Declining", ["Samenwerken"])],
    )
    with translation.override("en"):
        html = grid_row(_supervisor(), row)
        again = grid_row(_supervisor(), row)
    with translation.override("nl"):
        dutch = grid_row(_supervisor(), row)
    assert _cells(html) == [
        '<td><span class="lv lv--2">2<span class="visually-hidden"> Developing</span>'
        '<span class="trend--down" aria-hidden="true" title="falling">↓</span>'
        '<span class="visually-hidden">falling</span></span></td>',
        '<td><span class="muted">n/a<span class="visually-hidden"> (not applicable)</span></span></td>',
    ]
    assert "without a team · level 4" in html
    assert "3 days" in html
    assert "1 alert<" in html
    assert "Give feedback" in html
    # The words are kept per language: the same row in Dutch right after reads Dutch.
    assert again == html
    assert "zonder team · niveau 4" in dutch
    assert "3 dagen" in dutch
    assert "1 signaal<" in dutch
    assert "dalend" in dutch
    assert "falling" not in dutch


def test_the_students_cell_links_their_progress_and_escapes_the_name(student):
    row = _row(student, team_names=["Team <Noord>", "Zuid"], last_feedback=None)
    html = grid_row(_supervisor(), row)
    assert '<a href="/studenten/42/voortgang/">Sanne de &lt;b&gt;Vries&lt;/b&gt;</a>' in html
    assert "Team &lt;Noord&gt;, Zuid" in html
    assert '<span class="muted">nooit</span>' in html
    assert '<td class="grid-table__alerts">\n<span class="muted">–</span>\n</td>' in html
    assert html.startswith("<tr>\n")


def test_alerts_mark_the_row_and_each_has_its_flag(student):
    alerts = [
        Alert(ALERT_NO_FEEDBACK, "Al 20 dagen geen feedback"),
        Alert(ALERT_DECLINING, "Dalende lijn", ["Samenwerken & <overleg>"]),
    ]
    row = _row(student, last_feedback=dt.date(2026, 11, 17), days_since=0, alerts=alerts)
    html = grid_row(_supervisor(), row)
    assert html.startswith('<tr class="has-alert">')
    assert '<span class="badge badge--alert grid-table__count">2 signalen</span>' in html
    assert '<span class="flag flag--no_feedback">Al 20 dagen geen feedback</span>' in html
    assert 'flag--declining">Dalende lijn' in html
    assert "&lt;overleg&gt;" in html
    assert '<time datetime="2026-11-17">' in html
    assert "vandaag" in html


def test_only_who_may_write_feedback_gets_the_feedback_link(student):
    row = _row(student)
    assert 'href="/feedback/geven/?student=42"' in grid_row(_supervisor(), row)
    coordinator = User(pk=8, username="c", role=Role.COORDINATOR)
    assert "?student=42" not in grid_row(Context({"user": coordinator, "can_log": False}), row)


def test_the_team_menu_marks_the_chosen_team_and_escapes_names():
    teams = [(3, "Team <Kaap> & Co"), (7, "Team Noord")]
    assert str(team_options(teams, 7)) == (
        '<option value="3">Team &lt;Kaap&gt; &amp; Co</option><option value="7" selected>Team Noord</option>'
    )
    # "Zonder team" (or nothing) chosen: no team is.
    assert "selected" not in str(team_options(teams, "zonder")) + str(team_options(teams, None))
