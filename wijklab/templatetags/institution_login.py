"""``{% institution_providers as providers %}``: the institution sign-ins that are on (wijklab/oidc.py)."""

from django import template

from wijklab.oidc import configured_providers

register = template.Library()


@register.simple_tag
def institution_providers() -> list[dict[str, str]]:
    return configured_providers()
