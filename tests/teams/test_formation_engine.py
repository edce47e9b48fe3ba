"""The team-formation engine on small cohorts whose answer is known (no database)."""

import random

import pytest

from teams import formation

EVERY_DAY = [0, 1, 2, 3, 4]


def assignment(aid: str, size: tuple[int, int] = (2, 4), n4: int = 1, n5: int = 0, n6: int = 1, **extra) -> dict:
    return {
        "id": aid,
        "team_size_min": size[0],
        "team_size_max": size[1],
        "min_niveau_4": n4,
        "min_niveau_5": n5,
        "min_niveau_6": n6,
        **extra,
    }


def student(sid: str, niveau: int, prefs: list[str], days: list[int] = EVERY_DAY, **extra) -> dict:
    return {"id": sid, "niveau": niveau, "school": "albeda", "weekdays": days, "preferences": prefs, **extra}


def cohort(assignments: list[dict], students: list[dict], **extra) -> dict:
    rules = {"min_shared_weekdays": 1, "only_ranked": True, "max_teams_per_assignment": 1}
    rules.update(extra.pop("rules", {}))
    return {"rules": rules, "assignments": assignments, "students": students, **extra}


def solve(data: dict, **kwargs) -> dict:
    kwargs.setdefault("time_limit", 5)
    proposal = formation.solve(data, **kwargs)
    if proposal["status"] in ("optimal", "feasible"):
        assert formation.violations(data, proposal["teams"], exempt=_locked_ids(kwargs)) == []
    return proposal


def _locked_ids(kwargs: dict) -> set[str]:
    return {sid for lock in kwargs.get("locked") or [] for sid in lock["members"]}


def members(proposal: dict, aid: str) -> list[list[str]]:
    return [sorted(t["members"]) for t in proposal["teams"] if t["assignment"] == aid]


def unplaced(proposal: dict) -> dict[str, str]:
    return {u["student"]: u["why"]["code"] for u in proposal["unplaced"]}


