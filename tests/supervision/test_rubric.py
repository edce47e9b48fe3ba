"""The default rubric, programme-specific criteria and rewording without rewriting history."""

import re

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from supervision import selectors, services
from supervision.defaults import create_default_rubric
from supervision.models import Category, Criterion, Level, Rubric
from tests.conftest import count_queries
from tests.factories import CohortFactory, StudentFactory

WORK_ATTITUDE = [
    "Op tijd en aanwezig",
    "Afspraken nakomen",
    "Initiatief nemen",
    "Feedback vragen en gebruiken",
    "Samenwerken",
    "Professionele houding en communicatie",
    "Verantwoordelijkheid en zelfstandigheid",
    "Reflecteren",
]
CONTENT = [
    "Contact leggen en aansluiten bij de leefwereld van bewoners",
    "Signaleren en vraagverheldering",
    "Netwerken en samenwerkingspartners inschakelen",
    "Plannen en organiseren van ondersteuning of activiteiten",
    "Rapporteren en verantwoorden",
]


def test_default_rubric_has_the_criteria_of_both_categories_in_order(rubric):
    names = list(rubric.criteria.values_list("name", "category"))
    assert names == [(n, Category.WERKNEMERSVAARDIGHEDEN) for n in WORK_ATTITUDE] + [
        (n, Category.VAKINHOUDELIJK) for n in CONTENT
    ]


def test_every_default_criterion_describes_four_levels_in_dutch(rubric):
    for criterion in rubric.criteria.prefetch_related("descriptors"):
        descriptors = list(criterion.descriptors.all())
        assert [d.level for d in descriptors] == [1, 2, 3, 4]
        assert all(len(d.text) > 20 for d in descriptors)
        # Behaviour, written the same for every niveau: no descriptor asks more of one level of education.
        assert not any(re.search(r"\b(mbo|hbo|niveau [456])\b", d.text.lower()) for d in descriptors)


def test_the_default_rubric_is_data_every_database_has(db):
    """Created by the data migration (and after a flush), so no request has to create it."""
    assert Rubric.objects.filter(is_default=True).count() == 1
    assert selectors.default_rubric().criteria.count() == len(WORK_ATTITUDE) + len(CONTENT)


def test_creating_the_default_rubric_again_changes_nothing(db):
    create_default_rubric(django_apps)
    create_default_rubric(django_apps)
    assert Rubric.objects.count() == 1
    assert Criterion.objects.count() == len(WORK_ATTITUDE) + len(CONTENT)


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_still_has_the_default_rubric():
    call_command("flush", interactive=False, verbosity=0)
    assert selectors.default_rubric().criteria.count() == len(WORK_ATTITUDE) + len(CONTENT)


def test_reading_the_rubric_never_writes(client, mbo_docent):
    client.force_login(mbo_docent)
    with count_queries() as queries:
        assert client.get("/api/rubrics/").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]


def test_default_rubric_does_not_undo_a_coordinators_rename(rubric, op_tijd, coordinator):
    services.criterion_update(by=coordinator, criterion=op_tijd, name="Aanwezigheid", descriptors=["a", "b", "c", "d"])
    create_default_rubric(django_apps)
    assert not Criterion.objects.filter(name="Op tijd en aanwezig").exists()


def test_rewording_keeps_the_wording_past_feedback_was_given_with(
    rubric, op_tijd, coordinator, team, mbo_docent, student4
):
    old = services.feedback_create(
        author=mbo_docent, student_id=student4.pk, scores=[{"criterion": op_tijd.pk, "level": 2}]
    )
    old_descriptor = old.scores.get().descriptor
    services.criterion_update(
        by=coordinator,
        criterion=op_tijd,
        name="Aanwezig en op tijd",
        descriptors=["Nooit op tijd.", "Soms op tijd.", "Meestal op tijd.", "Altijd op tijd."],
    )
    new = services.feedback_create(
        author=mbo_docent, student_id=student4.pk, scores=[{"criterion": op_tijd.pk, "level": 2}]
    )
    old_score, new_score = old.scores.get(), new.scores.get()
    assert (old_score.criterion_name, old_score.descriptor) == ("Op tijd en aanwezig", old_descriptor)
    assert (new_score.criterion_name, new_score.descriptor) == ("Aanwezig en op tijd", "Soms op tijd.")
    # Both still count for the same criterion in the progress chart.
    progress = selectors.student_progress(student=student4, today=new.date)
    series = next(c for c in progress.criteria if c.criterion_id == op_tijd.pk)
    assert len(series.series["docent"]) == 2
    assert series.name == "Aanwezig en op tijd"


