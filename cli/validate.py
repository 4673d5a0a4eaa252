"""Sub-commands `eunato compare`, `eunato validate deu3` and `eunato perception`.

Registered through ``cli.main.PLUGINS``; errors in the input surface as one
:class:`~model.inputs.data.DataError` line (file, row/field, value), never a traceback.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from model.io.output import Output, Tab, add_format_option
from model.io.safeio import atomic_output, writable_file


def _two(v: float) -> str:
    return f"{v:.2f}"


def _range(args: argparse.Namespace) -> tuple[float, float] | None:
    if getattr(args, "range", None) is None:
        return None
    lo, hi = args.range
    if hi <= lo:
        raise ValueError(f"--range: HI must exceed LO, got {lo:g} {hi:g}")
    return (lo, hi)


def _compare(args: argparse.Namespace) -> int:
    from forecasting.forecast import check_table_work, read_table, run_forecast, settle
    from model.protocols import PROTOCOLS

    names = args.protocols or sorted(PROTOCOLS)
    read = read_table(args.file, _range(args), args.status_quo, args.capability_scale,
                      args.salience_scale)
    check_table_work(read.state, names, args.rounds or 0,  # all before the first one starts
                     args.max_rounds if args.rounds is None else 0, args.file)
    out = Output(args.format)
    out.note("understood: " + "; ".join(read.notes))
    for w in read.warnings:
        out.note(f"warning: {w}")
    if args.rounds is None:  # round-independent answers (forecasting.forecast.settle)
        title = ("round-independent answers (converged; ~ = mean of the last cycle; "
                 "? = not settled)")
    else:
        title = f"forecasts after {args.rounds} rounds"
    mark = {"converged": "", "cycle": "~", "unsettled": "?"}
    # the protocols side by side for reading; one row per issue × protocol for csv/json
    wide = Tab(f"{Path(args.file).name} · {title}", ["issue", *names], right=set(names))
    tidy = Tab(wide.title, ["issue", "protocol", "forecast", "kind"])
    results: dict[str, list[tuple[float, str]]] = {}
    for name in names:
        if args.rounds is None:
            results[name] = [(a.value, a.kind) for a in
                             settle(read.state, name, max_rounds=args.max_rounds,
                                    seed=args.seed)]
        else:
            recs = run_forecast(read.state.copy(), name, rounds=args.rounds, seed=args.seed)
            results[name] = [(float(v), f"after {args.rounds} rounds")
                             for v in recs[-1]["forecast"]]
    for j, iss in enumerate(read.state.issue_ids):
        wide.add(iss, *(f"{results[nm][j][0]:.2f}{mark.get(results[nm][j][1], '')}"
                        for nm in names))
        for nm in names:
            tidy.add(iss, nm, results[nm][j][0], results[nm][j][1])
    with out:
        out.table(wide, tidy)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from model.protocols import PROTOCOLS
    from validation.core import score_core
    from validation.deu import read_deu
    from validation.run import CAPABILITIES, score, score_rule_constrained
    from validation.select import score_stated
    from validation.stated import expected_gain, score_combined

    if args.dataset != "deu3":
        raise ValueError(f"unknown data set {args.dataset!r}; known: deu3")
    if args.plot:  # checked before the work, not after it
        writable_file(args.plot, "--plot")
    t0 = time.perf_counter()
    issues = read_deu(args.path)
    caps = CAPABILITIES if args.capability == "all" else (args.capability,)
    names = args.protocols or sorted(PROTOCOLS)
    scores = []
    gains = []
    for c in caps:
        # the stated protocol (validation.stated): compromise and exchange, equal weights
        rule, static, exch = score_combined(issues, c, args.rounds, args.seed)
        static.protocol = "compromise (static)"
        scores.append(static)  # the bar of the literature: the weighted mean of the table
        scores.append(rule)
        gains.append((c, expected_gain(issues, rule, static, exch)))
        scores.append(score_core(issues, static))  # the weighted mean in the Council core
        scores.append(score_core(issues, static, unanimity=False))  # the earlier rule
        # the previous stated protocol: the same, the Parliament out under CNS
        scores.append(score_stated(issues, c, pull=0.0))
        # the stated protocol of sessions 5-6: and under CNS pulled 0.1 to the Commission
        scores.append(score_stated(issues, c))
        scores.append(score_rule_constrained(issues, static))
        scores += [exch if p == "exchange" else  # already played for the stated protocol
                   score(issues, p, c, rounds=args.rounds, seed=args.seed) for p in names]
    out = Output(args.format)
    groups = [k for k in scores[0].groups() if k != "all"]
    t = Tab(f"DEU III · {len(issues)} issues · mean absolute error on 0-100",
            ["protocol", "capability", "MAE", "median", "≤10", *groups, "s"],
            right={"MAE", "median", "≤10", *groups, "s"}, key="scores",
            show={"≤10": lambda v: f"{v:.0%}", **{c: _two for c in ("MAE", "median", *groups,
                                                                     "s")}})
    for sc in scores:
        g = sc.groups()
        t.add(sc.protocol, sc.capability, g["all"]["mae"], g["all"]["median"],
              g["all"]["within10"], *(g[k]["mae"] for k in groups), sc.seconds)
    out.note("groups: " + ", ".join(f"{k} n={scores[0].groups()[k]['n']}" for k in groups))
    out.table(t)
    for c, x in gains:
        for what, g in (("compromise", x.over_compromise), ("exchange", x.over_exchange),
                        ("the mean of their two MAEs (diversity)", x.diversity)):
            out.note(f"stated protocol ({c}): gain over {what} {g.gain:+.2f}; bootstrap over "
                     f"proposals 90% {g.lo90:+.2f} to {g.hi90:+.2f}, 95% {g.lo95:+.2f} to "
                     f"{g.hi95:+.2f}; positive in {g.p_better:.0%} of draws")
        out.note(f"stated protocol ({c}): beats compromise on both halves in "
                 f"{x.both_halves:.0%} of {x.splits} random splits of the proposals")
    if args.cv:
        from validation.tune import cross_validate
        ct = Tab("compromise with calibrated capability**a × salience**b "
                 "(5-fold CV by proposal, out-of-fold errors)",
                 ["capability", "MAE (CV)", "≤10", "exponents chosen per fold"], key="cv",
                 show={"MAE (CV)": _two, "≤10": lambda v: f"{v:.0%}",
                       "exponents chosen per fold": lambda v: " ".join(
                           f"({a:g},{b:g})" for a, b in v)})
        for c in caps:
            r = cross_validate(issues, "compromise", c, seed=args.seed)
            ct.add(c, r.mae, float((r.errors <= 10).mean()),
                   [[float(a), float(b)] for a, b in r.chosen])
        out.table(ct)
    if args.select:
        _selection(issues, caps, args.seed, out)
    out.note(f"total {time.perf_counter() - t0:.2f} s")
    if args.plot:
        from validation.plot import error_plot
        fig = error_plot(scores)
        with atomic_output(args.plot) as tmp:
            fig.savefig(tmp, dpi=120)
        out.note(f"wrote {args.plot}")
    out.close()
    return 0


def _selection(issues: list, caps: tuple[str, ...], seed: int, out: Output) -> None:
    """The pre-registered choice (validation.select): candidates, nested CV, gains."""
    from collections import Counter

    from validation.select import BAR, bases, gain_interval, label, select

    for c in caps:
        b = bases(issues, c, seed=seed)
        sels = {crit: select(issues, b, criterion=crit) for crit in ("mae", "robust")}
        sel = sels["mae"]
        t = Tab(f"candidates ({c} capability) · whole half · picks in the CV folds",
                ["candidate", "MAE", "gain 95% low", "picked (MAE)", "picked (robust)",
                 "CV folds"],
                right={"MAE", "gain 95% low", "picked (MAE)", "picked (robust)", "CV folds"},
                key=f"candidates {c}",
                show={"MAE": _two, "gain 95% low": lambda v: f"{v:+.2f}"})
        picks = {crit: Counter(s.picks) for crit, s in sels.items()}
        for k, v in sorted(sel.in_sample.items(), key=lambda kv: kv[1]):
            t.add(label(k), float(v), float(sel.lower[k]),
                  *(picks[crit].get(k, 0) for crit in sels), len(sel.picks))
        out.table(t)
        for crit, s in sels.items():
            per_seed = s.oof.mean(axis=1)
            oof = s.oof.mean(axis=0)  # each issue's out-of-fold error over the fold draws
            out.note(f"criterion {crit}: chosen on the whole half: {label(s.chosen)} "
                     f"(MAE {s.in_sample[s.chosen]:.2f}) · nested 5-fold CV by proposal "
                     f"over {len(per_seed)} fold draws: MAE {s.cv_mae:.2f} "
                     f"(draws {per_seed.min():.2f}-{per_seed.max():.2f})")
            for base in (BAR, ("exchange", None)):
                g, lo, hi = gain_interval(s.errors[base], oof, issues)
                _, lo95, hi95 = gain_interval(s.errors[base], oof, issues, level=0.95)
                out.note(f"  gain of the CV forecasts over {base[0]}: {g:.2f}; bootstrap "
                         f"over proposals: 90% {lo:.2f} to {hi:.2f}, "
                         f"95% {lo95:.2f} to {hi95:.2f}")


def _perception(args: argparse.Namespace) -> int:
    from forecasting.forecast import read_table
    from forecasting.perception import perception_figure

    writable_file(args.out, "--out")
    read = read_table(args.file, _range(args), args.status_quo, args.capability_scale,
                      args.salience_scale)
    fig = perception_figure(read.state, args.actor, issue=args.issue)
    with atomic_output(args.out) as tmp:
        fig.savefig(tmp, dpi=120)
    print(f"wrote {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add compare, validate and perception to the `eunato` parser."""
    from cli.options import add_table_options
    from model.io.safeio import MAX_ROUNDS, MAX_SEED, int_in
    from model.protocols import protocol_arg
    p = sub.add_parser("compare", help="run every protocol on one stakeholder table")
    p.add_argument("file")
    p.add_argument("--protocols", nargs="+", type=protocol_arg, default=None)
    p.add_argument("--rounds", type=int_in(0, MAX_ROUNDS), default=None,
                   help="show each protocol's forecast after this many rounds instead of its "
                        "round-independent answer")
    p.add_argument("--max-rounds", type=int_in(1, MAX_ROUNDS), default=200,
                   help="cap for the round-independent answers (default 200)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    add_table_options(p)
    add_format_option(p)
    p.set_defaults(func=_compare)

    p = sub.add_parser("validate", help="score the protocols on real negotiations (DEU III)")
    p.add_argument("dataset", choices=("deu3",))
    p.add_argument("path", help="the DEU III table (deu3-train.tsv) or its folder")
    p.add_argument("--capability", default="gdp",
                   choices=("gdp", "population", "banzhaf", "shapley", "equal", "all"))
    p.add_argument("--protocols", nargs="+", type=protocol_arg, default=None)
    p.add_argument("--rounds", type=int_in(0, MAX_ROUNDS), default=10,
                   help="rounds each protocol plays before its forecast is scored")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    p.add_argument("--plot", default=None, help="PNG of the error distributions")
    p.add_argument("--cv", action="store_true",
                   help="also tune capability/salience exponents under cross-validation")
    p.add_argument("--select", action="store_true",
                   help="also run session 5's choice among 15 candidates (nested CV by proposal, "
                        "bootstrap gains); superseded: it lost to compromise held out")
    add_format_option(p)
    p.set_defaults(func=_validate)

    p = sub.add_parser("perception", help="BDM perception chart of one actor (PNG)")
    p.add_argument("file")
    p.add_argument("--actor", required=True)
    p.add_argument("--issue", default=None)
    p.add_argument("--out", required=True)
    add_table_options(p)
    p.set_defaults(func=_perception)


__all__ = ["register"]
