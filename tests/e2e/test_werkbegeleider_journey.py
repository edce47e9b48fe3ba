"""Both kinds of werkbegeleider of the demo follow their students, level-blind (docs/visibility.md).

``werkbegeleider`` is a supervisor account of kind werkbegeleider (DOCK's teams);
``wijkteam`` is an organisation contact linked to Team Maashaven as its
werkbegeleider. Each opens "Mijn studenten", a student's progress page, the
CSV and the PDF: the same pages for both, and no niveau or programme anywhere.
"""

import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.helpers import login, screenshot

NIVEAU = re.compile(r"\bniveau\W{0,3}[456]\b|\bmbo\W{0,3}4\b|\bbachelor\b|\bAd Sociaal\b|Opleiding:", re.IGNORECASE)
DOCENT_KIND = re.compile(r"\b(?:mbo|hbo)-docent\b", re.IGNORECASE)


def _download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("username", ["werkbegeleider", "wijkteam"])
def test_a_werkbegeleider_follows_their_students_without_seeing_a_niveau(new_context, username):
    page = new_context().new_page()
    login(page, username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn studenten").click()
    page.wait_for_url("**/begeleiding/")
    assert page.get_by_role("heading", name="Mijn studenten", level=1).is_visible()
    grid = page.get_by_role("table")
    assert grid.locator("tbody tr").count() >= 1
    text = page.locator("main").inner_text()
    assert not NIVEAU.search(text), NIVEAU.search(text)
    screenshot(page, f"werkbegeleider-{username}-mijn-studenten")

    csv = _download(page, "Exporteer als CSV").decode("utf-8-sig")
    header = csv.splitlines()[0].split(";")
    assert "Niveau" not in header
    assert len(csv.splitlines()) >= 2
    assert not NIVEAU.search(csv)

    grid.locator("tbody tr").first.get_by_role("link").first.click()
    page.wait_for_url("**/voortgang/")
    assert page.get_by_role("heading", level=1).is_visible()
    text = page.locator("main").inner_text()
    assert not NIVEAU.search(text), NIVEAU.search(text)
    assert not DOCENT_KIND.search(text), DOCENT_KIND.search(text)
    screenshot(page, f"werkbegeleider-{username}-voortgang")

    pdf = _download(page, "Download als pdf")
    pdf_text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Voortgang en feedback van" in pdf_text
    assert not NIVEAU.search(pdf_text), NIVEAU.search(pdf_text)
    assert not DOCENT_KIND.search(pdf_text), DOCENT_KIND.search(pdf_text)
