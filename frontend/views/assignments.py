"""Assignment pages: the "Opdrachten" list, detail, the posting form, preferences.

Thin: access helper → form → service → render (the partial when htmx asks).
Rules live in assignments.validators/services, visibility in assignments.selectors.
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assignments import selectors, services
from assignments.filters import AssignmentFilter
from assignments.forms import IMPORTANCE_CHOICES, AssignmentForm
from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Phase
from assignments.validators import ASSIGNMENT_FIELDS, MAX_PREFERENCES, RankingEntry
from frontend.access import forbidden_unless
from frontend.htmx import HtmxHttpRequest, wants_partial
from frontend.navigation import nav_item, overview_panel
from teams.selectors import teams_visible_to
from wijklab.errors import RuleViolation
from wijklab.models import Competence, Neighbourhood, Role
from wijklab.selectors import access_managed_cohort

PAGE_SIZE = 12
FILTER_NAMES = ("neighbourhood", "competence", "phase", "q", "period_from", "period_to", "status")

nav_item(_("Opdrachten"), "assignments", Role.STUDENT, Role.ORGANISATION, Role.SUPERVISOR, Role.COORDINATOR, order=10)
nav_item(_("Mijn voorkeuren"), "preferences", Role.STUDENT, order=11)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


# --- the list ---------------------------------------------------------------------


@require_GET
def assignment_list(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    base = selectors.assignments_for_list(user=user)
    params = request.GET.copy()
    scope = params.get("scope", "mine")
    if user.role == Role.ORGANISATION and scope != "all":
        base = base.filter(organisation_id=user.organisation_id or 0)
    filterset = AssignmentFilter(params, queryset=base)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ranks = selectors.preference_ranks_of(student=user)
    page.object_list = _decorate(list(page.object_list), user=user, ranks=ranks)
    params.pop("page", None)
    context: dict[str, Any] = {
        "page": page,
        "filter": filterset,
        "querystring": urlencode([(k, v) for k, vs in params.lists() for v in vs if v]),
        "scope": scope,
        "my_competence_ids": set(selectors.student_competence_ids(user=user)) if user.role == Role.STUDENT else set(),
        "active_filters": any(params.get(k) for k in FILTER_NAMES),
        **_list_choices(params),
        **_role_context(request),
    }
    if wants_partial(request, target="results"):
        return render(request, "assignments/list.html#results", context)
    return render(request, "assignments/list.html", context)


def _decorate(assignments: list[Assignment], *, user: Any, ranks: dict[int, int]) -> list[Assignment]:
    """What the cards need per viewer: the student's rank, and whether interest may be shown."""
    full = len(ranks) >= MAX_PREFERENCES
    for assignment in assignments:
        assignment.my_rank = ranks.get(assignment.pk)
        assignment.list_full = full
        assignment.sees_interest = selectors.user_sees_interest(user=user, assignment=assignment)
    return assignments


def _list_choices(params: Any) -> dict[str, Any]:
    return {
        "neighbourhoods": Neighbourhood.objects.all(),
        "competences": Competence.objects.all(),
        "phases": Assignment._meta.get_field("phase").choices,
        "statuses": AssignmentStatus.choices,
        "selected": {
            "neighbourhood": params.get("neighbourhood", ""),
            "competence": params.get("competence", ""),
            "phase": params.get("phase", ""),
            "status": params.get("status", ""),
            "q": params.get("q", ""),
            "period_from": params.get("period_from", ""),
            "period_to": params.get("period_to", ""),
        },
    }


def _role_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "is_student": user.role == Role.STUDENT,
        "is_organisation": user.role == Role.ORGANISATION,
        "is_coordinator": user.role == Role.COORDINATOR,
        "can_post": selectors.user_can_post_assignments(user=user),
        "preferences_open": selectors.preferences_open_for(student=user) if user.role == Role.STUDENT else None,
        "preferences_close_on": (
            selectors.preferences_close_on_for(student=user) if user.role == Role.STUDENT else None
        ),
        "cohort_summaries": selectors.cohort_summaries(user=user) if user.role == Role.COORDINATOR else [],
        "max_preferences": MAX_PREFERENCES,
    }


