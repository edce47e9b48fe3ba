"""Every team notification is written to its reader: the student it is about in the second person,
their teammates about them, supervisors with the team's name, the organisation level-blind."""

import re

import pytest

from teams import services
from teams.models import TeamStatus
from tests.factories import StudentFactory, TeamFactory, add_member
from wijklab.models import Notification, User


def titles(user: User, kind: str | None = None) -> list[str]:
    notes = Notification.objects.filter(user=user)
    if kind:
        notes = notes.filter(kind=kind)
    return list(notes.order_by("id").values_list("title", flat=True))


@pytest.fixture
def afrikaander(assignment, outsider_student):
    """A second team on the same assignment, with one member already."""
    other = TeamFactory(assignment=assignment, name="Team Afrikaander")
    add_member(other, outsider_student)
    return other


def test_a_moved_student_reads_it_in_the_second_person_and_everyone_else_about_them(
    team, afrikaander, coordinator, student4, student5, mbo_docent, werkbegeleider, org_contact, outsider_student
):
    services.membership_move(student=student4, to_team=afrikaander, by=coordinator, override=True, reason="Proef")

    assert titles(student4) == ["Je bent door de coördinator van Team Zonnebloem naar Team Afrikaander verplaatst"]
    assert Notification.objects.get(user=student4).url == f"/teams/{afrikaander.pk}/"
    # The new teammate, the old teammates, the old team's supervisors.
    assert titles(outsider_student) == ["Sanne de Vries is bij jouw team gekomen"]
    assert titles(student5) == ["Sanne de Vries is door de coördinator naar Team Afrikaander verplaatst"]
    assert titles(mbo_docent) == [
        "Sanne de Vries is door de coördinator van Team Zonnebloem naar Team Afrikaander verplaatst"
    ]
    assert titles(werkbegeleider) == titles(mbo_docent)
    # The organisation: one notification about both of its teams, no niveau.
    assert titles(org_contact) == ["Sanne de Vries is van Team Zonnebloem naar Team Afrikaander gegaan"]
    # The coordinator did it: nothing for them.
    assert not Notification.objects.filter(user=coordinator).exists()


def test_a_placed_student_hears_where_and_a_name_without_team_is_never_doubled(
    assignment, coordinator, student4, org_contact, outsider_student
):
    bouwers = TeamFactory(assignment=assignment, name="De Bouwers")
    add_member(bouwers, outsider_student)
    services.membership_move(student=student4, to_team=bouwers, by=coordinator, override=True, reason="Proef")
    assert titles(student4) == ["Je bent door de coördinator in team De Bouwers geplaatst"]
    assert Notification.objects.get(user=student4).body == (
        "Je werkt met dit team aan de opdracht Ontmoetingsplek voor eenzame ouderen."
    )
    assert titles(org_contact) == ["Sanne de Vries is bij team De Bouwers gekomen"]


def test_the_first_member_forms_the_team_for_the_organisation(assignment, coordinator, student4, org_contact):
    empty = TeamFactory(assignment=assignment, name="Team Afrikaander")
    services.membership_move(student=student4, to_team=empty, by=coordinator, override=True, reason="Proef")
    formed = Notification.objects.get(user=org_contact)
    assert formed.kind == "team_formed"
    assert formed.title == "Team Afrikaander is gevormd voor jullie opdracht Ontmoetingsplek voor eenzame ouderen"
    assert formed.body == "Sanne de Vries is het eerste teamlid."


def test_joining_and_leaving_read_right_for_teammates_supervisors_and_organisation(
    team, student4, student5, mbo_docent, org_contact, outsider_student
):
    services.membership_join(team=team, student=outsider_student)
    assert titles(student4) == ["Bram Buiten heeft zich bij jouw team aangesloten"]
    assert titles(mbo_docent) == ["Bram Buiten heeft zich aangesloten bij Team Zonnebloem"]
    assert titles(org_contact) == ["Bram Buiten is bij Team Zonnebloem gekomen"]
    assert not Notification.objects.filter(user=outsider_student).exists()  # they did it themselves

    Notification.objects.all().delete()
    services.membership_leave(team=team, student=outsider_student)
    assert titles(student5) == ["Bram Buiten heeft jouw team verlaten"]
    assert titles(mbo_docent) == ["Bram Buiten heeft Team Zonnebloem verlaten"]
    assert titles(org_contact) == ["Bram Buiten zit niet meer in Team Zonnebloem"]


