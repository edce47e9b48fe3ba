"""Supervision: the rubric, feedback entries and their scores.

Who follows whom (``SupervisionAssignment``) lives in ``teams.models``: teams asks it to decide
who sees a team, and teams sits below supervision (docs/architecture.md).

Scores keep the criterion's name and the descriptor wording they were given
with, so a coordinator can reword the rubric without rewriting history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wijklab.models import SupervisorKind


class Category(models.TextChoices):
    WERKNEMERSVAARDIGHEDEN = "werknemersvaardigheden", _("Werknemersvaardigheden")
    VAKINHOUDELIJK = "vakinhoudelijk", _("Vakinhoudelijk")


class Level(models.IntegerChoices):
    ONVOLDOENDE = 1, _("Onvoldoende")
    IN_ONTWIKKELING = 2, _("In ontwikkeling")
    VOLDOENDE = 3, _("Voldoende")
    GOED = 4, _("Goed")


class FeedbackKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("Begeleider")
    SELF = "self", _("Zelfbeoordeling")
    PEER = "peer", _("Peerfeedback")


class Rubric(models.Model):
    name = models.CharField(_("naam"), max_length=150)
    description = models.TextField(_("omschrijving"), blank=True)
    # Exactly one rubric is the one every student is assessed on.
    is_default = models.BooleanField(_("standaard"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_rubric"
            )
        ]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    category = models.CharField(_("categorie"), max_length=30, choices=Category.choices)
    name = models.CharField(_("naam"), max_length=150)
    description = models.TextField(_("toelichting"), blank=True, max_length=1000)
    # Programme-specific criteria: only for students of this programme in this
    # cohort. Both empty: the criterion applies to everyone (level-blind).
    programme = models.CharField(_("opleiding"), max_length=150, blank=True)
    cohort = models.ForeignKey(
        "wijklab.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="criteria",
        verbose_name=_("cohort"),
    )
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    # Criteria are archived, never deleted, so old scores keep pointing at them.
    is_active = models.BooleanField(_("in gebruik"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterium")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name


class LevelDescriptor(models.Model):
    """What a level of a criterion looks like in behaviour."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="descriptors")
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    text = models.TextField(_("beschrijving"), max_length=1000)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "level"], name="descriptor_once_per_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="descriptor_level_1_4"),
        ]
        verbose_name = _("niveaubeschrijving")
        verbose_name_plural = _("niveaubeschrijvingen")


class FeedbackEntry(models.Model):
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received", verbose_name=_("student")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_written", verbose_name=_("auteur")
    )
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_entries",
        verbose_name=_("team"),
    )
    date = models.DateField(_("datum"))
    kind = models.CharField(_("soort"), max_length=20, choices=FeedbackKind.choices)
    # The author's supervisor kind when they wrote it (docent or werkbegeleider),
    # so charts keep their series when someone changes role later.
    author_kind = models.CharField(_("soort begeleider"), max_length=20, choices=SupervisorKind.choices, blank=True)
    comment = models.TextField(_("opmerking"), blank=True, max_length=4000)
    # Peer feedback is anonymous to its receiver unless the author chooses otherwise.
    show_author = models.BooleanField(_("naam tonen aan ontvanger"), default=False)
    is_observation = models.BooleanField(_("observatie"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["student", "date"]),
            models.Index(fields=["author", "date"]),
            # The lists' order (newest first): a docent's or coordinator's page of 20 reads back
            # from the newest entry until it has 20 it may see, instead of sorting all of them.
            models.Index(fields=["date", "id"], name="feedback_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="self") | models.Q(student=models.F("author")), name="self_feedback_on_self"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="peer") | ~models.Q(student=models.F("author")),
                name="peer_feedback_on_other",
            ),
        ]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.student} · {self.date}"

    @property
    def source(self) -> str:
        """The chart series this entry belongs to: docent, werkbegeleider, self or peer."""
        if self.kind == FeedbackKind.SUPERVISOR:
            return "werkbegeleider" if self.author_kind == SupervisorKind.WERKBEGELEIDER else "docent"
        return self.kind


