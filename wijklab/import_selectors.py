"""Reads for student imports: who may import into a cohort, and what a file would change.

The preview (``import_preview``) is the one place that decides, row by row,
whether a student is new, unchanged, updated or has a problem; confirming an
import (``wijklab.import_services``) stores exactly what it says. The format is
described in ``docs/import.md``.
"""

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from wijklab.ids import as_id
from wijklab.models import Cohort, ImportColumnMapping, Niveau, Role, School, StudentImport, StudentProfile, User
from wijklab.names import by_name
from wijklab.selectors import access_managed_cohort

# Our fields, in the order the mapping screen shows them. Either "name", or
# "first_name" + "last_name" (with "infix", the Dutch tussenvoegsel) make the name.
FIELDS = ("name", "first_name", "infix", "last_name", "email", "student_number", "niveau", "school", "programme")
# Instead of a column: one school or one niveau for every row of the file.
FIXED_FIELDS = ("fixed_school", "fixed_niveau")

# Header names seen in Dutch student administrations (Osiris, Eduarte, Magister …) and in English
# exports, compared without case, spaces and punctuation.
HEADER_GUESSES: dict[str, tuple[str, ...]] = {
    "name": ("naam", "volledigenaam", "studentnaam", "weergavenaam", "name", "fullname", "displayname"),
    "first_name": ("roepnaam", "voornaam", "voornamen", "firstname", "givenname", "roepnaamstudent"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "voorvoegsel", "voorvoegsels", "prefix", "infix"),
    "last_name": ("achternaam", "familienaam", "geslachtsnaam", "lastname", "surname", "familyname"),
    "email": (
        "emailadres",
        "email",
        "mail",
        "mailadres",
        "emailstudent",
        "studentemail",
        "emailschool",
        "schoolemail",
        "emailaddress",
    ),
    "student_number": (
        "studentnummer",
        "studentnr",
        "studentid",
        "studentnumber",
        "leerlingnummer",
        "leerlingnr",
        "deelnemernummer",
        "deelnemernr",
        "nummer",
    ),
    "niveau": ("niveau", "opleidingsniveau", "level", "nivo"),
    "school": (
        "school",
        "locatieschool",
        "locatie",
        "instelling",
        "onderwijsinstelling",
        "hogeschool",
        "roc",
        "institution",
    ),
    "programme": ("opleiding", "opleidingsnaam", "programme", "program", "studie", "studierichting", "course"),
}

# A cohort is "active" for another import until it is archived or has ended:
# students of an ended or archived cohort may move on to a new one.


