"""Forming the demo cohort's teams in a real browser.

The coordinator closes the preferences, starts a proposal and watches the
progress bar give way to the board (without a page load), tries a move that
breaks a team and reads what it breaks before anything happens, makes a move
that keeps every rule, and publishes once after reading what will happen.
Then a student who was placed logs in and reads their team and why they are
in it, on a laptop and on a phone; a student left without a team reads who
forms the teams.

Publishing changes the demo for every journey after it: ``tests/e2e/conftest.py``
runs this one last.
"""

import json
import re

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

# Moves in the run's draft, judged by the same service the page asks: one that breaks
# a rule, and one that keeps every rule (placing an unplaced student first, if one can be).
MOVES = """
import json
from teams import formation_services as services
from teams.models import FormationRun

run = FormationRun.objects.get(pk=RUN_ID)
teams = run.proposal["teams"]
where = {sid: (t["assignment"], i) for i, t in enumerate(teams) for sid in t["members"]}
unplaced = sorted(u["student"] for u in run.proposal["unplaced"])
breaking, valid = None, None
candidates = [(sid, None) for sid in unplaced] + [(sid, where[sid]) for sid in sorted(where)]
for sid, current in candidates:
    targets = [(t["assignment"], i) for i, t in enumerate(teams) if current is None or t["assignment"] != current[0]]
    if current is not None:
        targets.append((None, None))
    for aid, index in targets:
        problems = services.formation_move_check(
            run=run, student_id=int(sid), to_assignment_id=int(aid) if aid else None, to_team=index
        )
        move = {"student": sid, "to": f"{aid}:{index}" if aid else "uit", "problems": [p["detail"] for p in problems]}
        if problems and breaking is None:
            breaking = move
        if not problems and valid is None:
            valid = move
    if breaking and valid:
        break
print(json.dumps({"breaking": breaking, "valid": valid}))
"""

# After publishing: a student the run placed (with their explanation) and one it left without a team.
PLACED = """
import json
from teams.formation_selectors import placement_explanation_for
from teams.models import FormationRun, Membership
from wijklab.models import User

run = FormationRun.objects.get(pk=RUN_ID)
moved = set(run.moves.values_list("student_id", flat=True))  # their explanation is the coordinator's move
placed = None
new = Membership.objects.filter(cohort=run.cohort, left_at__isnull=True, joined_at__gte=run.published_at)
for m in new.select_related("student", "team").order_by("student__username"):
    why = placement_explanation_for(student=m.student)
    if why and m.student_id not in moved:
        placed = {"username": m.student.username, "team": m.team.name, "team_id": m.team_id, "why": why}
        break
left_out = [u["student"] for u in run.proposal["unplaced"]]
teamless = (
    User.objects.filter(pk__in=[int(s) for s in left_out])
    .exclude(memberships__left_at__isnull=True)
    .order_by("username")
    .first()
)
print(json.dumps({"placed": placed, "teamless": teamless.username if teamless else None}))
"""


def shell_json(server, code: str, run_id: int) -> dict:
    return json.loads(server.shell(code.replace("RUN_ID", str(run_id))).strip().splitlines()[-1])


