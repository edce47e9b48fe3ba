"""Background jobs of team formation: running the engine, and the one mail per person after publishing.

``run_formation`` runs CP-SAT for up to the run's time limit. Its progress
is written by a small ticker thread every half second, in short transactions
of its own: CP-SAT calls the progress callback from its worker threads, which
only note the latest value (no database work in a solver thread), and a bar
that only moved on new solutions would stand still for seconds.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from teams.models import FormationRun, Team
from wijklab.models import MailPreference, Notification

logger = logging.getLogger(__name__)
TICK_S = 0.3


def ticker_message() -> str:
    return str(_("De gegevens van het cohort worden verzameld"))


class _Ticker(threading.Thread):
    """Writes the run's progress while the engine works: the engine's own figure, or the time spent."""

    def __init__(self, run_id: int, time_limit: float) -> None:
        super().__init__(daemon=True, name=f"formation-progress-{run_id}")
        self.run_id, self.time_limit = run_id, max(time_limit, 0.1)
        self.started = time.monotonic()
        self.fraction, self.message = 0.0, ticker_message()
        self.done = threading.Event()

    def report(self, fraction: float, message: str) -> None:
        # Called from CP-SAT's threads: only remember it.
        self.fraction, self.message = max(self.fraction, float(fraction)), str(message)

    def run(self) -> None:
        try:
            while not self.done.wait(TICK_S):
                elapsed = (time.monotonic() - self.started) / self.time_limit
                progress = min(0.99, max(self.fraction, 0.95 * elapsed))
                FormationRun.objects.filter(pk=self.run_id, status=FormationRun.Status.RUNNING).update(
                    progress=progress, progress_message=self.message[:200]
                )
        except Exception:  # a missed progress write must never end the run
            logger.exception("formation progress of run %s", self.run_id)
        finally:
            connection.close()


def _name_teams(run: FormationRun, proposal: dict, data: dict) -> None:
    """Link each proposed team to the database team it continues; give new teams a proposed name."""
    from assignments.models import Assignment

    existing = data.get("existing", [])
    neighbourhood = dict(
        Assignment.objects.filter(pk__in=[int(a["id"]) for a in data.get("assignments", [])]).values_list(
            "pk", "neighbourhood__name"
        )
    )
    taken = {name.lower() for name in Team.objects.filter(assignment__cohort=run.cohort).values_list("name", flat=True)}
    used: set[int] = set()
    for team in proposal.get("teams", []):
        members = set(team.get("members", []))
        best, overlap = None, 0
        for e in existing:
            shared = len(members & set(e["members"]))
            if e["assignment"] == team["assignment"] and e["team"] not in used and shared > overlap:
                best, overlap = e, shared
        if best is not None:
            used.add(best["team"])
            team["db_team"], team["name"] = best["team"], best["name"]
            continue
        wanted = _("Team %(wijk)s") % {"wijk": neighbourhood.get(int(team["assignment"]), "")}
        name, n = wanted, 1
        while name.lower() in taken:
            n += 1
            name = f"{wanted} {n}"
        taken.add(name.lower())
        team["db_team"], team["name"] = None, name


def run_in_thread(run_id: int) -> None:
    """The local eager runtime's way to run a run: in this thread, then close its database connections."""
    try:
        run_formation.apply(args=(run_id,))
    finally:
        connections.close_all()


