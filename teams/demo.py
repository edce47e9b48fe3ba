"""Demo teams on the cohort's open assignments: mixed members, duos, phase tasks, supervisors.

Idempotent: teams are found by (assignment, name), tasks by (team, title),
and a student is only placed when not yet in a team of the cohort. With no
open assignments yet it creates nothing.

Some students stay teamless on purpose so they can join in the browser.
"""

import datetime

from django.utils import timezone

from assignments.models import Assignment, AssignmentStatus
from teams.models import Duo, DuoRole, Membership, SupervisionAssignment, Task, TaskStatus, Team, TeamStatus
from teams.rules import Counts, Requirements, shortfall
from wijklab.demo import DemoContext
from wijklab.models import User

# Left out of every demo team: they join (or are placed) in the browser.
TEAMLESS = {
    "mila.bakker",
    "daan.visser",
    "anouk.meijer",
    "yara.haddad",
    "lars.peeters",
    "jesse.vermeulen",
    "fatima.ouali",
    "zeynep.kaya",
    "samira.benali",
    "dewi.pinas",
}
MAIN_MEMBERS = ["student4", "student5", "student6"]

# (name, status, members, whether to fill it up to a complete team)
TEAMS = [
    ("Team Maashaven", TeamStatus.ACTIVE, MAIN_MEMBERS, True),
    ("Team Kaap", TeamStatus.OPEN, ["priya.ramdin"], False),
    ("Team Zuidplein", TeamStatus.ACTIVE, ["kevin.vandam", "thomas.vanderberg", "tim.dekker"], True),
    ("Team Vreewijk", TeamStatus.OPEN, ["emma.smit", "sophie.brouwer"], False),
    ("Team Schollevaar", TeamStatus.OPEN, [], False),
]

# phase, title, owner (index in the roster or None), days from today, status
MAIN_TASKS = [
    ("verkenning", "Kennismaken met de wijkverpleegkundige", 2, -20, TaskStatus.DONE),
    ("verkenning", "Huisbezoeken plannen met drie gezinnen", 0, -14, TaskStatus.DONE),
    ("verkenning", "Vragenlijst ophalen bij het buurthuis", 1, -3, TaskStatus.DOING),
    ("begeleiding", "Wekelijks koffie-uur in het buurthuis draaien", 0, 7, TaskStatus.DOING),
    ("begeleiding", "Signalen bespreken met het wijkteam", 2, -2, TaskStatus.TODO),
    ("begeleiding", "Verslag van de huisbezoeken schrijven", 1, 10, TaskStatus.TODO),
    ("waakvlam", "Afspraken maken over nazorg met de gezinnen", 0, 30, TaskStatus.TODO),
    ("waakvlam", "Overdracht aan vrijwilligers voorbereiden", None, 40, TaskStatus.TODO),
]
OTHER_TASKS = [
    ("verkenning", "Rondgang door de wijk met de werkbegeleider", 0, -6, TaskStatus.DONE),
    ("verkenning", "Bewoners uitnodigen voor een eerste gesprek", 1, -1, TaskStatus.TODO),
    ("begeleiding", "Plan van aanpak schrijven", 2, 12, TaskStatus.TODO),
]


def _active_team_ids(cohort_id: int) -> dict[int, int]:
    return dict(
        Membership.objects.filter(cohort_id=cohort_id, left_at__isnull=True).values_list("student_id", "team_id")
    )


def _pool(ctx: DemoContext, placed: dict[int, int]) -> dict[int, list[User]]:
    """Students free to fill demo teams, per niveau, in a fixed order."""
    pool: dict[int, list[User]] = {4: [], 5: [], 6: []}
    students = (
        User.objects.filter(student_profile__cohort=ctx.cohort)
        .exclude(username__in=TEAMLESS | set(MAIN_MEMBERS))
        .select_related("student_profile")
        .order_by("username")
    )
    for student in students:
        if student.pk not in placed:
            pool[student.student_profile.niveau].append(student)
    return pool


def _place(team: Team, student: User, placed: dict[int, int]) -> None:
    if student.pk in placed:
        return
    Membership.objects.create(team=team, student=student, cohort_id=team.assignment.cohort_id)
    placed[student.pk] = team.pk


def _roster(team: Team) -> list[User]:
    return [
        m.student
        for m in Membership.objects.filter(team=team, left_at__isnull=True)
        .select_related("student", "student__student_profile")
        .order_by("joined_at", "pk")
    ]


