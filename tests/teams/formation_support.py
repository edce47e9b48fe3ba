"""A small cohort to form teams for, known well enough that the right answer is clear.

Two open assignments of one organisation: "Ouderen" (3–4 members, a niveau 4
and a niveau 6) and "Jongeren" (2–3, the same minimums). Seven students: four
want Ouderen first, three Jongeren; everyone shares Monday.
"""

from dataclasses import dataclass

from assignments.models import Assignment, Preference
from tests.factories import AssignmentFactory, StudentFactory
from wijklab.models import Cohort, User


@dataclass
class Small:
    cohort: Cohort
    ouderen: Assignment
    jongeren: Assignment
    students: dict[str, User]


# username: (niveau, [preferences as "o"/"j"])
PEOPLE = {
    "anna": (4, ["o", "j"]),
    "bram": (6, ["o", "j"]),
    "cem": (5, ["o"]),
    "dina": (4, ["o", "j"]),
    "eva": (4, ["j", "o"]),
    "finn": (6, ["j"]),
    "gijs": (5, ["j", "o"]),
}


def small_cohort(*, cohort: Cohort, organisation: object, neighbourhood: object, coordinator: User) -> Small:
    ouderen = AssignmentFactory(
        cohort=cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        title="Ouderen",
        team_size_min=3,
        team_size_max=4,
        created_by=coordinator,
    )
    jongeren = AssignmentFactory(
        cohort=cohort,
        organisation=organisation,
        neighbourhood=neighbourhood,
        title="Jongeren",
        team_size_min=2,
        team_size_max=3,
        created_by=coordinator,
    )
    by_letter = {"o": ouderen, "j": jongeren}
    students = {}
    for username, (niveau, prefs) in PEOPLE.items():
        student = StudentFactory(
            username=username, display_name=username.title(), profile__niveau=niveau, profile__cohort=cohort
        )
        for rank, letter in enumerate(prefs, start=1):
            Preference.objects.create(student=student, assignment=by_letter[letter], rank=rank)
        students[username] = student
    return Small(cohort=cohort, ouderen=ouderen, jongeren=jongeren, students=students)
