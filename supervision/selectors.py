"""Reads about supervision, scoped by the visibility rules of docs/design.md.

Feedback is visible to the student it is about, its author, the student's
supervisors and the coordinators of the student's cohort. Peer feedback is
shown to its receiver without the author's name unless the author chose
otherwise. A werkbegeleider — a person of an organisation who supervises
students on site, whichever account kind carries it — reads the feedback on
the students they supervise like a docent does, level-blind
(docs/visibility.md); other organisation contacts and other students see
nothing. Every page, endpoint, export and task reads through these functions.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Collate, Concat, NullIf, Trim
from django.db.models.lookups import LessThanOrEqual
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from supervision import analysis
from supervision.models import (
    Category,
    Criterion,
    CriterionStanding,
    FeedbackEntry,
    FeedbackKind,
    Level,
    Rubric,
    Score,
)
from teams.models import Membership, SupervisionAssignment, Team
from teams.selectors import students_sharing_team_with, students_supervised_by, teams_visible_to
from wijklab.ids import MAX_ID, as_id  # noqa: F401 - re-exported for the supervision modules
from wijklab.models import Role, StudentProfile, SupervisorKind, User
from wijklab.names import by_name
from wijklab.selectors import containing, is_of_organisation, viewer_sees_niveaus

# The chart series, in legend order. Peer ratings are in the API, not in the chart.
SOURCES = ("docent", "werkbegeleider", "self", "peer")
CHART_SOURCES = ("docent", "werkbegeleider", "self")


# --- who may write, who may read -------------------------------------------


def is_werkbegeleider(user: User) -> bool:
    """A person of an organisation who supervises students on site, whichever account kind carries it:
    a supervisor account of kind werkbegeleider, or an organisation contact linked to a team or student.

    The one predicate for "is a werkbegeleider" (docs/visibility.md); remembered on the user object
    for the request (the menu and the overview panels ask it on every page).
    """
    if not is_of_organisation(user):
        return False
    if user.role == Role.SUPERVISOR:
        return True
    cached = getattr(user, "_is_werkbegeleider", None)
    if cached is None:
        cached = user._is_werkbegeleider = SupervisionAssignment.objects.filter(supervisor=user).exists()
    return cached


def students_supervised_on_site_by(*, user: User) -> QuerySet[User]:
    """The students ``user`` supervises on site as werkbegeleider (through a team or individually).

    Empty for anyone who is not of an organisation: docenten follow students through
    ``students_in_scope`` but are not werkbegeleiders.
    """
    if not is_of_organisation(user):
        return User.objects.none()
    return User.objects.filter(pk__in=students_supervised_by(supervisor=user).values("pk"), role=Role.STUDENT)


def is_werkbegeleider_of(*, user: User, student: User | int) -> bool:
    """Whether ``user`` supervises ``student`` on site: feedback, observations, progress and exports of them."""
    pk = student if isinstance(student, int) else student.pk
    return students_supervised_on_site_by(user=user).filter(pk=pk).exists()


def may_write_as_supervisor(user: User) -> bool:
    """Docenten and werkbegeleiders (of either account kind) write supervisor feedback and observations."""
    if not user.is_authenticated:
        return False
    return (user.role == Role.SUPERVISOR) or is_werkbegeleider(user)


def may_write_as_student(user: User) -> bool:
    """Students assess themselves, give their teammates peer feedback and have a progress page of their own."""
    return user.is_authenticated and user.role == Role.STUDENT


def sees_progress_alerts(user: User) -> bool:
    """Docenten, werkbegeleiders (either account kind) and coordinators follow progress with its alerts:
    "Mijn studenten" (the overview and its CSV), a PDF's alerts, the API's."""
    if not user.is_authenticated:
        return False
    return user.role in {Role.SUPERVISOR, Role.COORDINATOR} or is_werkbegeleider(user)


def coordinates_supervision(user: User) -> bool:
    """Coordinators link supervisors to teams and students and keep the rubric (of the cohorts they manage)."""
    return user.is_authenticated and user.role == Role.COORDINATOR


# What a level-blind viewer reads for an mbo or hbo docent: which of the two follows a student
# individually would tell the student's niveau (docs/visibility.md).
DOCENT = "docent"


def shown_supervisor_kind(kind: str, *, viewer: User) -> str:
    """A supervisor kind as ``viewer`` may read it: "docent" instead of mbo/hbo for people of an organisation."""
    if kind in {SupervisorKind.MBO_DOCENT, SupervisorKind.HBO_DOCENT} and not viewer_sees_niveaus(viewer=viewer):
        return DOCENT
    return kind


def supervisor_kind_label(kind: str) -> str:
    """The label of a (shown) supervisor kind: "Docent" for the level-blind one, '' for none."""
    if not kind:
        return ""
    if kind == DOCENT:
        return str(_("Docent"))
    return str(SupervisorKind(kind).label)


def author_kind_of(user: User) -> str:
    """The supervisor kind snapshot stored with an entry ('' for students)."""
    if user.role == Role.ORGANISATION:
        return SupervisorKind.WERKBEGELEIDER
    profile = getattr(user, "supervisor_profile", None) if user.role == Role.SUPERVISOR else None
    return profile.kind if profile is not None else ""


def students_for_feedback_by(*, author: User) -> QuerySet[User]:
    """Students ``author`` may write supervisor feedback on, with their current team's name."""
    if not may_write_as_supervisor(author):
        return User.objects.none()
    team_name = (
        Membership.objects.filter(student=OuterRef("pk"), left_at__isnull=True)
        .order_by("-joined_at")
        .values("team__name")
    )
    return (
        User.objects.filter(pk__in=students_supervised_by(supervisor=author).values("pk"), role=Role.STUDENT)
        .annotate(team_name=Subquery(team_name[:1]))
        .order_by(by_name("team_name"), by_name("display_name"), by_name("username"))
    )


