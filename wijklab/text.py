"""User-written text rendered for people: Markdown in, sanitised HTML out.

Everything people type (assignment descriptions, motivations, chat messages,
later feedback) may be shown in pages and e-mails. It goes through one function so
the allow-list lives in one place: Markdown makes the HTML, nh3 (ammonia)
keeps only the tags and attributes below. A hostile text can therefore never
run script, whatever the Markdown library lets through.
"""

import functools
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from typing import Any

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

# Descriptions live inside a page that already has its h1 and h2; Markdown
# headings start at h3 so the page outline stays right.
_TOP_HEADING = re.compile(r"<(/?)h[12](\s|>)")


def sanitise_html(html: str, *, new_tab: bool = False) -> str:
    """Only the allow-listed tags, attributes and URL schemes; links get ``LINK_REL``
    (and ``target="_blank"`` with ``new_tab``, for text shown among others' like the chat)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "template", "noscript", "textarea"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}} if new_tab else None,
        strip_comments=True,
    )


# One parser of each kind per thread, reset after each text: building one (its extensions,
# patterns and processors) cost more than converting a typical description or message.
_parsers = threading.local()
_PARSER_KINDS: dict[str, Callable[[], markdown.Markdown]] = {
    "page": lambda: markdown.Markdown(extensions=["sane_lists"], output_format="html"),
    "chat": lambda: markdown.Markdown(extensions=["sane_lists", "nl2br", _ChatMarkdown()], output_format="html"),
}


def _convert(kind: str, text: str) -> str:
    parser = getattr(_parsers, kind, None)
    if parser is None:
        parser = _PARSER_KINDS[kind]()
        setattr(_parsers, kind, parser)
    try:
        return parser.convert(text)
    finally:
        parser.reset()


# A list of assignments renders the same descriptions on every request: the HTML is a pure
# function of the text, so each process keeps the last ones (a few MB at most).
@functools.lru_cache(maxsize=512)
def _markdown_html(text: str) -> str:
    html = _TOP_HEADING.sub(r"<\1h3\2", _convert("page", text))
    return sanitise_html(html)


def render_markdown(text: str | None) -> SafeString:
    """Markdown rendered and sanitised with an allow-list; safe to put in any page or e-mail."""
    if not text:
        return mark_safe("")
    return mark_safe(_markdown_html(str(text)))  # sanitised by nh3 in _markdown_html


# --- chat messages -------------------------------------------------------------------
#
# Chat bodies use the same Markdown and the same sanitiser, with what people expect of a
# chat tool: a single line break is a line break, a list may follow a line of text
# without a blank line, bare web addresses become links (opening in a new tab), typed
# HTML is shown as text, and "# " or "---" under a line make no headings.

# Bare web addresses (the chat linked these before it knew Markdown).
CHAT_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\x02\x03]*[^\s<>\"'\x02\x03.,:;!?)\]]", re.IGNORECASE)
_LIST_LINE = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_NO_LINKS_INSIDE = {"a", "code", "pre"}


def _blank_lines_around_lists(text: str) -> str:
    """A list right under a line of text (or text right under a list) is its own block,
    as in chat tools; Markdown would otherwise glue them into one paragraph."""
    out: list[str] = []
    previous = ""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        is_item, was_item = bool(_LIST_LINE.match(line)), bool(_LIST_LINE.match(previous))
        continues = line.startswith((" ", "\t"))
        if line.strip() and previous.strip() and is_item != was_item and not continues:
            out.append("")
        out.append(line)
        previous = line if not continues or not line.strip() else previous
    return "\n".join(out)


class _BareLinks(markdown.treeprocessors.Treeprocessor):
    """``www.example.nl`` and ``https://…`` in text (not in code, not already a link) become links."""

    def run(self, root: Any) -> None:
        self._walk(root)

    def _walk(self, element: Any) -> None:
        if element.tag in _NO_LINKS_INSIDE:
            return
        if element.text:
            element.text, links = self._split(element.text)
            for index, link in enumerate(links):
                element.insert(index, link)
            start = len(links)
        else:
            start = 0
        for child in list(element)[start:]:
            self._walk(child)
            if child.tail:
                child.tail, links = self._split(child.tail)
                position = list(element).index(child) + 1
                for offset, link in enumerate(links):
                    element.insert(position + offset, link)

    @staticmethod
    def _split(text: str) -> tuple[str, list[Any]]:
        links: list[Any] = []
        head = text
        last = 0
        for match in CHAT_URL_RE.finditer(text):
            url = match.group(0)
            link = etree.Element("a", href=url if url.lower().startswith("http") else f"https://{url}")
            link.text = markdown.util.AtomicString(url)
            if links:
                links[-1].tail = text[last : match.start()]
            else:
                head = text[: match.start()]
            links.append(link)
            last = match.end()
        if links:
            links[-1].tail = text[last:]
        return head, links


class _ChatMarkdown(markdown.extensions.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Typed HTML is text in a chat, not markup (nh3 would drop it; here it stays readable).
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.parser.blockprocessors.deregister("hashheader")
        md.parser.blockprocessors.deregister("setextheader")
        md.treeprocessors.register(_BareLinks(md), "bare_links", 15)


# Most messages are a line of plain words: no Markdown can act on them, and they render (exactly
# as below, tests/teams/chat/test_formatting.py holds the two together) without the parser.
_MARKUP_CHARS = frozenset("*_`[]<>&\\~")
_BLOCK_STARTS = tuple("-+>=#0123456789 ")


def _plain_line(text: str) -> bool:
    return (
        text.isprintable()
        and text == text.strip()
        and not text.startswith(_BLOCK_STARTS)
        and "www." not in text.lower()
        and "://" not in text
        and _MARKUP_CHARS.isdisjoint(text)
    )


def _chat_markdown_html(text: str) -> str:
    return sanitise_html(_convert("chat", _blank_lines_around_lists(text)), new_tab=True)


@functools.lru_cache(maxsize=1024)
def _chat_html(text: str) -> str:
    if _plain_line(text):
        return f"<p>{text}</p>"  # nothing in it to escape: no <, > or &
    return _chat_markdown_html(text)


def render_chat(text: str | None) -> SafeString:
    """A chat message's body as sanitised HTML (bold, italics, lists, links, line breaks).

    The one rendering of a body: the chat page, the REST API and the websocket frames
    (their ``html`` field, docs/chat-protocol.md) all carry this, and the chat script
    inserts it as it is, so a message looks the same wherever it shows up."""
    if not text:
        return mark_safe("")
    return mark_safe(_chat_html(str(text)))  # sanitised by nh3 in _chat_html
