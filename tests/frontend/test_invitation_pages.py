"""The invitation pages: the coordinator's list and form, colleagues of an organisation, the link in the mail."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import count_queries
from tests.factories import SchoolFactory, StudentFactory
from wijklab.invitation_selectors import InvitationInvalid, invitation_from_token
from wijklab.invitation_services import invitation_accept, invitation_create, invitation_revoke
from wijklab.models import Invitation, Role, SupervisorKind, User

PASSWORD = "Wijk-lab-2026-veilig"


@pytest.fixture
def hbo_school(cohort):
    school = SchoolFactory(name="Hogeschool Rotterdam", sector="hbo")
    cohort.schools.add(school)
    return school


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(coordinator, cohort, school, email="p.vanwijk@hr.nl"):
    return invitation_create(
        by=coordinator,
        email=email,
        display_name="Pieter van Wijk",
        role=Role.SUPERVISOR,
        supervisor_kind=SupervisorKind.HBO_DOCENT,
        school=school,
        cohort=cohort,
    )


def page_url(cohort) -> str:
    return reverse("cohort-invitations", kwargs={"cohort_id": cohort.pk})


def accept_url(token: str) -> str:
    return reverse("invitation-accept", kwargs={"token": token})


# --- the coordinator ---------------------------------------------------------------------------------------


def test_the_coordinator_invites_a_docent_and_the_mail_goes_out(
    coordinator, cohort, hbo_school, django_capture_on_commit_callbacks
):
    client = logged_in(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url(cohort),
            {"email": "p.vanwijk@hr.nl", "display_name": "Pieter", "kind": "hbo_docent", "school": hbo_school.pk},
            follow=True,
        )
    assert response.status_code == 200
    assert "Uitnodiging verstuurd naar p.vanwijk@hr.nl" in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.supervisor_kind, invitation.school) == (
        Role.SUPERVISOR,
        SupervisorKind.HBO_DOCENT,
        hbo_school,
    )
    assert len(mail.outbox) == 1
    assert "/uitnodiging/" in mail.outbox[0].body


def test_a_form_error_stores_nothing_and_says_why(coordinator, cohort, hbo_school):
    response = logged_in(coordinator).post(page_url(cohort), {"email": "p.vanwijk@hr.nl", "kind": "hbo_docent"})
    assert response.status_code == 400
    assert "Kies de school van deze docent." in response.content.decode()
    assert not Invitation.objects.exists()
    response = logged_in(coordinator).post(page_url(cohort), {"email": "geen-adres", "kind": "hbo_docent"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_list_shows_who_has_not_accepted_yet_and_filters(coordinator, cohort, hbo_school):
    accepted, _ = invite(coordinator, cohort, hbo_school, email="ja@hr.nl")
    invitation_accept(invitation=accepted, password=PASSWORD)
    invite(coordinator, cohort, hbo_school, email="nog-niet@hr.nl")
    expired, _ = invite(coordinator, cohort, hbo_school, email="verlopen@hr.nl")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client = logged_in(coordinator)
    page = client.get(page_url(cohort)).content.decode()
    for email in ("ja@hr.nl", "nog-niet@hr.nl", "verlopen@hr.nl"):
        assert email in page
    assert "Nog niet geaccepteerd: 1 open, 1 verlopen." in page
    pending = client.get(page_url(cohort) + "?status=pending").content.decode()
    assert "nog-niet@hr.nl" in pending
    assert "ja@hr.nl" not in pending
    assert "verlopen@hr.nl" not in pending


def test_the_list_costs_the_same_queries_for_many_invitations(
    coordinator, cohort, hbo_school, django_assert_max_num_queries
):
    client = logged_in(coordinator)
    invite(coordinator, cohort, hbo_school, email="een@hr.nl")
    client.get(page_url(cohort))

    with count_queries() as few:
        client.get(page_url(cohort))
    for n in range(30):
        invite(coordinator, cohort, hbo_school, email=f"docent{n}@hr.nl")
    with django_assert_max_num_queries(len(few)):
        response = client.get(page_url(cohort))
    assert response.content.decode().count('id="invitation-') == 25  # one page


def test_the_coordinator_invites_every_imported_student_at_once(
    coordinator, cohort, django_capture_on_commit_callbacks
):
    for n in range(3):
        student = StudentFactory(username=f"import{n}", profile__cohort=cohort)
        student.set_unusable_password()
        student.save()
    client = logged_in(coordinator)
    assert "3 geïmporteerde studenten hebben nog geen uitnodiging." in client.get(page_url(cohort)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(cohort), {"action": "invite_imported"}, follow=True)
    assert "3 studenten uitgenodigd" in response.content.decode()
    assert len(mail.outbox) == 3
    assert Invitation.objects.filter(role=Role.STUDENT, cohort=cohort).count() == 3


def test_resend_and_revoke_from_the_list(coordinator, cohort, hbo_school, django_capture_on_commit_callbacks):
    invitation, old = invite(coordinator, cohort, hbo_school)
    client = logged_in(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation-resend", args=[invitation.pk]))
    assert response.status_code == 302
    assert response["Location"] == page_url(cohort)
    assert len(mail.outbox) == 1
    with pytest.raises(InvitationInvalid):
        invitation_from_token(old)
    new = mail.outbox[0].body.split("/uitnodiging/")[1].split("/")[0]
    assert invitation_from_token(new) == invitation
    back = page_url(cohort) + "?status=pending&page=1"
    response = client.post(reverse("invitation-revoke", args=[invitation.pk]), {"back": back})
    assert response["Location"] == back
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    # "back" only leads back to the same list.
    response = client.post(reverse("invitation-resend", args=[invitation.pk]), {"back": "https://evil.example/"})
    assert response["Location"] == page_url(cohort)


def test_another_coordinator_gets_404(other_coordinator, coordinator, cohort, hbo_school):
    invitation, _ = invite(coordinator, cohort, hbo_school)
    client = logged_in(other_coordinator)
    assert client.get(page_url(cohort)).status_code == 404
    assert client.post(reverse("invitation-resend", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("invitation-revoke", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_coordinator_overview_shows_open_invitations(coordinator, cohort, hbo_school):
    invite(coordinator, cohort, hbo_school)
    page = logged_in(coordinator).get(reverse("home")).content.decode()
    assert page_url(cohort) in page
    assert "1 nog niet geaccepteerd" in page


# --- organisation contacts -----------------------------------------------------------------------------------


def test_an_organisation_contact_invites_a_colleague_and_sees_only_their_invitations(
    org_contact, other_org_contact, organisation, django_capture_on_commit_callbacks
):
    invitation_create(by=other_org_contact, email="ander@andere.nl", role=Role.ORGANISATION)
    client = logged_in(org_contact)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisation-invite"), {"email": "collega@org.nl", "kind": "werkbegeleider"}, follow=True
        )
    page = response.content.decode()
    assert "collega@org.nl" in page
    assert "werkbegeleider bij Testorganisatie" in page
    assert "ander@andere.nl" not in page
    invitation = Invitation.objects.get(email="collega@org.nl")
    assert invitation.organisation == organisation
    assert "Esther Willems" in mail.outbox[0].body
    # A colleague's invitation of another organisation is none of their business.
    other = Invitation.objects.get(email="ander@andere.nl")
    assert client.post(reverse("invitation-revoke", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("who", ["student4", "mbo_docent", "werkbegeleider", "coordinator"])
def test_only_organisation_contacts_have_the_colleague_page(request, who):
    assert logged_in(request.getfixturevalue(who)).get(reverse("organisation-invite")).status_code == 404


# --- the link in the mail --------------------------------------------------------------------------------------


def test_the_accept_page_keeps_the_token_to_itself(coordinator, cohort, hbo_school):
    _invitation, token = invite(coordinator, cohort, hbo_school)
    response = Client().get(accept_url(token))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Annemiek Hoekstra" in page
    assert cohort.name in page
    assert "p.vanwijk@hr.nl" in page


def test_accepting_with_a_password_signs_in(coordinator, cohort, hbo_school):
    _invitation, token = invite(coordinator, cohort, hbo_school)
    client = Client()
    response = client.post(accept_url(token), {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] in {"/profiel/", reverse("home")}
    user = User.objects.get(email="p.vanwijk@hr.nl")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user in cohort.supervisors.all()
    # The same link again: the friendly "already used" page.
    again = Client().get(accept_url(token))
    assert again.status_code == 200
    assert "al gebruikt" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"password1": PASSWORD, "password2": PASSWORD + "x"}, "niet hetzelfde"),
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        # Eleven characters: refused (at least 12, settings.AUTH_PASSWORD_VALIDATORS).
        ({"password1": "buurt-xq7zk", "password2": "buurt-xq7zk"}, "password1"),
        ({"password1": "", "password2": ""}, "password1"),
    ],
)
def test_a_failed_password_form_keeps_the_invitation_usable(coordinator, cohort, hbo_school, data, error):
    invitation, token = invite(coordinator, cohort, hbo_school)
    response = Client().post(accept_url(token), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not User.objects.filter(email="p.vanwijk@hr.nl").exists()
    assert invitation_from_token(token) == invitation


@pytest.mark.parametrize(
    ("spoil", "text"),
    [
        ("made_up", "Deze link werkt niet"),
        ("revoked", "Deze link werkt niet"),
        ("expired", "verlopen"),
    ],
)
def test_a_dead_link_gets_a_friendly_page(coordinator, cohort, hbo_school, spoil, text):
    invitation, token = invite(coordinator, cohort, hbo_school)
    if spoil == "made_up":
        token = token[:-2] + "xx"
    elif spoil == "revoked":
        invitation_revoke(invitation=invitation, by=coordinator)
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    for response in (
        Client().get(accept_url(token)),
        Client().post(accept_url(token), {"password1": PASSWORD, "password2": PASSWORD}),
    ):
        assert response.status_code == 200
        page = response.content.decode()
        assert text in page
        assert "Vraag degene die je uitnodigde" in page
        assert response["Referrer-Policy"] == "strict-origin"
    assert not User.objects.filter(email="p.vanwijk@hr.nl").exists()


def test_institution_buttons_only_when_a_provider_is_configured(coordinator, cohort, hbo_school, settings):
    _invitation, token = invite(coordinator, cohort, hbo_school)
    settings.OIDC_PROVIDERS = {}
    assert "Inloggen met" not in Client().get(accept_url(token)).content.decode()
    if not hasattr(settings, "OIDC_PROVIDER_LABELS"):
        pytest.skip("institution sign-in is not in this branch")
    settings.OIDC_PROVIDERS = {"surfconext": {"key": "surfconext", "label": "SURFconext"}}
    page = Client().get(accept_url(token)).content.decode()
    assert "Inloggen met SURFconext" in page
    assert f"?uitnodiging={token}" in page


def test_the_demo_has_one_pending_invitation_the_coordinator_sees(demo):
    coordinator = demo.user("coordinator")
    invitation = Invitation.objects.get(invited_by=coordinator)
    assert invitation.accepted_at is None
    assert invitation.revoked_at is None
    assert invitation.expires_at > timezone.now()
    page = logged_in(coordinator).get(page_url(invitation.cohort)).content.decode()
    assert "Esra Demir" in page
    assert "hbo-docent van Hogeschool Rotterdam" in page
