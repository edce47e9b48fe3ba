import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
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
    # The last day students can change their choices; the night after, preferences close
    # by themselves (assignments.tasks.close_due_preferences). Empty: the coordinator closes them.
    preferences_close_on = models.DateField(_("voorkeuren open tot en met"), null=True, blank=True)
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

    def accepts_preferences(self, today: datetime.date | None = None) -> bool:
        """Students may change their choices: open, and the last day to choose (if any) not yet past.

        The date counts at once, also before the nightly task closes the flag (and where no beat runs).
        """
        if not self.preferences_open:
            return False
        return self.preferences_close_on is None or (today or timezone.localdate()) <= self.preferences_close_on

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
    # For MailPreference.EACH: when the mail job already waiting for this person runs
    # (wijklab.mail.notification_mail_schedule); notifications until then go in that one mail.
    notification_mail_due_at = models.DateTimeField(null=True, blank=True)
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


class UserSession(models.Model):
    """Which sessions a person is signed in with, so a password change can end the others.

    A session's data is encoded, so the session table cannot be asked for a person's sessions;
    this row is written at every sign-in and removed at sign-out (``wijklab.account_receivers``).
    A row may outlive its session (it expired): the next sign-in of that person removes such rows.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


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
    """An in-app notification, written to its reader in their language when it is stored.

    Mail about it follows the reader's ``mail_preference`` (wijklab.mail): for EACH, the
    notifications of a few minutes go out together in one mail (``mailed_at``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When a mail carried it: the batched notification mail (wijklab.mail.send_notification_mail),
    # or, set at once, a mail of its own (feedback, a chat mention, the weekly reminder).
    mailed_at = models.DateTimeField(null=True, blank=True)

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


class AuditKind(models.TextChoices):
    """What an audit entry records (docs/audit.md)."""

    SIGN_IN = "sign_in", _("Ingelogd")
    SIGN_IN_FAILED = "sign_in_failed", _("Inloggen mislukt")
    ACCESS_REFUSED = "access_refused", _("Toegang geweigerd")
    MEMBERSHIP = "membership", _("Teamlidmaatschap gewijzigd")
    SUPERVISION = "supervision", _("Begeleiding gewijzigd")
    ROLE = "role", _("Rol gewijzigd")
    IMPORT = "import", _("Studenten geïmporteerd")
    EXPORT = "export", _("Export gedownload")
    ERASURE = "erasure", _("Persoonsgegevens gewist")
    PROGRESS_READ = "progress_read", _("Voortgang bekeken")
    FEEDBACK_READ = "feedback_read", _("Feedback bekeken")
    PASSWORD_CHANGED = "password_changed", _("Wachtwoord gewijzigd")
    SECOND_FACTOR = "second_factor", _("Tweestapsverificatie gewijzigd")
    API_TOKEN = "api_token", _("API-token aangemaakt of ingetrokken")


class AuditEntryQuerySet(models.QuerySet):
    """Entries are written once and never changed; the retention task alone removes old ones."""

    def update(self, **kwargs: object) -> int:
        raise TypeError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries cannot be deleted; wijklab.audit_services.audit_prune removes expired ones.")

    def _expired_delete(self) -> int:
        """The one deletion path, for ``audit_prune``: a plain DELETE (nothing cascades from an entry)."""
        return super().delete()[0]


class AuditEntry(models.Model):
    """Who did or read what about whom, when and from which address (docs/audit.md).

    One INSERT per event and nothing else: names are shown from the people's rows (so an erased
    person's name goes with their account), the description is short fixed Dutch text and never
    holds a niveau, a programme or feedback content.
    """

    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    kind = models.CharField(_("soort"), max_length=30, choices=AuditKind.choices)
    # SET_NULL: removing an account detaches its entries instead of deleting the record.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("wie")
    )
    subject = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("over wie")
    )
    # Set for events about a team or a cohort; for events about a student the cohort is read through
    # the student's profile when the log is shown (wijklab.audit_selectors), never at record time.
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("cohort")
    )
    object_type = models.CharField(_("soort object"), max_length=40, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    description = models.CharField(_("omschrijving"), max_length=300)
    address = models.GenericIPAddressField(_("adres"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
            models.Index(fields=["cohort", "-created_at"]),
        ]
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlog")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise TypeError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries cannot be deleted; wijklab.audit_services.audit_prune removes expired ones.")


class ApiToken(models.Model):
    """A personal API token (docs/api.md "Authentication"): only its prefix and the SHA-256 of the whole token are kept.

    The token itself (``wl_`` + 43 URL-safe characters, 256 random bits) is shown once, right after it was
    made (``wijklab.services.api_token_create``); nobody can read it back, the database holds no secret.
    A token acts as its owner and nothing more; revoking deletes the row, so it stops working at once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("van"))
    name = models.CharField(_("naam"), max_length=100)
    # The first characters of the token, to recognise it in the list (not enough to use it).
    prefix = models.CharField(_("begint met"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("aangemaakt"), default=timezone.now)
    # Updated at most once a minute (wijklab.services.api_token_touch), not on every request.
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    expires_at = models.DateTimeField(_("verloopt"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class PasswordResetRequest(models.Model):
    """One request of the password-reset form that was let through, kept for an hour (README: PASSWORD_RESET_*).

    A row without ``user``: a submission from ``address`` (whatever the e-mail address typed); a row with
    ``user``: a reset mail sent to that account. ``wijklab.services.password_reset_admit`` counts them for
    its limits and deletes rows older than the hour; the database, not the cache, keeps the count, so the
    limit holds across processes and while Redis is away.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["address", "created_at"]),
            models.Index(fields=["user", "created_at"]),
        ]
