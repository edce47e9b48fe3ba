import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assignments.models import Phase


class TeamStatus(models.TextChoices):
    OPEN = "open", _("Open voor aanmelding")
    ACTIVE = "active", _("Actief")
    CLOSED = "closed", _("Afgesloten")


class Team(models.Model):
    assignment = models.ForeignKey("assignments.Assignment", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("naam"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=TeamStatus.choices, default=TeamStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "name"], name="team_name_per_assignment")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """The team as named in a sentence: "Team Maashaven" as it is, "Klaproos" as "Team Klaproos".

        Sentences say ``%(team)s is geopend``, never ``Team %(name)s``: most names already start with "Team".
        """
        return team_title(self.name)


def names_itself_team(name: str) -> bool:
    """Whether a team's name already starts with the word "Team": the one rule every text that names a
    team follows (``team_title`` here, ``teams.notifications.team_label``), so none says "Team Team"."""
    words = name.split(maxsplit=1)
    return bool(words) and words[0].casefold() in {"team", str(_("Team")).casefold()}


def team_title(name: str) -> str:
    return name if names_itself_team(name) else str(_("Team %(name)s") % {"name": name})


class SupervisionAssignment(models.Model):
    """A supervisor (docent or werkbegeleider) follows a team, or one student."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_assignments"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="supervision_assignments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="supervised_by_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who made the link (a coordinator, or the demo seeding when empty).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The table keeps its first name: the model moved here from supervision state-only
        # (teams/migrations/0007_supervisionassignment.py), because the apps below supervision
        # ask who follows a team and may not import supervision.
        db_table = "supervision_supervisionassignment"
        ordering = ["id"]
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

    def __str__(self) -> str:
        return f"{self.supervisor} → {self.team or self.student}"


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    # Denormalised from team.assignment.cohort so the database itself enforces
    # "at most one active team per cohort", also under concurrent joins.
    cohort = models.ForeignKey("wijklab.Cohort", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "cohort"],
                condition=models.Q(left_at__isnull=True),
                name="one_active_team_per_cohort",
            ),
        ]


class DuoRole(models.TextChoices):
    PROCESROL = "procesrol", _("Procesrol")
    BEGELEIDINGSROL = "begeleidingsrol", _("Begeleidingsrol")


class Duo(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="duos")
    member_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role_a = models.CharField(max_length=30, choices=DuoRole.choices)
    member_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role_b = models.CharField(max_length=30, choices=DuoRole.choices)
    # For a requires_hbo assignment: the duo that carries the youth case (it
    # must include a niveau 6 student); at most one per team.
    carries_youth_case = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(member_a=models.F("member_b")), name="duo_two_people"),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(carries_youth_case=True), name="one_youth_case_duo_per_team"
            ),
        ]


class TaskStatus(models.TextChoices):
    TODO = "todo", _("Te doen")
    DOING = "doing", _("Bezig")
    DONE = "done", _("Klaar")


class Task(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tasks")
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices)
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True, max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.TODO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("due_on").asc(nulls_last=True), "id"]
        indexes = [models.Index(fields=["team", "phase"])]

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on is not None and self.due_on < today and self.status != TaskStatus.DONE


class TaskChange(models.Model):
    """The history of a team's tasks: who created, changed or deleted which task, and what changed.

    Kept when the task is deleted (``task`` becomes null, ``title`` stays), so the
    team's supervisors can still see what happened to it.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Aangemaakt")
        CHANGED = "changed", _("Gewijzigd")
        DELETED = "deleted", _("Verwijderd")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="task_changes")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # {field: [before, after]} with values as stored (ids, ISO dates, choice values);
    # the page turns them into labels and names when it shows them.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"])]
        verbose_name = _("taakwijziging")
        verbose_name_plural = _("taakwijzigingen")


