"""Signing in with SURFconext / eduID, against a real OpenID Connect provider.

The provider (tests/oidc_provider/) runs as its own process on 127.0.0.1; Wijklab
is Django's test client. Every redirect is followed for real: the authorization
request goes to the provider with ``requests``, which logs in on its form and
is sent back to Wijklab's callback; Wijklab then exchanges the code at the
provider's token endpoint and checks the ID token against its JWKS.
"""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import StudentFactory, UserFactory
from tests.oidc_provider.accounts import ACCOUNTS
from tests.oidc_provider.fixtures import CALLBACK_PATH, log_in_at_provider, oidc_provider  # noqa: F401 - fixture
from wijklab.invitation_services import invitation_create
from wijklab.models import ExternalIdentity, Invitation, Role, User
from wijklab.settings import oidc_provider_from_env

pytestmark = pytest.mark.django_db

SANNE_EMAIL = ACCOUNTS["sanne"]["email"]
TESTSERVER = "http://testserver"


@pytest.fixture
def surfconext(settings, oidc_provider, monkeypatch):  # noqa: F811 - the imported fixture
    """Wijklab with SURFconext pointed at the test provider, read from the environment as in production."""
    for name, value in oidc_provider.env("surfconext").items():
        monkeypatch.setenv(name, value)
    settings.OIDC_PROVIDERS = {"surfconext": oidc_provider_from_env("surfconext")}
    settings.SITE_URL = TESTSERVER
    return oidc_provider


@pytest.fixture
def imported_student(cohort):
    """A student as the import leaves them: an account without a password, not signed in yet."""
    student = StudentFactory(
        username="s.jansen", display_name="Sanne Jansen", email="s.jansen@hr.example.nl", profile__cohort=cohort
    )
    student.set_unusable_password()
    student.save()
    return student


@pytest.fixture
def student_invitation(coordinator, cohort, imported_student) -> tuple[Invitation, str]:
    return invitation_create(by=coordinator, email=imported_student.email, role=Role.STUDENT, cohort=cohort)


def start(client: Client, provider: str = "surfconext", **query: str):
    url = reverse("oidc-start", args=[provider])
    return client.get(f"{url}?{urlencode(query)}" if query else url)


def to_provider(client: Client, provider, *, username: str, **query: str) -> str:
    """Start the sign-in and log in at the provider; returns the callback URL it sends the browser to."""
    response = start(client, **query)
    assert response.status_code == 302
    assert response.url.startswith(provider.issuer + "/authorize/")
    back = log_in_at_provider(requests.Session(), response.url, username=username)
    assert back.startswith(TESTSERVER + CALLBACK_PATH)
    return back.removeprefix(TESTSERVER)


def sign_in(client: Client, provider, *, username: str, **query: str):
    return client.get(to_provider(client, provider, username=username, **query))


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def refused_with(response, reason: str) -> str:
    """The friendly page a refused sign-in ends on; returns its text."""
    assert response.status_code == 302
    assert response.url == f"{reverse('oidc-failed')}?reden={reason}"
    page = Client().get(response.url)
    assert page.status_code == 200
    return page.content.decode()


def test_the_authorization_request_uses_pkce_state_and_nonce_and_the_site_url(client, surfconext):
    response = start(client)
    params = {k: v[0] for k, v in parse_qs(urlsplit(response.url).query).items()}
    assert params["response_type"] == "code"
    assert params["client_id"] == surfconext.client_id
    assert params["redirect_uri"] == TESTSERVER + CALLBACK_PATH
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    stored = client.session["oidc_states"][params["state"]]
    assert stored["nonce"] == params["nonce"]
    assert stored["code_verifier"]
    assert stored["provider"] == "surfconext"


def test_an_invited_student_signs_in_by_the_invitation_link_and_the_identity_is_linked(
    client, surfconext, student_invitation, imported_student
):
    invitation, token = student_invitation
    # The link decides, not the e-mail address: the institution knows Sanne by another one.
    response = sign_in(client, surfconext, username="sanne", uitnodiging=token)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_user(client) == imported_student
    identity = ExternalIdentity.objects.get(user=imported_student)
    assert identity.issuer == surfconext.issuer
    assert identity.subject
    assert identity.email == SANNE_EMAIL
    assert identity.last_login_at is not None
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(reverse("home")).status_code == 200


def test_an_invited_person_is_matched_by_the_email_the_provider_verified(
    client, surfconext, coordinator, cohort, organisation
):
    invitation, _token = invitation_create(
        by=coordinator, email=SANNE_EMAIL.upper(), role=Role.ORGANISATION, cohort=cohort, organisation=organisation
    )
    response = sign_in(client, surfconext, username="sanne")
    user = signed_in_user(client)
    assert response.url == reverse("home")
    assert user is not None
    assert user.role == Role.ORGANISATION
    assert ExternalIdentity.objects.get(user=user).issuer == surfconext.issuer
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user == user