def test_the_coordinator_forms_adjusts_and_publishes_the_teams_and_a_student_reads_why(new_context, e2e_server):
    page = new_context().new_page()
    login(page, "coordinator")

    # From the overview's cohort controls to "Teams vormen".
    page.get_by_role("link", name="Teams vormen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams vormen")
    expect(page.locator(".readiness")).to_contain_text("open opdrachten")
    # Preferences are still open: the page says to close them first, and does it here.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Voorkeuren sluiten").click()
    expect(page.locator(".flash")).to_contain_text("zijn gesloten")
    expect(page.locator(".readiness")).not_to_contain_text("De voorkeuren staan nog open")
    page.get_by_label("Niemand de enige van zijn school of niveau").select_option(label="Belangrijker")
    screenshot(page, "formation-cohort-desktop")

    # Start: the progress bar shows while the engine works, then the board replaces it without a page load.
    page.get_by_role("button", name="Voorstel maken").click()
    page.wait_for_url(re.compile(r"/teams-vormen/\d+/$"))
    run_id = int(re.search(r"/teams-vormen/(\d+)/", page.url).group(1))
    expect(page.locator("#run-progress")).to_be_visible()
    expect(page.locator(".run-progress")).to_contain_text("Je kunt deze pagina open laten")
    page.evaluate("window.__stillTheSamePage = true")
    screenshot(page, "formation-progress")
    expect(page.locator(".fboard")).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__stillTheSamePage") is True
    expect(page.locator("#run-progress")).to_have_count(0)
    summary = page.locator(".fsummary")
    expect(summary).to_contain_text("studenten geplaatst")
    expect(summary).to_contain_text(re.compile(r"\d+ % eerste keuze, \d+ % top 3"))
    expect(page.locator(".fassignment").first).to_be_visible()
    expect(page.locator(".member").first).to_contain_text("niveau")
    expect(page.locator(".member").first).to_contain_text(re.compile(r"\de keuze|niet gekozen"))
    screenshot(page, "formation-board-desktop")

    moves = shell_json(e2e_server, MOVES, run_id)
    breaking, valid = moves["breaking"], moves["valid"]
    assert breaking, moves
    assert valid, moves

    # A move that breaks a team: what breaks shows as soon as both are picked, before anything happens.
    page.locator("#move-student").select_option(breaking["student"])
    page.locator("#move-to").select_option(breaking["to"])
    check = page.locator("#move-check")
    expect(check).to_contain_text("Deze verplaatsing breekt een regel:")
    expect(check).to_contain_text(breaking["problems"][0])
    expect(page.get_by_label("Regels overschrijven")).to_be_visible()
    screenshot(page, "formation-move-warning")
    # Sent anyway without a reason: refused, with the same choice and what it breaks back on the form.
    page.get_by_role("button", name="Verplaatsen", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("regels overschrijven")
    expect(page.locator("#move-check")).to_contain_text(breaking["problems"][0])
    page.wait_for_load_state("load")  # htmx has taken the new page in hand

    # A move that keeps every rule.
    page.locator("#move-student").select_option(valid["student"])
    page.locator("#move-to").select_option(valid["to"])
    expect(page.locator("#move-check")).to_contain_text("Deze verplaatsing past binnen de regels.")
    page.get_by_role("button", name="Verplaatsen", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("De student is verplaatst in het voorstel.")
    expect(page.locator(".changes")).to_be_visible()

    # Publish, once, after reading what will happen.
    page.get_by_role("link", name="Publiceren…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams publiceren")
    facts = page.locator(".publish__facts")
    expect(facts).to_contain_text("in één keer vastgelegd")
    expect(facts).to_contain_text("één melding en één e-mail")
    screenshot(page, "formation-publish-confirm")
    page.get_by_role("button", name=re.compile(r"teams? publiceren$")).click()
    expect(page.locator(".fsummary")).to_contain_text("Deze teams zijn gepubliceerd op")
    expect(page.locator("#verplaatsen")).to_have_count(0)
    screenshot(page, "formation-published")

    # The coordinator's board on a phone: it stacks.
    phone_coordinator = new_context(phone=True).new_page()
    login(phone_coordinator, "coordinator")
    phone_coordinator.goto(f"/teams-vormen/{run_id}/")
    expect(phone_coordinator.locator(".fboard")).to_be_visible()
    widths = phone_coordinator.locator(".fassignment").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert all(w <= 390 for w in widths), widths
    screenshot(phone_coordinator, "formation-board-phone")

    # A placed student sees the team and why, in the second person.
    people = shell_json(e2e_server, PLACED, run_id)
    placed = people["placed"]
    assert placed, people
    student = new_context().new_page()
    login(student, placed["username"])
    expect(student.locator("main")).to_contain_text(placed["why"])  # the overview's team panel
    student.goto("/teams/")
    student.get_by_role("link", name="Naar je team").click()
    expect(student.get_by_role("heading", level=1)).to_have_text(placed["team"])
    why = student.locator(".placement-why")
    expect(why).to_contain_text("Waarom je in dit team zit")
    expect(why).to_contain_text(placed["why"])
    assert re.search(r"\b[Jj]e\b|\b[Jj]ouw\b", placed["why"]), placed["why"]
    screenshot(student, "formation-student-desktop")
    phone = new_context(phone=True).new_page()
    login(phone, placed["username"])
    phone.goto(f"/teams/{placed['team_id']}/")
    expect(phone.locator(".placement-why")).to_contain_text(placed["why"])
    screenshot(phone, "formation-student-phone")

    # A student the run left out reads who forms the teams, and has no teams to join.
    if people["teamless"]:
        teamless = new_context().new_page()
        login(teamless, people["teamless"])
        teamless.goto("/teams/")
        expect(teamless.locator("main")).to_contain_text("De coördinator maakt de teams")
        expect(teamless.get_by_role("button", name=re.compile("^Aansluiten bij"))).to_have_count(0)
