"""Writes for team formation: start a run, adjust its draft, lock, re-run, publish once, repair.

A run's ``proposal`` is the draft. Every move is checked against the hard
rules with the engine's own ``violations`` (a rule is written once) and
recorded as a ``FormationMove``. Publishing turns the draft into teams and
memberships in one transaction and tells each person once, in the app and
in one mail, instead of one notification per placement (``teams.services``).
"""

from __future__ import annotations

import copy
import datetime
import functools
import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assignments.models import Assignment
from teams import formation_selectors as fs
from teams import notifications
from teams.models import (
    FormationMove,
    FormationRun,
    Membership,
    MembershipChange,
    SupervisionAssignment,
    Team,
    TeamStatus,
)
from teams.services import _release
from wijklab.celery import enqueue
from wijklab.errors import RuleViolation
from wijklab.ids import is_id
from wijklab.mail import send_notification_mail
from wijklab.models import AuditKind, Cohort, Notification, Role, User
from wijklab.names import name_key
from wijklab.services import audit_record, ensure_cohort_writable, notify_each

TIME_LIMIT_MAX = fs.TIME_LIMIT_MAX
REASON_MAX = 1000
# A queued or running run younger than this blocks a new one (an older one was lost by its worker).
RUN_STALE_AFTER = datetime.timedelta(minutes=10)
logger = logging.getLogger(__name__)
TICK_S = 0.3
STALE = gettext_lazy(
    "Sinds deze indeling is berekend, is er iets veranderd in de teams van het cohort (iemand sloot zich aan, "
    "vertrok of werd verplaatst, of een opdracht is niet meer open). Bereken de indeling opnieuw."
)


def _require_coordinator(cohort: Cohort, by: User) -> None:
    """The gate of every formation write: the cohort's coordinator, in a cohort that is not archived."""
    if not fs.formation_cohorts_of(user=by).filter(pk=cohort.pk).exists():
        raise PermissionDenied(_("Alleen de coördinator van het cohort kan teams vormen."))
    ensure_cohort_writable(cohort)


# --- starting a run ---------------------------------------------------------------


def _clean_parameters(
    *, time_limit: object, seed: object, weights: dict | None, rules: dict | None
) -> tuple[int, int, dict, dict]:
    errors: dict[str, list[str]] = {}
    if isinstance(time_limit, bool) or not isinstance(time_limit, int) or not 1 <= time_limit <= TIME_LIMIT_MAX:
        errors["time_limit"] = [_("Geef een rekentijd van 1 tot en met %(max)s seconden.") % {"max": TIME_LIMIT_MAX}]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**31 - 1:
        errors["seed"] = [_("Geef als startgetal een geheel getal van 0 tot en met 2147483647.")]
    clean_weights: dict[str, float] = {}
    # Only when weights are given: the engine's import (OR-Tools) costs seconds on a cold process.
    known = fs.engine().DEFAULT_WEIGHTS if weights else {}
    for key, value in (weights or {}).items():
        if key not in known:
            errors.setdefault("weights", []).append(
                _("Onbekend gewicht %(key)s; kies uit %(keys)s.") % {"key": key, "keys": ", ".join(known)}
            )
        elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            errors.setdefault("weights", []).append(
                _("Het gewicht %(key)s moet een getal van 0 tot en met 100 zijn.") % {"key": key}
            )
        else:
            clean_weights[key] = float(value)
    clean_rules: dict = {}
    for key, value in (rules or {}).items():
        if key == "only_ranked":
            if not isinstance(value, bool):
                errors.setdefault("rules", []).append(_("only_ranked is true of false."))
            clean_rules[key] = value
        elif key in ("min_shared_weekdays", "max_teams_per_assignment"):
            low = 0 if key == "min_shared_weekdays" else 1
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 5:
                errors.setdefault("rules", []).append(
                    _("%(key)s is een geheel getal van %(low)s tot en met 5.") % {"key": key, "low": low}
                )
            clean_rules[key] = value
        else:
            errors.setdefault("rules", []).append(_("Onbekende regel %(key)s.") % {"key": key})
    if errors:
        raise ValidationError(errors)
    return time_limit, seed, clean_weights, clean_rules