def test_an_email_the_provider_did_not_verify_matches_no_invitation(
    client, surfconext, coordinator, cohort, organisation
):
    invitation, _token = invitation_create(
        by=coordinator,
        email=SANNE_EMAIL,
        role=Role.ORGANISATION,
        cohort=cohort,
        organisation=organisation,
    )
    users = User.objects.count()
    text = refused_with(sign_in(client, surfconext, username="unverified"), "no-invitation")
    assert "Je hebt nog geen uitnodiging voor Wijklab" in text
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_identity_without_an_invitation_gets_a_friendly_page_and_no_account(client, surfconext, coordinator):
    users = User.objects.count()
    text = refused_with(sign_in(client, surfconext, username="stranger"), "no-invitation")
    assert "Er is geen account voor je gemaakt." in text
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()


def test_an_existing_account_with_the_same_email_is_not_signed_in_without_a_link(client, surfconext):
    # The institution's address alone never opens an account that was not linked by an invitation.
    UserFactory(username="onbekend", email=ACCOUNTS["stranger"]["email"], role=Role.ORGANISATION)
    refused_with(sign_in(client, surfconext, username="stranger"), "no-invitation")
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()


def test_the_next_sign_in_finds_the_account_by_issuer_and_subject_only(
    client, surfconext, student_invitation, imported_student, coordinator, cohort, organisation
):
    _invitation, token = student_invitation
    sign_in(client, surfconext, username="sanne", uitnodiging=token)
    assert signed_in_user(client) == imported_student
    client.post(reverse("logout"))
    assert signed_in_user(client) is None
    # Neither a changed address nor another pending invitation for the institution's address matters now.
    imported_student.email = "sanne@elders.example.nl"
    imported_student.save()
    invitation_create(
        by=coordinator,
        email=SANNE_EMAIL,
        role=Role.ORGANISATION,
        cohort=cohort,
        organisation=organisation,
    )
    users = User.objects.count()
    response = sign_in(client, surfconext, username="sanne")
    assert response.url == reverse("home")
    assert signed_in_user(client) == imported_student
    assert User.objects.count() == users
    assert ExternalIdentity.objects.count() == 1


def test_a_wrong_state_is_refused(client, surfconext, student_invitation):
    _invitation, token = student_invitation
    back = to_provider(client, surfconext, username="sanne", uitnodiging=token)
    query = parse_qs(urlsplit(back).query)
    forged = f"{CALLBACK_PATH}?{urlencode({'code': query['code'][0], 'state': 'x' * 32})}"
    refused_with(client.get(forged), "failed")
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()
    # A callback in another browser (no flow in its session) is refused as well.
    other = Client()
    refused_with(other.get(back), "failed")
    assert signed_in_user(other) is None


def test_a_replayed_callback_is_refused(client, surfconext, student_invitation, imported_student):
    _invitation, token = student_invitation
    back = to_provider(client, surfconext, username="sanne", uitnodiging=token)
    assert client.get(back).url == reverse("home")
    client.post(reverse("logout"))
    # The state was used up by the first callback: the same URL again signs nobody in.
    refused_with(client.get(back), "failed")
    assert signed_in_user(client) is None


def test_a_replayed_code_is_refused_by_the_provider(client, surfconext, student_invitation):
    _invitation, token = student_invitation
    back = to_provider(client, surfconext, username="sanne", uitnodiging=token)
    query = parse_qs(urlsplit(back).query)
    code, state = query["code"][0], query["state"][0]
    verifier = client.session["oidc_states"][state]["code_verifier"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": TESTSERVER + CALLBACK_PATH,
        "client_id": surfconext.client_id,
        "client_secret": surfconext.client_secret,
        "code_verifier": verifier,
    }
    # Someone who intercepted the code redeems it first …
    first = requests.post(f"{surfconext.issuer}/token/", data=exchange, timeout=10)
    assert first.status_code == 200
    assert "id_token" in first.json()
    # … so the provider refuses it when Wijklab exchanges it, and nobody is signed in.
    refused_with(client.get(back), "failed")
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()
    again = requests.post(f"{surfconext.issuer}/token/", data=exchange, timeout=10)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_the_provider_refuses_a_code_without_its_pkce_verifier(client, surfconext, student_invitation):
    _invitation, token = student_invitation
    back = to_provider(client, surfconext, username="sanne", uitnodiging=token)
    code = parse_qs(urlsplit(back).query)["code"][0]
    response = requests.post(
        f"{surfconext.issuer}/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": TESTSERVER + CALLBACK_PATH,
            "client_id": surfconext.client_id,
            "client_secret": surfconext.client_secret,
            "code_verifier": "x" * 64,
        },
        timeout=10,
    )
    assert response.status_code == 400


def test_an_expired_invitation_link_gets_the_friendly_page_before_the_provider(client, surfconext, student_invitation):
    invitation, token = student_invitation
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    text = refused_with(start(client, uitnodiging=token), "invitation-expired")
    assert "Deze uitnodiging is verlopen" in text


def test_an_invitation_that_expires_during_the_sign_in_makes_no_account(
    client, surfconext, coordinator, cohort, organisation
):
    invitation, token = invitation_create(
        by=coordinator,
        email="nieuw@wijkteam.example.nl",
        role=Role.ORGANISATION,
        cohort=cohort,
        organisation=organisation,
    )
    users = User.objects.count()
    back = to_provider(client, surfconext, username="sanne", uitnodiging=token)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    refused_with(client.get(back), "invitation-expired")
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()


