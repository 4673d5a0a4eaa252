"""The ensemble engine's votes: model/institutions/houses.py's ``decide`` for R replicates at once.

Each round, every replicate's open issues whose forecast has held still are put to their
houses as in a single run: the pieces that would change, the joint arrangement where the
issue has one, skipped while (nearly) the same proposal failed before and nothing new can
happen before a stall. All those proposals, of every replicate, are one
:func:`model.institutions.venues.vote_columns` call (each column a proposal with its own replicate's
positions, saliences, stances, coalitions and capabilities).

The commonest verdict, a piece failing before bargaining has stalled, only records what
failed and who vetoed it; that is kept in arrays here (:class:`VoteMemory`) and written
into the model's ``pieces`` and ``vetoes`` lists (in the order ``institutions._unique``
gives) before anything reads them. Every other verdict (an agreement, the agenda setter,
the status quo) runs ``institutions._decide_issue`` on the replicate's own model with
the verdicts of its columns, so those branches exist once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from agents.base import VOTE_TOLERANCE
from agents.bureaucracy import Bureaucracy
from model.institutions.houses import (
    GRID,
    SetterChoice,
    _decide_issue,
    _stances,
    basis_asks,
    choose_basis,
)
from model.institutions.parliament import ballot, ep_row, load_groups
from model.institutions.venues import Verdict, distances, house_codes, houses_for, vote_columns

if TYPE_CHECKING:
    from model.model import EuNatoModel


class Ensemble(Protocol):
    """What the votes read and write of :class:`model.ensemble.core.Ensemble` (a protocol,
    so that this module does not import the one that imports it)."""

    votes: VoteMemory
    m: int
    forecast: np.ndarray
    outcome: np.ndarray
    sq_cost: np.ndarray
    proposal: np.ndarray
    pos: np.ndarray
    ideal: np.ndarray
    cap: np.ndarray
    coal: np.ndarray
    models: list[EuNatoModel]

#: the pieces of an issue as vote columns: the joint arrangement, the EU's, NATO's
PIECES = ("joint", "eu", "nato")
#: the houses in the order ``institutions._unique`` sorts vetoes by (their names)
HOUSES = ("eu_council", "european_parliament", "nato")
#: a piece's state, as ``model.pieces`` names it
PIECE_STATE = ("unchanged", "agreed", "blocked")


class VoteMemory:
    """Per replicate and issue: the last forecast voted on, whether it is open, and the
    pieces and vetoes of the last failed vote (until written into the model)."""

    def __init__(self, models: list[EuNatoModel]) -> None:
        first = models[0]
        w = first.world
        r, n, m = len(models), len(w.actors), first.m
        self.last_vote = np.stack([mdl.last_vote for mdl in models])
        self.open = np.zeros((r, m), bool)
        self.piece = np.zeros((r, m, 2), int)
        self.veto = np.zeros((r, m, n, 3), bool)
        self.lazy = np.zeros((r, m), bool)
        self.block = np.zeros((r, m, 3, n), bool)
        self.aside = np.zeros((r, m, 3, n), bool)
        self.blockers = np.zeros((r, n), bool)
        self.salience = np.zeros((r, n, m))
        self.houses = [[[h for h, _ in houses_for(w.eu_venue[j], w.nato_venue[j], p)]
                        for p in PIECES] for j in range(m)]
        codes = np.array([[house_codes(houses_for(w.eu_venue[j], w.nato_venue[j], p))
                           for p in PIECES] for j in range(m)], dtype=int)
        self.council, self.parliament, self.nato = (codes[..., 0], codes[..., 1] > 0,
                                                    codes[..., 2] > 0)
        self.has_venue = np.array([[v != "none" for v in w.eu_venue],
                                   [v != "none" for v in w.nato_venue]])
        self.joint = np.asarray(w.joint, bool)
        self.formal = np.asarray(w.formal, bool)
        self.ep_row = ep_row(w.types)
        el = self.electorate = first.electorate  # the houses' members (the same in all)
        self.masks = np.stack([el.eu, el.parliament, el.nato], axis=1)  # (n, 3) as HOUSES
        ids = w.actor_ids
        self.ids = ids
        self.by_id = sorted(range(n), key=lambda k: ids[k])

    def gather(self, models: list[EuNatoModel], rows: list[int]) -> None:
        """The replicate's stances, blockers, saliences and open issues, from its model."""
        for r in rows:
            mdl = models[r]
            w = mdl.world
            self.salience[r] = mdl.salience
            self.blockers[r] = mdl.electorate.blockers
            for j in range(mdl.m):
                for p, piece in enumerate(PIECES):
                    houses = houses_for(w.eu_venue[j], w.nato_venue[j], piece)
                    self.block[r, j, p], self.aside[r, j, p] = _stances(mdl, j, houses)
            self.refresh_open(mdl, r)

    def refresh_open(self, mdl: EuNatoModel, r: int) -> None:
        self.open[r] = [s == "open" for s in mdl.status]

    def materialise(self, mdl: EuNatoModel, r: int) -> None:
        """Write the failed votes kept here into the model's ``pieces`` and ``vetoes``."""
        for j in np.flatnonzero(self.lazy[r]).tolist():
            eu, nato = self.piece[r, j].tolist()
            mdl.pieces[j] = {"eu": PIECE_STATE[eu], "nato": PIECE_STATE[nato]}
            v = self.veto[r, j]
            mdl.vetoes[j] = [{"actor": self.ids[k], "house": h}
                             for c, h in enumerate(HOUSES) for k in self.by_id if v[k, c]]
            self.lazy[r, j] = False