def test_programme_specific_criterion_applies_only_to_that_programme(rubric, coordinator, cohort, student4, student6):
    criterion = services.criterion_create(
        by=coordinator,
        cohort=cohort,
        category=Category.VAKINHOUDELIJK,
        name="Methodisch werken volgens het hbo-profiel",
        programme=student6.student_profile.programme,
        descriptors=["1", "2", "3", "4"],
    )
    assert criterion in selectors.criteria_for_student(student=student6)
    assert criterion not in selectors.criteria_for_student(student=student4)
    # New criteria are placed at the end of their own category.
    ordered = list(selectors.criteria_for_student(student=student6))
    assert ordered[-1] == criterion


def test_programme_specific_criterion_of_another_cohort_does_not_apply(rubric, coordinator, cohort, student6):
    other = CohortFactory(name="Ander cohort")
    coordinator.coordinated_cohorts.add(other)
    criterion = services.criterion_create(
        by=coordinator,
        cohort=other,
        category=Category.VAKINHOUDELIJK,
        name="Alleen voor het andere cohort",
        descriptors=["1", "2", "3", "4"],
    )
    assert criterion not in selectors.criteria_for_student(student=student6)
    stranger = StudentFactory(username="ander-cohort", profile__cohort=other, profile__niveau=6)
    assert criterion in selectors.criteria_for_student(student=stranger)


def test_archived_criterion_is_no_longer_offered_but_keeps_its_history(
    rubric, op_tijd, coordinator, team, mbo_docent, student4
):
    services.feedback_create(author=mbo_docent, student_id=student4.pk, scores=[{"criterion": op_tijd.pk, "level": 3}])
    services.criterion_set_active(by=coordinator, criterion=op_tijd, active=False)
    assert op_tijd not in selectors.criteria_for_student(student=student4)
    with pytest.raises(ValidationError) as exc:
        services.feedback_create(
            author=mbo_docent, student_id=student4.pk, scores=[{"criterion": op_tijd.pk, "level": 3}]
        )
    assert "hoort niet bij de rubric" in str(exc.value.message_dict["scores"])
    progress = selectors.student_progress(student=student4, today=op_tijd.updated_at.date())
    assert any(c.name == "Op tijd en aanwezig" and c.series["docent"] for c in progress.criteria)


@pytest.mark.parametrize("person", ["mbo_docent", "student4", "org_contact"])
def test_only_coordinators_edit_the_rubric(request, rubric, op_tijd, cohort, person):
    user = request.getfixturevalue(person)
    with pytest.raises(PermissionDenied):
        services.criterion_update(by=user, criterion=op_tijd, name="x", descriptors=["1", "2", "3", "4"])
    with pytest.raises(PermissionDenied):
        services.criterion_create(
            by=user, cohort=cohort, category=Category.VAKINHOUDELIJK, name="x", descriptors=["1", "2", "3", "4"]
        )


def test_a_coordinator_cannot_edit_another_cohorts_criterion(rubric, coordinator, other_coordinator, other_cohort):
    theirs = services.criterion_create(
        by=other_coordinator,
        cohort=other_cohort,
        category=Category.VAKINHOUDELIJK,
        name="Van het andere cohort",
        descriptors=["1", "2", "3", "4"],
    )
    with pytest.raises(PermissionDenied):
        services.criterion_set_active(by=coordinator, criterion=theirs, active=False)


def test_a_new_criterion_needs_a_name_own_cohort_and_four_descriptors(rubric, coordinator, other_cohort):
    with pytest.raises(ValidationError) as exc:
        services.criterion_create(
            by=coordinator, cohort=other_cohort, category="anders", name=" ", descriptors=["1", "", "3"]
        )
    errors = exc.value.message_dict
    assert set(errors) == {"cohort", "category", "name", "descriptors"}
    assert "Beschrijf alle vier de niveaus" in errors["descriptors"][0]
    assert Criterion.objects.count() == 13


def test_level_labels_are_the_four_dutch_levels():
    assert [str(level.label) for level in Level] == ["Onvoldoende", "In ontwikkeling", "Voldoende", "Goed"]
