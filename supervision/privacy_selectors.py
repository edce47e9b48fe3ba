"""AVG (GDPR) rights, the reading half: what Wijklab holds about a student, and who may erase whom.

This lives in ``supervision``, the top domain app, because a student's data is spread over
every app below it (profile in ``wijklab``, preferences in ``assignments``, memberships and
chat in ``teams``, feedback here). See docs/privacy.md.
"""

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assignments.models import Preference
from supervision import exports
from supervision.models import FeedbackEntry
from supervision.selectors import feedback_for_listing, mark_author_visibility, student_progress
from teams.models import Attachment, Duo, Membership, MembershipChange, Message, Task
from wijklab.audit_selectors import audit_entries_of_person
from wijklab.ids import as_id
from wijklab.models import ExternalIdentity, Invitation, Notification, Role, User

EXPORT_FORMAT_VERSION = 1


# --- who may erase whom -----------------------------------------------------------------


def students_erasable_by(*, user: User) -> QuerySet[User]:
    """Students a coordinator may erase: those of the cohorts they coordinate (still holding a profile).

    The one predicate for "may erase this student" (page and service alike).
    """
    if not user.is_authenticated or user.role != Role.COORDINATOR:
        return User.objects.none()
    return User.objects.filter(
        role=Role.STUDENT, student_profile__cohort__in=user.coordinated_cohorts.values("pk")
    ).select_related("student_profile", "student_profile__cohort")


def may_erase_student(*, user: User, student: User) -> bool:
    """Whether ``user`` may erase ``student`` (no query for anyone but a coordinator)."""
    if not user.is_authenticated or user.role != Role.COORDINATOR:
        return False
    return students_erasable_by(user=user).filter(pk=student.pk).exists()


