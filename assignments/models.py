from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    VERKENNING = "verkenning", _("Verkenning")
    BEGELEIDING = "begeleiding", _("Begeleiding")
    WAAKVLAM = "waakvlam", _("Waakvlam")


class AssignmentStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Loopt")
    COMPLETED = "completed", _("Afgerond")
    CANCELLED = "cancelled", _("Geannuleerd")


class Assignment(models.Model):
    cohort = models.ForeignKey("wijklab.Cohort", on_delete=models.PROTECT, related_name="assignments")
    organisation = models.ForeignKey(
        "wijklab.Organisation", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("organisatie")
    )
    title = models.CharField(_("titel"), max_length=150)
    description = models.TextField(_("omschrijving"), max_length=10_000, help_text=_("Markdown"))
    neighbourhood = models.ForeignKey(
        "wijklab.Neighbourhood", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("wijk")
    )
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, default=Phase.VERKENNING)
    target_group = models.CharField(_("doelgroep"), max_length=200, blank=True)
    goal = models.TextField(_("vraag en doel"), max_length=2000, blank=True)
    expected_result = models.TextField(_("verwacht resultaat"), max_length=2000, blank=True)
    competences = models.ManyToManyField(
        "wijklab.Competence", through="AssignmentCompetence", related_name="assignments", blank=True
    )
    team_size_min = models.PositiveSmallIntegerField(_("minimale teamgrootte"), default=3)
    team_size_max = models.PositiveSmallIntegerField(_("maximale teamgrootte"), default=5)
    min_niveau_4 = models.PositiveSmallIntegerField(_("minimaal niveau 4"), default=1)
    min_niveau_5 = models.PositiveSmallIntegerField(_("minimaal niveau 5"), default=0)
    min_niveau_6 = models.PositiveSmallIntegerField(_("minimaal niveau 6"), default=1)
    requires_hbo = models.BooleanField(
        _("jeugdcasus met risico's"),
        default=False,
        help_text=_("Vraagt minstens één niveau 6-student en een hbo-docent als begeleider."),
    )
    starts_on = models.DateField(_("begindatum"))
    ends_on = models.DateField(_("einddatum"))
    hours_per_week = models.PositiveSmallIntegerField(_("uren per week"), default=8)
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_for_assignments",
        verbose_name=_("contactpersoon / werkbegeleider"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "title", "id"]
        indexes = [
            models.Index(fields=["cohort", "status"]),
            models.Index(fields=["organisation", "status"]),
        ]
        # The rules of assignments.validators, kept by the database too: team
        # formation and self-join rely on them, whatever wrote the row.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team_size_min__gte=1, team_size_min__lte=models.F("team_size_max")),
                name="assignment_team_size_min_le_max",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="assignment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    team_size_max__gte=models.F("min_niveau_4") + models.F("min_niveau_5") + models.F("min_niveau_6")
                ),
                name="assignment_niveau_minimums_fit",
            ),
            models.CheckConstraint(
                condition=models.Q(requires_hbo=False) | models.Q(min_niveau_6__gte=1),
                name="assignment_requires_hbo_has_niveau_6",
            ),
        ]
        verbose_name = _("opdracht")
        verbose_name_plural = _("opdrachten")

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == AssignmentStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == AssignmentStatus.OPEN

    @property
    def is_editable(self) -> bool:
        """Finished or cancelled assignments are history; they are no longer changed."""
        return self.status in EDITABLE_STATUSES


EDITABLE_STATUSES = frozenset({AssignmentStatus.DRAFT, AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS})


class AssignmentCompetence(models.Model):
    class Importance(models.IntegerChoices):
        NICE = 1, _("handig")
        IMPORTANT = 2, _("belangrijk")
        ESSENTIAL = 3, _("onmisbaar")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="required_competences")
    competence = models.ForeignKey("wijklab.Competence", on_delete=models.PROTECT, related_name="+")
    importance = models.PositiveSmallIntegerField(choices=Importance.choices, default=Importance.IMPORTANT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "competence"], name="assignment_competence_once"),
            models.CheckConstraint(
                condition=models.Q(importance__gte=1, importance__lte=3), name="assignment_competence_importance_1_3"
            ),
        ]
        ordering = ["-importance", "competence__name"]
        verbose_name = _("gevraagde competentie")
        verbose_name_plural = _("gevraagde competenties")


class AssignmentRevision(models.Model):
    """Edit history of a published assignment: who changed what, when."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="revisions")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    # {"field": {"old": …, "new": …}}
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("wijziging")
        verbose_name_plural = _("wijzigingen")


class Preference(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="preferences")
    rank = models.PositiveSmallIntegerField(_("keuze"))
    motivation = models.CharField(_("motivatie"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["student", "rank"], name="preference_rank_once"),
            models.UniqueConstraint(fields=["student", "assignment"], name="preference_assignment_once"),
            models.CheckConstraint(condition=models.Q(rank__gte=1, rank__lte=5), name="preference_rank_1_5"),
        ]
        verbose_name = _("voorkeur")
        verbose_name_plural = _("voorkeuren")