def peers_of(*, student: User) -> QuerySet[User]:
    """Current teammates a student may give peer feedback."""
    if not student.is_authenticated or student.role != Role.STUDENT:
        return User.objects.none()
    return (
        User.objects.filter(pk__in=students_sharing_team_with(user=student).values("pk"), role=Role.STUDENT)
        .exclude(pk=student.pk)
        .order_by(by_name("display_name"), by_name("username"))
    )


def students_in_scope(*, viewer: User) -> QuerySet[User]:
    """Students whose progress ``viewer`` may follow: themself, supervised students, the cohort's students."""
    if not viewer.is_authenticated:
        return User.objects.none()
    if viewer.role == Role.STUDENT:
        return User.objects.filter(pk=viewer.pk)
    if is_of_organisation(viewer):
        # A werkbegeleider, whichever account kind: the students they supervise on site. Other
        # organisation contacts: nobody.
        return students_supervised_on_site_by(user=viewer)
    if viewer.role == Role.SUPERVISOR:
        return User.objects.filter(pk__in=students_supervised_by(supervisor=viewer).values("pk"), role=Role.STUDENT)
    if viewer.role == Role.COORDINATOR:
        return User.objects.filter(
            role=Role.STUDENT,
            student_profile__cohort__in=viewer.coordinated_cohorts.values("pk"),
        )
    return User.objects.none()


def access_student_by_id(*, viewer: User, student_id: object) -> User:
    """The student if ``viewer`` may see their progress; 404 exactly as if they did not exist."""
    try:
        return (
            students_in_scope(viewer=viewer)
            .select_related("student_profile", "student_profile__cohort")
            .get(pk=as_id(student_id))
        )
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Student niet gevonden.") from None


def feedback_visible_to(*, viewer: User) -> QuerySet[FeedbackEntry]:
    if not viewer.is_authenticated:
        return FeedbackEntry.objects.none()
    own = Q(author=viewer)
    if viewer.role == Role.STUDENT:
        scope = Q(student=viewer) | own
    elif viewer.role in {Role.SUPERVISOR, Role.COORDINATOR, Role.ORGANISATION}:
        # Organisation contacts: what they wrote, and as werkbegeleider the feedback on their students.
        students = students_in_scope(viewer=viewer).values("pk")
        if viewer.role != Role.COORDINATOR:
            # A supervisor's few students (some 90 at scale) as ids, read first: "on these students
            # or by me" over a subquery made PostgreSQL read every entry of the region (50,000) to
            # count a docent's 1,000; over a list it combines two indexes. A coordinator's cohort
            # sees a quarter of them, which a scan reads best (docs/benchmarks.md, "2026-12-07 (later)").
            students = list(students.values_list("pk", flat=True))
        scope = Q(student__in=students) | own
    else:
        return FeedbackEntry.objects.none()
    return FeedbackEntry.objects.filter(scope)


def author_visible(*, viewer: User, entry: FeedbackEntry) -> bool:
    """Peer feedback hides its author from the receiver unless the author chose otherwise."""
    if entry.author_id == viewer.pk:
        return True
    return not (entry.kind == FeedbackKind.PEER and entry.student_id == viewer.pk and not entry.show_author)


def mark_author_visibility(entries: Iterable[FeedbackEntry], *, viewer: User) -> list[FeedbackEntry]:
    """Set ``entry.author_shown`` and ``entry.author_kind_shown`` (the author's kind as ``viewer`` may
    read it: ``shown_supervisor_kind``; '' when the author is hidden) for templates, exports and serializers."""
    result = list(entries)
    for entry in result:
        entry.author_shown = author_visible(viewer=viewer, entry=entry)
        entry.author_kind_shown = shown_supervisor_kind(entry.author_kind, viewer=viewer) if entry.author_shown else ""
        entry.author_kind_label = supervisor_kind_label(entry.author_kind_shown)
    return result


def scores_visible_to(*, viewer: User) -> QuerySet[Score]:
    """Scores as ``viewer`` may read them: without those on a programme's criterion for people of an
    organisation (the criterion would name the student's programme, docs/visibility.md)."""
    scores = Score.objects.all()
    if not viewer_sees_niveaus(viewer=viewer):
        scores = scores.exclude(criterion__programme__gt="")
    return scores


def feedback_for_listing(*, viewer: User) -> QuerySet[FeedbackEntry]:
    return (
        feedback_visible_to(viewer=viewer)
        .select_related("student", "author", "team")
        .prefetch_related(Prefetch("scores", queryset=scores_visible_to(viewer=viewer)))
        .order_by("-date", "-id")
    )


