"""``{{ text|markdown }}``: user-written Markdown, rendered and sanitised (see wijklab.text)."""

from django import template
from django.utils.safestring import SafeString

from wijklab.text import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> SafeString:
    return render_markdown(value)
