"""``{% profile_nudge %}``: the banner that asks a student to complete their profile, on every page until done."""

from typing import Any

from django import template

from wijklab.selectors import student_needs_profile_nudge

register = template.Library()


@register.inclusion_tag("profile/_nudge.html", takes_context=True)
def profile_nudge(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    show = (
        user is not None
        and user.is_authenticated
        and not (match and match.url_name == "profile")
        and student_needs_profile_nudge(user=user)
    )
    return {"show": show}
