"""GET /api/students/{id}/progress/, GET /api/rubrics/, and the docent overview (grid, sorting, query counts)."""

import pytest
from django.urls import reverse

from supervision import selectors
from supervision.models import FeedbackKind
from teams.models import SupervisionAssignment
from tests.factories import StudentFactory, TeamFactory, add_member
from wijklab.models import User

PROGRESS = "/api/students/{}/progress/"


def test_progress_has_a_series_per_source_and_a_trend(
    client_for, team, history, mbo_docent, werkbegeleider, student4, student5
):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=20)
    history(student=student4, author=werkbegeleider, levels={"Samenwerken": 3}, days_ago=10)
    history(student=student4, author=student4, kind=FeedbackKind.SELF, levels={"Samenwerken": 3}, days_ago=9)
    history(student=student4, author=student5, kind=FeedbackKind.PEER, levels={"Samenwerken": 4}, days_ago=5)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 4}, days_ago=2)
    body = client_for(mbo_docent).get(PROGRESS.format(student4.pk)).json()
    assert body["student"] == {"id": student4.pk, "display_name": "Sanne de Vries"}
    samenwerken = next(c for c in body["criteria"] if c["name"] == "Samenwerken")
    assert samenwerken["category"] == "werknemersvaardigheden"
    assert samenwerken["trend"] == "up"
    assert samenwerken["latest_level"] == 4
    assert [p["level"] for p in samenwerken["series"]["docent"]] == [2, 4]
    assert [p["level"] for p in samenwerken["series"]["werkbegeleider"]] == [3]
    assert [p["level"] for p in samenwerken["series"]["self"]] == [3]
    assert [p["level"] for p in samenwerken["series"]["peer"]] == [4]
    # Every criterion of the student's rubric is listed, also the ones not rated yet.
    assert len(body["criteria"]) == 13
    assert "niveau" not in str(body)


def test_alerts_are_for_supervisors_and_coordinators_not_for_the_student(
    client_for, team, student4, mbo_docent, coordinator
):
    assert client_for(mbo_docent).get(PROGRESS.format(student4.pk)).json()["alerts"][0]["code"] == "no_feedback"
    assert client_for(coordinator).get(PROGRESS.format(student4.pk)).json()["alerts"]
    assert client_for(student4).get(PROGRESS.format(student4.pk)).json()["alerts"] == []


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("student4", 200),
        ("mbo_docent", 200),
        ("hbo_docent", 200),
        ("werkbegeleider", 200),
        ("coordinator", 200),
        ("student5", 404),  # a teammate
        ("outsider_student", 404),
        ("other_supervisor", 404),
        ("other_coordinator", 404),
        ("org_contact", 404),  # the organisation never sees progress
        ("other_org_contact", 404),
    ],
)
def test_progress_is_for_the_student_their_supervisors_and_coordinators(
    request, client_for, team, student4, viewer, status
):
    user = request.getfixturevalue(viewer)
    assert client_for(user).get(PROGRESS.format(student4.pk)).status_code == status


def test_an_organisation_contact_follows_progress_only_as_werkbegeleider(client_for, team, org_contact, student4):
    """A werkbegeleider whichever account kind carries it (docs/visibility.md): linked to the team, the
    contact follows its students' progress, level-blind; before that, 404."""
    assert client_for(org_contact).get(PROGRESS.format(student4.pk)).status_code == 404
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    data = client_for(org_contact).get(PROGRESS.format(student4.pk)).json()
    assert data["student"]["id"] == student4.pk
    assert "niveau" not in str(data)


def test_a_werkbegeleiders_progress_query_count_does_not_grow_with_entries(
    client_for, team, history, org_contact, student4, django_assert_num_queries, django_assert_max_num_queries
):
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    history(student=student4, author=org_contact, levels={"Samenwerken": 2}, days_ago=3)

    def fresh_client():
        # A user object of its own, as every real request loads (it remembers "is werkbegeleider").
        return client_for(User.objects.get(pk=org_contact.pk))

    with django_assert_max_num_queries(15) as few:
        fresh_client().get(PROGRESS.format(student4.pk))
    for days in range(30):
        history(student=student4, author=org_contact, levels={"Samenwerken": 2, "Reflecteren": 3}, days_ago=days)
    with django_assert_num_queries(len(few.captured_queries)):
        fresh_client().get(PROGRESS.format(student4.pk))


