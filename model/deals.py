"""Deals: buying off a veto with a side payment from the agenda setter's stated budget.

When a piece has failed at a stall or at the deadline, no admissible legal basis holds a
change that passes (model/institutions/houses.py), and the scenario states a budget of
concessions outside the issue set (``[deals]``), the piece's agenda setter may buy the
vetoes off. Each veto player i of the failed proposal p (status quo q) loses by adoption,
from where it votes (x_i, its stand) and by its own salience s_i:

    loss_i = s_i · (|x_i − p| − |x_i − q|)          (salience × role points)

The setter offers each the least that leaves it better off, ``loss_i + DEAL_MARGIN``, from
its budget; every point it pays costs it ``cost_per_point`` (a concession outside the issue
set is worth more to the one who gets it than it costs the one who gives it: the gains from
trade of issue linkage, Stokman & van Oosten 1994; Crombez 1996). The setter (x_k, s_k)
gains by adoption ``s_k · (|x_k − q| − |x_k − p|)``. The deal is made only when every bought
veto player accepts by its own rule (:meth:`agents.base.NegotiationActor.accepts_deal`),
the setter's gain exceeds its cost (:meth:`agents.bureaucracy.Bureaucracy.pays`), the
payments fit in what is left of the budget and the proposal then passes, the bought
players voting yes (their promise binds, as an exchange does). Each deal is recorded with
both sides' utilities before and after. Without a ``[deals]`` table (or with a budget of
0) nothing here runs and outcomes are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.base import NegotiationActor
from agents.bureaucracy import Bureaucracy

if TYPE_CHECKING:  # not the houses' Verdict
    from model.run_view import Run as EuNatoModel

#: how much better off (salience × role points) a side payment must leave a veto player:
#: the least offer it takes is its loss plus this (a judgement, like VOTE_TOLERANCE)
DEAL_MARGIN = 1.0


def offer(model: EuNatoModel, j: int, piece: str, proposal: float,
          vetoes: list[dict[str, str]], setter: int | None,
          revote: Callable[[np.ndarray], Any]) -> dict[str, Any] | None:
    """The deal that lifts the vetoes of issue ``j``'s failed ``piece`` (``proposal`` its
    role), or None. ``setter``: the piece's agenda setter row; ``revote(stand)`` puts the
    proposal to its houses again with the voters at ``stand`` (a houses' Verdict). A
    deal made is spent from ``model.deal_budget`` and appended to ``model.deals``."""
    spec = model.spec.deals
    if spec is None or model.deal_budget <= 0 or not vetoes:
        return None
    ids = model.state.actor_ids
    k = ids.index(spec.setter) if spec.setter else setter
    if k is None:
        return None
    c = j if piece == "eu" else model.m + j
    stand = model.stand
    sq = float(model.outcome[c])
    rows = np.array(sorted({ids.index(v["actor"]) for v in vetoes}))
    x = stand[rows, c]
    sal = model.salience[rows, j]
    loss = sal * (np.abs(x - proposal) - np.abs(x - sq))
    pay = np.maximum(loss, 0.0) + DEAL_MARGIN
    xk, sk = float(model.state.ideal[k, c]), float(model.salience[k, j])
    gain = sk * (abs(xk - sq) - abs(xk - proposal))
    cost = spec.cost_per_point * float(pay.sum())
    if (float(pay.sum()) > model.deal_budget + 1e-9
            or not NegotiationActor.accepts_deal(loss, pay).all()
            or not Bureaucracy.pays(gain, cost)):
        return None
    bought = stand.copy()
    bought[rows, c] = proposal  # the promise binds: each bought player votes for it
    if not bool(revote(bought).adopted[0]):
        return None
    model.deal_budget -= float(pay.sum())
    houses = {v["actor"]: v["house"] for v in vetoes}
    deal = {
        "issue": model.world.issue_ids[j], "piece": piece, "kind": "side_payment",
        "round": int(model.steps), "date": model.date(int(model.steps)),
        "setter": ids[k], "proposal": round(float(proposal), 2),
        "status_quo": round(sq, 2), "stands_for": spec.stands_for,
        "setter_gain": round(gain, 2), "setter_cost": round(cost, 2),
        "setter_utility": {"before": 0.0, "after": round(gain - cost, 2)},
        "budget_left": round(model.deal_budget, 2),
        "veto_players": [
            {"actor": ids[r], "house": houses[ids[r]], "loss": round(float(lo), 2),
             "payment": round(float(p), 2),
             "utility": {"before": 0.0, "after": round(float(p - lo), 2)}}
            for r, lo, p in zip(rows.tolist(), loss, pay, strict=True)],
    }
    model.deals.append(deal)
    model.log("deal", sentence(deal), issue=deal["issue"])
    return deal


def sentence(deal: dict[str, Any]) -> str:
    """The deal in one sentence an analyst can read, with its numbers."""
    who = "; ".join(
        f"{v['actor']} lost {v['loss']:.1f} by the proposal (salience × role points) and "
        f"took {v['payment']:.1f}, so it voted yes and ended {v['utility']['after']:+.1f} "
        "better off" for v in deal["veto_players"])
    role = "EU" if deal["piece"] == "eu" else "NATO"
    return (f"Deal ({deal['date']}): {deal['setter']} bought off the veto of "
            f"{', '.join(v['actor'] for v in deal['veto_players'])} on the {role} role "
            f"{deal['proposal']:.0f} (status quo {deal['status_quo']:.0f}) with a side "
            f"payment outside the issues ({deal['stands_for']}): {who}; {deal['setter']} "
            f"gained {deal['setter_gain']:.1f} by the adoption for a cost of "
            f"{deal['setter_cost']:.1f} ({deal['budget_left']:.1f} of its budget left)")


def of_issue(model: EuNatoModel, issue: str) -> list[dict[str, Any]]:
    """The deals made on ``issue`` in this run."""
    return [d for d in getattr(model, "deals", []) if d["issue"] == issue]
