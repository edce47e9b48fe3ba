"""Cohort pages for coordinators: their cohorts, create and edit, the people, readiness, archive.

Thin: access helper (wijklab.selectors.access_managed_cohort, 404 for anyone
else) → form → service (wijklab.services) → render.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.access import forbidden_unless
from frontend.navigation import nav_item, overview_panel
from teams import formation_selectors
from teams import selectors as team_selectors
from wijklab import selectors, services
from wijklab.errors import RuleViolation
from wijklab.models import Cohort, Competence, Organisation, Role, School, User
from wijklab.names import by_name

STUDENTS_PER_PAGE = 25
PEOPLE_PER_PAGE = 25
# A regional cohort has hundreds of assignments; the page lists them ten at a time.
ASSIGNMENTS_PER_PAGE = 10

nav_item(_("Cohorten"), "cohort-list", Role.COORDINATOR, order=5)


def _coordinator(request: HttpRequest) -> User:
    forbidden_unless(selectors.may_manage_cohorts(user=request.user))
    return request.user


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=100)
    starts_on = forms.DateField(label=_("Begint op"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Eindigt op"), widget=forms.DateInput(attrs={"type": "date"}))
    preferences_close_on = forms.DateField(
        label=_("Studenten kiezen voorkeuren tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("De nacht na deze dag sluiten de voorkeuren vanzelf. Laat je het leeg, dan sluit jij ze."),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Deelnemende scholen"),
        queryset=School.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    competences = forms.ModelMultipleChoiceField(
        label=_("Competenties waaruit studenten kiezen"),
        queryset=Competence.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kies je niets, dan kiezen studenten uit alle competenties."),
    )

    def __init__(self, *args: Any, cohort: Cohort | None = None, **kwargs: Any) -> None:
        if cohort is not None:
            # Only an unbound form (the first GET) shows these.
            kwargs["initial"] = {
                "name": cohort.name,
                "starts_on": cohort.starts_on.isoformat(),
                "ends_on": cohort.ends_on.isoformat(),
                "preferences_close_on": (
                    cohort.preferences_close_on.isoformat() if cohort.preferences_close_on else None
                ),
                "schools": list(cohort.schools.values_list("pk", flat=True)),
                "competences": list(cohort.competences.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)

    def add_service_errors(self, exc: ValidationError) -> None:
        for name, problems in exc.message_dict.items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)


@require_GET
def cohort_list(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    cohorts = selectors.cohorts_managed_by(user=user).annotate(n_students=Count("students", distinct=True))
    return render(request, "cohorts/list.html", {"cohorts": cohorts})


@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(by=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("Het cohort “%(name)s” is aangemaakt. Jij bent de coördinator.") % {"name": cohort.name}
            )
            return redirect("cohort-detail", cohort.pk)
    return render(request, "cohorts/form.html", {"form": form, "cohort": None})


@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.access_managed_cohort(user=request.user, cohort_id=cohort_id)
    if cohort.is_archived:
        messages.error(request, services.COHORT_ARCHIVED_MESSAGE)
        return redirect("cohort-detail", cohort.pk)
    form = CohortForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(cohort=cohort, by=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except RuleViolation as exc:
            messages.error(request, exc.message)
            return redirect("cohort-detail", cohort.pk)
        else:
            messages.success(request, _("De wijzigingen zijn opgeslagen."))
            return redirect("cohort-detail", cohort.pk)
    return render(request, "cohorts/form.html", {"form": form, "cohort": cohort})


@require_POST
def cohort_archive(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.access_managed_cohort(user=request.user, cohort_id=cohort_id)
    try:
        services.cohort_archive(cohort=cohort, by=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(name)s” is gearchiveerd. Alles blijft zichtbaar, maar er kan niets meer worden gewijzigd.")
            % {"name": cohort.name},
        )
    return redirect("cohort-detail", cohort.pk)


# --- the detail page -----------------------------------------------------------------------


@require_GET
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.access_managed_cohort(user=request.user, cohort_id=cohort_id)
    students = Paginator(team_selectors.cohort_students_by_name(cohort=cohort), STUDENTS_PER_PAGE).get_page(
        request.GET.get("studenten")
    )
    students.object_list = team_selectors.with_cohort_row_facts(cohort=cohort, profiles=students.object_list)
    supervisors = Paginator(
        cohort.supervisors.select_related("supervisor_profile__school", "supervisor_profile__organisation").order_by(
            "display_name", "username"
        ),
        PEOPLE_PER_PAGE,
    ).get_page(request.GET.get("begeleiders"))
    organisations = (
        Organisation.objects.filter(Q(cohorts=cohort) | Q(assignments__cohort=cohort)).distinct().order_by("name")
    )
    context = {
        "cohort": cohort,
        "students": students,
        "supervisors": supervisors,
        "organisations": organisations,
        "coordinators": cohort.coordinators.order_by(by_name("display_name"), by_name("username")),
        "schools": cohort.schools.all(),
        "competences": cohort.competences.all(),
        "assignments": Paginator(
            cohort.assignments.select_related("organisation").order_by("status", "title", "pk"), ASSIGNMENTS_PER_PAGE
        ).get_page(request.GET.get("opdrachten")),
        "readiness": formation_selectors.formation_readiness(cohort=cohort),
    }
    return render(request, "cohorts/detail.html", context)


@overview_panel(Role.COORDINATOR, order=5)
def coordinator_cohorts_panel(request: HttpRequest) -> str:
    cohorts = selectors.cohorts_managed_by(user=request.user).filter(archived_at__isnull=True)
    return render_to_string("cohorts/panel_coordinator.html", {"cohorts": cohorts[:6]}, request=request)


urlpatterns = [
    path("cohorten/", cohort_list, name="cohort-list"),
    path("cohorten/nieuw/", cohort_create, name="cohort-create"),
    path("cohorten/<int:cohort_id>/", cohort_detail, name="cohort-detail"),
    path("cohorten/<int:cohort_id>/bewerken/", cohort_edit, name="cohort-edit"),
    path("cohorten/<int:cohort_id>/archiveren/", cohort_archive, name="cohort-archive"),
]
