"""`eunato compare-scenarios A B [C …]` and `eunato brief DIR` (from cli.main.PLUGINS)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.executor import add_executor_options
from model.io.output import add_format_option, emit, note
from model.io.safeio import json_text, writable_dir
from model.results.tables import comparison_tables


def _compare_scenarios(args: argparse.Namespace) -> int:
    from experiments.compare import check_inputs, compare_scenarios, parse_settings
    from experiments.executor import executor_from

    settings = parse_settings(args.set or [])
    check_inputs(args.scenarios, args.seeds, settings)  # bad input: one line, before runs
    if args.out:  # a file, a link or no such parent: said before the runs, not after
        writable_dir(args.out, "--out")
    total = len(args.scenarios) * args.seeds
    note(f"{len(args.scenarios)} scenarios × {args.seeds} seeds = {total} runs", args.format)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("compare", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True),
                   disable=args.no_progress or not sys.stderr.isatty())
    with bar, executor_from(args) as ex:
        task = bar.add_task("runs", total=total)
        comp = compare_scenarios(args.scenarios, args.seeds, settings, args.out, executor=ex,
                                 progress=lambda done, n: bar.update(task, completed=done))
    if args.format == "json":
        print(json_text(comp.to_json(), indent=1))
    elif args.format == "csv":
        comp.table.to_csv(sys.stdout, index=False)
    else:
        emit(comparison_tables(comp.table), "table")
    if args.out:
        note(f"wrote {Path(args.out) / 'comparison.parquet'}, runs.parquet, comparison.json, "
             "briefing.html", args.format)
    return 0


def _brief(args: argparse.Namespace) -> int:
    from experiments.briefing.brief import write_brief

    html = write_brief(args.dir, pdf=args.pdf, out=args.out)
    note(f"wrote {html}" + (f" and {html.with_suffix('.pdf')}" if args.pdf else ""))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare-scenarios", help="run scenarios over the same seeds and compare them",
        description="Run every scenario with the same seeds (in parallel) and print, per "
        "issue and per pillar, the EU and NATO roles (median, 10–90% band), the agreed "
        "share, the most frequent blockers and the difference from the first scenario "
        "(paired over seeds, 95% bootstrap interval). --out writes comparison.parquet, "
        "runs.parquet, comparison.json and briefing.html.")
    p.add_argument("scenarios", nargs="+", help="two or more scenario names or TOML files")
    p.add_argument("--seeds", type=int, default=20, help="seeds 0…N−1 (default 20)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a model parameter for every run (repeatable), e.g. "
                        "--set protocol=bdm --set us_engagement=0.4")
    p.add_argument("--out", default=None, help="folder for the tables and the briefing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_executor_options(p)
    add_format_option(p)
    p.set_defaults(func=_compare_scenarios)

    p = sub.add_parser(
        "brief", help="an HTML briefing (and PDF) from a run, batch or comparison folder",
        description="Write a self-contained HTML briefing (figures inline, no request off "
        "the file) for a reader outside the tool: question and premises, headline finding, "
        "figures, tables and provenance. --pdf also writes a PDF (WeasyPrint).")
    p.add_argument("dir", help="a run folder (eunato run --out), batch results folder or "
                   "comparison folder")
    p.add_argument("--out", default=None, help="HTML file (default DIR/briefing.html)")
    p.add_argument("--pdf", action="store_true", help="also write the PDF beside it")
    p.set_defaults(func=_brief)
