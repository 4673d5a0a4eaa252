"""Read a run summary's per-issue outcome as flat records (docs/schema.md).

Front doors that aggregate runs (comparisons, briefings, the EMA adapter) read each issue
through :func:`issue_view`: the schema's fields, with the status quo's roles flattened
(``status_quo_eu_role``, ``status_quo_nato_role``) so a table can hold them.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

STATUSES = ("agreed", "status quo holds", "blocked")
#: the piece of an issue each house decides (docs/schema.md: ``pieces`` and ``vetoes``)
HOUSE_PIECE = {"eu_council": "eu", "european_parliament": "eu", "nato": "nato"}


def blockers(i: dict[str, Any]) -> list[dict[str, Any]]:
    """The vetoes that blocked something: those cast in a house whose piece stayed
    ``blocked``. A veto of a joint arrangement (or of an earlier proposal) on a piece that
    then passed elsewhere, by its own route, blocked nothing: the issue is agreed and that
    piece in force. A summary without ``pieces`` (older files) counts the vetoes of a
    blocked issue only."""
    pieces = i.get("pieces")
    vetoes = list(i.get("vetoes") or [])
    if not pieces:
        return vetoes if i.get("status") == "blocked" else []
    return [v for v in vetoes if pieces.get(HOUSE_PIECE.get(v.get("house", ""), "")) ==
            "blocked"]


def stuck(i: dict[str, Any]) -> bool:
    """Whether something stayed blocked on the issue: it ended blocked, or one of its
    pieces did while the other passed."""
    return i.get("status") == "blocked" or "blocked" in (i.get("pieces") or {}).values()


def issue_view(i: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``summary["issues"]`` as a flat record."""
    sq = i.get("status_quo") or {}
    return {
        "issue": i["issue"], "name": i.get("name", i["issue"]),
        "pillar": i.get("pillar", ""), "status": i["status"],
        "eu_role": float(i["eu_role"]), "nato_role": float(i["nato_role"]),
        "status_quo_eu_role": sq.get("eu_role"), "status_quo_nato_role": sq.get("nato_role"),
        "venue": i.get("venue") or "", "route": i.get("route"),
        "outside": i.get("outside"),
        "round": i.get("round"), "date": i.get("date"),
        "pieces": dict(i.get("pieces") or {}),
        "vetoes": list(i.get("vetoes", [])), "blockers": blockers(i),
        "pivotal": list(i.get("pivotal") or []),
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


def hinges(summaries: list[dict[str, Any]], j: int, top: int = 3
           ) -> tuple[bool, list[tuple[str, float]]]:
    """Whether issue ``j``'s outcome is robust over the runs (one status, roles within a
    point), and, if not, the drawn judgements it hinges on: those whose values correlate
    with the outcome beyond chance (whether it was agreed when that varies, else the sum of its
    roles), as (name, Pearson r), strongest first. Runs drawn at central values have no
    judgements, and then nothing to name."""
    rows = [s["issues"][j] for s in summaries]
    agreed = np.array([r["status"] == "agreed" for r in rows], float)
    roles = np.array([r["eu_role"] + r["nato_role"] for r in rows], float)
    if np.ptp(agreed) == 0 and np.ptp(roles) <= 1.0:
        return True, []
    y = agreed if np.ptp(agreed) > 0 else roles
    names = sorted(set().union(*(s.get("judgements", {}) for s in summaries)))
    if not names or len(rows) < 3:
        return False, []
    x = np.array([[s.get("judgements", {}).get(k, np.nan) for k in names]
                  for s in summaries], float)
    xc, yc = x - np.nanmean(x, axis=0), y - y.mean()
    den = np.sqrt(np.nansum(xc**2, axis=0) * (yc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 0, np.nansum(xc * yc[:, None], axis=0) / den, 0.0)
    # named only when it stands out of chance among all judgements drawn (Fisher's z,
    # Bonferroni over the judgements, two-sided 5%): with few runs, none may
    crit = NormalDist().inv_cdf(1 - 0.025 / len(names)) / np.sqrt(max(len(rows) - 3, 1))
    strong = np.abs(np.arctanh(np.clip(r, -0.999999, 0.999999))) > crit
    order = [k for k in np.argsort(-np.abs(r), kind="stable") if strong[k]][:top]
    return False, [(names[k], round(float(r[k]), 2)) for k in order]
