"""Reads for team formation: who may form a cohort's teams, the engine's input, the board.

The engine (``teams.formation``) works on plain data with ids as strings;
here the database becomes that data (``formation_input``) and a run's draft
becomes something to show (``formation_board``), joined with the database in
a fixed number of queries however large the cohort.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Preference
from assignments.selectors import has_open_preference
from teams.models import FormationMove, FormationRun, Membership, Team, TeamStatus
from wijklab.ids import is_id
from wijklab.models import Cohort, Competence, Role, School, StudentProfile, User
from wijklab.names import by_name
from wijklab.selectors import (
    access_managed_cohort,
    cohorts_managed_by,
    first_and_count,
    incomplete_profile_q,
)

if TYPE_CHECKING:
    from types import ModuleType

# The rules of a run when the coordinator changes nothing (docs/api.md "Team formation as a file").
DEFAULT_RULES = {"min_shared_weekdays": 1, "only_ranked": True, "max_teams_per_assignment": 1}
DRAFT_SHOWN = (FormationRun.Status.DONE, FormationRun.Status.PUBLISHED)
PROFILE_KEYS = ("1", "2", "3", "4", "5", "unranked", "unplaced")
# The longest computing time a run may have, in seconds.
TIME_LIMIT_MAX = 300
# A longer search when a proposal is not proven the best: at least this, or four times the last.
LONGER_AT_LEAST = 60


def engine() -> ModuleType:
    """The formation engine, imported on first use (OR-Tools is heavy to load for pages that never solve)."""
    from teams import formation

    return formation


# --- access -----------------------------------------------------------------


def formation_cohorts_of(*, user: User) -> QuerySet[Cohort]:
    """The cohorts whose teams ``user`` may form: those they coordinate (``cohorts_managed_by``)."""
    return cohorts_managed_by(user=user)


def access_formation_cohort(*, user: User, cohort_id: object) -> Cohort:
    """The cohort if ``user`` coordinates it; 404 otherwise, as if it did not exist."""
    return access_managed_cohort(user=user, cohort_id=cohort_id)


def formation_runs_visible_to(*, user: User) -> QuerySet[FormationRun]:
    return FormationRun.objects.filter(cohort__in=formation_cohorts_of(user=user))


def access_formation_run_by_id(*, user: User, run_id: object) -> FormationRun:
    """The run if ``user`` coordinates its cohort; 404 otherwise (students, organisations, supervisors too)."""
    if not is_id(run_id):
        raise Http404("Indeling niet gevonden.")
    run = formation_runs_visible_to(user=user).select_related("cohort").filter(pk=run_id).first()
    if run is None:
        raise Http404("Indeling niet gevonden.")
    return run


def formation_runs_of(*, cohort: Cohort) -> QuerySet[FormationRun]:
    """The cohort's runs, newest first (without the large proposal column)."""
    return (
        FormationRun.objects.filter(cohort=cohort)
        .defer("proposal", "parameters")
        .select_related("created_by", "published_by")
        .order_by("-created_at", "-id")
    )


# --- the engine's input -------------------------------------------------------


def open_assignments_of(*, cohort: Cohort) -> QuerySet[Assignment]:
    return Assignment.objects.filter(cohort=cohort, status=AssignmentStatus.OPEN).order_by("pk")


def cohort_students(*, cohort: Cohort) -> QuerySet[StudentProfile]:
    return StudentProfile.objects.filter(cohort=cohort, user__role=Role.STUDENT, user__is_active=True).order_by(
        "user_id"
    )


