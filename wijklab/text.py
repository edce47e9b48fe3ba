"""User-written text rendered for people: Markdown in, sanitised HTML out.

Everything people type (assignment descriptions, motivations, later chat or
feedback) may be shown in pages and e-mails. It goes through one function so
the allow-list lives in one place: Markdown makes the HTML, nh3 (ammonia)
keeps only the tags and attributes below. A hostile text can therefore never
run script, whatever the Markdown library lets through.
"""

import re

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


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "template", "noscript", "textarea"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown rendered and sanitised with an allow-list; safe to put in any page or e-mail."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(str(text), extensions=["sane_lists"], output_format="html")
    html = _TOP_HEADING.sub(r"<\1h3\2", html)
    return mark_safe(sanitise_html(html))  # sanitised by nh3 just above
