"""Supervision pages: logging feedback, progress, the docent overview, coordination.

Thin: access helper (404 for the wrong person) → parse the form → service →
render. Every rule lives in ``supervision.services`` / ``supervision.selectors``.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.access import not_found_unless
from frontend.htmx import HtmxHttpRequest, wants_partial
from frontend.navigation import nav_item, overview_panel
from supervision import analysis, charts, exports, privacy_selectors, selectors, services
from supervision.models import Category, Criterion, FeedbackKind, Level
from teams.rules import lacks_hbo_docent
from wijklab.errors import RuleViolation
from wijklab.models import AuditKind, Role, User
from wijklab.selectors import cohorts_managed_by, viewer_sees_niveaus
from wijklab.services import audit_record

nav_item(_("Mijn voortgang"), "supervision-my-progress", Role.STUDENT, order=60)
nav_item(_("Mijn studenten"), "supervision-overview", Role.SUPERVISOR, order=60)
nav_item(_("Feedback geven"), "supervision-log", Role.SUPERVISOR, order=61)
# An organisation contact sees these only as werkbegeleider (``selectors.is_werkbegeleider``).
nav_item(_("Mijn studenten"), "supervision-overview", Role.ORGANISATION, order=60, when=selectors.is_werkbegeleider)
nav_item(_("Feedback geven"), "supervision-log", Role.ORGANISATION, order=61, when=selectors.is_werkbegeleider)
nav_item(_("Voortgang"), "supervision-overview", Role.COORDINATOR, order=60)
nav_item(_("Begeleiders"), "supervision-assign", Role.COORDINATOR, order=61)
nav_item(_("Rubric"), "supervision-rubric", Role.COORDINATOR, order=62)

OVERVIEW_PAGE_SIZE = 50
# ?team=zonder: the students who are in no team now.
WITHOUT_TEAM = "zonder"
# Criterion names longer than this get a short form for screen readers (the th's abbr).
SHORT_NAME_LENGTH = 24
ALERT_BADGES = {
    analysis.ALERT_NO_FEEDBACK: "badge--alert",
    analysis.ALERT_DECLINING: "badge--error",
    analysis.ALERT_SELF_ABOVE: "badge--warn",
    analysis.ALERT_SELF_BELOW: "badge--warn",
}


def _today() -> dt.date:
    return timezone.localdate()


# --- the rubric as a form ----------------------------------------------------------


def _rubric_groups(criteria: list[Criterion], selected: dict[int, int]) -> list[dict[str, Any]]:
    """Criteria grouped per category, each with its four levels and the chosen one."""
    groups = []
    for category in Category:
        items = []
        for criterion in criteria:
            if criterion.category != category:
                continue
            texts = {d.level: d.text for d in criterion.descriptors.all()}
            items.append(
                {
                    "criterion": criterion,
                    "selected": selected.get(criterion.pk),
                    "levels": [{"value": lv.value, "label": lv.label, "text": texts.get(lv.value, "")} for lv in Level],
                }
            )
        if items:
            groups.append({"category": category, "label": category.label, "items": items})
    return groups


def _selected_levels(post: Any, criteria: list[Criterion]) -> dict[int, int]:
    selected = {}
    for criterion in criteria:
        raw = post.get(f"level-{criterion.pk}", "")
        if raw.isdigit():
            selected[criterion.pk] = int(raw)
    return selected


def _parse_date(raw: str, errors: dict[str, list]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.setdefault("date", []).append(gettext("Vul een geldige datum in."))
        return None


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


FORM_MODES = {
    "supervisor": {
        "title": _("Feedback geven"),
        "intro": _("Kies een student, tik de niveaus aan van wat je hebt gezien en schrijf er kort iets bij."),
    },
    "self": {
        "title": _("Zelfbeoordeling"),
        "intro": _("Hoe sta je ervoor? Beoordeel jezelf op de criteria die je deze periode hebt laten zien."),
    },
    "peer": {
        "title": _("Feedback aan een teamgenoot"),
        "intro": _(
            "Geef een teamgenoot eerlijke, opbouwende feedback. Je naam blijft verborgen, tenzij je kiest hem te tonen."
        ),
    },
}


def _form_context(
    request: HttpRequest, *, mode: str, students: list[User], criteria: list[Criterion]
) -> dict[str, Any]:
    return {
        "mode": mode,
        "title": FORM_MODES[mode]["title"],
        "intro": FORM_MODES[mode]["intro"],
        "students": students,
        "today": _today(),
        "values": {"student": request.GET.get("student", ""), "date": _today().isoformat(), "comment": ""},
        "errors": {},
        "groups": _rubric_groups(criteria, {}),
    }


def _feedback_form(request: HttpRequest, *, mode: str) -> HttpResponse:
    user = request.user
    if mode == "supervisor":
        not_found_unless(selectors.may_write_as_supervisor(user))
        students = list(selectors.students_for_feedback_by(author=user))
        criteria_qs = selectors.criteria_visible_to(viewer=user)
    elif mode == "peer":
        not_found_unless(selectors.may_write_as_student(user))
        students = list(selectors.peers_of(student=user))
        criteria_qs = selectors.criteria_for_student(student=user).filter(programme="")
    else:
        not_found_unless(selectors.may_write_as_student(user))
        students = []
        criteria_qs = selectors.criteria_for_student(student=user)
    criteria = list(criteria_qs.prefetch_related("descriptors"))
    ctx = _form_context(request, mode=mode, students=students, criteria=criteria)
    if request.method == "POST":
        post = request.POST
        errors: dict[str, list] = {}
        selected = _selected_levels(post, criteria)
        date = _parse_date(post.get("date", ""), errors)
        ctx["values"] = {
            "student": post.get("student", ""),
            "date": post.get("date", ""),
            "comment": post.get("comment", ""),
            "show_author": post.get("show_author") == "on",
        }
        ctx["groups"] = _rubric_groups(criteria, selected)
        if not errors:
            try:
                entry = services.feedback_create(
                    author=user,
                    student_id=post.get("student") if mode != "self" else user.pk,
                    kind={"supervisor": FeedbackKind.SUPERVISOR, "self": FeedbackKind.SELF, "peer": FeedbackKind.PEER}[
                        mode
                    ],
                    scores=[{"criterion": cid, "level": level} for cid, level in selected.items()],
                    comment=post.get("comment", ""),
                    date=date,
                    show_author=post.get("show_author") == "on",
                )
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                if mode == "supervisor":
                    messages.success(
                        request,
                        gettext("Feedback voor %(name)s is opgeslagen.") % {"name": entry.student.get_display_name()},
                    )
                    return redirect("supervision-log")
                messages.success(request, gettext("Dank je! Je feedback is opgeslagen."))
                return redirect("supervision-my-progress")
        ctx["errors"] = errors
    if mode == "supervisor":
        recent = selectors.feedback_for_listing(viewer=user).filter(author=user)[:3]
        ctx["recent"] = selectors.mark_author_visibility(recent, viewer=user)
        ctx["may_view_progress"] = selectors.sees_progress_alerts(user)
    status = 400 if ctx["errors"] else 200
    return render(request, "supervision/feedback_form.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def log_feedback(request: HttpRequest) -> HttpResponse:
    return _feedback_form(request, mode="supervisor")


@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest) -> HttpResponse:
    return _feedback_form(request, mode="self")


@require_http_methods(["GET", "POST"])
def peer_feedback(request: HttpRequest) -> HttpResponse:
    return _feedback_form(request, mode="peer")


@require_http_methods(["GET", "POST"])
def observation(request: HttpRequest) -> HttpResponse:
    """The werkbegeleider's quick note: one criterion, one level, one line."""
    user = request.user
    not_found_unless(selectors.may_write_as_supervisor(user))
    students = list(selectors.students_for_feedback_by(author=user))
    criteria = list(selectors.criteria_visible_to(viewer=user).prefetch_related("descriptors"))
    values = {"student": request.GET.get("student", ""), "criterion": "", "level": "", "comment": "", "date": ""}
    errors: dict[str, list] = {}
    if request.method == "POST":
        post = request.POST
        values = {k: post.get(k, "") for k in values}
        date = _parse_date(values["date"], errors)
        if not values["criterion"]:
            errors["criterion"] = [gettext("Kies een criterium.")]
        if not values["level"]:
            errors["level"] = [gettext("Kies een niveau.")]
        if not errors:
            try:
                entry = services.feedback_create(
                    author=user,
                    student_id=values["student"],
                    kind=FeedbackKind.SUPERVISOR,
                    scores=[{"criterion": values["criterion"], "level": values["level"]}],
                    comment=values["comment"],
                    date=date,
                    is_observation=True,
                )
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                messages.success(
                    request,
                    gettext("Observatie voor %(name)s is opgeslagen.") % {"name": entry.student.get_display_name()},
                )
                return redirect("supervision-observe")
    return render(
        request,
        "supervision/observation_form.html",
        {
            "students": students,
            "groups": _rubric_groups(criteria, {}),
            "levels": list(Level),
            "values": values,
            "errors": errors,
            "today": _today(),
        },
        status=400 if errors else 200,
    )


