"""A student's preferences around their last day: a full list says so, the last day is shown,
and after it the list is a record, not a form.

A cohort of its own (the demo cohort's preferences stay open for the other journeys):
one student with five choices out of six open assignments; its own coordinator sets the
last day in the cohort form.
"""

import datetime
import json

from playwright.sync_api import expect

from tests.e2e.helpers import DEMO_PASSWORD, login, screenshot

SETUP = f"""
import datetime, json
from assignments.models import Assignment, Preference
from wijklab.models import Cohort, Competence, Neighbourhood, Organisation, School, StudentProfile, User

# A coordinator of its own: the demo coordinator's newest cohort stays the demo cohort for the other journeys.
coordinator, _ = User.objects.get_or_create(
    username="voorkeur.coordinator", defaults=dict(display_name="Vera Voorkeur", role="coordinator")
)
coordinator.set_password({DEMO_PASSWORD!r})
coordinator.save()
today = datetime.date.today()
cohort, _ = Cohort.objects.get_or_create(
    name="Voorkeuren proefcohort",
    defaults=dict(starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=200)),
)
cohort.coordinators.add(coordinator)
cohort.preferences_open, cohort.preferences_close_on = True, today + datetime.timedelta(days=3)
cohort.save()
student, created = User.objects.get_or_create(
    username="voorkeur.student", defaults=dict(display_name="Noa Voorkeur", role="student")
)
student.set_password({DEMO_PASSWORD!r})
student.save()
profile, _ = StudentProfile.objects.get_or_create(
    user=student,
    defaults=dict(niveau=5, school=School.objects.order_by("pk").first(), programme="Social Work AD",
                  cohort=cohort, available_days=[0, 1]),
)
profile.competences.set(Competence.objects.order_by("pk")[:2])
titles = [f"Proefopdracht {{i}}" for i in range(1, 7)]
assignments = [
    Assignment.objects.get_or_create(
        cohort=cohort, title=title,
        defaults=dict(
            organisation=Organisation.objects.order_by("pk").first(), description="Een vraag uit de wijk.",
            neighbourhood=Neighbourhood.objects.order_by("pk").first(), team_size_min=3, team_size_max=5,
            min_niveau_4=1, min_niveau_5=0, min_niveau_6=1, status="open",
            starts_on=today, ends_on=today + datetime.timedelta(days=100), created_by=coordinator,
        ),
    )[0]
    for title in titles
]
Preference.objects.filter(student=student).delete()
for rank, a in enumerate(assignments[:5], start=1):
    Preference.objects.create(student=student, assignment=a, rank=rank, motivation=f"Reden {{rank}}")
print(json.dumps({{"cohort": cohort.pk, "sixth": assignments[5].pk}}))
"""


def test_a_full_list_the_last_day_and_a_closed_list(new_context, e2e_server):
    data = json.loads(e2e_server.shell(SETUP).strip().splitlines()[-1])
    student = new_context().new_page()
    login(student, "voorkeur.student")
    student.goto("/opdrachten/")
    expect(student.locator("main")).to_contain_text("Kiezen kan tot en met")
    sixth = student.locator(".assignment-card", has_text="Proefopdracht 6")
    expect(sixth).to_contain_text("Je lijst is vol (5 keuzes).")
    expect(sixth.get_by_role("button", name="Zet op mijn lijst")).to_have_count(0)
    screenshot(student, "preferences-list-full")

    student.goto("/voorkeuren/")
    expect(student.locator(".alert").first).to_contain_text("Je kunt je keuzes aanpassen tot en met")
    expect(student.get_by_text("Je lijst is vol (5 keuzes). Wil je een andere opdracht kiezen?")).to_be_visible()

    # The coordinator moves the last day to yesterday in the cohort form.
    coordinator = new_context().new_page()
    login(coordinator, "voorkeur.coordinator")
    coordinator.goto(f"/cohorten/{data['cohort']}/bewerken/")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    coordinator.get_by_label("Studenten kiezen voorkeuren tot en met").fill(yesterday)
    coordinator.get_by_role("button", name="Opslaan").click()
    expect(coordinator.locator(".flash")).to_contain_text("De wijzigingen zijn opgeslagen.")

    # On a phone: the list is a record now.
    phone = new_context(phone=True).new_page()
    login(phone, "voorkeur.student")
    phone.goto("/voorkeuren/")
    expect(phone.locator(".alert--warning")).to_contain_text("De voorkeuren zijn gesloten.")
    expect(phone.locator("textarea")).to_have_count(0)
    expect(phone.get_by_role("button", name="Hoger")).to_have_count(0)
    expect(phone.locator(".ranking__item").first).to_contain_text("Reden 1")
    screenshot(phone, "preferences-closed-phone")
    phone.goto("/opdrachten/")
    expect(phone.get_by_role("button", name="Zet op mijn lijst")).to_have_count(0)