def synthetic_cohort(n_students: int, n_assignments: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    comps = [f"C{i}" for i in range(8)]
    assignments = [
        assignment(
            f"A{i}",
            size=(3, rng.choice([4, 5])),
            competences={c: rng.randint(1, 3) for c in rng.sample(comps, 3)},
            max_teams=rng.choice([1, 1, 2]),
        )
        for i in range(n_assignments)
    ]
    students = [
        student(
            f"S{i}",
            rng.choice([4, 4, 5, 6, 6]),
            rng.sample([a["id"] for a in assignments], min(4, n_assignments)),
            sorted(rng.sample(range(5), 3)),
            school=rng.choice(["albeda", "zadkine", "hr"]),
            competences=rng.sample(comps, 2),
        )
        for i in range(n_students)
    ]
    return cohort(assignments, students, together=[["S0", "S1"]], apart=[["S2", "S3"]])


# --- one team, the plain case -------------------------------------------------


def test_a_small_mixed_group_forms_one_team_on_its_first_choice():
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"])])
    proposal = solve(data)
    assert proposal["status"] == "optimal"
    assert members(proposal, "A1") == [["S1", "S2", "S3"]]
    assert proposal["preference_profile"]["1"] == 3
    assert all(s["explanation"] == "Je kreeg je eerste keuze." for s in proposal["students"])
    assert proposal["gap"] == 0
    assert proposal["conflicts"] == []


def test_ids_are_echoed_back_exactly_as_given():
    data = cohort(
        [assignment("opdracht 7")],
        [student("s-001", 4, ["opdracht 7"]), student("S 2", 6, ["opdracht 7"])],
    )
    proposal = solve(data)
    assert members(proposal, "opdracht 7") == [["S 2", "s-001"]]


# --- each hard rule -------------------------------------------------------------


def test_a_team_never_grows_beyond_its_maximum_and_the_one_left_out_hears_the_team_was_full():
    data = cohort(
        [assignment("A1", size=(2, 3))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"]), student("S4", 5, ["A1"])],
    )
    proposal = solve(data)
    assert len(members(proposal, "A1")[0]) == 3
    (left,) = proposal["unplaced"]
    assert left["why"]["code"] == "only_full"
    assert left["reason"] == "Je koos alleen opdrachten waarvan de teams al vol zitten."


def test_too_few_students_for_the_minimum_size_form_no_team_and_are_told_why():
    data = cohort([assignment("A1", size=(3, 4))], [student("S1", 4, ["A1"]), student("S2", 6, ["A1"])])
    proposal = solve(data)
    assert proposal["teams"] == []
    assert unplaced(proposal) == {"S1": "only_not_formed", "S2": "only_not_formed"}
    assert proposal["unplaced"][0]["reason"] == (
        "Voor geen van je gekozen opdrachten kwam een team tot stand: je eerste keuze kreeg geen team "
        "(2 studenten kozen haar en een team heeft er minstens 3 nodig)."
    )
    assert proposal["notes"][0]["code"] == "nobody_placed"


def test_a_team_needs_its_minimum_of_each_niveau():
    data = cohort(
        [assignment("A1", size=(2, 4), n4=1, n6=1)],
        [student("S1", 4, ["A1"]), student("S2", 5, ["A1"]), student("S3", 4, ["A1"])],
    )
    proposal = solve(data)
    assert proposal["teams"] == []
    assert proposal["unplaced"][0]["why"]["params"]["blocked"][0]["code"] == "few_niveau"


def test_requires_hbo_needs_a_niveau_6_student_even_when_the_minimum_says_zero():
    data = cohort(
        [assignment("A1", size=(2, 3), n4=1, n6=0, requires_hbo=True)],
        [student("S1", 4, ["A1"]), student("S2", 5, ["A1"])],
    )
    assert solve(data)["teams"] == []
    data["students"].append(student("S3", 6, ["A1"]))
    assert members(solve(data), "A1") == [["S1", "S2", "S3"]]


def test_a_team_of_more_than_one_has_at_least_two_niveaus():
    data = cohort(
        [assignment("A1", size=(1, 3), n4=0, n6=0)],
        [student("S1", 5, ["A1"]), student("S2", 5, ["A1"]), student("S3", 5, ["A1"])],
    )
    proposal = solve(data)
    # Only a team of one is single-level and still valid.
    assert [len(t) for t in members(proposal, "A1")] == [1]
    data["students"].append(student("S4", 4, ["A1"]))
    assert len(members(solve(data), "A1")[0]) == 3


def test_with_only_ranked_nobody_lands_on_an_assignment_they_did_not_choose():
    data = cohort(
        [assignment("A1"), assignment("A2", size=(2, 2))],
        [student("S1", 4, ["A2"]), student("S2", 6, ["A2"]), student("S3", 4, ["A2"]), student("S4", 6, ["A1"])],
    )
    proposal = solve(data)
    assert members(proposal, "A1") == []
    assert len(proposal["unplaced"]) == 2
    data["rules"]["only_ranked"] = False
    proposal = solve(data)
    assert proposal["preference_profile"]["unplaced"] == 0
    assert proposal["preference_profile"]["unranked"] == 1
    (on_a1,) = [s for s in proposal["students"] if s["assignment"] == "A1" and s["rank"] is None]
    assert on_a1["explanation"].startswith("Je kreeg een opdracht die je niet koos")


def test_all_members_share_enough_weekdays():
    data = cohort(
        [assignment("A1", size=(2, 3))],
        [student("S1", 4, ["A1"], [0, 1]), student("S2", 6, ["A1"], [1, 2]), student("S3", 5, ["A1"], [3, 4])],
    )
    proposal = solve(data)
    assert members(proposal, "A1") == [["S1", "S2"]]
    assert unplaced(proposal) == {"S3": "only_weekdays"}
    assert (
        proposal["unplaced"][0]["reason"]
        == "Geen van je gekozen opdrachten had een team met genoeg gedeelde werkdagen."
    )
    data["rules"]["min_shared_weekdays"] = 2
    assert solve(data)["teams"] == []


def test_a_student_with_too_few_weekdays_is_told_so():
    data = cohort(
        [assignment("A1")],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"], [])],
    )
    proposal = solve(data)
    assert proposal["unplaced"][0]["reason"].startswith("Je gaf 0 werkdagen op")


def test_a_together_pair_is_placed_together_or_not_at_all():
    data = cohort(
        [assignment("A1", size=(2, 2))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 6, ["A1"])],
    )
    assert len(solve(data)["teams"]) == 1
    data["together"] = [["S2", "S3"]]
    proposal = solve(data)
    assert proposal["teams"] == []
    data["assignments"][0]["team_size_max"] = 3
    assert members(solve(data), "A1") == [["S1", "S2", "S3"]]


def test_an_apart_pair_is_never_in_one_team():
    data = cohort(
        [assignment("A1", size=(2, 3))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 6, ["A1"])],
        apart=[["S2", "S3"]],
    )
    proposal = solve(data)
    (team,) = members(proposal, "A1")
    assert len(team) == 2
    assert not {"S2", "S3"} <= set(team)


