"""Demo supervision: the default rubric and six weeks of realistic feedback history.

Uses the SupervisionAssignments that teams/demo.py made; when there are none
for the demo docenten (no teams yet), it links docent.mbo to niveau 4
students, docent.hbo to niveau 5/6 students and the werkbegeleider to a few,
individually, so this part works on its own.

The histories are built so the charts and alerts show something: students
who grow, one whose work attitude declines, one whose self-rating is far
above the supervisors' (and one far below), and for each demo docent at least
one student without feedback for more than 14 days.

Idempotent: a student who already has feedback gets no demo history.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from supervision import selectors, services
from supervision.models import Category, Criterion, FeedbackEntry, FeedbackKind, Score
from teams.models import Membership, SupervisionAssignment
from teams.selectors import students_sharing_team_with, students_supervised_by
from wijklab.demo import DemoContext
from wijklab.models import Role, SupervisorKind, User

FALLBACK_LINKS = {
    "docent.mbo": ["student4", "mila.bakker", "daan.visser", "kevin.vandam", "ayse.yilmaz", "jayden.martina"],
    "docent.hbo": ["student5", "student6", "priya.ramdin", "thomas.vanderberg", "anouk.meijer", "tim.dekker"],
    "werkbegeleider": ["student4", "student5", "student6", "mila.bakker"],
}
PROFILES = {
    "student4": "growing",
    "student5": "self_above",
    "student6": "declining",
    "mila.bakker": "stale",
    "daan.visser": "declining",
    "priya.ramdin": "self_below",
    "thomas.vanderberg": "self_above",
}
DECLINING = ["Op tijd en aanwezig", "Afspraken nakomen"]
WEEKS = 6

DOCENT_COMMENTS = {
    "good": [
        "Goed voorbereid op het huisbezoek: je stelde open vragen en liet de bewoner uitpraten.",
        "Je nam zelf het initiatief om het buurthuis te bellen over een ruimte voor het koffie-uur. Sterk!",
        "Heldere rapportage van het gesprek met mevrouw: feitelijk, volledig en op tijd.",
        "Mooi hoe je in het duo de taken verdeelde en je teamgenoot de ruimte gaf.",
        "Je signaleerde de geldzorgen van het gezin en besprak ze meteen met het wijkteam. Precies goed.",
    ],
    "developing": [
        "Je was op tijd, maar het gesprek was nog niet voorbereid. Maak vooraf een korte gesprekslijst.",
        "Zet afspraken met bewoners in de gedeelde agenda; één afspraak stond dubbel gepland.",
        "Je vroeg na afloop zelf om feedback. Neem die mee naar het volgende huisbezoek.",
        "In het teamoverleg mag je vaker je eigen ideeën inbrengen; je observaties zijn goed.",
        "De rapportage is nog te veel een verhaal: scheid de feiten van je eigen interpretatie.",
    ],
    "concern": [
        "Twee keer te laat op het buurthuis zonder vooraf bericht. Bespreek dit met je werkbegeleider.",
        "De afspraak met de woningcorporatie is niet nagekomen en het team wist van niets.",
        "Je reageerde geïrriteerd op feedback van je teamgenoot. Laten we dit in de intervisie bespreken.",
    ],
}
OBSERVATIONS = {
    "good": [
        "Kwam op tijd en had de huisbezoeken voorbereid.",
        "Legde mooi contact met de jongeren bij het Cruyff Court.",
        "Belde de wijkverpleegkundige zelf terug: goed initiatief.",
        "Hield het overzicht tijdens de buurtbijeenkomst.",
    ],
    "concern": [
        "Vergat het verslag van het koffie-uur in te leveren.",
        "Was niet bereikbaar toen een bewoner belde over de afspraak.",
    ],
}
SELF_COMMENTS = {
    "normal": [
        "Ik merk dat ik steeds makkelijker het gesprek aanga met bewoners.",
        "Plannen vind ik nog lastig; ik ga werken met een weekplanning.",
        "In mijn duo werken we goed samen, ik durf meer te zeggen.",
        "Ik wil meer oefenen met rapporteren.",
    ],
    "high": ["Ik vind dat ik alles goed doe en altijd op tijd ben.", "Het gaat prima, ik heb weinig feedback nodig."],
    "low": ["Ik weet niet of ik het goed doe; ik twijfel vaak of ik iets mag zeggen.", "Ik vind mezelf nog onzeker."],
}
PEER_COMMENTS = [
    "Fijn dat je altijd de planning bijhoudt, daardoor weet iedereen wat er moet gebeuren.",
    "Je mag in het teamoverleg vaker zeggen wat je denkt, je ideeën zijn goed.",
    "Top hoe je het gesprek met de buurvrouw overnam toen ik vastliep.",
]


@dataclass
class _Plan:
    student: User
    profile: str
    docenten: list[User]
    werkbegeleiders: list[User]
    team_id: int | None
    rng: random.Random
    # The latest supervisor rating given so far per criterion: self-ratings follow it.
    last: dict[int, int] = field(default_factory=dict)


def _ensure_links(ctx: DemoContext) -> None:
    demo = [ctx.users.get(u) for u in FALLBACK_LINKS]
    if any(u is not None and SupervisionAssignment.objects.filter(supervisor=u).exists() for u in demo):
        # teams/demo.py linked the demo supervisors to teams: use those. When the
        # main demo team has no werkbegeleider, its organisation's contact acts as one.
        _organisation_contact_as_werkbegeleider(ctx)
        return
    for supervisor_name, students in FALLBACK_LINKS.items():
        supervisor = ctx.users.get(supervisor_name)
        for username in students:
            student = ctx.users.get(username)
            if supervisor is not None and student is not None:
                SupervisionAssignment.objects.get_or_create(supervisor=supervisor, student=student)


def _organisation_contact_as_werkbegeleider(ctx: DemoContext) -> None:
    student = ctx.users.get("student4")
    membership = (
        Membership.objects.filter(student=student, left_at__isnull=True).select_related("team__assignment").first()
        if student is not None
        else None
    )
    if membership is None:
        return
    team = membership.team
    links = SupervisionAssignment.objects.filter(team=team).select_related("supervisor__supervisor_profile")
    if any(selectors.author_kind_of(link.supervisor) == SupervisorKind.WERKBEGELEIDER for link in links):
        return
    contact = (
        User.objects.filter(role=Role.ORGANISATION, organisation_id=team.assignment.organisation_id)
        .order_by("pk")
        .first()
    )
    if contact is not None:
        SupervisionAssignment.objects.get_or_create(supervisor=contact, team=team)


def _supervisors_by_student() -> dict[int, list[User]]:
    result: dict[int, list[User]] = {}
    supervisors = User.objects.filter(
        pk__in=SupervisionAssignment.objects.values("supervisor_id"), role__in=[Role.SUPERVISOR, Role.ORGANISATION]
    ).select_related("supervisor_profile")
    for supervisor in supervisors.order_by("username"):
        for student in students_supervised_by(supervisor=supervisor).filter(role=Role.STUDENT).order_by("pk"):
            result.setdefault(student.pk, []).append(supervisor)
    return result


def _profiles(ctx: DemoContext, students: list[User]) -> dict[int, str]:
    profiles = {s.pk: PROFILES.get(s.username, "normal") for s in students}
    # Each demo docent needs a student without recent feedback, so their overview shows that alert.
    for docent_name in ("docent.mbo", "docent.hbo"):
        docent = ctx.users.get(docent_name)
        if docent is None:
            continue
        theirs = [s for s in students if students_supervised_by(supervisor=docent).filter(pk=s.pk).exists()]
        if theirs and not any(profiles[s.pk] == "stale" for s in theirs):
            spare = [s for s in theirs if s.username not in PROFILES] or [
                s for s in theirs if s.username not in {"student4", "student5", "student6"}
            ]
            spare = spare or theirs
            profiles[spare[-1].pk] = "stale"
    return profiles


def seed(ctx: DemoContext) -> None:
    _ensure_links(ctx)
    today = timezone.localdate()
    by_student = _supervisors_by_student()
    students = list(
        User.objects.filter(pk__in=list(by_student), role=Role.STUDENT)
        .exclude(feedback_received__isnull=False)
        .select_related("student_profile")
        .order_by("username")
    )
    if not students:
        return
    profiles = _profiles(ctx, students)
    teams = dict(
        Membership.objects.filter(student__in=students, left_at__isnull=True).values_list("student_id", "team_id")
    )
    for student in students:
        supervisors = by_student[student.pk]
        kinds = {s.pk: selectors.author_kind_of(s) for s in supervisors}
        plan = _Plan(
            student=student,
            profile=profiles[student.pk],
            docenten=[s for s in supervisors if kinds[s.pk] != SupervisorKind.WERKBEGELEIDER],
            werkbegeleiders=[s for s in supervisors if kinds[s.pk] == SupervisorKind.WERKBEGELEIDER],
            team_id=teams.get(student.pk),
            rng=random.Random(f"wijklab-{student.username}"),
        )
        _history(plan, list(selectors.criteria_for_student(student=student).prefetch_related("descriptors")), today)
    services.standings_refresh(student_ids=[s.pk for s in students])


def _level(plan: _Plan, criterion: Criterion, week: int, base: int) -> int:
    """The supervisors' level for a criterion ``week`` weeks ago; never falling except where planned."""
    age = WEEKS - week  # 0 for the oldest week
    if plan.profile == "growing":
        return min(4, base + age // 2)
    if plan.profile == "declining" and criterion.name in DECLINING:
        # The last three docent entries go 4, 3, 2; before that steady at 4.
        return {3: 4, 2: 3, 1: 2}.get(week, 4)
    if plan.profile == "self_above":
        return 2
    if plan.profile == "self_below":
        return min(4, base + 1)
    return min(4, base + (1 if age >= 4 and criterion.category == Category.VAKINHOUDELIJK else 0))


def _history(plan: _Plan, criteria: list[Criterion], today: dt.date) -> None:
    if not criteria:
        return
    rng = plan.rng
    bases = {c.pk: rng.choice([2, 2, 3]) for c in criteria}
    work = [c for c in criteria if c.category == Category.WERKNEMERSVAARDIGHEDEN]
    content = [c for c in criteria if c.category == Category.VAKINHOUDELIJK]
    last_week = 4 if plan.profile == "stale" else 1  # stale: nothing in the last three weeks
    for week in range(WEEKS, last_week - 1, -1):
        # Week 1 is yesterday, week 2 nine days ago, ... (the days vary a little, as in real life).
        day = today - dt.timedelta(days=7 * week - 5 - week % 2)
        # The student assesses themself the day before the docent's visit, on what they knew then.
        if week % 2 == 1:
            rated = work + content[:2]
            if plan.profile == "self_above":
                levels = {c.pk: 4 for c in rated}
                text = rng.choice(SELF_COMMENTS["high"])
            elif plan.profile == "self_below":
                levels = {c.pk: 1 if c.category == Category.WERKNEMERSVAARDIGHEDEN else 2 for c in rated}
                text = rng.choice(SELF_COMMENTS["low"])
            else:
                levels = {
                    c.pk: max(1, plan.last.get(c.pk, _level(plan, c, week, bases[c.pk])) + rng.choice([0, 0, -1]))
                    for c in rated
                }
                text = rng.choice(SELF_COMMENTS["normal"])
            _entry(plan, plan.student, FeedbackKind.SELF, day - dt.timedelta(days=1), levels, rated, text)
        if plan.docenten:
            author = plan.docenten[week % len(plan.docenten)]
            chosen = rng.sample(work, k=min(3, len(work))) + rng.sample(content, k=min(2, len(content)))
            if plan.profile == "declining":
                chosen = [c for c in chosen if c.name not in DECLINING] + [c for c in work if c.name in DECLINING]
            levels = {c.pk: _level(plan, c, week, bases[c.pk]) for c in chosen}
            tone = "concern" if min(levels.values()) <= 2 and week <= 2 and plan.profile == "declining" else None
            tone = tone or ("good" if sum(levels.values()) / len(levels) >= 3 else "developing")
            _entry(plan, author, FeedbackKind.SUPERVISOR, day, levels, chosen, rng.choice(DOCENT_COMMENTS[tone]))
        if plan.werkbegeleiders and week % 2 == 0 and week >= last_week:
            author = plan.werkbegeleiders[0]
            # Observations stay off the criteria whose decline the docenten are tracking.
            pool = content if plan.profile == "declining" else criteria
            criterion = rng.choice(pool)
            level = _level(plan, criterion, week, bases[criterion.pk])
            text = rng.choice(OBSERVATIONS["good" if level >= 3 else "concern"])
            _entry(
                plan,
                author,
                FeedbackKind.SUPERVISOR,
                day - dt.timedelta(days=2),
                {criterion.pk: level},
                [criterion],
                text,
                observation=True,
            )
    _peer(plan, content or criteria, today)


def _peer(plan: _Plan, criteria: list[Criterion], today: dt.date) -> None:
    mates = list(
        students_sharing_team_with(user=plan.student)
        .exclude(pk=plan.student.pk)
        .filter(role=Role.STUDENT)
        .order_by("pk")
    )
    if not mates or not criteria:
        return
    author = mates[plan.rng.randrange(len(mates))]
    criterion = plan.rng.choice(criteria)
    _entry(
        plan,
        author,
        FeedbackKind.PEER,
        today - dt.timedelta(days=plan.rng.randint(3, 12)),
        {criterion.pk: 3},
        [criterion],
        plan.rng.choice(PEER_COMMENTS),
        show_author=plan.rng.random() < 0.3,
    )


def _entry(
    plan: _Plan,
    author: User,
    kind: str,
    day: dt.date,
    levels: dict[int, int],
    criteria: list[Criterion],
    comment: str,
    *,
    observation: bool = False,
    show_author: bool = False,
) -> None:
    """Stored directly (not through feedback_create): demo history must not notify or mail anyone."""
    entry = FeedbackEntry.objects.create(
        student=plan.student,
        author=author,
        team_id=plan.team_id,
        date=day,
        kind=kind,
        author_kind=selectors.author_kind_of(author) if kind == FeedbackKind.SUPERVISOR else "",
        comment=comment,
        is_observation=observation,
        show_author=show_author,
    )
    by_pk = {c.pk: c for c in criteria}
    if kind == FeedbackKind.SUPERVISOR:
        plan.last.update(levels)
    Score.objects.bulk_create(
        Score(
            entry=entry,
            criterion=by_pk[pk],
            criterion_name=by_pk[pk].name,
            category=by_pk[pk].category,
            level=level,
            descriptor=next((d.text for d in by_pk[pk].descriptors.all() if d.level == level), ""),
        )
        for pk, level in levels.items()
    )
