"""REST API for teams, membership, duos and tasks (docs/api.md "Teams").

Thin: look the object up through a selector (404 for what the user may not
see), validate the input, call a service, answer. Rules refuse with
``RuleViolation`` → 409 ``{"detail", "code"}`` (wijklab.api_support).
"""

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assignments.models import Assignment, Phase
from teams import selectors, services
from teams.models import Duo, DuoRole, MembershipChange, Task, TaskStatus, Team, TeamStatus
from wijklab.api_support import require
from wijklab.models import User

# --- output -----------------------------------------------------------------


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "display_name": user.get_display_name()}


def _assignment_ref(assignment: Assignment) -> dict:
    return {
        "id": assignment.pk,
        "title": assignment.title,
        "status": assignment.status,
        "organisation": {"id": assignment.organisation_id, "name": assignment.organisation.name},
        "requires_hbo": assignment.requires_hbo,
        "team_size_min": assignment.team_size_min,
        "team_size_max": assignment.team_size_max,
    }


def team_summary(team: Team) -> dict:
    """A team in a list; ``team`` is annotated by ``selectors.with_niveau_counts``."""
    return {
        "id": team.pk,
        "name": team.name,
        "status": team.status,
        "assignment": _assignment_ref(team.assignment),
        "member_count": team.member_count,
        "free_seats": max(team.assignment.team_size_max - team.member_count, 0),
        "is_complete": selectors.team_is_complete(team),
    }


def duo_data(duo: Duo, names: dict[int, str] | None = None) -> dict:
    names = names or {}
    return {
        "id": duo.pk,
        "members": [duo.member_a_id, duo.member_b_id],
        "roles": {str(duo.member_a_id): duo.role_a, str(duo.member_b_id): duo.role_b},
        "member_details": [
            {"id": duo.member_a_id, "display_name": names.get(duo.member_a_id, ""), "role": duo.role_a},
            {"id": duo.member_b_id, "display_name": names.get(duo.member_b_id, ""), "role": duo.role_b},
        ],
        "carries_youth_case": duo.carries_youth_case,
    }


def task_data(task: Task, today: Any = None) -> dict:
    today = today or timezone.localdate()
    return {
        "id": task.pk,
        "team": task.team_id,
        "phase": task.phase,
        "title": task.title,
        "description": task.description,
        "owner": _person(task.owner),
        "due_on": task.due_on,
        "status": task.status,
        "overdue": task.is_overdue(today),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def team_detail(overview: selectors.TeamOverview) -> dict:
    """The team as ``viewer`` may see it: niveau only where allowed (never for organisations)."""
    team = overview.team
    names = {m.user.pk: m.user.get_display_name() for m in overview.members}
    members = []
    for m in overview.members:
        member = {
            "id": m.user.pk,
            "display_name": m.user.get_display_name(),
            "competences": [{"id": c.pk, "name": c.name} for c in m.competences],
            "duo": m.duo.pk if m.duo else None,
            "duo_role": m.role,
            "joined_at": m.joined_at,
        }
        if m.niveau is not None:
            member["niveau"] = m.niveau
        members.append(member)
    duos = []
    for d in overview.duos:
        data = duo_data(d.duo, names)
        if d.has_niveau_6 is not None:
            data["has_niveau_6"] = d.has_niveau_6
        duos.append(data)
    return {
        "id": team.pk,
        "name": team.name,
        "status": team.status,
        "assignment": {
            **_assignment_ref(team.assignment),
            "required_competences": [
                {
                    "id": rc.competence.pk,
                    "name": rc.competence.name,
                    "importance": rc.importance,
                    "covered": rc.covered,
                    "covered_by": [m.user.pk for m in rc.covered_by],
                }
                for rc in overview.required_competences
            ],
        },
        "members": members,
        "member_count": len(overview.members),
        "free_seats": overview.free_seats,
        "duos": duos,
        "supervisors": [
            {
                **_person(s.supervisor),
                "kind": getattr(getattr(s.supervisor, "supervisor_profile", None), "kind", None),
            }
            for s in overview.supervisors
        ],
        "covered_competences": [rc.competence.pk for rc in overview.covered],
        "missing_competences": [rc.competence.pk for rc in overview.lacking],
        "is_complete": overview.is_complete,
        "problems": [{"code": p.code, "message": p.message} for p in overview.problems],
        "created_at": team.created_at,
    }


def change_data(change: MembershipChange) -> dict:
    return {
        "id": change.pk,
        "kind": change.kind,
        "student": _person(change.student),
        "from_team": change.from_team_id,
        "to_team": change.to_team_id,
        "by": _person(change.by),
        "override": change.override,
        "overridden_rules": change.overridden_rules,
        "reason": change.reason,
        "created_at": change.created_at,
    }


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


# --- output shapes (for the OpenAPI schema; the views build plain dicts) ----


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class TeamSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=TeamStatus.choices)
    assignment = serializers.DictField()
    member_count = serializers.IntegerField()
    free_seats = serializers.IntegerField()
    is_complete = serializers.BooleanField()