def access_feedback_by_id(*, viewer: User, entry_id: object) -> FeedbackEntry:
    try:
        entry = feedback_for_listing(viewer=viewer).get(pk=as_id(entry_id))
    except (FeedbackEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("Feedback niet gevonden.") from None
    mark_author_visibility([entry], viewer=viewer)
    return entry


# --- rubric -----------------------------------------------------------------


def default_rubric() -> Rubric:
    """The default rubric. A pure read: it is data, created by a migration (supervision.defaults)."""
    return Rubric.objects.get(is_default=True)


def default_criteria() -> QuerySet[Criterion]:
    return Criterion.objects.filter(rubric__is_default=True, is_active=True)


def criterion_applies(criterion: Criterion, profile: StudentProfile | None) -> bool:
    if profile is None:
        return not criterion.programme and criterion.cohort_id is None
    return (not criterion.programme or criterion.programme == profile.programme) and (
        criterion.cohort_id is None or criterion.cohort_id == profile.cohort_id
    )


def criteria_for_student(*, student: User, viewer: User | None = None) -> QuerySet[Criterion]:
    """The active criteria a student is assessed on: the general ones plus their programme's.

    With ``viewer`` of an organisation: the general ones only. A programme's criterion would name
    the student's programme, and with it their niveau; werkbegeleiders rate the general rubric.
    """
    profile = getattr(student, "student_profile", None)
    qs = default_criteria()
    if profile is None or (viewer is not None and not viewer_sees_niveaus(viewer=viewer)):
        qs = qs.filter(programme="")
    if profile is None:
        return qs.filter(cohort__isnull=True)
    return qs.filter(Q(programme="") | Q(programme=profile.programme)).filter(
        Q(cohort__isnull=True) | Q(cohort_id=profile.cohort_id)
    )


def criteria_visible_to(*, viewer: User) -> QuerySet[Criterion]:
    """Criteria listed by GET /api/rubrics/: what the viewer may assess or be assessed on."""
    if viewer.role == Role.STUDENT:
        return criteria_for_student(student=viewer)
    if viewer.role == Role.COORDINATOR:
        cohorts = viewer.coordinated_cohorts.values("pk")
    else:
        cohorts = StudentProfile.objects.filter(user__in=students_supervised_by(supervisor=viewer).values("pk")).values(
            "cohort_id"
        )
    criteria = default_criteria().filter(Q(cohort__isnull=True) | Q(cohort__in=cohorts))
    if not viewer_sees_niveaus(viewer=viewer):
        # Werkbegeleiders rate the general rubric: a programme's criteria would name programmes.
        criteria = criteria.filter(programme="")
    return criteria


def criteria_for_coordinator(*, coordinator: User) -> QuerySet[Criterion]:
    """Criteria a coordinator may edit: the general ones and those of their cohorts (also archived)."""
    return (
        Criterion.objects.filter(rubric__is_default=True)
        .filter(Q(cohort__isnull=True) | Q(cohort__in=coordinator.coordinated_cohorts.values("pk")))
        .select_related("cohort")
        .prefetch_related("descriptors")
    )


def access_criterion_for_coordinator(*, coordinator: User, criterion_id: object) -> Criterion:
    if not coordinates_supervision(coordinator):
        raise Http404("Criterium niet gevonden.")
    try:
        return criteria_for_coordinator(coordinator=coordinator).get(pk=as_id(criterion_id))
    except (Criterion.DoesNotExist, ValueError, TypeError):
        raise Http404("Criterium niet gevonden.") from None


def programmes_of(*, coordinator: User) -> list[str]:
    return sorted(
        set(
            StudentProfile.objects.filter(cohort__in=coordinator.coordinated_cohorts.values("pk")).values_list(
                "programme", flat=True
            )
        )
    )


# --- progress of one student ------------------------------------------------


@dataclass
class Point:
    date: dt.date
    level: int
    entry_id: int


@dataclass
class Change:
    name: str
    before: int | None
    after: int

    @property
    def before_label(self) -> str:
        return str(Level(self.before).label) if self.before else ""

    @property
    def after_label(self) -> str:
        return str(Level(self.after).label)

    @property
    def direction(self) -> str:
        if self.before is None:
            return "new"
        return analysis.UP if self.after > self.before else analysis.DOWN


@dataclass
class CriterionProgress:
    criterion_id: int | None
    name: str
    category: str
    series: dict[str, list[Point]] = field(default_factory=lambda: {s: [] for s in SOURCES})

    @property
    def supervisor_points(self) -> list[Point]:
        return sorted(self.series["docent"] + self.series["werkbegeleider"], key=lambda p: (p.date, p.entry_id))

    @property
    def supervisor_levels(self) -> list[int]:
        return [p.level for p in self.supervisor_points]

    @property
    def trend(self) -> str | None:
        return analysis.trend(self.supervisor_levels)

    @property
    def latest_level(self) -> int | None:
        points = self.supervisor_points
        return points[-1].level if points else None

    @property
    def latest_level_label(self) -> str:
        return str(Level(self.latest_level).label) if self.latest_level else ""

    @property
    def latest_self_level(self) -> int | None:
        return self.series["self"][-1].level if self.series["self"] else None

    @property
    def has_ratings(self) -> bool:
        return any(self.series[s] for s in CHART_SOURCES)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)

    def history(self) -> analysis.CriterionHistory:
        return analysis.CriterionHistory(
            name=self.name,
            work_attitude=self.category == Category.WERKNEMERSVAARDIGHEDEN,
            supervisor_levels=self.supervisor_levels,
            self_levels=[p.level for p in self.series["self"]],
        )

    def level_on(self, day: dt.date) -> int | None:
        """The supervisors' latest rating given on or before ``day``."""
        points = [p for p in self.supervisor_points if p.date <= day]
        return points[-1].level if points else None


