"""`eunato sensitivity`: Sobol and Morris through the batch executor, checked on cases with a
known answer (the Ishigami function; a parameter the model ignores)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import sensitivity as S
from experiments.executor import open_executor
from experiments.tuning.study import Bound
from model.inputs.data import DataError

ROOT = Path(__file__).resolve().parents[1]
PI = math.pi


def eunato(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def ishigami_spec(n: int) -> S.SASpec:
    # x4 is a parameter the function ignores
    return S.SASpec(name="ishigami", seeds=[0], methods=["sobol", "morris"],
                    parameters={f"x{k}": Bound(low=-PI, high=PI) for k in (1, 2, 3, 4)},
                    metrics=["y", "x1_only"],
                    sobol={"n": n, "seed": 1}, morris={"trajectories": 20, "seed": 1})


def test_sobol_and_morris_on_the_ishigami_function():
    """Analytic Sobol indices of Ishigami (a = 7, b = 0.1): S1 = (0.314, 0.442, 0),
    ST = (0.558, 0.442, 0.244); the ignored x4 has 0. Same code path as a model run (sample,
    executor, analysis), with the analytic worker; tolerance 0.05 at n = 2048."""
    spec = ishigami_spec(2048)
    with open_executor(workers=1) as ex:
        res = S.run(spec, ex, fn=S.ishigami_point)
    sob = res["sobol"]["y"]
    for k, (s1, st) in enumerate([(0.314, 0.558), (0.442, 0.442), (0.0, 0.244), (0.0, 0.0)]):
        assert sob["S1"][k] == pytest.approx(s1, abs=0.05), k
        assert sob["ST"][k] == pytest.approx(st, abs=0.05), k
    assert abs(sob["ST"][3]) < 1e-12 and sob["ST_conf"][3] < 1e-12  # exactly ignored
    assert all(c > 0 for c in sob["ST_conf"][:3])  # real confidence intervals
    only = res["sobol"]["x1_only"]  # depends on x1 alone
    assert only["ST"][0] == pytest.approx(1.0, abs=0.05)
    assert max(abs(v) for v in only["ST"][1:]) < 1e-12
    mor = res["morris"]["y"]
    assert mor["mu_star"][3] == 0.0 and mor["sigma"][3] == 0.0
    assert min(mor["mu_star"][:3]) > 0.1
    rows = S.long_rows(spec, res)
    assert len(rows) == 2 * 2 * 4


def test_process_pool_gives_the_same_indices_as_serial():
    spec = ishigami_spec(64)
    with open_executor(workers=1) as ex:
        serial = S.run(spec, ex, fn=S.ishigami_point)
    with open_executor(workers=2) as ex:
        pooled = S.run(spec, ex, fn=S.ishigami_point)
    assert serial == pooled


def test_the_model_ignores_risk_under_compromise():
    """The compromise protocol weighs positions by capability and salience, never risk:
    POL's risk has total index 0 on every metric, while US engagement moves outcomes."""
    spec = S.SASpec(name="risk", rounds=20, seeds=[1], methods=["sobol"],
                    parameters={"us_engagement": Bound(low=0.5, high=1.0),
                                "actor.POL.risk": Bound(low=0.5, high=2.0)},
                    metrics=["eu_role_ukr_training", "nato_role_int_logistics",
                             "duplication_index", "gap_index", "agreed", "blocked",
                             "rounds_to_agreement"],
                    sobol={"n": 16, "seed": 0})
    spec.check()
    with open_executor(workers=2) as ex:
        res = S.run(spec, ex)["sobol"]
    for metric, r in res.items():
        assert abs(r["ST"][1]) < 1e-12 and abs(r["S1"][1]) < 1e-12, metric
    assert max(r["ST"][0] for r in res.values()) > 0.5


def test_cli_morris_writes_table_csv_and_plot(tmp_path):
    f = tmp_path / "small-sa.toml"
    f.write_text("""
name = "small"
rounds = 15
seeds = [1]
methods = ["morris"]
metrics = ["eu_role_ukr_aid", "duplication_index"]
[parameters.us_engagement]
low = 0.5
high = 1.0
[parameters.eu_core_competition]
low = 0.1
high = 0.9
[morris]
trajectories = 3
""")
    out = tmp_path / "out"
    r = eunato("sensitivity", str(f), "--workers", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Morris screening" in r.stdout and "eu_role_ukr_aid" in r.stdout
    df = pd.read_csv(out / "indices.csv")
    assert len(df) == 2 * 2 and {"mu_star", "sigma", "mu_star_conf"} <= set(df.columns)
    assert (out / "morris.png").stat().st_size > 0
    indices = json.loads((out / "indices.json").read_text())
    assert indices["parameters"] == ["us_engagement", "eu_core_competition"]
    prov = indices["provenance"]  # docs: every JSON output carries its provenance
    assert {"scenario_hash", "code_version", "packages", "seed", "command"} <= set(prov)
    assert prov["seed"] == [1] and prov["command"][:2] == ["eunato", "sensitivity"]


def test_bad_sensitivity_file_is_one_clear_line(tmp_path):
    f = tmp_path / "bad-sa.toml"
    f.write_text('name = "bad"\n[parameters.us_engagement]\nlow = 0.5\nhigh = 1\n'
                 '[sobol]\nn = 100\n')
    with pytest.raises(DataError) as err:
        S.load_sa(f)
    assert err.value.field == "sobol.n" and err.value.value == 100
    r = eunato("sensitivity", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad-sa.toml" in r.stderr and "sobol.n" in r.stderr


@pytest.mark.parametrize("metric", ["outcome_ukr_aid", "deadlocks", "arrangement_ukr_aid",
                                    "eu_role_ukr_aids"])
def test_an_unknown_metric_is_one_clear_error(tmp_path, metric):
    f = tmp_path / "bad-sa.toml"
    f.write_text(f'name = "bad"\nmetrics = ["{metric}"]\n'
                 '[parameters.us_engagement]\nlow = 0.5\nhigh = 1\n')
    with pytest.raises(DataError) as err:
        S.load_sa(f)
    assert err.value.field == "metrics" and err.value.value == metric


def test_default_metrics_are_columns_of_a_run_row():
    """Every default metric is a numeric column of the row a model run gives."""
    from experiments.tuning.study import evaluate_point

    row = evaluate_point({"base": "baseline-2024", "params": {}, "rounds": 3, "seed": 1})
    for m in S.default_metrics():
        assert m in row, m
        assert math.isfinite(S.metric_value(row, m)), m


def test_the_shipped_sensitivity_file_is_valid():
    spec = S.load_sa(ROOT / "experiments" / "baseline-sa.toml")
    samples = S.sample(spec)
    d = len(spec.parameters)
    assert len(samples["sobol"]) == spec.sobol.n * (d + 2)
    assert len(samples["morris"]) == spec.morris.trajectories * (d + 1)