def memberships_fingerprint(*, cohort: Cohort) -> str:
    """A hash of the cohort's active memberships: a draft made before a join or a leave is stale."""
    rows = (
        Membership.objects.filter(cohort=cohort, left_at__isnull=True)
        .order_by("student_id")
        .values_list("student_id", "team_id")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def formation_input(
    *,
    cohort: Cohort,
    locks: dict[str, str] | None = None,
    rules: dict | None = None,
    keep_open_teams: bool = True,
) -> dict:
    """The cohort as the engine's COHORT dict, plus ``locked`` and what publishing needs.

    Students of the cohort with niveau, school, competences, weekdays and
    their preferences (open assignments only, in rank order); the cohort's
    open assignments. Existing teams with members become ``locked`` entries:
    a team that is not open is ``closed`` (kept exactly as it is), an open one
    may be filled up. ``locks`` ({student id: assignment id}, strings) are
    the coordinator's: those students stay on that assignment. Students in a
    team of an assignment that is no longer open are left out: their place is
    settled.

    Returned keys: the COHORT keys (``rules``, ``assignments``, ``students``,
    ``together``, ``apart``), ``locked`` (the engine's lock list) and
    ``existing`` ([{"team", "assignment", "members"}], the database teams
    behind the first locked entries, in the same order).
    """
    rules = {**DEFAULT_RULES, **(rules or {})}
    locks = dict(locks or {})
    assignments = list(
        open_assignments_of(cohort=cohort).prefetch_related(
            Prefetch("required_competences", queryset=AssignmentCompetence.objects.order_by("competence_id"))
        )
    )
    open_ids = {a.pk for a in assignments}
    teams = list(
        Team.objects.filter(assignment__cohort=cohort)
        .exclude(status=TeamStatus.CLOSED)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(left_at__isnull=True).order_by("student_id"),
                to_attr="active",
            )
        )
        .order_by("assignment_id", "pk")
    )
    settled = {m.student_id for t in teams if t.assignment_id not in open_ids for m in t.active}
    profiles = list(
        cohort_students(cohort=cohort)
        .exclude(user_id__in=settled)
        .select_related("school")
        .prefetch_related(Prefetch("competences", queryset=Competence.objects.order_by("pk")))
    )
    student_ids = {p.user_id for p in profiles}
    preferences: dict[int, list[str]] = defaultdict(list)
    for student_id, assignment_id in (
        Preference.objects.filter(student_id__in=student_ids, assignment_id__in=open_ids)
        .order_by("student_id", "rank")
        .values_list("student_id", "assignment_id")
    ):
        preferences[student_id].append(str(assignment_id))

    existing = []
    per_assignment: dict[int, int] = defaultdict(int)
    for team in teams:
        members = [m.student_id for m in team.active if m.student_id in student_ids]
        if team.assignment_id not in open_ids or not members:
            continue
        per_assignment[team.assignment_id] += 1
        existing.append(
            {
                "team": team.pk,
                "name": team.name,
                "assignment": str(team.assignment_id),
                "members": [str(s) for s in members],
                "closed": team.status != TeamStatus.OPEN or not keep_open_teams,
            }
        )
    locked = [{"assignment": e["assignment"], "members": list(e["members"]), "closed": e["closed"]} for e in existing]
    in_existing = {sid for e in existing for sid in e["members"]}
    extra: dict[str, list[str]] = defaultdict(list)
    for student_id, assignment_id in sorted(locks.items()):
        if student_id in in_existing or int(student_id) not in student_ids or int(assignment_id) not in open_ids:
            continue
        target = next((e for e in locked if e["assignment"] == assignment_id and not e["closed"]), None)
        if target is not None:
            target["members"].append(student_id)
        else:
            extra[assignment_id].append(student_id)
    for assignment_id, members in extra.items():
        locked.append({"assignment": assignment_id, "members": members, "closed": False})
        per_assignment[int(assignment_id)] += 1

    default_max = int(rules["max_teams_per_assignment"])
    return {
        "rules": rules,
        "assignments": [
            {
                "id": str(a.pk),
                "team_size_min": a.team_size_min,
                "team_size_max": a.team_size_max,
                "min_niveau_4": a.min_niveau_4,
                "min_niveau_5": a.min_niveau_5,
                "min_niveau_6": a.min_niveau_6,
                "requires_hbo": a.requires_hbo,
                # Teams that already exist count: never fewer allowed than there are.
                "max_teams": max(default_max, per_assignment.get(a.pk, 0)),
                "competences": {str(rc.competence_id): rc.importance for rc in a.required_competences.all()},
            }
            for a in assignments
        ],
        "students": [
            {
                "id": str(p.user_id),
                "niveau": p.niveau,
                "school": str(p.school_id),
                "competences": [str(c.pk) for c in p.competences.all()],
                "weekdays": sorted({d for d in p.available_days or [] if isinstance(d, int) and 0 <= d <= 4}),
                "preferences": preferences.get(p.user_id, []),
            }
            for p in profiles
        ],
        "together": [],
        "apart": [],
        "locked": locked,
        "existing": existing,
    }


def engine_cohort(data: dict) -> dict:
    """Only the COHORT keys of a ``formation_input`` (what ``violations`` and ``preference_profile`` take)."""
    return {key: data[key] for key in ("rules", "assignments", "students", "together", "apart")}


# --- readiness ----------------------------------------------------------------


