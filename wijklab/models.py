from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    ORGANISATION = "organisation", _("Organisatie")
    SUPERVISOR = "supervisor", _("Begeleider")
    COORDINATOR = "coordinator", _("Coördinator")


class Niveau(models.IntegerChoices):
    MBO = 4, _("Niveau 4 (mbo)")
    AD = 5, _("Niveau 5 (associate degree)")
    HBO = 6, _("Niveau 6 (hbo-bachelor)")


class SupervisorKind(models.TextChoices):
    MBO_DOCENT = "mbo_docent", _("Mbo-docent")
    HBO_DOCENT = "hbo_docent", _("Hbo-docent")
    WERKBEGELEIDER = "werkbegeleider", _("Werkbegeleider")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("maandag")
    TUESDAY = 1, _("dinsdag")
    WEDNESDAY = 2, _("woensdag")
    THURSDAY = 3, _("donderdag")
    FRIDAY = 4, _("vrijdag")


class School(models.Model):
    class Sector(models.TextChoices):
        MBO = "mbo", _("mbo (ROC)")
        HBO = "hbo", _("hbo (hogeschool)")

    name = models.CharField(_("naam"), max_length=150, unique=True)
    sector = models.CharField(_("sector"), max_length=3, choices=Sector.choices)
    city = models.CharField(_("plaats"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("scholen")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("naam"), max_length=150, unique=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    description = models.TextField(_("omschrijving"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class Neighbourhood(models.Model):
    name = models.CharField(_("naam"), max_length=100)
    municipality = models.CharField(_("gemeente"), max_length=100)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="neighbourhood_unique_name"),
        ]
        verbose_name = _("wijk")
        verbose_name_plural = _("wijken")

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})"


