"""`eunato tune`: recovery of known parameters, resuming a study, the tuned scenario,
multi-objective studies and clear errors for bad tune files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from experiments import tune as T
from model.data import DataError
from model.model import EuNatoModel
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EUNATO = [sys.executable, "-m", "model.cli"]


def eunato(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([*EUNATO, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


TRUTH = {"us_engagement": 0.9, "eastern_flank_decoupling_fear": 0.7}
BOUNDS = {"us_engagement": {"low": 0.3, "high": 1.0},
          "eastern_flank_decoupling_fear": {"low": 0.3, "high": 1.0}}


def synthetic_spec(rounds: int = 50, seeds: tuple[int, ...] = (1,)) -> T.TuneSpec:
    """Targets generated from known parameters: every issue agreed at TRUTH, with its
    outcome there."""
    rows = [T.evaluate_point({"base": "baseline-2024", "params": TRUTH, "rounds": rounds,
                              "seed": s}) for s in seeds]
    issues = [k[len("outcome_"):] for k, v in rows[0].items()
              if k.startswith("outcome_") and all(r[k] is not None for r in rows)]
    targets = [{"kind": "outcome", "issue": i,
                "value": sum(r[f"outcome_{i}"] for r in rows) / len(rows)} for i in issues]
    spec = T.TuneSpec(name="synthetic", scenario="baseline-2024", rounds=rounds,
                      seeds=list(seeds), parameters=BOUNDS, targets=targets,
                      start={"us_engagement": 0.5, "eastern_flank_decoupling_fear": 0.35})
    spec.check()
    return spec


def test_recovers_outcomes_of_known_parameters(tmp_path):
    """Targets from TRUTH; tuning starts far away (0.5, 0.35), whose loss is ~0.4. After 50
    TPE trials the best parameters reproduce every target outcome within 2 points of the
    0-100 scale (mean within 1 point), and us_engagement, which the outcomes identify, is
    recovered within 0.05 (eastern-flank fear is barely identified: not checked)."""
    spec = synthetic_spec()
    assert len(spec.targets) >= 5
    start_fit, _ = T.evaluate(spec, spec.start)
    assert start_fit["loss"] > 0.2
    study = T.open_study(spec, None, tmp_path)
    T.optimize(study, spec, 50)
    assert study.trials[0].params == spec.start  # the tuning started from the given start
    best = T.best_trial(study)
    f, rows = T.evaluate(spec, best.params)  # re-run: the loss is reproducible
    assert f["loss"] == pytest.approx(best.user_attrs["loss"])
    assert f["loss"] <= 0.01
    assert max(f["distance"]) <= 0.02
    for t, achieved in zip(spec.targets, f["achieved"], strict=True):
        assert abs(achieved - t.value) <= 2.0, t.issue
    assert abs(best.params["us_engagement"] - TRUTH["us_engagement"]) <= 0.05


def test_loss_counts_deadlocks_and_coalition_facts():
    rows = [{"outcome_a": 40.0, "agreed_a": True, "rounds_run": 50, "all_agreed": False,
             "rounds_to_agreement": None,
             "partition": json.dumps({"POL": "USA", "LTU": "USA", "LVA": "USA"})},
            {"outcome_a": None, "agreed_a": False, "rounds_run": 50, "all_agreed": False,
             "rounds_to_agreement": None,
             "partition": json.dumps({"POL": "USA", "LTU": "LTU"})}]
    out = T.Target(kind="outcome", issue="a", value=50)
    assert T.target_fit(out, rows) == (40.0, pytest.approx((0.1 + 1.0) / 2))
    together = T.Target(kind="together", actors=["POL", "LTU", "LVA"], value=1.0)
    assert T.target_fit(together, rows) == (0.5, 0.5)
    apart = T.Target(kind="apart", actors=["POL", "LTU", "LVA"], value=True)
    assert T.target_fit(apart, rows) == (0.5, 0.5)
    agreed = T.Target(kind="agreed", issue="a", value=True)
    assert T.target_fit(agreed, rows) == (0.5, 0.5)
    rounds = T.Target(kind="rounds", value=20)
    assert T.target_fit(rounds, rows)[1] == 1.0  # never all agreed: the largest distance


def test_resume_adds_trials_and_the_cli_writes_its_outputs(tmp_path):
    f = tmp_path / "small-tune.toml"
    f.write_text("""