# How many names each readiness list shows; the counts say how many there are in all.
READINESS_NAMES = 40


@dataclass
class FormationReadiness:
    students_total: int
    without_preferences: list[User]  # the first READINESS_NAMES, by name
    without_preferences_count: int
    incomplete_profiles: list[User]  # no weekdays or no competences; the first READINESS_NAMES
    incomplete_profiles_count: int
    in_team: int
    teamless: int
    open_assignments: int
    seats: int  # the open assignments' maximum places (one team each)
    preferences_open: bool
    self_join_open: bool

    @property
    def ready(self) -> bool:
        return self.students_total > 0 and self.open_assignments > 0

    @property
    def everyone_ready(self) -> bool:
        """Every student has a complete profile and has chosen: what the cohort page reports."""
        return self.students_total > 0 and not self.incomplete_profiles_count and not self.without_preferences_count


def formation_readiness(*, cohort: Cohort) -> FormationReadiness:
    """Counted in the database, with the first names of each list: reading the whole cohort's profiles
    made this the slowest part of the formation page for a regional cohort (docs/benchmarks.md)."""
    students = cohort_students(cohort=cohort)
    without = students.exclude(has_open_preference())
    incomplete = students.filter(incomplete_profile_q())
    counts = students.aggregate(
        total=Count("pk"),
        in_team=Count(
            "pk",
            filter=Q(Exists(Membership.objects.filter(student_id=OuterRef("user_id"), cohort=cohort, left_at=None))),
        ),
    )
    seats = open_assignments_of(cohort=cohort).aggregate(n=Count("pk"), seats=Sum("team_size_max"))

    def first(profiles: QuerySet[StudentProfile]) -> tuple[list[User], int]:
        named = profiles.select_related("user").order_by(by_name("user__display_name"), by_name("user__username"), "pk")
        rows, count = first_and_count(named, READINESS_NAMES)
        return [p.user for p in rows], count

    without_preferences, without_preferences_count = first(without)
    incomplete_profiles, incomplete_profiles_count = first(incomplete)
    return FormationReadiness(
        students_total=counts["total"],
        without_preferences=without_preferences,
        without_preferences_count=without_preferences_count,
        incomplete_profiles=incomplete_profiles,
        incomplete_profiles_count=incomplete_profiles_count,
        in_team=counts["in_team"],
        teamless=counts["total"] - counts["in_team"],
        open_assignments=seats["n"],
        seats=seats["seats"] or 0,
        preferences_open=cohort.preferences_open,
        self_join_open=cohort.self_join_open,
    )


# --- the board ----------------------------------------------------------------


@dataclass
class MemberCard:
    user: User
    niveau: int
    school: School
    competences: list[Competence]
    rank: int | None  # which choice this assignment was; None: not ranked
    locked: bool  # fixed by the coordinator
    existing: bool  # already in this team in the database
    explanation: str
    # The soft goal "nobody isolated": "niveau" (the only one of their niveau in a team of three or
    # more), "school" (else the only one of their school), "" (neither). Drafts made before the
    # engine named these have no marks.
    isolated: str = ""


@dataclass
class CoverageItem:
    competence: Competence
    importance: int
    covered: bool


@dataclass
class BoardTeam:
    index: int  # the team's place in the draft (``to_team`` of a move)
    team: Team | None  # the database team it continues, if any
    name: str  # the database name, or the name publishing will give
    members: list[MemberCard]
    coverage: list[CoverageItem]
    problems: list[dict]  # hard rules it breaks: [{"code", "detail"}]
    explanation: str

    @property
    def coverage_percent(self) -> int:
        total = sum(c.importance for c in self.coverage)
        if not total:
            return 100
        return round(100 * sum(c.importance for c in self.coverage if c.covered) / total)


@dataclass
class BoardAssignment:
    assignment: Assignment
    teams: list[BoardTeam]

    @property
    def problems(self) -> list[dict]:
        return [p for t in self.teams for p in t.problems]


@dataclass
class UnplacedCard:
    user: User
    niveau: int
    school: School
    competences: list[Competence]
    preferences: list[Assignment]
    locked: bool
    reason: str


@dataclass
class ProfileRow:
    key: str  # "1".."5", "unranked", "unplaced"
    label: str
    count: int
    percent: int


