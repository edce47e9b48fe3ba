"""The composition rules of docs/design.md, written once.

Pure functions over an assignment's requirements and a team's head count per
niveau, so that the join service (which enforces them under a row lock), the
coordinator's move, the team page and the API all judge a team the same way.

A team is valid when
1. its size is within the assignment's min/max;
2. it has at least the assignment's minimum per niveau, and is never a
   single-level team of more than one person;
3. for ``requires_hbo``: at least one niveau 6 member (and an hbo docent among
   its supervisors, which students cannot change and so never blocks a join);
4. a student is in at most one active team per cohort (a database constraint).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

NIVEAUS = (4, 5, 6)


@dataclass(frozen=True)
class Requirements:
    size_min: int
    size_max: int
    min_per_niveau: Mapping[int, int]
    requires_hbo: bool = False

    @classmethod
    def of(cls, assignment: object) -> "Requirements":
        requires_hbo = bool(getattr(assignment, "requires_hbo", False))
        return cls(
            size_min=assignment.team_size_min,
            size_max=assignment.team_size_max,
            min_per_niveau={
                4: assignment.min_niveau_4,
                5: assignment.min_niveau_5,
                # A youth case with risks needs a registered (hbo-level) professional.
                6: max(assignment.min_niveau_6, 1 if requires_hbo else 0),
            },
            requires_hbo=requires_hbo,
        )


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    # Whether the message speaks about niveaus: such problems are never shown
    # to viewers who may not see niveaus (organisation contacts).
    about_niveau: bool = False


@dataclass
class Counts:
    """Head count per niveau of a team's active members."""

    per_niveau: dict[int, int] = field(default_factory=lambda: dict.fromkeys(NIVEAUS, 0))

    @classmethod
    def of(cls, niveaus: "list[int] | tuple[int, ...]") -> "Counts":
        counts = cls()
        for niveau in niveaus:
            counts.per_niveau[niveau] = counts.per_niveau.get(niveau, 0) + 1
        return counts

    @property
    def size(self) -> int:
        return sum(self.per_niveau.values())

    def plus(self, niveau: int) -> "Counts":
        new = dict(self.per_niveau)
        new[niveau] = new.get(niveau, 0) + 1
        return Counts(new)

    def levels(self) -> set[int]:
        return {n for n, c in self.per_niveau.items() if c > 0}


def shortfall(req: Requirements, counts: Counts) -> dict[int, int]:
    """Per niveau, how many more members of that niveau the team still needs."""
    return {
        n: req.min_per_niveau.get(n, 0) - counts.per_niveau.get(n, 0)
        for n in NIVEAUS
        if req.min_per_niveau.get(n, 0) > counts.per_niveau.get(n, 0)
    }


def needs_other_level(req: Requirements, counts: Counts) -> bool:
    """A single-level team that will have more than one person still needs someone of another niveau."""
    levels = counts.levels()
    if len(levels) != 1:
        return False
    will_be_more_than_one = counts.size > 1 or req.size_min > 1
    if not will_be_more_than_one:
        return False
    (level,) = levels
    # A missing minimum of another niveau already brings that someone.
    return not any(n != level for n in shortfall(req, counts))


def seats_needed(req: Requirements, counts: Counts) -> int:
    """The fewest members the team must still gain to be valid."""
    by_niveau = sum(shortfall(req, counts).values()) + (1 if needs_other_level(req, counts) else 0)
    return max(req.size_min - counts.size, by_niveau, 0)


def is_complete(req: Requirements, counts: Counts) -> bool:
    return req.size_min <= counts.size <= req.size_max and seats_needed(req, counts) == 0


def _niveau_list(niveaus: list[int]) -> str:
    names = [str(n) for n in sorted(niveaus)]
    if len(names) == 1:
        return names[0]
    return str(format_lazy("{} {} {}", ", ".join(names[:-1]), _("en"), names[-1]))


def join_refusal(req: Requirements, counts: Counts, niveau: int) -> Refusal | None:
    """Why a student of ``niveau`` may not take a seat, or None when the join keeps the team completable."""
    if counts.size >= req.size_max:
        return Refusal("team_full", str(_("Dit team is vol.")))
    after = counts.plus(niveau)
    free_after = req.size_max - after.size
    if seats_needed(req, after) <= free_after:
        return None
    free_now = req.size_max - counts.size
    missing = shortfall(req, counts)
    if missing:
        niveaus = sorted(missing)
        if free_now == 1 and len(niveaus) == 1:
            message = _("Dit team heeft de laatste plek nodig voor een niveau %(niveau)s-student.") % {
                "niveau": niveaus[0]
            }
        else:
            message = ngettext_lazy(
                "Dit team heeft de laatste plek nodig voor een student van niveau %(niveaus)s.",
                "Dit team heeft de laatste %(count)s plekken nodig voor studenten van niveau %(niveaus)s.",
                free_now,
            ) % {"count": free_now, "niveaus": _niveau_list(niveaus)}
        return Refusal("needs_niveau", str(message))
    # No minimum is missing: the seat is needed to keep the team mixed.
    return Refusal(
        "needs_niveau",
        str(
            _("Dit team heeft de laatste plek nodig voor een student van een ander niveau, zodat het team gemengd is.")
        ),
    )


