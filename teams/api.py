"""REST API for teams, membership, duos and tasks (docs/api.md "Teams").

Thin: look the object up through a selector (404 for what the user may not
see), validate the input, call a service, answer. Rules refuse with
``RuleViolation`` → 409 ``{"detail", "code"}`` (wijklab.api_support).
"""

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assignments.models import Assignment, Phase
from teams import selectors, services
from teams.models import Duo, DuoRole, MembershipChange, Task, TaskStatus, Team, TeamStatus
from wijklab.api_support import DetailSerializer, OmitNoneMixin, PersonSerializer, RefSerializer, require
from wijklab.models import User

# --- output: one serializer per shape, for the response and the schema alike ---------


class TeamAssignmentOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.CharField()
    organisation = RefSerializer()
    requires_hbo = serializers.BooleanField()
    team_size_min = serializers.IntegerField()
    team_size_max = serializers.IntegerField()


COMPLETENESS_HELP = (
    "Whether the team meets the assignment's composition. Left out for people who may not see the "
    "team's niveaus (of an organisation, students outside it) when the team has fewer than three members."
)


class TeamSummaryOut(OmitNoneMixin, serializers.Serializer):
    """A team in a list; the team is annotated by ``selectors.with_niveau_counts_for``; ``context["viewer"]``
    is who reads it (``is_complete`` is left out where they may not read a verdict)."""

    omit_if_none = ("is_complete",)

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=TeamStatus.choices)
    assignment = TeamAssignmentOut()
    member_count = serializers.IntegerField()
    free_seats = serializers.SerializerMethodField()
    is_complete = serializers.SerializerMethodField(help_text=COMPLETENESS_HELP)

    def get_free_seats(self, team: Team) -> int:
        return max(team.assignment.team_size_max - team.member_count, 0)

    @extend_schema_field(serializers.BooleanField(required=False, help_text=COMPLETENESS_HELP))
    def get_is_complete(self, team: Team) -> bool | None:
        return selectors.team_completeness_for(team, viewer=self.context["viewer"])


class OpenTeamOut(TeamSummaryOut):
    """An open team for a student; ``join_check`` (selectors.JoinCheck) is set on each team by the view."""

    members = serializers.SerializerMethodField()
    can_join = serializers.BooleanField(source="join_check.allowed")
    code = serializers.CharField(
        source="join_check.code", help_text="Why not: team_full, needs_niveau, already_in_team, …"
    )
    reason = serializers.CharField(source="join_check.reason")

    @extend_schema_field(PersonSerializer(many=True))
    def get_members(self, team: Team) -> list[dict]:
        return PersonSerializer([m.student for m in team.active_memberships], many=True).data


class MemberOut(OmitNoneMixin, serializers.Serializer):
    """A member as the viewer may see them: ``niveau`` only where allowed (never for organisations)."""

    omit_if_none = ("niveau",)

    id = serializers.IntegerField(source="user.pk")
    display_name = serializers.CharField(source="user.get_display_name")
    competences = RefSerializer(many=True)
    duo = serializers.IntegerField(source="duo.pk", allow_null=True)
    duo_role = serializers.ChoiceField(source="role", choices=DuoRole.choices, allow_null=True)
    joined_at = serializers.DateTimeField()
    niveau = serializers.IntegerField(required=False, help_text="Only for viewers allowed to see it.")


class DuoMemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=DuoRole.choices)


class DuoOut(OmitNoneMixin, serializers.Serializer):
    """A duo; ``context["names"]`` ({member id: display name}) names its members; ``carries_youth_case``
    only with ``context["sees_youth_case"]`` (``selectors.sees_youth_case``)."""

    omit_if_none = ("has_niveau_6",)

    id = serializers.IntegerField(source="pk")
    members = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    member_details = serializers.SerializerMethodField()
    carries_youth_case = serializers.BooleanField(
        required=False,
        help_text=(
            "Only for viewers allowed to know it (the team's students, docenten and coordinators): "
            "the duo that carries a youth case has a niveau 6 student."
        ),
    )
    has_niveau_6 = serializers.BooleanField(
        required=False, allow_null=True, help_text="In a team's detail, for viewers allowed to know."
    )

    def to_representation(self, duo: Duo) -> dict:
        data = super().to_representation(duo)
        if not self.context.get("sees_youth_case", False):
            data.pop("carries_youth_case", None)
        return data

    def get_members(self, duo: Duo) -> list[int]:
        return [duo.member_a_id, duo.member_b_id]

    @extend_schema_field(serializers.DictField(child=serializers.ChoiceField(choices=DuoRole.choices)))
    def get_roles(self, duo: Duo) -> dict[str, str]:
        return {str(duo.member_a_id): duo.role_a, str(duo.member_b_id): duo.role_b}

    @extend_schema_field(DuoMemberOut(many=True))
    def get_member_details(self, duo: Duo) -> list[dict]:
        names = self.context.get("names", {})
        return [
            {"id": duo.member_a_id, "display_name": names.get(duo.member_a_id, ""), "role": duo.role_a},
            {"id": duo.member_b_id, "display_name": names.get(duo.member_b_id, ""), "role": duo.role_b},
        ]


