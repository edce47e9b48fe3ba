"""Where a page's "no" becomes an answer: the one place for pages (the API's is wijklab.api_support).

The rules themselves are predicates in the apps' selectors; pages only pass their answer here.

- ``forbidden_unless``: a role gate, "not for your role", which tells nothing about any object
  and is the same for every id: 403 (tests/frontend/test_permission_table.py accepts it only so).
- ``not_found_unless``: something the user may not see answers exactly as if it did not exist: 404.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


def forbidden_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def not_found_unless(visible: bool) -> None:
    if not visible:
        raise Http404
