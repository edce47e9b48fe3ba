"""REST API for assignments and preferences (docs/api.md, "Assignments"). Thin: parse → service → response."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from assignments import selectors, services
from assignments.filters import AssignmentFilter
from assignments.models import Assignment, AssignmentCompetence, Phase
from assignments.validators import (
    ASSIGNMENT_FIELDS,
    MSG_UNKNOWN_ORGANISATION,
    RankingEntry,
    allowed_contact_people,
    clean_assignment,
    defaults,
    values_of,
)
from wijklab.api_support import DetailSerializer, JSONParser, PersonSerializer, RefSerializer, conflict, require
from wijklab.ids import MAX_ID
from wijklab.models import Cohort, Competence, Neighbourhood, Organisation, Role, User
from wijklab.selectors import access_managed_cohort
from wijklab.text import render_markdown

CONFLICT = conflict(_("Een regel weigert de actie (bijvoorbeeld: de opdracht is geen concept meer)."))


# --- reading ----------------------------------------------------------------------


class AssignmentCompetenceSerializer(serializers.Serializer):
    competence = serializers.IntegerField(help_text=_("Id van de competentie."))
    name = serializers.CharField(read_only=True)
    importance = serializers.IntegerField(
        required=False,
        default=AssignmentCompetence.Importance.IMPORTANT,
        help_text=_("1 handig, 2 belangrijk, 3 onmisbaar."),
    )


class AssignmentTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    seats_taken = serializers.IntegerField()
    size_max = serializers.IntegerField()


class AssignmentFitSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text=_("Gevraagde competenties die de student zelf heeft."))
    required = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text=_("Aandeel naar belang gewogen, 0 tot 1."))


class AssignmentInterestSerializer(serializers.Serializer):
    niveau_4 = serializers.IntegerField()
    niveau_5 = serializers.IntegerField()
    niveau_6 = serializers.IntegerField()


class AssignmentSerializer(serializers.ModelSerializer):
    """An assignment as a viewer may see it. Never a student's niveau for organisations."""

    description_html = serializers.SerializerMethodField(
        help_text=_("De omschrijving als veilige HTML (Markdown, gezuiverd).")
    )
    organisation = RefSerializer(read_only=True)
    cohort = RefSerializer(read_only=True)
    neighbourhood_name = serializers.CharField(source="neighbourhood.__str__", read_only=True)
    competences = serializers.SerializerMethodField()
    required_competences = serializers.SerializerMethodField()
    contact_person = PersonSerializer(read_only=True, allow_null=True)
    teams = serializers.SerializerMethodField()
    interest_count = serializers.SerializerMethodField(
        help_text=_("Aantal studenten met deze opdracht in hun voorkeuren; alleen voor eigenaar en coördinator.")
    )
    interest_by_niveau = serializers.SerializerMethodField(help_text=_("Alleen voor coördinatoren."))
    fit = serializers.SerializerMethodField(help_text=_("Alleen voor studenten: hoe goed hun competenties passen."))
    my_rank = serializers.SerializerMethodField(help_text=_("Alleen voor studenten: hun keuze (1-5) of null."))
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "title",
            "description",
            "description_html",
            "organisation",
            "cohort",
            "neighbourhood",
            "neighbourhood_name",
            "phase",
            "target_group",
            "goal",
            "expected_result",
            "competences",
            "required_competences",
            "team_size_min",
            "team_size_max",
            "min_niveau_4",
            "min_niveau_5",
            "min_niveau_6",
            "requires_hbo",
            "starts_on",
            "ends_on",
            "hours_per_week",
            "contact_person",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "teams",
            "interest_count",
            "interest_by_niveau",
            "fit",
            "my_rank",
            "can_edit",
        ]
        read_only_fields = fields

    @property
    def _user(self) -> User:
        return self.context["request"].user

    def get_description_html(self, obj: Assignment) -> str:
        return str(render_markdown(obj.description))

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_competences(self, obj: Assignment) -> list[int]:
        return [rc.competence_id for rc in obj.required_competences.all()]

    @extend_schema_field(AssignmentCompetenceSerializer(many=True))
    def get_required_competences(self, obj: Assignment) -> list[dict[str, Any]]:
        return [
            {"competence": rc.competence_id, "name": rc.competence.name, "importance": rc.importance}
            for rc in obj.required_competences.all()
        ]

    @extend_schema_field(AssignmentTeamSerializer(many=True))
    def get_teams(self, obj: Assignment) -> list[dict[str, Any]]:
        return [
            {"id": t.pk, "name": t.name, "seats_taken": getattr(t, "seats_taken", 0), "size_max": obj.team_size_max}
            for t in obj.teams.all()
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_interest_count(self, obj: Assignment) -> int | None:
        if not selectors.user_sees_interest(user=self._user, assignment=obj):
            return None
        return getattr(obj, "interest_count", None)

    @extend_schema_field(AssignmentInterestSerializer(allow_null=True))
    def get_interest_by_niveau(self, obj: Assignment) -> dict[str, int] | None:
        if not selectors.user_sees_interested_students(user=self._user, assignment=obj):
            return None
        return {f"niveau_{n}": getattr(obj, f"interest_n{n}", 0) for n in (4, 5, 6)}

    @extend_schema_field(AssignmentFitSerializer(allow_null=True))
    def get_fit(self, obj: Assignment) -> dict[str, Any] | None:
        if not hasattr(obj, "fit_required"):
            return None
        return {"matched": obj.fit_matched, "required": obj.fit_required, "score": obj.fit_score}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_my_rank(self, obj: Assignment) -> int | None:
        return self.context.get("ranks", {}).get(obj.pk)

    def get_can_edit(self, obj: Assignment) -> bool:
        return selectors.user_can_edit_assignment(user=self._user, assignment=obj)


class AssignmentResultSerializer(AssignmentSerializer):
    warnings = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text=_("Wat we voor je hebben aangepast, per veld (bijvoorbeeld minimum niveau 6 op 1 gezet)."),
    )

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


