"""The filters of the assignment list, shared by ``GET /api/assignments/`` and the "Opdrachten" page."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Phase
from wijklab.ids import as_id
from wijklab.models import Competence, Neighbourhood, Organisation


class IdGuard:
    """Refuse values that cannot be an id before the field asks the database (which would raise)."""

    def _guard(self, value: object) -> None:
        try:
            as_id(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Kies een geldige waarde."), code="invalid_choice") from None


class GuardedModelMultipleChoiceField(IdGuard, forms.ModelMultipleChoiceField):
    def _check_values(self, value):  # type: ignore[no-untyped-def]
        for pk in value:
            self._guard(pk)
        return super()._check_values(value)


class GuardedModelChoiceField(IdGuard, forms.ModelChoiceField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        if value not in self.empty_values:
            self._guard(value)
        return super().to_python(value)


class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = GuardedModelMultipleChoiceField


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = GuardedModelChoiceField


class AssignmentFilter(django_filters.FilterSet):
    # distinct=False where django-filter's multiple-choice default (True) guards against joins that
    # are not there: these are columns of the assignment itself. A SELECT DISTINCT made PostgreSQL
    # compute every row's interest counts before the page's LIMIT (a coordinator's open list).
    status = django_filters.MultipleChoiceFilter(
        choices=AssignmentStatus.choices,
        label=_("Status"),
        help_text=_("Herhaal voor meer statussen."),
        distinct=False,
    )
    neighbourhood = IdMultipleChoiceFilter(
        queryset=Neighbourhood.objects.all(),
        label=_("Wijk"),
        help_text=_("Id van een wijk; herhaal voor meer."),
        distinct=False,
    )
    competence = IdMultipleChoiceFilter(
        queryset=Competence.objects.all(),
        method="filter_competence",
        label=_("Competentie"),
        help_text=_("Opdrachten die minstens één van deze competenties vragen."),
    )
    phase = django_filters.MultipleChoiceFilter(choices=Phase.choices, label=_("Fase"), distinct=False)
    q = django_filters.CharFilter(
        method="filter_text",
        label=_("Zoeken"),
        max_length=100,
        help_text=_("Zoekt in titel, omschrijving, doelgroep, vraag, organisatie en wijk."),
    )
    period_from = django_filters.DateFilter(
        field_name="ends_on", lookup_expr="gte", label=_("Periode van"), help_text=_("Loopt op of na deze datum.")
    )
    period_to = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label=_("Periode tot"), help_text=_("Begint op of voor deze datum.")
    )
    organisation = IdChoiceFilter(queryset=Organisation.objects.all(), label=_("Organisatie"))
    requires_hbo = django_filters.BooleanFilter(label=_("Jeugdcasus met risico's"))

    class Meta:
        model = Assignment
        fields = [
            "status",
            "neighbourhood",
            "competence",
            "phase",
            "q",
            "period_from",
            "period_to",
            "organisation",
            "requires_hbo",
        ]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # A form sends every filter, most of them empty ("?competence=&phase="): empty means "any".
        if data is not None:
            data = data.copy()
            for key in list(data.keys()):
                values = [v for v in data.getlist(key) if v.strip()]
                if values:
                    data.setlist(key, values)
                else:
                    del data[key]
        super().__init__(data, *args, **kwargs)

    def filter_competence(self, queryset: QuerySet[Assignment], name: str, value: list) -> QuerySet[Assignment]:
        if not value:
            return queryset
        # A sub-select rather than a join: rows stay unique and the list's counts stay right.
        matching = AssignmentCompetence.objects.filter(competence__in=value).values("assignment_id")
        return queryset.filter(pk__in=matching)

    def filter_text(self, queryset: QuerySet[Assignment], name: str, value: str) -> QuerySet[Assignment]:
        condition = Q()
        for word in value.split()[:8]:
            condition &= (
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(target_group__icontains=word)
                | Q(goal__icontains=word)
                | Q(organisation__name__icontains=word)
                | Q(neighbourhood__name__icontains=word)
            )
        return queryset.filter(condition)
