"""Changing the password ends the other sessions; the second factor (TOTP) at sign-in, who must use it,
and the admin (docs/second-factor.md, README "Security settings")."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from wijklab.models import AuditEntry, AuditKind, UserSession

PASSWORD = django_settings.DEMO_PASSWORD  # every named person's (tests/factories.py)
NEW_PASSWORD = "een-heel-nieuw-wachtwoord-2026"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or ``steps_ahead`` periods of 30 s later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def signed_in(client: Client, user) -> Client:
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert client.session.get(SESSION_KEY) == str(user.pk)
    return client


def turn_on_second_factor(client: Client, user) -> TOTPDevice:
    """Through the page, as a person does: start, then a first code."""
    assert client.post(reverse("second-factor"), {"action": "start"}).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("second-factor"), {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 302, response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def fresh_code(device: TOTPDevice) -> str:
    """A code not used before (each code works once): the next period's, which the tolerance accepts."""
    return code_for(device, steps_ahead=1)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- changing the password -----------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(student4):
    here, laptop, phone = Client(), Client(), Client()
    for client in (here, laptop, phone):
        signed_in(client, student4)
    assert UserSession.objects.filter(user=student4).count() == 3
    other_keys = {laptop.session.session_key, phone.session.session_key}

    response = here.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert "Je wachtwoord is gewijzigd" in " ".join(messages_of(response))
    student4.refresh_from_db()
    assert student4.check_password(NEW_PASSWORD)

    # This session stays signed in (under a new key); the others are gone from the session store.
    assert here.get(reverse("home")).status_code == 200
    assert not Session.objects.filter(session_key__in=other_keys).exists()
    for client in (laptop, phone):
        assert client.get(reverse("home")).status_code == 302
    assert list(UserSession.objects.filter(user=student4).values_list("session_key", flat=True)) == [
        here.session.session_key
    ]
    entry = AuditEntry.objects.get(kind=AuditKind.PASSWORD_CHANGED)
    assert entry.actor_id == entry.subject_id == student4.pk