# --- progress -----------------------------------------------------------------------


def _progress_context(request: HttpRequest, student: User) -> dict[str, Any]:
    viewer = request.user
    progress = selectors.student_progress(student=student, today=_today(), viewer=viewer)
    start, end = progress.date_range
    cards = []
    for index, crit in enumerate(progress.criteria):
        cards.append(
            {
                "progress": crit,
                "svg": mark_safe(charts.criterion_chart(crit, start=start, end=end, chart_id=f"chart-{index}")),
                "rows": _chart_rows(crit),
            }
        )
    return {
        "student": student,
        "own": viewer.pk == student.pk,
        "progress": progress,
        "cards_by_category": [
            (category.label, [c for c in cards if c["progress"].category == category]) for category in Category
        ],
        "latest": selectors.latest_feedback(viewer=viewer, student=student, limit=3),
        "supervisors": [
            (link.supervisor.get_display_name(), selectors.supervisor_kind_label(kind))
            for link in selectors.supervisors_of(student=student)
            for kind in [selectors.shown_supervisor_kind(selectors.author_kind_of(link.supervisor), viewer=viewer)]
        ],
        "staff": selectors.sees_progress_alerts(viewer),
        "can_log": selectors.may_write_as_supervisor(viewer),
        "can_erase": privacy_selectors.may_erase_student(user=viewer, student=student),
        "sources": [(s, charts.source_label(s)) for s in selectors.CHART_SOURCES],
        "new_this_week": [
            (charts.source_label(s), progress.new_entries_this_week[s])
            for s in selectors.SOURCES
            if progress.new_entries_this_week.get(s)
        ],
    }


