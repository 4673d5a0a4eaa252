"""`eunato tune FILE` and `eunato sensitivity FILE` (registered from cli.main.PLUGINS)."""

from __future__ import annotations

import argparse
import contextlib
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from experiments.executor import add_executor_options, executor_from
from experiments.store import folder_lock
from model.io.output import Output, Tab, add_format_option
from model.io.safeio import (
    MAX_TRIALS,
    int_in,
    json_text,
    safe_name,
    writable_dir,
    write_text_atomic,
)


def progress_bar() -> Progress:
    """On stderr: stdout holds the result (csv and json print nothing else there)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("{task.fields[note]}"),
                    console=Console(stderr=True))


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"
    return str(x)


def tune_tables(spec: Any, best: Any, n_done: int, fit: list[dict[str, Any]]
                ) -> tuple[Tab, Tab]:
    """The best trial's parameters (with their bounds) and its fit per target."""
    t = Tab(f"best trial #{best.number} of {n_done} complete · loss "
            f"{best.user_attrs['loss']:.4f}", ["parameter", "value", "low", "high"], key="best",
            right={"value", "low", "high"},
            show={"value": lambda v: f"{v:.4g}", "low": lambda v: f"{v:g}",
                  "high": lambda v: f"{v:g}"})
    for name, b in spec.parameters.items():
        t.add(name, float(best.params[name]), float(b.low), float(b.high))
    f = Tab("fit per target (achieved: mean over seeds, or share of seeds)",
            ["target", "group", "target value", "achieved", "distance", "weight"],
            right={"target value", "achieved", "distance", "weight"},
            show={"target value": _fmt, "achieved": _fmt, "distance": lambda v: f"{v:.3f}",
                  "weight": lambda v: f"{v:g}"}, key="fit")
    for r in fit:
        f.add(r["target"], r["group"], r["value"], r["achieved"], r["distance"], r["weight"])
    return t, f


def _tune(args: argparse.Namespace) -> int:
    from experiments.tuning import study as T

    spec = T.load_tune(args.file)
    if args.write_scenario:  # before hours of trials, not after
        safe_name(args.write_scenario, "--write-scenario", "--write-scenario")
    out = writable_dir(args.out or Path("out") / "tune" / spec.name, "--out")
    with folder_lock(out, "tuning study"):
        return _tune_locked(args, spec, out)