@dataclass
class Progress:
    student: User
    today: dt.date
    criteria: list[CriterionProgress]
    last_supervisor_feedback: dt.date | None
    new_entries_this_week: dict[str, int]
    alerts: list[analysis.Alert]

    @property
    def week_ago(self) -> dt.date:
        return self.today - dt.timedelta(days=7)

    @property
    def changes_since_last_week(self) -> list[Change]:
        changes = []
        for crit in self.criteria:
            after = crit.latest_level
            before = crit.level_on(self.week_ago)
            recent = any(p.date > self.week_ago for p in crit.supervisor_points)
            if after is not None and recent and after != before:
                changes.append(Change(name=crit.name, before=before, after=after))
        return changes

    @property
    def date_range(self) -> tuple[dt.date, dt.date]:
        dates = [p.date for c in self.criteria for s in CHART_SOURCES for p in c.series[s]]
        if not dates:
            return self.today - dt.timedelta(days=28), self.today
        return min(dates), max(max(dates), self.today)


def _score_source(kind: str, author_kind: str) -> str:
    if kind == FeedbackKind.SUPERVISOR:
        return "werkbegeleider" if author_kind == SupervisorKind.WERKBEGELEIDER else "docent"
    return kind


def student_progress(*, student: User, today: dt.date, viewer: User | None = None) -> Progress:
    """Per criterion the ratings over time per source, the trend and the alerts (five or six queries).

    With ``viewer`` of an organisation: the general criteria only (``criteria_for_student``), also
    for the scores given earlier on a programme's criterion.
    """
    criteria = list(criteria_for_student(student=student, viewer=viewer))
    by_key: dict[object, CriterionProgress] = {
        c.pk: CriterionProgress(criterion_id=c.pk, name=c.name, category=c.category) for c in criteria
    }
    rows = Score.objects.filter(entry__student=student).order_by("entry__date", "entry__id")
    if viewer is not None and not viewer_sees_niveaus(viewer=viewer):
        rows = rows.exclude(criterion__programme__gt="")
    for crit_id, name, category, level, date, kind, author_kind, entry_id in rows.values_list(
        "criterion_id",
        "criterion_name",
        "category",
        "level",
        "entry__date",
        "entry__kind",
        "entry__author_kind",
        "entry_id",
    ):
        # Archived or removed criteria keep their history under the name they had.
        key = crit_id if crit_id is not None else ("name", name)
        if key not in by_key:
            by_key[key] = CriterionProgress(criterion_id=crit_id, name=name, category=category)
        by_key[key].series[_score_source(kind, author_kind)].append(Point(date=date, level=level, entry_id=entry_id))
    week_ago = today - dt.timedelta(days=7)
    entries = FeedbackEntry.objects.filter(student=student)
    last = entries.filter(kind=FeedbackKind.SUPERVISOR).aggregate(last=Max("date"))["last"]
    recent: dict[str, int] = defaultdict(int)
    for kind, author_kind in entries.filter(date__gt=week_ago).values_list("kind", "author_kind"):
        recent[_score_source(kind, author_kind)] += 1
    ordered = sorted(by_key.values(), key=lambda c: (c.category != Category.WERKNEMERSVAARDIGHEDEN,))
    followed = (
        Membership.objects.filter(student=student, left_at__isnull=True).exists()
        or SupervisionAssignment.objects.filter(student=student).exists()
    )
    alerts = analysis.alerts_for(
        last_supervisor_feedback=last, histories=[c.history() for c in ordered], today=today, followed=followed
    )
    return Progress(
        student=student,
        today=today,
        criteria=ordered,
        last_supervisor_feedback=last,
        new_entries_this_week=dict(recent),
        alerts=alerts,
    )


def supervisors_of(*, student: User) -> list[SupervisionAssignment]:
    """Who supervises a student, through a current team or individually (one link per person)."""
    team_ids = Membership.objects.filter(student=student, left_at__isnull=True).values("team_id")
    links = (
        SupervisionAssignment.objects.filter(Q(student=student) | Q(team__in=team_ids))
        .select_related("supervisor", "supervisor__supervisor_profile", "team")
        .order_by(by_name("supervisor__display_name"), "id")
    )
    seen: set[int] = set()
    result = []
    for link in links:
        if link.supervisor_id not in seen:
            seen.add(link.supervisor_id)
            result.append(link)
    return result


def latest_feedback(*, viewer: User, student: User, limit: int = 5) -> list[FeedbackEntry]:
    entries = feedback_for_listing(viewer=viewer).filter(student=student)[:limit]
    return mark_author_visibility(entries, viewer=viewer)


# --- the overview grid: students x criteria ---------------------------------


@dataclass
class Cell:
    level: int | None = None
    trend: str | None = None
    applies: bool = True

    @property
    def label(self) -> str:
        return str(Level(self.level).label) if self.level else ""


