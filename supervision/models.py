from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionAssignment(models.Model):
    """A supervisor (docent or werkbegeleider) follows a team, or one student."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_assignments"
    )
    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="supervision_assignments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="supervised_by_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False, student__isnull=True)
                | models.Q(team__isnull=True, student__isnull=False),
                name="supervision_team_xor_student",
            ),
            models.UniqueConstraint(
                fields=["supervisor", "team"], condition=models.Q(team__isnull=False), name="supervise_team_once"
            ),
            models.UniqueConstraint(
                fields=["supervisor", "student"],
                condition=models.Q(student__isnull=False),
                name="supervise_student_once",
            ),
        ]
        verbose_name = _("begeleidingstoewijzing")
        verbose_name_plural = _("begeleidingstoewijzingen")