class Competence(models.Model):
    name = models.CharField(_("naam"), max_length=100, unique=True)
    description = models.TextField(_("omschrijving"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competentie")
        verbose_name_plural = _("competenties")

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    name = models.CharField(_("naam"), max_length=100, unique=True)
    starts_on = models.DateField(_("begint op"))
    ends_on = models.DateField(_("eindigt op"))
    preferences_open = models.BooleanField(_("voorkeuren open"), default=True)
    # Once preferences close the coordinator forms the teams; students join teams
    # themselves again only when the coordinator reopens this.
    self_join_reopened = models.BooleanField(_("zelf aansluiten heropend"), default=False)
    coordinators = models.ManyToManyField(
        "wijklab.User", related_name="coordinated_cohorts", blank=True, verbose_name=_("coördinatoren")
    )
    schools = models.ManyToManyField(
        "wijklab.School", related_name="cohorts", blank=True, verbose_name=_("deelnemende scholen")
    )
    # The competences students choose from on their profile; empty means every competence.
    competences = models.ManyToManyField(
        "wijklab.Competence", related_name="cohorts", blank=True, verbose_name=_("competenties")
    )
    # Docenten, werkbegeleiders and organisations taking part (students belong through their profile).
    supervisors = models.ManyToManyField(
        "wijklab.User", related_name="supervised_cohorts", blank=True, verbose_name=_("begeleiders")
    )
    organisations = models.ManyToManyField(
        "wijklab.Organisation", related_name="cohorts", blank=True, verbose_name=_("organisaties")
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    # Archived at the end of the round: read-only from then on, history stays visible.
    archived_at = models.DateTimeField(_("gearchiveerd op"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorten")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("De einddatum ligt vóór de begindatum.")})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def self_join_open(self) -> bool:
        """Students join teams themselves while preferences are open, or when the coordinator reopened it."""
        return self.preferences_open or self.self_join_reopened


class MailPreference(models.TextChoices):
    EACH = "each", _("Bij elke gebeurtenis een mail")
    DIGEST = "digest", _("Eén samenvatting per dag")
    NONE = "none", _("Geen mail, alleen meldingen in Wijklab")


class User(AbstractUser):
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    display_name = models.CharField(_("naam"), max_length=150, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    # Empty: the site's language (Dutch) or what the browser asks for.
    language = models.CharField(_("taal"), max_length=10, blank=True, default="")
    mail_preference = models.CharField(
        _("mail over meldingen"), max_length=10, choices=MailPreference.choices, default=MailPreference.EACH
    )
    # Up to when notifications went out in a daily digest (for MailPreference.DIGEST).
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    # Set for organisation contacts: the organisation they post for.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("organisatie"),
    )

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_display_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class StudentProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student_profile")
    niveau = models.PositiveSmallIntegerField(_("niveau"), choices=Niveau.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school"))
    programme = models.CharField(_("opleiding"), max_length=150)
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="students", verbose_name=_("cohort"))
    competences = models.ManyToManyField(
        Competence, blank=True, related_name="students", verbose_name=_("competenties")
    )
    # Weekday numbers (0 = Monday … 4 = Friday) the student can work on the assignment.
    available_days = models.JSONField(_("beschikbare dagen"), default=list, blank=True)
    # The school's own number for the student: with the school, how an import recognises them again.
    student_number = models.CharField(_("studentnummer"), max_length=50, blank=True, default="")
    introduction = models.TextField(_("korte introductie"), max_length=1000, blank=True, default="")

    class Meta:
        verbose_name = _("studentprofiel")
        verbose_name_plural = _("studentprofielen")
        constraints = [
            models.CheckConstraint(condition=models.Q(niveau__in=[4, 5, 6]), name="student_niveau_4_5_6"),
            models.UniqueConstraint(
                fields=["school", "student_number"],
                condition=~models.Q(student_number=""),
                name="student_number_once_per_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_niveau_display()})"

    def clean(self) -> None:
        days = self.available_days
        if not isinstance(days, list) or any(d not in Weekday.values for d in days) or len(set(days)) != len(days):
            raise ValidationError({"available_days": _("Kies beschikbare dagen uit maandag tot en met vrijdag.")})

    def available_day_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in sorted(self.available_days)]


class SupervisorProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="supervisor_profile")
    kind = models.CharField(_("soort"), max_length=20, choices=SupervisorKind.choices)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="supervisors", verbose_name=_("school")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisors",
        verbose_name=_("organisatie"),
    )

    class Meta:
        verbose_name = _("begeleidersprofiel")
        verbose_name_plural = _("begeleidersprofielen")
        constraints = [
            # Docenten belong to a school, werkbegeleiders to an organisation.
            models.CheckConstraint(
                condition=(
                    models.Q(kind="werkbegeleider", organisation__isnull=False)
                    | (models.Q(kind__in=["mbo_docent", "hbo_docent"]) & models.Q(school__isnull=False))
                ),
                name="supervisor_profile_has_home",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class Notification(models.Model):
    """An in-app notification; e-mail copies are sent by Celery tasks."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """A single-use link to Wijklab, valid for 14 days; only a hash of its secret is stored."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations", verbose_name=_("cohort")
    )
    email = models.EmailField(_("e-mailadres"))
    display_name = models.CharField(_("naam"), max_length=150, blank=True)
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    # For supervisors: which kind; for organisation contacts and werkbegeleiders: their organisation;
    # for docenten: their school.
    supervisor_kind = models.CharField(_("soort"), max_length=20, choices=SupervisorKind.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    # The account the invitation is for: set at once for imported students, on acceptance for others.
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cohort", "accepted_at"]), models.Index(fields=["email"])]
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


class ExternalIdentity(models.Model):
    """An institution account (SURFconext, eduID) linked to a Wijklab account: issuer + subject."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_once")]
        verbose_name = _("instellingsaccount")
        verbose_name_plural = _("instellingsaccounts")


class StudentImport(models.Model):
    """An uploaded student list: previewed with every row's problems, stored only once confirmed."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Voorbeeld")
        CONFIRMED = "confirmed", _("Geïmporteerd")
        DISCARDED = "discarded", _("Verworpen")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="student_imports")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    # The file's rows as read (header + cells), so the preview and the confirm read the same data.
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEW)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ImportColumnMapping(models.Model):
    """How a school's export maps onto our fields, remembered per set of column headers."""

    headers_key = models.CharField(max_length=64, unique=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)


class PendingTask(models.Model):
    """A background job the broker could not take when it was asked for (Redis unreachable).

    The write that asked for it has committed, so the job is kept here instead of
    turning that write into an error, and ``wijklab.services.pending_tasks_send``
    hands it to the broker once it is back (every minute, ``CELERY_BEAT_SCHEDULE``).
    """

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("uitgestelde taak")
        verbose_name_plural = _("uitgestelde taken")

    def __str__(self) -> str:
        return self.name
