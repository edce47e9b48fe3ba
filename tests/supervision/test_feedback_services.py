"""Who may write which feedback, what is refused (and then nothing is stored), what it notifies."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from supervision import selectors, services
from supervision.models import FeedbackEntry, FeedbackKind, Score, SentMail
from teams.models import SupervisionAssignment
from tests.factories import StudentFactory, TeamFactory, add_member
from wijklab.models import Notification, SupervisorKind


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


def test_a_team_supervisor_logs_feedback_with_scores_and_a_comment(team, mbo_docent, student4, op_tijd, contact_leggen):
    entry = services.feedback_create(
        author=mbo_docent,
        student_id=student4.pk,
        scores=[{"criterion": op_tijd.pk, "level": 3}, {"criterion": contact_leggen.pk, "level": "4"}],
        comment="  Goed voorbereid op het huisbezoek.  ",
    )
    assert entry.kind == FeedbackKind.SUPERVISOR
    assert entry.author_kind == SupervisorKind.MBO_DOCENT
    assert entry.team == team  # the student's current team, filled in
    assert entry.comment == "Goed voorbereid op het huisbezoek."
    assert sorted(entry.scores.values_list("criterion_name", "level")) == [
        ("Contact leggen en aansluiten bij de leefwereld van bewoners", 4),
        ("Op tijd en aanwezig", 3),
    ]


def test_an_individually_assigned_supervisor_logs_feedback_on_a_student_without_team(
    rubric, other_supervisor, outsider_student, op_tijd
):
    SupervisionAssignment.objects.create(supervisor=other_supervisor, student=outsider_student)
    entry = services.feedback_create(
        author=other_supervisor, student_id=outsider_student.pk, scores=[{"criterion": op_tijd.pk, "level": 2}]
    )
    assert entry.team is None
    assert entry.author_kind == SupervisorKind.HBO_DOCENT


def test_an_organisation_contact_acting_as_werkbegeleider_writes_as_werkbegeleider(team, org_contact, student5):
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    entry = services.feedback_create(author=org_contact, student_id=student5.pk, comment="Fijn contact met bewoners.")
    assert entry.author_kind == SupervisorKind.WERKBEGELEIDER


@pytest.mark.parametrize("person", ["other_supervisor", "org_contact"])
def test_feedback_on_a_student_you_do_not_supervise_is_refused_and_nothing_is_stored(request, team, student4, person):
    author = request.getfixturevalue(person)
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=author, student_id=student4.pk, comment="Hallo")
    assert _errors(exc)["student"] == ["Deze student bestaat niet of je begeleidt deze student niet."]
    assert not FeedbackEntry.objects.exists()


def test_the_students_a_supervisor_may_write_on_are_those_they_follow(
    team, student4, student5, student6, mbo_docent, other_supervisor, org_contact, coordinator
):
    assert set(selectors.students_for_feedback_by(author=mbo_docent)) == {student4, student5, student6}
    for author in (other_supervisor, org_contact, coordinator, student4):
        assert not selectors.students_for_feedback_by(author=author).exists()


def test_an_unknown_student_gets_the_same_answer_as_someone_elses(team, mbo_docent):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=999_999, comment="Hallo")
    assert _errors(exc)["student"] == ["Deze student bestaat niet of je begeleidt deze student niet."]


def test_a_student_writes_a_self_assessment(team, student4, op_tijd):
    entry = services.feedback_create(author=student4, scores=[{"criterion": op_tijd.pk, "level": 3}])
    assert (entry.kind, entry.student, entry.author_kind) == (FeedbackKind.SELF, student4, "")
    # No notification for writing about yourself.
    assert not Notification.objects.exists()


def test_a_student_gives_peer_feedback_to_a_teammate_anonymously_by_default(team, student4, student6, op_tijd):
    entry = services.feedback_create(author=student4, student_id=student6.pk, comment="Top hoe je het gesprek leidde.")
    assert entry.kind == FeedbackKind.PEER
    assert entry.show_author is False
    notification = Notification.objects.get(user=student6)
    assert notification.title == "Nieuwe peerfeedback van een teamgenoot"
    assert "Sanne" not in notification.title + notification.body


def test_peer_feedback_with_the_name_shown_says_who(team, student4, student6):
    services.feedback_create(author=student4, student_id=student6.pk, comment="Goed gedaan!", show_author=True)
    assert Notification.objects.get(user=student6).title == "Nieuwe peerfeedback van Sanne de Vries"


def test_peer_feedback_on_a_student_outside_the_team_is_refused(team, student4, outsider_student):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=student4, student_id=outsider_student.pk, comment="Hoi")
    assert _errors(exc)["student"] == ["Je kunt alleen peerfeedback geven aan je huidige teamgenoten."]


def test_peer_feedback_on_a_former_teammate_is_refused(team, student4, student6):
    student6.memberships.update(left_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        services.feedback_create(author=student4, student_id=student6.pk, comment="Hoi")


def test_a_self_assessment_about_someone_else_is_refused(team, student4, student6):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=student4, student_id=student6.pk, kind="self", comment="x")
    assert _errors(exc)["student"] == ["Een zelfbeoordeling gaat over jezelf."]


def test_a_student_cannot_write_supervisor_feedback(team, student4, student6):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=student4, student_id=student6.pk, kind="supervisor", comment="x")
    assert "kind" in _errors(exc)


def test_a_supervisor_cannot_write_a_self_assessment(team, mbo_docent, student4):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=student4.pk, kind="self", comment="x")
    assert "kind" in _errors(exc)


def test_coordinators_read_but_do_not_write(team, coordinator, student4):
    with pytest.raises(PermissionDenied):
        services.feedback_create(author=coordinator, student_id=student4.pk, comment="x")


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([{"criterion": 999_999, "level": 3}], "Criterium 999999 hoort niet bij de rubric van deze student."),
        ([{"criterion": "abc", "level": 3}], "Criterium abc hoort niet bij de rubric van deze student."),
        (
            [{"criterion": "OP_TIJD", "level": 0}],
            "Kies bij „Op tijd en aanwezig” een beoordeling van 1 (onvoldoende) tot en met 4 (goed).",
        ),
        (
            [{"criterion": "OP_TIJD", "level": 5}],
            "Kies bij „Op tijd en aanwezig” een beoordeling van 1 (onvoldoende) tot en met 4 (goed).",
        ),
        (
            [{"criterion": "OP_TIJD", "level": "goed"}],
            "Kies bij „Op tijd en aanwezig” een beoordeling van 1 (onvoldoende) tot en met 4 (goed).",
        ),
        (
            [{"criterion": "OP_TIJD", "level": 2}, {"criterion": "OP_TIJD", "level": 3}],
            "Elk criterium mag maar één keer beoordeeld worden.",
        ),
        (["OP_TIJD"], "Geef de beoordelingen als een lijst van {criterion, level}."),
    ],
)
def test_bad_scores_are_refused_with_a_dutch_message_and_nothing_is_stored(
    team, mbo_docent, student4, op_tijd, scores, message
):
    scores = [
        {k: (op_tijd.pk if v == "OP_TIJD" else v) for k, v in s.items()} if isinstance(s, dict) else s for s in scores
    ]
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=student4.pk, scores=scores, comment="Toch iets")
    assert message in _errors(exc)["scores"]
    assert not FeedbackEntry.objects.exists()
    assert not Score.objects.exists()


def test_a_future_date_is_refused(team, mbo_docent, student4, today):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(
            author=mbo_docent, student_id=student4.pk, comment="x", date=today + dt.timedelta(days=1)
        )
    assert _errors(exc)["date"] == ["De datum mag niet in de toekomst liggen."]


def test_a_date_in_the_past_is_kept(team, mbo_docent, student4, today):
    entry = services.feedback_create(
        author=mbo_docent, student_id=student4.pk, comment="x", date=today - dt.timedelta(days=3)
    )
    assert entry.date == today - dt.timedelta(days=3)


def test_an_empty_entry_is_refused(team, mbo_docent, student4):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=student4.pk, scores=[], comment="   ")
    assert _errors(exc)["non_field_errors"] == ["Geef minstens één beoordeling of schrijf een opmerking."]
    assert not FeedbackEntry.objects.exists()


def test_a_too_long_comment_is_refused(team, mbo_docent, student4):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="x" * 4001)
    assert "comment" in _errors(exc)


def test_a_team_the_student_is_not_in_is_refused(team, mbo_docent, student4, assignment):
    other = TeamFactory(assignment=assignment, name="Ander team")
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(author=mbo_docent, student_id=student4.pk, team_id=other.pk, comment="x")
    assert _errors(exc)["team"] == ["Deze student zit niet (meer) in dit team."]


def test_every_problem_is_reported_at_once(team, mbo_docent, student4, today):
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(
            author=mbo_docent,
            student_id=student4.pk,
            scores=[{"criterion": 999_999, "level": 3}],
            date=today + dt.timedelta(days=2),
        )
    assert {"scores", "date"} <= set(_errors(exc))


def test_an_observation_is_one_criterion_and_one_short_line(team, werkbegeleider, student4, op_tijd, contact_leggen):
    entry = services.feedback_create(
        author=werkbegeleider,
        student_id=student4.pk,
        scores=[{"criterion": op_tijd.pk, "level": 4}],
        comment="Kwam op tijd en had alles voorbereid.",
        is_observation=True,
    )
    assert entry.is_observation
    assert entry.author_kind == SupervisorKind.WERKBEGELEIDER
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(
            author=werkbegeleider,
            student_id=student4.pk,
            scores=[{"criterion": op_tijd.pk, "level": 4}, {"criterion": contact_leggen.pk, "level": 3}],
            comment="Twee dingen",
            is_observation=True,
        )
    assert "is_observation" in _errors(exc)


def test_new_feedback_notifies_the_student_in_app_and_by_mail_after_commit(
    team, mbo_docent, student4, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entry = services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="Sterk gesprek gevoerd.")
        assert not mailoutbox  # not before the commit
    assert len(callbacks) == 1
    notification = Notification.objects.get(user=student4)
    assert notification.title == "Nieuwe feedback van Marieke Verhoeven"
    assert notification.url == "/mijn-voortgang/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [student4.email]
    assert "Marieke Verhoeven" in mail.subject
    assert "Sterk gesprek gevoerd." in mail.body
    assert SentMail.objects.get(kind=SentMail.Kind.FEEDBACK).key == str(entry.pk)


def test_the_mail_about_anonymous_peer_feedback_does_not_name_the_author(
    team, student4, student6, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_create(author=student4, student_id=student6.pk, comment="Goed bezig.")
    assert len(mailoutbox) == 1
    assert "Sanne" not in mailoutbox[0].subject + mailoutbox[0].body
    assert "een teamgenoot" in mailoutbox[0].subject


def test_a_student_of_two_teams_over_time_gets_feedback_on_the_current_one(team, mbo_docent, student4, assignment):
    student4.memberships.update(left_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    new_team = TeamFactory(assignment=assignment, name="Nieuw team")
    add_member(new_team, student4)
    SupervisionAssignment.objects.create(supervisor=mbo_docent, team=new_team)
    entry = services.feedback_create(author=mbo_docent, student_id=student4.pk, comment="x")
    assert entry.team == new_team


def test_supervising_one_team_does_not_give_access_to_another(team, mbo_docent, assignment, cohort):
    stranger = StudentFactory(username="vreemd", profile__cohort=cohort)
    other = TeamFactory(assignment=assignment, name="Ander team")
    add_member(other, stranger)
    with pytest.raises(ValidationError):
        services.feedback_create(author=mbo_docent, student_id=stranger.pk, comment="x")


# --- who may be linked as supervisor -------------------------------------------------------------


def test_a_docent_is_linked_anywhere_an_organisation_contact_only_to_their_own_organisations_team(
    team, mbo_docent, org_contact, other_org_contact, student4
):
    assert selectors.may_be_linked_as_supervisor(supervisor=mbo_docent, team=team)
    assert selectors.may_be_linked_as_supervisor(supervisor=mbo_docent, team=None)
    assert selectors.may_be_linked_as_supervisor(supervisor=org_contact, team=team)
    assert not selectors.may_be_linked_as_supervisor(supervisor=org_contact, team=None)
    assert not selectors.may_be_linked_as_supervisor(supervisor=other_org_contact, team=team)
    assert not selectors.may_be_linked_as_supervisor(supervisor=student4, team=team)


def test_a_teams_supervisor_choices_are_the_predicate_in_one_query(
    team, mbo_docent, other_supervisor, org_contact, other_org_contact, student4, django_assert_num_queries
):
    """``supervisor_choices`` filters in SQL what ``may_be_linked_as_supervisor`` says,
    minus whoever is already linked."""
    expected = {
        s.pk
        for s in selectors.assignable_supervisors()
        if selectors.may_be_linked_as_supervisor(supervisor=s, team=team)
        and not SupervisionAssignment.objects.filter(team=team, supervisor=s).exists()
    }
    with django_assert_num_queries(1):
        chosen = {s.pk for s in selectors.supervisor_choices(team=team)}
    assert chosen == expected
    assert other_supervisor.pk in chosen
    assert org_contact.pk in chosen
    assert mbo_docent.pk not in chosen  # already linked
    assert other_org_contact.pk not in chosen
    assert student4.pk not in chosen


def test_a_single_students_supervisor_choices_are_the_predicate_in_one_query(
    team, mbo_docent, org_contact, student4, django_assert_num_queries
):
    """For one student (no team) the same rule: docenten and werkbegeleiders, no organisation contacts."""
    expected = {
        s.pk
        for s in selectors.assignable_supervisors()
        if selectors.may_be_linked_as_supervisor(supervisor=s, team=None)
    }
    with django_assert_num_queries(1):
        chosen = {s.pk for s in selectors.supervisor_choices(team=None)}
    assert chosen == expected
    assert mbo_docent.pk in chosen
    assert org_contact.pk not in chosen
    assert student4.pk not in chosen


def test_linking_someone_who_may_not_supervise_is_refused(team, coordinator, other_org_contact, student4):
    with pytest.raises(ValidationError) as exc:
        services.supervision_assign(by=coordinator, supervisor=other_org_contact, team=team)
    assert _errors(exc)["supervisor"] == [
        "Een contactpersoon kan alleen werkbegeleider zijn van een team van de eigen organisatie."
    ]
    with pytest.raises(ValidationError) as exc:
        services.supervision_assign(by=coordinator, supervisor=student4, team=team)
    assert _errors(exc)["supervisor"] == ["Kies een docent of werkbegeleider."]
    assert not SupervisionAssignment.objects.filter(supervisor__in=[other_org_contact, student4]).exists()