class TeamDuoOut(DuoOut):
    """A duo in a team's detail (a ``selectors.DuoView``): with ``has_niveau_6`` where the viewer may know."""

    def to_representation(self, view: selectors.DuoView) -> dict:
        data = super().to_representation(view.duo)
        if view.has_niveau_6 is not None:
            data["has_niveau_6"] = view.has_niveau_6
        return data


class RequiredCompetenceOut(serializers.Serializer):
    id = serializers.IntegerField(source="competence.pk")
    name = serializers.CharField(source="competence.name")
    importance = serializers.IntegerField()
    covered = serializers.BooleanField()
    covered_by = serializers.SerializerMethodField()

    def get_covered_by(self, rc: selectors.RequiredCompetence) -> list[int]:
        return [m.user.pk for m in rc.covered_by]


class TeamDetailAssignmentOut(TeamAssignmentOut):
    """The assignment in a team's detail; ``context["required_competences"]`` says which the team covers."""

    required_competences = serializers.SerializerMethodField()

    @extend_schema_field(RequiredCompetenceOut(many=True))
    def get_required_competences(self, assignment: Assignment) -> list[dict]:
        return RequiredCompetenceOut(self.context["required_competences"], many=True).data


class SupervisorOut(PersonSerializer):
    kind = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_kind(self, user: User) -> str | None:
        return getattr(getattr(user, "supervisor_profile", None), "kind", None)


class ProblemOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TeamOut(OmitNoneMixin, serializers.Serializer):
    """The team as the viewer may see it (a ``selectors.TeamOverview``)."""

    omit_if_none = ("is_complete",)

    id = serializers.IntegerField(source="team.pk")
    name = serializers.CharField(source="team.name")
    status = serializers.ChoiceField(source="team.status", choices=TeamStatus.choices)
    assignment = serializers.SerializerMethodField()
    members = MemberOut(many=True)
    member_count = serializers.SerializerMethodField()
    free_seats = serializers.IntegerField()
    duos = serializers.SerializerMethodField()
    supervisors = serializers.SerializerMethodField()
    covered_competences = serializers.SerializerMethodField()
    missing_competences = serializers.SerializerMethodField()
    is_complete = serializers.BooleanField(source="completeness", required=False, help_text=COMPLETENESS_HELP)
    problems = ProblemOut(many=True)
    created_at = serializers.DateTimeField(source="team.created_at")

    @extend_schema_field(TeamDetailAssignmentOut)
    def get_assignment(self, overview: selectors.TeamOverview) -> dict:
        context = {"required_competences": overview.required_competences}
        return TeamDetailAssignmentOut(overview.team.assignment, context=context).data

    def get_member_count(self, overview: selectors.TeamOverview) -> int:
        return len(overview.members)

    @extend_schema_field(DuoOut(many=True))
    def get_duos(self, overview: selectors.TeamOverview) -> list[dict]:
        names = {m.user.pk: m.user.get_display_name() for m in overview.members}
        context = {"names": names, "sees_youth_case": overview.shows_youth_case}
        return TeamDuoOut(overview.duos, many=True, context=context).data

    @extend_schema_field(SupervisorOut(many=True))
    def get_supervisors(self, overview: selectors.TeamOverview) -> list[dict]:
        return SupervisorOut([s.supervisor for s in overview.supervisors], many=True).data

    def get_covered_competences(self, overview: selectors.TeamOverview) -> list[int]:
        return [rc.competence.pk for rc in overview.covered]

    def get_missing_competences(self, overview: selectors.TeamOverview) -> list[int]:
        return [rc.competence.pk for rc in overview.lacking]