class Score(models.Model):
    entry = models.ForeignKey(FeedbackEntry, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.SET_NULL, null=True, blank=True, related_name="scores")
    # The wording as given: a later edit of the criterion does not change these.
    criterion_name = models.CharField(max_length=150)
    category = models.CharField(max_length=30, choices=Category.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    descriptor = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "criterion"], condition=models.Q(criterion__isnull=False), name="score_once_per_entry"
            ),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="score_level_1_4"),
        ]
        verbose_name = _("score")
        verbose_name_plural = _("scores")


class CriterionStanding(models.Model):
    """Where a student stands on one criterion: what the overview grid shows and sorts by.

    Derived from the student's scores (``supervision.analysis.standing_of``) and rewritten by
    ``services.standings_refresh`` whenever their feedback changes, in the same transaction.
    The grid of a cohort of 1,250 students read every score (39,000 rows) to sort by alerts
    and show 50 (docs/benchmarks.md); it now sorts and counts these rows in the database.
    Criteria removed since keep their standing under the name the scores gave them
    (``criterion`` empty).
    """

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standings")
    criterion = models.ForeignKey(Criterion, on_delete=models.SET_NULL, null=True, blank=True, related_name="standings")
    name = models.CharField(max_length=150)
    category = models.CharField(max_length=30, choices=Category.choices)
    # The supervisors' latest rating and the trend of their last three; empty without one.
    latest_level = models.PositiveSmallIntegerField(null=True, blank=True)
    trend = models.CharField(max_length=10, blank=True)
    declining = models.BooleanField(default=False)
    # 1: the latest self-rating far above the supervisors', -1 far below, 0 neither.
    self_side = models.SmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "criterion"],
                condition=models.Q(criterion__isnull=False),
                name="standing_once_per_criterion",
            ),
        ]
        # The few standings that raise an alert, per student: the grid asks "has this student one?"
        # of a whole cohort at once, which read every standing (53,000 at scale) three times.
        indexes = [
            models.Index(fields=["student"], condition=models.Q(declining=True), name="standing_declining"),
            models.Index(fields=["student"], condition=models.Q(self_side__gt=0), name="standing_self_above"),
            models.Index(fields=["student"], condition=models.Q(self_side__lt=0), name="standing_self_below"),
        ]


class AlertSummary(models.Model):
    """Per student, what the overview grid's alerts are made of: the date of their last supervisor
    feedback and whether any of their standings declines or has a self-rating far above or below the
    supervisors'. Twice: over all standings, and over those a werkbegeleider may see (no programme's
    criteria, ``selectors.standings_visible_to``).

    Rewritten from the feedback and the standings by ``services.alert_summary_refresh`` in the
    transaction of every change to them (``standings_refresh`` calls it; removing a criterion, after
    which werkbegeleiders see its standings, refreshes its students: ``apps``), so the grid reads one row
    per student instead of asking the standings and the feedback per student: the flags of a docent's
    87 students 12–15 → 9–10 ms, of a cohort of 1,250 20–28 → 13–14 ms (docs/benchmarks.md). A
    student without a row has no supervisor feedback and no standing that raises an alert.
    """

    student = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="alert_summary"
    )
    last_supervisor_feedback = models.DateField(null=True, blank=True)
    declining = models.BooleanField(default=False)
    self_above = models.BooleanField(default=False)
    self_below = models.BooleanField(default=False)
    shared_declining = models.BooleanField(default=False)
    shared_self_above = models.BooleanField(default=False)
    shared_self_below = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("signaaloverzicht")
        verbose_name_plural = _("signaaloverzichten")


class SentMail(models.Model):
    """A mail that went out, keyed by what it is about, so sending it again is a no-op.

    The row is written in the same transaction as the send: when the mail server
    fails, the transaction rolls back and the retry finds no row.
    """

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Nieuwe feedback")
        REMINDER = "reminder", _("Wekelijkse herinnering")
        DIGEST = "digest", _("Wekelijks overzicht")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The period ("2026-W47") for weekly mails, the entry id for feedback notices.
    key = models.CharField(max_length=50)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "recipient", "key"], name="mail_sent_once")]
        verbose_name = _("verstuurde e-mail")
        verbose_name_plural = _("verstuurde e-mails")
