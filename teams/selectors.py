"""Reads about teams, scoped by the visibility rules of docs/design.md.

Every page, endpoint and consumer goes through these; nobody calls
``Team.objects.get(pk=...)`` directly.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, AssignmentStatus, Phase, Preference
from assignments.selectors import has_open_preference
from teams.models import (
    Duo,
    DuoRole,
    Membership,
    MembershipChange,
    SupervisionAssignment,
    Task,
    TaskChange,
    TaskStatus,
    Team,
    TeamStatus,
)
from teams.rules import (
    NIVEAUS,
    Counts,
    Problem,
    Refusal,
    Requirements,
    is_complete,
    join_refusal,
    level_blind,
    problems,
    unnamed,
)
from wijklab.ids import MAX_ID, as_id, is_id  # noqa: F401 - re-exported for the teams modules
from wijklab.models import Cohort, Competence, Role, StudentProfile, User
from wijklab.names import by_name, name_key
from wijklab.selectors import cohorts_managed_by, containing, viewer_sees_niveaus, with_profile_completeness


def active_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(left_at__isnull=True)


def students_sharing_team_with(*, user: User) -> QuerySet[User]:
    team_ids = active_memberships().filter(student=user).values("team_id")
    return User.objects.filter(memberships__team_id__in=team_ids, memberships__left_at__isnull=True).distinct()


def teams_supervised_by(*, supervisor: User) -> QuerySet[Team]:
    """Teams ``supervisor`` follows, and the current teams of the students they follow alone.

    An ``IN`` over a UNION rather than an OR over joins with DISTINCT, as in ``students_supervised_by``:
    the counts and pages of the docent's lists then read only their own teams.
    """
    links = SupervisionAssignment.objects.filter(supervisor=supervisor).order_by()
    followed = links.filter(team__isnull=False).values("team_id")
    alone = links.filter(student__isnull=False).values("student_id")
    # No ORDER BY inside a UNION (SQLite refuses it; memberships order by default).
    of_students = active_memberships().filter(student_id__in=alone).order_by().values("team_id")
    return Team.objects.filter(pk__in=followed.union(of_students))


def assignment_ids_involving(user: User) -> QuerySet:
    """The assignments ``user`` works on in a team (also after leaving it) or follows a team on."""
    if user.role == Role.STUDENT:
        return Team.objects.filter(memberships__student=user).values("assignment_id")
    return teams_supervised_by(supervisor=user).values("assignment_id")


def teams_with_seats() -> QuerySet[Team]:
    seats = Count("memberships", filter=Q(memberships__left_at__isnull=True))
    return Team.objects.annotate(seats_taken=seats).order_by(by_name("name"), "id")


def in_list_order(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams as every list of teams shows them: by their assignment's title, then by name, both in the
    order of names (``wijklab.names``: "buurtmoestuin Charlois" among the b's, not after the Z)."""
    return teams.order_by(by_name("assignment__title"), by_name("name"), "pk")


def active_student_ids(*, assignment: Assignment | None = None, cohort: Cohort | None = None) -> QuerySet:
    """Ids of the students in an active team on ``assignment`` or in ``cohort``."""
    rows = active_memberships()
    if assignment is not None:
        rows = rows.filter(team__assignment=assignment)
    if cohort is not None:
        rows = rows.filter(cohort=cohort)
    return rows.values("student_id")


def students_supervised_by(*, supervisor: User) -> QuerySet[User]:
    """Students ``supervisor`` follows: the members of their teams and the students linked to them alone.

    One ``IN`` over a UNION of two indexed lookups rather than an OR over two joins: the OR made
    PostgreSQL scan every user and membership and guess ten times too many students, which then
    turned every alert of the docent's grid and home page into a scan of its whole table
    (docs/benchmarks.md).
    """
    team_ids = SupervisionAssignment.objects.filter(supervisor=supervisor, team__isnull=False).values("team_id")
    in_teams = Membership.objects.filter(team_id__in=team_ids, left_at__isnull=True).order_by().values("student_id")
    alone = SupervisionAssignment.objects.filter(supervisor=supervisor, student__isnull=False).order_by()
    # No ORDER BY inside a UNION (SQLite refuses it; the models order by default).
    return User.objects.filter(pk__in=in_teams.union(alone.values("student_id")))


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


def organisation_people(*, assignment: Assignment) -> QuerySet[User]:
    """The contacts of the assignment's organisation: they hear about teams on it (level-blind texts)."""
    return User.objects.filter(role=Role.ORGANISATION, organisation_id=assignment.organisation_id, is_active=True)