def test_a_password_change_revokes_the_api_tokens_unless_the_person_keeps_them(student4):
    from tests.factories import api_token

    here = signed_in(Client(), student4)
    assert "revoke_api_tokens" not in here.get(reverse("password-change")).content.decode()  # no tokens: no question
    tokens = [api_token(student4, name) for name in ("Rooster", "Export")]
    page = here.get(reverse("password-change")).content.decode()
    assert re.search(r'<input type="checkbox" name="revoke_api_tokens"[^>]* checked', page), "ticked by default"

    # Kept: the box unticked (a browser then sends nothing for it).
    here.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    api = Client()
    assert api.get(reverse("api-me"), headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 200

    # Revoked: ticked, as it is by default.
    response = here.post(
        reverse("password-change"),
        {
            "old_password": NEW_PASSWORD,
            "new_password1": PASSWORD + "-nieuw",
            "new_password2": PASSWORD + "-nieuw",
            "revoke_api_tokens": "on",
        },
    )
    assert "Je 2 API-tokens zijn ingetrokken." in messages_of(response)
    for token in tokens:
        assert api.get(reverse("api-me"), headers={"Authorization": f"Bearer {token}"}).status_code == 401
    last = AuditEntry.objects.filter(kind=AuditKind.PASSWORD_CHANGED).latest("pk")
    assert "2 API-token(s) ingetrokken" in last.description


def test_a_wrong_current_password_changes_nothing(student4):
    here, laptop = signed_in(Client(), student4), signed_in(Client(), student4)
    response = here.post(
        reverse("password-change"),
        {"old_password": "niet-mijn-wachtwoord", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Je huidige wachtwoord klopt niet. Er is niets gewijzigd." in response.content.decode()
    student4.refresh_from_db()
    assert student4.check_password(PASSWORD)
    assert laptop.get(reverse("home")).status_code == 200
    assert not AuditEntry.objects.filter(kind=AuditKind.PASSWORD_CHANGED).exists()


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        ("kort-2026", "kort-2026", "Dit wachtwoord is te kort: gebruik minstens 12 tekens."),
        ("password1234", "password1234", "Dit wachtwoord is te algemeen."),
        ("938475610293", "938475610293", "Dit wachtwoord bevat alleen cijfers."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "De twee nieuwe wachtwoorden zijn niet gelijk."),
    ],
)
def test_the_new_password_must_pass_the_validators(student4, new1, new2, message):
    client = signed_in(Client(), student4)
    response = client.post(
        reverse("password-change"), {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    student4.refresh_from_db()
    assert student4.check_password(PASSWORD)


def test_the_password_pages_are_for_people_with_a_password(student4):
    student4.set_unusable_password()  # signs in with an institution only
    student4.save()
    client = Client()
    client.force_login(student4, backend="wijklab.oidc.InstitutionBackend")
    assert client.get(reverse("password-change")).status_code == 404
    assert client.get(reverse("second-factor")).status_code == 404
    assert reverse("password-change") not in client.get(reverse("profile")).content.decode()


def test_the_profile_links_to_both(student4):
    page = signed_in(Client(), student4).get(reverse("profile")).content.decode()
    assert reverse("password-change") in page
    assert reverse("second-factor") in page


def test_signing_out_forgets_the_session(student4):
    client = signed_in(Client(), student4)
    key = client.session.session_key
    assert UserSession.objects.filter(session_key=key, user=student4).exists()
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()


# --- turning the second factor on and off -------------------------------------------------------


def test_turning_it_on_shows_a_qr_code_and_the_secret_and_needs_a_first_code(student4):
    client = signed_in(Client(), student4)
    page = client.get(reverse("second-factor")).content.decode()
    assert "Tweestapsverificatie instellen" in page
    client.post(reverse("second-factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=student4)
    assert not device.confirmed
    page = client.get(reverse("second-factor")).content.decode()
    assert "<svg" in page
    assert 'class="qr-code"' in page
    assert " style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # the policy allows no inline style
    secret = page.split('id="second-factor-secret">', 1)[1].split("<", 1)[0]
    assert len(secret.replace(" ", "")) == 32

    response = client.post(reverse("second-factor"), {"action": "confirm", "code": "000000"})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()  # the app's throttle after a wrong code (seconds): not what this test is about
    response = client.post(reverse("second-factor"), {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 302
    assert "Tweestapsverificatie staat aan" in " ".join(messages_of(response))
    device.refresh_from_db()
    assert device.confirmed
    # This session has passed the second factor by confirming it.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AuditEntry.objects.filter(kind=AuditKind.SECOND_FACTOR, subject=student4).count() == 1
    assert "Tweestapsverificatie uitzetten" in client.get(reverse("second-factor")).content.decode()


def test_turning_it_off_asks_the_password(student4):
    client = signed_in(Client(), student4)
    turn_on_second_factor(client, student4)
    response = client.post(reverse("second-factor"), {"action": "disable", "password": "fout-wachtwoord"})
    assert response.status_code == 200
    assert "Dit wachtwoord klopt niet" in response.content.decode()
    assert TOTPDevice.objects.filter(user=student4, confirmed=True).exists()

    response = client.post(reverse("second-factor"), {"action": "disable", "password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=student4).exists()
    assert AuditEntry.objects.filter(kind=AuditKind.SECOND_FACTOR, subject=student4).count() == 2
    # Signing in takes the password alone again.
    assert signed_in(Client(), student4)


def test_an_unknown_action_changes_nothing(student4):
    client = signed_in(Client(), student4)
    response = client.post(reverse("second-factor"), {"action": "disable", "password": PASSWORD})
    assert response.status_code == 302
    assert "Dat kan nu niet" in " ".join(messages_of(response))
    assert not TOTPDevice.objects.exists()


# --- signing in with a code ----------------------------------------------------------------------


@pytest.fixture
def with_app(student4) -> TOTPDevice:
    client = signed_in(Client(), student4)
    return turn_on_second_factor(client, student4)


def test_signing_in_asks_the_code_after_the_password(student4, with_app):
    client = Client()
    response = client.post(
        reverse("login") + "?next=/profiel/", {"username": "sanne", "password": PASSWORD, "next": "/profiel/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("login-code")
    assert SESSION_KEY not in client.session  # nobody is signed in yet
    assert client.get(reverse("home")).status_code == 302
    page = client.get(reverse("login-code")).content.decode()
    assert 'autocomplete="one-time-code"' in page

    response = client.post(reverse("login-code"), {"code": fresh_code(with_app)})
    assert response.status_code == 302
    assert response["Location"] == "/profiel/"
    assert client.session[SESSION_KEY] == str(student4.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == with_app.persistent_id
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(kind=AuditKind.SIGN_IN, subject=student4).exists()


def test_a_wrong_code_is_refused_and_counts_as_a_failed_sign_in(student4, with_app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # the wait after a wrong code: long enough for a slow machine
    client = Client()
    client.post(reverse("login"), {"username": "sanne", "password": PASSWORD})
    failed_before = AuditEntry.objects.filter(kind=AuditKind.SIGN_IN_FAILED).count()
    response = client.post(reverse("login-code"), {"code": "123 456"})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="sanne").failures_since_start == 1
    assert AuditEntry.objects.filter(kind=AuditKind.SIGN_IN_FAILED).count() == failed_before + 1
    # Right after a wrong code the app's own throttle asks a few seconds' patience.
    response = client.post(reverse("login-code"), {"code": fresh_code(with_app)})
    assert "Wacht een paar seconden" in response.content.decode()
    assert SESSION_KEY not in client.session
    with_app.throttle_reset()
    response = client.post(reverse("login-code"), {"code": fresh_code(with_app)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(student4.pk)


def test_not_a_code_is_refused_in_dutch(student4, with_app):
    client = Client()
    client.post(reverse("login"), {"username": "sanne", "password": PASSWORD})
    for bad in ["", "abcdef", "12345", "1234567", "<script>"]:
        response = client.post(reverse("login-code"), {"code": bad})
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_wrong_codes_lock_out_like_wrong_passwords(student4, with_app, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    client.post(reverse("login"), {"username": "sanne", "password": PASSWORD})
    statuses = []
    for _ in range(3):
        with_app.throttle_reset()
        statuses.append(client.post(reverse("login-code"), {"code": "000000"}).status_code)
    assert statuses[-1] == 429
    # Even the right password and code do not get in now.
    client = Client()
    assert client.post(reverse("login"), {"username": "sanne", "password": PASSWORD}).status_code == 429
    assert SESSION_KEY not in client.session


def test_the_code_step_without_a_password_first_goes_back_to_the_log_in(db):
    client = Client()
    response = client.get(reverse("login-code"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.post(reverse("login-code"), {"code": "123456"})["Location"] == reverse("login")


def test_a_password_waits_for_its_code_five_minutes_at_most(student4, with_app):
    client = Client()
    client.post(reverse("login"), {"username": "sanne", "password": PASSWORD})
    session = client.session
    pending = session["wijklab_second_factor_pending"]
    pending["at"] -= django_settings.SECOND_FACTOR_PENDING_SECONDS + 1
    session["wijklab_second_factor_pending"] = pending
    session.save()
    response = client.post(reverse("login-code"), {"code": fresh_code(with_app)})
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_admins_own_log_in_sends_a_person_with_an_app_to_the_log_in_page(student4, with_app):
    student4.is_staff = True
    student4.save()
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "sanne", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200
    assert "Dit account gebruikt tweestapsverificatie" in response.content.decode()
    assert SESSION_KEY not in client.session


# --- who must use it ---------------------------------------------------------------------------


def test_a_coordinator_must_set_it_up_first_outside_the_local_mode(coordinator, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    client = signed_in(Client(), coordinator)
    for path in [reverse("home"), reverse("profile"), "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("second-factor"), path
    assert client.get(reverse("api-me")).status_code == 403
    assert client.get(reverse("home"), headers={"HX-Request": "true"})["HX-Redirect"] == reverse("second-factor")
    page = client.get(reverse("second-factor")).content.decode()
    assert "verplicht" in page

    turn_on_second_factor(client, coordinator)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("api-me")).status_code == 200

    # The next sign-in asks the code.
    other = Client()
    response = other.post(reverse("login"), {"username": "coordinator", "password": PASSWORD})
    assert response["Location"] == reverse("login-code")


def test_a_session_of_a_coordinator_with_an_app_that_passed_no_code_is_signed_out(coordinator, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)  # e.g. added in the admin
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_in_the_local_mode_the_demo_coordinator_signs_in_with_the_password_only(coordinator, settings):
    settings.SECOND_FACTOR_REQUIRED = False
    client = signed_in(Client(), coordinator)
    assert client.get(reverse("home")).status_code == 200


def test_students_are_not_required_to(student4, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    client = signed_in(Client(), student4)
    assert client.get(reverse("home")).status_code == 200


def test_an_institution_sign_in_is_exempt(coordinator, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    client = Client()
    client.force_login(coordinator, backend="wijklab.oidc.InstitutionBackend")
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_requires_the_second_factor_for_staff_outside_the_local_mode(student4, settings):
    student4.is_staff = True
    student4.is_superuser = True
    student4.save()
    settings.SECOND_FACTOR_REQUIRED = True
    client = signed_in(Client(), student4)
    response = client.get("/admin/")
    assert response["Location"] == reverse("second-factor")
    turn_on_second_factor(client, student4)
    assert client.get("/admin/").status_code == 200

    # In the local mode the admin takes the password alone.
    settings.SECOND_FACTOR_REQUIRED = False
    TOTPDevice.objects.all().delete()
    local = signed_in(Client(), student4)
    assert local.get("/admin/").status_code == 200