class OpenTeamOut(TeamSummaryOut):
    members = PersonOut(many=True)
    can_join = serializers.BooleanField()
    code = serializers.CharField(help_text="Why not: team_full, needs_niveau, already_in_team, …")
    reason = serializers.CharField()


class MemberOut(PersonOut):
    competences = serializers.ListField(child=serializers.DictField())
    duo = serializers.IntegerField(allow_null=True)
    duo_role = serializers.ChoiceField(choices=DuoRole.choices, allow_null=True)
    joined_at = serializers.DateTimeField()
    niveau = serializers.IntegerField(required=False, help_text="Only for viewers allowed to see it.")


class DuoOut(serializers.Serializer):
    id = serializers.IntegerField()
    members = serializers.ListField(child=serializers.IntegerField())
    roles = serializers.DictField(child=serializers.ChoiceField(choices=DuoRole.choices))
    member_details = serializers.ListField(child=serializers.DictField())
    carries_youth_case = serializers.BooleanField()


class ProblemOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TeamOut(TeamSummaryOut):
    members = MemberOut(many=True)
    duos = DuoOut(many=True)
    supervisors = serializers.ListField(child=serializers.DictField())
    covered_competences = serializers.ListField(child=serializers.IntegerField())
    missing_competences = serializers.ListField(child=serializers.IntegerField())
    problems = ProblemOut(many=True)


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.IntegerField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    owner = PersonOut(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    overdue = serializers.BooleanField()


class ChangeOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MembershipChange.Kind.choices)
    student = PersonOut()
    from_team = serializers.IntegerField(allow_null=True)
    to_team = serializers.IntegerField(allow_null=True)
    by = PersonOut()
    override = serializers.BooleanField()
    overridden_rules = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class DetailOut(serializers.Serializer):
    detail = serializers.CharField()


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
        teams = selectors.with_niveau_counts(
            selectors.teams_visible_to(user=request.user).select_related("assignment", "assignment__organisation")
        ).order_by("assignment__title", "name", "pk")
        assignment = request.query_params.get("assignment")
        if assignment:
            if not assignment.isdigit() or not selectors.is_id(int(assignment)):
                return Response({"assignment": [_("Geef een opdracht-id.")]}, status=400)
            teams = teams.filter(assignment_id=int(assignment))
        wanted_status = request.query_params.get("status")
        if wanted_status:
            if wanted_status not in TeamStatus.values:
                return Response({"status": [_("Onbekende status.")]}, status=400)
            teams = teams.filter(status=wanted_status)
        page = self.paginate_queryset(teams)
        return self.get_paginated_response([team_summary(t) for t in page])

    @extend_schema(request=TeamCreateInput, responses={201: TeamOut})
    def post(self, request: Request) -> Response:
        require(selectors.opens_teams(request.user))
        data = _valid(TeamCreateInput, request)
        assignment = _assignment_for_team(request.user, data["assignment"])
        team = services.team_create(assignment=assignment, name=data["name"], by=request.user)
        team = selectors.access_team_by_id(user=request.user, team_id=team.pk)
        return Response(team_detail(selectors.team_overview(team=team, viewer=request.user)), status=201)


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
        rows = [
            {
                **team_summary(team),
                "members": [_person(m.student) for m in team.active_memberships],
                "can_join": check.allowed,
                "code": check.code,
                "reason": check.reason,
            }
            for team, check in selectors.with_join_checks(student=request.user, teams=page)
        ]
        return self.get_paginated_response(rows)


class TeamStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TeamStatus.choices)