def test_an_assignment_gets_at_most_its_max_teams():
    six = [student(f"S{i}", 4 if i % 2 else 6, ["A1"]) for i in range(6)]
    data = cohort([assignment("A1", size=(3, 3))], six)
    assert len(solve(data)["teams"]) == 1
    data["assignments"][0]["max_teams"] = 2
    proposal = solve(data)
    assert [t["team"] for t in proposal["teams"]] == [0, 1]
    assert proposal["preference_profile"]["unplaced"] == 0
    del data["assignments"][0]["max_teams"]
    data["rules"]["max_teams_per_assignment"] = 2
    assert len(solve(data)["teams"]) == 2


# --- the objective --------------------------------------------------------------


def test_placing_more_students_comes_before_better_choices():
    # S1 and S2 on A1 (their first choice) would leave S3 and S4 without a team.
    data = cohort(
        [assignment("A1", size=(2, 2)), assignment("A2", size=(2, 2))],
        [
            student("S1", 4, ["A1", "A2"]),
            student("S2", 6, ["A1", "A2"]),
            student("S3", 4, ["A1"]),
            student("S4", 6, ["A1"]),
        ],
    )
    proposal = solve(data)
    assert proposal["preference_profile"]["unplaced"] == 0
    assert members(proposal, "A2") == [["S1", "S2"]]


def test_a_second_choice_is_explained_by_what_stopped_the_first():
    data = cohort(
        [assignment("A1", size=(2, 2)), assignment("A2", size=(2, 2))],
        [
            student("S1", 4, ["A1"]),
            student("S2", 6, ["A1"]),
            student("S3", 4, ["A1", "A2"], [2, 3]),
            student("S4", 6, ["A2"], [2]),
        ],
    )
    proposal = solve(data)
    (s3,) = [s for s in proposal["students"] if s["student"] == "S3"]
    assert s3["rank"] == 2
    assert s3["explanation"] == "Je kreeg je tweede keuze: het team van je eerste keuze zat vol (2 van 2)."


def test_a_second_choice_can_be_explained_by_the_team_that_needs_you():
    data = cohort(
        [assignment("A1", size=(2, 3)), assignment("A2", size=(2, 2))],
        [
            student("S1", 6, ["A1", "A2"]),
            student("S2", 4, ["A2"]),
            student("S3", 4, ["A1"]),
            student("S4", 6, ["A1"]),
        ],
    )
    proposal = solve(data)
    assert members(proposal, "A2") == [["S1", "S2"]]
    (s1,) = [s for s in proposal["students"] if s["student"] == "S1"]
    assert s1["explanation"] == (
        "Je kreeg je tweede keuze: je eerste keuze had plek, maar je huidige team had je nodig als niveau 6-student."
    )


def test_preferences_are_as_good_as_possible():
    data = cohort(
        [assignment("A1", size=(2, 2)), assignment("A2", size=(2, 2))],
        [
            student("S1", 4, ["A1", "A2"]),
            student("S2", 6, ["A2", "A1"]),
            student("S3", 4, ["A2", "A1"]),
            student("S4", 6, ["A1", "A2"]),
        ],
    )
    assert solve(data)["preference_profile"]["1"] == 4


def test_the_soft_goals_cover_the_competences_an_assignment_asks_for():
    data = cohort(
        [assignment("A1", size=(2, 2), competences={"C1": 3})],
        [
            student("S1", 4, ["A1"]),
            student("S2", 6, ["A1"]),
            student("S3", 6, ["A1"], competences=["C1"]),
        ],
    )
    proposal = solve(data)
    (team,) = proposal["teams"]
    assert "S3" in team["members"]
    assert team["coverage"] == {"covered": ["C1"], "missing": [], "score": 100}
    assert team["explanation"] == "2 eerste keuzes; dekt 1 van de 1 gevraagde competenties; niveaus 4 en 6"


