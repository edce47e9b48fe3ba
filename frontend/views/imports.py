"""Importing students from a school's list: upload, map the columns, preview, confirm.

Thin: access helper → form → service → render. What a row means is decided in
wijklab.import_selectors (the preview), what is stored in wijklab.import_services.
"""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.navigation import overview_panel
from wijklab import import_selectors as selectors
from wijklab import import_services as services
from wijklab.errors import RuleViolation
from wijklab.models import Cohort, Niveau, Role, StudentImport
from wijklab.selectors import cohorts_managed_by

PAGE_SIZE = 50
SHOWS = ("all", "problem", "new", "updated", "unchanged")

FIELD_LABELS = {
    "name": _("Volledige naam"),
    "first_name": _("Roepnaam / voornaam"),
    "infix": _("Tussenvoegsel"),
    "last_name": _("Achternaam"),
    "email": _("E-mailadres"),
    "student_number": _("Studentnummer"),
    "niveau": _("Niveau"),
    "school": _("School"),
    "programme": _("Opleiding"),
}
FIELD_HELP = {
    "name": _("Of kies hieronder voornaam en achternaam: die worden samengevoegd."),
    "student_number": _("Aanbevolen: zo herkent een volgende import de student, ook na een nieuw e-mailadres."),
    "niveau": _("4, 5 of 6; “niveau 4”, “N4” of “mbo 4” mag ook."),
    "school": _("De naam van de school zoals bij het cohort, hoofdletters maken niet uit."),
}


def _link(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand (.csv of .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={"required": _("Kies een bestand."), "empty": _("Het bestand is leeg.")},
    )


class MappingForm(forms.Form):
    """Per field of ours: which column of the file fills it (or one value for every row)."""

    def __init__(self, *args: Any, headers: list[str], cohort_schools: list, samples: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", _("— niet in dit bestand —"))] + [
            (h, f"{h} ({samples[h]})" if samples.get(h) else h) for h in headers
        ]
        for name in selectors.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=columns, required=False, help_text=FIELD_HELP.get(name, "")
            )
        self.fields["fixed_school"] = forms.ChoiceField(
            label=_("Of één school voor alle rijen"),
            choices=[("", "—")] + [(str(s.pk), s.name) for s in cohort_schools],
            required=False,
        )
        self.fields["fixed_niveau"] = forms.ChoiceField(
            label=_("Of één niveau voor alle rijen"),
            choices=[("", "—")] + [(str(v), label) for v, label in Niveau.choices],
            required=False,
        )
        self.headers = headers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for problem in selectors.mapping_problems(data, self.headers):
            self.add_error(None, problem)
        return data


def _cohort_context(cohort: Cohort) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "cohort_url": _link("cohort-detail", cohort.pk),
        "invitations_url": _link("cohort-invitations", cohort.pk),
        "max_rows": services.MAX_ROWS,
        "max_mb": services.MAX_FILE_BYTES // (1024 * 1024),
        "steps": [(1, _("Bestand")), (2, _("Kolommen")), (3, _("Voorbeeld")), (4, _("Klaar"))],
    }


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.access_import_cohort(user=request.user, cohort_id=cohort_id)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > services.MAX_FILE_BYTES:
                raise services.ImportFileError(
                    str(_("Het bestand is groter dan %(mb)s MB. Splits de lijst en upload de delen na elkaar."))
                    % {"mb": services.MAX_FILE_BYTES // (1024 * 1024)}
                )
            student_import = services.student_import_create(
                cohort=cohort, by=request.user, name=upload.name, content=upload.read()
            )
        except services.ImportFileError as exc:
            form.add_error("file", exc.message)
        except RuleViolation as exc:
            messages.error(request, exc.message)
            return redirect("cohort-import", cohort.pk)
        else:
            if student_import.summary.get("mapping_remembered") and not selectors.mapping_problems(
                student_import.mapping, student_import.headers
            ):
                messages.info(
                    request,
                    _(
                        "De kolommen zijn herkend van een eerdere import met dezelfde kolommen. "
                        "Controleer het voorbeeld."
                    ),
                )
                return redirect("cohort-import-preview", cohort.pk, student_import.pk)
            return redirect("cohort-import-mapping", cohort.pk, student_import.pk)
    context = {
        "form": form,
        "imports": selectors.imports_of(cohort=cohort)[:10],
        "schools": selectors.import_schools(cohort=cohort),
        "cohort_lists_schools": cohort.schools.exists(),
        **_cohort_context(cohort),
    }
    return render(request, "imports/upload.html", context, status=400 if form.errors else 200)


def _samples(student_import: StudentImport) -> dict[str, str]:
    """A first non-empty value per column, so the coordinator recognises it."""
    samples: dict[str, str] = {}
    for row in student_import.rows[:20]:
        for header, value in zip(student_import.headers, row, strict=False):
            if value and header not in samples:
                samples[header] = value if len(value) <= 30 else value[:29] + "…"
    return samples


@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, cohort_id: int, import_id: int) -> HttpResponse:
    student_import = selectors.access_student_import(user=request.user, cohort_id=cohort_id, import_id=import_id)
    cohort = student_import.cohort
    if student_import.status != StudentImport.Status.PREVIEW:
        return redirect("cohort-import-preview", cohort.pk, student_import.pk)
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        initial=student_import.mapping,
        headers=student_import.headers,
        cohort_schools=selectors.import_schools(cohort=cohort),
        samples=_samples(student_import),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.student_import_set_mapping(
                student_import=student_import, by=request.user, mapping=form.cleaned_data
            )
        except RuleViolation as exc:
            messages.error(request, exc.message)
        return redirect("cohort-import-preview", cohort.pk, student_import.pk)
    names = ("name", "first_name", "infix", "last_name")
    context = {
        "form": form,
        "student_import": student_import,
        "name_fields": [form[n] for n in names],
        "other_fields": [form[n] for n in selectors.FIELDS if n not in names],
        **_cohort_context(cohort),
    }
    return render(request, "imports/mapping.html", context, status=400 if form.errors else 200)


