"""Pivotal actors of many issues, of one run or of many, in two array programs.

An actor is pivotal on issue j when its absence (a no that abstains) or its one-step move
(a yes that turns no) changes whether the last proposal passes, voted against the status
quo the proposal faced (docs/model.md §7). Every piece of every case is one column of a
first vote (who says yes and no), and every (piece, voter) variant one column of a second;
each column is voted exactly as ``institutions.piece_vote`` votes it alone (the tallies of
``venues.vote_columns`` do not depend on the other columns), so a case's answer is the one
it gets alone, whatever else is tested beside it (tests/test_ensemble.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from model.institutions.houses import _stances
from model.institutions.parliament import load_groups, model_ballot, stack, take, vote_month
from model.institutions.venues import distances, house_codes, houses_for, vote_columns

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel


def pivotal_many(cases: list[tuple[EuNatoModel, int, list[str]]]) -> list[list[str]]:
    """For each ``(model, j, pieces)`` (the pieces of issue j's last proposal), the sorted
    ids of its pivotal actors. Cases of models whose houses differ are voted apart."""
    out: list[list[str]] = [[] for _ in cases]
    groups: dict[tuple, list[int]] = {}
    for k, (mdl, _, _) in enumerate(cases):
        el = mdl.electorate
        key = (el.eu.tobytes(), el.nato.tobytes(), el.parliament.tobytes(),
               el.population.tobytes(), mdl.abstain_salience)
        groups.setdefault(key, []).append(k)
    for idx in groups.values():
        for k, found in zip(idx, _group([cases[k] for k in idx]), strict=True):
            out[k] = found
    return out


def _group(cases: list[tuple[EuNatoModel, int, list[str]]]) -> list[list[str]]:
    cols = [(c, mdl, j, piece) for c, (mdl, j, pieces) in enumerate(cases) for piece in pieces]
    if not cols:
        return [[] for _ in cases]
    first = cases[0][0]
    n = len(first.world.actors)
    g = len(cols)
    one, two, sal = np.empty((n, g)), np.empty((n, g)), np.empty((n, g))
    prop, sq = np.empty((2, g)), np.empty((2, g))
    block, aside = np.empty((n, g), bool), np.empty((n, g), bool)
    vblock, vaside = np.empty((n, g), bool), np.empty((n, g), bool)
    coal, cap, blk = np.empty((n, g), int), np.empty((n, g)), np.empty((n, g), bool)
    codes = np.empty((g, 4), int)
    formal = np.empty(g, bool)
    ballots = []
    for q, (_, mdl, j, piece) in enumerate(cols):
        m, w = mdl.m, mdl.world
        c = [j, m + j] if piece == "joint" else [j if piece == "eu" else m + j] * 2
        one[:, q], two[:, q] = mdl.stand[:, c].T
        # votes against the status quo the proposal faced
        prop[:, q], sq[:, q] = mdl.proposal[c], mdl.status_quo0[c]
        houses = houses_for(w.eu_venue[j], w.nato_venue[j], piece)
        codes[q] = (*house_codes(houses), piece == "joint")
        block[:, q], aside[:, q] = _stances(mdl, j, houses)
        vblock[:, q], vaside[:, q] = w.block[:, j], w.step_aside[:, j]
        sal[:, q] = mdl.salience[:, j]
        coal[:, q] = mdl.coalition[mdl.pillar_of[j]]
        cap[:, q], blk[:, q] = mdl.electorate.capability, mdl.electorate.blockers
        formal[q] = w.formal[j]
        ballots.append(model_ballot(mdl, np.array([j]), prop[:1, q], sq[:1, q],
                                    month=vote_month(mdl, j)) if piece == "eu" else None)
    groups = load_groups()
    ep = stack(ballots, len(groups.names)) if groups else None
    council, parl, nato, joint = codes[:, 0], codes[:, 1] > 0, codes[:, 2] > 0, codes[:, 3] > 0
    d_prop, d_sq = distances(one, two, prop, sq, joint)
    el = first.electorate
    # who says yes and no to each piece as it stands
    _, yes, no, _, _ = vote_columns(
        replace(el, capability=cap, blockers=blk),
        council, parl, nato, d_prop, d_sq, sal, block, aside,
        abstain_salience=first.abstain_salience, coalition=coal, joint=joint & formal, ep=ep)
    # then every voter's variant: column 0 as it stands (the actors' own stances), column
    # 1 + k with voter k's yes turned no or its no turned to abstention
    v = n + 1
    rep = np.repeat(np.arange(g), v)
    vb = np.repeat(vblock, v, axis=1).reshape(n, g, v)
    va = np.repeat(vaside, v, axis=1).reshape(n, g, v)
    k = np.arange(n)
    vb[k, :, 1 + k] |= yes  # a yes turns into a no
    va[k, :, 1 + k] |= no  # a no stays away
    vb[k, :, 1 + k] &= ~no
    adopted, *_ = vote_columns(
        replace(el, capability=cap[:, rep], blockers=blk[:, rep]),
        council[rep], parl[rep], nato[rep], d_prop[:, rep], d_sq[:, rep], sal[:, rep],
        vb.reshape(n, g * v), va.reshape(n, g * v),
        abstain_salience=first.abstain_salience, coalition=coal[:, rep],
        joint=(joint & formal)[rep], ep=take(ep, rep))
    adopted = adopted.reshape(g, v)
    flips = (adopted[:, 1:] != adopted[:, :1]) & (yes | no).T  # (g, n)
    found: list[set[str]] = [set() for _ in cases]
    for q, (c, mdl, _, _) in enumerate(cols):
        ids = mdl.state.actor_ids
        found[c] |= {ids[i] for i in np.flatnonzero(flips[q])}
    return [sorted(f) for f in found]
