"""Team pages: the open teams to join, the team page (roster, competences, duos,
phase task board) and the coordinator's moves.

Thin: selector (404 for outsiders) → service → render, the partial when htmx asks.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from assignments.models import Assignment, Phase
from frontend.access import forbidden_unless, not_found_unless
from frontend.htmx import HtmxHttpRequest, wants_partial
from frontend.navigation import nav_item, overview_panel
from teams import formation_selectors, selectors, services
from teams.models import DuoRole, Task, TaskStatus, Team, TeamStatus
from wijklab.errors import RuleViolation
from wijklab.models import Role

nav_item(_("Mijn team"), "team-list", Role.STUDENT, order=30)
nav_item(_("Teams"), "team-list", Role.ORGANISATION, Role.SUPERVISOR, Role.COORDINATOR, order=30)


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- the list of teams ------------------------------------------------------


@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if selectors.joins_teams(user):
        return _student_teams(request)
    opens_teams = selectors.opens_teams(user)
    new_query = request.GET.get("nieuw", "").strip()
    choices, more_choices = (
        selectors.search_assignments_open_for_teams(user=user, query=new_query) if opens_teams else ([], False)
    )
    picker = {"new_query": new_query, "choices": choices, "more_choices": more_choices}
    if wants_partial(request, target="new-team-choices"):
        return render(request, "teams/_new_team_choices.html", picker)
    visible = selectors.teams_visible_to(user=user)
    query = request.GET.get("q", "").strip()
    teams = selectors.teams_matching(visible, query)
    # From a link to one assignment's teams; an id of nothing the user sees filters nothing.
    assignment_id = _int(request.GET.get("opdracht"))
    assignment = (
        Assignment.objects.filter(pk=assignment_id, pk__in=visible.values("assignment_id")).first()
        if assignment_id is not None and selectors.is_id(assignment_id)
        else None
    )
    if assignment is not None:
        teams = teams.filter(assignment=assignment)
    teams = selectors.in_list_order(
        teams.select_related("assignment", "assignment__organisation", "assignment__cohort")
    )
    page = Paginator(teams, 25).get_page(request.GET.get("page"))
    rows = [
        (team, selectors.team_completeness_for(team, viewer=user)) for team in selectors.with_niveau_counts_for(page)
    ]
    for team, _complete in rows:
        team.status_label = selectors.team_status_label(team)
    kept = {"q": query} if query else {}
    if assignment is not None:
        kept["opdracht"] = assignment.pk
    return render(
        request,
        "teams/team_list.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "assignment": assignment,
            "querystring": urlencode(kept),
            # The picker only for who may open a team on an open assignment.
            "opens_teams": opens_teams and bool(choices or new_query),
            **picker,
        },
    )


def _student_teams(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = selectors.active_membership_of(student=user)
    explanation = (
        formation_selectors.placement_explanation_for(student=user, membership=current) if current is not None else None
    )
    if current is None and not selectors.self_join_open_for(student=user):
        # The coordinator forms the teams: no list of teams to join.
        return render(request, "teams/student_teams.html", {"current": None, "self_join_open": False})
    page = Paginator(selectors.open_teams_for(student=user), 20).get_page(request.GET.get("page"))
    # Open teams grouped by their (open) assignment, with the student's own join check.
    groups: list[tuple[Assignment, list]] = []
    for team, check in selectors.with_join_checks(student=user, teams=page):
        if not groups or groups[-1][0].pk != team.assignment_id:
            groups.append((team.assignment, []))
        groups[-1][1].append((team, check))
    return render(
        request,
        "teams/student_teams.html",
        {
            "current": current,
            "groups": groups,
            "page": page,
            "self_join_open": True,
            "placement_explanation": explanation,
        },
    )


@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    assignment = selectors.assignments_open_for_teams(user=user).filter(pk=_int(request.POST.get("assignment"))).first()
    if assignment is None:
        messages.error(request, _("Kies een open opdracht."))
        return redirect("team-list")
    try:
        team = services.team_create(assignment=assignment, name=request.POST.get("name", ""), by=user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("team-list")
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return redirect("team-list")
    messages.success(request, _("%(team)s is geopend.") % {"team": team.title})
    return redirect("team-detail", team_id=team.pk)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


# --- the team page ----------------------------------------------------------


def _board(team: Team, *, only_phase: str | None = None) -> list[dict]:
    tasks = selectors.team_tasks(team=team)
    if only_phase:
        tasks = tasks.filter(phase=only_phase)
    grouped = selectors.task_board(tasks)
    today = timezone.localdate()
    for column in grouped.values():
        for task_list in column.values():
            for task in task_list:
                task.overdue = task.is_overdue(today)
                task.moves = [(s.value, s.label) for s in TaskStatus if s.value != task.status]
    phases = [p for p in Phase if only_phase is None or p.value == only_phase]
    return [
        {
            "phase": phase.value,
            "label": phase.label,
            "count": sum(len(v) for v in grouped[phase.value].values()),
            "columns": [
                {"status": status.value, "label": status.label, "tasks": grouped[phase.value][status.value]}
                for status in TaskStatus
            ],
        }
        for phase in phases
    ]


def _team_context(request: HttpRequest, team: Team, **extra: object) -> dict:
    user = request.user
    overview = selectors.team_overview(team=team, viewer=user)
    # An archived cohort's team is history: everything shows, no form does (its services refuse anyway).
    archived = team.assignment.cohort.is_archived
    context: dict = {
        "team": team,
        "o": overview,
        "board": _board(team),
        "today": timezone.localdate(),
        "archived": archived,
        "can_work": overview.viewer_is_member and not archived,
        "phases": Phase.choices,
        "statuses": TaskStatus.choices,
        "roles": DuoRole.choices,
        "prefill": {
            "procesrol": _int(request.GET.get("procesrol")),
            "begeleidingsrol": _int(request.GET.get("begeleidingsrol")),
        },
        "is_coordinator": user.role == Role.COORDINATOR,
        "team_open": team.status == TeamStatus.OPEN and not archived,
        "status_label": selectors.team_status_label(team),
        # Members leave on their own only where the rules let them; else the page says whom to ask.
        "leave_refusal": selectors.leave_refusal(team) if overview.viewer_is_member else None,
        "team_statuses": TeamStatus.choices,
        "task_history": selectors.task_history(team=team),
    }
    if overview.viewer_is_member:
        # Placed by a published formation run: why here, in the second person.
        context["placement_explanation"] = formation_selectors.placement_explanation_for(student=user)
    if user.role == Role.COORDINATOR:
        if not archived:
            context["candidates"] = selectors.placement_candidates(team=team)
            context["in_other_teams"] = selectors.placement_candidates_in_other_teams(team=team)
        context["changes"] = list(selectors.membership_changes(team=team)[:10])
    context.update(extra)
    return context


@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    return render(request, "teams/team_detail.html", _team_context(request, team))


@require_POST
def team_join(request: HttpRequest, team_id: int) -> HttpResponse:
    forbidden_unless(selectors.joins_teams(request.user))
    team = selectors.access_team_for_join(user=request.user, team_id=team_id)
    try:
        services.membership_join(team=team, student=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return redirect("team-list")
    messages.success(request, _("Welkom in %(team)s!") % {"team": team.name})
    return redirect("team-detail", team_id=team.pk)


@require_POST
def team_leave(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    try:
        services.membership_leave(team=team, student=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return redirect("team-detail", team_id=team.pk)
    messages.success(request, _("Je hebt %(team)s verlaten.") % {"team": team.title})
    return redirect("team-list")


@require_POST
def team_move(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    student = selectors.cohort_student_for(team=team, student_id=request.POST.get("student"))
    if student is None:
        messages.error(request, _("Kies een student uit dit cohort."))
        return redirect("team-detail", team_id=team.pk)
    try:
        change = services.membership_move(
            student=student,
            to_team=team,
            by=request.user,
            override=request.POST.get("override") == "on",
            reason=request.POST.get("reason", ""),
            confirm_departure=request.POST.get("confirm_departure") == "1",
        )
    except services.DepartureNeedsConfirmation as exc:
        # Say what the old team would lack before anything happens; the coordinator confirms.
        confirm = {"student": student, "from_team": exc.from_team, "problems": exc.problems, "post": request.POST}
        return render(request, "teams/team_detail.html", _team_context(request, team, confirm_move=confirm))
    except (RuleViolation, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, RuleViolation) else _error_text(exc))
        return redirect("team-detail", team_id=team.pk)
    if change.override:
        messages.warning(
            request,
            _("%(name)s is in dit team geplaatst; de overschreven regels en de reden zijn vastgelegd.")
            % {"name": student.get_display_name()},
        )
    else:
        messages.success(request, _("%(name)s is in dit team geplaatst.") % {"name": student.get_display_name()})
    return redirect("team-detail", team_id=team.pk)


@require_POST
def team_remove(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    student = selectors.cohort_student_for(team=team, student_id=request.POST.get("student"))
    not_found_unless(student is not None)
    try:
        services.membership_remove(team=team, student=student, by=request.user, reason=request.POST.get("reason", ""))
    except (RuleViolation, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, RuleViolation) else _error_text(exc))
        return redirect("team-detail", team_id=team.pk)
    messages.success(request, _("%(name)s is uit het team gehaald.") % {"name": student.get_display_name()})
    return redirect("team-detail", team_id=team.pk)


@require_POST
def team_status(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    try:
        team = services.team_set_status(team=team, status=request.POST.get("status", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("De status van het team is nu: %(status)s.") % {"status": team.get_status_display()}
        )
    return redirect("team-detail", team_id=team.pk)


# --- duos -------------------------------------------------------------------


@require_POST
def duo_create(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    proces, begeleiding = _int(request.POST.get("procesrol")), _int(request.POST.get("begeleidingsrol"))
    url = reverse("team-detail", args=[team.pk]) + "#duos"
    if proces is None or begeleiding is None:
        messages.error(request, _("Kies wie de procesrol en wie de begeleidingsrol neemt."))
        return redirect(url)
    try:
        services.duo_create(
            team=team,
            by=request.user,
            roles={proces: DuoRole.PROCESROL, begeleiding: DuoRole.BEGELEIDINGSROL},
            carries_youth_case=request.POST.get("carries_youth_case") == "on",
        )
    except RuleViolation as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Het duo is gevormd."))
    return redirect(url)


@require_POST
def duo_youth_case(request: HttpRequest, duo_id: int) -> HttpResponse:
    duo = selectors.access_duo_by_id(user=request.user, duo_id=duo_id)
    try:
        services.duo_update(duo=duo, by=request.user, carries_youth_case=True)
    except RuleViolation as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Dit duo draagt nu de jeugdcasus."))
    return redirect(reverse("team-detail", args=[duo.team_id]) + "#duos")


@require_POST
def duo_dissolve(request: HttpRequest, duo_id: int) -> HttpResponse:
    duo = selectors.access_duo_by_id(user=request.user, duo_id=duo_id)
    services.duo_dissolve(duo=duo, by=request.user)
    messages.success(request, _("Het duo is opgeheven."))
    return redirect(reverse("team-detail", args=[duo.team_id]) + "#duos")


# --- tasks ------------------------------------------------------------------


def _parse_date(value: str) -> datetime.date | str | None:
    """A date, None when empty, or the raw text (the service then says it is not a valid date)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return value


