"""Never a 500 for anything a client can send (docs/api.md "Conventions").

Against the demo data, every route of the permission table is sent what a
careless or hostile client sends:

- ids too large for any database (``10**20``, ``2**63``) in the URL;
- garbage in the query string (huge numbers, words for numbers, NUL
  characters, markup), one parameter at a time;
- as a user who may use it, every API write with malformed bodies — not
  JSON, nested 10,000 deep, the wrong JSON type, each field null, of the
  wrong type, huge, empty, with a NUL character, a lone surrogate
  (``"\\ud800"``, which no UTF-8 can hold) or markup — and every page form
  with garbage in each field, also bytes that are not UTF-8.

Nothing may answer 5xx. A refusal (400/409) carries a Dutch message, and a
refused write stores nothing.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.frontend.crawling import Route
from tests.frontend.test_permission_table import (
    ANON,
    GET,
    POST,
    ROLES,
    STUDENTS,
    TABLE,
    UNSAFE,
    Case,
    World,
    body_for,
    build_world,
    routes_by_key,
    sent_with_writes,
)

HUGE = 10**20
QUERY_PARAMS = [
    "page",
    "page_size",
    "student",
    "kind",
    "after",
    "before",
    "limit",
    "assignment",
    "status",
    "phase",
    "team",
    "sort",
    "dir",
    "opdracht",
    "scope",
    "q",
    "neighbourhood",
    "competence",
    "organisation",
    "period_from",
    "period_to",
    "requires_hbo",
    "thumbnail",
    "procesrol",
    "begeleidingsrol",
    "next",
]
QUERY_VALUES = [str(HUGE), str(2**63), "abc", "\x00", "<script>alert(1)</script>"]
# Multipart uploads (a chat attachment, a student list): their files are not JSON to garble.
UPLOAD_BODIES = ("attachment_upload", "import_upload")
NUL = "a\x00b"  # PostgreSQL refuses NUL in text: a service that lets it through answers 500 there
# A lone surrogate: json.dumps writes it as the escape "\ud800", which Python's JSON parser accepts and
# nothing after it can encode (the "not a valid choice" message echoed it and rendering crashed).
SURROGATE = "\ud800"
DEEP = 10_000


def variants(valid: object) -> tuple[list[object], list[object]]:
    """For a field's valid value: values that can never be right, and values that may be (never a 500)."""
    # null may be right (an optional owner, no due date); a container or a NUL never is.
    if isinstance(valid, bool):
        return [[], {}, NUL, HUGE, "abc", SURROGATE], [None, "", 0, 1, "true"]
    if isinstance(valid, int):
        return [[], {}, NUL, "abc", True, SURROGATE], [None, HUGE, -HUGE, 2**63, 2**31, 0, -1, 1.5, ""]
    if isinstance(valid, str):
        wrong = [[], {}, NUL, SURROGATE, f"{valid}{SURROGATE}"]
        return wrong, [None, "", " ", "<script>alert('x')</script>", "x" * 20_000, HUGE, -1, "2026-02-30"]
    if isinstance(valid, list):
        wrong = [{}, NUL, HUGE, SURROGATE, [SURROGATE]]
        return wrong, [None, [], [HUGE], [None], ["abc"], [{}], [valid[0]] * 50 if valid else []]
    if isinstance(valid, dict):
        first = next(iter(valid.values()), None)
        wrong = [[], NUL, HUGE, {SURROGATE: first}]
        return wrong, [None, {}, {str(HUGE): first}, {"abc": first}, {k: None for k in valid}]
    return [SURROGATE], [None, HUGE, NUL]


ENGLISH = re.compile(
    r"\b(?:This field|is required|valid|Invalid|must|Ensure|Expected|parse error|Not a|not found|"
    r"Unsupported|characters|object|Authentication)\b"
)


@pytest.fixture
def world(demo, db) -> World:
    return build_world(demo)


