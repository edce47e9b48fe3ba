"""AVG pages: a student's own data ("Mijn gegevens") and a coordinator's erasure of a student.

Thin: the rules are in supervision.privacy_selectors / privacy_services (docs/privacy.md).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.access import not_found_unless
from frontend.navigation import nav_item
from supervision import privacy_selectors, privacy_services
from wijklab.errors import RuleViolation
from wijklab.models import AuditKind, Role
from wijklab.services import audit_record

nav_item(_("Mijn gegevens"), "privacy-my-data", Role.STUDENT.value, order=95)


@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    not_found_unless(privacy_selectors.may_download_own_data(user=request.user))
    return render(request, "privacy/my_data.html", {})


@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse:
    not_found_unless(privacy_selectors.may_download_own_data(user=request.user))
    today = timezone.localdate()
    data = privacy_selectors.personal_data_zip(student=request.user, today=today)
    audit_record(
        kind=AuditKind.EXPORT,
        actor=request.user,
        subject=request.user,
        object_type="personal_data",
        object_id=request.user.pk,
        description=_("Eigen gegevens gedownload (Mijn gegevens)."),
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="mijn-gegevens-wijklab-{today.isoformat()}.zip"'
    # Everything about a person: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def student_erase(request: HttpRequest, student_id: int) -> HttpResponse:
    student = privacy_selectors.access_erasable_student(user=request.user, student_id=student_id)
    error = ""
    if request.method == "POST":
        name = student.get_display_name()
        cohort_id = student.student_profile.cohort_id
        try:
            privacy_services.student_erase(
                student=student, by=request.user, confirmation=request.POST.get("confirmation", "")
            )
        except RuleViolation as exc:
            error = str(exc.message)
        else:
            messages.success(
                request,
                _("De gegevens van %(name)s zijn verwijderd. Dit kan niet ongedaan worden gemaakt.") % {"name": name},
            )
            return redirect("cohort-detail", cohort_id=cohort_id)
    return render(
        request,
        "privacy/student_erase.html",
        {"student": student, "error": error, "typed": request.POST.get("confirmation", "")},
        status=400 if error else 200,
    )


urlpatterns = [
    path("mijn-gegevens/", my_data, name="privacy-my-data"),
    path("mijn-gegevens/download/", my_data_download, name="privacy-my-data-download"),
    path("studenten/<int:student_id>/verwijderen/", student_erase, name="privacy-student-erase"),
]