def vote_round(ens: Ensemble, act: np.ndarray, models: list[EuNatoModel], still: np.ndarray,
               stalled: np.ndarray, last: np.ndarray) -> None:
    """``institutions.decide`` for the replicates ``act`` (``still``/``stalled`` (A, m),
    ``last`` (A,))."""
    mem, m = ens.votes, ens.m
    f = ens.forecast[act]
    out = ens.outcome[act]
    last2 = last[:, None]
    cand = mem.open[act] & (still | last2)
    pair = np.stack([f[:, :m], f[:, m:]], axis=2)
    lv = mem.last_vote[act]
    atol = 0.1 * models[0].settle_tolerance
    close = (np.abs(pair - lv) <= atol + 1e-05 * np.abs(lv)).all(axis=2)  # _close's test
    stl = stalled | last2
    plan = cand & ~(~stl & close)
    if not plan.any():
        return
    mem.last_vote[act] = np.where(plan[..., None], pair, lv)
    p_eu = plan & mem.has_venue[0] & (np.abs(f[:, :m] - out[:, :m]) > VOTE_TOLERANCE)
    p_nato = plan & mem.has_venue[1] & (np.abs(f[:, m:] - out[:, m:]) > VOTE_TOLERANCE)
    p_joint = p_eu & p_nato & mem.joint
    cols = [np.nonzero(x) for x in (p_joint, p_eu, p_nato)]
    kind = np.concatenate([np.full(c[0].size, k) for k, c in enumerate(cols)])
    a = np.concatenate([c[0] for c in cols])
    j = np.concatenate([c[1] for c in cols])
    g = kind.size
    adopted = yes = no = abstain = ok = None
    if g:
        adopted, yes, no, abstain, ok = _vote(ens, act, a, j, kind, f, out)
    adopt = np.zeros((3, *plan.shape), bool)
    col = np.full((3, *plan.shape), -1)
    if g:
        adopt[kind, a, j] = adopted
        col[kind, a, j] = np.arange(g)
    failed = (p_eu & ~adopt[1]) | (p_nato & ~adopt[2])
    common = plan & (p_eu | p_nato) & ~(p_joint & adopt[0]) & failed & ~stl
    rows = act[:, None]
    if common.any():
        # what _decide_issue records when a piece fails before a stall
        state = np.stack([np.where(p, np.where(adopt[k], 1, 2), 0)
                          for k, p in ((1, p_eu), (2, p_nato))], axis=2)
        mem.piece[act] = np.where(common[..., None], state, mem.piece[act])
        mem.lazy[act] |= common
        prop = ens.proposal[act]
        for k, sl in ((0, slice(None, m)), (1, slice(m, None))):
            put = common & mem.has_venue[k]
            prop[:, sl] = np.where(put, f[:, sl], np.where(common, out[:, sl], prop[:, sl]))
        ens.proposal[act] = prop
        veto = mem.veto[act]
        veto[common] = False
        sel = np.flatnonzero(common[a, j])
        if sel.size:
            ok3 = np.stack([ok[h][sel] for h in HOUSES], axis=1)  # (S, 3) passed per house
            hit = no[:, sel].T[:, :, None] & mem.masks[None] & ~ok3[:, None, :]  # (S, n, 3)
            for k in range(3):  # an issue has at most one column of each kind
                one = kind[sel] == k
                veto[a[sel][one], j[sel][one]] |= hit[one]
        mem.veto[act] = veto
    rare = plan & ~common
    # the agenda setters' proposals for what failed once bargaining stalled, every run's
    # in one vote (institutions._setter_proposal, each alone)
    asks = [(ai, jj, p) for ai, jj in zip(*np.nonzero(rare & stl & failed
                                                      & ~(p_joint & adopt[0])), strict=True)
            for p, k, on in (("eu", 1, p_eu), ("nato", 2, p_nato))
            if on[ai, jj] and not adopt[k, ai, jj]]
    points = _setter_points(ens, act, asks)
    for ai, jj in zip(*np.nonzero(rare), strict=True):
        r, mdl = int(rows[ai, 0]), models[ai]
        pieces = [p for p, on in (("eu", p_eu[ai, jj]), ("nato", p_nato[ai, jj])) if on]
        verdicts = []
        for k in range(3):
            q = col[k, ai, jj]
            if q >= 0:
                names = mem.houses[jj][k]
                verdicts.append(Verdict(adopted[q:q + 1], yes[:, q:q + 1], no[:, q:q + 1],
                                        abstain[:, q:q + 1],
                                        {h: ok[h][q:q + 1] for h in names}, names))
        mem.lazy[r, jj] = False
        setter = {p: points[ai, jj, p] for p in pieces if (ai, jj, p) in points}
        _decide_issue(mdl, int(jj), pieces, iter(verdicts), bool(stl[ai, jj]),
                      setter=setter)
        mem.open[r, jj] = mdl.status[jj] == "open"


