"""A coordinator creates a cohort and finds it in their list; a student whose profile is not complete
is nudged on every page, completes the profile, and the nudge goes away."""

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

COHORT = "Wijklab Delfshaven 2027-2028"
INCOMPLETE_STUDENT = "zoe.nieuwkoop"  # the demo's student without competences or weekdays (wijklab/demo.py)


def test_a_coordinator_creates_a_cohort_and_sees_it(page, e2e_server):
    login(page, "coordinator")
    try:
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Cohorten").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mijn cohorten")
        page.get_by_role("link", name="Nieuw cohort").click()
        page.get_by_label("Naam").fill(COHORT)
        page.get_by_label("Begint op").fill("2027-09-01")
        page.get_by_label("Eindigt op").fill("2028-07-01")
        page.get_by_role("checkbox", name="Albeda").check()
        page.get_by_role("checkbox", name="Hogeschool Rotterdam").check()
        page.get_by_role("checkbox", name="Signaleren").check()
        screenshot(page, "cohort-create")
        page.get_by_role("button", name="Cohort aanmaken").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(COHORT)
        expect(page.get_by_role("status").first).to_contain_text("Jij bent de coördinator")
        expect(page.locator("#ready-title")).to_be_visible()
        screenshot(page, "cohort-detail-new")

        page.get_by_role("link", name="Cohorten", exact=True).first.click()
        rows = page.locator("tbody tr")
        expect(rows.first).to_contain_text(COHORT)  # newest first
        expect(page.get_by_role("link", name="Wijklab Rotterdam-Zuid & Capelle 2026-2027")).to_be_visible()

        # The demo cohort: who is not ready for team formation yet.
        page.get_by_role("link", name="Wijklab Rotterdam-Zuid & Capelle 2026-2027").click()
        readiness = page.locator("#gereed")
        expect(readiness).to_contain_text("Zoë Nieuwkoop")
        screenshot(page, "cohort-detail-demo")
    finally:
        # Other journeys expect the coordinator to run the demo cohort only.
        e2e_server.shell(f"from wijklab.models import Cohort; Cohort.objects.filter(name={COHORT!r}).delete()")


def test_a_student_is_nudged_until_the_profile_is_complete(new_context):
    page = new_context(phone=True).new_page()
    login(page, INCOMPLETE_STUDENT)
    nudge = page.locator("#profile-nudge")
    expect(nudge).to_be_visible()
    expect(nudge).to_contain_text("Maak je profiel compleet")
    screenshot(page, "profile-nudge-home-phone")
    page.goto("/opdrachten/")
    expect(nudge).to_be_visible()

    nudge.get_by_role("link", name="Naar mijn profiel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn profiel")
    expect(page.locator("#profile-todo")).to_be_visible()
    page.get_by_role("checkbox", name="Contact leggen met bewoners").check()
    page.get_by_role("checkbox", name="Jongerenwerk").check()
    page.get_by_role("checkbox", name="dinsdag").check()
    page.get_by_role("checkbox", name="donderdag").check()
    page.get_by_label("Korte introductie").fill("Ik ben Zoë, ik hou van buurtwerk met jongeren.")
    screenshot(page, "profile-filled-phone")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("status").first).to_contain_text("Je profiel is opgeslagen en compleet.")
    expect(page.locator("#profile-nudge")).to_have_count(0)
    expect(page.get_by_text("Profiel compleet", exact=True)).to_be_visible()
    screenshot(page, "profile-complete-phone")
    page.goto("/")
    expect(page.locator("#profile-nudge")).to_have_count(0)
    expect(page.get_by_text("Profiel aanvullen")).to_have_count(0)
