"""Send today's digest of notifications by hand (what Celery beat does each morning).

    python manage.py notifications_digest
    python manage.py notifications_digest --date 2026-11-23

Each person gets at most one digest a day, so running it twice sends nothing new.
"""

import datetime as dt
from smtplib import SMTPException

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wijklab import mail


class Command(BaseCommand):
    help = "Send today's notification digests to people who chose a daily digest (idempotent per day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args: object, **options: object) -> None:
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date must look like 2026-11-23.") from None
        sent = skipped = failed = 0
        for user in mail.users_due_for_digest(today=today):
            try:
                if mail.send_daily_digest(user_id=user.pk, today=today):
                    sent += 1
                else:
                    skipped += 1
            except (SMTPException, OSError) as exc:
                failed += 1
                self.stderr.write(f"digest to {user.username} failed: {exc}")
        self.stdout.write(f"{today.isoformat()}: {sent} sent, {skipped} skipped (nothing new), {failed} failed")
        if failed:
            raise CommandError(f"{failed} mail(s) failed; run the command again to retry them.")