@dataclass
class OverviewRow:
    student: User
    team_names: list[str]
    niveau: int | None
    last_feedback: dt.date | None
    days_since: int | None
    cells: list[Cell]
    alerts: list[analysis.Alert]

    @property
    def alert_codes(self) -> set[str]:
        return {a.code for a in self.alerts}


# The overview's counts, by name (``Overview.counts``).
ALERT_CODES = (
    analysis.ALERT_NO_FEEDBACK,
    analysis.ALERT_DECLINING,
    analysis.ALERT_SELF_ABOVE,
    analysis.ALERT_SELF_BELOW,
)


@dataclass
class Overview:
    """The grid over a viewer's students: ``order`` their ids in the chosen order (after
    ``only_alerts``), ``rows_for`` builds the rows of some of them (a page) and ``rows`` those of
    everyone (the CSV export, the mails). ``students`` is the annotated query the rows are read
    from (with what the sorting and the counts use, as aliases)."""

    criteria: list[Criterion]
    students: QuerySet[User]
    order: list[int]
    # total (the students listed), all (before only_alerts), flagged, without_team and one per
    # alert code (ALERT_CODES).
    counts: dict[str, int]
    # Per alert code, the ids of the students who have it.
    alerted: dict[str, set[int]]
    today: dt.date
    standings: QuerySet["CriterionStanding"]
    # Whether the viewer may see the students' niveau (the grid's and the CSV's niveau column).
    shows_niveau: bool = True

    def rows_for(self, ids: Sequence[int]) -> list["OverviewRow"]:
        """The rows of these students (ids of ``self.order``), in that order: four queries
        whatever their number."""
        by_id = {student.pk: student for student in self.students.filter(pk__in=list(ids))}
        return _overview_rows(self, [by_id[pk] for pk in ids if pk in by_id])

    @cached_property
    def rows(self) -> list["OverviewRow"]:
        return self.rows_for(self.order)


def standings_visible_to(*, viewer: User) -> QuerySet[CriterionStanding]:
    """Standings as ``viewer`` may read them: as ``scores_visible_to``, without a programme's criteria for
    people of an organisation."""
    if not viewer_sees_niveaus(viewer=viewer):
        return standings_shared_with_organisations()
    return CriterionStanding.objects.all()


def standings_shared_with_organisations() -> QuerySet[CriterionStanding]:
    """The standings people of an organisation may read: none of a programme's own criteria (a removed
    criterion's standing, kept without one, stays)."""
    return CriterionStanding.objects.exclude(criterion__programme__gt="")


def _name_key() -> Collate:
    """``User.get_display_name`` in SQL, in the order of names (``wijklab.names``): the grid's order by name."""
    full = Trim(Concat("first_name", Value(" "), "last_name"))
    return by_name(Coalesce(NullIf("display_name", Value("")), NullIf(full, Value("")), "username"))


# The grid's search: at most this many characters of a name (a longer one matches nobody anyway).
OVERVIEW_QUERY_MAX = 100


def _overview_scope(*, viewer: User, team_id: int | None, without_team: bool, query: str = "") -> QuerySet[User]:
    students = students_in_scope(viewer=viewer) if viewer.role != Role.STUDENT else User.objects.none()
    students = containing(
        students, query.strip()[:OVERVIEW_QUERY_MAX], "display_name", "first_name", "last_name", "username"
    )
    if team_id is not None:
        students = students.filter(memberships__team_id=team_id, memberships__left_at__isnull=True)
    elif without_team:
        students = students.exclude(pk__in=Membership.objects.filter(left_at__isnull=True).values("student_id"))
    return students


def overview_students(
    *, viewer: User, today: dt.date, team_id: int | None = None, without_team: bool = False, query: str = ""
) -> QuerySet[User]:
    """The students of the viewer's grid, each annotated with their last supervisor feedback, whether
    they are in a team or followed, and their alerts as 0/1 per kind and in total: the rules of
    ``analysis.alerts_from_standings``, asked of the database so that the grid sorts, counts and
    pages without reading anyone's history (``tests/supervision/test_standings.py`` checks
    both agree on every student)."""
    students = _overview_scope(viewer=viewer, team_id=team_id, without_team=without_team, query=query)
    cutoff = today - dt.timedelta(days=analysis.NO_FEEDBACK_DAYS)
    # Read from each student's stored summary (``AlertSummary``, kept with the standings): the
    # standings a werkbegeleider may see leave out a programme's criteria (``standings_visible_to``).
    summary = "alert_summary__" if viewer_sees_niveaus(viewer=viewer) else "alert_summary__shared_"

    def flag(condition: Q | Exists) -> Case:
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    return (
        User.objects.filter(pk__in=students.values("pk"))
        .select_related("student_profile")
        .annotate(
            last_feedback=F("alert_summary__last_supervisor_feedback"),
            in_team=Exists(Membership.objects.filter(student=OuterRef("pk"), left_at__isnull=True)),
            linked=Exists(SupervisionAssignment.objects.filter(student=OuterRef("pk"))),
            first_team=Subquery(
                Membership.objects.filter(student=OuterRef("pk"), left_at__isnull=True)
                .order_by("team__name")
                .values("team__name")[:1]
            ),
        )
        # Aliases, not columns: the sort, the filters and the counts read them, the rows do not
        # (their alerts come from the standings), so the page's rows do not compute them again.
        .alias(
            # Never any supervisor feedback counts as long ago.
            alert_no_feedback=flag(
                (Q(in_team=True) | Q(linked=True))
                & LessThanOrEqual(Coalesce("last_feedback", Value(dt.date.min)), Value(cutoff))
            ),
            alert_declining=flag(Q(**{f"{summary}declining": True})),
            alert_self_above=flag(Q(**{f"{summary}self_above": True})),
            alert_self_below=flag(Q(**{f"{summary}self_below": True})),
        )
        .alias(
            alert_count=F("alert_no_feedback") + F("alert_declining") + F("alert_self_above") + F("alert_self_below")
        )
    )


