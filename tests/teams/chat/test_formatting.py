"""Chat formatting: bold, italics, lists, links and line breaks, rendered once on the server
(wijklab.text.render_chat, the sanitiser of the assignment descriptions) and carried as ``html``
by the page, the REST API and the socket frames alike."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from teams.models import Message
from tests.assignments.test_text import HOSTILE
from tests.teams.chat.support import _fresh_chat_cache, new_client_id, open_socket, receive  # noqa: F401
from wijklab.text import ALLOWED_TAGS, render_chat, sanitise_html

FORMATTED = "**vet** en _schuin_\n- een\n- twee"

# The description corpus, and the same tricks wrapped in the formatting a chat allows.
CHAT_HOSTILE = [
    *HOSTILE,
    "**<script>alert(1)</script>**",
    "_<img src=x onerror=alert(1)>_",
    "- <svg onload=alert(1)>\n- [klik](javascript:alert(1))",
    "1. [**x**](vbscript:msgbox(1))\n2. [y](  javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    '<https://a.nl/"onmouseover="alert(1)>',
    'www.a.nl/"onmouseover="alert(1)',
    "https://a.nl/<script>alert(1)</script>",
    "[www.evil.nl](javascript:alert(1))",
    '[x](https://a.nl "t\\" onclick=\\"alert(1))',
    "> <iframe src=https://evil.example></iframe>\n> **citaat**",
    "`<script>alert(1)</script>`\n\n    <script>alert(2)</script>",
    "![plaatje](https://evil.example/x.png)",
    "<a href='https://a.nl' target=_self onclick=alert(1)>x</a>",
    "**vet**\n<details open ontoggle=alert(1)>",
    "_schuin_ <math><mi xlink:href=javascript:alert(1)>x</mi></math>",
]


class _Tags(HTMLParser):
    """Every tag and attribute in a piece of HTML, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def _assert_inert(html: str) -> None:
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name in {"href", "title", "rel", "target"}, (name, html)
            if name == "href":
                assert urlsplit(value or "").scheme in {"http", "https", "mailto"}, (value, html)
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer nofollow", html
            assert attrs.get("target") == "_blank", html


# --- the rendering ---------------------------------------------------------------------


def test_bold_italics_lists_and_line_breaks():
    html = str(render_chat(FORMATTED + "\n\nregel een\nregel twee\n1. eerst\n2. dan"))
    assert "<strong>vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>" in html
    assert "regel een<br>\nregel twee" in html
    assert "<ol>\n<li>eerst</li>\n<li>dan</li>\n</ol>" in html
    _assert_inert(html)


def test_text_right_under_a_list_is_a_paragraph_of_its_own():
    html = str(render_chat("- een\n- twee\nTot morgen!"))
    assert "<li>twee</li>\n</ul>\n<p>Tot morgen!</p>" in html


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("kijk op www.dock.nl!", ('href="https://www.dock.nl"', ">www.dock.nl</a>!")),
        ("(http://a.nl/x)", ('href="http://a.nl/x"', ">http://a.nl/x</a>)")),
        ("[DOCK](https://www.dock.nl)", ('href="https://www.dock.nl"', ">DOCK</a>")),
        ("**zie https://a.nl/b?c=1&d=2.**", ('href="https://a.nl/b?c=1&amp;d=2"', "</a>.</strong>")),
        ("- www.a.nl", ('href="https://www.a.nl"', "<li><a")),
    ],
)
def test_links_open_in_a_new_tab_without_referrer(text, link):
    html = str(render_chat(text))
    for part in link:
        assert part in html
    assert 'target="_blank" rel="noopener noreferrer nofollow"' in html
    assert html.count("<a ") == 1
    _assert_inert(html)


def test_code_and_existing_links_are_not_linked_again():
    html = str(render_chat("`www.code.nl` en [www.a.nl](https://b.nl)"))
    assert "<code>www.code.nl</code>" in html
    assert html.count("<a ") == 1
    assert 'href="https://b.nl"' in html


def test_typed_html_is_shown_as_text_and_no_headings_are_made():
    html = str(render_chat("Wat doet <div> en a < b?\n# geen kop\nok"))
    assert "Wat doet &lt;div&gt; en a &lt; b?" in html
    assert "<h" not in html
    assert "# geen kop" in html


def test_empty_renders_nothing():
    assert render_chat("") == ""
    assert render_chat(None) == ""


