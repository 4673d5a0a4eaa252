"""The figures of docs/reliability.md: hostile inputs tried per file type and what came of
them, and batches killed with SIGKILL then resumed (rows lost, duplicated, changed).

    python benchmarks/reliability.py                 # 300 inputs per kind, 20 kills
    python benchmarks/reliability.py --inputs 50 --kills 5

Each input goes through the real command in-process (tests/hostile.py); each kill is a
real ``eunato batch`` subprocess killed at a random moment, resumed, and compared with an
uninterrupted run of the same experiment.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: keywords of the Python API: the model's own and every protocol's parameters
API_KEYWORDS = ["us_engagement", "participation_blockage", "eu_core_decoupling_fear",
                "eastern_flank_competition", "commission_competition", "rounds", "rng",
                "protocol"]


def api_case(protocol: str, key: str, value: object, params: bool) -> str:
    """One bad keyword through ``EuNatoModel``: "clean" (a DataError naming the keyword),
    "ok" (accepted) or what went wrong."""
    from model.inputs.data import DataError
    from model.model import EuNatoModel

    kw = ({"protocol": protocol, "protocol_params": {key: value}} if params
          else {"protocol": protocol, key: value} if key != "protocol" else {key: value})
    kw.setdefault("rounds", 1)
    try:
        EuNatoModel(**kw)
    except DataError as err:
        want = f"protocol_params.{key}" if params else key
        return "clean" if err.file == "keyword" and err.field == want else f"named {err.field}"
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        return f"raised {type(exc).__name__}: {exc}"
    return "ok"


def api_inputs(n: int) -> collections.Counter:
    from model.protocols import PROTOCOLS

    counts: collections.Counter = collections.Counter()
    bad: list[str] = []
    params = [(p, k) for p, cls in PROTOCOLS.items() for k in cls.parameters()]

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.tuples(st.sampled_from(params), st.just(True)),
                     st.tuples(st.tuples(st.just("compromise"), st.sampled_from(API_KEYWORDS)),
                               st.just(False))), hostile.NASTY)
    def run(case: tuple, value: object) -> None:
        (protocol, key), is_param = case
        r = api_case(protocol, key, value, is_param)
        counts[r if r in ("ok", "clean") else "bad"] += 1
        if r not in ("ok", "clean"):
            bad.append(f"{r}: {protocol} {key}={value!r}")

    run()
    for b in bad[:3]:
        print(f"--- api: {b}", file=sys.stderr)
    return counts

STRATEGIES = {
    "experiment": hostile.mutated(hostile.EXPERIMENT),
    "scenario": hostile.mutated(hostile.SCENARIO),
    "tune": hostile.mutated(hostile.TUNE),
    "sensitivity": hostile.mutated(hostile.SENSITIVITY),
    "stakeholder": hostile.mutated_table(),
}


def inputs(kind: str, n: int) -> collections.Counter:
    """Feed ``n`` hostile ``kind`` files to the real command; count the outcomes."""
    counts: collections.Counter = collections.Counter()
    bad: list[str] = []

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(STRATEGIES[kind])
    def run(text: str) -> None:
        with tempfile.TemporaryDirectory() as d:
            r = hostile.outcome(kind, text, Path(d))
        counts[r if r in ("ok", "clean") else "bad"] += 1
        if r not in ("ok", "clean"):
            bad.append(f"{r}\n{text}")

    run()
    for b in bad[:3]:
        print(f"--- {kind}: {b}", file=sys.stderr)
    return counts


EXPERIMENT = """
name = "kills"
protocols = ["bdm"]
rounds = 3
replicates = 25
seed = 11
per_round = true
[sampler]
kind = "lhs"
n = 4
[parameters]
us_engagement = { low = 0.1, high = 0.9 }
"""  # 100 runs


def kills(n: int, seed: int = 1) -> dict[str, int]:
    """Kill ``n`` batches at random moments, resume each, compare with a clean run."""
    from experiments.batch import run_experiment
    from experiments.spec import load_experiment
    from experiments.store import ResultStore, read_rounds, read_runs

    rng = random.Random(seed)
    out = {"kills": 0, "mid_batch": 0, "rows_lost": 0, "rows_duplicated": 0, "rows_changed": 0,
           "resume_failures": 0}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        f = d / "kills.toml"
        f.write_text(EXPERIMENT)
        run_experiment(load_experiment(f), d / "ref", workers=1, progress=False)
        ref = read_runs(d / "ref")
        ref_rounds = read_rounds(d / "ref")
        for k in range(n):
            res = d / f"r{k}"
            cmd = [sys.executable, "-m", "cli.main", "batch", str(f), "--out", str(res),
                   "--workers", "1", "--part-size", "2", "--no-progress"]
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(2.0, 12.0))  # start-up is ~2 s; the batch ~15 s
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            out["kills"] += 1
            # a kill counts as mid-batch when some but not all runs were recorded
            out["mid_batch"] += 0 < len(ResultStore(res).done_ids()) < len(ref)
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                out["resume_failures"] += 1
                continue
            got, rounds = read_runs(res), read_rounds(res)
            out["rows_lost"] += len(set(ref["run_id"]) - set(got["run_id"]))
            out["rows_duplicated"] += int(got["run_id"].duplicated().sum()) + int(
                rounds.duplicated(["run_id", "round"]).sum())
            out["rows_changed"] += int(not got.equals(ref)) + int(not rounds.equals(ref_rounds))
    return out


# --------------------------------------------------------------------------------------
# issue 23's families: output targets, batch folders, signals, sizes
# --------------------------------------------------------------------------------------
def _quiet_main(args: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    from cli.main import main as cli_main

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli_main(args)
    except BaseException as exc:  # noqa: BLE001 - exactly what must never happen
        return -1, f"raised {type(exc).__name__}: {exc}"
    return code, err.getvalue()


def _plant(kind: str, target: Path, victim: Path) -> None:
    import socket
    import stat as st_

    if kind == "device-null":
        os.mknod(target, 0o666 | st_.S_IFCHR, os.makedev(1, 3))
    elif kind == "device-full":
        os.mknod(target, 0o666 | st_.S_IFCHR, os.makedev(1, 7))
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "socket":
        socket.socket(socket.AF_UNIX).bind(str(target))
    elif kind == "symlink":
        target.symlink_to(victim)
    elif kind == "symlink-to-folder":
        target.symlink_to(victim.parent)


def targets() -> collections.Counter:
    """Every output option onto every kind of non-regular target and planted link: a case
    is "clean" (exit 2, one line, the target and everything outside untouched), "written
    outside" (a file outside the output folder changed) or "bad" (anything else)."""
    import stat as st_

    counts: collections.Counter = collections.Counter()
    kinds = ["device-null", "device-full", "fifo", "socket", "symlink", "symlink-to-folder"]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        table = d / "t.csv"
        table.write_text(hostile.TABLE)
        exp = d / "e.toml"
        exp.write_text('name = "e"\nrounds = 2\nreplicates = 1\n')
        tune = d / "tn.toml"
        tune.write_text(hostile.to_toml({**hostile.TUNE, "targets": hostile.TUNE["targets"][1:]}))
        file_cmds = {"forecast --json": lambda t: ["forecast", str(table), "--json", str(t)],
                     "perception --out": lambda t: ["perception", str(table), "--actor", "A",
                                                    "--out", str(t)]}
        folder_cmds = {
            "run --out": lambda o: ["run", "--rounds", "1", "--out", str(o)],
            "batch --out": lambda o: ["batch", str(exp), "--out", str(o), "--workers", "1",
                                      "--no-progress"],
            "tune --out": lambda o: ["tune", str(tune), "--trials", "1", "--out", str(o)],
        }
        k = 0
        for name, cmd in file_cmds.items():
            for kind in kinds:
                k += 1
                case = d / f"c{k}"
                case.mkdir()
                victim = case / "victim.txt"
                victim.write_text("precious")
                target = case / ("x.png" if "perception" in name else "x.json")
                _plant(kind, target, victim)
                code, err = _quiet_main(cmd(target))
                touched = victim.read_text() != "precious" or (
                    kind.startswith("device") and not st_.S_ISCHR(target.lstat().st_mode))
                counts["written outside" if touched else "clean" if code == 2
                       and len(err.strip().splitlines()) == 1 else "bad"] += 1
        for cmd in folder_cmds.values():
            for plant in (".lock", "runs", "summary.json", ".summary.tmp.json"):
                k += 1
                case = d / f"c{k}"
                out = case / "out"
                out.mkdir(parents=True)
                outside = case / "outside"
                outside.mkdir()
                victim = outside / "victim.txt"
                victim.write_text("precious")
                (out / plant).symlink_to(victim if plant != "runs" else outside)
                code, err = _quiet_main(cmd(out))
                moved = victim.read_text() != "precious" or len(list(outside.iterdir())) != 1
                counts["written outside" if moved else "clean" if code in (0, 2) and
                       "Traceback" not in err else "bad"] += 1
    return counts