@dataclass
class FormationBoard:
    run: FormationRun
    status: str
    status_label: str
    progress: float
    progress_message: str
    assignments: list[BoardAssignment] = field(default_factory=list)
    unplaced: list[UnplacedCard] = field(default_factory=list)
    profile: list[ProfileRow] = field(default_factory=list)
    placed: int = 0
    students_total: int = 0
    first_choice_percent: int = 0
    top3_percent: int = 0
    gap_text: str = ""
    conflicts: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # every hard rule the draft breaks
    moves: list[FormationMove] = field(default_factory=list)
    can_edit: bool = False
    can_publish: bool = False


def _profile_label(key: str) -> str:
    if key == "unranked":
        return _("niet gekozen opdracht")
    if key == "unplaced":
        return _("niet geplaatst")
    return _("%(rank)se keuze") % {"rank": key}


def draft_teams(run: FormationRun) -> list[dict]:
    return list((run.proposal or {}).get("teams", []))


def exempt_from_ranking(run: FormationRun) -> list[str]:
    """Students ``only_ranked`` does not apply to: the coordinator's locks and the members of existing teams.

    The engine exempts them while solving (a team students formed themselves may hold someone who never
    ranked its assignment); the draft's checks must judge them the same way.
    """
    data = run.parameters.get("input") or {}
    existing = {str(m) for entry in data.get("locked", []) for m in entry.get("members", [])}
    return sorted(existing | {str(s) for s in run.locks})


def mark_existing_members(proposal: dict, *, data: dict, locks: dict) -> None:
    """Tell members of a team that already existed why they are there: the team exists.

    The engine knows them only as locked (as if the coordinator had pinned them); a student
    the coordinator did pin keeps the engine's explanation.
    """
    kept = {str(m) for team in data.get("existing", []) for m in team.get("members", [])} - {str(s) for s in locks}
    for entry in proposal.get("students", []):
        if entry.get("student") in kept and (entry.get("why") or {}).get("code") == "locked":
            entry["why"] = {"code": "existing_team", "params": {}}
            entry["explanation"] = str(engine().explanation_text(entry["why"]))


def draft_violations(run: FormationRun) -> list[dict]:
    """Every hard rule the run's draft breaks (locked students and existing teams' members: not ``only_ranked``)."""
    data = run.parameters.get("input")
    if not data or not run.proposal.get("teams"):
        return []
    return engine().violations(engine_cohort(data), draft_teams(run), exempt=exempt_from_ranking(run))


# The engine speaks in ids (it knows no names); these are the places its texts put them.
_ASSIGNMENT_ID = re.compile(r"(?<=\bop )(\d+)\b|(?<=\bopdracht )(\d+)\b")
_ID_LIST = re.compile(r"\((\d+(?:, \d+)*)\)")
_STUDENT_CODES = {"not_ranked", "apart", "together", "twice", "unknown_student"}


def named(problems: list[dict], *, data: dict) -> list[dict]:
    """The engine's problems or conflicts ``[{"code", "detail", …}]`` with titles and names for its ids."""
    if not problems:
        return []
    assignment_ids = {int(a["id"]) for a in data.get("assignments", [])}
    titles = {
        str(pk): title for pk, title in Assignment.objects.filter(pk__in=assignment_ids).values_list("pk", "title")
    }
    wanted: set[int] = set()
    for p in problems:
        wanted.update(int(s) for s in p.get("students") or [] if str(s).isdigit())
        for match in _ID_LIST.finditer(str(p.get("detail", ""))):
            wanted.update(int(i) for i in match.group(1).split(", "))
    names = {
        str(u.pk): u.get_display_name()
        for u in User.objects.filter(pk__in=wanted).only("pk", "display_name", "username", "first_name", "last_name")
    }

    def titled(match: re.Match) -> str:
        aid = match.group(1) or match.group(2)
        return f"‘{titles[aid]}’" if aid in titles else aid

    def listed(match: re.Match) -> str:
        ids = match.group(1).split(", ")
        return "(" + ", ".join(names.get(i, i) for i in ids) + ")" if all(i in names for i in ids) else match.group(0)

    out = []
    for p in problems:
        detail = _ID_LIST.sub(listed, _ASSIGNMENT_ID.sub(titled, str(p.get("detail", ""))))
        if p.get("code") in _STUDENT_CODES:
            for sid in p.get("students") or []:
                if str(sid) in names:
                    detail = re.sub(rf"\b{re.escape(str(sid))}\b", names[str(sid)], detail)
        out.append({**p, "detail": detail})
    return out