@shared_task(bind=True)
def run_formation(self, run_id: int) -> str:
    """Compute a run's proposal. Idempotent: only a queued run is started."""
    from teams import formation_selectors as fs

    with transaction.atomic():
        run = FormationRun.objects.select_for_update().filter(pk=run_id).select_related("cohort").first()
        if run is None or run.status != FormationRun.Status.QUEUED:
            return "skipped"
        run.status = FormationRun.Status.RUNNING
        run.started_at = timezone.now()
        run.progress, run.progress_message = 0.0, ticker_message()
        run.save(update_fields=["status", "started_at", "progress", "progress_message"])
    params = run.parameters
    time_limit = float(params.get("time_limit", 10))
    ticker = _Ticker(run.pk, time_limit)
    status, proposal, error = FormationRun.Status.FAILED, {}, ""
    if getattr(settings, "FORMATION_PROGRESS_TICKS", True):
        ticker.start()
    try:
        repair = run.kind == FormationRun.Kind.REPAIR
        data = fs.formation_input(cohort=run.cohort, locks=params.get("locks"), rules=params.get("rules"))
        params["input"] = data
        params["fingerprint"] = fs.memberships_fingerprint(cohort=run.cohort)
        FormationRun.objects.filter(pk=run.pk).update(parameters=params)
        eng = fs.engine()
        ticker.report(0.02, str(_("De indeling wordt berekend")))
        with translation.override(settings.LANGUAGE_CODE):
            if repair:
                current = [{"assignment": e["assignment"], "members": e["members"]} for e in data["existing"]]
                proposal = eng.repair(
                    fs.engine_cohort(data), current, time_limit=time_limit, seed=params.get("seed", 1)
                )
            else:
                proposal = eng.solve(
                    fs.engine_cohort(data),
                    time_limit=time_limit,
                    seed=params.get("seed", 1),
                    weights=params.get("weights") or None,
                    locked=data["locked"],
                    progress=ticker.report,
                )
        engine_status = proposal.get("status")
        if engine_status in ("optimal", "feasible"):
            status = FormationRun.Status.DONE
            _name_teams(run, proposal, data)
            fs.mark_existing_members(proposal, data=data, locks=run.locks)
        elif engine_status == "infeasible":
            status = FormationRun.Status.INFEASIBLE
        else:
            error = " ".join(c.get("detail", "") for c in proposal.get("conflicts", [])) or str(
                _("Er is geen indeling gevonden.")
            )
    except Exception as exc:
        logger.exception("formation run %s failed", run_id)
        message = getattr(exc, "message", None)
        error = str(message) if message else str(_("De berekening is mislukt door een fout. Probeer het opnieuw."))
    finally:
        ticker.done.set()
        if ticker.is_alive():
            ticker.join(timeout=5)
    FormationRun.objects.filter(pk=run.pk).update(
        status=status,
        proposal=proposal,
        objective=proposal.get("objective"),
        bound=proposal.get("bound"),
        gap=proposal.get("gap"),
        error=error,
        progress=1.0,
        progress_message=str(_("Klaar")) if status == FormationRun.Status.DONE else "",
        finished_at=timezone.now(),
    )
    return status


def _wants_mail(user: object) -> bool:
    # DIGEST: the daily summary carries the notification; NONE: only in the app.
    return bool(user.email) and getattr(user, "mail_preference", MailPreference.EACH) == MailPreference.EACH


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def email_formation_published(self, run_id: int) -> int:
    """One mail per person told about a published run (its notification). Returns the number of mails."""
    with transaction.atomic():
        run = FormationRun.objects.select_for_update().filter(pk=run_id, emailed_at__isnull=True).first()
        if run is None:
            return 0
        site = settings.SITE_URL.rstrip("/")
        messages = []
        with translation.override(settings.LANGUAGE_CODE):
            for note in Notification.objects.filter(pk__in=run.parameters.get("notified", [])).select_related("user"):
                if not _wants_mail(note.user):
                    continue
                body = [note.title + ".", ""]
                if note.body:
                    body += [note.body, ""]
                if note.url:
                    body += [_("Bekijk het in Wijklab: %(url)s") % {"url": site + note.url}, ""]
                body.append(_("— Wijklab"))
                messages.append(
                    EmailMessage(subject=note.title, body="\n".join(str(b) for b in body), to=[note.user.email])
                )
        sent = get_connection().send_messages(messages) if messages else 0
        run.emailed_at = timezone.now()
        run.save(update_fields=["emailed_at"])
    return sent or 0