def _chart_rows(crit: selectors.CriterionProgress) -> list[dict[str, Any]]:
    """The chart as a table (its text alternative): one row per date, one column per source."""
    by_date: dict[dt.date, dict[str, str]] = {}
    for source in selectors.CHART_SOURCES:
        for point in crit.series[source]:
            cell = by_date.setdefault(point.date, {})
            label = str(Level(point.level).label)
            cell[source] = f"{cell[source]}, {label}" if source in cell else label
    return [
        {"date": day, "cells": [by_date[day].get(s, "") for s in selectors.CHART_SOURCES]} for day in sorted(by_date)
    ]


@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    not_found_unless(selectors.may_write_as_student(request.user))
    return render(request, "supervision/progress.html", _progress_context(request, request.user))


@require_GET
def student_progress(request: HttpRequest, student_id: int) -> HttpResponse:
    student = selectors.access_student_by_id(viewer=request.user, student_id=student_id)
    services.record_read_by_other(
        viewer=request.user,
        student=student,
        kind=AuditKind.PROGRESS_READ,
        object_type="progress",
        object_id=student.pk,
        description=_("Voortgangspagina bekeken."),
    )
    return render(request, "supervision/progress.html", _progress_context(request, student))


@require_GET
def student_feedback(request: HttpRequest, student_id: int) -> HttpResponse:
    student = selectors.access_student_by_id(viewer=request.user, student_id=student_id)
    qs = selectors.feedback_for_listing(viewer=request.user).filter(student=student)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    entries = selectors.mark_author_visibility(page.object_list, viewer=request.user)
    # One entry per page read, not per feedback entry on it.
    services.record_read_by_other(
        viewer=request.user,
        student=student,
        kind=AuditKind.FEEDBACK_READ,
        object_type="feedback_list",
        object_id=student.pk,
        description=_("Feedbacklijst bekeken (pagina %(page)s)."),
        params={"page": page.number},
    )
    return render(
        request,
        "supervision/feedback_list.html",
        {"student": student, "page": page, "entries": entries, "own": request.user.pk == student.pk},
    )


