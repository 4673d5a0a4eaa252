"""`compare_scenarios`: same seeds, bands, differences with bootstrap intervals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.compare import bootstrap_ci, compare_scenarios, parse_settings

ROOT = Path(__file__).resolve().parents[1]


def test_bootstrap_interval_covers_the_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = 0
    trials = 300
    for k in range(trials):
        d = rng.normal(0.3, 1.0, size=20)
        lo, hi = bootstrap_ci(d, n_boot=500, seed=k)
        hits += lo <= 0.3 <= hi
    # percentile bootstrap with n = 20 under-covers slightly; far from 95% would be a bug
    assert 0.88 <= hits / trials <= 0.99


def test_a_scenario_against_the_same_premises_shows_no_difference(tmp_path):
    twin = tmp_path / "twin.toml"
    twin.write_text('name = "twin"\nextends = "baseline-2024"\n')
    calls = []
    comp = compare_scenarios(["baseline-2024", str(twin)], seeds=4, settings={"rounds": 8},
                             workers=1, progress=lambda d, n: calls.append((d, n)))
    assert calls[-1] == (8, 8) and len(calls) == 8
    t = comp.table
    assert set(t["level"]) == {"issue", "pillar"}
    other = t[t["scenario"] == str(twin)]
    for col in ("d_eu_role", "d_nato_role", "d_agreed_share", "d_eu_role_lo",
                "d_eu_role_hi"):
        assert (other[col] == 0).all(), col
    assert comp.provenance["seed"] == [0, 1, 2, 3]
    assert len(comp.provenance["scenario_hash"]) == 16  # one hash of the list of premises
    assert [s["name"] for s in comp.provenance["scenario"]] == ["baseline-2024", "twin"]


def test_differences_are_paired_means_and_bands_hold_the_median(tmp_path):
    comp = compare_scenarios(["baseline-2024", "us-disengagement"], seeds=5,
                             settings={"rounds": 10}, workers=2)
    runs, t = comp.runs, comp.table
    assert len(runs) == 2 * 5 * runs["issue"].nunique()
    for unit in runs["issue"].unique():
        a = runs[(runs["scenario"] == "baseline-2024") & (runs["issue"] == unit)]
        b = runs[(runs["scenario"] == "us-disengagement") & (runs["issue"] == unit)]
        d = b.set_index("seed")["eu_role"] - a.set_index("seed")["eu_role"]
        row = t[(t["scenario"] == "us-disengagement") & (t["unit"] == unit)].iloc[0]
        assert row["d_eu_role"] == pytest.approx(d.mean(), abs=1e-3)
        assert row["d_eu_role_lo"] - 1e-3 <= row["d_eu_role"] <= row["d_eu_role_hi"] + 1e-3
        assert row["eu_role_p10"] <= row["eu_role_median"] <= row["eu_role_p90"]
        assert row["agreed_share"] == pytest.approx(b["agreed"].mean(), abs=1e-3)
    pil = t[t["level"] == "pillar"]
    assert set(pil["unit"]) == set(runs["pillar"])


def test_same_bytes_whatever_the_worker_count(tmp_path):
    for w in (1, 2):
        compare_scenarios(["baseline-2024", "us-disengagement"], seeds=3,
                          settings={"rounds": 6}, out=tmp_path / str(w), workers=w)
    for name in ("comparison.parquet", "runs.parquet", "comparison.json", "briefing.html"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    meta = json.loads((tmp_path / "1" / "comparison.json").read_text())
    assert {"scenario_hash", "code_version", "packages", "seed", "command"} <= set(
        meta["provenance"])
    assert len(pd.read_parquet(tmp_path / "1" / "comparison.parquet")) == len(meta["table"])


def test_settings_and_bad_input():
    assert parse_settings(["us_engagement=0.4", "protocol=bdm", "participation_blockage=true"]
                          ) == {"us_engagement": 0.4, "protocol": "bdm",
                                "participation_blockage": True}
    with pytest.raises(ValueError, match="unknown parameter"):
        parse_settings(["warp=9"])
    with pytest.raises(ValueError, match="at least two"):
        compare_scenarios(["baseline-2024"], seeds=2)


def test_cli_prints_issue_and_pillar_tables_and_rejects_bad_input(tmp_path):
    def eunato(*a):
        return subprocess.run([sys.executable, "-m", "cli.main", *a], capture_output=True,
                              text=True, cwd=ROOT, timeout=300)

    r = eunato("compare-scenarios", "baseline-2024", "us-disengagement", "--seeds", "3",
               "--set", "rounds=6", "--workers", "2", "--out", str(tmp_path / "c"))
    assert r.returncode == 0, r.stderr
    assert "per issue" in r.stdout and "per pillar" in r.stdout and "(reference)" in r.stdout
    assert (tmp_path / "c" / "briefing.html").is_file()
    r = eunato("compare-scenarios", "baseline-2024", "us-disengagement", "--seeds", "2",
               "--set", "rounds=4", "--format", "csv", "--workers", "1")
    assert r.returncode == 0 and r.stdout.startswith("scenario,level,unit")
    for bad in (["--set", "warp=9"], ["nowhere-scenario"], ["--set", "protocol=nope"]):
        r = eunato("compare-scenarios", "baseline-2024", "us-disengagement", *bad,
                   "--seeds", "2")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (bad, r.stderr)


def test_a_veto_on_a_piece_that_passed_elsewhere_is_not_a_blocker(tmp_path):
    """Under the participation blockage, TUR (NAC) and CYP (EU Council) veto every joint
    arrangement; the pieces then pass by separate routes, so the issue is agreed and those
    vetoes blocked nothing. HUN's veto of the EPF money keeps the EU piece blocked: it
    counts. Blockers are counted per blocked piece (docs/schema.md ``pieces``)."""
    from experiments.runs import build_model
    from model.results.reading import HOUSE_PIECE

    comp = compare_scenarios(["baseline-2024", "blockage-lifted"], seeds=4,
                             settings={"participation_blockage": True}, workers=1,
                             brief=False)
    runs = comp.runs
    # the engine's own summaries: which vetoes fell on pieces that stayed blocked
    harmless = blocking = 0
    for seed in comp.seeds:
        model = build_model({"scenario": "baseline-2024", "seed": seed,
                             "participation_blockage": True})
        for i in model.run().summary()["issues"]:
            row = runs[(runs["scenario"] == "baseline-2024") & (runs["seed"] == seed)
                       & (runs["issue"] == i["issue"])].iloc[0]
            expect = sorted({v["actor"] for v in i["vetoes"]
                             if i["pieces"][HOUSE_PIECE[v["house"]]] == "blocked"})
            assert json.loads(row["blockers"]) == expect, (seed, i["issue"])
            harmless += len({v["actor"] for v in i["vetoes"]}) - len(expect)
            blocking += len(expect)
    assert harmless > 0 and blocking > 0  # the case is there, and real blocks too
    t = comp.table.set_index(["scenario", "level", "unit"])
    ref = t.loc[("baseline-2024", "issue", "ukr_reform")]  # agreed, both pieces passed
    vetoes = runs[(runs["scenario"] == "baseline-2024") & (runs["issue"] == "ukr_reform")]
    assert any(json.loads(v) for v in vetoes["vetoes"])  # vetoed on the joint route …
    assert (vetoes["agreed"]).all()
    assert json.loads(ref["top_blockers"]) == [] and ref["blockers_count"] == 0  # … no block
    aid = json.loads(t.loc[("baseline-2024", "issue", "ukr_aid")]["top_blockers"])
    assert aid and aid[0] == ["HUN", 1.0]


def test_runs_played_as_ensembles_are_the_runs_one_by_one():
    """compare_scenarios plays each task's seeds of a scenario as one ensemble: its runs
    table is the one single full runs give, whatever the task size."""
    from experiments.compare import _long_rows
    from experiments.runs import build_model
    from model.results.reading import issues

    settings = {"rounds": 12, "us_engagement": 0.3}
    comp = compare_scenarios(["baseline-2024", "blockage-lifted"], seeds=5,
                             settings=settings, workers=1)
    alone = []
    for sc in ("baseline-2024", "blockage-lifted"):
        for seed in range(5):
            s = build_model({"scenario": sc, "seed": seed, **settings}).run().summary()
            alone.append({"scenario": sc, "seed": seed, "issues": issues(s)})
    pd.testing.assert_frame_equal(comp.runs, _long_rows(alone))
