"""A team's tasks change as the work does: edited, reassigned, deleted, and the docent sees the history.

On the demo data: student4 of Team Maashaven adds a task with a deadline that has
passed (the page asks first), moves it to a teammate on a phone with a deadline next
year (the card shows the year), deletes another after a confirmation; the team's
docent reads who changed what.
"""

import datetime
import json

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

TEAM = """
import json
from teams.models import Team, Membership
team = Team.objects.get(name="Team Maashaven")
names = [m.student.get_display_name() for m in Membership.objects.filter(team=team, left_at__isnull=True)
         .select_related("student").exclude(student__username="student4")]
print(json.dumps({"team": team.pk, "teammate": names[0]}))
"""


def test_a_member_edits_reassigns_and_deletes_tasks_and_the_docent_sees_the_history(new_context, e2e_server):
    data = json.loads(e2e_server.shell(TEAM).strip().splitlines()[-1])
    team_url = f"/teams/{data['team']}/"
    today = datetime.date.today()
    last_week = (today - datetime.timedelta(days=7)).isoformat()
    next_year = today.replace(year=today.year + 1, day=min(today.day, 28))

    page = new_context().new_page()
    login(page, "student4")
    page.goto(team_url)
    page.get_by_label("Nieuwe taak", exact=True).fill("Verslag huisbezoeken")
    page.get_by_label("Deadline", exact=True).fill(last_week)
    page.get_by_role("button", name="Taak toevoegen").click()
    expect(page.locator("#taken")).to_contain_text("Deze deadline ligt in het verleden. Klopt dat?")
    expect(page.get_by_label("Nieuwe taak", exact=True)).to_have_value("Verslag huisbezoeken")
    screenshot(page, "task-past-deadline-asked")
    page.get_by_label("Ja, deze datum klopt").check()
    page.get_by_role("button", name="Taak toevoegen").click()
    card = page.locator("article.task", has_text="Verslag huisbezoeken")
    expect(card).to_contain_text("Te laat")

    page.get_by_label("Nieuwe taak", exact=True).fill("Flyers ophalen")
    page.get_by_role("button", name="Taak toevoegen").click()
    expect(page.locator("article.task", has_text="Flyers ophalen")).to_be_visible()

    # On a phone: the task goes to a teammate, with a deadline next year.
    phone = new_context(phone=True).new_page()
    login(phone, "student4")
    phone.goto(team_url)
    phone.get_by_role("link", name="Verslag huisbezoeken bewerken").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Taak bewerken")
    phone.get_by_label("Eigenaar").select_option(label=data["teammate"])
    phone.get_by_label("Deadline").fill(next_year.isoformat())
    phone.get_by_label("Status").select_option("doing")
    screenshot(phone, "task-edit-phone")
    phone.get_by_role("button", name="Opslaan").click()
    phone.wait_for_url(f"**{team_url}*")
    card = phone.locator("article.task", has_text="Verslag huisbezoeken")
    expect(card).to_contain_text(data["teammate"])
    expect(card.locator("time")).to_contain_text(str(next_year.year))
    expect(card).not_to_contain_text("Te laat")

    # Deleting asks first.
    page.goto(team_url)
    page.get_by_role("link", name="Flyers ophalen bewerken").click()
    page.get_by_role("link", name="Taak verwijderen").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("‘Flyers ophalen’ verwijderen?")
    screenshot(page, "task-delete-confirm")
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(page.locator(".flash")).to_contain_text("De taak ‘Flyers ophalen’ is verwijderd.")
    expect(page.locator("article.task", has_text="Flyers ophalen")).to_have_count(0)

    # The docent reads the history.
    docent = new_context().new_page()
    login(docent, "docent.mbo")
    docent.goto(team_url)
    docent.get_by_text("Geschiedenis van de taken").click()
    history = docent.locator(".task-history")
    expect(history).to_contain_text("verwijderde ‘Flyers ophalen’")
    expect(history).to_contain_text("wijzigde ‘Verslag huisbezoeken’")
    expect(history).to_contain_text(data["teammate"])
    expect(docent.get_by_role("link", name="Verslag huisbezoeken bewerken")).to_have_count(0)
    screenshot(docent, "task-history-docent")