@require_GET
def student_progress_pdf(request: HttpRequest, student_id: int) -> HttpResponse:
    student = selectors.access_student_by_id(viewer=request.user, student_id=student_id)
    progress = selectors.student_progress(student=student, today=_today(), viewer=request.user)
    entries = selectors.mark_author_visibility(
        selectors.feedback_for_listing(viewer=request.user).filter(student=student)[: exports.PDF_MAX_ENTRIES],
        viewer=request.user,
    )
    alerts = selectors.sees_progress_alerts(request.user)
    data = exports.progress_pdf(
        progress=progress,
        entries=entries,
        include_alerts=alerts,
        include_programme=viewer_sees_niveaus(viewer=request.user),
    )
    audit_record(
        kind=AuditKind.EXPORT,
        actor=request.user,
        subject=student,
        object_type="progress_pdf",
        object_id=student.pk,
        description=_("Voortgang met feedback als PDF gedownload."),
    )
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"voortgang-{student.username}-{_today().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the overview grid -----------------------------------------------------------------


def _overview_for(request: HttpRequest) -> tuple[selectors.Overview, dict[str, Any]]:
    viewer = request.user
    not_found_unless(selectors.sees_progress_alerts(viewer))
    sort = request.GET.get("sort", "alerts")
    descending = request.GET.get("dir") == "desc"
    teams = selectors.overview_teams(viewer=viewer)
    team_id = None
    raw_team = request.GET.get("team", "")
    if raw_team.isdigit() and any(str(pk) == raw_team for pk, _name in teams):
        team_id = int(raw_team)
    without_team = raw_team == WITHOUT_TEAM
    only_alerts = request.GET.get("signalen") == "1"
    query = request.GET.get("q", "").strip()[: selectors.OVERVIEW_QUERY_MAX]
    overview = selectors.progress_overview(
        viewer=viewer,
        today=_today(),
        sort=sort,
        descending=descending,
        team_id=team_id,
        without_team=without_team,
        only_alerts=only_alerts,
        query=query,
    )
    # Counted before the alerts filter: how many the "Zonder team" choice would show.
    without_team_count = overview.counts["without_team"] if team_id is None else 0
    filters = {
        "q": query,
        "team": team_id or (WITHOUT_TEAM if without_team else ""),
        "signalen": "1" if only_alerts else "",
    }
    return overview, {
        "teams": teams,
        "sort": sort,
        "descending": descending,
        "filters": filters,
        "without_team_count": without_team_count,
    }


