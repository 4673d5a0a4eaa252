"""Tuning and sensitivity studies: killed trials, bad bounds on worker pools (real runs)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[1]
TUNE = """
name = "killed"
rounds = 30
seeds = [1, 2, 3]
[parameters.us_engagement]
low = 0.3
high = 1.0
[[targets]]
kind = "outcome"
issue = "ukr_training"
role = "eu"
value = 50
"""


def _trials(out: Path) -> list:
    if not (out / "study.db").exists():
        return []
    try:
        return optuna.load_study(study_name="killed",
                                 storage=f"sqlite:///{out / 'study.db'}").trials
    except Exception:  # noqa: BLE001 - the study row may not exist yet
        return []


def test_killed_tuning_trials_are_marked_failed_and_not_counted(tmp_path):
    f = tmp_path / "killed.toml"
    f.write_text(TUNE)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cli.main", "tune", str(f), "--out", str(out)]
    kills, running = 0, []
    for _ in range(3):  # kill three runs of the study while a trial is running
        proc = subprocess.Popen([*cmd, "--trials", "1000"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not any(t.state == optuna.trial.TrialState.RUNNING for t in _trials(out)
                      if t.number >= 2 * kills + 1):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        # what this kill left RUNNING (the trial may have just finished: then nothing)
        running += [t for t in _trials(out) if t.state == optuna.trial.TrialState.RUNNING]
    assert running, "the kills should leave trials RUNNING"
    r = subprocess.run([*cmd, "--trials", "2"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    trials = _trials(out)
    states = {t.number: t.state for t in trials}
    assert all(states[t.number] == optuna.trial.TrialState.FAIL for t in running)
    assert not any(s == optuna.trial.TrialState.RUNNING for s in states.values())
    complete = sum(s == optuna.trial.TrialState.COMPLETE for s in states.values())
    assert json.loads((out / "best.json").read_text())["trials"] == complete
    assert f"{complete - 2} complete trial(s) so far" in r.stdout.replace("\n", "")


def test_second_tuning_run_on_one_folder_is_refused(tmp_path):
    from experiments.store import folder_lock

    f = tmp_path / "killed.toml"
    f.write_text(TUNE)
    with folder_lock(tmp_path / "out"):
        r = subprocess.run([sys.executable, "-m", "cli.main", "tune", str(f), "--trials", "1",
                            "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert r.returncode == 1 and "another tuning study" in r.stderr
    assert "Traceback" not in r.stderr


SA_BAD_BOUND = """
name = "bad-bound"
rounds = 3
methods = ["morris"]
[parameters.us_engagement]
low = 0.5
high = 1.5
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sensitivity_bad_bound_names_the_users_file_on_any_pool(tmp_path, capsys, workers):
    f = tmp_path / "sa.toml"
    f.write_text(SA_BAD_BOUND)
    assert main(["sensitivity", str(f), "--workers", workers,
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {f}: field 'parameters.us_engagement.high' = 1.5")
    assert len(err.splitlines()) == 1


def test_data_error_crosses_a_process_pool():
    import pickle

    from model.inputs.data import DataError

    e = pickle.loads(pickle.dumps(DataError("f.toml", "x", 1.5, "too big")))
    assert str(e) == "f.toml: field 'x' = 1.5: too big" and e.problem == "too big"
