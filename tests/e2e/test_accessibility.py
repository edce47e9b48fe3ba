"""axe-core on every main page of every role, on a desktop and on a phone: no serious or critical violation.

The pages: the sign-in page, then for each demo person (student, mbo- and hbo-docent,
werkbegeleider, coordinator, organisation contact) every page of their main menu, their
notifications and profile, and the first assignment and team (and team chat) their pages link
to. axe-core comes with ``axe-playwright-python``, which evaluates its script in the page
through Playwright (the DevTools protocol): the site's strict Content-Security-Policy
(django-csp, no inline script) does not apply to that, so the pages are tested with their real
CSP and no ``bypass_csp``. The test only opens pages (opening a chat marks it read).

Every violation found is written to ``test-artifacts/axe/<role>-<screen>.json`` with its nodes.
"""

import json
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.helpers import ROOT, login, screenshot

ARTIFACTS = ROOT / "test-artifacts" / "axe"
BLOCKING = {"serious", "critical"}
PEOPLE = {
    # Not a student of another journey: opening a team chat marks it read, and the chat journey
    # starts from student4's unread messages.
    "student": "kevin.vandam",
    "mbo-docent": "docent.mbo",
    "hbo-docent": "docent.hbo",
    "werkbegeleider": "werkbegeleider",
    "coordinator": "coordinator",
    "organisation": "dock",
}
SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Beside the menu: one page of each kind the menu's pages link to.
DETAIL_LINKS = [r"^/opdrachten/\d+/$", r"^/teams/\d+/$", r"^/teams/\d+/chat/$"]
EXTRA_PAGES = ["/meldingen/", "/profiel/"]


def _context(browser, e2e_server, screen: str):
    options = {"base_url": e2e_server.url, "locale": "nl-NL", "viewport": SCREENS[screen]}
    if screen == "phone":
        options.update(is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    return context


def _same_site_paths(page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        paths.append(parts.path)
    return paths


def _pages_of(page) -> list[str]:
    """The person's main pages: home, the menu, notifications and profile, and one page of each detail kind."""
    page.goto("/")
    menu = page.eval_on_selector_all("#main-nav a[href]", "links => links.map(a => a.getAttribute('href'))")
    pages = ["/", *[urlsplit(h).path for h in menu], *EXTRA_PAGES]
    seen_links: list[str] = []
    for path in list(dict.fromkeys(pages)):
        page.goto(path)
        seen_links += _same_site_paths(page)
    for pattern in DETAIL_LINKS:
        found = next((p for p in seen_links if re.match(pattern, p)), None)
        if found:
            pages.append(found)
    # The team page links to its chat (members only).
    team = next((p for p in pages if re.match(r"^/teams/\d+/$", p)), None)
    if team and not any(re.match(DETAIL_LINKS[2], p) for p in pages):
        page.goto(team)
        chat = next((p for p in _same_site_paths(page) if re.match(DETAIL_LINKS[2], p)), None)
        if chat:
            pages.append(chat)
    return list(dict.fromkeys(pages))


def _blocking(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def _summary(path: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
        lines.append(f"{path}: [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}×: {targets})")
    return lines


@pytest.fixture(scope="module")
def axe():
    return Axe()


def test_the_sign_in_page_has_no_serious_violations(browser, e2e_server, axe):
    problems = []
    for screen in SCREENS:
        context = _context(browser, e2e_server, screen)
        page = context.new_page()
        page.goto("/inloggen/")
        problems += _summary(f"/inloggen/ ({screen})", _blocking(axe.run(page).response))
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("role", list(PEOPLE))
def test_every_main_page_has_no_serious_violations(browser, e2e_server, axe, role, screen):
    context = _context(browser, e2e_server, screen)
    page = context.new_page()
    login(page, PEOPLE[role])
    pages = _pages_of(page)
    assert len(pages) >= 4, pages  # home, a menu page or more, notifications, profile
    problems: list[str] = []
    found: dict[str, list[dict]] = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations = _blocking(axe.run(page).response)
        if violations:
            found[path] = violations
            problems += _summary(path, violations)
            screenshot(page, f"axe-{role}-{screen}-{path.strip('/').replace('/', '-') or 'home'}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{role}-{screen}.json").write_text(
        json.dumps({"pages": pages, "violations": found}, indent=2, ensure_ascii=False)
    )
    context.close()
    assert problems == [], f"{role} on a {screen}, pages {pages}:\n" + "\n".join(problems)
