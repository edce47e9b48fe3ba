"""The htmx form for posting and editing an assignment.

Fields only parse what the browser sends (numbers, dates, choices); every
rule lives in ``assignments.validators.clean_assignment``, shared with the
API, so the page and the API give the same message for the same mistake.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, AssignmentCompetence, Phase
from assignments.selectors import cohorts_user_can_post_in, default_cohort_for, organisations_user_can_post_for
from assignments.validators import (
    ASSIGNMENT_FIELDS,
    FIELD_GROUPS,
    MSG_CONTACT_ELSEWHERE,
    MSG_HBO_SET_TO_ONE,
    MSG_PHASE,
    MSG_UNKNOWN_NEIGHBOURHOOD,
    MSG_UNKNOWN_ORGANISATION,
    allowed_contact_people,
    apply_corrections,
    clean_assignment,
    defaults,
    values_of,
)
from wijklab.models import Cohort, Competence, Neighbourhood, Organisation, Role, SupervisorKind, User
from wijklab.names import by_name

IMPORTANCE_CHOICES = AssignmentCompetence.Importance.choices
DEFAULT_IMPORTANCE = AssignmentCompetence.Importance.IMPORTANT


def _number(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Vul een heel getal in.")},
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een geldige datum in.")},
    )


class ContactChoiceField(forms.ModelChoiceField):
    # Set when the organisation is not known yet (a coordinator posting): then say whose person it is.
    show_organisation = False

    def label_from_instance(self, obj: User) -> str:
        profile = getattr(obj, "supervisor_profile", None)
        is_werkbegeleider = obj.role == Role.SUPERVISOR and profile and profile.kind == SupervisorKind.WERKBEGELEIDER
        label = obj.get_display_name()
        if is_werkbegeleider:
            label = str(_("%(name)s (werkbegeleider)") % {"name": label})
        if self.show_organisation:
            organisation = profile.organisation if is_werkbegeleider else obj.organisation
            if organisation is not None:
                label = f"{label} · {organisation.name}"
        return label


class AssignmentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Kies een organisatie"),
        error_messages={"invalid_choice": MSG_UNKNOWN_ORGANISATION},
    )
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=Cohort.objects.none(), required=False)
    title = forms.CharField(
        label=_("Titel"),
        required=False,
        help_text=_("Kort en concreet, bijvoorbeeld: Ontmoetingsplek voor eenzame ouderen in Schollevaar."),
    )
    description = forms.CharField(
        label=_("Omschrijving"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Wat speelt er in de wijk? Opmaak met Markdown: **vet**, *schuin*, een lijstje met - aan het begin."
        ),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Wijk"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Kies een wijk"),
        error_messages={"invalid_choice": MSG_UNKNOWN_NEIGHBOURHOOD},
    )
    phase = forms.ChoiceField(
        label=_("Fase"),
        choices=Phase.choices,
        required=False,
        error_messages={"invalid_choice": MSG_PHASE},
        help_text=_(
            "Verkenning: eerste contact en de vraag verkennen. Begeleiding: bewoners ondersteunen. "
            "Waakvlam: afronden en licht contact houden."
        ),
    )
    target_group = forms.CharField(
        label=_("Doelgroep"), required=False, help_text=_("Bijvoorbeeld: ouderen die alleen wonen, jongeren 14-18.")
    )
    goal = forms.CharField(label=_("Vraag en doel"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expected_result = forms.CharField(
        label=_("Verwacht resultaat"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    competences = forms.ModelMultipleChoiceField(
        label=_("Gevraagde competenties"),
        queryset=Competence.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Competentie %(value)s kennen we niet. Kies competenties uit de lijst.")},
    )
    team_size_min = _number(_("Minimale teamgrootte"))
    team_size_max = _number(_("Maximale teamgrootte"))
    min_niveau_4 = _number(_("Minimaal niveau 4 (mbo)"))
    min_niveau_5 = _number(_("Minimaal niveau 5 (associate degree)"))
    min_niveau_6 = _number(_("Minimaal niveau 6 (hbo-bachelor)"))
    requires_hbo = forms.BooleanField(
        label=_("Jeugdcasus met risico's"),
        required=False,
        help_text=_("Vraagt minstens één niveau 6-student en een hbo-docent als begeleider."),
    )
    starts_on = _date(_("Begindatum"))
    ends_on = _date(_("Einddatum"))
    hours_per_week = _number(_("Uren per week"), _("Per student, gemiddeld."))
    contact_person = ContactChoiceField(
        label=_("Contactpersoon / werkbegeleider"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nog niemand"),
    )

    def __init__(self, *args: Any, user: User, instance: Assignment | None = None, **kwargs: Any) -> None:
        self.user = user
        self.instance = instance
        if instance is not None:
            base = values_of(instance)
            self.importances = {c.pk: importance for c, importance in base["competences"]}
            initial = {k: v for k, v in base.items() if k != "competences"}
            initial["competences"] = list(self.importances)
        else:
            base = defaults()
            self.importances = {}
            initial = {k: v for k, v in base.items() if v not in (None, "", [])}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.base_values = base
        self.warnings: dict[str, list[str]] = {}
        self.values: dict[str, Any] = {}

        organisations = organisations_user_can_post_for(user=user)
        cohorts = cohorts_user_can_post_in(user=user)
        # Who it is for is fixed once created; an organisation contact only posts for their own.
        if instance is not None or user.role == Role.ORGANISATION:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations
        if instance is not None or cohorts.count() < 2:
            del self.fields["cohort"]
        else:
            self.fields["cohort"].queryset = cohorts
            self.fields["cohort"].initial = default_cohort_for(user=user)

        organisation = self.owner_organisation
        if organisation is not None:
            people = allowed_contact_people(organisation=organisation)
        else:
            people = User.objects.filter(
                Q(role=Role.ORGANISATION, organisation__isnull=False)
                | Q(
                    role=Role.SUPERVISOR,
                    supervisor_profile__kind=SupervisorKind.WERKBEGELEIDER,
                    supervisor_profile__organisation__isnull=False,
                ),
                is_active=True,
            ).order_by(by_name("display_name"), by_name("username"))
        contact = self.fields["contact_person"]
        contact.show_organisation = organisation is None
        contact.queryset = people.select_related("organisation", "supervisor_profile__organisation")
        contact.error_messages["invalid_choice"] = (
            MSG_CONTACT_ELSEWHERE % {"organisation": organisation.name}
            if organisation is not None
            else _("Kies een contactpersoon uit de lijst.")
        )

        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select | forms.TextInput | forms.Textarea | forms.NumberInput):
                field.widget.attrs.setdefault("aria-describedby", f"feedback-{name}")

    @property
    def owner_organisation(self) -> Organisation | None:
        """The organisation the assignment is (or will be) of."""
        if self.instance is not None:
            return self.instance.organisation
        if self.user.role == Role.ORGANISATION:
            return self.user.organisation
        if self.is_bound and "organisation" in self.fields:
            try:
                return self.fields["organisation"].clean(self.data.get("organisation"))
            except ValidationError:
                return None
        return None

    @property
    def target_cohort(self) -> Cohort | None:
        if self.instance is not None:
            return self.instance.cohort
        if "cohort" in self.fields and hasattr(self, "cleaned_data") and self.cleaned_data.get("cohort"):
            return self.cleaned_data["cohort"]
        return default_cohort_for(user=self.user)

    def competence_rows(self) -> list[dict[str, Any]]:
        """One row per competence: ticked or not, and its importance, for the template."""
        if self.is_bound:
            chosen = {str(v) for v in self.data.getlist("competences")}
            queryset = self.fields["competences"].queryset
            importances = {c.pk: self.data.get(f"importance_{c.pk}", DEFAULT_IMPORTANCE) for c in queryset}
        else:
            chosen = {str(pk) for pk in self.importances}
            importances = self.importances
        return [
            {
                "competence": c,
                "checked": str(c.pk) in chosen,
                "importance": str(importances.get(c.pk, DEFAULT_IMPORTANCE)),
            }
            for c in self.fields["competences"].queryset
        ]

    def _importance(self, competence: Competence) -> Any:
        raw = self.data.get(f"importance_{competence.pk}", DEFAULT_IMPORTANCE)
        try:
            return int(raw)
        except (TypeError, ValueError):
            return raw  # the validator names it

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "organisation" in self.fields and not cleaned.get("organisation") and "organisation" not in self.errors:
            self.add_error("organisation", _("Kies de organisatie waarvoor je deze opdracht plaatst."))
        if self.instance is None and self.target_cohort is None:
            self.add_error(
                None, _("Er is nog geen cohort waarin je opdrachten kunt plaatsen. Vraag de coördinator om er een.")
            )
        organisation = self.owner_organisation
        values = dict(self.base_values)
        for name in ASSIGNMENT_FIELDS:
            if name in self.errors or name not in cleaned:
                continue  # the field's own message is shown; don't add a second one
            if name == "competences":
                values[name] = [(c, self._importance(c)) for c in cleaned[name]]
            else:
                values[name] = cleaned[name]
        # Corrections are shown even while other fields still have mistakes.
        self.warnings = apply_corrections(values)
        # The page marks a value we corrected earlier (see _field.html); keep saying so while
        # it stands, so a later check of another field does not silently drop the message.
        if (
            "min_niveau_6" in self.data.getlist("_corrected")
            and values["requires_hbo"]
            and values.get("min_niveau_6") == 1
        ):
            self.warnings.setdefault("min_niveau_6", [str(MSG_HBO_SET_TO_ONE)])
        self.values = values
        if organisation is None:
            return cleaned
        try:
            clean_assignment(values, organisation=organisation)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name in self.fields and name not in self.errors:
                    for message in messages:
                        self.add_error(name, message)
        return cleaned

    def feedback(self, name: str) -> dict[str, Any]:
        """What to show under one field after validation: its errors and what we corrected."""
        return {
            "name": name,
            "errors": list(self.errors.get(name, [])),
            "warnings": self.warnings.get(name, []),
        }

    @staticmethod
    def group_of(name: str) -> frozenset[str]:
        for group in FIELD_GROUPS:
            if name in group:
                return group
        return frozenset({name})