# --- writing ------------------------------------------------------------------------


def _lookup(model: type, pk: Any, queryset: Any = None) -> Any:
    """The object with this id, or the raw id itself so the validator can say it is unknown."""
    found = (queryset if queryset is not None else model.objects).filter(pk=pk).first()
    return found if found is not None else pk


class AssignmentWriteSerializer(serializers.Serializer):
    """Input of POST and PATCH. Every rule lives in assignments.validators, shared with the form."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    description = serializers.CharField(required=False, allow_blank=True, help_text=_("Markdown."))
    neighbourhood = serializers.IntegerField(required=False, allow_null=True)
    phase = serializers.CharField(required=False, help_text=" | ".join(Phase.values))
    target_group = serializers.CharField(required=False, allow_blank=True)
    goal = serializers.CharField(required=False, allow_blank=True)
    expected_result = serializers.CharField(required=False, allow_blank=True)
    competences = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text=_("Ids van de gevraagde competenties (belang: belangrijk)."),
    )
    required_competences = AssignmentCompetenceSerializer(
        many=True, required=False, help_text=_("Of: competenties met belang. Niet samen met competences.")
    )
    team_size_min = serializers.IntegerField(required=False)
    team_size_max = serializers.IntegerField(required=False)
    min_niveau_4 = serializers.IntegerField(required=False)
    min_niveau_5 = serializers.IntegerField(required=False)
    min_niveau_6 = serializers.IntegerField(required=False)
    requires_hbo = serializers.BooleanField(required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    hours_per_week = serializers.IntegerField(required=False)
    contact_person = serializers.IntegerField(required=False, allow_null=True)
    organisation = serializers.IntegerField(
        required=False, help_text=_("Alleen bij aanmaken door een coördinator: voor welke organisatie.")
    )
    cohort = serializers.IntegerField(
        required=False, help_text=_("Alleen bij aanmaken; standaard het nieuwste cohort.")
    )

    def _resolve_owner(self, attrs: dict[str, Any]) -> tuple[Organisation, Cohort]:
        user: User = self.context["request"].user
        errors: dict[str, list[str]] = {}
        organisations = selectors.organisations_user_can_post_for(user=user)
        if user.role == Role.ORGANISATION:
            organisation = organisations.first()
            if "organisation" in attrs and attrs["organisation"] != organisation.pk:
                errors["organisation"] = [str(_("Je kunt alleen opdrachten van je eigen organisatie plaatsen."))]
        elif "organisation" not in attrs:
            organisation = None
            errors["organisation"] = [str(_("Kies de organisatie waarvoor je deze opdracht plaatst."))]
        else:
            organisation = organisations.filter(pk=attrs["organisation"]).first()
            if organisation is None:
                errors["organisation"] = [str(MSG_UNKNOWN_ORGANISATION)]
        cohorts = selectors.cohorts_user_can_post_in(user=user)
        cohort = cohorts.filter(pk=attrs["cohort"]).first() if "cohort" in attrs else cohorts.first()
        if cohort is None:
            errors["cohort"] = [str(_("Kies een cohort waarin je opdrachten mag plaatsen."))]
        if errors:
            raise serializers.ValidationError(errors)
        return organisation, cohort

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Assignment | None = self.instance
        if instance is not None:
            organisation, cohort = instance.organisation, instance.cohort
            values = values_of(instance)
            for key in ("organisation", "cohort"):
                if key in attrs and attrs[key] != getattr(instance, f"{key}_id"):
                    raise serializers.ValidationError({key: [str(_("Dit kun je na het aanmaken niet meer wijzigen."))]})
        else:
            organisation, cohort = self._resolve_owner(attrs)
            values = defaults()

        if "competences" in attrs and "required_competences" in attrs:
            raise serializers.ValidationError(
                {"competences": [str(_("Geef competences óf required_competences, niet allebei."))]}
            )
        for name in ASSIGNMENT_FIELDS:
            if name in attrs:
                values[name] = attrs[name]
        if "neighbourhood" in attrs and attrs["neighbourhood"] is not None:
            values["neighbourhood"] = _lookup(Neighbourhood, attrs["neighbourhood"])
        if "contact_person" in attrs and attrs["contact_person"] is not None:
            values["contact_person"] = _lookup(
                User, attrs["contact_person"], allowed_contact_people(organisation=organisation)
            )
        if "competences" in attrs or "required_competences" in attrs:
            if "competences" in attrs:
                wanted = [(pk, AssignmentCompetence.Importance.IMPORTANT) for pk in attrs["competences"]]
            else:
                wanted = [(item["competence"], item["importance"]) for item in attrs["required_competences"]]
            found = Competence.objects.in_bulk([pk for pk, _importance in wanted])
            values["competences"] = [(found.get(pk, pk), importance) for pk, importance in wanted]
        try:
            warnings = clean_assignment(values, organisation=organisation)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return {"values": values, "warnings": warnings, "organisation": organisation, "cohort": cohort}


# --- views ----------------------------------------------------------------------------


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Assignments, scoped by assignments.selectors.assignments_visible_to."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        return selectors.assignments_for_list(user=self.request.user)

    def get_object(self) -> Assignment:
        return selectors.access_assignment_by_id(user=self.request.user, assignment_id=self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            context["ranks"] = selectors.preference_ranks_of(student=self.request.user)
        return context

    def _respond(self, assignment: Assignment, *, warnings: dict | None = None, code: int = 200) -> Response:
        fresh = selectors.access_assignment_by_id(user=self.request.user, assignment_id=assignment.pk)
        data = AssignmentResultSerializer(fresh, context=self.get_serializer_context()).data
        data["warnings"] = warnings or {}
        return Response(data, status=code)

    @extend_schema(
        request=AssignmentWriteSerializer,
        responses={201: AssignmentResultSerializer, 400: OpenApiResponse(description=_("Foute invoer, per veld."))},
        description=_("Een nieuwe opdracht, altijd als concept (status draft). Voor organisaties en coördinatoren."),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(selectors.user_can_post_assignments(user=request.user), services.MSG_CANNOT_POST)
        serializer = AssignmentWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = services.assignment_create(
            by=request.user, organisation=data["organisation"], cohort=data["cohort"], values=data["values"]
        )
        return self._respond(assignment, warnings=data["warnings"], code=status.HTTP_201_CREATED)

    @extend_schema(
        request=AssignmentWriteSerializer,
        responses={
            200: AssignmentResultSerializer,
            400: OpenApiResponse(description=_("Foute invoer, per veld.")),
            409: CONFLICT,
        },
        description=_("Wijzig velden. Van een gepubliceerde opdracht wordt elke wijziging bewaard in de historie."),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        require(selectors.user_can_edit_assignment(user=request.user, assignment=assignment), services.MSG_NOT_YOURS)
        serializer = AssignmentWriteSerializer(
            instance=assignment, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = services.assignment_update(assignment=assignment, by=request.user, values=data["values"])
        return self._respond(assignment, warnings=data["warnings"])

    def _lifecycle(self, request: Request, service: Any) -> Response:
        assignment = self.get_object()
        assignment = service(assignment=assignment, by=request.user)
        return self._respond(assignment)

    @extend_schema(request=None, responses={200: AssignmentResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """draft → open: the students of the cohort can find and rank it."""
        return self._lifecycle(request, services.assignment_publish)

    @extend_schema(request=None, responses={200: AssignmentResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """→ cancelled. Students who ranked it are told and their ranking closes up."""
        return self._lifecycle(request, services.assignment_cancel)

    @extend_schema(request=None, responses={200: AssignmentResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """open → in_progress."""
        return self._lifecycle(request, services.assignment_start)

    @extend_schema(request=None, responses={200: AssignmentResultSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """in_progress → completed."""
        return self._lifecycle(request, services.assignment_complete)


class PreferenceSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(source="assignment_id", min_value=1, max_value=MAX_ID)
    rank = serializers.IntegerField(help_text=_("1 tot en met 5; elke keuze één keer."))
    motivation = serializers.CharField(required=False, allow_blank=True, default="")
    assignment_title = serializers.CharField(read_only=True, source="assignment.title")
    # A plain string: the choice set is documented once, on Assignment.status.
    assignment_status = serializers.CharField(read_only=True, source="assignment.status")


class PreferencesView(APIView):
    """A student's ranking of up to five assignments; PUT replaces the whole list at once.

    JSON only: a form-encoded body reads as an empty form, and an empty list deletes the whole
    ranking, so only ``[]`` sent as JSON may do that (anything else is 415).
    """

    parser_classes = [JSONParser]

    def _student(self, request: Request) -> User:
        require(selectors.user_can_rank_preferences(user=request.user), _("Alleen studenten hebben voorkeuren."))
        return request.user

    def _list(self, student: User) -> Response:
        return Response(PreferenceSerializer(selectors.preferences_of(student=student), many=True).data)

    @extend_schema(responses=PreferenceSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self._list(self._student(request))

    @extend_schema(
        request=PreferenceSerializer(many=True),
        responses={
            200: PreferenceSerializer(many=True),
            400: OpenApiResponse(description=_("Foute invoer, per veld.")),
            409: CONFLICT,
            415: OpenApiResponse(response=DetailSerializer, description=_("De inhoud is geen JSON.")),
        },
    )
    def put(self, request: Request) -> Response:
        student = self._student(request)
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            # Before request.data: DRF would otherwise say so in its own (half-translated) words.
            raise UnsupportedMediaType(request.content_type, detail=_("Stuur je voorkeuren als JSON-lijst."))
        serializer = PreferenceSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data
        found = Assignment.objects.in_bulk([item["assignment_id"] for item in items])
        entries = [
            RankingEntry(
                # An unknown id stays an unsaved stub: the ranking rules then call it not choosable.
                assignment=found.get(item["assignment_id"]) or Assignment(pk=item["assignment_id"], title=""),
                rank=item["rank"],
                motivation=item.get("motivation", ""),
            )
            for item in items
        ]
        services.preferences_set(student=student, entries=entries)
        return self._list(student)


class CohortPreferencesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    preferences_open = serializers.BooleanField()


class CohortPreferencesView(APIView):
    """Coordinators close a cohort's preferences to form teams from them (and may open them again)."""

    action_name = "close"

    @extend_schema(request=None, responses=CohortPreferencesSerializer)
    def post(self, request: Request, pk: int) -> Response:
        cohort = access_managed_cohort(user=request.user, cohort_id=pk)
        service = services.cohort_preferences_close if self.action_name == "close" else services.cohort_preferences_open
        cohort = service(cohort=cohort, by=request.user)
        return Response(CohortPreferencesSerializer(cohort).data)


class CohortSelfJoinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    preferences_open = serializers.BooleanField()
    self_join_reopened = serializers.BooleanField()
    self_join_open = serializers.BooleanField(help_text=_("Of studenten zich nu zelf bij een team aansluiten."))


class CohortSelfJoinView(APIView):
    """Coordinators let students join teams themselves again after preferences closed (or stop it again)."""

    reopened = True

    @extend_schema(request=None, responses=CohortSelfJoinSerializer)
    def post(self, request: Request, pk: int) -> Response:
        cohort = access_managed_cohort(user=request.user, cohort_id=pk)
        cohort = services.cohort_self_join_set(cohort=cohort, by=request.user, reopened=self.reopened)
        return Response(CohortSelfJoinSerializer(cohort).data)


router = SimpleRouter()
router.register("assignments", AssignmentViewSet, basename="api-assignment")

urlpatterns = [
    *router.urls,
    path("preferences/", PreferencesView.as_view(), name="api-preferences"),
    path(
        "cohorts/<int:pk>/preferences/close/",
        CohortPreferencesView.as_view(action_name="close"),
        name="api-cohort-preferences-close",
    ),
    path(
        "cohorts/<int:pk>/preferences/open/",
        CohortPreferencesView.as_view(action_name="open"),
        name="api-cohort-preferences-open",
    ),
    path(
        "cohorts/<int:pk>/self-join/reopen/",
        CohortSelfJoinView.as_view(reopened=True),
        name="api-cohort-self-join-reopen",
    ),
    path(
        "cohorts/<int:pk>/self-join/close/",
        CohortSelfJoinView.as_view(reopened=False),
        name="api-cohort-self-join-close",
    ),
]
