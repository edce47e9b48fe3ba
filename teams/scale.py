"""Teams at scale (``manage.py seed_scale``): 1,000 complete mixed teams with duos, phase tasks,
supervisors, 200,000 chat messages and read markers, in the shapes of ``teams.demo`` and
``teams.demo_chat``.

Every team is valid by ``teams.rules``: each gets a niveau 4 and a niveau 6 student first, then is
filled from the rest of its cohort; a youth case gets its duo with the niveau 6 student and an hbo
docent. Students left over stay teamless, as in the demo.
"""

import datetime as dt

from assignments.models import AssignmentStatus, Phase
from teams.models import (
    Duo,
    DuoRole,
    Membership,
    Message,
    ReadMarker,
    SupervisionAssignment,
    Task,
    TaskStatus,
    Team,
    TeamStatus,
)
from teams.rules import Counts, Requirements, is_complete
from wijklab.models import SupervisorKind
from wijklab.scale import ScaleContext, Student, bulk, dutch_count, scale_cohorts

TEAMS = 1_000
MESSAGES = 200_000
SMALL_TALK = [
    "Goedemorgen! Ik heb gisteren met de buurtconciërge gesproken.",
    "Zullen we die lijst vergelijken met wat het wijkteam al weet?",
    "Goed plan. Ik vraag het na bij de wijkverpleegkundige.",
    "Ik kan maandag en dinsdag, ik ga graag mee als eerste kennismaking.",
    "Dan doen wij het samen op dinsdag: jij het contact, ik het verslag.",
    "Donderdag koffie-uur klinkt goed. Ik maak een flyer in drie talen.",
    "Genoteerd, ik zet het in de gedeelde agenda.",
    "Ja, doe ik 👍",
    "Het verslag van het huisbezoek staat in de map.",
    "Wie belt er morgen met de woningcorporatie?",
]
SUPERVISOR_LINES = [
    "Mooie verdeling. Denk bij de huisbezoeken vooral aan luisteren: wat wil de bewoner zelf?",
    "Vergeet het verslag niet voor vrijdag; dan bespreken we het in de intervisie.",
]
ORGANISATION_LINES = [
    "Het buurthuis heeft op donderdag een ruimte vrij voor jullie.",
    "Fijn dat jullie er zijn, de bewoners merken het al.",
]
TASKS = [
    (Phase.VERKENNING, "Kennismaken met de wijkverpleegkundige", TaskStatus.DONE),
    (Phase.VERKENNING, "Huisbezoeken plannen", TaskStatus.DONE),
    (Phase.VERKENNING, "Vragenlijst ophalen bij het buurthuis", TaskStatus.DOING),
    (Phase.BEGELEIDING, "Wekelijks koffie-uur draaien", TaskStatus.DOING),
    (Phase.BEGELEIDING, "Signalen bespreken met het wijkteam", TaskStatus.TODO),
    (Phase.BEGELEIDING, "Verslag van de huisbezoeken schrijven", TaskStatus.TODO),
    (Phase.WAAKVLAM, "Afspraken maken over nazorg", TaskStatus.TODO),
    (Phase.WAAKVLAM, "Overdracht aan vrijwilligers voorbereiden", TaskStatus.TODO),
]