COMPOSITION_REFUSED = _("De samenstelling van het team laat dit niet toe.")


def unnamed(refusal: Refusal | None) -> Refusal | None:
    """The refusal as told to someone outside the team: a ``needs_niveau`` never names the niveaus the
    team misses (that would tell who in it has which niveau, docs/visibility.md)."""
    if refusal is None or refusal.code != "needs_niveau":
        return refusal
    return Refusal(refusal.code, str(COMPOSITION_REFUSED))


# wijklab.models.SupervisorKind.HBO_DOCENT; the rules stay free of models.
HBO_DOCENT = "hbo_docent"


def lacks_hbo_docent(*, requires_hbo: bool, supervisor_kinds: Iterable[str]) -> bool:
    """A youth case (``requires_hbo``) needs an hbo docent among the team's supervisors.

    The one statement of that rule: the team problems below and the coordinator's supervision
    pages both ask it.
    """
    return requires_hbo and HBO_DOCENT not in set(supervisor_kinds)


def problems(
    req: Requirements,
    counts: Counts,
    *,
    supervisor_kinds: Iterable[str] | None,
    youth_case_duo: "bool | None" = None,
    youth_case_duo_has_niveau_6: bool = False,
) -> list[Problem]:
    """What still keeps a team from being valid, for the team page and the API.

    ``supervisor_kinds``: the kinds of the team's supervisors (None when the caller does not
    look at supervisors). ``youth_case_duo``: for requires_hbo teams whether some duo carries
    the youth case (None when the caller does not look at duos).
    """
    found: list[Problem] = []
    if counts.size > req.size_max:
        found.append(
            Problem("too_big", str(_("Het team is groter dan de opdracht toestaat (%(max)s).") % {"max": req.size_max}))
        )
    if counts.size < req.size_min:
        missing_people = req.size_min - counts.size
        found.append(
            Problem(
                "too_small",
                str(
                    ngettext_lazy(
                        "Het team heeft nog %(count)s lid nodig.",
                        "Het team heeft nog %(count)s leden nodig.",
                        missing_people,
                    )
                    % {"count": missing_people}
                ),
            )
        )
    for niveau, count in shortfall(req, counts).items():
        found.append(
            Problem(
                "needs_niveau",
                str(
                    ngettext_lazy(
                        "Er is nog %(count)s niveau %(niveau)s-student nodig.",
                        "Er zijn nog %(count)s niveau %(niveau)s-studenten nodig.",
                        count,
                    )
                    % {"count": count, "niveau": niveau}
                ),
                about_niveau=True,
            )
        )
    if needs_other_level(req, counts) and counts.size > 1:
        found.append(
            Problem(
                "single_level",
                str(_("Het team bestaat uit studenten van één niveau; er is iemand van een ander niveau nodig.")),
                about_niveau=True,
            )
        )
    if req.requires_hbo:
        if supervisor_kinds is not None and lacks_hbo_docent(requires_hbo=True, supervisor_kinds=supervisor_kinds):
            found.append(
                Problem(
                    "needs_hbo_docent",
                    str(_("Deze jeugdcasus vraagt een hbo-docent als begeleider; die is nog niet toegewezen.")),
                )
            )
        if youth_case_duo is False:
            found.append(
                # about_niveau: whether some duo carries the youth case tells whether the team has a
                # niveau 6 student in a duo (the duo that carries it must have one).
                Problem(
                    "no_youth_case_duo",
                    str(_("Nog geen duo draagt de verantwoordelijkheid voor de jeugdcasus.")),
                    about_niveau=True,
                )
            )
        elif youth_case_duo and not youth_case_duo_has_niveau_6:
            found.append(
                Problem(
                    "youth_case_duo_needs_niveau_6",
                    str(_("Het duo met de jeugdcasus heeft geen niveau 6-student.")),
                    about_niveau=True,
                )
            )
    return found


# Problems about one duo speak about two named people: even the general line
# would tell an organisation whether one of those two is a niveau 6 student.
ABOUT_A_DUO = frozenset({"youth_case_duo_needs_niveau_6"})


def level_blind(found: list[Problem]) -> list[Problem]:
    """The problems an organisation contact may read: niveau-specific ones become one general line.

    The general line only ever reflects the team's mix as a whole (as the
    team's completeness does), never a duo's.
    """
    found = [p for p in found if p.code not in ABOUT_A_DUO]
    blind = [p for p in found if not p.about_niveau]
    if len(blind) != len(found):
        blind.append(
            Problem("composition", str(_("De samenstelling van het team voldoet nog niet aan wat de opdracht vraagt.")))
        )
    return blind