@dataclass(frozen=True)
class Known:
    """A problem found in another engineer's files, reported with its fix; tolerated until fixed.

    Once it is fixed the test says so, and the line goes.
    """

    test: str  # "ids", "query", "body" or "form"
    route: str
    probe: str  # a regular expression on the problem's text
    vendors: frozenset[str]  # the databases it happens on
    where: str


# Problems found and not yet fixed, each with where and how (none at the moment).
KNOWN: list[Known] = []


def assert_only_known(findings: "Findings", test: str) -> None:
    vendor = connection.vendor
    known = [k for k in KNOWN if k.test == test and vendor in k.vendors]

    def is_known(problem: str) -> bool:
        return any(f"({k.route})" in problem and re.search(k.probe, problem) for k in known)

    unknown = [p for p in findings.problems if not is_known(p)]
    assert not unknown, "\n".join(unknown)
    fixed = [k for k in known if not any(f"({k.route})" in p and re.search(k.probe, p) for p in findings.problems)]
    assert not fixed, "fixed, so remove from KNOWN: " + "; ".join(k.where for k in fixed)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def add(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def messages_of(response: object) -> list[str]:
    """The human messages of an API error answer: ``detail`` and every field's messages."""
    try:
        data = json.loads(response.content or b"null")
    except ValueError:
        return []
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "code":
                    walk(item)

    walk(data)
    return found


def user_for(case: Case) -> str:
    """Someone who may do this (or, where nobody may, someone who at least sees the object)."""
    for group in (case.ok, case.sees, case.gate):
        candidates = [r for r in ROLES if r in group and r != ANON]
        if candidates:
            return candidates[0]
    return "coordinator"


def login(world: World, role: str) -> Client:
    # A 500 is an answer to record here, not an exception to stop at.
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    return client


def send_raw(client: Client, method: str, url: str, data: object, content_type: str) -> object:
    cache.clear()  # the chat's rate limit counts in the cache; each probe starts fresh
    return client.generic(method, url, data=data, content_type=content_type)


def judge(findings: Findings, label: str, response: object, writes: list[str], *, must_refuse: bool) -> None:
    findings.sent += 1
    status = response.status_code
    if status >= 500:
        return findings.add(f"{label}: {status}")
    if must_refuse and 200 <= status < 300:
        findings.add(f"{label}: accepted ({status}) what can never be right")
    if status in {400, 409}:
        texts = messages_of(response)
        if not texts:
            findings.add(f"{label}: {status} without a message")
        english = [t for t in texts if ENGLISH.search(t)]
        if english:
            findings.add(f"{label}: {status} says {english[0]!r} (not Dutch)")
    if status >= 400 and writes:
        findings.add(f"{label}: refused with {status} but wrote {writes[0]}")


def fuzz_bodies(valid: dict | list) -> list[tuple[str, object, bool]]:
    """(description, JSON body, must it be refused) for one endpoint's valid body."""
    bodies: list[tuple[str, object, bool]] = [
        ("an array", [valid], not isinstance(valid, list)),
        ("a number", HUGE, True),
        ("null", None, True),
        ("a string", "<b>x</b>", True),
    ]
    if isinstance(valid, list):
        bodies.append(("an object", valid[0] if valid else {}, True))
        item = valid[0] if valid and isinstance(valid[0], dict) else None
        wrap = lambda body: [body]  # noqa: E731 - fuzz the first element of a list body
    else:
        item, wrap = valid, lambda body: body
    for name, value in (item or {}).items():
        wrong, maybe = variants(value)
        bodies += [(f"{name}={v!r:.30}", wrap({**item, name: v}), True) for v in wrong]
        bodies += [(f"{name}={v!r:.30}", wrap({**item, name: v}), False) for v in maybe]
        bodies.append((f"without {name}", wrap({k: v for k, v in item.items() if k != name}), False))
    return bodies


def plain_body(case: Case, world: World) -> dict | list | None:
    body = body_for(case, world)
    if case.body in UPLOAD_BODIES or not isinstance(body, dict | list):
        return None
    return body


# --- the tests ---------------------------------------------------------------------------------------


def is_id_param(name: str) -> bool:
    return name == "pk" or name.endswith("_id")


def with_ids(world: World, route: Route, case: Case, value: int) -> str:
    ids = world.ids[case.obj] if case.obj else {}
    return reverse(route.name, kwargs={n: value if is_id_param(n) else ids[n] for n in route.params})


def test_ids_too_large_for_the_database_are_not_found(world):
    """``<int:…>`` accepts any number of digits; the database does not."""
    findings = Findings()
    routes = routes_by_key()
    for case in TABLE:
        route = routes[case.route]
        if not any(is_id_param(p) for p in route.params) or case.body in UPLOAD_BODIES:
            continue
        role = user_for(case)
        client = login(world, role)
        body = json.dumps(plain_body(case, world) or {})
        for value in (HUGE, 2**63, 2**63 - 1, 2**31):
            url = with_ids(world, route, case, value)
            response, writes = sent_with_writes(
                lambda: send_raw(client, case.method, url, body, "application/json")  # noqa: B023 - called at once
            )
            findings.sent += 1
            expected = 403 if role in case.gate else 404  # refused for the role, whatever the id
            if response.status_code != expected or writes:
                findings.add(
                    f"{case.method} {url} ({case.route}) as {role}: {response.status_code}, expected {expected}"
                )
    assert findings.sent > 100
    assert_only_known(findings, "ids")


def roles_for_get(case: Case) -> list[str]:
    """A student and someone else who may open the page: views often branch on students."""
    students = [r for r in ROLES if r in case.ok and r in STUDENTS][:1]
    others = [r for r in ROLES if r in case.ok and r not in STUDENTS and r != ANON][:1]
    return students + others or [user_for(case)]


def test_garbage_in_the_query_string_is_never_a_500(world):
    findings = Findings()
    routes = routes_by_key()
    seen: set[tuple[str, str]] = set()
    for case in TABLE:
        if case.method != GET or case.ok == frozenset(ROLES):
            continue
        url = world.url(routes[case.route], case.obj)
        for role in roles_for_get(case):
            if (url, role) in seen:
                continue
            seen.add((url, role))
            client = login(world, role)
            for value in QUERY_VALUES:
                response = client.get(url, dict.fromkeys(QUERY_PARAMS, value))
                findings.sent += 1
                if response.status_code >= 500:
                    findings.add(f"GET {url} ({case.route}) as {role} with every parameter {value[:12]!r}: 500")
                if response.status_code >= 400 and value == str(HUGE):
                    # One parameter's refusal may hide another's crash: each on its own.
                    for name in QUERY_PARAMS:
                        single = client.get(url, {name: value})
                        findings.sent += 1
                        if single.status_code >= 500:
                            findings.add(f"GET {url} ({case.route}) as {role} with {name}={value[:12]}…: 500")
    assert findings.sent > 500
    assert_only_known(findings, "query")


def test_malformed_api_bodies_are_refused_in_dutch_and_store_nothing(world):
    findings = Findings()
    routes = routes_by_key()
    for case in TABLE:
        route = routes[case.route]
        if case.method not in UNSAFE or not route.is_api:
            continue
        role = user_for(case)
        client = login(world, role)
        url = world.url(route, case.obj)
        valid = plain_body(case, world)
        label = f"{case.method} {url} ({case.route}) as {role}"
        reads_body = bool(valid)
        probes: list[tuple[str, str, str, bool]] = [
            ("not JSON", "{dit is geen json", "application/json", reads_body),
            # Refused by the parser (an endpoint without a body never parses one).
            (f"an array {DEEP} deep", "[" * DEEP + "]" * DEEP, "application/json", reads_body),
            (f"an object {DEEP} deep", '{"a":' * DEEP + "1" + "}" * DEEP, "application/json", reads_body),
            ("a lone surrogate", json.dumps(SURROGATE), "application/json", reads_body),
            ("empty", "", "application/json", reads_body and case.method != "PATCH"),
            ("text/plain", "hallo", "text/plain", reads_body),
        ]
        if valid:
            probes += [(d, json.dumps(b), "application/json", m) for d, b, m in fuzz_bodies(valid)]
        for description, data, content_type, must_refuse in probes:
            response, writes = sent_with_writes(
                lambda: send_raw(client, case.method, url, data, content_type)  # noqa: B023 - called at once
            )
            judge(findings, f"{label} with {description}", response, writes, must_refuse=must_refuse)
    assert findings.sent > 300
    assert_only_known(findings, "body")


PAGE_GARBAGE = [str(HUGE), "abc", NUL, "x" * 20_000, ["1", "2"]]
# Fields page forms here read, beyond those of the table's own bodies.
PAGE_FIELDS = {"student", "status", "title", "phase", "owner", "due_on", "reason", "comment", "date", "team", "level"}


def test_garbage_in_page_forms_is_never_a_500(world):
    findings = Findings()
    routes = routes_by_key()
    for case in TABLE:
        route = routes[case.route]
        if case.method != POST or route.is_api or case.ok == frozenset(ROLES):
            continue
        role = user_for(case)
        client = login(world, role)
        url = world.url(route, case.obj)
        valid = {k: str(v) for k, v in (plain_body(case, world) or {}).items()}
        # Every field garbage at once, then the form's own fields one at a time (the others valid).
        forms = [(f"every field {v!r:.20}", dict.fromkeys(set(valid) | PAGE_FIELDS, v)) for v in PAGE_GARBAGE]
        forms += [(f"{n}={v!r:.20}", {**valid, n: v}) for n in sorted(valid) for v in PAGE_GARBAGE]
        for description, form in forms:
            cache.clear()
            response, _writes = sent_with_writes(lambda: client.post(url, form))  # noqa: B023 - called at once
            findings.sent += 1
            if response.status_code >= 500:
                findings.add(f"POST {url} ({case.route}) as {role} with {description}: {response.status_code}")
    assert findings.sent > 150
    assert_only_known(findings, "form")


# A form cannot carry a lone surrogate, but a client can send the bytes that would spell one in
# UTF-8 (ED A0 80), and bytes that are no UTF-8 at all (FF), in the form and in a multipart part.
NOT_UTF8 = {"surrogate bytes": "%ED%A0%80", "byte FF": "%FF"}


def test_bytes_that_are_not_utf8_in_page_forms_are_never_a_500(world):
    findings = Findings()
    routes = routes_by_key()
    for case in TABLE:
        route = routes[case.route]
        if case.method != POST or route.is_api or case.ok == frozenset(ROLES):
            continue
        role = user_for(case)
        client = login(world, role)
        url = world.url(route, case.obj)
        valid = {k: str(v) for k, v in (plain_body(case, world) or {}).items()}
        for name in sorted(set(valid) | {"status", "title", "body", "name"}):
            for description, escaped in NOT_UTF8.items():
                form = urlencode({**valid, name: "VALUE"}).replace("VALUE", escaped)
                cache.clear()
                response = client.post(url, form, content_type="application/x-www-form-urlencoded")
                findings.sent += 1
                if response.status_code >= 500:
                    findings.add(f"POST {url} ({case.route}) as {role} with {name}={description}: 500")
            part = (
                f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + b"\xed\xa0\x80\r\n--B--\r\n"
            )
            cache.clear()
            response = client.generic("POST", url, part, content_type="multipart/form-data; boundary=B")
            findings.sent += 1
            if response.status_code >= 500:
                findings.add(f"POST {url} ({case.route}) as {role} with {name}=surrogate bytes (multipart): 500")
    assert findings.sent > 100
    assert not findings.problems, "\n".join(findings.problems)


def test_the_fuzz_writes_as_someone_who_may_write():
    """Otherwise it would only ever prove the 403."""
    writable = [c for c in TABLE if c.method in UNSAFE and c.ok and c.ok != frozenset(ROLES)]
    assert writable
    assert all(user_for(c) in c.ok for c in writable)
