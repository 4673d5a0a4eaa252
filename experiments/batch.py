"""Headless batches: many runs of :func:`experiments.runs.run_one`, resumable, on any executor.

Two entry points, kept stable for the other front doors (``eunato batch``, sensitivity
analysis, tuning):

* :func:`run_params` — run a list of parameter dicts, record them in a results directory,
  return the runs table;
* :func:`run_experiment` — the same for a validated :class:`~experiments.spec.Experiment`.

A run is known by :func:`run_id`, a hash of its inputs, so a batch that is started again
on the same directory skips the runs already recorded (whatever killed it), and the table
is the same whichever executor ran it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from experiments.chunk import run_chunk
from experiments.executor import open_executor
from experiments.store import (
    LEAD_COLUMNS,
    ResultStore,
    StoreError,
    _canonical,
    _table,
)
from model.io.safeio import json_text, os_reason, write_text_atomic

#: a part is written at least this often (seconds) while runs finish, so a kill loses at
#: most this much work; and after this many runs (``part_size``) whichever comes first
FLUSH_SECONDS = 5.0
PART_SIZE = 100
#: the time a task sent to a worker should take by default (see ``next_chunk``)
CHUNK_SECONDS = 2.0
#: the most runs per task: a task's runs of one scenario share an ensemble
#: (model/ensemble/core.py), whose cost per run falls until about 100 replicates
CHUNK_RUNS = 100
#: the fewest runs per task at the end of a batch (smaller ensembles cost more per run)
CHUNK_FLOOR = 25

if TYPE_CHECKING:
    from experiments.spec import Experiment


class BatchFailed(RuntimeError):
    """A run failed and the batch was asked to stop at the first error (``fail_fast``)."""


def run_id(params: dict[str, Any]) -> str:
    """The stable id of a run: a hash of its inputs (sorted JSON; ``None`` values dropped,
    as they mean "the scenario's value"). The same inputs give the same id wherever and in
    whatever order they run."""
    clean = {k: v for k, v in params.items() if v is not None}
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def batch_provenance(params: Iterable[dict[str, Any]],
                     experiment: dict[str, Any] | None = None) -> dict[str, Any]:
    """Provenance of a batch: its scenarios (resolved; a list when several), its seeds, and
    the validated ``experiment`` when there is one (``eunato rerun`` runs it again from
    this alone, whatever became of the experiment file)."""
    from model.io.provenance import provenance

    params = list(params)
    scenarios = sorted({str(p.get("scenario", "baseline-2024")) for p in params})
    seeds = sorted({p["seed"] for p in params if p.get("seed") is not None})
    settings = {"runs": len(params), "scenarios": scenarios}
    extra = {"experiment": experiment} if experiment is not None else None
    try:
        return provenance(scenarios[0] if len(scenarios) == 1 else scenarios, seeds,
                          settings=settings, extra=extra)
    except ValueError:  # a scenario that does not load: its runs record the error
        return provenance(None, seeds, settings=settings, extra=extra)


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:  # noqa: ANN001
            return Text("—  runs/s" if task.speed is None else f"{task.speed:.1f} runs/s")

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    Rate(), TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(),
                    disable=not enabled, transient=False)


def run_params(params_list: Iterable[dict[str, Any]], out_dir: str | Path | None = None, *,
               workers: int | None = None, dask_workers: int | None = None,
               scheduler: str | None = None, executor: Executor | None = None,
               per_round: bool = False, fail_fast: bool = False, progress: bool = True,
               part_size: int | None = None, chunksize: int | None = None,
               dask_processes: bool = True, description: str = "runs",
               _store: ResultStore | None = None) -> pd.DataFrame:
    """Run every parameter set (resuming), record it, return the runs table.

    Args:
        params_list: dicts of :func:`experiments.runs.build_model` parameters
            (``scenario``, ``protocol``, ``seed``, ``rounds``, any of ``MODEL_PARAMETERS``).
            Equal dicts are one run (same :func:`run_id`).
        out_dir: results directory (``runs/part-*.parquet``, ``rounds/part-*.parquet``);
            runs already recorded there are not run again. ``None``: keep nothing on disk.
        workers, dask_workers, scheduler, dask_processes: where to run, as
            :func:`experiments.executor.open_executor`; or pass an open ``executor``.
        per_round: also record every round of every run (``rounds`` table).
        fail_fast: stop at the first failed run (raise :class:`BatchFailed`, after
            recording what finished); otherwise failures are rows with status ``error``.
        progress: show a rich progress bar (runs done, rate, ETA).
        part_size: runs per Parquet part (default 100; a part is also written at least
            every ``FLUSH_SECONDS`` = 5 s while runs finish).
        chunksize: runs per task sent to a worker (default: about 2 s of runs each, as
            measured while the batch runs).

    Returns:
        One row per distinct requested run (those done earlier included), sorted by
        ``run_id``: ``run_id``, ``status`` (ok/error), ``error``, the inputs, and every
        summary metric of :func:`experiments.runs.flat_summary`. Map a parameter dict to
        its row with ``df.set_index("run_id").loc[run_id(params)]``.
    """
    if part_size is not None and part_size < 1:
        raise ValueError(f"part_size must be at least 1, got {part_size}")
    unique: dict[str, dict[str, Any]] = {}
    for p in params_list:
        unique.setdefault(run_id(p), dict(p))
    opts = {"workers": workers, "dask_workers": dask_workers, "scheduler": scheduler,
            "executor": executor, "per_round": per_round, "fail_fast": fail_fast,
            "progress": progress, "part_size": part_size or PART_SIZE,
            "chunksize": chunksize, "dask_processes": dask_processes,
            "description": description}
    if _store is not None:
        return _run_in_store(unique, _store, opts)
    if out_dir is None:
        return _run_todo(unique, set(), None, **opts)
    store = ResultStore(out_dir)
    store.check()
    with store.lock():  # a second batch on this folder stops here with a clear message
        return _run_in_store(unique, store, opts)


def _run_in_store(unique: dict[str, dict[str, Any]], store: ResultStore,
                  opts: dict[str, Any]) -> pd.DataFrame:
    """The runs of ``unique`` not yet in ``store``, whose lock the caller holds."""
    quarantined = store.clean()
    df = _run_todo(unique, store.done_ids() & set(unique), store, **opts)
    df.attrs["quarantined"] = quarantined
    return df


def _run_locked(params_list: Iterable[dict[str, Any]], store: ResultStore,
                **options: Any) -> pd.DataFrame:
    """:func:`run_params` into a store whose lock the caller already holds."""
    return run_params(params_list, None, _store=store, **options)


def _run_todo(unique: dict[str, dict[str, Any]], done: set[str], store: ResultStore | None,
              *, workers: int | None, dask_workers: int | None, scheduler: str | None,
              executor: Executor | None, per_round: bool, fail_fast: bool, progress: bool,
              part_size: int, chunksize: int | None, dask_processes: bool,
              description: str) -> pd.DataFrame:
    """The runs of :func:`run_params` not yet ``done``, recorded in ``store`` (or kept in
    memory when it is None), under the folder's lock."""
    todo = [(rid, p) for rid, p in unique.items() if rid not in done]
    meta = {"provenance": json.dumps(batch_provenance(unique.values()), sort_keys=True)}
    memory: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []

    if todo:
        buf: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        last_flush = time.monotonic()

        def flush(final: bool = False) -> None:
            """Write the buffer as parts of ``part_size`` runs (the rest too if final)."""
            nonlocal last_flush
            while buf and (final or len(buf) >= part_size
                           or time.monotonic() - last_flush >= FLUSH_SECONDS):
                chunk = buf[:part_size]
                del buf[:part_size]
                rows = [r for r, _ in chunk]
                if store is not None:
                    store.write_part(rows, [x for _, rr in chunk for x in rr]
                                     if per_round else None, metadata=meta)
                else:
                    memory.extend(rows)
                if len(buf) < part_size and not final:
                    last_flush = time.monotonic()

        owned = executor is None
        ctx = (open_executor(workers, dask_workers, scheduler, dask_processes=dask_processes)
               if owned else None)
        ex = ctx.__enter__() if ctx is not None else executor
        try:
            width = int(getattr(ex, "width", None) or getattr(ex, "_max_workers", None)
                        or os.cpu_count() or 1)
            window = 2 * width  # tasks in flight
            n_run = 0
            # (time, runs done) at each result: the pace is taken between results, so
            # the pool's start-up does not count as runs' time
            marks: list[tuple[float, int]] = []
            pos = 0

            def next_chunk() -> list[tuple[str, dict[str, Any]]]:
                """The next runs to send. Default size: a chunk should take about
                CHUNK_SECONDS (from the recent pace between results, as a chunk of many
                runs costs less per run than the first single ones; 1 run until two
                results came back), so parts keep landing every few seconds however slow a run
                is; at the end at most an even share of what is left per task in flight,
                so the work stays balanced, but not below CHUNK_FLOOR runs (small ensembles
                cost more per run)."""
                nonlocal pos
                size = chunksize
                if size is None:
                    per_run = math.inf
                    if len(marks) >= 2:
                        (t0, n0), (t1, n1) = marks[max(0, len(marks) - 1 - window)], marks[-1]
                        per_run = (t1 - t0) * width / (n1 - n0)
                    # at the end, what is left split over the tasks in flight (so no
                    # worker idles while another plays a long last task), but not into
                    # ensembles smaller than CHUNK_FLOOR
                    share = max(CHUNK_FLOOR, -(-(len(todo) - pos) // window))
                    size = max(1, min(CHUNK_RUNS, int(CHUNK_SECONDS / per_run), share))
                chunk = todo[pos:pos + size]
                pos += len(chunk)
                return chunk

            pending: set[Future] = set()
            with _progress(progress) as bar:
                task = bar.add_task(description, total=len(unique), completed=len(done))
                while pos < len(todo) or pending:
                    while pos < len(todo) and len(pending) < window:
                        pending.add(ex.submit(run_chunk, next_chunk(), per_round))
                    # wake up at least every FLUSH_SECONDS so finished runs reach disk
                    finished, pending = wait(pending, timeout=FLUSH_SECONDS,
                                             return_when=FIRST_COMPLETED)
                    for fut in finished:
                        results = fut.result()
                        for row, rounds in results:
                            buf.append((row, rounds))
                            if row["status"] != "ok":
                                failed.append(row)
                        bar.advance(task, len(results))
                        n_run += len(results)
                    if finished:
                        marks.append((time.monotonic(), n_run))
                    if fail_fast and failed:
                        for fut in pending:
                            fut.cancel()
                        break
                    flush()
        finally:
            flush(final=True)  # what finished is kept, also when interrupted
            if ctx is not None:  # an exception on its way out stops the workers at once
                ctx.__exit__(*sys.exc_info())
        if fail_fast and failed:
            f = failed[0]
            where = f" (results so far in {store.root})" if store is not None else ""
            raise BatchFailed(f"run {f['run_id']} failed: {f['error']}{where}")

    if store is not None:
        df = store.read_runs()
        return df[df["run_id"].isin(unique)].reset_index(drop=True)
    if not memory:
        return pd.DataFrame(columns=["run_id", "status", "error"])
    df = _table(memory).to_pandas()
    return _canonical(df, LEAD_COLUMNS, ["run_id"])


def swept(exp: Experiment) -> list[str]:
    """The inputs an experiment varies (for reports)."""
    protocols = {p for s in exp.scenarios for p in exp.protocols_for(s)}
    names = [k for k in ("scenario", "protocol")
             if len(exp.scenarios if k == "scenario" else protocols) > 1]
    return names + [k for k, v in exp.parameters.items()
                    if not isinstance(v, list) or len(v) > 1]


def run_experiment(exp: Experiment, out_dir: str | Path, **options: Any) -> pd.DataFrame:
    """Run an experiment into ``out_dir`` (resuming); options as :func:`run_params`.

    Under the folder's lock and before the first run, checks that the folder holds no
    other experiment and that the scenarios have not changed since its runs were made
    (:func:`experiments.folder.check_folder`), then writes ``out_dir/experiment.json``
    (the validated spec, its identity and the swept inputs), which ``eunato report`` reads.
    """
    from experiments.folder import check_folder, identity

    out = Path(out_dir)
    points = exp.points()
    ident = identity(exp)
    check_folder(exp, out, ident)  # a refused batch touches nothing, not even the lock
    meta = {"experiment": exp.model_dump(mode="json"), "identity": ident,
            "swept": swept(exp), "runs": len({run_id(p) for p in points}),
            "provenance": batch_provenance(points, exp.model_dump(mode="json"))}
    store = ResultStore(out)
    store.check()
    with store.lock():  # a second batch on this folder stops here with a clear message
        check_folder(exp, out, ident)  # again, now that no one else can write it
        try:
            write_text_atomic(out / "experiment.json", json_text(meta, indent=1))
        except OSError as err:
            raise StoreError(f"cannot write {out / 'experiment.json'}: "
                             f"{os_reason(err)}") from None
        return _run_locked(points, store, per_round=exp.per_round,
                           description=options.pop("description", exp.name), **options)