def _order(
    students: QuerySet[User], criteria: Sequence[Criterion], sort: str, descending: bool
) -> tuple[QuerySet[User], bool]:
    """The grid's order: by name, or by a column with ties by name. Descending turns the column
    round, not the names within a tie (as a stable sort does). The second value says the order
    is by name and the alerts are still to be sorted on (``progress_overview`` does, in Python:
    the count of alerts as a sort key in SQL computed every flag again for every student)."""
    name = _name_key()
    if sort == "name":
        ordered = students.order_by(name.desc(), F("pk").desc()) if descending else students.order_by(name, "pk")
        return ordered, False
    if sort == "team":
        # Students without a team last (first when descending).
        team = by_name("first_team")
        key = team.desc(nulls_first=True) if descending else team.asc(nulls_last=True)
    elif sort == "last":
        # Never any feedback counts as the longest ago.
        key = F("last_feedback").desc(nulls_last=True) if descending else F("last_feedback").asc(nulls_first=True)
    elif sort.startswith("c") and sort[1:].isdigit() and any(c.pk == int(sort[1:]) for c in criteria):
        level = Coalesce(
            Subquery(
                CriterionStanding.objects.filter(student=OuterRef("pk"), criterion_id=int(sort[1:])).values(
                    "latest_level"
                )[:1]
            ),
            Value(0),
        )
        key = level.desc() if descending else level.asc()
    elif sort.startswith("c"):
        return students.order_by(name, "pk"), False
    else:  # alerts: most alerts first by default, then by name
        return students.order_by(name, "pk"), True
    return students.order_by(key, name, "pk"), False


def progress_overview(
    *,
    viewer: User,
    today: dt.date,
    sort: str = "alerts",
    descending: bool = False,
    team_id: int | None = None,
    without_team: bool = False,
    only_alerts: bool = False,
    query: str = "",
) -> Overview:
    """The docent's (or coordinator's) grid: two queries whatever the size, and four per page of rows.

    ``team_id`` keeps one team's current members, ``without_team`` the students in no team
    now, ``only_alerts`` those with an alert. Those not followed by anyone (no team, no supervisor
    of their own) get no "no feedback" alert (``analysis.alerts_for``). ``counts["without_team"]``
    is counted before ``only_alerts``: how many the "Zonder team" choice would show. ``query`` keeps
    the students whose name or username contains it, like a team filter (the counts follow)."""
    students = overview_students(viewer=viewer, today=today, team_id=team_id, without_team=without_team, query=query)
    # Level-blind viewers (werkbegeleiders): no niveau column, no programme's criteria (docs/visibility.md).
    sees_niveaus = viewer_sees_niveaus(viewer=viewer)
    profiles = StudentProfile.objects.filter(
        user__in=_overview_scope(viewer=viewer, team_id=team_id, without_team=without_team).values("pk")
    )
    criteria = list(
        default_criteria()
        .filter(Q(cohort__isnull=True) | Q(cohort__in=profiles.values("cohort_id")))
        .filter(Q(programme="") | Q(programme__in=profiles.values("programme")) if sees_niveaus else Q(programme=""))
    )
    # Grouped by category (the grid's header groups them), in rubric order within each.
    criteria.sort(key=lambda c: c.category != Category.WERKNEMERSVAARDIGHEDEN)
    ordered, by_alerts = _order(students, criteria, sort, descending)
    alert_count, without_team_count, alerted = _read_flags(ordered)
    order = list(alert_count)
    if by_alerts:
        # Stable, so ties keep the database's order by name (also when reversed).
        order.sort(key=alert_count.__getitem__, reverse=not descending)
    flagged = [pk for pk in order if alert_count[pk]]
    counts = {
        "all": len(order),
        "total": len(flagged) if only_alerts else len(order),
        "flagged": len(flagged),
        "without_team": without_team_count,
        **{code: len(alerted[code]) for code in ALERT_CODES},
    }
    if only_alerts:
        order = flagged
    return Overview(
        criteria=criteria,
        students=students,
        order=order,
        counts=counts,
        alerted=alerted,
        today=today,
        standings=standings_visible_to(viewer=viewer),
        shows_niveau=sees_niveaus,
    )


