"""A small breadth-first crawler over Django's test client, for the visibility tests.

It starts from a few URLs, follows every same-site link a user can reach by
GET — ``<a href>``, ``hx-get``, GET forms (with their default values), URLs
in JSON (``next`` links, ``data-*``/``json_script`` configuration) and
redirects — and keeps each response's readable text: HTML, JSON, CSV and the
text of PDFs. API listings are widened to their detail endpoints by
``expand`` (ids are not links in JSON).

It is bounded (pages in total, query-string variants per path) so a test
over the whole demo stays in seconds.
"""

import html
import json
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Not data: the log-out link (would end the session), the language switch,
# static files, the admin (its own login), and the OpenAPI schema and docs,
# which describe every field (also "niveau") without any data in them.
SKIP_PREFIXES = ("/uitloggen/", "/i18n/", "/static/", "/media/", "/admin/", "/api/schema/", "/api/docs/", "/api/redoc/")
TEXT_TYPES = ("text/html", "application/json", "text/csv", "text/plain", "application/pdf")
_QUOTED_PATH = re.compile(r"""["'](/(?:api|teams|studenten|chat|opdrachten|feedback|begeleiding)/[^"'\s<>]*)["']""")
_ABSOLUTE = re.compile(r"^https?://testserver(/.*)$")


@dataclass(frozen=True)
class Fetch:
    url: str
    htmx: bool = False
    referrer: str = ""


@dataclass
class Page:
    url: str
    htmx: bool
    status: int
    content_type: str
    text: str  # readable text: HTML source, JSON source, CSV, or the text of a PDF
    data: object = None  # parsed JSON
    referrer: str = ""
    location: str = ""

    @property
    def url_name(self) -> str:
        try:
            return resolve(urlsplit(self.url).path).url_name or ""
        except Resolver404:
            return ""


