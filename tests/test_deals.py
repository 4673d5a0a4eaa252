"""Deals (issue 22, item 3; model/deals.py): a veto bought off by a side payment from the
agenda setter's stated budget, only when both sides gain by their own utilities; laws over
10 seeds, the single-run Ukraine Facility episode, bad input, same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.ensemble.core import run_ensemble
from model.inputs.data import DataError
from model.inputs.scenario import load_scenario
from model.model import EuNatoModel

ROOT = Path(__file__).resolve().parents[1]
EPISODE = ROOT / "data" / "episodes" / "ukraine-facility-2023-12-to-2024-02.toml"
SEEDS = list(range(1, 11))


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = EPISODE.read_text()
    assert old in text, old
    p = tmp_path / f"{name}.toml"
    p.write_text(text.replace(old, new))
    return p


def _runs(scenario, seeds=SEEDS) -> list[EuNatoModel]:
    sc = load_scenario(scenario) if not hasattr(scenario, "events") else scenario
    return run_ensemble([EuNatoModel(scenario_name=sc, rng=s, lean=True) for s in seeds])


def _ukr(model: EuNatoModel) -> dict:
    return next(i for i in model.summary(explanations=False)["issues"]
                if i["issue"] == "ukr_aid")


def test_the_veto_is_cast_then_bought_off_in_one_run_over_ten_seeds():
    for mdl in _runs(EPISODE):
        rec = _ukr(mdl)
        assert rec["status"] == "agreed" and rec["date"] == "2024-02", rec
        # the veto stood through the December 2023 European Council: nothing agreed before
        assert rec["vetoes"] == [{"actor": "HUN", "house": "eu_council"}]
        [deal] = mdl.deals
        assert deal["date"] == "2024-02" and deal["setter"] == "COM"
        assert [v["actor"] for v in deal["veto_players"]] == ["HUN"]
        assert deal["proposal"] == rec["eu_role"]


def test_a_deal_leaves_both_sides_better_off_by_their_own_utilities():
    """Every recorded deal: each side's utility after exceeds its utility before, and the
    recorded numbers are the actors' own (recomputed from where they vote)."""
    for mdl in _runs(EPISODE):
        ids, m = mdl.state.actor_ids, mdl.m
        for d in mdl.deals:
            j = mdl.world.issue_ids.index(d["issue"])
            c = j if d["piece"] == "eu" else m + j
            p, q = d["proposal"], d["status_quo"]
            k = ids.index(d["setter"])
            xk, sk = mdl.state.ideal[k, c], mdl.salience[k, j]
            gain = sk * (abs(xk - q) - abs(xk - p))
            assert d["setter_gain"] == pytest.approx(gain, abs=0.02)
            assert d["setter_utility"]["after"] > d["setter_utility"]["before"]
            assert d["setter_gain"] > d["setter_cost"]
            paid = 0.0
            for v in d["veto_players"]:
                i = ids.index(v["actor"])
                x, s = mdl.stand[i, c], mdl.salience[i, j]
                loss = s * (abs(x - p) - abs(x - q))
                assert loss > 0  # it did lose by the proposal: that is why it vetoed
                assert v["loss"] == pytest.approx(loss, abs=0.02)
                assert v["payment"] > v["loss"]
                assert v["utility"]["after"] > v["utility"]["before"]
                paid += v["payment"]
            budget = mdl.spec.deals.budget
            assert paid <= budget + 1e-6
            assert d["budget_left"] == pytest.approx(budget - paid, abs=0.02)
            assert d["setter_cost"] == pytest.approx(mdl.spec.deals.cost_per_point * paid,
                                                     abs=0.02)


@pytest.mark.parametrize("old,new,why", [
    ("budget = 25.0", "budget = 0.0", "a zero budget"),
    ("budget = 25.0", "budget = 12.0", "a budget below Hungary's loss"),
    ("cost_per_point = 0.5", "cost_per_point = 5.0",
     "a payment that costs the setter more than the adoption gains it"),
])
def test_no_deal_unless_both_gain_and_then_the_veto_stands(tmp_path, old, new, why):
    for mdl in _runs(_variant(tmp_path, "v", old, new)):
        rec = _ukr(mdl)
        assert mdl.deals == [], why
        assert rec["status"] == "blocked", why
        assert rec["vetoes"] == [{"actor": "HUN", "house": "eu_council"}], why