class TaskOut(serializers.Serializer):
    """A task; ``context["today"]`` decides ``overdue`` (default: today)."""

    id = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="team_id")
    phase = serializers.ChoiceField(choices=Phase.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    owner = PersonSerializer(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    overdue = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_overdue(self, task: Task) -> bool:
        return task.is_overdue(self.context.get("today") or timezone.localdate())


class ChangeOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=MembershipChange.Kind.choices)
    student = PersonSerializer()
    from_team = serializers.IntegerField(source="from_team_id", allow_null=True)
    to_team = serializers.IntegerField(source="to_team_id", allow_null=True)
    by = PersonSerializer(allow_null=True)
    override = serializers.BooleanField()
    overridden_rules = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


def _team_out(team: Team, viewer: User) -> dict:
    return TeamOut(selectors.team_overview(team=team, viewer=viewer)).data


# --- input ------------------------------------------------------------------


class TeamCreateInput(serializers.Serializer):
    assignment = serializers.IntegerField()
    name = serializers.CharField(max_length=100)


class MoveInput(serializers.Serializer):
    student = serializers.IntegerField()
    override = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    confirm_departure = serializers.BooleanField(
        default=True,
        help_text=_(
            "false: weiger (409 leaves_team_invalid) als het oude team van de student daarna niet meer voldoet, "
            "met wat het zou missen; true: verplaats toch."
        ),
    )


class RemoveInput(serializers.Serializer):
    student = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


class TaskInput(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    owner = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False, default=TaskStatus.TODO)


class TaskPatchInput(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)


class DuoInput(serializers.Serializer):
    members = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    roles = serializers.DictField(child=serializers.ChoiceField(choices=DuoRole.choices))
    carries_youth_case = serializers.BooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        members = attrs["members"]
        try:
            roles = {int(k): v for k, v in attrs["roles"].items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError({"roles": [_("Geef de rollen per lid (id van het lid).")]}) from None
        if set(roles) != set(members) or len(set(members)) != 2:
            raise serializers.ValidationError({"roles": [_("Geef voor beide leden van het duo een rol.")]})
        attrs["role_map"] = {m: roles[m] for m in members}
        return attrs


class DuoPatchInput(serializers.Serializer):
    roles = serializers.DictField(child=serializers.ChoiceField(choices=DuoRole.choices), required=False)
    carries_youth_case = serializers.BooleanField(required=False)

    def validate_roles(self, roles: dict) -> dict[int, str]:
        try:
            return {int(k): v for k, v in roles.items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError(_("Geef de rollen per lid (id van het lid).")) from None


def _valid(serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- teams ------------------------------------------------------------------


class TeamListView(GenericAPIView):
    """Teams the user may see; coordinators and organisation contacts open new ones."""

    queryset = Team.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("assignment", int), OpenApiParameter("status", str)],
        responses=TeamSummaryOut(many=True),
    )
    def get(self, request: Request) -> Response:
        teams = selectors.in_list_order(
            selectors.teams_visible_to(user=request.user).select_related("assignment", "assignment__organisation")
        )
        assignment = request.query_params.get("assignment")
        if assignment:
            if not assignment.isdigit() or not selectors.is_id(int(assignment)):
                raise serializers.ValidationError({"assignment": [_("Geef een opdracht-id.")]})
            teams = teams.filter(assignment_id=int(assignment))
        wanted_status = request.query_params.get("status")
        if wanted_status:
            if wanted_status not in TeamStatus.values:
                raise serializers.ValidationError({"status": [_("Onbekende status.")]})
            teams = teams.filter(status=wanted_status)
        page = selectors.with_niveau_counts_for(self.paginate_queryset(teams))
        return self.get_paginated_response(TeamSummaryOut(page, many=True, context={"viewer": request.user}).data)

    @extend_schema(request=TeamCreateInput, responses={201: TeamOut})
    def post(self, request: Request) -> Response:
        require(selectors.opens_teams(request.user))
        data = _valid(TeamCreateInput, request)
        assignment = _assignment_for_team(request.user, data["assignment"])
        team = services.team_create(assignment=assignment, name=data["name"], by=request.user)
        team = selectors.access_team_by_id(user=request.user, team_id=team.pk)
        return Response(_team_out(team, request.user), status=201)


def _assignment_for_team(user: User, assignment_id: int) -> Assignment:
    assignment = (
        selectors.assignments_teams_may_be_opened_on_by(user=user)
        .select_related("cohort")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise serializers.ValidationError({"assignment": [_("Onbekende opdracht.")]})
    return assignment


class OpenTeamListView(GenericAPIView):
    """For students: the open teams of their cohort, with whether and why not they may join."""

    queryset = Team.objects.none()

    @extend_schema(responses=OpenTeamOut(many=True))
    def get(self, request: Request) -> Response:
        require(selectors.joins_teams(request.user))
        page = self.paginate_queryset(selectors.open_teams_for(student=request.user))
        teams = []
        for team, check in selectors.with_join_checks(student=request.user, teams=page):
            team.join_check = check
            teams.append(team)
        return self.get_paginated_response(OpenTeamOut(teams, many=True, context={"viewer": request.user}).data)


class TeamStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TeamStatus.choices)


class TeamDetailView(APIView):
    @extend_schema(responses=TeamOut)
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        return Response(_team_out(team, request.user))

    @extend_schema(request=TeamStatusInput, responses=TeamOut)
    def patch(self, request: Request, team_id: int) -> Response:
        """Coordinators start (``active``), reopen (``open``) or close (``closed``) a team."""
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        data = _valid(TeamStatusInput, request)
        team = services.team_set_status(team=team, status=data["status"], by=request.user)
        return Response(_team_out(team, request.user))


class TeamJoinView(APIView):
    @extend_schema(request=None, responses=TeamOut)
    def post(self, request: Request, team_id: int) -> Response:
        require(selectors.joins_teams(request.user))
        team = selectors.access_team_for_join(user=request.user, team_id=team_id)
        services.membership_join(team=team, student=request.user)
        team = selectors.access_team_by_id(user=request.user, team_id=team.pk)
        return Response(_team_out(team, request.user))


class TeamLeaveView(APIView):
    @extend_schema(request=None, responses=DetailSerializer)
    def post(self, request: Request, team_id: int) -> Response:
        require(selectors.joins_teams(request.user))
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        services.membership_leave(team=team, student=request.user)
        return Response({"detail": str(_("Je hebt het team verlaten."))})


def _cohort_student(team: Team, student_id: int) -> User:
    student = selectors.cohort_student_for(team=team, student_id=student_id)
    if student is None:
        raise serializers.ValidationError({"student": [_("Onbekende student in dit cohort.")]})
    return student


class TeamMoveView(APIView):
    """A coordinator places a student in this team; ``override`` + ``reason`` to knowingly break a rule."""

    @extend_schema(request=MoveInput, responses=ChangeOut)
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        data = _valid(MoveInput, request)
        change = services.membership_move(
            student=_cohort_student(team, data["student"]),
            to_team=team,
            by=request.user,
            override=data["override"],
            reason=data["reason"],
            confirm_departure=data["confirm_departure"],
        )
        return Response(ChangeOut(change).data)


class TeamRemoveView(APIView):
    @extend_schema(request=RemoveInput, responses=ChangeOut)
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        data = _valid(RemoveInput, request)
        change = services.membership_remove(
            team=team, student=_cohort_student(team, data["student"]), by=request.user, reason=data["reason"]
        )
        return Response(ChangeOut(change).data)


class TeamChangesView(GenericAPIView):
    """The roster history of a team, with overrides and reasons (coordinators)."""

    queryset = MembershipChange.objects.none()

    @extend_schema(responses=ChangeOut(many=True))
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        page = self.paginate_queryset(selectors.membership_changes(team=team))
        return self.get_paginated_response(ChangeOut(page, many=True).data)


# --- tasks ------------------------------------------------------------------


class TeamTaskListView(GenericAPIView):
    queryset = Task.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("phase", str), OpenApiParameter("status", str)],
        responses=TaskOut(many=True),
    )
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        tasks = selectors.team_tasks(team=team)
        phase, wanted = request.query_params.get("phase"), request.query_params.get("status")
        if phase:
            if phase not in Phase.values:
                raise serializers.ValidationError({"phase": [_("Onbekende fase.")]})
            tasks = tasks.filter(phase=phase)
        if wanted:
            if wanted not in TaskStatus.values:
                raise serializers.ValidationError({"status": [_("Onbekende status.")]})
            tasks = tasks.filter(status=wanted)
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskOut(page, many=True, context={"today": timezone.localdate()}).data)

    @extend_schema(request=TaskInput, responses={201: TaskOut})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        data = _valid(TaskInput, request)
        task = services.task_create(team=team, by=request.user, **data)
        task = selectors.team_tasks(team=team).get(pk=task.pk)
        return Response(TaskOut(task).data, status=201)