def _compose(ctx: ScaleContext, assignments: list, count: int) -> list[tuple[object, list[Student]]]:
    """(assignment, roster) for ``count`` teams, spread over the cohorts' non-draft assignments."""
    rng = ctx.rng
    by_cohort: dict[int, list] = {}
    for a in assignments:
        if a.status != AssignmentStatus.DRAFT:
            by_cohort.setdefault(a.cohort_id, []).append(a)
    pools: dict[int, dict[int, list[Student]]] = {}
    for student in ctx.students:
        pools.setdefault(student.cohort_id, {4: [], 5: [], 6: []})[student.niveau].append(student)
    for pool in pools.values():
        for students in pool.values():
            rng.shuffle(students)
    # scale.student1 (niveau 4, the first student) is the first taken: the well-known login is in a team.
    first = ctx.students[0]
    pools[first.cohort_id][4].remove(first)
    pools[first.cohort_id][4].append(first)
    teams = []
    cohort_ids = [c.pk for c in ctx.cohorts]
    for n in range(count):
        cohort_id = cohort_ids[n % len(cohort_ids)]
        choices = by_cohort.get(cohort_id)
        pool = pools.get(cohort_id)
        if not choices or not pool or not pool[4] or not pool[6]:
            continue
        assignment = choices[(n // len(cohort_ids)) % len(choices)]
        req = Requirements.of(assignment)
        roster = [pool[4].pop(), pool[6].pop()]
        size = min(req.size_max, rng.choice([4, 4, 5]))
        while len(roster) < size:
            niveau = (
                rng.choices([4, 5, 6], weights=[len(pool[4]), len(pool[5]), len(pool[6])])[0]
                if any(pool.values())
                else None
            )
            if niveau is None:
                break
            roster.append(pool[niveau].pop())
        if not is_complete(req, Counts.of([s.niveau for s in roster])):
            # Not enough students left for a valid team: give them back and stop with this cohort.
            for s in roster:
                pool[s.niveau].append(s)
            by_cohort[cohort_id] = []
            continue
        teams.append((assignment, roster))
    return teams


def seed(ctx: ScaleContext) -> None:
    rng = ctx.rng
    assignments = ctx.extra["assignments"]
    with ctx.step(f"{dutch_count(ctx.scaled(TEAMS))} teams met leden, duo's, taken en begeleiders"):
        composed = _compose(ctx, assignments, ctx.scaled(TEAMS, minimum=len(ctx.cohorts)))
        names: dict[int, int] = {}
        rows = []
        for assignment, _roster in composed:
            names[assignment.pk] = names.get(assignment.pk, 0) + 1
            rows.append(
                Team(
                    assignment=assignment,
                    name=f"Team {assignment.neighbourhood.name} {assignment.pk}-{names[assignment.pk]}",
                    status=rng.choices([TeamStatus.ACTIVE, TeamStatus.OPEN], weights=[9, 1])[0],
                    created_by_id=ctx.coordinator_of[assignment.cohort_id],
                )
            )
        teams = bulk(Team, rows)
        memberships, duos, tasks, links = [], [], [], []
        docent_turn: dict[tuple[int, str], int] = {}
        for team, (assignment, roster) in zip(teams, composed, strict=True):
            memberships += [Membership(team=team, student_id=s.id, cohort_id=assignment.cohort_id) for s in roster]
            # The first two are a niveau 4 and a niveau 6 student: the duo that carries a youth case.
            duos.append(
                Duo(
                    team=team,
                    member_a_id=roster[1].id,
                    role_a=DuoRole.PROCESROL,
                    member_b_id=roster[0].id,
                    role_b=DuoRole.BEGELEIDINGSROL,
                    carries_youth_case=assignment.requires_hbo,
                )
            )
            if len(roster) >= 4:
                duos.append(
                    Duo(
                        team=team,
                        member_a_id=roster[2].id,
                        role_a=DuoRole.BEGELEIDINGSROL,
                        member_b_id=roster[3].id,
                        role_b=DuoRole.PROCESROL,
                    )
                )
            for index, (phase, title, status) in enumerate(TASKS):
                # As in the demo, the last task has no owner yet.
                owner = roster[index % len(roster)].id if index < len(TASKS) - 1 else None
                tasks.append(
                    Task(
                        team=team,
                        phase=phase,
                        title=title,
                        owner_id=owner,
                        created_by_id=roster[0].id,
                        due_on=ctx.today + dt.timedelta(days=rng.randint(-20, 40)),
                        status=status,
                    )
                )
            supervisors = []
            for kind in (SupervisorKind.MBO_DOCENT, SupervisorKind.HBO_DOCENT):
                docenten = ctx.docenten[assignment.cohort_id][kind]
                turn = docent_turn.get((assignment.cohort_id, kind), 0)
                docent_turn[(assignment.cohort_id, kind)] = turn + 1
                supervisors.append((docenten[turn % len(docenten)], kind))
            supervisors.append((ctx.werkbegeleider_of[assignment.organisation_id], SupervisorKind.WERKBEGELEIDER))
            links += [SupervisionAssignment(supervisor_id=s, team=team) for s, _kind in supervisors]
            # (supervisor id, kind) per team, for the feedback supervision.scale writes.
            ctx.extra.setdefault("supervisors", {})[team.pk] = supervisors
        bulk(Membership, memberships)
        bulk(Duo, duos)
        bulk(Task, tasks)
        bulk(SupervisionAssignment, links)
        ctx.extra["teams"] = [
            (team, assignment, roster) for team, (assignment, roster) in zip(teams, composed, strict=True)
        ]
        placed = sum(len(roster) for _a, roster in composed)
        ctx.out(f"  {dutch_count(len(teams))} teams, {dutch_count(placed)} studenten geplaatst")

    total = ctx.scaled(MESSAGES, minimum=len(teams))
    with ctx.step(f"{dutch_count(total)} chatberichten en leesmarkeringen"):
        per_team = total // max(1, len(teams))
        extra = total - per_team * len(teams)
        last_ids: dict[int, int] = {}
        markers = []
        rows = []
        for index, (team, assignment, roster) in enumerate(ctx.extra["teams"]):
            team_supervisors = [ctx.werkbegeleider_of[assignment.organisation_id]]
            contact = ctx.contact_of[assignment.organisation_id]
            for i in range(per_team + (1 if index < extra else 0)):
                roll = rng.random()
                if roll < 0.04:
                    author, body = team_supervisors[0], rng.choice(SUPERVISOR_LINES)
                elif roll < 0.06:
                    author, body = contact, rng.choice(ORGANISATION_LINES)
                else:
                    author, body = rng.choice(roster).id, rng.choice(SMALL_TALK)
                rows.append(Message(team=team, author_id=author, body=body, client_id=f"scale-{team.pk}-{i}"))
            if len(rows) >= 20_000:
                for message in bulk(Message, rows, batch_size=5_000):
                    last_ids[message.team_id] = message.pk
                rows = []
        for message in bulk(Message, rows, batch_size=5_000):
            last_ids[message.team_id] = message.pk
        for team, _assignment, roster in ctx.extra["teams"]:
            last = last_ids.get(team.pk, 0)
            # Most members have read nearly everything; some are a few messages behind.
            markers += [
                ReadMarker(user_id=s.id, team=team, last_read_id=max(0, last - rng.choice([0, 0, 0, 3, 12])))
                for s in roster
            ]
        bulk(ReadMarker, markers)


def reset(ctx: ScaleContext) -> None:
    teams = Team.objects.filter(assignment__cohort__in=scale_cohorts())
    # Messages first, in bulk: the team's cascade would load each one.
    Message.objects.filter(team__in=teams).delete()
    for model in (ReadMarker, Membership, Duo, Task, SupervisionAssignment):
        model.objects.filter(team__in=teams).delete()
    teams.delete()