def test_without_a_basis_and_without_a_deal_the_piece_fails(tmp_path):
    """Art. 312 TFEU is the Facility's only basis in the file (eu_venue fixes it) and no
    [deals] table: Hungary's no blocks the unanimity piece in every seed, and the outcome
    is the one of a zero budget, byte for byte."""
    text = EPISODE.read_text()
    bare = tmp_path / "bare.toml"
    bare.write_text(text[:text.index("[deals]")])
    zero = _variant(tmp_path, "zero", "budget = 25.0", "budget = 0.0")
    for a, b in zip(_runs(bare), _runs(zero), strict=True):
        rec = _ukr(a)
        assert rec["status"] == "blocked" and rec["legal_basis"]["basis"] == "mff"
        assert rec["eu_role"] == rec["status_quo"]["eu_role"]
        assert a.deals == []
        assert json.dumps(a.summary(), sort_keys=True) == json.dumps(b.summary(),
                                                                      sort_keys=True)


def test_shipped_scenarios_make_no_deals():
    """No shipped scenario states a budget: the mechanism is off, outcomes unchanged."""
    for name in ("baseline-2024", "us-disengagement"):
        mdl = EuNatoModel(scenario_name=name, rng=1, lean=True, rounds=20).run()
        assert mdl.spec.deals is None and mdl.summary(explanations=False)["deals"] == []


def test_explain_says_who_gave_what_to_whom_and_why_the_vote_moved():
    mdl = EuNatoModel(scenario_name=load_scenario(EPISODE), rng=3).run()
    ex = mdl.explain("ukr_aid")["ukr_aid"]
    [d] = ex["deals"]
    text = ex["text"]
    assert "COM bought off the veto of HUN" in text
    assert f"HUN lost {d['veto_players'][0]['loss']:.1f}" in text
    assert f"took {d['veto_players'][0]['payment']:.1f}, so it voted yes" in text
    assert "annual European Council debate" in text
    assert mdl.summary()["deals"] == [d]


def test_an_ensemble_makes_the_deals_each_run_makes_alone():
    ens = _runs(EPISODE, [4, 5, 6])
    sc = load_scenario(EPISODE)
    for mdl, s in zip(ens, [4, 5, 6], strict=True):
        alone = EuNatoModel(scenario_name=sc, rng=s, lean=True).run()
        assert json.dumps(alone.summary(), sort_keys=True) == json.dumps(mdl.summary(),
                                                                          sort_keys=True)


def test_same_seed_same_bytes_with_deals_whatever_the_hash_seed():
    code = ("import json,sys; from model.model import EuNatoModel; "
            f"m = EuNatoModel(scenario_name={str(EPISODE)!r}, rng=7).run(); "
            "sys.stdout.write(json.dumps(m.summary(), sort_keys=True))")
    outs = []
    for h in ("0", "12345"):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": h}, check=True)
        outs.append(r.stdout)
    assert outs[0] == outs[1] and json.loads(outs[0])["deals"]


@pytest.mark.parametrize("old,new,field", [
    ("budget = 25.0", "budget = -1.0", "deals.budget"),
    ("budget = 25.0", 'budget = "25"', "deals.budget"),
    ("cost_per_point = 0.5", "cost_per_point = 0", "deals.cost_per_point"),
    ("[deals]\n", '[deals]\nsetter = "XYZ"\n', "deals.setter"),
    ("[deals]\n", "[deals]\nbudgt = 3.0\n", "deals.budgt"),
])
def test_a_bad_deals_table_is_one_clear_line(tmp_path, old, new, field):
    p = _variant(tmp_path, "bad", old, new)
    with pytest.raises(DataError) as err:
        EuNatoModel(scenario_name=str(p), rng=1)
    assert err.value.field == field and str(p) in str(err.value)
    r = subprocess.run([sys.executable, "-m", "cli.main", "run", "--scenario", str(p),
                        "--seed", "1"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and field in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_the_backtest_scores_the_veto_the_deal_and_the_adoption():
    from validation.backtest import run_episode
    from validation.episodes import load_episode

    ep = load_episode(EPISODE)
    res = run_episode(ep, SEEDS)
    assert res.reproduced and res.share == 1.0
    assert all(c["earlier"] and c["deal"] for c in res.checks)
    right = res.right()
    assert right["model"]["all"] and not right["N1"]["all"] and not right["N2"]["all"]
    assert not np.isnan(res.share)