def test_the_soft_goals_keep_school_mates_together_so_nobody_is_the_only_one_of_their_school():
    # Everyone ranks A1 first and A2 second, so every split into two teams of four costs the same
    # in preferences; only the composition decides.
    schools = {"S1": "albeda", "S2": "albeda", "S3": "zadkine", "S4": "zadkine"}
    schools |= {"S5": "hr", "S6": "hr", "S7": "inholland", "S8": "inholland"}
    data = cohort(
        [assignment("A1", size=(4, 4)), assignment("A2", size=(4, 4))],
        [student(sid, 4 if int(sid[1]) <= 4 else 6, ["A1", "A2"], school=school) for sid, school in schools.items()],
    )
    proposal = solve(data)
    assert proposal["placed"] == 8
    for team in proposal["teams"]:
        for sid in team["members"]:
            mates = [o for o in team["members"] if o != sid and schools[o] == schools[sid]]
            assert mates, (sid, team["members"])
    assert proposal["stages"][2]["objective"] == 0


def test_a_member_alone_of_both_their_school_and_their_niveau_counts_once():
    data = cohort(
        [assignment("A1", size=(3, 3))],
        [
            student("S1", 4, ["A1"], school="albeda"),
            student("S2", 4, ["A1"], school="albeda"),
            student("S3", 6, ["A1"], school="hr"),
        ],
    )
    proposal = solve(data)
    assert proposal["placed"] == 3
    # S3 is the only niveau 6 student and the only one of the hr: one isolated member, 20 points.
    assert proposal["stages"][2]["objective"] == formation.SOFT_POINTS["isolation"]


def test_weights_must_be_known_numbers():
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"])])
    with pytest.raises(formation.CohortFileError) as error:
        formation.solve(data, weights={"speed": 1})
    assert error.value.field == "weights.speed"
    with pytest.raises(formation.CohortFileError):
        formation.solve(data, weights={"isolation": -1})


def test_every_student_and_team_gets_an_explanation_in_a_larger_cohort():
    data = synthetic_cohort(40, 8)
    proposal = solve(data, time_limit=3)
    assert proposal["status"] in ("optimal", "feasible")
    assert len(proposal["students"]) + len(proposal["unplaced"]) == 40
    for entry in proposal["students"]:
        assert entry["explanation"].startswith("Je ")
        assert entry["explanation"] == formation.explanation_text(entry["why"])
    for entry in proposal["unplaced"]:
        assert entry["reason"].startswith(("Je ", "Geen ", "Voor "))
    for team in proposal["teams"]:
        assert "niveaus" in team["explanation"]
    assert 0 <= proposal["gap"] <= 1
    assert proposal["gap_text"]


def stable(proposal: dict) -> dict:
    """A proposal without its timings."""
    return {k: v for k, v in proposal.items() if k not in ("wall_s", "stages")}


def test_the_same_seed_gives_the_same_proposal():
    data = synthetic_cohort(20, 5)
    first = solve(data, seed=3)
    assert first["status"] == "optimal"
    assert stable(first) == stable(solve(data, seed=3))


def test_a_run_cut_short_by_deterministic_time_is_still_reproducible():
    data = synthetic_cohort(30, 6)
    first = solve(data, seed=2, deterministic_time=0.05)
    assert first["status"] == "feasible"
    assert stable(first) == stable(solve(data, seed=2, deterministic_time=0.05))


def test_progress_is_reported_between_zero_and_one():
    seen = []
    solve(synthetic_cohort(20, 4), progress=lambda fraction, message: seen.append((fraction, message)))
    assert seen[0][0] == 0.0
    assert seen[-1] == (1.0, "Klaar")
    assert all(0 <= f <= 1 for f, _m in seen)


def test_gap_text_uses_a_dutch_decimal_comma():
    assert formation.gap_text(0.014, "feasible") == "hooguit 1,4 % onder het best haalbare"
    assert formation.gap_text(0.07, "feasible") == "hooguit 7 % onder het best haalbare"
    assert formation.gap_text(0.0, "optimal") == "bewezen het best haalbare"


def test_gap_text_uses_the_readers_decimal_point_in_english():
    from django.utils import translation

    with translation.override("en"):
        assert formation.gap_text(0.014, "feasible") == "at most 1.4 % below the best possible"
        assert formation.gap_text(0.1234, "feasible") == "at most 12.3 % below the best possible"


# --- locks ----------------------------------------------------------------------