def access_team_by_id(*, user: User, team_id: int) -> Team:
    """The team if ``user`` may see it; otherwise 404, exactly as if it did not exist."""
    try:
        return (
            teams_visible_to(user=user)
            .select_related("assignment", "assignment__organisation", "assignment__cohort")
            .get(pk=team_id)
        )
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("Team niet gevonden.") from None


# --- membership, joining and niveau -----------------------------------------


def student_cohort_id(*, student: User) -> int | None:
    profile = getattr(student, "student_profile", None) if student.role == Role.STUDENT else None
    return profile.cohort_id if profile is not None else None


def self_join_open_for(*, student: User) -> bool:
    """Whether the student may still join teams themselves (their cohort's preferences open, or self-join reopened)."""
    profile = getattr(student, "student_profile", None) if student.role == Role.STUDENT else None
    return profile is not None and profile.cohort.self_join_open


def active_membership_of(*, student: User, cohort_id: int | None = None) -> Membership | None:
    """The student's active membership in ``cohort_id`` (their own cohort by default)."""
    cohort_id = cohort_id if cohort_id is not None else student_cohort_id(student=student)
    if cohort_id is None:
        return None
    return (
        active_memberships()
        .filter(student=student, cohort_id=cohort_id)
        .select_related("team", "team__assignment")
        .first()
    )


# --- who may do what with teams (pages, API and services all ask these) ------------------


def joins_teams(user: User) -> bool:
    """Students browse open teams, join and leave them themselves; nobody else takes a seat."""
    return user.is_authenticated and user.role == Role.STUDENT


def opens_teams(user: User) -> bool:
    """Coordinators and organisation contacts open teams (on which: ``assignments_teams_may_be_opened_on_by``)."""
    return user.is_authenticated and user.role in (Role.COORDINATOR, Role.ORGANISATION)


def user_manages_team(*, user: User, team: Team) -> bool:
    """The coordinators of the team's cohort start and close it, move students and read its history."""
    return cohorts_managed_by(user=user).filter(pk=team.assignment.cohort_id).exists()


def cohort_student_for(*, team: Team, student_id: object) -> User | None:
    """A student of the team's cohort (whom a coordinator may place in or take out of it), else None."""
    try:
        pk = as_id(student_id)
    except (TypeError, ValueError):
        return None
    return (
        User.objects.filter(pk=pk, role=Role.STUDENT, student_profile__cohort_id=team.assignment.cohort_id)
        .select_related("student_profile")
        .first()
    )


def user_is_team_member(*, user: User, team: Team) -> bool:
    return (
        user.is_authenticated
        and user.role == Role.STUDENT
        and active_memberships().filter(team=team, student=user).exists()
    )


def niveau_counts(*, team: Team, exclude_student_id: int | None = None) -> Counts:
    """Head count per niveau of the team's active members, in one query."""
    rows = active_memberships().filter(team=team)
    if exclude_student_id is not None:
        rows = rows.exclude(student_id=exclude_student_id)
    counts = Counts()
    for niveau, count in rows.values_list("student__student_profile__niveau").annotate(n=Count("id")):
        if niveau is not None:
            counts.per_niveau[niveau] = count
    return counts


