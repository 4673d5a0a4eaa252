"""BDM against the published EC car-emission example (Scholz, Calbert & Smith 2011, Table 1
data from Bueno de Mesquita 1994, p. 78; their results with Q = 1.0, rounds 1–8).

See docs/validation.md, "Car-emission example", for every deviation and why.
"""

from pathlib import Path

import numpy as np
import pytest

from forecasting.forecast import read_table, run_forecast

DATA = Path(__file__).resolve().parents[1] / "data" / "validation" / "car_emissions.csv"

PUBLISHED_MEDIAN = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
PUBLISHED_MEAN = [7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6]
#: what this engine produces (regression values, 3 decimals)
OURS_MEDIAN = [8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671]
OURS_MEAN = [7.461, 7.553, 7.590, 7.358, 7.349, 7.415, 7.510, 7.572]


def _run(**params):
    state = read_table(DATA).state
    return state, run_forecast(state, "bdm", rounds=8, **params)


def test_table_is_the_published_one():
    s = read_table(DATA).state
    assert s.actor_ids == ["Netherlands", "Belgium", "Luxembourg", "Germany", "France",
                           "Italy", "UK", "Ireland", "Denmark", "Greece"]
    # capability is read in the table's units and divided by the largest (0.16): ratios kept
    np.testing.assert_allclose(s.capability * 0.16,
                               [0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08])
    assert s.position[:, 0].tolist() == [4, 7, 4, 4, 10, 10, 10, 7, 4, 7]
    assert s.salience[:, 0].tolist() == [0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7]
    assert (s.lo[0], s.hi[0]) == (4.0, 10.0)  # the scale width W = 6 of the paper


def test_round_zero():
    _, recs = _run()
    assert recs[0]["forecast"] == [7.0]  # median voter of the table as given
    assert round(recs[0]["mean"][0], 2) == 7.39  # published 7.4


def test_round_one_median_exactly():
    _, recs = _run()
    assert round(recs[1]["median"][0], 1) == PUBLISHED_MEDIAN[0]  # 8.416 -> 8.4


def test_rounds_one_to_eight_against_the_table():
    _, recs = _run()
    med = [r["median"][0] for r in recs[1:]]
    mean = [r["mean"][0] for r in recs[1:]]
    assert med == pytest.approx(OURS_MEDIAN, abs=5e-4)
    assert mean == pytest.approx(OURS_MEAN, abs=5e-4)
    # every published mean within 0.1
    assert np.max(np.abs(np.array(mean) - PUBLISHED_MEAN)) < 0.1
    # every published median within 0.1 except round 2 (9.61 against 9.9: Belgium's
    # compromise with France is one step behind; see docs/validation.md)
    for k, (o, p) in enumerate(zip(med, PUBLISHED_MEDIAN, strict=True), start=1):
        assert abs(o - p) < (0.3 if k == 2 else 0.1), (k, o, p)
    # the published medians are ours truncated to one decimal in 7 of 8 rounds (not round 2)
    assert sum(np.floor(np.array(med) * 10) / 10 == PUBLISHED_MEDIAN) == 7


def test_the_round_four_artefact_of_the_offer_choice():
    # Belgium takes the Netherlands' compromise (lowest weighted position) over France's:
    # the mean drops in round 4 exactly as in the published table (7.6 -> 7.3)
    _, recs = _run()
    r4 = {(i["actors"][0], i["actors"][1]): i for i in recs[4]["interactions"]}
    assert r4[("Netherlands", "Belgium")]["kind"] == "compromise"
    assert r4[("Netherlands", "Belgium")]["offer"] == pytest.approx(4.801, abs=1e-3)
    # with the paper's printed rule (take the offer that moves you least) it does not happen
    _, least = _run(offer_rule="least")
    assert [round(r["mean"][0], 1) for r in least[1:5]] != PUBLISHED_MEAN[:4]


def test_the_printed_pairwise_probability_does_not_reproduce():
    # P_ij = Σ max(v,0) / Σ |v| over the pair only: the median never leaves 7
    _, recs = _run(denominator="pair")
    assert {r["median"][0] for r in recs[1:]} == {7.0}


def test_fast_and_direct_paths_play_the_same_game():
    _, fast = _run()
    _, direct = _run(fast=False)
    for a, b in zip(fast, direct, strict=True):
        assert np.allclose(a["positions"], b["positions"], atol=1e-9)
        assert np.allclose(a["risk"], b["risk"], atol=1e-9)
