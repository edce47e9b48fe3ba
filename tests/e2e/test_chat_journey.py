"""Two students chat live in two browsers; one goes offline on the train, and every message arrives exactly once."""

import re
import time
from io import BytesIO

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot


def _watch_errors(page, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)


def _bubble(page, text: str):
    return page.locator("#chat-list li.msg[data-id]").filter(has_text=text)


def test_two_students_chat_live_and_a_message_sent_offline_arrives_exactly_once(new_context):
    errors: list[str] = []
    sanne_context = new_context()
    youssef_context = new_context(phone=True)
    sanne = sanne_context.new_page()
    youssef = youssef_context.new_page()
    _watch_errors(sanne, errors)
    _watch_errors(youssef, errors)

    # Sanne finds the chat through her overview, with its unread count.
    login(sanne, "student4")
    panel = sanne.locator(".chat-panel")
    expect(panel).to_contain_text("ongelezen")
    panel.get_by_role("link", name="Team Maashaven").click()
    expect(sanne).to_have_url(re.compile(r"/teams/\d+/chat/$"))
    chat_url = sanne.url
    expect(sanne.locator("#chat-status")).to_have_attribute("data-state", "open")
    expect(sanne.locator(".chat__divider")).to_contain_text("Nieuwe berichten")
    expect(sanne.locator(".chat__readers summary")).to_contain_text("lezen mee")

    login(youssef, "student5")
    youssef.goto(chat_url)
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "open")
    # Both are online; Sanne sees Youssef arrive.
    expect(sanne.locator("#chat-online-count")).to_contain_text("2 online")

    # Live, both ways, with a clickable link; the text stays text.
    sanne.get_by_label("Bericht", exact=True).fill(
        "Wie haalt mevrouw Jansen op? Route: https://www.rotterdam.nl <b>vet</b>"
    )
    sanne.get_by_role("button", name="Versturen").click()
    expect(_bubble(youssef, "Wie haalt mevrouw Jansen op?")).to_have_count(1)
    link = _bubble(youssef, "Wie haalt mevrouw Jansen op?").get_by_role("link", name="https://www.rotterdam.nl")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(_bubble(youssef, "Wie haalt mevrouw Jansen op?").locator("b")).to_have_count(0)

    youssef.get_by_label("Bericht", exact=True).fill("Ik")
    expect(sanne.locator("#chat-typing")).to_contain_text("Youssef El Amrani typt")
    youssef.get_by_label("Bericht", exact=True).fill("Ik doe het!")
    youssef.get_by_role("button", name="Versturen").click()
    expect(_bubble(sanne, "Ik doe het!")).to_have_count(1)

    # The train enters a tunnel.
    youssef_context.set_offline(True)
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "offline")
    youssef.get_by_label("Bericht", exact=True).fill("Zit in de trein, ben er om kwart voor tien")
    youssef.get_by_role("button", name="Versturen").click()
    pending = youssef.locator("li.msg--pending").filter(has_text="Zit in de trein")
    expect(pending).to_contain_text("wordt verzonden…")
    screenshot(youssef, "chat-phone-offline")
    # Meanwhile Sanne writes too; Youssef will get it when he is back.
    sanne.get_by_label("Bericht", exact=True).fill("Prima, tot straks")
    sanne.keyboard.press("Enter")
    expect(_bubble(sanne, "Prima, tot straks")).to_have_count(1)
    sanne.wait_for_timeout(1000)
    expect(_bubble(sanne, "Zit in de trein")).to_have_count(0)

    # Out of the tunnel: the client reconnects, catches up and resends, each exactly once.
    youssef_context.set_offline(False)
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "open", timeout=15_000)
    for page in (sanne, youssef):
        expect(_bubble(page, "Zit in de trein")).to_have_count(1)
        expect(_bubble(page, "Prima, tot straks")).to_have_count(1)
    expect(youssef.locator("li.msg--pending")).to_have_count(0)
    youssef.wait_for_timeout(1500)
    for page in (sanne, youssef):
        expect(_bubble(page, "Zit in de trein")).to_have_count(1)
        ids = [
            int(i) for i in page.locator("#chat-list li.msg[data-id]").evaluate_all("els => els.map(e => e.dataset.id)")
        ]
        assert ids == sorted(ids)
        assert len(ids) == len(set(ids))

    # After a reload it is still there once: it was stored once.
    youssef.reload()
    expect(_bubble(youssef, "Zit in de trein")).to_have_count(1)
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "open")

    # Sanne edits and deletes her own messages; Youssef sees it live.
    edited = _bubble(sanne, "Prima, tot straks")
    edited.get_by_role("button", name="Bewerken").click()
    edited.locator("textarea").fill("Prima, tot straks bij het buurthuis")
    edited.get_by_role("button", name="Opslaan").click()
    expect(_bubble(youssef, "Prima, tot straks bij het buurthuis")).to_contain_text("(bewerkt)")
    sanne.once("dialog", lambda dialog: dialog.accept())
    _bubble(sanne, "Wie haalt mevrouw Jansen op?").get_by_role("button", name="Verwijderen").click()
    expect(youssef.locator("#chat-list")).to_contain_text("Dit bericht is verwijderd.")
    expect(_bubble(youssef, "Wie haalt mevrouw Jansen op?")).to_have_count(0)

    # A photo of the neighbourhood map, shown as a thumbnail to both.
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (800, 600), (11, 95, 115)).save(out, format="PNG")
    sanne.set_input_files(
        "#chat-file", files=[{"name": "wijkkaart.png", "mimeType": "image/png", "buffer": out.getvalue()}]
    )
    for page in (sanne, youssef):
        thumb = page.locator("#chat-list .msg__file img[alt='wijkkaart.png']")
        expect(thumb).to_have_count(1)
        expect(thumb).to_have_js_property("complete", True)
        assert thumb.evaluate("img => img.naturalWidth") > 0

    sanne.wait_for_timeout(300)
    screenshot(sanne, "chat-desktop")
    screenshot(youssef, "chat-phone")
    assert errors == []


