"""The app's time charts: positions on one issue's role by bloc, and coalition membership,
both with the scenario's events and the app's shocks marked (purple rules)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from app import network
from app.charts import ROUND_AXIS, Chart, event_rows, fit_title, records, v5
from app.names import BLOC_NAMES

if TYPE_CHECKING:
    from model.model import EuNatoModel

Y_TITLE = {"eu": "EU role (0 none … 100 all)", "nato": "NATO role (0 none … 100 all)"}


def _rounds_x(max_rounds: int) -> alt.X:
    # a fixed domain: the axis does not rescale every round, and no layer's (possibly
    # empty) data decides it
    return alt.X("round:Q", axis=ROUND_AXIS, scale=alt.Scale(domain=[0, max_rounds]))


def _markers(x: alt.X) -> alt.Chart:
    return alt.Chart(alt.NamedData("events")).mark_rule(
        color="#7a3db8", strokeDash=[3, 3], strokeWidth=1.5, aria=False).encode(
        x=x, tooltip=[alt.Tooltip("round:Q", format="d"), "event:N"])


#: bloc colours of the time charts (Okabe–Ito; grey stays the status quo's)
BLOC_COLOURS = {"EU core": "#0072B2", "eastern flank": "#009E73", "United States": "#D55E00",
                "non-EU allies": "#CC79A7", "bureaucracies": "#E69F00", "Ukraine": "#56B4E9",
                "EU institutions": "#000000", "European Parliament": "#000000"}
BLOC_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 2], [10, 2]]
STATUS_QUO = "#777777"


@functools.cache
def _positions_template(title: str, max_rounds: int, role: str) -> dict:
    ys = alt.Scale(domain=[0, 100])
    x = _rounds_x(max_rounds)
    # Okabe–Ito, one fixed colour per bloc (none is the status quo's grey), and a dash
    # pattern per bloc as the second cue
    colour = alt.Color("bloc:N", title="bloc: line = weighted mean, band = range",
                       scale=alt.Scale(domain=list(BLOC_COLOURS),
                                       range=list(BLOC_COLOURS.values())),
                       legend=alt.Legend(orient="bottom", columns=3,
                                         titleLimit=alt.ExprRef("width"), symbolOpacity=1,
                                         symbolType="stroke"))
    # the same title and field as the colour: one legend showing colour and dash
    dash = alt.StrokeDash("bloc:N", title="bloc: line = weighted mean, band = range",
                          scale=alt.Scale(domain=list(BLOC_COLOURS), range=BLOC_DASHES))
    means = alt.Chart(alt.NamedData("blocs")).mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("position:Q", scale=ys, title=Y_TITLE[role]), color=colour,
        strokeDash=dash,
        tooltip=["bloc:N", alt.Tooltip("round:Q", format="d"),
                 alt.Tooltip("position:Q", format=".1f", title="mean"),
                 alt.Tooltip("lo:Q", format=".1f", title="lowest member"),
                 alt.Tooltip("hi:Q", format=".1f", title="highest member")])
    spread = alt.Chart(alt.NamedData("blocs")).mark_area(opacity=0.12).encode(
        x=x, y=alt.Y("lo:Q", scale=ys), y2="hi:Q", color=colour)
    fc = alt.Chart(alt.NamedData("forecast")).mark_line(color="black", strokeWidth=3).encode(
        x=x, y="forecast:Q", tooltip=[alt.Tooltip("round:Q", format="d"),
                                      alt.Tooltip("forecast:Q", format=".1f")])
    sq = alt.Chart(alt.NamedData("status_quo")).mark_rule(
        color=STATUS_QUO, strokeDash=[6, 3], strokeWidth=2).encode(y="sq:Q")
    return v5(alt.layer(means, spread, fc, sq, _markers(x)).properties(
        width="container", height=240, title=fit_title(title)))


def position_history(model: EuNatoModel, col: int) -> np.ndarray:
    """(rounds+1, n) positions in one state column: the app's own per-round record when
    the app stepped the model, else (a model stepped elsewhere) the DataCollector's."""
    hist = getattr(model, "app_history", None)
    if hist is not None and len(hist) == model.steps + 1:
        return np.array([h[:, col] for h in hist])
    m = model.m
    role, j = ("eu", col) if col < m else ("nato", col - m)
    adf = model.datacollector.get_agent_vars_dataframe()[f"{role}_{model.world.issue_ids[j]}"]
    rows = {a.unique_id: a.row for a in model.agents}
    wide = adf.unstack("AgentID")
    out = np.empty((len(wide), model.state.n))
    out[:, [rows[u] for u in wide.columns]] = wide.to_numpy()
    return out


