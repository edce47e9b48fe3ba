"""A coordinator invites a new docent in the browser; the docent accepts on a phone and lands signed in.
An imported student is invited, accepts, completes the profile and ranks an assignment.

The mail goes out in the server's process (locmem backend), out of reach of the
test; so, as a coordinator could in the browser, the test has the invitation re-sent
through the service in a ``manage.py shell`` on the server's database and takes the
new link from there. That also kills the first link, which the docent never sees.
"""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

EMAIL = "m.degroot@hr.example.nl"
PASSWORD = "Buurthuis-Carnisse-42"


def fresh_link(e2e_server, email: str) -> str:
    out = e2e_server.shell(
        "from wijklab.models import Invitation, User\n"
        "from wijklab.invitation_services import invitation_resend\n"
        f"invitation = Invitation.objects.get(email={email!r})\n"
        "_, token = invitation_resend(invitation=invitation, by=User.objects.get(username='coordinator'))\n"
        "print('TOKEN=' + token)\n"
    )
    return re.search(r"^TOKEN=(\S+)$", out, re.MULTILINE).group(1)


def test_a_coordinator_invites_a_docent_who_accepts_and_is_signed_in(page, new_context, e2e_server):
    login(page, "coordinator")
    panel = page.get_by_role("region", name="Uitnodigingen")
    panel.get_by_role("link", name=re.compile("Wijklab Rotterdam-Zuid")).click()
    page.wait_for_url(re.compile(r"/cohorten/\d+/uitnodigingen/$"))
    # The demo's pending invitation is in the list.
    assert "Esra Demir" in page.locator("#invitations").inner_text()

    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Naam").fill("Mark de Groot")
    page.get_by_label("Als").select_option(label="Hbo-docent")
    page.get_by_label("School").select_option(label="Hogeschool Rotterdam")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    assert f"Uitnodiging verstuurd naar {EMAIL}" in page.get_by_role("status").inner_text()
    row = page.locator("tr", has_text=EMAIL)
    assert "Nog niet geaccepteerd" in row.inner_text()
    assert "hbo-docent van Hogeschool Rotterdam" in row.inner_text()
    screenshot(page, "invitation-coordinator-list")

    # A second one, revoked after the confirmation.
    page.get_by_label("E-mailadres").fill("vergissing@hr.example.nl")
    page.get_by_label("Als").select_option(label="Hbo-docent")
    page.get_by_label("School").select_option(label="Hogeschool Rotterdam")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Uitnodiging voor vergissing@hr.example.nl intrekken").click()
    assert "is ingetrokken" in page.get_by_role("status").inner_text()
    assert "Ingetrokken" in page.locator("tr", has_text="vergissing@hr.example.nl").inner_text()

    # The docent opens the link from the mail on a phone.
    token = fresh_link(e2e_server, EMAIL)
    docent = new_context(phone=True).new_page()
    referers: list[str] = []
    docent.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    docent.goto(f"/uitnodiging/{token}/")
    assert docent.get_by_role("heading", level=1).inner_text() == "Welkom, Mark de Groot"
    text = docent.locator("main").inner_text()
    assert "Annemiek Hoekstra nodigt je uit om als hbo-docent van Hogeschool Rotterdam mee te doen" in text
    assert EMAIL in text
    screenshot(docent, "invitation-accept-phone")

    docent.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    docent.get_by_label("Herhaal het wachtwoord").fill(PASSWORD + "!")
    docent.get_by_role("button", name="Account activeren").click()
    assert "niet hetzelfde" in docent.locator("main").inner_text()
    screenshot(docent, "invitation-accept-mismatch")

    docent.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    docent.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    docent.get_by_role("button", name="Account activeren").click()
    docent.wait_for_url(lambda url: "/uitnodiging/" not in url)
    assert f"Je gebruikersnaam is {EMAIL}" in docent.get_by_role("status").inner_text()
    docent.get_by_role("button", name="Menu").click()
    assert docent.locator(".whoami").inner_text() == "Mark de Groot"
    screenshot(docent, "invitation-accepted-signed-in")
    # The page's own form posts, its styles and the page after it: no Referer carried the link.
    assert len(referers) > 3
    assert not [r for r in referers if token in r]

    # The link is used up; the page says what to do instead of failing.
    stranger = new_context().new_page()
    stranger.goto(f"/uitnodiging/{token}/")
    assert stranger.get_by_role("heading", level=1).inner_text() == "Deze uitnodiging is al gebruikt"
    screenshot(stranger, "invitation-used")

    # The docent can sign in again with the password chosen.
    again = new_context().new_page()
    login(again, EMAIL, PASSWORD)
    assert again.locator(".whoami").inner_text() == "Mark de Groot"

    page.reload()
    assert "Geaccepteerd" in page.locator("tr", has_text=EMAIL).inner_text()


