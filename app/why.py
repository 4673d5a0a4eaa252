"""The Why panel: the engine's own explanation of one issue (``EuNatoModel.explain``), in
plain sentences with names, tables of blockers, pivotal actors and movers, and a small
chart of the two-role plane (status quo, proposal, outcome, each blocker's position).

Nothing here re-derives the explanation: the sentences are ``explain(...)["text"]`` with
ids replaced by names, and every number comes from the same dict.
"""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd
import solara

from app import charts, network
from app.charts import HOUSES, Chart, fit_title, v5
from app.components import Table
from app.export import figure_meta, figure_name
from app.vega import Vega

if TYPE_CHECKING:
    from model.model import EuNatoModel

#: the least distance between two blockers' crosses, in role points (a cross is about 3
#: points wide on the 260 px chart)
BLOCKER_GAP = 3.5


def named(model: EuNatoModel, text: str) -> str:
    """Explanation text with actor and issue ids replaced by names."""
    names = charts.actor_names(model)
    ids = sorted(names, key=len, reverse=True)
    text = charts.readable(model, text)
    return re.sub(r"\b(" + "|".join(map(re.escape, ids)) + r")\b",
                  lambda mt: names[mt.group(1)], text)


def explanation(model: EuNatoModel, issue: str) -> dict[str, Any]:
    return model.explain(issue)[issue]


def blockers_frame(model: EuNatoModel, ex: dict[str, Any]) -> pd.DataFrame:
    names = charts.actor_names(model)
    rows = [{"actor": names.get(v["actor"], v["actor"]),
             "house": HOUSES.get(v["house"], v["house"]), "why": v["why"],
             "EU role": v["position"]["eu_role"], "NATO role": v["position"]["nato_role"],
             "distance to proposal": v["distance_to_proposal"],
             "distance to status quo": v["distance_to_status_quo"]} for v in ex["vetoes"]]
    return pd.DataFrame(rows, columns=["actor", "house", "why", "EU role", "NATO role",
                                       "distance to proposal", "distance to status quo"])


def movers_frame(model: EuNatoModel, ex: dict[str, Any]) -> pd.DataFrame:
    names = charts.actor_names(model)
    rows = [{"actor": names.get(mv["actor"], mv["actor"]),
             "EU role moved": mv["moved"]["eu_role"], "NATO role moved": mv["moved"]["nato_role"],
             "moved by (points)": ", ".join(f"{k} {v:.0f}" for k, v in
                                            sorted(mv["by"].items(), key=lambda kv: -kv[1]))}
            for mv in ex["movers"]]
    return pd.DataFrame(rows, columns=["actor", "EU role moved", "NATO role moved",
                                       "moved by (points)"])


@functools.cache
def _plane_template() -> dict:
    ax = alt.Scale(domain=[0, 100])
    base = alt.Chart(alt.NamedData("points")).encode(
        x=alt.X("x:Q", scale=ax, title="EU role"),
        y=alt.Y("y:Q", scale=ax, title="NATO role"),
        tooltip=["what:N", "who:N", alt.Tooltip("eu_role:Q", format=".0f"),
                 alt.Tooltip("nato_role:Q", format=".0f")])
    kinds = {"status quo": ("square", "#777777"), "proposal": ("diamond", "black"),
             "outcome": ("circle", "#009E73"), "blocker": ("cross", "#D55E00"),
             "actor": ("circle", "#bbbbbb")}  # Okabe–Ito, each kind its own shape too
    pts = base.mark_point(filled=True, opacity=0.9).encode(
        shape=alt.Shape("what:N", scale=alt.Scale(domain=list(kinds), range=[
            v[0] for v in kinds.values()]), legend=alt.Legend(orient="bottom", columns=3)),
        color=alt.Color("what:N", scale=alt.Scale(domain=list(kinds), range=[
            v[1] for v in kinds.values()]), legend=alt.Legend(orient="bottom", columns=3)),
        size=alt.Size("size:Q", legend=None, scale=None))
    lead = alt.Chart(alt.NamedData("lead")).mark_rule(strokeDash=[4, 4], color="#4c9a2a")
    return v5(alt.layer(lead.encode(x="x:Q"), lead.encode(y="y:Q"), pts).properties(
        width="container", height=260,
        title=fit_title("The two roles: status quo, proposal, outcome and blockers")))


