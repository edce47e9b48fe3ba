"""Writes for the team chat, and how their events reach open sockets.

The database is the truth: a message is stored (unique per author and
``client_id``) before any event about it goes out, and a client that missed
events catches up from the database (``sync``). The channel layer only makes
it fast.

Callers get the team through ``selectors.access_chat_team_by_id`` first
(the consumer once at connect, the API and pages on every request); the
services check what only they can know (author, time window, role).
"""

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from io import BytesIO
from pathlib import PurePath

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from assignments.models import Assignment
from teams.chat.selectors import (
    chat_reader_sql,
    may_hide_messages,
    mention_candidates,
    message_data,
    rekey_cache_key,
    still_reads_chat,
)
from teams.models import Attachment, AttachmentKind, Mention, Message, MessageRevision, ReadMarker, Team
from teams.notifications import team_label
from wijklab.celery import enqueue_on_commit
from wijklab.errors import REDIS_UNREACHABLE, RuleViolation
from wijklab.models import Cohort, User
from wijklab.services import COHORT_ARCHIVED_MESSAGE, notify

logger = logging.getLogger(__name__)

BODY_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64
EDIT_WINDOW = timedelta(minutes=15)
RATE_LIMIT_MESSAGES = 20
RATE_LIMIT_SECONDS = 10
HIDE_REASON_MAX_LENGTH = 300
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Refuse images that would take hundreds of MB to decode (decompression bombs).
ATTACHMENT_MAX_PIXELS = 40_000_000
THUMBNAIL_BOX = (480, 480)
# Seconds a mention may stay unread before it is also sent by e-mail.
MENTION_EMAIL_DELAY = getattr(settings, "CHAT_MENTION_EMAIL_DELAY", 15 * 60)
# The Celery task (teams/chat/tasks.py) that mails one mention once it is due.
SEND_MENTION_EMAIL_TASK = "teams.chat.tasks.send_mention_email"

_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


class ChatError(RuleViolation):
    """A refused chat action; ``code`` is the stable part of the websocket ``error`` event."""

    # How the API answers each code (the websocket always answers with an ``error`` event).
    BAD_INPUT = frozenset(
        {"empty", "too_long", "bad_client_id", "invalid_file", "file_too_large", "reason_required", "bad_request"}
    )

    def __init__(self, code: str, message: object, *, field: str = "body") -> None:
        super().__init__(code, message)  # type: ignore[arg-type]
        self.field = field

    @property
    def status_code(self) -> int:  # type: ignore[override]
        if self.code in self.BAD_INPUT:
            return 400
        if self.code == "rate_limited":
            return 429
        if self.code in ("not_allowed", "no_access"):
            return 403
        return 409


# --- groups and events ----------------------------------------------------


def team_group(team_id: int) -> str:
    return f"chat.team.{team_id}"


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


def session_fingerprint(session_key: str | None) -> str:
    """Sockets are tied to the session they were opened with; the key itself never travels."""
    return sha256(f"chat:{session_key or ''}".encode()).hexdigest()[:32]


def event_message(event: dict) -> dict:
    # Serialised once here rather than once per receiving socket.
    return {"type": "chat.event", "text": json.dumps(event, separators=(",", ":"))}


def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The message is stored; clients catch up with ``sync``. Never fail a write for a lost event.
        logger.exception("chat: could not send an event to %s", group)


def publish(team_id: int, event: dict) -> None:
    _group_send(team_group(team_id), event_message(event))


def publish_on_commit(team_id: int, event: dict) -> None:
    transaction.on_commit(lambda: publish(team_id, event), robust=True)


# --- validation -----------------------------------------------------------


