"""Coalitions of the willing (issue 22, item 2; model/willing.py), as laws over ten seeds:
when an issue stays blocked in both institutions past its deadline, a formed coalition that
holds enough capability and wants the change acts outside both; one below the capability
threshold, or whose members do not gain, does not; same seed, same bytes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.willing import joins, net_gain, wanted_coverage
from model.ensemble.core import run_ensemble
from model.inputs.data import DataError
from model.model import EuNatoModel
from validation.backtest import Outcome, check, outcome, overlap
from validation.episodes import EPISODE_DIR, load_episode

SEEDS = range(1, 11)

# EPF-type aid blocked in both houses: Hungary declares it wants less of both roles, in
# the EU (CFSP, unanimity) and in NATO (consensus); everyone else's positions are the data's
BLOCKED = """
name = "blocked-in-both"
extends = "baseline-2024"
start = "2024-07"
deadline = "2024-12"
only_issues = ["ukr_aid"]
[actors.HUN]
eu_role = {{ ukr_aid = 30 }}
nato_role = {{ ukr_aid = 15 }}
salience = {{ ukr_aid = 0.9 }}
source = "test: a declared position against, in both houses"
[issues.ukr_aid]
status_quo = {{ eu_role = {eu}, nato_role = {nato} }}
{extra}
"""


def case(tmp_path, eu: int = 55, nato: int = 15, extra: str = "") -> str:
    p = tmp_path / f"case-{eu}-{nato}-{len(extra)}.toml"
    p.write_text(BLOCKED.format(eu=eu, nato=nato, extra=extra))
    return str(p)


def runs(path: str) -> list[EuNatoModel]:
    return run_ensemble([EuNatoModel(scenario_name=path, rng=s, lean=True) for s in SEEDS])


def aid(mdl: EuNatoModel) -> dict:
    return next(i for i in mdl.summary(explanations=False)["issues"]
                if i["issue"] == "ukr_aid")


def test_a_capable_coalition_that_wants_the_change_acts_outside_both(tmp_path):
    path = case(tmp_path)
    for mdl in runs(path):
        rec = aid(mdl)
        # the institutions failed: blocked in the EU and in NATO, by Hungary, at the deadline
        assert rec["status"] == "blocked" and rec["pieces"] == {"eu": "blocked",
                                                                "nato": "blocked"}
        assert "HUN" in {v["actor"] for v in rec["vetoes"]}
        out = rec["outside"]
        assert rec["route"] == "outside" and out is not None, mdl.seed
        ids = mdl.state.actor_ids
        part = np.isin(ids, out["participants"])
        # a formed coalition's own members, states only, at least two
        lab = mdl.coalition[mdl.pillar_of[0]]
        assert len(set(lab[part].tolist())) == 1 and part.sum() >= 2
        assert set(np.asarray(mdl.world.types)[part]) <= {"state", "us"}
        assert "HUN" not in out["participants"]
        # enough capability: at least the threshold of every state's
        states = np.isin(mdl.world.types, ["state", "us"])
        cap = mdl.state.capability
        share = cap[part].sum() / cap[states].sum()
        assert share >= mdl.spec.parameters.willing_threshold
        assert out["share"] == pytest.approx(share, abs=1e-4)
        # each participant gains by its own utility, its share of the bill paid
        cov = mdl.outcome[0] + mdl.outcome[mdl.m]
        wanted = wanted_coverage(mdl.stand[:, 0], mdl.stand[:, mdl.m])
        gain = net_gain(wanted, cov, out["role"], mdl.salience[:, 0], cap, cap[part].sum())
        assert (gain[part] > 0).all()
        # the EU's and NATO's roles stay where the institutions left them; the gap counts
        # the outside role
        assert (rec["eu_role"], rec["nato_role"]) == (55, 15)
        assert rec["gap"] == pytest.approx(max(0.0, 100 - 55 - 15 - out["role"]) / 100,
                                           abs=1e-4)
        assert out["why"].startswith("blocked by") and "HUN (eu_council)" in out["why"]


def test_below_the_capability_threshold_nobody_acts_and_nothing_else_changes(tmp_path):
    on = runs(case(tmp_path))
    off = runs(case(tmp_path, extra="[parameters]\nwilling_threshold = 0.99"))
    for a, b in zip(on, off, strict=True):
        ra, rb = aid(a), aid(b)
        assert rb["route"] is None and rb["outside"] is None
        assert b.summary(explanations=False)["outside"] == 0
        # the mechanism that does not trigger leaves everything else as it was
        for k in ("status", "eu_role", "nato_role", "pieces", "vetoes", "proposal"):
            assert ra[k] == rb[k], k
        assert rb["gap"] == pytest.approx((100 - 55 - 15) / 100)


def test_a_coalition_whose_members_do_not_gain_does_not_act(tmp_path):
    # the task is covered already (EU 75 + NATO 25): the others want more of the EU, not
    # more coverage, so doing the task outside both gains nobody anything
    for mdl in runs(case(tmp_path, eu=75, nato=25)):
        rec = aid(mdl)
        assert rec["status"] == "blocked"
        assert rec["route"] is None and rec["outside"] is None


def test_the_decision_rule_weighs_gain_against_the_share_of_the_bill():
    wanted = np.array([100.0, 100.0, 70.0, 100.0])
    sal = np.array([0.9, 0.3, 0.9, 0.05])
    cap = np.array([1.0, 3.0, 1.0, 1.0])
    got = joins(wanted, 70.0, 10.0, sal, cap, pooled=4.0, abstain_salience=0.1)
    # 1: 0.9·10 > 1/4·10; 2: 0.3·10 < 3/4·10 (pays most, cares little); 3: wants no more
    # coverage; 4: does not care enough to spend
    assert got.tolist() == [True, False, False, False]


def test_same_seed_same_bytes_alone_or_in_an_ensemble(tmp_path):
    path = case(tmp_path)
    alone = [EuNatoModel(scenario_name=path, rng=s, lean=True).run() for s in (3, 7)]
    again = [EuNatoModel(scenario_name=path, rng=s, lean=True).run() for s in (3, 7)]
    together = run_ensemble([EuNatoModel(scenario_name=path, rng=s, lean=True)
                             for s in (3, 7)])
    for a, b, c in zip(alone, again, together, strict=True):
        sa = json.dumps(a.summary(), sort_keys=True)
        assert sa == json.dumps(b.summary(), sort_keys=True)
        assert sa == json.dumps(c.summary(), sort_keys=True)
        assert a.summary()["outside"] == 1


def test_explain_says_who_acted_outside_why_and_what_share(tmp_path):
    mdl = EuNatoModel(scenario_name=case(tmp_path), rng=1).run()
    ex = mdl.explain("ukr_aid")["ukr_aid"]
    out = ex["outside"]
    assert "Outside both the EU and NATO" in ex["text"]
    assert out["coalition"] in ex["text"] and f"{out['share']:.0%}" in ex["text"]
    assert "blocked by" in ex["text"]
    assert any(e["kind"] == "outside" for e in mdl.events_log)


# -- the back-test ----------------------------------------------------------------------

def test_the_back_test_scores_route_and_participants():
    ep = load_episode(EPISODE_DIR / "czech-ammunition-2024.toml")
    real = ep.spec.participants
    rec = {"issue": "ukr_aid", "status": "blocked", "route": "outside",
           "venues": {"eu": "cfsp", "nato": "none", "joint": False},
           "vetoes": [{"actor": "HUN", "house": "eu_council"}],
           "outside": {"participants": real[: len(real) // 2 + 1]}}
    o = outcome({"issues": [rec]}, "ukr_aid")
    assert o.route == "outside" and o.participants == tuple(sorted(real[: len(real) // 2 + 1]))
    c = check(o, ep.spec)
    assert c == {"result": True, "venue": True, "blocker": True, "route": True,
                 "participants": True}
    # a third of the real group is not its core; the institutional route is not outside
    few = Outcome("blocked", ("cfsp",), ("HUN",), None, "outside", tuple(real[:5]))
    assert not check(few, ep.spec)["participants"]
    assert not check(Outcome("blocked", ("cfsp",), ("HUN",), None), ep.spec)["route"]
    assert overlap(["A", "B"], ["B", "C"]) == pytest.approx(1 / 3)
    # the null rules name no route and no participants
    assert not any(check(n, ep.spec)[k] for n in ep.nulls.values()
                   for k in ("route", "participants"))


@pytest.mark.parametrize("edit, field", [
    (('route = "outside"\n', ""), "episode.participants"),
    (('result = "blocked"', 'result = "adopted"'), "episode.result"),
    (('"BEL", "CAN"', '"BEL", "XXX"'), "episode.participants"),
])
def test_a_bad_outside_episode_names_its_field(tmp_path, edit, field):
    text = (EPISODE_DIR / "czech-ammunition-2024.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(*edit, 1).replace('blocker = ["HUN"]', "blocker = []")
                   if edit[1] == 'result = "adopted"' else text.replace(*edit, 1))
    with pytest.raises(DataError) as err:
        load_episode(bad)
    assert err.value.field == field
