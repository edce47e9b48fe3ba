"""The rules an assignment and a ranking of preferences must meet, written once.

The API serializers and the htmx forms parse their input (numbers, dates, ids)
and then call these functions, so both show the same Dutch message for the
same mistake. The services call them again just before they write, so nothing
reaches the database without passing them — whoever the caller is.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment, AssignmentCompetence, Phase, Preference
from wijklab.models import Competence, Neighbourhood, Organisation, Role, SupervisorKind, User
from wijklab.names import by_name

TEAM_SIZE_LIMITS = (2, 15)
HOURS_LIMITS = (1, 40)
MAX_COMPETENCES = 8
MAX_PREFERENCES = 5

TEXT_FIELDS = ("title", "description", "target_group", "goal", "expected_result")
NUMBER_FIELDS = ("team_size_min", "team_size_max", "min_niveau_4", "min_niveau_5", "min_niveau_6", "hours_per_week")
# Every field a poster fills in, in the order of the form.
ASSIGNMENT_FIELDS = (
    "title",
    "description",
    "neighbourhood",
    "phase",
    "target_group",
    "goal",
    "expected_result",
    "competences",
    "team_size_min",
    "team_size_max",
    "min_niveau_4",
    "min_niveau_5",
    "min_niveau_6",
    "requires_hbo",
    "starts_on",
    "ends_on",
    "hours_per_week",
    "contact_person",
)
# Fields whose rules look at each other: a change in one can fix or break another.
FIELD_GROUPS = (
    frozenset({"team_size_min", "team_size_max", "min_niveau_4", "min_niveau_5", "min_niveau_6", "requires_hbo"}),
    frozenset({"starts_on", "ends_on"}),
)

# Tags, comments, doctypes and processing instructions; Markdown autolinks
# (<https://…>) are fine and are taken out before this check.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^<>\s]+>", re.IGNORECASE)
# A Markdown link or reference pointing at a scheme that runs code.
_SCRIPT_LINK = re.compile(
    r"(\]\(\s*<?|^\s*\[[^\]]*\]:\s*<?)\s*(?:javascript|vbscript|data)\s*:", re.IGNORECASE | re.MULTILINE
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MSG_MARKUP = _("Gebruik hier geen HTML of scripts. Opmaak kan met Markdown, zoals **vet** of een lijstje met -.")
MSG_SCRIPT_LINK = _("Links mogen alleen naar een webadres (https://…) of e-mailadres wijzen.")
MSG_CONTROL = _("De tekst bevat onzichtbare stuurtekens; typ of plak hem opnieuw.")
MSG_TOO_LONG = _("Gebruik hooguit %(limit)d tekens (nu %(length)d).")
MSG_REQUIRED = {
    "title": _("Geef de opdracht een titel."),
    "description": _("Beschrijf de opdracht."),
    "neighbourhood": _("Kies de wijk."),
    "starts_on": _("Vul een begindatum in."),
    "ends_on": _("Vul een einddatum in."),
}
MSG_NUMBER_REQUIRED = _("Vul een aantal in.")
MSG_UNKNOWN_NEIGHBOURHOOD = _("Deze wijk kennen we niet. Kies een wijk uit de lijst.")
MSG_UNKNOWN_COMPETENCE = _("Competentie %(value)s kennen we niet. Kies competenties uit de lijst.")
MSG_UNKNOWN_ORGANISATION = _("Deze organisatie kennen we niet. Kies een organisatie uit de lijst.")
MSG_PHASE = _("Kies een fase: verkenning, begeleiding of waakvlam.")
MSG_IMPORTANCE = _("Kies een belang: 1 (handig), 2 (belangrijk) of 3 (onmisbaar).")
MSG_NO_COMPETENCES = _("Kies minstens één competentie die de opdracht vraagt.")
MSG_TOO_MANY_COMPETENCES = _("Kies hooguit %(max)d competenties: de belangrijkste.")
MSG_DOUBLE_COMPETENCE = _("Elke competentie mag maar één keer in de lijst staan.")
MSG_TEAM_SIZE_RANGE = _("Een team heeft minstens %(low)d en hooguit %(high)d studenten.")
MSG_MIN_ABOVE_MAX = _("De maximale teamgrootte (%(max)d) is kleiner dan de minimale (%(min)d).")
MSG_NIVEAU_RANGE = _("Vul een aantal van 0 tot en met %(high)d in.")
MSG_NIVEAUS_DO_NOT_FIT = _(
    "De minimumaantallen per niveau (samen %(total)d) passen niet in een team van hooguit %(max)d studenten. "
    "Verhoog de maximale teamgrootte of verlaag de minimumaantallen."
)
MSG_HBO_SET_TO_ONE = _(
    "Een jeugdcasus met risico's vraagt minstens één niveau 6-student. We hebben het minimum voor niveau 6 op 1 gezet."
)
MSG_END_BEFORE_START = _("De einddatum ligt vóór de begindatum.")
MSG_HOURS_RANGE = _("Vul een aantal uren per week van %(low)d tot en met %(high)d in.")
MSG_CONTACT_ELSEWHERE = _("Kies een contactpersoon of werkbegeleider van %(organisation)s.")

MSG_TOO_MANY_PREFERENCES = _("Je kunt hooguit %(max)d opdrachten kiezen.")
MSG_RANK_RANGE = _("Keuze %(rank)s bestaat niet: gebruik de nummers 1 tot en met %(max)d.")
MSG_RANK_TWICE = _("Keuze %(rank)d staat er meer dan één keer in.")
MSG_ASSIGNMENT_TWICE = _("Opdracht “%(title)s” staat er meer dan één keer in.")
MSG_ASSIGNMENT_NOT_CHOOSABLE = _("Opdracht %(value)s kun je niet kiezen: kies een open opdracht uit je eigen cohort.")
MSG_MOTIVATION = _("Motivatie bij keuze %(rank)d: %(message)s")


def text_problems(value: str, *, limit: int | None) -> list[str | Promise]:
    """What is wrong with a piece of text people typed (empty list: nothing)."""
    problems: list[str | Promise] = []
    if limit is not None and len(value) > limit:
        problems.append(MSG_TOO_LONG % {"limit": limit, "length": len(value)})
    if _CONTROL.search(value):
        problems.append(MSG_CONTROL)
    if _MARKUP.search(_AUTOLINK.sub("", value)):
        problems.append(MSG_MARKUP)
    elif _SCRIPT_LINK.search(value):
        problems.append(MSG_SCRIPT_LINK)
    return problems


def max_length(field: str, model: type = Assignment) -> int | None:
    return model._meta.get_field(field).max_length


def allowed_contact_people(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's own contacts and werkbegeleiders."""
    return User.objects.filter(
        Q(role=Role.ORGANISATION, organisation=organisation)
        | Q(
            role=Role.SUPERVISOR,
            supervisor_profile__kind=SupervisorKind.WERKBEGELEIDER,
            supervisor_profile__organisation=organisation,
        ),
        is_active=True,
    ).order_by(by_name("display_name"), by_name("username"))


