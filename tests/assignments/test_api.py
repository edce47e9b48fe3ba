"""The REST API of docs/api.md "Assignments": role by role, every rule, level-blind, query counts."""

import json

import pytest

from assignments.models import Assignment, AssignmentRevision, AssignmentStatus, Preference
from tests.conftest import queries_of_get
from tests.factories import AssignmentFactory, StudentFactory, UserFactory, api_token
from wijklab.models import Role

LIST = "/api/assignments/"


def detail(a):
    return f"/api/assignments/{a.pk}/"


# --- reading, role by role -------------------------------------------------------------


def test_anonymous_gets_401_or_403(client_for, open_assignment):
    assert client_for(None).get(LIST).status_code in {401, 403}


def test_a_student_lists_the_open_assignments_with_their_fit(client_for, student4, open_assignment, draft, competences):
    student4.student_profile.competences.set([competences[0]])
    response = client_for(student4).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == open_assignment.pk
    assert item["fit"] == {"matched": 1, "required": 2, "score": pytest.approx(3 / 5)}
    assert item["interest_count"] is None
    assert item["can_edit"] is False
    assert client_for(student4).get(detail(draft)).status_code == 404


def test_an_organisation_lists_its_drafts(client_for, org_contact, draft, open_assignment):
    body = client_for(org_contact).get(LIST, {"status": "draft"}).json()
    assert [r["id"] for r in body["results"]] == [draft.pk]
    assert body["results"][0]["can_edit"] is True


def test_another_organisation_gets_404_on_a_draft(client_for, other_org_contact, draft):
    client = client_for(other_org_contact)
    assert client.get(detail(draft)).status_code == 404
    assert client.patch(detail(draft), {"title": "x"}, format="json").status_code == 404
    assert client.post(detail(draft) + "publish/").status_code == 404
    assert client.post(detail(draft) + "cancel/").status_code == 404
    assert draft.pk not in [r["id"] for r in client.get(LIST).json()["results"]]


def test_a_coordinator_sees_all_of_their_cohort_and_none_of_another(client_for, coordinator, other_coordinator, draft):
    assert client_for(coordinator).get(detail(draft)).status_code == 200
    assert client_for(other_coordinator).get(detail(draft)).status_code == 404


def test_filters(client_for, coordinator, cohort, organisation, competences, neighbourhood):
    from assignments.models import AssignmentCompetence
    from tests.factories import NeighbourhoodFactory

    elsewhere = NeighbourhoodFactory(name="Schollevaar", municipality="Capelle aan den IJssel")
    a = AssignmentFactory(cohort=cohort, title="Taalcafé", neighbourhood=neighbourhood, phase="begeleiding")
    b = AssignmentFactory(cohort=cohort, title="Ouderen", neighbourhood=elsewhere, description="Eenzaamheid")
    AssignmentCompetence.objects.create(assignment=b, competence=competences[1])
    client = client_for(coordinator)

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(neighbourhood=elsewhere.pk) == {b.pk}
    assert ids(competence=competences[1].pk) == {b.pk}
    assert ids(phase="begeleiding") == {a.pk}
    assert ids(q="eenzaam") == {b.pk}
    assert ids(q="schollevaar") == {b.pk}
    assert ids(status="open") == {a.pk, b.pk}
    assert ids(period_from="2027-02-01") == set()
    assert ids(period_to="2026-09-30") == set()


