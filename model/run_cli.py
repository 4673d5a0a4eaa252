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
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from model.safeio import MAX_ROUNDS, MAX_SEED, float_in, int_in, writable_dir

console = Console()


def _model(args: argparse.Namespace, seed: int):
    from model.model import EuNatoModel

    kwargs: dict[str, Any] = {}
    if getattr(args, "us_engagement", None) is not None:
        kwargs["us_engagement"] = args.us_engagement
    if getattr(args, "blockage", None) is not None:
        kwargs["participation_blockage"] = args.blockage == "on"
    return EuNatoModel(scenario_name=args.scenario, protocol=args.protocol,
                       rounds=args.rounds, rng=seed, **kwargs)


def seed_table(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per issue over runs: agreed share, quantiles of both roles, most frequent vetoes."""
    out = []
    for j, first in enumerate(summaries[0]["issues"]):
        rows = [s["issues"][j] for s in summaries]
        eu = np.array([r["eu_role"] for r in rows])
        nato = np.array([r["nato_role"] for r in rows])
        vetoes = Counter(f"{v['actor']} ({v['house']})" for r in rows for v in r["vetoes"])
        statuses = Counter(r["status"] for r in rows)
        out.append({
            "issue": first["issue"], "pillar": first["pillar"], "runs": len(rows),
            "agreed_share": round(statuses["agreed"] / len(rows), 3),
            "blocked_share": round(statuses["blocked"] / len(rows), 3),
            "eu_role_q": [round(float(q), 1) for q in np.quantile(eu, [0.1, 0.5, 0.9])],
            "nato_role_q": [round(float(q), 1) for q in np.quantile(nato, [0.1, 0.5, 0.9])],
            "top_vetoes": [f"{k} ×{c}" for k, c in vetoes.most_common(3)],
        })
    return out


def _run(args: argparse.Namespace) -> int:
    from model.export import write_run

    if args.out:
        writable_dir(args.out, "--out")
    if args.seeds:
        summaries = []
        for k in range(args.seeds):
            summaries.append(_model(args, args.seed + k).run().summary())
        table = seed_table(summaries)
        t = Table(title=f"{args.scenario} · {summaries[0]['protocol']} · seeds {args.seed}.."
                  f"{args.seed + args.seeds - 1} (10% / median / 90%)")
        for col in ("issue", "agreed", "blocked", "EU role", "NATO role", "most frequent vetoes"):
            t.add_column(col)
        for r in table:
            t.add_row(r["issue"], f"{r['agreed_share']:.0%}", f"{r['blocked_share']:.0%}",
                      " / ".join(f"{q:.0f}" for q in r["eu_role_q"]),
                      " / ".join(f"{q:.0f}" for q in r["nato_role_q"]),
                      "; ".join(r["top_vetoes"]))
        console.print(t)
        if args.out:
            from pathlib import Path

            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / "seeds.json").write_text(json.dumps(table, indent=2))
        return 0
    model = _model(args, args.seed).run()
    summary = model.summary()
    print_summary(summary)
    if args.out:
        paths = write_run(model, args.out, summary)
        console.print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def _short(items: list[str], k: int = 6) -> str:
    return ", ".join(items[:k]) + (f" (+{len(items) - k})" if len(items) > k else "")


def print_summary(s: dict) -> None:
    """The readable outcome table of a run."""
    t = Table(title=f"{s['scenario']} · {s['protocol']} · seed {s['seed']} · "
              f"{s['rounds_run']} rounds ({s['start']} to {s['end_date']})")
    for col in ("issue", "pillar", "status", "EU role", "NATO role", "division of labour",
                "route", "when", "vetoes"):
        t.add_column(col)
    for i in s["issues"]:
        sq = i["status_quo"]
        t.add_row(i["issue"], i["pillar"], i["status"],
                  f"{i['eu_role']:.0f} (was {sq['eu_role']:.0f})",
                  f"{i['nato_role']:.0f} (was {sq['nato_role']:.0f})",
                  i["division_of_labour"], i["route"] or "—", i["date"] or "—",
                  _short([f"{v['actor']}@{v['house']}" for v in i["vetoes"]]))
    console.print(t)
    console.print(f"agreed {s['agreed']}, blocked {s['blocked']}, status quo holds "
                  f"{s['status_quo_holds']} of {len(s['issues'])}; duplication index "
                  f"{s['duplication_index']:.3f}; gap index {s['gap_index']:.3f}")
    co = s["coalitions"]
    console.print(f"coalitions: {co['count']} (partition stability {co['stability']:.2f})")
    for pillar, cs in co["by_pillar"].items():
        for c in cs:
            console.print(f"  {pillar}: {c['label']}+ {', '.join(c['members'])}")


def _explain(args: argparse.Namespace) -> int:
    model = _model(args, args.seed).run()
    ex = model.explain(args.issue)
    if args.json:
        print(json.dumps(ex, indent=2))
        return 0
    for e in ex.values():
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
    p.add_argument("--protocol", default=None, help="default: the scenario's")
    p.add_argument("--rounds", type=int_in(1, MAX_ROUNDS), default=None,
                   help="default: the scenario's")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=1)
    p.add_argument("--us-engagement", type=float_in(0, 1), default=None)
    p.add_argument("--blockage", choices=("on", "off"), default=None,
                   help="Türkiye-Cyprus participation blockage")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and print the outcome per issue")
    _common(p)
    p.add_argument("--seeds", type=int_in(0, 100_000), default=0,
                   help="run this many seeds from --seed and report shares and quantiles")
    p.add_argument("--out", default=None, help="directory for steps/actors Parquet + JSON")
    p.set_defaults(func=_run)

    p = sub.add_parser("explain", help="why each issue ended as it did: venue, vetoes, "
                       "pivotal actors, who moved and why")
    _common(p)
    p.add_argument("--issue", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_explain)
