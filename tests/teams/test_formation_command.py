"""``manage.py formation_solve``: the engine on a file, with the exit codes of the API contract."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command


def cohort(**extra) -> dict:
    return {
        "rules": {"min_shared_weekdays": 1, "only_ranked": True, "max_teams_per_assignment": 1},
        "assignments": [
            {
                "id": "A1",
                "team_size_min": 3,
                "team_size_max": 4,
                "min_niveau_4": 1,
                "min_niveau_5": 0,
                "min_niveau_6": 1,
                "requires_hbo": False,
                "competences": {"C3": 3},
            }
        ],
        "students": [
            {
                "id": "s-1",
                "niveau": 4,
                "school": "albeda",
                "competences": ["C3"],
                "weekdays": [0, 2],
                "preferences": ["A1"],
            },
            {"id": "s-2", "niveau": 6, "school": "hr", "competences": [], "weekdays": [0, 3], "preferences": ["A1"]},
            {"id": "s-3", "niveau": 5, "school": "hr", "competences": [], "weekdays": [0], "preferences": ["A1"]},
            {"id": "s-4", "niveau": 5, "school": "hr", "competences": [], "weekdays": [1], "preferences": []},
        ],
        **extra,
    }


def write(tmp_path: Path, data: object, name: str = "cohort.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def run(*args: str) -> int:
    try:
        call_command("formation_solve", *args)
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_a_valid_cohort_gives_exit_0_and_a_proposal_file(tmp_path, capsys):
    out = tmp_path / "proposal.json"
    code = run(str(write(tmp_path, cohort())), "--output", str(out), "--time-limit", "3", "--seed", "1")
    assert code == 0
    proposal = json.loads(out.read_text(encoding="utf-8"))
    assert proposal["status"] == "optimal"
    assert proposal["teams"][0]["members"] == ["s-1", "s-2", "s-3"]
    assert proposal["unplaced"] == [
        {
            "student": "s-4",
            "reason": "Je hebt geen voorkeuren opgegeven.",
            "why": {"code": "no_preferences", "params": {}},
        }
    ]
    assert set(proposal) >= {
        "status",
        "wall_s",
        "objective",
        "bound",
        "gap",
        "teams",
        "unplaced",
        "students",
        "preference_profile",
        "conflicts",
    }
    summary = capsys.readouterr().err
    assert summary.startswith("3 van 4 studenten geplaatst, status optimal,")
    # The wall time in the command's language: a Dutch decimal comma.
    assert re.search(r", \d+,\d s, bewezen het best haalbare", summary), summary


def test_without_output_the_proposal_goes_to_stdout(tmp_path, capsys):
    assert run(str(write(tmp_path, cohort())), "--time-limit", "3") == 0
    assert json.loads(capsys.readouterr().out)["preference_profile"]["1"] == 3


def test_weights_and_workers_are_accepted(tmp_path, capsys):
    path = str(write(tmp_path, cohort()))
    assert run(path, "--time-limit", "3", "--weights", '{"competences": 2}', "--workers", "1") == 0
    assert json.loads(capsys.readouterr().out)["weights"]["competences"] == 2.0


def test_no_valid_proposal_gives_exit_3_and_still_writes_the_conflicts(tmp_path, capsys):
    data = cohort(locked=[{"assignment": "A1", "members": ["s-1", "s-2"], "closed": True}])
    out = tmp_path / "proposal.json"
    assert run(str(write(tmp_path, data)), "--output", str(out), "--time-limit", "3") == 3
    proposal = json.loads(out.read_text(encoding="utf-8"))
    assert proposal["status"] == "infeasible"
    assert proposal["conflicts"][0]["code"] == "locked_team_invalid"
    assert "Het gesloten team op A1 (s-1, s-2)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "geen geldige JSON (regel 1, kolom 2)"),
        ('["a list"]', "moet een object zijn"),
        (
            json.dumps({**cohort(), "students": [{"id": "s-1", "niveau": 7}]}),
            "students[0].niveau: niveau moet 4, 5 of 6 zijn",
        ),
        (json.dumps({"students": []}), "assignments: ontbreekt"),
    ],
)
def test_a_file_that_is_not_a_valid_cohort_gives_exit_2_naming_the_field(tmp_path, capsys, content, message):
    assert run(str(write(tmp_path, content))) == 2
    assert message in capsys.readouterr().err


def test_a_missing_file_gives_exit_2(tmp_path, capsys):
    assert run(str(tmp_path / "nothing.json")) == 2
    assert "bestand niet te lezen" in capsys.readouterr().err


def test_bad_weights_give_exit_2(tmp_path, capsys):
    assert run(str(write(tmp_path, cohort())), "--weights", '{"speed": 1}') == 2
    assert "weights.speed" in capsys.readouterr().err
