"""The composition rules of docs/design.md as pure functions: every refusal and its reason."""

from types import SimpleNamespace

import pytest

from teams.rules import Counts, Requirements, is_complete, join_refusal, level_blind, problems, seats_needed


def req(size_min=3, size_max=5, n4=1, n5=0, n6=1, requires_hbo=False) -> Requirements:
    assignment = SimpleNamespace(
        team_size_min=size_min,
        team_size_max=size_max,
        min_niveau_4=n4,
        min_niveau_5=n5,
        min_niveau_6=n6,
        requires_hbo=requires_hbo,
    )
    return Requirements.of(assignment)


def test_a_full_team_refuses_with_team_full():
    refusal = join_refusal(req(size_max=3), Counts.of([4, 5, 6]), 4)
    assert refusal.code == "team_full"
    assert refusal.message == "Dit team is vol."


def test_the_last_seat_is_kept_for_the_missing_niveau():
    refusal = join_refusal(req(size_max=3), Counts.of([4, 5]), 4)
    assert refusal.code == "needs_niveau"
    assert refusal.message == "Dit team heeft de laatste plek nodig voor een niveau 6-student."
    assert join_refusal(req(size_max=3), Counts.of([4, 5]), 6) is None


def test_two_missing_niveaus_keep_the_last_two_seats():
    refusal = join_refusal(req(size_max=3, n5=1), Counts.of([4]), 4)
    assert refusal.code == "needs_niveau"
    assert "laatste 2 plekken" in refusal.message
    assert "5 en 6" in refusal.message


def test_a_join_that_leaves_room_for_the_missing_niveau_is_allowed():
    assert join_refusal(req(size_max=5), Counts.of([4, 4]), 4) is None
    # …but not when the last free seat is needed for the niveau 6.
    assert join_refusal(req(size_max=4), Counts.of([4, 4]), 5) is None
    assert join_refusal(req(size_max=3), Counts.of([4, 4]), 5).code == "needs_niveau"


def test_a_single_level_team_of_more_than_one_keeps_a_seat_for_another_niveau():
    no_minimums = req(size_min=2, size_max=3, n4=0, n6=0)
    assert join_refusal(no_minimums, Counts.of([5]), 5) is None
    refusal = join_refusal(no_minimums, Counts.of([5, 5]), 5)
    assert refusal.code == "needs_niveau"
    assert "ander niveau" in refusal.message
    assert join_refusal(no_minimums, Counts.of([5, 5]), 4) is None


def test_requires_hbo_needs_a_niveau_6_even_when_the_minimum_is_zero():
    youth = req(size_max=2, n4=0, n6=0, requires_hbo=True)
    assert join_refusal(youth, Counts.of([4]), 5).message == (
        "Dit team heeft de laatste plek nodig voor een niveau 6-student."
    )


@pytest.mark.parametrize(
    ("niveaus", "complete"),
    [([4, 6], False), ([4, 5, 6], True), ([4, 4, 4], False), ([6, 6, 6], False), ([4, 6, 6, 5, 4], True)],
)
def test_completeness(niveaus, complete):
    assert is_complete(req(), Counts.of(niveaus)) is complete


def test_seats_needed_counts_size_and_niveaus():
    assert seats_needed(req(size_min=4), Counts.of([4, 4])) == 2
    assert seats_needed(req(size_min=2, n5=1), Counts.of([4])) == 2
    assert seats_needed(req(), Counts.of([4, 5, 6])) == 0


def test_problems_name_what_is_missing_and_organisations_get_them_level_blind():
    found = problems(req(requires_hbo=True), Counts.of([4, 4]), supervisor_kinds=[], youth_case_duo=False)
    codes = {p.code for p in found}
    assert codes == {"too_small", "needs_niveau", "needs_hbo_docent", "no_youth_case_duo"}
    blind = level_blind(found)
    # "No duo carries the youth case" tells whether a duo has a niveau 6 student: folded in (docs/visibility.md).
    assert {p.code for p in blind} == {"too_small", "needs_hbo_docent", "composition"}
    assert not any("niveau" in p.message for p in blind)


def test_a_youth_case_duo_without_niveau_6_is_a_problem():
    found = problems(
        req(requires_hbo=True),
        Counts.of([4, 5, 6]),
        supervisor_kinds=["mbo_docent", "hbo_docent"],
        youth_case_duo=True,
        youth_case_duo_has_niveau_6=False,
    )
    assert [p.code for p in found] == ["youth_case_duo_needs_niveau_6"]
    assert problems(req(), Counts.of([4, 5, 6]), supervisor_kinds=[]) == []
