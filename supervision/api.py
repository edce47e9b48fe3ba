"""REST API for supervision (docs/api.md "Supervision"): thin views over selectors and services.

- ``GET /api/rubrics/``: the rubric with the criteria the caller assesses or is assessed on.
- ``POST /api/feedback/``: log feedback. A student you may not write about is
  a 400 on ``student`` ("bestaat niet of je begeleidt deze student niet"), the
  same answer whether or not the id exists, like every other bad field.
  Coordinators may not write at all (403).
- ``GET /api/feedback/?student=<id>``, ``GET /api/feedback/{id}/``: scoped by
  the visibility rules; a student whose feedback you may not see is a 404.
- ``GET /api/students/{id}/progress/``: per criterion the series and the trend.
"""

from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from supervision import selectors, services
from supervision.models import Criterion, FeedbackEntry, FeedbackKind, Level, Rubric
from wijklab.api_support import PersonSerializer, RefSerializer
from wijklab.models import AuditKind, Role
from wijklab.services import audit_record

# --- serializers ----------------------------------------------------------------


class LevelDescriptorSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()


class CriterionSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display")
    levels = serializers.SerializerMethodField()

    class Meta:
        model = Criterion
        fields = ["id", "name", "description", "category", "category_label", "programme", "levels"]

    @extend_schema_field(LevelDescriptorSerializer(many=True))
    def get_levels(self, criterion: Criterion) -> list[dict[str, Any]]:
        texts = {d.level: d.text for d in criterion.descriptors.all()}
        return [{"level": lv.value, "label": str(lv.label), "text": texts.get(lv.value, "")} for lv in Level]


class RubricSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, source="visible_criteria")

    class Meta:
        model = Rubric
        fields = ["id", "name", "description", "criteria"]


class ScoreOutSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(
        source="criterion_id", allow_null=True, help_text="Null when the criterion was removed."
    )
    criterion_name = serializers.CharField(help_text="The wording the score was given with.")
    category = serializers.CharField()
    level = serializers.IntegerField()
    level_label = serializers.SerializerMethodField()
    descriptor = serializers.CharField(help_text="The level description as it read when the score was given.")

    def get_level_label(self, score: Any) -> str:
        return str(Level(score.level).label)


class FeedbackOutSerializer(serializers.Serializer):
    """One entry as the viewer may see it: ``author`` is null for a receiver of anonymous peer feedback."""

    id = serializers.IntegerField(source="pk")
    student = PersonSerializer()
    author = serializers.SerializerMethodField()
    author_kind = serializers.SerializerMethodField(
        help_text=(
            "mbo_docent, hbo_docent, werkbegeleider, or empty; for people of an organisation (level-blind) "
            "an mbo or hbo docent is docent."
        )
    )
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    team = RefSerializer(allow_null=True)
    date = serializers.DateField()
    comment = serializers.CharField()
    show_author = serializers.BooleanField()
    is_observation = serializers.BooleanField()
    scores = ScoreOutSerializer(many=True, source="scores.all")
    created_at = serializers.DateTimeField()

    # ``author_shown`` is set by selectors.mark_author_visibility / access_feedback_by_id.
    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, entry: FeedbackEntry) -> dict[str, Any] | None:
        return PersonSerializer(entry.author).data if getattr(entry, "author_shown", False) else None

    @extend_schema_field(serializers.ChoiceField(choices=["mbo_docent", "hbo_docent", "werkbegeleider", "docent", ""]))
    def get_author_kind(self, entry: FeedbackEntry) -> str:
        # ``author_kind_shown`` is set by selectors.mark_author_visibility: blind to mbo/hbo where it must be.
        return getattr(entry, "author_kind_shown", "") if getattr(entry, "author_shown", False) else ""


class FeedbackInSerializer(serializers.Serializer):
    """Input shape only; every rule (and its Dutch message) is checked by ``feedback_create``."""

    student = serializers.IntegerField(
        required=False,
        help_text="Leave out for a self-assessment.",
        error_messages={"invalid": _("Kies een student: geef het nummer van de student.")},
    )
    team = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Default: the student's team.",
        error_messages={"invalid": _("Geef het nummer van het team.")},
    )
    kind = serializers.CharField(required=False, allow_blank=True, help_text="supervisor, self or peer.")
    scores = serializers.ListField(
        child=serializers.JSONField(), required=False, default=list, help_text="[{criterion: id, level: 1..4}]"
    )
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, default="")
    date = serializers.DateField(
        required=False,
        help_text="Default: today. Not in the future.",
        error_messages={"invalid": _("Geef een geldige datum als JJJJ-MM-DD.")},
    )
    show_author = serializers.BooleanField(required=False, default=False, help_text="Peer feedback: show my name.")
    is_observation = serializers.BooleanField(required=False, default=False)


class PointSerializer(serializers.Serializer):
    date = serializers.DateField()
    level = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    docent = PointSerializer(many=True)
    werkbegeleider = PointSerializer(many=True)
    self = PointSerializer(many=True)
    peer = PointSerializer(many=True)


class CriterionProgressSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id", allow_null=True)
    name = serializers.CharField()
    category = serializers.CharField()
    trend = serializers.ChoiceField(choices=["up", "down", "flat"], allow_null=True)
    latest_level = serializers.IntegerField(allow_null=True)
    series = SeriesSerializer()


class AlertSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    criteria = serializers.ListField(child=serializers.CharField())