name = "small"
scenario = "baseline-2024"
rounds = 20
seeds = [1]
[parameters.us_engagement]
low = 0.5
high = 1.0
[parameters."actor.POL.decoupling_fear"]
low = 0.5
high = 1.0
[[targets]]
kind = "outcome"
issue = "int_logistics"
value = 30
[[targets]]
kind = "together"
actors = ["POL", "LTU", "LVA", "EST"]
value = 1.0
group = "coalitions"
""")
    out = tmp_path / "out"
    for _ in range(2):
        r = eunato("tune", str(f), "--trials", "3", "--out", str(out))
        assert r.returncode == 0, r.stderr
    study = optuna.load_study(study_name="small", storage=f"sqlite:///{out / 'study.db'}")
    assert len(study.trials) == 6
    assert "3 complete trial(s) so far" in r.stdout and "fit per target" in r.stdout
    assert (out / "history.png").stat().st_size > 0
    assert (out / "importance.png").stat().st_size > 0
    best = json.loads((out / "best.json").read_text())
    assert best["trials"] == 6 and set(best["params"]) == {"us_engagement",
                                                          "actor.POL.decoupling_fear"}


def test_written_scenario_loads_and_reproduces_the_tuned_runs(tmp_path):
    spec = synthetic_spec(rounds=30, seeds=(1, 2))
    params = {"us_engagement": 0.83, "eastern_flank_decoupling_fear": 0.77}
    spec.parameters["actor.POL.risk"] = T.Bound(low=0.5, high=2.0)
    spec.parameters["actor.POL.salience.ukr_aid"] = T.Bound(low=0.0, high=1.0)
    params |= {"actor.POL.risk": 1.4, "actor.POL.salience.ukr_aid": 0.3123456789}
    _, rows = T.evaluate(spec, params)
    path = T.write_scenario(spec, params, "tuned-test", tmp_path)
    sc = load_scenario(path)
    assert sc.extends == "baseline-2024" and sc.rounds == 30
    assert sc.actors["POL"].salience["ukr_aid"] == 0.3123456789
    assert sc.blocs["eastern_flank"].decoupling_fear == 0.77
    model = EuNatoModel(scenario_name=str(path), rng=1)
    model.run()
    s = model.summary()
    assert {i["issue"]: i["outcome"] for i in s["issues"]} == {
        k[len("outcome_"):]: v for k, v in rows[0].items() if k.startswith("outcome_")}
    # and through the command line, as a user runs it
    r = eunato("run", "--scenario", str(path), "--seed", "2", "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["rounds_run"] == rows[1]["rounds_run"]
    assert {i["issue"]: i["outcome"] for i in summary["issues"]} == {
        k[len("outcome_"):]: v for k, v in rows[1].items() if k.startswith("outcome_")}


def test_write_scenario_by_name_runs_and_is_listed(tmp_path):
    """--write-scenario NAME writes data/scenarios/NAME.toml (here a copy of data/, via
    EUNATO_DATA); `eunato run --scenario NAME` runs it and `eunato scenarios` (the app's list,
    model.scenario.list_scenarios) shows it."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    env = {"EUNATO_DATA": str(data)}
    r = eunato("tune", "experiments/baseline-tune.toml", "--trials", "2", "--out",
               str(tmp_path / "out"), "--write-scenario", "baseline-tuned", env=env)
    assert r.returncode == 0, r.stderr
    path = data / "scenarios" / "baseline-tuned.toml"
    sc = load_scenario(path)
    best = json.loads((tmp_path / "out" / "best.json").read_text())
    assert sc.parameters.us_engagement == best["params"]["us_engagement"]
    assert sc.actors["FRA"].competition == best["params"]["actor.FRA.competition"]
    assert sc.parameters.coalition_cohesion == best["params"]["parameters.coalition_cohesion"]
    r = eunato("run", "--scenario", "baseline-tuned", "--rounds", "5", env=env)
    assert r.returncode == 0, r.stderr
    assert "baseline-tuned" in r.stdout
    r = eunato("scenarios", env=env)
    assert r.returncode == 0 and "baseline-tuned" in r.stdout
    assert not (ROOT / "data" / "scenarios" / "baseline-tuned.toml").exists()


def test_multi_objective_has_one_objective_per_group(tmp_path):
    spec = synthetic_spec(rounds=20)
    spec.targets.append(T.Target(kind="together", actors=["POL", "LTU", "LVA", "EST"],
                                 value=1.0, group="coalitions"))
    spec.multi_objective = True
    study = T.open_study(spec, None, tmp_path)
    assert isinstance(study.sampler, optuna.samplers.NSGAIISampler)
    T.optimize(study, spec, 6)
    assert len(study.directions) == 2 == len(spec.groups)
    best = T.best_trial(study)
    assert best in study.best_trials and len(best.values) == 2
    assert T.fit_rows(spec, best)[-1]["group"] == "coalitions"


def test_cmaes_sampler_runs(tmp_path):
    import optuna

    spec = synthetic_spec(rounds=20)
    study = T.open_study(spec, None, tmp_path, sampler="cmaes")
    assert isinstance(study.sampler, optuna.samplers.CmaEsSampler)
    T.optimize(study, spec, 3)
    assert len(study.trials) == 3


BAD = [
    ('[parameters.us_engagment]\nlow = 0\nhigh = 1\n', "parameters.us_engagment"),
    ('[parameters.us_engagement]\nlow = 0.9\nhigh = 0.5\n', "parameters.us_engagement.high"),
    ('[parameters.us_engagement]\nlow = 0.5\nhigh = 1.5\n', "parameters.us_engagement.high"),
    ('[parameters."actor.ATLANTIS.risk"]\nlow = 0.5\nhigh = 1\n',
     "parameters.actor.ATLANTIS.risk"),
    ('[parameters.us_engagement]\nlow = "a"\nhigh = 1\n', "parameters.us_engagement.low"),
]


@pytest.mark.parametrize(("params", "field"), BAD)
def test_bad_tune_file_names_file_field_and_value(tmp_path, params, field):
    f = tmp_path / "bad-tune.toml"
    f.write_text('name = "bad"\n' + params
                 + '[[targets]]\nkind = "outcome"\nissue = "ukr_aid"\nvalue = 50\n')
    with pytest.raises(DataError) as err:
        T.load_tune(f)
    assert err.value.field == field and str(f) in str(err.value)


def test_bad_target_through_the_cli_is_one_clear_line(tmp_path):
    f = tmp_path / "bad-tune.toml"
    f.write_text('name = "bad"\n[parameters.us_engagement]\nlow = 0.5\nhigh = 1\n'
                 '[[targets]]\nkind = "outcome"\nissue = "ukr_aids"\nvalue = 50\n')
    r = eunato("tune", str(f), "--trials", "1", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "bad-tune.toml" in r.stderr and "targets[0].issue" in r.stderr
    assert "ukr_aids" in r.stderr


def test_the_shipped_tune_file_is_valid():
    spec = T.load_tune(ROOT / "experiments" / "baseline-tune.toml")
    assert spec.targets and "actor.POL.decoupling_fear" in spec.parameters