def test_a_removed_student_reads_it_in_the_second_person(team, coordinator, student4, student5, org_contact):
    services.membership_remove(team=team, student=student4, by=coordinator, reason="Ziek")
    (note,) = Notification.objects.filter(user=student4)
    assert note.title == "Je bent door de coördinator uit Team Zonnebloem gehaald"
    assert note.url == "/teams/"  # no longer theirs to open
    assert titles(student5) == ["Sanne de Vries is door de coördinator uit jouw team gehaald"]
    assert titles(org_contact) == ["Sanne de Vries zit niet meer in Team Zonnebloem"]


def test_a_team_that_starts_tells_members_supervisors_and_the_organisation(
    team, coordinator, student4, mbo_docent, org_contact
):
    services.team_set_status(team=team, status=TeamStatus.ACTIVE, by=coordinator)
    assert titles(student4, "team_started") == ["Jouw team is van start gegaan"]
    assert titles(mbo_docent, "team_started") == ["Team Zonnebloem is van start gegaan"]
    (note,) = Notification.objects.filter(user=org_contact, kind="team_started")
    assert note.title == "Team Zonnebloem is van start gegaan"
    assert note.body == "Het team werkt nu aan de opdracht Ontmoetingsplek voor eenzame ouderen."
    # Setting it active again tells nobody again.
    services.team_set_status(team=team, status=TeamStatus.ACTIVE, by=coordinator)
    assert Notification.objects.filter(kind="team_started", user=org_contact).count() == 1


def test_what_the_organisation_reads_never_says_a_niveau_or_programme(
    team, afrikaander, assignment, coordinator, student4, student5, org_contact, outsider_student
):
    services.membership_move(student=student4, to_team=afrikaander, by=coordinator, override=True, reason="Proef")
    services.membership_remove(team=team, student=student5, by=coordinator, reason="Ziek")
    services.membership_leave(team=afrikaander, student=outsider_student)
    services.membership_join(
        team=afrikaander,
        student=StudentFactory(profile__cohort=assignment.cohort, profile__niveau=5, display_name="Emma Smit"),
    )
    services.team_set_status(team=team, status=TeamStatus.ACTIVE, by=coordinator)
    notes = Notification.objects.filter(user=org_contact)
    assert notes.count() >= 5
    for note in notes:
        text = f"{note.title} {note.body}".lower()
        assert not re.search(r"niveau|mbo|hbo|\bad\b|social work|sociaal werk|samenstelling", text), text


def test_no_team_notification_says_team_twice(team, afrikaander, coordinator, student4, student5):
    services.membership_move(student=student4, to_team=afrikaander, by=coordinator, override=True, reason="Proef")
    services.membership_remove(team=team, student=student5, by=coordinator, reason="Ziek")
    services.team_set_status(team=afrikaander, status=TeamStatus.ACTIVE, by=coordinator)
    for title, body in Notification.objects.values_list("title", "body"):
        assert not re.search(r"\bteam team\b", f"{title} {body}", re.IGNORECASE), title


def test_a_notification_is_stored_in_its_readers_language(team, student4, student5):
    from teams.chat import services as chat_services

    student5.language = "en"
    student5.save(update_fields=["language"])
    chat_services.message_post(team=team, author=student4, body="@Youssef en @Lotte, bellen?", client_id="m-1")
    english = Notification.objects.get(user=student5, kind="chat_mention")
    dutch = Notification.objects.get(user__username="lotte", kind="chat_mention")
    assert dutch.title == "Sanne de Vries noemde je in de chat van Team Zonnebloem"
    assert english.title != dutch.title
    assert "Sanne de Vries" in english.title
