"""Feedback at scale (``manage.py seed_scale``): 50,000 entries with rubric scores, in the shapes of
``supervision.demo``: docenten and werkbegeleiders (observations) of the student's team, the
student's self-assessments and peer feedback from a teammate, over the last eight weeks.
"""

import datetime as dt

from supervision import services
from supervision.models import AlertSummary, Criterion, CriterionStanding, FeedbackEntry, FeedbackKind, Score
from wijklab.models import SupervisorKind
from wijklab.scale import ScaleContext, bulk, dutch_count, scale_cohorts

ENTRIES = 50_000
WEEKS = 8
COMMENTS = {
    FeedbackKind.SUPERVISOR: [
        "Goed voorbereid op het huisbezoek: je stelde open vragen en liet de bewoner uitpraten.",
        "Je was op tijd, maar het gesprek was nog niet voorbereid. Maak vooraf een korte gesprekslijst.",
        "Heldere rapportage van het gesprek: feitelijk, volledig en op tijd.",
        "In het teamoverleg mag je vaker je eigen ideeën inbrengen; je observaties zijn goed.",
    ],
    "observation": [
        "Kwam op tijd en had de huisbezoeken voorbereid.",
        "Belde de wijkverpleegkundige zelf terug: goed initiatief.",
        "Vergat het verslag van het koffie-uur in te leveren.",
    ],
    FeedbackKind.SELF: [
        "Ik durf steeds beter het gesprek te beginnen.",
        "Plannen blijft lastig; ik zet nu alles in de agenda.",
    ],
    FeedbackKind.PEER: [
        "Fijn hoe je de bewoner op zijn gemak stelde.",
        "Je houdt het overzicht voor het hele team, dank je!",
    ],
}


def seed(ctx: ScaleContext) -> None:
    rng = ctx.rng
    teams = ctx.extra["teams"]
    total = ctx.scaled(ENTRIES)
    with ctx.step(f"{dutch_count(total)} feedbackmomenten met rubricscores"):
        criteria = list(
            Criterion.objects.filter(rubric__is_default=True, is_active=True, cohort__isnull=True, programme="")
            .prefetch_related("descriptors")
            .order_by("position", "pk")
        )
        descriptors = {(c.pk, d.level): d.text for c in criteria for d in c.descriptors.all()}
        members = [(team, assignment, student, roster) for team, assignment, roster in teams for student in roster]
        if not members or not criteria:
            return
        supervisors_of: dict[int, list[tuple[int, str]]] = ctx.extra["supervisors"]
        entries: list[FeedbackEntry] = []
        planned: list[list[Criterion]] = []
        for n in range(total):
            team, _assignment, student, roster = members[n % len(members)]
            day = ctx.today - dt.timedelta(days=rng.randint(1, 7 * WEEKS))
            kind = rng.choices(
                ["docent", "observation", FeedbackKind.SELF, FeedbackKind.PEER], weights=[45, 15, 25, 15]
            )[0]
            mates = [s for s in roster if s.id != student.id]
            if kind == FeedbackKind.PEER and not mates:
                kind = FeedbackKind.SELF
            if kind == "docent":
                author, author_kind = rng.choice(
                    [(s, k) for s, k in supervisors_of[team.pk] if k != SupervisorKind.WERKBEGELEIDER]
                )
                rated = rng.sample(criteria, k=min(4, len(criteria)))
                entry = FeedbackEntry(kind=FeedbackKind.SUPERVISOR, author_id=author, author_kind=author_kind)
                comment = rng.choice(COMMENTS[FeedbackKind.SUPERVISOR])
            elif kind == "observation":
                author = next(s for s, k in supervisors_of[team.pk] if k == SupervisorKind.WERKBEGELEIDER)
                rated = [rng.choice(criteria)]
                entry = FeedbackEntry(
                    kind=FeedbackKind.SUPERVISOR,
                    author_id=author,
                    author_kind=SupervisorKind.WERKBEGELEIDER,
                    is_observation=True,
                )
                comment = rng.choice(COMMENTS["observation"])
            elif kind == FeedbackKind.SELF:
                rated = rng.sample(criteria, k=min(4, len(criteria)))
                entry = FeedbackEntry(kind=FeedbackKind.SELF, author_id=student.id)
                comment = rng.choice(COMMENTS[FeedbackKind.SELF])
            else:
                rated = [rng.choice(criteria)]
                entry = FeedbackEntry(kind=FeedbackKind.PEER, author_id=rng.choice(mates).id)
                entry.show_author = rng.random() < 0.3
                comment = rng.choice(COMMENTS[FeedbackKind.PEER])
            entry.student_id = student.id
            entry.team = team
            entry.date = day
            entry.comment = comment
            entries.append(entry)
            planned.append(rated)
        entries = bulk(FeedbackEntry, entries)
        scores = []
        for entry, rated in zip(entries, planned, strict=True):
            for criterion in rated:
                level = rng.choice([2, 3, 3, 4]) if entry.kind != FeedbackKind.PEER else 3
                scores.append(
                    Score(
                        entry_id=entry.pk,
                        criterion=criterion,
                        criterion_name=criterion.name,
                        category=criterion.category,
                        level=level,
                        descriptor=descriptors.get((criterion.pk, level), ""),
                    )
                )
        bulk(Score, scores)
        ctx.out(f"  {dutch_count(len(scores))} scores")
        standings = services.standings_refresh(student_ids={entry.student_id for entry in entries})
        ctx.out(f"  {dutch_count(standings)} standen per student en criterium")


def reset(ctx: ScaleContext) -> None:
    entries = FeedbackEntry.objects.filter(student__student_profile__cohort__in=scale_cohorts())
    Score.objects.filter(entry__in=entries).delete()
    entries.delete()
    CriterionStanding.objects.filter(student__student_profile__cohort__in=scale_cohorts()).delete()
    AlertSummary.objects.filter(student__student_profile__cohort__in=scale_cohorts()).delete()