def test_a_used_invitation_link_gets_the_friendly_page(client, surfconext, student_invitation):
    invitation, token = student_invitation
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    text = refused_with(start(client, uitnodiging=token), "invitation-used")
    assert "al gebruikt" in text


def test_an_inactive_account_is_refused(client, surfconext, student_invitation, imported_student):
    _invitation, token = student_invitation
    sign_in(client, surfconext, username="sanne", uitnodiging=token)
    client.post(reverse("logout"))
    User.objects.filter(pk=imported_student.pk).update(is_active=False)
    text = refused_with(sign_in(client, surfconext, username="sanne"), "inactive")
    assert "niet actief" in text
    assert signed_in_user(client) is None


def test_cancelling_at_the_provider_signs_nobody_in(client, surfconext):
    state = parse_qs(urlsplit(start(client).url).query)["state"][0]
    response = client.get(f"{CALLBACK_PATH}?{urlencode({'error': 'access_denied', 'state': state})}")
    assert "afgebroken" in refused_with(response, "cancelled")
    assert state not in client.session["oidc_states"]


def test_each_provider_uses_its_own_settings(
    client, surfconext, settings, monkeypatch, coordinator, cohort, organisation
):
    # eduID on the same provider but with a wrong secret: its sign-in fails, SURFconext's does not.
    for name, value in surfconext.env("eduid").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OIDC_EDUID_CLIENT_SECRET", "wrong")
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "eduid": oidc_provider_from_env("eduid")}
    invitation_create(
        by=coordinator,
        email=SANNE_EMAIL,
        role=Role.ORGANISATION,
        cohort=cohort,
        organisation=organisation,
    )
    response = start(client, "eduid")
    assert client.session["oidc_states"][parse_qs(urlsplit(response.url).query)["state"][0]]["provider"] == "eduid"
    back = log_in_at_provider(requests.Session(), response.url, username="sanne").removeprefix(TESTSERVER)
    refused_with(client.get(back), "failed")
    assert signed_in_user(client) is None
    assert sign_in(client, surfconext, username="sanne").url == reverse("home")


def test_the_login_page_offers_only_the_configured_providers(client, surfconext):
    page = client.get(reverse("login")).content.decode()
    assert "Inloggen met SURFconext" in page
    assert "Inloggen met eduID" not in page
    assert 'name="password"' in page  # password sign-in stays
    assert reverse("oidc-start", args=["eduid"]) not in page
    assert start(client, "eduid").status_code == 404


def test_without_configuration_there_are_no_buttons_and_no_start(client, settings):
    settings.OIDC_PROVIDERS = {}
    page = client.get(reverse("login")).content.decode()
    assert "Inloggen met" not in page
    assert start(client, "surfconext").status_code == 404
    assert start(client, "eduid").status_code == 404
    assert client.get(reverse("oidc-start", args=["google"])).status_code == 404


def test_a_password_login_still_works_beside_the_institution_backend(client, student4):
    response = client.post(reverse("login"), {"username": student4.username, "password": "wijklab-demo"})
    assert response.status_code == 302
    assert signed_in_user(client) == student4


def test_an_invitation_that_clashes_with_an_account_of_another_role_signs_nobody_in(
    client, surfconext, coordinator, cohort, organisation
):
    invitation, token = invitation_create(
        by=coordinator, email="dubbel@example.nl", role=Role.ORGANISATION, cohort=cohort, organisation=organisation
    )
    # Meanwhile the address became a student's.
    UserFactory(username="dubbel", email="dubbel@example.nl", role=Role.STUDENT)
    text = refused_with(sign_in(client, surfconext, username="stranger", uitnodiging=token), "conflict")
    assert "past niet bij een bestaand account" in text
    assert signed_in_user(client) is None
    assert not ExternalIdentity.objects.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_revoked_invitation_link_reads_like_one_that_never_existed(client, surfconext, student_invitation):
    invitation, token = student_invitation
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    revoked = refused_with(start(client, uitnodiging=token), "invitation-unknown")
    made_up = refused_with(start(client, uitnodiging="een-verzonnen-link"), "invitation-unknown")
    assert "Deze link werkt niet" in revoked
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(revoked).group() == main.search(made_up).group()


def test_an_institution_sign_in_and_a_refused_one_are_in_the_audit_log(
    client, surfconext, student_invitation, imported_student
):
    from wijklab.models import AuditEntry, AuditKind

    _invitation, token = student_invitation
    sign_in(client, surfconext, username="sanne", uitnodiging=token)
    entry = AuditEntry.objects.get(kind=AuditKind.SIGN_IN)
    assert (entry.actor, entry.subject) == (imported_student, imported_student)
    assert "instellingsaccount" in entry.description
    assert entry.address == "127.0.0.1"

    refused_with(sign_in(Client(), surfconext, username="stranger"), "no-invitation")
    failed = AuditEntry.objects.get(kind=AuditKind.SIGN_IN_FAILED)
    assert failed.actor is None
    assert "instellingsaccount" in failed.description
