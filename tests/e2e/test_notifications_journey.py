"""Notifications in a real browser, on the demo data: a coordinator moves a student between teams,
and each person reads it written for them.

The moved student reads it in the second person ("Je bent door de coördinator van Team Vreewijk
naar Team Kaap verplaatst") on a phone; her former teammate reads about her; the organisation of
the team she joined hears that a member changed, level-blind.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

FIND = """
import json
from teams.models import Membership, Team
from wijklab.models import Role, User

kaap = Team.objects.get(name="Team Kaap")
vreewijk = Team.objects.get(name="Team Vreewijk")
emma = User.objects.get(username="emma.smit")
assert Membership.objects.filter(team=vreewijk, student=emma, left_at__isnull=True).exists()
contact = (
    User.objects.filter(role=Role.ORGANISATION, organisation=kaap.assignment.organisation, is_active=True)
    .order_by("pk").values_list("username", flat=True).first()
)
print(json.dumps({"kaap": kaap.pk, "emma": emma.pk, "contact": contact}))
"""


# The demo data is shared by the journeys: Emma goes back to Team Vreewijk afterwards, or the
# formation journey (run last) would find Team Kaap's locked team short of a niveau 6 student.
PUT_BACK = """
from teams.models import Team
from teams.services import membership_move
from wijklab.models import User

emma = User.objects.get(username="emma.smit")
vreewijk = Team.objects.get(name="Team Vreewijk")
if not vreewijk.memberships.filter(student=emma, left_at__isnull=True).exists():
    membership_move(
        student=emma, to_team=vreewijk, by=User.objects.get(username="coordinator"), override=True,
        reason="Terug na de test",
    )
"""


@pytest.fixture
def puts_emma_back(e2e_server):
    yield
    e2e_server.shell(PUT_BACK)


def test_a_moved_student_her_former_teammate_and_the_organisation_each_read_it_for_them(
    new_context, e2e_server, puts_emma_back
):
    data = json.loads(e2e_server.shell(FIND).strip().splitlines()[-1])
    assert data["contact"], "the demo organisation of Team Kaap has a contact"

    coordinator = new_context().new_page()
    login(coordinator, "coordinator")
    coordinator.goto(f"/teams/{data['kaap']}/")
    coordinator.get_by_text("Een student uit een ander team hierheen verplaatsen").click()
    coordinator.locator("#move-other-student").select_option(str(data["emma"]))
    coordinator.locator("#move-other-override").check()
    coordinator.locator("#move-other-reason").fill("Past beter bij haar rooster")
    coordinator.get_by_role("button", name="Verplaatsen", exact=True).click()
    confirm = coordinator.get_by_role("button", name="Toch Emma Smit hierheen verplaatsen")
    expect(coordinator.get_by_text("is in dit team geplaatst").or_(confirm)).to_be_visible()
    if confirm.is_visible():  # Team Vreewijk would miss something: the coordinator sees what, and confirms
        confirm.click()
    expect(coordinator.get_by_text("Emma Smit is in dit team geplaatst")).to_be_visible()

    # Emma, on her phone: what happened to her, in the second person, with the way to her new team.
    emma = new_context(phone=True).new_page()
    login(emma, "emma.smit")
    emma.goto("/meldingen/")
    moved = emma.get_by_text("Je bent door de coördinator van Team Vreewijk naar Team Kaap verplaatst")
    expect(moved).to_be_visible()
    expect(emma.get_by_text(re.compile(r"Emma Smit (is|zit)"))).to_have_count(0)
    screenshot(emma, "notifications-moved-student-phone")

    # Sophie stays in Team Vreewijk: she reads where Emma went, not as if it happened to her.
    sophie = new_context().new_page()
    login(sophie, "sophie.brouwer")
    sophie.goto("/meldingen/")
    where_emma_went = "Emma Smit is door de coördinator naar Team Kaap verplaatst"
    expect(sophie.get_by_role("link", name=where_emma_went)).to_be_visible()
    expect(sophie.get_by_text(re.compile(r"^Je bent door de coördinator"))).to_have_count(0)
    screenshot(sophie, "notifications-former-teammate")

    # The organisation of Team Kaap's assignment hears a member changed, and nothing of her niveau.
    organisation = new_context().new_page()
    login(organisation, data["contact"])
    organisation.goto("/meldingen/")
    expect(organisation.locator("main").get_by_text(re.compile(r"Emma Smit .*Team Kaap")).first).to_be_visible()
    assert not re.search(r"niveau|mbo|hbo", organisation.locator("main").inner_text(), re.IGNORECASE)
    screenshot(organisation, "notifications-organisation")
