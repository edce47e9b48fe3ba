"""Run the weekly supervision mails by hand (what Celery beat does on Monday morning).

    python manage.py supervision_weekly               # reminders and digests for this week
    python manage.py supervision_weekly --reminders   # only the reminders
    python manage.py supervision_weekly --date 2026-11-23

Each mail goes out at most once per recipient and ISO week, so running it
twice sends nothing new.
"""

import datetime as dt
from smtplib import SMTPException

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supervision import selectors, services


class Command(BaseCommand):
    help = "Send this week's supervision reminders and docent digests (idempotent per week)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reminders", action="store_true", help="Only the reminders to supervisors.")
        parser.add_argument("--digests", action="store_true", help="Only the digests to docenten.")
        parser.add_argument("--date", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args: object, **options: object) -> None:
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date must look like 2026-11-23.") from None
        both = not options["reminders"] and not options["digests"]
        failed = 0
        if options["reminders"] or both:
            failed += self._run(
                "reminder",
                selectors.supervisors_with_students(),
                lambda user: services.send_supervisor_reminder(supervisor_id=user.pk, today=today),
            )
        if options["digests"] or both:
            failed += self._run(
                "digest",
                selectors.docenten_with_students(),
                lambda user: services.send_docent_digest(docent_id=user.pk, today=today),
            )
        self.stdout.write(f"Week {services.period_key(today)} done.")
        if failed:
            raise CommandError(f"{failed} mail(s) failed; run the command again to retry them.")

    def _run(self, label: str, users, send) -> int:
        sent = skipped = failed = 0
        for user in users:
            try:
                if send(user):
                    sent += 1
                else:
                    skipped += 1
            except (SMTPException, OSError) as exc:
                failed += 1
                self.stderr.write(f"{label} to {user.username} failed: {exc}")
        self.stdout.write(f"{label}: {sent} sent, {skipped} skipped (nothing to send or already sent), {failed} failed")
        return failed
