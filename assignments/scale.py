"""Assignments at scale (``manage.py seed_scale``): 1,000 assignments with their competence mix and
the students' preferences, in the shapes of ``assignments.demo``.
"""

import datetime as dt

from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Phase, Preference
from wijklab.scale import ScaleContext, bulk, dutch_count, scale_cohorts

ASSIGNMENTS = 1_000
# Share of students who ranked assignments (five each), as after the preference round.
WITH_PREFERENCES = 0.8
# Youth cases with risks: a niveau 6 student and an hbo docent required (docs/design.md).
REQUIRES_HBO = 0.15

TOPICS = [
    ("Ontmoetingsplek voor eenzame ouderen", "Ouderen (70+) die alleen wonen"),
    ("Jongeren: wat missen zij in de wijk?", "Jongeren van 14 tot 23 jaar"),
    ("Schuldhulp dichterbij: het geldspreekuur", "Huishoudens met geldzorgen"),
    ("Mantelzorgers ontlasten", "Mantelzorgers van ouderen en chronisch zieken"),
    ("Taalcafé en digitale hulp", "Nieuwkomers en laaggeletterde bewoners"),
    ("Veilig opgroeien: gezinnen met zorgen", "Gezinnen met jonge kinderen"),
    ("Buurtkamer opnieuw opstarten", "Bewoners van alle leeftijden"),
    ("Eenzaamheid onder jongvolwassenen", "Jongvolwassenen van 18 tot 27 jaar"),
]
DESCRIPTION = (
    "In de wijk horen de professionals steeds vaker over deze vraag. Wij zoeken een team dat "
    "**met de bewoners zelf** uitzoekt wat er speelt:\n\n"
    "- ga langs bij de koffieochtend en het buurthuis;\n"
    "- voer gesprekken samen met de vrijwilligers;\n"
    "- kijk welke plekken en partners er al zijn.\n\n"
    "Het gaat nadrukkelijk om *samen doen*."
)


def seed(ctx: ScaleContext) -> None:
    rng = ctx.rng
    count = ctx.scaled(ASSIGNMENTS, minimum=len(ctx.cohorts) * 2)
    with ctx.step(f"{dutch_count(count)} opdrachten"):
        rows = []
        for n in range(count):
            cohort = ctx.cohorts[n % len(ctx.cohorts)]
            organisation = rng.choice(ctx.organisations[cohort.pk])
            title, target_group = TOPICS[n % len(TOPICS)]
            requires_hbo = rng.random() < REQUIRES_HBO
            starts_on = dt.date(2026, 9, 14) + dt.timedelta(days=7 * rng.randrange(8))
            # Mostly open for teams; a few still drafts, some already running.
            status = rng.choices(
                [AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS, AssignmentStatus.DRAFT], weights=[75, 20, 5]
            )[0]
            rows.append(
                Assignment(
                    cohort=cohort,
                    organisation=organisation,
                    title=f"{title} ({n + 1})",
                    description=DESCRIPTION,
                    neighbourhood=rng.choice(ctx.neighbourhoods[cohort.pk]),
                    phase=rng.choice(Phase.values),
                    target_group=target_group,
                    goal="Wat is de vraag achter de vraag, en wat helpt bewoners echt?",
                    expected_result="Een advies met drie concrete ideeën, getoetst bij bewoners.",
                    team_size_min=3,
                    team_size_max=5,
                    min_niveau_4=1,
                    min_niveau_5=0,
                    min_niveau_6=1,
                    requires_hbo=requires_hbo,
                    starts_on=starts_on,
                    ends_on=starts_on + dt.timedelta(days=7 * 16),
                    hours_per_week=rng.choice([6, 8, 8, 12]),
                    contact_person_id=ctx.werkbegeleider_of[organisation.pk],
                    status=status,
                    created_by_id=ctx.contact_of[organisation.pk],
                )
            )
        # PostgreSQL and SQLite (3.35+) hand back the new primary keys.
        assignments = bulk(Assignment, rows)
        bulk(
            AssignmentCompetence,
            [
                AssignmentCompetence(assignment_id=a.pk, competence=competence, importance=importance)
                for a in assignments
                for competence, importance in zip(rng.sample(ctx.competences, k=4), (3, 3, 2, 1), strict=True)
            ],
        )
        ctx.extra["assignments"] = assignments

    with ctx.step("voorkeuren van de studenten"):
        open_by_cohort: dict[int, list[int]] = {}
        for a in assignments:
            if a.status != AssignmentStatus.DRAFT:
                open_by_cohort.setdefault(a.cohort_id, []).append(a.pk)
        rows = []
        for student in ctx.students:
            choices = open_by_cohort.get(student.cohort_id, [])
            if rng.random() >= WITH_PREFERENCES or not choices:
                continue
            for rank, assignment_id in enumerate(rng.sample(choices, k=min(5, len(choices))), start=1):
                rows.append(Preference(student_id=student.id, assignment_id=assignment_id, rank=rank))
        bulk(Preference, rows)
        ctx.out(f"  {dutch_count(len(rows))} voorkeuren")


def reset(ctx: ScaleContext) -> None:
    assignments = Assignment.objects.filter(cohort__in=scale_cohorts())
    Preference.objects.filter(assignment__in=assignments).delete()
    AssignmentCompetence.objects.filter(assignment__in=assignments).delete()
    assignments.delete()