def _clean_locks(cohort: Cohort, locks: dict | None) -> dict[str, str]:
    if not locks:
        return {}
    students = set(fs.cohort_students(cohort=cohort).values_list("user_id", flat=True))
    assignments = set(fs.open_assignments_of(cohort=cohort).values_list("pk", flat=True))
    clean = {}
    for student_id, assignment_id in locks.items():
        if not (is_id(student_id) and student_id in students):
            raise ValidationError({"locked": [_("Een vastgezette student hoort niet bij dit cohort.")]})
        if not (is_id(assignment_id) and assignment_id in assignments):
            raise ValidationError({"locked": [_("Een student staat vast op een opdracht die niet open is.")]})
        clean[str(student_id)] = str(assignment_id)
    return clean


def _run_in_thread(run_id: int) -> None:
    """The local eager runtime's way to run a run: in this thread, then close its database connections."""
    try:
        formation_run_execute(run_id=run_id)
    finally:
        connections.close_all()


def _enqueue(run_id: int) -> None:
    """Hand the run to Celery; in the local eager runtime to a thread, so the page answers at once."""
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "FORMATION_RUN_IN_THREAD", True):
        threading.Thread(target=_run_in_thread, args=(run_id,), daemon=True, name="formation").start()
    else:
        enqueue("teams.formation_tasks.run_formation", run_id)


def _check_no_run_in_progress(cohort: Cohort) -> None:
    busy = FormationRun.objects.filter(
        cohort=cohort,
        status__in=[FormationRun.Status.QUEUED, FormationRun.Status.RUNNING],
        created_at__gte=timezone.now() - RUN_STALE_AFTER,
    )
    if busy.exists():
        raise RuleViolation("run_in_progress", _("Er loopt al een berekening voor dit cohort. Wacht tot die klaar is."))


@transaction.atomic
def formation_run_start(
    *,
    cohort: Cohort,
    by: User,
    time_limit: int = 10,
    seed: int = 1,
    weights: dict | None = None,
    rules: dict | None = None,
    locks: dict[int, int] | None = None,
    kind: str = FormationRun.Kind.FORMATION,
) -> FormationRun:
    """Queue a run of the engine for the cohort (``locks``: {student id: assignment id}, kept where they are)."""
    _require_coordinator(cohort, by)
    time_limit, seed, weights, rules = _clean_parameters(time_limit=time_limit, seed=seed, weights=weights, rules=rules)
    clean_locks = _clean_locks(cohort, locks)
    if not fs.cohort_students(cohort=cohort).exists() or not fs.open_assignments_of(cohort=cohort).exists():
        raise RuleViolation(
            "not_ready", _("Dit cohort heeft nog geen studenten of geen open opdrachten: er valt niets in te delen.")
        )
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # one start at a time per cohort
    _check_no_run_in_progress(cohort)
    run = FormationRun.objects.create(
        cohort=cohort,
        kind=kind,
        created_by=by,
        parameters={
            "time_limit": time_limit,
            "seed": seed,
            "weights": weights,
            "rules": rules,
            "locks": clean_locks,
        },
    )
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def formation_rerun(*, run: FormationRun, by: User, time_limit: object = None) -> FormationRun:
    """A new run with the same settings, around the students locked in ``run``; with ``time_limit``
    (seconds), that much computing time instead of the same."""
    params = run.parameters
    return formation_run_start(
        cohort=run.cohort,
        by=by,
        time_limit=params.get("time_limit", 10) if time_limit is None else time_limit,
        seed=params.get("seed", 1),
        weights=params.get("weights") or None,
        rules=params.get("rules") or None,
        locks={int(s): int(a) for s, a in run.locks.items()},
    )


def formation_repair_start(*, cohort: Cohort, by: User, time_limit: int = 10, seed: int = 1) -> FormationRun:
    """A draft proposing the fewest moves that make every team of the cohort valid again."""
    return formation_run_start(cohort=cohort, by=by, time_limit=time_limit, seed=seed, kind=FormationRun.Kind.REPAIR)


# --- adjusting the draft ------------------------------------------------------------


