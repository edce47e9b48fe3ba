"""A docent logs feedback on a phone; the student sees it and its chart; the overview flags a student.

Runs against the demo data of ``seed_demo``: docent.mbo supervises student4
(Sanne de Vries), and the demo history leaves one of the docent's students
without feedback for more than 14 days.
"""

import re
import time

from playwright.sync_api import expect

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

    # Looking for one student: the search narrows the grid in place and keeps the sort.
    name = first_row.locator("th a").first.inner_text().strip()
    page.wait_for_load_state("load")  # htmx listens once the page has loaded
    page.get_by_label("Student zoeken").fill(name.split()[0])
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(re.compile(r"[?&]q=[^&]"))
    expect(grid.locator("tbody tr").filter(has_text=name)).to_have_count(1)
    assert "sort=last" in page.url
    screenshot(page, "supervision-docent-overview-search")


def test_coordinator_links_supervisors_to_a_team_and_a_student_on_a_phone(new_context):
    page = new_context(phone=True).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "coordinator")
    page.goto("/coordinatie/begeleiders/")
    assert page.get_by_role("heading", name="Begeleiders koppelen", level=1).is_visible()
    row = page.locator("article.assign-row").first
    team_name = row.get_by_role("heading", level=3).inner_text()
    # The team's choices load into its row when asked for, not with the page.
    assert row.locator("select").count() == 0
    row.get_by_role("link", name=f"Begeleider koppelen aan {team_name}").click()
    choice = row.get_by_label(f"Begeleider voor {team_name}")
    choice.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "supervision-assign-team-form-phone")
    supervisor = choice.locator("option").nth(1).inner_text().split(" · ")[0]
    choice.select_option(index=1)
    row.get_by_role("button", name="Koppelen", exact=True).click()
    page.get_by_text(f"{supervisor} begeleidt nu {team_name}.").wait_for()
    # The form posted and the page loaded anew: its text shows while the page is still parsed, before
    # htmx listens for typing (a loaded machine showed it: the search below then never ran).
    page.wait_for_load_state()

    # One student: found by typing part of the name, linked, listed, and unlinked again.
    page.get_by_label("Student zoeken").fill("sanne")
    student = page.get_by_label("Student", exact=True)
    student.wait_for()
    assert student.locator("option", has_text="Sanne de Vries").count() == 1
    # Other journeys may have added another Sanne (then the list starts with "Kies…"): choose her by name.
    student.select_option(label="Sanne de Vries")
    page.get_by_label("Begeleider", exact=True).select_option(index=1)
    screenshot(page, "supervision-assign-student-search-phone")
    page.get_by_role("button", name="Koppelen", exact=True).click()
    page.get_by_text("begeleidt nu Sanne de Vries.").wait_for()
    link_row = page.get_by_role("row", name=re.compile("Sanne de Vries"))
    link_row.get_by_role("button", name="Loskoppelen").click()
    page.get_by_text("De koppeling is verwijderd.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "supervision-assign-phone")


def test_coordinator_links_a_supervisor_without_javascript(new_context):
    page = new_context(javascript=False).new_page()
    login(page, "coordinator")
    page.goto("/coordinatie/begeleiders/")
    row = page.locator("article.assign-row").last
    team_name = row.get_by_role("heading", level=3).inner_text()
    row.get_by_role("link", name=f"Begeleider koppelen aan {team_name}").click()
    page.wait_for_url("**/coordinatie/begeleiders/teams/**")
    assert page.get_by_role("heading", name=f"Begeleider koppelen aan {team_name}", level=1).is_visible()
    choice = page.get_by_label(f"Begeleider voor {team_name}")
    supervisor = choice.locator("option").nth(1).inner_text().split(" · ")[0]
    choice.select_option(index=1)
    page.get_by_role("button", name="Koppelen", exact=True).click()
    page.get_by_text(f"{supervisor} begeleidt nu {team_name}.").wait_for()
    # The student search is an ordinary form: it reloads the page with the matches.
    page.get_by_label("Student zoeken").fill("sanne")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**q=sanne**")
    assert page.get_by_label("Student", exact=True).locator("option", has_text="Sanne de Vries").count() == 1
    screenshot(page, "supervision-assign-no-javascript")
    # Typed without its accents, a name is found all the same (wijklab/names.py).
    page.get_by_label("Student zoeken").fill("yilmaz")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**q=yilmaz**")
    assert page.get_by_label("Student", exact=True).locator("option", has_text="Ayşe Yılmaz").count() == 1
    screenshot(page, "supervision-assign-search-without-accents")


CRITERIA_SHOWN = ["Op tijd en aanwezig", "Afspraken nakomen", "Samenwerken", "Rapporteren en verantwoorden"]


def _open_overview_table(page) -> None:
    login(page, "coordinator")
    page.goto("/begeleiding/")
    assert page.get_by_role("heading", name="Voortgang studenten", level=1).is_visible()
    page.get_by_role("table").wait_for()


def _assert_table_fits(page, name: str) -> None:
    table = page.get_by_role("table")
    # The headers say the criterion, not a code.
    for criterion in CRITERIA_SHOWN:
        header = table.get_by_role("columnheader", name=criterion)
        assert header.count() == 1, criterion
    assert table.get_by_role("columnheader", name="Werknemersvaardigheden").count() == 1
    assert table.get_by_role("columnheader", name=re.compile(r"^[WV]\d+$")).count() == 0
    # The page never scrolls sideways; the table scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    grid = page.locator("#overview-grid")
    assert grid.evaluate("el => el.getBoundingClientRect().right <= window.innerWidth")
    screenshot(page, f"{name}-start")
    if grid.evaluate("el => el.scrollWidth > el.clientWidth"):
        # Scrolled to the last criterion: the names stay in view at the left edge.
        grid.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        page.wait_for_timeout(100)
        name_cell = table.locator("tbody th.grid-table__name").first
        left = name_cell.evaluate("el => el.getBoundingClientRect().left")
        assert abs(left - grid.evaluate("el => el.getBoundingClientRect().left")) <= 2
        assert name_cell.get_by_role("link").is_visible()
        assert table.get_by_role("columnheader", name="Rapporteren en verantwoorden").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"{name}-scrolled")


def test_the_overview_table_names_its_criteria_and_fits_a_desktop_screen(new_context):
    page = new_context().new_page()
    assert page.viewport_size == {"width": 1280, "height": 900}
    _open_overview_table(page)
    _assert_table_fits(page, "supervision-overview-table-desktop")


def test_the_overview_table_fits_a_phone_and_filters_students_without_a_team(new_context):
    page = new_context(phone=True).new_page()
    assert page.viewport_size == {"width": 390, "height": 844}
    _open_overview_table(page)
    _assert_table_fits(page, "supervision-overview-table-phone")

    # Students in no team: a choice of their own, without "no feedback" alerts.
    page.get_by_label("Team").select_option(label="Zonder team")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url("**team=zonder**")
    results = page.locator("#overview-results")
    results.wait_for()
    assert "zonder recente feedback" not in results.inner_text()
    assert page.locator(".flag--no_feedback").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "supervision-overview-zonder-team-phone")
