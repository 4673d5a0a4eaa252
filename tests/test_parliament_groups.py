"""Laws of the Parliament by political groups and of joint declarations (issue 22, items 6-7).

Each law is checked over ten seeds on the engine's own runs: the Parliament's vote in a house
is its groups' seat majority under the Treaty's rule (votes cast at first reading, component
members for the MFF's consent), the term follows the month of the vote, a joint declaration
is not barred by the participation blockage while a formal arrangement is, and the NAC
adopts a draft unless an ally with a veto-sized loss breaks silence.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

import model.institutions.parliament as P
from agents.base import DISSENT_THRESHOLD, VOTE_TOLERANCE, NegotiationActor
from model.inputs.errors import DataError
from model.institutions.houses import GRID, piece_vote
from model.model import EuNatoModel

ROOT = Path(__file__).resolve().parents[1]
EPISODES = ROOT / "data" / "episodes"
SEEDS = range(10)
EDIP = str(EPISODES / "edip-2025.toml")
JOINT = str(EPISODES / "joint-declaration-2023.toml")


def _run(scenario: str, seed: int, **kw) -> EuNatoModel:
    return EuNatoModel(scenario, rng=seed, lean=True, **kw).run()


def _groups_by_hand(model: EuNatoModel, j: int, grid: np.ndarray, term_no: int):
    """The groups' seats for, against and abstaining on each grid point, from the data
    file read here (not through the engine's loader)."""
    raw = tomllib.loads((ROOT / "data" / "parliament.toml").read_text())
    term = next(t for t in raw["term"] if t["term"] == term_no)
    stance = term["stance"][model.world.issues[j].pillar]
    ep = model.world.actor_ids.index("EP")
    sal = model.salience[ep, j]
    tally = np.zeros((3, grid.size))
    for g, seats in term["seats"].items():
        f, a, b = stance[g]
        pos = np.clip(model.stand[ep, j] - raw["lean_span"] * (a + b / 2), 0, 100)
        yes, no, ab = NegotiationActor.decide_vote(
            np.abs(pos - grid), np.full(grid.size, abs(pos - model.outcome[j])),
            np.full(grid.size, sal), np.zeros(grid.size, bool), np.zeros(grid.size, bool),
            model.abstain_salience)
        tally += seats * term["turnout"] * np.stack([yes, no, ab])
    return tally, sum(term["seats"].values())


def test_only_a_majority_of_the_groups_seats_carries_the_parliaments_vote():
    differs = 0
    for seed in SEEDS:
        mdl = _run(EDIP, seed)
        j = mdl.world.issue_ids.index("ind_procurement")
        ok = piece_vote(mdl, j, "eu", GRID).house_ok["european_parliament"]
        (yes, no, _), _ = _groups_by_hand(mdl, j, GRID, 10)
        assert np.array_equal(ok, yes > no + 1e-9), seed
        # the unitary Parliament (its median) would have let other points through
        ep = mdl.world.actor_ids.index("EP")
        d_p = np.abs(mdl.stand[ep, j] - GRID)
        _, alone_no, _ = NegotiationActor.decide_vote(
            d_p, np.full(GRID.size, abs(mdl.stand[ep, j] - mdl.outcome[j])),
            np.full(GRID.size, mdl.salience[ep, j]), np.zeros(GRID.size, bool),
            np.zeros(GRID.size, bool), mdl.abstain_salience)
        differs += int((ok == alone_no).sum())
    assert differs > 0  # the groups' rule is not the median actor's


def test_consent_needs_a_majority_of_component_members_stricter_than_votes_cast():
    stricter = 0
    for seed in SEEDS:
        mdl = _run(EDIP, seed)
        j = mdl.world.issue_ids.index("ind_procurement")
        cast = piece_vote(mdl, j, "eu", GRID, basis="olp").house_ok["european_parliament"]
        consent = piece_vote(mdl, j, "eu", GRID, basis="mff").house_ok["european_parliament"]
        (yes, _, _), members = _groups_by_hand(mdl, j, GRID, 10)
        assert np.array_equal(consent, yes >= members // 2 + 1 - 1e-9), seed
        assert not (consent & ~cast).any(), seed  # what consent passes, votes cast pass
        stricter += int((cast & ~consent).sum())
    assert stricter > 0  # absences and abstentions count against consent


def test_absences_count_against_consent_not_against_votes_cast(tmp_path, monkeypatch):
    text = (ROOT / "data" / "parliament.toml").read_text()
    (tmp_path / "p.toml").write_text(text.replace("turnout = 0.915", "turnout = 0.45"))
    monkeypatch.setattr(P, "PATH", tmp_path / "p.toml")
    P.load_groups.cache_clear()
    try:
        mdl = _run(EDIP, 0)
        j = mdl.world.issue_ids.index("ind_procurement")
        # every seat that votes says yes to a small step towards the Parliament: under
        # consent 45% of the house is not a majority of its members
        x = np.array([mdl.outcome[j] + 5.0])
        cast = piece_vote(mdl, j, "eu", x, basis="olp").house_ok["european_parliament"]
        consent = piece_vote(mdl, j, "eu", x, basis="mff").house_ok["european_parliament"]
        assert cast[0] and not consent[0]
    finally:
        P.load_groups.cache_clear()


def test_the_term_follows_the_date():
    groups = P.load_groups()
    assert [groups.term_at(m).term for m in ("2019-07", "2023-07", "2024-06", "2024-07",
                                             "2025-11")] == [9, 9, 9, 10, 10]
    assert groups.term_at("2030-01") is None
    terms = set()
    for seed in SEEDS:
        for scen in ("asap-2023", "edip-2025"):
            s = _run(str(EPISODES / f"{scen}.toml"), seed).summary(explanations=False)
            (v,) = [i["parliament"] for i in s["issues"] if i["parliament"]]
            assert v["term"] == groups.term_at(v["month"]).term, (scen, seed)
            assert (v["members"], "ID" in v["groups"], "PfE" in v["groups"]) == (
                (703, True, False) if v["term"] == 9 else (720, False, True)), (scen, seed)
            terms.add(v["term"])
    assert terms == {9, 10}


def test_without_group_data_the_parliament_votes_as_one(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "PATH", tmp_path / "absent.toml")
    P.load_groups.cache_clear()
    try:
        for seed in range(3):
            s = _run(EDIP, seed).summary(explanations=False)
            assert all(i["parliament"] is None for i in s["issues"])
    finally:
        P.load_groups.cache_clear()


def test_a_bad_group_file_names_its_field(tmp_path):
    text = (ROOT / "data" / "parliament.toml").read_text()
    (tmp_path / "p.toml").write_text(text.replace("EPP = [0.97, 0.00, 0.03]",
                                                  "EPP = [0.97, 0.50, 0.03]"))
    with pytest.raises(DataError, match="term\\[0\\].stance.ukraine.EPP"):
        P.load_groups(str(tmp_path / "p.toml"))


@pytest.mark.parametrize("instrument", ["declaration", "arrangement"])
def test_a_declaration_is_not_blocked_by_the_participation_problem(instrument, tmp_path):
    text = Path(JOINT).read_text()
    assert "participation_blockage = true" in text
    path = tmp_path / "jd.toml"
    path.write_text(text.replace('joint_instrument = "declaration"',
                                 f'joint_instrument = "{instrument}"'))
    for seed in SEEDS:
        mdl = _run(str(path), seed)
        j = mdl.world.issue_ids.index("int_mobility")
        ids = mdl.world.actor_ids
        v = piece_vote(mdl, j, "joint", np.array([[mdl.outcome[j], mdl.outcome[mdl.m + j]]]))
        forced = {ids[k] for k in np.flatnonzero(v.no[:, 0])} >= {"CYP", "TUR"}
        if instrument == "declaration":
            assert mdl.route[j] == "joint", seed
        else:
            # the blockers vote no on any formal arrangement, so the joint route never passes
            assert forced and not v.adopted[0] and mdl.route[j] != "joint", seed


def test_the_nac_adopts_unless_an_ally_breaks_silence_with_a_veto_sized_loss():
    mild_kept = 0
    for seed in SEEDS:
        mdl = _run(str(EPISODES / "nsatu-2024.toml"), seed)
        j = next(k for k, v in enumerate(mdl.world.nato_venue) if v == "nac")
        c = mdl.m + j
        v = piece_vote(mdl, j, "nato", GRID)
        allies = mdl.electorate.nato
        d_p = np.abs(mdl.stand[:, c][:, None] - GRID[None, :])
        d_s = np.abs(mdl.stand[:, c] - mdl.outcome[c])[:, None]
        loss = mdl.salience[:, j][:, None] * (d_p - d_s)
        worse = (d_p > d_s + VOTE_TOLERANCE) & allies[:, None]
        veto_sized = (worse & (loss >= DISSENT_THRESHOLD)
                      & (mdl.salience[:, j] >= mdl.abstain_salience)[:, None]
                      | mdl.world.block[:, j][:, None] & allies[:, None])
        # nobody with a veto-sized loss: silence holds (blocs never make a member veto)
        assert v.house_ok["nato"][~veto_sized.any(axis=0)].all(), seed
        # allies worse off by a mild loss keep silence
        mild_kept += int((v.house_ok["nato"] & worse.any(axis=0)).sum())
    assert mild_kept > 0


def test_same_seed_same_bytes():
    for scen in (EDIP, JOINT):
        a = json.dumps(EuNatoModel(scen, rng=7).run().summary(), sort_keys=True)
        b = json.dumps(EuNatoModel(scen, rng=7).run().summary(), sort_keys=True)
        assert a == b
