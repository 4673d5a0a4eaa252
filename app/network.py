"""The coalition network: a fixed layout per scenario, one colour per coalition for the
whole run, membership outlines, and labels that never overlap.

* Layout: the first two principal components of the actors' ideal points under the
  scenario's own settings (not the run's seed, protocol or sliders), spread apart so no two
  nodes sit on each other. Cached per scenario: two runs of one scenario, before and after
  a change, draw every actor in the same place.
* Identity: a coalition is a group of members followed over time (each round's groups
  matched to the previous round's by Jaccard overlap), named by a letter and described by
  its blocs, not by its leader (whose name changed while 19 of 21 members stayed).
* Colours: a coalition gets its colour (Okabe–Ito, colour-blind safe) and dash pattern the
  first round it appears and keeps both for the run; every view reads :func:`colours`.
* Outlines: a ring in the coalition's colour and dash around each member (membership
  only; a hull around the members also took in non-members).
* Labels: Vega's ``label`` transform places each actor code next to its node where it
  overlaps no other label or node, and hides it otherwise (the tooltip still names it), at
  whatever width the chart is drawn.
"""

from __future__ import annotations

import functools
import weakref
from typing import TYPE_CHECKING

import numpy as np

from app.names import BLOC_NAMES, TYPE_NAMES
from model.inputs.data import load_actors, load_issues
from model.inputs.scenario import load_scenario
from model.world import build_world

if TYPE_CHECKING:
    from model.model import EuNatoModel

ALONE = "(alone)"
ALONE_COLOUR = "#d9d9d9"
#: Okabe & Ito's colour-blind-safe palette (without black, kept for text and outlines);
#: each coalition also gets a dash pattern (:data:`DASHES`), so no view tells two
#: coalitions apart by colour alone
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
#: two groups of consecutive rounds are one coalition when their Jaccard overlap is at
#: least this (greedy, best overlap first): a 21-member coalition that loses its leader
#: and keeps 19 members is the same coalition
SAME_GROUP = 0.5
SHAPES = {"state": "circle", "us": "diamond", "bureaucracy": "square",
          "stakeholder": "triangle-up", "parliament": "triangle-down"}


def push_apart(xy: np.ndarray, min_dist: float, iters: int = 300) -> np.ndarray:
    """Points pushed apart until no two are closer than ``min_dist``; deterministic, so
    the same input always gives the same picture."""
    xy = np.array(xy, dtype=float)
    n = len(xy)
    ring = np.c_[np.cos(np.arange(n)), np.sin(np.arange(n))] * 1e-3 * min_dist / 0.06
    xy += ring  # split exact ties
    for _ in range(iters):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((d ** 2).sum(axis=2)) + np.eye(n)
        push = np.clip(min_dist - dist, 0, None) / dist
        np.fill_diagonal(push, 0)
        if not push.any():
            break
        xy += 0.5 * (d * push[:, :, None]).sum(axis=1)
    return xy


def _spread(xy: np.ndarray, min_dist: float = 0.06, iters: int = 300) -> np.ndarray:
    """Push nodes apart (on the unit square) until no two are closer than ``min_dist``."""
    xy = push_apart(xy, min_dist, iters)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return (xy - lo) / np.maximum(hi - lo, 1e-12)


