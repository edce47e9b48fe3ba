"""An archived cohort in a real browser: its student reads the team page and the chat back, with no
form to change anything and the reason said at the top.

A cohort of its own, with its own coordinator and organisation, archived: the demo's people never
meet it, so the other journeys (which share this server's database) see the demo as it was.
"""

import json

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

SETUP = """
import datetime, json
from django.conf import settings
from assignments.models import Assignment
from teams.models import Membership, Team
from teams.chat import services as chat
from wijklab import services
from wijklab.models import Cohort, Neighbourhood, Organisation, Role, School, StudentProfile, User

coordinator = User.objects.create(username="archief.coordinator", display_name="Els Archief", role=Role.COORDINATOR)
organisation = Organisation.objects.create(name="Stichting Bloemhof Bankjes", city="Rotterdam")
cohort = Cohort.objects.create(name="Wijklab Archief 2025", starts_on=datetime.date(2025, 9, 1),
                               ends_on=datetime.date(2026, 7, 1), preferences_open=False)
cohort.coordinators.add(coordinator)
assignment = Assignment.objects.create(
    cohort=cohort, title="Buurtbankjes in Bloemhof", description="Samen met bewoners bankjes plaatsen.",
    organisation=organisation, neighbourhood=Neighbourhood.objects.order_by("pk").first(),
    team_size_min=3, team_size_max=4, min_niveau_4=1, min_niveau_5=0, min_niveau_6=1, status="in_progress",
    starts_on=datetime.date(2025, 10, 1), ends_on=datetime.date(2026, 1, 31), created_by=coordinator,
)
team = Team.objects.create(assignment=assignment, name="Team Bloemhof", created_by=coordinator)
student = User.objects.create(username="archief.student", display_name="Fleur de Wit", role=Role.STUDENT)
student.set_password(settings.DEMO_PASSWORD)
student.save()
StudentProfile.objects.create(user=student, niveau=6, cohort=cohort, school=School.objects.order_by("pk").first(),
                              programme="Social Work", available_days=[0, 1])
Membership.objects.create(team=team, student=student, cohort=cohort)
team.tasks.create(phase="verkenning", title="Bankjes tellen met de buurt")
chat.message_post(team=team, author=student, body="Tot volgend jaar, Bloemhof!", client_id="archief-1")
services.cohort_archive(cohort=cohort, by=coordinator)
print(json.dumps({"team": team.pk}))
"""


def test_an_archived_cohorts_student_reads_back_without_forms(new_context, e2e_server):
    team_id = json.loads(e2e_server.shell(SETUP).strip().splitlines()[-1])["team"]
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "archief.student")

    page.goto(f"/teams/{team_id}/")
    expect(page.get_by_text("Dit team hoort bij een gearchiveerd cohort")).to_be_visible()
    expect(page.get_by_text("Bankjes tellen met de buurt")).to_be_visible()
    expect(page.get_by_label("Nieuwe taak", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Team verlaten")).to_have_count(0)
    screenshot(page, "archived-team-page")

    page.goto(f"/teams/{team_id}/chat/")
    expect(page.get_by_text("Tot volgend jaar, Bloemhof!")).to_be_visible()
    expect(page.get_by_text("je kunt de chat teruglezen")).to_be_visible()
    expect(page.locator("#chat-form")).to_be_hidden()
    # Nothing to edit or delete either, also for one's own recent message.
    expect(page.get_by_role("button", name="Bewerken")).to_have_count(0)
    expect(page.get_by_role("button", name="Verwijderen")).to_have_count(0)
    screenshot(page, "archived-chat")
    assert errors == []
