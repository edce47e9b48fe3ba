from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WijklabConfig(AppConfig):
    name = "wijklab"
    verbose_name = _("Wijklab: identiteit en cohorten")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from wijklab.names import register_sqlite_functions

        # The order of names and the search without accents on SQLite (wijklab/names.py; migrations
        # create both on PostgreSQL).
        connection_created.connect(register_sqlite_functions, dispatch_uid="wijklab_names")
        # Sign-ins and failed sign-ins into the audit log.
        # Connects the sign-in receiver that starts a session's absolute time limit.
        # Which sessions each person is signed in with (a password change ends the others).
        from wijklab import (
            account_receivers,  # noqa: F401
            audit_receivers,  # noqa: F401
            middleware,  # noqa: F401
        )
