"""The team-formation API (docs/api.md "Team formation"): start a run, read it, move students, lock, publish.

Thin: the access helper (only coordinators of the run's cohort; everyone
else 404), input validation, a service, the run as docs/api.md shapes it. Ids of
students and assignments are integers here; the engine's strings stay inside.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import formation_selectors as selectors
from teams import formation_services as services
from teams.models import FormationRun
from wijklab.ids import MAX_ID


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": [_("Stuur de velden als JSON tussen { }.")]})
    return request.data


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=_body(request))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- input -----------------------------------------------------------------------------


class LockIn(serializers.Serializer):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    assignment = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class RunStartIn(serializers.Serializer):
    cohort = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    time_limit_s = serializers.IntegerField(min_value=1, max_value=services.TIME_LIMIT_MAX, default=10)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=1)
    weights = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=100), required=False)
    locked = LockIn(many=True, required=False)
    kind = serializers.ChoiceField(
        choices=FormationRun.Kind.choices,
        default=FormationRun.Kind.FORMATION,
        help_text="repair: the fewest moves that make the cohort's current teams valid again.",
    )

    def validate_locked(self, value: list) -> list:
        students = [lock["student"] for lock in value]
        if len(set(students)) != len(students):
            raise serializers.ValidationError(_("Zet een student maar één keer vast."))
        return value


class RerunIn(serializers.Serializer):
    time_limit_s = serializers.IntegerField(
        min_value=1,
        max_value=services.TIME_LIMIT_MAX,
        required=False,
        help_text="Computing time of the new run; without it, the same as this run's.",
    )


class MoveIn(serializers.Serializer):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    to_assignment = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True)
    to_team = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    override = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=services.REASON_MAX, required=False, allow_blank=True, default="")


class LockChangeIn(serializers.Serializer):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    locked = serializers.BooleanField()


# --- output: one serializer per shape, for the response and the schema alike ------------
# The proposal is the engine's JSON (string ids); these serializers turn it into docs/api.md's integers.


class RunCreatedOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=FormationRun.Status.choices)


class RunTeamOut(serializers.Serializer):
    assignment = serializers.IntegerField()
    team = serializers.IntegerField(
        source="db_team", allow_null=True, help_text="The existing team this continues, if any."
    )
    name = serializers.CharField(default="")
    members = serializers.ListField(child=serializers.IntegerField())
    explanation = serializers.SerializerMethodField()

    def get_explanation(self, team: dict) -> str:
        return selectors.student_explanation(team)


class UnplacedOut(serializers.Serializer):
    student = serializers.IntegerField()
    reason = serializers.SerializerMethodField()

    def get_reason(self, unplaced: dict) -> str:
        return selectors.student_explanation(unplaced)


class PlacementOut(serializers.Serializer):
    student = serializers.IntegerField()
    assignment = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    explanation = serializers.SerializerMethodField()

    def get_explanation(self, placement: dict) -> str:
        return selectors.student_explanation(placement)


class ConflictOut(serializers.Serializer):
    code = serializers.CharField(default="")
    detail = serializers.CharField(default="")


class RunSummaryOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    cohort = serializers.IntegerField(source="cohort_id")
    kind = serializers.ChoiceField(choices=FormationRun.Kind.choices)
    status = serializers.ChoiceField(choices=FormationRun.Status.choices)
    progress = serializers.SerializerMethodField()
    objective = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def get_progress(self, run: FormationRun) -> float:
        return round(run.progress, 3)


class RunOut(RunSummaryOut):
    """The run as docs/api.md shapes it."""

    progress_message = serializers.CharField()
    bound = serializers.FloatField(allow_null=True)
    gap_text = serializers.SerializerMethodField()
    error = serializers.CharField()
    teams = serializers.SerializerMethodField()
    unplaced = serializers.SerializerMethodField()
    students = serializers.SerializerMethodField()
    preference_profile = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    @staticmethod
    def _proposal(run: FormationRun) -> dict:
        return run.proposal or {}

    def get_gap_text(self, run: FormationRun) -> str:
        return selectors.gap_text_for(self._proposal(run))

    @extend_schema_field(RunTeamOut(many=True))
    def get_teams(self, run: FormationRun) -> list[dict]:
        return RunTeamOut(self._proposal(run).get("teams", []), many=True).data

    @extend_schema_field(UnplacedOut(many=True))
    def get_unplaced(self, run: FormationRun) -> list[dict]:
        return UnplacedOut(self._proposal(run).get("unplaced", []), many=True).data

    @extend_schema_field(PlacementOut(many=True))
    def get_students(self, run: FormationRun) -> list[dict]:
        return PlacementOut(self._proposal(run).get("students", []), many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_preference_profile(self, run: FormationRun) -> dict:
        return self._proposal(run).get("preference_profile") or {}

    @extend_schema_field(ConflictOut(many=True))
    def get_conflicts(self, run: FormationRun) -> list[dict]:
        conflicts = self._proposal(run).get("conflicts", [])
        return ConflictOut(selectors.named(conflicts, data=run.parameters.get("input") or {}), many=True).data

    @extend_schema_field(LockIn(many=True))
    def get_locked(self, run: FormationRun) -> list[dict]:
        return LockIn([{"student": s, "assignment": a} for s, a in sorted(run.locks.items())], many=True).data


# --- views -----------------------------------------------------------------------------


class RunListView(GenericAPIView):
    """The runs of the cohorts one coordinates (empty for everyone else); coordinators start a run."""

    queryset = FormationRun.objects.none()

    @extend_schema(parameters=[OpenApiParameter("cohort", int)], responses=RunSummaryOut(many=True))
    def get(self, request: Request) -> Response:
        runs = selectors.formation_runs_visible_to(user=request.user).defer("proposal", "parameters")
        cohort = request.query_params.get("cohort")
        if cohort:
            if not cohort.isdigit() or not 0 < int(cohort) <= MAX_ID:
                raise ValidationError({"cohort": [_("Geef een cohort-id.")]})
            runs = runs.filter(cohort_id=int(cohort))
        page = self.paginate_queryset(runs.order_by("-created_at", "-id"))
        return self.get_paginated_response(RunSummaryOut(page, many=True).data)

    @extend_schema(request=RunStartIn, responses={202: RunCreatedOut})
    def post(self, request: Request) -> Response:
        data = _valid(RunStartIn, request)
        cohort = selectors.access_formation_cohort(user=request.user, cohort_id=data["cohort"])
        if data["kind"] == FormationRun.Kind.REPAIR:
            run = services.formation_repair_start(
                cohort=cohort, by=request.user, time_limit=data["time_limit_s"], seed=data["seed"]
            )
        else:
            run = services.formation_run_start(
                cohort=cohort,
                by=request.user,
                time_limit=data["time_limit_s"],
                seed=data["seed"],
                weights=data.get("weights") or None,
                locks={lock["student"]: lock["assignment"] for lock in data.get("locked", [])},
            )
        run.refresh_from_db(fields=["status"])
        return Response(RunCreatedOut(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailView(APIView):
    @extend_schema(responses=RunOut)
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
        return Response(RunOut(run).data)


class RunMoveView(APIView):
    @extend_schema(request=MoveIn, responses={200: RunOut, 409: ConflictOut})
    def post(self, request: Request, run_id: int) -> Response:
        """Move a student in the draft; 409 ``{code, detail}`` on a broken rule, unless ``override`` + ``reason``."""
        run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
        data = _valid(MoveIn, request)
        run = services.formation_move(
            run=run,
            student_id=data["student"],
            to_assignment_id=data["to_assignment"],
            to_team=data["to_team"],
            override=data["override"],
            reason=data["reason"],
            by=request.user,
        )
        return Response(RunOut(run).data)


class RunLockView(APIView):
    @extend_schema(request=LockChangeIn, responses=RunOut)
    def post(self, request: Request, run_id: int) -> Response:
        """Fix a placed student to their assignment for the next run (or free them)."""
        run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
        data = _valid(LockChangeIn, request)
        run = services.formation_lock(run=run, student_id=data["student"], locked=data["locked"], by=request.user)
        return Response(RunOut(run).data)


class RunRerunView(APIView):
    @extend_schema(request=RerunIn, responses={202: RunCreatedOut})
    def post(self, request: Request, run_id: int) -> Response:
        """A new run with the same settings, around the locked students; ``time_limit_s`` gives it
        more (or less) computing time, as "Langer zoeken" on the board does."""
        run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
        data = _valid(RerunIn, request)
        new = services.formation_rerun(run=run, by=request.user, time_limit=data.get("time_limit_s"))
        new.refresh_from_db(fields=["status"])
        return Response(RunCreatedOut(new).data, status=status.HTTP_202_ACCEPTED)


class RunPublishView(APIView):
    @extend_schema(request=None, responses={200: RunOut, 409: ConflictOut})
    def post(self, request: Request, run_id: int) -> Response:
        """Create the draft's teams in one transaction and notify each person once (a run publishes once)."""
        run = selectors.access_formation_run_by_id(user=request.user, run_id=run_id)
        run = services.formation_publish(run=run, by=request.user)
        return Response(RunOut(run).data)


urlpatterns = [
    path("formation-runs/", RunListView.as_view(), name="api-formation-runs"),
    path("formation-runs/<int:run_id>/", RunDetailView.as_view(), name="api-formation-run"),
    path("formation-runs/<int:run_id>/moves/", RunMoveView.as_view(), name="api-formation-run-moves"),
    path("formation-runs/<int:run_id>/locks/", RunLockView.as_view(), name="api-formation-run-locks"),
    path("formation-runs/<int:run_id>/rerun/", RunRerunView.as_view(), name="api-formation-run-rerun"),
    path("formation-runs/<int:run_id>/publish/", RunPublishView.as_view(), name="api-formation-run-publish"),
]
