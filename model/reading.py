"""Read a run summary's per-issue outcome as flat records (docs/schema.md).

Front doors that aggregate runs (comparisons, briefings, the EMA adapter) read each issue
through :func:`issue_view`: the schema's fields, with the status quo's roles flattened
(``status_quo_eu_role``, ``status_quo_nato_role``) so a table can hold them.
"""

from __future__ import annotations

from typing import Any

STATUSES = ("agreed", "status quo holds", "blocked")


def issue_view(i: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``summary["issues"]`` as a flat record."""
    sq = i.get("status_quo") or {}
    return {
        "issue": i["issue"], "name": i.get("name", i["issue"]),
        "pillar": i.get("pillar", ""), "status": i["status"],
        "eu_role": float(i["eu_role"]), "nato_role": float(i["nato_role"]),
        "status_quo_eu_role": sq.get("eu_role"), "status_quo_nato_role": sq.get("nato_role"),
        "venue": i.get("venue") or "", "route": i.get("route"),
        "round": i.get("round"), "date": i.get("date"),
        "vetoes": list(i.get("vetoes", [])), "pivotal": list(i.get("pivotal", [])),
        "division_of_labour": i.get("division_of_labour", ""),
        "duplication": i.get("duplication"), "gap": i.get("gap"),
    }


def issues(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [issue_view(i) for i in summary["issues"]]


def status_counts(summary: dict[str, Any]) -> dict[str, int]:
    views = issues(summary)
    return {s: sum(v["status"] == s for v in views) for s in STATUSES}


def veto_text(vetoes: list[dict[str, Any]], k: int = 6) -> str:
    """``HUN (eu_council), TUR (nato)``: who vetoed, in which house."""
    names = [v["actor"] + (f" ({v['house']})" if v.get("house") else "") for v in vetoes]
    return ", ".join(names[:k]) + (f" (+{len(names) - k})" if len(names) > k else "")