def _read_flags(students: QuerySet[User]) -> tuple[dict[int, int], int, dict[str, set[int]]]:
    """Each student's number of alerts by id (in the query's order), how many are in no team, and
    per alert who has it: each flag read once per student, in one query.

    Counted here, not in SQL: an aggregate over the annotated query is a subquery PostgreSQL
    flattens, so every flag's subqueries ran again in the total of alerts and in each count that
    used it (15 subqueries per student instead of 7), and the page's query then computed them all
    once more to sort by the number of alerts (docs/benchmarks.md, "2026-12-07 (later)")."""
    alert_count: dict[int, int] = {}
    without_team = 0
    alerted: dict[str, set[int]] = {code: set() for code in ALERT_CODES}
    flags = [f"alert_{code}" for code in ALERT_CODES]
    read = students.annotate(**{f"read_{flag}": F(flag) for flag in flags})
    for pk, in_team, *raised in read.values_list("pk", "in_team", *(f"read_{flag}" for flag in flags)):
        alert_count[pk] = sum(raised)
        without_team += not in_team
        for code, value in zip(ALERT_CODES, raised, strict=True):
            if value:
                alerted[code].add(pk)
    return alert_count, without_team, alerted


def _overview_rows(overview: Overview, students: list[User]) -> list[OverviewRow]:
    ids = [s.pk for s in students]
    team_names: dict[int, list[str]] = defaultdict(list)
    for student_id, name in (
        Membership.objects.filter(student__in=ids, left_at__isnull=True)
        .order_by("team__name")
        .values_list("student_id", "team__name")
    ):
        team_names[student_id].append(name)
    criteria = overview.criteria
    position = {c.pk: i for i, c in enumerate(criteria)}
    names = {c.pk: c.name for c in criteria}
    # Plain rows, not models: a page has some 650 standings, and building a model for each cost
    # more than the query.
    standings_of: dict[int, list[Any]] = defaultdict(list)
    for standing in overview.standings.filter(student__in=ids).values_list(
        "pk",
        "student_id",
        "criterion_id",
        "name",
        "category",
        "latest_level",
        "trend",
        "declining",
        "self_side",
        named=True,
    ):
        standings_of[standing.student_id].append(standing)
    rows = []
    for student in students:
        profile = getattr(student, "student_profile", None)
        own = sorted(
            standings_of.get(student.pk, []),
            key=lambda s: (
                s.category != Category.WERKNEMERSVAARDIGHEDEN,
                position.get(s.criterion_id, len(position)),
                s.pk,
            ),
        )
        by_criterion = {s.criterion_id: s for s in own if s.criterion_id is not None}
        cells = []
        for crit in criteria:
            standing = by_criterion.get(crit.pk)
            cells.append(
                Cell(
                    level=standing.latest_level if standing else None,
                    trend=(standing.trend or None) if standing else None,
                    applies=criterion_applies(crit, profile),
                )
            )
        last = student.last_feedback
        rows.append(
            OverviewRow(
                student=student,
                team_names=team_names.get(student.pk, []),
                niveau=profile.niveau if profile and overview.shows_niveau else None,
                last_feedback=last,
                days_since=analysis.days_without_feedback(last, overview.today),
                cells=cells,
                alerts=analysis.alerts_from_standings(
                    last_supervisor_feedback=last,
                    # Alerts use the current names; archived criteria keep their snapshot name.
                    # Only the standings that raise one (the rest adds nothing to any alert).
                    standings=[
                        analysis.Standing(
                            name=names.get(s.criterion_id, s.name),
                            latest_level=s.latest_level,
                            trend=s.trend or None,
                            declining=s.declining,
                            self_side=s.self_side,
                        )
                        for s in own
                        if s.declining or s.self_side
                    ],
                    today=overview.today,
                    followed=student.in_team or student.linked,
                ),
            )
        )
    return rows


def overview_teams(*, viewer: User) -> list[tuple[int, str]]:
    """Teams to filter the overview by, as (id, name): a coordinator's menu lists a cohort's
    hundreds of teams, and only these two fields of each."""
    return list(teams_visible_to(user=viewer).order_by("name", "id").values_list("pk", "name"))


def students_needing_feedback(*, supervisor: User, today: dt.date) -> list[OverviewRow]:
    """The supervisor's followed students without supervisor feedback for 14 days (or ever)."""
    overview = progress_overview(viewer=supervisor, today=today, sort="last")
    due = overview.alerted[analysis.ALERT_NO_FEEDBACK]
    return overview.rows_for([pk for pk in overview.order if pk in due])


# --- coordination -----------------------------------------------------------


def _current_teams_of(coordinator: User) -> QuerySet[Team]:
    """The teams a coordinator links supervisors to: those of their cohorts that are not archived (an
    archived cohort changes no more; its teams stay readable on their own pages)."""
    if not coordinates_supervision(coordinator):
        return Team.objects.none()
    return teams_visible_to(user=coordinator).filter(assignment__cohort__archived_at__isnull=True)


def teams_for_coordination(*, coordinator: User) -> QuerySet[Team]:
    return (
        _current_teams_of(coordinator)
        .select_related("assignment", "assignment__organisation")
        .prefetch_related("supervision_assignments__supervisor__supervisor_profile")
        .order_by("assignment__title", "name", "id")
    )