def test_a_supervisor_reads_along_unseen_and_hides_a_message_with_a_reason(new_context):
    student = new_context().new_page()
    docent = new_context().new_page()
    login(student, "student6")
    student.goto("/chat/")
    student.get_by_role("link", name="Team Maashaven").click()
    expect(student.locator("#chat-status")).to_have_attribute("data-state", "open")
    chat_url = student.url

    login(docent, "docent.mbo")
    docent.goto(chat_url)
    expect(docent.locator("#chat-status")).to_have_attribute("data-state", "open")
    student.wait_for_timeout(500)
    # The docent is listed as reading along but never shows up as online.
    expect(student.locator(".chat__reader-list li.is-online")).to_have_count(1)
    expect(student.locator(".chat__readers")).to_contain_text("Marieke Verhoeven")

    student.get_by_label("Bericht", exact=True).fill("Het adres van mevrouw J. is Hilledijk 12")
    student.get_by_role("button", name="Versturen").click()
    bubble = _bubble(docent, "Hilledijk 12")
    expect(bubble).to_have_count(1)
    docent.once("dialog", lambda dialog: dialog.accept("Adres van een bewoner hoort niet in de chat"))
    bubble.get_by_role("button", name="Verbergen").click()
    expect(student.locator("#chat-list")).to_contain_text(
        "Verborgen door Marieke Verhoeven: Adres van een bewoner hoort niet in de chat"
    )
    expect(_bubble(student, "Hilledijk 12")).to_have_count(0)
    screenshot(student, "chat-hidden-by-supervisor")


