import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from wijklab import demo

# Each domain app may add its part of the demo in ``<app>/demo.py`` with a
# ``seed(ctx)`` function; they run in this order, inside one transaction.
APP_SEEDERS = ["assignments.demo", "teams.demo", "teams.chat.demo", "supervision.demo", "wijklab.demo_invitations"]


class Command(BaseCommand):
    help = "Create (idempotently) a realistic Rotterdam-region demo cohort and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            ctx = demo.seed()
            for module_name in APP_SEEDERS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as exc:
                    if exc.name != module_name:
                        raise
                    continue
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demodata staat klaar."))
        self.stdout.write(f"Demo-logins (wachtwoord voor iedereen: {settings.DEMO_PASSWORD}):")
        for username, label in demo.DEMO_LOGINS:
            self.stdout.write(f"  {username:<16} {label}")
