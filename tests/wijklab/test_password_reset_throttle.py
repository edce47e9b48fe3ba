"""The password-reset form sends a few mails per account and per address an hour, and says the same every time."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from wijklab import services
from wijklab.models import PasswordResetRequest

NEUTRAL = "Als er een account bij dit e-mailadres hoort, hebben we je een link gestuurd."


@pytest.fixture
def sanne(db):
    return get_user_model().objects.create_user(
        username="sanne", password="x-lang-wachtwoord-1", email="sanne@example.org"
    )


@pytest.fixture
def youssef(db):
    return get_user_model().objects.create_user(
        username="youssef", password="x-lang-wachtwoord-2", email="youssef@example.org"
    )


def _ask(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True)


def test_ten_requests_send_at_most_three_mails_and_answer_the_same(client, sanne, mailoutbox):
    answers = [_ask(client, sanne.email) for _ in range(10)]
    assert len(mailoutbox) == 3
    assert all(a.status_code == 200 and NEUTRAL in a.content.decode() for a in answers)
    assert {a.redirect_chain[-1][0] for a in answers} == {reverse("password_reset_done")}


def test_another_account_is_not_affected(client, sanne, youssef, mailoutbox):
    for _ in range(10):
        _ask(client, sanne.email)
    _ask(client, youssef.email)
    assert [m.to for m in mailoutbox].count([youssef.email]) == 1
    assert [m.to for m in mailoutbox].count([sanne.email]) == 3


def test_the_account_limit_holds_from_any_address(client, sanne, mailoutbox):
    for i in range(10):
        _ask(client, sanne.email, address=f"10.0.1.{i}")
    assert len(mailoutbox) == 3


def test_an_unknown_address_answers_the_same_and_sends_nothing(client, db, mailoutbox):
    response = _ask(client, "niemand@example.org")
    assert NEUTRAL in response.content.decode()
    assert mailoutbox == []


def test_one_client_address_is_limited_across_accounts(client, db, settings, mailoutbox):
    settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS = 5
    users = [
        get_user_model().objects.create_user(username=f"p{i}", password="x-lang-wachtwoord", email=f"p{i}@example.org")
        for i in range(8)
    ]
    answers = [_ask(client, u.email, address="192.0.2.7") for u in users]
    assert len(mailoutbox) == 5
    assert all(NEUTRAL in a.content.decode() for a in answers)
    # Another address still gets through.
    _ask(client, users[-1].email, address="192.0.2.8")
    assert len(mailoutbox) == 6


def test_a_forged_forwarded_for_does_not_dodge_the_address_limit(client, db, settings, mailoutbox):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS = 2
    users = [
        get_user_model().objects.create_user(username=f"q{i}", password="x-lang-wachtwoord", email=f"q{i}@example.org")
        for i in range(4)
    ]
    for i, user in enumerate(users):
        client.post(
            reverse("password_reset"), {"email": user.email}, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"
        )
    assert len(mailoutbox) == 2


def test_after_an_hour_mails_go_out_again_and_old_rows_are_forgotten(sanne):
    now = timezone.now()
    for _ in range(3):
        assert services.password_reset_admit(users=[sanne], address="10.0.0.1", now=now) == [sanne]
    assert services.password_reset_admit(users=[sanne], address="10.0.0.1", now=now) == []
    later = now + dt.timedelta(hours=1, seconds=1)
    assert services.password_reset_admit(users=[sanne], address="10.0.0.1", now=later) == [sanne]
    assert not PasswordResetRequest.objects.filter(created_at__lt=later - dt.timedelta(hours=1)).exists()


def test_it_works_without_the_cache(client, sanne, mailoutbox, settings):
    """The count is kept in the database: a cache that cannot be reached changes nothing."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    for _ in range(5):
        _ask(client, sanne.email)
    assert len(mailoutbox) == 3


def test_axes_does_not_count_reset_requests(client, sanne, mailoutbox):
    """The sign-in lockout (axes) is about sign-ins; the reset form has its own limits (above), and a
    locked-out person can still ask for a link (the lockout page says so)."""
    from axes.models import AccessAttempt

    for _ in range(5):
        _ask(client, sanne.email)
    assert not AccessAttempt.objects.exists()