def defaults() -> dict[str, Any]:
    """The values a new assignment starts from (the model's defaults)."""
    values: dict[str, Any] = {name: None for name in ASSIGNMENT_FIELDS}
    for name in ASSIGNMENT_FIELDS:
        if name in {"competences", "neighbourhood", "contact_person"}:
            continue
        field = Assignment._meta.get_field(name)
        if field.has_default():
            values[name] = field.get_default()
        elif name in TEXT_FIELDS:
            values[name] = ""
    values["competences"] = []
    return values


def values_of(assignment: Assignment) -> dict[str, Any]:
    """The current values of an assignment, in the shape ``clean_assignment`` takes."""
    values = {name: getattr(assignment, name) for name in ASSIGNMENT_FIELDS if name != "competences"}
    values["competences"] = [(rc.competence, rc.importance) for rc in assignment.required_competences.all()]
    return values


def apply_corrections(values: dict[str, Any]) -> dict[str, list[str]]:
    """What we correct rather than refuse; returns per field what was changed (to tell people).

    The law asks for a registered (hbo) professional on youth cases with risks;
    the issue asks us to set the niveau 6 minimum to one rather than refuse.
    Safe to call twice: the second time there is nothing left to correct.
    """
    warnings: dict[str, list[str]] = {}
    values["requires_hbo"] = bool(values.get("requires_hbo"))
    if values["requires_hbo"] and values.get("min_niveau_6") == 0:
        values["min_niveau_6"] = 1
        warnings["min_niveau_6"] = [str(MSG_HBO_SET_TO_ONE)]
    return warnings


