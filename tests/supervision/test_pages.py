"""The supervision pages: who may open them, the forms, coordination and the overview panels."""

import pytest
from django.urls import reverse

from supervision.models import Criterion, FeedbackEntry, FeedbackKind
from teams.models import SupervisionAssignment
from tests.factories import StudentFactory, SupervisorFactory, TeamFactory, UserFactory, add_member
from wijklab.models import Notification, Role

# url name, args, roles that may open it (others get a 404). org_contact acts as the team's werkbegeleider:
# a werkbegeleider whichever account kind carries it, with the same pages (docs/visibility.md).
PAGES = [
    (
        "supervision-overview",
        False,
        {"mbo_docent", "werkbegeleider", "other_supervisor", "org_contact", "coordinator", "other_coordinator"},
    ),
    (
        "supervision-overview-csv",
        False,
        {"mbo_docent", "werkbegeleider", "other_supervisor", "org_contact", "coordinator", "other_coordinator"},
    ),
    # Organisation contacts only when they act as werkbegeleider (org_contact does, for the team).
    ("supervision-log", False, {"mbo_docent", "werkbegeleider", "other_supervisor", "org_contact"}),
    ("supervision-observe", False, {"mbo_docent", "werkbegeleider", "other_supervisor", "org_contact"}),
    ("supervision-self", False, {"student4", "student5", "outsider_student"}),
    ("supervision-peer", False, {"student4", "student5", "outsider_student"}),
    ("supervision-my-progress", False, {"student4", "student5", "outsider_student"}),
    ("supervision-progress", True, {"student4", "mbo_docent", "werkbegeleider", "org_contact", "coordinator"}),
    ("supervision-progress-pdf", True, {"student4", "mbo_docent", "werkbegeleider", "org_contact", "coordinator"}),
    ("supervision-feedback-list", True, {"student4", "mbo_docent", "werkbegeleider", "org_contact", "coordinator"}),
    ("supervision-assign", False, {"coordinator", "other_coordinator"}),
    ("supervision-rubric", False, {"coordinator", "other_coordinator"}),
]
PEOPLE = [
    "student4",
    "student5",
    "outsider_student",
    "mbo_docent",
    "werkbegeleider",
    "other_supervisor",
    "org_contact",
    "other_org_contact",
    "coordinator",
    "other_coordinator",
]


@pytest.mark.parametrize(("name", "needs_student", "allowed"), PAGES)
def test_every_page_is_a_404_for_the_wrong_person(
    client, request, team, rubric, student4, org_contact, name, needs_student, allowed
):
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    url = reverse(name, args=[student4.pk] if needs_student else [])
    for person in PEOPLE:
        client.force_login(request.getfixturevalue(person))
        expected = 200 if person in allowed else 404
        assert client.get(url).status_code == expected, f"{person} on {url}"
    client.logout()
    assert client.get(url).status_code == 302


def _levels(**by_criterion):
    return {f"level-{c.pk}": str(level) for c, level in by_criterion.values()}


def test_a_docent_logs_feedback_from_the_form(client, team, mbo_docent, student4, op_tijd, contact_leggen, today):
    client.force_login(mbo_docent)
    page = client.get(reverse("supervision-log"), {"student": student4.pk}).content.decode()
    assert f'<option value="{student4.pk}" selected>' in page
    assert 'type="radio"' in page
    assert "Onvoldoende" in page
    assert "In ontwikkeling" in page
    data = {
        "student": student4.pk,
        f"level-{op_tijd.pk}": "3",
        f"level-{contact_leggen.pk}": "4",
        "comment": "Sterk huisbezoek.",
        "date": today.isoformat(),
    }
    response = client.post(reverse("supervision-log"), data)
    assert response.status_code == 302
    entry = FeedbackEntry.objects.get()
    assert sorted(entry.scores.values_list("level", flat=True)) == [3, 4]
    follow = client.get(response.url).content.decode()
    assert "Feedback voor Sanne de Vries is opgeslagen." in follow
    assert "Sterk huisbezoek." in follow  # in "Laatst door jou gegeven"