def test_progress_query_count_does_not_grow_with_entries(
    client_for, team, history, mbo_docent, student4, django_assert_num_queries, django_assert_max_num_queries
):
    client = client_for(mbo_docent)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=3)
    with django_assert_max_num_queries(15) as few:
        client.get(PROGRESS.format(student4.pk))
    for days in range(30):
        history(student=student4, author=mbo_docent, levels={"Samenwerken": 2, "Reflecteren": 3}, days_ago=days)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(PROGRESS.format(student4.pk))


def test_rubric_lists_criteria_with_category_and_four_level_descriptors(client_for, team, student4, rubric):
    body = client_for(student4).get("/api/rubrics/").json()
    assert body["count"] == 1
    criteria = body["results"][0]["criteria"]
    assert len(criteria) == 13
    first = criteria[0]
    assert first["name"] == "Op tijd en aanwezig"
    assert first["category"] == "werknemersvaardigheden"
    assert [lv["level"] for lv in first["levels"]] == [1, 2, 3, 4]
    assert [lv["label"] for lv in first["levels"]] == ["Onvoldoende", "In ontwikkeling", "Voldoende", "Goed"]
    assert all(lv["text"] for lv in first["levels"])


def test_rubric_exists_on_a_fresh_database_when_first_asked(client_for, student4):
    assert len(client_for(student4).get("/api/rubrics/").json()["results"][0]["criteria"]) == 13


# --- the overview grid -------------------------------------------------------------


def _populate(team_count, students_per_team, entries_each, *, assignment, supervisor, history, cohort):
    for t in range(team_count):
        team = TeamFactory(assignment=assignment, name=f"Team {t}-{students_per_team}-{entries_each}")
        SupervisionAssignment.objects.create(supervisor=supervisor, team=team)
        for s in range(students_per_team):
            student = StudentFactory(username=f"s-{t}-{s}-{students_per_team}-{entries_each}", profile__cohort=cohort)
            add_member(team, student)
            for e in range(entries_each):
                history(
                    student=student, author=supervisor, levels={"Samenwerken": 2 + e % 3, "Reflecteren": 3}, days_ago=e
                )
                history(student=student, author=student, kind=FeedbackKind.SELF, levels={"Samenwerken": 4}, days_ago=e)


def test_overview_query_count_is_constant_in_students_and_entries(
    other_supervisor, assignment, history, cohort, today, django_assert_num_queries, django_assert_max_num_queries
):
    _populate(1, 2, 1, assignment=assignment, supervisor=other_supervisor, history=history, cohort=cohort)
    with django_assert_max_num_queries(10) as small:
        overview = selectors.progress_overview(viewer=other_supervisor, today=today)
    assert len(overview.rows) == 2
    _populate(3, 4, 6, assignment=assignment, supervisor=other_supervisor, history=history, cohort=cohort)
    with django_assert_num_queries(len(small.captured_queries)):
        overview = selectors.progress_overview(viewer=other_supervisor, today=today)
    assert len(overview.rows) == 14


def test_overview_page_query_count_is_constant(
    client, other_supervisor, assignment, history, cohort, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(other_supervisor)
    _populate(1, 1, 1, assignment=assignment, supervisor=other_supervisor, history=history, cohort=cohort)
    with django_assert_max_num_queries(25) as small:
        assert client.get(reverse("supervision-overview")).status_code == 200
    _populate(4, 5, 4, assignment=assignment, supervisor=other_supervisor, history=history, cohort=cohort)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("supervision-overview"))
    assert response.content.decode().count('class="lv lv--') >= 21


def test_overview_shows_latest_level_and_trend_per_criterion(team, history, mbo_docent, student4, today):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=10)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, days_ago=1)
    overview = selectors.progress_overview(viewer=mbo_docent, today=today)
    index = next(i for i, c in enumerate(overview.criteria) if c.name == "Samenwerken")
    row = next(r for r in overview.rows if r.student == student4)
    assert (row.cells[index].level, row.cells[index].trend) == (3, "up")
    assert row.team_names == ["Team Zonnebloem"]
    assert row.niveau == 4


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("name", False, ["lotte", "sanne", "youssef"]),
        ("name", True, ["youssef", "sanne", "lotte"]),
        ("last", False, ["lotte", "youssef", "sanne"]),  # never, then longest ago first
        ("alerts", False, ["youssef", "lotte", "sanne"]),
        ("alerts", True, ["sanne", "lotte", "youssef"]),
        ("CRIT", True, ["sanne", "youssef", "lotte"]),
    ],
)
def test_overview_sorts(team, history, mbo_docent, student4, student5, today, criteria, sort, descending, expected):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 4}, days_ago=1)
    history(student=student5, author=mbo_docent, levels={"Samenwerken": 2}, days_ago=30)
    history(student=student5, author=student5, kind=FeedbackKind.SELF, levels={"Samenwerken": 4}, days_ago=1)
    if sort == "CRIT":
        sort = f"c{criteria['Samenwerken'].pk}"
    rows = selectors.progress_overview(viewer=mbo_docent, today=today, sort=sort, descending=descending).rows
    assert [r.student.username for r in rows] == expected