def positions_chart(model: EuNatoModel, issue: str, role: str = "eu") -> Chart:
    """One role of one issue over time: per bloc the capability-weighted mean (line) and
    the range of its members (band), the forecast (black), the status quo (dashed grey),
    scenario events and shocks (purple)."""
    j = model.world.issue_ids.index(issue)
    col = j if role == "eu" else model.m + j
    hist = position_history(model, col)
    blocs = np.array([a.bloc for a in model.world.actors])
    cap = model.state.capability
    rows = []
    for b in dict.fromkeys(blocs):
        members = blocs == b
        w = cap * members
        if w.sum() <= 0:
            continue
        mean = hist @ w / w.sum()
        lo, hi = hist[:, members].min(axis=1), hist[:, members].max(axis=1)
        name = BLOC_NAMES.get(b, b)
        rows += [{"round": r, "bloc": name, "position": round(float(mean[r]), 2),
                  "lo": round(float(lo[r]), 2), "hi": round(float(hi[r]), 2)}
                 for r in range(len(hist))]
    fc = model.datacollector.model_vars[f"forecast_{role}_{issue}"]
    who = "EU" if role == "eu" else "NATO"
    title = f"{model.world.issues[j].name}: {who} role over time"
    return _positions_template(title, model.max_rounds, role), {
        "blocs": rows, "forecast": [{"round": r, "forecast": float(f)} for r, f in enumerate(fc)],
        "status_quo": [{"sq": float(model.status_quo0[col])}], "events": event_rows(model)}


def membership_frame(model: EuNatoModel, pillar: int | None = None) -> pd.DataFrame:
    """Long table (round, actor, coalition, colour) of every recorded partition of a pillar."""
    ids, table = model.state.actor_ids, network.colours(model)
    rows, before = [], {}
    for r in range(len(model.partitions)):
        for a, c in zip(ids, network.coalition_labels(model, pillar, r), strict=True):
            # the letter where a spell in a coalition starts: the second cue beside colour
            mark = c if c != network.ALONE and before.get(a) != c else ""
            before[a] = c
            rows.append({"round": r, "next": r + 1, "actor": a, "coalition": c,
                         "colour": table[c], "mark": mark})
    return pd.DataFrame(rows)


@functools.cache
def _membership_template(order: tuple[str, ...], max_rounds: int) -> dict:
    x = alt.X("round:Q", axis=ROUND_AXIS, scale=alt.Scale(domain=[0, max_rounds + 1]))
    rect = alt.Chart(alt.NamedData("membership")).mark_rect().encode(
        x=x, x2="next:Q",
        y=alt.Y("actor:N", sort=list(order), title=None, axis=alt.Axis(labelFontSize=9)),
        color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("round:Q", format="d"), "actor:N", "coalition:N"])
    letters = alt.Chart(alt.NamedData("membership")).transform_filter(
        "datum.mark != ''").mark_text(fontSize=8, align="left", dx=1, baseline="middle",
                                      color="#000").encode(
        x="round:Q", y=alt.Y("actor:N", sort=list(order)), text="mark:N")
    return v5(alt.layer(rect, letters, _markers(x)).properties(
        width="container", height=12 * len(order),
        title=fit_title("Coalition membership: letter and colour as in the network")))


def membership_chart(model: EuNatoModel, pillar: int | None = None) -> Chart:
    """Heat map: who was in which coalition of a pillar each round (rows by bloc), with
    the network's colours and the event markers."""
    order = tuple(a.id for a in sorted(model.world.actors, key=lambda a: (a.bloc, a.id)))
    return _membership_template(order, model.max_rounds), {
        "membership": records(membership_frame(model, pillar)), "events": event_rows(model)}
