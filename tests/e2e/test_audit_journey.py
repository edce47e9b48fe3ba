"""The audit log from the browser: a docent reads a student's progress, a student is refused someone
else's, somebody mistypes a password; the coordinator finds all of it in the cohort's log on a phone,
filters it, and an organisation contact cannot open the log at all."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

DEMO_COHORT = "Wijklab Rotterdam-Zuid & Capelle 2026-2027"


def _student_id(e2e_server, username: str) -> int:
    out = e2e_server.shell(f"from wijklab.models import User; print(User.objects.get(username={username!r}).pk)")
    return int(out.strip().splitlines()[-1])


def test_a_coordinator_reads_who_did_what_in_the_cohort_log(new_context, e2e_server):
    student4 = _student_id(e2e_server, "student4")

    docent = new_context().new_page()
    login(docent, "docent.mbo")
    docent.goto(f"/studenten/{student4}/voortgang/")
    expect(docent.get_by_role("heading", level=1)).to_be_visible()

    other_student = new_context().new_page()
    login(other_student, "student5")
    assert other_student.goto(f"/studenten/{student4}/voortgang/").status == 404

    mistyped = new_context().new_page()
    mistyped.goto("/inloggen/")
    mistyped.get_by_label("Gebruikersnaam").fill("student4")
    mistyped.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    mistyped.get_by_role("button", name="Inloggen").click()
    expect(mistyped).to_have_url(re.compile("/inloggen/"))

    page = new_context(phone=True).new_page()
    login(page, "coordinator")
    page.goto("/cohorten/")
    page.get_by_role("link", name=DEMO_COHORT).click()
    page.get_by_role("link", name="Logboek: wie deed of bekeek wat in dit cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logboek")
    log = page.locator("#audit-log")
    expect(log).to_contain_text("Voortgangspagina bekeken.")
    expect(log).to_contain_text("Toegang geweigerd (404)")
    expect(log).to_contain_text("Inloggen mislukt.")
    screenshot(page, "audit-log-phone")
    log_url = page.url

    page.get_by_label("Soort").select_option(label="Voortgang bekeken")
    page.get_by_role("button", name="Filteren").click()
    rows = page.locator("#audit-log tbody tr")
    expect(rows.first).to_contain_text("Voortgangspagina bekeken.")
    expect(log).not_to_contain_text("Inloggen mislukt.")
    screenshot(page, "audit-log-filtered-phone")

    page.get_by_role("link", name="Alles tonen").click()
    page.get_by_label("Persoon").fill("student5")
    page.get_by_role("button", name="Filteren").click()
    expect(page.locator("#audit-log")).to_contain_text("Toegang geweigerd (404)")
    expect(page.locator("#audit-log")).not_to_contain_text("Voortgangspagina bekeken.")

    organisation = new_context().new_page()
    login(organisation, "wijkteam")
    assert organisation.goto(log_url.replace(e2e_server.url, "")).status == 404
    screenshot(organisation, "audit-log-organisation-404")