class TaskDetailView(APIView):
    @extend_schema(responses=TaskOut)
    def get(self, request: Request, task_id: int) -> Response:
        return Response(TaskOut(selectors.access_task_by_id(user=request.user, task_id=task_id)).data)

    @extend_schema(request=TaskPatchInput, responses=TaskOut)
    def patch(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(user=request.user, task_id=task_id)
        data = _valid(TaskPatchInput, request, partial=True)
        task = services.task_update(task=task, by=request.user, **data)
        return Response(TaskOut(task).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(user=request.user, task_id=task_id)
        services.task_delete(task=task, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- duos -------------------------------------------------------------------


def _names(team: Team) -> dict[int, str]:
    rows = selectors.active_memberships().filter(team=team).select_related("student")
    return {m.student_id: m.student.get_display_name() for m in rows}


class TeamDuoListView(GenericAPIView):
    queryset = Duo.objects.none()

    @extend_schema(responses=DuoOut(many=True))
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        names = _names(team)
        page = self.paginate_queryset(team.duos.all())
        context = {"names": names, "sees_youth_case": selectors.sees_youth_case(viewer=request.user)}
        return self.get_paginated_response(DuoOut(page, many=True, context=context).data)

    @extend_schema(request=DuoInput, responses={201: DuoOut})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        data = _valid(DuoInput, request)
        duo = services.duo_create(
            team=team, by=request.user, roles=data["role_map"], carries_youth_case=data["carries_youth_case"]
        )
        context = {"names": _names(team), "sees_youth_case": selectors.sees_youth_case(viewer=request.user)}
        return Response(DuoOut(duo, context=context).data, status=201)


class DuoDetailView(APIView):
    @extend_schema(request=DuoPatchInput, responses=DuoOut)
    def patch(self, request: Request, duo_id: int) -> Response:
        duo = selectors.access_duo_by_id(user=request.user, duo_id=duo_id)
        data = _valid(DuoPatchInput, request, partial=True)
        duo = services.duo_update(
            duo=duo, by=request.user, roles=data.get("roles"), carries_youth_case=data.get("carries_youth_case")
        )
        context = {"names": _names(duo.team), "sees_youth_case": selectors.sees_youth_case(viewer=request.user)}
        return Response(DuoOut(duo, context=context).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, duo_id: int) -> Response:
        duo = selectors.access_duo_by_id(user=request.user, duo_id=duo_id)
        services.duo_dissolve(duo=duo, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("teams/", TeamListView.as_view(), name="api-teams"),
    path("teams/open/", OpenTeamListView.as_view(), name="api-teams-open"),
    path("teams/<int:team_id>/", TeamDetailView.as_view(), name="api-team-detail"),
    path("teams/<int:team_id>/join/", TeamJoinView.as_view(), name="api-team-join"),
    path("teams/<int:team_id>/leave/", TeamLeaveView.as_view(), name="api-team-leave"),
    path("teams/<int:team_id>/move/", TeamMoveView.as_view(), name="api-team-move"),
    path("teams/<int:team_id>/remove/", TeamRemoveView.as_view(), name="api-team-remove"),
    path("teams/<int:team_id>/changes/", TeamChangesView.as_view(), name="api-team-changes"),
    path("teams/<int:team_id>/tasks/", TeamTaskListView.as_view(), name="api-team-tasks"),
    path("teams/<int:team_id>/duos/", TeamDuoListView.as_view(), name="api-team-duos"),
    path("tasks/<int:task_id>/", TaskDetailView.as_view(), name="api-task-detail"),
    path("duos/<int:duo_id>/", DuoDetailView.as_view(), name="api-duo-detail"),
]
