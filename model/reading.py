"""Read a run summary's per-issue outcome in the terms of docs/schema.md.

Front doors that aggregate runs (comparisons, briefings, the run table) read each issue
through :func:`issue_view`, so they follow the schema whichever engine wrote the summary:

* the two-role schema (``eu_role``, ``nato_role``, ``status``, ``vetoes`` as
  ``{actor, house}``, ``pivotal``, ``venue``) is read as it is;
* summaries written before it (one ``outcome`` on the 0–100 scale, 0 = NATO-led,
  100 = EU-led, ``vetoed_by``) are read as ``eu_role = x`` and ``nato_role = 100 − x`` (the
  one-axis scale was the EU's share of the task), the status quo where nothing was agreed;
  vetoes carry ``house = None`` because the old summary did not say which house.
"""

from __future__ import annotations

from typing import Any

STATUSES = ("agreed", "status quo holds", "blocked")


def _role_pair(v: Any) -> tuple[float | None, float | None]:
    if isinstance(v, dict):
        return v.get("eu_role"), v.get("nato_role")
    if v is None:
        return None, None
    return float(v), 100.0 - float(v)


def issue_view(i: dict[str, Any]) -> dict[str, Any]:
    """One issue entry of ``summary["issues"]`` as the schema's fields."""
    if "eu_role" in i:
        vetoes = [v if isinstance(v, dict) else {"actor": v, "house": None}
                  for v in i.get("vetoes", [])]
        sq_eu, sq_nato = _role_pair(i.get("status_quo"))
        return {
            "issue": i["issue"], "name": i.get("name", i["issue"]),
            "pillar": i.get("pillar", ""), "status": i["status"],
            "eu_role": float(i["eu_role"]), "nato_role": float(i["nato_role"]),
            "status_quo_eu_role": sq_eu, "status_quo_nato_role": sq_nato,
            "venue": i.get("venue") or "", "route": i.get("route"),
            "round": i.get("round"), "date": i.get("date"),
            "vetoes": vetoes, "pivotal": list(i.get("pivotal", [])),
            "division_of_labour": i.get("division_of_labour", ""),
            "duplication": i.get("duplication"), "gap": i.get("gap"),
        }
    agreed = i.get("status") == "agreed"
    x = i["outcome"] if agreed else i["status_quo"]
    vetoed = list(i.get("vetoed_by", []))
    return {
        "issue": i["issue"], "name": i.get("name", i["issue"]), "pillar": i.get("pillar", ""),
        "status": "agreed" if agreed else ("blocked" if vetoed else "status quo holds"),
        "eu_role": float(x), "nato_role": 100.0 - float(x),
        "status_quo_eu_role": float(i["status_quo"]),
        "status_quo_nato_role": 100.0 - float(i["status_quo"]),
        "venue": f"EU Council ({i['eu_rule']}) and NATO (consensus)" if "eu_rule" in i else "",
        "route": None, "round": i.get("round"), "date": i.get("date"),
        "vetoes": [{"actor": a, "house": None} for a in vetoed], "pivotal": [],
        "division_of_labour": i.get("division_of_labour", ""),
        "duplication": i.get("duplication"), "gap": i.get("gap"),
    }


def issues(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [issue_view(i) for i in summary["issues"]]


def status_counts(summary: dict[str, Any]) -> dict[str, int]:
    views = issues(summary)
    return {s: sum(v["status"] == s for v in views) for s in STATUSES}


def veto_text(vetoes: list[dict[str, Any]], k: int = 6) -> str:
    names = [v["actor"] + (f" ({v['house']})" if v.get("house") else "") for v in vetoes]
    return ", ".join(names[:k]) + (f" (+{len(names) - k})" if len(names) > k else "")
