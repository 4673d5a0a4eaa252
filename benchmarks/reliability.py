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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=300, help="hostile files per kind")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLed batches")
    args = ap.parse_args()
    t0 = time.time()
    figures = {"inputs": {}, "load": os.getloadavg()[0], "cpus": os.cpu_count()}
    for kind in STRATEGIES:
        n = args.inputs // 5 if kind in ("tune", "sensitivity") else args.inputs
        figures["inputs"][kind] = dict(inputs(kind, n))
        print(kind, figures["inputs"][kind], flush=True)
    figures["inputs"]["api keywords"] = dict(api_inputs(args.inputs // 5))
    print("api keywords", figures["inputs"]["api keywords"], flush=True)
    figures["kills"] = kills(args.kills)
    figures["seconds"] = round(time.time() - t0)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