def test_an_open_lock_keeps_its_members_and_may_take_more():
    data = cohort(
        [assignment("A1"), assignment("A2")],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1", "A2"])],
    )
    locked = [{"assignment": "A2", "members": ["S3"], "closed": False}]
    # S3's lock on A2 stays even though nobody else can join it: it is open but incomplete.
    proposal = formation.solve(data, locked=locked, time_limit=5)
    assert proposal["status"] == "infeasible"
    data["students"] += [student("S4", 4, ["A2"]), student("S5", 6, ["A2"])]
    proposal = solve(data, locked=locked)
    assert members(proposal, "A2") == [["S3", "S4", "S5"]]
    (s3,) = [s for s in proposal["students"] if s["student"] == "S3"]
    assert s3["explanation"] == "Je coördinator heeft je in dit team vastgezet."


def test_a_locked_student_is_exempt_from_only_ranked():
    data = cohort(
        [assignment("A1"), assignment("A2")],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"])],
    )
    proposal = solve(data, locked=[{"assignment": "A2", "members": ["S1", "S2"], "closed": True}])
    assert members(proposal, "A2") == [["S1", "S2"]]


def test_a_closed_lock_takes_nobody_else():
    data = cohort(
        [assignment("A1", size=(2, 4))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"])],
    )
    proposal = solve(data, locked=[{"assignment": "A1", "members": ["S1", "S2"], "closed": True}])
    assert members(proposal, "A1") == [["S1", "S2"]]
    assert unplaced(proposal) == {"S3": "only_closed"}
    assert proposal["unplaced"][0]["reason"] == "Je koos alleen opdrachten waarvan de teams al vaststonden."


def test_two_locks_on_one_assignment_are_two_teams():
    six = [student(f"S{i}", 4 if i % 2 else 6, ["A1"]) for i in range(6)]
    data = cohort([assignment("A1", size=(2, 3), max_teams=2)], six)
    locked = [
        {"assignment": "A1", "members": ["S0", "S1"], "closed": False},
        {"assignment": "A1", "members": ["S2", "S3"], "closed": False},
    ]
    proposal = solve(data, locked=locked)
    teams = members(proposal, "A1")
    assert len(teams) == 2
    assert {"S0", "S1"} <= set(teams[0]) or {"S0", "S1"} <= set(teams[1])
    data["assignments"][0]["max_teams"] = 1
    proposal = formation.solve(data, locked=locked, time_limit=5)
    assert proposal["status"] == "infeasible"
    assert proposal["conflicts"][0]["code"] == "too_many_locked_teams"


def test_a_closed_lock_that_breaks_a_rule_is_a_named_conflict_not_a_silent_failure():
    data = cohort(
        [assignment("A1", size=(3, 4))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"])],
    )
    proposal = formation.solve(data, locked=[{"assignment": "A1", "members": ["S1", "S2"], "closed": True}])
    assert proposal["status"] == "infeasible"
    (conflict,) = proposal["conflicts"]
    assert conflict["code"] == "locked_team_invalid"
    assert "Het gesloten team op A1 (S1, S2)" in conflict["detail"]
    assert "minstens 3" in conflict["detail"]


def test_an_open_lock_that_cannot_get_its_niveau_6_says_how_many_there_are():
    data = cohort(
        [assignment("A1", size=(2, 4))],
        [student("S1", 4, ["A1"]), student("S2", 4, ["A1"]), student("S3", 6, [])],
    )
    proposal = formation.solve(data, locked=[{"assignment": "A1", "members": ["S1"], "closed": False}])
    assert proposal["status"] == "infeasible"
    assert (
        "mist 1 niveau 6-student(en); er zijn maar 0 niveau 6-studenten die erbij kunnen"
        in proposal["conflicts"][0]["detail"]
    )


def test_a_together_pair_split_over_two_locks_is_a_conflict():
    data = cohort(
        [assignment("A1"), assignment("A2")],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A2"])],
        together=[["S1", "S2"]],
    )
    locked = [
        {"assignment": "A1", "members": ["S1"], "closed": False},
        {"assignment": "A2", "members": ["S2"], "closed": False},
    ]
    proposal = formation.solve(data, locked=locked)
    assert proposal["status"] == "infeasible"
    assert any(c["code"] == "together_split" for c in proposal["conflicts"])


def test_conflicts_the_counting_misses_are_named_by_the_solver():
    # A1's lock needs the only niveau 6 student, who must follow S3 to A2.
    data = cohort(
        [assignment("A1", size=(2, 3)), assignment("A2", size=(2, 3))],
        [
            student("S1", 4, ["A1"]),
            student("S2", 6, ["A1", "A2"]),
            student("S3", 4, ["A2"]),
            student("S4", 6, ["A2"]),
        ],
        together=[["S2", "S3"]],
    )
    locked = [
        {"assignment": "A1", "members": ["S1"], "closed": False},
        {"assignment": "A2", "members": ["S3"], "closed": False},
    ]
    assert (
        formation.precheck(formation.parse_cohort(data), formation.parse_locks(formation.parse_cohort(data), locked))
        == []
    )
    proposal = formation.solve(data, locked=locked, time_limit=5)
    assert proposal["status"] == "infeasible"
    (conflict,) = proposal["conflicts"]
    assert conflict["code"] == "rules_conflict"
    # The smallest set of groups that clash, and nothing else.
    assert conflict["detail"] == (
        "Deze regels en vastgezette teams gaan samen niet: het vastgezette team op A1 (S1); "
        "de teamgrootte van A1; S2 en S3 samen."
    )


# --- violations() ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("teams", "code"),
    [
        ([{"assignment": "A1", "members": ["S1"]}], "too_small"),
        ([{"assignment": "A1", "members": ["S1", "S2", "S3", "S4", "S5"]}], "too_big"),
        ([{"assignment": "A1", "members": ["S1", "S4"]}], "needs_niveau"),
        ([{"assignment": "A2", "members": ["S1", "S3"]}], "needs_hbo"),
        ([{"assignment": "A3", "members": ["S3", "S5"]}], "single_level"),
        ([{"assignment": "A1", "members": ["S1", "S2"]}, {"assignment": "A3", "members": ["S1"]}], "twice"),
        ([{"assignment": "A3", "members": ["S1", "S6"]}], "not_ranked"),
        ([{"assignment": "A1", "members": ["S1", "S2", "S7"]}], "weekdays"),
        ([{"assignment": "A1", "members": ["S1", "S2"]}], "together"),
        ([{"assignment": "A1", "members": ["S5", "S6", "S3"]}], "apart"),
        ([{"assignment": "A1", "members": ["S1", "S2"]}, {"assignment": "A1", "members": ["S5", "S6"]}], "max_teams"),
        ([{"assignment": "A9", "members": ["S1"]}], "unknown_assignment"),
        ([{"assignment": "A1", "members": ["S1", "S2", "S99"]}], "unknown_student"),
    ],
)
def test_violations_catches_each_hard_rule(teams, code):
    data = cohort(
        [
            assignment("A1", size=(2, 4)),
            assignment("A2", size=(2, 4), n6=0, requires_hbo=True),
            assignment("A3", size=(1, 4), n4=0, n6=0),
        ],
        [
            student("S1", 4, ["A1", "A2", "A3"]),
            student("S2", 6, ["A1"]),
            student("S3", 5, ["A1", "A2", "A3"]),
            student("S4", 4, ["A1"]),
            student("S5", 5, ["A1", "A3"]),
            student("S6", 6, ["A1"]),
            student("S7", 5, ["A1"], [4]),
            student("S8", 4, ["A1"]),
        ],
        together=[["S2", "S8"]] if code == "together" else [],
        apart=[["S5", "S6"]],
    )
    if code == "weekdays":
        data["students"][0]["weekdays"] = [0]
    found = formation.violations(data, teams)
    assert code in {v["code"] for v in found}
    assert all(v["detail"] for v in found)


def test_a_valid_team_list_has_no_violations():
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"]), student("S2", 6, ["A1"])])
    assert formation.violations(data, [{"assignment": "A1", "members": ["S1", "S2"]}]) == []


def test_the_preference_profile_counts_ranks_unranked_and_unplaced():
    data = cohort(
        [assignment("A1"), assignment("A2")],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A2", "A1"]), student("S3", 5, ["A2"])],
        rules={"only_ranked": False},
    )
    profile = formation.preference_profile(data, [{"assignment": "A1", "members": ["S1", "S2", "S3"]}])
    assert profile == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "unranked": 1, "unplaced": 0}


