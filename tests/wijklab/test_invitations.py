"""Invitations: a single-use link, valid for 14 days, stored hashed; accepting makes or claims the account."""

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends import locmem
from django.utils import timezone

from tests.factories import SchoolFactory, StudentFactory, UserFactory
from wijklab.errors import RuleViolation
from wijklab.invitation_selectors import (
    InvitationInvalid,
    imported_students_without_invitation,
    invitation_from_token,
    invitations_of_cohort,
    pending_invitation_for_email,
)
from wijklab.invitation_services import (
    invitation_accept,
    invitation_create,
    invitation_create_for_imported_students,
    invitation_resend,
    invitation_revoke,
)
from wijklab.models import ExternalIdentity, Invitation, Role, SupervisorKind, User
from wijklab.tasks import send_invitation_email

PASSWORD = "Wijk-lab-2026-veilig"


@pytest.fixture
def hbo_school(db):
    return SchoolFactory(name="Hogeschool Rotterdam", sector="hbo")


@pytest.fixture
def mbo_school(db):
    return SchoolFactory(name="Albeda", sector="mbo")


@pytest.fixture
def imported(cohort) -> User:
    """A student as the import makes them: an account without a usable password."""
    student = StudentFactory(username="imported", display_name="Ilse Import", profile__cohort=cohort)
    student.set_unusable_password()
    student.save()
    return student


def invite_docent(coordinator, cohort, school, *, email="p.vanwijk@hr.nl"):
    return invitation_create(
        by=coordinator,
        email=email,
        display_name="Pieter van Wijk",
        role=Role.SUPERVISOR,
        supervisor_kind=SupervisorKind.HBO_DOCENT,
        school=school,
        cohort=cohort,
    )


# --- the link ---------------------------------------------------------------------------------------------


def test_only_the_hash_of_the_secret_is_stored(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    secret = token.rsplit(".", 1)[0]
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in Invitation.objects.values_list(flat=False).get(pk=invitation.pk)]
    assert not any(secret in value for value in stored)
    assert len(secret) >= 40  # 32 random bytes


def test_the_link_opens_its_invitation_and_is_valid_for_14_days(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    assert invitation_from_token(token) == invitation
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=13, hours=23)
    assert invitation.expires_at - timezone.now() <= dt.timedelta(days=14)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # the secret
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: "",
        lambda t: "x" * 500,
    ],
)
def test_a_made_up_or_altered_link_is_unknown(coordinator, cohort, hbo_school, mangle):
    _invitation, token = invite_docent(coordinator, cohort, hbo_school)
    with pytest.raises(InvitationInvalid) as exc:
        invitation_from_token(mangle(token))
    assert exc.value.code == "unknown"


def test_an_expired_link_is_refused(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvitationInvalid) as exc:
        invitation_from_token(token)
    assert exc.value.code == "expired"
    assert "14 dagen" in str(exc.value.message)
    with pytest.raises(InvitationInvalid):
        invitation_accept(invitation=invitation, password=PASSWORD)
    assert not User.objects.filter(email="p.vanwijk@hr.nl").exists()


def test_a_link_works_once(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    invitation_accept(invitation=invitation, password=PASSWORD)
    with pytest.raises(InvitationInvalid) as exc:
        invitation_from_token(token)
    assert exc.value.code == "used"
    with pytest.raises(InvitationInvalid):
        invitation_accept(invitation=invitation, password=PASSWORD)
    assert User.objects.filter(email="p.vanwijk@hr.nl").count() == 1


def test_resending_replaces_the_link(coordinator, cohort, hbo_school):
    invitation, old = invite_docent(coordinator, cohort, hbo_school)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    invitation, new = invitation_resend(invitation=invitation, by=coordinator)
    assert new != old
    with pytest.raises(InvitationInvalid) as exc:
        invitation_from_token(old)
    assert exc.value.code == "unknown"
    assert invitation_from_token(new) == invitation
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13)