def cohort_is_active(cohort: Cohort, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return cohort.archived_at is None and cohort.ends_on >= today


# --- access -------------------------------------------------------------------------------


def access_import_cohort(*, user: User, cohort_id: Any) -> Cohort:
    """The cohort, if ``user`` coordinates it; otherwise 404, as for a cohort that does not exist."""
    return access_managed_cohort(user=user, cohort_id=cohort_id)


def access_student_import(*, user: User, cohort_id: Any, import_id: Any) -> StudentImport:
    """An import of a cohort the user coordinates; someone else's import id is a 404."""
    cohort = access_import_cohort(user=user, cohort_id=cohort_id)
    try:
        student_import = cohort.student_imports.select_related("uploaded_by").get(pk=as_id(import_id))
    except (StudentImport.DoesNotExist, ValueError, TypeError):
        raise Http404("Import niet gevonden.") from None
    student_import.cohort = cohort
    return student_import


def access_student_import_by_id(*, user: User, import_id: Any) -> StudentImport:
    """An import of any cohort the user coordinates (the API's addresses carry no cohort)."""
    if not user.is_authenticated or user.role != Role.COORDINATOR:
        raise Http404("Import niet gevonden.")
    try:
        return StudentImport.objects.select_related("cohort", "uploaded_by").get(
            pk=as_id(import_id), cohort__in=user.coordinated_cohorts.all()
        )
    except (StudentImport.DoesNotExist, ValueError, TypeError):
        raise Http404("Import niet gevonden.") from None


def imports_of(*, cohort: Cohort) -> QuerySet[StudentImport]:
    return cohort.student_imports.select_related("uploaded_by").defer("rows")


def imported_students(*, student_import: StudentImport) -> QuerySet[User]:
    """The students a confirmed import created, updated or found unchanged, by name."""
    ids = (student_import.summary or {}).get("student_ids", [])
    return (
        User.objects.filter(pk__in=ids)
        .select_related("student_profile__school")
        .order_by(by_name("display_name"), "pk")
    )


def import_schools(*, cohort: Cohort) -> list[School]:
    """The schools a row may name: the cohort's, or every school while the cohort lists none."""
    schools = list(cohort.schools.all())
    return schools or list(School.objects.all())


# --- mapping ------------------------------------------------------------------------------


def _normalise(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def headers_key(headers: list[str]) -> str:
    """The same set of column names, whatever their order or case, gives the same key."""
    names = sorted({_normalise(h) for h in headers})
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our fields mapped to the file's columns by their usual names; unknown stays empty."""
    mapping = dict.fromkeys(FIELDS + FIXED_FIELDS, "")
    taken: set[str] = set()
    normalised = [(h, _normalise(h)) for h in headers]
    # Exact names first, then a column that contains the name ("E-mailadres school").
    for exact in (True, False):
        for name, guesses in HEADER_GUESSES.items():
            if mapping[name]:
                continue
            for header, norm in normalised:
                if header in taken or not norm:
                    continue
                if (norm in guesses) if exact else any(g in norm for g in guesses if len(g) > 4):
                    mapping[name] = header
                    taken.add(header)
                    break
    # A full name column besides first and last name: the parts are more reliable.
    if mapping["first_name"] and mapping["last_name"]:
        mapping["name"] = ""
    return mapping


def remembered_mapping(headers: list[str]) -> dict[str, str] | None:
    """The mapping used before for a file with these columns (the same school's export), if any."""
    found = ImportColumnMapping.objects.filter(headers_key=headers_key(headers)).first()
    if found is None:
        return None
    by_norm = {_normalise(h): h for h in headers}
    # The columns may be spelled or ordered differently this time: map onto this file's names.
    mapping = dict.fromkeys(FIELDS + FIXED_FIELDS, "")
    for name, value in found.mapping.items():
        if name in FIELDS:
            mapping[name] = by_norm.get(_normalise(value or ""), "")
        elif name in FIXED_FIELDS:
            mapping[name] = str(value or "")
    return mapping


def mapping_problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What is missing before a file can be previewed (empty: fine)."""
    problems = []
    unknown = [v for k, v in mapping.items() if k in FIELDS and v and v not in headers]
    if unknown:
        problems.append(_("Deze kolommen staan niet in het bestand: %(names)s.") % {"names": ", ".join(unknown)})
    if not mapping.get("name") and not (mapping.get("first_name") and mapping.get("last_name")):
        problems.append(_("Kies een kolom met de naam, of de kolommen voor voornaam en achternaam."))
    if not mapping.get("email"):
        problems.append(_("Kies de kolom met het e-mailadres."))
    if not mapping.get("niveau") and not mapping.get("fixed_niveau"):
        problems.append(_("Kies de kolom met het niveau, of één niveau voor alle rijen."))
    if not mapping.get("school") and not mapping.get("fixed_school"):
        problems.append(_("Kies de kolom met de school, of één school voor alle rijen."))
    return problems


# --- reading the values -----------------------------------------------------------------------

_NIVEAU_WORDS = re.compile(r"\b(mbo|hbo|niveau|niv|nivo|level|n|ad|bol|bbl)\b|[^0-9a-z]")
_NIVEAU_NAMES = {
    "ad": 5,
    "associatedegree": 5,
    "associate degree": 5,
    "bachelor": 6,
    "hbobachelor": 6,
    "hbo-bachelor": 6,
    "hbo bachelor": 6,
}


def parse_niveau(raw: str) -> int | None:
    """4, 5 or 6 from what schools write: "4", "niveau 4", "N4", "mbo 4", "4.0", "Ad", "bachelor".

    Anything else (also plain "mbo", which can be niveau 1 to 4) is None.
    """
    text = raw.strip().casefold()
    if not text:
        return None
    if text in _NIVEAU_NAMES:
        return _NIVEAU_NAMES[text]
    text = re.sub(r"[.,]0+$", "", text)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # "n4" → "n 4", "mbo4" → "mbo 4"
    rest = _NIVEAU_WORDS.sub("", text)
    if len(rest) == 1 and rest.isdigit():
        return int(rest)
    return None


def _school_key(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class RowPreview:
    """One row of the file: what it says, what is wrong with it, and what confirming would do."""

    line: int  # the line in the file as a spreadsheet numbers it (the header is line 1)
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    student_number: str = ""
    niveau_text: str = ""
    niveau: int | None = None
    school_text: str = ""
    school: School | None = None
    programme: str = ""
    problems: list[str] = field(default_factory=list)
    action: str = ""  # new | unchanged | updated | problem
    changes: list[str] = field(default_factory=list)
    user: User | None = None
    profile: StudentProfile | None = None
    moves_from: Cohort | None = None

    @property
    def email_key(self) -> str:
        return self.email.casefold()


@dataclass
class ImportPreview:
    rows: list[RowPreview]
    schools: list[School]
    cohort_lists_schools: bool

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("new", "unchanged", "updated", "problem")}


def _value(row: list[str], index: dict[str, int], mapping: dict[str, str], name: str) -> str:
    column = mapping.get(name) or ""
    i = index.get(column)
    return row[i].strip() if i is not None and i < len(row) else ""


def _display_name(first: str, infix: str, last: str) -> str:
    return " ".join(part for part in (first, infix, last) if part)


def _read_rows(student_import: StudentImport, schools: list[School]) -> list[RowPreview]:
    mapping = student_import.mapping
    index = {h: i for i, h in enumerate(student_import.headers)}
    by_name = {_school_key(s.name): s for s in schools}
    fixed_school = next((s for s in schools if str(s.pk) == str(mapping.get("fixed_school") or "")), None)
    fixed_niveau = str(mapping.get("fixed_niveau") or "")
    previews = []
    for number, cells in enumerate(student_import.rows, start=2):
        row = RowPreview(line=number)
        first, infix, last = (_value(cells, index, mapping, f) for f in ("first_name", "infix", "last_name"))
        full = _value(cells, index, mapping, "name")
        if first or last:
            row.first_name, row.last_name = first, " ".join(p for p in (infix, last) if p)
            row.name = full or _display_name(first, infix, last)
        elif full:
            row.name = full
            row.first_name, _sep, row.last_name = full.partition(" ")
        row.email = _value(cells, index, mapping, "email")
        row.student_number = _value(cells, index, mapping, "student_number")
        row.programme = _value(cells, index, mapping, "programme")
        # One niveau for the whole file also fills the empty cells of a niveau column.
        row.niveau_text = _value(cells, index, mapping, "niveau") or fixed_niveau
        row.school_text = _value(cells, index, mapping, "school") if mapping.get("school") else ""
        row.school = by_name.get(_school_key(row.school_text)) if row.school_text else fixed_school
        if not row.school_text and fixed_school is not None:
            row.school_text = fixed_school.name
        _check_values(row)
        previews.append(row)
    return previews


def _check_values(row: RowPreview) -> None:
    if not row.name:
        row.problems.append(_("De naam ontbreekt."))
    elif len(row.name) > 150:
        row.problems.append(_("De naam is langer dan 150 tekens."))
    if not row.email:
        row.problems.append(_("Het e-mailadres ontbreekt."))
    else:
        try:
            validate_email(row.email)
        except ValidationError:
            row.problems.append(_("“%(email)s” is geen geldig e-mailadres.") % {"email": row.email})
    if len(row.student_number) > 50:
        row.problems.append(_("Het studentnummer is langer dan 50 tekens."))
    if len(row.programme) > 150:
        row.problems.append(_("De opleiding is langer dan 150 tekens."))
    if not row.niveau_text:
        row.problems.append(_("Het niveau ontbreekt."))
    else:
        niveau = parse_niveau(row.niveau_text)
        if niveau in Niveau.values:
            row.niveau = niveau
        elif niveau is not None:
            row.problems.append(
                _("Niveau %(niveau)s doet niet mee: Wijklab is voor niveau 4, 5 en 6.") % {"niveau": niveau}
            )
        else:
            row.problems.append(
                _("Niveau “%(text)s” is niet duidelijk: schrijf 4, 5 of 6.") % {"text": row.niveau_text}
            )
    if not row.school_text:
        row.problems.append(_("De school ontbreekt."))
    elif row.school is None:
        row.problems.append(_("School “%(school)s” doet niet mee in dit cohort.") % {"school": row.school_text})


def _check_duplicates(rows: list[RowPreview]) -> None:
    by_email: dict[str, list[RowPreview]] = defaultdict(list)
    by_number: dict[tuple[str, str], list[RowPreview]] = defaultdict(list)
    for row in rows:
        if row.email:
            by_email[row.email_key].append(row)
        if row.student_number:
            school = str(row.school.pk) if row.school else _school_key(row.school_text)
            by_number[(school, row.student_number.casefold())].append(row)
    for group in by_email.values():
        for row in group if len(group) > 1 else ():
            others = ", ".join(str(r.line) for r in group if r is not row)
            row.problems.append(
                _("Het e-mailadres %(email)s staat ook in rij %(lines)s van het bestand.")
                % {"email": row.email, "lines": others}
            )
    for group in by_number.values():
        for row in group if len(group) > 1 else ():
            others = ", ".join(str(r.line) for r in group if r is not row)
            row.problems.append(
                _("Studentnummer %(number)s van deze school staat ook in rij %(lines)s van het bestand.")
                % {"number": row.student_number, "lines": others}
            )


def import_preview(*, student_import: StudentImport, today: dt.date | None = None) -> ImportPreview:
    """What confirming ``student_import`` would do, row by row, in a fixed number of queries.

    A student is recognised by student number + school, then by e-mail address.
    """
    cohort = student_import.cohort
    schools = list(cohort.schools.all())
    lists_schools = bool(schools)
    if not schools:
        schools = list(School.objects.all())
    rows = _read_rows(student_import, schools)
    _check_duplicates(rows)

    numbers = {r.student_number for r in rows if r.student_number and r.school}
    school_ids = {r.school.pk for r in rows if r.student_number and r.school}
    by_number: dict[tuple[int, str], StudentProfile] = {}
    if numbers:
        for profile in StudentProfile.objects.filter(
            school_id__in=school_ids, student_number__in=numbers
        ).select_related("user", "cohort", "school"):
            by_number[(profile.school_id, profile.student_number)] = profile
    emails = {r.email_key for r in rows if r.email}
    by_email: dict[str, list[User]] = defaultdict(list)
    if emails:
        # Students found by their number are loaded already: by e-mail only the others (on a
        # re-import that is nobody, which halves the preview's time for a 2,000-row list).
        found = (
            User.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=emails)
            .exclude(pk__in=[p.user_id for p in by_number.values()])
            .select_related("student_profile__cohort", "student_profile__school")
            .order_by("pk")
        )
        for user in found:
            by_email[user.email_key].append(user)
        for profile in by_number.values():
            by_email[profile.user.email.casefold()].append(profile.user)

    today = today or timezone.localdate()
    claimed: dict[int, int] = {}  # user id -> the line that matched it first
    for row in rows:
        if row.problems:
            row.action = "problem"
            continue
        _match(row, by_number=by_number, by_email=by_email, cohort=cohort, today=today, claimed=claimed)
    return ImportPreview(rows=rows, schools=schools, cohort_lists_schools=lists_schools)


def _match(
    row: RowPreview,
    *,
    by_number: dict[tuple[int, str], StudentProfile],
    by_email: dict[str, list[User]],
    cohort: Cohort,
    today: dt.date,
    claimed: dict[int, int],
) -> None:
    profile = by_number.get((row.school.pk, row.student_number)) if row.student_number else None
    with_email = by_email.get(row.email_key, [])
    user = profile.user if profile is not None else None
    if user is not None:
        others = [u for u in with_email if u.pk != user.pk]
        if others:
            row.problems.append(
                _("Het e-mailadres %(email)s hoort al bij een ander account (%(name)s).")
                % {"email": row.email, "name": others[0].get_display_name()}
            )
    elif len(with_email) > 1:
        row.problems.append(
            _("Er zijn meerdere accounts met het e-mailadres %(email)s; pas dit eerst aan in het beheer.")
            % {"email": row.email}
        )
    elif with_email:
        user = with_email[0]
        profile = getattr(user, "student_profile", None)
    if user is not None and not row.problems:
        if user.role != Role.STUDENT:
            row.problems.append(
                _("Het e-mailadres %(email)s hoort bij een account dat geen student is.") % {"email": row.email}
            )
        elif user.pk in claimed:
            row.problems.append(
                _("Dit is dezelfde student als in rij %(line)s van het bestand.") % {"line": claimed[user.pk]}
            )
        elif profile is not None and profile.cohort_id != cohort.pk and cohort_is_active(profile.cohort, today=today):
            row.problems.append(
                _("%(email)s staat al in een ander actief cohort: %(cohort)s.")
                % {"email": row.email, "cohort": profile.cohort.name}
            )
        elif (
            profile is not None
            and row.student_number
            and profile.student_number
            and profile.student_number != row.student_number
            and profile.school_id == row.school.pk
        ):
            row.problems.append(
                _("Deze student heeft bij deze school al studentnummer %(number)s.")
                % {"number": profile.student_number}
            )
    if row.problems:
        row.action = "problem"
        return
    if user is None:
        row.action = "new"
        return
    claimed[user.pk] = row.line
    row.user, row.profile = user, profile
    row.changes = _changes(row, user, profile, cohort)
    if profile is not None and profile.cohort_id != cohort.pk:
        row.moves_from = profile.cohort
    row.action = "updated" if row.changes else "unchanged"


def _changes(row: RowPreview, user: User, profile: StudentProfile | None, cohort: Cohort) -> list[str]:
    """What confirming would change for a known student, as labels for the preview."""
    changes = []
    if user.display_name != row.name:
        changes.append(_("naam"))
    if user.email.casefold() != row.email_key:
        changes.append(_("e-mailadres"))
    if profile is None:
        return [*changes, _("studentprofiel")]
    if profile.niveau != row.niveau:
        changes.append(_("niveau"))
    if profile.school_id != row.school.pk:
        changes.append(_("school"))
    # An empty cell leaves what we know alone: it does not erase it.
    if row.programme and profile.programme != row.programme:
        changes.append(_("opleiding"))
    if row.student_number and profile.student_number != row.student_number:
        changes.append(_("studentnummer"))
    if profile.cohort_id != cohort.pk:
        changes.append(_("cohort"))
    return changes
