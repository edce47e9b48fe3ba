import datetime as dt
import importlib
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from wijklab import scale

# Each app adds its part of the regional data set in ``<app>/scale.py`` with ``seed(ctx)`` and
# ``reset(ctx)``; they seed in this order after identity's part, and are removed in reverse.
APP_SEEDERS = ["assignments.scale", "teams.scale", "supervision.scale"]


def _modules() -> list:
    modules = []
    for module_name in APP_SEEDERS:
        try:
            modules.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return modules


class Command(BaseCommand):
    help = (
        "Build a regional data set with bulk inserts (issue 18): 5,000 students, 1,000 assignments, 1,000 teams, "
        "200,000 chat messages and 50,000 feedback entries at --factor 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--factor", type=float, default=1.0, help="Scale every count (0.1: a tenth).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed builds the same data.")
        parser.add_argument(
            "--reset", action="store_true", help="Remove an earlier scale data set first (else the command refuses)."
        )

    def handle(self, *args: object, factor: float, seed: int, reset: bool, **options: object) -> None:
        if not 0 < factor <= 10:
            raise CommandError("--factor moet tussen 0 en 10 liggen.")
        started = time.monotonic()
        ctx = scale.ScaleContext(
            factor=factor,
            seed=seed,
            rng=random.Random(seed),  # noqa: S311 - reproducible test data, no secrets
            out=self.stdout.write,
            today=timezone.localdate() if settings.USE_TZ else dt.date.today(),
        )
        modules = _modules()
        with transaction.atomic():
            if scale.exists():
                if not reset:
                    raise CommandError(
                        "Deze database heeft al schaaldata (gebruikers scale.*). Gebruik --reset om die eerst te "
                        "verwijderen."
                    )
                with ctx.step("bestaande schaaldata verwijderen"):
                    for module in reversed(modules):
                        module.reset(ctx)
                    scale.reset(ctx)
            self.stdout.write(f"Schaaldata bouwen op {connection.vendor} (factor {factor:g}, seed {seed}).")
            scale.seed(ctx)
            for module in modules:
                module.seed(ctx)
        # Fresh statistics after a bulk load (PostgreSQL's advice for COPY/bulk INSERT): without them
        # the planner guesses a handful of rows where there are tens of thousands, and on a server
        # with autovacuum off (or before it comes round) every benchmark would measure bad plans.
        # On PostgreSQL also VACUUM, as autovacuum soon would: until then the index-only scans of
        # the grid's alerts read every row from the table too (its visibility map is still empty).
        # VACUUM cannot run inside a transaction (a test's), ANALYZE can.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        statement = "VACUUM ANALYZE" if vacuum else "ANALYZE"
        with ctx.step(f"statistieken bijwerken ({statement})"), connection.cursor() as cursor:
            cursor.execute(statement)
        self.stdout.write(self.style.SUCCESS(f"Schaaldata staat klaar in {time.monotonic() - started:.0f} s."))
        self.stdout.write(f"Logins (wachtwoord voor iedereen: {settings.DEMO_PASSWORD}):")
        for username, label in scale.LOGINS:
            self.stdout.write(f"  {username:<24} {label}")