def with_niveau_counts(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Annotate member counts per niveau (for judging completeness in lists, never for display to all)."""
    active = Q(memberships__left_at__isnull=True)
    return teams.annotate(
        member_count=Count("memberships", filter=active, distinct=True),
        **{
            f"niveau_{n}_count": Count(
                "memberships", filter=active & Q(memberships__student__student_profile__niveau=n), distinct=True
            )
            for n in NIVEAUS
        },
    )


def with_niveau_counts_for(teams: Iterable[Team]) -> list[Team]:
    """``with_niveau_counts`` for teams already read (a page of a list): one query over just those teams.

    Annotating the whole list before paging made the database count every team's members by
    niveau (and the paginator's COUNT group them again) to show 25 of them.
    """
    teams = list(teams)
    names = ["member_count", *(f"niveau_{n}_count" for n in NIVEAUS)]
    counted = with_niveau_counts(Team.objects.filter(pk__in=[t.pk for t in teams])).values("pk", *names)
    by_pk = {row["pk"]: row for row in counted}
    for team in teams:
        for name in names:
            setattr(team, name, by_pk[team.pk][name])
    return teams


def counts_from_annotation(team: Team) -> Counts:
    return Counts({n: getattr(team, f"niveau_{n}_count", 0) for n in NIVEAUS})


def team_is_complete(team: Team) -> bool:
    """For teams annotated by ``with_niveau_counts``."""
    return is_complete(Requirements.of(team.assignment), counts_from_annotation(team))


# A verdict on the composition of a team this small would tell who in it has which niveau
# (two members, "complete": one niveau 4 and one niveau 6). docs/visibility.md.
COMPLETENESS_MIN_MEMBERS = 3


def completeness_shown(*, member_count: int, sees_member_niveaus: bool) -> bool:
    """Whether a completeness verdict (and a composition problem) of a team may be shown: to whoever may
    see every member's niveau, and to anyone else only for teams of at least three members."""
    return sees_member_niveaus or member_count >= COMPLETENESS_MIN_MEMBERS


def may_read_completeness(user: User, *, member_count: int) -> bool:
    """Whether a member or supervisor of a team of ``member_count`` may be told it is complete
    (a notification, a mail): not anyone of an organisation when it is this small."""
    return completeness_shown(member_count=member_count, sees_member_niveaus=viewer_sees_niveaus(viewer=user))


def team_completeness_for(team: Team, *, viewer: User) -> bool | None:
    """A team's completeness as ``viewer`` may read it in a list, or None where no verdict may be shown.

    For teams annotated by ``with_niveau_counts``. In lists only docenten and coordinators count as
    seeing every member's niveau; a student's list holds teams they are not in.
    """
    sees = viewer_sees_niveaus(viewer=viewer) and viewer.role != Role.STUDENT
    if not completeness_shown(member_count=team.member_count, sees_member_niveaus=sees):
        return None
    return team_is_complete(team)


def sees_youth_case(*, viewer: User) -> bool:
    """Whether ``viewer`` may know which duo carries a team's youth case (of a team they may see).

    That duo must have a niveau 6 student, so it is told to whoever may see the team's niveaus: its
    members, its docenten, its coordinators; never anyone of an organisation (docs/visibility.md).
    Students see only their own team, so for them this is "students of the team itself".
    """
    return viewer_sees_niveaus(viewer=viewer)


def teams_open_to_join(*, student: User) -> QuerySet[Team]:
    """Teams a student may ask to join: open teams on open assignments of their own cohort."""
    cohort_id = student_cohort_id(student=student)
    if cohort_id is None:
        return Team.objects.none()
    return Team.objects.filter(
        status=TeamStatus.OPEN,
        assignment__cohort_id=cohort_id,
        assignment__status=AssignmentStatus.OPEN,
    )


def access_team_for_join(*, user: User, team_id: int) -> Team:
    """A team of the student's own cohort (whatever its state: the join service says why not); else 404."""
    cohort_id = student_cohort_id(student=user) if user.is_authenticated else None
    if cohort_id is None:
        raise Http404("Team niet gevonden.")
    try:
        return Team.objects.select_related("assignment", "assignment__cohort").get(
            pk=team_id, assignment__cohort_id=cohort_id
        )
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("Team niet gevonden.") from None


def niveau_visible_student_ids(*, viewer: User, student_ids: Iterable[int]) -> set[int]:
    """Of ``student_ids``, those whose niveau ``viewer`` may see: the one rule for niveau (docs/design.md).

    The student themselves, their teammates, the supervisors who follow them or their team, and
    the coordinators of their cohort; never organisation contacts, nor students outside the team.
    For a whole roster in at most one query; ask with one id for one student.
    """
    ids = set(student_ids)
    if not ids or not viewer.is_authenticated or not viewer_sees_niveaus(viewer=viewer):
        return set()
    visible = {viewer.pk} & ids
    if viewer.role == Role.COORDINATOR:
        found = StudentProfile.objects.filter(user_id__in=ids, cohort__coordinators=viewer).values_list(
            "user_id", flat=True
        )
    elif viewer.role == Role.STUDENT:
        found = students_sharing_team_with(user=viewer).filter(pk__in=ids).values_list("pk", flat=True)
    elif viewer.role == Role.SUPERVISOR:
        found = students_supervised_by(supervisor=viewer).filter(pk__in=ids).values_list("pk", flat=True)
    else:
        found = []
    return visible | set(found)


# --- may a student join? ----------------------------------------------------


SELF_JOIN_CLOSED = _("De coördinator maakt de teams; je hoort het zodra je team bekend is.")


LEAVE_ASK_COORDINATOR = _("Dit team is al aan de slag. Wil je wisselen, vraag het dan aan de coördinator.")
LEAVE_FORMED_BY_COORDINATOR = _(
    "De coördinator maakt de teams. Wil je uit dit team, vraag het dan aan de coördinator: jij kunt je nu "
    "niet zelf bij een ander team aansluiten."
)


def team_status_label(team: Team) -> str:
    """A team's status as its pages show it. An open team is "open for joining" only while students
    join teams themselves; while the coordinator forms them it has simply not started yet."""
    if team.status == TeamStatus.OPEN and not team.assignment.cohort.self_join_open:
        return str(_("Nog niet gestart"))
    return team.get_status_display()


def leave_refusal(team: Team) -> Refusal | None:
    """Why a member may not leave ``team`` on their own, or None. A team at work keeps its members; and
    while the coordinator forms the teams (self-join closed) a student who left could not join any
    team again, and would leave a formed team short: the coordinator moves them instead."""
    if team.assignment.status != AssignmentStatus.OPEN or team.status != TeamStatus.OPEN:
        return Refusal("team_not_open", str(LEAVE_ASK_COORDINATOR))
    if not team.assignment.cohort.self_join_open:
        return Refusal("self_join_closed", str(LEAVE_FORMED_BY_COORDINATOR))
    return None


def status_refusals(team: Team, *, for_move: bool = False) -> list[Refusal]:
    """The refusals that come from the state of the cohort, the assignment and the team, not from who is in it.

    ``for_move``: judged for a coordinator placing a student, whom a closed self-join does not concern.
    """
    found = []
    if not for_move and not team.assignment.cohort.self_join_open:
        # Once preferences close the coordinator forms the teams, unless they reopened self-join.
        found.append(Refusal("self_join_closed", str(SELF_JOIN_CLOSED)))
    status = team.assignment.status
    if status != AssignmentStatus.OPEN:
        if for_move and status not in {AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS}:
            # A draft, cancelled or completed assignment has no team to move into, override or not.
            found.append(Refusal("assignment_closed", str(_("Deze opdracht is niet open of lopend."))))
        else:
            found.append(
                Refusal("assignment_not_open", str(_("Deze opdracht staat niet (meer) open voor aanmelding.")))
            )
    if team.status != TeamStatus.OPEN:
        found.append(Refusal("team_not_open", str(_("Dit team neemt geen nieuwe leden meer aan."))))
    return found


@dataclass(frozen=True)
class JoinCheck:
    """What a student would meet when joining a team (for the open-teams list and the API)."""

    allowed: bool
    code: str = ""
    reason: str = ""


UNKNOWN = object()


def join_check(
    *, team: Team, student: User, counts: Counts | None = None, current_team_id: "int | object | None" = UNKNOWN
) -> JoinCheck:
    """Judge a join without changing anything (the join itself re-judges under the lock).

    Lists pass ``counts`` and ``current_team_id`` (None: in no team) to judge many teams without queries.
    """
    refusals = status_refusals(team)
    if refusals:
        return JoinCheck(False, refusals[0].code, refusals[0].message)
    if current_team_id is UNKNOWN:
        current = active_membership_of(student=student, cohort_id=team.assignment.cohort_id)
        current_team_id = current.team_id if current else None
    if current_team_id is not None:
        refusal = already_in_team_refusal(team_id=team.pk, current_team_id=current_team_id)
        return JoinCheck(False, refusal.code, refusal.message)
    counts = counts if counts is not None else niveau_counts(team=team)
    # The student is outside the team: a refusal never names the niveaus the team misses.
    refusal = unnamed(join_refusal(Requirements.of(team.assignment), counts, student.student_profile.niveau))
    if refusal is not None:
        return JoinCheck(False, refusal.code, refusal.message)
    return JoinCheck(True)


def already_in_team_refusal(*, team_id: int, current_team_id: int | None) -> Refusal:
    if current_team_id == team_id:
        return Refusal("already_in_team", str(_("Je zit al in dit team.")))
    return Refusal(
        "already_in_team", str(_("Je zit al in een team in dit cohort. Verlaat dat team eerst als je wilt wisselen."))
    )


def open_teams_for(*, student: User) -> QuerySet[Team]:
    """The open teams a student may look at, ready for ``with_join_checks`` (no niveau of anyone)."""
    return in_list_order(
        with_niveau_counts(teams_open_to_join(student=student))
        .select_related("assignment", "assignment__organisation", "assignment__cohort")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=active_memberships().select_related("student").order_by("joined_at", "pk"),
                to_attr="active_memberships",
            )
        )
    )


