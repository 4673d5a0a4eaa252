"""The printable tables of results shared by the command line and the briefings: a run's
outcome table (``eunato run``) and a scenario comparison's tables (``eunato
compare-scenarios``, ``eunato brief``)."""

from __future__ import annotations

import json
from typing import Any

from model.io.output import Tab


def _short(items: list[str], k: int = 6) -> str:
    return ", ".join(items[:k]) + (f" (+{len(items) - k})" if len(items) > k else "")


def summary_table(s: dict) -> Tab:
    """The outcome table of a run, one row per issue (``--format`` and briefings)."""
    t = Tab(f"{s['scenario']} · {s['protocol']} · seed {s['seed']} · "
            f"{s['rounds_run']} rounds ({s['start']} to {s['end_date']})",
            ["issue", "pillar", "status", "EU role", "NATO role", "EU was", "NATO was",
             "division of labour", "route", "when", "vetoes", "pivotal"],
            right={"EU role", "NATO role", "EU was", "NATO was"},
            show={**{c: (lambda v: f"{v:.0f}") for c in ("EU role", "NATO role", "EU was",
                                                         "NATO was")},
                  "vetoes": lambda v: _short([f"{x['actor']}@{x['house']}" for x in v]),
                  "pivotal": lambda v: _short(v)})
    for i in s["issues"]:
        sq = i["status_quo"]
        blocked = [p.upper() if p == "eu" else "NATO" for p, v in i.get("pieces", {}).items()
                   if v == "blocked"]
        status = i["status"] + (f" ({'/'.join(blocked)} piece blocked)"
                                if blocked and i["status"] == "agreed" else "")
        t.add(i["issue"], i["pillar"], status, i["eu_role"], i["nato_role"],
              sq["eu_role"], sq["nato_role"], i["division_of_labour"], i["route"], i["date"],
              i["vetoes"], i.get("pivotal", []))
    return t


def _band(lo: float, med: float, hi: float) -> str:
    return f"{med:.0f} [{lo:.0f}–{hi:.0f}]"


def _diff(d: float, lo: float, hi: float, ref: bool = False) -> str:
    if ref:
        return "(reference)"
    if d != d:  # NaN: the unit is not in the reference scenario
        return "—"
    if lo != lo:
        return f"{d:+.1f}"
    return f"{d:+.1f} [{lo:+.1f}, {hi:+.1f}]"


def comparison_tables(table: Any, ci: int = 95) -> list[Tab]:
    """The comparison as printable tables: one for issues, one for pillars."""
    tabs = []
    for level in ("issue", "pillar"):
        t = Tab(f"per {level}: median [10–90%] over seeds; Δ from the first scenario "
                f"[{ci}% bootstrap]",
                ["scenario", level, "EU role", "NATO role", "agreed", "blockers",
                 "Δ EU role", "Δ NATO role", "Δ agreed"],
                right={"agreed"}, show={"agreed": lambda v: f"{v:.0%}"})
        first = table["scenario"].iloc[0] if len(table) else None
        for r in table[table["level"] == level].to_dict("records"):
            ref = r["scenario"] == first
            top = json.loads(r["top_blockers"])
            blockers = ", ".join(f"{a} {s:.0%}" for a, s in top)
            if r["blockers_count"] > len(top):
                blockers += f" (+{r['blockers_count'] - len(top)})"
            t.add(r["scenario"], r["unit"],
                  _band(r["eu_role_p10"], r["eu_role_median"], r["eu_role_p90"]),
                  _band(r["nato_role_p10"], r["nato_role_median"], r["nato_role_p90"]),
                  r["agreed_share"], blockers or "—",
                  _diff(r["d_eu_role"], r["d_eu_role_lo"], r["d_eu_role_hi"], ref),
                  _diff(r["d_nato_role"], r["d_nato_role_lo"], r["d_nato_role_hi"], ref),
                  _diff(100 * r["d_agreed_share"], 100 * r["d_agreed_share_lo"],
                        100 * r["d_agreed_share_hi"], ref).replace("]", "] pp"))
        tabs.append(t)
    return tabs