def test_a_revoked_link_reads_like_an_unknown_one(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    invitation_revoke(invitation=invitation, by=coordinator)
    with pytest.raises(InvitationInvalid) as exc:
        invitation_from_token(token)
    assert exc.value.code == "revoked"
    assert exc.value.message == InvitationInvalid("unknown").message
    with pytest.raises(RuleViolation):
        invitation_resend(invitation=invitation, by=coordinator)


def test_a_revoked_invitation_cannot_be_accepted_with_an_object_in_hand(coordinator, cohort, hbo_school):
    invitation, _token = invite_docent(coordinator, cohort, hbo_school)
    invitation_revoke(invitation=invitation, by=coordinator)
    with pytest.raises(InvitationInvalid) as exc:
        invitation_accept(invitation=invitation, password=PASSWORD)
    assert exc.value.code == "revoked"


# --- accepting ----------------------------------------------------------------------------------------------


def test_a_docent_gets_an_account_with_school_and_joins_the_cohorts_supervisors(coordinator, cohort, hbo_school):
    invitation, _token = invite_docent(coordinator, cohort, hbo_school)
    user = invitation_accept(invitation=invitation, password=PASSWORD)
    assert user.role == Role.SUPERVISOR
    assert user.check_password(PASSWORD)
    assert user.username == "p.vanwijk@hr.nl"
    assert user.display_name == "Pieter van Wijk"
    assert user.supervisor_profile.kind == SupervisorKind.HBO_DOCENT
    assert user.supervisor_profile.school == hbo_school
    assert list(cohort.supervisors.all()) == [user]
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user == user


def test_a_werkbegeleider_joins_with_their_organisation(coordinator, cohort, organisation):
    invitation, _ = invitation_create(
        by=coordinator,
        email="wb@org.nl",
        role=Role.SUPERVISOR,
        supervisor_kind=SupervisorKind.WERKBEGELEIDER,
        organisation=organisation,
        cohort=cohort,
    )
    user = invitation_accept(invitation=invitation, password=PASSWORD)
    assert user.supervisor_profile.organisation == organisation
    assert user in cohort.supervisors.all()


def test_an_organisation_contact_joins_and_their_organisation_takes_part(coordinator, cohort, organisation):
    invitation, _ = invitation_create(
        by=coordinator, email="contact@org.nl", role=Role.ORGANISATION, organisation=organisation, cohort=cohort
    )
    user = invitation_accept(invitation=invitation, password=PASSWORD)
    assert user.role == Role.ORGANISATION
    assert user.organisation == organisation
    assert organisation in cohort.organisations.all()


def test_an_imported_student_claims_their_account(coordinator, cohort, imported):
    invitation, _ = invitation_create(
        by=coordinator, email=imported.email, role=Role.STUDENT, cohort=cohort, user=imported
    )
    user = invitation_accept(invitation=invitation, password=PASSWORD)
    assert user.pk == imported.pk
    assert user.check_password(PASSWORD)
    assert user.student_profile.cohort == cohort
    assert User.objects.filter(email__iexact=imported.email).count() == 1


def test_a_student_of_an_earlier_cohort_moves_into_the_new_one(coordinator, cohort, other_cohort):
    student = StudentFactory(username="eerder", profile__cohort=other_cohort)
    invitation, _ = invitation_create(by=coordinator, email=student.email.upper(), role=Role.STUDENT, cohort=cohort)
    assert invitation.user == student
    invitation_accept(invitation=invitation, password=PASSWORD)
    student.student_profile.refresh_from_db()
    assert student.student_profile.cohort == cohort


def test_an_address_with_an_account_links_that_account(coordinator, cohort, hbo_docent):
    invitation, _ = invitation_create(
        by=coordinator,
        email=hbo_docent.email,
        role=Role.SUPERVISOR,
        supervisor_kind=SupervisorKind.HBO_DOCENT,
        school=hbo_docent.supervisor_profile.school,
        cohort=cohort,
    )
    user = invitation_accept(invitation=invitation, password=PASSWORD)
    assert user.pk == hbo_docent.pk
    assert User.objects.filter(email=hbo_docent.email).count() == 1
    assert user in cohort.supervisors.all()


def test_a_student_without_an_account_is_invited_after_the_import(coordinator, cohort):
    with pytest.raises(RuleViolation) as exc:
        invitation_create(by=coordinator, email="nieuw@student.nl", role=Role.STUDENT, cohort=cohort)
    assert exc.value.code == "student_not_imported"
    assert not Invitation.objects.exists()


def test_an_address_with_an_account_of_another_role_is_refused(coordinator, cohort, student4, hbo_school):
    with pytest.raises(RuleViolation) as exc:
        invite_docent(coordinator, cohort, hbo_school, email=student4.email)
    assert exc.value.code == "email_other_role"


def test_a_weak_password_keeps_the_invitation_usable(coordinator, cohort, hbo_school):
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    with pytest.raises(ValidationError) as exc:
        invitation_accept(invitation=invitation, password="12345678")
    # In Dutch, as on the password page (Django's own Dutch has no such sentence for the length rule).
    assert "Dit wachtwoord is te kort: gebruik minstens 12 tekens." in exc.value.message_dict["password"]
    assert not User.objects.filter(email="p.vanwijk@hr.nl").exists()
    assert invitation_from_token(token) == invitation
    assert invitation_accept(invitation=invitation, password=PASSWORD).check_password(PASSWORD)


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str = ""
    name: str = ""


def test_accepting_with_an_institution_account_links_it_and_sets_no_password(coordinator, cohort, hbo_school):
    invitation, _ = invite_docent(coordinator, cohort, hbo_school)
    identity = Identity(issuer="https://connect.surfconext.nl", subject="abc123", email="p.vanwijk@hr.nl")
    user = invitation_accept(invitation=invitation, identity=identity)
    assert not user.has_usable_password()
    linked = ExternalIdentity.objects.get(user=user)
    assert (linked.issuer, linked.subject, linked.email) == (identity.issuer, identity.subject, identity.email)
    assert user in cohort.supervisors.all()


def test_an_institution_account_of_someone_else_is_refused(coordinator, cohort, hbo_school, hbo_docent):
    identity = Identity(issuer="https://login.eduid.nl", subject="taken")
    ExternalIdentity.objects.create(user=hbo_docent, issuer=identity.issuer, subject=identity.subject)
    invitation, token = invite_docent(coordinator, cohort, hbo_school)
    with pytest.raises(RuleViolation) as exc:
        invitation_accept(invitation=invitation, identity=identity)
    assert exc.value.code == "identity_taken"
    assert invitation_from_token(token) == invitation


# --- who may invite whom -----------------------------------------------------------------------------------


def test_a_coordinator_invites_only_into_their_own_cohorts(coordinator, other_cohort, hbo_school):
    with pytest.raises(PermissionDenied):
        invite_docent(coordinator, other_cohort, hbo_school)
    with pytest.raises(PermissionDenied):
        invite_docent(coordinator, None, hbo_school)


def test_an_organisation_contact_invites_colleagues_of_their_own_organisation(org_contact, organisation):
    invitation, _ = invitation_create(by=org_contact, email="collega@org.nl", role=Role.ORGANISATION)
    assert invitation.organisation == organisation
    assert invitation.cohort is None
    werkbegeleider, _ = invitation_create(
        by=org_contact, email="wb@org.nl", role=Role.SUPERVISOR, supervisor_kind=SupervisorKind.WERKBEGELEIDER
    )
    user = invitation_accept(invitation=werkbegeleider, password=PASSWORD)
    assert user.supervisor_profile.organisation == organisation


@pytest.mark.parametrize(
    "kwargs",
    [
        {"role": Role.STUDENT},
        {"role": Role.SUPERVISOR, "supervisor_kind": SupervisorKind.HBO_DOCENT},
        {"role": Role.COORDINATOR},
        {"role": Role.ORGANISATION, "organisation": "other"},
        {"role": Role.ORGANISATION, "cohort": "cohort"},
    ],
)
def test_an_organisation_contact_invites_nothing_else(org_contact, other_organisation, cohort, kwargs):
    kwargs = {
        **kwargs,
        **({"organisation": other_organisation} if kwargs.get("organisation") else {}),
        **({"cohort": cohort} if kwargs.get("cohort") else {}),
    }
    with pytest.raises(PermissionDenied):
        invitation_create(by=org_contact, email="x@org.nl", **kwargs)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["student4", "mbo_docent", "werkbegeleider"])
