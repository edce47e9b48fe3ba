"""The security headers on every page of the permission table, for every role that may open it
(README "Security settings"): the Content-Security-Policy, no caching of what a signed-in person
gets, and the headers against sniffing, leaking the address and framing."""

import pytest

from tests.frontend.test_permission_table import (  # noqa: F401 - world: the table's fixture
    ANON,
    GET,
    ROLES,
    TABLE,
    client_for,
    routes_by_key,
    world,
)

# The API documentation viewers need inline styles; nothing else does (wijklab/urls.py).
INLINE_STYLE_ALLOWED = {"api-docs", "api-redoc"}
# Same-origin everywhere; a page with a secret in its address (an invitation link) may be stricter.
# None of these sends a page's address to another site.
REFERRER_POLICIES = {"same-origin", "no-referrer", "strict-origin"}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def policy_problems(csp: dict[str, list[str]], *, route: str) -> list[str]:
    if csp.get("default-src") == ["'none'"] and "sandbox" in csp:
        # A downloaded file (a chat attachment) has a stricter policy of its own: nothing loads or runs.
        return []
    problems = []
    if csp.get("default-src") != ["'self'"]:
        problems.append(f"default-src {csp.get('default-src')}")
    if csp.get("script-src") != ["'self'"]:
        problems.append(f"script-src {csp.get('script-src')}")  # no inline script or handler, no eval
    if route not in INLINE_STYLE_ALLOWED and csp.get("style-src") != ["'self'"]:
        problems.append(f"style-src {csp.get('style-src')}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if csp.get("object-src") != ["'none'"] or csp.get("base-uri") != ["'none'"]:
        problems.append("object-src/base-uri")
    return problems


def header_problems(response, *, route: str, signed_in: bool) -> list[str]:
    policy = response.get("Content-Security-Policy")
    if not policy:
        return ["no Content-Security-Policy"]
    problems = policy_problems(directives(policy), route=route)
    if "'unsafe-eval'" in policy:
        problems.append("'unsafe-eval'")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {response.get('X-Frame-Options')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if response.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {response.get('Referrer-Policy')}")
    if signed_in and "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control {response.get('Cache-Control')!r} for a signed-in person")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_security_headers_on_every_page_of_the_table(world, role):  # noqa: F811 - the imported fixture
    routes = routes_by_key()
    client = client_for(world, role)
    problems: list[str] = []
    checked = 0
    for case in TABLE:
        # Every GET a role may make; the anonymous client opens every route of the table (redirects
        # and refusals carry the headers too). Writes are the permission table's business.
        if case.method != GET or (role != ANON and role not in case.ok):
            continue
        url = world.url(routes[case.route], case.obj)
        response = client.get(url)
        checked += 1
        if response.status_code >= 500:
            problems.append(f"{role} GET {url}: {response.status_code}")
            continue
        found = header_problems(response, route=case.route, signed_in=role != ANON)
        if found:
            problems.append(f"{role} GET {url} ({case.route}, {response.status_code}): {', '.join(found)}")
    assert checked >= (len({c.route for c in TABLE if c.method == GET}) if role == ANON else 1)
    assert not problems, "\n".join(problems)
