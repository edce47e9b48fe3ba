"""The team-formation engine: one cohort in, one proposal out, as plain data.

The input and output have exactly the shape of the file format in the API
contract (COHORT.json → PROPOSAL.json), so the web workflow, the API, the
``formation_solve`` command and the benchmark share this one engine. No HTTP,
no ORM: it imports without a database. The model, its stages and its
parameters are described in docs/formation.md.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from ortools.sat.python import cp_model

from teams import rules

NIVEAUS = rules.NIVEAUS
WEEKDAYS = range(5)

# Multipliers of the soft goals (stage 3); the coordinator may change them.
DEFAULT_WEIGHTS: dict[str, float] = {"competences": 1.0, "isolation": 1.0, "mixed_duo": 1.0, "balance": 1.0}
# Points per unit of each soft goal at weight 1 (see docs/formation.md).
SOFT_POINTS = {"competences": 10, "isolation": 20, "mixed_duo": 20, "balance": 2}
# In the reported single objective: an unplaced student outweighs any rank,
# one rank step outweighs most soft points.
UNPLACED_COST = 100
RANK_STEP_COST = 10
UNRANKED_EXTRA = 3  # an unranked placement costs this many rank steps more than the last rank

ProgressCallback = Callable[[float, str], None]


class CohortFileError(ValueError):
    """A cohort (or lock list) that is not valid input; ``field`` names where, ``message`` says why in Dutch."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


# ---------------------------------------------------------------------------
# The cohort
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    id: str
    size_min: int
    size_max: int
    min_per_niveau: dict[int, int]
    requires_hbo: bool
    max_teams: int
    competences: dict[str, int]

    @property
    def requirements(self) -> rules.Requirements:
        return rules.Requirements(
            size_min=self.size_min,
            size_max=self.size_max,
            min_per_niveau=self.min_per_niveau,
            requires_hbo=self.requires_hbo,
        )


@dataclass(frozen=True)
class Student:
    id: str
    niveau: int
    school: str
    competences: frozenset[str]
    weekdays: frozenset[int]
    preferences: tuple[str, ...]


@dataclass
class Cohort:
    min_shared_weekdays: int
    only_ranked: bool
    max_teams_per_assignment: int
    assignments: list[Assignment]
    students: list[Student]
    together: list[tuple[str, str]]
    apart: list[tuple[str, str]]
    assignment_index: dict[str, int] = field(default_factory=dict)
    student_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assignment_index = {a.id: i for i, a in enumerate(self.assignments)}
        self.student_index = {s.id: i for i, s in enumerate(self.students)}

    def rank(self, student: Student, assignment_id: str) -> int | None:
        try:
            return student.preferences.index(assignment_id) + 1
        except ValueError:
            return None

    def groups(self) -> dict[str, frozenset[str]]:
        """Each student's together group (the transitive closure of the together pairs)."""
        parent = {s.id: s.id for s in self.students}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in self.together:
            parent[find(a)] = find(b)
        members: dict[str, set[str]] = defaultdict(set)
        for s in self.students:
            members[find(s.id)].add(s.id)
        return {s.id: frozenset(members[find(s.id)]) for s in self.students}