def test_a_live_message_lost_on_the_way_arrives_with_the_catch_up_after_a_reconnect(new_context):
    """The channel layer delivers at most once (while Redis restarts, every event is lost): the page
    must not count what came live, its own echo included, as proof it missed nothing before it."""
    errors: list[str] = []
    sanne = new_context().new_page()
    lotte = new_context().new_page()
    _watch_errors(sanne, errors)
    _watch_errors(lotte, errors)
    lost: list[str] = []

    def lose_one_frame(ws) -> None:
        server = ws.connect_to_server()

        def to_page(message) -> None:
            if not lost and isinstance(message, str) and "Verloren onderweg" in message:
                lost.append(message)
                return
            ws.send(message)

        server.on_message(to_page)

    sanne.route_web_socket(re.compile(r"/ws/teams/\d+/chat/$"), lose_one_frame)
    login(sanne, "student4")
    sanne.goto("/chat/")
    sanne.get_by_role("link", name="Team Maashaven").click()
    expect(sanne.locator("#chat-status")).to_have_attribute("data-state", "open")
    login(lotte, "student6")
    lotte.goto(sanne.url)
    expect(lotte.locator("#chat-status")).to_have_attribute("data-state", "open")

    lotte.get_by_label("Bericht", exact=True).fill("Verloren onderweg: de sleutel ligt bij de buren")
    lotte.get_by_role("button", name="Versturen").click()
    expect(_bubble(lotte, "Verloren onderweg")).to_have_count(1)
    sanne.wait_for_timeout(1000)
    assert len(lost) == 1
    expect(_bubble(sanne, "Verloren onderweg")).to_have_count(0)
    # Sanne writes; her own message comes back live, with a higher id than the one she missed.
    sanne.get_by_label("Bericht", exact=True).fill("Ik ben er om tien uur")
    sanne.get_by_role("button", name="Versturen").click()
    expect(_bubble(sanne, "Ik ben er om tien uur")).to_have_count(1)
    sanne.wait_for_timeout(6000)  # longer than the page waits before it trusts an id (SETTLE_MS)

    sanne.context.set_offline(True)
    expect(sanne.locator("#chat-status")).to_have_attribute("data-state", "offline")
    sanne.context.set_offline(False)
    expect(sanne.locator("#chat-status")).to_have_attribute("data-state", "open", timeout=15_000)
    expect(_bubble(sanne, "Verloren onderweg")).to_have_count(1)
    ids = [
        int(i) for i in sanne.locator("#chat-list li.msg[data-id]").evaluate_all("els => els.map(e => e.dataset.id)")
    ]
    assert ids == sorted(set(ids))


# What the server answers a chat socket while Redis is unreachable (teams/chat/consumers.py).
CLOSE_UNAVAILABLE = 1013


