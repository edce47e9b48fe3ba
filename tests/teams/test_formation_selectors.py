"""Reads for team formation: access, the engine's input from the database, readiness, the board, explanations."""

import pytest
from django.core.management import call_command
from django.http import Http404

from assignments.models import Preference
from teams import formation_selectors as selectors
from teams import formation_services as services
from teams.models import FormationRun, TeamStatus
from tests.conftest import count_queries
from tests.factories import AssignmentFactory, StudentFactory, TeamFactory, add_member
from tests.teams.formation_support import small_cohort
from wijklab.models import Cohort, User

pytest.importorskip("teams.formation")


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_cohort(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, coordinator=coordinator)


@pytest.fixture
def run_of(django_capture_on_commit_callbacks, coordinator):
    def run_of(cohort, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.formation_run_start(cohort=cohort, by=coordinator, time_limit=3, **kwargs)
        run.refresh_from_db()
        return run

    return run_of


# --- access -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "person", ["student4", "org_contact", "mbo_docent", "hbo_docent", "werkbegeleider", "other_coordinator"]
)
def test_only_the_cohorts_coordinator_reaches_its_formation(request, small, person, coordinator):
    run = FormationRun.objects.create(cohort=small.cohort, created_by=coordinator)
    assert selectors.access_formation_cohort(user=coordinator, cohort_id=small.cohort.pk) == small.cohort
    assert selectors.access_formation_run_by_id(user=coordinator, run_id=run.pk) == run
    other = request.getfixturevalue(person)
    with pytest.raises(Http404):
        selectors.access_formation_cohort(user=other, cohort_id=small.cohort.pk)
    with pytest.raises(Http404):
        selectors.access_formation_run_by_id(user=other, run_id=run.pk)


@pytest.mark.parametrize("run_id", [0, -1, 2**70, "1", None])
def test_an_impossible_id_is_simply_not_found(coordinator, run_id):
    with pytest.raises(Http404):
        selectors.access_formation_run_by_id(user=coordinator, run_id=run_id)


# --- the engine's input -------------------------------------------------------------------


def test_the_input_has_every_student_with_preferences_in_rank_order(small):
    data = selectors.formation_input(cohort=small.cohort)
    anna = next(s for s in data["students"] if s["id"] == str(small.students["anna"].pk))
    assert anna["preferences"] == [str(small.ouderen.pk), str(small.jongeren.pk)]
    assert anna["niveau"] == 4
    assert anna["weekdays"] == [0, 1, 2]
    assert {a["id"] for a in data["assignments"]} == {str(small.ouderen.pk), str(small.jongeren.pk)}
    assert data["locked"] == []
    assert data["rules"] == selectors.DEFAULT_RULES


def test_existing_teams_become_locks_closed_unless_open(small, coordinator):
    started = TeamFactory(assignment=small.jongeren, name="Gestart", status=TeamStatus.ACTIVE, created_by=coordinator)
    open_team = TeamFactory(assignment=small.ouderen, name="Open", created_by=coordinator)
    add_member(started, small.students["eva"])
    add_member(started, small.students["finn"])
    add_member(open_team, small.students["anna"])
    TeamFactory(assignment=small.ouderen, name="Leeg", created_by=coordinator)
    data = selectors.formation_input(cohort=small.cohort, locks={str(small.students["bram"].pk): str(small.ouderen.pk)})
    ids = {name: str(s.pk) for name, s in small.students.items()}
    assert sorted(data["locked"], key=lambda e: e["assignment"]) == sorted(
        [
            {"assignment": str(small.jongeren.pk), "members": sorted([ids["eva"], ids["finn"]]), "closed": True},
            {"assignment": str(small.ouderen.pk), "members": [ids["anna"], ids["bram"]], "closed": False},
        ],
        key=lambda e: e["assignment"],
    )
    assert {e["team"] for e in data["existing"]} == {started.pk, open_team.pk}


def test_readiness_counts_the_cohort_and_names_the_first_students_of_each_list(
    cohort, other_cohort, organisation, neighbourhood, coordinator, competences, monkeypatch
):
    monkeypatch.setattr(selectors, "READINESS_NAMES", 2)
    open_one, done = (
        AssignmentFactory(
            cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, created_by=coordinator, **extra
        )
        for extra in ({"team_size_max": 5}, {"status": "completed", "team_size_max": 6})
    )
    people = [StudentFactory(username=f"s{n}", display_name=f"Student {n}", profile__cohort=cohort) for n in range(5)]
    for person in people[:3]:
        person.student_profile.competences.add(competences[0])
    people[2].student_profile.available_days = []
    people[2].student_profile.save()
    Preference.objects.create(student=people[0], assignment=open_one, rank=1)
    Preference.objects.create(student=people[1], assignment=done, rank=1)  # a closed choice counts for nothing
    add_member(TeamFactory(assignment=open_one), people[0])
    gone = StudentFactory(username="weg", profile__cohort=cohort)
    gone.is_active = False
    gone.save()
    StudentFactory(username="elders", profile__cohort=other_cohort)

    r = selectors.formation_readiness(cohort=cohort)
    assert (r.students_total, r.in_team, r.teamless) == (5, 1, 4)
    assert r.without_preferences_count == 4
    assert [u.display_name for u in r.without_preferences] == ["Student 1", "Student 2"]
    assert r.incomplete_profiles_count == 3
    assert [u.display_name for u in r.incomplete_profiles] == ["Student 2", "Student 3"]
    assert (r.open_assignments, r.seats) == (1, 5)