@require_POST
def task_create(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_by_id(user=request.user, team_id=team_id)
    errors: dict[str, list[str]] = {}
    past_due = False
    try:
        services.task_create(
            team=team,
            by=request.user,
            phase=request.POST.get("phase", ""),
            title=request.POST.get("title", ""),
            owner=_int(request.POST.get("owner")),
            due_on=_parse_date(request.POST.get("due_on", "")),
            confirm_past_due=request.POST.get("confirm_past_due") == "1",
        )
    except ValidationError as exc:
        errors, past_due = _field_errors(exc)
    context = _team_context(
        request, team, task_errors=errors, task_form=request.POST if errors else {}, task_past_due=past_due
    )
    if not wants_partial(request):
        if errors:
            # Without JavaScript too, the form comes back with what was typed and the question or error.
            return render(request, "teams/team_detail.html", context, status=400 if not past_due else 200)
        return redirect(reverse("team-detail", args=[team.pk]) + "#taken")
    return render(request, "teams/team_detail.html#task-board", context)


def _field_errors(exc: ValidationError) -> tuple[dict[str, list[str]], bool]:
    """The form's errors per field, and whether the only question is a deadline in the past."""
    errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    codes = [e.code for field_errors in exc.error_dict.values() for e in field_errors]
    return errors, codes == ["past_due"]


def _task_form_context(task: Task, **extra: object) -> dict:
    return {
        "task": task,
        "team": task.team,
        "phases": Phase.choices,
        "statuses": TaskStatus.choices,
        "members": [m.student for m in selectors.active_memberships().filter(team=task.team).select_related("student")],
        **extra,
    }


@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    """The whole task on one page: title, description, phase, status, owner and deadline."""
    task = selectors.access_task_by_id(user=request.user, task_id=task_id)
    forbidden_unless(selectors.user_is_team_member(user=request.user, team=task.team))
    if request.method == "GET":
        form = {
            "title": task.title,
            "description": task.description,
            "phase": task.phase,
            "status": task.status,
            "owner": str(task.owner_id or ""),
            "due_on": task.due_on.isoformat() if task.due_on else "",
        }
        return render(request, "teams/task_form.html", _task_form_context(task, form=form, errors={}))
    try:
        services.task_update(
            task=task,
            by=request.user,
            confirm_past_due=request.POST.get("confirm_past_due") == "1",
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            phase=request.POST.get("phase", ""),
            status=request.POST.get("status", ""),
            owner=_int(request.POST.get("owner")),
            due_on=_parse_date(request.POST.get("due_on", "")),
        )
    except ValidationError as exc:
        task.refresh_from_db()
        errors, past_due = _field_errors(exc)
        context = _task_form_context(task, form=request.POST, errors=errors, past_due=past_due)
        return render(request, "teams/task_form.html", context, status=200 if past_due else 400)
    messages.success(request, _("De taak is bijgewerkt."))
    return redirect(reverse("team-detail", args=[task.team_id]) + f"#taak-{task.pk}")


@require_http_methods(["GET", "POST"])
def task_delete(request: HttpRequest, task_id: int) -> HttpResponse:
    """Asks first: a deleted task is gone for the team (its history stays for the supervisors)."""
    task = selectors.access_task_by_id(user=request.user, task_id=task_id)
    forbidden_unless(selectors.user_is_team_member(user=request.user, team=task.team))
    if request.method == "GET":
        return render(request, "teams/task_delete.html", {"task": task, "team": task.team})
    title = task.title
    services.task_delete(task=task, by=request.user)
    messages.success(request, _("De taak ‘%(title)s’ is verwijderd.") % {"title": title})
    return redirect(reverse("team-detail", args=[task.team_id]) + "#taken")


@require_POST
def task_status(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    task = selectors.access_task_by_id(user=request.user, task_id=task_id)
    new_status = request.POST.get("status", "")
    try:
        services.task_update(task=task, by=request.user, status=new_status)
    except ValidationError as exc:
        if wants_partial(request):
            return HttpResponse(_error_text(exc), status=400)
        messages.error(request, _error_text(exc))
    if not wants_partial(request):
        return redirect(reverse("team-detail", args=[task.team_id]) + f"#fase-{task.phase}")
    if task.phase not in Phase.values:
        return HttpResponseClientRefresh()
    phase = _board(task.team, only_phase=task.phase)[0]
    return render(
        request,
        "teams/team_detail.html#phase-board",
        {"phase": phase, "today": timezone.localdate(), "can_work": True, "team": task.team, "moved": task},
    )


# --- overview panels --------------------------------------------------------


@overview_panel(Role.STUDENT, order=30)
def student_team_panel(request: HttpRequest) -> str:
    membership = selectors.active_membership_of(student=request.user)
    context: dict = {"membership": membership}
    if membership is None:
        context["self_join_open"] = selectors.self_join_open_for(student=request.user)
    if membership is not None:
        context["placement_explanation"] = formation_selectors.placement_explanation_for(
            student=request.user, membership=membership
        )
        context["open_tasks"], context["overdue_tasks"] = selectors.open_task_counts(
            owner=request.user, team_id=membership.team_id, today=timezone.localdate()
        )
    return render_to_string("teams/panel_student.html", context, request=request)


@overview_panel(Role.ORGANISATION, Role.SUPERVISOR, Role.COORDINATOR, order=30)
def teams_panel(request: HttpRequest) -> str:
    teams = selectors.with_niveau_counts_for(
        selectors.in_list_order(
            selectors.teams_visible_to(user=request.user).select_related("assignment", "assignment__organisation")
        )[:6]
    )
    total = selectors.teams_visible_to(user=request.user).count()
    rows = [(team, selectors.team_completeness_for(team, viewer=request.user)) for team in teams]
    return render_to_string("teams/panel_teams.html", {"rows": rows, "total": total}, request=request)


urlpatterns = [
    path("teams/", team_list, name="team-list"),
    path("teams/nieuw/", team_create, name="team-create"),
    path("teams/<int:team_id>/", team_detail, name="team-detail"),
    path("teams/<int:team_id>/aansluiten/", team_join, name="team-join"),
    path("teams/<int:team_id>/verlaten/", team_leave, name="team-leave"),
    path("teams/<int:team_id>/verplaatsen/", team_move, name="team-move"),
    path("teams/<int:team_id>/uit-team/", team_remove, name="team-remove"),
    path("teams/<int:team_id>/status/", team_status, name="team-status"),
    path("teams/<int:team_id>/duos/", duo_create, name="team-duo-create"),
    path("teams/<int:team_id>/taken/", task_create, name="team-task-create"),
    path("duos/<int:duo_id>/jeugdcasus/", duo_youth_case, name="duo-youth-case"),
    path("duos/<int:duo_id>/opheffen/", duo_dissolve, name="duo-dissolve"),
    path("taken/<int:task_id>/status/", task_status, name="task-status"),
    path("taken/<int:task_id>/bewerken/", task_edit, name="task-edit"),
    path("taken/<int:task_id>/verwijderen/", task_delete, name="task-delete"),
]
