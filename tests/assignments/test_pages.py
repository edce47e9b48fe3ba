"""The htmx pages: Opdrachten list, detail, the posting form, preferences, panels."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment, AssignmentRevision, AssignmentStatus, Preference
from tests.conftest import queries_of_get
from tests.factories import AssignmentFactory, NeighbourhoodFactory

LIST = reverse("assignments")
CREATE = reverse("assignment-create")
VALIDATE = reverse("assignment-validate")
PREFERENCES = reverse("preferences")
HTMX = {"HX-Request": "true"}


def page(a, name="assignment-detail"):
    return reverse(name, args=[a.pk])


def login(client, user):
    client.force_login(user)
    return client


# --- the list ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, CREATE, PREFERENCES, "/opdrachten/1/"])
def test_pages_need_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize("who", ["student4", "org_contact", "coordinator", "hbo_docent", "werkbegeleider"])
def test_every_role_has_an_opdrachten_page(request, client, open_assignment, who):
    response = login(client, request.getfixturevalue(who)).get(LIST)
    assert response.status_code == 200
    assert "Opdrachten" in response.content.decode()


def test_a_student_sees_cards_with_their_fit(client, student4, open_assignment, draft, competences):
    student4.student_profile.competences.set([competences[0]])
    body = login(client, student4).get(LIST).content.decode()
    assert "Ontmoetingsplek voor eenzame ouderen" in body
    assert "Past bij jou: 1 van 2 competenties" in body
    assert "Concept: buurtmoestuin" not in body
    assert "Zet op mijn lijst" in body


def test_filters_update_the_results_with_htmx(client, student4, open_assignment, cohort):
    elsewhere = NeighbourhoodFactory(name="Schollevaar", municipality="Capelle aan den IJssel")
    AssignmentFactory(cohort=cohort, title="Mantelzorgers in beeld", neighbourhood=elsewhere)
    login(client, student4)
    response = client.get(LIST, {"neighbourhood": elsewhere.pk}, headers={**HTMX, "HX-Target": "results"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="results"' in body
    assert "Mantelzorgers in beeld" in body
    assert "Ontmoetingsplek" not in body
    assert "1 opdracht" in body


def test_text_search_and_period(client, student4, open_assignment):
    login(client, student4)
    assert "Ontmoetingsplek" in client.get(LIST, {"q": "eenzame"}).content.decode()
    assert "Ontmoetingsplek" not in client.get(LIST, {"q": "fietsen"}).content.decode()
    assert "Ontmoetingsplek" not in client.get(LIST, {"period_from": "2027-03-01"}).content.decode()


def test_a_bad_filter_is_explained_not_a_500(client, student4, open_assignment):
    response = login(client, student4).get(LIST, {"period_from": "morgen"})
    assert response.status_code == 200


def test_the_list_is_paginated(client, coordinator, many_assignments):
    many_assignments(30)
    login(client, coordinator)
    first = client.get(LIST).content.decode()
    assert "Pagina 1 van 3" in first
    assert "30 opdrachten" in first
    assert "Pagina 3 van 3" in client.get(LIST, {"page": 3}).content.decode()


def test_an_organisation_sees_its_own_first_and_others_on_request(client, org_contact, open_assignment, draft, cohort):
    from tests.factories import OrganisationFactory

    AssignmentFactory(cohort=cohort, title="Van een ander", organisation=OrganisationFactory(name="Ander"))
    login(client, org_contact)
    own = client.get(LIST).content.decode()
    assert "Concept: buurtmoestuin" in own
    assert "Van een ander" not in own
    assert "Van een ander" in client.get(LIST, {"scope": "all", "status": "open"}).content.decode()


# --- level-blind ------------------------------------------------------------------------


def test_organisations_see_a_count_never_who_or_which_niveau(
    client, org_contact, coordinator, open_assignment, student4, student6
):
    Preference.objects.create(student=student4, assignment=open_assignment, rank=1, motivation="Dicht bij huis")
    Preference.objects.create(student=student6, assignment=open_assignment, rank=3)
    login(client, org_contact)
    pages = client.get(LIST).content.decode() + client.get(page(open_assignment)).content.decode()
    assert "2 studenten hebben interesse" in pages
    for leak in ("Sanne de Vries", "Lotte Jansen", "Dicht bij huis", "niveau 4: 1", "niveau 6: 1"):
        assert leak not in pages
    home = client.get(reverse("home")).content.decode()
    assert "2 studenten hebben interesse" in home
    assert "Sanne de Vries" not in home
    # The coordinator does see who, with niveau: proof the page could leak it.
    login(client, coordinator)
    coord = client.get(page(open_assignment)).content.decode()
    assert "Sanne de Vries" in coord
    assert "niveau 4: 1" in coord


# --- detail --------------------------------------------------------------------------


def test_another_organisation_gets_404_on_a_draft(client, other_org_contact, draft):
    login(client, other_org_contact)
    for name in ("assignment-detail", "assignment-edit"):
        assert client.get(page(draft, name)).status_code == 404
    for name in ("assignment-publish", "assignment-cancel", "assignment-validate-edit"):
        assert client.post(page(draft, name)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == AssignmentStatus.DRAFT


def test_a_student_gets_404_on_a_draft(client, student4, draft):
    assert login(client, student4).get(page(draft)).status_code == 404


def test_the_detail_page_shows_description_period_and_teams(client, student4, open_assignment, team):
    body = login(client, student4).get(page(open_assignment)).content.decode()
    assert "<strong>echte</strong>" in body
    assert "Testorganisatie" in body
    assert "1 oktober 2026" in body
    assert "Team Zonnebloem" in body
    assert "3 van 5 plekken bezet" in body


def test_a_hostile_description_cannot_run_script_on_the_page(client, student4, open_assignment):
    Assignment.objects.filter(pk=open_assignment.pk).update(
        description='<script>alert(1)</script><img src=x onerror="alert(2)">[x](javascript:alert(3))',
        goal="<svg onload=alert(4)>",
    )
    body = login(client, student4).get(page(open_assignment)).content.decode()
    assert "<script>alert" not in body
    assert "onerror" not in body
    assert "javascript:alert" not in body
    assert "<svg" not in body


def test_the_edit_history_is_shown_to_those_who_edit(client, org_contact, student4, open_assignment):
    from assignments import services

    services.assignment_update(assignment=open_assignment, by=org_contact, values={"hours_per_week": 12})
    body = login(client, org_contact).get(page(open_assignment)).content.decode()
    assert "Wijzigingen" in body
    assert "Uren per week" in body
    assert "Esther Willems" in body
    assert "Wijzigingen" not in login(client, student4).get(page(open_assignment)).content.decode()


# --- the posting form ---------------------------------------------------------------------


def test_a_contact_posts_a_draft_through_the_form(client, org_contact, form_data, competences):
    response = login(client, org_contact).post(CREATE, form_data())
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response.url == page(assignment)
    assert assignment.status == AssignmentStatus.DRAFT
    assert {(rc.competence_id, rc.importance) for rc in assignment.required_competences.all()} == {
        (competences[0].pk, 3),
        (competences[2].pk, 2),
    }


def test_without_any_cohort_the_form_says_so(client, org_contact, form_data, cohort):
    cohort.delete()
    response = login(client, org_contact).post(CREATE, form_data())
    assert response.status_code == 200
    assert "nog geen cohort" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_coordinator_picks_the_organisation(client, coordinator, organisation, form_data):
    login(client, coordinator)
    response = client.post(CREATE, form_data())
    assert "Kies de organisatie" in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(CREATE, form_data(organisation=str(organisation.pk)))
    assert response.status_code == 302
    assert Assignment.objects.get().organisation == organisation


FORM_INVALID = [
    ("min above max", {"team_size_min": "5", "team_size_max": "3"}, "kleiner dan de minimale"),
    (
        "niveaus do not fit",
        {"team_size_max": "4", "min_niveau_4": "2", "min_niveau_5": "1", "min_niveau_6": "2"},
        "passen niet",
    ),
    ("end before start", {"starts_on": "2027-01-31", "ends_on": "2026-10-01"}, "vóór de begindatum"),
    ("unknown neighbourhood", {"neighbourhood": "999999"}, "wijk kennen we niet"),
    ("unknown competence", {"competences": ["999999"]}, "999999 kennen we niet"),
    ("no competence", {"competences": None}, "minstens één competentie"),
    ("bad importance", {"importance_{c0}": "9"}, "Kies een belang"),
    ("title too long", {"title": "x" * 151}, "hooguit 150 tekens (nu 151)"),
    ("description too long", {"description": "x" * 10_001}, "hooguit 10000 tekens"),
    ("html in title", {"title": "<b>Vet</b>"}, "geen HTML of scripts"),
    ("script in description", {"description": "<script>alert(1)</script>"}, "geen HTML of scripts"),
    ("html in target group", {"target_group": "<img src=x onerror=alert(1)>"}, "geen HTML of scripts"),
    ("script link", {"description": "[x](javascript:alert(1))"}, "webadres"),
    ("missing title", {"title": ""}, "Geef de opdracht een titel"),
    ("missing dates", {"starts_on": "", "ends_on": ""}, "Vul een begindatum in"),
    ("not a number", {"team_size_min": "drie"}, "Vul een heel getal in"),
    ("unknown phase", {"phase": "zomer"}, "verkenning, begeleiding of waakvlam"),
]


@pytest.mark.parametrize(("case", "changes", "message"), FORM_INVALID, ids=[c[0] for c in FORM_INVALID])
def test_the_form_explains_each_rule_in_dutch_and_saves_nothing(
    client, org_contact, form_data, competences, case, changes, message
):
    changes = {k.format(c0=competences[0].pk): v for k, v in changes.items()}
    response = login(client, org_contact).post(CREATE, form_data(**changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "er is niets opgeslagen" in body
    assert not Assignment.objects.exists()


def test_a_contact_person_of_another_organisation_is_refused_by_the_form(
    client, org_contact, other_org_contact, form_data
):
    response = login(client, org_contact).post(CREATE, form_data(contact_person=str(other_org_contact.pk)))
    assert "Kies een contactpersoon of werkbegeleider van Testorganisatie" in response.content.decode()
    assert not Assignment.objects.exists()


def test_requires_hbo_with_zero_niveau_6_is_set_to_one_and_said_by_the_form(client, org_contact, form_data):
    response = login(client, org_contact).post(CREATE, form_data(requires_hbo="on", min_niveau_6="0"), follow=True)
    assert Assignment.objects.get().min_niveau_6 == 1
    assert "minimum voor niveau 6 op 1 gezet" in response.content.decode()


@pytest.mark.parametrize("who", ["student4", "hbo_docent", "werkbegeleider"])
def test_who_may_not_post_gets_403(request, client, form_data, who):
    login(client, request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert client.post(VALIDATE, {**form_data(), "_field": "title"}).status_code == 403
    assert not Assignment.objects.exists()


# --- field by field validation (htmx) ---------------------------------------------------------


def test_validate_answers_with_the_message_of_the_field(client, org_contact, form_data):
    response = login(client, org_contact).post(
        VALIDATE, {**form_data(title="<b>x</b>"), "_field": "title"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "geen HTML of scripts" in body
    assert "hx-swap-oob" not in body
    assert not Assignment.objects.exists()


def test_validate_refreshes_the_related_fields_out_of_band(client, org_contact, form_data):
    data = {**form_data(team_size_min="5", team_size_max="3"), "_field": "team_size_min"}
    body = login(client, org_contact).post(VALIDATE, data, headers=HTMX).content.decode()
    assert 'id="feedback-team_size_max" hx-swap-oob="innerHTML"' in body
    assert "kleiner dan de minimale" in body


def test_validate_sends_the_corrected_niveau_6_minimum_back(client, org_contact, form_data):
    data = {**form_data(requires_hbo="on", min_niveau_6="0"), "_field": "requires_hbo"}
    body = login(client, org_contact).post(VALIDATE, data, headers=HTMX).content.decode()
    assert "op 1 gezet" in body
    assert 'id="control-min_niveau_6" hx-swap-oob="innerHTML"' in body
    assert 'name="min_niveau_6" value="1"' in body


def test_the_correction_keeps_being_said_while_it_stands(client, org_contact, form_data):
    """After the page got the corrected value back, later checks keep the message (and saving says it too)."""
    login(client, org_contact)
    marked = {**form_data(requires_hbo="on", min_niveau_6="1"), "_corrected": "min_niveau_6"}
    body = client.post(VALIDATE, {**marked, "_field": "requires_hbo"}, headers=HTMX).content.decode()
    assert "op 1 gezet" in body
    assert 'id="control-min_niveau_6"' not in body  # the value is right already: leave the input alone
    unmarked = client.post(VALIDATE, {**form_data(requires_hbo="on", min_niveau_6="1"), "_field": "requires_hbo"})
    assert "op 1 gezet" not in unmarked.content.decode()
    saved = client.post(CREATE, marked, follow=True).content.decode()
    assert "op 1 gezet" in saved


def test_a_valid_field_gets_an_empty_message(client, org_contact, form_data):
    body = login(client, org_contact).post(VALIDATE, {**form_data(), "_field": "title"}, headers=HTMX).content
    assert b"error" not in body


# --- editing and the lifecycle through the pages ---------------------------------------------


def test_the_owner_edits_and_the_history_grows(client, org_contact, open_assignment, form_data, neighbourhood):
    login(client, org_contact)
    assert client.get(page(open_assignment, "assignment-edit")).status_code == 200
    response = client.post(page(open_assignment, "assignment-edit"), form_data(title="Nieuwe titel"))
    assert response.status_code == 302
    revision = AssignmentRevision.objects.get()
    assert revision.changes["title"]["new"] == "Nieuwe titel"


@pytest.mark.parametrize("who", ["student4", "other_org_contact", "hbo_docent"])
def test_who_may_not_edit_gets_403_on_a_visible_assignment(request, client, open_assignment, form_data, who):
    login(client, request.getfixturevalue(who))
    assert client.get(page(open_assignment, "assignment-edit")).status_code == 403
    assert client.post(page(open_assignment, "assignment-edit"), form_data(title="x")).status_code == 403
    for name in ("assignment-publish", "assignment-cancel", "assignment-start", "assignment-complete"):
        assert client.post(page(open_assignment, name)).status_code == 403
    open_assignment.refresh_from_db()
    assert open_assignment.status == AssignmentStatus.OPEN
    assert open_assignment.title == "Ontmoetingsplek voor eenzame ouderen"


def test_publish_then_cancel_through_the_pages(client, org_contact, draft):
    login(client, org_contact)
    detail = client.get(page(draft)).content.decode()
    assert "Publiceren" in detail
    response = client.post(page(draft, "assignment-publish"), follow=True)
    assert "is gepubliceerd" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == AssignmentStatus.OPEN
    detail = client.get(page(draft)).content.decode()
    assert 'data-confirm="Weet je zeker dat je deze opdracht wilt annuleren?' in detail
    again = client.post(page(draft, "assignment-publish"), follow=True)
    assert "Alleen een concept kun je publiceren" in again.content.decode()
    client.post(page(draft, "assignment-cancel"))
    draft.refresh_from_db()
    assert draft.status == AssignmentStatus.CANCELLED


def test_publishing_while_preferences_are_open_says_students_can_choose_it(client, org_contact, draft):
    login(client, org_contact)
    body = client.post(page(draft, "assignment-publish"), follow=True).content.decode()
    assert "De opdracht is gepubliceerd: studenten kunnen hem nu kiezen." in body


@pytest.mark.parametrize("closed", ["flag", "date"])
def test_publishing_after_preferences_closed_does_not_promise_a_choice(client, org_contact, draft, closed):
    cohort = draft.cohort
    if closed == "flag":
        cohort.preferences_open = False
    else:
        cohort.preferences_close_on = timezone.localdate() - datetime.timedelta(days=1)
    cohort.save()
    login(client, org_contact)
    body = client.post(page(draft, "assignment-publish"), follow=True).content.decode()
    assert "De opdracht is gepubliceerd. De voorkeuren zijn gesloten, dus studenten kunnen hem nu niet kiezen." in body
    assert "studenten kunnen hem nu kiezen" not in body


def test_a_draft_never_published_does_not_speak_of_publishing_in_its_history(client, org_contact, draft, form_data):
    body = login(client, org_contact).get(page(draft)).content.decode()
    assert "Wijzigingen worden bijgehouden zodra de opdracht gepubliceerd is." in body
    assert "sinds het publiceren" not in body
    # An edit of the concept is not kept, so the history stays empty until it is published.
    client.post(page(draft, "assignment-edit"), form_data(title="Concept: moestuin"))
    body = client.get(page(draft)).content.decode()
    assert "Wijzigingen worden bijgehouden zodra de opdracht gepubliceerd is." in body


def test_a_published_assignment_without_changes_says_so(client, org_contact, open_assignment):
    body = login(client, org_contact).get(page(open_assignment)).content.decode()
    assert "Nog geen wijzigingen sinds het publiceren." in body


def test_pages_only_take_post_for_changes(client, org_contact, draft):
    login(client, org_contact)
    assert client.get(page(draft, "assignment-publish")).status_code == 405


# --- preferences ------------------------------------------------------------------------


@pytest.fixture
def ranked(student4, cohort, organisation):
    """student4 has ranked three open assignments."""
    choices = [AssignmentFactory(cohort=cohort, organisation=organisation, title=f"Keuze {i}") for i in range(1, 4)]
    for rank, a in enumerate(choices, start=1):
        Preference.objects.create(student=student4, assignment=a, rank=rank)
    return choices


def ranking(student):
    return list(student.preferences.order_by("rank").values_list("assignment__title", flat=True))


def test_a_student_adds_an_assignment_with_htmx(client, student4, open_assignment):
    response = login(client, student4).post(page(open_assignment, "preference-add"), headers=HTMX)
    assert response.status_code == 200
    assert "Jouw keuze 1" in response.content.decode()
    assert ranking(student4) == ["Ontmoetingsplek voor eenzame ouderen"]


def test_adding_a_sixth_is_refused_with_a_message(client, student4, cohort):
    for i in range(5):
        Preference.objects.create(student=student4, assignment=AssignmentFactory(cohort=cohort), rank=i + 1)
    extra = AssignmentFactory(cohort=cohort, title="Zesde")
    body = login(client, student4).post(page(extra, "preference-add"), headers=HTMX).content.decode()
    assert "hooguit 5" in body
    assert student4.preferences.count() == 5


def test_moving_a_choice_up_saves_the_new_order_without_a_reload(client, student4, ranked):
    data = {"assignment": [a.pk for a in ranked], "move": f"{ranked[2].pk}:up"}
    response = login(client, student4).post(PREFERENCES, data, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="ranking"' in body
    assert ranking(student4) == ["Keuze 1", "Keuze 3", "Keuze 2"]


def test_motivations_are_saved_and_checked(client, student4, ranked):
    login(client, student4)
    ids = [a.pk for a in ranked]
    client.post(PREFERENCES, {"assignment": ids, f"motivation_{ids[0]}": "Ik woon er", "save": "1"})
    assert student4.preferences.get(rank=1).motivation == "Ik woon er"
    body = client.post(
        PREFERENCES, {"assignment": ids, f"motivation_{ids[0]}": "<script>x</script>"}, headers=HTMX
    ).content.decode()
    assert "geen HTML of scripts" in body
    assert student4.preferences.get(rank=1).motivation == "Ik woon er"


def test_removing_a_choice_closes_up_the_ranks(client, student4, ranked):
    login(client, student4).post(PREFERENCES, {"assignment": [a.pk for a in ranked], "discard": ranked[0].pk})
    assert list(student4.preferences.order_by("rank").values_list("assignment__title", "rank")) == [
        ("Keuze 2", 1),
        ("Keuze 3", 2),
    ]


def test_a_posted_id_that_is_not_yours_is_ignored(client, student4, ranked, draft):
    login(client, student4).post(PREFERENCES, {"assignment": [draft.pk, *[a.pk for a in ranked]], "save": "1"})
    assert ranking(student4) == ["Keuze 1", "Keuze 2", "Keuze 3"]


def test_closed_preferences_are_shown_and_refused(client, student4, ranked, cohort):
    cohort.preferences_open = False
    cohort.save()
    login(client, student4)
    closed = client.get(PREFERENCES).content.decode()
    assert "De voorkeuren zijn gesloten" in closed
    assert "<textarea" not in closed  # read-only, and it looks it
    assert "ranking-form--closed" in closed
    body = client.post(
        PREFERENCES, {"assignment": [a.pk for a in ranked], "move": f"{ranked[2].pk}:up"}, headers=HTMX
    ).content.decode()
    assert "niet meer wijzigen" in body
    assert ranking(student4) == ["Keuze 1", "Keuze 2", "Keuze 3"]


def test_a_full_list_says_so_and_hides_the_add_buttons(client, student4, cohort, open_assignment):
    for i in range(5):
        Preference.objects.create(student=student4, assignment=AssignmentFactory(cohort=cohort), rank=i + 1)
    login(client, student4)
    listing = client.get(LIST).content.decode()
    assert "Je lijst is vol (5 keuzes)." in listing
    assert "Zet op mijn lijst" not in listing
    assert "Je lijst is vol (5 keuzes)." in client.get(page(open_assignment)).content.decode()
    own = client.get(PREFERENCES).content.decode()
    assert "Je lijst is vol (5 keuzes). Wil je een andere opdracht kiezen?" in own


def test_the_last_day_to_choose_is_shown_and_counts_from_the_next_day(client, student4, ranked, cohort):
    today = timezone.localdate()
    cohort.preferences_close_on = today
    cohort.save()
    login(client, student4)
    own = client.get(PREFERENCES).content.decode()
    assert "Je kunt je keuzes aanpassen tot en met" in own
    assert str(today.year) in own
    assert "Kiezen kan tot en met" in client.get(LIST).content.decode()
    ids = [a.pk for a in ranked]
    client.post(PREFERENCES, {"assignment": ids, "move": f"{ids[2]}:up"})
    assert ranking(student4) == ["Keuze 1", "Keuze 3", "Keuze 2"]
    # The day after: closed at once, also before the nightly task set the flag.
    cohort.preferences_close_on = today - datetime.timedelta(days=1)
    cohort.save()
    body = client.post(PREFERENCES, {"assignment": ids, "move": f"{ids[2]}:up"}, headers=HTMX).content.decode()
    assert "De laatste dag om te kiezen was" in body
    assert ranking(student4) == ["Keuze 1", "Keuze 3", "Keuze 2"]
    assert "<textarea" not in client.get(PREFERENCES).content.decode()


def test_the_coordinator_sets_the_last_day_to_choose_in_the_cohort_form(client, coordinator, cohort):
    login(client, coordinator)
    url = reverse("cohort-edit", args=[cohort.pk])
    form = {"name": cohort.name, "starts_on": cohort.starts_on, "ends_on": cohort.ends_on}
    late = cohort.ends_on + datetime.timedelta(days=1)
    refused = client.post(url, {**form, "preferences_close_on": late.isoformat()})
    assert "De voorkeuren moeten sluiten voordat het cohort eindigt." in refused.content.decode()
    cohort.refresh_from_db()
    assert cohort.preferences_close_on is None
    day = cohort.starts_on + datetime.timedelta(days=7)
    assert client.post(url, {**form, "preferences_close_on": day.isoformat()}).status_code == 302
    cohort.refresh_from_db()
    assert cohort.preferences_close_on == day
    assert f'value="{day.isoformat()}"' in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["org_contact", "coordinator", "hbo_docent"])
def test_only_students_have_a_preferences_page(request, client, open_assignment, who):
    login(client, request.getfixturevalue(who))
    assert client.get(PREFERENCES).status_code == 403
    assert client.post(page(open_assignment, "preference-add")).status_code == 403


def test_the_coordinator_closes_preferences_from_the_list(client, coordinator, other_coordinator, cohort):
    url = reverse("cohort-preferences", args=[cohort.pk])
    assert login(client, other_coordinator).post(url, {"action": "close"}).status_code == 404
    login(client, coordinator)
    assert "Voorkeuren sluiten" in client.get(LIST).content.decode()
    client.post(url, {"action": "close"})
    cohort.refresh_from_db()
    assert not cohort.preferences_open
    client.post(url, {"action": "open"})
    cohort.refresh_from_db()
    assert cohort.preferences_open


# --- overview panels ---------------------------------------------------------------------


def test_overview_panels(client, student4, org_contact, coordinator, open_assignment, draft, competences):
    student4.student_profile.competences.set([competences[0]])
    Preference.objects.create(student=student4, assignment=open_assignment, rank=1)
    student_home = login(client, student4).get(reverse("home")).content.decode()
    assert "Mijn voorkeuren" in student_home
    assert "Ontmoetingsplek voor eenzame ouderen" in student_home
    org_home = login(client, org_contact).get(reverse("home")).content.decode()
    assert "Mijn opdrachten" in org_home
    assert "Concept: buurtmoestuin" in org_home
    assert "1 student heeft interesse" in org_home
    coord_home = login(client, coordinator).get(reverse("home")).content.decode()
    assert "1 van 1 studenten hebben voorkeuren opgegeven" in coord_home
    assert "Voorkeuren sluiten" in coord_home


# --- query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["student4", "org_contact", "coordinator"])
def test_the_list_page_runs_a_fixed_number_of_queries(request, client, many_assignments, who):
    login(client, request.getfixturevalue(who))
    many_assignments(10)
    at_10 = queries_of_get(client, LIST)
    many_assignments(190)
    assert Assignment.objects.count() == 200
    at_200 = queries_of_get(client, LIST)
    assert at_10 == at_200, f"{who}: {at_10} queries for 10 assignments, {at_200} for 200"
    assert at_200 <= 20
    print(f"list page, {who}: {at_200} queries at 10 and at 200 assignments")


def test_the_detail_page_runs_fewqueries_of_get(
    client, coordinator, open_assignment, team, django_assert_max_num_queries
):
    login(client, coordinator)
    with django_assert_max_num_queries(20):
        client.get(page(open_assignment))


def test_empty_filters_mean_any(client, student4, open_assignment):
    params = {"q": "", "neighbourhood": "", "competence": "", "phase": "", "period_from": "", "period_to": ""}
    body = login(client, student4).get(LIST, params, headers={**HTMX, "HX-Target": "results"}).content.decode()
    assert "alert--error" not in body
    assert "Ontmoetingsplek" in body