def test_the_demo_cohort_is_ready_to_form(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    cohort = Cohort.objects.get(name__startswith="Wijklab Rotterdam")
    readiness = selectors.formation_readiness(cohort=cohort)
    assert readiness.without_preferences == []
    assert readiness.without_preferences_count == 0
    assert 20 <= readiness.teamless <= 30
    assert readiness.seats >= readiness.teamless + readiness.in_team
    data = selectors.formation_input(cohort=cohort)
    assert len(data["students"]) == readiness.students_total
    assert all(1 <= len(s["preferences"]) <= 5 for s in data["students"] if s["id"] not in _locked(data))
    counts = {}
    for s in data["students"]:
        counts[s["preferences"][0]] = counts.get(s["preferences"][0], 0) + 1
    assert max(counts.values()) >= 3 * min(counts.values()), "the first choices are not skewed"
    maashaven = User.objects.get(username="student4").memberships.get().team
    assert any(e["team"] == maashaven.pk and e["closed"] for e in data["existing"])
    proposal = selectors.engine().solve(selectors.engine_cohort(data), time_limit=5, locked=data["locked"], workers=1)
    assert proposal["status"] in {"optimal", "feasible"}, proposal["conflicts"]
    assert proposal["preference_profile"]["unplaced"] <= 8


def _locked(data: dict) -> set[str]:
    return {s for e in data["locked"] for s in e["members"]}


# --- the board ------------------------------------------------------------------------------


def _bigger_cohort(cohort, organisation, neighbourhood, coordinator, n_assignments: int, per: int):
    assignments = [
        AssignmentFactory(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, created_by=coordinator)
        for _ in range(n_assignments)
    ]
    for a in assignments:
        for i in range(per):
            student = StudentFactory(profile__niveau=(4, 5, 6, 4)[i % 4], profile__cohort=cohort)
            Preference.objects.create(student=student, assignment=a, rank=1)


def test_the_board_reads_in_a_fixed_number_of_queries(small, run_of, coordinator, organisation, neighbourhood):
    run = run_of(small.cohort)
    with count_queries() as few:
        board = selectors.formation_board(run=run, viewer=coordinator)
    assert board.placed == sum(len(t.members) for a in board.assignments for t in a.teams)
    _bigger_cohort(small.cohort, organisation, neighbourhood, coordinator, n_assignments=6, per=4)
    run.status = FormationRun.Status.PUBLISHED  # let a new run start
    run.save()
    bigger = run_of(small.cohort)
    with count_queries() as many:
        board = selectors.formation_board(run=bigger, viewer=coordinator)
    assert board.students_total == len(small.students) + 24
    assert board.placed > len(small.students)
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]


def test_the_board_shows_members_with_rank_coverage_profile_and_gap(small, run_of, coordinator):
    run = run_of(small.cohort)
    board = selectors.formation_board(run=run, viewer=coordinator)
    assert board.status == "done"
    assert board.can_publish
    assert board.gap_text
    cards = [m for a in board.assignments for t in a.teams for m in t.members]
    assert all(m.rank in (1, 2) for m in cards)
    assert all(m.explanation for m in cards)
    assert {r.key for r in board.profile} >= {"1", "2", "unplaced"}
    assert sum(r.count for r in board.profile) == len(small.students)
    assert 0 <= board.top3_percent <= 100
    assert board.problems == []


def test_the_board_marks_who_is_the_only_one_of_their_niveau_or_school(small, run_of, coordinator):
    run = run_of(small.cohort)
    board = selectors.formation_board(run=run, viewer=coordinator)
    marks = []
    for assignment in board.assignments:
        for team in assignment.teams:
            for m in team.members:
                others = [o for o in team.members if o is not m]
                expected = ""
                if len(team.members) >= 3:
                    if not any(o.niveau == m.niveau for o in others):
                        expected = "niveau"
                    elif not any(o.school == m.school for o in others):
                        expected = "school"
                assert m.isolated == expected, (m.user.username, [o.user.username for o in others])
                marks.append(m.isolated)
    # Ouderen needs a niveau 6 student and only Bram ranked it with niveau 6: he is the only one.
    assert "niveau" in marks