@pytest.mark.parametrize("params", [{"neighbourhood": "abc"}, {"phase": "zomer"}, {"period_from": "gisteren"}])
def test_bad_filters_are_400_not_500(client_for, coordinator, params):
    response = client_for(coordinator).get(LIST, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_token_authentication_works(api_client, student4, open_assignment):
    response = api_client.get(LIST, headers={"authorization": f"Bearer {api_token(student4)}"})
    assert response.status_code == 200


# --- level-blind ------------------------------------------------------------------


def test_organisations_see_how_many_are_interested_never_who_or_which_niveau(
    client_for, org_contact, coordinator, open_assignment, student4, student6
):
    Preference.objects.create(student=student4, assignment=open_assignment, rank=1, motivation="Mijn buurt")
    Preference.objects.create(student=student6, assignment=open_assignment, rank=2)
    org = client_for(org_contact).get(detail(open_assignment)).json()
    assert org["interest_count"] == 2
    assert org["interest_by_niveau"] is None
    text = json.dumps(client_for(org_contact).get(LIST).json()) + json.dumps(org)
    # min_niveau_* are the assignment's own requirements; a student's niveau is never there.
    for leak in ("Sanne", "Lotte", "sanne", "Mijn buurt", '"niveau_4"', '"niveau_6"', '"niveau"', '"student"'):
        assert leak not in text
    # The same data is there for the coordinator, so the assertions above can fail.
    coord = client_for(coordinator).get(detail(open_assignment)).json()
    assert coord["interest_by_niveau"] == {"niveau_4": 1, "niveau_5": 0, "niveau_6": 1}


def test_another_organisation_does_not_see_the_interest(client_for, other_org_contact, open_assignment, student4):
    Preference.objects.create(student=student4, assignment=open_assignment, rank=1)
    assert client_for(other_org_contact).get(detail(open_assignment)).json()["interest_count"] is None


# --- creating ---------------------------------------------------------------------


def test_an_organisation_contact_posts_a_draft(client_for, org_contact, organisation, payload, cohort):
    response = client_for(org_contact).post(LIST, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["organisation"]["id"] == organisation.pk
    assert body["cohort"]["id"] == cohort.pk
    assert body["warnings"] == {}
    assert "<strong>samen</strong>" in body["description_html"]
    assert [c["importance"] for c in body["required_competences"]] == [2, 2]


def test_a_coordinator_posts_for_an_organisation(client_for, coordinator, organisation, payload):
    response = client_for(coordinator).post(LIST, payload(organisation=organisation.pk), format="json")
    assert response.status_code == 201, response.content
    missing = client_for(coordinator).post(LIST, payload(), format="json")
    assert missing.status_code == 400
    assert "organisatie" in missing.json()["organisation"][0]


def test_required_competences_with_importance(client_for, org_contact, payload, competences):
    body = payload(required_competences=[{"competence": competences[1].pk, "importance": 3}])
    del body["competences"]
    response = client_for(org_contact).post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["required_competences"] == [
        {"competence": competences[1].pk, "name": "Signaleren", "importance": 3}
    ]


@pytest.mark.parametrize("who", ["student4", "mbo_docent", "werkbegeleider"])
def test_students_and_supervisors_cannot_post(request, client_for, payload, who):
    response = client_for(request.getfixturevalue(who)).post(LIST, payload(), format="json")
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_a_contact_cannot_post_for_another_organisation(client_for, org_contact, other_organisation, payload):
    response = client_for(org_contact).post(LIST, payload(organisation=other_organisation.pk), format="json")
    assert response.status_code == 400
    assert "eigen organisatie" in response.json()["organisation"][0]


INVALID = [
    ("min above max", {"team_size_min": 5, "team_size_max": 3}, "team_size_max", "kleiner dan de minimale"),
    (
        "niveaus do not fit",
        {"team_size_max": 4, "min_niveau_4": 2, "min_niveau_5": 1, "min_niveau_6": 2},
        "team_size_max",
        "passen niet",
    ),
    ("end before start", {"starts_on": "2027-01-31", "ends_on": "2026-10-01"}, "ends_on", "vóór de begindatum"),
    ("unknown neighbourhood", {"neighbourhood": 999999}, "neighbourhood", "wijk kennen we niet"),
    ("unknown competence", {"competences": [999999]}, "competences", "999999 kennen we niet"),
    ("no competence", {"competences": []}, "competences", "minstens één competentie"),
    ("title too long", {"title": "x" * 151}, "title", "hooguit 150 tekens (nu 151)"),
    ("description too long", {"description": "x" * 10_001}, "description", "hooguit 10000 tekens"),
    ("target group too long", {"target_group": "x" * 201}, "target_group", "hooguit 200 tekens"),
    ("html in title", {"title": "<b>Vet</b> plan"}, "title", "geen HTML of scripts"),
    ("script in description", {"description": "Hoi <script>alert(1)</script>"}, "description", "geen HTML"),
    ("img onerror in goal", {"goal": "<img src=x onerror=alert(1)>"}, "goal", "geen HTML"),
    ("script link", {"description": "[klik](javascript:alert(1))"}, "description", "webadres"),
    ("html comment", {"expected_result": "<!-- x -->"}, "expected_result", "geen HTML"),
    ("missing title", {"title": ""}, "title", "titel"),
    ("unknown phase", {"phase": "zomer"}, "phase", "verkenning, begeleiding of waakvlam"),
    ("team too big", {"team_size_max": 40}, "team_size_max", "hooguit 15"),
    ("no hours", {"hours_per_week": 0}, "hours_per_week", "uren per week"),
    ("negative minimum", {"min_niveau_5": -1}, "min_niveau_5", "0 tot en met"),
    ("not a number", {"team_size_min": "drie"}, "team_size_min", ""),
    ("not a date", {"starts_on": "morgen"}, "starts_on", ""),
]


@pytest.mark.parametrize(("case", "changes", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_bad_input_gets_a_dutch_message_per_field_and_nothing_is_saved(
    client_for, org_contact, payload, case, changes, field, message
):
    response = client_for(org_contact).post(LIST, payload(**changes), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Assignment.objects.exists()


def test_a_contact_person_of_another_organisation_is_refused(client_for, org_contact, other_org_contact, payload):
    response = client_for(org_contact).post(LIST, payload(contact_person=other_org_contact.pk), format="json")
    assert response.status_code == 400
    assert "Testorganisatie" in response.json()["contact_person"][0]


def test_own_werkbegeleider_can_be_the_contact_person(client_for, org_contact, werkbegeleider, payload):
    response = client_for(org_contact).post(LIST, payload(contact_person=werkbegeleider.pk), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["contact_person"]["display_name"] == "Ingrid Kramer"


def test_requires_hbo_with_zero_niveau_6_is_set_to_one_and_said(client_for, org_contact, payload):
    response = client_for(org_contact).post(LIST, payload(requires_hbo=True, min_niveau_6=0), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["min_niveau_6"] == 1
    assert "op 1 gezet" in body["warnings"]["min_niveau_6"][0]
    assert Assignment.objects.get().min_niveau_6 == 1


def test_messages_are_dutch_by_default(client_for, org_contact, payload):
    # English follows Accept-Language once the lead compiles the translations; Dutch is the default.
    response = client_for(org_contact).post(LIST, payload(team_size_min=5, team_size_max=3), format="json")
    assert "maximale teamgrootte" in response.json()["team_size_max"][0]


# --- editing ---------------------------------------------------------------------


def test_patch_records_history_on_a_published_assignment(client_for, org_contact, open_assignment):
    response = client_for(org_contact).patch(detail(open_assignment), {"hours_per_week": 12}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["hours_per_week"] == 12
    revision = AssignmentRevision.objects.get()
    assert revision.changes == {"hours_per_week": {"old": 8, "new": 12}}
    assert revision.changed_by == org_contact


def test_patch_validates_against_the_whole_assignment(client_for, org_contact, open_assignment):
    response = client_for(org_contact).patch(detail(open_assignment), {"team_size_max": 2}, format="json")
    assert response.status_code == 400
    assert "team_size_max" in response.json()
    open_assignment.refresh_from_db()
    assert open_assignment.team_size_max == 5


def test_patch_of_requires_hbo_alone_gets_the_correction(client_for, coordinator, open_assignment):
    Assignment.objects.filter(pk=open_assignment.pk).update(min_niveau_6=0)
    response = client_for(coordinator).patch(detail(open_assignment), {"requires_hbo": True}, format="json")
    assert response.status_code == 200
    assert response.json()["min_niveau_6"] == 1
    assert "min_niveau_6" in response.json()["warnings"]


@pytest.mark.parametrize("who", ["student4", "other_org_contact", "hbo_docent", "werkbegeleider"])
def test_who_cannot_edit_gets_403(request, client_for, open_assignment, who):
    response = client_for(request.getfixturevalue(who)).patch(detail(open_assignment), {"title": "x"}, format="json")
    assert response.status_code == 403
    open_assignment.refresh_from_db()
    assert open_assignment.title == "Ontmoetingsplek voor eenzame ouderen"


def test_put_and_delete_are_not_offered(client_for, org_contact, open_assignment, payload):
    client = client_for(org_contact)
    assert client.put(detail(open_assignment), payload(), format="json").status_code == 405
    assert client.delete(detail(open_assignment)).status_code == 405


def test_cohort_and_organisation_cannot_change(client_for, coordinator, open_assignment, other_organisation):
    response = client_for(coordinator).patch(
        detail(open_assignment), {"organisation": other_organisation.pk}, format="json"
    )
    assert response.status_code == 400


# --- lifecycle ------------------------------------------------------------------


def test_publish_and_cancel(client_for, org_contact, draft):
    client = client_for(org_contact)
    response = client.post(detail(draft) + "publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    again = client.post(detail(draft) + "publish/")
    assert again.status_code == 409
    assert again.json()["code"] == "not_draft"
    assert client.post(detail(draft) + "cancel/").json()["status"] == "cancelled"
    refused = client.post(detail(draft) + "cancel/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_cancellable"


def test_start_and_complete(client_for, coordinator, open_assignment):
    client = client_for(coordinator)
    assert client.post(detail(open_assignment) + "start/").json()["status"] == "in_progress"
    assert client.post(detail(open_assignment) + "complete/").json()["status"] == "completed"
    assert client.patch(detail(open_assignment), {"title": "x"}, format="json").status_code == 409


@pytest.mark.parametrize("who", ["student4", "other_org_contact", "hbo_docent"])
@pytest.mark.parametrize("action", ["publish", "cancel", "start", "complete"])
def test_who_cannot_edit_cannot_move_the_lifecycle(request, client_for, open_assignment, who, action):
    response = client_for(request.getfixturevalue(who)).post(detail(open_assignment) + f"{action}/")
    assert response.status_code == 403
    open_assignment.refresh_from_db()
    assert open_assignment.status == AssignmentStatus.OPEN


# --- preferences -----------------------------------------------------------------


PREFS = "/api/preferences/"


@pytest.fixture
def three_open(cohort, organisation):
    return [AssignmentFactory(cohort=cohort, organisation=organisation, title=f"Keuze {i}") for i in range(3)]


def test_a_student_puts_and_gets_a_ranking(client_for, student4, three_open):
    client = client_for(student4)
    body = [
        {"assignment": three_open[2].pk, "rank": 1, "motivation": "Dichtbij huis"},
        {"assignment": three_open[0].pk, "rank": 2},
    ]
    response = client.put(PREFS, body, format="json")
    assert response.status_code == 200, response.content
    got = client.get(PREFS).json()
    assert [(p["assignment"], p["rank"], p["motivation"]) for p in got] == [
        (three_open[2].pk, 1, "Dichtbij huis"),
        (three_open[0].pk, 2, ""),
    ]
    assert got[0]["assignment_title"] == "Keuze 2"


BAD_RANKINGS = [
    ("rank twice", lambda a: [{"assignment": a[0], "rank": 1}, {"assignment": a[1], "rank": 1}], "rank"),
    ("assignment twice", lambda a: [{"assignment": a[0], "rank": 1}, {"assignment": a[0], "rank": 2}], "assignment"),
    ("rank zero", lambda a: [{"assignment": a[0], "rank": 0}], "rank"),
    ("rank six", lambda a: [{"assignment": a[0], "rank": 6}], "rank"),
    ("unknown assignment", lambda a: [{"assignment": 999999, "rank": 1}], "assignment"),
    ("html motivation", lambda a: [{"assignment": a[0], "rank": 1, "motivation": "<b>ik</b>"}], "motivation"),
    ("long motivation", lambda a: [{"assignment": a[0], "rank": 1, "motivation": "x" * 501}], "motivation"),
]


@pytest.mark.parametrize(("case", "build", "field"), BAD_RANKINGS, ids=[c[0] for c in BAD_RANKINGS])
def test_a_bad_ranking_is_400_and_keeps_the_old_one(client_for, student4, three_open, case, build, field):
    client = client_for(student4)
    client.put(PREFS, [{"assignment": three_open[0].pk, "rank": 1}], format="json")
    response = client.put(PREFS, build([a.pk for a in three_open]), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert list(student4.preferences.values_list("assignment_id", "rank")) == [(three_open[0].pk, 1)]


def test_more_than_five_is_refused(client_for, student4, cohort):
    many = [AssignmentFactory(cohort=cohort, title=f"Veel {i}") for i in range(6)]
    response = client_for(student4).put(
        PREFS, [{"assignment": a.pk, "rank": min(i + 1, 5)} for i, a in enumerate(many)], format="json"
    )
    assert response.status_code == 400
    assert "hooguit 5" in response.json()["non_field_errors"][0]


def test_drafts_and_other_cohorts_cannot_be_ranked(client_for, student4, draft, other_cohort):
    elsewhere = AssignmentFactory(cohort=other_cohort, title="Elders")
    for target in (draft, elsewhere):
        response = client_for(student4).put(PREFS, [{"assignment": target.pk, "rank": 1}], format="json")
        assert response.status_code == 400
        assert "eigen cohort" in response.json()["assignment"][0]


def test_a_body_that_is_not_a_list_is_400(client_for, student4):
    assert client_for(student4).put(PREFS, {"assignment": 1}, format="json").status_code == 400


RANKING_KEPT_BODIES = [
    ("form junk", "application/x-www-form-urlencoded", "rommel=1&meer=2", 415),
    ("empty form", "application/x-www-form-urlencoded", "", 415),
    (
        "multipart",
        "multipart/form-data; boundary=B",
        '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--',
        415,
    ),
    ("text", "text/plain", "[]", 415),
    ("no type, empty", "", "", 415),
    ("empty JSON body", "application/json", "", 400),
    ("JSON null", "application/json", "null", 400),
    ("JSON object", "application/json", "{}", 400),
    ("a lone surrogate", "application/json", '[{"assignment": 1, "rank": 1, "motivation": "\\ud800"}]', 400),
    ("10,000 deep", "application/json", "[" * 10_000 + "]" * 10_000, 400),
]


@pytest.mark.parametrize(
    ("case", "content_type", "body", "status"), RANKING_KEPT_BODIES, ids=[c[0] for c in RANKING_KEPT_BODIES]
)
def test_only_a_json_list_replaces_the_ranking(client_for, student4, three_open, case, content_type, body, status):
    """A form-encoded junk body answered ``200 []`` and deleted the whole ranking."""
    client = client_for(student4)
    client.put(PREFS, [{"assignment": three_open[0].pk, "rank": 1}], format="json")
    response = client.generic("PUT", PREFS, body, content_type=content_type)
    assert response.status_code == status, response.content
    assert response.json(), "a refusal says why"
    if status == 415:
        assert response.json()["detail"] == "Stuur je voorkeuren als JSON-lijst."
    assert list(student4.preferences.values_list("assignment_id", "rank")) == [(three_open[0].pk, 1)]


def test_an_empty_json_list_clears_the_ranking(client_for, student4, three_open):
    client = client_for(student4)
    client.put(PREFS, [{"assignment": three_open[0].pk, "rank": 1}], format="json")
    response = client.generic("PUT", PREFS, "[]", content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    assert response.json() == []
    assert not student4.preferences.exists()


@pytest.mark.parametrize("who", ["org_contact", "coordinator", "hbo_docent"])
def test_only_students_have_preferences(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(PREFS).status_code == 403
    assert client.put(PREFS, [], format="json").status_code == 403


def test_closing_preferences_freezes_rankings(client_for, coordinator, student4, cohort, three_open):
    response = client_for(coordinator).post(f"/api/cohorts/{cohort.pk}/preferences/close/")
    assert response.status_code == 200
    assert response.json()["preferences_open"] is False
    refused = client_for(student4).put(PREFS, [{"assignment": three_open[0].pk, "rank": 1}], format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "preferences_closed"
    assert client_for(coordinator).post(f"/api/cohorts/{cohort.pk}/preferences/open/").json()["preferences_open"]


@pytest.mark.parametrize("who", ["other_coordinator", "student4", "org_contact"])
def test_only_the_cohorts_coordinator_closes_preferences(request, client_for, cohort, who):
    response = client_for(request.getfixturevalue(who)).post(f"/api/cohorts/{cohort.pk}/preferences/close/")
    assert response.status_code == 404
    cohort.refresh_from_db()
    assert cohort.preferences_open


# --- schema, docs and a hostile description ------------------------------------------------


def test_the_schema_describes_the_contract(client_for, student4):
    response = client_for(student4).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    for path in [
        "/api/assignments/",
        "/api/assignments/{id}/",
        "/api/assignments/{id}/publish/",
        "/api/assignments/{id}/cancel/",
        "/api/preferences/",
    ]:
        assert path in paths
    get_params = {p["name"] for p in paths["/api/assignments/"]["get"]["parameters"]}
    assert {"status", "neighbourhood", "competence", "phase", "q"} <= get_params
    body = schema["components"]["schemas"]["AssignmentWriteRequest"]["properties"]
    for field in [
        "title",
        "description",
        "neighbourhood",
        "phase",
        "competences",
        "team_size_min",
        "team_size_max",
        "min_niveau_4",
        "min_niveau_5",
        "min_niveau_6",
        "requires_hbo",
        "starts_on",
        "ends_on",
    ]:
        assert field in body
    assert set(paths["/api/preferences/"]) >= {"get", "put"}


def test_the_docs_ui_is_served_from_our_own_static_files(client, student4):
    client.force_login(student4)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html
    assert "unpkg" not in html


def test_a_hostile_description_stored_earlier_is_sanitised_in_the_api(client_for, org_contact, open_assignment):
    Assignment.objects.filter(pk=open_assignment.pk).update(
        description="<script>alert(1)</script><img src=x onerror=alert(2)>**ok**"
    )
    body = client_for(org_contact).get(detail(open_assignment)).json()
    assert "<script" not in body["description_html"]
    assert "onerror" not in body["description_html"]
    assert "<strong>ok</strong>" in body["description_html"]


# --- query counts ----------------------------------------------------------------------


def _count_queries(client_for, user, url):
    # A freshly loaded user, as in a real request (nothing cached on the object from before).
    return queries_of_get(client_for(type(user).objects.get(pk=user.pk)), url)


@pytest.mark.parametrize("who", ["student4", "org_contact", "coordinator", "hbo_docent"])
def test_the_api_list_runs_a_fixed_number_of_queries(request, client_for, many_assignments, who):
    user = request.getfixturevalue(who)
    many_assignments(10)
    at_10 = _count_queries(client_for, user, LIST)
    many_assignments(190)
    assert Assignment.objects.count() == 200
    at_200 = _count_queries(client_for, user, LIST)
    assert at_10 == at_200, f"{who}: {at_10} queries for 10 assignments, {at_200} for 200"
    assert at_200 <= 12
    print(f"API list, {who}: {at_200} queries at 10 and at 200 assignments")


def test_a_user_without_a_role_profile_sees_nothing(client_for, db):
    nobody = UserFactory(username="zonder-profiel", role=Role.STUDENT)
    assert client_for(nobody).get(LIST).json()["count"] == 0
    assert StudentFactory  # the named fixtures cover the profiles


def test_empty_filters_mean_any(client_for, coordinator, open_assignment):
    response = client_for(coordinator).get(LIST, {"competence": "", "neighbourhood": "", "phase": "", "status": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_filtering_on_the_assignments_own_columns_selects_no_distinct_rows(
    client_for, coordinator, cohort, neighbourhood, competences
):
    """No joins behind these filters, so no SELECT DISTINCT: with it the database computed every
    row's interest counts before the page's LIMIT. Each assignment still appears once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assignments.models import AssignmentCompetence

    a = AssignmentFactory(cohort=cohort, neighbourhood=neighbourhood, phase="verkenning")
    for competence in competences[:2]:
        AssignmentCompetence.objects.create(assignment=a, competence=competence)
    params = {
        "status": ["open", "draft"],
        "phase": ["verkenning", "begeleiding"],
        "neighbourhood": [neighbourhood.pk],
        "competence": [c.pk for c in competences[:2]],
    }
    with CaptureQueriesContext(connection) as queries:
        response = client_for(coordinator).get(LIST, params)
    assert [r["id"] for r in response.json()["results"]] == [a.pk]
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)
