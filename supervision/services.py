"""Writes about supervision: the rubric, feedback, supervisor links and the mails.

Every rule about who may write what lives here, called by the API, the pages,
the tasks and the demo alike. Bad input raises ``ValidationError`` with Dutch
field messages (the API answers 400) and nothing is stored.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from supervision import analysis, selectors
from supervision.defaults import CATEGORY_OFFSET
from supervision.models import (
    AlertSummary,
    Category,
    Criterion,
    CriterionStanding,
    FeedbackEntry,
    FeedbackKind,
    Level,
    LevelDescriptor,
    Score,
    SentMail,
)
from teams.models import SupervisionAssignment, Team
from teams.selectors import teams_visible_to
from wijklab.celery import enqueue_on_commit
from wijklab.errors import RuleViolation
from wijklab.mail import in_language_of, wants_mail_now, wants_summaries
from wijklab.models import AuditKind, Cohort, Role, SupervisorKind, User
from wijklab.selectors import manages_cohort
from wijklab.services import audit_record, ensure_cohort_writable, ensure_student_cohort_writable, notify

MAX_COMMENT = 4000
# PostgreSQL cannot store NUL in text (a 500 there, stored on SQLite); page forms can send it.
NUL_REFUSED = _("De tekst bevat een teken dat niet kan.")
MAX_OBSERVATION = 280
MAX_AGE_DAYS = 366
# Positions leave room per category so new criteria sort inside their category.


# --- the rubric -------------------------------------------------------------


@transaction.atomic
def _clean_descriptors(descriptors: Sequence[str], errors: dict[str, list]) -> list[str]:
    texts = [str(t or "").strip() for t in descriptors]
    if len(texts) != len(Level.values) or not all(texts):
        errors.setdefault("descriptors", []).append(
            _("Beschrijf alle vier de niveaus: onvoldoende, in ontwikkeling, voldoende en goed.")
        )
    elif any(len(t) > 1000 for t in texts):
        errors.setdefault("descriptors", []).append(_("Een niveaubeschrijving is hoogstens 1000 tekens."))
    elif any("\x00" in t for t in texts):
        errors.setdefault("descriptors", []).append(NUL_REFUSED)
    return texts


def _clean_name(name: str, errors: dict[str, list]) -> str:
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Geef het criterium een naam."))
    elif len(name) > 150:
        errors.setdefault("name", []).append(_("Een naam is hoogstens 150 tekens."))
    elif "\x00" in name:
        errors.setdefault("name", []).append(NUL_REFUSED)
    return name


def _refuse_nul(errors: dict[str, list], **texts: str) -> None:
    for field, text in texts.items():
        if "\x00" in (text or ""):
            errors.setdefault(field, []).append(NUL_REFUSED)


def _require_coordinator_of_criterion(*, by: User, criterion: Criterion) -> None:
    if not selectors.coordinates_supervision(by):
        raise PermissionDenied(_("Alleen coördinatoren beheren de rubric."))
    if criterion.cohort_id is not None and not manages_cohort(user=by, cohort_id=criterion.cohort_id):
        raise PermissionDenied(_("Dit criterium hoort bij een ander cohort."))


@transaction.atomic
def criterion_create(
    *,
    by: User,
    cohort: Cohort | None,
    category: str,
    name: str,
    descriptors: Sequence[str],
    description: str = "",
    programme: str = "",
) -> Criterion:
    """A coordinator adds a criterion for one of their cohorts, optionally for one programme only."""
    if not selectors.coordinates_supervision(by):
        raise PermissionDenied(_("Alleen coördinatoren beheren de rubric."))
    errors: dict[str, list] = {}
    if cohort is None or not manages_cohort(user=by, cohort_id=cohort.pk):
        errors["cohort"] = [_("Kies een cohort dat jij coördineert.")]
    if category not in Category.values:
        errors["category"] = [_("Kies werknemersvaardigheden of vakinhoudelijk.")]
    name = _clean_name(name, errors)
    texts = _clean_descriptors(descriptors, errors)
    programme = (programme or "").strip()[:150]
    _refuse_nul(errors, description=description, programme=programme)
    if errors:
        raise ValidationError(errors)
    ensure_cohort_writable(cohort)
    rubric = selectors.default_rubric()
    last = rubric.criteria.filter(category=category).aggregate(m=Max("position"))["m"]
    criterion = Criterion.objects.create(
        rubric=rubric,
        category=category,
        name=name,
        description=(description or "").strip()[:1000],
        programme=programme,
        cohort=cohort,
        position=(last or CATEGORY_OFFSET[category]) + 10,
        created_by=by,
    )
    LevelDescriptor.objects.bulk_create(
        LevelDescriptor(criterion=criterion, level=level, text=text)
        for level, text in zip(Level.values, texts, strict=True)
    )
    return criterion


@transaction.atomic
def criterion_update(
    *, by: User, criterion: Criterion, name: str, descriptors: Sequence[str], description: str = ""
) -> Criterion:
    """Reword a criterion. Feedback given earlier keeps the wording it was given with (``Score``)."""
    _require_coordinator_of_criterion(by=by, criterion=criterion)
    ensure_cohort_writable(criterion.cohort_id)
    errors: dict[str, list] = {}
    name = _clean_name(name, errors)
    texts = _clean_descriptors(descriptors, errors)
    _refuse_nul(errors, description=description)
    if errors:
        raise ValidationError(errors)
    criterion.name = name
    criterion.description = (description or "").strip()[:1000]
    criterion.save(update_fields=["name", "description", "updated_at"])
    for level, text in zip(Level.values, texts, strict=True):
        LevelDescriptor.objects.update_or_create(criterion=criterion, level=level, defaults={"text": text})
    return criterion


@transaction.atomic
def criterion_set_active(*, by: User, criterion: Criterion, active: bool) -> Criterion:
    """Archive (or bring back) a criterion; archived criteria keep their scores and history."""
    _require_coordinator_of_criterion(by=by, criterion=criterion)
    ensure_cohort_writable(criterion.cohort_id)
    criterion.is_active = active
    criterion.save(update_fields=["is_active", "updated_at"])
    return criterion


# --- feedback ---------------------------------------------------------------


def _add(errors: dict[str, list], field: str, message: Any) -> None:
    errors.setdefault(field, []).append(message)


def _as_int(value: object) -> int | None:
    """An integer from JSON or a form, or None; never one too large for the database."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int) and abs(value) <= selectors.MAX_ID:
        return value
    return None