def with_join_checks(*, student: User, teams: Iterable[Team]) -> list[tuple[Team, JoinCheck]]:
    """Each team (from ``open_teams_for``) with whether and why not ``student`` may join, without extra queries."""
    current = active_membership_of(student=student)
    rows = []
    for team in teams:
        in_cohort = current is not None and current.cohort_id == team.assignment.cohort_id
        check = join_check(
            team=team,
            student=student,
            counts=counts_from_annotation(team),
            current_team_id=current.team_id if in_cohort else None,
        )
        rows.append((team, check))
    return rows


# --- the team page and API --------------------------------------------------


@dataclass
class MemberView:
    user: User
    competences: list[Competence]
    niveau: int | None  # None when the viewer may not see it
    joined_at: datetime.datetime
    duo: Duo | None = None
    role: str | None = None

    @property
    def role_label(self) -> str:
        return str(DuoRole(self.role).label) if self.role else ""


@dataclass
class DuoView:
    duo: Duo
    a: MemberView
    b: MemberView
    # Whether the duo has a niveau 6 member; None when the viewer may not know.
    has_niveau_6: bool | None
    # Whether the duo carries the team's youth case; None when the viewer may not know (``sees_youth_case``).
    youth_case: bool | None = None


@dataclass
class RequiredCompetence:
    competence: Competence
    importance: int
    importance_label: str
    covered_by: list[MemberView]

    @property
    def covered(self) -> bool:
        return bool(self.covered_by)


