"""`eunato run` and `eunato explain`: one run, many seeds, and why.

``eunato run --seeds 20`` runs seeds 1..20 (or ``--seed K`` onwards) and reports, per issue,
the share of runs in which it was agreed and the 10/50/90% quantiles of the EU and NATO
roles, so no single-seed run is mistaken for a forecast (:func:`seed_table`, which the
other front doors call too).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from model.inputs.data import DataError
from model.io.output import Tab, add_format_option, emit, message_console, note
from model.io.safeio import (
    MAX_ROUNDS,
    MAX_SEED,
    MAX_SEEDS,
    check_new_folder,
    float_in,
    folder_swap,
    int_in,
    json_text,
    write_text_atomic,
)
from model.protocols import protocol_arg
from model.results.tables import summary_table

console = message_console()


def _model(args: argparse.Namespace, seed: int, lean: bool = False):
    from model.model import EuNatoModel

    kwargs: dict[str, Any] = {}
    if getattr(args, "us_engagement", None) is not None:
        kwargs["us_engagement"] = args.us_engagement
    if getattr(args, "blockage", None) is not None:
        kwargs["participation_blockage"] = args.blockage == "on"
    return EuNatoModel(scenario_name=args.scenario, protocol=args.protocol,
                       rounds=args.rounds, rng=seed, lean=lean, **kwargs)


def seed_table(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per issue over runs: agreed share, quantiles of both roles, the most frequent
    blockers (vetoes that kept a piece blocked, :func:`model.results.reading.blockers`) and the
    most frequent vetoes (of any proposal, also one whose pieces then passed separately)."""
    from model.results.reading import blockers, hinges

    out = []
    for j, first in enumerate(summaries[0]["issues"]):
        rows = [s["issues"][j] for s in summaries]
        eu = np.array([r["eu_role"] for r in rows])
        nato = np.array([r["nato_role"] for r in rows])
        vetoes = Counter(f"{v['actor']} ({v['house']})" for r in rows for v in r["vetoes"])
        blocks = Counter(f"{v['actor']} ({v['house']})" for r in rows for v in blockers(r))
        statuses = Counter(r["status"] for r in rows)
        out.append({
            "issue": first["issue"], "pillar": first["pillar"], "runs": len(rows),
            "agreed_share": round(statuses["agreed"] / len(rows), 3),
            "blocked_share": round(statuses["blocked"] / len(rows), 3),
            "eu_role_q": [round(float(q), 1) for q in np.quantile(eu, [0.1, 0.5, 0.9])],
            "nato_role_q": [round(float(q), 1) for q in np.quantile(nato, [0.1, 0.5, 0.9])],
            "top_blockers": [f"{k} ×{c}" for k, c in blocks.most_common(3)],
            "top_vetoes": [f"{k} ×{c}" for k, c in vetoes.most_common(3)],
            "robust": (hinge := hinges(summaries, j))[0],
            "hinges_on": [f"{k} (r {r:+.2f})" for k, r in hinge[1]],
        })
    return out


def _run(args: argparse.Namespace) -> int:
    from model.results.export import write_run

    if args.out:  # an earlier run is replaced only on request, and then as a whole
        check_new_folder(args.out, args.overwrite)
    if args.seeds and args.seed + args.seeds - 1 > MAX_SEED:
        raise DataError("command line", "--seed", args.seed, f"with --seeds {args.seeds} the "
                        f"seeds reach {args.seed + args.seeds - 1}, beyond the largest seed a "
                        f"run takes ({MAX_SEED}, 2^63 - 1)")
    if args.seeds:
        from model.io.provenance import provenance

        seeds = list(range(args.seed, args.seed + args.seeds))
        # lean runs played as one ensemble: each run's summary is the one it gives alone
        # (tests/test_ensemble.py), several times faster than runs one by one
        from model.ensemble.core import run_ensemble

        summaries = [mdl.summary() for mdl in run_ensemble([_model(args, k, lean=True)
                                                            for k in seeds])]
        table = seed_table(summaries)
        title = (f"{args.scenario} · {summaries[0]['protocol']} · seeds {seeds[0]}.."
                 f"{seeds[-1]} (10% / median / 90%)")
        if args.format == "json":
            print(json_text(table, indent=2))
        elif args.format == "csv":  # one number per column: pandas reads the quantiles
            emit(seed_tidy(table, title), "csv")
        else:
            emit(seed_tab(table, title), args.format)
        if args.out:
            prov = provenance(args.scenario, seeds)
            with folder_swap(args.out) as tmp:
                write_text_atomic(tmp / "seeds.json", json_text(
                    {"issues": table, "provenance": prov}, indent=2))
        return 0
    model = _model(args, args.seed).run()
    summary = model.summary()
    if args.out:
        with folder_swap(args.out) as tmp:
            built = write_run(model, tmp, summary)
            summary = json.loads(built["summary"].read_text())  # with its provenance
        paths = {k: Path(args.out) / v.name for k, v in built.items()}
    if args.format == "json":
        print(json_text(summary, indent=2))
    else:
        emit(summary_table(summary), args.format)
        if args.format == "table":
            print_notes(summary)
    if args.out:
        note(f"wrote {', '.join(str(p) for p in paths.values())}", args.format)
    return 0


