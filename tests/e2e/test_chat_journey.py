"""Two students chat live in two browsers; one goes offline on the train, and every message arrives exactly once."""

import re
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
