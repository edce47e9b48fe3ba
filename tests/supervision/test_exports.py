"""The portfolio PDF (opened with pypdf) and the overview CSV."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from supervision.models import FeedbackKind


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def story(team, history, mbo_docent, werkbegeleider, student4, student5):
    history(
        student=student4,
        author=mbo_docent,
        levels={"Samenwerken": 2, "Op tijd en aanwezig": 3},
        comment="Goed voorbereid op het huisbezoek bij mevrouw Öztürk.",
        days_ago=14,
    )
    history(
        student=student4,
        author=werkbegeleider,
        levels={"Samenwerken": 3},
        comment="Sterk in het buurthuis.",
        days_ago=7,
    )
    history(
        student=student4,
        author=student4,
        kind=FeedbackKind.SELF,
        levels={"Samenwerken": 3, "Op tijd en aanwezig": 1},
        comment="Ik durf meer te zeggen in het teamoverleg.",
        days_ago=2,
    )
    history(student=student4, author=student5, kind=FeedbackKind.PEER, comment="Fijne duopartner!", days_ago=1)


def test_the_pdf_opens_and_contains_the_students_entries(client, story, mbo_docent, student4):
    client.force_login(mbo_docent)
    response = client.get(reverse("supervision-progress-pdf", args=[student4.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response)
    assert "Voortgang en feedback van Sanne de Vries" in text
    for comment in [
        "Goed voorbereid op het huisbezoek bij mevrouw Öztürk.",
        "Sterk in het buurthuis.",
        "Ik durf meer te zeggen in het teamoverleg.",
        "Fijne duopartner!",
    ]:
        assert comment in text
    assert "Samenwerken" in text
    assert "Marieke Verhoeven" in text
    # The docent sees who gave peer feedback, and the alerts.
    assert "Youssef El Amrani" in text
    assert "Signalen" in text
    assert "Zelfbeeld veel lager dan de begeleiders: Op tijd en aanwezig" in text


def test_the_students_own_pdf_keeps_peer_feedback_anonymous_and_has_no_alerts(client, story, student4):
    client.force_login(student4)
    text = _pdf_text(client.get(reverse("supervision-progress-pdf", args=[student4.pk])))
    assert "Fijne duopartner!" in text
    assert "Een teamgenoot" in text
    assert "Youssef" not in text
    assert "Signalen" not in text


@pytest.mark.parametrize(
    "person", ["student5", "outsider_student", "org_contact", "other_supervisor", "other_coordinator"]
)
def test_the_pdf_is_a_404_for_everyone_else(client, request, story, student4, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("supervision-progress-pdf", args=[student4.pk])).status_code == 404


def test_the_overview_csv_has_a_row_per_student_and_a_column_pair_per_criterion(client, story, mbo_docent):
    client.force_login(mbo_docent)
    response = client.get(reverse("supervision-overview-csv"), {"sort": "name"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert header[:6] == ["Student", "Team", "Niveau", "Laatste feedback", "Dagen geleden", "Signalen"]
    assert len(header) == 6 + 2 * 13
    assert [r[0] for r in data] == ["Lotte Jansen", "Sanne de Vries", "Youssef El Amrani"]
    sanne = data[1]
    assert sanne[1] == "Team Zonnebloem"
    assert sanne[2] == "4"
    samenwerken = header.index("W5 Samenwerken")
    assert (sanne[samenwerken], sanne[samenwerken + 1]) == ("3", "stijgend")
    assert "Nog geen feedback van een begeleider" in data[0][5]


def test_the_csv_neutralises_spreadsheet_formulas(client, team, mbo_docent, student4):
    student4.display_name = '=HYPERLINK("http://evil")'
    student4.save()
    client.force_login(mbo_docent)
    content = client.get(reverse("supervision-overview-csv")).content.decode("utf-8")
    assert "'=HYPERLINK" in content
    assert ";=HYPERLINK" not in content
    assert "\n=HYPERLINK" not in content
