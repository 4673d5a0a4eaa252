"""A batch killed with SIGKILL resumes with nothing lost and nothing duplicated."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from experiments.batch import run_experiment
from experiments.spec import load_experiment
from experiments.store import ResultStore, read_rounds, read_runs

ROOT = Path(__file__).resolve().parents[1]

# BDM is slow enough (~0.1 s a run at 3 rounds) that the kill lands mid-way
EXPERIMENT = """
name = "resume-test"
protocols = ["bdm"]
rounds = 3
replicates = 4
seed = 7
per_round = true
[sampler]
kind = "lhs"
n = 4
seed = 3
[parameters]
us_engagement = { low = 0.1, high = 0.9 }
"""  # 16 runs


def _batch(toml: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "cli.main", "batch", str(toml), "--out", str(out),
            "--workers", "1", "--part-size", "2", "--no-progress"]


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    toml = tmp_path / "resume-test.toml"
    toml.write_text(EXPERIMENT)
    out = tmp_path / "killed"
    proc = subprocess.Popen(_batch(toml, out), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list((out / "runs").glob("part-*.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no part file after 60 s"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = ResultStore(out).done_ids()
    assert 0 < len(done) < 16, "the kill should land mid-way"

    res = subprocess.run(_batch(toml, out), cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert f"({len(done)} already in" in res.stdout.replace("\n", "")

    ref = tmp_path / "reference"
    run_experiment(load_experiment(toml), ref, workers=1, progress=False)
    resumed = read_runs(out)
    assert len(resumed) == 16 and resumed["run_id"].is_unique
    pd.testing.assert_frame_equal(resumed, read_runs(ref))
    rounds = read_rounds(out)
    assert not rounds.duplicated(["run_id", "round"]).any()
    pd.testing.assert_frame_equal(rounds, read_rounds(ref))


def test_rounds_part_without_its_runs_part_is_ignored_and_cleaned(tmp_path):
    store = ResultStore(tmp_path)
    store.write_part([{"run_id": "a", "status": "ok"}], [{"run_id": "a", "round": 0}])
    # an interrupted write: the rounds part landed, its runs part did not
    store.write_part([{"run_id": "b", "status": "ok"}], [{"run_id": "b", "round": 0}])
    orphan = sorted((tmp_path / "runs").glob("part-*"))[-1]
    orphan.unlink()
    (tmp_path / "runs" / ".part-x.parquet.1234.tmp").write_bytes(b"half a file")
    assert set(read_rounds(tmp_path)["run_id"]) == {"a"}
    assert store.done_ids() == {"a"}
    store.clean()
    assert len(list((tmp_path / "rounds").glob("part-*"))) == 1
    assert not list((tmp_path / "runs").glob(".part-*"))