def seed_tab(table: list[dict[str, Any]], title: str) -> Tab:
    t = Tab(title, ["issue", "agreed", "blocked", "EU role", "NATO role",
                    "most frequent blockers", "robust, or hinges on"],
            right={"agreed", "blocked"},
            show={"agreed": lambda v: f"{v:.0%}", "blocked": lambda v: f"{v:.0%}",
                  "EU role": lambda q: " / ".join(f"{x:.0f}" for x in q),
                  "NATO role": lambda q: " / ".join(f"{x:.0f}" for x in q),
                  "most frequent blockers": lambda v: "; ".join(v)})
    for r in table:
        t.add(r["issue"], r["agreed_share"], r["blocked_share"], r["eu_role_q"],
              r["nato_role_q"], r["top_blockers"],
              "robust" if r["robust"] else "; ".join(r["hinges_on"])
              or f"varies; no judgement stands out over {r['runs']} runs")
    return t


def seed_tidy(table: list[dict[str, Any]], title: str) -> Tab:
    """:func:`seed_table` with one value per column (csv)."""
    q = ("p10", "median", "p90")
    t = Tab(title, ["issue", "pillar", "runs", "agreed_share", "blocked_share",
                    *(f"{r}_{k}" for r in ("eu_role", "nato_role") for k in q),
                    "top_blockers", "top_vetoes", "robust", "hinges_on"])
    for r in table:
        t.add(r["issue"], r["pillar"], r["runs"], r["agreed_share"], r["blocked_share"],
              *r["eu_role_q"], *r["nato_role_q"], "; ".join(r["top_blockers"]),
              "; ".join(r["top_vetoes"]), r["robust"], "; ".join(r["hinges_on"]))
    return t


def print_notes(s: dict) -> None:
    """The lines under the outcome table: counts, indices, coalitions per pillar."""
    console.print(f"agreed {s['agreed']}, blocked {s['blocked']}, status quo holds "
                  f"{s['status_quo_holds']} of {len(s['issues'])}; outside both "
                  f"{s.get('outside', 0)}; duplication index "
                  f"{s['duplication_index']:.3f}; gap index {s['gap_index']:.3f}")
    co = s["coalitions"]
    console.print(f"coalitions: {co['count']} (partition stability {co['stability']:.2f})")
    for pillar, cs in co["by_pillar"].items():
        for c in cs:
            console.print(f"  {pillar}: {c['label']}+ {', '.join(c['members'])}")


def explain_tab(ex: dict[str, Any]) -> Tab:
    """The explanations as one row per issue (``eunato explain --format csv``)."""
    t = Tab("explanations", ["issue", "status", "route", "venue", "EU role", "NATO role",
                             "pieces", "vetoes", "blockers", "pivotal", "moved most",
                             "explanation"])
    from model.results.reading import blockers

    for e in ex.values():
        o = e["outcome"]
        t.add(e["issue"], e["status"], e["route"], e["venue"], o["eu_role"], o["nato_role"],
              ",".join(f"{p}:{v}" for p, v in e["pieces"].items()),
              ",".join(f"{v['actor']}@{v['house']}" for v in e["vetoes"]),
              ",".join(f"{v['actor']}@{v['house']}" for v in blockers(e)),
              ",".join(e["pivotal"]), ",".join(mv["actor"] for mv in e["movers"][:3]),
              e["text"])
    return t


def _explain(args: argparse.Namespace) -> int:
    model = _model(args, args.seed).run()
    ex = model.explain(args.issue)
    fmt = "json" if args.json else args.format
    if fmt == "json":  # the whole explanation (docs/schema.md), not only the table's columns
        print(json_text(ex, indent=2))
        return 0
    if fmt == "csv":
        emit(explain_tab(ex), fmt)
        return 0
    for e in ex.values():  # a narrative, one paragraph per issue: its lines are never cut
        console.print(f"[bold]{e['issue']}[/bold] — {e['text']}")
        for v in e["vetoes"]:
            console.print(f"    veto {v['actor']} in {v['house']}: position EU "
                          f"{v['position']['eu_role']:.0f} / NATO {v['position']['nato_role']:.0f}"
                          f"; distance to proposal {v['distance_to_proposal']}, to status quo "
                          f"{v['distance_to_status_quo']} ({v['why']})")
        for mv in e["movers"][:3]:
            console.print(f"    moved: {mv['actor']} EU {mv['moved']['eu_role']:+.0f}, NATO "
                          f"{mv['moved']['nato_role']:+.0f} — " + ", ".join(
                              f"{k} {v:.0f}" for k, v in mv["by"].items()))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="baseline-2024", help="name or path to a TOML file")
    p.add_argument("--protocol", type=protocol_arg, default=None,
                   help="default: the scenario's")
    p.add_argument("--rounds", type=int_in(1, MAX_ROUNDS), default=None,
                   help="default: the scenario's")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=1)
    p.add_argument("--us-engagement", type=float_in(0, 1), default=None)
    p.add_argument("--blockage", choices=("on", "off"), default=None,
                   help="Türkiye-Cyprus participation blockage")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and print the outcome per issue")
    _common(p)
    p.add_argument("--seeds", type=int_in(0, MAX_SEEDS), default=0,
                   help="run this many seeds from --seed and report shares and quantiles")
    p.add_argument("--out", default=None, help="directory for steps/actors Parquet + JSON")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run already in --out (as a whole: a kill leaves the "
                        "old run or the new one)")
    add_format_option(p)
    p.set_defaults(func=_run)

    p = sub.add_parser("explain", help="why each issue ended as it did: venue, vetoes, "
                       "pivotal actors, who moved and why")
    _common(p)
    p.add_argument("--issue", default=None)
    p.add_argument("--json", action="store_true", help="same as --format json")
    add_format_option(p)
    p.set_defaults(func=_explain)
