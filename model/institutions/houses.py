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
from typing import TYPE_CHECKING

import numpy as np

from agents.base import VOTE_TOLERANCE
from agents.bureaucracy import Bureaucracy
from model.institutions.venues import (
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
               block: np.ndarray | None = None, aside: np.ndarray | None = None) -> Verdict:
    """Vote on G proposals for one piece of issue ``j``: ``proposal`` is (G,) for the
    ``eu``/``nato`` piece, (G, 2) [eu, nato] for the ``joint`` piece. ``block``/``aside``
    replace the actors' stances (the pivot test passes (n, G) variants)."""
    m = model.m
    w = model.world
    pos = model.stand  # voters judge by what they want, not where bargaining moved them
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
    houses = houses_for(w.eu_venue[j], w.nato_venue[j], piece)
    if block is None:
        block, aside = _stances(model, j, houses)
    if block is not None and block.ndim == 2 and d_prop.shape[1] == 1:
        d_prop = np.repeat(d_prop, block.shape[1], axis=1)
    return vote(model.electorate, houses, d_prop, d_sq, model.salience[:, j],
                block, aside, abstain_salience=model.abstain_salience,
                coalition=model.coalition[model.pillar_of[j]], joint=piece == "joint")


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
    adopted, yes, no, abstain, ok = vote_columns(
        model.electorate, council, parl, nato, d_prop, d_sq, model.salience[:, issue],
        block, aside, abstain_salience=model.abstain_salience,
        coalition=model.coalition[model.pillar_of[issue]].T, joint=joint)
    return [Verdict(adopted[q:q + 1], yes[:, q:q + 1], no[:, q:q + 1], abstain[:, q:q + 1],
                    {h: ok[h][q:q + 1] for h in names}, names)
            for q, names in enumerate(houses_of)]


def agenda_setter(model: EuNatoModel, j: int, piece: str) -> int | None:
    """The row of the bureaucracy that sets the agenda of issue ``j``'s ``eu`` or
    ``nato`` piece: the most capable with a mandate in its venue (ties: the first)."""
    w = model.world
    venue = w.eu_venue[j] if piece == "eu" else w.nato_venue[j]
    setters = [k for k, a in enumerate(w.actors)
               if a.type == "bureaucracy" and venue in (a.mandate or [])]
    if not setters:
        return None
    return max(setters, key=lambda r: (model.state.capability[r], -r))


def _setter_proposal(model: EuNatoModel, j: int, piece: str) -> float | None:
    """The agenda setter's best passing point for a blocked piece (None: nobody can)."""
    k = agenda_setter(model, j, piece)
    if k is None:
        return None
    c = j if piece == "eu" else model.m + j
    v = piece_vote(model, j, piece, GRID)
    return Bureaucracy.propose(v.adopted, GRID, float(model.state.ideal[k, c]),
                               float(model.outcome[c]))


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
                  stalled: bool, setter: dict[str, float | None] | None = None) -> None:
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
    for p in pieces:
        v = next(verdicts)
        if v.adopted[0]:
            passed[p] = float(f[cols[p]])
        else:
            vetoes += v.vetoes(model.state.actor_ids, model.electorate)
    failed = [p for p in pieces if p not in passed]
    model.pieces[j] = {p: ("agreed" if p in passed else "blocked" if p in failed
                           else "unchanged") for p in ("eu", "nato")}
    if failed and not stalled:
        model.vetoes[j] = _unique(vetoes)
        return
    for p in failed:
        x = _setter_proposal(model, j, p) if setter is None else setter[p]
        if x is not None:
            passed[p] = x
            model.pieces[j][p] = "agreed"
            model.setter_used[j] = True
    if passed:
        route = "+".join(p for p in ("eu", "nato") if p in passed)
        model.settle(j, passed, route=route, status="agreed", vetoes=_unique(vetoes))
    else:
        # bargaining has stalled and no change worth a vote passes: the proposal has
        # failed, and it stays failed unless an event moves what someone wants
        model.settle(j, {}, route=None, status="blocked", vetoes=_unique(vetoes))


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