def _is_storable(text: str) -> bool:
    """Whether the text can be stored and sent: a lone surrogate ("\\ud800", which JSON can carry) cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_body(body: object, *, allow_empty: bool = False) -> str:
    if not isinstance(body, str):
        raise ChatError("bad_request", _("Een bericht moet tekst zijn."))
    if not _is_storable(body):
        raise ChatError("bad_request", _("Het bericht bevat een teken dat niet kan: haal het weg."))
    text = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not text and not allow_empty:
        raise ChatError("empty", _("Een leeg bericht kun je niet versturen."))
    if len(text) > BODY_MAX_LENGTH:
        raise ChatError(
            "too_long",
            _("Een bericht mag hoogstens %(max)s tekens lang zijn (dit zijn er %(count)s).")
            % {"max": BODY_MAX_LENGTH, "count": len(text)},
        )
    return text


def clean_client_id(client_id: object) -> str:
    if not isinstance(client_id, str) or not _CLIENT_ID_RE.match(client_id):
        raise ChatError(
            "bad_client_id",
            _("client_id moet 1 tot 64 letters, cijfers of -_.: zijn (bijvoorbeeld een uuid)."),
            field="client_id",
        )
    return client_id


# --- attachments ----------------------------------------------------------


@dataclass
class _CheckedFile:
    upload: UploadedFile
    kind: str
    content_type: str
    extension: str
    name: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


# Other spellings of a detected type's extension that a file may keep.
_EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg"}}


def _safe_name(name: str | None, extension: str) -> str:
    """The uploaded name, made harmless, ending in the extension of the detected type.

    A PNG called ``scan.pdf`` is offered for download as ``scan.png``: the name
    never claims a type the bytes are not.
    """
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|')[:150].strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and suffix.lower() in _EXTENSION_ALIASES.get(extension, {extension}):
        return base
    stem = (stem if dot and stem else base).strip(" .")
    return f"{stem}.{extension}" if stem else f"bijlage.{extension}"


def _parses_as_pdf(upload: UploadedFile) -> bool:
    """Whether pypdf reads the file as a PDF with at least one page.

    The first bytes prove nothing (``%PDF-`` followed by anything passes them);
    a PDF that only a broken or hostile writer could produce is refused.
    """
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            # A password-protected PDF cannot be read by the team either.
            return False
        return len(reader.pages) > 0 and reader.pages[0].mediabox is not None
    except Exception:  # pypdf raises many kinds of errors on junk; any of them means "not a PDF"
        return False
    finally:
        upload.seek(0)


def check_upload(upload: UploadedFile) -> _CheckedFile:
    """What the file really is, from its bytes: a PDF or an image Pillow can verify and decode."""
    if upload.size is None or upload.size > ATTACHMENT_MAX_BYTES:
        raise ChatError("file_too_large", _("Een bijlage mag hoogstens 10 MB groot zijn."), field="file")
    if upload.size == 0:
        raise ChatError("invalid_file", _("Dit bestand is leeg."), field="file")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if not _parses_as_pdf(upload):
            raise ChatError(
                "invalid_file",
                _(
                    "Dit bestand lijkt een PDF, maar is beschadigd, beveiligd met een wachtwoord of onleesbaar. "
                    "Sla het opnieuw op als PDF en probeer het nog eens."
                ),
                field="file",
            )
        return _CheckedFile(
            upload=upload,
            kind=AttachmentKind.PDF,
            content_type="application/pdf",
            extension="pdf",
            name=_safe_name(upload.name, "pdf"),
        )
    refused = ChatError(
        "invalid_file", _("Alleen afbeeldingen (JPEG, PNG, GIF, WebP) en PDF-bestanden kunnen mee."), field="file"
    )
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in _IMAGE_FORMATS or width * height > ATTACHMENT_MAX_PIXELS:
                raise refused
            probe.verify()
        upload.seek(0)
        # verify() leaves the image unusable; decoding it again also catches truncated data.
        with Image.open(upload) as image:
            image.load()
            thumb = ImageOps.exif_transpose(image)
            if thumb.mode not in ("RGB", "L"):
                rgba = thumb.convert("RGBA")
                thumb = Image.new("RGB", rgba.size, (255, 255, 255))
                thumb.paste(rgba, mask=rgba.split()[3])
            thumb.thumbnail(THUMBNAIL_BOX)
            out = BytesIO()
            thumb.save(out, format="WEBP", quality=80)
    except ChatError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise refused from None
    finally:
        upload.seek(0)
    content_type, extension = _IMAGE_FORMATS[fmt]
    return _CheckedFile(
        upload=upload,
        kind=AttachmentKind.IMAGE,
        content_type=content_type,
        extension=extension,
        name=_safe_name(upload.name, extension),
        width=width,
        height=height,
        thumbnail=out.getvalue(),
    )


def _store_attachment(message: Message, checked: _CheckedFile) -> Attachment:
    attachment = Attachment(
        message=message,
        kind=checked.kind,
        content_type=checked.content_type,
        original_name=checked.name,
        size=checked.upload.size or 0,
        width=checked.width,
        height=checked.height,
    )
    # Stored under a random name with the extension of the detected type (see Attachment.upload_to).
    attachment.file.save(f"bijlage.{checked.extension}", checked.upload, save=False)
    if checked.thumbnail is not None:
        attachment.thumbnail.save("thumb.webp", ContentFile(checked.thumbnail), save=False)
    attachment.save()
    return attachment


# --- mentions -------------------------------------------------------------


def find_mentions(body: str, candidates: Sequence[User]) -> list[User]:
    """People named as ``@voornaam``, ``@Volledige Naam`` or ``@gebruikersnaam`` (case-insensitive).

    The longest name that fits wins, so ``@Sanne de Vries`` is not also read
    as a Sanne; two people with the same first name are both meant by it.
    """
    if "@" not in body:
        return []
    keys: list[tuple[str, User]] = []
    for user in candidates:
        display = user.get_display_name().casefold()
        names = {user.username.casefold(), display}
        if display.split():
            names.add(display.split()[0])
        keys.extend((name, user) for name in names if name)
    keys.sort(key=lambda item: -len(item[0]))
    text = body.casefold()
    found: dict[int, User] = {}
    for match in re.finditer("@", text):
        start = match.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._-"):
            continue  # an e-mail address, not a mention
        rest = text[start + 1 :]
        best = 0
        for name, user in keys:
            if len(name) < best:
                break
            if rest.startswith(name) and (len(rest) == len(name) or not rest[len(name)].isalnum()):
                best = len(name)
                found[user.pk] = user
    return list(found.values())


def _record_mentions(message: Message, team: Team) -> None:
    users = find_mentions(message.body, mention_candidates(team=team, exclude_user_id=message.author_id))
    if not users:
        return
    mentions = Mention.objects.bulk_create([Mention(message=message, user=user) for user in users])
    names = {"name": message.author.get_display_name(), "team": team_label(team)}
    notify(
        users=users,
        kind="chat_mention",
        title=lambda: _("%(name)s noemde je in de chat van %(team)s") % names,
        body=Truncator(message.body).chars(160),
        url=f"{reverse('chat-page', kwargs={'team_id': team.pk})}#bericht-{message.pk}",
        # The mention's own mail, once it stays unread a while (teams.chat.tasks.settle_mention).
        mail=False,
    )
    # By name: the tasks module imports this one, never the other way round.
    for mention in mentions:
        enqueue_on_commit(SEND_MENTION_EMAIL_TASK, mention.pk, countdown=MENTION_EMAIL_DELAY)


# --- messages -------------------------------------------------------------


def _with_attachments(message: Message, attachments: list[Attachment]) -> Message:
    # A new message's attachments are known: spare ``message_data`` a query.
    message._prefetched_objects_cache = {"attachments": attachments}  # type: ignore[attr-defined]
    return message


# The archive guard riding along in the INSERT (wijklab.services.ensure_cohort_writable, as SQL):
# a separate query would add a round trip to every chat message.
_ARCHIVED_TEAM_SQL = (
    f"SELECT 1 FROM {Team._meta.db_table} t JOIN {Assignment._meta.db_table} a ON a.id = t.assignment_id "  # noqa: S608
    f"JOIN {Cohort._meta.db_table} c ON c.id = a.cohort_id WHERE t.id = %s AND c.archived_at IS NOT NULL"
)


def _insert_message(*, team: Team, author: User, body: str, client_id: str) -> Message | None:
    """INSERT the message in one statement, unless it is a resend, a flood, its cohort is archived or the author
    may no longer read the chat: then None, and nothing stored.

    Readership rides along too (``selectors.chat_reader_sql``): a socket checked
    access at its handshake, and its every message checks it again at no cost
    of a round trip (membership ended, account deactivated, role changed).

    A resend: the author already stored this ``client_id`` (the unique index
    decides, also for two connections racing). A flood: the author stored 20
    messages in the last 10 seconds. The database is the rate limiter's memory,
    so the limit holds across sockets, processes and the API; two sends of one
    person at the very same instant may both pass (a limit against floods, not
    a quota).

    Plain SQL because it runs for every chat message: one round trip with the
    rate check riding along, where the ORM took two queries (and the cache two
    more), and building the lookup alone cost the ORM six times the query's own
    round trip (bench/chat_store.py, docs/benchmarks.md).
    """
    now = timezone.now()
    ops = connection.ops
    table = ops.quote_name(Message._meta.db_table)
    stored_at = ops.adapt_datetimefield_value(now)
    since = ops.adapt_datetimefield_value(now - timedelta(seconds=RATE_LIMIT_SECONDS))
    reader_sql, reader_params = chat_reader_sql(user=author, team_id=team.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (team_id, author_id, body, client_id, created_at, hidden_reason) "  # noqa: S608 - our own table
            "SELECT %s, %s, %s, %s, %s, '' "
            f"WHERE (SELECT COUNT(*) FROM {table} WHERE author_id = %s AND created_at >= %s) < %s "
            f"AND NOT EXISTS ({_ARCHIVED_TEAM_SQL}) AND {reader_sql} "
            "ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id",
            [
                *(team.pk, author.pk, body, client_id, stored_at),
                *(author.pk, since, RATE_LIMIT_MESSAGES, team.pk),
                *reader_params,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message = Message(pk=row[0], team=team, author=author, body=body, client_id=client_id, created_at=now)
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _store_message(*, team: Team, author: User, body: str, client_id: str, files: list[_CheckedFile]) -> Message | None:
    """The stored message with its attachments and mentions; None for a resend or a flood (see _insert_message)."""
    if not files and "@" not in body:
        # One INSERT is atomic by itself; a transaction around it would only add a round trip to the hot path.
        message = _insert_message(team=team, author=author, body=body, client_id=client_id)
        return None if message is None else _with_attachments(message, [])
    with transaction.atomic():
        message = _insert_message(team=team, author=author, body=body, client_id=client_id)
        if message is None:
            return None
        attachments = [_store_attachment(message, checked) for checked in files]
        if "@" in body:
            _record_mentions(message, team)
        return _with_attachments(message, attachments)


def message_post(
    *,
    team: Team,
    author: User,
    body: object,
    client_id: object,
    files: Sequence[UploadedFile] = (),
    announce: bool = True,
) -> tuple[Message, bool]:
    """Store a message once per ``(author, client_id)``; returns ``(message, created)``.

    A resend of a stored ``client_id`` returns the stored message and costs
    nothing against the rate limit. With ``announce`` the message goes to the
    team's sockets after commit; the consumer sends it itself instead (it is
    already in the event loop).
    """
    client_id = clean_client_id(client_id)
    text = clean_body(body, allow_empty=bool(files))
    if len(files) > 1:
        raise ChatError("invalid_file", _("Stuur één bijlage per bericht."), field="file")
    checked = [check_upload(f) for f in files]
    message = _store_message(team=team, author=author, body=text, client_id=client_id, files=checked)
    if message is None:
        # Refused by the INSERT: lost access or an archived cohort says so; otherwise a resend or a flood.
        ensure_still_reader(user=author, team_id=team.pk)
        _ensure_writable(team.pk)
        return _stored_resend(team=team, author=author, client_id=client_id), False
    if announce:
        publish_on_commit(team.pk, message_data(message))
    return message, True


def _stored_resend(*, team: Team, author: User, client_id: str) -> Message:
    """The message a refused INSERT found already stored under ``client_id``; without one, it was a flood."""
    stored = (
        Message.objects.select_related("author", "hidden_by")
        .prefetch_related("attachments")
        .filter(author_id=author.pk, client_id=client_id)
        .first()
    )
    if stored is None:
        raise ChatError(
            "rate_limited",
            _("Je stuurt te veel berichten achter elkaar. Wacht een paar seconden en probeer het opnieuw."),
        )
    if stored.team_id != team.pk:
        raise ChatError("bad_client_id", _("Deze client_id is al gebruikt voor een ander bericht."), field="client_id")
    return stored


def ensure_still_reader(*, user: User, team_id: int) -> None:
    """Refuse with ``no_access`` (403; the socket closes with 4403) once ``user`` may no longer read the chat."""
    if not still_reads_chat(user=user, team_id=team_id):
        raise ChatError("no_access", _("Je hebt geen toegang meer tot deze chat."))


def _ensure_writable(team_id: int) -> None:
    """The archive guard (wijklab.services.ensure_cohort_writable) as a chat error, in one query by team."""
    if Team.objects.filter(pk=team_id, assignment__cohort__archived_at__isnull=False).exists():
        raise ChatError("cohort_archived", COHORT_ARCHIVED_MESSAGE)


def _locked_own_message(*, message: Message, by: User, action: str) -> Message:
    locked = Message.objects.select_for_update(of=("self",)).select_related("author", "hidden_by").get(pk=message.pk)
    if locked.author_id != by.pk:
        raise ChatError("not_allowed", _("Je kunt alleen je eigen berichten %(action)s.") % {"action": action})
    if locked.deleted_at is not None or locked.hidden_at is not None:
        raise ChatError("gone", _("Dit bericht is verwijderd of verborgen."))
    if timezone.now() - locked.created_at > EDIT_WINDOW:
        raise ChatError(
            "edit_window_passed",
            _("Je kunt een bericht tot 15 minuten na het versturen %(action)s.") % {"action": action},
        )
    return locked


@transaction.atomic
def message_edit(*, message: Message, by: User, body: object, announce: bool = True) -> Message:
    """Change your own message within 15 minutes; the earlier wording is kept as a revision."""
    text = clean_body(body)
    _ensure_writable(message.team_id)
    locked = _locked_own_message(message=message, by=by, action=str(_("bewerken")))
    if text != locked.body:
        MessageRevision.objects.create(message=locked, body=locked.body)
        locked.body = text
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "edited_at"])
    locked = Message.objects.select_related("author", "hidden_by").prefetch_related("attachments").get(pk=locked.pk)
    if announce:
        publish_on_commit(locked.team_id, message_data(locked, event="message_updated"))
    return locked


@transaction.atomic
def message_delete(*, message: Message, by: User, announce: bool = True) -> Message:
    """Delete your own message within 15 minutes: it stays in place as "verwijderd" for everyone."""
    _ensure_writable(message.team_id)
    locked = _locked_own_message(message=message, by=by, action=str(_("verwijderen")))
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at"])
    if announce:
        publish_on_commit(locked.team_id, message_data(locked, event="message_updated"))
    return locked


@transaction.atomic
def message_hide(*, message: Message, by: User, reason: object, announce: bool = True) -> Message:
    """A supervisor hides a message from the chat, on record with who and why."""
    if not may_hide_messages(user=by):
        raise ChatError("not_allowed", _("Alleen begeleiders kunnen een bericht verbergen."))
    if not isinstance(reason, str) or not reason.strip():
        raise ChatError("reason_required", _("Geef een reden op om het bericht te verbergen."), field="reason")
    if "\x00" in reason or not _is_storable(reason):
        # PostgreSQL cannot store NUL; refuse it like the other reasons and names are refused.
        raise ChatError("bad_request", _("De reden bevat een teken dat niet kan: haal het weg."), field="reason")
    reason = reason.strip()
    if len(reason) > HIDE_REASON_MAX_LENGTH:
        raise ChatError(
            "reason_required",
            _("De reden mag hoogstens %(max)s tekens lang zijn.") % {"max": HIDE_REASON_MAX_LENGTH},
            field="reason",
        )
    _ensure_writable(message.team_id)
    locked = Message.objects.select_for_update(of=("self",)).select_related("author").get(pk=message.pk)
    if locked.hidden_at is None:
        locked.hidden_at = timezone.now()
        locked.hidden_by = by
        locked.hidden_reason = reason
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if announce:
        publish_on_commit(locked.team_id, message_data(locked, event="message_updated"))
    return locked


@transaction.atomic
def read_marker_advance(*, user: User, team: Team, last_read_id: object) -> int:
    """Move the user's read marker forward (never back, never past the team's last message)."""
    if isinstance(last_read_id, bool) or not isinstance(last_read_id, int) or last_read_id < 0:
        raise ChatError("bad_request", _("last_id moet een geheel getal zijn."), field="last_id")
    latest = Message.objects.filter(team_id=team.pk).aggregate(m=Max("id"))["m"] or 0
    target = min(last_read_id, latest)
    marker, created = ReadMarker.objects.get_or_create(user=user, team=team, defaults={"last_read_id": target})
    if not created and marker.last_read_id < target:
        ReadMarker.objects.filter(pk=marker.pk, last_read_id__lt=target).update(
            last_read_id=target, updated_at=timezone.now()
        )
        return target
    return max(marker.last_read_id, target)


# --- closing sockets of people who may no longer read ---------------------


def revoke_sockets(*, user_id: int, team_id: int | None = None, session_key: str | None = None) -> None:
    """Ask the user's open chat sockets to check their access again (all, or one team's) and close without it;
    with ``session_key``, that session's sockets close outright (a sign-out)."""
    _group_send(
        user_group(user_id),
        {
            "type": "chat.revoke",
            "team_id": team_id,
            "session": session_fingerprint(session_key) if session_key else None,
        },
    )


