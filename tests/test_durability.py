"""Nothing is lost: lock, quarantine of damaged parts, a part every few seconds, full and
read-only disks, failed runs reported, a Dask worker killed mid-batch (real processes)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.batch import FLUSH_SECONDS, run_experiment
from experiments.spec import load_experiment
from experiments.store import ResultStore, read_rounds, read_runs

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = """
name = "durable"
protocols = ["bdm"]
rounds = 3
replicates = 3
seed = 5
per_round = true
[parameters]
us_engagement = [0.2, 0.5, 0.8]
"""  # 9 runs


def _exp(tmp_path: Path, text: str = EXPERIMENT) -> Path:
    f = tmp_path / "durable.toml"
    f.write_text(text)
    return f


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kw)


def test_second_batch_on_a_locked_folder_stops_with_a_clear_message(tmp_path):
    f = _exp(tmp_path, EXPERIMENT.replace("replicates = 3", "replicates = 1"))
    out = tmp_path / "out"
    with ResultStore(out).lock():  # a first batch holds the folder (this process)
        r = _cli("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"another batch (pid {os.getpid()}) is writing to {out}" in r.stderr
    assert not (out / "runs").exists()
    # released: the batch now runs
    r = _cli("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("table", ["runs", "rounds"])
def test_damaged_part_is_quarantined_and_its_runs_redone(tmp_path, table):
    f = _exp(tmp_path)
    exp = load_experiment(f)
    ref, out = tmp_path / "ref", tmp_path / "out"
    run_experiment(exp, ref, workers=1, progress=False)
    run_experiment(exp, out, workers=1, progress=False, part_size=2)
    victim = sorted((out / table).glob("part-*.parquet"))[1]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated, as a dying disk leaves it
    with pytest.raises(RuntimeError, match="quarantine"):
        read_runs(out) if table == "runs" else read_rounds(out)  # report names the part
    r = _cli("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert f"damaged part {victim.name} moved to" in r.stdout.replace("\n", "")
    assert (out / "quarantine" / f"{table}-{victim.name}").exists()
    pd.testing.assert_frame_equal(read_runs(out), read_runs(ref))
    pd.testing.assert_frame_equal(read_rounds(out), read_rounds(ref))


def test_parts_read_directly_with_pandas_whatever_each_part_holds(tmp_path):
    # one part with failed runs (an error string), one with only successes (no error)
    rows = [{"scenario": "baseline-2024", "protocol": "compromise", "seed": 1, "rounds": 2},
            {"scenario": "no-such-scenario-file.toml", "protocol": "compromise", "seed": 1}]
    from experiments.batch import run_params
    run_params(rows, tmp_path, workers=1, progress=False, part_size=1)
    df = pd.read_parquet(tmp_path / "runs")
    assert len(df) == 2 and df["error"].notna().sum() == 1


def test_first_part_lands_within_seconds_by_default(tmp_path):
    f = _exp(tmp_path, EXPERIMENT.replace("replicates = 3", "replicates = 200"))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(f), "--out",
                             str(out), "--workers", "1", "--no-progress"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.monotonic()
        while not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
            assert time.monotonic() - t0 < 60
        # start-up (imports, first run) plus at most FLUSH_SECONDS of runs
        assert time.monotonic() - t0 < FLUSH_SECONDS + 15
    finally:
        proc.kill()
        proc.wait()
    n = len(ResultStore(out).done_ids())
    assert 0 < n < 600


def test_a_batch_with_failed_runs_exits_non_zero_and_says_why(tmp_path):
    sc = tmp_path / "mine.toml"
    sc.write_text('extends = "baseline-2024"\n')
    f = _exp(tmp_path, EXPERIMENT.replace('name = "durable"',
                                          f'name = "durable"\nscenarios = ["{sc}"]'))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(f), "--out",
                             str(out), "--workers", "1", "--part-size", "1", "--no-progress"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None:
        time.sleep(0.01)
    sc.write_text("rounds = [\n")  # the scenario breaks while the batch runs
    stdout, stderr = proc.communicate(timeout=300)
    runs = read_runs(out)
    n_bad = int((runs["status"] != "ok").sum())
    assert n_bad > 0, "the file should break mid-way"
    assert proc.returncode == 1 and "Traceback" not in stderr
    assert f"error: {n_bad} of 9 runs failed" in stderr and "not valid TOML" in stderr


def _in_small_tmpfs(tmp_path: Path, script: str, size: str) -> dict:
    """Run ``script`` (Python) in a private mount namespace with a tmpfs of ``size`` at
    MNT (a real full or read-only disk, without touching the machine's mounts)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) for a private tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    (tmp_path / "s.py").write_text(textwrap.dedent(script))
    cmd = (f"mount -t tmpfs -o size={size} tmpfs {mnt} && "
           f"MNT={mnt} {sys.executable} {tmp_path / 's.py'}")
    r = subprocess.run(["unshare", "-rm", "sh", "-c", cmd], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0 and "Operation not permitted" in r.stderr:
        pytest.skip(f"no user namespaces here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_full_disk_is_a_clear_error_and_earlier_parts_stay(tmp_path):
    f = _exp(tmp_path, EXPERIMENT.replace("replicates = 3", "replicates = 40"))
    res = _in_small_tmpfs(tmp_path, f"""
        import json, os, subprocess, sys
        from experiments.store import read_runs
        out = os.path.join(os.environ["MNT"], "out")
        r = subprocess.run([sys.executable, "-m", "cli.main", "batch", "{f}", "--out", out,
                            "--workers", "1", "--part-size", "4", "--no-progress"],
                           capture_output=True, text=True)
        runs = read_runs(out)
        print(json.dumps({{"rc": r.returncode, "err": r.stderr, "rows": len(runs),
                          "ok": bool((runs["status"] == "ok").all())}}))
    """, size="120k")
    assert res["rc"] == 1 and "Traceback" not in res["err"]
    assert "the disk is full" in res["err"] and "parts written before are intact" in res["err"]
    assert 0 < res["rows"] < 120 and res["ok"]


def test_run_on_a_full_disk_leaves_no_half_file(tmp_path):
    """`eunato run --out` on a disk that fills mid-way: one line naming the file that did
    not fit, and no folder at all (model.io.safeio.folder_swap builds the run in a hidden
    folder that takes the real name only once complete; atomic_output makes each file whole
    or absent), so nothing half-written is ever under the real name."""
    res = _in_small_tmpfs(tmp_path, """
        import json, os, subprocess, sys
        out = os.path.join(os.environ["MNT"], "out")
        r = subprocess.run([sys.executable, "-m", "cli.main", "run", "--out", out],
                           capture_output=True, text=True)
        left = sorted(os.listdir(os.environ["MNT"]))
        print(json.dumps({"rc": r.returncode, "err": r.stderr, "left": left}))
    """, size="200k")
    assert res["rc"] == 1 and "Traceback" not in res["err"], res["err"]
    assert len(res["err"].strip().splitlines()) == 1
    assert "out/actors.parquet" in res["err"] and "the disk is full" in res["err"], res["err"]
    assert res["left"] == []  # no folder, no half file, no hidden temporary left behind


def test_read_only_folder_is_a_clear_error(tmp_path):
    f = _exp(tmp_path)
    res = _in_small_tmpfs(tmp_path, f"""
        import json, os, subprocess, sys
        mnt = os.environ["MNT"]
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        r = subprocess.run([sys.executable, "-m", "cli.main", "batch", "{f}", "--out",
                            os.path.join(mnt, "out"), "--workers", "1", "--no-progress"],
                           capture_output=True, text=True)
        print(json.dumps({{"rc": r.returncode, "err": r.stderr}}))
    """, size="1m")
    assert res["rc"] in (1, 2) and "Traceback" not in res["err"]
    assert "not a writable folder" in res["err"] or "read-only" in res["err"]
    assert len(res["err"].strip().splitlines()) == 1


@pytest.mark.slow
def test_dask_worker_killed_mid_batch_loses_no_run(tmp_path):
    from distributed import Client, LocalCluster

    f = _exp(tmp_path, EXPERIMENT.replace("replicates = 3", "replicates = 4"))  # 12 runs
    exp = load_experiment(f)
    ref = run_experiment(exp, tmp_path / "ref", workers=1, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        out = tmp_path / "dask"
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(f), "--out",
                                 str(out), "--scheduler", cluster.scheduler_address,
                                 "--part-size", "1", "--no-progress"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.01)
        os.kill(next(iter(pids.values())), signal.SIGKILL)  # one worker dies mid-batch
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    got = read_runs(out)
    assert len(got) == 12 and (got["status"] == "ok").all()
    pd.testing.assert_frame_equal(got, ref)
