"""DEU III reader (the README's baselines), Council era rules, voting-power indices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shared_data

from model.inputs.data import DataError
from validation.deu import read_deu
from validation.eras import Era, banzhaf, era_for, load_eras, shapley_shubik
from validation.run import capability, score


def test_readme_baselines() -> None:
    # the shared half lives beside the repository (../shared/data from the repo root);
    # missing: a failure under CI, a skip elsewhere
    issues = read_deu(shared_data.deu())

    def mae(f) -> float:
        return float(np.mean([abs(f(i) - i.outcome) for i in issues]))

    gdp = mae(lambda i: np.sum(i.gdp * i.salience * i.position) / np.sum(i.gdp * i.salience))
    assert gdp == pytest.approx(20.5, abs=0.3)
    eq = mae(lambda i: np.sum(i.salience * i.position) / np.sum(i.salience))
    assert eq == pytest.approx(21.4, abs=0.3)
    assert mae(lambda i: i.position.mean()) == pytest.approx(20.5, abs=0.3)
    # the same number through the engine: the compromise protocol, no rounds, GDP capability
    s = score(issues, "compromise", "gdp", rounds=0)
    assert s.summary()["mae"] == pytest.approx(gdp, abs=1e-9)


def test_reader_groups() -> None:
    issues = read_deu(shared_data.deu())
    assert {i.rule for i in issues} == {"qmv", "unanimity"}
    assert all(len(i.actors) >= 3 for i in issues)
    assert all(1995 <= i.intro.year <= 2020 for i in issues)


def test_reader_error_names_row_and_column(tmp_path: Path) -> None:
    cols = ["prnr", "isnr", "proc", "counvte", "intro", "rp", "out"]
    actors = ["com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de",
              "el", "hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si",
              "sk", "es", "se", "uk"]
    head = cols + [f"p{a}" for a in actors] + [f"s{a}" for a in actors]
    row = ["d00001", "i1", "COD", "QMV", "01-01-00", "", "fifty"] + ["50"] * 60
    text = "\t".join(head) + "\n" + "\t".join([""] * 7 + ["1"] * 60) + "\n" + "\t".join(row)
    p = tmp_path / "d.tsv"
    p.write_text(text)
    with pytest.raises(DataError) as err:
        read_deu(p)
    assert err.value.field == "row 3, column out" and err.value.value == "fifty"
    # the dataset's folder works as well as its table (`eunato validate deu3 PATH`)
    with pytest.raises(DataError) as err:
        read_deu(tmp_path)
    assert err.value.file == str(p) and err.value.value == "fifty"
    (tmp_path / "other.tsv").write_text("x")
    with pytest.raises(DataError, match="exactly one .tsv"):
        read_deu(tmp_path)


def test_era_rules() -> None:
    eras = load_eras()
    assert era_for(dt.date(1999, 5, 1), eras).name == "amsterdam"
    assert era_for(dt.date(2005, 5, 1), eras).name == "nice-eu25"
    assert era_for(dt.date(2008, 5, 1), eras).name == "nice-eu27"
    assert era_for(dt.date(2014, 10, 31), eras).name == "nice-eu28"
    assert era_for(dt.date(2014, 11, 1), eras).name == "double-majority"
    ams = era_for(dt.date(1999, 1, 1), eras)
    assert sum(ams.weights) == 87 and ams.threshold == 62
    nice27 = era_for(dt.date(2008, 1, 1), eras)
    assert sum(nice27.weights) == 345
    # Amsterdam: the big four + Spain (48) + 3 fives (15) = 63 >= 62 pass; minus one five fails
    big = np.isin(ams.members, ["de", "fr", "it", "uk", "es", "be", "el", "nl"])
    assert ams.wins(big)
    assert not ams.wins(big & ~np.isin(ams.members, ["nl"]))
    # double majority: everyone but three small members passes (blocking needs four)
    dm = era_for(dt.date(2016, 1, 1), eras)
    yes = ~np.isin(dm.members, ["de", "fr", "it"])
    assert dm.wins(yes)  # 25 of 28 states, but only ~58% population ... and 3 blockers
    yes4 = ~np.isin(dm.members, ["de", "fr", "it", "uk"])
    assert not dm.wins(yes4)  # four big members block on population


def test_voting_power_small_game() -> None:
    # [3; 2, 1, 1]: a swings in {a,b}, {a,c}, {a,b,c}; b only in {a,b}; c only in {a,c}
    g = Era("t", dt.date(2000, 1, 1), "weighted", ("a", "b", "c"), (2, 1, 1), 3)
    assert banzhaf(g) == pytest.approx({"a": 0.6, "b": 0.2, "c": 0.2})
    # a is pivotal in 4 of 6 orderings
    assert shapley_shubik(g) == pytest.approx({"a": 2 / 3, "b": 1 / 6, "c": 1 / 6})


def test_voting_power_eu15_known_values() -> None:
    ams = load_eras()[0]
    b = banzhaf(ams)
    # Felsenthal & Machover (2001): normalised Banzhaf of the big four under EU-15 = 0.1116
    assert b["de"] == pytest.approx(0.1116, abs=0.0005)
    assert sum(shapley_shubik(ams).values()) == pytest.approx(1.0)


def test_capability_choices() -> None:
    iss = read_deu(shared_data.deu())[0]
    for kind in ("gdp", "population", "banzhaf", "shapley", "equal"):
        c = capability(iss, kind)
        assert c.shape == (len(iss.actors),) and (c >= 0).all()
    with pytest.raises(ValueError, match="capability"):
        capability(iss, "typed-in")


def test_cross_validation_single_grid_point_equals_plain_score() -> None:
    from validation.tune import cross_validate

    issues = read_deu(shared_data.deu())
    r = cross_validate(issues, "compromise", "gdp", grid_a=(1.0,), grid_b=(1.0,))
    np.testing.assert_allclose(r.errors, score(issues, "compromise", "gdp", rounds=0).errors)
    assert set(r.chosen) == {(1.0, 1.0)}


def test_rule_constraint_hand_case() -> None:
    from validation.deu import DeuIssue
    from validation.run import rule_constrained

    # unanimity, EU-15 era, sq = 50: France at 40 accepts [30, 50], Germany at 60 accepts
    # [50, 70]; together only 50 passes, so a forecast of 80 is pulled back to 50
    iss = DeuIssue("x", "d99001", "unanimity", "CNS", dt.date(1999, 1, 1), ["fr", "de"],
                   np.array([40.0, 60.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]),
                   50.0, 50.0)
    assert rule_constrained(iss, 80.0) == pytest.approx(50.0)
    assert rule_constrained(iss, 50.0) == pytest.approx(50.0)
    # no reference point: the forecast is kept
    iss.reference = None
    assert rule_constrained(iss, 80.0) == 80.0


def test_qmv_core_hand_case() -> None:
    from validation.core import council_core, in_core, qmv_core
    from validation.deu import DeuIssue

    # Amsterdam rules (EU-15, 87 votes, 62 to pass). The big four (40 votes) at 0, Spain (8)
    # at 20, BE/EL/NL/PT (20) at 40, AT/SE (8) at 60, DK/IE/FI (9) at 80, LU (2) at 100.
    # Left pivot: members at or right of 0 hold 87 >= 62, at or right of 20 only 47 -> 0.
    # Right pivot: at or left of 20 hold 48, at or left of 40 hold 68 >= 62 -> 40.
    pos = {"de": 0, "fr": 0, "it": 0, "uk": 0, "es": 20, "be": 40, "el": 40, "nl": 40,
           "pt": 40, "at": 60, "se": 60, "dk": 80, "ie": 80, "fi": 80, "lu": 100}
    actors = ["com", *pos]
    iss = DeuIssue("x", "d99001", "qmv", "CNS", dt.date(1999, 1, 1), actors,
                   np.array([90.0, *pos.values()]), np.ones(16), np.ones(16), None, 0.0)
    assert qmv_core(iss) == (0.0, 40.0)
    assert in_core(iss, 70.0) == 40.0 and in_core(iss, 30.0) == 30.0
    iss.rule = "unanimity"  # every member a veto player: the core is the members' range
    assert qmv_core(iss) is None and council_core(iss) == (0.0, 100.0)
    assert in_core(iss, 70.0) == 70.0 and in_core(iss, 70.0, unanimity=False) == 70.0
    # all members at 0-20, the Commission at 90: a unanimous Council moves 70 back to 20
    iss.position = np.array([90.0, *np.clip(list(pos.values()), 0, 20)])
    assert council_core(iss) == (0.0, 20.0)
    assert in_core(iss, 70.0) == 20.0 and in_core(iss, 70.0, unanimity=False) == 70.0


def test_qmv_core_beats_the_compromise_model_on_the_shared_half() -> None:
    from validation.core import score_core

    issues = read_deu(shared_data.deu())
    for cap in ("gdp", "population", "banzhaf", "equal"):
        static = score(issues, "compromise", cap, rounds=0)
        core = score_core(issues, static)
        assert core.errors.mean() < static.errors.mean() - 0.5, cap
    static = score(issues, "compromise", "gdp", rounds=0)
    assert score_core(issues, static).errors.mean() == pytest.approx(18.83, abs=0.01)
    # the earlier rule, unanimity issues left alone
    assert score_core(issues, static, unanimity=False).errors.mean() \
        == pytest.approx(19.34, abs=0.01)