def _int(value: object, where: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CohortFileError(where, _("moet een geheel getal zijn"))
    if value < low or (high is not None and value > high):
        if high is None:
            raise CohortFileError(where, _("moet minstens %(low)s zijn") % {"low": low})
        raise CohortFileError(where, _("moet tussen %(low)s en %(high)s liggen") % {"low": low, "high": high})
    return value


def _id(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CohortFileError(where, _("moet een niet-lege tekst zijn"))
    return value


def _list(value: object, where: str) -> list:
    if not isinstance(value, list):
        raise CohortFileError(where, _("moet een lijst zijn"))
    return value


def _dict(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise CohortFileError(where, _("moet een object zijn"))
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise CohortFileError(where, _("moet true of false zijn"))
    return value


def parse_cohort(data: object) -> Cohort:
    """Validate and normalise a COHORT.json dict; a CohortFileError names the first bad field."""
    if isinstance(data, Cohort):
        return data
    data = _dict(data, "")
    rules_in = _dict(data.get("rules", {}), "rules")
    min_shared = _int(rules_in.get("min_shared_weekdays", 1), "rules.min_shared_weekdays", low=0, high=5)
    only_ranked = _bool(rules_in.get("only_ranked", True), "rules.only_ranked")
    default_max_teams = _int(rules_in.get("max_teams_per_assignment", 1), "rules.max_teams_per_assignment", low=1)

    if "assignments" not in data:
        raise CohortFileError("assignments", _("ontbreekt"))
    assignments: list[Assignment] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(data["assignments"], "assignments")):
        where = f"assignments[{i}]"
        raw = _dict(raw, where)
        aid = _id(raw.get("id"), f"{where}.id")
        if aid in seen:
            raise CohortFileError(f"{where}.id", _("komt twee keer voor: %(id)s") % {"id": aid})
        seen.add(aid)
        for key in ("team_size_min", "team_size_max"):
            if key not in raw:
                raise CohortFileError(f"{where}.{key}", _("ontbreekt"))
        size_min = _int(raw["team_size_min"], f"{where}.team_size_min", low=1)
        size_max = _int(raw["team_size_max"], f"{where}.team_size_max", low=1)
        if size_max < size_min:
            raise CohortFileError(f"{where}.team_size_max", _("mag niet kleiner zijn dan team_size_min"))
        requires_hbo = _bool(raw.get("requires_hbo", False), f"{where}.requires_hbo")
        # The default minimum of docs/design.md: one niveau 4 and one niveau 6.
        mins = {
            n: _int(raw.get(f"min_niveau_{n}", 1 if n in (4, 6) else 0), f"{where}.min_niveau_{n}", low=0)
            for n in NIVEAUS
        }
        if requires_hbo:
            mins[6] = max(mins[6], 1)
        if sum(mins.values()) > size_max:
            raise CohortFileError(
                where, _("de minima per niveau zijn samen groter dan team_size_max (%(max)s)") % {"max": size_max}
            )
        max_teams_raw = raw.get("max_teams")
        max_teams = default_max_teams if max_teams_raw is None else _int(max_teams_raw, f"{where}.max_teams", low=0)
        competences_in = _dict(raw.get("competences", {}), f"{where}.competences")
        competences = {
            _id(c, f"{where}.competences"): _int(v, f"{where}.competences.{c}", low=1, high=3)
            for c, v in competences_in.items()
        }
        assignments.append(Assignment(aid, size_min, size_max, mins, requires_hbo, max_teams, competences))

    if "students" not in data:
        raise CohortFileError("students", _("ontbreekt"))
    assignment_ids = {a.id for a in assignments}
    students: list[Student] = []
    seen = set()
    for i, raw in enumerate(_list(data["students"], "students")):
        where = f"students[{i}]"
        raw = _dict(raw, where)
        sid = _id(raw.get("id"), f"{where}.id")
        if sid in seen:
            raise CohortFileError(f"{where}.id", _("komt twee keer voor: %(id)s") % {"id": sid})
        seen.add(sid)
        niveau = raw.get("niveau")
        if isinstance(niveau, bool) or niveau not in NIVEAUS:
            raise CohortFileError(f"{where}.niveau", _("niveau moet 4, 5 of 6 zijn"))
        school = raw.get("school", "")
        if not isinstance(school, str):
            raise CohortFileError(f"{where}.school", _("moet een tekst zijn"))
        competences = frozenset(
            _id(c, f"{where}.competences[{j}]")
            for j, c in enumerate(_list(raw.get("competences", []), f"{where}.competences"))
        )
        weekdays_raw = _list(raw.get("weekdays", []), f"{where}.weekdays")
        weekdays = frozenset(_int(d, f"{where}.weekdays[{j}]", low=0, high=4) for j, d in enumerate(weekdays_raw))
        preferences: list[str] = []
        for j, p in enumerate(_list(raw.get("preferences", []), f"{where}.preferences")):
            pid = _id(p, f"{where}.preferences[{j}]")
            if pid not in assignment_ids:
                raise CohortFileError(f"{where}.preferences[{j}]", _("onbekende opdracht: %(id)s") % {"id": pid})
            if pid in preferences:
                raise CohortFileError(
                    f"{where}.preferences[{j}]", _("opdracht %(id)s staat er twee keer in") % {"id": pid}
                )
            preferences.append(pid)
        students.append(Student(sid, niveau, school, competences, weekdays, tuple(preferences)))

    pairs = {}
    for key in ("together", "apart"):
        found: list[tuple[str, str]] = []
        for i, raw in enumerate(_list(data.get(key, []), key)):
            raw = _list(raw, f"{key}[{i}]")
            if len(raw) != 2:
                raise CohortFileError(f"{key}[{i}]", _("moet precies twee studenten noemen"))
            a = _id(raw[0], f"{key}[{i}][0]")
            b = _id(raw[1], f"{key}[{i}][1]")
            for j, sid in enumerate((a, b)):
                if sid not in seen:
                    raise CohortFileError(f"{key}[{i}][{j}]", _("onbekende student: %(id)s") % {"id": sid})
            if a == b:
                raise CohortFileError(f"{key}[{i}]", _("noemt twee keer dezelfde student"))
            found.append((a, b))
        pairs[key] = found
    return Cohort(
        min_shared_weekdays=min_shared,
        only_ranked=only_ranked,
        max_teams_per_assignment=default_max_teams,
        assignments=assignments,
        students=students,
        together=pairs["together"],
        apart=pairs["apart"],
    )


@dataclass(frozen=True)
class Lock:
    assignment: str
    members: tuple[str, ...]
    closed: bool


def parse_locks(cohort: Cohort, locked: list[dict] | None) -> list[Lock]:
    locks: list[Lock] = []
    used: dict[str, int] = {}
    for i, raw in enumerate(_list(locked or [], "locked")):
        where = f"locked[{i}]"
        raw = _dict(raw, where)
        aid = _id(raw.get("assignment"), f"{where}.assignment")
        if aid not in cohort.assignment_index:
            raise CohortFileError(f"{where}.assignment", _("onbekende opdracht: %(id)s") % {"id": aid})
        members: list[str] = []
        for j, sid in enumerate(_list(raw.get("members", []), f"{where}.members")):
            sid = _id(sid, f"{where}.members[{j}]")
            if sid not in cohort.student_index:
                raise CohortFileError(f"{where}.members[{j}]", _("onbekende student: %(id)s") % {"id": sid})
            if sid in used:
                raise CohortFileError(
                    f"{where}.members[{j}]",
                    _("student %(id)s staat al vast in een ander team (locked[%(other)s])")
                    % {"id": sid, "other": used[sid]},
                )
            used[sid] = i
            members.append(sid)
        closed = _bool(raw.get("closed", False), f"{where}.closed")
        locks.append(Lock(aid, tuple(members), closed))
    return locks


# ---------------------------------------------------------------------------
# Checking a team list against the hard rules
# ---------------------------------------------------------------------------


def violations(cohort: dict | Cohort, teams: list[dict], *, exempt: Iterable[str] = ()) -> list[dict]:
    """Every hard rule that a team list breaks; [] when it is valid.

    ``exempt``: students exempt from ``only_ranked`` (locked by the coordinator).
    """
    c = parse_cohort(cohort)
    exempt = set(exempt)
    found: list[dict] = []

    def add(code: str, detail: str, assignment: str | None, students: list[str]) -> None:
        found.append({"code": code, "detail": detail, "assignment": assignment, "students": students})

    team_of: dict[str, int] = {}
    per_assignment: dict[str, int] = defaultdict(int)
    for t, team in enumerate(teams):
        aid = team.get("assignment")
        members = list(team.get("members", []))
        if aid not in c.assignment_index:
            add("unknown_assignment", _("Onbekende opdracht: %(id)s.") % {"id": aid}, aid, members)
            continue
        a = c.assignments[c.assignment_index[aid]]
        per_assignment[aid] += 1
        known = [sid for sid in members if sid in c.student_index]
        for sid in members:
            if sid not in c.student_index:
                add("unknown_student", _("Onbekende student: %(id)s.") % {"id": sid}, aid, [sid])
            elif sid in team_of:
                add("twice", _("Student %(id)s staat in meer dan één team.") % {"id": sid}, aid, [sid])
            else:
                team_of[sid] = t
        studs = [c.students[c.student_index[sid]] for sid in known]
        found.extend(_team_violations(c, a, studs, exempt))
    for aid, count in per_assignment.items():
        a = c.assignments[c.assignment_index[aid]]
        if count > a.max_teams:
            add(
                "max_teams",
                _("Opdracht %(id)s heeft %(count)s teams; er mogen er hooguit %(max)s zijn.")
                % {"id": aid, "count": count, "max": a.max_teams},
                aid,
                [],
            )
    for s_id, t_id in c.together:
        if team_of.get(s_id) != team_of.get(t_id):
            add(
                "together",
                _("%(a)s en %(b)s moeten in hetzelfde team (of allebei niet geplaatst).") % {"a": s_id, "b": t_id},
                None,
                [s_id, t_id],
            )
    return found


def _team_violations(c: Cohort, a: Assignment, studs: list[Student], exempt: set[str]) -> list[dict]:
    found: list[dict] = []
    ids = [s.id for s in studs]

    def add(code: str, detail: str, students: list[str]) -> None:
        found.append({"code": code, "detail": detail, "assignment": a.id, "students": students})

    counts = rules.Counts.of([s.niveau for s in studs])
    if counts.size < a.size_min:
        add(
            "too_small",
            _("Het team op %(id)s heeft %(size)s leden; er zijn er minstens %(min)s nodig.")
            % {"id": a.id, "size": counts.size, "min": a.size_min},
            ids,
        )
    if counts.size > a.size_max:
        add(
            "too_big",
            _("Het team op %(id)s heeft %(size)s leden; er mogen er hooguit %(max)s zijn.")
            % {"id": a.id, "size": counts.size, "max": a.size_max},
            ids,
        )
    for n, missing in rules.shortfall(a.requirements, counts).items():
        code = "needs_hbo" if n == 6 and a.requires_hbo and counts.per_niveau[6] == 0 else "needs_niveau"
        add(
            code,
            ngettext(
                "Het team op %(id)s mist %(count)s niveau %(niveau)s-student.",
                "Het team op %(id)s mist %(count)s niveau %(niveau)s-studenten.",
                missing,
            )
            % {"id": a.id, "count": missing, "niveau": n},
            ids,
        )
    if counts.size > 1 and len(counts.levels()) < 2:
        add("single_level", _("Het team op %(id)s bestaat uit één niveau.") % {"id": a.id}, ids)
    if c.only_ranked:
        for s in studs:
            if s.id not in exempt and a.id not in s.preferences:
                add("not_ranked", _("%(s)s koos opdracht %(id)s niet.") % {"s": s.id, "id": a.id}, [s.id])
    if studs and c.min_shared_weekdays:
        shared = frozenset(WEEKDAYS).intersection(*(s.weekdays for s in studs))
        if len(shared) < c.min_shared_weekdays:
            add(
                "weekdays",
                _("Het team op %(id)s deelt %(shared)s werkdagen; er zijn er minstens %(min)s nodig.")
                % {"id": a.id, "shared": len(shared), "min": c.min_shared_weekdays},
                ids,
            )
    idset = set(ids)
    for x, y in c.apart:
        if x in idset and y in idset:
            add("apart", _("%(a)s en %(b)s mogen niet in hetzelfde team.") % {"a": x, "b": y}, [x, y])
    return found


def preference_profile(cohort: dict | Cohort, teams: list[dict]) -> dict:
    """How many students got their first, second, … choice, an unranked assignment, or nothing."""
    c = parse_cohort(cohort)
    max_rank = max([5, *(len(s.preferences) for s in c.students)])
    profile = {str(r): 0 for r in range(1, max_rank + 1)}
    profile.update(unranked=0, unplaced=0)
    placed = {sid: team["assignment"] for team in teams for sid in team["members"]}
    for s in c.students:
        if s.id not in placed:
            profile["unplaced"] += 1
        else:
            r = c.rank(s, placed[s.id])
            profile[str(r) if r else "unranked"] += 1
    return profile


# ---------------------------------------------------------------------------
# The CP-SAT model
# ---------------------------------------------------------------------------


def isolated_members(c: Cohort, members: Iterable[str]) -> dict[str, str]:
    """Who the soft goal "nobody isolated" counts in one team: in a team of three or more, each member
    who is the only one of their niveau (``"niveau"``) or else of their school (``"school"``).

    What the board shows beside the members; the model's penalty (``_Model.add_soft``) counts the
    same members, once each (the brute-force test in tests/teams/test_formation_engine.py holds both
    to one definition).
    """
    studs = [c.students[c.student_index[sid]] for sid in members]
    if len(studs) < 3:
        return {}
    found: dict[str, str] = {}
    for s in studs:
        others = [o for o in studs if o is not s]
        if not any(o.niveau == s.niveau for o in others):
            found[s.id] = "niveau"
        elif s.school and not any(o.school == s.school for o in others):
            found[s.id] = "school"
    return found


def _rank_cost(c: Cohort, s: Student, a: Assignment) -> int:
    r = c.rank(s, a.id)
    if r is not None:
        return r - 1
    return max(5, len(s.preferences)) - 1 + UNRANKED_EXTRA


@dataclass
class _Slots:
    """The team slots of the model: per assignment, locked slots first, then free ones."""

    count: dict[int, int]  # assignment index -> number of slots
    locked_slot: dict[int, tuple[int, int]]  # student index -> (assignment index, slot)
    lock_of_slot: dict[tuple[int, int], int]  # (assignment index, slot) -> lock index
    closed: set[tuple[int, int]]


def _slots(c: Cohort, locks: list[Lock]) -> _Slots:
    count: dict[int, int] = {}
    locked_slot: dict[int, tuple[int, int]] = {}
    lock_of_slot: dict[tuple[int, int], int] = {}
    closed: set[tuple[int, int]] = set()
    used: dict[int, int] = defaultdict(int)
    for li, lock in enumerate(locks):
        ai = c.assignment_index[lock.assignment]
        k = used[ai]
        used[ai] += 1
        lock_of_slot[(ai, k)] = li
        if lock.closed:
            closed.add((ai, k))
        for sid in lock.members:
            locked_slot[c.student_index[sid]] = (ai, k)
    for ai, a in enumerate(c.assignments):
        count[ai] = max(a.max_teams, used[ai])
    return _Slots(count, locked_slot, lock_of_slot, closed)


class _Model:
    """Variables x[s, a, k] (student s in slot k of assignment a) and y[a, k] (slot formed)."""

    def __init__(self, c: Cohort, locks: list[Lock], *, diagnose: bool = False) -> None:
        self.c = c
        self.locks = locks
        self.slots = _slots(c, locks)
        self.m = cp_model.CpModel()
        self.diagnose = diagnose
        # In diagnosis every rule group is switched on by one literal, so that
        # CP-SAT can name a smallest set of groups that cannot hold together.
        self.switches: list[tuple[cp_model.IntVar, dict]] = []
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        self.by_student: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        self.by_team: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.soft_penalty: cp_model.LinearExpr | None = None
        # Variables of the hard rules besides x and y, carried into hints.
        self.aux: list[cp_model.IntVar] = []
        self._switches: dict[tuple, list[cp_model.IntVar]] = {}
        self.derived: list[tuple[cp_model.IntVar, Callable[[dict], int]]] = []
        self._build()

    # -- helpers --------------------------------------------------------
    def _switch(self, code: str, **params: object) -> list[cp_model.IntVar]:
        """The enforcement literals of a rule group: none when not diagnosing."""
        if not self.diagnose:
            return []
        key = (code, repr(sorted(params.items())))
        if key not in self._switches:
            lit = self.m.new_bool_var(code)
            self.switches.append((lit, {"code": code, "params": params}))
            self._switches[key] = [lit]
        return self._switches[key]

    def _add(self, constraint: object, switch: list) -> None:
        if switch:
            constraint.only_enforce_if(switch)

    def candidates(self) -> dict[int, list[int]]:
        """Per student index, the assignment indexes they may possibly be placed on."""
        c, d = self.c, self.c.min_shared_weekdays
        allowed: dict[int, list[int]] = {}
        for si, s in enumerate(c.students):
            if si in self.slots.locked_slot:
                allowed[si] = [self.slots.locked_slot[si][0]]
            elif len(s.weekdays) < d:
                allowed[si] = []
            elif c.only_ranked:
                allowed[si] = [c.assignment_index[p] for p in s.preferences]
            else:
                allowed[si] = list(range(len(c.assignments)))
        # An assignment without enough possible candidates never forms a team.
        per_assignment: dict[int, list[int]] = defaultdict(list)
        for si, ais in allowed.items():
            for ai in ais:
                per_assignment[ai].append(si)
        dead = set()
        for ai, a in enumerate(c.assignments):
            if (ai, 0) in self.slots.lock_of_slot:
                continue
            studs = [c.students[si] for si in per_assignment[ai]]
            counts = rules.Counts.of([s.niveau for s in studs])
            if (
                a.max_teams == 0
                or len(studs) < a.size_min
                or rules.shortfall(a.requirements, counts)
                or (a.size_min > 1 and len(counts.levels()) < 2)
            ):
                dead.add(ai)
        self.dead = dead
        return {si: [ai for ai in ais if ai not in dead] for si, ais in allowed.items()}

    # -- the model --------------------------------------------------------
    def _build(self) -> None:
        c, m, slots = self.c, self.m, self.slots
        d = c.min_shared_weekdays
        allowed = self.candidates()
        lock_days: dict[tuple[int, int], frozenset[int]] = {}
        lock_members: dict[tuple[int, int], set[int]] = {}
        for slot, li in slots.lock_of_slot.items():
            members = [c.student_index[sid] for sid in self.locks[li].members]
            lock_members[slot] = set(members)
            lock_days[slot] = frozenset(WEEKDAYS).intersection(*(c.students[si].weekdays for si in members))
        apart_of: dict[int, set[int]] = defaultdict(set)
        for a_id, b_id in c.apart:
            ai_, bi_ = c.student_index[a_id], c.student_index[b_id]
            apart_of[ai_].add(bi_)
            apart_of[bi_].add(ai_)

        for si, ais in allowed.items():
            s = c.students[si]
            if si in slots.locked_slot:
                ai, k = slots.locked_slot[si]
                v = m.new_bool_var(f"x{si}_{ai}_{k}")
                self.x[(si, ai, k)] = v
                self.by_student[si].append((si, ai, k))
                self.by_team[(ai, k)].append(si)
                continue
            for ai in ais:
                for k in range(slots.count[ai]):
                    slot = (ai, k)
                    if slot in slots.closed:
                        continue
                    if slot in lock_members and not self.diagnose:
                        # An open locked team only takes who fits its members.
                        if d and len(lock_days[slot] & s.weekdays) < d:
                            continue
                        if apart_of[si] & lock_members[slot]:
                            continue
                    v = m.new_bool_var(f"x{si}_{ai}_{k}")
                    self.x[(si, ai, k)] = v
                    self.by_student[si].append((si, ai, k))
                    self.by_team[slot].append(si)

        for si in range(len(c.students)):
            keys = self.by_student.get(si, [])
            if len(keys) > 1:
                m.add_at_most_one(self.x[key] for key in keys)

        # Locks.
        for li, lock in enumerate(self.locks):
            sw = self._switch("lock", lock=li)
            for sid in lock.members:
                si = c.student_index[sid]
                (key,) = self.by_student[si]
                self._add(m.add(self.x[key] == 1), sw)

        # Team slots.
        for ai, a in enumerate(c.assignments):
            free_slots = []
            for k in range(slots.count[ai]):
                slot = (ai, k)
                members = self.by_team.get(slot, [])
                if not members:
                    continue
                y = m.new_bool_var(f"y{ai}_{k}")
                self.y[slot] = y
                if slot not in slots.lock_of_slot:
                    free_slots.append(y)
                xs = [self.x[(si, ai, k)] for si in members]
                size = sum(xs)
                sw = self._switch("size", assignment=a.id)
                # A member forms the team; the bounds hold for a formed team.
                self._add(m.add(size <= a.size_max * y), sw)
                self._add(m.add(size >= a.size_min * y), sw)
                m.add(size >= y)
                if sw:
                    # With the size rule switched off, members still form the team.
                    for v in xs:
                        m.add_implication(v, y)
                by_niveau = {n: [self.x[(si, ai, k)] for si in members if c.students[si].niveau == n] for n in NIVEAUS}
                sw = self._switch("niveau", assignment=a.id)
                for n in NIVEAUS:
                    if a.min_per_niveau[n]:
                        self._add(m.add(sum(by_niveau[n]) >= a.min_per_niveau[n] * y), sw)
                # At least two niveaus in a team of more than one: for each
                # niveau someone of another one. Implied when a minimum of
                # another niveau is set.
                sw = self._switch("mix", assignment=a.id)
                big = y
                if a.size_min < 2 and a.size_max >= 2:
                    big = m.new_bool_var(f"big{ai}_{k}")
                    self.aux.append(big)
                    m.add(size <= 1 + (a.size_max - 1) * big)
                    m.add(size >= 2 * big)
                if a.size_max >= 2:
                    for n in NIVEAUS:
                        if any(a.min_per_niveau[o] for o in NIVEAUS if o != n) and not self.diagnose:
                            continue
                        others = [v for o in NIVEAUS if o != n for v in by_niveau[o]]
                        self._add(m.add(sum(others) >= big), sw)
                if d:
                    sw = self._switch("weekdays", assignment=a.id)
                    # Exactly d designated team days, each a weekday of every
                    # member: one aggregated row per member keeps the LP tight.
                    days = [m.new_bool_var(f"w{ai}_{k}_{day}") for day in WEEKDAYS]
                    self.aux.extend(days)
                    self._add(m.add(sum(days) == d * y), sw)
                    for si in members:
                        s = c.students[si]
                        off = [days[day] for day in WEEKDAYS if day not in s.weekdays]
                        if off:
                            self._add(m.add(sum(off) + d * self.x[(si, ai, k)] <= d), sw)
                if slot in slots.lock_of_slot and not self.diagnose:
                    m.add(y == 1)
            # Free slots of one assignment are interchangeable: fill them in order.
            for y1, y2 in itertools.pairwise(free_slots):
                m.add(y1 >= y2)

        for key, pairs in (("together", c.together), ("apart", c.apart)):
            for a_id, b_id in pairs:
                ai_, bi_ = c.student_index[a_id], c.student_index[b_id]
                sw = self._switch(key, students=[a_id, b_id])
                ka = {key_[1:]: self.x[key_] for key_ in self.by_student.get(ai_, [])}
                kb = {key_[1:]: self.x[key_] for key_ in self.by_student.get(bi_, [])}
                if key == "together":
                    for slot in set(ka) | set(kb):
                        va, vb = ka.get(slot), kb.get(slot)
                        if va is not None and vb is not None:
                            self._add(m.add(va == vb), sw)
                        else:
                            self._add(m.add((va if va is not None else vb) == 0), sw)
                else:
                    for slot in set(ka) & set(kb):
                        self._add(m.add_bool_or([ka[slot].Not(), kb[slot].Not()]), sw)

        self.placed = sum(self.x.values())
        self.max_rank_cost = sum(
            max((_rank_cost(c, c.students[si], c.assignments[key[1]]) for key in self.by_student[si]), default=0)
            for si in self.by_student
        )
        self.rank_cost = sum(_rank_cost(c, c.students[si], c.assignments[ai]) * v for (si, ai, _k), v in self.x.items())

    def _derive(self, var: cp_model.IntVar, value: Callable[[dict], int]) -> None:
        """How a soft variable follows from x and y, so that a stage-2 solution becomes a complete hint."""
        self.derived.append((var, value))

    def complete(self, values: dict) -> dict:
        values = dict(values)
        for var, value in self.derived:
            values[var] = value(values)
        return values

    def add_soft(self, weights: dict[str, float]) -> None:
        """Stage 3's penalty: uncovered competences, isolated students, teams without a mixed duo, imbalance."""
        c, m = self.c, self.m
        w = {key: round(SOFT_POINTS[key] * float(weights.get(key, DEFAULT_WEIGHTS[key])) * 10) for key in SOFT_POINTS}
        # The penalty as constant + Σ coefficient·variable, so that it can
        # also be priced in Python for a stored solution.
        coef: dict[cp_model.IntVar, int] = defaultdict(int)
        constant = 0

        def add(weight: int, var: cp_model.IntVar, sign: int = 1) -> None:
            coef[var] += sign * weight

        scores = []
        for (ai, k), y in self.y.items():
            a = c.assignments[ai]
            members = self.by_team[(ai, k)]
            xs = {si: self.x[(si, ai, k)] for si in members}
            size = sum(xs.values())
            # Competences, weighted by importance.
            if a.competences:
                total = sum(a.competences.values())
                score_terms = []
                given = 0
                for j, (comp, imp) in enumerate(sorted(a.competences.items())):
                    holders = [xs[si] for si in members if comp in c.students[si].competences]
                    # The last competence takes the rounding rest: all covered = 100.
                    pct = 100 - given if j == len(a.competences) - 1 else (100 * imp) // total
                    given += pct
                    if not holders:
                        add(w["competences"] * imp, y)
                        continue
                    cov = m.new_bool_var("")
                    m.add(cov <= sum(holders))
                    m.add(cov <= y)
                    self._derive(cov, lambda v, y=y, h=holders: int(v[y] and any(v[x] for x in h)))
                    add(w["competences"] * imp, y)
                    add(w["competences"] * imp, cov, -1)
                    score_terms.append((pct, cov))
                scores.append((y, score_terms))
            # Isolation: the only one of one's school or niveau in a team of three or more.
            if a.size_max >= 3 and w["isolation"]:
                if a.size_min >= 3:
                    big3 = y
                else:
                    big3 = m.new_bool_var("")
                    m.add(size <= 2 + (a.size_max - 2) * big3)
                    team_xs = list(xs.values())
                    self._derive(big3, lambda v, xl=team_xs: int(sum(v[x] for x in xl) >= 3))
                by_school: dict[object, list[int]] = defaultdict(list)
                by_niveau: dict[int, list[int]] = defaultdict(list)
                for si in members:
                    s = c.students[si]
                    if s.school:
                        by_school[s.school].append(si)
                    by_niveau[s.niveau].append(si)
                # One indicator per possible member, counted once (the only one of their school,
                # or of their niveau, or both, is one isolated member): isolated when placed here,
                # in a team of three or more, with nobody else of one of their groups.
                for si in members:
                    s = c.students[si]
                    # Alone of one's school is implied by alone of one's niveau when the school's
                    # candidates here are all of that niveau (the usual case): then the school's row
                    # is the only one needed.
                    school = set(by_school[s.school]) if s.school else None
                    groups = [] if school is None else [by_school[s.school]]
                    if school is None or not school <= set(by_niveau[s.niveau]):
                        groups.append(by_niveau[s.niveau])
                    iso = m.new_bool_var("")
                    alone_of = []
                    for group in groups:
                        others = [xs[o] for o in group if o != si]
                        alone_of.append(others)
                        if big3 is y:
                            # Placed here implies formed: the tighter row for the LP.
                            m.add(iso >= xs[si] - sum(others))
                        else:
                            m.add(iso >= xs[si] + big3 - 1 - sum(others))
                    self._derive(
                        iso,
                        lambda v, me=xs[si], b=big3, groups=alone_of: int(
                            v[me] and v[b] and any(not any(v[x] for x in o) for o in groups)
                        ),
                    )
                    add(w["isolation"], iso)
            # A mixed-level duo: a niveau 4 student with a niveau 5/6 student.
            if not (a.min_per_niveau[4] and (a.min_per_niveau[5] or a.min_per_niveau[6])) and w["mixed_duo"]:
                n4 = [xs[si] for si in members if c.students[si].niveau == 4]
                n56 = [xs[si] for si in members if c.students[si].niveau != 4]
                if not n4 or not n56:
                    add(w["mixed_duo"], y)
                else:
                    duo = m.new_bool_var("")
                    m.add(duo <= sum(n4))
                    m.add(duo <= sum(n56))
                    m.add(duo <= y)
                    self._derive(
                        duo,
                        lambda v, y=y, a4=n4, a56=n56: int(v[y] and any(v[x] for x in a4) and any(v[x] for x in a56)),
                    )
                    add(w["mixed_duo"], y)
                    add(w["mixed_duo"], duo, -1)
        # Balance: raise the worst-covered team.
        if scores and w["balance"]:
            worst = m.new_int_var(0, 100, "worst")
            for y, score in scores:
                m.add(worst <= sum(pct * cov for pct, cov in score) + 100 * (1 - y))
            self._derive(
                worst,
                lambda v: min([sum(pct * v[cov] for pct, cov in score) for y, score in scores if v[y]] or [100]),
            )
            constant += w["balance"] * 100
            add(w["balance"], worst, -1)
        # Points are kept in tenths so that fractional weights still count.
        self.soft_scale = 10
        self.soft_terms = (constant, {v: k for v, k in coef.items() if k})
        variables = list(self.soft_terms[1])
        self.soft_penalty = constant + cp_model.LinearExpr.weighted_sum(
            variables, [self.soft_terms[1][v] for v in variables]
        )

    def price(self, values: dict) -> int:
        """The soft penalty of a complete solution (see ``complete``)."""
        constant, coef = self.soft_terms
        return constant + sum(k * values[v] for v, k in coef.items())


# ---------------------------------------------------------------------------
# Solving in stages
# ---------------------------------------------------------------------------

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}


@dataclass
class _Stage:
    name: str
    status: str
    value: float | None
    bound: float | None
    wall_s: float
    dtime: float = 0.0

    def gap(self, maximise: bool) -> float | None:
        if self.value is None or self.bound is None:
            return None
        if maximise:
            return max(0.0, self.bound - self.value) / max(abs(self.bound), 1.0)
        return max(0.0, self.value - self.bound) / max(abs(self.value), 1.0)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: ProgressCallback | None, start: float, total: float, label: Callable[[float], str]):
        super().__init__()
        self.progress, self.start, self.total, self.label = progress, start, total, label

    def on_solution_callback(self) -> None:
        if self.progress:
            done = min(0.99, (time.monotonic() - self.start) / max(self.total, 1e-9))
            self.progress(done, self.label(self.objective_value))


