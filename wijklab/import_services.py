"""Writes for student imports: read an uploaded list, remember its columns, confirm or discard it.

Reading is done by tablib (openpyxl for .xlsx), never by hand. Nothing about
students is stored until ``student_import_confirm``, which stores every row of
the preview in one transaction with a fixed number of queries (bulk writes).
The file format is described in ``docs/import.md``.
"""

import csv
import datetime as dt
import io
import zipfile
from pathlib import PurePath

import tablib
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wijklab.audit_services import audit_record
from wijklab.errors import RuleViolation
from wijklab.import_selectors import (
    FIELDS,
    FIXED_FIELDS,
    RowPreview,
    guess_mapping,
    headers_key,
    import_preview,
    mapping_problems,
    remembered_mapping,
)
from wijklab.models import AuditKind, Cohort, ImportColumnMapping, Role, StudentImport, StudentProfile, User
from wijklab.services import ensure_cohort_writable

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 60
# An .xlsx is a zip: refuse one that unpacks to far more than a student list can be.
MAX_XLSX_UNPACKED_BYTES = 80 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")


class ImportFileError(RuleViolation):
    """The uploaded file cannot be read as a student list; ``message`` says why, in Dutch.

    It names the ``file`` field, so the API answers it as a field error (400).
    """

    def __init__(self, message: str) -> None:
        super().__init__("invalid_file", message, field="file")


# --- reading a file ---------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell as text: Excel numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).replace("\xa0", " ").split())


def _decode(content: bytes) -> str:
    # Exports from Dutch school systems come as UTF-8 (often with a BOM) or as Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text.strip() else ""
        return max(";,\t", key=first.count)


def _load(name: str, content: bytes) -> tablib.Dataset:
    suffix = PurePath(name).suffix.casefold()
    if suffix == ".xls":
        raise ImportFileError(
            _(
                "Dit is een Excel-bestand in het oude formaat (.xls). Sla het in Excel op als "
                "“Excel-werkmap (.xlsx)” of als CSV en upload het opnieuw."
            )
        )
    if suffix not in EXTENSIONS:
        raise ImportFileError(
            _("Upload een CSV-bestand (.csv) of een Excel-bestand (.xlsx); “%(name)s” is geen van beide.")
            % {"name": name}
        )
    if not content.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("Het bestand is groter dan %(mb)s MB. Splits de lijst en upload de delen na elkaar.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if suffix == ".xlsx":
        return _load_xlsx(content)
    text = _decode(content)
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=_delimiter(text))
    except tablib.InvalidDimensions:
        raise ImportFileError(
            _(
                "Niet elke regel heeft evenveel kolommen als de kopregel. Controleer of het bestand "
                "met puntkomma's of komma's is gescheiden en of er geen losse scheidingstekens achter staan."
            )
        ) from None
    except csv.Error:
        raise ImportFileError(_("Dit CSV-bestand kan niet gelezen worden.")) from None


def _load_xlsx(content: bytes) -> tablib.Dataset:
    unreadable = _("Dit Excel-bestand kan niet gelezen worden; het is misschien beschadigd. Sla het opnieuw op.")
    stream = io.BytesIO(content)
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(unreadable) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(_("Dit Excel-bestand is te groot om te lezen. Splits de lijst in delen."))
    stream.seek(0)
    try:
        return tablib.Dataset().load(stream, format="xlsx")
    except tablib.InvalidDimensions:
        raise ImportFileError(
            _("Niet elke regel heeft evenveel kolommen als de kopregel; staat er iets rechts naast de tabel?")
        ) from None
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise ImportFileError(unreadable) from None


