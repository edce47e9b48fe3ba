"""A person changes their password (their other browser is signed out) and turns on the second
factor, then signs in with a code computed from the secret the page shows (docs/second-factor.md)."""

import time
from base64 import b32decode

from django_otp.oath import TOTP

from tests.e2e.helpers import DEMO_PASSWORD, login, screenshot

NEW_PASSWORD = "een-nieuw-lang-wachtwoord-2026"


def _make_person(e2e_server, username: str) -> None:
    # A person of their own: the demo accounts keep their password for every other journey.
    e2e_server.shell(
        "from wijklab.models import User, Role\n"
        f"User.objects.filter(username='{username}').delete()\n"
        f"User.objects.create_user('{username}', '{username}@example.nl', '{DEMO_PASSWORD}', "
        f"role=Role.COORDINATOR, display_name='Noor Veilig')\n"
    )


def _code(secret: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")), step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_changing_the_password_signs_out_the_other_browser(new_context, e2e_server):
    _make_person(e2e_server, "noor.wachtwoord")
    laptop = new_context().new_page()
    phone = new_context(phone=True).new_page()
    login(laptop, "noor.wachtwoord")
    login(phone, "noor.wachtwoord")

    laptop.goto("/profiel/")
    laptop.get_by_role("link", name="Wachtwoord wijzigen").click()
    laptop.get_by_label("Huidig wachtwoord").fill("niet-het-goede")
    laptop.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("Nieuw wachtwoord, nog een keer").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Wachtwoord wijzigen").click()
    assert "Je huidige wachtwoord klopt niet" in laptop.locator("#field-old_password").inner_text()
    screenshot(laptop, "account-password-wrong-current")

    laptop.get_by_label("Huidig wachtwoord").fill(DEMO_PASSWORD)
    laptop.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("Nieuw wachtwoord, nog een keer").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Wachtwoord wijzigen").click()
    laptop.wait_for_url("**/profiel/")
    assert "Je wachtwoord is gewijzigd" in laptop.locator(".flash").inner_text()
    screenshot(laptop, "account-password-changed")

    # The laptop stays signed in; the phone is signed out.
    laptop.goto("/")
    assert laptop.get_by_role("heading", level=1).inner_text() == "Mijn overzicht"
    phone.goto("/")
    assert "/inloggen/" in phone.url
    screenshot(phone, "account-password-other-browser-signed-out")
    login(phone, "noor.wachtwoord", NEW_PASSWORD)
    assert phone.get_by_role("heading", level=1).inner_text() == "Mijn overzicht"


def test_turning_on_the_second_factor_and_signing_in_with_a_code(new_context, e2e_server):
    _make_person(e2e_server, "noor.code")
    page = new_context().new_page()
    login(page, "noor.code")
    page.goto("/profiel/")
    page.get_by_role("link", name="Tweestapsverificatie").click()
    page.get_by_role("button", name="Tweestapsverificatie instellen").click()
    # The form posts to the page it is on, so the URL cannot tell the answer has come: wait for the
    # code itself (is_visible() does not wait, and failed whenever the answer was slower than it).
    page.locator(".qr-code").wait_for(state="visible")
    secret = page.locator("#second-factor-secret").inner_text()
    screenshot(page, "account-second-factor-setup")

    page.get_by_label("Code uit je authenticator-app").fill(_code(secret))
    page.get_by_role("button", name="Bevestigen en aanzetten").click()
    page.wait_for_url("**/profiel/")
    assert "Tweestapsverificatie staat aan" in page.locator(".flash").inner_text()
    screenshot(page, "account-second-factor-on")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen/")

    # Signing in now takes the password and then a code.
    page.get_by_label("Gebruikersnaam").fill("noor.code")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/inloggen/code/")
    page.get_by_label("Code uit je authenticator-app").fill("000000")
    page.get_by_role("button", name="Inloggen").click()
    assert "Deze code klopt niet" in page.get_by_role("alert").inner_text()
    screenshot(page, "account-second-factor-wrong-code")

    # After a wrong code the app's throttle asks a second's patience; each code works once, so the next period's.
    time.sleep(2.5)
    page.get_by_label("Code uit je authenticator-app").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/inloggen/" not in url)
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn overzicht"
    screenshot(page, "account-second-factor-signed-in")
