"""The profile page ("Mijn profiel"): everyone's name, e-mail, language and mail; a student's competences,
weekdays and introduction. Plus the nudge for students whose profile is not complete yet.

Thin: form → service (wijklab.services.profile_update / student_profile_update) → render.
"Complete" is defined once, in wijklab.selectors.student_profile_is_complete.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from frontend.navigation import nav_item, overview_panel
from wijklab import account_selectors, selectors, services
from wijklab.errors import RuleViolation
from wijklab.models import MailPreference, Role, StudentProfile, User, Weekday

ALL_ROLES = [r.value for r in Role]

nav_item(_("Mijn profiel"), "profile", *ALL_ROLES, order=90)


class AccountForm(forms.Form):
    display_name = forms.CharField(label=_("Naam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    language = forms.ChoiceField(label=_("Taal"), required=False)
    mail_preference = forms.ChoiceField(
        label=_("Mail over meldingen"), choices=MailPreference.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Zoals de site (Nederlands)")), *settings.LANGUAGES]


class StudentForm(forms.Form):
    competences = forms.ModelMultipleChoiceField(
        label=_("Mijn competenties"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kies waar je goed in bent of wat je wilt inzetten. Teams en opdrachten worden hierop afgestemd."),
    )
    available_days = forms.TypedMultipleChoiceField(
        label=_("Dagen waarop ik beschikbaar ben"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    introduction = forms.CharField(
        label=_("Korte introductie"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Een paar zinnen over jezelf voor je teamgenoten (hoogstens 1000 tekens)."),
    )

    def __init__(self, *args: Any, profile: StudentProfile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = selectors.competences_for_cohort(cohort=profile.cohort)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, problems in exc.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    profile = (
        StudentProfile.objects.select_related("cohort").filter(user=user).first() if user.role == Role.STUDENT else None
    )
    read_only = profile is not None and profile.cohort.is_archived
    account_initial = {
        "display_name": user.display_name or user.get_display_name(),
        "email": user.email,
        "language": user.language,
        "mail_preference": user.mail_preference,
    }
    data = request.POST if request.method == "POST" else None
    account = AccountForm(data, initial=account_initial)
    student = None
    if profile is not None:
        student = StudentForm(
            None if read_only else data,
            profile=profile,
            initial={
                "competences": list(profile.competences.values_list("pk", flat=True)),
                "available_days": profile.available_days,
                "introduction": profile.introduction,
            },
        )
    if request.method == "POST" and account.is_valid() and (student is None or read_only or student.is_valid()):
        try:
            with transaction.atomic():
                services.profile_update(user=user, **account.cleaned_data)
                if student is not None and not read_only:
                    profile = services.student_profile_update(student=user, **student.cleaned_data)
        except ValidationError as exc:
            _add_errors(account, exc)
            if student is not None:
                _add_errors(student, exc)
            user.refresh_from_db()
        except RuleViolation as exc:
            messages.error(request, exc.message)
            user.refresh_from_db()
        else:
            response = redirect("profile")
            _apply_language(request, response, user.language)
            if profile is not None and not read_only and selectors.student_profile_is_complete(profile):
                messages.success(request, _("Je profiel is opgeslagen en compleet."))
            else:
                messages.success(request, _("Je profiel is opgeslagen."))
            return response
    return render(
        request,
        "profile/profile.html",
        {
            "account": account,
            "student": student,
            "profile": profile,
            "read_only": read_only,
            "complete": selectors.student_profile_is_complete(profile) if profile is not None else None,
            "signs_in_with_password": account_selectors.signs_in_with_password(user),
            "second_factor_on": account_selectors.confirmed_device(user) is not None,
        },
    )


def _apply_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """Switch at once, and keep the browser's language cookie in step (it is what Django reads before login)."""
    if language:
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)


@overview_panel(Role.STUDENT, order=1)
def profile_nudge_panel(request: HttpRequest) -> str:
    if not selectors.student_needs_profile_nudge(user=request.user):
        return ""
    return render_to_string("profile/panel_nudge.html", {}, request=request)


urlpatterns = [
    path("profiel/", profile, name="profile"),
]