def test_without_sockets_the_chat_sends_over_the_api_and_the_message_is_stored_once(new_context, e2e_server):
    """Redis is down: every handshake is refused with 1013, and the outbox goes over REST instead."""
    errors: list[str] = []
    sanne = new_context().new_page()
    youssef = new_context().new_page()
    _watch_errors(sanne, errors)
    _watch_errors(youssef, errors)

    # Sanne's browser never gets a socket: each one closes with 1013 before it opens, as the
    # server's would (closing inside the handler means Playwright never opens the mocked socket).
    refused: list[str] = []

    def refuse(ws) -> None:
        refused.append(ws.url)
        ws.close(code=CLOSE_UNAVAILABLE, reason="Try again later")

    sanne.route_web_socket(re.compile(r"/ws/teams/\d+/chat/$"), refuse)

    login(youssef, "student5")
    youssef.goto("/chat/")
    youssef.get_by_role("link", name="Team Maashaven").click()
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "open")

    login(sanne, "student4")
    sanne.goto(youssef.url)
    # chat.js posts its outbox over the API from the second failed attempt on: wait for two.
    deadline = time.monotonic() + 10
    while len(refused) < 2 and time.monotonic() < deadline:
        sanne.wait_for_timeout(100)
    assert len(refused) >= 2, refused
    expect(sanne.locator("#chat-status")).to_have_attribute("data-state", "connecting")

    text = "Redis ligt eruit, maar dit bericht komt toch aan"
    post = re.compile(r"/api/teams/\d+/messages/$")
    with sanne.expect_response(lambda r: r.request.method == "POST" and post.search(r.url) is not None) as posted:
        sanne.get_by_label("Bericht", exact=True).fill(text)
        sanne.get_by_role("button", name="Versturen").click()
        expect(sanne.locator("li.msg--pending").filter(has_text=text)).to_contain_text("wordt verzonden…")
    assert posted.value.status == 201, posted.value.text()
    assert posted.value.request.post_data_json["body"] == text

    # Sent over the API: shown as stored (no longer waiting) for Sanne, live for Youssef.
    expect(_bubble(sanne, text)).to_have_count(1)
    expect(sanne.locator("li.msg--pending")).to_have_count(0)
    expect(_bubble(youssef, text)).to_have_count(1)
    expect(sanne.locator("#chat-status")).not_to_have_attribute("data-state", "open")
    screenshot(sanne, "chat-rest-fallback")

    # Further attempts (each again refused, each followed by an API round) send nothing twice.
    tries = len(refused)
    deadline = time.monotonic() + 15
    while len(refused) < tries + 1 and time.monotonic() < deadline:
        sanne.wait_for_timeout(200)
    assert len(refused) > tries
    sanne.wait_for_timeout(500)
    expect(_bubble(sanne, text)).to_have_count(1)
    stored = e2e_server.shell(f"from teams.models import Message; print(Message.objects.filter(body={text!r}).count())")
    assert stored.strip().splitlines()[-1] == "1"
    assert sanne.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('wijklab.chat.outbox.'))"
        ".map(k => JSON.parse(localStorage.getItem(k)).length)"
    ) == [0]
    assert errors == []


def test_formatting_looks_the_same_for_the_sender_the_team_and_after_a_reload(new_context):
    """Bold, italics and a list: the server renders a body once (its ``html``), the page shows
    that both when it arrives live and in the history; typed markup stays text."""
    errors: list[str] = []
    youssef = new_context().new_page()
    lotte = new_context(phone=True).new_page()
    _watch_errors(youssef, errors)
    _watch_errors(lotte, errors)
    login(youssef, "student5")
    youssef.goto("/chat/")
    youssef.get_by_role("link", name="Team Maashaven").click()
    expect(youssef.locator("#chat-status")).to_have_attribute("data-state", "open")
    login(lotte, "student6")
    lotte.goto(youssef.url)
    expect(lotte.locator("#chat-status")).to_have_attribute("data-state", "open")

    youssef.get_by_label("Bericht", exact=True).fill(
        "**vet** en _schuin_\n- een\n- twee\nMeer op www.rotterdam.nl <img src=x onerror=alert(1)>"
    )
    youssef.get_by_role("button", name="Versturen").click()
    rendered = []
    for page in (youssef, lotte):
        bubble = _bubble(page, "Meer op")
        expect(bubble).to_have_count(1)
        body = bubble.locator(".msg__body")
        expect(body.locator("strong")).to_have_text("vet")
        expect(body.locator("em")).to_have_text("schuin")
        expect(body.locator("li")).to_have_text(["een", "twee"])
        link = body.get_by_role("link", name="www.rotterdam.nl")
        expect(link).to_have_attribute("href", "https://www.rotterdam.nl")
        expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        expect(link).to_have_attribute("target", "_blank")
        expect(body.locator("img")).to_have_count(0)
        expect(body).to_contain_text("<img src=x onerror=alert(1)>")
        rendered.append(body.inner_html())
    assert rendered[0] == rendered[1]
    youssef.wait_for_timeout(300)
    screenshot(youssef, "chat-formatting-desktop")
    screenshot(lotte, "chat-formatting-phone")

    # The history the server puts in the page is the same HTML.
    lotte.reload()
    body = _bubble(lotte, "Meer op").locator(".msg__body")
    expect(body.locator("li")).to_have_count(2)
    assert body.inner_html() == rendered[1]
    assert errors == []
