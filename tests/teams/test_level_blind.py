"""Level-blind by inference (docs/visibility.md): the youth-case duo, named refusals, tiny teams."""

import pytest
from django.test import Client

from teams import selectors, services
from teams.models import Duo, DuoRole, SupervisionAssignment
from tests.factories import AssignmentFactory, StudentFactory, TeamFactory, add_member
from wijklab.errors import RuleViolation
from wijklab.models import Notification


@pytest.fixture
def youth_team(cohort, organisation, student4, student5, student6, org_contact, werkbegeleider):
    cohort.preferences_open = True
    cohort.save()
    assignment = AssignmentFactory(cohort=cohort, organisation=organisation, requires_hbo=True, team_size_max=4)
    team = TeamFactory(assignment=assignment)
    for student in (student4, student5, student6):
        add_member(team, student)
    Duo.objects.create(
        team=team,
        member_a=student6,
        role_a=DuoRole.PROCESROL,
        member_b=student4,
        role_b=DuoRole.BEGELEIDINGSROL,
        carries_youth_case=True,
    )
    for supervisor in (org_contact, werkbegeleider):
        SupervisionAssignment.objects.create(supervisor=supervisor, team=team)
    return team


def test_the_youth_case_duo_is_hidden_from_people_of_an_organisation(
    youth_team, org_contact, werkbegeleider, student4, hbo_docent, coordinator
):
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=youth_team)
    for person in (org_contact, werkbegeleider):
        overview = selectors.team_overview(team=youth_team, viewer=person)
        assert not overview.shows_youth_case
        assert overview.youth_case_duo is None
        assert {d.youth_case for d in overview.duos} == {None}
        assert "no_youth_case_duo" not in {p.code for p in overview.problems}
        client = Client()
        client.force_login(person)
        page = client.get(f"/teams/{youth_team.pk}/").content.decode()
        assert "draagt de jeugdcasus" not in page.lower()
        assert "duo--youth" not in page
        assert "Jeugdcasus met risico" in page  # the assignment's own flag stays
        for url in [f"/api/teams/{youth_team.pk}/", f"/api/teams/{youth_team.pk}/duos/"]:
            data = client.get(url).json()
            duos = data["duos"] if "duos" in data else data["results"]
            assert duos
            assert all("carries_youth_case" not in d for d in duos)
    # The team's own students, its docent and its coordinator know it.
    for person in (student4, hbo_docent, coordinator):
        overview = selectors.team_overview(team=youth_team, viewer=person)
        assert overview.youth_case_duo is not None
        client = Client()
        client.force_login(person)
        duos = client.get(f"/api/teams/{youth_team.pk}/").json()["duos"]
        assert [d["carries_youth_case"] for d in duos] == [True]


def test_a_join_refusal_never_names_the_niveaus_the_team_misses(cohort, organisation):
    cohort.preferences_open = True
    cohort.save()
    team = TeamFactory(
        assignment=AssignmentFactory(cohort=cohort, organisation=organisation, team_size_min=2, team_size_max=2)
    )
    add_member(team, StudentFactory(username="vier", profile__niveau=4, profile__cohort=cohort))
    joiner = StudentFactory(username="nog-een-vier", profile__niveau=4, profile__cohort=cohort)
    check = selectors.join_check(team=team, student=joiner)
    assert not check.allowed
    assert check.code == "needs_niveau"
    assert "niveau" not in check.reason
    assert check.reason == "De samenstelling van het team laat dit niet toe."
    with pytest.raises(RuleViolation) as refused:
        services.membership_join(team=team, student=joiner)
    assert refused.value.code == "needs_niveau"
    assert "niveau" not in str(refused.value.message)
    client = Client()
    client.force_login(joiner)
    response = client.post(f"/api/teams/{team.pk}/join/")
    assert response.status_code == 409
    assert response.json()["code"] == "needs_niveau"
    assert "niveau 6" not in response.content.decode()
    # A coordinator placing a student still reads which niveau is missing.
    candidates = selectors.placement_candidates(team=team)
    assert any(c.refusal and "niveau 6" in c.refusal.message for c in candidates if c.user == joiner)


def test_no_complete_notification_on_a_team_of_two_for_people_of_an_organisation(
    cohort, organisation, org_contact, werkbegeleider, mbo_docent
):
    cohort.preferences_open = True
    cohort.save()
    team = TeamFactory(
        assignment=AssignmentFactory(cohort=cohort, organisation=organisation, team_size_min=2, team_size_max=3)
    )
    for supervisor in (org_contact, werkbegeleider, mbo_docent):
        SupervisionAssignment.objects.create(supervisor=supervisor, team=team)
    add_member(team, StudentFactory(username="vier", profile__niveau=4, profile__cohort=cohort))
    services.membership_join(
        team=team, student=StudentFactory(username="zes", profile__niveau=6, profile__cohort=cohort)
    )
    told = set(Notification.objects.filter(kind="team_complete").values_list("user__username", flat=True))
    assert "mbo-docent" in told
    assert "vier" in told
    assert not told & {org_contact.username, werkbegeleider.username}