def access_erasable_student(*, user: User, student_id: object) -> User:
    """The student if ``user`` may erase them; 404 exactly as if they did not exist, for anyone else."""
    try:
        return students_erasable_by(user=user).get(pk=as_id(student_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Student niet gevonden.") from None


def may_download_own_data(*, user: User) -> bool:
    """Students download what is held about them ("Mijn gegevens")."""
    return user.is_authenticated and user.role == Role.STUDENT


# --- audit entries (hook) ---------------------------------------------------------------


def audit_entries_for_export(*, student: User) -> list[dict[str, Any]]:
    """The audit-log entries about ``student`` or by them, for their data export: the ONE place they are added.

    Who, what and when for every entry; the address only where the student was the one acting
    (someone else's address, a docent's who read their progress, is that person's data).
    """
    entries = audit_entries_of_person(user=student).select_related("actor")
    rows = []
    for entry in entries:
        by_student = entry.actor_id == student.pk
        rows.append(
            {
                "when": _when(entry.created_at),
                "kind": entry.kind,
                "what": entry.get_kind_display(),
                "description": entry.description,
                "by_you": by_student,
                "by": None if by_student or entry.actor is None else entry.actor.get_display_name(),
                "about_you": entry.subject_id == student.pk,
                "address": entry.address if by_student else None,
            }
        )
    return rows


# --- the export ---------------------------------------------------------------------------


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _attachment_path(attachment: Attachment) -> str:
    return f"bijlagen/{attachment.pk}-{attachment.original_name}"


def personal_data_of(*, student: User) -> dict[str, Any]:
    """Everything Wijklab holds about ``student``, as JSON-able data (the export's ``gegevens.json``).

    Feedback is given as the student sees it on their own pages: peer feedback without
    its author unless the author chose to be named.
    """
    profile = getattr(student, "student_profile", None)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT_VERSION,
        "exported_at": _when(timezone.now()),
        "account": {
            "id": student.pk,
            "username": student.username,
            "display_name": student.display_name,
            "first_name": student.first_name,
            "last_name": student.last_name,
            "email": student.email,
            "role": student.role,
            "language": student.language,
            "mail_preference": student.mail_preference,
            "date_joined": _when(student.date_joined),
            "last_login": _when(student.last_login),
        },
        "profile": None,
    }
    if profile is not None:
        data["profile"] = {
            "niveau": profile.niveau,
            "school": profile.school.name,
            "programme": profile.programme,
            "cohort": profile.cohort.name,
            "student_number": profile.student_number,
            "competences": sorted(c.name for c in profile.competences.all()),
            "available_days": profile.available_day_labels(),
            "introduction": profile.introduction,
        }
    data["preferences"] = [
        {
            "rank": p.rank,
            "assignment": p.assignment.title,
            "motivation": p.motivation,
            "updated_at": _when(p.updated_at),
        }
        for p in Preference.objects.filter(student=student).select_related("assignment").order_by("rank")
    ]
    duos = Duo.objects.filter(Q(member_a=student) | Q(member_b=student))
    roles = {d.team_id: (d.role_a if d.member_a_id == student.pk else d.role_b) for d in duos}
    data["memberships"] = [
        {
            "team": m.team.name,
            "assignment": m.team.assignment.title,
            "joined_at": _when(m.joined_at),
            "left_at": _when(m.left_at),
            "duo_role": roles.get(m.team_id) if m.left_at is None else None,
        }
        for m in Membership.objects.filter(student=student).select_related("team", "team__assignment")
    ]
    data["membership_changes"] = [
        {"kind": c.kind, "created_at": _when(c.created_at), "reason": c.reason}
        for c in MembershipChange.objects.filter(student=student).order_by("created_at", "pk")
    ]
    data["tasks"] = [
        {"team": t.team.name, "title": t.title, "phase": t.phase, "status": t.status, "due_on": _when(t.due_on)}
        for t in Task.objects.filter(owner=student).select_related("team")
    ]
    messages = Message.objects.filter(author=student).select_related("team").prefetch_related("attachments")
    data["chat_messages"] = [
        {
            "team": m.team.name,
            "body": m.body,
            "created_at": _when(m.created_at),
            "edited_at": _when(m.edited_at),
            "deleted_at": _when(m.deleted_at),
            "attachments": [_attachment_path(a) for a in m.attachments.all()],
        }
        for m in messages
    ]
    entries = mark_author_visibility(feedback_for_listing(viewer=student).filter(student=student), viewer=student)
    data["feedback_about_me"] = [_feedback(e) for e in entries]
    written = feedback_for_listing(viewer=student).filter(author=student).exclude(student=student)
    data["feedback_written_by_me"] = [_feedback(e) for e in mark_author_visibility(written, viewer=student)]
    data["notifications"] = [
        {"title": n.title, "body": n.body, "created_at": _when(n.created_at), "read_at": _when(n.read_at)}
        for n in Notification.objects.filter(user=student)
    ]
    data["institution_accounts"] = [
        {"issuer": i.issuer, "email": i.email, "created_at": _when(i.created_at)}
        for i in ExternalIdentity.objects.filter(user=student)
    ]
    data["invitations"] = [
        {"email": i.email, "created_at": _when(i.created_at), "accepted_at": _when(i.accepted_at)}
        for i in Invitation.objects.filter(Q(user=student) | Q(email__iexact=student.email or "-"))
    ]
    data["audit_log"] = audit_entries_for_export(student=student)
    return data


def _feedback(entry: FeedbackEntry) -> dict[str, Any]:
    return {
        "date": _when(entry.date),
        "kind": entry.kind,
        "author": entry.author.get_display_name() if entry.author_shown else None,
        "team": entry.team.name if entry.team else None,
        "comment": entry.comment,
        "is_observation": entry.is_observation,
        "scores": [
            {"criterion": s.criterion_name, "category": s.category, "level": s.level} for s in entry.scores.all()
        ],
    }


def personal_data_zip(*, student: User, today: dt.date) -> bytes:
    """The download of "Mijn gegevens": ``gegevens.json``, the attachments the student sent, the progress PDF."""
    data = personal_data_of(student=student)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2))
        for attachment in Attachment.objects.filter(message__author=student).order_by("pk"):
            try:
                with default_storage.open(attachment.file.name, "rb") as handle:
                    archive.writestr(_attachment_path(attachment), handle.read())
            except OSError:
                # A file lost from storage must not cost the student the rest of their data.
                archive.writestr(_attachment_path(attachment) + ".ontbreekt.txt", "Dit bestand is niet meer aanwezig.")
        if getattr(student, "student_profile", None) is not None:
            entries = mark_author_visibility(
                feedback_for_listing(viewer=student).filter(student=student)[: exports.PDF_MAX_ENTRIES],
                viewer=student,
            )
            pdf = exports.progress_pdf(
                progress=student_progress(student=student, today=today), entries=entries, include_alerts=False
            )
            archive.writestr("voortgang.pdf", pdf)
    return out.getvalue()
