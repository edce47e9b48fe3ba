"""Each role logs in with a demo account and lands on its own overview."""

import pytest

from tests.e2e.helpers import login, screenshot

ROLES = [
    ("student4", "Student"),
    ("dock", "Organisatie"),
    ("docent.hbo", "Begeleider"),
    ("coordinator", "Coördinator"),
]


@pytest.mark.parametrize(("username", "role_label"), ROLES)
def test_each_role_logs_in_and_sees_its_overview(page, username, role_label):
    page.goto("/")
    # Anonymous visitors are sent to the login page first.
    assert "/inloggen/" in page.url
    login(page, username)
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Mijn overzicht"
    assert role_label in page.locator(".page-head").inner_text()
    screenshot(page, f"login-{username}")


def test_wrong_password_shows_a_dutch_message(page):
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("student4")
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Inloggen").click()
    assert "klopt niet" in page.get_by_role("alert").inner_text()


def test_overview_works_on_a_phone_and_in_english(new_context):
    page = new_context(phone=True).new_page()
    login(page, "student6")
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("link", name="Mijn overzicht").is_visible()
    # Choosing a language submits the form; wait for the page it leads to.
    with page.expect_navigation():
        page.get_by_label("Taal").select_option("en")
    assert page.get_by_role("heading", level=1).inner_text() == "My overview"
    screenshot(page, "overview-phone-en")


def test_the_main_menu_is_visible_on_a_laptop(page):
    login(page, "coordinator")
    assert page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn overzicht").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
