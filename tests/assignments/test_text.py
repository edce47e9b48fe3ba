"""render_markdown and |markdown: Markdown in, sanitised HTML out, wherever text is shown."""

import pytest
from django.template import Context, Template

from wijklab.text import render_markdown

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">klik</a>',
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    "<style>body{display:none}</style>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


def test_markdown_becomes_html():
    html = str(render_markdown("Hallo **wereld**\n\n- een\n- twee"))
    assert "<strong>wereld</strong>" in html
    assert "<li>een</li>" in html


def test_links_get_rel_noopener_noreferrer_nofollow():
    html = str(render_markdown("[DOCK](https://www.dock.nl)"))
    assert 'href="https://www.dock.nl"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_cannot_run_script(text):
    html = str(render_markdown(text)).lower()
    for danger in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg", "<style", "data:"):
        assert danger not in html


def test_headings_start_below_the_page_headings():
    html = str(render_markdown("# Titel\n\n## Kopje"))
    assert "<h1" not in html
    assert "<h2" not in html
    assert html.count("<h3>") == 2


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_the_template_filter_renders_and_sanitises():
    template = Template("{% load wijklab_text %}{{ text|markdown }}")
    html = template.render(Context({"text": "**vet** <script>alert(1)</script>"}))
    assert "<strong>vet</strong>" in html
    assert "<script" not in html
