"""Texts are written for whoever reads them: an organisation is not addressed as a student."""

import pytest
from django.urls import reverse

from teams.models import team_title


@pytest.mark.parametrize(
    ("who", "shown", "not_shown"),
    [
        ("student4", "een opdracht die je koos", None),
        ("org_contact", "aan je opdrachten of aan de teams die eraan werken", "die je koos"),
        ("werkbegeleider", "in de teams en bij de studenten die je volgt", "die je koos"),
        ("mbo_docent", "in de teams en bij de studenten die je volgt", "die je koos"),
        ("coordinator", "in de teams en bij de studenten die je volgt", "die je koos"),
    ],
)
def test_an_empty_notification_page_speaks_to_the_reader(request, client, who, shown, not_shown):
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("notifications")).content.decode()
    assert "Je hebt geen meldingen." in html
    assert shown in html
    if not_shown:
        assert not_shown not in html


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Team Afrikaander", "Team Afrikaander"),
        ("team oost", "team oost"),
        ("TEAM Zuid", "TEAM Zuid"),
        ("Klaproos", "Team Klaproos"),
        ("Teamgeest", "Team Teamgeest"),
    ],
)
def test_a_team_is_named_team_once(name, title):
    assert team_title(name) == title
