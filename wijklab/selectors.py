"""Reads about people, scoped by the visibility rules of DESIGN.md."""

from django.db.models import QuerySet

from wijklab.models import Cohort, Notification, Role, User


def cohorts_visible_to(*, user: User) -> QuerySet[Cohort]:
    if user.role == Role.COORDINATOR:
        return user.coordinated_cohorts.all()
    if user.role == Role.STUDENT and hasattr(user, "student_profile"):
        return Cohort.objects.filter(pk=user.student_profile.cohort_id)
    return Cohort.objects.none()


def user_can_see_niveau(*, viewer: User, student: User) -> bool:
    """Niveau is visible to the student, teammates, their supervisors and coordinators.

    Organisation contacts never see it, nor students outside the team.
    """
    if viewer.pk == student.pk:
        return True
    if viewer.role == Role.ORGANISATION:
        return False
    if viewer.role == Role.COORDINATOR:
        profile = getattr(student, "student_profile", None)
        return profile is not None and viewer.coordinated_cohorts.filter(pk=profile.cohort_id).exists()
    from teams.selectors import students_sharing_team_with, students_supervised_by

    if viewer.role == Role.STUDENT:
        return students_sharing_team_with(user=viewer).filter(pk=student.pk).exists()
    if viewer.role == Role.SUPERVISOR:
        return students_supervised_by(supervisor=viewer).filter(pk=student.pk).exists()
    return False


def viewer_sees_niveaus(*, viewer: User) -> bool:
    """Whether a viewer may ever see niveaus (a cheap first cut for lists)."""
    return viewer.role != Role.ORGANISATION


def unread_notifications(*, user: User) -> QuerySet[Notification]:
    return user.notifications.filter(read_at__isnull=True)