def _vote(ens: Ensemble, act: np.ndarray, a: np.ndarray, j: np.ndarray, kind: np.ndarray,
          f: np.ndarray, out: np.ndarray) -> tuple:
    """Every column's vote: ``institutions.piece_votes`` with each column's replicate."""
    mem, m = ens.votes, ens.m
    r = act[a]
    joint = kind == 0
    first = np.where(kind == 2, m + j, j)
    second = np.where(joint, m + j, first)
    pos = ens.stand
    d_prop, d_sq = distances(pos[r, :, first].T, pos[r, :, second].T,
                             (f[a, first], f[a, second]), (out[a, first], out[a, second]),
                             joint)
    d_sq = d_sq + ens.sq_cost[r, j]  # the rising cost of no agreement (model/reversion.py)
    el = replace(mem.electorate, capability=ens.cap[r].T, blockers=mem.blockers[r].T)
    pillar = ens.models[0].pillar_of[j]
    return vote_columns(
        el, mem.council[j, kind], mem.parliament[j, kind], mem.nato[j, kind], d_prop, d_sq,
        mem.salience[r, :, j].T, mem.block[r, j, kind].T, mem.aside[r, j, kind].T,
        abstain_salience=ens.models[0].abstain_salience, coalition=ens.coal[r, pillar].T,
        joint=joint & mem.formal[j], ep=_ballot(ens, r, j, f[a, j], out[a, j]))


def _ballot(ens: Ensemble, r: np.ndarray, j: np.ndarray, proposal: np.ndarray,
            status_quo: np.ndarray):
    """The Parliament's groups on columns of replicates ``r``, issues ``j`` (EU roles):
    ``parliament.model_ballot`` with each column's replicate (all vote in one month)."""
    row = ens.votes.ep_row
    if row is None:
        return None
    mdl = ens.models[int(r[0])]  # a running replicate: all run in lockstep
    return ballot(load_groups(), [mdl.date(max(mdl.steps, 1))], list(mdl.world.pillars), j,
                  ens.stand[r, row, j], proposal, status_quo)