def test_an_existing_team_member_who_never_ranked_its_assignment_breaks_no_rule_on_the_board(
    small, run_of, coordinator
):
    # Finn ranked only Jongeren, but joined an open Ouderen team himself: the team stands, so the draft
    # must not list "Finn koos opdracht Ouderen niet" as a broken rule (the engine exempted him too).
    team = TeamFactory(assignment=small.ouderen, name="Zelf gevormd", created_by=coordinator)
    add_member(team, small.students["finn"])
    run = run_of(small.cohort, rules={"only_ranked": True})
    assert run.status == FormationRun.Status.DONE
    assert selectors.draft_violations(run) == []
    assert selectors.formation_board(run=run, viewer=coordinator).problems == []


def test_members_of_an_existing_team_are_told_they_stay_and_a_pinned_student_that_they_were_pinned(
    small, run_of, coordinator
):
    team = TeamFactory(assignment=small.ouderen, name="Zelf gevormd", created_by=coordinator)
    add_member(team, small.students["anna"])
    pinned = small.students["bram"]
    run = run_of(small.cohort, locks={pinned.pk: small.ouderen.pk})
    said = {e["student"]: selectors.student_explanation(e) for e in run.proposal["students"]}
    assert said[str(small.students["anna"].pk)] == "Je zat al in dit team; je blijft erin."
    assert said[str(pinned.pk)] == "Je coördinator heeft je in dit team vastgezet."


def test_the_board_names_what_an_override_broke(small, run_of, coordinator):
    run = run_of(small.cohort)
    student = next(
        m.user
        for a in selectors.formation_board(run=run, viewer=coordinator).assignments
        for t in a.teams
        for m in t.members
    )
    run = services.formation_move(
        run=run, student_id=student.pk, to_assignment_id=None, by=coordinator, override=True, reason="Proef"
    )
    board = selectors.formation_board(run=run, viewer=coordinator)
    if board.problems:
        assert any(t.problems for a in board.assignments for t in a.teams)
    assert student in [u.user for u in board.unplaced]
    assert [m.reason for m in board.moves] == ["Proef"]


# --- for the student ------------------------------------------------------------------------


def test_a_placed_student_reads_why_after_publishing(small, run_of, coordinator):
    run = run_of(small.cohort)
    anna = small.students["anna"]
    assert selectors.placement_explanation_for(student=anna) is None
    services.formation_publish(run=run, by=coordinator)
    placed = {s["student"] for s in run.proposal["students"]}
    assert str(anna.pk) in placed
    text = selectors.placement_explanation_for(student=anna)
    assert text
    assert text.startswith("Je ")
    # A page that has her membership already passes it: the same text, one query fewer.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teams.selectors import active_membership_of

    anna = type(anna).objects.select_related("student_profile").get(pk=anna.pk)
    membership = active_membership_of(student=anna)
    with CaptureQueriesContext(connection) as without:
        assert selectors.placement_explanation_for(student=anna) == text
    with CaptureQueriesContext(connection) as given:
        assert selectors.placement_explanation_for(student=anna, membership=membership) == text
    assert len(given) == len(without) - 1


@pytest.mark.parametrize(("previous", "offered"), [(2, 60), (10, 60), (30, 120), (100, 300), (299, 300), (300, None)])
def test_a_longer_search_is_offered_while_the_best_is_not_proven(small, run_of, previous, offered):
    run = run_of(small.cohort)
    assert run.proposal["status"] == "optimal"
    assert selectors.longer_time_limit(run=run) is None
    run.proposal = {**run.proposal, "status": "feasible", "gap": 0.05}
    run.parameters = {**run.parameters, "time_limit": previous}
    assert selectors.longer_time_limit(run=run) == offered
    run.status = FormationRun.Status.PUBLISHED  # nothing to search for once published
    assert selectors.longer_time_limit(run=run) is None


def test_the_gap_is_said_in_the_readers_language(small, run_of, coordinator):
    from django.utils import translation

    run = run_of(small.cohort)
    run.proposal = {
        **run.proposal,
        "status": "feasible",
        "gap": 0.077,
        "gap_text": "hooguit 7,7 % onder het best haalbare",
    }
    with translation.override("en"):
        assert (
            selectors.formation_board(run=run, viewer=coordinator).gap_text == "at most 7.7 % below the best possible"
        )
    with translation.override("nl"):
        assert (
            selectors.formation_board(run=run, viewer=coordinator).gap_text == "hooguit 7,7 % onder het best haalbare"
        )