@require_GET
def import_preview(request: HttpRequest, cohort_id: int, import_id: int) -> HttpResponse:
    student_import = selectors.access_student_import(user=request.user, cohort_id=cohort_id, import_id=import_id)
    cohort = student_import.cohort
    context: dict[str, Any] = {"student_import": student_import, **_cohort_context(cohort)}
    if student_import.status == StudentImport.Status.CONFIRMED:
        students = Paginator(selectors.imported_students(student_import=student_import), PAGE_SIZE)
        page = students.get_page(request.GET.get("page"))
        return render(request, "imports/summary.html", {**context, "summary": student_import.summary, "page": page})
    if student_import.status == StudentImport.Status.DISCARDED:
        return render(request, "imports/summary.html", {**context, "summary": None})
    problems = selectors.mapping_problems(student_import.mapping, student_import.headers)
    if problems:
        for problem in problems:
            messages.warning(request, problem)
        return redirect("cohort-import-mapping", cohort.pk, student_import.pk)
    preview = selectors.import_preview(student_import=student_import)
    show = request.GET.get("toon", "all")
    show = show if show in SHOWS else "all"
    rows = preview.rows if show == "all" else [r for r in preview.rows if r.action == show]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        {
            "preview": preview,
            "counts": preview.counts,
            "total": len(preview.rows),
            "page": page,
            "show": show,
            "querystring": urlencode({"toon": show}) if show != "all" else "",
            "archived": cohort.is_archived,
        }
    )
    return render(request, "imports/preview.html", context)


@require_POST
def import_confirm(request: HttpRequest, cohort_id: int, import_id: int) -> HttpResponse:
    student_import = selectors.access_student_import(user=request.user, cohort_id=cohort_id, import_id=import_id)
    cohort = student_import.cohort
    try:
        done = services.student_import_confirm(student_import=student_import, by=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
    except IntegrityError:
        # Someone changed the same students meanwhile (another import, the admin): nothing was stored.
        messages.error(
            request,
            _(
                "Intussen is er iets aan deze studenten veranderd. "
                "Er is niets opgeslagen; bekijk het voorbeeld opnieuw."
            ),
        )
    else:
        summary = done.summary
        messages.success(
            request,
            _(
                "Import klaar: %(created)s nieuw, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd, "
                "%(skipped)s overgeslagen."
            )
            % summary,
        )
    return redirect("cohort-import-preview", cohort.pk, student_import.pk)


@require_POST
def import_discard(request: HttpRequest, cohort_id: int, import_id: int) -> HttpResponse:
    student_import = selectors.access_student_import(user=request.user, cohort_id=cohort_id, import_id=import_id)
    try:
        services.student_import_discard(student_import=student_import, by=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return redirect("cohort-import-preview", student_import.cohort_id, student_import.pk)
    messages.success(request, _("Het voorbeeld is verworpen; er is niets opgeslagen."))
    return redirect("cohort-import", student_import.cohort_id)


@overview_panel(Role.COORDINATOR, order=25)
def coordinator_import_panel(request: HttpRequest) -> str:
    """Where a coordinator brings a school's student list in (until the cohort pages link here)."""
    cohorts = cohorts_managed_by(user=request.user).filter(archived_at__isnull=True)
    return render_to_string("imports/panel.html", {"cohorts": cohorts}, request=request)


urlpatterns = [
    path("cohorten/<int:cohort_id>/importeren/", import_upload, name="cohort-import"),
    path("cohorten/<int:cohort_id>/importeren/<int:import_id>/", import_preview, name="cohort-import-preview"),
    path("cohorten/<int:cohort_id>/importeren/<int:import_id>/kolommen/", import_mapping, name="cohort-import-mapping"),
    path(
        "cohorten/<int:cohort_id>/importeren/<int:import_id>/bevestigen/",
        import_confirm,
        name="cohort-import-confirm",
    ),
    path(
        "cohorten/<int:cohort_id>/importeren/<int:import_id>/verwerpen/",
        import_discard,
        name="cohort-import-discard",
    ),
]
