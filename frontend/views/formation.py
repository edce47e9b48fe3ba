"""The coordinator's "Teams vormen": readiness, a run with a moving progress bar, the board, moves, locks, publish.

Thin: access helper (404 for anyone but the cohort's coordinators) → form →
service (``teams.formation_services``) → render; the htmx partials (progress,
move check) are parts of the same templates. The rules live in the engine and
the services; here only what to show.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend.htmx import HtmxHttpRequest, wants_partial
from teams import formation_selectors as selectors
from teams import formation_services as services
from teams.models import FormationRun
from wijklab.errors import RuleViolation
from wijklab.models import Cohort

# The soft goals with the words a coordinator uses, and what "important" means in weights.
WEIGHTS = [
    (
        "competences",
        _("De competenties die een opdracht vraagt, zitten in het team"),
        _("Hoe zwaarder, hoe meer het team de gevraagde competenties samen dekt (naar belang)."),
    ),
    (
        "isolation",
        _("Niemand de enige van zijn school of niveau"),
        _("In een team van drie of meer is niemand de enige van zijn school, of van zijn niveau."),
    ),
    (
        "mixed_duo",
        _("In elk team een gemengd duo mogelijk"),
        _("Een mbo'er en een hbo'er die samen een duo kunnen vormen."),
    ),
    (
        "balance",
        _("Teams onderling in evenwicht"),
        _("Het zwakste team zo sterk mogelijk, in plaats van een paar topteams."),
    ),
]
LEVELS = [
    ("0", _("Niet belangrijk")),
    ("0.5", _("Minder belangrijk")),
    ("1", _("Normaal")),
    ("2", _("Belangrijker")),
    ("4", _("Heel belangrijk")),
]
OUT = "uit"


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- the cohort: readiness, start, earlier runs ---------------------------------------


def _start_form(data: dict | None = None) -> dict:
    data = data or {}
    return {
        "time_limit": data.get("time_limit", "10"),
        "seed": data.get("seed", "1"),
        "weights": [
            {"key": key, "label": label, "help": help_text, "value": data.get(f"weight_{key}", "1")}
            for key, label, help_text in WEIGHTS
        ],
        "levels": LEVELS,
    }


def _parse_start(post: dict) -> tuple[dict, list[str]]:
    """The start form's values for the service; plain Dutch errors for what is not a number at all."""
    errors = []
    time_limit, seed = _int(post.get("time_limit")), _int(post.get("seed"))
    if time_limit is None:
        errors.append(str(_("Geef de rekentijd in hele seconden.")))
    if seed is None:
        errors.append(str(_("Geef als startgetal een geheel getal.")))
    weights = {}
    for key, _label, _help in WEIGHTS:
        raw = post.get(f"weight_{key}", "1")
        try:
            weights[key] = float(raw)
        except (TypeError, ValueError):
            errors.append(str(_("Kies bij elk doel hoe belangrijk het is.")))
            break
    return {"time_limit": time_limit, "seed": seed, "weights": weights}, errors


