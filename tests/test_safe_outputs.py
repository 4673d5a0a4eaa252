"""Issue 23, writes that cannot destroy and one experiment per folder: output targets that
are devices, FIFOs or links, planted temporary names and lock links, concurrent and edited
batches, `run --out` over an earlier run, seeds past 2^63 (real files, device nodes made
with mknod as root, real subprocesses and kills)."""

import contextlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[1]
TABLE = "actor,capability,position,salience\nA,0.5,10,0.8\nB,0.3,60,0.5\nC,0.2,90,1\n"
EXP_A = """name = "a"
protocols = ["compromise"]
rounds = 3
replicates = {n}
seed = 1
"""
EXP_B = EXP_A.replace('"a"', '"b"').replace("seed = 1", "seed = 50")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def sub(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=kw.pop("cwd", ROOT),
                          capture_output=True, text=True, timeout=600, **kw)


def one_clean_line(code: int, err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(w in lines[0] for w in words), err


@pytest.fixture
def table(tmp_path: Path) -> Path:
    t = tmp_path / "t.csv"
    t.write_text(TABLE)
    return t


# --- 1. a target that is not a regular file is refused, never replaced ------------------
@root_only
@pytest.mark.parametrize("command", ["forecast", "backtest"])
@pytest.mark.parametrize("node", ["null", "full"])
def test_a_device_node_as_json_target_is_refused_and_stays_a_device(tmp_path, table,
                                                                     command, node):
    dev = tmp_path / node
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3 if node == "null" else 7))
    args = [str(table)] if command == "forecast" else ["--seeds", "1"]
    code, _, err = run(command, *args, "--json", str(dev))
    one_clean_line(code, err, "--json", "is a device", "refusing to replace it")
    assert stat.S_ISCHR(dev.lstat().st_mode)


@pytest.mark.parametrize("kind", ["symlink", "fifo", "socket"])
def test_links_fifos_and_sockets_as_targets_are_refused(tmp_path, table, kind):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "x.json"
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        import socket

        s = socket.socket(socket.AF_UNIX)
        s.bind(str(target))
    code, _, err = run("forecast", str(table), "--json", str(target))
    one_clean_line(code, err, "--json", "refusing to replace it")
    assert victim.read_text() == "precious" and not stat.S_ISREG(target.lstat().st_mode)


def test_standard_output_as_json_target_is_written_through(tmp_path, table):
    r = sub("forecast", str(table), "--json", "/dev/stdout", "--rounds", "2")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["actors"] == ["A", "B", "C"]
    assert Path("/dev/stdout").is_symlink()  # the system's link is untouched


# --- 2. a .lock link in an output folder ------------------------------------------------
@pytest.mark.parametrize("command", ["batch", "tune"])
def test_a_lock_link_is_refused_and_its_target_untouched(tmp_path, command):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").symlink_to(victim)
    if command == "batch":
        f = tmp_path / "a.toml"
        f.write_text(EXP_A.format(n=1))
        code, _, err = run("batch", str(f), "--out", str(out), "--workers", "1",
                           "--no-progress")
    else:
        f = tmp_path / "t.toml"
        f.write_text('name = "t"\nrounds = 3\nseeds = [1]\n[parameters]\n'
                     'us_engagement = {low = 0.3, high = 1.0}\n[[targets]]\nkind = "metric"\n'
                     'metric = "gap_index"\nvalue = 0.1\n')
        code, _, err = run("tune", str(f), "--trials", "1", "--out", str(out))
    one_clean_line(code, err, ".lock", "symlink")
    assert victim.read_text() == "precious"


def test_data_folders_that_are_links_are_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs").symlink_to(elsewhere)
    f = tmp_path / "a.toml"
    f.write_text(EXP_A.format(n=1))
    code, _, err = run("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")
    one_clean_line(code, err, "runs", "refusing to write through it")
    assert not any(elsewhere.iterdir())