def _setter_points(ens: Ensemble, act: np.ndarray, asks: list[tuple[int, int, str]]
                   ) -> dict[tuple[int, int, str], SetterChoice | None]:
    """``institutions._setter_proposal`` for each (replicate, issue, piece): the grid of
    proposals of every ask, under each legal basis its setter weighs, as columns of one
    vote; then each setter's choice (``institutions.choose_basis``)."""
    if not asks:
        return {}
    cols = []
    for ai, jj, p in asks:
        mdl = ens.models[act[ai]]
        cols += [(ai, jj, p, k, b) for b, k in basis_asks(mdl, int(jj), p)]
    points: dict[tuple[int, int, str, str], float | None] = {}
    for b in range(0, len(cols), SETTER_BATCH):
        points.update(_setter_vote(ens, act, cols[b:b + SETTER_BATCH]))
    out: dict[tuple[int, int, str], SetterChoice | None] = {}
    for ai, jj, p in asks:
        mdl = ens.models[act[ai]]
        got = [(b, k, points[ai, jj, p, b]) for a2, j2, p2, k, b in cols
               if (a2, j2, p2) == (ai, jj, p)]
        out[ai, jj, p] = choose_basis(mdl, int(jj), p, got)
    return out


#: asks per grid vote: 201 columns each; larger votes' arrays leave the CPU caches
SETTER_BATCH = 8


def _setter_vote(ens: Ensemble, act: np.ndarray, cols: list[tuple[int, int, str, int, str]]
                 ) -> dict[tuple[int, int, str, str], float | None]:
    """The grid votes of ``cols`` (replicate, issue, piece, setter, basis) as one vote."""
    mem, m, g = ens.votes, ens.m, GRID.size
    out: dict[tuple[int, int, str, str], float | None] = {}
    a = np.array([c[0] for c in cols])
    j = np.array([c[1] for c in cols])
    kind = np.array([PIECES.index(c[2]) for c in cols])
    r = act[a]
    c = np.where(kind == 1, j, m + j)
    n = mem.masks.shape[0]
    codes = np.empty((len(cols), 3), int)
    block, aside = np.empty((n, len(cols)), bool), np.empty((n, len(cols)), bool)
    for q, (ai, jj, p, _, b) in enumerate(cols):
        w = ens.models[act[ai]].world
        if p == "eu" and b != w.eu_venue[jj]:  # another basis: its own houses and stances
            houses = houses_for(b, w.nato_venue[jj], p)
            codes[q] = house_codes(houses)
            block[:, q], aside[:, q] = _stances(ens.models[act[ai]], int(jj), houses)
        else:
            k = PIECES.index(p)
            codes[q] = (mem.council[jj, k], mem.parliament[jj, k], mem.nato[jj, k])
            block[:, q], aside[:, q] = mem.block[r[q], jj, k], mem.aside[r[q], jj, k]
    rep = np.repeat(np.arange(len(cols)), g)
    pos = ens.stand[r, :, c].T[:, rep]  # (n, asks × grid)
    sq = ens.outcome[r, c]
    grid = np.tile(GRID, len(cols))
    d_prop, d_sq = distances(pos, pos, (grid, grid), (sq[rep], sq[rep]),
                             np.zeros(rep.size, bool))
    d_sq = d_sq + ens.sq_cost[r, j][rep]
    el = replace(mem.electorate, capability=ens.cap[r].T[:, rep],
                 blockers=mem.blockers[r].T[:, rep])
    pillar = ens.models[0].pillar_of[j]
    adopted, *_ = vote_columns(
        el, codes[rep, 0], codes[rep, 1] > 0, codes[rep, 2] > 0,
        d_prop, d_sq, mem.salience[r, :, j].T[:, rep], block[:, rep],
        aside[:, rep], abstain_salience=ens.models[0].abstain_salience,
        coalition=ens.coal[r, pillar].T[:, rep], joint=np.zeros(rep.size, bool),
        ep=_ballot(ens, r[rep], j[rep], grid, sq[rep]))
    adopted = adopted.reshape(len(cols), g)
    for q, (ai, jj, p, k, b) in enumerate(cols):
        out[ai, jj, p, b] = Bureaucracy.propose(adopted[q], GRID,
                                                float(ens.ideal[act[ai], k, c[q]]),
                                                float(sq[q]))
    return out