def _configure(
    solver: cp_model.CpSolver, *, seed: int, time_limit: float, deterministic_time: float | None = None
) -> None:
    p = solver.parameters
    p.random_seed = seed
    p.max_time_in_seconds = max(0.05, time_limit)
    if deterministic_time is not None:
        p.max_deterministic_time = max(0.01, deterministic_time)
    # One worker with the full LP relaxation (what the max_lp subsolver runs)
    # proved these models fastest on two cores, and a single worker is
    # reproducible for one seed (docs/formation.md, "Parameters").
    p.num_workers = 1
    p.linearization_level = 2


def _run(
    model: _Model,
    expr: object,
    *,
    maximise: bool,
    budget: float,
    seed: int,
    dbudget: float | None,
    hint: dict | None,
    reporter: _Reporter | None,
) -> tuple[_Stage, dict | None]:
    m = model.m
    if maximise:
        m.maximize(expr)
    else:
        m.minimize(expr)
    m.clear_hints()
    if hint:
        for var, value in hint.items():
            m.add_hint(var, value)
    solver = cp_model.CpSolver()
    _configure(solver, seed=seed, time_limit=budget, deterministic_time=dbudget)
    started = time.monotonic()
    status = solver.solve(m, reporter) if reporter else solver.solve(m)
    wall = time.monotonic() - started
    name_ = _STATUS.get(status, "unknown")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Without a solution the search's bound can still be valid (LP, presolve).
        bound = solver.best_objective_bound if status == cp_model.UNKNOWN else None
        if bound is not None and not math.isfinite(bound):
            bound = None
        return _Stage("", name_, None, bound, wall, solver.deterministic_time), None
    values = {var: int(solver.value(var)) for var in [*model.x.values(), *model.y.values(), *model.aux]}
    stage = _Stage("", name_, solver.objective_value, solver.best_objective_bound, wall, solver.deterministic_time)
    return stage, values