def _complete(team: Team, pool: dict[int, list[User]], placed: dict[int, int]) -> None:
    """Fill a team from the pool until it meets its assignment's rules (and has room for two duos)."""
    req = Requirements.of(team.assignment)
    target = min(req.size_max, max(req.size_min, 4))
    for _round in range(req.size_max):
        roster = _roster(team)
        counts = Counts.of([s.student_profile.niveau for s in roster])
        if counts.size >= target and not shortfall(req, counts):
            return
        if counts.size >= req.size_max:
            return
        missing = shortfall(req, counts)
        # A missing niveau first; otherwise the niveau the team has least of.
        order = sorted(missing) or sorted((4, 5, 6), key=lambda n: (counts.per_niveau.get(n, 0), n))
        for niveau in order:
            if pool[niveau]:
                _place(team, pool[niveau].pop(0), placed)
                break
        else:
            return


def _tasks(team: Team, specs: list, roster: list[User], today: datetime.date) -> None:
    for phase, title, owner_index, days, status in specs:
        owner = roster[owner_index] if owner_index is not None and owner_index < len(roster) else None
        Task.objects.get_or_create(
            team=team,
            title=title,
            defaults={
                "phase": phase,
                "owner": owner,
                "created_by": owner or (roster[0] if roster else None),
                "due_on": today + datetime.timedelta(days=days),
                "status": status,
            },
        )


def _duo(team: Team, a: User, role_a: str, b: User, role_b: str, *, youth: bool = False) -> None:
    ids = {a.pk, b.pk}
    if Duo.objects.filter(team=team, member_a_id__in=ids).exists():
        return
    if Duo.objects.filter(team=team, member_b_id__in=ids).exists():
        return
    if youth:
        youth = not team.duos.filter(carries_youth_case=True).exists()
    Duo.objects.create(team=team, member_a=a, role_a=role_a, member_b=b, role_b=role_b, carries_youth_case=youth)


def _supervise(team: Team, *usernames: str, ctx: DemoContext) -> None:
    for username in usernames:
        supervisor = ctx.users.get(username)
        if supervisor is not None:
            SupervisionAssignment.objects.get_or_create(supervisor=supervisor, team=team)


def _pick_assignments(assignments: list[Assignment]) -> list[Assignment]:
    """The main team on the youth case (if any) of DOCK preferably; the others spread over the rest."""
    main = next(
        (a for a in assignments if a.requires_hbo and a.organisation.name == "DOCK"),
        next((a for a in assignments if a.requires_hbo), assignments[0]),
    )
    dock = [a for a in assignments if a.organisation.name == "DOCK" and a != main]
    rest = [a for a in assignments if a != main and a not in dock]
    ordered = [main, *rest[:1], *dock[:1], *rest[1:], *dock[1:]]
    return [ordered[i % len(ordered)] for i in range(len(TEAMS))]


def seed(ctx: DemoContext) -> None:
    assignments = list(
        Assignment.objects.filter(cohort=ctx.cohort, status=AssignmentStatus.OPEN)
        .select_related("organisation")
        .order_by("pk")
    )
    if not assignments:
        return
    today = timezone.localdate()
    placed = _active_team_ids(ctx.cohort.pk)
    pool = _pool(ctx, placed)
    for (name, status, members, fill), assignment in zip(TEAMS, _pick_assignments(assignments), strict=True):
        team, created = Team.objects.get_or_create(
            assignment=assignment, name=name, defaults={"status": status, "created_by": ctx.coordinator}
        )
        if created:
            for username in members:
                if username in ctx.users:
                    _place(team, ctx.users[username], placed)
            if fill:
                _complete(team, pool, placed)
        roster = _roster(team)
        if name == "Team Maashaven":
            _supervise(team, "docent.mbo", "docent.hbo", ctx=ctx)
            by_name = {s.username: s for s in roster}
            others = [s for s in roster if s.username not in MAIN_MEMBERS]
            if "student4" in by_name and "student6" in by_name:
                _duo(
                    team,
                    by_name["student6"],
                    DuoRole.PROCESROL,
                    by_name["student4"],
                    DuoRole.BEGELEIDINGSROL,
                    youth=assignment.requires_hbo,
                )
            if "student5" in by_name and others:
                _duo(team, others[0], DuoRole.BEGELEIDINGSROL, by_name["student5"], DuoRole.PROCESROL)
            _tasks(team, MAIN_TASKS, [by_name.get(u) for u in MAIN_MEMBERS], today)
        elif name == "Team Zuidplein":
            _supervise(team, "docent.mbo2", "docent.hbo2", ctx=ctx)
            if len(roster) >= 2:
                _duo(team, roster[1], DuoRole.PROCESROL, roster[0], DuoRole.BEGELEIDINGSROL)
            _tasks(team, OTHER_TASKS, roster, today)
        else:
            _supervise(team, "docent.hbo2" if assignment.requires_hbo else "docent.mbo2", ctx=ctx)
        if assignment.organisation.name == "DOCK":
            _supervise(team, "werkbegeleider", ctx=ctx)
        elif assignment.organisation.name == "Welzijn Capelle":
            _supervise(team, "werkbegeleider.capelle", ctx=ctx)
