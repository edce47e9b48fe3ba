"""Forming a cohort's teams: the run, moves in the draft, locks, publishing once, repair."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from teams import formation_services as services
from teams.formation_services import _Ticker
from teams.models import FormationMove, FormationRun, Membership, MembershipChange, Team, TeamStatus
from tests.factories import StudentFactory, TeamFactory, add_member
from tests.teams.formation_support import small_cohort
from wijklab.errors import RuleViolation
from wijklab.models import MailPreference, Notification

pytest.importorskip("teams.formation", reason="the formation engine (F-engine) is not in this tree yet")


@pytest.fixture
def small(cohort, organisation, neighbourhood, coordinator):
    return small_cohort(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, coordinator=coordinator)


@pytest.fixture
def start(django_capture_on_commit_callbacks, coordinator):
    """Start a run and let its task run (tests run it inside the request, without the progress thread)."""

    def start(cohort, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.formation_run_start(cohort=cohort, by=kwargs.pop("by", coordinator), time_limit=2, **kwargs)
        run.refresh_from_db()
        return run

    return start


def placement(run: FormationRun) -> dict[int, int]:
    return {int(s): int(t["assignment"]) for t in run.proposal["teams"] for s in t["members"]}


def test_a_run_computes_a_draft_with_every_student_placed_or_explained(small, start):
    run = start(small.cohort)
    assert run.status == FormationRun.Status.DONE
    assert run.progress == 1.0
    assert run.started_at
    assert run.finished_at
    placed = placement(run)
    unplaced = {int(u["student"]) for u in run.proposal["unplaced"]}
    assert set(placed) | unplaced == {s.pk for s in small.students.values()}
    assert all(t["name"].startswith("Team Feijenoord") and t["db_team"] is None for t in run.proposal["teams"])
    assert all(u["reason"] for u in run.proposal["unplaced"])
    assert all(s["explanation"] for s in run.proposal["students"])


def test_only_a_coordinator_of_the_cohort_starts_a_run(small, start, other_coordinator, student4):
    for person in (other_coordinator, student4):
        with pytest.raises(PermissionDenied):
            services.formation_run_start(cohort=small.cohort, by=person)
    assert not FormationRun.objects.exists()


def test_bad_parameters_are_refused_in_dutch_and_nothing_is_stored(small, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.formation_run_start(
            cohort=small.cohort, by=coordinator, time_limit=0, seed=-1, weights={"luck": 1, "balance": 1000}
        )
    assert set(refused.value.message_dict) == {"time_limit", "seed", "weights"}
    assert "rekentijd" in refused.value.message_dict["time_limit"][0]
    assert not FormationRun.objects.exists()


def test_a_second_run_waits_for_the_first(small, coordinator):
    services.formation_run_start(cohort=small.cohort, by=coordinator)  # queued: no commit in this test
    with pytest.raises(RuleViolation) as refused:
        services.formation_run_start(cohort=small.cohort, by=coordinator)
    assert refused.value.code == "run_in_progress"


def test_publishing_creates_exactly_the_teams_of_the_draft_and_tells_each_person_once(
    small, start, coordinator, org_contact, django_capture_on_commit_callbacks
):
    run = start(small.cohort)
    with django_capture_on_commit_callbacks(execute=True):
        services.formation_publish(run=run, by=coordinator)
    run.refresh_from_db()
    assert run.status == FormationRun.Status.PUBLISHED
    assert run.published_by == coordinator

    teams = Team.objects.filter(assignment__cohort=small.cohort)
    assert sorted(
        (t.assignment_id, sorted(t.memberships.filter(left_at__isnull=True).values_list("student_id", flat=True)))
        for t in teams
    ) == sorted((int(t["assignment"]), sorted(int(m) for m in t["members"])) for t in run.proposal["teams"])
    assert {t.name for t in teams} == {t["name"] for t in run.proposal["teams"]}
    placed = placement(run)
    assert MembershipChange.objects.filter(kind=MembershipChange.Kind.FORMED).count() == len(placed)

    notified = list(Notification.objects.values_list("user_id", flat=True))
    assert len(notified) == len(set(notified)), "someone was told twice"
    assert set(notified) == set(placed) | {org_contact.pk}
    assert not Notification.objects.exclude(kind="team_formed").exists(), "a notification per placement went out"
    mine = Notification.objects.get(user_id=next(iter(placed)))
    assert mine.title.startswith("Je bent in Team Feijenoord")
    assert mine.title.endswith(" geplaatst")
    assert mine.body  # the explanation

    recipients = [address for message in mail.outbox for address in message.to]
    assert sorted(recipients) == sorted({u.email for u in org_contact.__class__.objects.filter(pk__in=notified)})
    assert org_contact.email in recipients
    contact_mail = next(m for m in mail.outbox if m.to == [org_contact.email])
    assert "niveau" not in contact_mail.body.lower()


def test_publishing_mails_each_placed_person_as_they_chose_once(
    small, start, coordinator, django_capture_on_commit_callbacks
):
    from teams.tasks import email_formation_published
    from wijklab import mail as wijklab_mail
    from wijklab.models import User

    run = start(small.cohort)
    placed = sorted(placement(run))
    assert len(placed) >= 3
    each, digest, none = User.objects.filter(pk__in=placed[:3]).order_by("pk")
    for user, preference in ((each, MailPreference.EACH), (digest, MailPreference.DIGEST), (none, MailPreference.NONE)):
        user.mail_preference = preference
        user.save(update_fields=["mail_preference"])
    with django_capture_on_commit_callbacks(execute=True):
        services.formation_publish(run=run, by=coordinator)

    def mails_to(user) -> list:
        return [m for m in mail.outbox if user.email in m.to]

    # Everyone is told in Wijklab; mail as each chose: one now, in the digest, or none.
    for user in (each, digest, none):
        assert Notification.objects.filter(user=user, kind="team_formed").count() == 1
    told = {user: Notification.objects.get(user=user).title for user in (each, digest)}
    assert len(mails_to(each)) == 1
    assert told[each] in mails_to(each)[0].body
    assert mails_to(digest) == []
    assert mails_to(none) == []

    # A second delivery of the task, and the sweep, send nothing again.
    sent = len(mail.outbox)
    assert email_formation_published(run.pk) == 0
    assert wijklab_mail.send_notification_mail(user_id=each.pk) == 0
    assert len(mail.outbox) == sent

    # The digest person finds it in the next day's digest, the one who wants none never.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert list(wijklab_mail.users_due_for_digest(today=tomorrow).filter(pk__in=[each.pk, digest.pk, none.pk])) == [
        digest
    ]
    assert wijklab_mail.send_daily_digest(user_id=digest.pk, today=tomorrow)
    assert len(mails_to(digest)) == 1
    assert told[digest] in mails_to(digest)[0].body
    assert not wijklab_mail.send_daily_digest(user_id=none.pk, today=tomorrow)
    assert mails_to(none) == []


def test_a_run_publishes_once(small, start, coordinator):
    run = start(small.cohort)
    services.formation_publish(run=run, by=coordinator)
    teams = Team.objects.count()
    with pytest.raises(RuleViolation) as refused:
        services.formation_publish(run=run, by=coordinator)
    assert refused.value.code == "already_published"
    assert Team.objects.count() == teams


def test_an_archived_cohort_neither_starts_nor_publishes_a_run(small, start, coordinator):
    run = start(small.cohort)
    small.cohort.archived_at = timezone.now()
    small.cohort.save()
    for attempt in (
        lambda: services.formation_run_start(cohort=small.cohort, by=coordinator, time_limit=3),
        lambda: services.formation_publish(run=run, by=coordinator),
    ):
        with pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.code == "cohort_archived"
    assert not Team.objects.filter(assignment__cohort=small.cohort).exists()
    assert FormationRun.objects.filter(cohort=small.cohort).count() == 1


def test_a_stale_draft_is_refused_with_a_clear_message(small, start, coordinator):
    run = start(small.cohort)
    latecomer = next(s for s in small.students.values() if s.pk in placement(run))
    team = TeamFactory(assignment=small.jongeren, name="Eigen team", created_by=coordinator)
    add_member(team, latecomer)
    with pytest.raises(RuleViolation) as refused:
        services.formation_publish(run=run, by=coordinator)
    assert refused.value.code == "stale"
    assert "opnieuw" in str(refused.value)
    assert Team.objects.count() == 1
    assert not Notification.objects.exists()


def _move_target(run, small):
    """A placed student and the assignment where they would break a rule (the other assignment's team)."""
    placed = placement(run)
    for student in small.students.values():
        if student.pk in placed:
            other = small.jongeren if placed[student.pk] == small.ouderen.pk else small.ouderen
            problems = services.formation_move_check(run=run, student_id=student.pk, to_assignment_id=other.pk)
            if problems:
                return student, other, problems
    raise AssertionError("no rule-breaking move in this draft")


def test_the_check_names_who_a_move_would_leave_the_only_one_of_their_niveau(small, start):
    run = start(small.cohort)
    s = small.students
    # Everyone on their first choice: Cem and Finn chose only one assignment each.
    ouderen = {s[n].pk for n in ("anna", "bram", "cem", "dina")}
    assert placement(run) == {pk: small.ouderen.pk for pk in ouderen} | {
        s[n].pk: small.jongeren.pk for n in ("eva", "finn", "gijs")
    }
    # Dina out: Anna stays as the only niveau 4 student of Ouderen (Bram and Cem already were the
    # only ones of theirs, so they are not news).
    assert services.formation_move_isolation(run=run, student_id=s["dina"].pk, to_assignment_id=None) == [
        {"student": str(s["anna"].pk), "assignment": str(small.ouderen.pk), "kind": "niveau"}
    ]
    # Dina to Jongeren instead: Anna as before, and Eva is no longer alone (not listed: only news).
    entries = services.formation_move_isolation(run=run, student_id=s["dina"].pk, to_assignment_id=small.jongeren.pk)
    assert [e["student"] for e in entries] == [str(s["anna"].pk)]
    # A move nobody pays for says nothing; the check never changes the draft.
    before = run.proposal
    assert services.formation_move_isolation(run=run, student_id=s["cem"].pk, to_assignment_id=None) == []
    run.refresh_from_db()
    assert run.proposal == before


def test_a_move_that_breaks_a_hard_rule_is_refused_with_its_code(small, start, coordinator):
    run = start(small.cohort)
    student, other, problems = _move_target(run, small)
    before = run.proposal
    with pytest.raises(RuleViolation) as refused:
        services.formation_move(run=run, student_id=student.pk, to_assignment_id=other.pk, by=coordinator)
    assert refused.value.code == problems[0]["code"]
    assert "reden" in str(refused.value)
    run.refresh_from_db()
    assert run.proposal == before
    assert not FormationMove.objects.exists()


def test_an_override_needs_a_reason_and_is_recorded_with_what_it_broke(small, start, coordinator):
    run = start(small.cohort)
    student, other, problems = _move_target(run, small)
    with pytest.raises(ValidationError):
        services.formation_move(
            run=run, student_id=student.pk, to_assignment_id=other.pk, by=coordinator, override=True, reason=" "
        )
    run = services.formation_move(
        run=run, student_id=student.pk, to_assignment_id=other.pk, by=coordinator, override=True, reason="Stage-eis"
    )
    assert placement(run)[student.pk] == other.pk
    move = FormationMove.objects.get()
    assert (move.student, move.to_assignment, move.override, move.reason) == (student, other, True, "Stage-eis")
    assert {p["code"] for p in move.overridden} == {p["code"] for p in problems}
    entry = next(s for s in run.proposal["students"] if s["student"] == str(student.pk))
    assert entry["assignment"] == str(other.pk)
    assert "coördinator" in entry["explanation"]
    assert sum(run.proposal["preference_profile"].values()) == len(small.students)


def test_taking_a_student_out_of_the_draft_lists_them_as_unplaced(small, start, coordinator):
    run = start(small.cohort)
    student, _other, _problems = _move_target(run, small)
    run = services.formation_move(
        run=run, student_id=student.pk, to_assignment_id=None, by=coordinator, override=True, reason="Ziek"
    )
    assert student.pk not in placement(run)
    assert str(student.pk) in {u["student"] for u in run.proposal["unplaced"]}


def test_a_move_of_a_stranger_is_bad_input(small, start, coordinator, other_cohort):
    stranger = StudentFactory(username="vreemde", profile__cohort=other_cohort)
    run = start(small.cohort)
    with pytest.raises(ValidationError) as refused:
        services.formation_move(run=run, student_id=stranger.pk, to_assignment_id=None, by=coordinator)
    assert "student" in refused.value.message_dict


def test_locked_students_stay_where_they_were_locked_on_a_rerun(
    small, start, coordinator, django_capture_on_commit_callbacks
):
    run = start(small.cohort)
    placed = placement(run)
    anna = small.students["anna"]
    target = small.jongeren if placed.get(anna.pk) != small.jongeren.pk else small.ouderen
    run = services.formation_move(
        run=run, student_id=anna.pk, to_assignment_id=target.pk, by=coordinator, override=True, reason="Wens"
    )
    services.formation_lock(run=run, student_id=anna.pk, locked=True, by=coordinator)
    run.refresh_from_db()
    assert run.locks == {str(anna.pk): str(target.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        second = services.formation_rerun(run=run, by=coordinator)
    second.refresh_from_db()
    assert second.status == FormationRun.Status.DONE, second.proposal.get("conflicts")
    assert placement(second).get(anna.pk) == target.pk


def test_existing_teams_are_kept_and_an_open_one_may_be_filled(small, start, coordinator):
    started = TeamFactory(
        assignment=small.jongeren, name="Team Gestart", status=TeamStatus.ACTIVE, created_by=coordinator
    )
    for name in ("eva", "finn"):
        add_member(started, small.students[name])
    run = start(small.cohort)
    assert run.status == FormationRun.Status.DONE, run.proposal.get("conflicts")
    kept = next(t for t in run.proposal["teams"] if t["db_team"] == started.pk)
    assert set(kept["members"]) == {str(small.students["eva"].pk), str(small.students["finn"].pk)}
    services.formation_publish(run=run, by=coordinator)
    assert set(started.memberships.values_list("student__username", flat=True)) == {"eva", "finn"}
    assert not MembershipChange.objects.filter(student__username__in=["eva", "finn"]).exists()


def test_an_empty_open_team_is_filled_rather_than_a_second_team_opened(small, start, coordinator):
    empty = TeamFactory(assignment=small.ouderen, name="Team Leeg", created_by=coordinator)
    run = start(small.cohort)
    services.formation_publish(run=run, by=coordinator)
    assert Team.objects.filter(assignment=small.ouderen).get() == empty
    assert empty.memberships.exists()


def test_repair_proposes_moves_that_make_a_broken_team_valid_again(
    small, start, coordinator, django_capture_on_commit_callbacks
):
    team = TeamFactory(assignment=small.ouderen, name="Team Kapot", status=TeamStatus.ACTIVE, created_by=coordinator)
    for name in ("anna", "cem", "dina"):  # niveau 4, 5, 4: no niveau 6
        add_member(team, small.students[name])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.formation_repair_start(cohort=small.cohort, by=coordinator, time_limit=2)
    run.refresh_from_db()
    assert run.kind == FormationRun.Kind.REPAIR
    assert run.status == FormationRun.Status.DONE, (run.error, run.proposal.get("conflicts"))
    services.formation_publish(run=run, by=coordinator)
    niveaus = set(
        Membership.objects.filter(team=team, left_at__isnull=True).values_list(
            "student__student_profile__niveau", flat=True
        )
    )
    assert 6 in niveaus
    assert Team.objects.count() == 1


def test_the_progress_thread_moves_the_bar_while_the_engine_works(transactional_db, small, coordinator):
    run = FormationRun.objects.create(
        cohort=small.cohort, created_by=coordinator, status=FormationRun.Status.RUNNING, parameters={}
    )
    ticker = _Ticker(run.pk, time_limit=2.0)
    ticker.start()
    seen = []

    def read_until(condition):
        # Polls rather than sleeping a fixed time: on a loaded CI machine a tick can come late.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.1)
            run.refresh_from_db()
            seen.append(run.progress)
            if condition(run.progress):
                return

    read_until(lambda p: p > 0)
    first = seen[-1]
    read_until(lambda p: p > first)
    ticker.report(0.9, "Fase 2 van 3")
    # A loaded machine can make one write miss (SQLite: "table is locked"); the next tick retries.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
        if run.progress >= 0.9:
            break
    ticker.done.set()
    ticker.join()
    run.refresh_from_db()
    assert seen == sorted(seen)
    assert seen[-1] > first > 0
    assert run.progress >= 0.9
    assert run.progress_message == "Fase 2 van 3"


def test_a_missed_progress_write_does_not_stop_the_bar(transactional_db, small, coordinator, monkeypatch):
    """CI once saw SQLite answer "table is locked" to one tick; the bar then stood still for the whole run."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    run = FormationRun.objects.create(
        cohort=small.cohort, created_by=coordinator, status=FormationRun.Status.RUNNING, parameters={}
    )
    real_update, calls = QuerySet.update, []

    def flaky_update(self, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("database table is locked: teams_formationrun")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", flaky_update)
    ticker = _Ticker(run.pk, time_limit=60.0)
    ticker.report(0.5, "Fase 1 van 3")
    ticker.start()
    deadline = time.monotonic() + 10
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    ticker.done.set()
    ticker.join()
    run.refresh_from_db()
    assert len(calls) >= 3
    assert run.progress >= 0.5
    assert run.progress_message == "Fase 1 van 3"


def test_a_deactivated_student_is_left_out_of_the_input(small, cohort):
    from teams.formation_selectors import formation_input

    gone = StudentFactory(username="gestopt", profile__cohort=cohort, is_active=False)
    ids = {s["id"] for s in formation_input(cohort=cohort)["students"]}
    assert str(gone.pk) not in ids
    assert str(small.students["anna"].pk) in ids


def test_what_a_move_breaks_is_said_with_titles_and_names_not_ids(small, start):
    run = start(small.cohort)
    _student, other, problems = _move_target(run, small)
    text = " ".join(p["detail"] for p in problems)
    assert other.title in text
    assert f"op {other.pk} " not in text


def test_after_a_move_the_teams_explanations_are_recomputed_and_names_kept(small, start, coordinator):
    run = start(small.cohort)
    student, other, _problems = _move_target(run, small)
    before = {t["assignment"]: t for t in run.proposal["teams"]}
    run = services.formation_move(
        run=run, student_id=student.pk, to_assignment_id=other.pk, by=coordinator, override=True, reason="Proef"
    )
    after = {t["assignment"]: t for t in run.proposal["teams"]}
    target = after[str(other.pk)]
    assert str(student.pk) in target["members"]
    assert target["name"] == before[str(other.pk)]["name"]
    assert target["explanation"] != before[str(other.pk)]["explanation"]


def test_in_the_local_runtime_the_run_goes_to_a_thread_and_the_caller_returns_at_once(
    transactional_db, settings, cohort, organisation, neighbourhood, coordinator
):
    """``make run``: eager Celery, so the run is handed to a thread; its progress is written while it works."""
    settings.FORMATION_RUN_IN_THREAD = True
    settings.FORMATION_PROGRESS_TICKS = True
    small = small_cohort(cohort=cohort, organisation=organisation, neighbourhood=neighbourhood, coordinator=coordinator)
    started = time.monotonic()
    run = services.formation_run_start(cohort=small.cohort, by=coordinator, time_limit=2)
    assert time.monotonic() - started < 1.0
    statuses = []
    for _ in range(100):
        run.refresh_from_db()
        statuses.append(run.status)
        if run.status not in (FormationRun.Status.QUEUED, FormationRun.Status.RUNNING):
            break
        time.sleep(0.1)
    assert statuses[0] in (FormationRun.Status.QUEUED, FormationRun.Status.RUNNING), "the run ran inside the call"
    assert run.status == FormationRun.Status.DONE, (run.error, statuses)
    assert run.progress == 1.0
    assert placement(run)


def test_a_cohort_without_open_assignments_is_not_formed(cohort, coordinator, student4):
    with pytest.raises(RuleViolation) as refused:
        services.formation_run_start(cohort=cohort, by=coordinator)
    assert refused.value.code == "not_ready"
    assert not FormationRun.objects.exists()


def test_publishing_is_one_audit_entry_in_the_cohort(small, start, coordinator):
    from wijklab.models import AuditEntry, AuditKind

    run = start(small.cohort)
    services.formation_publish(run=run, by=coordinator)
    entry = AuditEntry.objects.get(kind=AuditKind.MEMBERSHIP, object_type="formation_run")
    assert (entry.actor, entry.cohort, entry.object_id) == (coordinator, small.cohort, str(run.pk))
    assert "Teamindeling gepubliceerd" in entry.description


def test_the_rosters_in_the_publish_notifications_list_names_as_a_dutch_reader_expects(assignment):
    team = TeamFactory(assignment=assignment)
    for i, name in enumerate(["Pieter Zwart", "Özlem Özdemir", "ayşe Kaya"]):
        add_member(team, StudentFactory(username=f"roster{i}", display_name=name, profile__cohort=assignment.cohort))
    assert services._names_by_team({team.pk: team}) == {team.pk: ["ayşe Kaya", "Özlem Özdemir", "Pieter Zwart"]}