def _format_pct(fraction: float) -> str:
    """A percentage with one decimal in the active language's notation (1,4 in Dutch, 1.4 in
    English), without a trailing zero decimal."""
    value = round(fraction * 100, 1)
    return number_format(value, decimal_pos=0 if value == int(value) else 1)


def gap_text(gap: float | None, status: str) -> str:
    if status == "optimal" or gap == 0:
        return _("bewezen het best haalbare")
    if gap is None:
        return _("onbekend hoe ver van het best haalbare")
    return _("hooguit %(pct)s %% onder het best haalbare") % {"pct": _format_pct(gap)}


def solve(
    cohort: dict | Cohort,
    *,
    time_limit: float = 10.0,
    seed: int = 1,
    weights: dict | None = None,
    locked: list[dict] | None = None,
    progress: ProgressCallback | None = None,
    workers: int = 2,
    deterministic_time: float | None = None,
) -> dict:
    """Form teams for a cohort; returns the PROPOSAL dict of the API contract (with extensions).

    ``workers`` is how many threads the caller allows; the engine currently
    runs one CP-SAT worker per stage, which measured fastest here and is
    reproducible (docs/formation.md). ``deterministic_time``: an additional
    limit in CP-SAT's deterministic time units; with it a run that the limit
    cuts short is still reproducible (the wall-clock ``time_limit`` stays a
    safety net).
    """
    del workers
    started = time.monotonic()
    c = parse_cohort(cohort)
    locks = parse_locks(c, locked)
    weights = _check_weights(weights)

    def report(fraction: float, message: str) -> None:
        if progress:
            progress(fraction, message)

    report(0.0, _("Controleren of de regels samen haalbaar zijn"))
    conflicts = precheck(c, locks)
    if conflicts:
        return _infeasible(c, conflicts, started)

    model = _Model(c, locks)
    n = len(c.students)
    stages: list[_Stage] = []
    deadline = started + time_limit

    def remaining() -> float:
        return max(0.05, deadline - time.monotonic())

    # Time kept back for building the proposal and its explanations: they
    # took 0.02 s for 300 students and 0.07 s for 1,000 (0.28 s under load),
    # and every second given to the soft stage raises its bound
    # (docs/formation.md, "The whole-objective gap").
    reserve = min(0.1 * time_limit, 0.3 + 0.8 * n / 1000)

    # Stages 1 and 2 in one solve: every placed student is worth more than
    # the rank cost of the whole cohort, so maximising K·placed − rank cost
    # is exactly "most placed, then best preferences" (docs/formation.md).
    k_weight = model.max_rank_cost + 1

    def first_label(v: float) -> str:
        placed = math.ceil(v / k_weight) if v > 0 else 0
        return _("Plaatsen: %(n)s van %(total)s studenten geplaatst, voorkeurskosten %(cost)s") % {
            "n": placed,
            "total": n,
            "cost": round(k_weight * placed - v),
        }

    stage, values = _run(
        model,
        k_weight * model.placed - model.rank_cost,
        maximise=True,
        budget=remaining() * 0.75,
        seed=seed,
        dbudget=None if deterministic_time is None else deterministic_time * 0.75,
        hint=None,
        reporter=_Reporter(progress, started, time_limit, first_label) if progress else None,
    )
    if stage.status == "infeasible":
        return _infeasible(c, diagnose(c, locks), started)
    if values is None:
        return _unknown(c, started)
    placed = math.ceil(stage.value / k_weight - 1e-9) if stage.value > 0 else 0
    cost = round(k_weight * placed - stage.value)
    placed_bound = max(placed, math.ceil(stage.bound / k_weight - 1e-9))
    cost_bound = max(0, round(k_weight * placed - stage.bound)) if placed_bound == placed else 0
    stages = [
        _Stage("placement", "optimal" if placed_bound == placed else "feasible", placed, placed_bound, stage.wall_s),
        _Stage("preferences", stage.status, cost, min(cost, cost_bound), stage.wall_s, stage.dtime),
    ]
    model.m.add(model.placed >= placed)
    model.m.add(model.rank_cost <= cost)

    # Stage 3: the soft goals, within what the first two stages achieved.
    report(min(0.99, (time.monotonic() - started) / time_limit), _("Samenstelling verbeteren"))
    model.add_soft(weights)

    def soft_label(v: float) -> str:
        return _("Samenstelling verbeteren: %(v)s strafpunten") % {"v": round(v / model.soft_scale)}

    stage, better = _run(
        model,
        model.soft_penalty,
        maximise=False,
        budget=max(0.05, remaining() - reserve),
        seed=seed,
        dbudget=None if deterministic_time is None else max(0.01, deterministic_time - stages[1].dtime),
        hint=model.complete(values),
        reporter=_Reporter(progress, started, time_limit, soft_label) if progress else None,
    )
    stage.name = "soft"
    if stage.value is not None:
        stage.value /= model.soft_scale
        # The penalty is never negative, whatever bound the search reports.
        stage.bound = None if stage.bound is None else max(0.0, stage.bound / model.soft_scale)
    if better is not None:
        values = better
    else:
        # No better composition in time: keep stage 2's teams and price them.
        stage.value = model.price(model.complete(values)) / model.soft_scale
        if stage.bound is not None:
            stage.bound = min(stage.value, max(0.0, stage.bound / model.soft_scale))
        stage.status = "feasible"
    stages.append(stage)
    proposal = _proposal(c, locks, model, values, stages, weights, started)
    report(1.0, _("Klaar"))
    return proposal


