from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wijklab import selectors, services
from wijklab.api_support import OmitNoneMixin, RefSerializer, conflict, require
from wijklab.models import Competence, Role, School, User


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security schemes for ``wijklab.api_auth.ApiTokenAuthentication``: either scheme works."""

    target_class = "wijklab.api_auth.ApiTokenAuthentication"
    name = ["bearerAuth", "tokenAuth"]

    def get_security_definition(self, auto_schema: Any) -> list[dict]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "Een persoonlijk API-token (Mijn profiel → API-tokens): `Authorization: Bearer wl_…`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Hetzelfde token met het oudere voorvoegsel: `Authorization: Token wl_…`.",
            },
        ]

    def get_security_requirement(self, auto_schema: Any) -> list[dict]:
        return [{"bearerAuth": []}, {"tokenAuth": []}]


class MeSerializer(OmitNoneMixin, serializers.Serializer):
    """The signed-in user; ``niveau`` (students), ``kind`` (supervisors) and ``organisation`` only where they apply."""

    omit_if_none = ("niveau", "kind", "organisation")

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    display_name = serializers.CharField(source="get_display_name")
    role = serializers.ChoiceField(choices=Role.choices)
    niveau = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()

    @staticmethod
    def _supervisor_profile(user: User) -> Any:
        return getattr(user, "supervisor_profile", None) if user.role == Role.SUPERVISOR else None

    @extend_schema_field(serializers.IntegerField(required=False))
    def get_niveau(self, user: User) -> int | None:
        profile = getattr(user, "student_profile", None) if user.role == Role.STUDENT else None
        return profile.niveau if profile is not None else None

    @extend_schema_field(serializers.CharField(required=False))
    def get_kind(self, user: User) -> str | None:
        sup = self._supervisor_profile(user)
        return sup.kind if sup is not None else None

    @extend_schema_field(RefSerializer(required=False))
    def get_organisation(self, user: User) -> dict | None:
        sup = self._supervisor_profile(user)
        org = user.organisation if user.organisation_id else (sup.organisation if sup and sup.organisation_id else None)
        return RefSerializer(org).data if org is not None else None


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


# --- cohorts (coordinators) -----------------------------------------------------------------------


class CohortSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    preferences_open = serializers.BooleanField()
    preferences_close_on = serializers.DateField(
        allow_null=True, help_text=_("De laatste dag waarop studenten kiezen; de nacht erna sluiten de voorkeuren.")
    )
    schools = RefSerializer(many=True, source="schools.all")
    competences = RefSerializer(
        many=True, source="competences.all", help_text=_("De competenties waaruit studenten kiezen; leeg = alle.")
    )
    created_at = serializers.DateTimeField(allow_null=True)
    archived_at = serializers.DateTimeField(allow_null=True)
    is_archived = serializers.BooleanField()


class CohortWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    preferences_close_on = serializers.DateField(required=False, allow_null=True)
    schools = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), many=True, required=False)
    competences = serializers.PrimaryKeyRelatedField(queryset=Competence.objects.all(), many=True, required=False)


COHORT_CONFLICT = conflict(_("Een regel weigert de actie (bijvoorbeeld: het cohort is gearchiveerd)."))


def _require_coordinator(request: Request) -> None:
    require(selectors.may_manage_cohorts(user=request.user), _("Alleen coördinatoren beheren cohorten."))


class CohortListView(APIView):
    """A coordinator's own cohorts, newest first; creating one makes you its coordinator."""

    @extend_schema(responses=CohortSerializer(many=True))
    def get(self, request: Request) -> Response:
        _require_coordinator(request)
        cohorts = selectors.cohorts_managed_by(user=request.user).prefetch_related("schools", "competences")
        return Response(CohortSerializer(cohorts, many=True).data)

    @extend_schema(request=CohortWriteSerializer, responses={201: CohortSerializer})
    def post(self, request: Request) -> Response:
        _require_coordinator(request)
        data = CohortWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cohort = services.cohort_create(by=request.user, **data.validated_data)
        return Response(CohortSerializer(cohort).data, status=201)


class CohortDetailView(APIView):
    """One cohort of yours (404 for anyone else's); PATCH changes only the fields sent."""

    @extend_schema(responses=CohortSerializer)
    def get(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        return Response(CohortSerializer(cohort).data)

    @extend_schema(request=CohortWriteSerializer(partial=True), responses={200: CohortSerializer, 409: COHORT_CONFLICT})
    def patch(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        data = CohortWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        cohort = services.cohort_update(cohort=cohort, by=request.user, values=data.validated_data)
        return Response(CohortSerializer(cohort).data)


class CohortArchiveView(APIView):
    """Archive a cohort at the end of the round: read-only from then on (every change answers 409)."""

    @extend_schema(request=None, responses={200: CohortSerializer, 409: COHORT_CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        cohort = services.cohort_archive(cohort=cohort, by=request.user)
        return Response(CohortSerializer(cohort).data)


cohort_urlpatterns = [
    path("cohorts/", CohortListView.as_view(), name="api-cohort-list"),
    path("cohorts/<int:pk>/", CohortDetailView.as_view(), name="api-cohort-detail"),
    path("cohorts/<int:pk>/archive/", CohortArchiveView.as_view(), name="api-cohort-archive"),
]