def test_an_organisation_contact_invites_a_colleague_on_a_phone(new_context):
    page = new_context(phone=True).new_page()
    login(page, "dock")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Collega uitnodigen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Collega uitnodigen"
    page.get_by_label("E-mailadres").fill("r.bos@dock.example.nl")
    page.get_by_label("Naam").fill("Rachid Bos")
    page.get_by_role("radio", name=re.compile("^Werkbegeleider")).check()
    page.get_by_role("button", name="Uitnodiging versturen").click()
    assert "Uitnodiging verstuurd naar r.bos@dock.example.nl" in page.get_by_role("status").inner_text()
    row = page.locator("tr", has_text="r.bos@dock.example.nl")
    assert "werkbegeleider bij DOCK" in row.inner_text()
    assert "Nog niet geaccepteerd" in row.inner_text()
    screenshot(page, "invitation-colleague-phone")
    # On a phone the revoke button is there too, with its confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Intrekken").click()
    assert "Ingetrokken" in page.locator("tr", has_text="r.bos@dock.example.nl").inner_text()


STUDENT_EMAIL = "n.amrani@student.example.nl"


def test_an_imported_student_is_invited_accepts_and_ranks_an_assignment(page, new_context, e2e_server):
    # The student as the import leaves them: an account with a profile, no password yet.
    e2e_server.shell(
        "from wijklab.demo import COHORT_NAME\n"
        "from wijklab.models import Cohort, School, StudentProfile, User\n"
        f"user = User(username={STUDENT_EMAIL!r}, email={STUDENT_EMAIL!r}, display_name='Noor Amrani',"
        " first_name='Noor', last_name='Amrani', role='student')\n"
        "user.set_unusable_password()\n"
        "user.save()\n"
        "StudentProfile.objects.create(user=user, niveau=4, school=School.objects.get(name='Albeda'),"
        " programme='Sociaal Werk (mbo 4)', cohort=Cohort.objects.get(name=COHORT_NAME), student_number='A20261')\n"
    )
    login(page, "coordinator")
    page.get_by_role("region", name="Uitnodigingen").get_by_role("link", name=re.compile("Wijklab Rotterdam")).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Nodig .*uit$")).click()
    assert "uitgenodigd" in page.get_by_role("status").inner_text()
    assert "Nog niet geaccepteerd" in page.locator("tr", has_text=STUDENT_EMAIL).inner_text()
    screenshot(page, "invitation-imported-students-invited")

    token = fresh_link(e2e_server, STUDENT_EMAIL)
    student = new_context().new_page()
    student.goto(f"/uitnodiging/{token}/")
    assert student.get_by_role("heading", level=1).inner_text() == "Welkom, Noor Amrani"
    assert "als student mee te doen" in student.locator("main").inner_text()
    student.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    student.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    student.get_by_role("button", name="Account activeren").click()
    # Signed in, on the profile that the import left incomplete: the student completes it first.
    student.wait_for_url("**/profiel/")
    assert student.locator(".whoami").inner_text() == "Noor Amrani"
    expect(student.get_by_role("heading", level=1)).to_have_text("Mijn profiel")
    expect(student.locator("#profile-todo")).to_be_visible()
    screenshot(student, "invitation-student-signed-in")
    student.get_by_role("checkbox", name="Contact leggen met bewoners").check()
    student.get_by_role("checkbox", name="Meertaligheid").check()
    student.get_by_role("checkbox", name="maandag").check()
    student.get_by_role("checkbox", name="woensdag").check()
    student.get_by_label("Korte introductie").fill("Ik ben Noor, ik spreek Arabisch en Nederlands.")
    student.get_by_role("button", name="Opslaan").click()
    expect(student.get_by_role("status").first).to_contain_text("Je profiel is opgeslagen en compleet.")
    expect(student.locator("#profile-nudge")).to_have_count(0)
    screenshot(student, "invitation-student-profile-complete")

    # Then ranks an assignment.
    student.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Opdrachten").click()
    card = student.locator(".assignment-card").first
    title = card.locator("h2, h3").first.inner_text()
    card.get_by_role("button", name="Zet op mijn lijst").click()
    expect(card).to_contain_text("Jouw keuze")
    student.goto("/voorkeuren/")
    expect(student.get_by_role("heading", level=1)).to_have_text("Mijn voorkeuren")
    expect(student.locator(".ranking__item").first).to_contain_text(title)
    screenshot(student, "invitation-student-ranked")
