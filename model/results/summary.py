"""The run summary: what was agreed, where, by whom, and at what cost (docs/schema.md).

Indices of the outcome itself (docs/model.md §6), with roles as shares of one requirement
of 100:

- duplication of issue j: ``max(0, eu + nato − 100) / 100``, both institutions covering the
  same part of the task;
- gap of issue j: ``max(0, 100 − eu − nato) / 100``, a requirement neither covers;
- both count a coalition of the willing's role outside the institutions (model/willing.py)
  beside the EU's and NATO's: ``eu + nato + outside``;
- label: a role of at least ``LEAD`` leads: ``both``, ``EU-led``, ``NATO-led`` or ``neither``;
- utility of actor i: Σ_j s_ij (1 − (|x^EU_ij − eu_j| + |x^NATO_ij − nato_j|) / 200) /
  Σ_j s_ij over its ideals x; a bloc's utility is its capability-weighted mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from model import coalitions, reversion, willing
from model.institutions.parliament import parliament_vote
from model.institutions.venues import venue_label
from model.results.explain import basis_choice, eu_basis, explain, venue_codes

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

LEAD = 50.0
#: scale definitions every front door labels its axes from
SCALES = {
    "eu_role": "EU role (0 = none … 100 = the EU covers the whole task)",
    "nato_role": "NATO role (0 = none … 100 = NATO covers the whole task)",
}


def label(eu: float, nato: float) -> str:
    if eu >= LEAD and nato >= LEAD:
        return "both"
    if eu >= LEAD:
        return "EU-led"
    if nato >= LEAD:
        return "NATO-led"
    return "neither"


def duplication_gap(outcome: np.ndarray, m: int, outside: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(m,) duplication and gap of the roles in force ``outcome`` (2m,), with the (m,)
    roles of arrangements ``outside`` both institutions if any."""
    total = outcome[:m] + outcome[m:] + (0.0 if outside is None else outside)
    return np.maximum(total - 100.0, 0) / 100.0, np.maximum(100.0 - total, 0) / 100.0


def utilities(model: EuNatoModel) -> np.ndarray:
    st, m = model.state, model.m
    x = model.outcome
    d = np.abs(st.ideal - x[None, :])
    dist = (d[:, :m] + d[:, m:]) / 200.0
    s = model.salience
    return (s * (1 - dist)).sum(axis=1) / np.maximum(s.sum(axis=1), 1e-12)


def partition_stability(model: EuNatoModel) -> float:
    """Mean Rand index of consecutive partitions (every pillar): the share of actor pairs
    whose together/apart status did not change from one round to the next."""
    if len(model.partitions) < 2:
        return 1.0
    parts = np.array(model.partitions)  # (rounds + 1, pillars, n)
    iu = np.triu_indices(parts.shape[2], 1)
    same = np.ones(parts.shape[:2])[1:]  # a pillar's unchanged labels: every pair agrees
    t, k = np.nonzero((parts[1:] != parts[:-1]).any(axis=2))
    if t.size:
        a, b = parts[t, k], parts[t + 1, k]  # (changes, n) before and after
        before = (a[:, :, None] == a[:, None, :])[:, iu[0], iu[1]]
        after = (b[:, :, None] == b[:, None, :])[:, iu[0], iu[1]]
        same[t, k] = (before == after).mean(axis=1)
    return float(same.mean())


def _role(x: float) -> float:
    return round(float(x), 2)


def summarize(model: EuNatoModel, explanations: bool = True) -> dict[str, Any]:
    """The run summary (docs/schema.md). ``explanations=False`` (batch rows) skips the
    explanations, the costliest part (the pivot test): ``explanations`` is then ``{}`` and
    each issue's ``pivotal`` is ``None``; everything else is the same."""
    st, m, w = model.state, model.m, model.world
    dup, gap = duplication_gap(model.outcome, m, willing.outside_roles(model))
    util = utilities(model)
    blocs = w.blocs
    ex = explain(model) if explanations else {}
    issues = []
    for j, rec in enumerate(w.issues):
        e = ex.get(rec.id, {})
        agreed = model.status[j] == "agreed"
        prop = model.proposal[[j, m + j]]
        issues.append({
            "issue": rec.id, "name": rec.name, "pillar": rec.pillar,
            "status": model.status[j],
            "eu_role": _role(model.outcome[j]), "nato_role": _role(model.outcome[m + j]),
            "status_quo": {"eu_role": _role(model.status_quo0[j]),
                           "nato_role": _role(model.status_quo0[m + j])},
            "proposal": None if np.isnan(prop).any() else
            {"eu_role": _role(prop[0]), "nato_role": _role(prop[1])},
            "venue": venue_label(eu_basis(model, j), w.nato_venue[j], model.route[j]),
            "venues": venue_codes(model, j),
            "legal_basis": basis_choice(model, j),
            "parliament": parliament_vote(model, j, eu_basis(model, j)),
            "route": model.route[j],
            "outside": model.outside[j],
            "pieces": dict(model.pieces[j]),
            "round": int(model.settled_round[j]) if agreed else None,
            "date": model.date(int(model.settled_round[j])) if agreed else None,
            "vetoes": list(model.vetoes[j]),
            "pivotal": e["pivotal"] if explanations else None,
            "division_of_labour": label(model.outcome[j], model.outcome[m + j]),
            "duplication": round(float(dup[j]), 4), "gap": round(float(gap[j]), 4),
        })
        path = reversion.describe(model, j)
        if path is not None:  # only issues with a reversion path carry the key
            issues[-1]["reversion"] = path
    bloc_util = {}
    for b in sorted(set(blocs)):
        mask = blocs == b
        wts = st.capability[mask]
        bloc_util[b] = round(float(np.average(util[mask], weights=wts if wts.sum() > 0
                                              else None)), 4)
    coal = {}
    for k, pillar in enumerate(model.pillars):
        cols = model.pillar_cols[k]
        coal[pillar] = coalitions.describe(model.coalition[k], st.actor_ids, st.capability,
                                           st.position[:, cols], st.salience[:, cols],
                                           model.electorate)
    statuses = [i["status"] for i in issues]
    return {
        "scenario": model.spec.name,
        "protocol": model.protocol_name,
        "seed": None if model.seed is None else int(model.seed),
        "rounds_run": int(model.steps),
        "max_rounds": model.max_rounds,
        "start": w.start, "months_per_round": w.months_per_round,
        "end_date": model.date(int(model.steps)),
        "issues": issues,
        "agreed": statuses.count("agreed"),
        "blocked": statuses.count("blocked"),
        "status_quo_holds": statuses.count("status quo holds"),
        "outside": sum(rec is not None for rec in model.outside),
        "coalitions": {
            "count": sum(len(v) for v in coal.values()),
            "stability": round(partition_stability(model), 4),
            "by_pillar": coal,
        },
        "utility": {a: round(float(u), 4) for a, u in zip(st.actor_ids, util, strict=True)},
        "bloc_utility": bloc_util,
        "duplication_index": round(float(dup.mean()), 4),
        "gap_index": round(float(gap.mean()), 4),
        "us_engagement": w.us_engagement,
        "participation_blockage": w.participation_blockage,
        "deadline": model.spec.deadline,
        # the coded judgements this run drew from their ranges (empty: central values)
        "judgements": {k: round(v, 4) for k, v in sorted(w.judgements.items())},
        # the deals that bought a veto off (model/deals.py; empty without a [deals] budget)
        "deals": [dict(d) for d in model.deals],
        "explanations": ex,
    }
