"""Issue 23, bounded work and clean signals: huge tables and actor counts under every
protocol are refused before any work, naming the size and the limit; SIGTERM and SIGHUP
end a batch like Ctrl-C; SIGKILL of a batch leaves no worker behind (real processes)."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from forecasting.forecast import read_table, run_forecast, settle
from model.io.safeio import MAX_TABLE_ROWS, MAX_WORK
from model.protocols import PROTOCOLS

ROOT = Path(__file__).resolve().parents[1]


def long_table(path: Path, n: int, m: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rows = ["Actor,Issue,Capability,Position,Salience"]
    for i in range(n):
        c = rng.uniform(0.1, 1)
        rows += [f"A{i},I{j},{c:.3f},{rng.uniform(0, 100):.1f},{rng.uniform(0.1, 1):.2f}"
                 for j in range(m)]
    path.write_text("\n".join(rows) + "\n")
    return path


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


# --- 8. bounded work --------------------------------------------------------------------
@pytest.mark.parametrize("protocol,n,m", [("pce", 600, 1), ("pce", 2000, 1),
                                          ("smp", 600, 2), ("bdm", 2000, 1),
                                          ("exchange", 20, 500)])
def test_work_too_large_for_a_protocol_is_refused_before_it_starts(tmp_path, protocol, n, m):
    t = long_table(tmp_path / "t.csv", n, m)
    r = cli("forecast", str(t), "--protocol", protocol)
    err = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(err) == 1, r.stderr
    assert f"{n:,} actors × {m:,} issues" in err[0] and "above the limit of" in err[0]
    assert protocol in err[0] and "Traceback" not in r.stderr


def test_compare_refuses_before_the_first_protocol_runs(tmp_path):
    t = long_table(tmp_path / "t.csv", 20, 500)
    r = cli("compare", str(t))
    assert r.returncode == 2 and "exchange" in r.stderr and "above the limit" in r.stderr
    assert r.stdout == ""  # nothing was computed and printed first


def test_every_protocol_accepts_what_a_real_table_asks_and_the_api_checks_too(tmp_path):
    read = read_table(long_table(tmp_path / "t.csv", 30, 3))
    for name in PROTOCOLS:
        assert len(run_forecast(read.state.copy(), name, rounds=3)) == 4
        assert len(settle(read.state, name, max_rounds=20)) == 3
    big = read_table(long_table(tmp_path / "b.csv", 400, 1)).state
    from model.inputs.data import DataError

    with pytest.raises(DataError, match=r"pce builds arrays of .* above the limit"):
        run_forecast(big.copy(), "pce", rounds=1)
    with pytest.raises(DataError, match=re.escape(f"limit of {MAX_WORK:.0e}")):
        settle(big, "bdm", max_rounds=10_000)


def test_a_table_past_the_row_ceiling_stops_while_streaming(tmp_path):
    t = tmp_path / "huge.csv"
    rows = MAX_TABLE_ROWS + 10
    t.write_text("Actor,Issue,Capability,Position,Salience\n"
                 + "".join(f"A{k % 2000},I{k // 2000},0.5,50,0.5\n" for k in range(rows)))
    r = cli("forecast", str(t))
    assert r.returncode == 2, r.stderr
    assert f"row {MAX_TABLE_ROWS + 1}" in r.stderr and f"more than {MAX_TABLE_ROWS:,} rows" \
        in r.stderr


# --- 9. signals -------------------------------------------------------------------------
EXPERIMENT = """name = "sig"
protocols = ["bdm"]
rounds = 30
replicates = 400
seed = 3
"""


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    kids: dict[int, list[int]] = {}
    for line in out.stdout.split("\n"):
        if line.strip():
            p, pp = map(int, line.split())
            kids.setdefault(pp, []).append(p)
    found, todo = set(), [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            if k not in found:
                found.add(k)
                todo.append(k)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().split()[2]
        except OSError:
            continue
        if state != "Z":
            alive.add(p)
    return alive


def _start_batch(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    f = tmp_path / "sig.toml"
    f.write_text(EXPERIMENT)
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(f), "--out",
                          str(out), "--workers", "2", "--no-progress", "--part-size", "2"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (out / "runs").is_dir() or not any((out / "runs").glob("part-*")):
        assert p.poll() is None, p.communicate()
        assert time.monotonic() - t0 < 180, "no part written"
        time.sleep(0.3)
    return p, out


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_end_a_batch_like_ctrl_c(tmp_path, sig, code):
    p, out = _start_batch(tmp_path)
    workers = _descendants(p.pid)
    assert len(workers) >= 2  # the forkserver and its workers
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert "interrupted:" in err and "run the same command again to resume" in err
    assert "Traceback" not in err
    from experiments.store import read_runs

    n = int(err.split("interrupted: ")[1].split(" of")[0])
    assert n == len(read_runs(out)) >= 1  # finished work kept, as the message says
    t0 = time.monotonic()
    while _alive(workers) and time.monotonic() - t0 < 10:
        time.sleep(0.2)
    assert not _alive(workers)


def test_sigkill_of_a_batch_leaves_no_worker_alive(tmp_path):
    p, _ = _start_batch(tmp_path)
    workers = _descendants(p.pid)
    assert len(workers) >= 2
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    t0 = time.monotonic()
    while _alive(workers) and time.monotonic() - t0 < 10:
        time.sleep(0.2)
    assert not _alive(workers), [Path(f"/proc/{w}/cmdline").read_bytes()[:80]
                                 for w in _alive(workers)]


def test_ctrl_c_of_tune_prints_no_traceback(tmp_path):
    f = tmp_path / "t.toml"
    f.write_text('name = "t"\nrounds = 30\nseeds = [1, 2]\nprotocol = "bdm"\n[parameters]\n'
                 'us_engagement = {low = 0.3, high = 1.0}\n[[targets]]\nkind = "metric"\n'
                 'metric = "gap_index"\nvalue = 0.1\n')
    out = tmp_path / "o"
    p = subprocess.Popen([sys.executable, "-m", "cli.main", "tune", str(f), "--trials",
                          "500", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (out / "study.db").exists() or time.monotonic() - t0 < 15:
        assert p.poll() is None, p.communicate()
        time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "interrupted"
    json.dumps(err)  # one readable message
