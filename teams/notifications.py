"""What Wijklab tells people about teams, each written to its reader.

The student it is about reads it in the second person ("Je bent door de coördinator van Team
Vreewijk naar Team Afrikaander verplaatst"), their teammates read about them ("Emma Smit is bij
jouw team gekomen"), supervisors read it with the team's name, and the people of the assignment's
organisation read a level-blind text: never a niveau, a programme or the composition rules.

Functions, not constants: each text is translated in the language active when it is called,
which ``wijklab.services.notify_each`` makes the reader's. The mail carries the same text
(``wijklab.mail.send_notification_mail``).
"""

from collections.abc import Callable

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from teams.models import MembershipChange, Team, names_itself_team

Text = Callable[[], str]


def team_label(team: Team | str) -> str:
    """A team as named inside a sentence: "Team Vreewijk" as it is, "De Bouwers" as "team De Bouwers".

    Team names often start with "Team" already: a text never says "Team Team Vreewijk".
    """
    name = (team.name if isinstance(team, Team) else team).strip()
    return name if names_itself_team(name) else _("team %(name)s") % {"name": name}


def team_label_first(team: Team | str) -> str:
    """``team_label`` at the start of a sentence."""
    return capfirst(team_label(team))


# --- a roster change ------------------------------------------------------------------------------


def change_for_student(change: MembershipChange) -> tuple[Text, Text] | None:
    """What the student it is about reads, when someone else changed their team (None: they did it themselves)."""
    kinds = MembershipChange.Kind
    if change.kind in (kinds.JOINED, kinds.LEFT):
        return None
    to_team, from_team = change.to_team, change.from_team
    if change.kind == kinds.REMOVED:
        return (
            lambda: _("Je bent door de coördinator uit %(team)s gehaald") % {"team": team_label(from_team)},
            lambda: _("Je zit nu niet in een team. De coördinator laat je weten hoe het verder gaat."),
        )

    def body() -> str:
        return _("Je werkt met dit team aan de opdracht %(assignment)s.") % {"assignment": to_team.assignment.title}

    if from_team is not None:
        return (
            lambda: (
                _("Je bent door de coördinator van %(from)s naar %(to)s verplaatst")
                % {"from": team_label(from_team), "to": team_label(to_team)}
            ),
            body,
        )
    return (lambda: _("Je bent door de coördinator in %(team)s geplaatst") % {"team": team_label(to_team)}, body)


def change_for_teammates(change: MembershipChange, team: Team) -> Text:
    """What the other members of ``team`` (the student's new or old team) read about them."""
    kinds = MembershipChange.Kind
    name = change.student.get_display_name()
    if team == change.to_team:
        if change.kind == kinds.JOINED:
            return lambda: _("%(name)s heeft zich bij jouw team aangesloten") % {"name": name}
        return lambda: _("%(name)s is bij jouw team gekomen") % {"name": name}
    if change.kind == kinds.LEFT:
        return lambda: _("%(name)s heeft jouw team verlaten") % {"name": name}
    if change.kind == kinds.MOVED and change.to_team is not None:
        to_team = change.to_team
        return lambda: (
            _("%(name)s is door de coördinator naar %(team)s verplaatst")
            % {
                "name": name,
                "team": team_label(to_team),
            }
        )
    return lambda: _("%(name)s is door de coördinator uit jouw team gehaald") % {"name": name}


def change_for_supervisors(change: MembershipChange, team: Team) -> Text:
    """What the supervisors of ``team`` read: the change, with the teams' names."""
    kinds = MembershipChange.Kind
    names = {"name": change.student.get_display_name(), "team": team_label(team)}
    if change.kind == kinds.JOINED:
        return lambda: _("%(name)s heeft zich aangesloten bij %(team)s") % names
    if change.kind == kinds.LEFT:
        return lambda: _("%(name)s heeft %(team)s verlaten") % names
    if change.kind == kinds.MOVED and change.from_team is not None and change.to_team is not None:
        moved = {"name": names["name"], "from": team_label(change.from_team), "to": team_label(change.to_team)}
        return lambda: _("%(name)s is door de coördinator van %(from)s naar %(to)s verplaatst") % moved
    if team == change.to_team:
        return lambda: _("%(name)s is door de coördinator in %(team)s geplaatst") % names
    return lambda: _("%(name)s is door de coördinator uit %(team)s gehaald") % names


def change_for_organisation(change: MembershipChange, team: Team) -> tuple[Text, Text]:
    """What the people of the assignment's organisation read: who came or went. Level-blind."""
    names = {"name": change.student.get_display_name(), "team": team_label(team)}
    assignment = team.assignment.title
    body = lambda: _("Opdracht: %(assignment)s.") % {"assignment": assignment}  # noqa: E731
    from_team = change.from_team
    if (
        team == change.to_team
        and from_team is not None
        and from_team.assignment.organisation_id == team.assignment.organisation_id
    ):
        moved = {"name": names["name"], "from": team_label(from_team), "to": names["team"]}
        return lambda: _("%(name)s is van %(from)s naar %(to)s gegaan") % moved, body
    if team == change.to_team:
        return lambda: _("%(name)s is bij %(team)s gekomen") % names, body
    return lambda: _("%(name)s zit niet meer in %(team)s") % names, body