class MembershipChange(models.Model):
    """The record of every change to a team's roster: who, what, when and why.

    A coordinator's move that overrides the composition rules keeps the rules
    it overrode and the reason, so the decision can be accounted for later.
    """

    class Kind(models.TextChoices):
        JOINED = "joined", _("Aangesloten")
        LEFT = "left", _("Vertrokken")
        MOVED = "moved", _("Verplaatst door coördinator")
        REMOVED = "removed", _("Uit het team gehaald door coördinator")
        FORMED = "formed", _("Geplaatst bij het vormen van de teams")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    to_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    override = models.BooleanField(default=False)
    # Codes of the composition rules the coordinator chose to override.
    overridden_rules = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("reden"), max_length=1000, blank=True)
    # Set when this change made ``to_team`` complete (for the notification).
    team_completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the e-mail about this change went out: the task is idempotent.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_team", "created_at"]), models.Index(fields=["from_team", "created_at"])]
        verbose_name = _("teamwijziging")
        verbose_name_plural = _("teamwijzigingen")


class Message(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4000)
    client_id = models.CharField(max_length=64, default=uuid.uuid4)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["author", "client_id"], name="message_client_id_once")]
        indexes = [
            models.Index(fields=["team", "id"]),
            # The rate limit counts an author's messages of the last seconds (teams/chat/services.py).
            models.Index(fields=["author", "created_at"], name="message_author_recent"),
        ]


class MessageRevision(models.Model):
    """Earlier wording of an edited message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class ReadMarker(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="read_markers")
    last_read_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="read_marker_once")]


class FormationRun(models.Model):
    """One run of the team-formation engine for a cohort, and the draft a coordinator edits.

    ``proposal`` is the engine's proposal (ids as strings of pks); after the
    run it is the draft: moves change it, and publishing turns it into teams.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        DONE = "done", _("Klaar")
        INFEASIBLE = "infeasible", _("Geen geldige indeling")
        FAILED = "failed", _("Mislukt")
        PUBLISHED = "published", _("Gepubliceerd")

    class Kind(models.TextChoices):
        FORMATION = "formation", _("Teams vormen")
        REPAIR = "repair", _("Teams herstellen")

    cohort = models.ForeignKey("wijklab.Cohort", on_delete=models.CASCADE, related_name="formation_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FORMATION)
    # time_limit, seed, weights, rules, and the coordinator's locks:
    # {"locks": {student_id: assignment_id}} (strings, as in the engine's input).
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0)
    progress_message = models.CharField(max_length=200, blank=True, default="")
    proposal = models.JSONField(default=dict, blank=True)
    objective = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set once the mails about the publication went out: the task is idempotent.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cohort", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_draft(self) -> bool:
        """A finished run with teams that may still be changed and published."""
        return self.status == self.Status.DONE

    @property
    def locks(self) -> dict[str, str]:
        return dict(self.parameters.get("locks", {}))


class FormationMove(models.Model):
    """A coordinator's change to a run's draft: who moved where, and why when a rule was overridden."""

    run = models.ForeignKey(FormationRun, on_delete=models.CASCADE, related_name="moves")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Assignment ids (as in the draft); null = unplaced.
    from_assignment = models.ForeignKey(
        "assignments.Assignment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to_assignment = models.ForeignKey(
        "assignments.Assignment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    override = models.BooleanField(default=False)
    # The hard rules the move broke, [{"code", "detail"}], kept with the reason.
    overridden = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("reden"), max_length=1000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Afbeelding")
    PDF = "pdf", _("PDF")


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name: it is user input; the original is kept in ``original_name``.
    return f"chat/{instance.message.team_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Attachment(models.Model):
    """A file sent in the chat; its type is detected from the content, never from the name."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    thumbnail = models.FileField(upload_to=_attachment_path, max_length=200, blank=True)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Mention(models.Model):
    """``@naam`` in a message: an in-app notification at once, an e-mail later if still unread."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set when the e-mail was sent or found unnecessary (read, deleted, hidden).
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_once")]
        indexes = [models.Index(fields=["settled_at"])]
