"""The coalition network: a fixed layout per scenario, one colour per coalition for the
whole run, membership outlines, and labels that never overlap.

* Layout: the first two principal components of the actors' ideal points under the
  scenario's own settings (not the run's seed, protocol or sliders), spread apart so no two
  nodes sit on each other. Cached per scenario: two runs of one scenario, before and after
  a change, draw every actor in the same place.
* Colours: a coalition (named after its most capable member) gets the next colour of
  :data:`PALETTE` the first round it appears and keeps it for the rest of the run; every
  view (network, membership heat map, coalition table) reads :func:`colours`.
* Outlines: a rounded hull around each coalition's members (membership, not alignment).
* Labels: Vega's ``label`` transform places each actor code next to its node where it
  overlaps no other label or node, and hides it otherwise (the tooltip still names it), at
  whatever width the chart is drawn.
"""

from __future__ import annotations

import functools
import weakref
from typing import TYPE_CHECKING

import numpy as np

from model.inputs.data import load_actors, load_issues
from model.inputs.scenario import load_scenario
from model.world import build_world

if TYPE_CHECKING:
    from model.model import EuNatoModel

ALONE = "(alone)"
ALONE_COLOUR = "#c9c9c9"
#: Tableau 20 without its greys (grey means "alone"), strong shades first
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
           "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5"]
SHAPES = {"state": "circle", "us": "diamond", "bureaucracy": "square",
          "stakeholder": "triangle-up", "parliament": "triangle-down"}


def _spread(xy: np.ndarray, min_dist: float = 0.06, iters: int = 300) -> np.ndarray:
    """Push nodes apart (on the unit square) until no two are closer than ``min_dist``;
    deterministic, so the same ideals always give the same picture."""
    xy = xy.copy()
    n = len(xy)
    ring = np.c_[np.cos(np.arange(n)), np.sin(np.arange(n))] * 1e-3  # split exact ties
    xy += ring
    for _ in range(iters):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((d ** 2).sum(axis=2)) + np.eye(n)
        push = np.clip(min_dist - dist, 0, None) / dist
        np.fill_diagonal(push, 0)
        if not push.any():
            break
        xy += 0.5 * (d * push[:, :, None]).sum(axis=1)
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


def coalition_labels(model: EuNatoModel, partition: np.ndarray | None = None,
                     pillar: int | None = None) -> list[str]:
    """Each actor's coalition name in one pillar (after its most capable member),
    ``(alone)`` for singletons; ``partition`` is one recorded (pillars, n) partition."""
    k = pillar_index(model, pillar)
    part = (model.coalition if partition is None else partition)[k]
    ids = model.state.actor_ids
    sizes = np.bincount(part, minlength=len(ids))
    return [f"{ids[c]}+" if sizes[c] > 1 else ALONE for c in part]


_colours: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def colours(model: EuNatoModel) -> dict[str, str]:
    """Coalition name -> colour, assigned in order of first appearance in this run, pillar
    by pillar (so a coalition keeps its colour from the round it forms to the end of the
    run, in every pillar and every view)."""
    seen, table = _colours.get(model, (0, {ALONE: ALONE_COLOUR}))
    for part in model.partitions[seen:]:
        for k in range(len(part)):
            for name in coalition_labels(model, part, k):
                if name not in table:
                    table[name] = PALETTE[(len(table) - 1) % len(PALETTE)]
    _colours[model] = (len(model.partitions), table)
    return table


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
    """Rows (coalition, colour, order, x, y) tracing a rounded hull around each coalition
    of two or more members in one pillar. Coalitions change in few rounds: the hulls are
    kept per model and pillar until the pillar's partition changes."""
    k = pillar_index(model, pillar)
    key = (k, model.coalition[k].tobytes(), pad)
    memo = _outline_memo.setdefault(model, {})
    if key not in memo:
        memo.clear()  # one entry per pillar shown is enough; the old partition is gone
        memo[key] = _outlines(model, k, pad)
    return [dict(r) for r in memo[key]]


def _outlines(model: EuNatoModel, pillar: int, pad: float) -> list[dict]:
    xy, table = layout(model), colours(model)
    names = coalition_labels(model, pillar=pillar)
    circle = pad * np.c_[np.cos(np.linspace(0, 2 * np.pi, 12, endpoint=False)),
                         np.sin(np.linspace(0, 2 * np.pi, 12, endpoint=False))]
    rows = []
    for name in dict.fromkeys(names):
        if name == ALONE:
            continue
        members = xy[[k for k, c in enumerate(names) if c == name]]
        ring = _hull((members[:, None, :] + circle[None, :, :]).reshape(-1, 2))
        rows += [{"coalition": name, "colour": table[name], "order": i,
                  "x": float(x), "y": float(y)} for i, (x, y) in enumerate(ring)]
    return rows


def nodes(model: EuNatoModel, pillar: int | None = None) -> list[dict]:
    """One row per actor for the network: position, colour, size, shape and tooltip."""
    st, xy, table = model.state, layout(model), colours(model)
    names = coalition_labels(model, pillar=pillar)
    cap = st.capability / max(float(st.capability.max()), 1e-12)
    return [{"actor": a.id, "name": a.name, "type": a.type, "bloc": a.bloc.replace("_", " "),
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
             "from": {"facet": {"name": "ring", "data": "outlines", "groupby": "coalition"}},
             "marks": [{"type": "line", "from": {"data": "ring"}, "interactive": False,
                        "sort": {"field": "datum.order"},
                        "encode": {"update": {
                            "x": {"scale": "x", "field": "x"}, "y": {"scale": "y", "field": "y"},
                            "stroke": {"field": "colour"}, "strokeWidth": {"value": 2},
                            "strokeOpacity": {"value": 0.8}, "interpolate": {"value": "linear"},
                        }}}]},
            {"type": "symbol", "name": "points", "from": {"data": "nodes"},
             "encode": {"update": {
                 "x": {"scale": "x", "field": "x"}, "y": {"scale": "y", "field": "y"},
                 "size": {"field": "size"}, "shape": {"field": "shape"},
                 "fill": {"field": "colour"}, "stroke": {"value": "#333"},
                 "strokeWidth": {"value": 0.6},
                 "tooltip": {"signal": "{'actor': datum.name + ' (' + datum.actor + ')', "
                                       "'coalition': datum.coalition, 'bloc': datum.bloc, "
                                       "'type': datum.type, 'capability': datum.capability}"},
             }}},
            {"type": "text", "name": "labels", "from": {"data": "points"}, "interactive": False,
             "encode": {"update": {"text": {"field": "datum.actor"}, "fontSize": {"value": 10},
                                   "fill": {"value": "#222"}}},
             "transform": [{"type": "label",
                            "size": {"signal": "[max(width, 10), max(height, 10)]"},
                            "avoidMarks": ["points"], "offset": [1, 2, 3],
                            "anchor": ["top", "bottom", "right", "left", "top-right",
                                       "top-left", "bottom-right", "bottom-left"]}]},
        ],
    }
