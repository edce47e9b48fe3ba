from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from frontend.navigation import nav_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    nav = nav_for(user.role, user)
    # A page one item claims is that item's alone; otherwise an item is active on its own path and below.
    claimer = next((item for item in nav if current in item.claims), None)
    items = []
    for item in nav:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = (item is claimer) if claimer is not None else (request.path.startswith(url) and url != "/")
        items.append({"label": item.label, "url": url, "active": active})
    return {
        "nav_items": items,
        # A lazy count: only queried when the template shows the badge.
        "unread_notifications_count": lambda: user.notifications.filter(read_at__isnull=True).count(),
    }