# --- repair ---------------------------------------------------------------------


def test_repair_moves_one_unplaced_student_into_a_team_that_lost_a_member():
    data = cohort(
        [assignment("A1", size=(3, 4)), assignment("A2", size=(3, 4))],
        [
            student("S1", 4, ["A1"]),
            student("S2", 6, ["A1"]),
            student("S4", 5, ["A1", "A2"]),
            student("S5", 5, ["A2"]),
            student("S6", 4, ["A2"]),
            student("S7", 6, ["A2"]),
            student("S8", 4, ["A1", "A2"]),
        ],
    )
    # S3 left A1's team; S4 and S8 were never placed.
    current = [
        {"assignment": "A1", "members": ["S1", "S2"]},
        {"assignment": "A2", "members": ["S5", "S6", "S7"]},
    ]
    result = formation.repair(data, current, time_limit=3)
    assert result["unfixable"] == []
    assert result["moves"] == [
        {"student": "S4", "from_assignment": None, "to_assignment": "A1", "from_team": None, "to_team": 0}
    ] or result["moves"] == [
        {"student": "S8", "from_assignment": None, "to_assignment": "A1", "from_team": None, "to_team": 0}
    ]
    assert formation.violations(data, result["teams"]) == []
    assert sorted(result["teams"][1]["members"]) == ["S5", "S6", "S7"]