class ProgressSerializer(serializers.Serializer):
    """A student's progress (``selectors.student_progress``); ``context["student"]`` is who it is about,
    ``context["staff"]`` whether the viewer sees the alerts."""

    student = serializers.SerializerMethodField()
    last_supervisor_feedback = serializers.DateField(allow_null=True)
    criteria = CriterionProgressSerializer(many=True)
    alerts = serializers.SerializerMethodField(help_text="Only for supervisors and coordinators.")

    @extend_schema_field(PersonSerializer)
    def get_student(self, progress: Any) -> dict[str, Any]:
        return PersonSerializer(self.context["student"]).data

    @extend_schema_field(AlertSerializer(many=True))
    def get_alerts(self, progress: Any) -> list[dict[str, Any]]:
        return AlertSerializer(progress.alerts, many=True).data if self.context["staff"] else []


# --- views ----------------------------------------------------------------------


class RubricListView(GenericAPIView):
    serializer_class = RubricSerializer
    queryset = Rubric.objects.none()  # for the schema; get_queryset reads the viewer's criteria

    def get_queryset(self):
        criteria = selectors.criteria_visible_to(viewer=self.request.user).prefetch_related("descriptors")
        return Rubric.objects.filter(is_default=True).prefetch_related(
            Prefetch("criteria", queryset=criteria, to_attr="visible_criteria")
        )

    @extend_schema(responses=RubricSerializer(many=True))  # a page of rubrics, not one
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RubricSerializer(page, many=True).data)


class FeedbackListView(GenericAPIView):
    serializer_class = FeedbackOutSerializer
    queryset = FeedbackEntry.objects.none()  # for the schema; every read goes through the selectors

    @extend_schema(
        parameters=[
            OpenApiParameter("student", int, description="Only feedback on this student (404 if not visible)."),
            OpenApiParameter("kind", str, enum=FeedbackKind.values),
        ],
        responses=FeedbackOutSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        viewer = request.user
        qs = selectors.feedback_for_listing(viewer=viewer)
        student = request.query_params.get("student")
        student_id = None
        if student not in (None, ""):
            try:
                student_id = selectors.as_id(student)
            except ValueError:
                raise Http404 from None
            qs = qs.filter(student_id=student_id)
            may_see = selectors.students_in_scope(viewer=viewer).filter(pk=student_id).exists()
            # Authors (e.g. an organisation contact as werkbegeleider) still see what they wrote.
            if not may_see and not qs.exists():
                raise Http404
        kind = request.query_params.get("kind")
        if kind:
            qs = qs.filter(kind=kind)
        page = self.paginate_queryset(qs)
        entries = selectors.mark_author_visibility(page, viewer=viewer)
        if viewer.role != Role.STUDENT:
            # A student lists only feedback on themselves and what they wrote; anyone else reads others'.
            # One entry per request, not per entry listed.
            audit_record(
                kind=AuditKind.FEEDBACK_READ,
                actor=viewer,
                subject_id=student_id,
                object_type="feedback_list",
                object_id=student_id or "",
                description=_("Feedback opgevraagd via de API (%(count)s regels)."),
                params={"count": len(entries)},
            )
        return self.get_paginated_response(FeedbackOutSerializer(entries, many=True).data)

    @extend_schema(
        request=FeedbackInSerializer,
        responses={201: FeedbackOutSerializer},
        description=(
            "Supervisors write on students they supervise (kind supervisor); students write kind self on "
            "themselves and kind peer on current teammates. Every refusal of the input is a 400 with Dutch "
            "field errors and nothing is stored: a criterion outside the student's rubric, a level outside "
            "1..4, a future date, an empty entry, and also a student you do not supervise (400 on `student`, "
            "the same message whether or not the id exists). Coordinators may not write (403)."
        ),
    )
    def post(self, request: Request) -> Response:
        data = FeedbackInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        entry = services.feedback_create(
            author=request.user,
            student_id=v.get("student"),
            team_id=v.get("team"),
            kind=v.get("kind") or None,
            scores=v.get("scores", []),
            comment=v.get("comment", ""),
            date=v.get("date"),
            show_author=v.get("show_author", False),
            is_observation=v.get("is_observation", False),
        )
        entry = selectors.access_feedback_by_id(viewer=request.user, entry_id=entry.pk)
        return Response(FeedbackOutSerializer(entry).data, status=status.HTTP_201_CREATED)


class FeedbackDetailView(GenericAPIView):
    serializer_class = FeedbackOutSerializer
    queryset = FeedbackEntry.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        entry = selectors.access_feedback_by_id(viewer=request.user, entry_id=pk)
        services.record_read_by_other(
            viewer=request.user,
            student_id=entry.student_id,
            kind=AuditKind.FEEDBACK_READ,
            object_type="feedback",
            object_id=entry.pk,
            description=_("Feedback opgevraagd via de API."),
        )
        return Response(FeedbackOutSerializer(entry).data)


class StudentProgressView(GenericAPIView):
    serializer_class = ProgressSerializer

    def get(self, request: Request, pk: int) -> Response:
        viewer = request.user
        student = selectors.access_student_by_id(viewer=viewer, student_id=pk)
        progress = selectors.student_progress(student=student, today=timezone.localdate(), viewer=viewer)
        staff = selectors.sees_progress_alerts(viewer)
        services.record_read_by_other(
            viewer=viewer,
            student=student,
            kind=AuditKind.PROGRESS_READ,
            object_type="progress",
            object_id=student.pk,
            description=_("Voortgang opgevraagd via de API."),
        )
        return Response(ProgressSerializer(progress, context={"student": student, "staff": staff}).data)


urlpatterns = [
    path("rubrics/", RubricListView.as_view(), name="api-rubrics"),
    path("feedback/", FeedbackListView.as_view(), name="api-feedback"),
    path("feedback/<int:pk>/", FeedbackDetailView.as_view(), name="api-feedback-detail"),
    path("students/<int:pk>/progress/", StudentProgressView.as_view(), name="api-student-progress"),
]
