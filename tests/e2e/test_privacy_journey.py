"""AVG in the browser: a student downloads what is held about them; their coordinator erases them.

A cohort, coordinator and student of their own: erasing a demo student would change what the
other journeys (formation, supervision) find.
"""

import json
import re
import zipfile

from playwright.sync_api import expect

from tests.e2e.helpers import DEMO_PASSWORD, login, screenshot

SETUP = f"""
import datetime, json
from wijklab.models import Cohort, School, StudentProfile, User

coordinator, _ = User.objects.get_or_create(
    username="avg.coordinator", defaults=dict(display_name="Ada Avg", role="coordinator")
)
coordinator.set_password({DEMO_PASSWORD!r})
coordinator.save()
today = datetime.date.today()
cohort, _ = Cohort.objects.get_or_create(
    name="AVG proefcohort",
    defaults=dict(starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=200)),
)
cohort.coordinators.add(coordinator)
student, _ = User.objects.get_or_create(
    username="avg.student", defaults=dict(display_name="Lotte Privé", role="student", email="lotte@example.org")
)
student.set_password({DEMO_PASSWORD!r})
student.save()
StudentProfile.objects.get_or_create(
    user=student,
    defaults=dict(niveau=4, school=School.objects.order_by("pk").first(), programme="Maatschappelijke Zorg",
                  cohort=cohort, available_days=[0, 1]),
)
print(json.dumps({{"student": student.pk, "cohort": cohort.pk}}))
"""


def test_a_student_downloads_their_data_and_their_coordinator_erases_them(new_context, e2e_server):
    data = json.loads(e2e_server.shell(SETUP).strip().splitlines()[-1])

    student = new_context().new_page()
    login(student, "avg.student")
    student.goto("/mijn-gegevens/")
    expect(student.get_by_role("heading", level=1)).to_be_visible()
    screenshot(student, "privacy-my-data")
    with student.expect_download() as download_info:
        student.get_by_role("link", name="Download mijn gegevens").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mijn-gegevens-wijklab-")
    archive = zipfile.ZipFile(download.path())
    held = json.loads(archive.read("gegevens.json"))
    assert held["account"]["display_name"] == "Lotte Privé"
    assert held["profile"]["niveau"] == 4
    # Her own sign-in is in it, with the address she came from.
    assert any(e["kind"] == "sign_in" and e["by_you"] for e in held["audit_log"])
    assert archive.read("voortgang.pdf").startswith(b"%PDF-")

    coordinator = new_context().new_page()
    login(coordinator, "avg.coordinator")
    coordinator.goto(f"/studenten/{data['student']}/voortgang/")
    coordinator.get_by_role("link", name="Student verwijderen (AVG)").click()
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Lotte Privé verwijderen")
    # A name that is not hers erases nothing.
    coordinator.get_by_label("Typ de naam van de student").fill("Lotte")
    coordinator.get_by_role("button", name="Definitief verwijderen").click()
    expect(coordinator.get_by_role("alert")).to_contain_text("Typ de naam van de student precies over")
    screenshot(coordinator, "privacy-erase-refused")
    coordinator.get_by_label("Typ de naam van de student").fill("lotte privé")
    coordinator.get_by_role("button", name="Definitief verwijderen").click()
    expect(coordinator.locator("main")).to_contain_text("De gegevens van Lotte Privé zijn verwijderd.")
    screenshot(coordinator, "privacy-erased")
    # The cohort's log says so, without her name.
    coordinator.goto(f"/cohorten/{data['cohort']}/logboek/")
    expect(coordinator.locator("main")).to_contain_text("Persoonsgegevens van een student gewist door de coördinator.")
    expect(coordinator.locator("main")).not_to_contain_text("Lotte")
    screenshot(coordinator, "privacy-audit-log")

    # Her browser is signed out and her password no longer works.
    student.goto("/mijn-gegevens/")
    expect(student).to_have_url(re.compile(r"/inloggen/"))
