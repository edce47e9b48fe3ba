from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wijklab import selectors, services
from wijklab.models import Cohort, Competence, Role, School


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    niveau = serializers.IntegerField(required=False)
    kind = serializers.CharField(required=False)
    organisation = serializers.DictField(required=False)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data: dict = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.get_display_name(),
            "role": user.role,
        }
        profile = getattr(user, "student_profile", None) if user.role == Role.STUDENT else None
        if profile is not None:
            data["niveau"] = profile.niveau
        sup = getattr(user, "supervisor_profile", None) if user.role == Role.SUPERVISOR else None
        if sup is not None:
            data["kind"] = sup.kind
        org = user.organisation if user.organisation_id else (sup.organisation if sup and sup.organisation_id else None)
        if org is not None:
            data["organisation"] = {"id": org.pk, "name": org.name}
        return Response(data)


# --- cohorts (coordinators) -----------------------------------------------------------------------


class CohortRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CohortSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    preferences_open = serializers.BooleanField()
    schools = CohortRefSerializer(many=True)
    competences = CohortRefSerializer(many=True, help_text=_("De competenties waaruit studenten kiezen; leeg = alle."))
    created_at = serializers.DateTimeField(allow_null=True)
    archived_at = serializers.DateTimeField(allow_null=True)
    is_archived = serializers.BooleanField()


class CohortWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    schools = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), many=True, required=False)
    competences = serializers.PrimaryKeyRelatedField(queryset=Competence.objects.all(), many=True, required=False)


COHORT_CONFLICT = OpenApiResponse(
    response=inline_serializer(
        "CohortRuleViolation", {"detail": serializers.CharField(), "code": serializers.CharField()}
    ),
    description=_("Een regel weigert de actie (bijvoorbeeld: het cohort is gearchiveerd)."),
)


def _require_coordinator(request: Request) -> None:
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied(_("Alleen coördinatoren beheren cohorten."))


def _cohort_data(cohort: Cohort) -> dict:
    return CohortSerializer(
        {
            "id": cohort.pk,
            "name": cohort.name,
            "starts_on": cohort.starts_on,
            "ends_on": cohort.ends_on,
            "preferences_open": cohort.preferences_open,
            "schools": cohort.schools.all(),
            "competences": cohort.competences.all(),
            "created_at": cohort.created_at,
            "archived_at": cohort.archived_at,
            "is_archived": cohort.is_archived,
        }
    ).data


class CohortListView(APIView):
    """A coordinator's own cohorts, newest first; creating one makes you its coordinator."""

    @extend_schema(responses=CohortSerializer(many=True))
    def get(self, request: Request) -> Response:
        _require_coordinator(request)
        cohorts = selectors.cohorts_managed_by(user=request.user).prefetch_related("schools", "competences")
        return Response([_cohort_data(c) for c in cohorts])

    @extend_schema(request=CohortWriteSerializer, responses={201: CohortSerializer})
    def post(self, request: Request) -> Response:
        _require_coordinator(request)
        data = CohortWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cohort = services.cohort_create(by=request.user, **data.validated_data)
        return Response(_cohort_data(cohort), status=201)


class CohortDetailView(APIView):
    """One cohort of yours (404 for anyone else's); PATCH changes only the fields sent."""

    @extend_schema(responses=CohortSerializer)
    def get(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        return Response(_cohort_data(cohort))

    @extend_schema(request=CohortWriteSerializer(partial=True), responses={200: CohortSerializer, 409: COHORT_CONFLICT})
    def patch(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        data = CohortWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        cohort = services.cohort_update(cohort=cohort, by=request.user, values=data.validated_data)
        return Response(_cohort_data(cohort))


class CohortArchiveView(APIView):
    """Archive a cohort at the end of the round: read-only from then on (every change answers 409)."""

    @extend_schema(request=None, responses={200: CohortSerializer, 409: COHORT_CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        cohort = selectors.access_managed_cohort(user=request.user, cohort_id=pk)
        cohort = services.cohort_archive(cohort=cohort, by=request.user)
        return Response(_cohort_data(cohort))


cohort_urlpatterns = [
    path("cohorts/", CohortListView.as_view(), name="api-cohort-list"),
    path("cohorts/<int:pk>/", CohortDetailView.as_view(), name="api-cohort-detail"),
    path("cohorts/<int:pk>/archive/", CohortArchiveView.as_view(), name="api-cohort-archive"),
]
