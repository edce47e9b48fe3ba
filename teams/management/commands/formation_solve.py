"""Form teams from a cohort file, without the database (docs/api.md, "Team formation as a file").

    python manage.py formation_solve COHORT.json --output PROPOSAL.json --time-limit 10 --seed 1

Exit 0 with a proposal (which may list unplaced students), 3 when no valid
proposal exists (the proposal, with its ``conflicts``, is still written), 2
for a file that is missing, not JSON or not a valid cohort (a Dutch message
naming the field). Without ``--output`` the proposal goes to stdout; a one-line
summary always goes to stderr.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from teams import formation

EXIT_INVALID = 2
EXIT_INFEASIBLE = 3


class Command(BaseCommand):
    help = "Form teams for a cohort file (COHORT.json) and write the proposal (PROPOSAL.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cohort", help="COHORT.json")
        parser.add_argument("--output", help="Write the proposal here (default: stdout).")
        parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds for the solver (default 10).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same proposal.")
        parser.add_argument("--weights", help="Soft-goal weights as JSON, e.g. '{\"isolation\": 2}'.")
        parser.add_argument("--workers", type=int, default=2, help="Solver threads for the last stage (default 2).")

    def handle(self, *args: object, **options: object) -> None:
        try:
            raw = Path(options["cohort"]).read_text(encoding="utf-8")
        except OSError as exc:
            self._fail(
                _("%(file)s: bestand niet te lezen (%(error)s).")
                % {"file": options["cohort"], "error": exc.strerror or exc}
            )
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            self._fail(
                _("%(file)s: geen geldige JSON (regel %(line)s, kolom %(col)s).")
                % {"file": options["cohort"], "line": exc.lineno, "col": exc.colno}
            )
        weights = None
        if options["weights"]:
            try:
                weights = json.loads(options["weights"])
            except json.JSONDecodeError:
                self._fail(_("--weights: geen geldige JSON."))
            if not isinstance(weights, dict):
                self._fail(_('--weights: moet een object zijn, bijvoorbeeld {"isolation": 2}.'))
        if options["time_limit"] <= 0:
            self._fail(_("--time-limit: moet groter dan 0 zijn."))
        try:
            cohort = formation.parse_cohort(data)
            proposal = formation.solve(
                cohort,
                time_limit=options["time_limit"],
                seed=options["seed"],
                weights=weights,
                # An extension of the file format: teams fixed beforehand.
                locked=data.get("locked") if isinstance(data, dict) else None,
                workers=max(1, options["workers"]),
            )
        except formation.CohortFileError as exc:
            self._fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
        text = json.dumps(proposal, ensure_ascii=False, indent=2)
        if options["output"]:
            try:
                Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                self._fail(
                    _("%(file)s: niet te schrijven (%(error)s).")
                    % {"file": options["output"], "error": exc.strerror or exc}
                )
        else:
            self.stdout.write(text)
        placed = len(proposal["students"])
        summary = _("%(placed)s van %(total)s studenten geplaatst, status %(status)s, %(wall)s s, %(gap)s") % {
            "placed": placed,
            "total": len(cohort.students),
            "status": proposal["status"],
            "wall": number_format(proposal["wall_s"], decimal_pos=1),
            "gap": proposal["gap_text"],
        }
        sys.stderr.write(summary + "\n")
        for conflict in proposal["conflicts"]:
            sys.stderr.write(f"- {conflict['detail']}\n")
        if proposal["status"] in ("infeasible", "unknown"):
            sys.exit(EXIT_INFEASIBLE)

    def _fail(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.exit(EXIT_INVALID)
