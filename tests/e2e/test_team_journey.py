"""The team journey in a real browser, on the demo data.

Three students of different niveaus join a fresh team of three; a fourth, who
loaded the page while a seat was still free, is refused the last seat with its
reason; two members form a duo with roles; a task moves from todo to done
without a page reload. The organisation sees the same team level-blind.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

SETUP = """
import datetime, json
from assignments.models import Assignment
from teams.models import Membership, Team
from wijklab.demo import COHORT_NAME
from wijklab.models import Cohort, Competence, Neighbourhood, Organisation, User

cohort = Cohort.objects.get(name=COHORT_NAME)
coordinator = User.objects.get(username="coordinator")
assignment, _ = Assignment.objects.get_or_create(
    cohort=cohort,
    title="Buurtkamer Katendrecht",
    defaults=dict(
        organisation=Organisation.objects.get(name="DOCK"),
        description="Een buurtkamer waar bewoners elkaar ontmoeten.",
        neighbourhood=Neighbourhood.objects.order_by("pk").first(),
        team_size_min=3, team_size_max=3, min_niveau_4=1, min_niveau_5=0, min_niveau_6=1,
        status="open", starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2027, 1, 31),
        created_by=coordinator,
    ),
)
for name, importance in [("Contact leggen met bewoners", 3), ("Projectplanning", 2)]:
    assignment.required_competences.get_or_create(
        competence=Competence.objects.get(name=name), defaults={"importance": importance}
    )
