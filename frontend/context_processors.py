from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from frontend.navigation import nav_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in nav_for(user.role):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {
        "nav_items": items,
        # A lazy count: only queried when the template shows the badge.
        "unread_notifications_count": lambda: user.notifications.filter(read_at__isnull=True).count(),
    }