def plane_chart(model: EuNatoModel, issue: str, ex: dict[str, Any]) -> Chart:
    """Every actor's position on the issue's two roles (grey), every blocker (a cross
    each: blockers closer than :data:`BLOCKER_GAP` are pushed apart so that no cross hides
    another, the tooltip gives the exact roles), the status quo, the last proposal, and
    the outcome once the issue is no longer open (an open issue has none); dashed lines at
    the lead threshold."""
    from model.results.summary import LEAD

    j, m = model.world.issue_ids.index(issue), model.m
    pos = model.state.position
    names = charts.actor_names(model)
    vetoers = list(dict.fromkeys(v["actor"] for v in ex["vetoes"]))
    rows = [{"what": "actor", "who": names[a], "eu_role": float(pos[k, j]),
             "nato_role": float(pos[k, m + j]), "x": float(pos[k, j]),
             "y": float(pos[k, m + j]), "size": 25}
            for k, a in enumerate(model.state.actor_ids) if a not in vetoers]
    if vetoers:
        ks = [model.state.actor_ids.index(a) for a in vetoers]
        true = np.c_[pos[ks, j], pos[ks, m + j]].astype(float)
        drawn = true
        for _ in range(8):  # apart, and inside the chart's 0–100 square
            drawn = np.clip(network.push_apart(drawn, BLOCKER_GAP), 0.5, 99.5)
        rows += [{"what": "blocker", "who": names[a], "eu_role": float(t[0]),
                  "nato_role": float(t[1]), "x": float(d[0]), "y": float(d[1]), "size": 90}
                 for a, t, d in zip(vetoers, true, drawn, strict=True)]
    shown = [("status quo", "status_quo", 160), ("proposal", "proposal", 160)]
    if ex["status"] != "open":
        shown.append(("outcome", "outcome", 200))
    for what, key, size in shown:
        if ex.get(key):
            x, y = ex[key]["eu_role"], ex[key]["nato_role"]
            rows.append({"what": what, "who": what, "eu_role": x, "nato_role": y, "x": x,
                         "y": y, "size": size})
    return _plane_template(), {"points": rows, "lead": [{"x": LEAD, "y": LEAD}]}


@solara.component
def WhyPanel(model: EuNatoModel, tick: int) -> None:
    """For the chosen issue: the engine's explanation, the blockers with their positions
    against the proposal and the status quo, pivotal actors, who moved and why."""
    ids, names = model.world.issue_ids, charts.issue_names(model)
    issue, set_issue = solara.use_state(ids[0])
    issue = issue if issue in ids else ids[0]
    ex = solara.use_memo(lambda: explanation(model, issue), [id(model), tick, issue])
    anames = charts.actor_names(model)
    with solara.Column(classes=["eunato-why", "eunato-card"]):
        solara.Select("Issue", values=[names[i] for i in ids], value=names[issue],
                      on_value=lambda n: set_issue(next(i for i in ids if names[i] == n)))
        solara.HTML(tag="p", classes=["eunato-why-text"],
                    unsafe_innerHTML=html.escape(named(model, ex["text"])))
        facts = [f"Status: {ex['status']}", f"Venue: {ex['venue']}",
                 f"Legal basis: {ex['legal_basis']}"]
        if ex.get("route"):
            facts.append(f"Route: {charts.route_words(ex['route'])}")
        if ex.get("pieces"):
            facts.append("Pieces: " + "; ".join(
                f"{charts.PIECE.get(p, p)} {state}" for p, state in ex["pieces"].items()))
        solara.HTML(tag="ul", classes=["eunato-why-facts"], unsafe_innerHTML="".join(
            f"<li>{html.escape(f)}</li>" for f in facts))
        spec, data = plane_chart(model, issue, ex)
        Vega(spec, data, figure_name(model) + f"-why-{issue}",
             meta=figure_meta(model))
        n = len({v["actor"] for v in ex["vetoes"]})
        solara.Text((f"{n} blocker{'s' * (n != 1)}, a cross each (blockers at one position "
                     "are drawn a little apart). " if n else "No blockers. ")
                    + ("Still open: no outcome yet, the proposal is the latest on the table."
                       if ex["status"] == "open" else ""), classes=["eunato-caption",
                                                                    "eunato-why-caption"])
    with solara.Column(classes=["eunato-why-details", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Blockers")
        Table(blockers_frame(model, ex), ["eunato-blockers"], empty="Nobody vetoes it.")
        solara.HTML(tag="h3", unsafe_innerHTML="Pivotal actors")
        piv = [anames.get(a, a) for a in ex["pivotal"]]
        solara.Text(", ".join(piv) if piv else "None: no single actor's absence or one-step "
                    "move changes whether the last proposal passes.",
                    classes=["eunato-pivotal"])
        solara.HTML(tag="h3", unsafe_innerHTML="Who moved, and why")
        Table(movers_frame(model, ex), ["eunato-movers"], empty="Nobody has moved yet.")
