"""Reads about teams, scoped by the visibility rules of DESIGN.md.

Every page, endpoint and consumer goes through these; nobody calls
``Team.objects.get(pk=...)`` directly.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from teams.models import Membership, Team
from wijklab.models import Role, User


def active_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(left_at__isnull=True)


def students_sharing_team_with(*, user: User) -> QuerySet[User]:
    team_ids = active_memberships().filter(student=user).values("team_id")
    return User.objects.filter(memberships__team_id__in=team_ids, memberships__left_at__isnull=True).distinct()


def teams_supervised_by(*, supervisor: User) -> QuerySet[Team]:
    return Team.objects.filter(
        Q(supervision_assignments__supervisor=supervisor)
        | Q(
            memberships__left_at__isnull=True,
            memberships__student__supervised_by_assignments__supervisor=supervisor,
        )
    ).distinct()


def students_supervised_by(*, supervisor: User) -> QuerySet[User]:
    team_ids = Team.objects.filter(supervision_assignments__supervisor=supervisor).values("pk")
    return User.objects.filter(
        Q(memberships__team_id__in=team_ids, memberships__left_at__isnull=True)
        | Q(supervised_by_assignments__supervisor=supervisor)
    ).distinct()


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    """Teams a user may see in full (roster, tasks, chat)."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.role == Role.STUDENT:
        return Team.objects.filter(memberships__student=user, memberships__left_at__isnull=True).distinct()
    if user.role == Role.ORGANISATION:
        if user.organisation_id is None:
            return Team.objects.none()
        return Team.objects.filter(assignment__organisation_id=user.organisation_id)
    if user.role == Role.SUPERVISOR:
        return teams_supervised_by(supervisor=user)
    if user.role == Role.COORDINATOR:
        return Team.objects.filter(assignment__cohort__coordinators=user)
    return Team.objects.none()


def access_team_by_id(*, user: User, team_id: int) -> Team:
    """The team if ``user`` may see it; otherwise 404, exactly as if it did not exist."""
    try:
        return teams_visible_to(user=user).select_related("assignment", "assignment__organisation").get(pk=team_id)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("Team niet gevonden.") from None


def team_chat_readers(*, team: Team) -> QuerySet[User]:
    """Everyone who may read a team's chat: members, the team's supervisors, the organisation contacts."""
    return User.objects.filter(
        Q(memberships__team=team, memberships__left_at__isnull=True)
        | Q(supervision_assignments__team=team)
        | Q(role=Role.ORGANISATION, organisation_id=team.assignment.organisation_id)
    ).distinct()


def user_can_read_chat(*, user: User, team: Team) -> bool:
    if not user.is_authenticated or user.role == Role.COORDINATOR:
        # Coordinators see the team, but the chat belongs to the people in it.
        return False
    return team_chat_readers(team=team).filter(pk=user.pk).exists()