def layout_from_ideals(ideal: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates in [0, 1]² from (n, m) ideal points."""
    x = ideal - ideal.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    # fix the SVD's sign freedom: the largest loading of each axis is positive
    sign = np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(axis=1)])
    xy = u[:, :2] * s[:2] * sign
    if xy.shape[1] < 2:
        xy = np.c_[xy, np.zeros(len(xy))]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return _spread((xy - lo) / np.maximum(hi - lo, 1e-12))


@functools.cache
def scenario_layout(scenario: str) -> np.ndarray:
    """The layout of a scenario: its actors' ideals under the scenario's own settings."""
    world = build_world(load_actors(), load_issues(), load_scenario(scenario))
    return layout_from_ideals(world.preferences()[0])


_own_layout: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layout(model: EuNatoModel) -> np.ndarray:
    """(n, 2) node coordinates: the scenario's layout when the model is a scenario's
    actors, else (synthetic worlds, tests) one fixed for the life of the model."""
    try:
        xy = scenario_layout(model.spec.source or model.spec.name)
        if len(xy) == model.state.n:
            return xy
    except (OSError, ValueError):
        pass
    if model not in _own_layout:
        _own_layout[model] = layout_from_ideals(model.state.ideal)
    return _own_layout[model]


def pillar_index(model: EuNatoModel, pillar: int | None = None) -> int:
    """The pillar shown (coalitions form per pillar); the engine's default if none."""
    return model.shown_pillar if pillar is None else int(pillar)


def letter(k: int) -> str:
    """A, B, …, Z, AA, AB, … (the coalition's name in the run)."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


class _Tracker:
    """Coalition identities of one run, round by round and pillar by pillar: each round's
    groups (two or more members) are matched to the previous round's by membership
    overlap (:data:`SAME_GROUP`); a group that matches none is a new coalition."""

    def __init__(self) -> None:
        self.seen = 0  # partitions read so far
        self.count = 0  # identities handed out (pillars share the count: one colour each)
        self.prev: dict[int, dict[int, frozenset]] = {}  # pillar -> identity -> members
        self.rounds: list[list[np.ndarray]] = []  # per round, per pillar: identity or -1

    def update(self, partitions: list[np.ndarray]) -> None:
        for part in partitions[self.seen:]:
            self.rounds.append([self._match(k, row) for k, row in enumerate(part)])
        self.seen = len(partitions)

    def _match(self, k: int, row: np.ndarray) -> np.ndarray:
        groups = [frozenset(np.flatnonzero(row == c).tolist()) for c in np.unique(row)]
        groups = [g for g in groups if len(g) > 1]
        before = self.prev.get(k, {})
        pairs = sorted(((len(g & h) / len(g | h), gi, ident)
                        for gi, g in enumerate(groups) for ident, h in before.items()),
                       key=lambda t: (-t[0], t[1], t[2]))
        given: dict[int, int] = {}
        for overlap, gi, ident in pairs:
            if overlap >= SAME_GROUP and gi not in given and ident not in given.values():
                given[gi] = ident
        out = np.full(len(row), -1)
        now = {}
        for gi, g in enumerate(groups):
            if gi not in given:
                given[gi], self.count = self.count, self.count + 1
            out[list(g)] = given[gi]
            now[given[gi]] = g
        self.prev[k] = now
        return out


_trackers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def identities(model: EuNatoModel) -> list[list[np.ndarray]]:
    """Per recorded round, per pillar: each actor's coalition identity (-1: alone)."""
    t = _trackers.get(model)
    if t is None or t.seen > len(model.partitions):
        t = _trackers[model] = _Tracker()
    t.update(model.partitions)
    return t.rounds


def coalition_labels(model: EuNatoModel, pillar: int | None = None,
                     round: int | None = None) -> list[str]:
    """Each actor's coalition in one pillar at ``round`` (default: now): the coalition's
    letter, kept while its membership carries on (not its leader's name), ``(alone)`` for
    singletons."""
    k = pillar_index(model, pillar)
    rounds = identities(model)
    ident = rounds[len(rounds) - 1 if round is None else round][k]
    return [letter(int(i)) if i >= 0 else ALONE for i in ident]


def colours(model: EuNatoModel) -> dict[str, str]:
    """Coalition letter -> colour: a coalition keeps its colour for the whole run, in
    every pillar and every view."""
    identities(model)
    n = _trackers[model].count
    return {ALONE: ALONE_COLOUR} | {letter(i): PALETTE[i % len(PALETTE)] for i in range(n)}


def dashes(name: str) -> list[int]:
    """The coalition's dash pattern, the second cue beside its colour (two coalitions
    with consecutive letters differ in both)."""
    if name == ALONE:
        return [1, 0]
    k = 0
    for ch in name:
        k = 26 * k + ord(ch) - 64
    return DASHES[(k - 1) % len(DASHES)]


def describe(model: EuNatoModel, pillar: int | None = None, round: int | None = None
             ) -> dict[str, str]:
    """Coalition letter -> what the group is, in words: its blocs (the US named when it is
    in) and size, e.g. "US, eastern flank, non-EU allies (21)"."""

    names = coalition_labels(model, pillar=pillar, round=round)
    blocs = [a.bloc for a in model.world.actors]
    out = {}
    for name in dict.fromkeys(names):
        if name == ALONE:
            continue
        mine = [b for b, c in zip(blocs, names, strict=True) if c == name]
        counts = sorted(((mine.count(b), b) for b in set(mine)), key=lambda t: (-t[0], t[1]))
        keep = [b for c, b in counts if b == "us" or c >= 0.2 * len(mine)] or [counts[0][1]]
        words = ["US" if b == "us" else BLOC_NAMES.get(b, b) for b in keep]
        if len(keep) < len(counts):
            words.append("others")
        out[name] = f"{', '.join(words)} ({len(mine)})"
    return out


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (Andrew's monotone chain), counter-clockwise, first point repeated."""
    pts = sorted(map(tuple, np.round(points, 6)))
    if len(pts) < 3:
        return np.array(pts + pts[:1])

    def half(seq):
        out: list = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    ring = lower[:-1] + upper[:-1]
    return np.array(ring + ring[:1])


_outline_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def outlines(model: EuNatoModel, pillar: int | None = None, pad: float = 0.035) -> list[dict]:
    """Rows (coalition, ring, colour, dash, order, x, y) tracing a ring around each member
    of a coalition of two or more in one pillar. Coalitions change in few rounds: the rings
    are kept per model and pillar until the pillar's partition changes."""
    k = pillar_index(model, pillar)
    key = (k, model.coalition[k].tobytes(), pad)
    memo = _outline_memo.setdefault(model, {})
    if key not in memo:
        memo.clear()  # one entry per pillar shown is enough; the old partition is gone
        memo[key] = _outlines(model, k, pad)
    return [dict(r) for r in memo[key]]


def _outlines(model: EuNatoModel, pillar: int, pad: float) -> list[dict]:
    """A ring around each member, in its coalition's colour and dash: membership only (a
    hull around the members took in the non-members that sat between them)."""
    xy, table = layout(model), colours(model)
    names = coalition_labels(model, pillar=pillar)
    t = np.linspace(0, 2 * np.pi, 17)
    circle = pad * np.c_[np.cos(t), np.sin(t)]
    rows = []
    for k, name in enumerate(names):
        if name == ALONE:
            continue
        ring = xy[k] + circle
        rows += [{"coalition": name, "ring": f"{name}:{k}", "colour": table[name],
                  "dash": dashes(name), "order": i, "x": float(x), "y": float(y)}
                 for i, (x, y) in enumerate(ring)]
    return rows


def nodes(model: EuNatoModel, pillar: int | None = None) -> list[dict]:
    """One row per actor for the network: position, colour, size, shape and tooltip."""
    st, xy, table = model.state, layout(model), colours(model)
    names = coalition_labels(model, pillar=pillar)
    cap = st.capability / max(float(st.capability.max()), 1e-12)

    return [{"actor": a.id, "name": a.name, "type": TYPE_NAMES.get(a.type, a.type),
             "bloc": BLOC_NAMES.get(a.bloc, a.bloc),
             "coalition": names[k], "colour": table[names[k]], "shape": SHAPES.get(a.type,
                                                                                   "circle"),
             "size": float(40 + 500 * cap[k]), "capability": round(float(st.capability[k]), 3),
             "x": float(xy[k, 0]), "y": float(xy[k, 1])}
            for k, a in enumerate(model.world.actors)]


@functools.cache
def network_spec() -> dict:
    """The network as a Vega 5 spec (datasets ``nodes`` and ``outlines`` are fed per draw).
    Vega, not Vega-Lite, because Vega-Lite 5 has no collision-free label placement."""
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "description": "Coalition network: colour = coalition, outline = members, "
                       "size = capability, shape = actor type",
        "autosize": {"type": "fit", "contains": "padding"},
        "padding": 4,
        "signals": [
            {"name": "width", "init": "isFinite(containerSize()[0]) ? containerSize()[0] : 480",
             "on": [{"events": "window:resize", "update": "isFinite(containerSize()[0]) ? "
                                                          "containerSize()[0] : 480"}]},
            {"name": "height", "update": "max(220, min(420, width * 0.68))"},
        ],
        "data": [{"name": "nodes", "values": []}, {"name": "outlines", "values": []}],
        "scales": [
            {"name": "x", "type": "linear", "domain": [-0.05, 1.05], "range": "width",
             "zero": False},
            {"name": "y", "type": "linear", "domain": [-0.05, 1.05], "range": "height",
             "zero": False},
        ],
        "marks": [
            {"type": "group", "name": "hulls",
             "from": {"facet": {"name": "ring", "data": "outlines", "groupby": "ring"}},
             "aria": False,
             "marks": [{"type": "line", "from": {"data": "ring"}, "interactive": False,
                        "aria": False,
                        "sort": {"field": "datum.order"},
                        "encode": {"update": {
                            "x": {"scale": "x", "field": "x"}, "y": {"scale": "y", "field": "y"},
                            "stroke": {"field": "colour"}, "strokeWidth": {"value": 2.2},
                            "strokeDash": {"field": "dash"},
                            "strokeOpacity": {"value": 0.8}, "interpolate": {"value": "linear"},
                        }}}]},
            {"type": "symbol", "name": "points", "from": {"data": "nodes"},
             "aria": True, "description": "actors",
             "encode": {"update": {
                 "description": {"signal": "datum.name + ', coalition ' + datum.coalition"},
                 "x": {"scale": "x", "field": "x"}, "y": {"scale": "y", "field": "y"},
                 "size": {"field": "size"}, "shape": {"field": "shape"},
                 "fill": {"field": "colour"}, "stroke": {"value": "#333"},
                 "strokeWidth": {"value": 0.6},
                 "tooltip": {"signal": "{'actor': datum.name + ' (' + datum.actor + ')', "
                                       "'coalition': datum.coalition, 'bloc': datum.bloc, "
                                       "'type': datum.type, 'capability': datum.capability}"},
             }}},
            {"type": "text", "name": "labels", "from": {"data": "points"}, "interactive": False,
             "aria": False,
             "encode": {"update": {"text": {"field": "datum.actor"}, "fontSize": {"value": 10},
                                   "fill": {"value": "#222"}}},
             "transform": [{"type": "label",
                            "size": {"signal": "[max(width, 10), max(height, 10)]"},
                            "avoidMarks": ["points"], "offset": [1, 2, 3],
                            "anchor": ["top", "bottom", "right", "left", "top-right",
                                       "top-left", "bottom-right", "bottom-left"]}]},
        ],
    }
