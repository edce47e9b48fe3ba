"""The greedy baseline for bench/formation.py: what a coordinator's spreadsheet would do, first come first served.

Students are placed in rounds by rank: every student on their first choice,
then everyone still without a team on their second, and so on. A seat is
taken only if the team has room, the members still share enough weekdays, no
``apart`` pair meets, and the team stays completable by the composition rules
of ``teams.rules`` (the same judgement the join service makes). A ``together``
pair moves as one. Afterwards the proposal is repaired so that it meets every
hard rule: teams that are not yet valid are filled from the students left over
who ranked them, and those that still cannot be made valid are dissolved, their
members tried on the valid teams that have room, in their order of preference.

Needs Django set up (``teams.rules`` translates its messages); no database.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from teams.rules import Counts, Requirements, is_complete, seats_needed


def requirements(assignment: dict) -> Requirements:
    return Requirements(
        size_min=assignment["team_size_min"],
        size_max=assignment["team_size_max"],
        min_per_niveau={
            4: assignment.get("min_niveau_4", 0),
            5: assignment.get("min_niveau_5", 0),
            6: assignment.get("min_niveau_6", 0),
        },
        requires_hbo=bool(assignment.get("requires_hbo", False)),
    )


def together_groups(cohort: dict) -> list[tuple[str, ...]]:
    """Every student in one group, ``together`` pairs joined transitively (a union-find)."""
    parent = {s["id"]: s["id"] for s in cohort["students"]}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in cohort.get("together", []):
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for s in cohort["students"]:
        groups.setdefault(root(s["id"]), []).append(s["id"])
    return [tuple(members) for members in groups.values()]


@dataclass
class Team:
    assignment: str
    req: Requirements
    members: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    days: set[int] | None = None  # the weekdays every member shares; None while empty
    closed: bool = False  # dissolved once: not formed again, so that the repair ends


class Greedy:
    def __init__(self, cohort: dict) -> None:
        rules = cohort.get("rules", {})
        self.min_days = rules.get("min_shared_weekdays", 0)
        self.only_ranked = rules.get("only_ranked", True)
        default_max = rules.get("max_teams_per_assignment", 1)
        self.students = {s["id"]: s for s in cohort["students"]}
        self.rank = {s["id"]: {a: i for i, a in enumerate(s.get("preferences", []))} for s in cohort["students"]}
        self.apart: dict[str, set[str]] = {}
        for a, b in cohort.get("apart", []):
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)
        self.slots: dict[str, list[Team]] = {
            a["id"]: [Team(a["id"], requirements(a)) for _ in range(a.get("max_teams", default_max))]
            for a in cohort["assignments"]
        }
        self.groups = together_groups(cohort)
        self.team_of: dict[tuple[str, ...], Team] = {}

    def choices(self, group: tuple[str, ...]) -> list[str]:
        """The assignments the whole group ranked, best (lowest summed rank) first."""
        shared = set(self.rank[group[0]]).intersection(*(self.rank[m] for m in group[1:]))
        return sorted(shared, key=lambda a: (sum(self.rank[m][a] for m in group), a))

    def fits(self, team: Team, group: tuple[str, ...]) -> bool:
        if team.closed or len(team.members) + len(group) > team.req.size_max:
            return False
        days = set(team.days) if team.days is not None else {0, 1, 2, 3, 4}
        for m in group:
            days &= set(self.students[m]["weekdays"])
            if self.apart.get(m, set()) & set(team.members + list(group)):
                return False
        if len(days) < self.min_days:
            return False
        after = team.counts
        for m in group:
            after = after.plus(self.students[m]["niveau"])
        return seats_needed(team.req, after) <= team.req.size_max - after.size

    def add(self, team: Team, group: tuple[str, ...]) -> None:
        for m in group:
            team.members.append(m)
            team.counts = team.counts.plus(self.students[m]["niveau"])
            days = set(self.students[m]["weekdays"])
            team.days = days if team.days is None else team.days & days
        self.team_of[group] = team

    def place(self, group: tuple[str, ...], assignment: str, *, only_valid: bool = False) -> bool:
        # An open team of the assignment before a fresh one, so that teams fill up.
        for team in sorted(self.slots[assignment], key=lambda t: -len(t.members)):
            if only_valid and not (team.members and is_complete(team.req, team.counts)):
                continue
            if self.fits(team, group):
                self.add(team, group)
                return True
        return False

    def unplaced(self) -> list[tuple[str, ...]]:
        return [g for g in self.groups if g not in self.team_of]

    def dissolve(self, team: Team) -> None:
        for group in [g for g, t in self.team_of.items() if t is team]:
            del self.team_of[group]
        team.members, team.counts, team.days, team.closed = [], Counts(), None, True

    def run(self) -> list[dict]:
        longest = max((len(s.get("preferences", [])) for s in self.students.values()), default=0)
        choices = {g: self.choices(g) for g in self.groups}
        for rank in range(longest):
            for group in self.unplaced():
                if rank < len(choices[group]):
                    self.place(group, choices[group][rank])
        while True:
            broken = [t for ts in self.slots.values() for t in ts if t.members and not is_complete(t.req, t.counts)]
            if not broken:
                break
            for team in broken:
                self.fill(team)
            for team in broken:
                if not is_complete(team.req, team.counts):
                    members = [g for g, t in self.team_of.items() if t is team]
                    self.dissolve(team)
                    for group in members:
                        self.place_on_valid(group, choices[group])
        for group in self.unplaced():
            self.place_on_valid(group, choices[group])
        return [
            {"assignment": t.assignment, "members": sorted(t.members)}
            for ts in self.slots.values()
            for t in ts
            if t.members
        ]

    def fill(self, team: Team) -> None:
        """Fill a team that is not yet valid from the students left over who ranked it, needed niveaus first."""
        candidates = sorted(
            (g for g in self.unplaced() if all(team.assignment in self.rank[m] for m in g)),
            key=lambda g: sum(self.rank[m][team.assignment] for m in g),
        )
        while not is_complete(team.req, team.counts):
            needed = seats_needed(team.req, team.counts)

            def helps(g: tuple[str, ...], needed: int = needed) -> bool:
                after = team.counts
                for m in g:
                    after = after.plus(self.students[m]["niveau"])
                return seats_needed(team.req, after) < needed

            pick = next((g for g in candidates if helps(g) and self.fits(team, g)), None)
            if pick is None:
                return
            candidates.remove(pick)
            self.add(team, pick)

    def place_on_valid(self, group: tuple[str, ...], choices: Iterable[str]) -> None:
        for assignment in choices:
            if self.place(group, assignment, only_valid=True):
                return


def greedy(cohort: dict) -> list[dict]:
    """Teams (``{"assignment", "members"}``) that meet every hard rule, placed first come first served."""
    return Greedy(cohort).run()
