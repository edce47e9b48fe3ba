from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WijklabConfig(AppConfig):
    name = "wijklab"
    verbose_name = _("Wijklab: identiteit en cohorten")

    def ready(self) -> None:
        # Sign-ins and failed sign-ins into the audit log.
        # Connects the sign-in receiver that starts a session's absolute time limit.
        # Which sessions each person is signed in with (a password change ends the others).
        from wijklab import (
            account_receivers,  # noqa: F401
            audit_receivers,  # noqa: F401
            middleware,  # noqa: F401
        )
