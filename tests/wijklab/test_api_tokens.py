"""Personal API tokens: hashed at rest, Bearer (and the older Token scheme) on the API, revoked at once."""

import datetime as dt
import hashlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import api_token
from wijklab import selectors, services
from wijklab.errors import RuleViolation
from wijklab.models import ApiToken, AuditEntry, AuditKind

ME = "/api/me/"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- stored hashed --------------------------------------------------------------------------


def test_the_database_never_holds_the_token(student4):
    row, token = services.api_token_create(user=student4, name="Rooster-script")
    assert token.startswith("wl_")
    assert len(token) >= 40
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token[:10] == stored["prefix"]
    # No column anywhere in the row holds the token or its secret part.
    secret_part = token[10:]
    for value in stored.values():
        assert secret_part not in str(value)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM wijklab_apitoken")
        assert all(secret_part not in str(cell) for row_ in cursor.fetchall() for cell in row_)


def test_two_tokens_are_different(student4):
    assert api_token(student4) != api_token(student4)


# --- using one -----------------------------------------------------------------------------


def test_bearer_works_on_me(api_client, student4):
    response = api_client.get(ME, headers=bearer(api_token(student4)))
    assert response.status_code == 200
    assert response.json()["username"] == student4.username


def test_the_older_token_scheme_works_for_the_same_tokens(api_client, student4):
    token = api_token(student4)
    response = api_client.get(ME, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    # Scheme names are case-insensitive (RFC 9110).
    assert api_client.get(ME, headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_token_needs_no_csrf_for_writes(student4, open_assignment_for_student):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    response = client.put(
        "/api/preferences/",
        [{"assignment": open_assignment_for_student.pk, "rank": 1, "motivation": "Lijkt me mooi"}],
        format="json",
        headers=bearer(api_token(student4)),
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def open_assignment_for_student(assignment):
    from assignments.models import AssignmentStatus

    assignment.status = AssignmentStatus.OPEN
    assignment.save()
    return assignment


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wl_made-up-token-0000000000000000000000000000",
        "Bearer",
        "Bearer a b",
        "Token " + "0" * 40,
        "Bearer " + "x" * 500,
    ],
)
def test_unknown_or_malformed_tokens_are_401(api_client, db, header):
    response = api_client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_no_credentials_is_401_with_a_bearer_challenge(api_client, db):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_is_401_at_once(api_client, student4):
    row, token = services.api_token_create(user=student4, name="Script")
    assert api_client.get(ME, headers=bearer(token)).status_code == 200
    services.api_token_revoke(token=row, by=student4)
    assert api_client.get(ME, headers=bearer(token)).status_code == 401


def test_an_expired_token_is_401(api_client, student4):
    row, token = services.api_token_create(user=student4, name="Kort", expires_at=timezone.now() + dt.timedelta(days=1))
    assert api_client.get(ME, headers=bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_client.get(ME, headers=bearer(token)).status_code == 401


def test_a_deactivated_persons_token_is_401(api_client, student4):
    token = api_token(student4)
    student4.is_active = False
    student4.save()
    assert api_client.get(ME, headers=bearer(token)).status_code == 401


def test_an_erased_persons_tokens_are_gone(student4):
    api_token(student4)
    services.account_erase(user=student4)
    assert not ApiToken.objects.filter(user=student4).exists()


def test_a_token_acts_with_its_owners_permissions_and_no_more(api_client, student4, cohort):
    """A student's token is refused what a student is refused (managing cohorts), like their session."""
    token = api_token(student4)
    assert api_client.get("/api/cohorts/", headers=bearer(token)).status_code == 403
    assert api_client.get(f"/api/cohorts/{cohort.pk}/", headers=bearer(token)).status_code == 404
    # ... and a token reaches no page and no admin: those know only the session.
    assert api_client.get(reverse("profile"), headers=bearer(token)).status_code == 302
    assert api_client.get("/admin/", headers=bearer(token)).status_code == 302


def test_last_used_is_written_at_most_once_a_minute(api_client, student4, django_assert_num_queries):
    row, token = services.api_token_create(user=student4, name="Druk")
    assert row.last_used_at is None
    api_client.get(ME, headers=bearer(token))
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    # Within the minute: one read of the token with its owner (and /api/me/'s own read of the niveau), no write.
    with django_assert_num_queries(2):
        assert api_client.get(ME, headers=bearer(token)).status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api_client.get(ME, headers=bearer(token))
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first - dt.timedelta(minutes=2)


# --- making and revoking ---------------------------------------------------------------------


def test_creation_and_revocation_are_in_the_audit_log(student4):
    row, _token = services.api_token_create(user=student4, name="Script")
    services.api_token_revoke(token=row, by=student4)
    entries = list(AuditEntry.objects.filter(kind=AuditKind.API_TOKEN).order_by("id"))
    assert [e.description for e in entries] == [
        f"API-token {row.prefix}… aangemaakt.",
        f"API-token {row.prefix}… ingetrokken.",
    ]
    assert all(e.actor_id == student4.pk and e.subject_id == student4.pk for e in entries)
    assert all(e.object_type == "api_token" and e.object_id == str(row.pk) for e in entries)


def test_at_most_ten_tokens_per_person(student4, student5, settings):
    assert settings.API_TOKENS_PER_USER == 10
    for i in range(10):
        api_token(student4, name=f"Script {i}")
    with pytest.raises(RuleViolation) as refused:
        api_token(student4, name="Nog een")
    assert refused.value.code == "api_token_limit"
    assert "maximum" in str(refused.value.message)
    assert ApiToken.objects.filter(user=student4).count() == 10
    api_token(student5)  # someone else is not affected


def test_a_name_is_required_and_bounded(student4):
    from django.core.exceptions import ValidationError

    for name in ["", "   ", "x" * 101, "nul\x00byte"]:
        with pytest.raises(ValidationError):
            services.api_token_create(user=student4, name=name)
    with pytest.raises(ValidationError):
        services.api_token_create(user=student4, name="Te laat", expires_at=timezone.now() - dt.timedelta(days=1))
    assert not ApiToken.objects.exists()


# --- the pages -------------------------------------------------------------------------------


def test_the_page_shows_the_token_once(client, student4):
    client.force_login(student4)
    response = client.post(reverse("api-tokens"), {"name": "Rooster-script", "expires": "30"})
    assert response.status_code == 200
    page = response.content.decode()
    row = ApiToken.objects.get(user=student4)
    token = next(part.split('"')[0] for part in page.split('value="')[1:] if part.startswith("wl_"))
    assert selectors.api_token_hash(token) == row.token_hash
    assert "Kopieer het token nu" in page
    assert "no-store" in response["Cache-Control"]
    assert row.expires_at is not None
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    # The list shows its name and prefix, never the token.
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "Rooster-script" in listing
    assert row.prefix in listing
    assert token not in listing
    assert token not in str(dict(client.session))


def test_a_token_that_never_expires(client, student4):
    client.force_login(student4)
    client.post(reverse("api-tokens"), {"name": "Altijd", "expires": "never"})
    assert ApiToken.objects.get(user=student4).expires_at is None


def test_bad_input_on_the_page_is_a_dutch_message_and_nothing_stored(client, student4):
    client.force_login(student4)
    response = client.post(reverse("api-tokens"), {"name": "", "expires": "42"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dit veld is vereist." in page
    assert "Selecteer een geldige keuze." in page
    assert not ApiToken.objects.exists()


def test_the_limit_on_the_page_is_a_dutch_message(client, student4):
    for i in range(10):
        api_token(student4, name=f"Script {i}")
    client.force_login(student4)
    response = client.post(reverse("api-tokens"), {"name": "Elfde", "expires": "30"})
    assert response.status_code == 400
    assert "Je hebt al 10 API-tokens, het maximum" in response.content.decode()
    assert ApiToken.objects.filter(user=student4).count() == 10


def test_revoking_asks_first_and_then_takes_effect(client, api_client, student4):
    row, token = services.api_token_create(user=student4, name="Script")
    client.force_login(student4)
    confirm = client.get(reverse("api-token-revoke", args=[row.pk]))
    assert confirm.status_code == 200
    assert "intrekken?" in confirm.content.decode()
    assert ApiToken.objects.filter(pk=row.pk).exists()  # asking changes nothing
    response = client.post(reverse("api-token-revoke", args=[row.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert api_client.get(ME, headers=bearer(token)).status_code == 401


def test_someone_elses_token_is_not_found(client, student4, student5):
    row, _token = services.api_token_create(user=student5, name="Van Youssef")
    client.force_login(student4)
    assert client.get(reverse("api-token-revoke", args=[row.pk])).status_code == 404
    assert client.post(reverse("api-token-revoke", args=[row.pk])).status_code == 404
    assert client.post(reverse("api-token-revoke", args=[987654])).status_code == 404
    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert "Van Youssef" not in client.get(reverse("api-tokens")).content.decode()


def test_the_profile_page_links_to_the_tokens(client, student4):
    client.force_login(student4)
    assert reverse("api-tokens") in client.get(reverse("profile")).content.decode()


# --- the schema and the tokens from before ----------------------------------------------------


def test_the_schema_declares_bearer_and_token(client, db):
    schema = client.get("/api/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    security = schema["paths"]["/api/me/"]["get"]["security"]
    assert {"bearerAuth": []} in security
    assert {"tokenAuth": []} in security


@pytest.mark.django_db(transaction=True)
def test_drf_tokens_from_before_are_carried_over_hashed(api_client, student4):
    """The migration turns DRF authtoken keys (plain text) into hashed personal tokens that keep working."""
    from importlib import import_module

    carry_over = import_module("wijklab.migrations.0007_carry_over_drf_tokens_hashed").carry_over
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        try:
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, timezone.now(), student4.pk],
            )
            with connection.schema_editor() as editor:
                carry_over(apps, editor)
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        finally:
            cursor.execute("DROP TABLE authtoken_token")
    row = ApiToken.objects.get(user=student4)
    assert row.token_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:8]
    assert api_client.get(ME, headers={"Authorization": f"Token {key}"}).status_code == 200
    assert api_client.get(ME, headers=bearer(key)).status_code == 200
