"""Invitation pages: a coordinator invites into a cohort, an organisation contact invites colleagues,
and the public page behind the link in the mail.

Thin: access helper (404 for the wrong person) → form → service → render. The rules
live in ``wijklab.invitation_services`` / ``wijklab.invitation_selectors``.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from frontend.access import not_found_unless
from frontend.navigation import nav_item, overview_panel
from wijklab import invitation_selectors as selectors
from wijklab import invitation_services as services
from wijklab.errors import RuleViolation
from wijklab.invitation_selectors import InvitationInvalid, InvitationStatus
from wijklab.models import Cohort, Invitation, Organisation, Role, School, SupervisorKind, User

nav_item(_("Collega uitnodigen"), "organisation-invite", Role.ORGANISATION, order=70)

PAGE_SIZE = 25

# What the coordinator picks in one list: the role and, for supervisors, their kind.
KINDS = {
    "student": (Role.STUDENT, ""),
    SupervisorKind.MBO_DOCENT.value: (Role.SUPERVISOR, SupervisorKind.MBO_DOCENT),
    SupervisorKind.HBO_DOCENT.value: (Role.SUPERVISOR, SupervisorKind.HBO_DOCENT),
    SupervisorKind.WERKBEGELEIDER.value: (Role.SUPERVISOR, SupervisorKind.WERKBEGELEIDER),
    "organisation": (Role.ORGANISATION, ""),
}
KIND_CHOICES = [
    (SupervisorKind.MBO_DOCENT.value, _("Mbo-docent")),
    (SupervisorKind.HBO_DOCENT.value, _("Hbo-docent")),
    (SupervisorKind.WERKBEGELEIDER.value, _("Werkbegeleider")),
    ("organisation", _("Contactpersoon van een organisatie")),
    ("student", _("Student (geïmporteerd)")),
]
COLLEAGUE_KIND_CHOICES = [
    ("organisation", _("Contactpersoon (plaatst opdrachten, volgt de teams)")),
    (SupervisorKind.WERKBEGELEIDER.value, _("Werkbegeleider (begeleidt studenten op de werkplek)")),
]
STATUS_BADGES = {
    InvitationStatus.PENDING: "badge--warn",
    InvitationStatus.EXPIRED: "badge--error",
    InvitationStatus.ACCEPTED: "badge--ok",
    InvitationStatus.REVOKED: "",
}


# --- forms -------------------------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"), max_length=254)
    display_name = forms.CharField(label=_("Naam"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Als"), choices=KIND_CHOICES)
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), required=False, empty_label=_("Kies…")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("Kies…"),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = cohort.schools.all()
        # A cohort without schools yet offers every school.
        self.fields["school"].queryset = schools if schools.exists() else School.objects.all()


class ColleagueForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"), max_length=254)
    display_name = forms.CharField(label=_("Naam"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Als"), choices=COLLEAGUE_KIND_CHOICES, widget=forms.RadioSelect)


class PasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Kies een wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Herhaal het wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", gettext("De twee wachtwoorden zijn niet hetzelfde."))
        return data


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _invite(form: forms.Form, *, by: User, cohort: Cohort | None) -> Invitation | None:
    """Call the service with the form's data; errors land on the form. The invitation, or None."""
    role, kind = KINDS[form.cleaned_data["kind"]]
    try:
        invitation, _token = services.invitation_create(
            by=by,
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            role=role,
            supervisor_kind=kind,
            cohort=cohort,
            school=form.cleaned_data.get("school"),
            organisation=form.cleaned_data.get("organisation"),
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
    except (RuleViolation, PermissionDenied) as exc:
        form.add_error(None, str(getattr(exc, "message", exc)))
    else:
        return invitation
    return None


# --- lists -------------------------------------------------------------------------------------------


def _status_counts(qs: QuerySet[Invitation]) -> dict[str, int]:
    counts = qs.aggregate(**{status: Count("pk", filter=Q(status=status)) for status in InvitationStatus.LABELS})
    return {status: counts[status] for status in InvitationStatus.LABELS}


def _list_context(request: HttpRequest, qs: QuerySet[Invitation]) -> dict[str, Any]:
    status = request.GET.get("status", "")
    counts = _status_counts(qs)
    if status in InvitationStatus.LABELS:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "invitation": invitation,
            "role": selectors.invitation_role_phrase(invitation),
            "status": invitation.status,
            "status_label": InvitationStatus.LABELS[invitation.status],
            "badge": STATUS_BADGES[invitation.status],
            "open": invitation.status in {InvitationStatus.PENDING, InvitationStatus.EXPIRED},
        }
        for invitation in page.object_list
    ]
    filters = [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "url": "?" + urlencode({"status": value}) if value else "?",
            "current": value == status,
        }
        for value, label in [("", _("Alle")), *InvitationStatus.LABELS.items()]
    ]
    filters[0]["count"] = sum(counts.values())
    return {
        "page": page,
        "rows": rows,
        "status": status,
        "filters": filters,
        "counts": counts,
        "querystring": urlencode({"status": status}) if status else "",
        "back": request.get_full_path(),
    }