class TeamDetailView(APIView):
    @extend_schema(responses=TeamOut)
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        return Response(team_detail(selectors.team_overview(team=team, viewer=request.user)))

    @extend_schema(request=TeamStatusInput, responses=TeamOut)
    def patch(self, request: Request, team_id: int) -> Response:
        """Coordinators start (``active``), reopen (``open``) or close (``closed``) a team."""
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        data = _valid(TeamStatusInput, request)
        team = services.team_set_status(team=team, status=data["status"], by=request.user)
        return Response(team_detail(selectors.team_overview(team=team, viewer=request.user)))


class TeamJoinView(APIView):
    @extend_schema(request=None, responses=TeamOut)
    def post(self, request: Request, team_id: int) -> Response:
        require(selectors.joins_teams(request.user))
        team = selectors.access_team_for_join(user=request.user, team_id=team_id)
        services.membership_join(team=team, student=request.user)
        team = selectors.access_team_by_id(user=request.user, team_id=team.pk)
        return Response(team_detail(selectors.team_overview(team=team, viewer=request.user)))


class TeamLeaveView(APIView):
    @extend_schema(request=None, responses=DetailOut)
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
        return Response(change_data(change))


class TeamRemoveView(APIView):
    @extend_schema(request=RemoveInput, responses=ChangeOut)
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        data = _valid(RemoveInput, request)
        change = services.membership_remove(
            team=team, student=_cohort_student(team, data["student"]), by=request.user, reason=data["reason"]
        )
        return Response(change_data(change))


class TeamChangesView(GenericAPIView):
    """The roster history of a team, with overrides and reasons (coordinators)."""

    queryset = MembershipChange.objects.none()

    @extend_schema(responses=ChangeOut(many=True))
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        require(selectors.user_manages_team(user=request.user, team=team))
        page = self.paginate_queryset(selectors.membership_changes(team=team))
        return self.get_paginated_response([change_data(c) for c in page])


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
                return Response({"phase": [_("Onbekende fase.")]}, status=400)
            tasks = tasks.filter(phase=phase)
        if wanted:
            if wanted not in TaskStatus.values:
                return Response({"status": [_("Onbekende status.")]}, status=400)
            tasks = tasks.filter(status=wanted)
        today = timezone.localdate()
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response([task_data(t, today) for t in page])

    @extend_schema(request=TaskInput, responses={201: TaskOut})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        data = _valid(TaskInput, request)
        task = services.task_create(team=team, by=request.user, **data)
        task = selectors.team_tasks(team=team).get(pk=task.pk)
        return Response(task_data(task), status=201)


class TaskDetailView(APIView):
    @extend_schema(responses=TaskOut)
    def get(self, request: Request, task_id: int) -> Response:
        return Response(task_data(selectors.access_task_by_id(user=request.user, task_id=task_id)))

    @extend_schema(request=TaskPatchInput, responses=TaskOut)
    def patch(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(user=request.user, task_id=task_id)
        data = _valid(TaskPatchInput, request, partial=True)
        task = services.task_update(task=task, by=request.user, **data)
        return Response(task_data(task))

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
        return self.get_paginated_response([duo_data(d, names) for d in page])

    @extend_schema(request=DuoInput, responses={201: DuoOut})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.access_team_by_id(user=request.user, team_id=team_id)
        data = _valid(DuoInput, request)
        duo = services.duo_create(
            team=team, by=request.user, roles=data["role_map"], carries_youth_case=data["carries_youth_case"]
        )
        return Response(duo_data(duo, _names(team)), status=201)


class DuoDetailView(APIView):
    @extend_schema(request=DuoPatchInput, responses=DuoOut)
    def patch(self, request: Request, duo_id: int) -> Response:
        duo = selectors.access_duo_by_id(user=request.user, duo_id=duo_id)
        data = _valid(DuoPatchInput, request, partial=True)
        roles = data.get("roles")
        if roles is not None:
            try:
                roles = {int(k): v for k, v in roles.items()}
            except (TypeError, ValueError):
                return Response({"roles": [_("Geef de rollen per lid (id van het lid).")]}, status=400)
        duo = services.duo_update(
            duo=duo, by=request.user, roles=roles, carries_youth_case=data.get("carries_youth_case")
        )
        return Response(duo_data(duo, _names(duo.team)))

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