def folders(n: int, seed: int = 2) -> dict[str, int]:
    """Batch folders: another experiment started beside a running one, into a finished
    one, a scenario edited before the resume; counts refusals and folders that changed."""
    rng = random.Random(seed)
    out = {"cases": 0, "refused": 0, "folder_changed": 0, "mixed": 0, "bad": 0}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for k in range(n):
            case = d / f"f{k}"
            case.mkdir()
            sc = case / "sc.toml"
            sc.write_text('extends = "baseline-2024"\n[parameters]\nus_engagement = 0.9\n')
            a = case / "a.toml"
            a.write_text(f'name = "a"\nscenarios = ["{sc}"]\nrounds = 2\nreplicates = '
                         f'{rng.randint(2, 4)}\nseed = {rng.randint(0, 99)}\n')
            b = case / "b.toml"
            b.write_text('name = "b"\nrounds = 2\nreplicates = 2\n')
            res = case / "out"
            _quiet_main(["batch", str(a), "--out", str(res), "--workers", "1", "--no-progress"])
            for how in ("other", "edited"):
                before = {p: p.read_bytes() for p in res.rglob("*") if p.is_file()}
                if how == "edited":
                    sc.write_text('extends = "baseline-2024"\n[parameters]\n'
                                  f'us_engagement = 0.{rng.randint(1, 8)}\n')
                code, err = _quiet_main(["batch", str(a if how == "edited" else b), "--out",
                                         str(res), "--workers", "1", "--no-progress"])
                out["cases"] += 1
                after = {p: p.read_bytes() for p in res.rglob("*") if p.is_file()}
                out["refused"] += code == 2 and len(err.strip().splitlines()) == 1
                out["folder_changed"] += after != before
                out["bad"] += code not in (0, 2)
                from experiments.store import read_runs

                out["mixed"] += read_runs(res)["scenario"].nunique() > 1 or code == 0
    return out