def _short_name(name: str) -> str:
    """What a screen reader says for a long criterion's column in every cell (the ``abbr`` of its
    header): the part before " en ", else the first words. '' when the name is short enough."""
    if len(name) <= SHORT_NAME_LENGTH:
        return ""
    head = name.split(" en ")[0].strip()
    if head != name and len(head) <= SHORT_NAME_LENGTH:
        return head
    words: list[str] = []
    for word in name.split():
        if len(" ".join([*words, word])) > SHORT_NAME_LENGTH:
            break
        words.append(word)
    return " ".join(words) or name[:SHORT_NAME_LENGTH]


def _category_groups(criteria: list[Criterion]) -> list[dict[str, Any]]:
    """Runs of criteria of one category: the header cell above their columns."""
    groups: list[dict[str, Any]] = []
    for criterion in criteria:
        if groups and groups[-1]["category"] == criterion.category:
            groups[-1]["span"] += 1
        else:
            groups.append({"category": criterion.category, "label": Category(criterion.category).label, "span": 1})
    return groups


def _codes(criteria: list[Criterion]) -> list[str]:
    """Short column codes (W1, V1, …) for the CSV export's header."""
    counters = {Category.WERKNEMERSVAARDIGHEDEN: 0, Category.VAKINHOUDELIJK: 0}
    codes = []
    for criterion in criteria:
        counters[criterion.category] += 1
        prefix = "W" if criterion.category == Category.WERKNEMERSVAARDIGHEDEN else "V"
        codes.append(f"{prefix}{counters[criterion.category]}")
    return codes


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    data, extra = _overview_for(request)
    base = {k: v for k, v in extra["filters"].items() if v}

    def sort_url(key: str) -> str:
        descending = extra["sort"] == key and not extra["descending"]
        return "?" + urlencode({**base, "sort": key, **({"dir": "desc"} if descending else {})})

    audit_record(
        kind=AuditKind.PROGRESS_READ,
        actor=request.user,
        object_type="progress_overview",
        description=_("Voortgangsoverzicht van de eigen studenten bekeken."),
    )
    columns = [
        {"key": key, "label": label, "url": sort_url(key), "active": extra["sort"] == key}
        for key, label in [("name", _("Student")), ("last", _("Laatste feedback")), ("alerts", _("Signalen"))]
    ]
    criteria_columns = [
        {
            "criterion": c,
            "short": _short_name(c.name),
            "url": sort_url(f"c{c.pk}"),
            "active": extra["sort"] == f"c{c.pk}",
        }
        for c in data.criteria
    ]
    paginator = Paginator(data.order, OVERVIEW_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = data.rows_for(page.object_list)
    counts = {code: data.counts[code] for code in ALERT_BADGES}
    query = urlencode({**base, "sort": extra["sort"], **({"dir": "desc"} if extra["descending"] else {})})
    partial = wants_partial(request)
    return render(
        request,
        "supervision/overview.html#results" if partial else "supervision/overview.html",
        {
            "overview": data,
            "page": page,
            "rows": rows,
            "columns": columns,
            "criteria_columns": criteria_columns,
            "criteria_groups": _category_groups(data.criteria),
            "without_team_url": "?" + urlencode({"team": WITHOUT_TEAM}),
            "alert_counts": counts,
            "alert_badges": ALERT_BADGES,
            "querystring": query,
            "csv_query": urlencode(base | {"sort": extra["sort"]}),
            "partial": partial,
            # The feedback links (the page's and each row's): docenten and werkbegeleiders.
            "can_log": selectors.may_write_as_supervisor(request.user),
            **extra,
        },
    )


@require_GET
def overview_csv(request: HttpRequest) -> HttpResponse:
    data, _extra = _overview_for(request)
    response = HttpResponse(
        exports.overview_csv(data, codes=_codes(data.criteria)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="voortgang-{_today().isoformat()}.csv"'
    audit_record(
        kind=AuditKind.EXPORT,
        actor=request.user,
        object_type="progress_overview_csv",
        description=_("Voortgangsoverzicht als CSV gedownload (%(rows)s studenten)."),
        params={"rows": len(data.rows)},
    )
    return response


# --- coordination: who supervises whom, and the rubric -----------------------------


STUDENT_LINKS_PAGE_SIZE = 20


@require_GET
def assign(request: HttpRequest) -> HttpResponse:
    """Teams with their links, the search for one student, the student links: each a page or a
    bounded list, so the page costs the same for a cohort of 50 or 5,000 students. A team's
    supervisor choices load on demand (``assign_team``)."""
    user = request.user
    not_found_unless(selectors.coordinates_supervision(user))
    query = request.GET.get("q", "").strip()
    search = _student_search(user, query)
    if wants_partial(request, target="student-search-results"):
        return render(request, "supervision/_assign_student_search.html", search)
    teams_page = Paginator(selectors.teams_for_coordination(coordinator=user), 20).get_page(request.GET.get("page"))
    links_page = Paginator(selectors.student_assignments_for_coordination(coordinator=user), STUDENT_LINKS_PAGE_SIZE)
    return render(
        request,
        "supervision/assign.html",
        {
            "page": teams_page,
            "team_rows": [_team_row(team) for team in teams_page.object_list],
            "links_page": links_page.get_page(request.GET.get("links")),
            "teams_query": urlencode({"links": request.GET["links"]}) if request.GET.get("links") else "",
            **search,
        },
    )


def _student_search(user: User, query: str) -> dict[str, Any]:
    if not query:
        return {"query": "", "students": [], "supervisors": []}
    students = selectors.search_cohort_students(coordinator=user, query=query)
    supervisors = list(selectors.supervisor_choices(team=None)) if students else []
    return {
        "query": query,
        "students": students,
        "supervisors": supervisors,
        "limited": len(students) >= selectors.STUDENT_SEARCH_LIMIT,
    }


@require_GET
def assign_team(request: HttpRequest, team_id: int) -> HttpResponse:
    """The form to link a supervisor to one team: swapped into the team's row by htmx, a page of
    its own without JavaScript."""
    user = request.user
    not_found_unless(selectors.coordinates_supervision(user))
    team = selectors.teams_for_coordination(coordinator=user).filter(pk=team_id).first()
    not_found_unless(team is not None)
    page = request.GET.get("page", "")
    ctx = {
        "row": {"team": team},
        "options": list(selectors.supervisor_choices(team=team)),
        "page_number": page if page.isdigit() else "",
    }
    if wants_partial(request):
        return render(request, "supervision/_assign_team_form.html", ctx)
    return render(request, "supervision/assign_team.html", ctx)


def _team_row(team: Any) -> dict[str, Any]:
    links = list(team.supervision_assignments.all())
    kinds = {getattr(getattr(link.supervisor, "supervisor_profile", None), "kind", "") for link in links}
    return {
        "team": team,
        "links": links,
        "missing_hbo": lacks_hbo_docent(requires_hbo=team.assignment.requires_hbo, supervisor_kinds=kinds),
    }


@require_POST
def assign_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    not_found_unless(selectors.coordinates_supervision(user))
    post = request.POST
    team = student = None
    if post.get("team"):
        team = selectors.teams_for_coordination(coordinator=user).filter(pk=_int(post["team"])).first()
        not_found_unless(team is not None)
    elif post.get("student"):
        student = selectors.cohort_students(coordinator=user).filter(pk=_int(post["student"])).first()
        not_found_unless(student is not None)
    supervisor = selectors.assignable_supervisors().filter(pk=_int(post.get("supervisor"))).first()
    back = _back(request)
    if supervisor is None or (team is None and student is None):
        messages.error(request, gettext("Kies een begeleider en een team of student."))
        return redirect(back)
    try:
        services.supervision_assign(by=user, supervisor=supervisor, team=team, student=student)
    except ValidationError as exc:
        messages.error(request, " ".join(m for msgs in _errors_of(exc).values() for m in msgs))
    except RuleViolation as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            gettext("%(supervisor)s begeleidt nu %(subject)s.")
            % {"supervisor": supervisor, "subject": team.name if team else student.get_display_name()},
        )
    return redirect(back)


@require_POST
def assign_remove(request: HttpRequest, link_id: int) -> HttpResponse:
    link = selectors.access_supervision_assignment(coordinator=request.user, assignment_id=link_id)
    services.supervision_unassign(by=request.user, link=link)
    messages.success(request, gettext("De koppeling is verwijderd."))
    return redirect(_back(request))


def _int(raw: object) -> int:
    try:
        return selectors.as_id(raw)
    except (TypeError, ValueError):
        return 0


def _back(request: HttpRequest) -> str:
    """Back to the page of teams and of student links the form was on."""
    pages = {key: request.POST.get(key, "") for key in ("page", "links")}
    query = urlencode({key: value for key, value in pages.items() if value.isdigit()})
    url = reverse("supervision-assign")
    return f"{url}?{query}" if query else url


def _descriptor_values(post: Any) -> list[str]:
    return [post.get(f"descriptor-{level}", "") for level in Level.values]


@require_http_methods(["GET", "POST"])
def rubric(request: HttpRequest) -> HttpResponse:
    user = request.user
    not_found_unless(selectors.coordinates_supervision(user))
    cohorts = list(cohorts_managed_by(user=user))
    errors: dict[str, list] = {}
    values: dict[str, Any] = {"category": Category.WERKNEMERSVAARDIGHEDEN, "descriptors": ["", "", "", ""]}
    if request.method == "POST":
        post = request.POST
        values = {
            "cohort": post.get("cohort", ""),
            "category": post.get("category", ""),
            "name": post.get("name", ""),
            "description": post.get("description", ""),
            "programme": post.get("programme", ""),
            "descriptors": _descriptor_values(post),
        }
        cohort = next((c for c in cohorts if str(c.pk) == values["cohort"]), None)
        if cohort is None and len(cohorts) == 1:
            cohort = cohorts[0]
        try:
            criterion = services.criterion_create(
                by=user,
                cohort=cohort,
                category=values["category"],
                name=values["name"],
                description=values["description"],
                programme=values["programme"],
                descriptors=values["descriptors"],
            )
        except ValidationError as exc:
            errors = _errors_of(exc)
        else:
            messages.success(request, gettext("Criterium „%(name)s” is toegevoegd.") % {"name": criterion.name})
            return redirect("supervision-rubric")
    criteria = list(selectors.criteria_for_coordinator(coordinator=user))
    return render(
        request,
        "supervision/rubric.html",
        {
            "groups": [(category.label, [c for c in criteria if c.category == category]) for category in Category],
            "cohorts": cohorts,
            "programmes": selectors.programmes_of(coordinator=user),
            "categories": list(Category),
            "levels": list(Level),
            "values": values,
            "level_values": list(zip(list(Level), values["descriptors"], strict=True)),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    user = request.user
    criterion = selectors.access_criterion_for_coordinator(coordinator=user, criterion_id=criterion_id)
    texts = {d.level: d.text for d in criterion.descriptors.all()}
    values = {
        "name": criterion.name,
        "description": criterion.description,
        "descriptors": [texts.get(level, "") for level in Level.values],
    }
    errors: dict[str, list] = {}
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "descriptors": _descriptor_values(request.POST),
        }
        try:
            services.criterion_update(
                by=user,
                criterion=criterion,
                name=values["name"],
                description=values["description"],
                descriptors=values["descriptors"],
            )
        except ValidationError as exc:
            errors = _errors_of(exc)
        else:
            messages.success(request, gettext("Criterium „%(name)s” is bijgewerkt.") % {"name": criterion.name})
            return redirect("supervision-rubric")
    return render(
        request,
        "supervision/criterion_form.html",
        {
            "criterion": criterion,
            "values": values,
            "level_values": list(zip(list(Level), values["descriptors"], strict=True)),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_POST
def criterion_active(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = selectors.access_criterion_for_coordinator(coordinator=request.user, criterion_id=criterion_id)
    active = request.POST.get("active") == "1"
    # access_criterion_for_coordinator answered 404 for anyone the service would refuse.
    services.criterion_set_active(by=request.user, criterion=criterion, active=active)
    if active:
        messages.success(request, gettext("Criterium „%(name)s” is weer in gebruik.") % {"name": criterion.name})
    else:
        messages.success(request, gettext("Criterium „%(name)s” is gearchiveerd.") % {"name": criterion.name})
    return redirect("supervision-rubric")


# --- overview panels ----------------------------------------------------------------------


@overview_panel(Role.STUDENT, order=40)
def student_panel(request: HttpRequest) -> str:
    user = request.user
    return render_to_string(
        "supervision/panels/student.html",
        {"latest": selectors.latest_feedback(viewer=user, student=user, limit=3)},
        request=request,
    )


@overview_panel(Role.SUPERVISOR, order=40)
def supervisor_panel(request: HttpRequest) -> str:
    data = selectors.progress_overview(viewer=request.user, today=_today(), sort="alerts", only_alerts=True)
    return render_to_string(
        "supervision/panels/supervisor.html",
        {
            "student_count": data.counts["all"],
            "flagged": data.rows_for(data.order[:5]),
            "flagged_count": data.counts["flagged"],
        },
        request=request,
    )


@overview_panel(Role.ORGANISATION, order=70)
def organisation_panel(request: HttpRequest) -> str:
    """Only for organisation contacts who act as werkbegeleider for a team."""
    if not selectors.may_write_as_supervisor(request.user):
        return ""
    return render_to_string("supervision/panels/organisation.html", {}, request=request)


@overview_panel(Role.COORDINATOR, order=40)
def coordinator_panel(request: HttpRequest) -> str:
    summary = selectors.coordination_summary(coordinator=request.user)
    return render_to_string("supervision/panels/coordinator.html", summary, request=request)


urlpatterns = [
    path("begeleiding/", overview, name="supervision-overview"),
    path("begeleiding/overzicht.csv", overview_csv, name="supervision-overview-csv"),
    path("feedback/geven/", log_feedback, name="supervision-log"),
    path("feedback/observatie/", observation, name="supervision-observe"),
    path("feedback/zelfbeoordeling/", self_assessment, name="supervision-self"),
    path("feedback/teamgenoot/", peer_feedback, name="supervision-peer"),
    path("mijn-voortgang/", my_progress, name="supervision-my-progress"),
    path("studenten/<int:student_id>/voortgang/", student_progress, name="supervision-progress"),
    path("studenten/<int:student_id>/voortgang.pdf", student_progress_pdf, name="supervision-progress-pdf"),
    path("studenten/<int:student_id>/feedback/", student_feedback, name="supervision-feedback-list"),
    path("coordinatie/begeleiders/", assign, name="supervision-assign"),
    path("coordinatie/begeleiders/toevoegen/", assign_add, name="supervision-assign-add"),
    path("coordinatie/begeleiders/teams/<int:team_id>/", assign_team, name="supervision-assign-team"),
    path("coordinatie/begeleiders/<int:link_id>/verwijderen/", assign_remove, name="supervision-assign-remove"),
    path("coordinatie/rubric/", rubric, name="supervision-rubric"),
    path("coordinatie/rubric/<int:criterion_id>/", criterion_edit, name="supervision-criterion"),
    path("coordinatie/rubric/<int:criterion_id>/in-gebruik/", criterion_active, name="supervision-criterion-active"),
]