team, _ = Team.objects.get_or_create(
    assignment=assignment, name="Team Katendrecht", defaults={"created_by": coordinator}
)
busy = set(Membership.objects.filter(left_at__isnull=True).values_list("student_id", flat=True))
free = {
    n: [
        [u.username, u.display_name]
        for u in User.objects.filter(student_profile__cohort=cohort, student_profile__niveau=n)
        .exclude(pk__in=busy).order_by("username")
    ]
    for n in (4, 5, 6)
}
print(json.dumps({"team": team.pk, "free": free}))
"""

# A student outside the team is not told which niveau it misses (docs/visibility.md).
REASON = "De samenstelling van het team laat dit niet toe."


@pytest.fixture
def fresh_team(e2e_server):
    data = json.loads(e2e_server.shell(SETUP).strip().splitlines()[-1])
    free = {int(k): v for k, v in data["free"].items()}
    assert len(free[4]) >= 2, free
    assert free[5], free
    assert free[6], free
    return data["team"], free


def open_teams(page, team_id):
    page.goto("/teams/")
    return page.locator(f'li[data-team="{team_id}"]')


def test_three_niveaus_join_a_team_form_a_duo_and_finish_a_task(new_context, fresh_team, e2e_server):
    team_id, free = fresh_team
    (mbo, mbo_name), (late, _late_name) = free[4][0], free[4][1]
    ad, _ad_name = free[5][0]
    hbo, hbo_name = free[6][0]

    # A niveau 4 student joins from the list of open teams.
    first = new_context().new_page()
    login(first, mbo)
    entry = open_teams(first, team_id)
    entry.get_by_role("button", name="Aansluiten bij Team Katendrecht").click()
    first.wait_for_url(f"**/teams/{team_id}/")
    expect(first.get_by_role("heading", level=1)).to_have_text("Team Katendrecht")

    # A niveau 5 and another niveau 4 both open the list while two seats are free.
    second = new_context().new_page()
    login(second, ad)
    latecomer = new_context().new_page()
    login(latecomer, late)
    late_entry = open_teams(latecomer, team_id)
    expect(late_entry.get_by_role("button", name="Aansluiten bij Team Katendrecht")).to_be_visible()
    open_teams(second, team_id).get_by_role("button", name="Aansluiten bij Team Katendrecht").click()
    second.wait_for_url(f"**/teams/{team_id}/")

    # The latecomer clicks on a stale page: the last seat is kept for a niveau 6; the page says no, unnamed.
    late_entry.get_by_role("button", name="Aansluiten bij Team Katendrecht").click()
    expect(latecomer.locator(".flash")).to_contain_text(REASON)
    expect(latecomer.locator(f'li[data-team="{team_id}"] .open-team__reason')).to_have_text(REASON)
    screenshot(latecomer, "team-last-seat-refused")

    # A niveau 6 student takes the last seat, on a phone.
    phone = new_context(phone=True).new_page()
    login(phone, hbo)
    open_teams(phone, team_id).get_by_role("button", name="Aansluiten bij Team Katendrecht").click()
    phone.wait_for_url(f"**/teams/{team_id}/")
    expect(phone.locator(".page-head")).to_contain_text("Compleet")
    expect(phone.locator(".roster__item")).to_have_count(3)

    # Back on the first student's page: the team is complete, a mixed duo is suggested; they form one.
    first.reload()
    expect(first.locator(".page-head")).to_contain_text("Compleet")
    expect(first.locator(".suggestion").first).to_contain_text("niveau 4")
    first.locator("#duo-procesrol").select_option(label=hbo_name)
    first.locator("#duo-begeleidingsrol").select_option(label=mbo_name)
    first.get_by_role("button", name="Duo vormen").click()
    duo = first.locator(".duo").first
    expect(duo).to_contain_text(f"{hbo_name} · Procesrol")
    expect(duo).to_contain_text(f"{mbo_name} · Begeleidingsrol")

    # A task on the verkenning board goes from todo to done with the buttons, without a page reload.
    first.get_by_label("Nieuwe taak", exact=True).fill("Buurtkamer inrichten met bewoners")
    first.get_by_label("Fase", exact=True).select_option("verkenning")
    first.get_by_label("Eigenaar", exact=True).select_option(label=mbo_name)
    first.get_by_role("button", name="Taak toevoegen").click()
    board = first.locator("#fase-verkenning")
    expect(board.locator('[data-status="todo"]')).to_contain_text("Buurtkamer inrichten met bewoners")
    first.evaluate("window.__stillTheSamePage = true")
    board.get_by_role("button", name="Buurtkamer inrichten met bewoners: naar Bezig").click()
    expect(first.locator('#fase-verkenning [data-status="doing"]')).to_contain_text("Buurtkamer inrichten")
    first.locator("#fase-verkenning").get_by_role(
        "button", name="Buurtkamer inrichten met bewoners: naar Klaar"
    ).click()
    expect(first.locator('#fase-verkenning [data-status="done"]')).to_contain_text("Buurtkamer inrichten")
    expect(first.locator('#fase-verkenning [data-status="todo"]')).not_to_contain_text("Buurtkamer inrichten")
    assert first.evaluate("window.__stillTheSamePage") is True
    screenshot(first, "team-page-desktop")

    phone.reload()
    expect(phone.locator('#fase-verkenning [data-status="done"]')).to_contain_text("Buurtkamer inrichten")
    screenshot(phone, "team-page-phone")

    # Everyone in the team was told it became complete, in the second person.
    first.goto("/meldingen/")
    expect(first.get_by_text("Jouw team is compleet")).to_be_visible()

    # The organisation follows the team level-blind.
    org = new_context().new_page()
    login(org, "dock")
    org.goto(f"/teams/{team_id}/")
    expect(org.locator(".duo").first).to_contain_text("Procesrol")
    assert not re.search(r"niveau", org.content(), re.IGNORECASE)
    screenshot(org, "team-page-organisation")


def test_a_coordinator_finds_a_team_and_opens_one_by_searching_the_assignment(new_context, fresh_team, e2e_server):
    """The list searches instead of offering every assignment of the region in a menu."""
    team_id, _free = fresh_team
    page = new_context().new_page()
    login(page, "coordinator")
    page.goto("/teams/")
    page.get_by_label("Zoeken", exact=True).fill("katendrecht")
    page.get_by_label("Zoeken", exact=True).press("Enter")
    page.wait_for_url("**/teams/?q=katendrecht")
    expect(page.get_by_role("link", name="Team Katendrecht")).to_have_attribute("href", f"/teams/{team_id}/")
    expect(page.locator("tbody tr")).to_have_count(1)

    # Typing in the picker narrows the open assignments to choose from, without leaving the page.
    page.wait_for_load_state("load")  # htmx listens once the page has loaded
    page.get_by_label("Opdracht zoeken").fill("buurtkamer kat")
    choice = page.locator("#new-team-assignment option")
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text("Buurtkamer Katendrecht")
    page.get_by_label("Teamnaam").fill("Team Pendrecht-Zuid")
    screenshot(page, "team-list-coordinator")
    page.get_by_role("button", name="Team openen").click()
    page.wait_for_url(re.compile(r"/teams/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Team Pendrecht-Zuid")

    # On a phone the list and its search fit the screen.
    phone = new_context(phone=True).new_page()
    login(phone, "coordinator")
    phone.goto("/teams/?q=pendrecht-zuid")
    expect(phone.get_by_role("link", name="Team Pendrecht-Zuid")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "team-list-coordinator-phone")
