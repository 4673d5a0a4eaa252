"""A scenario's ``protocol`` and ``[protocol_parameters]`` are honoured by every front door
that does not name a protocol itself: ``eunato run``, a batch whose experiment leaves out
``protocols``, a tune or sensitivity study, and compare-scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cli.main import main
from model.model import EuNatoModel

SCENARIO = ('name = "bdm-q"\nextends = "baseline-2024"\nprotocol = "bdm"\nrounds = 3\n'
            "[protocol_parameters.bdm]\nQ = 0.5\n")


def _scenario(tmp_path: Path) -> Path:
    f = tmp_path / "bdm-q.toml"
    f.write_text(SCENARIO)
    return f


def _direct(f: Path, seed: int) -> dict:
    m = EuNatoModel(scenario_name=str(f), rng=seed)
    assert m.protocol_name == "bdm" and m.protocol.params["Q"] == 0.5
    return m.run().summary()


def test_run_uses_the_scenarios_protocol(tmp_path, capsys):
    f = _scenario(tmp_path)
    assert main(["run", "--scenario", str(f), "--seed", "2", "--out", str(tmp_path / "o")]) == 0
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["protocol"] == "bdm"
    assert s["gap_index"] == _direct(f, 2)["gap_index"]


def test_a_batch_without_protocols_runs_each_scenarios_own(tmp_path):
    f = _scenario(tmp_path)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "p"\nscenarios = ["baseline-2024", {json.dumps(str(f))}]\n'
                   "replicates = 2\nseed = 1\nrounds = 3\n")
    assert main(["batch", str(exp), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    by = runs.groupby("scenario")["protocol"].unique().to_dict()
    assert {k: list(v) for k, v in by.items()} == {"baseline-2024": ["compromise"],
                                                   str(f): ["bdm"]}
    mine = runs[runs.scenario == str(f)].set_index("seed")
    for seed in (1, 2):
        assert mine.loc[seed, "gap_index"] == _direct(f, seed)["gap_index"]


def test_a_tune_study_on_a_bdm_scenario_runs_bdm(tmp_path):
    from experiments.tuning.study import evaluate_point, load_tune

    f = _scenario(tmp_path)
    t = tmp_path / "t.toml"
    t.write_text(f'name = "t"\nscenario = {json.dumps(str(f))}\nseeds = [3]\n'
                 "[parameters.us_engagement]\nlow = 0.3\nhigh = 1.0\n"
                 '[[targets]]\nkind = "metric"\nmetric = "gap_index"\nvalue = 0.1\n')
    spec = load_tune(t)
    assert spec.protocol == "bdm"
    row = evaluate_point(spec.task({}, 3))
    assert row["protocol"] == "bdm" and row["gap_index"] == _direct(f, 3)["gap_index"]


def test_compare_scenarios_without_a_protocol_runs_each_scenarios_own(tmp_path):
    from experiments.compare import run_cell

    f = _scenario(tmp_path)
    row = run_cell(str(f), 4, {})
    assert row["gap_index"] == _direct(f, 4)["gap_index"]