def _resolve_kind(*, author: User, student_id: int | None, kind: str | None, errors: dict[str, list]) -> str | None:
    if selectors.may_write_as_student(author):
        if kind in (None, ""):
            return FeedbackKind.SELF if student_id in (None, author.pk) else FeedbackKind.PEER
        if kind not in (FeedbackKind.SELF, FeedbackKind.PEER):
            _add(errors, "kind", _("Als student geef je een zelfbeoordeling (self) of peerfeedback (peer)."))
            return None
        return kind
    if kind not in (None, "", FeedbackKind.SUPERVISOR):
        _add(errors, "kind", _("Als begeleider geef je feedback van de soort begeleider (supervisor)."))
        return None
    return FeedbackKind.SUPERVISOR


def _resolve_student(*, author: User, kind: str, student_id: int | None, errors: dict[str, list]) -> User | None:
    if kind == FeedbackKind.SELF:
        if student_id not in (None, author.pk):
            _add(errors, "student", _("Een zelfbeoordeling gaat over jezelf."))
            return None
        return author
    if student_id is None:
        _add(errors, "student", _("Kies een student."))
        return None
    if kind == FeedbackKind.PEER:
        student = selectors.peers_of(student=author).filter(pk=student_id).first()
        if student is None:
            _add(errors, "student", _("Je kunt alleen peerfeedback geven aan je huidige teamgenoten."))
        return student
    # One message whether the student does not exist or is not yours: ids are not probed.
    student = selectors.students_for_feedback_by(author=author).filter(pk=student_id).first()
    if student is None:
        _add(errors, "student", _("Deze student bestaat niet of je begeleidt deze student niet."))
    return student


def _resolve_team(
    *, author: User, kind: str, student: User, team_id: int | None, errors: dict[str, list]
) -> Team | None:
    teams = Team.objects.filter(memberships__student=student, memberships__left_at__isnull=True)
    if kind == FeedbackKind.PEER:
        teams = teams.filter(pk__in=Team.objects.filter(memberships__student=author, memberships__left_at__isnull=True))
    if team_id is None:
        # The student's current team, when there is one (individual supervision may have none).
        return teams.order_by("-memberships__joined_at").first()
    team = teams.filter(pk=team_id).first()
    if team is None:
        _add(errors, "team", _("Deze student zit niet (meer) in dit team."))
    return team