def test_a_bad_form_shows_dutch_errors_keeps_the_input_and_saves_nothing(client, team, mbo_docent, student4, op_tijd):
    client.force_login(mbo_docent)
    response = client.post(
        reverse("supervision-log"),
        {"student": student4.pk, f"level-{op_tijd.pk}": "2", "comment": "Bijna", "date": "2999-01-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "De datum mag niet in de toekomst liggen." in page
    assert "er is niets opgeslagen" in page
    assert f'id="level-{op_tijd.pk}-2" value="2" aria-describedby="desc-{op_tijd.pk}-2" checked' in page
    assert ">Bijna</textarea>" in page
    assert not FeedbackEntry.objects.exists()


def test_an_empty_form_is_refused(client, team, mbo_docent, student4):
    client.force_login(mbo_docent)
    response = client.post(reverse("supervision-log"), {"student": student4.pk, "comment": ""})
    assert response.status_code == 400
    assert "Geef minstens één beoordeling of schrijf een opmerking." in response.content.decode()


def test_the_form_only_offers_students_you_supervise(client, team, other_supervisor, student4):
    client.force_login(other_supervisor)
    page = client.get(reverse("supervision-log")).content.decode()
    assert "Sanne de Vries" not in page
    assert "Je begeleidt nog geen studenten" in page
    response = client.post(reverse("supervision-log"), {"student": student4.pk, "comment": "x"})
    assert response.status_code == 400
    assert not FeedbackEntry.objects.exists()


def test_a_werkbegeleider_logs_a_quick_observation(client, team, werkbegeleider, student5, op_tijd, today):
    client.force_login(werkbegeleider)
    response = client.post(
        reverse("supervision-observe"),
        {
            "student": student5.pk,
            "criterion": op_tijd.pk,
            "level": "4",
            "comment": "Was er als eerste.",
            "date": today.isoformat(),
        },
    )
    assert response.status_code == 302
    entry = FeedbackEntry.objects.get()
    assert entry.is_observation
    assert entry.author_kind == "werkbegeleider"
    assert "Observatie voor Youssef El Amrani is opgeslagen." in client.get(response.url).content.decode()


def test_an_observation_needs_a_criterion_and_a_level(client, team, werkbegeleider, student5):
    client.force_login(werkbegeleider)
    response = client.post(reverse("supervision-observe"), {"student": student5.pk, "comment": "Iets"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kies een criterium." in page
    assert "Kies een niveau." in page
    assert not FeedbackEntry.objects.exists()


def test_a_student_fills_in_a_self_assessment(client, team, student4, op_tijd):
    client.force_login(student4)
    response = client.post(reverse("supervision-self"), {f"level-{op_tijd.pk}": "2", "comment": "Ik kom vaak te laat."})
    assert response.status_code == 302
    assert response.url == reverse("supervision-my-progress")
    entry = FeedbackEntry.objects.get()
    assert (entry.kind, entry.student, entry.author) == (FeedbackKind.SELF, student4, student4)


def test_peer_feedback_from_the_form_is_anonymous_unless_ticked(client, team, student4, student6):
    client.force_login(student4)
    page = client.get(reverse("supervision-peer")).content.decode()
    assert "Lotte Jansen" in page
    assert "Bram Buiten" not in page
    client.post(reverse("supervision-peer"), {"student": student6.pk, "comment": "Fijne duopartner."})
    client.post(reverse("supervision-peer"), {"student": student6.pk, "comment": "Met naam.", "show_author": "on"})
    assert list(FeedbackEntry.objects.order_by("pk").values_list("show_author", flat=True)) == [False, True]
    client.force_login(student6)
    progress = client.get(reverse("supervision-my-progress")).content.decode()
    assert "Fijne duopartner." in progress
    assert "Een teamgenoot" in progress
    assert progress.count("Sanne de Vries") == 1  # only on the entry she chose to sign


def test_the_progress_page_shows_charts_with_a_legend_and_a_table(
    client, team, history, mbo_docent, werkbegeleider, student4
):
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, comment="Eerste keer", days_ago=12)
    history(student=student4, author=werkbegeleider, levels={"Samenwerken": 3}, days_ago=5)
    history(student=student4, author=student4, kind=FeedbackKind.SELF, levels={"Samenwerken": 3}, days_ago=4)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, comment="Duidelijk beter", days_ago=1)
    client.force_login(student4)
    page = client.get(reverse("supervision-my-progress")).content.decode()
    assert page.count("<svg") == 1  # one criterion rated so far
    assert page.count("Nog geen beoordelingen.") == 12
    assert 'role="img"' in page
    assert "<desc" in page
    for label in ("Docent", "Werkbegeleider", "Zelf"):
        assert f">{label}</text>" in page  # the legend inside the chart
    assert "Bekijk als tabel" in page
    assert "Duidelijk beter" in page
    assert "Sinds vorige week" in page
    assert "Samenwerken</strong>:\n        In ontwikkeling → Voldoende" in page
    assert "Signalen" not in page  # alerts are for supervisors


def test_the_progress_page_query_count_does_not_grow_with_entries(
    client, team, history, mbo_docent, student4, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(mbo_docent)
    history(student=student4, author=mbo_docent, levels={"Samenwerken": 2}, comment="één", days_ago=2)
    url = reverse("supervision-progress", args=[student4.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for days in range(20):
        history(student=student4, author=mbo_docent, levels={"Samenwerken": 3, "Reflecteren": 2}, days_ago=days)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_feedback_list_is_paginated(client, team, history, mbo_docent, student4):
    for days in range(25):
        history(student=student4, author=mbo_docent, comment=f"Nummer {days}", days_ago=days)
    client.force_login(student4)
    page = client.get(reverse("supervision-feedback-list", args=[student4.pk])).content.decode()
    assert "Nummer 0" in page
    assert "Nummer 24" not in page
    assert "Pagina 1 van 2" in page


# --- coordination ---------------------------------------------------------------


def test_a_coordinator_links_and_unlinks_a_supervisor_to_a_team(client, team, coordinator, other_supervisor):
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign")).content.decode()
    assert "Team Zonnebloem" in page
    response = client.post(reverse("supervision-assign-add"), {"team": team.pk, "supervisor": other_supervisor.pk})
    assert response.status_code == 302
    link = SupervisionAssignment.objects.get(supervisor=other_supervisor, team=team)
    assert link.created_by == coordinator
    assert Notification.objects.get(user=other_supervisor).title == "Je begeleidt nu Team Zonnebloem"
    # The same link twice is refused with a clear message, not a crash.
    again = client.post(
        reverse("supervision-assign-add"), {"team": team.pk, "supervisor": other_supervisor.pk}, follow=True
    )
    assert "is hier al begeleider" in again.content.decode()
    client.post(reverse("supervision-assign-remove", args=[link.pk]))
    assert not SupervisionAssignment.objects.filter(pk=link.pk).exists()


def test_a_coordinator_links_a_supervisor_to_one_student(client, team, coordinator, other_supervisor, outsider_student):
    client.force_login(coordinator)
    client.post(reverse("supervision-assign-add"), {"student": outsider_student.pk, "supervisor": other_supervisor.pk})
    assert SupervisionAssignment.objects.filter(supervisor=other_supervisor, student=outsider_student).exists()
    page = client.get(reverse("supervision-assign")).content.decode()
    assert "Bram Buiten" in page


def test_an_organisation_contact_may_only_supervise_their_own_organisations_team(
    client, team, coordinator, org_contact, other_org_contact
):
    client.force_login(coordinator)
    client.post(reverse("supervision-assign-add"), {"team": team.pk, "supervisor": other_org_contact.pk})
    assert not SupervisionAssignment.objects.filter(supervisor=other_org_contact).exists()
    client.post(reverse("supervision-assign-add"), {"team": team.pk, "supervisor": org_contact.pk})
    assert SupervisionAssignment.objects.filter(supervisor=org_contact, team=team).exists()


def test_a_coordinator_cannot_link_to_another_cohorts_team(client, team, other_coordinator, other_supervisor):
    client.force_login(other_coordinator)
    response = client.post(reverse("supervision-assign-add"), {"team": team.pk, "supervisor": other_supervisor.pk})
    assert response.status_code == 404
    link = SupervisionAssignment.objects.filter(team=team).first()
    assert client.post(reverse("supervision-assign-remove", args=[link.pk])).status_code == 404
    assert SupervisionAssignment.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize("person", ["mbo_docent", "student4", "org_contact"])
def test_only_coordinators_link_supervisors(client, request, team, person, other_supervisor):
    client.force_login(request.getfixturevalue(person))
    response = client.post(reverse("supervision-assign-add"), {"team": team.pk, "supervisor": other_supervisor.pk})
    assert response.status_code == 404
    assert not SupervisionAssignment.objects.filter(supervisor=other_supervisor).exists()


def test_the_assign_page_warns_about_a_youth_case_without_hbo_docent(client, team, coordinator, hbo_docent):
    team.assignment.requires_hbo = True
    team.assignment.save()
    SupervisionAssignment.objects.filter(supervisor=hbo_docent).delete()
    client.force_login(coordinator)
    assert "jeugdcasus: hbo-docent nodig" in client.get(reverse("supervision-assign")).content.decode()


def test_the_assign_page_has_a_constant_number_of_queries(
    client, team, coordinator, assignment, cohort, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("supervision-assign"))
    for i in range(6):
        extra = TeamFactory(assignment=assignment, name=f"Extra {i}")
        add_member(extra, StudentFactory(username=f"extra{i}", profile__cohort=cohort))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("supervision-assign"))


def test_the_assign_page_renders_no_choice_lists_however_large_the_cohort(client, team, coordinator, cohort):
    """Supervisor choices load per team and students through a search: the page itself has no
    <option> of its own, so its size does not follow the number of supervisors or students."""
    for i in range(25):
        StudentFactory(username=f"groot{i}", display_name=f"Groot {i}", profile__cohort=cohort)
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign")).content.decode()
    assert page.count("<option") == 2  # the language switch's two
    assert reverse("supervision-assign-team", args=[team.pk]) in page
    assert 'name="q"' in page


def test_the_team_form_offers_docents_and_the_teams_own_organisation_only(
    client, team, coordinator, mbo_docent, other_supervisor, org_contact, other_org_contact
):
    client.force_login(coordinator)
    url = reverse("supervision-assign-team", args=[team.pk])
    page = client.get(url, {"page": "1"}).content.decode()
    assert "<html" in page  # without JavaScript: a page of its own
    assert "Nadia Boukhari" in page
    assert "Esther Willems" in page
    assert "Gerard Vos" not in page  # another organisation's contact
    assert "Marieke Verhoeven" not in page  # already linked
    assert 'name="page" value="1"' in page
    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": f"add-{team.pk}"}).content.decode()
    assert "<html" not in partial
    assert f'name="team" value="{team.pk}"' in partial
    assert "Nadia Boukhari" in partial


def test_the_team_form_says_so_when_everyone_is_linked(client, team, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign-team", args=[team.pk])).content.decode()
    assert "Er is niemand meer om aan dit team te koppelen." in page


def test_a_coordinator_finds_a_student_by_name_and_links_a_docent(
    client, team, coordinator, other_supervisor, outsider_student, org_contact
):
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign"), {"q": "brAm"}).content.decode()
    assert f'<option value="{outsider_student.pk}">Bram Buiten</option>' in page
    assert "Sanne de Vries</option>" not in page
    assert "Nadia Boukhari" in page
    assert "Esther Willems" not in page  # an organisation contact supervises teams only
    partial = client.get(
        reverse("supervision-assign"),
        {"q": "sanne"},
        headers={"HX-Request": "true", "HX-Target": "student-search-results"},
    ).content.decode()
    assert "<html" not in partial
    assert "Sanne de Vries</option>" in partial
    nobody = client.get(reverse("supervision-assign"), {"q": "xyzzy"}).content.decode()
    assert "Geen studenten gevonden" in nobody
    client.post(reverse("supervision-assign-add"), {"student": outsider_student.pk, "supervisor": other_supervisor.pk})
    assert SupervisionAssignment.objects.filter(supervisor=other_supervisor, student=outsider_student).exists()


def test_the_student_search_shows_a_bounded_number_of_matches(client, coordinator, cohort, other_cohort):
    for i in range(25):
        StudentFactory(username=f"lid{i:02}", display_name=f"Lid {i:02}", profile__cohort=cohort)
    StudentFactory(username="lid-elders", display_name="Lid Elders", profile__cohort=other_cohort)
    client.force_login(coordinator)
    page = client.get(reverse("supervision-assign"), {"q": "lid"}).content.decode()
    student_select = page.split('id="ind-student"')[1].split("</select>")[0]
    assert student_select.count('<option value="') == 1 + 20  # "Kies…" and twenty students
    assert "Lid 00</option>" in page
    assert "Lid 24</option>" not in page
    assert "Lid Elders" not in page  # another cohort's student
    assert "Alleen de eerste 20 studenten" in page


def test_a_search_with_a_nul_byte_finds_nobody_instead_of_a_500(client, coordinator, cohort):
    StudentFactory(username="lid", display_name="Lid", profile__cohort=cohort)
    client.force_login(coordinator)
    response = client.get(reverse("supervision-assign"), {"q": "li\x00d"})
    assert response.status_code == 200
    assert "Geen studenten gevonden" in response.content.decode()


def test_student_links_are_paginated_and_removing_keeps_the_page(client, coordinator, cohort, other_supervisor):
    links = [
        SupervisionAssignment.objects.create(
            supervisor=other_supervisor,
            student=StudentFactory(username=f"solo{i:02}", display_name=f"Solo {i:02}", profile__cohort=cohort),
        )
        for i in range(23)
    ]
    client.force_login(coordinator)
    first = client.get(reverse("supervision-assign")).content.decode()
    assert "Solo 00" in first
    assert "Solo 20" not in first
    second = client.get(reverse("supervision-assign"), {"links": "2"}).content.decode()
    assert "Solo 20" in second
    assert "Solo 00" not in second
    response = client.post(reverse("supervision-assign-remove", args=[links[21].pk]), {"page": "1", "links": "2"})
    assert response.url == reverse("supervision-assign") + "?page=1&links=2"
    assert not SupervisionAssignment.objects.filter(pk=links[21].pk).exists()


def test_the_team_form_and_the_search_have_a_constant_number_of_queries(
    client, team, coordinator, cohort, organisation, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(coordinator)
    team_url = reverse("supervision-assign-team", args=[team.pk])
    with django_assert_max_num_queries(12) as team_form:
        client.get(team_url)
    with django_assert_max_num_queries(12) as search:
        client.get(reverse("supervision-assign"), {"q": "s"})
    for i in range(5):
        SupervisorFactory(username=f"docent{i}")
        UserFactory(username=f"contact{i}", role=Role.ORGANISATION, organisation=organisation)
        StudentFactory(username=f"sam{i}", profile__cohort=cohort)
    with django_assert_num_queries(len(team_form.captured_queries)):
        client.get(team_url)
    with django_assert_num_queries(len(search.captured_queries)):
        client.get(reverse("supervision-assign"), {"q": "s"})


def test_a_coordinator_adds_edits_and_archives_a_criterion(client, team, coordinator, cohort, rubric, op_tijd):
    client.force_login(coordinator)
    response = client.post(
        reverse("supervision-rubric"),
        {
            "category": "vakinhoudelijk",
            "name": "Werken met de meldcode",
            "programme": "Social Work",
            **{f"descriptor-{i}": f"Beschrijving {i}" for i in range(1, 5)},
        },
    )
    assert response.status_code == 302
    criterion = Criterion.objects.get(name="Werken met de meldcode")
    assert (criterion.cohort, criterion.programme) == (cohort, "Social Work")
    response = client.post(
        reverse("supervision-criterion", args=[op_tijd.pk]),
        {"name": "Aanwezig zijn", **{f"descriptor-{i}": f"Nieuw {i}" for i in range(1, 5)}},
    )
    assert response.status_code == 302
    op_tijd.refresh_from_db()
    assert op_tijd.name == "Aanwezig zijn"
    client.post(reverse("supervision-criterion-active", args=[op_tijd.pk]), {"active": "0"})
    op_tijd.refresh_from_db()
    assert not op_tijd.is_active
    assert "gearchiveerd" in client.get(reverse("supervision-rubric")).content.decode()


def test_a_criterion_without_descriptors_is_refused_on_the_page(client, team, coordinator, rubric):
    client.force_login(coordinator)
    response = client.post(reverse("supervision-rubric"), {"category": "vakinhoudelijk", "name": "Half"})
    assert response.status_code == 400
    assert "Beschrijf alle vier de niveaus" in response.content.decode()
    assert not Criterion.objects.filter(name="Half").exists()


def test_another_cohorts_coordinator_cannot_edit_a_cohort_criterion(
    client, team, coordinator, other_coordinator, cohort, rubric
):
    client.force_login(coordinator)
    client.post(
        reverse("supervision-rubric"),
        {"category": "vakinhoudelijk", "name": "Eigen", **{f"descriptor-{i}": "x" for i in range(1, 5)}},
    )
    criterion = Criterion.objects.get(name="Eigen")
    client.force_login(other_coordinator)
    assert client.get(reverse("supervision-criterion", args=[criterion.pk])).status_code == 404
    assert client.post(reverse("supervision-criterion-active", args=[criterion.pk]), {"active": "0"}).status_code == 404


# --- overview panels ------------------------------------------------------------


def test_the_student_panel_shows_the_latest_feedback(client, team, history, mbo_docent, student4):
    history(student=student4, author=mbo_docent, comment="Goed bezig met de huisbezoeken.", days_ago=1)
    client.force_login(student4)
    page = client.get(reverse("home")).content.decode()
    assert "Mijn voortgang" in page
    assert "Goed bezig met de huisbezoeken." in page


def test_the_docent_panel_lists_students_with_alerts(client, team, history, mbo_docent, student4):
    history(student=student4, author=mbo_docent, comment="oud", days_ago=30)
    client.force_login(mbo_docent)
    page = client.get(reverse("home")).content.decode()
    assert "Je begeleidt 3 studenten." in page
    assert "Al 30 dagen geen feedback" in page


def test_the_organisation_panel_shows_only_for_contacts_acting_as_werkbegeleider(client, team, org_contact):
    client.force_login(org_contact)
    assert "Als werkbegeleider" not in client.get(reverse("home")).content.decode()
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    assert "Als werkbegeleider" in client.get(reverse("home")).content.decode()


def test_the_coordinator_panel_counts_teams_without_supervisor(client, team, coordinator, assignment):
    TeamFactory(assignment=assignment, name="Zonder begeleider")
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert "1 team zonder begeleider" in page


def test_menu_items_per_role(client, team, student4, mbo_docent, coordinator):
    client.force_login(student4)
    assert reverse("supervision-my-progress") in client.get(reverse("home")).content.decode()
    client.force_login(mbo_docent)
    page = client.get(reverse("home")).content.decode()
    assert reverse("supervision-overview") in page
    assert reverse("supervision-log") in page
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert reverse("supervision-assign") in page
    assert reverse("supervision-rubric") in page


def test_the_admin_lists_feedback_with_its_scores(client, team, history, mbo_docent, student4):
    from tests.factories import UserFactory

    entry = history(student=student4, author=mbo_docent, levels={"Samenwerken": 3}, comment="In de admin")
    admin = UserFactory(username="beheer", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in [
        reverse("admin:supervision_feedbackentry_changelist"),
        reverse("admin:supervision_feedbackentry_change", args=[entry.pk]),
        reverse("admin:supervision_criterion_changelist"),
        reverse("admin:teams_supervisionassignment_changelist"),
        reverse("admin:supervision_sentmail_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("person", "links"),
    [("mbo_docent", True), ("werkbegeleider", True), ("org_contact", True), ("coordinator", False)],
)
def test_the_grid_offers_feedback_links_to_whoever_may_write_it(client, request, team, person, links):
    """Docenten and werkbegeleiders of either account kind (an organisation contact linked to a team
    writes feedback too), not coordinators: the page's button and each row's link."""
    viewer = request.getfixturevalue(person)
    if person == "org_contact":
        SupervisionAssignment.objects.create(supervisor=viewer, team=team)
    client.force_login(viewer)
    page = client.get(reverse("supervision-overview")).content.decode()
    student = team.memberships.first().student
    assert (f'{reverse("supervision-log")}?student={student.pk}"' in page) is links
    assert (f'href="{reverse("supervision-log")}"' in page) is links