def team_formed_for_organisation(team: Team, first_member: str) -> tuple[Text, Text]:
    """A team on the organisation's assignment has its first member. Level-blind."""
    values = {"team": team_label_first(team), "assignment": team.assignment.title, "name": first_member}
    return (
        lambda: _("%(team)s is gevormd voor jullie opdracht %(assignment)s") % values,
        lambda: _("%(name)s is het eerste teamlid.") % values,
    )


# --- a team complete, a team started ----------------------------------------------------------------


def team_complete_for_members(team: Team) -> tuple[Text, Text]:
    return (
        lambda: _("Jouw team is compleet"),
        lambda: (
            _("%(team)s voldoet aan de samenstelling die de opdracht %(assignment)s vraagt.")
            % {"team": team_label_first(team), "assignment": team.assignment.title}
        ),
    )


def team_complete_for_supervisors(team: Team) -> tuple[Text, Text]:
    return (
        lambda: _("%(team)s is compleet") % {"team": team_label_first(team)},
        lambda: (
            _("Het team voldoet aan de samenstelling die de opdracht %(assignment)s vraagt.")
            % {"assignment": team.assignment.title}
        ),
    )


def team_started_for_members(team: Team) -> tuple[Text, Text]:
    return (
        lambda: _("Jouw team is van start gegaan"),
        lambda: (
            _(
                "%(team)s werkt nu aan de opdracht %(assignment)s. Wil je van team wisselen, vraag het dan aan de "
                "coördinator."
            )
            % {"team": team_label_first(team), "assignment": team.assignment.title}
        ),
    )


def team_started_for_others(team: Team) -> tuple[Text, Text]:
    """For supervisors and the organisation (level-blind)."""
    return (
        lambda: _("%(team)s is van start gegaan") % {"team": team_label_first(team)},
        lambda: _("Het team werkt nu aan de opdracht %(assignment)s.") % {"assignment": team.assignment.title},
    )


# --- a formation run published ----------------------------------------------------------------------


def formation_for_placed(team: Team, from_team: Team | None, explanation: Text) -> tuple[Text, Text]:
    """A student the published run put in a team (new in a team, or from another one)."""

    def title() -> str:
        if from_team is None:
            return _("Je bent in %(team)s geplaatst") % {"team": team_label(team)}
        return _("Je bent door de coördinator van %(from)s naar %(to)s verplaatst") % {
            "from": team_label(from_team),
            "to": team_label(team),
        }

    def body() -> str:
        lines = [_("Je werkt met dit team aan de opdracht %(assignment)s.") % {"assignment": team.assignment.title}]
        return "\n".join([*lines, explanation()]).strip()

    return title, body


def formation_for_unplaced(from_team: Team) -> tuple[Text, Text]:
    return (
        lambda: _("Je bent door de coördinator uit %(team)s gehaald") % {"team": team_label(from_team)},
        lambda: _("De coördinator heeft de teams opnieuw ingedeeld; je hoort binnenkort meer."),
    )


def formation_for_teammate(team: Team, *, arrived: list[str], left: list[str], roster: list[str]) -> tuple[Text, Text]:
    """A student who stayed in a team the run changed: who came and who went, by name."""

    def title() -> str:
        if len(arrived) == 1 and not left:
            return _("%(name)s is bij jouw team gekomen") % {"name": arrived[0]}
        if len(left) == 1 and not arrived:
            return _("%(name)s zit niet meer in jouw team") % {"name": left[0]}
        return _("De samenstelling van jouw team is veranderd")

    def body() -> str:
        lines = []
        if arrived:
            lines.append(_("Nieuw in jouw team: %(names)s.") % {"names": ", ".join(arrived)})
        if left:
            lines.append(_("Niet meer in jouw team: %(names)s.") % {"names": ", ".join(left)})
        lines.append(_("%(team)s is nu: %(names)s.") % {"team": team_label_first(team), "names": ", ".join(roster)})
        return "\n".join(lines)

    return title, body


def formation_for_followers(
    teams: list[Team], rosters: dict[int, list[str]], *, organisation: bool
) -> tuple[Text, Text]:
    """Supervisors and the organisation's contacts of the changed teams: which team, who is in it. Level-blind."""

    def title() -> str:
        if organisation and len(teams) == 1:
            return _("%(team)s is ingedeeld voor jullie opdracht %(assignment)s") % {
                "team": team_label_first(teams[0]),
                "assignment": teams[0].assignment.title,
            }
        if organisation:
            return _("%(count)s teams zijn ingedeeld voor jullie opdrachten") % {"count": len(teams)}
        if len(teams) == 1:
            return _("%(team)s is ingedeeld") % {"team": team_label_first(teams[0])}
        return _("%(count)s teams zijn ingedeeld") % {"count": len(teams)}

    def body() -> str:
        return "\n".join(
            _("%(team)s (%(assignment)s): %(names)s")
            % {"team": team_label_first(t), "assignment": t.assignment.title, "names": ", ".join(rosters[t.pk])}
            for t in teams
        )

    return title, body
