"""The coordinator's supervision panel counts in SQL what ``teams.rules.lacks_hbo_docent`` says per team."""

from django.urls import reverse

from assignments.models import Assignment
from supervision.selectors import coordination_summary
from teams.models import SupervisionAssignment, Team
from teams.rules import lacks_hbo_docent
from tests.factories import AssignmentFactory, TeamFactory


def _by_the_rule(coordinator) -> dict[str, int]:
    teams = Team.objects.filter(assignment__cohort__coordinators=coordinator, assignment__cohort__archived_at=None)
    summary = {"teams": 0, "without": 0, "missing_hbo": 0}
    for team in teams:
        links = list(SupervisionAssignment.objects.filter(team=team).select_related("supervisor"))
        kinds = {getattr(getattr(link.supervisor, "supervisor_profile", None), "kind", "") for link in links}
        summary["teams"] += 1
        summary["without"] += not links
        summary["missing_hbo"] += lacks_hbo_docent(requires_hbo=team.assignment.requires_hbo, supervisor_kinds=kinds)
    return summary


def _youth_case(assignment, coordinator):
    """An assignment of the same cohort whose teams need an hbo docent."""
    return AssignmentFactory(
        cohort=assignment.cohort,
        organisation=assignment.organisation,
        neighbourhood=assignment.neighbourhood,
        created_by=coordinator,
        requires_hbo=True,
        min_niveau_6=1,
    )


def test_the_summary_agrees_with_the_rule_team_by_team(
    team, assignment, coordinator, other_coordinator, other_cohort, mbo_docent, hbo_docent, org_contact
):
    youth = _youth_case(assignment, coordinator)
    TeamFactory(assignment=assignment, name="Zonder begeleider")
    TeamFactory(assignment=youth, name="Jeugd zonder begeleider")
    with_mbo = TeamFactory(assignment=youth, name="Jeugd met mbo-docent")
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=with_mbo)
    with_contact = TeamFactory(assignment=youth, name="Jeugd met contactpersoon")
    SupervisionAssignment.objects.create(supervisor=org_contact, team=with_contact)
    with_hbo = TeamFactory(assignment=youth, name="Jeugd met hbo-docent")
    SupervisionAssignment.objects.create(supervisor=hbo_docent, team=with_hbo)
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=with_hbo)
    # Another cohort's team counts for its own coordinator only.
    elsewhere = Assignment.objects.get(pk=youth.pk)
    elsewhere.pk = None
    elsewhere.cohort = other_cohort
    elsewhere.save()
    TeamFactory(assignment=elsewhere, name="Elders")

    summary = coordination_summary(coordinator=coordinator)
    assert summary == _by_the_rule(coordinator)
    assert summary == {"teams": 6, "without": 2, "missing_hbo": 3}
    assert coordination_summary(coordinator=other_coordinator) == {"teams": 1, "without": 1, "missing_hbo": 1}


def test_anyone_but_a_coordinator_gets_nothing_counted(team, mbo_docent, student4):
    for user in (mbo_docent, student4):
        assert coordination_summary(coordinator=user) == {"teams": 0, "without": 0, "missing_hbo": 0}


def test_the_panel_shows_the_counts(client, team, assignment, coordinator):
    youth = _youth_case(assignment, coordinator)
    TeamFactory(assignment=youth, name="Jeugd")
    TeamFactory(assignment=youth, name="Jeugd 2")
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert "3 teams in jouw cohort." in page
    assert "2 teams zonder begeleider" in page
    assert "2 jeugdcasus-teams zonder hbo-docent" in page


def test_an_archived_cohorts_teams_are_neither_counted_nor_offered_for_linking(
    client, team, assignment, coordinator, other_cohort
):
    from wijklab import services as cohort_services

    elsewhere = _youth_case(assignment, coordinator)
    elsewhere.cohort = other_cohort
    elsewhere.save()
    old = TeamFactory(assignment=elsewhere, name="Vorig jaar")
    other_cohort.coordinators.add(coordinator)
    assert coordination_summary(coordinator=coordinator)["teams"] == 2
    cohort_services.cohort_archive(cohort=other_cohort, by=coordinator)
    assert coordination_summary(coordinator=coordinator) == _by_the_rule(coordinator)
    assert coordination_summary(coordinator=coordinator)["teams"] == 1
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign")).content.decode()
    assert team.name in page
    assert "Vorig jaar" not in page
    assert client.get(reverse("supervision-assign-team", args=[old.pk])).status_code == 404
