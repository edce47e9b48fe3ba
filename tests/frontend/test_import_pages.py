"""The import pages: upload, map the columns, preview, confirm or discard; only for the cohort's coordinators."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.conftest import count_queries
from tests.factories import SchoolFactory
from wijklab.models import ImportColumnMapping, StudentImport, StudentProfile, User

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def round_cohort(cohort, coordinator):
    cohort.schools.add(
        SchoolFactory(name="Albeda", sector="mbo"),
        SchoolFactory(name="Zadkine", sector="mbo"),
        SchoolFactory(name="Hogeschool Rotterdam", sector="hbo"),
        SchoolFactory(name="Hogeschool Inholland Rotterdam", sector="hbo"),
    )
    return cohort


@pytest.fixture
def browser(coordinator) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def upload(client: Client, cohort, name: str, content: bytes):
    return client.post(reverse("cohort-import", args=[cohort.pk]), {"file": SimpleUploadedFile(name, content)})


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def test_upload_map_preview_and_confirm_the_albeda_list(round_cohort, browser):
    page = browser.get(reverse("cohort-import", args=[round_cohort.pk]))
    assert page.status_code == 200
    assert "Studenten importeren" in page.content.decode()

    response = upload(browser, round_cohort, "albeda-studenten.csv", example("albeda-studenten.csv"))
    student_import = StudentImport.objects.get()
    mapping_url = reverse("cohort-import-mapping", args=[round_cohort.pk, student_import.pk])
    assert response["Location"] == mapping_url
    page = browser.get(mapping_url).content.decode()
    assert "Roepnaam (Daniëlle)" in page  # a sample value beside each column

    response = browser.post(mapping_url, student_import.mapping | {"fixed_school": "", "fixed_niveau": ""})
    preview_url = reverse("cohort-import-preview", args=[round_cohort.pk, student_import.pk])
    assert response["Location"] == preview_url
    page = browser.get(preview_url).content.decode()
    assert "“fenna.dekker@” is geen geldig e-mailadres" in page
    assert "Niveau 3 doet niet mee" in page
    assert "worden bij het importeren <strong>overgeslagen</strong>" in page
    assert not User.objects.filter(email__endswith="albeda.example").exists()

    response = browser.post(reverse("cohort-import-confirm", args=[round_cohort.pk, student_import.pk]), follow=True)
    page = response.content.decode()
    assert "De import is klaar" in page
    assert "8 nieuw, 0 bijgewerkt, 0 ongewijzigd, 2 overgeslagen" in page
    assert StudentProfile.objects.filter(cohort=round_cohort).count() == 8


def test_the_next_file_with_the_same_columns_goes_straight_to_the_preview(round_cohort, browser, coordinator):
    header = "Wie;Adres;Lvl;Waar\r\n"
    upload(browser, round_cohort, "a.csv", (header + "Sara Jansen;s@x.nl;4;Albeda\r\n").encode())
    first = StudentImport.objects.get()
    mapping = {"name": "Wie", "email": "Adres", "niveau": "Lvl", "school": "Waar"}
    browser.post(reverse("cohort-import-mapping", args=[round_cohort.pk, first.pk]), mapping)
    assert ImportColumnMapping.objects.get().updated_by == coordinator

    response = upload(browser, round_cohort, "b.csv", (header + "Bas Bos;b@x.nl;5;Zadkine\r\n").encode())
    second = StudentImport.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse("cohort-import-preview", args=[round_cohort.pk, second.pk])


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("lijst.xls", b"\xd0\xcf\x11\xe0", "oude formaat"),
        ("lijst.csv", b"", "Het bestand is leeg"),
        ("lijst.xlsx", b"PK\x03\x04kapot", "beschadigd"),
        ("lijst.csv", b"Naam;E-mail\r\n", "alleen een kopregel"),
    ],
)
def test_a_bad_file_is_explained_on_the_upload_page_and_nothing_is_kept(round_cohort, browser, name, content, says):
    response = upload(browser, round_cohort, name, content)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not StudentImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(round_cohort, browser, monkeypatch):
    from wijklab import import_services

    monkeypatch.setattr(import_services, "MAX_FILE_BYTES", 50)
    response = upload(browser, round_cohort, "lijst.csv", b"Naam;E-mail\r\n" + b"Sara;s@x.nl\r\n" * 10)
    assert response.status_code == 400
    assert "groter dan" in response.content.decode()


def test_discarding_a_preview_stores_nothing(round_cohort, browser):
    upload(browser, round_cohort, "albeda-studenten.csv", example("albeda-studenten.csv"))
    student_import = StudentImport.objects.get()
    response = browser.post(reverse("cohort-import-discard", args=[round_cohort.pk, student_import.pk]), follow=True)
    assert "er is niets opgeslagen" in response.content.decode()
    student_import.refresh_from_db()
    assert student_import.status == StudentImport.Status.DISCARDED
    assert not User.objects.filter(email__endswith="albeda.example").exists()
    response = browser.post(reverse("cohort-import-confirm", args=[round_cohort.pk, student_import.pk]), follow=True)
    assert "al afgerond of verworpen" in response.content.decode()
    assert not User.objects.filter(email__endswith="albeda.example").exists()


def test_a_long_preview_is_paginated_and_filtered(round_cohort, browser):
    rows = "".join(f"Student {i};s{i}@x.nl;4;Albeda\r\n" for i in range(120)) + "Fout;fout@;4;Albeda\r\n"
    upload(browser, round_cohort, "lang.csv", ("Naam;E-mail;Niveau;School\r\n" + rows).encode())
    student_import = StudentImport.objects.get()
    url = reverse("cohort-import-preview", args=[round_cohort.pk, student_import.pk])
    page = browser.get(url).content.decode()
    assert "Pagina 1 van 3" in page
    assert "s49@x.nl" in page
    assert "s50@x.nl" not in page
    page = browser.get(url, {"toon": "problem"}).content.decode()
    assert "fout@" in page
    assert "s1@x.nl" not in page


def test_the_preview_page_takes_as_many_queries_for_10_rows_as_for_100(
    round_cohort, browser, django_assert_num_queries
):
    def preview_queries(n: int, prefix: str) -> int:
        rows = "".join(f"Student {i};{prefix}{i}@x.nl;4;Albeda;{prefix}{i}\r\n" for i in range(n))
        upload(browser, round_cohort, "lijst.csv", ("Naam;E-mail;Niveau;School;Studentnummer\r\n" + rows).encode())
        student_import = StudentImport.objects.latest("pk")
        with count_queries() as captured:
            response = browser.get(reverse("cohort-import-preview", args=[round_cohort.pk, student_import.pk]))
        assert response.status_code == 200
        return len(captured)

    assert preview_queries(10, "a") == preview_queries(100, "b")


def test_another_coordinator_gets_404_also_for_an_import_id_of_this_cohort(
    round_cohort, browser, other_coordinator, other_cohort
):
    upload(browser, round_cohort, "albeda-studenten.csv", example("albeda-studenten.csv"))
    student_import = StudentImport.objects.get()
    other = Client()
    other.force_login(other_coordinator)
    assert other.get(reverse("cohort-import", args=[round_cohort.pk])).status_code == 404
    # Their own cohort in the address, this cohort's import id: still not theirs.
    for name in ("cohort-import-preview", "cohort-import-mapping"):
        assert other.get(reverse(name, args=[other_cohort.pk, student_import.pk])).status_code == 404
    for name in ("cohort-import-confirm", "cohort-import-discard"):
        assert other.post(reverse(name, args=[other_cohort.pk, student_import.pk])).status_code == 404
    student_import.refresh_from_db()
    assert student_import.status == StudentImport.Status.PREVIEW


def test_students_and_supervisors_get_404(round_cohort, student4, mbo_docent):
    for user in (student4, mbo_docent):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("cohort-import", args=[round_cohort.pk])).status_code == 404


def test_an_archived_cohort_shows_its_imports_but_takes_no_new_file(round_cohort, browser):
    round_cohort.archived_at = dt.datetime(2027, 7, 2, tzinfo=dt.UTC)
    round_cohort.save()
    page = browser.get(reverse("cohort-import", args=[round_cohort.pk])).content.decode()
    assert "Dit cohort is gearchiveerd" in page
    assert 'type="file"' not in page
    response = upload(browser, round_cohort, "albeda-studenten.csv", example("albeda-studenten.csv"))
    assert response.status_code == 302
    assert not StudentImport.objects.exists()


def test_the_summary_links_to_the_invitations_only_when_that_page_exists(round_cohort, browser):
    upload(browser, round_cohort, "albeda-studenten.csv", example("albeda-studenten.csv"))
    student_import = StudentImport.objects.get()
    browser.post(reverse("cohort-import-confirm", args=[round_cohort.pk, student_import.pk]))
    page = browser.get(reverse("cohort-import-preview", args=[round_cohort.pk, student_import.pk])).content.decode()
    try:
        invitations = reverse("cohort-invitations", args=[round_cohort.pk])
    except NoReverseMatch:  # the invitations stream has not landed in this branch
        assert "Studenten uitnodigen" not in page
    else:
        assert invitations in page


def test_sending_the_upload_form_without_a_file_asks_for_one(round_cohort, browser):
    response = browser.post(reverse("cohort-import", args=[round_cohort.pk]), {})
    assert response.status_code == 400
    assert "Kies een bestand." in response.content.decode()