# How long a socket can follow its session to a new key: far longer than an event takes to arrive.
REKEY_SECONDS = 5 * 60


def remember_rekey(*, old_key: str, new_key: str) -> None:
    """A signed-in session moved to a new key (a password change cycles it): its sockets follow, not close."""
    try:
        cache.set(rekey_cache_key(old_key), new_key, timeout=REKEY_SECONDS)
    except REDIS_UNREACHABLE:
        logger.warning("chat: session move not stored, the cache is unreachable; its sockets will close")


# --- erasure (AVG) ------------------------------------------------------------------------


def chat_erase_traces_of(*, user: User) -> int:
    """What the chat holds about a person being erased; returns how many attachments went.

    Their messages stay (shown under the anonymised account as "Verwijderde gebruiker"),
    so a team's conversation keeps making sense; their attachments are deleted, the files
    from storage once the transaction commits. Mentions of them, their read markers and
    moderation links go. What others wrote stays: it is theirs.
    """
    attachments = list(Attachment.objects.filter(message__author=user))
    names = [n for a in attachments for n in (a.file.name, a.thumbnail.name) if n]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    Mention.objects.filter(user=user).delete()
    ReadMarker.objects.filter(user=user).delete()
    Message.objects.filter(hidden_by=user).update(hidden_by=None)

    def delete_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete an erased person's attachment file %s", name)

    transaction.on_commit(delete_files)
    return len(attachments)