# --- the coordinator's page ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cohort_invitations(request: HttpRequest, cohort_id: int) -> HttpResponse:
    user = request.user
    cohort = selectors.access_invitation_cohort(user=user, cohort_id=cohort_id)
    form = InviteForm(cohort=cohort)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "invite")
        if action == "invite_imported":
            try:
                count = services.invitation_create_for_imported_students(cohort=cohort, by=user)
            except RuleViolation as exc:
                messages.error(request, str(exc.message))
            else:
                if count:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)s student uitgenodigd. De mail gaat nu de deur uit.",
                            "%(n)s studenten uitgenodigd. De mails gaan nu de deur uit.",
                            count,
                        )
                        % {"n": count},
                    )
                else:
                    messages.info(request, gettext("Alle geïmporteerde studenten hebben al een uitnodiging."))
            return redirect("cohort-invitations", cohort_id=cohort.pk)
        form = InviteForm(request.POST, cohort=cohort)
        if form.is_valid() and (invitation := _invite(form, by=user, cohort=cohort)) is not None:
            messages.success(
                request,
                gettext("Uitnodiging verstuurd naar %(email)s. De link is 14 dagen geldig.")
                % {"email": invitation.email},
            )
            return redirect("cohort-invitations", cohort_id=cohort.pk)
        status = 400
    context = _list_context(request, selectors.invitations_of_cohort(cohort=cohort))
    context.update(
        {
            "cohort": cohort,
            "form": form,
            "imported_count": selectors.imported_students_without_invitation(cohort=cohort).count(),
        }
    )
    return render(request, "invitations/cohort.html", context, status=status)


# --- the organisation contact's page -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def organisation_invite(request: HttpRequest) -> HttpResponse:
    user = request.user
    not_found_unless(selectors.may_invite_colleagues(user=user))
    form = ColleagueForm(initial={"kind": "organisation"})
    status = 200
    if request.method == "POST":
        form = ColleagueForm(request.POST)
        if form.is_valid() and (invitation := _invite(form, by=user, cohort=None)) is not None:
            messages.success(
                request,
                gettext("Uitnodiging verstuurd naar %(email)s. De link is 14 dagen geldig.")
                % {"email": invitation.email},
            )
            return redirect("organisation-invite")
        status = 400
    context = _list_context(request, selectors.invitations_sent_by(user=user))
    context.update({"form": form, "organisation": user.organisation})
    return render(request, "invitations/colleagues.html", context, status=status)


# --- re-send and revoke --------------------------------------------------------------------------------


def _back_to_list(request: HttpRequest, invitation: Invitation) -> str:
    if invitation.cohort_id is not None:
        url = reverse("cohort-invitations", kwargs={"cohort_id": invitation.cohort_id})
    else:
        url = reverse("organisation-invite")
    back = request.POST.get("back", "")
    # Only back to the same list (keeps its page and filter), never somewhere else.
    return back if back.startswith(url + "?") else url


@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.access_invitation(user=request.user, invitation_id=invitation_id)
    try:
        services.invitation_resend(invitation=invitation, by=request.user)
    except RuleViolation as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            gettext("Nieuwe link gestuurd naar %(email)s; de oude link werkt niet meer.") % {"email": invitation.email},
        )
    return redirect(_back_to_list(request, invitation))


@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.access_invitation(user=request.user, invitation_id=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except RuleViolation as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            gettext("De uitnodiging voor %(email)s is ingetrokken; de link werkt niet meer.")
            % {"email": invitation.email},
        )
    return redirect(_back_to_list(request, invitation))


# --- the link in the mail ---------------------------------------------------------------------------------


def _landing_url() -> str:
    try:
        return reverse("profile")
    except NoReverseMatch:
        return reverse("home")


# The token is in the page's URL: no Referer may carry it, to another site or to ours. "strict-origin"
# sends the origin alone; "no-referrer" would also do that, but then browsers send "Origin: null"
# with the page's own form posts (Fetch spec), which Django's CSRF check refuses: nobody could accept.
REFERRER_POLICY = "strict-origin"


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_from_token(token)
    except InvitationInvalid as exc:
        return _private(render(request, "invitations/invalid.html", {"reason": exc.code, "message": exc.message}))
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(invitation=invitation, password=form.cleaned_data["password1"])
        except InvitationInvalid as exc:
            return _private(render(request, "invitations/invalid.html", {"reason": exc.code, "message": exc.message}))
        except ValidationError as exc:
            form.add_error("password1", exc.message_dict.get("password", exc.messages))
        except RuleViolation as exc:
            form.add_error(None, str(exc.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                gettext("Welkom bij Wijklab! Je gebruikersnaam is %(username)s.") % {"username": user.username},
            )
            return redirect(_landing_url())
    account = invitation.user or selectors.existing_account_for(email=invitation.email)
    context = {
        "invitation": invitation,
        "token": token,
        "form": form,
        "role": selectors.invitation_role_phrase(invitation),
        # An imported student has an account but no way in yet: for them it reads as a new account.
        "account": account
        if account and (account.has_usable_password() or account.external_identities.exists())
        else None,
        "username": account.username if account else selectors.free_username(invitation.email),
        "password_help": password_validators_help_text_html(),
        "show_institution_login": bool(getattr(settings, "OIDC_PROVIDERS", None)),
    }
    status = 400 if form.errors else 200
    return _private(render(request, "invitations/accept.html", context, status=status))


# --- the coordinator's overview -------------------------------------------------------------------------


@overview_panel(Role.COORDINATOR, order=25)
def invitations_panel(request: HttpRequest) -> str:
    cohorts = selectors.cohorts_with_invitation_counts(coordinator=request.user)
    return render_to_string("invitations/panel_coordinator.html", {"cohorts": cohorts}, request=request)


urlpatterns = [
    path("cohorten/<int:cohort_id>/uitnodigingen/", cohort_invitations, name="cohort-invitations"),
    path("collega-uitnodigen/", organisation_invite, name="organisation-invite"),
    path("uitnodigingen/<int:invitation_id>/opnieuw-sturen/", invitation_resend, name="invitation-resend"),
    path("uitnodigingen/<int:invitation_id>/intrekken/", invitation_revoke, name="invitation-revoke"),
    path("uitnodiging/<str:token>/", invitation_accept, name="invitation-accept"),
]