def clean_assignment(values: dict[str, Any], *, organisation: Organisation) -> dict[str, list[str]]:
    """Check all fields of an assignment; correct what may be corrected and say so.

    ``values`` holds every field of ``ASSIGNMENT_FIELDS`` as Python values
    (model instances for neighbourhood and contact person, a list of
    ``(Competence, importance)`` for competences). Raises ``ValidationError``
    with a Dutch message per field; returns warnings per field for what was
    corrected (``requires_hbo`` without a niveau 6 minimum gets one).
    """
    errors: dict[str, list[str | Promise]] = defaultdict(list)
    warnings = apply_corrections(values)

    for name in TEXT_FIELDS:
        value = values.get(name)
        value = "" if value is None else str(value).strip()
        values[name] = value
        if not value and name in MSG_REQUIRED:
            errors[name].append(MSG_REQUIRED[name])
            continue
        errors[name].extend(text_problems(value, limit=max_length(name)))

    if values.get("neighbourhood") is None:
        errors["neighbourhood"].append(MSG_REQUIRED["neighbourhood"])
    elif not isinstance(values["neighbourhood"], Neighbourhood):
        errors["neighbourhood"].append(MSG_UNKNOWN_NEIGHBOURHOOD)

    if values.get("phase") not in Phase.values:
        errors["phase"].append(MSG_PHASE)

    competences = list(values.get("competences") or [])
    if not competences:
        errors["competences"].append(MSG_NO_COMPETENCES)
    elif len(competences) > MAX_COMPETENCES:
        errors["competences"].append(MSG_TOO_MANY_COMPETENCES % {"max": MAX_COMPETENCES})
    seen: set[int] = set()
    for competence, importance in competences:
        if not isinstance(competence, Competence):
            errors["competences"].append(MSG_UNKNOWN_COMPETENCE % {"value": competence})
            continue
        if competence.pk in seen:
            errors["competences"].append(MSG_DOUBLE_COMPETENCE)
        seen.add(competence.pk)
        if importance not in AssignmentCompetence.Importance.values:
            errors["competences"].append(MSG_IMPORTANCE)

    numbers_ok = True
    for name in NUMBER_FIELDS:
        if values.get(name) is None:
            errors[name].append(MSG_NUMBER_REQUIRED)
            numbers_ok = False
    if numbers_ok:
        low, high = TEAM_SIZE_LIMITS
        for name in ("team_size_min", "team_size_max"):
            if not low <= values[name] <= high:
                errors[name].append(MSG_TEAM_SIZE_RANGE % {"low": low, "high": high})
                numbers_ok = False
        for name in ("min_niveau_4", "min_niveau_5", "min_niveau_6"):
            if not 0 <= values[name] <= high:
                errors[name].append(MSG_NIVEAU_RANGE % {"high": high})
                numbers_ok = False
        if not HOURS_LIMITS[0] <= values["hours_per_week"] <= HOURS_LIMITS[1]:
            errors["hours_per_week"].append(MSG_HOURS_RANGE % {"low": HOURS_LIMITS[0], "high": HOURS_LIMITS[1]})
    if numbers_ok:
        if values["team_size_min"] > values["team_size_max"]:
            errors["team_size_max"].append(
                MSG_MIN_ABOVE_MAX % {"min": values["team_size_min"], "max": values["team_size_max"]}
            )
        total = values["min_niveau_4"] + values["min_niveau_5"] + values["min_niveau_6"]
        if total > values["team_size_max"]:
            errors["team_size_max"].append(MSG_NIVEAUS_DO_NOT_FIT % {"total": total, "max": values["team_size_max"]})

    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on is None:
        errors["starts_on"].append(MSG_REQUIRED["starts_on"])
    if ends_on is None:
        errors["ends_on"].append(MSG_REQUIRED["ends_on"])
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"].append(MSG_END_BEFORE_START)

    contact = values.get("contact_person")
    # One message for "unknown" and "someone else's": ids of other people are nobody's business.
    if contact is not None and (
        not isinstance(contact, User)
        or not allowed_contact_people(organisation=organisation).filter(pk=contact.pk).exists()
    ):
        errors["contact_person"].append(MSG_CONTACT_ELSEWHERE % {"organisation": organisation.name})

    problems = {name: [str(m) for m in messages] for name, messages in errors.items() if messages}
    if problems:
        raise ValidationError(problems)
    return warnings


@dataclass(frozen=True)
class RankingEntry:
    assignment: Assignment
    rank: int
    motivation: str = ""


def clean_ranking(entries: list[RankingEntry], *, choosable_ids: set[int]) -> list[RankingEntry]:
    """Check a student's whole ranking; returns it with motivations tidied.

    ``choosable_ids`` are the assignments this student may rank (open, own
    cohort). Raises ``ValidationError({field: [messages]})``; each message
    names the choice it is about, since a ranking is one list.
    """
    errors: dict[str, list[str | Promise]] = defaultdict(list)
    if len(entries) > MAX_PREFERENCES:
        errors["non_field_errors"].append(MSG_TOO_MANY_PREFERENCES % {"max": MAX_PREFERENCES})
    ranks: set[int] = set()
    assignments: set[int] = set()
    cleaned: list[RankingEntry] = []
    limit = max_length("motivation", Preference)
    for entry in entries:
        if not 1 <= entry.rank <= MAX_PREFERENCES:
            errors["rank"].append(MSG_RANK_RANGE % {"rank": entry.rank, "max": MAX_PREFERENCES})
        elif entry.rank in ranks:
            errors["rank"].append(MSG_RANK_TWICE % {"rank": entry.rank})
        ranks.add(entry.rank)
        if entry.assignment.pk not in choosable_ids:
            errors["assignment"].append(MSG_ASSIGNMENT_NOT_CHOOSABLE % {"value": entry.assignment.pk})
        elif entry.assignment.pk in assignments:
            errors["assignment"].append(MSG_ASSIGNMENT_TWICE % {"title": entry.assignment.title})
        assignments.add(entry.assignment.pk)
        motivation = (entry.motivation or "").strip()
        for message in text_problems(motivation, limit=limit):
            errors["motivation"].append(MSG_MOTIVATION % {"rank": entry.rank, "message": message})
        cleaned.append(RankingEntry(assignment=entry.assignment, rank=entry.rank, motivation=motivation))
    problems = {name: [str(m) for m in messages] for name, messages in errors.items() if messages}
    if problems:
        raise ValidationError(problems)
    return cleaned