def isolation_notes(entries: list[dict]) -> list[str]:
    """``formation_move_isolation``'s entries as sentences for the coordinator (names, niveau, school,
    assignment title): what a move costs the soft goal "nobody isolated"."""
    if not entries:
        return []
    users = {
        str(u.pk): u
        for u in User.objects.filter(pk__in=[int(e["student"]) for e in entries]).select_related(
            "student_profile__school"
        )
    }
    titles = {
        str(pk): title
        for pk, title in Assignment.objects.filter(pk__in=[int(e["assignment"]) for e in entries]).values_list(
            "pk", "title"
        )
    }
    notes = []
    for e in entries:
        user = users.get(str(e["student"]))
        profile = getattr(user, "student_profile", None)
        if profile is None:
            continue
        params = {"name": user.get_display_name(), "title": titles.get(str(e["assignment"]), "")}
        if e["kind"] == "niveau":
            text = _("%(name)s is dan de enige van niveau %(niveau)s in het team van ‘%(title)s’.")
            params["niveau"] = profile.niveau
        else:
            text = _("%(name)s is dan de enige van %(school)s in het team van ‘%(title)s’.")
            params["school"] = profile.school.name
        notes.append(text % params)
    return notes


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def student_explanation(entry: dict) -> str:
    """A student's or team's explanation in the active language (from ``why`` when the engine gave it)."""
    why = entry.get("why")
    if why:
        try:
            return str(engine().explanation_text(why))
        except (AttributeError, KeyError, TypeError, ValueError):
            pass
    return str(entry.get("explanation") or entry.get("reason") or "")


def gap_text_for(proposal: dict) -> str:
    """How far from the best the proposal may be, in the reader's language (the stored text is in
    the language the run was started in): the board's and the API's words."""
    if "status" in proposal and "gap" in proposal:
        return str(engine().gap_text(proposal["gap"], proposal["status"]))
    return str(proposal.get("gap_text", ""))


def longer_time_limit(*, run: FormationRun) -> int | None:
    """The computing time to offer for another try when ``run``'s proposal is not proven the best
    (``None`` when it is, or when it already had the most): the bound closes with time, and a run
    of 40 s proved a 300-student cohort's best where 5 s left 8 % open (docs/formation.md, "What
    limits the bound")."""
    proposal = run.proposal or {}
    if not run.is_draft or run.kind != FormationRun.Kind.FORMATION or not proposal.get("teams"):
        return None
    gap = proposal.get("gap")
    if proposal.get("status") == "optimal" or gap == 0:
        return None
    previous = run.parameters.get("time_limit", 10)
    if not isinstance(previous, int) or previous >= TIME_LIMIT_MAX:
        return None
    return min(TIME_LIMIT_MAX, max(LONGER_AT_LEAST, 4 * previous))


