"""Profiles: everyone's account settings, a student's competences and weekdays, the language applied."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import CompetenceFactory
from wijklab import selectors, services
from wijklab.models import MailPreference, StudentProfile


def test_everyone_changes_name_email_language_and_mail(mbo_docent):
    services.profile_update(
        user=mbo_docent,
        display_name="Marieke V.",
        email="marieke@example.nl",
        language="en",
        mail_preference=MailPreference.DIGEST,
    )
    mbo_docent.refresh_from_db()
    assert (mbo_docent.display_name, mbo_docent.email, mbo_docent.language, mbo_docent.mail_preference) == (
        "Marieke V.",
        "marieke@example.nl",
        "en",
        MailPreference.DIGEST,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"display_name": " "}, "display_name"),
        ({"email": "geen-adres"}, "email"),
        ({"email": "LOTTE@example.nl"}, "email"),  # another account's address
        ({"language": "de"}, "language"),
        ({"mail_preference": "weekly"}, "mail_preference"),
    ],
)
def test_bad_account_values_are_refused_and_nothing_is_stored(student4, student6, values, field):
    student6.email = "lotte@example.nl"
    student6.save()
    data = {"display_name": "Sanne", "email": "sanne@example.nl", "language": "", "mail_preference": "each", **values}
    with pytest.raises(ValidationError) as caught:
        services.profile_update(user=student4, **data)
    assert field in caught.value.message_dict
    student4.refresh_from_db()
    assert student4.display_name == "Sanne de Vries"


def test_a_student_chooses_competences_from_the_cohort_list(cohort, student4, competences):
    cohort.competences.set(competences[:2])
    profile = services.student_profile_update(
        student=student4, competences=competences[:1], available_days=[3, 1, 1], introduction=" Hoi! "
    )
    assert list(profile.competences.all()) == competences[:1]
    assert profile.available_days == [1, 3]
    assert profile.introduction == "Hoi!"
    assert selectors.student_profile_is_complete(StudentProfile.objects.get(user=student4))
    with pytest.raises(ValidationError) as caught:
        services.student_profile_update(student=student4, competences=competences[3:], available_days=[1])
    assert "competences" in caught.value.message_dict


def test_an_empty_cohort_list_means_every_competence(cohort, student4):
    anything = CompetenceFactory(name="Iets heel anders")
    services.student_profile_update(student=student4, competences=[anything], available_days=[0])
    assert list(StudentProfile.objects.get(user=student4).competences.all()) == [anything]


@pytest.mark.parametrize("days", [[5], [-1], ["maandag"]])
def test_weekdays_are_monday_to_friday(student4, days):
    with pytest.raises(ValidationError) as caught:
        services.student_profile_update(student=student4, competences=[], available_days=days)
    assert "available_days" in caught.value.message_dict


# --- the nudge ---------------------------------------------------------------------------------


def test_the_nudge_shows_on_every_page_until_the_profile_is_complete(client, student4, competences):
    client.force_login(student4)
    for name in ("home", "assignments", "notifications"):
        assert 'id="profile-nudge"' in client.get(reverse(name)).content.decode()
    # The home page also has the panel.
    assert "Profiel aanvullen" in client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("profile"),
        {
            "display_name": "Sanne de Vries",
            "email": "sanne@example.nl",
            "language": "",
            "mail_preference": "each",
            "competences": [competences[0].pk],
            "available_days": ["0", "2"],
            "introduction": "Ik ben Sanne.",
        },
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Je profiel is opgeslagen en compleet."]
    for name in ("home", "assignments", "notifications"):
        page = client.get(reverse(name)).content.decode()
        assert 'id="profile-nudge"' not in page
    assert "Profiel aanvullen" not in client.get(reverse("home")).content.decode()


def test_no_nudge_for_other_roles_nor_for_an_archived_cohort(client, coordinator, cohort, student4):
    client.force_login(coordinator)
    assert 'id="profile-nudge"' not in client.get(reverse("home")).content.decode()
    services.cohort_archive(cohort=cohort, by=coordinator)
    client.force_login(student4)
    assert 'id="profile-nudge"' not in client.get(reverse("home")).content.decode()


def test_the_nudge_costs_one_query(client, student4, django_assert_num_queries):
    from django.test import RequestFactory

    from frontend.templatetags.profile_nudge import profile_nudge

    request = RequestFactory().get("/")
    request.user = student4
    with django_assert_num_queries(1):
        assert profile_nudge({"request": request})["show"]
        assert profile_nudge({"request": request})["show"]


# --- the profile page -----------------------------------------------------------------------------


def test_a_bad_profile_post_shows_dutch_errors_and_stores_nothing(client, student4, competences):
    client.force_login(student4)
    response = client.post(
        reverse("profile"),
        {"display_name": "", "email": "x", "mail_preference": "each", "competences": [competences[0].pk]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Geef een geldig e-mailadres" in page or "Voer een geldig e-mailadres in" in page
    assert "er is niets opgeslagen" in page
    assert not StudentProfile.objects.get(user=student4).competences.exists()


def test_a_student_of_an_archived_cohort_sees_the_profile_read_only(client, coordinator, cohort, student4):
    services.cohort_archive(cohort=cohort, by=coordinator)
    client.force_login(student4)
    page = client.get(reverse("profile")).content.decode()
    assert "gearchiveerd" in page
    assert 'name="competences"' not in page
    response = client.post(
        reverse("profile"),
        {"display_name": "Sanne", "email": "sanne@example.nl", "language": "", "mail_preference": "none"},
    )
    assert response.status_code == 302
    student4.refresh_from_db()
    assert student4.mail_preference == MailPreference.NONE


# --- language ------------------------------------------------------------------------------------


def test_the_users_language_is_applied_to_their_pages_and_api(client, student4):
    client.force_login(student4)
    assert '<html lang="nl">' in client.get(reverse("home")).content.decode()
    student4.language = "en"
    student4.save()
    response = client.get(reverse("home"))
    assert '<html lang="en">' in response.content.decode()
    assert response["Content-Language"] == "en"
    api = client.get("/api/assignments/999999/")
    assert api["Content-Language"] == "en"


def test_the_language_of_the_profile_wins_over_the_browser(client, student4):
    student4.language = "nl"
    student4.save()
    client.force_login(student4)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    assert '<html lang="nl">' in response.content.decode()


def test_the_header_switch_changes_a_language_chosen_on_the_profile(client, student4):
    student4.language = "nl"
    student4.save()
    client.force_login(student4)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    student4.refresh_from_db()
    assert student4.language == "en"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_without_a_profile_choice_the_header_switch_only_sets_the_cookie(client, student4):
    client.force_login(student4)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    student4.refresh_from_db()
    assert student4.language == ""
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_saving_the_profile_switches_the_language_at_once(client, mbo_docent):
    client.force_login(mbo_docent)
    response = client.post(
        reverse("profile"),
        {"display_name": "Marieke", "email": "m@example.nl", "language": "en", "mail_preference": "each"},
        follow=True,
    )
    assert '<html lang="en">' in response.content.decode()