@transaction.atomic
def feedback_create(
    *,
    author: User,
    student_id: object = None,
    scores: Sequence[Mapping[str, object]] = (),
    comment: str = "",
    kind: str | None = None,
    team_id: object = None,
    date: dt.date | None = None,
    show_author: bool = False,
    is_observation: bool = False,
) -> FeedbackEntry:
    """Log feedback on a student.

    Docenten and werkbegeleiders (either account kind: ``selectors.is_werkbegeleider``) write on
    students they supervise, through a team or individually; students write a
    self-assessment on themselves and peer feedback on current teammates.
    Coordinators read, they do not write (403).
    """
    if not author.is_authenticated or author.role not in {Role.STUDENT, Role.SUPERVISOR, Role.ORGANISATION}:
        raise PermissionDenied(_("Je kunt geen feedback geven."))
    errors: dict[str, list] = {}
    sid = _as_int(student_id) if student_id not in (None, "") else None
    if student_id not in (None, "") and sid is None:
        _add(errors, "student", _("Kies een student."))
    kind = _resolve_kind(author=author, student_id=sid, kind=kind, errors=errors)
    student = _resolve_student(author=author, kind=kind, student_id=sid, errors=errors) if kind else None
    team = None
    if student is not None:
        tid = _as_int(team_id) if team_id not in (None, "") else None
        if team_id not in (None, "") and tid is None:
            _add(errors, "team", _("Deze student zit niet (meer) in dit team."))
        else:
            team = _resolve_team(author=author, kind=kind, student=student, team_id=tid, errors=errors)
        ensure_student_cohort_writable(student)

    today = timezone.localdate()
    date = date or today
    if date > today:
        _add(errors, "date", _("De datum mag niet in de toekomst liggen."))
    elif (today - date).days > MAX_AGE_DAYS:
        _add(errors, "date", _("De datum ligt meer dan een jaar terug."))

    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        _add(errors, "comment", _("Een opmerking is hoogstens 4000 tekens."))
    elif "\x00" in comment:
        _add(errors, "comment", NUL_REFUSED)

    cleaned: list[tuple[Criterion, int]] = []
    if not isinstance(scores, list | tuple):
        _add(errors, "scores", _("Geef de beoordelingen als een lijst van {criterion, level}."))
        scores = []
    allowed = (
        # Werkbegeleiders rate the general rubric only (a programme's criterion would name the programme).
        {
            c.pk: c
            for c in selectors.criteria_for_student(student=student, viewer=author).prefetch_related("descriptors")
        }
        if student is not None
        else {}
    )
    seen: set[int] = set()
    for item in scores:
        if not isinstance(item, Mapping):
            _add(errors, "scores", _("Geef de beoordelingen als een lijst van {criterion, level}."))
            continue
        cid, level = _as_int(item.get("criterion")), _as_int(item.get("level"))
        if cid is None or (student is not None and cid not in allowed):
            _add(
                errors,
                "scores",
                _("Criterium %(id)s hoort niet bij de rubric van deze student.") % {"id": item.get("criterion")},
            )
            continue
        if cid in seen:
            _add(errors, "scores", _("Elk criterium mag maar één keer beoordeeld worden."))
            continue
        seen.add(cid)
        if level not in Level.values:
            name = allowed[cid].name if cid in allowed else cid
            _add(
                errors,
                "scores",
                _("Kies bij „%(name)s” een beoordeling van 1 (onvoldoende) tot en met 4 (goed).") % {"name": name},
            )
            continue
        if student is not None:
            cleaned.append((allowed[cid], level))

    if not scores and not comment:
        _add(errors, "non_field_errors", _("Geef minstens één beoordeling of schrijf een opmerking."))
    if is_observation:
        if kind != FeedbackKind.SUPERVISOR:
            _add(errors, "is_observation", _("Een observatie is voor begeleiders."))
        if len(scores) != 1 or not comment or len(comment) > MAX_OBSERVATION:
            _add(
                errors,
                "is_observation",
                _("Een observatie is één criterium met één korte regel (hoogstens 280 tekens)."),
            )
    if errors:
        raise ValidationError(errors)

    entry = FeedbackEntry.objects.create(
        student=student,
        author=author,
        team=team,
        date=date,
        kind=kind,
        author_kind=selectors.author_kind_of(author) if kind == FeedbackKind.SUPERVISOR else "",
        comment=comment,
        show_author=bool(show_author) if kind == FeedbackKind.PEER else False,
        is_observation=bool(is_observation),
    )
    Score.objects.bulk_create(_score(entry, criterion, level) for criterion, level in cleaned)
    if cleaned and kind in {FeedbackKind.SUPERVISOR, FeedbackKind.SELF}:
        standings_refresh(student_ids=[student.pk])
    elif kind == FeedbackKind.SUPERVISOR:
        # No ratings, so no standing changes, but it is their latest supervisor feedback.
        alert_summary_refresh(student_ids=[student.pk])
    if kind != FeedbackKind.SELF:
        _notify_student(entry)
    return entry