def test_students_and_supervisors_invite_nobody(request, who, cohort, organisation):
    with pytest.raises(PermissionDenied):
        invitation_create(
            by=request.getfixturevalue(who), email="x@org.nl", role=Role.ORGANISATION, organisation=organisation
        )


def test_resend_and_revoke_are_for_the_one_who_manages_the_invitation(
    coordinator, other_coordinator, org_contact, cohort, hbo_school
):
    invitation, _ = invite_docent(coordinator, cohort, hbo_school)
    for outsider in (other_coordinator, org_contact):
        with pytest.raises(PermissionDenied):
            invitation_resend(invitation=invitation, by=outsider)
        with pytest.raises(PermissionDenied):
            invitation_revoke(invitation=invitation, by=outsider)
    assert invitation_from_token(_) == invitation


def test_a_docent_needs_a_school_of_their_sector(coordinator, cohort, mbo_school):
    with pytest.raises(ValidationError) as exc:
        invite_docent(coordinator, cohort, mbo_school)
    assert "school" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        invite_docent(coordinator, cohort, None)
    assert "school" in exc.value.message_dict


def test_one_open_invitation_per_address_and_cohort(coordinator, cohort, hbo_school):
    invite_docent(coordinator, cohort, hbo_school)
    with pytest.raises(RuleViolation) as exc:
        invite_docent(coordinator, cohort, hbo_school, email="P.vanWijk@hr.nl")
    assert exc.value.code == "invitation_exists"