def read_student_file(*, name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """The column names and the rows (as text) of an uploaded CSV or Excel file.

    Raises ``ImportFileError`` with a Dutch message for anything that is not a
    readable student list.
    """
    dataset = _load(name, content)
    raw_headers = [_cell(h) for h in (dataset.headers or [])]
    rows = [[_cell(v) for v in row] for row in dataset]
    rows = [row for row in rows if any(row)]
    # Columns without a name and without data (Excel's phantom columns) are dropped.
    keep = [i for i, h in enumerate(raw_headers) if h or any(i < len(r) and r[i] for r in rows)]
    raw_headers = [raw_headers[i] for i in keep]
    rows = [[row[i] if i < len(row) else "" for i in keep] for row in rows]
    if not any(raw_headers):
        raise ImportFileError(_("Het bestand heeft geen kopregel met kolomnamen."))
    if len(raw_headers) > MAX_COLUMNS:
        raise ImportFileError(_("Het bestand heeft meer dan %(n)s kolommen.") % {"n": MAX_COLUMNS})
    looks_like_data = sum(1 for h in raw_headers if "@" in h or h.replace(" ", "").isdigit())
    if looks_like_data:
        raise ImportFileError(
            _(
                "De eerste regel moet de kolomnamen bevatten (zoals Roepnaam, Achternaam, E-mailadres), "
                "maar lijkt al een student te zijn. Voeg een kopregel toe."
            )
        )
    if not rows:
        raise ImportFileError(_("Het bestand bevat alleen een kopregel en nog geen studenten."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("Het bestand heeft %(n)s rijen; er kunnen er hooguit %(max)s tegelijk. Splits de lijst.")
            % {"n": len(rows), "max": MAX_ROWS}
        )
    headers: list[str] = []
    for i, header in enumerate(raw_headers, start=1):
        header = header or _("Kolom %(n)s") % {"n": i}
        candidate, n = header, 2
        while candidate in headers:
            candidate, n = f"{header} ({n})", n + 1
        headers.append(candidate)
    return headers, rows


# --- the steps ------------------------------------------------------------------------------------


@transaction.atomic
def student_import_create(*, cohort: Cohort, by: User, name: str, content: bytes) -> StudentImport:
    """Keep an uploaded file's rows for the preview; the columns are mapped as remembered or guessed."""
    ensure_cohort_writable(cohort)
    headers, rows = read_student_file(name=name, content=content)
    remembered = remembered_mapping(headers)
    mapping = remembered if remembered is not None else guess_mapping(headers)
    return StudentImport.objects.create(
        cohort=cohort,
        uploaded_by=by,
        file_name=PurePath(name).name[:255],
        headers=headers,
        rows=rows,
        mapping=mapping,
        summary={"mapping_remembered": remembered is not None},
    )


def _ensure_preview(student_import: StudentImport) -> None:
    if student_import.status != StudentImport.Status.PREVIEW:
        raise RuleViolation(
            "import_closed",
            gettext_lazy("Deze import is al afgerond of verworpen; upload het bestand opnieuw om verder te gaan."),
        )


@transaction.atomic
def student_import_set_mapping(*, student_import: StudentImport, by: User, mapping: dict[str, str]) -> StudentImport:
    """Use ``mapping`` for this file and remember it for the next file with the same columns."""
    ensure_cohort_writable(student_import.cohort)
    _ensure_preview(student_import)
    clean = {name: str(mapping.get(name) or "") for name in FIELDS + FIXED_FIELDS}
    student_import.mapping = clean
    student_import.summary = {**student_import.summary, "mapping_remembered": False}
    student_import.save(update_fields=["mapping", "summary"])
    ImportColumnMapping.objects.update_or_create(
        headers_key=headers_key(student_import.headers),
        defaults={"headers": student_import.headers, "mapping": clean, "updated_by": by},
    )
    return student_import


@transaction.atomic
def student_import_discard(*, student_import: StudentImport, by: User) -> StudentImport:
    _ensure_preview(student_import)
    student_import.status = StudentImport.Status.DISCARDED
    # The rows are personal data nobody will use any more.
    student_import.rows = []
    student_import.save(update_fields=["status", "rows"])
    return student_import


def _usernames(emails: list[str]) -> list[str]:
    """Free usernames derived from e-mail addresses: the address itself, numbered when taken."""
    wanted = [email.casefold()[:140] for email in emails]
    taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    if taken:
        # One query for every name that needs a number, whatever their count.
        numbered = Q()
        for base in taken:
            numbered |= Q(username__startswith=f"{base}-")
        taken |= set(User.objects.filter(numbered).values_list("username", flat=True))
    names = []
    for base in wanted:
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        taken.add(candidate)
        names.append(candidate)
    return names


def _new_user(row: RowPreview, username: str) -> User:
    user = User(
        username=username,
        email=row.email,
        display_name=row.name,
        first_name=row.first_name[:150],
        last_name=row.last_name[:150],
        role=Role.STUDENT,
    )
    # They sign in through an invitation (institution account or a password they choose).
    user.set_unusable_password()
    return user


@transaction.atomic
def student_import_confirm(*, student_import: StudentImport, by: User) -> StudentImport:
    """Store every row of the preview without a problem, in one transaction; skip (and list) the others.

    Students are recognised by student number + school, then by e-mail: the
    same file imported twice changes nothing the second time.
    """
    locked = StudentImport.objects.select_for_update().get(pk=student_import.pk)
    locked.cohort = cohort = student_import.cohort
    ensure_cohort_writable(cohort)
    _ensure_preview(locked)
    missing = mapping_problems(locked.mapping, locked.headers)
    if missing:
        raise RuleViolation("import_mapping_incomplete", " ".join(missing))
    preview = import_preview(student_import=locked)
    new_rows = [r for r in preview.rows if r.action == "new"]
    updated = [r for r in preview.rows if r.action == "updated"]

    users = [_new_user(r, name) for r, name in zip(new_rows, _usernames([r.email for r in new_rows]), strict=True)]
    User.objects.bulk_create(users)
    profiles = [
        StudentProfile(
            user=user,
            niveau=row.niveau,
            school=row.school,
            programme=row.programme,
            student_number=row.student_number,
            cohort=cohort,
        )
        for row, user in zip(new_rows, users, strict=True)
    ]
    changed_users, changed_profiles = [], []
    for row in updated:
        user = row.user
        user.display_name, user.email = row.name, row.email
        user.first_name, user.last_name = row.first_name[:150], row.last_name[:150]
        changed_users.append(user)
        profile = row.profile
        if profile is None:
            profiles.append(
                StudentProfile(
                    user=user,
                    niveau=row.niveau,
                    school=row.school,
                    programme=row.programme,
                    student_number=row.student_number,
                    cohort=cohort,
                )
            )
            continue
        profile.niveau, profile.school, profile.cohort = row.niveau, row.school, cohort
        profile.programme = row.programme or profile.programme
        profile.student_number = row.student_number or profile.student_number
        changed_profiles.append(profile)
    StudentProfile.objects.bulk_create(profiles)
    User.objects.bulk_update(changed_users, ["display_name", "email", "first_name", "last_name"])
    StudentProfile.objects.bulk_update(changed_profiles, ["niveau", "school", "cohort", "programme", "student_number"])

    skipped = [r for r in preview.rows if r.action == "problem"]
    locked.status = StudentImport.Status.CONFIRMED
    locked.confirmed_at = timezone.now()
    # The file's rows are personal data that served their purpose; the summary keeps what the page shows.
    locked.rows = []
    locked.summary = {
        **locked.summary,
        "created": len(new_rows),
        "updated": len(updated),
        "unchanged": preview.count("unchanged"),
        "skipped": len(skipped),
        "moved": sum(1 for r in updated if r.moves_from is not None),
        "skipped_rows": [{"line": r.line, "name": r.name, "problems": r.problems} for r in skipped],
        "student_ids": [u.pk for u in users] + [r.user.pk for r in preview.rows if r.user is not None],
    }
    locked.save(update_fields=["status", "confirmed_at", "summary", "rows"])
    audit_record(
        kind=AuditKind.IMPORT,
        actor=by,
        cohort_id=cohort.pk,
        object_type="student_import",
        object_id=locked.pk,
        description=gettext_lazy(
            "Studentenlijst geïmporteerd: %(created)s nieuw, %(updated)s bijgewerkt, %(skipped)s overgeslagen."
        ),
        params={"created": len(new_rows), "updated": len(updated), "skipped": len(skipped)},
    )
    return locked
