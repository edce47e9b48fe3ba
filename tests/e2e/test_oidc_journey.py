"""An invited student signs in with SURFconext: the test provider plays SURFconext (tests/oidc_provider/)."""

import re

from tests.e2e.helpers import screenshot
from tests.oidc_provider.accounts import PASSWORD

INVITE_STUDENT = """
from wijklab.invitation_services import invitation_create
from wijklab.models import Role, School, StudentProfile, User

coordinator = User.objects.get(username="coordinator")
cohort = coordinator.coordinated_cohorts.order_by("pk").first()
student = User(username="{username}", email="{username}@student.hr.example.nl", display_name="Sanne Jansen",
               first_name="Sanne", last_name="Jansen", role=Role.STUDENT)
student.set_unusable_password()
student.save()
StudentProfile.objects.create(user=student, niveau=6, school=School.objects.filter(sector="hbo").first(),
                              programme="Social Work", cohort=cohort)
invitation, token = invitation_create(by=coordinator, email=student.email, role=Role.STUDENT, cohort=cohort)
print("TOKEN", token)
"""


def log_in_at_the_provider(page, e2e_server, username: str) -> None:
    page.wait_for_url(f"{e2e_server.oidc_provider.url}/inloggen/**")
    assert page.get_by_role("heading", name="Testinstelling").is_visible()
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen bij de testinstelling").click()
    page.wait_for_url(f"{e2e_server.url}/**")


def test_an_invited_student_signs_in_with_surfconext_from_the_invitation_link(page, e2e_server):
    out = e2e_server.shell(INVITE_STUDENT.format(username="sanne.oidc"))
    token = re.search(r"TOKEN (\S+)", out).group(1)

    page.goto(f"/uitnodiging/{token}/")
    screenshot(page, "oidc-invitation")
    page.get_by_role("link", name="Inloggen met SURFconext").click()
    log_in_at_the_provider(page, e2e_server, "sanne")
    page.wait_for_load_state()
    screenshot(page, "oidc-signed-in")

    # Back at Wijklab, signed in as the invited student (not on a log-in or error page).
    assert "/inloggen/" not in page.url
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    linked = e2e_server.shell(
        "from wijklab.models import ExternalIdentity, Invitation; "
        "i = ExternalIdentity.objects.get(user__username='sanne.oidc'); "
        "print(i.issuer, Invitation.objects.get(user__username='sanne.oidc').accepted_at is not None)"
    )
    assert linked.strip().splitlines()[-1].split() == [e2e_server.oidc_provider.issuer, "True"]

    # Logging out and in again: the login page's button, the account found by issuer + subject.
    page.get_by_role("button", name=re.compile("Uitloggen")).first.click()
    page.wait_for_url("**/inloggen/**")
    page.get_by_role("link", name="Inloggen met SURFconext").click()
    # The provider still knows the browser: straight back, signed in.
    page.wait_for_url(lambda url: url.startswith(e2e_server.url) and "/inloggen/" not in url)
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()


def test_someone_without_an_invitation_gets_a_friendly_page_on_a_phone(new_context, e2e_server):
    page = new_context(phone=True).new_page()
    page.goto("/inloggen/")
    screenshot(page, "oidc-login-page-phone")
    page.get_by_role("link", name="Inloggen met SURFconext").click()
    log_in_at_the_provider(page, e2e_server, "stranger")
    assert page.get_by_role("heading", level=1).inner_text() == "Je hebt nog geen uitnodiging voor Wijklab"
    screenshot(page, "oidc-no-invitation-phone")
    # Not signed in: the start page still asks to log in.
    page.goto("/")
    assert "/inloggen/" in page.url
