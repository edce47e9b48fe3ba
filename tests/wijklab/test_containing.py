"""``wijklab.selectors.containing``: the one search of the lists and pickers."""

from wijklab.models import User
from wijklab.selectors import containing


def test_any_field_any_case_and_an_empty_query_keeps_everything(student4, student5, student6):
    people = User.objects.filter(pk__in=[student4.pk, student5.pk, student6.pk])
    assert set(containing(people, "  ", "display_name")) == {student4, student5, student6}
    assert set(containing(people, "VRIES", "display_name", "username")) == {student4}
    assert set(containing(people, "lotte", "display_name", "username")) == {student6}  # the username
    assert set(containing(people, "lotte", "display_name")) == {student6}


def test_a_nul_or_nothing_matching_finds_nobody(student4):
    people = User.objects.filter(pk=student4.pk)
    assert list(containing(people, "a\x00b", "display_name")) == []
    assert list(containing(people, "niemand", "display_name", "username")) == []


def test_accents_are_ignored_both_ways(cohort):
    """Rotterdam's names: "ozdemir" finds Özdemir, "Yılmaz" finds Yilmaz written without the dotless i."""
    from tests.factories import StudentFactory

    ozlem = StudentFactory(username="ozlem", display_name="Özlem Özdemir", profile__cohort=cohort)
    ayse = StudentFactory(username="ayse", display_name="Ayşe Yılmaz", profile__cohort=cohort)
    emile = StudentFactory(username="emile", display_name="Emile Yilmaz", profile__cohort=cohort)
    people = User.objects.filter(pk__in=[ozlem.pk, ayse.pk, emile.pk])
    assert set(containing(people, "ozdemir", "display_name")) == {ozlem}
    assert set(containing(people, "ÖZDEM", "display_name")) == {ozlem}
    assert set(containing(people, "yilmaz", "display_name")) == {ayse, emile}
    assert set(containing(people, "Yılmaz", "display_name")) == {ayse, emile}
    assert set(containing(people, "ayse", "display_name")) == {ayse}
    # LIKE's own characters are still searched for as they are.
    assert list(containing(people, "%", "display_name")) == []
    assert list(containing(people, "_", "display_name")) == []
