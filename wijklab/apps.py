from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WijklabConfig(AppConfig):
    name = "wijklab"
    verbose_name = _("Wijklab: identiteit en cohorten")