def test_repair_takes_a_spare_member_of_another_team_when_nobody_is_unplaced():
    data = cohort(
        [assignment("A1", size=(3, 4)), assignment("A2", size=(3, 4))],
        [
            student("S1", 4, ["A1"]),
            student("S2", 6, ["A1"]),
            student("S5", 5, ["A2", "A1"]),
            student("S6", 4, ["A2"]),
            student("S7", 6, ["A2"]),
            student("S8", 5, ["A2"]),
        ],
    )
    current = [
        {"assignment": "A1", "members": ["S1", "S2"]},
        {"assignment": "A2", "members": ["S5", "S6", "S7", "S8"]},
    ]
    result = formation.repair(data, current, time_limit=3)
    assert result["moves"] == [
        {"student": "S5", "from_assignment": "A2", "to_assignment": "A1", "from_team": 0, "to_team": 0}
    ]
    assert formation.violations(data, result["teams"]) == []


def test_repair_leaves_valid_teams_alone():
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"]), student("S2", 6, ["A1"]), student("S3", 5, ["A1"])])
    result = formation.repair(data, [{"assignment": "A1", "members": ["S1", "S2"]}], time_limit=3)
    assert result["moves"] == []
    assert result["unfixable"] == []
    assert result["teams"] == [{"assignment": "A1", "team": 0, "members": ["S1", "S2"]}]


def test_repair_names_a_team_it_cannot_fix_and_leaves_it_alone():
    data = cohort(
        [assignment("A1", size=(3, 4))],
        [student("S1", 4, ["A1"]), student("S2", 6, ["A1"])],
    )
    result = formation.repair(data, [{"assignment": "A1", "members": ["S1", "S2"]}], time_limit=3)
    assert result["moves"] == []
    (unfixable,) = result["unfixable"]
    assert unfixable["assignment"] == "A1"
    assert "minstens 3" in unfixable["reason"]


# --- the cohort file ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["students"][0].update(niveau=7), "students[0].niveau", "niveau moet 4, 5 of 6 zijn"),
        (lambda d: d["students"][1].update(preferences=["A9"]), "students[1].preferences[0]", "onbekende opdracht: A9"),
        (lambda d: d["students"][1].update(id="S1"), "students[1].id", "komt twee keer voor: S1"),
        (lambda d: d["students"][0].update(weekdays=[5]), "students[0].weekdays[0]", "moet tussen 0 en 4 liggen"),
        (lambda d: d["assignments"][0].pop("team_size_min"), "assignments[0].team_size_min", "ontbreekt"),
        (lambda d: d["assignments"][0].update(team_size_max=1), "assignments[0].team_size_max", "kleiner"),
        (lambda d: d["assignments"][0].update(id=3), "assignments[0].id", "tekst"),
        (lambda d: d.update(together=[["S1", "S9"]]), "together[0][1]", "onbekende student: S9"),
        (lambda d: d.update(rules={"only_ranked": "ja"}), "rules.only_ranked", "true of false"),
        (lambda d: d.pop("students"), "students", "ontbreekt"),
    ],
)
def test_a_bad_cohort_file_names_the_field(change, field, message):
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"]), student("S2", 6, ["A1"])])
    change(data)
    with pytest.raises(formation.CohortFileError) as error:
        formation.parse_cohort(data)
    assert error.value.field == field
    assert message in error.value.message


