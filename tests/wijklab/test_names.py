"""People's names in the order a Dutch reader expects (wijklab/names.py), the same on SQLite and
PostgreSQL (the suite runs on both) and in Python: Özdemir among the O's, ayşe before Bakker."""

import pytest

from tests.factories import StudentFactory
from wijklab.models import User
from wijklab.names import by_name, fold, name_key

NAMES = ["Zwart", "Özdemir", "ayşe", "Bakker", "Şahin", "Émile Visser", "Ömer Çelik", "Okke"]
EXPECTED = ["ayşe", "Bakker", "Émile Visser", "Okke", "Ömer Çelik", "Özdemir", "Şahin", "Zwart"]


def test_the_python_order_puts_accented_and_lower_case_names_among_their_letters():
    assert sorted(NAMES, key=name_key) == EXPECTED
    # Case and accents only break ties between otherwise equal names, lower case first (as ICU does).
    assert sorted(["Ayşe", "ayşe", "Ayse"], key=name_key) == ["Ayse", "ayşe", "Ayşe"]


@pytest.mark.django_db
def test_the_database_orders_names_as_python_does(cohort):
    for i, name in enumerate(NAMES):
        StudentFactory(username=f"naam{i}", display_name=name, profile__cohort=cohort)
    people = User.objects.filter(username__startswith="naam")
    assert list(people.order_by(by_name("display_name")).values_list("display_name", flat=True)) == EXPECTED
    descending = people.order_by(by_name("display_name").desc()).values_list("display_name", flat=True)
    assert list(descending) == EXPECTED[::-1]


def test_fold_removes_accents_as_unaccent_does():
    assert fold("Özlem Özdemir, Ayşe Yılmaz, Çelik, Straße, Ærø") == "Ozlem Ozdemir, Ayse Yilmaz, Celik, Strasse, AEro"
