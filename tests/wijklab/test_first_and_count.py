"""``first_and_count``: a list's first rows and its count in one query."""

import pytest

from tests.factories import StudentFactory
from wijklab.models import User
from wijklab.selectors import first_and_count


@pytest.mark.django_db
def test_the_first_rows_in_order_and_the_count_of_all(django_assert_num_queries):
    for name in ("d", "b", "e", "a", "c"):
        StudentFactory(username=f"first-{name}")
    students = User.objects.filter(username__startswith="first-").order_by("-username")
    with django_assert_num_queries(1):
        rows, count = first_and_count(students, 3)
    assert [u.username for u in rows] == ["first-e", "first-d", "first-c"]
    assert count == 5
    rows, count = first_and_count(students, 10)
    assert ([u.username for u in rows], count) == ([u.username for u in students], 5)


@pytest.mark.django_db
def test_an_empty_list_counts_nothing(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert first_and_count(User.objects.filter(username="nobody"), 3) == ([], 0)
