"""The team-formation API of docs/api.md: start, read, move, lock, re-run, publish; coordinators of the cohort only."""

import pytest
from django.core import mail

from teams.models import FormationRun, Team
from tests.teams.formation_support import small_cohort

pytest.importorskip("teams.formation")

RUN_KEYS = {
    "status",
    "progress",
    "objective",
    "bound",
    "gap",
    "teams",
    "unplaced",
    "students",
    "preference_profile",
    "conflicts",
}


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_cohort(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, coordinator=coordinator)


@pytest.fixture
def as_coordinator(api_client, coordinator):
    api_client.force_login(coordinator)
    return api_client


@pytest.fixture
def started(small, as_coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            "/api/formation-runs/", {"cohort": small.cohort.pk, "time_limit_s": 2, "seed": 3}, format="json"
        )
    assert response.status_code == 202, response.content
    return FormationRun.objects.get(pk=response.json()["id"])


def test_starting_a_run_answers_202_with_its_id_and_status(small, as_coordinator):
    response = as_coordinator.post(
        "/api/formation-runs/", {"cohort": small.cohort.pk, "time_limit_s": 2}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "status"}
    assert body["status"] == "queued"
    assert FormationRun.objects.get(pk=body["id"]).parameters["time_limit"] == 2


def test_a_run_reads_as_api_md_says_with_integer_ids(small, started, as_coordinator):
    data = as_coordinator.get(f"/api/formation-runs/{started.pk}/").json()
    assert set(data) >= RUN_KEYS
    assert data["status"] == "done"
    assert data["progress"] == 1.0
    student_ids = {s.pk for s in small.students.values()}
    assert data["teams"]
    for team in data["teams"]:
        assert team["assignment"] in {small.ouderen.pk, small.jongeren.pk}
        assert set(team["members"]) <= student_ids
        assert team["explanation"]
    placed = {s["student"] for s in data["students"]} | {u["student"] for u in data["unplaced"]}
    assert placed == student_ids
    assert all(isinstance(s["rank"], int | None) for s in data["students"])
    assert sum(data["preference_profile"].values()) == len(student_ids)
    assert data["conflicts"] == []


def test_the_gap_is_said_in_the_readers_language_as_on_the_board(started, as_coordinator, coordinator):
    """A run started in Dutch, read by someone who chose English: the API's words are the board's."""
    started.proposal = {**started.proposal, "status": "feasible", "gap": 0.077, "gap_text": "hooguit 7,7 %"}
    started.save(update_fields=["proposal"])
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    assert as_coordinator.get(f"/api/formation-runs/{started.pk}/").json()["gap_text"] == (
        "at most 7.7 % below the best possible"
    )


def _breaking_move(data, small):
    placed = {s["student"]: s["assignment"] for s in data["students"]}
    for student, assignment in placed.items():
        other = small.jongeren.pk if assignment == small.ouderen.pk else small.ouderen.pk
        yield student, other


def test_a_rule_breaking_move_answers_409_with_the_code_and_goes_through_with_override_and_reason(
    small, started, as_coordinator
):
    data = as_coordinator.get(f"/api/formation-runs/{started.pk}/").json()
    url = f"/api/formation-runs/{started.pk}/moves/"
    for student, other in _breaking_move(data, small):
        response = as_coordinator.post(url, {"student": student, "to_assignment": other}, format="json")
        if response.status_code == 409:
            break
    else:
        pytest.fail("every move was allowed")
    refusal = response.json()
    assert set(refusal) == {"code", "detail"}
    assert refusal["code"] in {"too_small", "too_big", "needs_niveau", "needs_hbo", "single_level", "not_ranked"}
    missing_reason = as_coordinator.post(
        url, {"student": student, "to_assignment": other, "override": True}, format="json"
    )
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()
    moved = as_coordinator.post(
        url,
        {"student": student, "to_assignment": other, "override": True, "reason": "Afspraak met school"},
        format="json",
    )
    assert moved.status_code == 200
    assert next(s for s in moved.json()["students"] if s["student"] == student)["assignment"] == other
    assert started.moves.get().reason == "Afspraak met school"


@pytest.mark.parametrize(
    "body",
    [
        {"student": "x", "to_assignment": None},
        {"to_assignment": None},
        {"student": 1, "to_assignment": "y"},
        {"student": 10**30, "to_assignment": None},
        [],
    ],
)
def test_bad_move_input_is_a_400_in_dutch(started, as_coordinator, body):
    response = as_coordinator.post(f"/api/formation-runs/{started.pk}/moves/", body, format="json")
    assert response.status_code == 400
    text = str(response.json())
    assert "valid" not in text.lower()