@dataclass
class TeamOverview:
    team: Team
    requirements: Requirements
    members: list[MemberView]
    duos: list[DuoView]
    supervisors: list[SupervisionAssignment]
    required_competences: list[RequiredCompetence]
    problems: list[Problem]
    is_complete: bool
    viewer_is_member: bool
    viewer_sees_niveaus: bool
    suggestions: list[tuple[MemberView, MemberView]] = field(default_factory=list)
    # Whether the viewer may read ``is_complete`` (``completeness_shown``) and which duo carries the youth case.
    completeness_shown: bool = True
    shows_youth_case: bool = True

    @property
    def completeness(self) -> bool | None:
        """``is_complete`` as the viewer may read it; None: no verdict for them."""
        return self.is_complete if self.completeness_shown else None

    @property
    def covered(self) -> list[RequiredCompetence]:
        return [rc for rc in self.required_competences if rc.covered]

    @property
    def lacking(self) -> list[RequiredCompetence]:
        return [rc for rc in self.required_competences if not rc.covered]

    @property
    def free_seats(self) -> int:
        return max(self.requirements.size_max - len(self.members), 0)

    @property
    def unpaired(self) -> list[MemberView]:
        return [m for m in self.members if m.duo is None]

    @property
    def youth_case_duo(self) -> DuoView | None:
        return next((d for d in self.duos if d.youth_case), None)


def suggest_duos(members: list[MemberView]) -> list[tuple[MemberView, MemberView]]:
    """Mixed-level pairs among members without a duo: lowest niveau with highest, and so on.

    Only a suggestion; students decide. Members of unknown niveau are not paired.
    """
    free = sorted((m for m in members if m.duo is None and m.niveau is not None), key=lambda m: (m.niveau, m.user.pk))
    pairs = []
    while len(free) >= 2:
        low, high = free.pop(0), free.pop()
        if low.niveau == high.niveau:
            break
        pairs.append((low, high))
    return pairs