def _draft_run(run: FormationRun) -> FormationRun:
    """The run, locked for this transaction; refused unless it is a draft."""
    run = FormationRun.objects.select_for_update().get(pk=run.pk)
    if run.status == FormationRun.Status.PUBLISHED:
        raise RuleViolation("already_published", _("Deze indeling is al gepubliceerd en kan niet meer veranderen."))
    if run.status != FormationRun.Status.DONE:
        raise RuleViolation("not_a_draft", _("Deze indeling is (nog) niet klaar om aan te passen."))
    return run


def _placement(teams: list[dict], sid: str) -> tuple[int | None, str | None]:
    for index, team in enumerate(teams):
        if sid in team["members"]:
            return index, team["assignment"]
    return None, None


def _moved(teams: list[dict], sid: str, aid: str | None, to_team: int | None) -> list[dict]:
    """The draft's teams with ``sid`` moved to ``aid`` (team ``to_team`` of the draft, or the assignment's first)."""
    teams = copy.deepcopy(teams)
    for team in teams:
        if sid in team["members"]:
            team["members"].remove(sid)
    if aid is not None:
        target = None
        if to_team is not None:
            if not (0 <= to_team < len(teams)) or teams[to_team]["assignment"] != aid:
                raise ValidationError({"to_team": [_("Dit team hoort niet bij die opdracht.")]})
            target = teams[to_team]
        else:
            target = next((t for t in teams if t["assignment"] == aid), None)
        if target is None:
            target = {"assignment": aid, "members": [], "explanation": "", "name": ""}
            teams.append(target)
        target["members"].append(sid)
    return [t for t in teams if t["members"]]


def _move_args(run: FormationRun, student_id: object, to_assignment_id: object) -> tuple[str, str | None]:
    data = run.parameters.get("input") or {}
    sid = str(student_id) if is_id(student_id) else ""
    if not sid or sid not in {s["id"] for s in data.get("students", [])}:
        raise ValidationError({"student": [_("Deze student hoort niet bij deze indeling.")]})
    if to_assignment_id is None:
        return sid, None
    aid = str(to_assignment_id) if is_id(to_assignment_id) else ""
    if not aid or aid not in {a["id"] for a in data.get("assignments", [])}:
        raise ValidationError({"to_assignment": [_("Kies een open opdracht van dit cohort.")]})
    return sid, aid


def _new_problems(run: FormationRun, before: list[dict], after: list[dict], exempt: list[str]) -> list[dict]:
    eng = fs.engine()
    # Parsed once for both judgements (about 20 ms for 1,000 students, on every check of a move).
    cohort = eng.parse_cohort(fs.engine_cohort(run.parameters["input"]))
    known = {(p["code"], p["detail"]) for p in eng.violations(cohort, before, exempt=exempt)}
    new = [p for p in eng.violations(cohort, after, exempt=exempt) if (p["code"], p["detail"]) not in known]
    return [{"code": p["code"], "detail": p["detail"]} for p in fs.named(new, data=run.parameters["input"])]


def formation_move_check(
    *, run: FormationRun, student_id: int, to_assignment_id: int | None, to_team: int | None = None
) -> list[dict]:
    """What moving the student would break, [{"code", "detail"}]; [] when the move is fine."""
    sid, aid = _move_args(run, student_id, to_assignment_id)
    teams = fs.draft_teams(run)
    after = _moved(teams, sid, aid, to_team)
    return _new_problems(run, teams, after, fs.exempt_from_ranking(run))


def formation_move_isolation(
    *, run: FormationRun, student_id: int, to_assignment_id: int | None, to_team: int | None = None
) -> list[dict]:
    """Who the move would leave the only one of their niveau or school in their team, and was not
    before: [{"student", "assignment", "kind"}] (kind "niveau" or "school"). A soft goal, never a
    reason to refuse: the coordinator hears it before moving, as the board shows it after."""
    sid, aid = _move_args(run, student_id, to_assignment_id)
    teams = fs.draft_teams(run)
    after = _moved(teams, sid, aid, to_team)
    eng = fs.engine()
    cohort = eng.parse_cohort(fs.engine_cohort(run.parameters["input"]))

    def isolated(draft: list[dict]) -> dict[str, tuple[str, str]]:
        return {
            member: (team["assignment"], kind)
            for team in draft
            for member, kind in eng.isolated_members(cohort, team["members"]).items()
        }

    was = isolated(teams)
    return [
        {"student": member, "assignment": assignment, "kind": kind}
        for member, (assignment, kind) in isolated(after).items()
        if member not in was
    ]


