"""Batch benchmark: `eunato batch` against `mesa.batch_run`, the executors, one full run.

    python benchmarks/batch.py [--runs 1000] [--protocol compromise] [--workers 2]
                               [--no-dask] [--repeat 5] [--cycles 1]

The sweep: baseline-2024, the scenario's rounds, us_engagement at 10 levels × runs/10
seeds, written as an experiment file. Measured side by side in one run, in this order:

1. ``eunato batch FILE`` as a whole process (start-up, imports, pool, Parquet parts), with
   its default executor (a process pool over every CPU);
2. ``mesa.batch_run(EuNatoModel, ...)`` on the same runs, 1 process, collecting at the end
   only (``data_collection_period=-1``), as a whole process;
3. ``experiments.batch.run_params`` in this process: serial, process pool, Dask (the
   model imported here and in the pool's server before any is timed, so both start warm);
4. one full baseline run (collection of every reporter, summary with explanations), with
   ``compromise`` and with ``bdm``: the median of ``--repeat`` runs.

With ``--cycles N`` steps 1–3 are repeated N times in turn and the medians reported, so a
shared machine's drifting load falls on every alternative alike; each alternative starts
3 s after the previous one ended (``settle``). Prints the machine's CPUs
and load average (start and end), wall and CPU seconds, and the ratios the issue asks for.
Checks that every eunato executor wrote identical runs tables, the CLI's included. Also
prints what two plain CPU-bound processes get against one at the start and the end: on a
shared machine that bounds any executor's scaling. No assertion on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def settle(seconds: float = 3.0) -> None:
    """Let what the previous alternative started finish before the next is timed: a Dask
    LocalCluster's workers go on shutting down after ``close`` (a CLI run timed right
    after one took 14.9 s against 9.4 s a cycle earlier)."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.join(timeout=seconds)
    time.sleep(seconds)


def timed_process(cmd: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the process and its children) of a whole process."""
    settle()
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def worker_cpu(pid: int) -> float:
    """CPU seconds a live process has used (Linux /proc; 0 where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


SPIN = "sum(i * i for i in range(6_000_000))"  # about a second of one core's pure Python


def machine_parallelism() -> float:
    """What two processes get on this machine now: 2 × (one plain CPU-bound process's wall
    time) / (two at once). 2.0 on two free cores; less when other jobs hold the cores, and
    then no executor can scale further than this."""
    one = timed_process([sys.executable, "-c", SPIN])[0]
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(2)]
    for p in procs:
        p.wait()
    return 2 * one / (time.perf_counter() - t0)