def coordination_summary(*, coordinator: User) -> dict[str, int]:
    """The coordinator's home panel in three counts asked of the database: the teams of their current
    cohorts, those without any supervisor, and youth-case teams without an hbo docent (``rules.lacks_hbo_docent``
    in SQL; ``tests/supervision/test_coordination.py`` checks both agree). Reading every team with its
    links to count them made the panel the costliest part of the coordinator's home page."""
    teams = _current_teams_of(coordinator)
    links = SupervisionAssignment.objects.filter(team=OuterRef("pk"))
    return teams.annotate(
        supervised=Exists(links),
        with_hbo=Exists(links.filter(supervisor__supervisor_profile__kind=SupervisorKind.HBO_DOCENT)),
    ).aggregate(
        teams=Count("pk"),
        without=Count("pk", filter=Q(supervised=False)),
        missing_hbo=Count("pk", filter=Q(assignment__requires_hbo=True, with_hbo=False)),
    )


def student_assignments_for_coordination(*, coordinator: User) -> QuerySet[SupervisionAssignment]:
    if not coordinates_supervision(coordinator):
        return SupervisionAssignment.objects.none()
    return (
        SupervisionAssignment.objects.filter(
            student__student_profile__cohort__in=coordinator.coordinated_cohorts.values("pk")
        )
        .select_related("supervisor", "supervisor__supervisor_profile", "student")
        .order_by(by_name("student__display_name"), "id")
    )


def may_be_linked_as_supervisor(*, supervisor: User, team: Team | None) -> bool:
    """Who a coordinator may link: a docent or werkbegeleider to any team or student; an organisation
    contact only to a team on their own organisation's assignment (as its werkbegeleider)."""
    if supervisor.role == Role.SUPERVISOR:
        return True
    return (
        supervisor.role == Role.ORGANISATION
        and team is not None
        and supervisor.organisation_id is not None
        and supervisor.organisation_id == team.assignment.organisation_id
    )


def assignable_supervisors() -> QuerySet[User]:
    """Supervisors of every kind; organisation contacts act as werkbegeleider for their own teams."""
    return (
        User.objects.filter(role__in=[Role.SUPERVISOR, Role.ORGANISATION], is_active=True)
        .select_related("supervisor_profile", "organisation")
        .order_by("role", by_name("display_name"), by_name("username"))
    )


def supervisor_choices(*, team: Team | None) -> QuerySet[User]:
    """Who may still be linked to ``team`` (or, with ``None``, to one student), in one query:
    ``may_be_linked_as_supervisor`` as a filter (every docent or werkbegeleider, and for a team
    the contacts of its own organisation), minus those already linked to the team."""
    if team is None:
        return assignable_supervisors().filter(role=Role.SUPERVISOR)
    return (
        assignable_supervisors()
        .filter(
            Q(role=Role.SUPERVISOR)
            | Q(role=Role.ORGANISATION, organisation_id=team.assignment.organisation_id, organisation__isnull=False)
        )
        .exclude(supervision_assignments__team=team)
    )


def cohort_students(*, coordinator: User) -> QuerySet[User]:
    return students_in_scope(viewer=coordinator).order_by(by_name("display_name"), by_name("username"))


STUDENT_SEARCH_LIMIT = 20


def search_cohort_students(*, coordinator: User, query: str) -> list[User]:
    """At most ``STUDENT_SEARCH_LIMIT`` students of the coordinator's cohorts whose name or username
    contains the query: a picker that stays small however large the cohort is."""
    if not query.strip():
        return []
    matches = containing(cohort_students(coordinator=coordinator), query, "display_name", "username")
    return list(matches[:STUDENT_SEARCH_LIMIT])


def access_supervision_assignment(*, coordinator: User, assignment_id: object) -> SupervisionAssignment:
    """A link a coordinator may remove: for a team or a student of one of their cohorts."""
    if not coordinates_supervision(coordinator):
        raise Http404
    cohorts = coordinator.coordinated_cohorts.values("pk")
    try:
        return SupervisionAssignment.objects.filter(
            Q(team__assignment__cohort__in=cohorts) | Q(student__student_profile__cohort__in=cohorts)
        ).get(pk=as_id(assignment_id))
    except (SupervisionAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404("Koppeling niet gevonden.") from None


# --- e-mail digests ---------------------------------------------------------


@dataclass
class Digest:
    supervisor: User
    overview: Overview
    entries_last_week: int
    own_entries_last_week: int

    @property
    def rows_with_alerts(self) -> list[OverviewRow]:
        return [r for r in self.overview.rows if r.alerts]


def docent_digest(*, docent: User, today: dt.date) -> Digest:
    overview = progress_overview(viewer=docent, today=today, sort="alerts")
    week = FeedbackEntry.objects.filter(
        student__in=students_in_scope(viewer=docent).values("pk"),
        date__gt=today - dt.timedelta(days=7),
        date__lte=today,
    )
    return Digest(
        supervisor=docent,
        overview=overview,
        entries_last_week=week.count(),
        own_entries_last_week=week.filter(author=docent).count(),
    )


def supervisors_with_students() -> QuerySet[User]:
    """Everyone who supervises someone (for the weekly reminder): docenten and werkbegeleiders of either
    account kind (organisation contacts linked to a team or student)."""
    return User.objects.filter(
        pk__in=SupervisionAssignment.objects.values("supervisor_id"),
        role__in=[Role.SUPERVISOR, Role.ORGANISATION],
        is_active=True,
    ).order_by("pk")


def docenten_with_students() -> QuerySet[User]:
    return supervisors_with_students().filter(
        supervisor_profile__kind__in=[SupervisorKind.MBO_DOCENT, SupervisorKind.HBO_DOCENT]
    )