def team_overview(*, team: Team, viewer: User) -> TeamOverview:
    """Everything the team page and ``GET /api/teams/{id}/`` show, in a constant number of queries."""
    assignment = team.assignment
    memberships = list(
        active_memberships()
        .filter(team=team)
        .select_related("student", "student__student_profile")
        .prefetch_related("student__student_profile__competences")
    )
    member_ids = [m.student_id for m in memberships]
    visible = niveau_visible_student_ids(viewer=viewer, student_ids=member_ids)
    members: dict[int, MemberView] = {}
    real_niveau: dict[int, int | None] = {}
    for membership in memberships:
        profile = getattr(membership.student, "student_profile", None)
        real_niveau[membership.student_id] = profile.niveau if profile else None
        members[membership.student_id] = MemberView(
            user=membership.student,
            competences=list(profile.competences.all()) if profile else [],
            niveau=real_niveau[membership.student_id] if membership.student_id in visible else None,
            joined_at=membership.joined_at,
        )
    duos: list[DuoView] = []
    # Niveau-specific problems reveal the mix, so only for viewers who may see every member's niveau.
    sees_niveaus = viewer_sees_niveaus(viewer=viewer) and set(member_ids) <= visible
    shows_youth_case = sees_youth_case(viewer=viewer)
    verdict_shown = completeness_shown(member_count=len(member_ids), sees_member_niveaus=sees_niveaus)
    for duo in team.duos.all():
        a, b = members.get(duo.member_a_id), members.get(duo.member_b_id)
        if a is None or b is None:  # a duo always has two active members; be safe all the same
            continue
        a.duo, a.role, b.duo, b.role = duo, duo.role_a, duo, duo.role_b
        has_6 = 6 in (real_niveau.get(duo.member_a_id), real_niveau.get(duo.member_b_id))
        can_know = duo.member_a_id in visible and duo.member_b_id in visible
        duos.append(
            DuoView(
                duo=duo,
                a=a,
                b=b,
                has_niveau_6=has_6 if can_know else None,
                youth_case=duo.carries_youth_case if shows_youth_case else None,
            )
        )
    required = []
    for rc in assignment.required_competences.select_related("competence"):
        required.append(
            RequiredCompetence(
                competence=rc.competence,
                importance=rc.importance,
                importance_label=str(rc.get_importance_display()),
                covered_by=[m for m in members.values() if any(c.pk == rc.competence_id for c in m.competences)],
            )
        )
    supervisors = list(
        SupervisionAssignment.objects.filter(team=team)
        .select_related("supervisor", "supervisor__supervisor_profile")
        .order_by(by_name("supervisor__display_name"), "pk")
    )
    req = Requirements.of(assignment)
    counts = Counts.of([n for n in real_niveau.values() if n is not None])
    supervisor_kinds = [getattr(getattr(s.supervisor, "supervisor_profile", None), "kind", "") for s in supervisors]
    youth = next((d for d in duos if d.duo.carries_youth_case), None)
    youth_has_6 = youth is not None and 6 in (
        real_niveau.get(youth.duo.member_a_id),
        real_niveau.get(youth.duo.member_b_id),
    )
    found = problems(
        req,
        counts,
        supervisor_kinds=supervisor_kinds,
        youth_case_duo=(youth is not None) if req.requires_hbo and members else None,
        youth_case_duo_has_niveau_6=youth_has_6,
    )
    if not sees_niveaus:
        found = level_blind(found)
        if not verdict_shown:
            # The general "composition" line is a verdict too: not on a team this small.
            found = [p for p in found if p.code != "composition"]
    member_list = list(members.values())
    viewer_is_member = viewer.pk in members and viewer.role == Role.STUDENT
    return TeamOverview(
        team=team,
        requirements=req,
        members=member_list,
        duos=duos,
        supervisors=supervisors,
        required_competences=required,
        problems=found,
        is_complete=is_complete(req, counts),
        viewer_is_member=viewer_is_member,
        viewer_sees_niveaus=sees_niveaus,
        suggestions=suggest_duos(member_list) if viewer_is_member else [],
        completeness_shown=verdict_shown,
        shows_youth_case=shows_youth_case,
    )


# --- tasks and duos ---------------------------------------------------------


def open_task_counts(*, owner: User, team_id: int, today: datetime.date) -> tuple[int, int]:
    """How many tasks of ``team_id`` on ``owner``'s name are not done, and how many of those are late:
    one query."""
    counts = (
        Task.objects.filter(team_id=team_id, owner=owner)
        .exclude(status=TaskStatus.DONE)
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
    )
    return counts["open"], counts["late"]


def team_tasks(*, team: Team) -> QuerySet[Task]:
    return team.tasks.select_related("owner")


def task_board(tasks: Iterable[Task]) -> dict[str, dict[str, list[Task]]]:
    """Tasks grouped per phase, then per status, in the board's order."""
    board: dict[str, dict[str, list[Task]]] = {p: {s: [] for s in TaskStatus.values} for p in Phase.values}
    for task in tasks:
        board[task.phase][task.status].append(task)
    return board


def tasks_visible_to(*, user: User) -> QuerySet[Task]:
    return Task.objects.filter(team__in=teams_visible_to(user=user))


def access_task_by_id(*, user: User, task_id: int) -> Task:
    try:
        return tasks_visible_to(user=user).select_related("team", "team__assignment", "owner").get(pk=task_id)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("Taak niet gevonden.") from None


@dataclass
class TaskHistoryLine:
    change: TaskChange
    # (field label, before, after) as text; dates stay dates for the template's own format.
    fields: list[tuple[str, object, object]]