# Students per query when standings are rewritten in bulk (the demo, the scale data): SQLite
# allows 32,766 parameters per statement.
STANDINGS_BATCH = 500


def standings_refresh(*, student_ids: Iterable[int]) -> int:
    """Rewrite these students' standings (``CriterionStanding``) from their scores; returns how many
    rows were written.

    Called in the transaction of every change to a student's supervisor or self-ratings. The
    students' rows are locked first and the scores read after that: two entries for one student
    written at once each rewrite the standings from both (on PostgreSQL; SQLite writes one at a
    time anyway)."""
    ids = sorted(set(student_ids))
    written = 0
    for start in range(0, len(ids), STANDINGS_BATCH):
        batch = ids[start : start + STANDINGS_BATCH]
        with transaction.atomic():
            _lock_students(batch)
            scores = (
                Score.objects.filter(
                    entry__student__in=batch, entry__kind__in=[FeedbackKind.SUPERVISOR, FeedbackKind.SELF]
                )
                .order_by("entry__date", "entry__id")
                .values_list("entry__student_id", "criterion_id", "criterion_name", "category", "level", "entry__kind")
            )
            standings = [CriterionStanding(**fields) for fields in analysis.standings_from_scores(scores)]
            CriterionStanding.objects.filter(student__in=batch).delete()
            written += len(CriterionStanding.objects.bulk_create(standings, batch_size=2000))
            # The students are locked already (above): the summary is rewritten under that lock.
            _rewrite_alert_summaries(batch)
    return written


