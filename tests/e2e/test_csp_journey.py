"""No page breaks the Content-Security-Policy in a real browser (README "Security settings").

A forgotten inline script, ``on…=`` handler or ``style=`` attribute fails silently under a strict
policy: the page looks fine and a button does nothing. Chromium reports each refusal as a
``securitypolicyviolation`` event and on the console; this walks the main pages of every role
(each one's menu, and the pages those link to) and asserts there is none.
"""

from urllib.parse import urlsplit

from tests.e2e.helpers import login

# Collects every violation of the page, from before its first script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + where);
});
"""
# Not pages to walk: leaving, switching the language, downloads, the admin (a role of its own below).
SKIP = ("/uitloggen/", "/i18n/", "/static/", "/media/", "/admin/", "/api/")
DOWNLOADS = (".pdf", ".csv", ".json", ".xlsx", "export", "download")
PAGES_PER_ROLE = 14
HREFS = "els => els.map(e => e.getAttribute('href'))"

ROLES = ["student4", "mila.bakker", "wijkteam", "docent.mbo", "werkbegeleider", "coordinator"]


def _walkable(href: str | None, origin: str) -> str | None:
    if not href:
        return None
    parts = urlsplit(href)
    if parts.scheme and f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP) or any(d in path.lower() for d in DOWNLOADS):
        return None
    return path


def _walk(page, origin: str, start: list[str], limit: int) -> list[str]:
    """Open ``start`` and then the pages they link to (breadth first) up to ``limit``; returns the problems."""
    problems: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{page.url}: script error {e}"))
    queue, seen = list(start), set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response is not None, path
        assert response.status < 500, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        for violation in page.evaluate("window.__cspViolations || []"):
            problems.append(f"{path}: {violation}")
        for href in page.eval_on_selector_all("main a[href], nav a[href]", HREFS):
            walkable = _walkable(href, origin)
            if walkable and walkable not in seen:
                queue.append(walkable)
    assert len(seen) >= min(limit, len(start)), seen
    return problems


def test_no_page_of_any_role_violates_the_content_security_policy(new_context, e2e_server):
    origin = e2e_server.url
    problems: list[str] = []
    # Signed out: the log-in page and what it links to.
    context = new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    problems += _walk(page, origin, ["/inloggen/"], 4)
    # The language switch works without its old inline handler (wijklab.js sends the form).
    page.goto("/inloggen/")
    # Wait for the navigation the submit starts: "networkidle" alone can be reached before it begins.
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#language-select", "nl")
    assert page.locator("html").get_attribute("lang") == "nl"
    # The "scripts run" class is set before the page is drawn, from a file.
    assert "js" in (page.locator("html").get_attribute("class") or "").split()

    for username in ROLES:
        context = new_context()
        context.add_init_script(LISTEN)
        page = context.new_page()
        login(page, username)
        menu = page.eval_on_selector_all("#main-nav a[href]", HREFS)
        start = [p for href in ["/", *menu] if (p := _walkable(href, origin))]
        problems += [f"{username} {p}" for p in _walk(page, origin, start, PAGES_PER_ROLE)]
    assert not problems, "\n".join(problems)


def test_the_admin_and_the_api_docs_work_under_the_policy(new_context, e2e_server):
    """The admin needs no relaxation; the API documentation pages only inline styles (wijklab/urls.py)."""
    e2e_server.shell(
        "from wijklab.models import User\n"
        "u = User.objects.get(username='coordinator')\n"
        "User.objects.filter(username='csp-admin').delete()\n"
        "User.objects.create_superuser('csp-admin', 'csp-admin@example.nl', 'een-lang-csp-wachtwoord', "
        "role=u.role)\n"
    )
    context = new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "een-lang-csp-wachtwoord")
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    problems = []
    # Not /api/redoc/: Redoc shows its maker's logo from their site, which the policy refuses (rightly).
    for path in ["/admin/", "/admin/wijklab/user/", "/admin/wijklab/user/add/", "/api/docs/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations || []")]
    # Swagger UI drew the operations (its start-up script is a file, not inline).
    assert page.locator(".opblock").count() > 5
    assert not problems, "\n".join(problems)
