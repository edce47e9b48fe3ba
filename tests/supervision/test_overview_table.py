"""The overview table (/begeleiding/): criteria by name in its headers, students without a team as a
filter of their own and without a "no feedback" alert, and a constant number of queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from supervision import analysis, selectors
from teams.models import Membership, SupervisionAssignment
from tests.factories import StudentFactory
from wijklab.models import Role

PROGRESS = "/api/students/{}/progress/"


def _page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("supervision-overview"), params)
    assert response.status_code == 200
    return response.content.decode()


def _headers(page: str) -> list[str]:
    """The criterion column headers as (abbr, visible name), in order."""
    return re.findall(
        r'<th scope="col" class="grid-table__criterion"(?: abbr="([^"]*)")?[^>]*><a [^>]*>([^<]*)</a>', page
    )


def test_the_headers_name_each_criterion_without_codes_or_a_legend(client, team, mbo_docent, criteria):
    page = _page(client, mbo_docent)
    headers = _headers(page)
    names = [name for _abbr, name in headers]
    assert names[:3] == ["Op tijd en aanwezig", "Afspraken nakomen", "Initiatief nemen"]
    assert set(names) == set(criteria)
    assert not re.search(r">[WV]\d+<", page)
    assert "Criteria en niveaus" not in page  # the collapsed legend of codes is gone
    # The level scale is said under the table, not hidden in a disclosure.
    assert "Niveaus: 1 onvoldoende, 2 in ontwikkeling, 3 voldoende, 4 goed." in page


def test_long_names_get_a_short_abbr_for_screen_readers_and_short_ones_none(client, team, mbo_docent):
    abbrs = dict((name, abbr) for abbr, name in _headers(_page(client, mbo_docent)))
    assert abbrs["Samenwerken"] == ""
    assert abbrs["Afspraken nakomen"] == ""
    assert abbrs["Contact leggen en aansluiten bij de leefwereld van bewoners"] == "Contact leggen"
    assert abbrs["Professionele houding en communicatie"] == "Professionele houding"
    for name, abbr in abbrs.items():
        assert len(abbr) <= 24, name


def test_the_criteria_are_grouped_under_their_category(client, team, mbo_docent):
    page = _page(client, mbo_docent)
    assert re.search(r'<th scope="colgroup" colspan="8" class="grid-table__group">Werknemersvaardigheden</th>', page)
    assert re.search(r'<th scope="colgroup" colspan="5" class="grid-table__group">Vakinhoudelijk</th>', page)
    assert page.count("<colgroup") == 3
    # Every row is headed by its student; the table scrolls inside a focusable, labelled region.
    assert page.count('<th scope="row" class="grid-table__name">') == 3
    assert 'role="region" aria-labelledby="overview-grid-caption"' in page
    assert " style=" not in page


def test_a_cohort_criterion_added_later_joins_its_category(client, team, coordinator, cohort, rubric):
    from supervision import services

    services.criterion_create(
        by=coordinator,
        cohort=cohort,
        category="werknemersvaardigheden",
        name="Veilig werken",
        description="",
        programme="",
        descriptors=["a", "b", "c", "d"],
    )
    names = [name for _abbr, name in _headers(_page(client, coordinator))]
    assert names.index("Veilig werken") < names.index("Contact leggen en aansluiten bij de leefwereld van bewoners")
    assert '<th scope="colgroup" colspan="9" class="grid-table__group">Werknemersvaardigheden</th>' in _page(
        client, coordinator
    )


# --- students without a team -------------------------------------------------------------


@pytest.fixture
def loner(cohort):
    """In the cohort, in no team, followed by nobody."""
    return StudentFactory(username="alleen", display_name="Ali Alleen", profile__cohort=cohort)


def test_a_student_in_no_team_raises_no_no_feedback_alert(team, loner, outsider_student, coordinator, today):
    rows = {r.student: r for r in selectors.progress_overview(viewer=coordinator, today=today).rows}
    assert rows[loner].team_names == []
    assert "no_feedback" not in rows[loner].alert_codes
    assert "no_feedback" not in rows[outsider_student].alert_codes
    # Team members who never had feedback still do.
    assert all("no_feedback" in rows[m.student].alert_codes for m in team.memberships.all())


def test_a_student_who_left_their_team_is_without_team_too(team, student6, coordinator, today):
    Membership.objects.filter(student=student6).update(left_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    rows = {r.student: r for r in selectors.progress_overview(viewer=coordinator, today=today).rows}
    assert rows[student6].team_names == []
    assert "no_feedback" not in rows[student6].alert_codes
    only = selectors.progress_overview(viewer=coordinator, today=today, without_team=True).rows
    assert student6 in {r.student for r in only}


def test_a_student_with_a_supervisor_of_their_own_is_followed_without_a_team(
    team, loner, other_supervisor, coordinator, today
):
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=loner)
    rows = {r.student: r for r in selectors.progress_overview(viewer=coordinator, today=today).rows}
    assert "no_feedback" in rows[loner].alert_codes


def test_missing_feedback_is_no_alert_for_someone_nobody_follows_but_a_decline_is():
    histories = [analysis.CriterionHistory(name="Op tijd", work_attitude=True, supervisor_levels=[4, 3, 2])]
    today = dt.date(2026, 12, 6)
    codes = [a.code for a in analysis.alerts_for(last_supervisor_feedback=None, histories=histories, today=today)]
    assert codes == ["no_feedback", "declining"]
    alone = analysis.alerts_for(last_supervisor_feedback=None, histories=histories, today=today, followed=False)
    assert [a.code for a in alone] == ["declining"]
    old = today - dt.timedelta(days=30)
    assert analysis.alerts_for(last_supervisor_feedback=old, histories=[], today=today, followed=False) == []


def test_the_progress_api_agrees_for_a_student_in_no_team(client_for, team, loner, coordinator, student4):
    assert client_for(coordinator).get(PROGRESS.format(loner.pk)).json()["alerts"] == []
    codes = [a["code"] for a in client_for(coordinator).get(PROGRESS.format(student4.pk)).json()["alerts"]]
    assert "no_feedback" in codes


def test_zonder_team_is_a_filter_of_its_own_with_its_count(client, team, loner, outsider_student, coordinator):
    page = _page(client, coordinator)
    assert '<option value="zonder">Zonder team</option>' in page
    assert '<a class="badge" href="?team=zonder">2 zonder team</a>' in page
    # Only the three team members lack feedback; the two without a team are no alert.
    assert "3 zonder recente feedback" in page
    only = _page(client, coordinator, team="zonder")
    assert '<option value="zonder" selected>Zonder team</option>' in only
    assert "Ali Alleen" in only
    assert "Bram Buiten" in only
    assert "Sanne de Vries" not in only
    assert "zonder recente feedback" not in only
    assert "2 studenten" in only
    assert "Zolang ze geen team hebben, telt ontbrekende feedback niet als signaal." in only
    # With "only alerts" ticked, nobody without a team is left.
    assert "Ali Alleen" not in _page(client, coordinator, team="zonder", signalen="1")


def test_the_csv_follows_the_zonder_team_filter(client, team, loner, coordinator):
    client.force_login(coordinator)
    body = client.get(reverse("supervision-overview-csv"), {"team": "zonder"}).content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Ali Alleen;")


@pytest.mark.parametrize("team_param", ["abc", "999999", "zonder team", "-1", "\x00"])
def test_a_bad_team_filter_shows_everyone_and_never_a_500(client, team, coordinator, team_param):
    page = _page(client, coordinator, team=team_param)
    assert "Sanne de Vries" in page


def test_a_supervisors_students_without_team_are_only_their_own(client, team, loner, mbo_docent, today):
    assert mbo_docent.role == Role.SUPERVISOR
    assert selectors.progress_overview(viewer=mbo_docent, today=today, without_team=True).rows == []
    assert "Ali Alleen" not in _page(client, mbo_docent, team="zonder")


def test_the_zonder_team_page_query_count_is_constant(
    client, team, coordinator, cohort, history, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("supervision-overview")
    StudentFactory(username="z-0", profile__cohort=cohort)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url, {"team": "zonder"}).status_code == 200
    for i in range(1, 8):
        student = StudentFactory(username=f"z-{i}", profile__cohort=cohort)
        history(student=student, author=coordinator, levels={"Samenwerken": 3}, days_ago=i)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url, {"team": "zonder"}).content.decode()
    assert "8 studenten" in page


# --- searching the grid by name (a coordinator's grid holds a whole cohort) ----------------------


def test_the_grid_finds_students_by_name_or_username_and_counts_what_it_shows(
    client, team, loner, outsider_student, coordinator
):
    page = _page(client, coordinator, q="vries")
    assert "Sanne de Vries" in page
    assert "Lotte Jansen" not in page
    assert "1 student." in page
    assert 'name="q" id="overview-search" value="vries"' in page
    # The sort links and the CSV keep the search.
    assert "?q=vries&amp;sort=name" in page
    assert "q=vries" in re.search(r'href="([^"]*overzicht\.csv[^"]*)"', page).group(1)
    assert "Lotte Jansen" in _page(client, coordinator, q="LOTTE")  # username, any case
    assert "Geen studenten bij deze keuze." in _page(client, coordinator, q="niemand heet zo")
    # With the team filter and "only alerts", all three apply.
    assert "Sanne de Vries" not in _page(client, coordinator, q="vries", team="zonder")


@pytest.mark.parametrize("query", ["\x00", "x" * 500, "%", "_", "'; drop table"])
def test_an_odd_search_finds_nobody_or_something_and_never_a_500(client, team, coordinator, query):
    _page(client, coordinator, q=query)


def test_a_docent_searches_only_their_own_students(client, team, loner, mbo_docent):
    assert "Ali Alleen" not in _page(client, mbo_docent, q="alleen")
    assert "Sanne de Vries" in _page(client, mbo_docent, q="sanne")


# --- the order of names --------------------------------------------------------------------


def test_the_grid_sorts_names_with_accents_among_their_letters(client, cohort, coordinator, today):
    """A byte order put Özdemir and every lower-case name after Zwart (wijklab/names.py)."""
    for username, name in [("zwart", "Pieter Zwart"), ("ozdemir", "Özlem Özdemir"), ("bakker", "bram Bakker")]:
        StudentFactory(username=username, display_name=name, profile__cohort=cohort)
    names = [r.student.username for r in selectors.progress_overview(viewer=coordinator, today=today, sort="name").rows]
    assert [n for n in names if n in {"zwart", "ozdemir", "bakker"}] == ["bakker", "ozdemir", "zwart"]
    page = _page(client, coordinator, sort="name", dir="desc")
    assert page.index("Pieter Zwart") < page.index("Özlem Özdemir") < page.index("bram Bakker")
