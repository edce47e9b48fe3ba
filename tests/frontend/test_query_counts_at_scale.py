"""The pages and API lists of bench/http_load.py run as many queries on a small region as on one three
times its size (``seed_scale`` at two factors): nothing there grows with the data.

The same well-known accounts and their first team, cohort and student are looked at in both sizes;
what grows between them is everything around them (students, teams, messages, feedback, and what
each docent and coordinator follows).
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from teams.models import Membership, SupervisionAssignment, Team
from tests.conftest import queries_of_get
from wijklab.models import User

SMALL, LARGE = "0.04", "0.12"


def urls_by_account() -> dict[str, list[str]]:
    """Per well-known account, the URLs bench/http_load.py measures for its role (ids of this data set)."""
    student = User.objects.get(username="scale.student1")
    team = Membership.objects.get(student=student, left_at__isnull=True).team_id
    docent = User.objects.get(username="scale.docent.mbo")
    followed = SupervisionAssignment.objects.filter(supervisor=docent, team__isnull=False).order_by("pk").first()
    followed_student = followed.team.memberships.order_by("pk").first().student_id
    org = User.objects.get(username="scale.org1")
    org_team = Team.objects.filter(assignment__organisation_id=org.organisation_id).order_by("pk").first().pk
    cohort = User.objects.get(username="scale.coordinator").coordinated_cohorts.get().pk
    cohort_team = Team.objects.filter(assignment__cohort_id=cohort).order_by("pk").first().pk
    return {
        "scale.student1": [
            "/",
            "/opdrachten/?status=open&phase=verkenning",
            "/api/assignments/?status=open&phase=verkenning",
            f"/teams/{team}/",
            f"/teams/{team}/chat/",
            f"/api/teams/{team}/messages/",
            "/mijn-voortgang/",
            "/api/feedback/",
        ],
        "scale.docent.mbo": [
            "/",
            "/begeleiding/",
            "/begeleiding/?team=zonder",
            f"/studenten/{followed_student}/voortgang/",
            "/teams/",
            "/api/teams/",
            "/api/feedback/",
        ],
        "scale.org1": [
            "/",
            "/opdrachten/",
            f"/teams/{org_team}/",
            f"/api/teams/{org_team}/messages/",
            "/api/assignments/",
        ],
        "scale.coordinator": [
            "/",
            "/begeleiding/",
            "/begeleiding/?team=zonder",  # the students in no team: their own filter
            f"/cohorten/{cohort}/",
            "/teams/",
            "/coordinatie/begeleiders/",
            f"/coordinatie/begeleiders/teams/{cohort_team}/",  # a team's supervisor choices, loaded on demand
            "/coordinatie/begeleiders/?q=student",  # the student search: a bounded list of matches
            f"/cohorten/{cohort}/teams-vormen/",
            "/api/teams/",
            "/api/assignments/?status=open",
        ],
    }


def counts() -> dict[tuple[str, int], tuple[str, int]]:
    """(account, n-th URL) -> (URL, queries of one GET)."""
    found = {}
    for username, urls in urls_by_account().items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for index, url in enumerate(urls):
            client.get(url)  # the first look may fill caches; the count is of the next one
            found[(username, index)] = (url, queries_of_get(client, url))
    return found


@pytest.mark.django_db
def test_pages_and_lists_of_every_role_run_as_many_queries_on_a_region_three_times_larger():
    call_command("seed_scale", "--factor", SMALL, stdout=StringIO())
    small = counts()
    call_command("seed_scale", "--factor", LARGE, "--reset", stdout=StringIO())
    large = counts()
    grown = {
        f"{key[0]} {small[key][0]}": (small[key][1], large[key][1]) for key in small if large[key][1] != small[key][1]
    }
    assert not grown, grown