@pytest.mark.parametrize(
    "body",
    [
        {"cohort": "één"},
        {"cohort": 1, "time_limit_s": 0},
        {"cohort": 1, "time_limit_s": 10_000},
        {"cohort": 1, "weights": {"balance": -1}},
        {"cohort": 1, "locked": [{"student": 1}]},
        {"cohort": 1, "kind": "magic"},
    ],
)
def test_bad_start_input_is_a_400_and_stores_nothing(small, as_coordinator, body):
    response = as_coordinator.post("/api/formation-runs/", body, format="json")
    assert response.status_code == 400
    assert not FormationRun.objects.exists()


def test_unknown_weights_are_named_in_the_answer(small, as_coordinator):
    response = as_coordinator.post(
        "/api/formation-runs/", {"cohort": small.cohort.pk, "weights": {"geluk": 1}}, format="json"
    )
    assert response.status_code == 400
    assert "geluk" in str(response.json()["weights"])


def test_locks_are_given_at_the_start_and_kept(small, as_coordinator, django_capture_on_commit_callbacks):
    anna = small.students["anna"]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            "/api/formation-runs/",
            {
                "cohort": small.cohort.pk,
                "time_limit_s": 2,
                "locked": [{"student": anna.pk, "assignment": small.jongeren.pk}],
            },
            format="json",
        )
    data = as_coordinator.get(f"/api/formation-runs/{response.json()['id']}/").json()
    assert data["locked"] == [{"student": anna.pk, "assignment": small.jongeren.pk}]
    assert next(s for s in data["students"] if s["student"] == anna.pk)["assignment"] == small.jongeren.pk


def test_lock_and_rerun_endpoints(small, started, as_coordinator, django_capture_on_commit_callbacks):
    data = as_coordinator.get(f"/api/formation-runs/{started.pk}/").json()
    first = data["students"][0]
    locked = as_coordinator.post(
        f"/api/formation-runs/{started.pk}/locks/", {"student": first["student"], "locked": True}, format="json"
    )
    assert locked.status_code == 200
    assert locked.json()["locked"] == [{"student": first["student"], "assignment": first["assignment"]}]
    with django_capture_on_commit_callbacks(execute=True):
        rerun = as_coordinator.post(f"/api/formation-runs/{started.pk}/rerun/", format="json")
    assert rerun.status_code == 202
    again = as_coordinator.get(f"/api/formation-runs/{rerun.json()['id']}/").json()
    assert again["locked"] == locked.json()["locked"]


def test_rerun_may_ask_for_more_computing_time(small, started, as_coordinator, django_capture_on_commit_callbacks):
    url = f"/api/formation-runs/{started.pk}/rerun/"
    for bad in (0, 301, "lang", True):
        refused = as_coordinator.post(url, {"time_limit_s": bad}, format="json")
        assert refused.status_code == 400, bad
        assert "time_limit_s" in refused.json()
    assert FormationRun.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        rerun = as_coordinator.post(url, {"time_limit_s": 60}, format="json")
    assert rerun.status_code == 202
    assert FormationRun.objects.get(pk=rerun.json()["id"]).parameters["time_limit"] == 60


def test_publishing_creates_the_teams_once(small, started, as_coordinator, django_capture_on_commit_callbacks):
    url = f"/api/formation-runs/{started.pk}/publish/"
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(url, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert Team.objects.count() == len(response.json()["teams"])
    sent = len(mail.outbox)
    assert sent > 0
    again = as_coordinator.post(url, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_published"
    assert len(mail.outbox) == sent


@pytest.mark.parametrize(
    "person", ["student4", "org_contact", "mbo_docent", "werkbegeleider", "other_coordinator", "outsider_student"]
)
def test_nobody_but_the_cohorts_coordinators_sees_or_changes_a_run(request, started, api_client, person, small):
    api_client.force_login(request.getfixturevalue(person))
    base = f"/api/formation-runs/{started.pk}/"
    assert api_client.get(base).status_code == 404
    for action, body in [
        ("moves/", {"student": small.students["anna"].pk, "to_assignment": None}),
        ("locks/", {"student": small.students["anna"].pk, "locked": True}),
        ("rerun/", {}),
        ("publish/", {}),
    ]:
        assert api_client.post(base + action, body, format="json").status_code == 404
    assert api_client.post("/api/formation-runs/", {"cohort": small.cohort.pk}, format="json").status_code == 404
    assert api_client.get("/api/formation-runs/").json()["results"] == []
    assert FormationRun.objects.count() == 1


def test_the_list_shows_the_cohorts_runs_newest_first(small, started, as_coordinator):
    response = as_coordinator.get(f"/api/formation-runs/?cohort={small.cohort.pk}")
    assert [r["id"] for r in response.json()["results"]] == [started.pk]
    assert as_coordinator.get("/api/formation-runs/?cohort=abc").status_code == 400


def test_anonymous_gets_no_run(started, client):
    assert client.get(f"/api/formation-runs/{started.pk}/").status_code in {401, 403}
