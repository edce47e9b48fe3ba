"""A docent makes a personal API token in the browser, uses it on the API, revokes it: refused at once.

The API calls go through Playwright's request context of a *fresh* browser context (no session
cookie), so only the token can be what lets them in.
"""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

NAME = "Rooster-script"


def test_a_token_is_made_shown_once_used_and_revoked(page, new_context):
    login(page, "docent.hbo")
    page.goto("/profiel/")
    page.get_by_role("link", name="Mijn API-tokens beheren").click()
    page.wait_for_url(re.compile(r"/profiel/api-tokens/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API-tokens")
    screenshot(page, "api-tokens-empty")

    page.get_by_label("Naam").fill(NAME)
    page.get_by_label("Verloopt").select_option("30")
    page.get_by_role("button", name="Token aanmaken").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    expect(page.get_by_role("status").first).to_contain_text("Kopieer het token nu")
    token = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"wl_[A-Za-z0-9_-]{43}", token), token
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Kopieer").click()
    expect(page.locator("#copy-status")).to_have_text("Gekopieerd")
    screenshot(page, "api-token-created")

    api = new_context().request
    me = api.get("/api/me/", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200, me.text()
    assert me.json()["username"] == "docent.hbo"
    assert api.get("/api/me/").status in {401, 403}  # without the token: nobody

    page.get_by_role("link", name="Klaar, terug naar mijn tokens").click()
    row = page.locator("#api-tokens tbody tr", has_text=NAME)
    expect(row).to_contain_text(token[:10])
    expect(row).not_to_contain_text("Nog nooit")  # it was just used
    assert token not in page.content()  # the list never shows the token itself
    screenshot(page, "api-tokens-list")

    row.get_by_role("link", name=f"Token ‘{NAME}’ intrekken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Token ‘{NAME}’ intrekken?")
    screenshot(page, "api-token-revoke-confirm")
    page.get_by_role("button", name="Intrekken").click()
    page.wait_for_url(re.compile(r"/profiel/api-tokens/$"))
    expect(page.get_by_role("status").first).to_contain_text("is ingetrokken")
    expect(page.locator("#api-tokens")).to_have_count(0)
    screenshot(page, "api-token-revoked")

    refused = api.get("/api/me/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_the_token_page_works_on_a_phone(new_context):
    page = new_context(phone=True).new_page()
    login(page, "student6")
    page.goto("/profiel/api-tokens/")
    page.get_by_label("Naam").fill("Telefoon")
    page.get_by_role("button", name="Token aanmaken").click()
    expect(page.get_by_label("Token", exact=True)).to_have_value(re.compile(r"^wl_"))
    screenshot(page, "api-token-created-phone")
    page.get_by_role("link", name="Klaar, terug naar mijn tokens").click()
    expect(page.locator("#api-tokens")).to_contain_text("Telefoon")
    screenshot(page, "api-tokens-list-phone")