# --- 3. planted temporary names ---------------------------------------------------------
def test_links_planted_at_guessable_temporary_names_are_never_followed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    # the names the old code used, for the next 400 pids
    with open("/proc/sys/kernel/ns_last_pid") as fh:
        last = int(fh.read())
    for pid in range(last, last + 400):
        for stem, suf in (("summary", ".json"), ("events", ".json"), ("steps", ".parquet"),
                          ("actors", ".parquet")):
            (out / f".{stem}.{pid}.tmp{suf}").symlink_to(outside / f"{stem}-{pid}")
    r = sub("run", "--rounds", "2", "--out", str(out), "--overwrite")
    # the folder holds stray links, not a run: it is refused whole, nothing written
    assert r.returncode in (0, 2), r.stderr
    assert not any(outside.iterdir())
    if r.returncode == 0:
        for name in ("summary.json", "events.json", "steps.parquet", "actors.parquet"):
            assert stat.S_ISREG((out / name).lstat().st_mode)
    fresh = tmp_path / "fresh"
    r = sub("run", "--rounds", "2", "--out", str(fresh))
    assert r.returncode == 0, r.stderr
    assert not any(outside.iterdir())
    assert all(stat.S_ISREG(p.lstat().st_mode) for p in fresh.iterdir())


# --- 4 and 5. one experiment per folder -------------------------------------------------
def _wait_for(path: Path, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while not path.exists():
        assert time.monotonic() - t0 < timeout, f"{path} never appeared"
        time.sleep(0.2)


def test_a_second_experiment_started_while_one_runs_changes_nothing(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(EXP_A.format(n=300).replace('"compromise"', '"bdm"').replace("3\nrep",
                                                                              "20\nrep"))
    b.write_text(EXP_B.format(n=80))
    out = tmp_path / "D"
    first = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(a), "--out",
                              str(out), "--workers", "1", "--no-progress"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(out / "experiment.json")
        before = (out / "experiment.json").read_bytes()
        code, _, err = run("batch", str(b), "--out", str(out), "--workers", "1",
                           "--no-progress")
        one_clean_line(code, err, "holds experiment 'a'", "this is 'b'", "--force-new")
        assert (out / "experiment.json").read_bytes() == before
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(120)


def test_another_experiment_into_a_finished_folder_is_refused_and_force_new_goes_beside(
        tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(EXP_A.format(n=3))
    b.write_text(EXP_B.format(n=2))
    out = tmp_path / "D"
    assert run("batch", str(a), "--out", str(out), "--workers", "1", "--no-progress")[0] == 0
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, _, err = run("batch", str(b), "--out", str(out), "--workers", "1", "--no-progress")
    one_clean_line(code, err, "holds experiment 'a' (3 runs)", "this is 'b'")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot
    code, _, err = run("batch", str(b), "--out", str(out), "--workers", "1", "--no-progress",
                       "--force-new")
    assert code == 0, err
    from experiments.store import read_runs

    assert len(read_runs(out)) == 3 and len(read_runs(tmp_path / "D-2")) == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot
    # the same experiment edited (another replicate count) is another experiment too
    a.write_text(EXP_A.format(n=4))
    code, _, err = run("batch", str(a), "--out", str(out), "--workers", "1", "--no-progress")
    one_clean_line(code, err, "another version of experiment 'a'", "'replicates' was 3, now 4")


def test_a_scenario_edited_between_kill_and_resume_is_refused(tmp_path):
    sc = tmp_path / "sc.toml"
    sc.write_text('extends = "baseline-2024"\n[parameters]\nus_engagement = 0.9\n')
    exp = tmp_path / "e.toml"
    exp.write_text(EXP_A.format(n=2).replace('protocols = ["compromise"]',
                                             f'scenarios = ["{sc}"]'))
    out = tmp_path / "D"
    assert run("batch", str(exp), "--out", str(out), "--workers", "1", "--no-progress")[0] == 0
    sc.write_text('extends = "baseline-2024"\n[parameters]\nus_engagement = 0.1\n')
    code, _, err = run("batch", str(exp), "--out", str(out), "--workers", "1", "--no-progress")
    one_clean_line(code, err, f"scenario '{sc}' has changed", "mix two scenarios")
    code, _, err = run("batch", str(exp), "--out", str(out), "--dry-run")
    one_clean_line(code, err, "has changed")


def test_runs_of_no_recorded_experiment_are_not_merged_into(tmp_path):
    from experiments.batch import run_params

    out = tmp_path / "D"
    run_params([{"scenario": "baseline-2024", "protocol": "compromise", "seed": 1,
                 "rounds": 2}], out, workers=1, progress=False)
    f = tmp_path / "a.toml"
    f.write_text(EXP_A.format(n=1))
    code, _, err = run("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")
    one_clean_line(code, err, "no recorded experiment")


# --- 6. run --out over an earlier run ---------------------------------------------------
def _seed_of(folder: Path) -> set:
    import pandas as pd

    s = json.loads((folder / "summary.json").read_text())["seed"]
    e = (folder / "events.json").read_bytes()
    return {s, len(e), len(pd.read_parquet(folder / "steps.parquet")),
            pd.read_parquet(folder / "actors.parquet").shape}


def test_run_out_over_an_earlier_run_needs_overwrite_and_a_kill_never_mixes(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    assert sub("run", "--seed", "5", "--out", str(old)).returncode == 0
    r = sub("run", "--seed", "9", "--out", str(old))
    assert r.returncode == 2 and "holds an earlier run; give --overwrite" in r.stderr
    assert json.loads((old / "summary.json").read_text())["seed"] == 5
    assert sub("run", "--seed", "9", "--out", str(new)).returncode == 0
    files = ("steps.parquet", "actors.parquet", "events.json")
    ref = {k: {f: (d / f).read_bytes() for f in files} for k, d in ((5, old), (9, new))}
    mixed = 0
    for k, delay in enumerate((1.0, 2.0, 3.0, 4.0, 5.0, 6.0)):
        d = tmp_path / f"try{k}"
        subprocess.run(["cp", "-a", str(old), str(d)], check=True)
        p = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--seed", "9",
                              "--out", str(d), "--overwrite"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.kill()
        p.wait()
        seed = json.loads((d / "summary.json").read_text())["seed"]
        got = {f: (d / f).read_bytes() for f in files}
        mixed += got != ref[seed]
        assert not [x.name for x in d.iterdir() if ".tmp" in x.name]
    assert mixed == 0


def test_overwrite_never_replaces_a_folder_holding_other_files(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "thesis.tex").write_text("years of work")
    code, _, err = run("run", "--rounds", "1", "--out", str(d), "--overwrite")
    one_clean_line(code, err, "not a run's (thesis.tex)")
    assert (d / "thesis.tex").read_text() == "years of work"


def test_out_dash_and_report_into_the_data_folder_are_refused(tmp_path):
    code, _, err = run("run", "--rounds", "1", "--out", "-")
    one_clean_line(code, err, "'-' (standard output) is not one")
    f = tmp_path / "a.toml"
    f.write_text(EXP_A.format(n=1))
    out = tmp_path / "D"
    assert run("batch", str(f), "--out", str(out), "--workers", "1", "--no-progress")[0] == 0
    parts = sorted(p.name for p in (out / "runs").iterdir())
    code, _, err = run("report", str(out), "--out", str(out / "runs"))
    one_clean_line(code, err, "inside the results' runs/ folder")
    assert sorted(p.name for p in (out / "runs").iterdir()) == parts
    (tmp_path / "file").write_text("x")
    code, _, err = run("report", str(out), "--out", str(tmp_path / "file"))
    one_clean_line(code, err, "is a file, not a folder")


# --- 7. seeds past what NumPy takes -----------------------------------------------------
def test_a_seed_whose_replicates_pass_two_to_the_63_is_refused_at_the_dry_run(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\nseed = 9223372036854775807\nreplicates = 3\nrounds = 2\n')
    code, _, err = run("batch", str(f), "--out", str(tmp_path / "o"), "--dry-run")
    one_clean_line(code, err, "field 'seed'", "9223372036854775809")
    code, _, err = run("run", "--seed", str(2**63 - 2), "--seeds", "3", "--rounds", "1")
    one_clean_line(code, err, "--seed", "beyond the largest seed")
    f.write_text('name = "s"\nseed = 9223372036854775805\nreplicates = 3\nrounds = 1\n')
    code, _, err = run("batch", str(f), "--out", str(tmp_path / "o"), "--workers", "1",
                       "--no-progress")
    assert code == 0, err