# --- detail -------------------------------------------------------------------------


def _team_url(team_id: int) -> str | None:
    try:
        return reverse("team-detail", args=[team_id])
    except NoReverseMatch:
        return None


@require_GET
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = request.user
    assignment = selectors.access_assignment_by_id(user=user, assignment_id=assignment_id)
    can_edit = selectors.user_can_edit_assignment(user=user, assignment=assignment)
    visible_teams = set(teams_visible_to(user=user).filter(assignment=assignment).values_list("pk", flat=True))
    teams = [{"team": t, "url": _team_url(t.pk) if t.pk in visible_teams else None} for t in assignment.teams.all()]
    _decorate([assignment], user=user, ranks=selectors.preference_ranks_of(student=user))
    context = {
        "assignment": assignment,
        "a": assignment,
        "can_edit": can_edit,
        "teams": teams,
        "my_competence_ids": set(selectors.student_competence_ids(user=user)) if user.role == Role.STUDENT else set(),
        "sees_interest": selectors.user_sees_interest(user=user, assignment=assignment),
        "interested": (
            selectors.interested_students(assignment=assignment)
            if selectors.user_sees_interested_students(user=user, assignment=assignment)
            else None
        ),
        "revisions": _revision_rows(selectors.revisions_of(assignment=assignment)) if can_edit else None,
        **_role_context(request),
    }
    return render(request, "assignments/detail.html", context)


def _readable(field: str, value: Any) -> str:
    """A stored history value as people read it, in the language of the page."""
    if value is None or value == "":
        return ""
    if field == "status":
        return str(AssignmentStatus(value).label) if value in AssignmentStatus.values else str(value)
    if field == "phase":
        return str(Phase(value).label) if value in Phase.values else str(value)
    if field == "requires_hbo":
        return str(_("ja") if value else _("nee"))
    if field in {"starts_on", "ends_on"}:
        try:
            return date_format(dt.date.fromisoformat(value), "j F Y")
        except (TypeError, ValueError):
            return str(value)
    if field == "competences":
        importance = dict(AssignmentCompetence.Importance.choices)
        return ", ".join(f"{name} ({importance.get(level, level)})" for name, level in value)
    return str(value)


def _revision_rows(revisions: Any) -> list[Any]:
    labels = {name: AssignmentForm.base_fields[name].label for name in ASSIGNMENT_FIELDS}
    labels["status"] = _("Status")
    rows = list(revisions)
    for revision in rows:
        revision.rows = [
            {
                "label": labels.get(field, field),
                "old": _readable(field, change.get("old")),
                "new": _readable(field, change.get("new")),
            }
            for field, change in revision.changes.items()
        ]
    return rows


# --- posting and editing -----------------------------------------------------------


def _form_context(form: AssignmentForm, *, assignment: Assignment | None) -> dict[str, Any]:
    fields = {name: {"field": form[name], "warnings": form.warnings.get(name, [])} for name in form.fields}
    return {
        "form": form,
        "fields": fields,
        "assignment": assignment,
        "competence_rows": form.competence_rows(),
        "importance_choices": IMPORTANCE_CHOICES,
        "validate_url": (
            reverse("assignment-validate-edit", args=[assignment.pk]) if assignment else reverse("assignment-validate")
        ),
    }


def _flash_warnings(request: HttpRequest, warnings: dict[str, list[str]]) -> None:
    for messages_ in warnings.values():
        for message in messages_:
            messages.warning(request, message)


@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest) -> HttpResponse:
    forbidden_unless(selectors.user_can_post_assignments(user=request.user))
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        assignment = services.assignment_create(
            by=request.user, organisation=form.owner_organisation, cohort=form.target_cohort, values=form.values
        )
        messages.success(request, _("De opdracht is opgeslagen als concept. Publiceer hem als hij klaar is."))
        _flash_warnings(request, form.warnings)
        return redirect("assignment-detail", assignment.pk)
    return render(request, "assignments/form.html", _form_context(form, assignment=None))


