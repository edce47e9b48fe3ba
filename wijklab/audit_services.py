"""The audit log's writes: one INSERT per event, and the retention task's DELETE (docs/audit.md).

Every app records through ``audit_record`` (also reachable as ``wijklab.services.audit_record``).
Services that have no request at hand (a membership move, a supervision link) still get the
client's address: ``AuditMiddleware`` puts it in a context variable for the request.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone, translation

from wijklab.client_address import client_address
from wijklab.models import AuditEntry, AuditKind, User

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 730

# The client address of the request being served (set by wijklab.middleware.AuditMiddleware).
_current_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)

_UNSET: Any = object()

# Reads of someone's progress or feedback: written on every view of a grid, a progress page or a
# feedback list. Their commit does not wait for the disk (below); every other kind does.
READ_KINDS = frozenset({AuditKind.PROGRESS_READ, AuditKind.FEEDBACK_READ})


@contextmanager
def request_address(address: str | None) -> Iterator[None]:
    """Within this block ``audit_record`` takes ``address`` when it is given none."""
    token = _current_address.set(address)
    try:
        yield
    finally:
        _current_address.reset(token)


def _cached_cohort_id(subject: User | None) -> int | None:
    """The subject's cohort only when its profile is already loaded: recording never reads."""
    profile = subject._state.fields_cache.get("student_profile") if subject is not None else None
    return profile.cohort_id if profile is not None else None


def audit_record(
    *,
    kind: str,
    description: Any,
    params: dict[str, Any] | None = None,
    actor: User | None = None,
    subject: User | None = None,
    subject_id: int | None = None,
    cohort_id: int | None = None,
    object_type: str = "",
    object_id: object = "",
    request: HttpRequest | None = None,
    address: str | None = _UNSET,
) -> AuditEntry | None:
    """Record one event in one INSERT; returns the entry, or None when nothing was recorded.

    ``description`` is short Dutch text, a lazy gettext string with ``%(name)s`` fields filled from
    ``params`` (stored in the site's language, whatever the person's own):
    never a niveau, a programme or feedback content. ``subject`` is whom it is about (a student whose
    progress was read, who moved team, who was erased). An anonymous actor is recorded as nobody.

    Kinds are ``wijklab.models.AuditKind``; the erasure of a student is ``AuditKind.ERASURE``, recorded
    by the erasure service with the coordinator as actor and the erased account as subject.

    Recording never breaks what it records: a database error is logged and the page goes on.
    """
    if kind not in AuditKind.values:
        raise ValueError(f"Unknown audit kind {kind!r}.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    if address is _UNSET:
        address = client_address(request) if request is not None else _current_address.get()
    if subject is not None:
        subject_id = subject.pk
    if cohort_id is None:
        cohort_id = _cached_cohort_id(subject)
    with translation.override(settings.LANGUAGE_CODE):
        text = str(description)
        if params:
            text = text % {key: str(value) for key, value in params.items()}
        text = text[:300]
    fields = {
        "kind": kind,
        "actor": actor,
        "subject_id": subject_id,
        "cohort_id": cohort_id,
        "object_type": object_type[:40],
        "object_id": str(object_id)[:64],
        "description": text,
        "address": address,
    }
    try:
        if kind in READ_KINDS:
            return _create_without_waiting_for_disk(fields)
        return AuditEntry.objects.create(**fields)
    except DatabaseError:
        logger.exception("Could not record the audit event %s", kind)
        return None


def _create_without_waiting_for_disk(fields: dict[str, Any]) -> AuditEntry:
    """A read event in its own transaction whose commit does not wait for the disk.

    Every page that shows someone's progress or feedback records that read, and waited for its
    commit to reach the disk on every view (docs/benchmarks.md, "2026-12-07 (audit reads)").
    With ``synchronous_commit = off`` for this one transaction, a PostgreSQL crash can lose the
    last fraction of a second of read events, never a write and never a security event
    (docs/audit.md, "Durability"). Inside a caller's transaction the entry commits with the
    caller's data, as it waits: the setting would otherwise apply to that data too. Other
    databases have no such setting.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return AuditEntry.objects.create(**fields)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        return AuditEntry.objects.create(**fields)


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def audit_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the entries older than ``AUDIT_RETENTION_DAYS``: the only way an entry ever goes.

    Run daily by Celery beat (``CELERY_BEAT_SCHEDULE``); returns how many went.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    return AuditEntry.objects.filter(created_at__lt=cutoff)._expired_delete()
