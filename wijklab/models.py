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
    coordinators = models.ManyToManyField(
        "wijklab.User", related_name="coordinated_cohorts", blank=True, verbose_name=_("coördinatoren")
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorten")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("De einddatum ligt vóór de begindatum.")})


class User(AbstractUser):
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    display_name = models.CharField(_("naam"), max_length=150, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
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

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_organisation_contact(self) -> bool:
        return self.role == Role.ORGANISATION

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR


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

    class Meta:
        verbose_name = _("studentprofiel")
        verbose_name_plural = _("studentprofielen")
        constraints = [
            models.CheckConstraint(condition=models.Q(niveau__in=[4, 5, 6]), name="student_niveau_4_5_6"),
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