def _check_weights(weights: dict | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise CohortFileError(
                f"weights.{key}", _("onbekend gewicht; kies uit %(keys)s") % {"keys": ", ".join(DEFAULT_WEIGHTS)}
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > 100:
            raise CohortFileError(f"weights.{key}", _("moet een getal van 0 tot en met 100 zijn"))
        merged[key] = float(value)
    return merged


def _empty_proposal(c: Cohort, status: str, started: float) -> dict:
    return {
        "status": status,
        "wall_s": round(time.monotonic() - started, 3),
        "objective": None,
        "bound": None,
        "gap": None,
        "gap_text": gap_text(None, status),
        "teams": [],
        "unplaced": [],
        "students": [],
        "preference_profile": preference_profile(c, []),
        "conflicts": [],
        "notes": [],
        "stages": [],
    }


def _infeasible(c: Cohort, conflicts: list[dict], started: float) -> dict:
    proposal = _empty_proposal(c, "infeasible", started)
    proposal["conflicts"] = conflicts
    return proposal


def _unknown(c: Cohort, started: float) -> dict:
    proposal = _empty_proposal(c, "unknown", started)
    proposal["conflicts"] = [
        {
            "code": "time_limit",
            "detail": _("De rekentijd was op voordat er een indeling gevonden was; geef meer tijd."),
        }
    ]
    return proposal


def _stage_dict(stage: _Stage, maximise: bool) -> dict:
    gap = stage.gap(maximise)
    return {
        "name": stage.name,
        "status": stage.status,
        "objective": stage.value,
        "bound": stage.bound,
        "gap": None if gap is None else round(gap, 6),
        "wall_s": round(stage.wall_s, 3),
    }


# ---------------------------------------------------------------------------
# Why no valid proposal exists
# ---------------------------------------------------------------------------


def _names(ids: Iterable[str]) -> str:
    return ", ".join(ids)


def _lock_label(c: Cohort, locks: list[Lock], li: int) -> str:
    lock = locks[li]
    if lock.closed:
        return _("het gesloten team op %(a)s (%(members)s)") % {"a": lock.assignment, "members": _names(lock.members)}
    return _("het vastgezette team op %(a)s (%(members)s)") % {"a": lock.assignment, "members": _names(lock.members)}


def _allowed_on(c: Cohort, s: Student, a: Assignment) -> bool:
    return (not c.only_ranked or a.id in s.preferences) and len(s.weekdays) >= c.min_shared_weekdays


def precheck(c: Cohort, locks: list[Lock]) -> list[dict]:
    """Counting checks that find most conflicts of locks and pairs in milliseconds, with numbers."""
    conflicts: list[dict] = []

    def add(code: str, detail: str) -> None:
        conflicts.append({"code": code, "detail": detail})

    d = c.min_shared_weekdays
    lock_of: dict[str, int] = {sid: li for li, lock in enumerate(locks) for sid in lock.members}
    per_assignment: dict[str, int] = defaultdict(int)
    for lock in locks:
        per_assignment[lock.assignment] += 1
    for aid, count in per_assignment.items():
        a = c.assignments[c.assignment_index[aid]]
        if count > a.max_teams:
            add(
                "too_many_locked_teams",
                _("Op opdracht %(a)s staan %(count)s vastgezette teams, maar er mogen er hooguit %(max)s zijn.")
                % {"a": aid, "count": count, "max": a.max_teams},
            )
    apart = {frozenset(p) for p in c.apart}
    for li, lock in enumerate(locks):
        a = c.assignments[c.assignment_index[lock.assignment]]
        studs = [c.students[c.student_index[sid]] for sid in lock.members]
        label = _lock_label(c, locks, li)
        if lock.closed:
            for v in _team_violations(c, a, studs, exempt=set(lock.members)):
                add(
                    "locked_team_invalid",
                    _(
                        "%(team)s voldoet niet aan de regels: %(detail)s "
                        "Herstel het eerst (herstelfunctie) of zet het open."
                    )
                    % {"team": label[0].upper() + label[1:], "detail": v["detail"]},
                )
            continue
        if len(studs) > a.size_max:
            add(
                "locked_team_too_big",
                _("%(team)s heeft %(size)s leden; de opdracht staat er hooguit %(max)s toe.")
                % {"team": label[0].upper() + label[1:], "size": len(studs), "max": a.size_max},
            )
            continue
        shared = frozenset(WEEKDAYS).intersection(*(s.weekdays for s in studs)) if studs else frozenset(WEEKDAYS)
        if d and len(shared) < d:
            add(
                "locked_team_weekdays",
                _("%(team)s deelt %(shared)s werkdagen; er zijn er minstens %(min)s nodig.")
                % {"team": label[0].upper() + label[1:], "shared": len(shared), "min": d},
            )
            continue
        inside = [p for p in apart if p <= set(lock.members)]
        if inside:
            x, y = sorted(inside[0])
            add(
                "locked_team_apart",
                _("%(team)s bevat %(a)s en %(b)s, die niet in hetzelfde team mogen.")
                % {"team": label[0].upper() + label[1:], "a": x, "b": y},
            )
            continue
        # Who could still join: free students allowed here, sharing the days, not kept apart.
        joiners = [
            s
            for s in c.students
            if s.id not in lock_of
            and _allowed_on(c, s, a)
            and (not d or len(shared & s.weekdays) >= d)
            and not any(frozenset((s.id, m)) in apart for m in lock.members)
        ]
        counts = rules.Counts.of([s.niveau for s in studs])
        free = a.size_max - counts.size
        needed = rules.seats_needed(a.requirements, counts)
        if needed > free:
            add(
                "locked_team_cannot_complete",
                _(
                    "%(team)s heeft nog %(needed)s plekken nodig voor de gevraagde niveaus, "
                    "maar er zijn er maar %(free)s vrij."
                )
                % {"team": label[0].upper() + label[1:], "needed": needed, "free": free},
            )
            continue
        for n, missing in rules.shortfall(a.requirements, counts).items():
            supply = sum(1 for s in joiners if s.niveau == n)
            if supply < missing:
                add(
                    "locked_team_cannot_complete",
                    _(
                        "%(team)s mist %(missing)s niveau %(n)s-student(en); er zijn maar %(supply)s niveau "
                        "%(n)s-studenten die erbij kunnen (die de opdracht kozen en genoeg werkdagen delen)."
                    )
                    % {"team": label[0].upper() + label[1:], "missing": missing, "n": n, "supply": supply},
                )
        if len(joiners) < a.size_min - counts.size:
            add(
                "locked_team_cannot_complete",
                _("%(team)s heeft nog %(missing)s leden nodig; er zijn maar %(supply)s studenten die erbij kunnen.")
                % {"team": label[0].upper() + label[1:], "missing": a.size_min - counts.size, "supply": len(joiners)},
            )
    # Together pairs that the locks pull apart.
    for x_id, y_id in c.together:
        lx, ly = lock_of.get(x_id), lock_of.get(y_id)
        if lx is not None and ly is not None and lx != ly:
            add(
                "together_split",
                _("%(a)s en %(b)s moeten samen in een team, maar staan vast in verschillende teams.")
                % {"a": x_id, "b": y_id},
            )
        elif (lx is None) != (ly is None):
            li = lx if lx is not None else ly
            other = y_id if lx is not None else x_id
            lock = locks[li]
            a = c.assignments[c.assignment_index[lock.assignment]]
            s = c.students[c.student_index[other]]
            if lock.closed:
                add(
                    "together_closed",
                    _("%(other)s moet samen met %(in)s in een team, maar %(team)s is gesloten.")
                    % {"other": other, "in": x_id if other == y_id else y_id, "team": _lock_label(c, locks, li)},
                )
            elif not _allowed_on(c, s, a):
                add(
                    "together_not_allowed",
                    _(
                        "%(other)s moet samen met %(in)s in een team op %(a)s, maar mag daar niet geplaatst "
                        "worden (koos de opdracht niet of heeft te weinig werkdagen)."
                    )
                    % {"other": other, "in": x_id if other == y_id else y_id, "a": a.id},
                )
    for x_id, y_id in c.together:
        if frozenset((x_id, y_id)) in apart and x_id in lock_of:
            add(
                "together_and_apart",
                _("%(a)s en %(b)s moeten samen én apart, en %(a)s staat vast in een team.") % {"a": x_id, "b": y_id},
            )
    return conflicts


_SWITCH_TEXT = {
    "size": lambda p: _("de teamgrootte van %(a)s") % {"a": p["assignment"]},
    "niveau": lambda p: _("de minimale niveaus van %(a)s") % {"a": p["assignment"]},
    "mix": lambda p: _("de regel dat een team op %(a)s minstens twee niveaus heeft") % {"a": p["assignment"]},
    "weekdays": lambda p: _("de gedeelde werkdagen in %(a)s") % {"a": p["assignment"]},
    "together": lambda p: _("%(a)s en %(b)s samen") % {"a": p["students"][0], "b": p["students"][1]},
    "apart": lambda p: _("%(a)s en %(b)s apart") % {"a": p["students"][0], "b": p["students"][1]},
}


def diagnose(c: Cohort, locks: list[Lock], *, time_limit: float = 5.0) -> list[dict]:
    """A small set of rule groups and locks that cannot hold together, in Dutch (CP-SAT assumptions)."""
    model = _Model(c, locks, diagnose=True)
    lits = [lit for lit, _info in model.switches]
    model.m.add_assumptions(lits)
    solver = cp_model.CpSolver()
    # Cores of assumptions come from a single worker's search.
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model.m)
    if status != cp_model.INFEASIBLE:
        return [
            {
                "code": "rules_conflict",
                "detail": _(
                    "De vastgezette teams en de regels zijn samen niet te halen; de oorzaak is niet precies te bepalen."
                ),
            }
        ]
    index = {lit.index: info for lit, info in model.switches}
    by_index = {lit.index: lit for lit, _info in model.switches}
    core = [i for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    # CP-SAT's core need not be minimal: drop each group that is not needed
    # for the conflict, so the message names only what clashes.
    deadline = time.monotonic() + time_limit
    for i in list(core):
        if len(core) <= 1 or time.monotonic() > deadline:
            break
        trial = [j for j in core if j != i]
        model.m.clear_assumptions()
        model.m.add_assumptions([by_index[j] for j in trial])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.1, min(1.0, deadline - time.monotonic()))
        if solver.solve(model.m) == cp_model.INFEASIBLE:
            core = trial
    parts = []
    for i in core:
        info = index.get(i)
        if info is None:
            continue
        if info["code"] == "lock":
            parts.append(_lock_label(c, locks, info["params"]["lock"]))
        else:
            parts.append(_SWITCH_TEXT[info["code"]](info["params"]))
    return [
        {
            "code": "rules_conflict",
            "detail": _("Deze regels en vastgezette teams gaan samen niet: %(parts)s.") % {"parts": "; ".join(parts)},
        }
    ]


# ---------------------------------------------------------------------------
# The proposal and its explanations
# ---------------------------------------------------------------------------


_ORDINALS = {
    1: gettext_noop("eerste"),
    2: gettext_noop("tweede"),
    3: gettext_noop("derde"),
    4: gettext_noop("vierde"),
    5: gettext_noop("vijfde"),
    6: gettext_noop("zesde"),
    7: gettext_noop("zevende"),
    8: gettext_noop("achtste"),
    9: gettext_noop("negende"),
    10: gettext_noop("tiende"),
}


def _ordinal(rank: int) -> str:
    return _(_ORDINALS[rank]) if rank in _ORDINALS else f"{rank}e"


def _niveau_words(niveaus: list[int]) -> str:
    names = [str(n) for n in sorted(niveaus)]
    if len(names) == 1:
        return names[0]
    return _("%(first)s en %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


class _Situation:
    """A finished solution, as the explanations look at it."""

    def __init__(
        self, c: Cohort, teams: dict[tuple[str, int], list[str]], *, proven: bool, closed: Iterable = ()
    ) -> None:
        self.c = c
        self.closed = set(closed)
        self.teams = teams
        self.proven = proven
        self.team_of = {sid: key for key, members in teams.items() for sid in members}
        self.groups = c.groups()
        self.apart = {frozenset(p) for p in c.apart}
        self.chosen_by: dict[str, list[Student]] = defaultdict(list)
        for s in c.students:
            for p in s.preferences:
                self.chosen_by[p].append(s)

    def student(self, sid: str) -> Student:
        return self.c.students[self.c.student_index[sid]]

    def why_not(self, sid: str, aid: str) -> dict:
        """Why student ``sid`` (with their together group) is not on assignment ``aid``."""
        c = self.c
        a = c.assignments[c.assignment_index[aid]]
        group = [self.student(g) for g in sorted(self.groups[sid])]
        on_a = [(key, members) for key, members in self.teams.items() if key[0] == aid]
        if not on_a:
            choosers = self.chosen_by[aid] if c.only_ranked else c.students
            if len(choosers) < a.size_min:
                return {"code": "few_chose", "params": {"count": len(choosers), "min": a.size_min}}
            for n in NIVEAUS:
                supply = sum(1 for s in choosers if s.niveau == n)
                if supply < a.min_per_niveau[n]:
                    return {"code": "few_niveau", "params": {"niveau": n, "count": supply, "min": a.min_per_niveau[n]}}
            if a.max_teams == 0:
                return {"code": "not_formed", "params": {}}
            return {"code": "not_formed", "params": {}}
        d = c.min_shared_weekdays
        reasons = []
        for key, members in on_a:
            if key in self.closed:
                reasons.append({"code": "closed", "params": {}})
                continue
            studs = [self.student(m) for m in members]
            if any(frozenset((g.id, m.id)) in self.apart for g in group for m in studs):
                reasons.append({"code": "apart", "params": {}})
                continue
            shared = frozenset(WEEKDAYS).intersection(*(s.weekdays for s in [*studs, *group]))
            if d and len(shared) < d:
                reasons.append({"code": "weekdays", "params": {"shared": len(shared), "min": d}})
                continue
            if len(studs) + len(group) > a.size_max:
                code = "full" if len(group) == 1 else "full_group"
                reasons.append({"code": code, "params": {"size": len(studs), "max": a.size_max}})
                continue
            return self._needed_or_time(sid)
        return reasons[0]

    def _needed_or_time(self, sid: str) -> dict:
        """There was room: say what keeps the student where they are."""
        key = self.team_of.get(sid)
        if key is not None:
            a = self.c.assignments[self.c.assignment_index[key[0]]]
            rest = [self.student(m) for m in self.teams[key] if m not in self.groups[sid]]
            counts = rules.Counts.of([s.niveau for s in rest])
            # Nobody left behind: the slot is simply not formed, which is valid.
            short = rules.shortfall(a.requirements, counts) if rest else {}
            me = self.student(sid)
            if me.niveau in short:
                return {"code": "needed_niveau", "params": {"niveau": me.niveau}}
            if 0 < counts.size < a.size_min:
                return {"code": "needed_size", "params": {"min": a.size_min}}
            if counts.size > 1 and len(counts.levels()) < 2:
                return {"code": "needed_mix", "params": {}}
        if not self.proven:
            return {"code": "time_limit", "params": {}}
        return {"code": "trade_off", "params": {}}


def _reason_text(reason: dict, rank: int | None) -> str:
    code, p = reason["code"], reason.get("params", {})
    choice = _("je %(ordinal)s keuze") % {"ordinal": _ordinal(rank)} if rank else _("die opdracht")
    texts = {
        "few_chose": lambda: ngettext(
            "%(choice)s kreeg geen team (%(count)s student koos haar en een team heeft er minstens %(min)s nodig)",
            "%(choice)s kreeg geen team (%(count)s studenten kozen haar en een team heeft er minstens %(min)s nodig)",
            p.get("count", 0),
        ),
        "few_niveau": lambda: ngettext(
            "%(choice)s kreeg geen team (die vraagt om %(min)s niveau %(niveau)s-student en %(count)s koos haar)",
            "%(choice)s kreeg geen team (die vraagt om %(min)s niveau %(niveau)s-studenten en %(count)s kozen haar)",
            p.get("min", 0),
        ),
        "not_formed": lambda: _(
            "%(choice)s kreeg geen team (er waren niet genoeg studenten over die haar kozen "
            "en samen een geldig team vormden)"
        ),
        "apart": lambda: _("in het team van %(choice)s zit iemand met wie je niet in een team mag"),
        "weekdays": lambda: _(
            "met het team van %(choice)s deel je te weinig werkdagen (%(shared)s, minstens %(min)s nodig)"
        ),
        "full": lambda: _("het team van %(choice)s zat vol (%(size)s van %(max)s)"),
        "closed": lambda: _("het team van %(choice)s stond al vast en nam niemand meer aan"),
        "full_group": lambda: _("in het team van %(choice)s was geen plek voor jou en je vaste teamgenoot samen"),
        "needed_niveau": lambda: _(
            "%(choice)s had plek, maar je huidige team had je nodig als niveau %(niveau)s-student"
        ),
        "needed_size": lambda: _("%(choice)s had plek, maar zonder jou was je huidige team te klein"),
        "needed_mix": lambda: _("%(choice)s had plek, maar zonder jou had je huidige team maar één niveau"),
        "time_limit": lambda: _("%(choice)s had plek, maar de rekentijd was op voordat die verbetering gevonden werd"),
        "trade_off": lambda: _("%(choice)s had plek, maar daar had de groep als geheel het minder goed gehad"),
    }
    text = texts.get(code, lambda: _("%(choice)s lukte niet"))()
    return text % {"choice": choice, **p}


def explanation_text(why: dict) -> str:
    """Render a structured explanation (``why``) in the active language."""
    code, p = why.get("code"), why.get("params", {})
    if code == "team":
        parts = []
        ranks = p.get("ranks", {})
        choice_parts = [
            ngettext("%(count)s %(ordinal)s keuze", "%(count)s %(ordinal)s keuzes", count)
            % {"count": count, "ordinal": _ordinal(int(r))}
            for r, count in sorted(ranks.items(), key=lambda kv: int(kv[0]))
        ]
        if p.get("unranked"):
            choice_parts.append(
                ngettext("%(count)s niet gekozen", "%(count)s niet gekozen", p["unranked"]) % {"count": p["unranked"]}
            )
        if choice_parts:
            parts.append(", ".join(choice_parts))
        if p.get("required"):
            parts.append(
                _("dekt %(covered)s van de %(required)s gevraagde competenties")
                % {"covered": p["covered"], "required": p["required"]}
            )
        parts.append(_("niveaus %(niveaus)s") % {"niveaus": _niveau_words(p.get("niveaus", []))})
        text = "; ".join(parts)
        return text[0].upper() + text[1:]
    if code == "locked":
        return _("Je coördinator heeft je in dit team vastgezet.")
    if code == "existing_team":
        return _("Je zat al in dit team; je blijft erin.")
    if code == "first_choice":
        return _("Je kreeg je eerste keuze.")
    if code in ("choice", "unranked"):
        if code == "choice":
            head = _("Je kreeg je %(ordinal)s keuze") % {"ordinal": _ordinal(p["rank"])}
        else:
            head = _("Je kreeg een opdracht die je niet koos")
        blocked = [_reason_text(b, b.get("rank")) for b in p.get("blocked", [])]
        return head + (": " + "; ".join(blocked) if blocked else "") + "."
    # Unplaced students.
    if code == "no_preferences":
        return _("Je hebt geen voorkeuren opgegeven.")
    if code == "too_few_weekdays":
        return _("Je gaf %(count)s werkdagen op; een team moet er minstens %(min)s gemeenschappelijk hebben.") % p
    if code == "only_full":
        return _("Je koos alleen opdrachten waarvan de teams al vol zitten.")
    if code == "only_closed":
        return _("Je koos alleen opdrachten waarvan de teams al vaststonden.")
    if code == "only_weekdays":
        return _("Geen van je gekozen opdrachten had een team met genoeg gedeelde werkdagen.")
    if code == "only_not_formed":
        blocked = [_reason_text(b, b.get("rank")) for b in p.get("blocked", [])]
        return _("Voor geen van je gekozen opdrachten kwam een team tot stand") + ": " + "; ".join(blocked) + "."
    if code == "unplaced":
        blocked = [_reason_text(b, b.get("rank")) for b in p.get("blocked", [])]
        text = _("Je bent niet geplaatst")
        return text + (": " + "; ".join(blocked) if blocked else "") + "."
    return ""


def _student_why(sit: _Situation, s: Student, aid: str, locked: bool) -> dict:
    if locked:
        return {"code": "locked", "params": {}}
    r = sit.c.rank(s, aid)
    if r == 1:
        return {"code": "first_choice", "params": {}}
    better = s.preferences[: r - 1] if r else s.preferences
    blocked = [{**sit.why_not(s.id, b), "rank": i + 1, "assignment": b} for i, b in enumerate(better)]
    if r:
        return {"code": "choice", "params": {"rank": r, "blocked": blocked}}
    return {"code": "unranked", "params": {"blocked": blocked}}


def _unplaced_why(sit: _Situation, s: Student) -> dict:
    c = sit.c
    if c.only_ranked and not s.preferences:
        return {"code": "no_preferences", "params": {}}
    if len(s.weekdays) < c.min_shared_weekdays:
        return {"code": "too_few_weekdays", "params": {"count": len(s.weekdays), "min": c.min_shared_weekdays}}
    choices = list(s.preferences)
    if not c.only_ranked:
        choices += [a.id for a in c.assignments if a.id not in s.preferences and any(k[0] == a.id for k in sit.teams)]
    blocked = [{**sit.why_not(s.id, b), "rank": c.rank(s, b), "assignment": b} for b in choices]
    codes = {b["code"] for b in blocked}
    if codes == {"closed"}:
        return {"code": "only_closed", "params": {"blocked": blocked}}
    if codes and codes <= {"full", "full_group", "closed"}:
        return {"code": "only_full", "params": {"blocked": blocked}}
    if codes == {"weekdays"}:
        return {"code": "only_weekdays", "params": {"blocked": blocked}}
    if codes and codes <= {"few_chose", "few_niveau", "not_formed"}:
        return {"code": "only_not_formed", "params": {"blocked": blocked}}
    return {"code": "unplaced", "params": {"blocked": blocked}}


def _coverage(c: Cohort, a: Assignment, members: list[str]) -> dict:
    have = set().union(*(c.students[c.student_index[m]].competences for m in members)) if members else set()
    covered = sorted(comp for comp in a.competences if comp in have)
    missing = sorted(comp for comp in a.competences if comp not in have)
    total = sum(a.competences.values())
    score = round(100 * sum(a.competences[comp] for comp in covered) / total) if total else 100
    return {"covered": covered, "missing": missing, "score": score}


def build_proposal(
    cohort: dict | Cohort,
    teams: list[dict],
    *,
    locked: list[dict] | None = None,
    proven: bool = True,
    status: str = "optimal",
) -> dict:
    """The proposal body (teams, students, unplaced, profile) with explanations for a given team list."""
    c = parse_cohort(cohort)
    locks = parse_locks(c, locked)
    locked_ids = {sid for lock in locks for sid in lock.members}
    keyed: dict[tuple[str, int], list[str]] = {}
    per_assignment: dict[str, int] = defaultdict(int)
    order = {sid: i for i, sid in enumerate(s.id for s in c.students)}
    for team in teams:
        k = team.get("team", per_assignment[team["assignment"]])
        per_assignment[team["assignment"]] += 1
        keyed[(team["assignment"], k)] = sorted(team["members"], key=order.__getitem__)
    closed = [
        key
        for key, members in keyed.items()
        for lock in locks
        if lock.closed and lock.assignment == key[0] and set(lock.members) <= set(members)
    ]
    sit = _Situation(c, keyed, proven=proven, closed=closed)
    out_teams = []
    for (aid, k), members in sorted(keyed.items(), key=lambda kv: (c.assignment_index[kv[0][0]], kv[0][1])):
        a = c.assignments[c.assignment_index[aid]]
        ranks: dict[str, int] = defaultdict(int)
        unranked = 0
        for sid in members:
            r = c.rank(sit.student(sid), aid)
            if r:
                ranks[str(r)] += 1
            else:
                unranked += 1
        coverage = _coverage(c, a, members)
        why = {
            "code": "team",
            "params": {
                "ranks": dict(ranks),
                "unranked": unranked,
                "covered": len(coverage["covered"]),
                "required": len(a.competences),
                "niveaus": sorted({sit.student(m).niveau for m in members}),
            },
        }
        out_teams.append(
            {
                "assignment": aid,
                "team": k,
                "members": members,
                "explanation": explanation_text(why),
                "why": why,
                "coverage": coverage,
                "isolated": isolated_members(c, members),
            }
        )
    students_out, unplaced = [], []
    for s in c.students:
        key = sit.team_of.get(s.id)
        if key is None:
            why = _unplaced_why(sit, s)
            unplaced.append({"student": s.id, "reason": explanation_text(why), "why": why})
        else:
            why = _student_why(sit, s, key[0], s.id in locked_ids)
            students_out.append(
                {
                    "student": s.id,
                    "assignment": key[0],
                    "team": key[1],
                    "rank": c.rank(s, key[0]),
                    "explanation": explanation_text(why),
                    "why": why,
                }
            )
    return {
        "status": status,
        "teams": out_teams,
        "unplaced": unplaced,
        "students": students_out,
        "preference_profile": preference_profile(c, out_teams),
    }


def _notes(c: Cohort, model: _Model, placed: int) -> list[dict]:
    """Counting observations that explain why fewer students were placed."""
    notes = []
    dead = [c.assignments[ai] for ai in sorted(model.dead)]
    if c.students and placed == 0:
        notes.append(
            {
                "code": "nobody_placed",
                "detail": _(
                    "Niemand kon geplaatst worden: geen enkele opdracht heeft genoeg studenten die haar kozen, met de "
                    "gevraagde niveaus en genoeg gedeelde werkdagen, om een team te vormen."
                ),
            }
        )
    if dead:
        notes.append(
            {
                "code": "assignments_not_formable",
                "detail": ngettext(
                    "%(count)s opdracht kan geen team krijgen: te weinig studenten (van de gevraagde niveaus) "
                    "kozen haar (%(ids)s).",
                    "%(count)s opdrachten kunnen geen team krijgen: te weinig studenten (van de gevraagde niveaus) "
                    "kozen ze (%(ids)s).",
                    len(dead),
                )
                % {"count": len(dead), "ids": _names(a.id for a in dead)},
            }
        )
    for n in NIVEAUS:
        demanding = [a for ai, a in enumerate(c.assignments) if a.min_per_niveau[n] and ai not in model.dead]
        if not demanding:
            continue
        ids = {a.id for a in demanding}
        supply = sum(
            1
            for s in c.students
            if s.niveau == n
            and (not c.only_ranked or ids & set(s.preferences))
            and len(s.weekdays) >= c.min_shared_weekdays
        )
        needed = sum(a.min_per_niveau[n] for a in demanding)
        if supply < needed:
            notes.append(
                {
                    "code": "niveau_short",
                    "detail": _(
                        "%(count)s opdrachten vragen samen om %(needed)s niveau %(n)s-studenten; %(supply)s niveau "
                        "%(n)s-studenten kozen ze, dus niet al die opdrachten kunnen een team krijgen."
                    )
                    % {"count": len(demanding), "needed": needed, "n": n, "supply": supply},
                }
            )
    return notes


def _proposal(
    c: Cohort,
    locks: list[Lock],
    model: _Model,
    values: dict,
    stages: list[_Stage],
    weights: dict,
    started: float,
) -> dict:
    teams: dict[tuple[int, int], list[str]] = defaultdict(list)
    for (si, ai, k), var in model.x.items():
        if values.get(var):
            teams[(ai, k)].append(c.students[si].id)
    # Renumber the slots of each assignment 0, 1, … in slot order.
    team_list = []
    seen: dict[int, int] = defaultdict(int)
    for ai, k in sorted(teams):
        team_list.append({"assignment": c.assignments[ai].id, "team": seen[ai], "members": teams[(ai, k)]})
        seen[ai] += 1
    proven = all(s.status == "optimal" for s in stages)
    status = "optimal" if proven else "feasible"
    body = build_proposal(
        c,
        team_list,
        locked=[
            {"assignment": lock.assignment, "members": list(lock.members), "closed": lock.closed} for lock in locks
        ],
        proven=stages[1].status == "optimal",
        status=status,
    )
    placement, prefs, soft = stages
    placed = round(placement.value)
    n = len(c.students)
    soft_value = soft.value if soft.value is not None else 0.0
    soft_bound = soft.bound if soft.bound is not None else 0.0
    objective = UNPLACED_COST * (n - placed) + RANK_STEP_COST * prefs.value + soft_value
    bound = (
        UNPLACED_COST * (n - min(n, math.floor(placement.bound + 1e-6)))
        + RANK_STEP_COST * (prefs.bound if prefs.bound is not None else prefs.value)
        + soft_bound
    )
    bound = min(bound, objective)
    gap = 0.0 if objective <= 0 else (objective - bound) / objective
    if proven:
        gap = 0.0
    return {
        "status": status,
        "wall_s": round(time.monotonic() - started, 3),
        "objective": round(objective, 3),
        "bound": round(bound, 3),
        "gap": round(gap, 6),
        "gap_text": gap_text(gap, status),
        "placed": placed,
        **{k: v for k, v in body.items() if k != "status"},
        "conflicts": [],
        "notes": _notes(c, model, placed),
        "stages": [_stage_dict(s, i == 0) for i, s in enumerate(stages)],
        "weights": weights,
    }


# ---------------------------------------------------------------------------
# Repairing published teams
# ---------------------------------------------------------------------------


def _parse_current(c: Cohort, current: list[dict]) -> list[tuple[Assignment, int, list[int]]]:
    teams = []
    seen: dict[str, int] = {}
    per_assignment: dict[str, int] = defaultdict(int)
    for i, raw in enumerate(_list(current, "current")):
        where = f"current[{i}]"
        raw = _dict(raw, where)
        aid = _id(raw.get("assignment"), f"{where}.assignment")
        if aid not in c.assignment_index:
            raise CohortFileError(f"{where}.assignment", _("onbekende opdracht: %(id)s") % {"id": aid})
        members = []
        for j, sid in enumerate(_list(raw.get("members", []), f"{where}.members")):
            sid = _id(sid, f"{where}.members[{j}]")
            if sid not in c.student_index:
                raise CohortFileError(f"{where}.members[{j}]", _("onbekende student: %(id)s") % {"id": sid})
            if sid in seen:
                raise CohortFileError(
                    f"{where}.members[{j}]", _("student %(id)s staat al in een ander team") % {"id": sid}
                )
            seen[sid] = i
            members.append(c.student_index[sid])
        k = raw.get("team", per_assignment[aid])
        per_assignment[aid] += 1
        teams.append((c.assignments[c.assignment_index[aid]], k, members))
    return teams


def repair(cohort: dict | Cohort, current: list[dict], *, time_limit: float = 5.0, seed: int = 1) -> dict:
    """The fewest moves that make every current team valid again; everyone else stays.

    Moves of unplaced students come first: moving a placed student costs
    more than moving in an unplaced one. A team that no set of moves can make
    valid is left as it is and listed in ``unfixable`` with the reason.
    """
    started = time.monotonic()
    c = parse_cohort(cohort)
    teams = _parse_current(c, current)
    d = c.min_shared_weekdays
    m = cp_model.CpModel()
    cur: dict[int, int] = {si: t for t, (_a, _k, members) in enumerate(teams) for si in members}
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for si, s in enumerate(c.students):
        for t, (a, _k, _members) in enumerate(teams):
            if cur.get(si) == t or _allowed_on(c, s, a):
                x[(si, t)] = m.new_bool_var(f"x{si}_{t}")
    by_student: dict[int, list[int]] = defaultdict(list)
    by_team: dict[int, list[int]] = defaultdict(list)
    for si, t in x:
        by_student[si].append(t)
        by_team[t].append(si)
    for si, ts in by_student.items():
        if len(ts) > 1:
            m.add_at_most_one(x[(si, t)] for t in ts)
    keep = [m.new_bool_var(f"keep{t}") for t in range(len(teams))]
    apart = [(c.student_index[p], c.student_index[q]) for p, q in c.apart]
    for t, (a, _k, members) in enumerate(teams):
        xs = {si: x[(si, t)] for si in by_team[t]}
        size = sum(xs.values())
        kt = keep[t]
        # A team that cannot be made valid keeps exactly its members.
        for si, v in xs.items():
            m.add(v == (1 if si in members else 0)).only_enforce_if(kt.Not())
        m.add(size >= a.size_min).only_enforce_if(kt)
        m.add(size <= a.size_max).only_enforce_if(kt)
        for n in NIVEAUS:
            if a.min_per_niveau[n]:
                m.add(
                    sum(v for si, v in xs.items() if c.students[si].niveau == n) >= a.min_per_niveau[n]
                ).only_enforce_if(kt)
        if a.size_max >= 2:
            # More than one member needs someone of another niveau.
            big = m.new_bool_var("")
            m.add(size >= 2).only_enforce_if(big)
            m.add(size <= 1).only_enforce_if(big.Not())
            for n in NIVEAUS:
                others = [v for si, v in xs.items() if c.students[si].niveau != n]
                m.add(sum(others) >= 1).only_enforce_if([kt, big])
        if d:
            days = [m.new_bool_var("") for _day in WEEKDAYS]
            m.add(sum(days) == d).only_enforce_if(kt)
            for si, v in xs.items():
                off = [days[day] for day in WEEKDAYS if day not in c.students[si].weekdays]
                if off:
                    m.add(sum(off) + d * v <= d).only_enforce_if(kt)
        for p, q in apart:
            if p in xs and q in xs:
                m.add_bool_or([xs[p].Not(), xs[q].Not()]).only_enforce_if(kt)
    for p_id, q_id in c.together:
        p, q = c.student_index[p_id], c.student_index[q_id]
        for t in range(len(teams)):
            vp, vq = x.get((p, t)), x.get((q, t))
            if vp is not None and vq is not None:
                m.add(vp == vq).only_enforce_if(keep[t])
            elif vp is not None or vq is not None:
                m.add((vp if vp is not None else vq) == 0).only_enforce_if(keep[t])
    # The cost of a move: an unplaced student moved in < a placed student moved.
    cost = []
    for si, s in enumerate(c.students):
        ts = by_student.get(si, [])
        if si in cur:
            moved = 1 - x[(si, cur[si])]
            cost.append(120 * moved)
            cost.extend(_rank_cost(c, s, teams[t][0]) * x[(si, t)] for t in ts if t != cur[si])
        else:
            cost.extend((100 + _rank_cost(c, s, teams[t][0])) * x[(si, t)] for t in ts)
    m.minimize(100_000 * sum(1 - k for k in keep) + sum(cost))
    for (si, t), v in x.items():
        m.add_hint(v, 1 if cur.get(si) == t else 0)
    solver = cp_model.CpSolver()
    _configure(solver, seed=seed, time_limit=time_limit)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {
            "status": _STATUS.get(status, "unknown"),
            "wall_s": round(time.monotonic() - started, 3),
            "moves": [],
            "teams": [
                {"assignment": a.id, "team": k, "members": [c.students[si].id for si in mem]} for a, k, mem in teams
            ],
            "unfixable": [
                {"assignment": a.id, "team": k, "reason": _("Geen herstel gevonden binnen de rekentijd.")}
                for a, k, _mem in teams
            ],
        }
    after: dict[int, list[int]] = defaultdict(list)
    now: dict[int, int] = {}
    for (si, t), v in x.items():
        if solver.value(v):
            after[t].append(si)
            now[si] = t
    moves = []
    for si, s in enumerate(c.students):
        before, later = cur.get(si), now.get(si)
        if before != later:
            moves.append(
                {
                    "student": s.id,
                    "from_assignment": None if before is None else teams[before][0].id,
                    "to_assignment": None if later is None else teams[later][0].id,
                    "from_team": None if before is None else teams[before][1],
                    "to_team": None if later is None else teams[later][1],
                }
            )
    result_teams = [
        {"assignment": a.id, "team": k, "members": [c.students[si].id for si in sorted(after[t])]}
        for t, (a, k, _mem) in enumerate(teams)
    ]
    unfixable = []
    for t, (a, k, members) in enumerate(teams):
        if not solver.value(keep[t]):
            problems = _team_violations(
                c, a, [c.students[si] for si in members], exempt={c.students[si].id for si in members}
            )
            unfixable.append(
                {
                    "assignment": a.id,
                    "team": k,
                    "reason": _("Dit team is niet te herstellen met de beschikbare studenten: %(why)s")
                    % {
                        "why": " ".join(p["detail"] for p in problems)
                        or _("de paren die samen of apart moeten laten geen geldig team toe.")
                    },
                }
            )
    return {
        "status": _STATUS.get(status, "unknown"),
        "wall_s": round(time.monotonic() - started, 3),
        "moves": moves,
        "teams": result_teams,
        "unfixable": unfixable,
    }
