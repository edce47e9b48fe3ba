"""An organisation posts and publishes an assignment; a student finds it and ranks it first;
the organisation then sees one interested student (and nothing about who)."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login, screenshot

TITLE = "Wijkpicknick met buren in het Oude Westen"


def test_post_publish_find_rank_and_see_interest(new_context):
    # --- the organisation contact (DOCK) posts an assignment -------------------------
    org = new_context().new_page()
    login(org, "dock")
    org.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Opdrachten").click()
    org.get_by_role("link", name="Nieuwe opdracht").click()
    expect(org.get_by_role("heading", level=1)).to_have_text("Nieuwe opdracht")

    # Field-by-field validation: a tag in the title is explained as soon as you leave the field.
    org.get_by_label("Titel").fill("<b>Picknick</b>")
    org.get_by_label("Omschrijving").click()
    expect(org.locator("#feedback-title")).to_contain_text("geen HTML of scripts")
    org.get_by_label("Titel").fill(TITLE)
    org.get_by_label("Omschrijving").click()
    expect(org.locator("#feedback-title")).to_be_empty()

    org.get_by_label("Omschrijving").fill(
        "Buren kennen elkaar nauwelijks. Organiseer **samen met bewoners** een picknick:\n\n"
        "- uitnodigen aan de deur\n- hapjes uit alle keukens\n- kinderspelen"
    )
    org.get_by_label("Wijk", exact=True).select_option(label="Oude Westen (Rotterdam)")
    org.get_by_label("Fase").select_option("verkenning")
    org.get_by_label("Doelgroep").fill("Bewoners van het Oude Westen, jong en oud")
    org.get_by_role("checkbox", name="Contact leggen met bewoners").check()
    org.get_by_role("checkbox", name="Activiteiten organiseren").check()
    org.get_by_label("Belang van Contact leggen met bewoners").select_option("3")

    # A youth case with risks and no niveau 6 minimum: we set it to one and say so.
    org.get_by_label("Minimaal niveau 6 (hbo-bachelor)").fill("0")
    org.get_by_label("Jeugdcasus met risico's").check()
    expect(org.locator("#feedback-min_niveau_6")).to_contain_text("op 1 gezet")
    expect(org.get_by_label("Minimaal niveau 6 (hbo-bachelor)")).to_have_value("1")
    org.get_by_label("Jeugdcasus met risico's").uncheck()

    # Cross-field rule: a maximum below the minimum is shown, and cleared once fixed.
    org.get_by_label("Maximale teamgrootte").fill("2")
    org.get_by_label("Begindatum").click()
    expect(org.locator("#feedback-team_size_max")).to_contain_text("kleiner dan de minimale")
    org.get_by_label("Maximale teamgrootte").fill("5")
    org.get_by_label("Begindatum").click()
    expect(org.locator("#feedback-team_size_max")).to_be_empty()

    org.get_by_label("Begindatum").fill("2026-11-02")
    org.get_by_label("Einddatum").fill("2027-03-26")
    org.get_by_label("Contactpersoon / werkbegeleider").select_option(label="Ingrid Kramer (werkbegeleider)")
    org.get_by_role("button", name="Opslaan als concept").click()

    expect(org.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(org.get_by_text("opgeslagen als concept")).to_be_visible()
    expect(org.locator(".status--draft").first).to_be_visible()
    org.get_by_role("button", name="Publiceren").click()
    expect(org.get_by_text("is gepubliceerd")).to_be_visible()
    expect(org.locator(".status--open").first).to_be_visible()
    detail_url = org.url
    screenshot(org, "assignment-org-published")

    # --- a student finds it by filter and ranks it first ---------------------------------
    student = new_context().new_page()
    login(student, "student4")
    student.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Opdrachten").click()
    expect(student.locator(".assignment-card").first).to_be_visible()
    # htmx binds the filters when the page has loaded; a change before that is a plain form change.
    student.wait_for_load_state("load")
    student.get_by_label("Wijk", exact=True).select_option(label="Oude Westen")
    # htmx swaps the results in place and keeps the filter in the address.
    expect(student).to_have_url(re.compile(r"neighbourhood=\d+"))
    expect(student.locator(".results__count")).to_have_text("1 opdracht")
    card = student.locator(".assignment-card", has_text=TITLE)
    expect(card).to_contain_text("Past bij jou: 2 van 2 competenties")
    card.get_by_role("button", name="Zet op mijn lijst").click()
    expect(card).to_contain_text("Jouw keuze")
    screenshot(student, "assignment-student-filtered")

    student.get_by_role("link", name="Volgorde aanpassen").first.click()
    expect(student.get_by_role("heading", level=1)).to_have_text("Mijn voorkeuren")
    first_title = student.locator(".ranking__item").first.locator(".ranking__title a")
    for _ in range(5):
        if first_title.inner_text() == TITLE:
            break
        before = student.locator(".ranking__item").all_inner_texts()
        student.get_by_role("button", name=f"{TITLE} hoger zetten").click()
        # No full reload: the list is swapped in place; wait until the order changed.
        student.wait_for_function(
            "before => JSON.stringify([...document.querySelectorAll('.ranking__item')].map(e => e.innerText))"
            " !== JSON.stringify(before)",
            arg=before,
        )
    expect(first_title).to_have_text(TITLE)
    expect(student.get_by_role("button", name=f"{TITLE} hoger zetten")).to_be_disabled()
    screenshot(student, "assignment-student-ranked-first")

    # The ranking stays after a reload: it was saved, not just moved on screen.
    student.reload()
    expect(student.locator(".ranking__item").first.locator(".ranking__title a")).to_have_text(TITLE)

    # --- the organisation sees one interested student, and nothing about who --------------
    org.goto(detail_url)
    expect(org.get_by_text("1 student heeft interesse")).to_be_visible()
    expect(org.get_by_text("Sanne de Vries")).to_have_count(0)
    screenshot(org, "assignment-org-interest")


def test_the_student_list_works_on_a_phone(new_context):
    page = new_context(phone=True).new_page()
    login(page, "student5")
    page.goto("/opdrachten/")
    # The filters fold away on a phone so the cards come first; they open on request.
    expect(page.locator(".filter-box")).not_to_have_attribute("open", "")
    expect(page.locator(".assignment-card").first).to_be_visible()
    expect(page.locator(".assignment-card").first).to_contain_text("Past bij jou")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "assignment-student-list-phone")
    page.get_by_text("Filters").click()
    expect(page.get_by_label("Zoeken")).to_be_visible()
    page.get_by_label("Zoeken").fill("taalcafé")
    expect(page).to_have_url(re.compile(r"q=taalcaf"))
    expect(page.locator(".results__count")).to_have_text("1 opdracht")
    expect(page.locator(".assignment-card").first).to_contain_text("Taalcafé voor nieuwkomers")
