"""The audit log of a cohort, for its coordinators: who did or read what, when, from where.

Thin: ``access_managed_cohort`` (404 for anyone who does not coordinate the cohort) → the
entries ``wijklab.audit_selectors`` scopes to it → filters → a page of them.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from frontend.access import not_found_unless
from wijklab import audit_selectors
from wijklab.models import AuditKind
from wijklab.selectors import access_managed_cohort

ENTRIES_PER_PAGE = 50


@require_GET
def cohort_audit_log(request: HttpRequest, cohort_id: int) -> HttpResponse:
    not_found_unless(audit_selectors.may_read_audit_log(user=request.user))
    cohort = access_managed_cohort(user=request.user, cohort_id=cohort_id)
    kind = request.GET.get("soort", "")
    kind = kind if kind in AuditKind.values else ""
    person = request.GET.get("persoon", "").replace("\x00", "").strip()[:100]
    entries = audit_selectors.filter_audit_entries(
        audit_selectors.audit_entries_visible_to(viewer=request.user, cohort=cohort), kind=kind, person=person
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in (("soort", kind), ("persoon", person)) if value}
    return render(
        request,
        "audit/log.html",
        {
            "cohort": cohort,
            "page": page,
            "kinds": AuditKind.choices,
            "kind": kind,
            "person": person,
            "querystring": urlencode(filters),
        },
    )


urlpatterns = [
    path("cohorten/<int:cohort_id>/logboek/", cohort_audit_log, name="cohort-audit-log"),
]