def _rank(run: FormationRun, sid: str, aid: str) -> int | None:
    student = next(s for s in run.parameters["input"]["students"] if s["id"] == sid)
    return student["preferences"].index(aid) + 1 if aid in student["preferences"] else None


def _coordinator_text(run: FormationRun, sid: str, aid: str | None) -> str:
    if aid is None:
        return _("De coördinator heeft je niet in een team geplaatst.")
    rank = _rank(run, sid, aid)
    if rank is None:
        return _("De coördinator heeft je in dit team geplaatst.")
    return _("De coördinator heeft je in dit team geplaatst: je keuze %(rank)s.") % {"rank": rank}


def _rebuild(run: FormationRun, teams: list[dict], moved: set[str]) -> None:
    """The draft after a move: explanations, coverage words and the profile recomputed by the engine.

    The teams keep the database team they continue and their name; a student
    the coordinator moved is told so instead of the engine's reasoning.
    """
    data = run.parameters["input"]
    per_assignment: dict[str, int] = {}
    for team in teams:
        team["team"] = per_assignment.get(team["assignment"], 0)
        per_assignment[team["assignment"]] = team["team"] + 1
    body = fs.engine().build_proposal(
        fs.engine_cohort(data), teams, locked=data.get("locked"), proven=False, status=run.proposal.get("status", "")
    )
    carried = {(t["assignment"], frozenset(t["members"])): t for t in teams}
    for team in body["teams"]:
        source = carried.get((team["assignment"], frozenset(team["members"])), {})
        team["db_team"], team["name"] = source.get("db_team"), source.get("name", "")
    fs.mark_existing_members(body, data=data, locks=run.locks)
    for entry in body["students"]:
        if entry["student"] in moved:
            entry["explanation"] = _coordinator_text(run, entry["student"], entry["assignment"])
            entry.pop("why", None)
    for entry in body["unplaced"]:
        if entry["student"] in moved:
            entry["reason"] = _coordinator_text(run, entry["student"], None)
            entry.pop("why", None)
    for key in ("teams", "students", "unplaced", "preference_profile"):
        run.proposal[key] = body[key]


@transaction.atomic
def formation_move(
    *,
    run: FormationRun,
    student_id: int,
    to_assignment_id: int | None,
    by: User,
    override: bool = False,
    reason: str = "",
    to_team: int | None = None,
) -> FormationRun:
    """Move a student in the draft (to an assignment's team, or out: ``None``), checked against the hard rules.

    A move that breaks a rule is refused with ``RuleViolation(code, detail)``
    unless ``override`` with a reason, which is recorded with what it broke.
    """
    _require_coordinator(run.cohort, by)
    run = _draft_run(run)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("De reden is hoogstens 1000 tekens.")]})
    if "\x00" in reason:
        raise ValidationError({"reason": [_("De tekst bevat een teken dat niet kan.")]})
    sid, aid = _move_args(run, student_id, to_assignment_id)
    teams = fs.draft_teams(run)
    from_index, from_aid = _placement(teams, sid)
    if from_aid == aid and (to_team is None or to_team == from_index):
        raise RuleViolation("no_change", _("Deze student staat daar al."))
    after = _moved(teams, sid, aid, to_team)
    problems = _new_problems(run, teams, after, fs.exempt_from_ranking(run))
    if problems and not override:
        raise RuleViolation(
            problems[0]["code"],
            _("%(detail)s Kies 'regels overschrijven' en geef een reden om toch te verplaatsen.")
            % {"detail": " ".join(p["detail"] for p in problems)},
        )
    if override and not reason:
        raise ValidationError({"reason": [_("Geef een reden: die wordt bij de wijziging bewaard.")]})
    moved = {str(pk) for pk in run.moves.values_list("student_id", flat=True)} | {sid}
    _rebuild(run, after, moved)
    locks = run.locks
    if sid in locks:
        # A locked student stays locked, where the coordinator put them.
        if aid is None:
            locks.pop(sid)
        else:
            locks[sid] = aid
        run.parameters["locks"] = locks
    run.save(update_fields=["proposal", "parameters"])
    FormationMove.objects.create(
        run=run,
        student_id=int(sid),
        from_assignment_id=int(from_aid) if from_aid else None,
        to_assignment_id=int(aid) if aid else None,
        override=bool(problems),
        overridden=problems,
        reason=reason,
        by=by,
    )
    return run