MESA_SCRIPT = """
import sys, mesa
from model.model import EuNatoModel
levels = [float(x) for x in sys.argv[2].split(",")]
seeds = list(range(1, int(sys.argv[3]) + 1))
res = mesa.batch_run(EuNatoModel, parameters={{"protocol": sys.argv[1],
                     "us_engagement": levels, "collect_agents": False}}, rng=seeds,
                     number_processes=1, data_collection_period=-1, display_progress=False)
assert len(res) == {n}, len(res)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="multiple of 10")
    ap.add_argument("--protocol", default="compromise")
    ap.add_argument("--workers", type=int, default=2, help="pool / Dask workers")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="full single runs timed")
    ap.add_argument("--cycles", type=int, default=1,
                    help="measure every batch alternative this many times, in turn, and "
                    "report the medians (a shared machine's load drifts between them)")
    args = ap.parse_args()

    from experiments.batch import run_params
    from experiments.spec import load_experiment

    levels = [round(float(x), 3) for x in np.linspace(0.1, 1.0, 10)]
    reps = max(1, args.runs // 10)
    cpus, load0 = os.cpu_count(), os.getloadavg()
    print(f"{10 * reps} runs: baseline-2024, {args.protocol}, us_engagement × {reps} seeds; "
          f"{cpus} CPUs, load average {load0[0]:.1f} (1 min) {load0[1]:.1f} (5 min) at start",
          flush=True)
    par0 = machine_parallelism()
    print(f"two plain CPU-bound processes got {par0:.2f}× one (2.00 on two free cores)",
          flush=True)
    rows: list[tuple[str, float, float | None]] = []
    tables: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory() as tmp:
        exp_file = Path(tmp) / "bench.toml"
        exp_file.write_text(
            f'name = "bench"\nscenarios = ["baseline-2024"]\nprotocols = ["{args.protocol}"]\n'
            f"replicates = {reps}\nseed = 1\n\n[parameters]\nus_engagement = {levels}\n")
        points = load_experiment(exp_file).points()
        n = len(points)

        w = args.workers
        executors = [("run_params, serial (--workers 1)", {"workers": 1}),
                     (f"run_params, process pool ({w})", {"workers": w})]
        if not args.no_dask:
            executors.append((f"run_params, Dask LocalCluster ({w})", {"dask_workers": w}))
        # the in-process alternatives start alike, warm: serial finds the model imported
        # in this process, the pool finds it imported in its server (the CLI's figure, a
        # whole process, includes both start-ups)
        import experiments.runs  # noqa: F401
        from experiments.executor import warm_up

        warm_up()
        times: dict[str, list[tuple[float, float | None]]] = {}
        for cyc in range(args.cycles):
            out = Path(tmp) / f"cli-{cyc}"
            label = "eunato batch (CLI, whole process, all CPUs)"
            times.setdefault(label, []).append(timed_process(
                [sys.executable, "-m", "cli.main", "batch", str(exp_file), "--out", str(out),
                 "--no-progress"]))
            from experiments.store import read_runs
            tables[f"cli-{cyc}"] = read_runs(out)
            print(f"  {label}: {times[label][-1][0]:.1f} s", flush=True)

            script = MESA_SCRIPT.format(n=n)
            label = "mesa.batch_run (1 process, whole process)"
            times.setdefault(label, []).append(timed_process(
                [sys.executable, "-c", script, args.protocol, ",".join(map(str, levels)),
                 str(reps)]))
            print(f"  {label}: {times[label][-1][0]:.1f} s", flush=True)

            for label, opts in executors:
                settle()
                c0, t0 = time.process_time(), time.perf_counter()
                where = Path(tmp) / f"{label.split(',')[1].strip()}-{cyc}"
                cpu = None
                if opts.get("workers", 1) > 1:  # our own pool, to read its workers' CPU
                    from experiments.executor import open_executor

                    with open_executor(workers=opts["workers"]) as ex:
                        tables[f"{label}-{cyc}"] = run_params(points, where, progress=False,
                                                             executor=ex)
                        cpu = time.process_time() - c0 + sum(
                            worker_cpu(pid) for pid in getattr(ex, "_processes", {}))
                else:
                    tables[f"{label}-{cyc}"] = run_params(points, where, progress=False,
                                                         **opts)
                    cpu = time.process_time() - c0 if "serial" in label else None
                times.setdefault(label, []).append((time.perf_counter() - t0, cpu))
                print(f"  {label}: {times[label][-1][0]:.1f} s", flush=True)
        for label, got in times.items():
            cpus_ = [c for _, c in got if c is not None]
            rows.append((label, statistics.median(t for t, _ in got),
                         statistics.median(cpus_) if cpus_ else None))

    ref = next(iter(tables.values()))
    for df in tables.values():
        pd.testing.assert_frame_equal(ref, df)
    assert len(ref) == n and (ref["status"] == "ok").all()

    singles = {}
    for proto in ("compromise", "bdm"):
        from model.model import EuNatoModel

        times, cpus = [], []
        for s in range(args.repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            EuNatoModel(protocol=proto, rng=s + 1, collect_agents=True).run().summary()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        singles[proto] = (statistics.median(times), statistics.median(cpus))
    load1 = os.getloadavg()
    par1 = machine_parallelism()

    wall = {label: t for label, t, _ in rows}
    # CPU s: the CLI's and mesa's are those of the whole process and its waited-for
    # children (the CLI's pool workers are the forkserver's children: not counted)
    if args.cycles > 1:
        print(f"\nmedians of {args.cycles} cycles (each alternative measured once a cycle)")
    print(f"\n| {'what':<46} | {'wall s':>7} | {'CPU s':>7} | {'runs/s':>7} |")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for label, t, cpu in rows:
        c = "" if cpu is None else f"{cpu:.1f}"
        print(f"| {label:<46} | {t:>7.1f} | {c:>7} | {n / t:>7.1f} |")
    cli, mesa_t = wall["eunato batch (CLI, whole process, all CPUs)"], \
        wall["mesa.batch_run (1 process, whole process)"]
    serial, pool = wall["run_params, serial (--workers 1)"], \
        wall[f"run_params, process pool ({w})"]
    print(f"\neunato batch vs mesa.batch_run (whole processes): {mesa_t / cli:.2f}×")
    print(f"process pool ({w}) vs serial: {serial / pool:.2f}×")
    print(f"CLI whole process vs in-process pool: {cli / pool:.2f} (target ≤ 1.3)")
    print(f"one full baseline run (collection, summary with explanations), median of "
          f"{args.repeat}, wall / CPU: " + ", ".join(
              f"{p} {t * 1000:.0f} / {c * 1000:.0f} ms" for p, (t, c) in singles.items()))
    pool_cpu = next(c for label, _, c in rows if label.startswith("run_params, process"))
    serial_cpu = next(c for label, _, c in rows if "serial" in label)
    print(f"CPU seconds: serial {serial_cpu:.1f}, process pool {pool_cpu:.1f} (this process "
          f"and its workers): on {w} free cores the pool could reach "
          f"{w * serial_cpu / max(pool_cpu, 1e-9):.2f}× serial")
    print(f"load average at end: {load1[0]:.1f} (1 min) {load1[1]:.1f} (5 min)")
    print(f"two plain CPU-bound processes got {par0:.2f}× one at the start, {par1:.2f}× at "
          f"the end: no executor on {w} workers can scale further than the machine gives")
    print("every eunato executor (CLI included) wrote identical runs tables")


if __name__ == "__main__":
    main()
