"""Files in the chat: images and PDFs up to 10 MB, type from the content, only for readers, as a download."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from teams.models import Attachment, Message
from tests.factories import pdf_bytes
from tests.teams.chat.support import _fresh_chat_cache  # noqa: F401

PDF = pdf_bytes()


def _png(width=1200, height=800, color=(11, 95, 115)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 0)).save(out, format="JPEG")
    return out.getvalue()


def _upload(client, team, name, content, content_type="application/octet-stream", **extra):
    return client.post(
        reverse("api-chat-attachments", kwargs={"team_id": team.pk}),
        {
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "client_id": extra.pop("client_id", name),
            **extra,
        },
        format="multipart",
    )


def test_an_image_is_stored_with_a_thumbnail_and_offered_as_a_download(team, student4, student5, client_for):
    response = _upload(client_for(student4), team, "wijkkaart.png", _png(), "image/png", body="De kaart van de wijk")
    assert response.status_code == 201
    assert response.data["body"] == "De kaart van de wijk"
    [data] = response.data["attachments"]
    assert (data["kind"], data["content_type"], data["name"]) == ("image", "image/png", "wijkkaart.png")
    assert (data["width"], data["height"]) == (1200, 800)
    attachment = Attachment.objects.get()
    # Stored through the storage API under a name we chose, never the uploaded one.
    assert attachment.file.name.startswith(f"chat/{team.pk}/")
    assert "wijkkaart" not in attachment.file.name
    assert default_storage.exists(attachment.file.name)

    download = client_for(student5).get(data["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "wijkkaart.png" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == _png()

    thumb = client_for(student5).get(data["thumbnail_url"])
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/webp"
    assert thumb["X-Content-Type-Options"] == "nosniff"
    with Image.open(BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 480


def test_a_pdf_is_accepted_and_has_no_thumbnail(team, student4, client_for):
    response = _upload(client_for(student4), team, "verslag.pdf", PDF, "application/pdf")
    assert response.status_code == 201
    [data] = response.data["attachments"]
    assert (data["kind"], data["content_type"], data["thumbnail_url"]) == ("pdf", "application/pdf", None)
    download = client_for(student4).get(data["url"])
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_type_comes_from_the_content_not_the_name(team, student4, client_for):
    client = client_for(student4)
    # A JPEG called .pdf is an image; a PDF called .jpg is a PDF.
    assert _upload(client, team, "foto.pdf", _jpeg(), "application/pdf").data["attachments"][0]["content_type"] == (
        "image/jpeg"
    )
    assert _upload(client, team, "scan.jpg", PDF, "image/jpeg").data["attachments"][0]["kind"] == "pdf"
    png = _upload(client, team, "kaart.pdf", _png(), "application/pdf").data["attachments"][0]
    stored = Attachment.objects.order_by("id")
    assert stored[0].file.name.endswith(".jpg")
    assert stored[1].file.name.endswith(".pdf")
    assert stored[2].file.name.endswith(".png")
    # The name offered for download carries the detected type too.
    assert [a.original_name for a in stored] == ["foto.jpg", "scan.pdf", "kaart.png"]
    assert png["name"] == "kaart.png"
    assert 'filename="kaart.png"' in client.get(png["url"])["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("foto.jpeg", "foto.jpeg"),
        ("foto.JPG", "foto.JPG"),
        ("foto", "foto.jpg"),
        ("...", "bijlage.jpg"),
        ("a.b.exe", "a.b.jpg"),
        ("../../etc/passwd", "passwd.jpg"),
    ],
)
def test_the_name_ends_in_the_detected_type(team, student4, client_for, name, expected):
    data = _upload(client_for(student4), team, name, _jpeg(), "image/jpeg", client_id="naam").data["attachments"][0]
    assert data["name"] == expected


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-" + b"junk" * 200,  # the first five bytes of a PDF and nothing else
        b"%PDF-1.7\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",  # no pages
        pdf_bytes()[:300],  # truncated
    ],
)
def test_a_pdf_is_accepted_only_when_pypdf_reads_it(team, student4, client_for, content):
    response = _upload(client_for(student4), team, "verslag.pdf", content, "application/pdf")
    assert response.status_code == 400
    assert "lijkt een PDF, maar is beschadigd" in response.data["file"][0]
    assert not Attachment.objects.exists()
    assert not Message.objects.exists()


def test_a_password_protected_pdf_is_refused(team, student4, client_for):
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="geheim", owner_password="geheim")
    out = BytesIO()
    writer.write(out)
    response = _upload(client_for(student4), team, "geheim.pdf", out.getvalue(), "application/pdf")
    assert response.status_code == 400
    assert "wachtwoord" in response.data["file"][0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plaatje.png", b"<html><script>alert(1)</script></html>"),
        ("plaatje.png", _png()[:200]),  # truncated
        ("tekening.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("leeg.pdf", b""),
    ],
)
def test_anything_else_is_refused_with_a_dutch_reason_and_nothing_is_stored(team, student4, client_for, name, content):
    response = _upload(client_for(student4), team, name, content, "image/png")
    assert response.status_code == 400
    assert response.data["file"][0]
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()


def test_more_than_10_mb_is_refused(team, student4, client_for):
    response = _upload(client_for(student4), team, "groot.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    assert response.status_code == 400
    assert "10 MB" in response.data["file"][0]
    assert not Attachment.objects.exists()


def test_an_upload_resent_with_its_client_id_is_stored_once(team, student4, client_for):
    client = client_for(student4)
    first = _upload(client, team, "verslag.pdf", PDF, client_id="upload-1")
    again = _upload(client, team, "verslag.pdf", PDF, client_id="upload-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("person", ["outsider_student", "other_org_contact", "other_supervisor", "coordinator"])
def test_only_readers_can_download(request, team, student4, client_for, person):
    data = _upload(client_for(student4), team, "foto.png", _png(), "image/png").data["attachments"][0]
    client = client_for(request.getfixturevalue(person))
    assert client.get(data["url"]).status_code == 404
    assert client.get(data["thumbnail_url"]).status_code == 404
    assert client_for(None).get(data["url"]).status_code in {401, 403}


def test_a_file_of_a_deleted_or_hidden_message_is_gone(team, student4, hbo_docent, client_for):
    client = client_for(student4)
    first = _upload(client, team, "a.pdf", PDF, client_id="a").data
    second = _upload(client, team, "b.pdf", PDF, client_id="b").data
    client.delete(reverse("api-chat-message", kwargs={"team_id": team.pk, "message_id": first["id"]}))
    client_for(hbo_docent).post(
        reverse("api-chat-hide", kwargs={"team_id": team.pk, "message_id": second["id"]}), {"reason": "privacy"}
    )
    assert client.get(first["attachments"][0]["url"]).status_code == 404
    assert client.get(second["attachments"][0]["url"]).status_code == 404


def test_an_attachment_url_of_another_team_does_not_work_through_my_team(team, student4, outsider_student, client_for):
    from tests.factories import TeamFactory, add_member

    other = TeamFactory(assignment=team.assignment, name="Team Elders")
    add_member(other, outsider_student)
    data = _upload(client_for(outsider_student), other, "elders.pdf", PDF).data["attachments"][0]
    url = reverse("api-chat-attachment", kwargs={"team_id": team.pk, "attachment_id": data["id"]})
    assert client_for(student4).get(url).status_code == 404