@transaction.atomic
def formation_lock(*, run: FormationRun, student_id: int, locked: bool, by: User) -> FormationRun:
    """Fix a placed student to their assignment in the draft (or free them) for the next run."""
    _require_coordinator(run.cohort, by)
    run = _draft_run(run)
    sid, _aid = _move_args(run, student_id, None)
    locks = run.locks
    if locked:
        _index, aid = _placement(fs.draft_teams(run), sid)
        if aid is None:
            raise RuleViolation("not_placed", _("Plaats de student eerst in een team; dan kun je hem vastzetten."))
        locks[sid] = aid
    else:
        locks.pop(sid, None)
    run.parameters["locks"] = locks
    run.save(update_fields=["parameters"])
    return run


# --- publishing -----------------------------------------------------------------------


def _unique_name(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 1
    while name.lower() in taken:
        n += 1
        name = f"{wanted} {n}"
    taken.add(name.lower())
    return name


def team_url(team: Team) -> str:
    return reverse("team-detail", args=[team.pk])


@transaction.atomic
def formation_publish(*, run: FormationRun, by: User) -> FormationRun:
    """Create every team and membership of the draft at once; tell each person once.

    Refused when already published, or when the cohort's teams changed since
    the run was computed (the draft would no longer be what was checked).
    """
    _require_coordinator(run.cohort, by)
    run = _draft_run(run)
    cohort = run.cohort
    data = run.parameters.get("input") or {}
    if run.parameters.get("fingerprint") != fs.memberships_fingerprint(cohort=cohort):
        raise RuleViolation("stale", STALE)
    open_ids = {str(pk) for pk in fs.open_assignments_of(cohort=cohort).values_list("pk", flat=True)}
    if not {a["id"] for a in data.get("assignments", [])} <= open_ids:
        raise RuleViolation("stale", STALE)

    now = timezone.now()
    teams_in_cohort = list(
        Team.objects.select_for_update(of=("self",))
        .filter(assignment__cohort=cohort)
        .select_related("assignment", "assignment__neighbourhood", "assignment__organisation")
    )
    by_id = {t.pk: t for t in teams_in_cohort}
    current = {
        m.student_id: m for m in Membership.objects.filter(cohort=cohort, left_at__isnull=True).select_related("team")
    }
    occupied = {m.team_id for m in current.values()}
    taken_names: dict[int, set[str]] = {}
    for team in teams_in_cohort:
        taken_names.setdefault(team.assignment_id, set()).add(team.name.lower())
    cohort_names = {t.name.lower() for t in teams_in_cohort}
    assignments = {
        a.pk: a
        for a in Assignment.objects.filter(pk__in=[int(t["assignment"]) for t in fs.draft_teams(run)]).select_related(
            "neighbourhood", "organisation"
        )
    }
    used: set[int] = set()
    placed: dict[int, Team] = {}  # student id -> team
    for team_data in fs.draft_teams(run):
        aid = int(team_data["assignment"])
        team = by_id.get(team_data.get("db_team") or 0)
        if team is None:
            # An empty open team on the assignment is filled rather than a second one opened.
            team = next(
                (
                    t
                    for t in teams_in_cohort
                    if t.assignment_id == aid
                    and t.pk not in occupied
                    and t.pk not in used
                    and t.status == TeamStatus.OPEN
                ),
                None,
            )
        if team is None:
            assignment = assignments[aid]
            wanted = team_data.get("name") or _("Team %(wijk)s") % {"wijk": assignment.neighbourhood.name}
            name = _unique_name(wanted, cohort_names | taken_names.get(aid, set()))
            taken_names.setdefault(aid, set()).add(name.lower())
            cohort_names.add(name.lower())
            team = Team.objects.create(assignment=assignment, name=name, created_by=by)
            team.assignment = assignment
        used.add(team.pk)
        for sid in team_data["members"]:
            placed[int(sid)] = team

    changes: list[MembershipChange] = []
    new_memberships: list[Membership] = []
    for student_id, team in placed.items():
        membership = current.get(student_id)
        if membership is not None and membership.team_id == team.pk:
            continue
        from_team = None
        if membership is not None:
            from_team = membership.team
            _release(membership=membership, now=now)
        new_memberships.append(Membership(team=team, student_id=student_id, cohort=cohort))
        changes.append(
            MembershipChange(
                kind=MembershipChange.Kind.MOVED if from_team else MembershipChange.Kind.FORMED,
                student_id=student_id,
                from_team=from_team,
                to_team=team,
                by=by,
                emailed_at=now,  # the formation mail tells them; no mail per change
            )
        )
    input_ids = {int(s["id"]) for s in data.get("students", [])}
    for student_id, membership in current.items():
        if student_id in input_ids and student_id not in placed:
            _release(membership=membership, now=now)
            changes.append(
                MembershipChange(
                    kind=MembershipChange.Kind.REMOVED,
                    student_id=student_id,
                    from_team=membership.team,
                    by=by,
                    reason=_("Nieuwe indeling"),
                    emailed_at=now,
                )
            )
    try:
        with transaction.atomic():
            Membership.objects.bulk_create(new_memberships)
    except IntegrityError:
        raise RuleViolation("stale", STALE) from None
    MembershipChange.objects.bulk_create(changes)

    notifications = _announce(run=run, changes=changes, by=by)
    # One entry for the whole publication (the changes themselves are MembershipChange rows).
    audit_record(
        kind=AuditKind.MEMBERSHIP,
        actor=by,
        cohort_id=cohort.pk,
        object_type="formation_run",
        object_id=run.pk,
        description=gettext_lazy("Teamindeling gepubliceerd: %(count)s wijzigingen in teams."),
        params={"count": len(changes)},
    )
    run.status = FormationRun.Status.PUBLISHED
    run.published_at = now
    run.published_by = by
    run.parameters["notified"] = [n.pk for n in notifications]
    run.save(update_fields=["status", "published_at", "published_by", "parameters"])
    return run


def _announce(*, run: FormationRun, changes: list[MembershipChange], by: User) -> list:
    """One notification per person, written to them: placed students, teammates of changed teams,
    supervisors and the organisation's contacts (level-blind). Their mail follows (wijklab.mail)."""
    entries = {s["student"]: s for s in run.proposal.get("students", [])}
    changed_teams: dict[int, Team] = {}
    changed_students = set()
    for change in changes:
        changed_students.add(change.student_id)
        for team in (change.to_team, change.from_team):
            if team is not None:
                changed_teams[team.pk] = team
    users = {u.pk: u for u in User.objects.filter(pk__in=changed_students)}
    arrived: dict[int, list[str]] = {t: [] for t in changed_teams}
    left: dict[int, list[str]] = {t: [] for t in changed_teams}
    rows = []
    for change in changes:
        student = users[change.student_id]
        if change.from_team is not None:
            left[change.from_team.pk].append(student.get_display_name())
        if change.to_team is not None:
            team = change.to_team
            arrived[team.pk].append(student.get_display_name())
            entry = entries.get(str(student.pk), {})
            title, body = notifications.formation_for_placed(
                team, change.from_team, functools.partial(fs.student_explanation, entry)
            )
            rows.append((student, title, body, team_url(team)))
        else:
            title, body = notifications.formation_for_unplaced(change.from_team)
            rows.append((student, title, body, reverse("team-list")))
    names = _names_by_team(changed_teams)
    # Teammates who stayed: who came and went in their team.
    stayers = (
        Membership.objects.filter(team_id__in=changed_teams, left_at__isnull=True)
        .exclude(student_id__in=changed_students)
        .select_related("student")
    )
    for m in stayers:
        team = changed_teams[m.team_id]
        title, body = notifications.formation_for_teammate(
            team,
            arrived=sorted(arrived[team.pk], key=name_key),
            left=sorted(left[team.pk], key=name_key),
            roster=names[team.pk],
        )
        rows.append((m.student, title, body, team_url(team)))
    # Supervisors and the organisation's contacts: one notification each, listing their teams.
    followers: dict[int, tuple[User, set[int], bool]] = {}
    for link in SupervisionAssignment.objects.filter(team_id__in=changed_teams).select_related("supervisor"):
        followers.setdefault(link.supervisor_id, (link.supervisor, set(), False))[1].add(link.team_id)
    organisations: dict[int, set[int]] = {}
    for team in changed_teams.values():
        organisations.setdefault(team.assignment.organisation_id, set()).add(team.pk)
    for contact in User.objects.filter(role=Role.ORGANISATION, organisation_id__in=organisations, is_active=True):
        followers.setdefault(contact.pk, (contact, set(), True))[1].update(organisations[contact.organisation_id])
    for user, team_ids, organisation in followers.values():
        teams = sorted((changed_teams[t] for t in team_ids), key=lambda t: t.name)
        title, body = notifications.formation_for_followers(teams, names, organisation=organisation)
        rows.append((user, title, body, team_url(teams[0])))
    return notify_each(kind="team_formed", rows=[r for r in rows if r[0].pk != by.pk])


def _names_by_team(teams: dict[int, Team]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {t: [] for t in teams}
    for m in Membership.objects.filter(team_id__in=teams, left_at__isnull=True).select_related("student"):
        names[m.team_id].append(m.student.get_display_name())
    return {t: sorted(v, key=name_key) for t, v in names.items()}


# --- running a run (the task run_formation) ------------------------------------------
# It runs CP-SAT for up to the run's time limit. Its progress is written by a small ticker
# thread every TICK_S, in short transactions of its own: CP-SAT calls the progress callback
# from its worker threads, which only note the latest value (no database work in a solver
# thread), and a bar that only moved on new solutions would stand still for seconds.


def ticker_message() -> str:
    return str(_("De gegevens van het cohort worden verzameld"))


class _Ticker(threading.Thread):
    """Writes the run's progress while the engine works: the engine's own figure, or the time spent."""

    def __init__(self, run_id: int, time_limit: float) -> None:
        super().__init__(daemon=True, name=f"formation-progress-{run_id}")
        self.run_id, self.time_limit = run_id, max(time_limit, 0.1)
        self.started = time.monotonic()
        self.fraction, self.message = 0.0, ticker_message()
        self.done = threading.Event()

    def report(self, fraction: float, message: str) -> None:
        # Called from CP-SAT's threads: only remember it.
        self.fraction, self.message = max(self.fraction, float(fraction)), str(message)

    def run(self) -> None:
        try:
            while not self.done.wait(TICK_S):
                elapsed = (time.monotonic() - self.started) / self.time_limit
                progress = min(0.99, max(self.fraction, 0.95 * elapsed))
                try:
                    FormationRun.objects.filter(pk=self.run_id, status=FormationRun.Status.RUNNING).update(
                        progress=progress, progress_message=self.message[:200]
                    )
                except DatabaseError:
                    # A missed write (a locked SQLite table, a dropped connection) must neither end
                    # the run nor stop the bar: the next tick writes the newer figure.
                    logger.warning("formation progress of run %s not written; next tick retries", self.run_id)
                    connection.close()
        except Exception:  # anything else ends the bar, never the run
            logger.exception("formation progress of run %s", self.run_id)
        finally:
            connection.close()


def _name_teams(run: FormationRun, proposal: dict, data: dict) -> None:
    """Link each proposed team to the database team it continues; give new teams a proposed name."""
    existing = data.get("existing", [])
    neighbourhood = dict(
        Assignment.objects.filter(pk__in=[int(a["id"]) for a in data.get("assignments", [])]).values_list(
            "pk", "neighbourhood__name"
        )
    )
    taken = {name.lower() for name in Team.objects.filter(assignment__cohort=run.cohort).values_list("name", flat=True)}
    used: set[int] = set()
    for team in proposal.get("teams", []):
        members = set(team.get("members", []))
        best, overlap = None, 0
        for e in existing:
            shared = len(members & set(e["members"]))
            if e["assignment"] == team["assignment"] and e["team"] not in used and shared > overlap:
                best, overlap = e, shared
        if best is not None:
            used.add(best["team"])
            team["db_team"], team["name"] = best["team"], best["name"]
            continue
        wanted = _("Team %(wijk)s") % {"wijk": neighbourhood.get(int(team["assignment"]), "")}
        name, n = wanted, 1
        while name.lower() in taken:
            n += 1
            name = f"{wanted} {n}"
        taken.add(name.lower())
        team["db_team"], team["name"] = None, name


def formation_run_execute(*, run_id: int) -> str:
    """Compute a run's proposal (the task ``run_formation``). Idempotent: only a queued run is started."""
    with transaction.atomic():
        run = FormationRun.objects.select_for_update().filter(pk=run_id).select_related("cohort").first()
        if run is None or run.status != FormationRun.Status.QUEUED:
            return "skipped"
        run.status = FormationRun.Status.RUNNING
        run.started_at = timezone.now()
        run.progress, run.progress_message = 0.0, ticker_message()
        run.save(update_fields=["status", "started_at", "progress", "progress_message"])
    params = run.parameters
    time_limit = float(params.get("time_limit", 10))
    ticker = _Ticker(run.pk, time_limit)
    status, proposal, error = FormationRun.Status.FAILED, {}, ""
    if getattr(settings, "FORMATION_PROGRESS_TICKS", True):
        ticker.start()
    try:
        repair = run.kind == FormationRun.Kind.REPAIR
        data = fs.formation_input(cohort=run.cohort, locks=params.get("locks"), rules=params.get("rules"))
        params["input"] = data
        params["fingerprint"] = fs.memberships_fingerprint(cohort=run.cohort)
        FormationRun.objects.filter(pk=run.pk).update(parameters=params)
        eng = fs.engine()
        ticker.report(0.02, str(_("De indeling wordt berekend")))
        with translation.override(settings.LANGUAGE_CODE):
            if repair:
                current = [{"assignment": e["assignment"], "members": e["members"]} for e in data["existing"]]
                proposal = eng.repair(
                    fs.engine_cohort(data), current, time_limit=time_limit, seed=params.get("seed", 1)
                )
            else:
                proposal = eng.solve(
                    fs.engine_cohort(data),
                    time_limit=time_limit,
                    seed=params.get("seed", 1),
                    weights=params.get("weights") or None,
                    locked=data["locked"],
                    progress=ticker.report,
                )
        engine_status = proposal.get("status")
        if engine_status in ("optimal", "feasible"):
            status = FormationRun.Status.DONE
            _name_teams(run, proposal, data)
            fs.mark_existing_members(proposal, data=data, locks=run.locks)
        elif engine_status == "infeasible":
            status = FormationRun.Status.INFEASIBLE
        else:
            error = " ".join(c.get("detail", "") for c in proposal.get("conflicts", [])) or str(
                _("Er is geen indeling gevonden.")
            )
    except Exception as exc:
        logger.exception("formation run %s failed", run_id)
        message = getattr(exc, "message", None)
        error = str(message) if message else str(_("De berekening is mislukt door een fout. Probeer het opnieuw."))
    finally:
        ticker.done.set()
        if ticker.is_alive():
            ticker.join(timeout=5)
    FormationRun.objects.filter(pk=run.pk).update(
        status=status,
        proposal=proposal,
        objective=proposal.get("objective"),
        bound=proposal.get("bound"),
        gap=proposal.get("gap"),
        error=error,
        progress=1.0,
        progress_message=str(_("Klaar")) if status == FormationRun.Status.DONE else "",
        finished_at=timezone.now(),
    )
    return status


# --- the mail after publishing (the task email_formation_published) --------------------


def formation_published_email(*, run_id: int) -> int:
    """The job the previous release enqueued after publishing (``email_formation_published``).

    The notification mail carries a published run now (one mail per person, ``wijklab.mail``,
    scheduled when its notifications are stored); a job still queued from before sends the
    pending mail of the people it told, once (``emailed_at``). Returns the number of mails.
    """
    with transaction.atomic():
        run = FormationRun.objects.select_for_update().filter(pk=run_id, emailed_at__isnull=True).first()
        if run is None:
            return 0
        run.emailed_at = timezone.now()
        run.save(update_fields=["emailed_at"])
    notified = run.parameters.get("notified", [])
    user_ids = sorted(set(Notification.objects.filter(pk__in=notified).values_list("user_id", flat=True)))
    return sum(send_notification_mail(user_id=user_id) > 0 for user_id in user_ids)