def test_a_coordinators_overview_holds_the_whole_cohort(team, outsider_student, coordinator, other_coordinator, today):
    names = {r.student.username for r in selectors.progress_overview(viewer=coordinator, today=today).rows}
    assert names == {"sanne", "youssef", "lotte", "buiten"}
    assert selectors.progress_overview(viewer=other_coordinator, today=today).rows == []


def test_the_overview_page_filters_by_team_and_alerts(client, team, history, mbo_docent, student4, assignment, cohort):
    other = TeamFactory(assignment=assignment, name="Team Tweede")
    stranger = StudentFactory(username="tweede", display_name="Tessa Tweede", profile__cohort=cohort)
    add_member(other, stranger)
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=other)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, days_ago=1)
    client.force_login(mbo_docent)
    page = client.get(reverse("supervision-overview"), {"team": other.pk}).content.decode()
    assert "Tessa Tweede" in page
    assert "Sanne de Vries" not in page
    flagged = client.get(reverse("supervision-overview"), {"signalen": "1"}).content.decode()
    assert "Sanne de Vries" not in flagged  # recent feedback, no alert
    assert "Tessa Tweede" in flagged


def test_the_overview_page_shows_alerts_and_trend_arrows(client, team, history, mbo_docent, student4, today):
    for days, level in ((20, 4), (10, 3), (1, 2)):
        history(student=student4, author=mbo_docent, levels={"Afspraken nakomen": level}, days_ago=days)
    client.force_login(mbo_docent)
    page = client.get(reverse("supervision-overview")).content.decode()
    assert "Dalende lijn in werknemersvaardigheden: Afspraken nakomen" in page
    assert "Nog geen feedback van een begeleider" in page  # student5 and student6
    assert "trend--down" in page


@pytest.mark.parametrize("person", ["student4", "org_contact"])
def test_the_overview_is_not_for_students_or_organisations(client, request, team, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("supervision-overview")).status_code == 404
    assert client.get(reverse("supervision-overview-csv")).status_code == 404


def test_htmx_sorting_swaps_only_the_grid_and_updates_the_filter_forms_sort(client, team, mbo_docent):
    client.force_login(mbo_docent)
    response = client.get(reverse("supervision-overview"), {"sort": "last"}, headers={"hx-request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="overview-results"' in body
    assert 'name="sort" id="overview-sort" value="last" hx-swap-oob="true"' in body
    full = client.get(reverse("supervision-overview")).content.decode()
    assert "<html" in full
    assert full.count('id="overview-sort"') == 1


def test_overview_alerts_use_each_students_own_histories_under_the_current_criterion_name(
    team, history, criteria, mbo_docent, student4, student5, today
):
    for days_ago, level in [(20, 4), (10, 3), (1, 2)]:
        history(student=student4, author=mbo_docent, levels={"Op tijd en aanwezig": level}, days_ago=days_ago)
    history(student=student5, author=mbo_docent, levels={"Op tijd en aanwezig": 3}, days_ago=1)
    criterion = criteria["Op tijd en aanwezig"]
    criterion.name = "Op tijd"
    criterion.save()
    rows = {r.student: r for r in selectors.progress_overview(viewer=mbo_docent, today=today).rows}
    declining = [a for a in rows[student4].alerts if a.code == "declining"]
    assert [a.criteria for a in declining] == [["Op tijd"]]
    assert "declining" not in rows[student5].alert_codes


def test_overview_alerts_name_an_archived_criterion_by_the_wording_it_was_rated_under(
    team, history, criteria, mbo_docent, student4, today
):
    """Archived criteria leave the grid's columns but their history still raises alerts, named as rated."""
    for days_ago, level in [(20, 4), (10, 3), (1, 2)]:
        history(student=student4, author=mbo_docent, levels={"Op tijd en aanwezig": level}, days_ago=days_ago)
    criterion = criteria["Op tijd en aanwezig"]
    criterion.is_active = False
    criterion.name = "Later hernoemd"
    criterion.save()
    overview = selectors.progress_overview(viewer=mbo_docent, today=today)
    assert criterion not in overview.criteria
    row = next(r for r in overview.rows if r.student == student4)
    assert [a.criteria for a in row.alerts if a.code == "declining"] == [["Op tijd en aanwezig"]]
    assert len(row.cells) == len(overview.criteria)