def _editable(request: HttpRequest, assignment_id: int) -> Assignment:
    assignment = selectors.access_assignment_by_id(user=request.user, assignment_id=assignment_id)
    forbidden_unless(selectors.user_can_edit_assignment(user=request.user, assignment=assignment))
    return assignment


@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _editable(request, assignment_id)
    if not assignment.is_editable:
        messages.error(request, _("Deze opdracht is afgerond of geannuleerd en kan niet meer worden gewijzigd."))
        return redirect("assignment-detail", assignment.pk)
    form = AssignmentForm(request.POST or None, user=request.user, instance=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_update(assignment=assignment, by=request.user, values=form.values)
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        except RuleViolation as exc:
            messages.error(request, exc.message)
            return redirect("assignment-detail", assignment.pk)
        else:
            messages.success(request, _("De wijzigingen zijn opgeslagen."))
            _flash_warnings(request, form.warnings)
            return redirect("assignment-detail", assignment.pk)
    return render(request, "assignments/form.html", _form_context(form, assignment=assignment))


@require_POST
def assignment_validate(request: HttpRequest, assignment_id: int | None = None) -> HttpResponse:
    """htmx: check the form as it is now; answer with the messages of the field being edited.

    Fields whose rules look at each other (team size and minimums, the two
    dates) get their messages refreshed out of band, so fixing one clears the
    other. A corrected value (minimum niveau 6 set to 1) is sent back too.
    """
    assignment = _editable(request, assignment_id) if assignment_id is not None else None
    if assignment is None:
        forbidden_unless(selectors.user_can_post_assignments(user=request.user))
    form = AssignmentForm(request.POST, user=request.user, instance=assignment)
    form.is_valid()
    name = request.POST.get("_field", "")
    if name not in form.fields:
        return HttpResponse(status=204)
    others = [
        other
        for other in form.group_of(name)
        if other != name and other in form.fields and (request.POST.get(other) or form.warnings.get(other))
    ]
    # Send a corrected value back so the page shows what will be saved (only when it differs,
    # so an input someone is typing in is not replaced under their fingers).
    changed = [
        field
        for field in form.warnings
        if field in form.fields and request.POST.get(field, "") != str(form.values.get(field))
    ]
    corrected = []
    if changed:
        data = request.POST.copy()
        for field in changed:
            data[field] = form.values.get(field)
        fixed = AssignmentForm(data, user=request.user, instance=assignment)
        corrected = [fixed[field] for field in changed]
    return render(
        request,
        "assignments/_validate.html",
        {
            "main": form.feedback(name),
            "others": [form.feedback(other) for other in others],
            "corrected": corrected,
        },
    )


@require_POST
def assignment_transition(request: HttpRequest, assignment_id: int, action: str) -> HttpResponse:
    assignment = _editable(request, assignment_id)
    service, done = {
        "publish": (services.assignment_publish, None),
        "cancel": (services.assignment_cancel, _("De opdracht is geannuleerd.")),
        "start": (services.assignment_start, _("De opdracht is van start gegaan.")),
        "complete": (services.assignment_complete, _("De opdracht is afgerond.")),
    }[action]
    try:
        service(assignment=assignment, by=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("Eerst aanvullen: %(problems)s") % {"problems": " ".join(exc.messages)})
        return redirect("assignment-edit", assignment.pk)
    else:
        messages.success(request, done or _publish_done(assignment))
    return redirect("assignment-detail", assignment.pk)


def _publish_done(assignment: Assignment) -> str:
    """Students can choose a published assignment only while the cohort takes preferences."""
    if assignment.cohort.accepts_preferences():
        return _("De opdracht is gepubliceerd: studenten kunnen hem nu kiezen.")
    return _("De opdracht is gepubliceerd. De voorkeuren zijn gesloten, dus studenten kunnen hem nu niet kiezen.")


# --- preferences ------------------------------------------------------------------


@require_POST
def preference_add(request: HtmxHttpRequest, assignment_id: int) -> HttpResponse:
    student = request.user
    forbidden_unless(selectors.user_can_rank_preferences(user=student))
    assignment = selectors.access_assignment_by_id(user=student, assignment_id=assignment_id)
    error = None
    try:
        services.preference_add(student=student, assignment=assignment)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except RuleViolation as exc:
        error = str(exc.message)
    if wants_partial(request):
        return render(
            request,
            "assignments/_preference_action.html",
            {
                "a": _decorate([assignment], user=student, ranks=selectors.preference_ranks_of(student=student))[0],
                "error": error,
                "preferences_open": selectors.preferences_open_for(student=student),
                "max_preferences": MAX_PREFERENCES,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(title)s” staat op je lijst.") % {"title": assignment.title})
    return _back(request, reverse("preferences"))


def _posted_ranking(request: HttpRequest, current: list[RankingEntry]) -> list[RankingEntry]:
    """The order and motivations on the page; only the student's own current choices count."""
    by_id = {e.assignment.pk: e for e in current}
    entries: list[RankingEntry] = []
    for raw in request.POST.getlist("assignment"):
        try:
            entry = by_id.pop(int(raw))
        except (KeyError, ValueError):
            continue
        motivation = request.POST.get(f"motivation_{entry.assignment.pk}", entry.motivation)
        entries.append(RankingEntry(assignment=entry.assignment, rank=len(entries) + 1, motivation=motivation))
    # Choices missing from the post (another tab added one) keep their place at the end.
    entries.extend(
        RankingEntry(assignment=e.assignment, rank=len(entries) + i, motivation=e.motivation)
        for i, e in enumerate(by_id.values(), start=1)
    )
    return entries


@require_http_methods(["GET", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    student = request.user
    forbidden_unless(selectors.user_can_rank_preferences(user=student))
    errors: list[str] = []
    focus = ""
    entries = services.current_ranking(student=student)
    if request.method == "POST":
        entries = _posted_ranking(request, entries)
        # Not "remove": a form control of that name hides form.remove() from scripts (htmx uses it).
        move, discard = request.POST.get("move", ""), request.POST.get("discard", "")
        if move:
            raw_id, _sep, direction = move.partition(":")
            if raw_id.isdigit():
                entries = services.reorder(entries, assignment_id=int(raw_id), direction=direction)
                focus = move
        elif discard.isdigit():
            entries = services.renumbered([e for e in entries if e.assignment.pk != int(discard)])
        try:
            services.preferences_set(student=student, entries=entries)
        except ValidationError as exc:
            errors = exc.messages
        except RuleViolation as exc:
            errors = [str(exc.message)]
        else:
            if not wants_partial(request):
                messages.success(request, _("Je voorkeuren zijn opgeslagen."))
                return redirect("preferences")
            entries = services.current_ranking(student=student)
    # The page shows organisation and neighbourhood: load them for all choices at once.
    full = Assignment.objects.select_related("organisation", "neighbourhood").in_bulk(
        [e.assignment.pk for e in entries]
    )
    entries = [
        RankingEntry(assignment=full.get(e.assignment.pk, e.assignment), rank=e.rank, motivation=e.motivation)
        for e in entries
    ]
    context = {
        "entries": entries,
        "errors": errors,
        "saved": request.method == "POST" and not errors,
        "focus": focus,
        "preferences_open": selectors.preferences_open_for(student=student),
        "preferences_close_on": selectors.preferences_close_on_for(student=student),
        "list_full": len(entries) >= MAX_PREFERENCES,
        "max_preferences": MAX_PREFERENCES,
    }
    if wants_partial(request):
        return render(request, "assignments/preferences.html#ranking", context)
    return render(request, "assignments/preferences.html", context)


@require_POST
def cohort_preferences(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = access_managed_cohort(user=request.user, cohort_id=cohort_id)
    if request.POST.get("action") == "open":
        services.cohort_preferences_open(cohort=cohort, by=request.user)
        messages.success(request, _("De voorkeuren van %(cohort)s zijn weer open.") % {"cohort": cohort.name})
    else:
        services.cohort_preferences_close(cohort=cohort, by=request.user)
        messages.success(
            request,
            _("De voorkeuren van %(cohort)s zijn gesloten; studenten kunnen ze niet meer wijzigen.")
            % {"cohort": cohort.name},
        )
    return _back(request, reverse("assignments"))


@require_POST
def cohort_self_join(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = access_managed_cohort(user=request.user, cohort_id=cohort_id)
    reopened = request.POST.get("action") == "reopen"
    services.cohort_self_join_set(cohort=cohort, by=request.user, reopened=reopened)
    if reopened:
        messages.success(
            request,
            _("Studenten van %(cohort)s kunnen zich weer zelf bij een team aansluiten.") % {"cohort": cohort.name},
        )
    else:
        messages.success(
            request,
            _("Studenten van %(cohort)s sluiten zich niet meer zelf aan; jij vormt de teams.")
            % {"cohort": cohort.name},
        )
    return _back(request, reverse("assignments"))


# --- overview panels ------------------------------------------------------------------


@overview_panel(Role.STUDENT, order=20)
def student_preferences_panel(request: HttpRequest) -> str:
    student = request.user
    return render_to_string(
        "assignments/panels/student_preferences.html",
        {
            "preferences": selectors.preferences_of(student=student),
            "preferences_open": selectors.preferences_open_for(student=student),
            "preferences_close_on": selectors.preferences_close_on_for(student=student),
            "max_preferences": MAX_PREFERENCES,
        },
        request=request,
    )


@overview_panel(Role.STUDENT, order=21)
def student_matches_panel(request: HttpRequest) -> str:
    return render_to_string(
        "assignments/panels/student_matches.html",
        {"matches": selectors.best_matches_for(student=request.user)},
        request=request,
    )


@overview_panel(Role.ORGANISATION, order=20)
def organisation_panel(request: HttpRequest) -> str:
    user = request.user
    own = (
        selectors.assignments_for_list(user=user)
        .filter(organisation_id=user.organisation_id or 0)
        .exclude(status__in=[AssignmentStatus.CANCELLED, AssignmentStatus.COMPLETED])
    )
    return render_to_string(
        "assignments/panels/organisation.html",
        {"assignments": own[:8], "can_post": selectors.user_can_post_assignments(user=user)},
        request=request,
    )


@overview_panel(Role.COORDINATOR, order=20)
def coordinator_panel(request: HttpRequest) -> str:
    return render_to_string(
        "assignments/panels/coordinator.html",
        {"cohort_summaries": selectors.cohort_summaries(user=request.user)},
        request=request,
    )


urlpatterns = [
    path("opdrachten/", assignment_list, name="assignments"),
    path("opdrachten/nieuw/", assignment_create, name="assignment-create"),
    path("opdrachten/valideren/", assignment_validate, name="assignment-validate"),
    path("opdrachten/<int:assignment_id>/", assignment_detail, name="assignment-detail"),
    path("opdrachten/<int:assignment_id>/bewerken/", assignment_edit, name="assignment-edit"),
    path("opdrachten/<int:assignment_id>/valideren/", assignment_validate, name="assignment-validate-edit"),
    path(
        "opdrachten/<int:assignment_id>/publiceren/",
        assignment_transition,
        {"action": "publish"},
        name="assignment-publish",
    ),
    path(
        "opdrachten/<int:assignment_id>/annuleren/",
        assignment_transition,
        {"action": "cancel"},
        name="assignment-cancel",
    ),
    path(
        "opdrachten/<int:assignment_id>/starten/",
        assignment_transition,
        {"action": "start"},
        name="assignment-start",
    ),
    path(
        "opdrachten/<int:assignment_id>/afronden/",
        assignment_transition,
        {"action": "complete"},
        name="assignment-complete",
    ),
    path("opdrachten/<int:assignment_id>/voorkeur/", preference_add, name="preference-add"),
    path("voorkeuren/", preferences, name="preferences"),
    path("cohorten/<int:cohort_id>/voorkeuren/", cohort_preferences, name="cohort-preferences"),
    path("cohorten/<int:cohort_id>/zelf-aansluiten/", cohort_self_join, name="cohort-self-join"),
]