# --- the mail ------------------------------------------------------------------------------------------------


def test_the_mail_goes_out_once_on_commit_with_the_link(
    coordinator, cohort, hbo_school, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://wijklab.example.nl"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation, token = invite_docent(coordinator, cohort, hbo_school)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["p.vanwijk@hr.nl"]
    assert cohort.name in message.subject
    assert f"https://wijklab.example.nl/uitnodiging/{token}/" in message.body
    assert "Annemiek Hoekstra" in message.body
    assert "hbo-docent van Hogeschool Rotterdam" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    # The task again (a retry, a duplicate delivery): no second mail.
    assert send_invitation_email(invitation.pk, token) == 0
    assert len(mail.outbox) == 1


def test_the_mail_of_an_old_link_is_not_sent_after_a_resend(
    coordinator, cohort, hbo_school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        invitation, old = invite_docent(coordinator, cohort, hbo_school)
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, new = invitation_resend(invitation=invitation, by=coordinator)
    assert send_invitation_email(invitation.pk, old) == 0
    assert len(mail.outbox) == 1
    assert new in mail.outbox[0].body


def test_the_mail_is_in_the_language_of_an_existing_account(
    coordinator, cohort, hbo_docent, django_capture_on_commit_callbacks
):
    hbo_docent.language = "en"
    hbo_docent.mail_preference = "none"  # invitations go out whatever the preference
    hbo_docent.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            by=coordinator,
            email=hbo_docent.email,
            role=Role.SUPERVISOR,
            supervisor_kind=SupervisorKind.HBO_DOCENT,
            school=hbo_docent.supervisor_profile.school,
            cohort=cohort,
        )
    assert len(mail.outbox) == 1
    invitation = Invitation.objects.get()
    assert timezone.localtime(invitation.expires_at).strftime("%B") in mail.outbox[0].body  # an English month


def test_the_mail_is_dutch_by_default_with_the_expiry_date(
    coordinator, cohort, hbo_school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = invite_docent(coordinator, cohort, hbo_school)
    expires = timezone.localtime(invitation.expires_at)
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]  # fmt: skip
    assert f"{expires.day} {months[expires.month - 1]} {expires.year}" in mail.outbox[0].body
    assert "Hallo Pieter van Wijk" in mail.outbox[0].body


# --- lists -----------------------------------------------------------------------------------------------------


def test_every_imported_student_without_an_invitation_is_invited_at_once(
    coordinator, cohort, imported, student4, django_capture_on_commit_callbacks
):
    second = StudentFactory(username="imported2", profile__cohort=cohort)
    second.set_unusable_password()
    second.save()
    invitation_create(by=coordinator, email=second.email, role=Role.STUDENT, cohort=cohort)
    assert list(imported_students_without_invitation(cohort=cohort)) == [imported]
    with django_capture_on_commit_callbacks(execute=True):
        assert invitation_create_for_imported_students(cohort=cohort, by=coordinator) == 1
    assert invitation_create_for_imported_students(cohort=cohort, by=coordinator) == 0
    assert {m.to[0] for m in mail.outbox} == {imported.email}
    # student4 has a password already: not an imported student waiting for an invitation.
    assert not Invitation.objects.filter(email=student4.email).exists()


def test_the_cohort_list_shows_the_status_of_each_invitation(coordinator, cohort, hbo_school, organisation):
    accepted, _ = invite_docent(coordinator, cohort, hbo_school)
    invitation_accept(invitation=accepted, password=PASSWORD)
    expired, _ = invite_docent(coordinator, cohort, hbo_school, email="oud@hr.nl")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    revoked, _ = invite_docent(coordinator, cohort, hbo_school, email="weg@hr.nl")
    invitation_revoke(invitation=revoked, by=coordinator)
    pending, _ = invite_docent(coordinator, cohort, hbo_school, email="nog@hr.nl")
    statuses = {i.email: i.status for i in invitations_of_cohort(cohort=cohort)}
    assert statuses == {
        "p.vanwijk@hr.nl": "accepted",
        "oud@hr.nl": "expired",
        "weg@hr.nl": "revoked",
        "nog@hr.nl": "pending",
    }
    assert pending_invitation_for_email("NOG@hr.nl") == pending
    assert pending_invitation_for_email("oud@hr.nl") is None
    assert pending_invitation_for_email("p.vanwijk@hr.nl") is None


def test_a_username_already_taken_gets_a_number(coordinator, cohort, hbo_school):
    UserFactory(username="p.vanwijk@hr.nl", email="iemand-anders@example.nl", role=Role.STUDENT)
    invitation, _ = invite_docent(coordinator, cohort, hbo_school)
    assert invitation_accept(invitation=invitation, password=PASSWORD).username == "p.vanwijk@hr.nl-2"


def test_nobody_is_invited_into_an_archived_cohort(coordinator, cohort, hbo_school):
    invitation, _ = invite_docent(coordinator, cohort, hbo_school)
    cohort.archived_at = timezone.now()
    cohort.save()
    with pytest.raises(RuleViolation) as exc:
        invite_docent(coordinator, cohort, hbo_school, email="later@hr.nl")
    assert exc.value.code == "cohort_archived"
    with pytest.raises(RuleViolation):
        invitation_resend(invitation=invitation, by=coordinator)
    assert Invitation.objects.count() == 1


class FailingForSomeBackend(locmem.EmailBackend):
    """Refuses mail to addresses starting with "kapot", as a mail server that gives up halfway."""

    def send_messages(self, messages):
        if any(m.to[0].startswith("kapot") for m in messages):
            raise ConnectionError("mail server gone")
        return super().send_messages(messages)


def test_a_failing_mail_server_halfway_sends_nobody_a_mail_twice(
    coordinator, cohort, settings, django_capture_on_commit_callbacks
):
    students = []
    for name in ("a-eerst", "kapot", "z-laatst"):
        student = StudentFactory(username=name, profile__cohort=cohort)
        student.set_unusable_password()
        student.save()
        students.append(student)
    settings.EMAIL_BACKEND = "tests.wijklab.test_invitations.FailingForSomeBackend"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create_for_imported_students(cohort=cohort, by=coordinator)
    assert len(callbacks) == 1  # one mail task for the batch
    with pytest.raises(Retry, match="mail server gone"):  # the task asks Celery to try again later
        callbacks[0]()
    assert [m.to[0] for m in mail.outbox] == ["a-eerst@example.nl"]
    sent = dict(Invitation.objects.values_list("email", "sent_at"))
    assert sent["a-eerst@example.nl"] is not None
    assert sent["kapot@example.nl"] is None
    assert sent["z-laatst@example.nl"] is None
    # The task again, the server back: the rest, and only the rest.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == ["a-eerst@example.nl", "kapot@example.nl", "z-laatst@example.nl"]


def test_the_mail_mentions_institution_sign_in_only_when_it_is_on(
    coordinator, cohort, hbo_school, settings, django_capture_on_commit_callbacks
):
    settings.OIDC_PROVIDERS = {}
    with django_capture_on_commit_callbacks(execute=True):
        invite_docent(coordinator, cohort, hbo_school)
    assert "SURFconext" not in mail.outbox[0].body
    settings.OIDC_PROVIDERS = {"eduid": {"key": "eduid", "label": "eduID"}}
    with django_capture_on_commit_callbacks(execute=True):
        invite_docent(coordinator, cohort, hbo_school, email="tweede@hr.nl")
    assert "SURFconext of eduID" in mail.outbox[1].body


def test_an_account_of_another_organisation_is_not_invited_as_a_colleague(org_contact, other_org_contact):
    with pytest.raises(RuleViolation) as exc:
        invitation_create(by=org_contact, email=other_org_contact.email, role=Role.ORGANISATION)
    assert exc.value.code == "email_other_organisation"
    assert "Gerard" not in str(exc.value.message)
    assert "Andere organisatie" not in str(exc.value.message)
