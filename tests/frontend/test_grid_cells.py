"""The grid's cells as the tag writes them: each kind of cell, in both languages."""

from django.utils import translation

from frontend.templatetags.wijklab_grid import grid_cells
from supervision.selectors import Cell


def test_each_kind_of_cell_reads_the_same_to_the_eye_and_to_a_screen_reader():
    html = grid_cells([Cell(level=3, trend="up"), Cell(level=1, trend=None), Cell(applies=False), Cell()])
    cells = html.split("\n")
    assert cells == [
        '<td><span class="lv lv--3">3<span class="visually-hidden"> Voldoende</span>'
        '<span class="trend--up" aria-hidden="true" title="stijgend">↑</span>'
        '<span class="visually-hidden">stijgend</span></span></td>',
        '<td><span class="lv lv--1">1<span class="visually-hidden"> Onvoldoende</span></span></td>',
        '<td><span class="muted">n.v.t.<span class="visually-hidden"> (niet van toepassing)</span></span></td>',
        '<td><span class="lv lv--none">·<span class="visually-hidden">nog niet beoordeeld</span></span></td>',
    ]


def test_the_cells_speak_the_readers_language():
    with translation.override("en"):
        html = grid_cells([Cell(level=2, trend="down"), Cell(applies=False)])
    assert html.split("\n") == [
        '<td><span class="lv lv--2">2<span class="visually-hidden"> Developing</span>'
        '<span class="trend--down" aria-hidden="true" title="falling">↓</span>'
        '<span class="visually-hidden">falling</span></span></td>',
        '<td><span class="muted">n/a<span class="visually-hidden"> (not applicable)</span></span></td>',
    ]
