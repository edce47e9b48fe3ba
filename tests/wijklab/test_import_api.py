"""The import API: upload for a preview, confirm; coordinators of the cohort only."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import SchoolFactory
from wijklab.models import StudentImport, StudentProfile, User

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def round_cohort(cohort, coordinator):
    cohort.schools.add(SchoolFactory(name="Albeda", sector="mbo"), SchoolFactory(name="Zadkine", sector="mbo"))
    return cohort


def post_file(client, cohort, name: str, content: bytes, **extra):
    return client.post(
        f"/api/cohorts/{cohort.pk}/imports/", {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def test_upload_gives_the_preview_and_confirm_stores_the_rows(round_cohort, coordinator, client_for):
    api = client_for(coordinator)
    response = post_file(api, round_cohort, "albeda.csv", (EXAMPLES / "albeda-studenten.csv").read_bytes())
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["counts"] == {"new": 8, "updated": 0, "unchanged": 0, "problem": 2}
    assert data["mapping_problems"] == []
    fenna = next(r for r in data["rows"] if r["line"] == 8)
    assert fenna["action"] == "problem"
    assert fenna["problems"] == ["“fenna.dekker@” is geen geldig e-mailadres."]
    assert not User.objects.filter(email__endswith="albeda.example").exists()

    response = api.post(f"/api/imports/{data['id']}/confirm/")
    assert response.status_code == 200
    summary = response.json()
    assert (summary["created"], summary["skipped"], summary["status"]) == (8, 2, "confirmed")
    assert [r["line"] for r in summary["skipped_rows"]] == [8, 9]
    assert StudentProfile.objects.filter(cohort=round_cohort).count() == 8
    assert api.post(f"/api/imports/{data['id']}/confirm/").json()["code"] == "import_closed"


def test_a_mapping_may_be_sent_with_the_file(round_cohort, coordinator, client_for):
    content = b"Wie;Adres;Lvl;Waar\r\nSara Jansen;s@x.nl;4;Albeda\r\n"
    mapping = {"name": "Wie", "email": "Adres", "niveau": "Lvl", "school": "Waar"}
    response = post_file(client_for(coordinator), round_cohort, "a.csv", content, mapping=json.dumps(mapping))
    assert response.status_code == 201
    assert response.json()["counts"]["new"] == 1


def test_without_a_complete_mapping_the_preview_says_what_is_missing_and_confirm_is_refused(
    round_cohort, coordinator, client_for
):
    api = client_for(coordinator)
    response = post_file(api, round_cohort, "a.csv", b"Wie;Adres\r\nSara Jansen;s@x.nl\r\n")
    data = response.json()
    assert data["counts"] is None
    assert any("e-mailadres" in p for p in data["mapping_problems"])
    response = api.post(f"/api/imports/{data['id']}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "import_mapping_incomplete"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [("lijst.xls", b"\xd0\xcf", "oude formaat"), ("lijst.csv", b"Naam\r\n", "alleen een kopregel")],
)
def test_a_bad_file_is_a_field_error(round_cohort, coordinator, client_for, name, content, says):
    response = post_file(client_for(coordinator), round_cohort, name, content)
    assert response.status_code == 400
    assert says in response.json()["file"][0]
    assert not StudentImport.objects.exists()


def test_a_bad_mapping_is_a_field_error(round_cohort, coordinator, client_for):
    response = post_file(client_for(coordinator), round_cohort, "a.csv", b"Naam\r\nx\r\n", mapping='{"age": "x"}')
    assert response.status_code == 400
    assert "Onbekende velden: age" in response.json()["mapping"][0]


def test_others_get_404(round_cohort, coordinator, other_coordinator, student4, client_for):
    response = post_file(
        client_for(coordinator), round_cohort, "a.csv", (EXAMPLES / "albeda-studenten.csv").read_bytes()
    )
    import_id = response.json()["id"]
    for user in (other_coordinator, student4):
        api = client_for(user)
        assert post_file(api, round_cohort, "a.csv", b"Naam\r\nx\r\n").status_code == 404
        assert api.post(f"/api/imports/{import_id}/confirm/").status_code == 404
    assert StudentImport.objects.get(pk=import_id).status == StudentImport.Status.PREVIEW
