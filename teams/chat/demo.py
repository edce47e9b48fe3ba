"""Demo chat: a realistic Dutch conversation in the demo teams that teams/demo.py made.

Runs after ``teams.demo``; only teams that exist are used (none: nothing is
created). Idempotent: a team that already has messages is left alone.
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from teams.models import Membership, Message, ReadMarker, Team
from wijklab.demo import DemoContext
from wijklab.models import Role, User

# (author, minutes before now, text). Authors: a, b, c = the first three
# members; sup = a supervisor of the team; org = the organisation contact.
MAIN_CONVERSATION = [
    (
        "a",
        4 * 24 * 60,
        "Goedemorgen! Ik heb gisteren met de buurtconciërge gesproken. Hij kent een paar ouderen in de flat "
        "die bijna nooit buiten komen.",
    ),
    (
        "b",
        4 * 24 * 60 - 12,
        "Top {a}! Zullen we die lijst vergelijken met wat het wijkteam al weet? Dan gaan we niet dubbel langs.",
    ),
    (
        "c",
        4 * 24 * 60 - 30,
        "Goed plan. Ik vraag het na bij de wijkverpleegkundige. Voor de huisbezoeken: wie neemt welke dag?",
    ),
    (
        "a",
        4 * 24 * 60 - 34,
        "Ik kan maandag en dinsdag. Ik ga graag mee als eerste kennismaking, ik ken de buurt goed.",
    ),
    (
        "c",
        4 * 24 * 60 - 41,
        "Dan doen wij het samen op dinsdag: jij het contact, ik houd de afspraken en het verslag bij.",
    ),
    (
        "sup",
        3 * 24 * 60,
        "Mooie verdeling. Denk er bij de eerste huisbezoeken aan dat je vooral luistert: wat wil de bewoner "
        "zelf? Schrijf nog geen oplossingen op.",
    ),
    (
        "org",
        3 * 24 * 60 - 20,
        "Het buurthuis aan de Brede Hilledijk heeft op donderdag een ruimte vrij voor een koffie-uur. Zie "
        "https://www.rotterdam.nl voor de openingstijden.",
    ),
    ("b", 2 * 24 * 60, "Donderdag koffie-uur klinkt goed. Ik maak een flyer in het Nederlands, Turks en Arabisch."),
    ("a", 2 * 24 * 60 - 5, "Mevrouw Jansen (3e verdieping) wil wel komen als iemand haar ophaalt. Zij loopt slecht."),
    ("c", 2 * 24 * 60 - 9, "Genoteerd. @{b} kun jij haar donderdag om kwart voor tien ophalen?"),
    ("b", 2 * 24 * 60 - 15, "Ja, doe ik 👍"),
    (
        "sup",
        24 * 60,
        "Vergeet niet het verslag van de huisbezoeken vóór vrijdag in de map te zetten. Ik geef er maandag "
        "feedback op.",
    ),
    (
        "c",
        6 * 60,
        "Verslag staat er bijna in. {a}, kun jij de signalen over de gasrekening van meneer B. nog even aanvullen?",
    ),
    (
        "a",
        5 * 60,
        "Doe ik vanavond. Ik heb ook gevraagd of hij het goed vindt dat we het wijkteam inschakelen, en dat is goed.",
    ),
    (
        "org",
        3 * 60,
        "Fijn dat jullie dat eerst vragen. Bel gerust met de schuldhulp van het wijkteam, zij zitten op "
        "woensdag in het buurthuis.",
    ),
    ("b", 45, "Flyers zijn klaar en hangen bij de lift en in de supermarkt."),
    ("c", 20, "Super! Zien we elkaar donderdag om half tien bij het buurthuis?"),
]

SHORT_CONVERSATION = [
    ("a", 2 * 24 * 60, "Hoi allemaal, zullen we deze week een rondje door de wijk lopen?"),
    ("b", 2 * 24 * 60 - 25, "Goed idee. Woensdagmiddag kan ik."),
    ("c", 24 * 60, "Woensdag is prima. Ik neem de plattegrond van de wijk mee."),
    (
        "sup",
        24 * 60 - 60,
        "Let tijdens de rondgang op plekken waar mensen elkaar ontmoeten. Dat is een mooi begin van jullie verkenning.",
    ),
    ("a", 90, "Verzamelen om 13:30 bij het winkelcentrum?"),
]

# How many of the last messages each person has not read yet (the rest is read).
UNREAD_FOR = {"a": 3, "b": 1, "c": 0}


def _first_name(user: User) -> str:
    return user.get_display_name().split()[0]


def _cast(team: Team) -> dict[str, User]:
    members = [
        m.student
        for m in Membership.objects.filter(team=team, left_at__isnull=True)
        .select_related("student")
        .order_by("joined_at", "pk")
    ]
    cast = dict(zip(("a", "b", "c"), members, strict=False))
    supervisor = User.objects.filter(supervision_assignments__team=team).order_by("supervision_assignments__id").first()
    if supervisor is not None:
        cast["sup"] = supervisor
    org = (
        User.objects.filter(role=Role.ORGANISATION, organisation_id=team.assignment.organisation_id)
        .order_by("pk")
        .first()
    )
    if org is not None:
        cast["org"] = org
    return cast


def _seed_team(team: Team, lines: list[tuple[str, int, str]]) -> None:
    cast = _cast(team)
    names = {role: _first_name(user) for role, user in cast.items()}
    now = timezone.now()
    created: list[Message] = []
    for index, (role, minutes_ago, text) in enumerate(lines):
        author = cast.get(role)
        if author is None:
            continue
        try:
            body = text.format(**names)
        except KeyError:
            continue  # a line that names someone this team does not have
        message = Message.objects.create(team=team, author=author, body=body, client_id=f"demo-{team.pk}-{index}")
        Message.objects.filter(pk=message.pk).update(created_at=now - datetime.timedelta(minutes=minutes_ago))
        created.append(message)
    if not created:
        return
    for role, user in cast.items():
        unread = UNREAD_FOR.get(role, 0)
        last_read = created[-1 - unread].pk if unread < len(created) else 0
        ReadMarker.objects.update_or_create(user=user, team=team, defaults={"last_read_id": last_read})


def seed(ctx: DemoContext) -> None:
    teams = (
        Team.objects.filter(assignment__cohort=ctx.cohort)
        .annotate(
            members=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
            chat_messages=Count("messages", distinct=True),
        )
        .filter(members__gte=2, chat_messages=0)
        .select_related("assignment")
        .order_by("pk")
    )
    main = ctx.users.get("student4")
    for team in teams:
        has_main = main is not None and team.memberships.filter(student=main, left_at__isnull=True).exists()
        _seed_team(team, MAIN_CONVERSATION if has_main else SHORT_CONVERSATION)
