"""Sub-commands `eunato compare`, `eunato validate deu3` and `eunato perception`.

Registered through ``model.cli.PLUGINS``; errors in the input surface as one
:class:`~model.data.DataError` line (file, row/field, value), never a traceback.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()


def _range(args: argparse.Namespace) -> tuple[float, float] | None:
    if getattr(args, "range", None) is None:
        return None
    lo, hi = args.range
    if hi <= lo:
        raise ValueError(f"--range: HI must exceed LO, got {lo:g} {hi:g}")
    return (lo, hi)


def _compare(args: argparse.Namespace) -> int:
    from model.forecast import read_table, run_forecast, settle
    from model.protocols import PROTOCOLS

    names = args.protocols or sorted(PROTOCOLS)
    read = read_table(args.file, _range(args), args.status_quo, args.capability_scale,
                      args.salience_scale)
    console.print("understood: " + "; ".join(read.notes))
    for w in read.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    if args.rounds is None:  # round-independent answers (model.forecast.settle)
        title = ("round-independent answers (converged; ~ = mean of the last cycle; "
                 "? = not settled)")
    else:
        title = f"forecasts after {args.rounds} rounds"
    t = Table(title=f"{Path(args.file).name} · {title}")
    t.add_column("issue")
    for name in names:
        t.add_column(name, justify="right")
    results: dict[str, list[str]] = {}
    for name in names:
        if args.rounds is None:
            mark = {"converged": "", "cycle": "~", "unsettled": "?"}
            results[name] = [f"{a.value:.2f}{mark[a.kind]}" for a in
                             settle(read.state, name, max_rounds=args.max_rounds,
                                    seed=args.seed)]
        else:
            recs = run_forecast(read.state.copy(), name, rounds=args.rounds, seed=args.seed)
            results[name] = [f"{v:.2f}" for v in recs[-1]["forecast"]]
    for j, iss in enumerate(read.state.issue_ids):
        t.add_row(iss, *(results[nm][j] for nm in names))
    console.print(t)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from model.protocols import PROTOCOLS
    from model.validation.core import score_core
    from model.validation.deu import read_deu
    from model.validation.run import CAPABILITIES, score, score_rule_constrained
    from model.validation.select import score_stated

    if args.dataset != "deu3":
        raise ValueError(f"unknown data set {args.dataset!r}; known: deu3")
    t0 = time.perf_counter()
    issues = read_deu(args.path)
    caps = CAPABILITIES if args.capability == "all" else (args.capability,)
    names = args.protocols or sorted(PROTOCOLS)
    scores = []
    for c in caps:
        static = score(issues, "compromise", c, rounds=0)
        static.protocol = "compromise (static)"
        scores.append(static)  # the bar of the literature: the weighted mean of the table
        scores.append(score_core(issues, static))  # the weighted mean in the Council core
        scores.append(score_core(issues, static, unanimity=False))  # the earlier rule
        # the stated protocol (docs/validation.md): the same, the Parliament out under CNS
        scores.append(score_stated(issues, c))
        scores.append(score_rule_constrained(issues, static))
        scores += [score(issues, p, c, rounds=args.rounds, seed=args.seed) for p in names]
    t = Table(title=f"DEU III · {len(issues)} issues · mean absolute error on 0-100")
    groups = [k for k in scores[0].groups() if k != "all"]
    for col in ("protocol", "capability", "MAE", "median", "≤10", *groups, "s"):
        t.add_column(col, justify="left" if col in ("protocol", "capability") else "right")
    for s in scores:
        g = s.groups()
        t.add_row(s.protocol, s.capability, f"{g['all']['mae']:.2f}",
                  f"{g['all']['median']:.2f}", f"{g['all']['within10']:.0%}",
                  *(f"{g[k]['mae']:.2f}" for k in groups), f"{s.seconds:.2f}")
    console.print("groups: " + ", ".join(f"{k} n={scores[0].groups()[k]['n']}" for k in groups))
    console.print(t)
    if args.cv:
        from model.validation.tune import cross_validate
        ct = Table(title="compromise with calibrated capability**a × salience**b "
                   "(5-fold CV by proposal, out-of-fold errors)")
        for col in ("capability", "MAE (CV)", "≤10", "exponents chosen per fold"):
            ct.add_column(col)
        for c in caps:
            r = cross_validate(issues, "compromise", c, seed=args.seed)
            ct.add_row(c, f"{r.mae:.2f}", f"{(r.errors <= 10).mean():.0%}",
                       " ".join(f"({a:g},{b:g})" for a, b in r.chosen))
        console.print(ct)
    if args.select:
        _selection(issues, caps, args.seed)
    console.print(f"total {time.perf_counter() - t0:.2f} s")
    if args.plot:
        from model.validation.plot import error_plot
        fig = error_plot(scores)
        fig.savefig(args.plot, dpi=120)
        console.print(f"wrote {args.plot}")
    return 0


def _selection(issues: list, caps: tuple[str, ...], seed: int) -> None:
    """The pre-registered choice (model.validation.select): candidates, nested CV, gains."""
    from collections import Counter

    from model.validation.select import BAR, bases, gain_interval, label, select

    for c in caps:
        b = bases(issues, c, seed=seed)
        sels = {crit: select(issues, b, criterion=crit) for crit in ("mae", "robust")}
        sel = sels["mae"]
        t = Table(title=f"candidates ({c} capability) · whole half · picks in the CV folds")
        for col in ("candidate", "MAE", "gain 95% low", "picked (MAE)", "picked (robust)"):
            t.add_column(col, justify="left" if col == "candidate" else "right")
        picks = {crit: Counter(s.picks) for crit, s in sels.items()}
        for k, v in sorted(sel.in_sample.items(), key=lambda kv: kv[1]):
            t.add_row(label(k), f"{v:.2f}", f"{sel.lower[k]:+.2f}",
                      *(f"{picks[crit].get(k, 0)}/{len(sel.picks)}" for crit in sels))
        console.print(t)
        for crit, s in sels.items():
            per_seed = s.oof.mean(axis=1)
            oof = s.oof.mean(axis=0)  # each issue's out-of-fold error over the fold draws
            console.print(f"criterion {crit}: chosen on the whole half: {label(s.chosen)} "
                          f"(MAE {s.in_sample[s.chosen]:.2f}) · nested 5-fold CV by proposal "
                          f"over {len(per_seed)} fold draws: MAE {s.cv_mae:.2f} "
                          f"(draws {per_seed.min():.2f}-{per_seed.max():.2f})")
            for base in (BAR, ("exchange", None)):
                g, lo, hi = gain_interval(s.errors[base], oof, issues)
                _, lo95, hi95 = gain_interval(s.errors[base], oof, issues, level=0.95)
                console.print(f"  gain of the CV forecasts over {base[0]}: {g:.2f}; bootstrap "
                              f"over proposals: 90% {lo:.2f} to {hi:.2f}, "
                              f"95% {lo95:.2f} to {hi95:.2f}")


def _perception(args: argparse.Namespace) -> int:
    from model.forecast import read_table
    from model.perception import perception_figure

    read = read_table(args.file, _range(args), args.status_quo, args.capability_scale,
                      args.salience_scale)
    fig = perception_figure(read.state, args.actor, issue=args.issue)
    fig.savefig(args.out, dpi=120)
    console.print(f"wrote {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add compare, validate and perception to the `eunato` parser."""
    from model.cli import add_table_options
    p = sub.add_parser("compare", help="run every protocol on one stakeholder table")
    p.add_argument("file")
    p.add_argument("--protocols", nargs="+", default=None)
    p.add_argument("--rounds", type=int, default=None,
                   help="show each protocol's forecast after this many rounds instead of its "
                        "round-independent answer")
    p.add_argument("--max-rounds", type=int, default=200,
                   help="cap for the round-independent answers (default 200)")
    p.add_argument("--seed", type=int, default=0)
    add_table_options(p)
    p.set_defaults(func=_compare)

    p = sub.add_parser("validate", help="score the protocols on real negotiations (DEU III)")
    p.add_argument("dataset", choices=("deu3",))
    p.add_argument("path", help="the DEU III table (deu3-train.tsv) or its folder")
    p.add_argument("--capability", default="gdp",
                   choices=("gdp", "population", "banzhaf", "shapley", "equal", "all"))
    p.add_argument("--protocols", nargs="+", default=None)
    p.add_argument("--rounds", type=int, default=10,
                   help="rounds each protocol plays before its forecast is scored")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None, help="PNG of the error distributions")
    p.add_argument("--cv", action="store_true",
                   help="also tune capability/salience exponents under cross-validation")
    p.add_argument("--select", action="store_true",
                   help="also run the pre-registered choice of the stated protocol "
                        "(candidates, nested CV by proposal, bootstrap gains)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("perception", help="BDM perception chart of one actor (PNG)")
    p.add_argument("file")
    p.add_argument("--actor", required=True)
    p.add_argument("--issue", default=None)
    p.add_argument("--out", required=True)
    add_table_options(p)
    p.set_defaults(func=_perception)


__all__ = ["register"]
