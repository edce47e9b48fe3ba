"""htmx in the pages: the typed request and the one question views ask about it.

``HtmxHttpRequest`` is django-htmx's documented typing pattern: the middleware
(``django_htmx.middleware.HtmxMiddleware``) sets ``request.htmx`` on every request.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_partial(request: HttpRequest, *, target: str | None = None) -> bool:
    """Whether to answer with a fragment for htmx to swap in rather than the whole page.

    A boosted request (``hx-boost``) navigates: it wants the whole page. ``target``: only
    when htmx swaps that element (a page whose form updates one part of it).
    """
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted:
        return False
    return target is None or htmx.target == target
