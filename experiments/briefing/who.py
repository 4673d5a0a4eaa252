"""Who blocked and who was pivotal, in words and a table, for the briefings of comparisons
and batches (:mod:`experiments.briefing.brief`).

A blocker kept a piece of an issue blocked (:func:`model.results.reading.blockers`): a veto of a
joint arrangement whose pieces then passed by separate routes blocked nothing."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pandas as pd


def top(counter: Counter, n: int, k: int = 3, unit: str = "runs") -> str:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return ", ".join(f"{a} ({c} of {n} {unit})" for a, c in items)


def who_sentences(where: str, r: pd.DataFrame, n_runs: int) -> list[str]:
    """Who blocked and who was pivotal, over issue-runs ``r`` (columns ``name``,
    ``blocked``, ``blockers`` and ``pivotal``, the last two JSON lists of actor ids).

    A blocker kept a piece blocked (:func:`model.results.reading.blockers`), whether the issue
    ended blocked or was agreed with its other piece. Pivotal actors are counted where
    something stayed blocked (with unanimity nearly every member is pivotal on an agreed
    issue, which says little); where nothing did, over every issue-run."""
    n = len(r)
    if not n:
        return []
    has = r["blockers"].map(lambda v: bool(json.loads(v)))
    blocked = r[r["blocked"].astype(bool)]
    piece = r[~r["blocked"].astype(bool) & has]
    out = []
    counts = Counter(a for v in r["blockers"] for a in json.loads(v))
    if counts:
        parts = []
        if len(blocked):
            parts.append(f"{len(blocked)} of {n} issue-runs end blocked, most often "
                         f"{top(Counter(blocked['name']), n_runs, 2)}")
        if len(piece):
            parts.append(f"{len(piece)} {'more ' if len(blocked) else f'of {n} '}"
                         "issue-runs are agreed with one piece blocked, most often "
                         f"{top(Counter(piece['name']), n_runs, 2)}")
        out.append(f"{where}, " + "; ".join(parts) + "; the most frequent blockers (a veto "
                   "that kept a piece blocked) are "
                   f"{top(counts, n, 3, 'issue-runs')}.")
    stuck = r[has | r["blocked"].astype(bool)]
    scope = stuck if len(stuck) else r
    pivotal = Counter(a for v in scope["pivotal"] if v for a in json.loads(v))
    if pivotal:
        what = ("where something stayed blocked" if len(stuck) else "")
        out.append(f"Pivotal {where[0].lower() + where[1:]}{' ' + what if what else ''} "
                   "(their move or absence changes the result): "
                   f"{top(pivotal, len(scope), 3, 'issue-runs')}.")
    return out


def issue_runs(ok: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """One row per run × issue of a batch's runs table: ``name``, ``blocked``, ``blockers``
    and ``pivotal`` (JSON lists of actor ids, as in a comparison's runs) and the inputs.

    ``blockers_<issue>`` holds the vetoes that kept a piece blocked; a folder written before
    it existed falls back on the vetoes of blocked issues. ``pivotal_<issue>`` is absent
    from such folders too (then no one is named pivotal)."""
    ids = [c[len("eu_role_"):] for c in ok.columns if c.startswith("eu_role_")]
    inputs = [c for c in ok.columns if not c.startswith(("status_", "vetoes_", "blockers_",
                                                             "pivotal_", "eu_role_",
                                                             "nato_role_", "agreed_",
                                                             "utility_"))]
    rows = []
    for iid in ids:
        status = ok[f"status_{iid}"]
        if f"blockers_{iid}" in ok:
            blk = ok[f"blockers_{iid}"].fillna("")
        else:
            blk = ok[f"vetoes_{iid}"].fillna("").where(status == "blocked", "")
        piv = ok[f"pivotal_{iid}"] if f"pivotal_{iid}" in ok else pd.Series(None, ok.index)

        def actors(v: Any) -> str | None:
            if not isinstance(v, str):
                return None
            return json.dumps(sorted({x.split("@")[0] for x in v.split(",") if x}))

        part = ok[inputs].copy()
        part["issue"], part["name"] = iid, names.get(iid, iid)
        part["blocked"] = (status == "blocked").to_numpy()
        part["blockers"] = [actors(v) or "[]" for v in blk]
        part["pivotal"] = [actors(v) for v in piv]
        rows.append(part)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["issue", "name", "blocked", "blockers", "pivotal"])


def who_table(who: pd.DataFrame, n_runs: int) -> tuple[str, list[str], list[list[str]]]:
    """Per issue: runs ending blocked, runs agreed with a piece blocked, the most frequent
    blockers and the actors most often pivotal where something stayed blocked."""
    cols = ["issue", "runs blocked", "runs with a piece blocked", "most frequent blockers",
            "most often pivotal (where blocked)"]
    rows = []
    for _, g in who.groupby("issue", sort=False):
        has = g["blockers"].map(lambda v: bool(json.loads(v)))
        stuck = g[has | g["blocked"]]
        blk = Counter(a for v in g["blockers"] for a in json.loads(v))
        piv = Counter(a for v in stuck["pivotal"] if v for a in json.loads(v))
        rows.append([g["name"].iloc[0], f"{int(g['blocked'].sum())} of {n_runs}",
                     f"{int((has & ~g['blocked']).sum())} of {n_runs}",
                     top(blk, n_runs, 3) or "—", top(piv, len(stuck), 3) or "—"])
    return ("who blocked and who was pivotal, per issue", cols, rows)
