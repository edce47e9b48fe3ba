"""The coordinator's "Teams vormen" pages: only the cohort's coordinators, the run with its polling partial,
the board, a move that breaks a rule, locks, publishing once, and the student's explanation afterwards."""

import re

import pytest
from django.urls import reverse

from assignments.models import Preference
from teams import formation_services
from teams.models import FormationMove, FormationRun, Membership
from tests.conftest import count_queries
from tests.factories import AssignmentFactory, StudentFactory
from tests.teams.formation_support import small_cohort
from wijklab.models import Notification

pytest.importorskip("teams.formation")

HTMX = {"HX-Request": "true"}
OUTSIDERS = ["student4", "org_contact", "mbo_docent", "other_coordinator"]


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_cohort(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, coordinator=coordinator)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def start(client, cohort, django_capture_on_commit_callbacks, **fields) -> FormationRun:
    data = {"time_limit": "2", "seed": "1", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cohort-formation", args=[cohort.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = FormationRun.objects.latest("pk")
    assert response.url == reverse("formation-run", args=[run.pk])
    run.refresh_from_db()
    return run


@pytest.fixture
def run(small, coordinator_client, django_capture_on_commit_callbacks) -> FormationRun:
    run = start(coordinator_client, small.cohort, django_capture_on_commit_callbacks)
    assert run.status == FormationRun.Status.DONE, run.error
    return run


def placement(run: FormationRun) -> dict[str, str | None]:
    """Student id → assignment id in the run's draft (None: unplaced)."""
    run.refresh_from_db()
    found: dict[str, str | None] = {u["student"]: None for u in run.proposal["unplaced"]}
    for team in run.proposal["teams"]:
        for sid in team["members"]:
            found[sid] = team["assignment"]
    return found


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", OUTSIDERS)
def test_outsiders_get_404_on_every_formation_page(request, client, run, name):
    client.force_login(request.getfixturevalue(name))
    urls = [
        reverse("cohort-formation", args=[run.cohort_id]),
        reverse("formation-run", args=[run.pk]),
        reverse("formation-run-progress", args=[run.pk]),
        reverse("formation-run-check", args=[run.pk]),
        reverse("formation-run-publish", args=[run.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for route in ("formation-run-move", "formation-run-lock", "formation-run-rerun", "formation-run-publish"):
        assert client.post(reverse(route, args=[run.pk]), {"student": "1", "to": "uit"}).status_code == 404
    assert client.post(reverse("cohort-formation", args=[run.cohort_id]), {"time_limit": "1"}).status_code == 404
    run.refresh_from_db()
    assert run.status == FormationRun.Status.DONE
    assert FormationRun.objects.count() == 1


def test_the_cohort_controls_lead_the_coordinator_to_forming_teams(coordinator_client, small):
    html = coordinator_client.get(reverse("home")).content.decode()
    assert reverse("cohort-formation", args=[small.cohort.pk]) in html


# --- readiness and starting --------------------------------------------------------------


def test_the_page_says_what_is_not_ready_yet(coordinator_client, small, cohort):
    StudentFactory(username="zonder", display_name="Zoë Zonder", profile__niveau=5, profile__cohort=cohort)
    html = coordinator_client.get(reverse("cohort-formation", args=[cohort.pk])).content.decode()
    assert "De voorkeuren staan nog open." in html
    assert reverse("cohort-preferences", args=[cohort.pk]) in html
    assert "1 student zonder voorkeuren" in html
    assert "Zoë Zonder" in html
    # The soft goals in plain Dutch, with how important each is.
    assert "Niemand de enige van zijn school of niveau" in html
    assert "Heel belangrijk" in html
    cohort.preferences_open = False
    cohort.save()
    html = coordinator_client.get(reverse("cohort-formation", args=[cohort.pk])).content.decode()
    assert "De voorkeuren staan nog open." not in html


def test_starting_keeps_the_chosen_weights(coordinator_client, small, django_capture_on_commit_callbacks):
    run = start(
        coordinator_client,
        small.cohort,
        django_capture_on_commit_callbacks,
        weight_isolation="4",
        weight_balance="0",
        seed="7",
    )
    assert run.parameters["seed"] == 7
    assert run.parameters["weights"]["isolation"] == 4.0
    assert run.parameters["weights"]["balance"] == 0.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_limit": "lang"}, "Geef de rekentijd in hele seconden."),
        ({"time_limit": "900"}, "Geef een rekentijd van 1 tot en met 300 seconden."),
        ({"seed": "-3"}, "startgetal"),
        ({"weight_balance": "veel"}, "Kies bij elk doel hoe belangrijk het is."),
    ],
)
def test_a_bad_start_form_says_why_and_starts_nothing(coordinator_client, small, fields, message):
    data = {"time_limit": "2", "seed": "1", **fields}
    response = coordinator_client.post(reverse("cohort-formation", args=[small.cohort.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FormationRun.objects.exists()


# --- the run: progress, then the board ---------------------------------------------------------


def test_a_running_run_polls_a_small_partial_with_a_progress_bar(coordinator_client, small, coordinator):
    queued = formation_services.formation_run_start(cohort=small.cohort, by=coordinator, time_limit=2)
    # Not executed: the run stays queued. The page polls the partial every second.
    FormationRun.objects.filter(pk=queued.pk).update(status=FormationRun.Status.RUNNING, progress=0.42)
    page = coordinator_client.get(reverse("formation-run", args=[queued.pk])).content.decode()
    progress_url = reverse("formation-run-progress", args=[queued.pk])
    assert f'hx-get="{progress_url}"' in page
    assert 'hx-trigger="every 1s"' in page
    partial = coordinator_client.get(progress_url, headers=HTMX).content.decode()
    assert "<html" not in partial
    assert re.search(r'<progress id="run-progress" max="100" value="42"', partial)
    assert 'hx-trigger="every 1s"' in partial


def test_a_finished_run_replaces_the_progress_bar_by_the_board(coordinator_client, run, small):
    partial = coordinator_client.get(reverse("formation-run-progress", args=[run.pk]), headers=HTMX).content.decode()
    assert "<html" not in partial
    assert "hx-trigger" not in partial.split(">", 1)[0]  # no more polling
    assert "<progress" not in partial
    for title in ("Ouderen", "Jongeren"):
        assert title in partial
    assert re.search(r"\d+ %</strong> eerste keuze, <strong>\d+ %</strong> top 3", partial)
    # Each member card: name, niveau, school, preference rank.
    anna = small.students["anna"]
    card = re.search(rf'<li class="member[^"]*" id="student-{anna.pk}">(.*?)</li>\s*(?=<li|</ul>)', partial, re.S)
    assert card, "Anna has a card on the board"
    assert "Anna" in card.group(1)
    assert "niveau 4" in card.group(1)
    assert anna.student_profile.school.name in card.group(1)
    assert "e keuze" in card.group(1)
    # Bram is the only niveau 6 student of his team (Ouderen needs one; Finn chose only Jongeren).
    bram = small.students["bram"]
    card = re.search(rf'<li class="member[^"]*" id="student-{bram.pk}">(.*?)</li>\s*(?=<li|</ul>)', partial, re.S)
    assert card, "Bram has a card on the board"
    assert "enige van niveau 6" in card.group(1)


def test_the_board_of_an_infeasible_run_lists_the_conflicts(coordinator_client, small, coordinator):
    run = FormationRun.objects.create(
        cohort=small.cohort,
        created_by=coordinator,
        status=FormationRun.Status.INFEASIBLE,
        progress=1,
        parameters={"time_limit": 1, "seed": 1, "locks": {}},
        proposal={
            "status": "infeasible",
            "teams": [],
            "unplaced": [],
            "students": [],
            "conflicts": [{"code": "niveau_6_short", "detail": "4 opdrachten vragen om een niveau 6-student."}],
        },
    )
    html = coordinator_client.get(reverse("formation-run", args=[run.pk])).content.decode()
    assert "Er is geen indeling die aan alle regels voldoet" in html
    assert "4 opdrachten vragen om een niveau 6-student." in html


# --- adjusting the draft -------------------------------------------------------------------------


def _breaking_move(run: FormationRun, small) -> tuple[int, str]:
    """A move in the draft that breaks a hard rule (a full team, a team left too small): (student, target)."""
    where = placement(run)
    teams = run.proposal["teams"]
    for sid, aid in where.items():
        targets = [(int(t["assignment"]), i) for i, t in enumerate(teams) if t["assignment"] != aid]
        for assignment_id, index in [*targets, (None, None)]:
            if formation_services.formation_move_check(
                run=run, student_id=int(sid), to_assignment_id=assignment_id, to_team=index
            ):
                return int(sid), f"{assignment_id}:{index}" if assignment_id else "uit"
    raise AssertionError(f"no breaking move in {where}")


def test_a_move_that_breaks_a_team_is_shown_before_it_happens_and_needs_a_reason(coordinator_client, run, small):
    student_id, target = _breaking_move(run, small)
    before = placement(run)
    check = coordinator_client.get(
        reverse("formation-run-check", args=[run.pk]), {"student": student_id, "to": target}, headers=HTMX
    ).content.decode()
    assert "Deze verplaatsing breekt een regel:" in check
    assert 'name="override"' in check
    assert 'name="reason"' in check
    move = reverse("formation-run-move", args=[run.pk])
    refused = coordinator_client.post(move, {"student": student_id, "to": target}, follow=True).content.decode()
    assert "Kies &#x27;regels overschrijven&#x27; en geef een reden" in refused
    # Back on the form with the same choice, and what it breaks under it.
    assert "Deze verplaatsing breekt een regel:" in refused
    assert placement(run) == before
    no_reason = coordinator_client.post(move, {"student": student_id, "to": target, "override": "on"}, follow=True)
    assert "Geef een reden" in no_reason.content.decode()
    assert placement(run) == before
    coordinator_client.post(
        move, {"student": student_id, "to": target, "override": "on", "reason": "Stage valt samen met de wijkavond"}
    )
    assert placement(run)[str(student_id)] == (None if target == "uit" else target.split(":")[0])
    recorded = FormationMove.objects.get(run=run)
    assert (recorded.override, recorded.reason) == (True, "Stage valt samen met de wijkavond")
    html = coordinator_client.get(reverse("formation-run", args=[run.pk])).content.decode()
    assert "Stage valt samen met de wijkavond" in html
    assert "Regels overschreven" in html


def test_a_valid_move_says_so_and_goes_through(coordinator_client, run):
    where = placement(run)
    teams = run.proposal["teams"]
    for sid, aid in where.items():
        targets = [(int(t["assignment"]), i) for i, t in enumerate(teams) if t["assignment"] != aid]
        for assignment_id, index in [*targets, (None, None)]:
            if (assignment_id is None and aid is None) or formation_services.formation_move_check(
                run=run, student_id=int(sid), to_assignment_id=assignment_id, to_team=index
            ):
                continue
            target = f"{assignment_id}:{index}" if assignment_id else "uit"
            check = coordinator_client.get(
                reverse("formation-run-check", args=[run.pk]), {"student": sid, "to": target}, headers=HTMX
            ).content.decode()
            assert "Deze verplaatsing past binnen de regels." in check
            response = coordinator_client.post(
                reverse("formation-run-move", args=[run.pk]), {"student": sid, "to": target}
            )
            assert response.status_code == 302
            assert placement(run)[sid] == (str(assignment_id) if assignment_id else None)
            assert not FormationMove.objects.get(run=run).override
            return
    raise AssertionError(f"no move keeps every rule in {where}")


def test_the_check_says_who_a_move_would_leave_the_only_one_of_their_niveau(coordinator_client, run, small):
    dina = small.students["dina"]
    assert placement(run)[str(dina.pk)] == str(small.ouderen.pk)
    check = coordinator_client.get(
        reverse("formation-run-check", args=[run.pk]), {"student": dina.pk, "to": "uit"}, headers=HTMX
    ).content.decode()
    assert "Geen regel, wel een doel:" in check
    assert "Anna is dan de enige van niveau 4 in het team van ‘Ouderen’." in check


def test_a_move_to_nowhere_in_particular_is_a_clear_error(coordinator_client, run):
    response = coordinator_client.post(reverse("formation-run-move", args=[run.pk]), {"student": "", "to": "x:1"})
    assert response.status_code == 302
    assert "Kies een student en waar die heen gaat." in coordinator_client.get(response.url).content.decode()


def test_lock_unlock_and_recalculate_around_the_locks(
    coordinator_client, run, small, django_capture_on_commit_callbacks
):
    where = placement(run)
    sid = next(s for s, a in where.items() if a is not None)
    coordinator_client.post(reverse("formation-run-lock", args=[run.pk]), {"student": sid, "locked": "1"})
    run.refresh_from_db()
    assert run.locks == {sid: where[sid]}
    html = coordinator_client.get(reverse("formation-run", args=[run.pk])).content.decode()
    assert "Opnieuw rekenen rond 1 vastgezette student" in html
    assert "Losmaken" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("formation-run-rerun", args=[run.pk]))
    new = FormationRun.objects.latest("pk")
    assert new.pk != run.pk
    assert response.url == reverse("formation-run", args=[new.pk])
    new.refresh_from_db()
    assert new.locks == {sid: where[sid]}
    assert placement(new)[sid] == where[sid]
    coordinator_client.post(reverse("formation-run-lock", args=[new.pk]), {"student": sid, "locked": "0"})
    new.refresh_from_db()
    assert new.locks == {}


def _not_proven(run: FormationRun, time_limit: int = 2) -> None:
    """As a run cut short looks: a proposal with a gap left to its bound."""
    run.proposal = {
        **run.proposal,
        "status": "feasible",
        "gap": 0.077,
        "gap_text": "hooguit 7,7 % onder het best haalbare",
    }
    run.parameters = {**run.parameters, "time_limit": time_limit}
    run.save(update_fields=["proposal", "parameters"])


def test_a_proposal_not_proven_the_best_offers_a_longer_search(
    coordinator_client, run, django_capture_on_commit_callbacks
):
    board = reverse("formation-run", args=[run.pk])
    assert run.proposal["status"] == "optimal"
    assert "Langer zoeken" not in coordinator_client.get(board).content.decode()
    _not_proven(run)
    html = coordinator_client.get(board).content.decode()
    assert "Hoe goed: hooguit 7,7 % onder het best haalbare" in html
    assert "Langer zoeken (60 seconden)" in html
    assert '<input type="hidden" name="time_limit" value="60">' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("formation-run-rerun", args=[run.pk]), {"time_limit": "60"})
    new = FormationRun.objects.latest("pk")
    assert response.url == reverse("formation-run", args=[new.pk])
    new.refresh_from_db()
    assert new.parameters["time_limit"] == 60
    assert new.parameters["seed"] == run.parameters["seed"]
    assert new.status == FormationRun.Status.DONE, new.error


@pytest.mark.parametrize("value", ["abc", "0", "301", ""])
def test_a_longer_search_with_a_bad_time_is_refused_in_words(coordinator_client, run, value):
    before = FormationRun.objects.count()
    response = coordinator_client.post(reverse("formation-run-rerun", args=[run.pk]), {"time_limit": value})
    assert response.status_code == 302
    assert "Geef een rekentijd van 1 tot en met 300 seconden." in coordinator_client.get(response.url).content.decode()
    assert FormationRun.objects.count() == before


# --- publishing once --------------------------------------------------------------------------------


def test_publishing_asks_first_says_what_will_happen_and_happens_once(coordinator_client, run, small):
    teams = run.proposal["teams"]
    placed = sum(len(t["members"]) for t in teams)
    confirm = coordinator_client.get(reverse("formation-run-publish", args=[run.pk])).content.decode()
    assert f"{len(teams)} teams</strong> worden in één keer vastgelegd" in confirm
    assert f"met {placed} studenten" in confirm
    assert f"{placed} studenten</strong> krijgen ieder één melding en één e-mail" in confirm
    assert not Membership.objects.exists()
    response = coordinator_client.post(reverse("formation-run-publish", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == FormationRun.Status.PUBLISHED
    assert Membership.objects.filter(left_at__isnull=True).count() == placed
    after = coordinator_client.get(response.url).content.decode()
    assert "Deze teams zijn gepubliceerd op" in after
    assert reverse("team-list") in after
    assert reverse("formation-run-move", args=[run.pk]) not in after  # nothing to adjust any more
    # A second publish changes nothing and says why.
    again = coordinator_client.post(reverse("formation-run-publish", args=[run.pk]), follow=True).content.decode()
    assert "al gepubliceerd" in again
    assert Membership.objects.filter(left_at__isnull=True).count() == placed
    assert coordinator_client.get(reverse("formation-run-publish", args=[run.pk])).status_code == 302


def test_a_placed_student_reads_where_and_why_in_the_second_person(client, run, small, coordinator, org_contact):
    formation_services.formation_publish(run=run, by=coordinator)
    membership = Membership.objects.filter(left_at__isnull=True).select_related("team", "student").first()
    student = membership.student
    client.force_login(student)
    page = client.get(reverse("team-detail", args=[membership.team_id])).content.decode()
    assert "Waarom je in dit team zit" in page
    why = re.search(r'<section class="card placement-why".*?<p>(.*?)</p>', page, re.S).group(1)
    assert re.search(r"\b(Je|je|Jouw|jouw)\b", why), why
    home = client.get(reverse("home")).content.decode()
    assert why in home
    assert Notification.objects.filter(user=student, kind="team_formed").count() == 1
    # The organisation sees the team, never a niveau or the explanation (which speaks of niveaus).
    client.force_login(org_contact)
    org_page = client.get(reverse("team-detail", args=[membership.team_id])).content.decode()
    assert "niveau" not in org_page.lower()
    assert "Waarom je in dit team zit" not in org_page


# --- query counts ---------------------------------------------------------------------------------


def _grow(small, organisation, neighbourhood, coordinator, *, n: int) -> None:
    extra = AssignmentFactory(
        cohort=small.cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        title=f"Extra {n}",
        team_size_min=2,
        team_size_max=5,
        created_by=coordinator,
    )
    for i in range(n):
        s = StudentFactory(
            username=f"extra{n}-{i}",
            display_name=f"Extra {i}",
            profile__niveau=(4, 5, 6)[i % 3],
            profile__cohort=small.cohort,
        )
        Preference.objects.create(student=s, assignment=extra, rank=1)
        Preference.objects.create(student=s, assignment=small.ouderen, rank=2)


def test_board_page_queries_do_not_grow_with_the_cohort(
    coordinator_client, small, organisation, neighbourhood, coordinator, django_capture_on_commit_callbacks
):
    first = start(coordinator_client, small.cohort, django_capture_on_commit_callbacks)
    with count_queries() as few:
        assert coordinator_client.get(reverse("formation-run", args=[first.pk])).status_code == 200
    for n in (5, 9):
        _grow(small, organisation, neighbourhood, coordinator, n=n)
    bigger = start(coordinator_client, small.cohort, django_capture_on_commit_callbacks)
    assert len(bigger.parameters["input"]["students"]) > len(first.parameters["input"]["students"]) + 10
    with count_queries() as many:
        assert coordinator_client.get(reverse("formation-run", args=[bigger.pk])).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= 20
