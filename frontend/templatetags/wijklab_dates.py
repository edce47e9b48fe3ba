"""``{{ value|short_date }}``: "3 december" this year, "3 december 2027" in another.

A date without its year reads as this year's; a task due next January or
feedback from last year must say so.
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter(name="short_date")
def short_date(value: datetime.date | datetime.datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        day = value.date()
    else:
        day = value
    same_year = day.year == timezone.localdate().year
    return date_format(day, "MONTH_DAY_FORMAT" if same_year else "DATE_FORMAT")
