"""Sub-commands `eunato batch EXPERIMENT.toml` and `eunato report RESULTS_DIR`.

Registered through ``cli.main.PLUGINS``. A bad experiment file is one
:class:`~model.inputs.data.DataError` line (file, field, value) and exit code 2, never a
traceback; a failed run under ``--fail-fast`` is one line and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.executor import add_executor_options, warm_up
from model.io.output import message_console
from model.io.safeio import MAX_RUNS, int_in, interrupt_code, writable_dir

if TYPE_CHECKING:
    import pandas as pd

console = message_console()


def _batch(args: argparse.Namespace) -> int:
    if not (args.dry_run or args.scheduler or args.dask_workers or args.workers == 1):
        warm_up()  # the pool's workers import the model while this process does too
    from experiments.batch import BatchFailed, run_experiment, run_id
    from experiments.folder import check_folder, fresh_folder, in_use
    from experiments.spec import load_experiment
    from experiments.store import ResultStore, StoreError

    exp = load_experiment(args.experiment)  # also loads every scenario it names
    out = writable_dir(args.out or Path("results") / exp.name, "--out")
    if args.force_new and in_use(out):  # never merged: the old folder stays as it was
        fresh = fresh_folder(out)
        console.print(f"--force-new: {out} is in use; this batch goes to a fresh folder "
                      f"{fresh}")
        out = writable_dir(fresh, "--out")
    check_folder(exp, out)  # another experiment, or changed scenarios: refused untouched
    points = exp.points()
    ids = {run_id(p) for p in points}
    done = ResultStore(out).done_ids() & ids if (out / "runs").is_dir() else set()
    where = (f"Dask scheduler {args.scheduler}" if args.scheduler else
             f"local Dask cluster, {args.dask_workers} workers" if args.dask_workers else
             "serial, in-process" if args.workers == 1 else
             f"process pool, {args.workers or 'cpu_count'} workers")
    console.print(f"[bold]{exp.name}[/]: {len(ids)} runs ({len(done)} already in {out}), "
                  f"{'per-round rows kept; ' if exp.per_round else ''}{where}")
    if args.dry_run:
        return 0
    t0 = time.perf_counter()
    try:
        df = run_experiment(exp, out, workers=args.workers, dask_workers=args.dask_workers,
                            scheduler=args.scheduler, fail_fast=args.fail_fast,
                            progress=not args.no_progress, part_size=args.part_size)
    except BatchFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except StoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        n = len(ResultStore(out).done_ids() & ids)
        print(f"interrupted: {n} of {len(ids)} runs recorded in {out}; run the same command "
              "again to resume", file=sys.stderr)
        return interrupt_code(err)
    dt = time.perf_counter() - t0
    for name in df.attrs.get("quarantined", []):
        console.print(f"note: damaged part {name} moved to {out / 'quarantine'}; its runs "
                      "were done again")
    n_new = len(ids) - len(done)
    console.print(f"{len(df)} runs in {out / 'runs'} ({n_new} new in {dt:.1f} s"
                  + (f", {n_new / dt:.1f} runs/s" if n_new and dt > 0 else "") + ")")
    return _failures(df)


def _failures(df: pd.DataFrame) -> int:
    """Exit code 1 with the count and the reasons when any run failed, else 0."""
    bad = df[df["status"] != "ok"]
    if bad.empty:
        return 0
    reasons = bad["error"].fillna("?").value_counts()
    print(f"error: {len(bad)} of {len(df)} runs failed (status = 'error' in the runs "
          "table); reasons: " + "; ".join(f"{n} × {r}" for r, n in reasons.head(3).items())
          + (f"; and {len(reasons) - 3} other reason(s)" if len(reasons) > 3 else ""),
          file=sys.stderr)
    return 1


def _report(args: argparse.Namespace) -> int:
    from experiments.report import write_report

    paths = write_report(args.results, args.out)
    console.print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="run an experiment file headless (resumable)",
                       description="Run every run of an experiment (scenarios × protocols × "
                       "parameters × replicates) into RESULTS/runs/part-*.parquet; run again "
                       "on the same directory to resume.")
    p.add_argument("experiment", help="experiment TOML file (see docs/batches.md)")
    p.add_argument("--out", default=None, help="results directory (default: results/<name>)")
    add_executor_options(p)
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failed run")
    p.add_argument("--part-size", type=int_in(1, MAX_RUNS), default=None,
                   help="runs per Parquet part (default 100; a part is also written at "
                        "least every 5 s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force-new", action="store_true",
                   help="when --out holds another batch, start a fresh folder beside it "
                        "(OUT-2, OUT-3 …) instead of refusing; the old one is never merged")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the file and every scenario it names, count the runs, "
                        "run nothing")
    p.set_defaults(func=_batch)

    p = sub.add_parser("report", help="charts and an HTML page from batch results")
    p.add_argument("results", help="results directory of `eunato batch`")
    p.add_argument("--out", default=None, help="report directory (default: RESULTS/report)")
    p.set_defaults(func=_report)