def test_a_lock_naming_an_unknown_student_names_the_field():
    data = cohort([assignment("A1")], [student("S1", 4, ["A1"])])
    with pytest.raises(formation.CohortFileError) as error:
        formation.solve(data, locked=[{"assignment": "A1", "members": ["S1", "S7"]}])
    assert error.value.field == "locked[0].members[1]"


# --- the whole objective against brute force ------------------------------------


def _isolated(members: list[dict]) -> set[str]:
    if len(members) < 3:
        return set()
    return {
        m["id"]
        for m in members
        if not any(o["school"] == m["school"] for o in members if o is not m)
        or not any(o["niveau"] == m["niveau"] for o in members if o is not m)
    }


def _soft_points(data: dict, teams: list[dict]) -> float:
    """The soft penalty as docs/formation.md defines it, written independently of the model."""
    by_id = {a["id"]: a for a in data["assignments"]}
    studs = {s["id"]: s for s in data["students"]}
    points = 0.0
    scores = []
    for team in teams:
        a = by_id[team["assignment"]]
        members = [studs[m] for m in team["members"]]
        required = a.get("competences", {})
        if required:
            total = sum(required.values())
            score, given = 0, 0
            for j, (comp, importance) in enumerate(sorted(required.items())):
                pct = 100 - given if j == len(required) - 1 else (100 * importance) // total
                given += pct
                if any(comp in m.get("competences", []) for m in members):
                    score += pct
                else:
                    points += 10 * importance
            scores.append(score)
        points += 20 * len(_isolated(members))
        forced = a["min_niveau_4"] and (a["min_niveau_5"] or a["min_niveau_6"])
        duo = any(m["niveau"] == 4 for m in members) and any(m["niveau"] != 4 for m in members)
        if not forced and not duo:
            points += 20
    if scores:
        points += 2 * (100 - min(scores))
    return points


def _best_by_brute_force(data: dict) -> tuple[int, int, float]:
    """(unplaced, rank cost, soft penalty), lexicographically least over every valid team list
    (one team per assignment: each student in one of the assignments or in none)."""
    import itertools

    ids = [s["id"] for s in data["students"]]
    choices = [None] + [a["id"] for a in data["assignments"]]
    best = None
    for combo in itertools.product(choices, repeat=len(ids)):
        teams = [
            {"assignment": aid, "members": [sid for sid, c in zip(ids, combo, strict=True) if c == aid]}
            for aid in choices[1:]
        ]
        teams = [t for t in teams if t["members"]]
        if formation.violations(data, teams):
            continue
        unplaced = combo.count(None)
        ranks = sum(s["preferences"].index(c) for s, c in zip(data["students"], combo, strict=True) if c is not None)
        key = (unplaced, ranks, _soft_points(data, teams))
        if best is None or key < best:
            best = key
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_engine_reaches_the_brute_force_optimum_of_small_cohorts(seed):
    # Seven students, two assignments: every hard rule, the order of the stages and each soft goal
    # (the isolation rows and the cuts on them included) against an independent enumeration.
    rng = random.Random(seed)
    comps = ["C1", "C2", "C3"]
    assignments = [
        assignment(
            aid,
            size=(rng.choice([2, 3]), rng.choice([3, 4])),
            n4=rng.choice([0, 1]),
            n5=rng.choice([0, 0, 1]),
            n6=rng.choice([0, 1, 1]),
            competences={c: rng.randint(1, 3) for c in rng.sample(comps, 2)},
        )
        for aid in ("A1", "A2")
    ]
    students = [
        student(
            f"S{i}",
            rng.choice([4, 4, 5, 6, 6]),
            rng.sample(["A1", "A2"], 2),
            school=rng.choice(["albeda", "zadkine", "hr"]),
            competences=rng.sample(comps, 1),
        )
        for i in range(7)
    ]
    data = cohort(assignments, students)
    proposal = solve(data, time_limit=10)
    assert proposal["status"] == "optimal"
    unplaced, ranks, soft = _best_by_brute_force(data)
    assert (len(students) - proposal["placed"], proposal["stages"][1]["objective"]) == (unplaced, ranks)
    assert proposal["stages"][2]["objective"] == pytest.approx(soft)
    # The board's marks name the members the penalty counted.
    studs = {s["id"]: s for s in students}
    for team in proposal["teams"]:
        assert set(team["isolated"]) == _isolated([studs[m] for m in team["members"]])