class _Links(HTMLParser):
    """Same-site GET targets of an HTML document: links, hx-get, GET forms, data-* URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool]] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.found.append((a["href"], False))
        if a.get("hx-get"):
            self.found.append((a["hx-get"], True))
        for name, value in a.items():
            if name.startswith("data-") and value.startswith("/"):
                self.found.append((value, False))
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "htmx": bool(a.get("hx-get")), "fields": []}
            if a.get("hx-get"):
                self._form["action"] = a["hx-get"]
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in {"submit", "button", "image", "file", "reset"}:
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a and not self._select_chosen:
                self._form["fields"].append((self._select, a.get("value", "")))
                self._select_chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None
        if tag == "form" and self._form is not None:
            query = urlencode([(k, v) for k, v in self._form["fields"] if k != "csrfmiddlewaretoken"])
            self.found.append(
                (f"{self._form['action'] or '.'}?{query}" if query else self._form["action"] or ".", self._form["htmx"])
            )
            self._form = None


def _json_urls(data: object) -> Iterable[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _json_urls(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_urls(value)
    elif isinstance(data, str):
        match = _ABSOLUTE.match(data)
        if match:
            yield match.group(1)
        elif data.startswith("/") and not data.startswith("//"):
            yield data


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages)


@dataclass
class Crawler:
    client: Client
    max_pages: int = 400
    max_variants: int = 4  # distinct query strings per path
    expand: Callable[[Page], Iterable[str]] | None = None
    pages: dict[tuple[str, bool], Page] = field(default_factory=dict)
    _variants: dict[str, set[str]] = field(default_factory=dict)

    def normalise(self, raw: str, base: str) -> str | None:
        raw = raw.strip()
        if not raw or raw.startswith(("#", "mailto:", "tel:", "javascript:")):
            return None
        absolute = urljoin(f"http://testserver{base}", raw)
        parts = urlsplit(absolute)
        if parts.netloc != "testserver" or parts.scheme not in {"http", "https"}:
            return None
        if parts.path.startswith(SKIP_PREFIXES):
            return None
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        return f"{parts.path}?{query}" if query else parts.path

    def fetch(self, url: str, *, htmx: bool = False, referrer: str = "") -> Page:
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = self.client.get(url, **headers)
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        text, data = "", None
        streaming = getattr(response, "streaming", False)
        body = b"".join(response.streaming_content) if streaming else response.content
        if content_type == "application/pdf" and response.status_code == 200:
            text = pdf_text(body)
        elif content_type.startswith(TEXT_TYPES):
            text = body.decode(response.charset or "utf-8", errors="replace")
            if content_type == "application/json" and text:
                data = json.loads(text)
        return Page(
            url=url,
            htmx=htmx,
            status=response.status_code,
            content_type=content_type,
            text=text,
            data=data,
            referrer=referrer,
            location=response.get("Location", ""),
        )

    def links(self, page: Page) -> list[tuple[str, bool]]:
        found: list[tuple[str, bool]] = []
        if page.location:
            found.append((page.location, page.htmx))
        if page.content_type == "text/html":
            parser = _Links()
            parser.feed(page.text)
            found += parser.found
            found += [(html.unescape(m), False) for m in _QUOTED_PATH.findall(page.text)]
        if page.data is not None:
            found += [(u, False) for u in _json_urls(page.data)]
        if self.expand is not None and page.status == 200:
            found += [(u, False) for u in self.expand(page)]
        return found

    def _admit(self, url: str) -> bool:
        path, _, query = url.partition("?")
        path, _, suffix = path.partition("#")
        path += suffix
        seen = self._variants.setdefault(path, set())
        if query in seen:
            return False
        if len(seen) >= self.max_variants:
            return False
        seen.add(query)
        return True

    def run(self, start: Iterable[str]) -> dict[tuple[str, bool], Page]:
        queue: deque[Fetch] = deque()
        queued: set[tuple[str, bool]] = set()

        def push(raw: str, htmx: bool, base: str) -> None:
            url = self.normalise(raw, base)
            if url is None or (url, htmx) in queued:
                return
            if not self._admit(url + ("#htmx" if htmx else "")):
                return
            queued.add((url, htmx))
            queue.append(Fetch(url, htmx, base))

        for url in start:
            push(url, False, "/")
        while queue and len(self.pages) < self.max_pages:
            item = queue.popleft()
            page = self.fetch(item.url, htmx=item.htmx, referrer=item.referrer)
            self.pages[(item.url, item.htmx)] = page
            base = urlsplit(item.url).path
            for raw, htmx in self.links(page):
                push(raw, htmx, base)
        return self.pages


# --- what a page shows ---------------------------------------------------------


class _Text(HTMLParser):
    """The text a person reads (and attribute values such as title/alt), without markup or scripts' code."""

    ATTRS = {"title", "alt", "aria-label", "placeholder", "value", "data-tooltip"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v for k, v in attrs if k in self.ATTRS and v]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def readable_text(page: Page) -> str:
    """What a person reads: the text of HTML, every string of JSON, a CSV or PDF as it is."""
    if page.data is not None:
        return " ".join(str(v) for _p, _k, v in json_items({"": page.data}) if isinstance(v, str | int))
    if page.content_type != "text/html":
        return page.text
    parser = _Text()
    parser.feed(page.text)
    return " ".join(" ".join(parser.parts).split())


def json_items(data: object, path: str = "") -> Iterable[tuple[str, str, object]]:
    """Every (path, key, value) in a JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield f"{path}.{key}", key, value
            yield from json_items(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from json_items(value, f"{path}[{index}]")


# --- the routes -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # e.g. "api/teams/<int:team_id>/"
    name: str
    callback: Callable
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def all_routes() -> list[Route]:
    """Every URL pattern of the project (the admin's own excepted), with its parameter names."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, names: tuple[str, ...]) -> None:
        for entry in resolver.url_patterns:
            pattern = prefix + str(entry.pattern)
            params = names + tuple(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                walk(entry, pattern, params)
            elif isinstance(entry, URLPattern):
                found.append(Route(pattern, entry.name or "", entry.callback, params))

    walk(get_resolver(), "", ())
    return [r for r in found if not r.pattern.startswith("admin/")]


def api_list_urls() -> list[str]:
    """The API endpoints without parameters (lists and /me/), except the schema and its viewers."""
    from django.urls import reverse

    return [
        reverse(r.name)
        for r in all_routes()
        if r.is_api and not r.params and r.name and not reverse(r.name).startswith(SKIP_PREFIXES)
    ]
