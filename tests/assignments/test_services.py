"""Writes: creating, editing (with history), the lifecycle, rankings and closing preferences."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assignments import services
from assignments.models import Assignment, AssignmentRevision, AssignmentStatus, Preference
from assignments.validators import RankingEntry, clean_assignment, defaults
from tests.factories import AssignmentFactory, TeamFactory, add_member
from wijklab.errors import RuleViolation
from wijklab.models import Notification


def values(neighbourhood, competences, **changes):
    data = {
        **defaults(),
        "title": "Taalcafé",
        "description": "Nederlands oefenen.",
        "neighbourhood": neighbourhood,
        "competences": [(competences[0], 3), (competences[1], 2)],
        "starts_on": dt.date(2026, 10, 1),
        "ends_on": dt.date(2027, 1, 31),
    }
    data.update(changes)
    return data


# --- creating -----------------------------------------------------------------------


def test_an_organisation_contact_creates_a_draft(org_contact, organisation, cohort, neighbourhood, competences):
    assignment = services.assignment_create(
        by=org_contact, organisation=organisation, cohort=cohort, values=values(neighbourhood, competences)
    )
    assert assignment.status == AssignmentStatus.DRAFT
    assert assignment.created_by == org_contact
    assert {(rc.competence.name, rc.importance) for rc in assignment.required_competences.all()} == {
        ("Contact leggen met bewoners", 3),
        ("Signaleren", 2),
    }


def test_a_contact_cannot_post_for_another_organisation(
    other_org_contact, organisation, cohort, neighbourhood, competences
):
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            by=other_org_contact, organisation=organisation, cohort=cohort, values=values(neighbourhood, competences)
        )
    assert not Assignment.objects.exists()


def test_a_student_cannot_post(student4, organisation, cohort, neighbourhood, competences):
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            by=student4, organisation=organisation, cohort=cohort, values=values(neighbourhood, competences)
        )


def test_a_coordinator_posts_only_in_own_cohorts(other_coordinator, organisation, cohort, neighbourhood, competences):
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            by=other_coordinator, organisation=organisation, cohort=cohort, values=values(neighbourhood, competences)
        )


def test_bad_input_stores_nothing(org_contact, organisation, cohort, neighbourhood, competences):
    bad = values(neighbourhood, competences, team_size_min=6, team_size_max=4, title="<b>x</b>")
    with pytest.raises(ValidationError) as exc:
        services.assignment_create(by=org_contact, organisation=organisation, cohort=cohort, values=bad)
    assert set(exc.value.message_dict) == {"team_size_max", "title"}
    assert not Assignment.objects.exists()


def test_requires_hbo_without_a_niveau_6_minimum_is_set_to_one(neighbourhood, competences, organisation):
    data = values(neighbourhood, competences, requires_hbo=True, min_niveau_6=0)
    warnings = clean_assignment(data, organisation=organisation)
    assert data["min_niveau_6"] == 1
    assert "niveau 6" in warnings["min_niveau_6"][0]
    assert "op 1 gezet" in warnings["min_niveau_6"][0]


def test_the_database_refuses_a_youth_case_without_niveau_6(assignment):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(requires_hbo=True, min_niveau_6=0)


# --- editing and history ---------------------------------------------------------------


def test_editing_a_draft_keeps_no_history(draft, org_contact):
    services.assignment_update(assignment=draft, by=org_contact, values={"title": "Nieuwe titel"})
    draft.refresh_from_db()
    assert draft.title == "Nieuwe titel"
    assert not AssignmentRevision.objects.exists()


def test_editing_a_published_assignment_records_who_what_and_when(open_assignment, org_contact, competences):
    services.assignment_update(
        assignment=open_assignment,
        by=org_contact,
        values={
            "title": "Ontmoetingsplek, nu ook op zaterdag",
            "hours_per_week": 10,
            "competences": [(competences[3], 1)],
        },
    )
    revision = AssignmentRevision.objects.get()
    assert revision.changed_by == org_contact
    assert revision.changed_at is not None
    assert revision.changes["title"] == {
        "old": "Ontmoetingsplek voor eenzame ouderen",
        "new": "Ontmoetingsplek, nu ook op zaterdag",
    }
    assert revision.changes["hours_per_week"] == {"old": 8, "new": 10}
    assert revision.changes["competences"]["new"] == [["Rapporteren", 1]]
    assert set(revision.changes) == {"title", "hours_per_week", "competences"}


def test_saving_without_changes_adds_no_revision(open_assignment, org_contact):
    services.assignment_update(assignment=open_assignment, by=org_contact, values={"title": open_assignment.title})
    assert not AssignmentRevision.objects.exists()


def test_only_the_own_organisation_and_coordinators_edit(open_assignment, other_org_contact, student4, coordinator):
    for outsider in (other_org_contact, student4):
        with pytest.raises(PermissionDenied):
            services.assignment_update(assignment=open_assignment, by=outsider, values={"title": "Gekaapt"})
    services.assignment_update(assignment=open_assignment, by=coordinator, values={"title": "Door coördinator"})
    open_assignment.refresh_from_db()
    assert open_assignment.title == "Door coördinator"


def test_a_cancelled_assignment_cannot_be_edited(open_assignment, org_contact):
    services.assignment_cancel(assignment=open_assignment, by=org_contact)
    with pytest.raises(RuleViolation) as exc:
        services.assignment_update(assignment=open_assignment, by=org_contact, values={"title": "Toch"})
    assert exc.value.code == "not_editable"


def test_max_team_size_cannot_drop_below_a_team_already_on_it(
    open_assignment, org_contact, student4, student5, student6
):
    team = TeamFactory(assignment=open_assignment, name="Team A")
    for s in (student4, student5, student6):
        add_member(team, s)
    with pytest.raises(ValidationError) as exc:
        services.assignment_update(
            assignment=open_assignment, by=org_contact, values={"team_size_min": 2, "team_size_max": 2}
        )
    assert "team van 3" in exc.value.message_dict["team_size_max"][0]


# --- lifecycle ---------------------------------------------------------------------


def test_publish_opens_a_draft_and_tells_the_coordinator(draft, org_contact, coordinator):
    services.assignment_publish(assignment=draft, by=org_contact)
    draft.refresh_from_db()
    assert draft.status == AssignmentStatus.OPEN
    assert draft.published_at is not None
    assert Notification.objects.filter(user=coordinator, kind="assignment_published").exists()
    assert draft.revisions.get().changes == {"status": {"old": "draft", "new": "open"}}


def test_only_a_draft_can_be_published(open_assignment, org_contact):
    with pytest.raises(RuleViolation) as exc:
        services.assignment_publish(assignment=open_assignment, by=org_contact)
    assert exc.value.code == "not_draft"


def test_full_lifecycle(draft, org_contact):
    services.assignment_publish(assignment=draft, by=org_contact)
    services.assignment_start(assignment=draft, by=org_contact)
    services.assignment_complete(assignment=draft, by=org_contact)
    draft.refresh_from_db()
    assert draft.status == AssignmentStatus.COMPLETED
    with pytest.raises(RuleViolation):
        services.assignment_cancel(assignment=draft, by=org_contact)


def test_cancelling_closes_up_rankings_and_tells_the_students(open_assignment, org_contact, student4, cohort):
    other = AssignmentFactory(cohort=cohort, organisation=open_assignment.organisation, title="Andere")
    third = AssignmentFactory(cohort=cohort, organisation=open_assignment.organisation, title="Derde")
    services.preferences_set(
        student=student4,
        entries=[
            RankingEntry(assignment=other, rank=1),
            RankingEntry(assignment=open_assignment, rank=2),
            RankingEntry(assignment=third, rank=3),
        ],
    )
    services.assignment_cancel(assignment=open_assignment, by=org_contact)
    assert list(student4.preferences.values_list("assignment__title", "rank")) == [("Andere", 1), ("Derde", 2)]
    assert Notification.objects.filter(user=student4, kind="assignment_cancelled").exists()


# --- preferences -------------------------------------------------------------------


def test_a_ranking_replaces_the_previous_one(open_assignment, student4, cohort):
    other = AssignmentFactory(cohort=cohort, title="Andere")
    services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    services.preferences_set(
        student=student4,
        entries=[RankingEntry(assignment=other, rank=1, motivation="Leuk"), RankingEntry(open_assignment, 2)],
    )
    assert list(student4.preferences.values_list("assignment__title", "rank", "motivation")) == [
        ("Andere", 1, "Leuk"),
        ("Ontmoetingsplek voor eenzame ouderen", 2, ""),
    ]


def test_a_bad_ranking_keeps_the_old_one(open_assignment, student4, cohort, draft):
    services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    with pytest.raises(ValidationError) as exc:
        services.preferences_set(student=student4, entries=[RankingEntry(assignment=draft, rank=1)])
    assert "assignment" in exc.value.message_dict
    assert list(student4.preferences.values_list("assignment_id", flat=True)) == [open_assignment.pk]


def test_closed_preferences_cannot_change(open_assignment, student4, coordinator, cohort):
    services.cohort_preferences_close(cohort=cohort, by=coordinator)
    with pytest.raises(RuleViolation) as exc:
        services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    assert exc.value.code == "preferences_closed"
    assert Notification.objects.filter(user=student4, kind="preferences_closed").exists()
    services.cohort_preferences_open(cohort=cohort, by=coordinator)
    services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    assert student4.preferences.count() == 1


def test_preferences_close_by_themselves_the_night_after_the_last_day(
    open_assignment, student4, coordinator, cohort, other_cohort
):
    today = dt.date(2026, 12, 5)
    cohort.preferences_close_on = today
    cohort.save()
    other_cohort.preferences_close_on = today - dt.timedelta(days=1)
    other_cohort.archived_at = timezone.now()  # archived: left alone
    other_cohort.save()
    assert services.preferences_close_due(today=today) == []  # the last day itself is still open
    assert services.preferences_close_due(today=today + dt.timedelta(days=1)) == [cohort.pk]
    cohort.refresh_from_db()
    assert not cohort.preferences_open
    told = Notification.objects.get(user=student4, kind="preferences_closed")
    assert "5 december 2026 was de laatste dag" in told.body
    assert Notification.objects.filter(user=coordinator, kind="preferences_closed").exists()
    # Idempotent: a second night (or a task run twice) changes nothing and tells nobody again.
    assert services.preferences_close_due(today=today + dt.timedelta(days=2)) == []
    assert Notification.objects.filter(kind="preferences_closed").count() == 2


def test_reopening_after_the_last_day_keeps_preferences_open(student4, coordinator, cohort, open_assignment):
    cohort.preferences_close_on = timezone.localdate() - dt.timedelta(days=3)
    cohort.save()
    services.preferences_close_due()
    services.cohort_preferences_open(cohort=cohort, by=coordinator)
    cohort.refresh_from_db()
    assert cohort.preferences_close_on is None
    assert services.preferences_close_due() == []
    services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    assert student4.preferences.count() == 1


def test_the_close_task_is_scheduled_every_night(settings):
    from assignments.tasks import close_due_preferences

    entry = settings.CELERY_BEAT_SCHEDULE["preferences-close-due"]
    assert entry["task"] == close_due_preferences.name


def test_only_the_cohorts_coordinator_closes_preferences(cohort, other_coordinator, org_contact):
    for outsider in (other_coordinator, org_contact):
        with pytest.raises(PermissionDenied):
            services.cohort_preferences_close(cohort=cohort, by=outsider)
    cohort.refresh_from_db()
    assert cohort.preferences_open


def test_an_assignment_already_ranked_can_stay_when_it_is_no_longer_open(open_assignment, student4, org_contact):
    services.preferences_set(student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1)])
    services.assignment_start(assignment=open_assignment, by=org_contact)
    services.preferences_set(
        student=student4, entries=[RankingEntry(assignment=open_assignment, rank=1, motivation="Nog steeds")]
    )
    assert student4.preferences.get().motivation == "Nog steeds"


def test_reorder_moves_one_choice(open_assignment, cohort):
    other = AssignmentFactory(cohort=cohort, title="Andere")
    entries = [RankingEntry(open_assignment, 1), RankingEntry(other, 2)]
    moved = services.reorder(entries, assignment_id=other.pk, direction="up")
    assert [(e.assignment.pk, e.rank) for e in moved] == [(other.pk, 1), (open_assignment.pk, 2)]
    assert services.reorder(moved, assignment_id=other.pk, direction="up") == moved


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_rankings_of_one_student_never_clash(require_postgres, cohort, student4):
    """Two tabs saving at once: the row lock serialises them, the last one wins, no error."""
    first = AssignmentFactory(cohort=cohort, title="Eerste")
    second = AssignmentFactory(cohort=cohort, title="Tweede")
    rankings = [
        [RankingEntry(first, 1), RankingEntry(second, 2)],
        [RankingEntry(second, 1), RankingEntry(first, 2)],
    ] * 4
    errors: list[Exception] = []
    barrier = threading.Barrier(len(rankings))

    def save(entries):
        try:
            barrier.wait()
            services.preferences_set(student=student4, entries=entries)
        except Exception as exc:  # any error at all is the failure this test looks for
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(r,)) for r in rankings]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Preference.objects.filter(student=student4).values_list("rank", flat=True)) == [1, 2]