@pytest.mark.parametrize("text", CHAT_HOSTILE)
def test_hostile_bodies_cannot_run_script(text):
    html = str(render_chat(text))
    _assert_inert(html)
    # Already what the sanitiser lets through: a second pass changes nothing.
    assert sanitise_html(html, new_tab=True) == html


# --- one rendering for the page, the API and the socket --------------------------------


def test_the_page_shows_the_formatting_of_earlier_messages(client, team, student4, student5):
    Message.objects.create(team=team, author=student4, body=FORMATTED + "\n<img src=x onerror=alert(1)>")
    client.force_login(student5)
    page = client.get(reverse("chat-page", kwargs={"team_id": team.pk})).content.decode()
    shown = page.split('<ol class="chat__list"')[1].split("</ol>\n  </div>")[0]
    assert "<strong>vet</strong> en <em>schuin</em>" in shown
    assert "<li>een</li>" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "<img src=x" not in page


def test_the_api_carries_the_rendered_html_and_none_for_gone_messages(team, student4, client_for):
    client = client_for(student4)
    url = reverse("api-chat-messages", kwargs={"team_id": team.pk})
    posted = client.post(url, {"body": FORMATTED, "client_id": "fmt-1"}, format="json").json()
    assert posted["body"] == FORMATTED
    assert posted["html"] == str(render_chat(FORMATTED))
    delete = reverse("api-chat-message", kwargs={"team_id": team.pk, "message_id": posted["id"]})
    assert client.delete(delete).status_code == 200
    [listed] = client.get(url).json()["results"]
    assert listed["body"] == ""
    assert listed["html"] == ""


def test_the_schema_documents_the_html_field(client_for, student4):
    schema = client_for(student4).get(reverse("api-schema"), {"format": "json"}).json()
    message = schema["components"]["schemas"]["Message"]
    assert "html" in message["properties"]
    assert "html" in message["required"]


@pytest.mark.django_db(transaction=True)
async def test_the_socket_sends_the_same_html_to_the_sender_and_the_team(team, student4, student5):
    sender, connected, _ = await open_socket(student4, team.pk)
    assert connected
    other, connected, _ = await open_socket(student5, team.pk)
    assert connected
    body = FORMATTED + "\n\n[x](javascript:alert(1)) www.dock.nl"
    await sender.send_json_to({"type": "message", "body": body, "client_id": new_client_id()})
    mine = await receive(sender, "message")
    theirs = await receive(other, "message")
    assert mine == theirs
    assert mine["body"] == body
    assert "<strong>vet</strong>" in mine["html"]
    assert "<em>schuin</em>" in mine["html"]
    assert "<li>twee</li>" in mine["html"]
    assert "javascript" not in mine["html"]
    _assert_inert(mine["html"])
    await sender.send_json_to({"type": "edit", "id": mine["id"], "body": "nu *anders*"})
    updated = await receive(other, "message_updated")
    assert updated["html"] == "<p>nu <em>anders</em></p>"
    await sender.disconnect()
    await other.disconnect()


PLAIN_LINES = [
    "Ik doe het!",
    "Zullen we morgen om 10 uur afspreken?",
    'Ze zei: "prima" en ging weg.',
    "Het is 50% klaar (bijna), @Sanne heeft de rest #wijkteam",
    "Café op de hoek, één koffie 🙂 — tot zo…",
    "Let op: de sleutel ligt bij de buren / bij Kees.",
    "email: sanne@example.nl of bel 010-1234567",
    "x = 1 + 2; y = 3 - 4, z = 5.5!",
    "O'Neill's tas staat in lokaal 3.12",
    "a" * 300,
]


@pytest.mark.parametrize("text", PLAIN_LINES)
def test_plain_lines_skip_the_parser_and_render_exactly_as_through_it(text):
    from wijklab import text as chat_text

    assert chat_text._plain_line(text)
    assert str(render_chat(text)) == chat_text._chat_markdown_html(text)


@pytest.mark.parametrize(
    "text",
    [FORMATTED, *CHAT_HOSTILE, "- een", "1. een", " ingesprongen", "a\nb", "zie https://a.nl", "www.a.nl", "a & b"],
)
def test_anything_markdown_could_act_on_goes_through_the_parser(text):
    from wijklab import text as chat_text

    assert not chat_text._plain_line(text)