def _lock_students(ids: Sequence[int]) -> None:
    """Lock these students' rows until the transaction ends, in one order: two refreshes of one student
    (two entries written at once) then run one after the other, each reading what the other wrote.
    NO KEY UPDATE: without holding up what merely points at them (a foreign key's check takes KEY
    SHARE, which FOR UPDATE would block)."""
    list(User.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def alert_summary_refresh(*, student_ids: Iterable[int]) -> None:
    """Rewrite these students' ``AlertSummary`` from their supervisor feedback and their standings.

    Called in the transaction that changed either (``standings_refresh`` does, after writing the
    standings; ``feedback_create`` for supervisor feedback without ratings). The rules of the alerts
    themselves stay in ``analysis.alerts_from_standings``; this keeps only what they are read from."""
    ids = sorted(set(student_ids))
    with transaction.atomic():
        _lock_students(ids)
        _rewrite_alert_summaries(ids)


def _rewrite_alert_summaries(ids: Sequence[int]) -> None:
    """``alert_summary_refresh`` for students the caller's transaction has locked (``_lock_students``)."""
    rows = _alert_summaries(ids)
    AlertSummary.objects.filter(student__in=ids).delete()
    AlertSummary.objects.bulk_create(rows, batch_size=2000)


def _alert_summaries(ids: Sequence[int]) -> list[AlertSummary]:
    last = dict(
        FeedbackEntry.objects.filter(student__in=ids, kind=FeedbackKind.SUPERVISOR)
        .values("student")
        .annotate(last=Max("date"))
        .values_list("student", "last")
    )
    rows: dict[int, AlertSummary] = {
        pk: AlertSummary(student_id=pk, last_supervisor_feedback=day) for pk, day in last.items()
    }
    raising = (
        CriterionStanding.objects.filter(student__in=ids)
        .filter(Q(declining=True) | ~Q(self_side=0))
        # Whether a werkbegeleider may read it: the rule of ``standings_visible_to``.
        .annotate(shared=Exists(selectors.standings_shared_with_organisations().filter(pk=OuterRef("pk"))))
        .values_list("student_id", "declining", "self_side", "shared")
    )
    for pk, declining, self_side, shared in raising:
        row = rows.setdefault(pk, AlertSummary(student_id=pk))
        if declining:
            row.declining = True
            row.shared_declining = row.shared_declining or shared
        if self_side > 0:
            row.self_above = True
            row.shared_self_above = row.shared_self_above or shared
        if self_side < 0:
            row.self_below = True
            row.shared_self_below = row.shared_self_below or shared
    return list(rows.values())


def _score(entry: FeedbackEntry, criterion: Criterion, level: int) -> Score:
    descriptor = next((d.text for d in criterion.descriptors.all() if d.level == level), "")
    return Score(
        entry=entry,
        criterion=criterion,
        criterion_name=criterion.name,
        category=criterion.category,
        level=level,
        descriptor=descriptor,
    )


def _notify_student(entry: FeedbackEntry) -> None:
    def title() -> str:
        if entry.kind == FeedbackKind.PEER and not entry.show_author:
            return gettext("Nieuwe peerfeedback van een teamgenoot")
        if entry.kind == FeedbackKind.PEER:
            return gettext("Nieuwe peerfeedback van %(name)s") % {"name": entry.author.get_display_name()}
        return gettext("Nieuwe feedback van %(name)s") % {"name": entry.author.get_display_name()}

    notify(
        users=[entry.student],
        kind="feedback",
        title=title,
        body=entry.comment[:300],
        url=reverse("supervision-my-progress"),
        # Feedback has a mail of its own (send_feedback_notice, once per entry).
        mail=False,
    )
    # The e-mail goes out after commit, from a worker, with retries.
    enqueue_on_commit("supervision.tasks.send_feedback_email", entry.pk)


# --- who supervises whom ----------------------------------------------------


def _ensure_link_writable(*, team: Team | None, student: User | None) -> None:
    if team is not None:
        ensure_cohort_writable(team.assignment.cohort_id)
    if student is not None:
        ensure_student_cohort_writable(student)


@transaction.atomic
def supervision_assign(
    *, by: User, supervisor: User, team: Team | None = None, student: User | None = None
) -> SupervisionAssignment:
    """A coordinator links a supervisor to a team or to one student of their cohort."""
    if not selectors.coordinates_supervision(by):
        raise PermissionDenied(_("Alleen coördinatoren koppelen begeleiders."))
    if (team is None) == (student is None):
        raise ValidationError({"non_field_errors": [_("Kies een team of een student.")]})
    if team is not None and not teams_visible_to(user=by).filter(pk=team.pk).exists():
        raise ValidationError({"team": [_("Dit team hoort niet bij jouw cohort.")]})
    if student is not None and not selectors.cohort_students(coordinator=by).filter(pk=student.pk).exists():
        raise ValidationError({"student": [_("Deze student hoort niet bij jouw cohort.")]})
    if not selectors.may_be_linked_as_supervisor(supervisor=supervisor, team=team):
        if supervisor.role == Role.ORGANISATION:
            message = _("Een contactpersoon kan alleen werkbegeleider zijn van een team van de eigen organisatie.")
        else:
            message = _("Kies een docent of werkbegeleider.")
        raise ValidationError({"supervisor": [message]})
    _ensure_link_writable(team=team, student=student)
    exists = SupervisionAssignment.objects.filter(supervisor=supervisor, team=team, student=student).exists()
    if exists:
        raise RuleViolation("already_assigned", _("%(name)s is hier al begeleider.") % {"name": supervisor})
    link = SupervisionAssignment.objects.create(supervisor=supervisor, team=team, student=student, created_by=by)
    _audit_link(link, by=by, added=True)
    subject = team.title if team is not None else student.get_display_name()
    notify(
        users=[supervisor],
        kind="supervision_assigned",
        title=lambda: gettext("Je begeleidt nu %(subject)s") % {"subject": subject},
        url=reverse("supervision-overview") if supervisor.role == Role.SUPERVISOR else reverse("supervision-log"),
    )
    return link


@transaction.atomic
def supervision_unassign(*, by: User, link: SupervisionAssignment) -> None:
    if not selectors.coordinates_supervision(by):
        raise PermissionDenied(_("Alleen coördinatoren koppelen begeleiders."))
    _ensure_link_writable(team=link.team, student=link.student)
    _audit_link(link, by=by, added=False)
    link.delete()


def _audit_link(link: SupervisionAssignment, *, by: User, added: bool) -> None:
    """A supervision link made or ended, about the supervisor; in the team's cohort (or the student's)."""
    if link.team_id is not None:
        text = _("Begeleider van %(name)s geworden.") if added else _("Geen begeleider meer van %(name)s.")
        cohort_id, subject_id, name = link.team.assignment.cohort_id, link.supervisor_id, link.team.title
    else:
        # About the student; their name is shown from their account, never kept in the text.
        text = _("%(name)s begeleidt deze student nu.") if added else _("%(name)s begeleidt deze student niet meer.")
        profile = getattr(link.student, "student_profile", None)
        cohort_id, subject_id = (profile.cohort_id if profile else None), link.student_id
        name = link.supervisor.get_display_name()
    audit_record(
        kind=AuditKind.SUPERVISION,
        actor=by,
        subject_id=subject_id,
        cohort_id=cohort_id,
        object_type="supervision_assignment",
        object_id=link.pk,
        description=text,
        params={"name": name},
    )


# --- mails, each sent at most once -----------------------------------------


def period_key(day: dt.date) -> str:
    """The ISO week a weekly mail belongs to, e.g. ``2026-W47``."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send_once(*, kind: str, recipient: User, key: str, subject: str, body: str, wanted: bool | None = None) -> bool:
    """Send one mail unless it was sent before; True when sent now.

    The sent-record is inserted in the same transaction as the send, before
    it: a second run (or a concurrent one, which waits on the unique key)
    finds the row and sends nothing; a failing mail server raises, the
    transaction rolls back and the retry starts clean. ``wanted`` is whether
    the recipient wants this mail (wijklab.mail; default: a mail per event).
    """
    if not (wants_mail_now(recipient) if wanted is None else wanted):
        return False
    with transaction.atomic():
        _record, created = SentMail.objects.get_or_create(kind=kind, recipient=recipient, key=key)
        if not created:
            return False
        EmailMessage(subject=subject, body=body, to=[recipient.email]).send()
    return True


def send_feedback_notice(*, entry_id: int) -> bool:
    entry = FeedbackEntry.objects.select_related("student", "author").filter(pk=entry_id).first()
    if entry is None or entry.kind == FeedbackKind.SELF:
        return False
    with in_language_of(entry.student):
        if entry.kind == FeedbackKind.PEER and not entry.show_author:
            who = gettext("een teamgenoot")
        else:
            who = entry.author.get_display_name()
        subject = gettext("Wijklab: nieuwe feedback van %(who)s") % {"who": who}
        lines = [
            gettext("Hallo %(name)s,") % {"name": entry.student.get_display_name()},
            "",
            gettext("Je hebt op %(date)s nieuwe feedback gekregen van %(who)s.")
            % {"date": entry.date.strftime("%d-%m-%Y"), "who": who},
        ]
        for score in entry.scores.all():
            lines.append(f"- {score.criterion_name}: {Level(score.level).label}")
        if entry.comment:
            lines += ["", entry.comment]
        lines += ["", gettext("Bekijk je voortgang: %(url)s") % {"url": _site(reverse("supervision-my-progress"))}]
        return _send_once(
            kind=SentMail.Kind.FEEDBACK,
            recipient=entry.student,
            key=str(entry.pk),
            subject=subject,
            body="\n".join(lines),
        )


def send_supervisor_reminder(*, supervisor_id: int, today: dt.date) -> bool:
    """This week's reminder: the supervisor's students without feedback for 14 days."""
    # Docenten and werkbegeleiders of either account kind (an organisation contact linked to a team).
    supervisor = User.objects.filter(pk=supervisor_id, role__in=[Role.SUPERVISOR, Role.ORGANISATION]).first()
    if supervisor is None:
        return False
    rows = selectors.students_needing_feedback(supervisor=supervisor, today=today)
    if not rows:
        return False
    period = period_key(today)
    with in_language_of(supervisor):
        subject = ngettext(
            "Wijklab: %(count)d student wacht op feedback",
            "Wijklab: %(count)d studenten wachten op feedback",
            len(rows),
        ) % {"count": len(rows)}
        lines = [gettext("Hallo %(name)s,") % {"name": supervisor.get_display_name()}, ""]
        lines.append(gettext("Deze studenten hebben 14 dagen of langer geen feedback van een begeleider gehad:"))
        for row in rows:
            if row.days_since is None:
                since = gettext("nog nooit feedback")
            else:
                since = ngettext("%(days)d dag geleden", "%(days)d dagen geleden", row.days_since) % {
                    "days": row.days_since
                }
            team = f" ({', '.join(row.team_names)})" if row.team_names else ""
            lines.append(f"- {row.student.get_display_name()}{team}: {since}")
        url = _site(reverse("supervision-overview"))
        lines += ["", gettext("Geef feedback: %(url)s") % {"url": url}]
        # Once a week, in Wijklab for everyone; by mail only for those who want a mail per event
        # (a daily digest picks the notification up for the others).
        with transaction.atomic():
            _record, created = SentMail.objects.get_or_create(
                kind=SentMail.Kind.REMINDER, recipient=supervisor, key=period
            )
            if not created:
                return False
            notify(
                users=[supervisor],
                kind="supervision_reminder",
                title=subject,
                url=reverse("supervision-overview"),
                mail=False,  # the reminder is its own mail, just below
            )
            if not wants_mail_now(supervisor):
                return False
            EmailMessage(subject=subject, body="\n".join(lines), to=[supervisor.email]).send()
    return True


def send_docent_digest(*, docent_id: int, today: dt.date) -> bool:
    """This week's digest for a docent: feedback given, students with alerts."""
    docent = User.objects.filter(
        pk=docent_id,
        role=Role.SUPERVISOR,
        supervisor_profile__kind__in=[SupervisorKind.MBO_DOCENT, SupervisorKind.HBO_DOCENT],
    ).first()
    if docent is None:
        return False
    digest = selectors.docent_digest(docent=docent, today=today)
    if not digest.overview.rows:
        return False
    period = period_key(today)
    with in_language_of(docent):
        subject = gettext("Wijklab: weekoverzicht begeleiding (%(period)s)") % {"period": period}
        lines = [
            gettext("Hallo %(name)s,") % {"name": docent.get_display_name()},
            "",
            gettext(
                "Je begeleidt %(students)d studenten. Afgelopen week zijn er %(entries)d feedbackmomenten vastgelegd, "
                "waarvan %(own)d door jou."
            )
            % {
                "students": len(digest.overview.rows),
                "entries": digest.entries_last_week,
                "own": digest.own_entries_last_week,
            },
            "",
        ]
        if digest.rows_with_alerts:
            lines.append(gettext("Studenten die aandacht vragen:"))
            for row in digest.rows_with_alerts:
                lines.append(f"- {row.student.get_display_name()}: {'; '.join(a.text for a in row.alerts)}")
        else:
            lines.append(gettext("Geen signalen deze week."))
        lines += ["", gettext("Naar je overzicht: %(url)s") % {"url": _site(reverse("supervision-overview"))}]
        return _send_once(
            kind=SentMail.Kind.DIGEST,
            recipient=docent,
            key=period,
            subject=subject,
            body="\n".join(lines),
            # A weekly overview is itself a summary: for everyone but those who want no mail at all.
            wanted=wants_summaries(docent),
        )


# --- reads of someone's progress or feedback (the audit log) -------------------------------------


def record_read_by_other(
    *,
    viewer: User,
    student: User | None = None,
    student_id: int | None = None,
    kind: str,
    object_type: str,
    object_id: object,
    description: Any,
    params: Mapping[str, object] | None = None,
) -> None:
    """Every read of a student's progress or feedback by someone other than that student is recorded;
    the student's own reads are not. One INSERT, no reads (the pages and the API call this alike)."""
    about = student.pk if student is not None else student_id
    if about == viewer.pk:
        return
    subject = {"subject": student} if student is not None else {"subject_id": student_id}
    audit_record(
        kind=kind,
        actor=viewer,
        object_type=object_type,
        object_id=object_id,
        description=description,
        params=dict(params or {}),
        **subject,
    )