def formation_board(*, run: FormationRun, viewer: User) -> FormationBoard:
    """The run's draft joined with the database for display, in a fixed number of queries."""
    proposal = run.proposal or {}
    data = run.parameters.get("input") or {}
    board = FormationBoard(
        run=run,
        status=run.status,
        status_label=str(run.get_status_display()),
        progress=run.progress,
        progress_message=run.progress_message,
        gap_text=gap_text_for(proposal),
        conflicts=[
            {"code": c.get("code", ""), "detail": c.get("detail", "")}
            for c in named(proposal.get("conflicts", []), data=data)
        ],
        moves=list(run.moves.select_related("student", "by", "from_assignment", "to_assignment")),
        can_edit=run.is_draft,
        can_publish=run.is_draft,
    )
    board.students_total = len(data.get("students", []))
    if not proposal.get("teams") and not proposal.get("unplaced"):
        return board
    student_ids = [int(s["id"]) for s in data.get("students", [])]
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=student_ids)
        .select_related("student_profile__school")
        .prefetch_related(
            Prefetch("student_profile__competences", queryset=Competence.objects.order_by("name"), to_attr="sorted")
        )
    }
    assignment_ids = {int(a["id"]) for a in data.get("assignments", [])}
    assignments = {
        a.pk: a
        for a in Assignment.objects.filter(pk__in=assignment_ids)
        .select_related("organisation", "neighbourhood")
        .prefetch_related(
            Prefetch(
                "required_competences",
                queryset=AssignmentCompetence.objects.select_related("competence").order_by("-importance", "pk"),
            )
        )
    }
    team_ids = [t.get("db_team") for t in proposal.get("teams", []) if t.get("db_team")]
    db_teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)}
    prefs = {s["id"]: s.get("preferences", []) for s in data.get("students", [])}
    locks = run.locks
    existing_members = {sid for e in data.get("existing", []) for sid in e["members"]}
    entries = {s["student"]: s for s in proposal.get("students", [])}
    problems = named(draft_violations(run), data=data) if run.status in DRAFT_SHOWN else []
    board.problems = [{"code": p["code"], "detail": p["detail"]} for p in problems]

    def card(sid: str, aid: str, isolated: dict[str, str]) -> MemberCard:
        user = users[int(sid)]
        profile = user.student_profile
        choices = prefs.get(sid, [])
        return MemberCard(
            user=user,
            niveau=profile.niveau,
            school=profile.school,
            competences=list(profile.sorted),
            rank=choices.index(aid) + 1 if aid in choices else None,
            locked=sid in locks,
            existing=sid in existing_members,
            explanation=student_explanation(entries.get(sid, {})),
            isolated=isolated.get(sid, ""),
        )

    per_assignment: dict[int, list[BoardTeam]] = defaultdict(list)
    for index, team in enumerate(proposal.get("teams", [])):
        aid = team["assignment"]
        assignment = assignments.get(int(aid))
        if assignment is None:
            continue
        members = [card(sid, aid, team.get("isolated") or {}) for sid in team["members"] if int(sid) in users]
        held = {c.pk for m in members for c in m.competences}
        db_team = db_teams.get(team.get("db_team"))
        member_set = set(team["members"])
        per_assignment[assignment.pk].append(
            BoardTeam(
                index=index,
                team=db_team,
                name=db_team.name if db_team else team.get("name", ""),
                members=members,
                coverage=[
                    CoverageItem(rc.competence, rc.importance, rc.competence_id in held)
                    for rc in assignment.required_competences.all()
                ],
                problems=[
                    {"code": p["code"], "detail": p["detail"]}
                    for p in problems
                    if p.get("assignment") == aid and set(p.get("students") or []) & member_set
                ],
                explanation=student_explanation(team),
            )
        )
    board.assignments = [
        BoardAssignment(assignments[aid], per_assignment.get(aid, []))
        for aid in sorted(assignments, key=lambda pk: (not per_assignment.get(pk), assignments[pk].title, pk))
    ]
    for entry in proposal.get("unplaced", []):
        sid = entry["student"]
        user = users.get(int(sid))
        if user is None:
            continue
        profile = user.student_profile
        board.unplaced.append(
            UnplacedCard(
                user=user,
                niveau=profile.niveau,
                school=profile.school,
                competences=list(profile.sorted),
                preferences=[assignments[int(a)] for a in prefs.get(sid, []) if int(a) in assignments],
                locked=sid in locks,
                reason=student_explanation(entry),
            )
        )
    counts = proposal.get("preference_profile") or {}
    total = sum(int(v) for v in counts.values()) or board.students_total
    board.profile = [
        ProfileRow(key, _profile_label(key), int(counts.get(key, 0)), _percent(int(counts.get(key, 0)), total))
        for key in PROFILE_KEYS
        if key in counts
    ]
    placed = total - int(counts.get("unplaced", 0))
    board.placed = placed
    board.first_choice_percent = _percent(int(counts.get("1", 0)), total)
    board.top3_percent = _percent(sum(int(counts.get(k, 0)) for k in ("1", "2", "3")), total)
    return board


# --- for the student ----------------------------------------------------------


def placement_explanation_for(*, student: User, membership: Membership | None = None) -> str | None:
    """Why the student is in their team, from the published run that placed them; None when no run did.

    ``membership``: their active membership in their own cohort when the caller has it already
    (``teams.selectors.active_membership_of``), saving the query for it.
    """
    profile = getattr(student, "student_profile", None) if student.role == Role.STUDENT else None
    if profile is None:
        return None
    if membership is None or membership.cohort_id != profile.cohort_id or membership.left_at is not None:
        membership = (
            Membership.objects.filter(student=student, cohort_id=profile.cohort_id, left_at__isnull=True)
            .select_related("team")
            .first()
        )
    if membership is None:
        return None
    runs = FormationRun.objects.filter(
        cohort_id=profile.cohort_id, status=FormationRun.Status.PUBLISHED, published_at__lte=membership.joined_at
    ).order_by("-published_at")[:1]
    sid = str(student.pk)
    for run in runs:
        for entry in run.proposal.get("students", []):
            if entry.get("student") == sid and entry.get("assignment") == str(membership.team.assignment_id):
                return student_explanation(entry) or None
    return None