TASK_FIELD_LABELS = {
    "title": _("titel"),
    "description": _("omschrijving"),
    "phase": _("fase"),
    "status": _("status"),
    "owner": _("eigenaar"),
    "due_on": _("deadline"),
}


def task_history(*, team: Team, limit: int = 20) -> list[TaskHistoryLine]:
    """The team's latest task changes, newest first, with names and labels instead of ids and codes.

    Two queries whatever the number of changes: the changes (with who made them) and the owners they name.
    """
    changes = list(team.task_changes.select_related("by")[:limit])
    owner_ids = {
        value
        for c in changes
        for value in c.changes.get("owner", [])
        if isinstance(value, int) and not isinstance(value, bool)
    }
    names = {u.pk: u.get_display_name() for u in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    labels = {**dict(Phase.choices), **dict(TaskStatus.choices)}

    def shown(name: str, value: object) -> object:
        if value in (None, ""):
            return None
        if name == "owner":
            return names.get(value, _("een oud-teamlid"))
        if name == "due_on":
            try:
                return datetime.date.fromisoformat(str(value))
            except ValueError:
                return value
        if name in ("phase", "status"):
            return labels.get(value, value)
        return value

    return [
        TaskHistoryLine(
            change=c,
            fields=[
                (TASK_FIELD_LABELS[name], shown(name, before), shown(name, after))
                for name, (before, after) in c.changes.items()
                if name in TASK_FIELD_LABELS
            ],
        )
        for c in changes
    ]


def access_duo_by_id(*, user: User, duo_id: int) -> Duo:
    try:
        return (
            Duo.objects.filter(team__in=teams_visible_to(user=user))
            .select_related("team", "team__assignment")
            .get(pk=duo_id)
        )
    except (Duo.DoesNotExist, ValueError, TypeError):
        raise Http404("Duo niet gevonden.") from None


# --- coordinators -----------------------------------------------------------


def membership_changes(*, team: Team) -> QuerySet[MembershipChange]:
    return MembershipChange.objects.filter(Q(from_team=team) | Q(to_team=team)).select_related(
        "student", "by", "from_team", "to_team"
    )


@dataclass(frozen=True)
class Candidate:
    """A student a coordinator may place in a team, as the placement form lists them."""

    user: User
    niveau: int
    rank: int | None  # their preference rank for the team's assignment; None: not ranked
    refusal: Refusal | None  # why the team's composition would not take them now (override needed)
    current_team: Team | None = None


def placement_candidates(*, team: Team) -> list[Candidate]:
    """Students of the team's cohort without a team, best preference for this assignment first.

    In a constant number of queries, whatever the size of the cohort.
    """
    students = list(
        User.objects.filter(role=Role.STUDENT, student_profile__cohort_id=team.assignment.cohort_id)
        .exclude(pk__in=active_memberships().filter(cohort_id=team.assignment.cohort_id).values("student_id"))
        .select_related("student_profile")
    )
    return _candidates(team, students, current={})


def placement_candidates_in_other_teams(*, team: Team) -> list[Candidate]:
    """Students of the cohort who are in another team (moving one takes them out of it), best preference first."""
    cohort_id = team.assignment.cohort_id
    memberships = list(
        active_memberships()
        .filter(cohort_id=cohort_id)
        .exclude(team=team)
        .select_related("team", "student", "student__student_profile")
    )
    return _candidates(team, [m.student for m in memberships], current={m.student_id: m.team for m in memberships})


def _candidates(team: Team, students: list[User], *, current: dict[int, Team]) -> list[Candidate]:
    ranks = dict(
        Preference.objects.filter(assignment_id=team.assignment_id, student__in=[s.pk for s in students]).values_list(
            "student_id", "rank"
        )
    )
    req = Requirements.of(team.assignment)
    counts = niveau_counts(team=team)
    found = [
        Candidate(
            user=s,
            niveau=s.student_profile.niveau,
            rank=ranks.get(s.pk),
            refusal=join_refusal(req, counts, s.student_profile.niveau),
            current_team=current.get(s.pk),
        )
        for s in students
    ]
    # Ranked first (first choice on top), then everyone else by name.
    found.sort(key=lambda c: (c.rank is None, c.rank or 0, name_key(c.user.get_display_name()), c.user.pk))
    return found


def departure_problems(*, team: Team, student: User) -> list[Problem]:
    """What ``team`` would newly lack if ``student`` left it (empty: it stays as valid as it is).

    Written once for the coordinator's move on the team page and in the API, so
    that a move never silently leaves the old team invalid.
    """
    req = Requirements.of(team.assignment)
    before = niveau_counts(team=team)
    after = niveau_counts(team=team, exclude_student_id=student.pk)
    if after.size == before.size:
        return []  # not a member
    if after.size == 0:
        # The last member leaving leaves an empty team, not a broken one.
        return []
    # The supervisors do not change when a student leaves: leave that problem out of the comparison.
    had = {(p.code, p.message) for p in problems(req, before, supervisor_kinds=None)}
    found = [p for p in problems(req, after, supervisor_kinds=None) if (p.code, p.message) not in had]
    youth_duo = Duo.objects.filter(team=team, carries_youth_case=True).filter(
        Q(member_a_id=student.pk) | Q(member_b_id=student.pk)
    )
    if req.requires_hbo and youth_duo.exists():
        found.append(
            Problem(
                "no_youth_case_duo",
                str(_("Het duo met de jeugdcasus valt uit elkaar; dan draagt geen duo de jeugdcasus meer.")),
            )
        )
    return found


def assignments_teams_may_be_opened_on_by(*, user: User) -> QuerySet[Assignment]:
    """The one rule for "may open a team on this assignment": the coordinators of its cohort and the
    contacts of its organisation, whatever its state (the service says why a closed one cannot)."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    if user.role == Role.COORDINATOR:
        return Assignment.objects.filter(cohort__in=cohorts_managed_by(user=user).values("pk"))
    if user.role == Role.ORGANISATION and user.organisation_id:
        return Assignment.objects.filter(organisation_id=user.organisation_id)
    return Assignment.objects.none()


def user_may_open_team(*, user: User, assignment: Assignment) -> bool:
    return assignments_teams_may_be_opened_on_by(user=user).filter(pk=assignment.pk).exists()


def assignments_open_for_teams(*, user: User) -> QuerySet[Assignment]:
    """Open assignments on which ``user`` may open a team."""
    return (
        assignments_teams_may_be_opened_on_by(user=user)
        .filter(status=AssignmentStatus.OPEN)
        .order_by(by_name("title"), "pk")
    )


# How many open assignments the "new team" picker offers at once: a region has hundreds.
ASSIGNMENT_PICKER_LIMIT = 10


def search_assignments_open_for_teams(*, user: User, query: str) -> tuple[list[Assignment], bool]:
    """At most ``ASSIGNMENT_PICKER_LIMIT`` open assignments ``user`` may open a team on, whose title or
    organisation contains ``query`` (the first ones by title without a query), and whether there are more."""
    found = containing(
        assignments_open_for_teams(user=user).select_related("organisation"), query, "title", "organisation__name"
    )
    rows = list(found[: ASSIGNMENT_PICKER_LIMIT + 1])
    return rows[:ASSIGNMENT_PICKER_LIMIT], len(rows) > ASSIGNMENT_PICKER_LIMIT


def teams_matching(teams: QuerySet[Team], query: str) -> QuerySet[Team]:
    """The teams of a list whose name, assignment or organisation contains ``query`` (all without one)."""
    return containing(teams, query, "name", "assignment__title", "assignment__organisation__name")


# --- the cohort page's student table ------------------------------------------------------------


def cohort_students_by_name(*, cohort: Cohort) -> QuerySet[StudentProfile]:
    """The cohort's students in the table's order; ``with_cohort_row_facts`` adds what each row shows."""
    return cohort.students.select_related("user", "school").order_by(
        by_name("user__display_name"), by_name("user__username"), "pk"
    )


def with_cohort_row_facts(*, cohort: Cohort, profiles: Iterable[StudentProfile]) -> list[StudentProfile]:
    """Profile completeness, preferences (the rule of the readiness lists) and team of a page of
    students, in one query over just that page.

    Asked of the whole cohort before paging, PostgreSQL read every preference and competence of the
    cohort for the 25 rows shown (docs/benchmarks.md).
    """
    profiles = list(profiles)
    team_name = Membership.objects.filter(
        student_id=OuterRef("user_id"), cohort_id=cohort.pk, left_at__isnull=True
    ).values("team__name")[:1]
    facts = {
        row["pk"]: row
        for row in with_profile_completeness(StudentProfile.objects.filter(pk__in=[p.pk for p in profiles]))
        .annotate(has_preferences=has_open_preference(), team_name=Subquery(team_name))
        .values("pk", "profile_complete", "has_preferences", "team_name")
    }
    for profile in profiles:
        for name in ("profile_complete", "has_preferences", "team_name"):
            setattr(profile, name, facts[profile.pk][name])
    return profiles