def _cohort_page(request: HttpRequest, cohort: Cohort, *, form: dict, errors: list[str], status: int = 200):
    runs = list(selectors.formation_runs_of(cohort=cohort)[:10])
    return render(
        request,
        "formation/cohort.html",
        {
            "cohort": cohort,
            "readiness": selectors.formation_readiness(cohort=cohort),
            "runs": runs,
            "form": form,
            "errors": errors,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def cohort_formation(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.access_formation_cohort(user=request.user, cohort_id=cohort_id)
    if request.method == "GET":
        return _cohort_page(request, cohort, form=_start_form(), errors=[])
    values, errors = _parse_start(request.POST)
    if errors:
        return _cohort_page(request, cohort, form=_start_form(request.POST), errors=errors, status=400)
    try:
        run = services.formation_run_start(cohort=cohort, by=request.user, **values)
    except ValidationError as exc:
        return _cohort_page(request, cohort, form=_start_form(request.POST), errors=_errors(exc), status=400)
    except RuleViolation as exc:
        return _cohort_page(request, cohort, form=_start_form(request.POST), errors=[str(exc.message)], status=409)
    return redirect("formation-run", run_id=run.pk)


# --- a run: progress, board -------------------------------------------------------------


def _targets(board: selectors.FormationBoard) -> list[dict]:
    """Where a student can go in the draft: each team of each assignment, a new team, or out."""
    targets = []
    for group in board.assignments:
        a = group.assignment
        for team in group.teams:
            targets.append(
                {
                    "value": f"{a.pk}:{team.index}",
                    "label": f"{team.name} · {a.title}",
                    "group": a,
                    "size": len(team.members),
                    "max": a.team_size_max,
                }
            )
        if not group.teams:
            targets.append(
                {
                    "value": f"{a.pk}:",
                    "label": _("Nieuw team · %(title)s") % {"title": a.title},
                    "group": a,
                    "size": 0,
                    "max": a.team_size_max,
                }
            )
    return targets


def _publish_summary(board: selectors.FormationBoard) -> dict:
    """What publishing will do, in numbers the confirmation states."""
    teams = [t for group in board.assignments for t in group.teams]
    members = [m for t in teams for m in t.members]
    return {
        "teams": len(teams),
        "new_teams": sum(1 for t in teams if t.team is None),
        "students": len(members),
        "changed": sum(1 for m in members if not m.existing),
        "unplaced": len(board.unplaced),
        "organisations": len({group.assignment.organisation_id for group in board.assignments if group.teams}),
    }


def _check(run: FormationRun, student_id: int | None, target: str) -> dict | None:
    """What a chosen move would break: for the htmx check and for the page after a refused move."""
    assignment_id, team_index, valid = _parse_target(target)
    if student_id is None or not target or not valid or not run.is_draft:
        return None
    try:
        problems = services.formation_move_check(
            run=run, student_id=student_id, to_assignment_id=assignment_id, to_team=team_index
        )
        isolated = services.formation_move_isolation(
            run=run, student_id=student_id, to_assignment_id=assignment_id, to_team=team_index
        )
    except ValidationError as exc:
        return {"checked": False, "problems": [], "errors": _errors(exc)}
    return {"checked": True, "problems": problems, "errors": [], "notes": selectors.isolation_notes(isolated)}


def _run_context(request: HttpRequest, run: FormationRun, **extra: object) -> dict:
    board = selectors.formation_board(run=run, viewer=request.user)
    selected, selected_to = _int(request.GET.get("student")), request.GET.get("to", "")
    context = {
        "run": run,
        "cohort": run.cohort,
        "board": board,
        "targets": _targets(board) if board.can_edit else [],
        "students": _students(board) if board.can_edit else [],
        "selected": selected,
        "selected_to": selected_to,
        "check": _check(run, selected, selected_to) if board.can_edit else None,
        "summary": _publish_summary(board),
        "locked_count": len(run.locks),
        "longer": selectors.longer_time_limit(run=run),
        "out": OUT,
    }
    context.update(extra)
    return context


def _students(board: selectors.FormationBoard) -> list[dict]:
    """Everyone on the board, for the move form: placed students under their team, then the unplaced."""
    rows = []
    for group in board.assignments:
        for team in group.teams:
            for m in team.members:
                rows.append({"user": m.user, "niveau": m.niveau, "where": team.name})
    for u in board.unplaced:
        rows.append({"user": u.user, "niveau": u.niveau, "where": _("niet geplaatst")})
    return rows


@require_GET
def formation_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    return render(request, "formation/run.html", _run_context(request, run))


@require_GET
def formation_run_progress(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """The part of the run page that polls while the engine works, and becomes the board when it is done."""
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    context = {**_run_context(request, run), "partial": wants_partial(request)}
    return render(request, "formation/run.html#run-body", context)


# --- adjusting the draft -------------------------------------------------------------------


def _parse_target(value: str) -> tuple[int | None, int | None, bool]:
    """``"<assignment>:<team index>"``, ``"<assignment>:"`` (a new team) or ``"uit"`` → (assignment, team, valid)."""
    if value == OUT:
        return None, None, True
    assignment, _sep, team = (value or "").partition(":")
    assignment_id = _int(assignment)
    if assignment_id is None:
        return None, None, False
    return assignment_id, _int(team) if team else None, True


@require_GET
def formation_move_check(request: HttpRequest, run_id: int) -> HttpResponse:
    """htmx: what the chosen move would break, before it happens."""
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    check = _check(run, _int(request.GET.get("student")), request.GET.get("to", "")) or {}
    return render(request, "formation/_move_check.html", {"run": run, **check})


def _back_to_board(run: FormationRun, anchor: str = "") -> HttpResponse:
    return redirect(reverse("formation-run", args=[run.pk]) + anchor)


@require_POST
def formation_move(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    student_id = _int(request.POST.get("student"))
    assignment_id, team_index, valid = _parse_target(request.POST.get("to", ""))
    if student_id is None or not valid:
        messages.error(request, _("Kies een student en waar die heen gaat."))
        return _back_to_board(run, "#verplaatsen")
    try:
        services.formation_move(
            run=run,
            student_id=student_id,
            to_assignment_id=assignment_id,
            to_team=team_index,
            by=request.user,
            override=request.POST.get("override") == "on",
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, RuleViolation) as exc:
        messages.error(request, exc.message if isinstance(exc, RuleViolation) else " ".join(_errors(exc)))
        # Back to the form with the same choice, and what it would break shown under it.
        query = urlencode({"student": student_id, "to": request.POST.get("to", "")})
        return redirect(reverse("formation-run", args=[run.pk]) + f"?{query}#verplaatsen")
    messages.success(request, _("De student is verplaatst in het voorstel. Er is nog niets gepubliceerd."))
    return _back_to_board(run, f"#student-{student_id}")


@require_POST
def formation_lock(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    student_id = _int(request.POST.get("student"))
    locked = request.POST.get("locked") == "1"
    try:
        services.formation_lock(run=run, student_id=student_id, locked=locked, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    except RuleViolation as exc:
        messages.error(request, exc.message)
    else:
        if locked:
            messages.success(request, _("Vastgezet: bij opnieuw rekenen blijft deze student op deze opdracht."))
        else:
            messages.success(request, _("Losgemaakt: bij opnieuw rekenen mag deze student verschuiven."))
    return _back_to_board(run, f"#student-{student_id}" if student_id else "")


@require_POST
def formation_rerun(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    try:
        # "Langer zoeken" sends a computing time; text that is no number reaches the service as it
        # is, which refuses it with its message.
        longer = request.POST.get("time_limit")
        parsed = _int(longer)
        time_limit = longer if parsed is None else parsed
        new = services.formation_rerun(run=run, by=request.user, time_limit=time_limit)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
        return _back_to_board(run)
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return _back_to_board(run)
    return redirect("formation-run", run_id=new.pk)


@require_http_methods(["GET", "POST"])
def formation_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: what publishing will do, and the button; POST: publish, once."""
    run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
    if request.method == "GET":
        if not run.is_draft:
            return _back_to_board(run)
        return render(request, "formation/publish.html", _run_context(request, run))
    try:
        services.formation_publish(run=run, by=request.user)
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return _back_to_board(run)
    messages.success(request, _("De teams zijn gepubliceerd. Iedereen krijgt één melding en één e-mail."))
    return _back_to_board(run)


urlpatterns = [
    path("cohorten/<int:cohort_id>/teams-vormen/", cohort_formation, name="cohort-formation"),
    path("teams-vormen/<int:run_id>/", formation_run, name="formation-run"),
    path("teams-vormen/<int:run_id>/voortgang/", formation_run_progress, name="formation-run-progress"),
    path("teams-vormen/<int:run_id>/controleren/", formation_move_check, name="formation-run-check"),
    path("teams-vormen/<int:run_id>/verplaatsen/", formation_move, name="formation-run-move"),
    path("teams-vormen/<int:run_id>/vastzetten/", formation_lock, name="formation-run-lock"),
    path("teams-vormen/<int:run_id>/opnieuw/", formation_rerun, name="formation-run-rerun"),
    path("teams-vormen/<int:run_id>/publiceren/", formation_publish, name="formation-run-publish"),
]
