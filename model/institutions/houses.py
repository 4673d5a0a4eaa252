"""How an open issue is decided each round: routes, votes, agenda setting, settlement.

Once an issue's forecast (both roles) has held still for ``settle_rounds`` rounds it is put
to the venues. The pieces that would change (a role more than ``VOTE_TOLERANCE`` from the
status quo, in a venue that exists) are the proposal:

1. **joint route** (issues with ``joint = true`` and both roles changing): one formal EU–NATO
   arrangement, voted in the EU venue's houses and the NAC together; under the participation
   blockage the blockers vote no;
2. **separate routes**: the EU piece in its EU venue and the NATO piece in the NAC, each on
   its own. This is how actors route around a blocked joint arrangement.

If every piece passes, the issue is agreed. If some fail and bargaining has stalled (or the
last round has come), the agenda setter of each failing piece's venue (agents/bureaucracy.py)
proposes the point of its win-set nearest its own ideal; pieces that then pass are agreed,
the others keep the status quo and their vetoes are recorded. An issue whose proposal is the
status quo settles as "status quo holds".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.base import VOTE_TOLERANCE
from agents.bureaucracy import Bureaucracy
from model import deals
from model.institutions.cooperation import scope_note, willing_point
from model.institutions.parliament import model_ballot
from model.institutions.venues import (
    BASIS_COSTS,
    DELAY_COST,
    VENUES,
    Verdict,
    distances,
    house_codes,
    houses_for,
    vote,
    vote_columns,
)

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

GRID = np.linspace(0.0, 100.0, 201)


def piece_vote(model: EuNatoModel, j: int, piece: str, proposal: np.ndarray,
               block: np.ndarray | None = None, aside: np.ndarray | None = None,
               basis: str | None = None, stand: np.ndarray | None = None) -> Verdict:
    """Vote on G proposals for one piece of issue ``j``: ``proposal`` is (G,) for the
    ``eu``/``nato`` piece, (G, 2) [eu, nato] for the ``joint`` piece. ``block``/``aside``
    replace the actors' stances (the pivot test passes (n, G) variants); ``basis``: the EU
    legal basis to vote under (default the issue's own); ``stand``: where the voters vote
    from, if not their own (a deal's promises, model/deals.py)."""
    m = model.m
    w = model.world
    # voters judge by what they want, not where bargaining moved them
    pos = model.stand if stand is None else stand
    sq = model.outcome
    if piece == "joint":
        p = pos[:, [j, m + j]]
        s = sq[[j, m + j]]
        prop = np.atleast_2d(proposal)
        d_prop = np.abs(p[:, None, :] - prop[None, :, :]).sum(axis=2)
        d_sq = np.abs(p - s[None, :]).sum(axis=1)
    else:
        c = j if piece == "eu" else m + j
        prop = np.atleast_1d(proposal)
        d_prop = np.abs(pos[:, c][:, None] - prop[None, :])
        d_sq = np.abs(pos[:, c] - sq[c])
    d_sq = d_sq + model.sq_cost[j]  # the rising cost of no agreement (model/reversion.py)
    houses = houses_for(basis or w.eu_venue[j], w.nato_venue[j], piece)
    if block is None:
        block, aside = _stances(model, j, houses)
    if block is not None and block.ndim == 2 and d_prop.shape[1] == 1:
        d_prop = np.repeat(d_prop, block.shape[1], axis=1)
    ep = None
    if piece == "eu":
        g = d_prop.shape[1]
        ep = model_ballot(model, np.full(g, j), np.broadcast_to(prop, g), np.full(g, sq[j]))
    return vote(model.electorate, houses, d_prop, d_sq, model.salience[:, j],
                block, aside, abstain_salience=model.abstain_salience,
                coalition=model.coalition[model.pillar_of[j]],
                joint=piece == "joint" and bool(w.formal[j]), ep=ep)


def _stances(model: EuNatoModel, j: int, houses: list[tuple[str, str]]
             ) -> tuple[np.ndarray, np.ndarray]:
    """(n,) block and step-aside stances on issue ``j`` that hold in ``houses``: a stance
    holds only in the houses it names (and that vote here)."""
    w = model.world
    here = {h for h, _ in houses}
    block = w.block[:, j].copy()
    aside = w.step_aside[:, j].copy()
    for k, hs in w.stance_houses.items():
        if not here & set(hs):
            block[k] = aside[k] = False
    return block, aside


def piece_votes(model: EuNatoModel, requests: list[tuple[int, str, np.ndarray]]
                ) -> list[Verdict]:
    """One proposal per request ``(j, piece, proposal)`` (``proposal`` as
    :func:`piece_vote` takes one), all put to their houses in one array program; each
    verdict is the one :func:`piece_vote` gives (tests/test_speed_equivalence.py)."""
    if not requests:
        return []
    m, w = model.m, model.world
    pos, sq = model.stand, model.outcome
    n, g = pos.shape[0], len(requests)
    block, aside = np.empty((n, g), bool), np.empty((n, g), bool)
    codes, houses_of, first, second, props = [], [], [], [], []
    for q, (j, piece, proposal) in enumerate(requests):
        houses = houses_for(w.eu_venue[j], w.nato_venue[j], piece)
        houses_of.append([h for h, _ in houses])
        codes.append((*house_codes(houses), piece == "joint", j))
        block[:, q], aside[:, q] = _stances(model, j, houses)
        c = j if piece == "eu" else m + j
        first.append(j if piece == "joint" else c)
        second.append(m + j if piece == "joint" else c)
        props.append(np.ravel(proposal)[:2] if piece == "joint" else
                     (float(np.ravel(proposal)[0]),) * 2)
    council, parl, nato, joint, issue = (np.array(x) for x in zip(*codes, strict=True))
    p = np.array(props)
    d_prop, d_sq = distances(pos[:, first], pos[:, second], (p[:, 0], p[:, 1]),
                             (sq[first], sq[second]), joint)
    d_sq = d_sq + model.sq_cost[issue]
    adopted, yes, no, abstain, ok = vote_columns(
        model.electorate, council, parl, nato, d_prop, d_sq, model.salience[:, issue],
        block, aside, abstain_salience=model.abstain_salience,
        coalition=model.coalition[model.pillar_of[issue]].T, joint=joint & w.formal[issue],
        ep=model_ballot(model, issue, p[:, 0], sq[issue]))
    return [Verdict(adopted[q:q + 1], yes[:, q:q + 1], no[:, q:q + 1], abstain[:, q:q + 1],
                    {h: ok[h][q:q + 1] for h in names}, names)
            for q, names in enumerate(houses_of)]


def agenda_setter(model: EuNatoModel, j: int, piece: str, basis: str | None = None
                  ) -> int | None:
    """The row of the bureaucracy that sets the agenda of issue ``j``'s ``eu`` or
    ``nato`` piece: the most capable with a mandate in its venue (``basis``: an EU legal
    basis other than the issue's own; ties: the first)."""
    w = model.world
    venue = (basis or w.eu_venue[j]) if piece == "eu" else w.nato_venue[j]
    setters = [k for k, a in enumerate(w.actors)
               if a.type == "bureaucracy" and venue in (a.mandate or [])]
    if not setters:
        return None
    return max(setters, key=lambda r: (model.state.capability[r], -r))


@dataclass(frozen=True)
class SetterChoice:
    """What the agenda setter proposes for a failed piece: ``point`` (None: no change
    passes), the EU legal basis it is decided under (``basis``; the issue's own for NATO
    pieces) and why (``reason``, plain text; empty when the issue's own basis was kept
    without an alternative to weigh)."""

    point: float | None
    basis: str
    reason: str = ""


def bases_open(model: EuNatoModel, j: int) -> list[str]:
    """Issue ``j``'s admissible EU legal bases that can still be used: its own first, then
    each other one whose delay fits before the deadline (if the run has one)."""
    w = model.world
    own, *others = w.eu_bases[j]
    left = (None if model.deadline_round is None
            else model.deadline_round - model.steps)
    return [own] + [b for b in others if left is None or BASIS_COSTS[b].delay <= left]


def basis_asks(model: EuNatoModel, j: int, piece: str) -> list[tuple[str, int]]:
    """(basis, setter row) of every basis on which a setter would propose for the piece."""
    if piece != "eu":
        k = agenda_setter(model, j, piece)
        return [] if k is None else [(model.world.eu_venue[j], k)]
    out = []
    for b in bases_open(model, j):
        k = agenda_setter(model, j, piece, b)
        if k is not None:
            out.append((b, k))
    return out


def choose_basis(model: EuNatoModel, j: int, piece: str,
                 points: list[tuple[str, int, float | None]]) -> SetterChoice | None:
    """The agenda setter's choice among the bases' best passing points ``points`` [(basis,
    setter row, point)] (agents/bureaucracy.py: :meth:`Bureaucracy.choose`), with its
    reason; None when no setter could propose."""
    if not points:
        return None
    own = model.world.eu_venue[j] if piece == "eu" else ""
    if piece != "eu" or len(model.world.eu_bases[j]) == 1:
        return SetterChoice(points[0][2], own or points[0][0])
    c = j if piece == "eu" else model.m + j
    chooser = agenda_setter(model, j, piece)
    chooser = points[0][1] if chooser is None else chooser
    ideal, sq = float(model.state.ideal[chooser, c]), float(model.outcome[c])
    scope = ""
    if any(b == "ec" for b, _, _ in points):  # it binds the participants only
        k = next(k for b, k, _ in points if b == "ec")
        x, ids_in, share = willing_point(model, j, k, piece_vote, GRID)
        points = [(b, kk, x if b == "ec" else p) for b, kk, p in points]
        scope = scope_note(ids_in, share) if x is not None else ""
    costs = [0.0 if b == own else BASIS_COSTS[b].political + DELAY_COST * BASIS_COSTS[b].delay
             for b, _, _ in points]
    pick, nets = Bureaucracy.choose([p for _, _, p in points], costs, ideal, sq,
                                    keep_first=points[0][0] == own)
    return SetterChoice(None if pick is None else points[pick][2],
                        own if pick is None else points[pick][0],
                        basis_reason(model, j, points, costs, nets, pick, chooser, scope))


def basis_reason(model: EuNatoModel, j: int, points: list[tuple[str, int, float | None]],
                 costs: list[float], nets: list[float | None], pick: int | None,
                 chooser: int, scope: str = "") -> str:
    """Why the setter chose the basis it did, in one sentence with its numbers (``scope``:
    who takes part, where the basis binds only some states)."""
    ids, own = model.world.actor_ids, model.world.eu_venue[j]
    tried = []
    for (b, k, x), cost, net in zip(points, costs, nets, strict=True):
        v = VENUES[b]
        if x is None:
            tried.append(f"{b} ({v.treaty}): no change passes")
        else:
            tried.append(f"{b} ({v.treaty}): {ids[k]} proposes EU role {x:.0f}, worth "
                         f"{net:+.1f} to {ids[chooser]} net of a cost of {cost:.0f}")
    missing = [b for b in model.world.eu_bases[j] if b not in {p[0] for p in points}]
    if missing:
        tried.append(", ".join(missing) + ": too slow for the deadline or no agenda setter")
    if pick is None:
        head = "no admissible legal basis holds a change worth its cost"
    elif points[pick][0] == own:
        head = f"kept the issue's own basis {own}"
    else:
        b = points[pick][0]
        head = (f"{ids[chooser]} moved the act from {own} to {b} ({VENUES[b].label}, "
                f"{VENUES[b].treaty}) to get round the veto; {BASIS_COSTS[b].why}"
                + (f"; {scope}" if scope and b == "ec" else ""))
    return head + " (" + "; ".join(tried) + ")"


def _setter_proposal(model: EuNatoModel, j: int, piece: str) -> SetterChoice | None:
    """The agenda setter's best passing point for a blocked piece, over the admissible
    legal bases of an EU piece (None: nobody can propose)."""
    c = j if piece == "eu" else model.m + j
    points = []
    for b, k in basis_asks(model, j, piece):
        v = piece_vote(model, j, piece, GRID, basis=b if piece == "eu" else None)
        points.append((b, k, Bureaucracy.propose(v.adopted, GRID,
                                                 float(model.state.ideal[k, c]),
                                                 float(model.outcome[c]))))
    return choose_basis(model, j, piece, points)


def decide(model: EuNatoModel, still: np.ndarray, stalled: np.ndarray, last: bool) -> None:
    """Try to settle every open issue this round (see the module docstring): the votes of
    all issues' pieces are one array program (:func:`piece_votes`), then each issue, in
    order, takes what its votes say."""
    w, m = model.world, model.m
    f = model.forecast
    fl = f.tolist()
    plans: list[tuple[int, list[str]]] = []
    requests: list[tuple[int, str, np.ndarray]] = []
    for j in range(m):
        if model.status[j] != "open" or not (still[j] or last):
            continue
        # (nearly) the same proposal failed before and nothing new can happen before a stall
        pair = f[[j, m + j]]
        if not (stalled[j] or last) and _close(pair, model.last_vote[j],
                                               0.1 * model.settle_tolerance):
            continue
        model.last_vote[j] = pair
        cols = {"eu": j, "nato": m + j}
        venue = {"eu": w.eu_venue[j], "nato": w.nato_venue[j]}
        pieces = [p for p in ("eu", "nato") if venue[p] != "none"
                  and abs(fl[cols[p]] - model.outcome[cols[p]]) > VOTE_TOLERANCE]
        plans.append((j, pieces))
        if w.joint[j] and len(pieces) == 2:
            requests.append((j, "joint", pair[None, :]))
        requests += [(j, p, f[cols[p]:cols[p] + 1]) for p in pieces]
    verdicts = iter(piece_votes(model, requests))
    for j, pieces in plans:
        _decide_issue(model, j, pieces, verdicts, bool(stalled[j]) or last)


def _decide_issue(model: EuNatoModel, j: int, pieces: list[str], verdicts: Iterator[Verdict],
                  stalled: bool, setter: dict[str, SetterChoice | None] | None = None
                  ) -> None:
    """Issue ``j``'s settlement from its verdicts (the joint piece's first when voted);
    ``setter``: the agenda setters' proposals for the pieces that failed, if already
    voted (the ensemble votes every run's at once), else :func:`_setter_proposal`."""
    w, m = model.world, model.m
    f = model.forecast
    cols = {"eu": j, "nato": m + j}
    venue = {"eu": w.eu_venue[j], "nato": w.nato_venue[j]}
    if not pieces:
        model.proposal[[j, m + j]] = model.outcome[[j, m + j]]
        model.pieces[j] = {"eu": "unchanged", "nato": "unchanged"}
        model.settle(j, {}, route=None, status="status quo holds", vetoes=[])
        return
    model.proposal[[j, m + j]] = np.where(
        [venue["eu"] != "none", venue["nato"] != "none"], f[[j, m + j]], model.outcome[[j, m + j]])
    vetoes: list[dict[str, str]] = []
    if w.joint[j] and len(pieces) == 2:
        v = next(verdicts)
        if v.adopted[0]:
            for _ in pieces:  # the pieces' own verdicts are not needed
                next(verdicts)
            model.pieces[j] = {"eu": "agreed", "nato": "agreed"}
            model.settle(j, {"eu": f[j], "nato": f[m + j]}, route="joint", status="agreed",
                         vetoes=[])
            return
        vetoes += v.vetoes(model.state.actor_ids, model.electorate)
    passed: dict[str, float] = {}
    own: dict[str, list[dict[str, str]]] = {}  # each failed piece's vetoes
    for p in pieces:
        v = next(verdicts)
        if v.adopted[0]:
            passed[p] = float(f[cols[p]])
        else:
            own[p] = v.vetoes(model.state.actor_ids, model.electorate)
            vetoes += own[p]
    failed = [p for p in pieces if p not in passed]
    model.pieces[j] = {p: ("agreed" if p in passed else "blocked" if p in failed
                           else "unchanged") for p in ("eu", "nato")}
    if failed and not stalled:
        model.vetoes[j] = _unique(vetoes)
        return
    for p in failed:
        choice = _setter_proposal(model, j, p) if setter is None else setter.get(p)
        if p == "eu" and choice is not None and choice.reason:
            model.basis_choice[j] = {"basis": choice.basis, "reason": choice.reason}
        if choice is not None and choice.point is not None:
            passed[p] = choice.point
            model.pieces[j][p] = "agreed"
            model.setter_used[j] = True
        elif _deal(model, j, p, float(f[cols[p]]), own.get(p, [])):
            passed[p] = float(f[cols[p]])
            model.pieces[j][p] = "agreed"
    if passed:
        route = "+".join(p for p in ("eu", "nato") if p in passed)
        model.settle(j, passed, route=route, status="agreed", vetoes=_unique(vetoes))
    else:
        # bargaining has stalled and no change worth a vote passes: the proposal has
        # failed, and it stays failed unless an event moves what someone wants
        model.settle(j, {}, route=None, status="blocked", vetoes=_unique(vetoes))


def _deal(model: EuNatoModel, j: int, piece: str, proposal: float,
          vetoes: list[dict[str, str]]) -> bool:
    """Whether a deal (model/deals.py) buys off the vetoes of a piece no basis can pass."""
    if getattr(model, "deal_budget", 0.0) <= 0 or not vetoes:
        return False
    prop = np.array([proposal])
    return deals.offer(model, j, piece, proposal, vetoes, agenda_setter(model, j, piece),
                       lambda stand: piece_vote(model, j, piece, prop, stand=stand)) is not None


def _close(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    """``np.allclose(a, b, atol=atol)`` for two short finite-or-NaN vectors, in plain floats
    (the same comparison, |a − b| ≤ atol + 1e-5·|b|, NaN never close; np.allclose's set-up
    was 6 % of a profiled run)."""
    return all(abs(x - y) <= atol + 1e-05 * abs(y) for x, y in zip(a.tolist(), b.tolist(),
                                                                     strict=True))


def _unique(vetoes: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, out = set(), []
    for v in vetoes:
        key = (v["actor"], v["house"])
        if key not in seen:
            seen.add(key)
            out.append(v)
    return sorted(out, key=lambda v: (v["house"], v["actor"]))