def _tune_locked(args: argparse.Namespace, spec: Any, out: Path) -> int:
    from experiments.tuning import study as T
    from model.io.provenance import provenance

    study = T.open_study(spec, args.storage, out, sampler=args.sampler,
                         study_name=args.study_name)
    before = len(T.complete_trials(study))
    o = Output(args.format)
    o.note(f"study {study.study_name!r} in {args.storage or T.default_storage(out)}: "
           f"{before} complete trial(s) so far; {args.trials} more, "
           f"{len(spec.seeds)} seed(s) each")
    use_pool = any(v is not None for v in (args.workers, args.dask_workers, args.scheduler))
    with progress_bar() as bar, (executor_from(args) if use_pool
                                 else contextlib.nullcontext()) as ex:
        task = bar.add_task(f"tune {spec.name}", total=args.trials, note="")

        def tick(st: Any, trial: Any) -> None:
            best = min((t.user_attrs.get("loss", math.inf) for t in st.trials
                        if t.user_attrs.get("loss") is not None), default=math.inf)
            bar.update(task, advance=1, note=f"best loss {best:.4f}")

        T.optimize(study, spec, args.trials, executor=ex, callback=tick)
    best = T.best_trial(study)
    n_done = len(T.complete_trials(study))
    fit = T.fit_rows(spec, best)
    for t in tune_tables(spec, best, n_done, fit):
        o.table(t)
    if spec.multi_objective:
        o.note(f"Pareto front: {len(study.best_trials)} trial(s) "
               f"(objectives: {', '.join(spec.groups)})")
    imp = T.importances(study)
    paths = [T.plot_history(study, out / "history.png")]
    if imp:
        o.note("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in imp.items()))
        paths.append(T.plot_importance(imp, out / "importance.png",
                                       f"parameter importance: {spec.name}"))
    write_text_atomic(out / "best.json", json_text(
        {"study": study.study_name, "trial": best.number, "trials": n_done,
         "loss": best.user_attrs["loss"], "params": best.params, "importance": imp,
         "fit": fit,
         "provenance": provenance(spec.scenario, list(spec.seeds),
                                  settings={"file": str(args.file), "trials": args.trials})},
        indent=1))
    paths.append(out / "best.json")
    if args.write_scenario:
        p = T.write_scenario(spec, best.params, args.write_scenario, args.scenario_dir,
                             note=f"Best trial #{best.number}, loss "
                                  f"{best.user_attrs['loss']:.4f}.")
        paths.append(p)
        o.note(f"tuned scenario: {p} (eunato run --scenario "
               f"{args.write_scenario if args.scenario_dir is None else p})")
    o.note("wrote " + ", ".join(str(p) for p in paths))
    o.close()
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from experiments import sensitivity as S

    spec = S.load_sa(args.file)
    if args.method:
        spec.methods = [args.method]
    out = writable_dir(args.out or Path("out") / "sensitivity" / spec.name, "--out")
    out.mkdir(parents=True, exist_ok=True)
    samples = S.sample(spec)
    total = sum(len(x) for x in samples.values()) * len(spec.seeds)
    o = Output(args.format)
    o.note(f"{spec.name}: {', '.join(f'{m} {len(x)} points' for m, x in samples.items())}"
           f" × {len(spec.seeds)} seed(s) = {total} runs")
    if args.dry_run:  # the file is valid and the design sampled: say so, run nothing
        return 0
    with progress_bar() as bar, executor_from(args) as ex:
        task = bar.add_task(f"sensitivity {spec.name}", total=total, note="")
        ys = S.evaluate(spec, samples, ex, progress=lambda k: bar.update(task, advance=k))
    results = S.analyse(spec, samples, ys)
    for method, res in results.items():
        o.table(S.table(spec, method, res), S.tidy_table(spec, method, res))
    paths = S.write_results(spec, results, out)
    for note in S.notes(spec, ys):
        o.note(f"note: {note}")
    o.note("wrote " + ", ".join(str(p) for p in paths))
    o.close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tune", help="tune free parameters to targets (Optuna)")
    p.add_argument("file", help="tune file (TOML, e.g. experiments/baseline-tune.toml)")
    p.add_argument("--trials", type=int_in(1, MAX_TRIALS), default=50,
                   help="trials to add to the study")
    p.add_argument("--sampler", choices=("tpe", "cmaes", "random", "nsga2"), default=None,
                   help="default: the file's (tpe; nsga2 when multi_objective)")
    p.add_argument("--storage", default=None,
                   help="Optuna storage URL (default sqlite:///OUT/study.db); any RDB URL, "
                        "e.g. postgresql://…, lets several machines share one study")
    p.add_argument("--study-name", default=None, help="default: the file's name")
    p.add_argument("--out", default=None, help="directory for plots, best.json, study.db "
                   "(default out/tune/<name>)")
    p.add_argument("--write-scenario", default=None, metavar="NAME",
                   help="save the best parameters as scenario NAME (extends the base)")
    p.add_argument("--scenario-dir", default=None,
                   help="where --write-scenario writes (default data/scenarios)")
    add_executor_options(p)
    add_format_option(p)
    p.set_defaults(func=_tune)

    p = sub.add_parser("sensitivity",
                       help="Morris screening and Sobol indices of outcomes (SALib)")
    p.add_argument("file", help="sensitivity file (TOML, e.g. experiments/baseline-sa.toml)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the file and print the design and its number of runs only")
    p.add_argument("--method", choices=("morris", "sobol"), default=None,
                   help="only this method (default: the file's)")
    p.add_argument("--out", default=None,
                   help="directory for tables and plots (default out/sensitivity/<name>)")
    add_executor_options(p)
    add_format_option(p)
    p.set_defaults(func=_sensitivity)
