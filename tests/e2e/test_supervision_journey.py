"""A docent logs feedback on a phone; the student sees it and its chart; the overview flags a student.

Runs against the demo data of ``seed_demo``: docent.mbo supervises student4
(Sanne de Vries), and the demo history leaves one of the docent's students
without feedback for more than 14 days.
"""

import re
import time

from tests.e2e.helpers import login, screenshot

COMMENT = "Vandaag op tijd en het huisbezoek bij de familie goed voorbereid."


def test_docent_logs_feedback_on_a_phone_and_the_student_sees_it_in_the_chart(new_context):
    docent = new_context(phone=True).new_page()
    login(docent, "docent.mbo")
    docent.get_by_role("button", name="Menu").click()
    docent.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Feedback geven").click()
    docent.wait_for_url("**/feedback/geven/")

    started = time.monotonic()
    docent.get_by_label("Student").select_option(label="Sanne de Vries")
    on_time = docent.get_by_role("group", name="Op tijd en aanwezig")
    level = on_time.locator("label", has_text=re.compile(r"^Voldoende$"))
    box = level.bounding_box()
    assert box is not None
    assert box["height"] >= 44  # a thumb-sized tap target
    level.click()
    # The chosen level's behavioural description appears under the buttons.
    assert on_time.get_by_text("Is op tijd en aanwezig; meldt zich vooraf af").is_visible()
    docent.get_by_role("group", name="Samenwerken").locator("label", has_text=re.compile(r"^Goed$")).click()
    docent.get_by_label("Opmerking").fill(COMMENT)
    assert docent.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(docent, "supervision-docent-logs-feedback-phone")
    docent.get_by_role("button", name="Opslaan").click()
    docent.get_by_text("Feedback voor Sanne de Vries is opgeslagen.").wait_for()
    assert time.monotonic() - started < 60
    assert docent.get_by_role("region", name="Laatst door jou gegeven").get_by_text(COMMENT).is_visible()

    student = new_context(phone=True).new_page()
    login(student, "student4")
    student.goto("/mijn-voortgang/")
    assert student.get_by_role("heading", name="Mijn voortgang", level=1).is_visible()
    latest = student.get_by_role("region", name="Laatste feedback")
    assert latest.get_by_text(COMMENT).is_visible()
    assert latest.get_by_text("Marieke Verhoeven").first.is_visible()
    card = student.locator("article.chart-card", has=student.get_by_role("heading", name="Op tijd en aanwezig"))
    chart = card.get_by_role("img", name="Op tijd en aanwezig")
    assert chart.is_visible()
    # Today's rating is in the chart's text alternative.
    card.get_by_text("Bekijk als tabel").click()
    today_row = card.locator("tbody tr").last
    assert "Voldoende" in today_row.inner_text()
    # Nothing sticks out sideways on the phone, also with the table open.
    assert student.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(student, "supervision-student-progress-phone")
    student.goto("/meldingen/")
    assert student.get_by_role("link", name="Nieuwe feedback van Marieke Verhoeven").first.is_visible()


def test_docent_overview_flags_a_student_without_recent_feedback(new_context):
    page = new_context().new_page()
    login(page, "docent.hbo")
    page.goto("/begeleiding/")
    assert page.get_by_role("heading", name="Mijn studenten", level=1).is_visible()
    grid = page.get_by_role("table")
    flagged = grid.locator("tr", has=page.locator(".flag--no_feedback"))
    assert flagged.count() >= 1
    assert re.search(r"Al \d+ dagen geen feedback", flagged.first.inner_text())
    # Sorting by the date of the last feedback puts the longest wait first.
    page.get_by_role("link", name="Laatste feedback").click()
    page.wait_for_url("**sort=last**")
    first_row = grid.locator("tbody tr").first
    assert first_row.locator(".flag--no_feedback").count() == 1
    screenshot(page, "supervision-docent-overview")