def signals(n: int) -> dict[str, int]:
    """SIGTERM, SIGHUP and SIGKILL to running batches (2 workers): the exit code, processes
    left after 5 s, and runs the message says were recorded against those on disk."""
    from experiments.store import read_runs

    out = {"signals": 0, "right_exit_code": 0, "processes_left": 0, "count_mismatch": 0}
    sigs = [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        f = d / "s.toml"
        f.write_text('name = "s"\nprotocols = ["bdm"]\nrounds = 30\nreplicates = 400\n')
        for k in range(n):
            sig = sigs[k % 3]
            res = d / f"s{k}"
            p = subprocess.Popen([sys.executable, "-m", "cli.main", "batch", str(f), "--out",
                                  str(res), "--workers", "2", "--no-progress", "--part-size",
                                  "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
            t0 = time.monotonic()
            while not any((res / "runs").glob("part-*")) and time.monotonic() - t0 < 120:
                time.sleep(0.3)
            kids = _descendants(p.pid)
            p.send_signal(sig)
            _, err = p.communicate(timeout=120)
            out["signals"] += 1
            out["right_exit_code"] += p.returncode == ({signal.SIGKILL: -9}.get(sig)
                                                       or 128 + sig)
            time.sleep(5)
            out["processes_left"] += sum(Path(f"/proc/{q}").exists() and Path(
                f"/proc/{q}/stat").read_text().split()[2] != "Z" for q in kids)
            if sig != signal.SIGKILL and "interrupted: " in err:
                said = int(err.split("interrupted: ")[1].split(" of")[0])
                out["count_mismatch"] += said != len(read_runs(res))
    return out


def _descendants(pid: int) -> set[int]:
    ps = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    kids: dict[int, list[int]] = {}
    for line in ps.stdout.split("\n"):
        if line.strip():
            a, b = map(int, line.split())
            kids.setdefault(b, []).append(a)
    found, todo = set(), [pid]
    while todo:
        for q in kids.get(todo.pop(), []):
            found.add(q)
            todo.append(q)
    return found


def sizes(limit: float = 120.0, shapes: tuple = ((300, 1), (600, 1), (1000, 1), (2000, 1),
                                                 (20, 500))) -> list[dict[str, object]]:
    """Tables of growing size under every protocol, each in a subprocess with a time
    limit: refused (and how fast), finished (how fast) or a hang (past the limit)."""
    import numpy as np

    from model.protocols import PROTOCOLS

    rows = []
    with tempfile.TemporaryDirectory() as d:
        for n, m in shapes:
            rng = np.random.default_rng(n)
            t = Path(d) / f"t{n}_{m}.csv"
            cap = rng.uniform(0.1, 1, n)  # one capability per actor, on each of its rows
            t.write_text("Actor,Issue,Capability,Position,Salience\n" + "".join(
                f"A{i},I{j},{cap[i]:.3f},{rng.uniform(0, 100):.1f},0.5\n"
                for i in range(n) for j in range(m)))
            for proto in sorted(PROTOCOLS):
                t0 = time.monotonic()
                try:
                    r = subprocess.run([sys.executable, "-m", "cli.main", "forecast", str(t),
                                        "--protocol", proto], cwd=ROOT, capture_output=True,
                                       text=True, timeout=limit)
                    what = ("refused" if r.returncode == 2 and "limit" in r.stderr else
                            "done" if r.returncode == 0 else f"exit {r.returncode}")
                except subprocess.TimeoutExpired:
                    what = "hang"
                rows.append({"actors": n, "issues": m, "protocol": proto, "result": what,
                             "seconds": round(time.monotonic() - t0, 1)})
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=300, help="hostile files per kind")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLed batches")
    ap.add_argument("--folders", type=int, default=10, help="edited and foreign batches")
    ap.add_argument("--signals", type=int, default=9, help="signalled batches")
    ap.add_argument("--no-sizes", action="store_true", help="skip the table sizes")
    args = ap.parse_args()
    t0 = time.time()
    figures = {"inputs": {}, "load": os.getloadavg()[0], "cpus": os.cpu_count()}
    figures["targets"] = dict(targets())
    print("targets", figures["targets"], flush=True)
    figures["folders"] = folders(args.folders)
    print("folders", figures["folders"], flush=True)
    figures["signals"] = signals(args.signals)
    print("signals", figures["signals"], flush=True)
    if not args.no_sizes:
        figures["sizes"] = sizes()
    for kind in STRATEGIES:
        n = args.inputs // 5 if kind in ("tune", "sensitivity") else args.inputs
        figures["inputs"][kind] = dict(inputs(kind, n))
        print(kind, figures["inputs"][kind], flush=True)
    figures["inputs"]["api keywords"] = dict(api_inputs(args.inputs // 5))
    print("api keywords", figures["inputs"]["api keywords"], flush=True)
    figures["kills"] = kills(args.kills)
    figures["seconds"] = round(time.time() - t0)
    figures["load_end"] = os.getloadavg()[0]
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
