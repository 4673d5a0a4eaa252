"""Tables and Altair charts of a running model, with no Solara in them.

Each function reads the model's arrays (and its DataCollector for history) and returns a
pandas DataFrame or a Vega-Lite spec (a dict, built from a cached Altair template), so the
app's components stay thin and these can be tested, and reused in notebooks
(``alt.Chart.from_dict(spec)``), without a browser.
"""

from __future__ import annotations

import functools
import io
import json
import weakref
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
from model.rules import JOINT_BAND

from model import coalitions
from model.export import step_frames
from model.summary import label

if TYPE_CHECKING:
    from model.model import EuNatoModel

#: marker shape per actor type (the ring of the brief: shape stands for the actor's kind)
SHAPES = {"state": "circle", "us": "diamond", "bureaucracy": "square",
          "stakeholder": "triangle-up"}
ALONE = "(alone)"

_layouts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layout(model: EuNatoModel) -> np.ndarray:
    """(n, 2) node coordinates, fixed for the life of a model.

    The first two principal components of the actors' ideal positions when the model was
    built, so allies that want the same division of labour sit together and nobody jumps
    between steps. Deterministic and draws nothing from the model's generator."""
    if model not in _layouts:
        x = model.state.ideal - model.state.ideal.mean(axis=0)
        u, s, _ = np.linalg.svd(x, full_matrices=False)
        xy = u[:, :2] * s[:2]
        # spread exact ties (same ideal) on a small circle so every node can be seen
        _, inv, counts = np.unique(np.round(xy, 1), axis=0, return_inverse=True,
                                   return_counts=True)
        inv = inv.ravel()
        for g in np.flatnonzero(counts > 1):
            rows = np.flatnonzero(inv == g)
            ang = 2 * np.pi * np.arange(len(rows)) / len(rows)
            xy[rows] += 2.0 * np.c_[np.cos(ang), np.sin(ang)]
        _layouts[model] = xy
    return _layouts[model]


def coalition_labels(model: EuNatoModel, partition: np.ndarray | None = None) -> list[str]:
    """Each actor's coalition name (its most capable member), ``(alone)`` for singletons."""
    part = model.state.coalition if partition is None else partition
    ids = model.state.actor_ids
    sizes = np.bincount(part, minlength=len(ids))
    return [f"{ids[c]}+" if sizes[c] > 1 else ALONE for c in part]


def actors_frame(model: EuNatoModel) -> pd.DataFrame:
    """One row per actor: identity, kind, capability, coalition, and its current state."""
    st = model.state
    xy = layout(model)
    rows = []
    labels = coalition_labels(model)
    for k, a in enumerate(model.world.actors):
        rows.append({
            "actor": a.id, "name": a.name, "type": a.type, "bloc": a.bloc,
            "capability": float(st.capability[k]), "coalition": labels[k],
            "decoupling_fear": round(float(model.world.decoupling_fear[k]), 3),
            "competition": round(float(model.world.competition[k]), 3),
            "positions": ", ".join(f"{iid} {p:.0f}" for iid, p in
                                   zip(st.issue_ids, st.position[k], strict=True)),
            "saliences": ", ".join(f"{iid} {s:.2f}" for iid, s in
                                   zip(st.issue_ids, st.salience[k], strict=True)),
            "x": float(xy[k, 0]), "y": float(xy[k, 1]),
        })
    return pd.DataFrame(rows)


def alignment(model: EuNatoModel) -> np.ndarray:
    """(n, n) alignment in [0, 1]: 1 − salience-weighted mean distance of positions / 100."""
    st = model.state
    w = st.salience / np.maximum(st.salience.sum(axis=1, keepdims=True), 1e-12)
    d = np.abs(st.position[:, None, :] - st.position[None, :, :]) / 100.0
    ww = (w[:, None, :] + w[None, :, :]) / 2
    return 1.0 - (d * ww).sum(axis=2)


def edges_frame(model: EuNatoModel, per_node: int = 3) -> pd.DataFrame:
    """The strongest alignments: each actor's ``per_node`` closest partners."""
    al = alignment(model)
    np.fill_diagonal(al, -np.inf)
    xy = layout(model)
    ids = model.state.actor_ids
    seen, rows = set(), []
    for i in range(len(ids)):
        for j in np.argsort(-al[i])[:per_node]:
            key = (min(i, j), max(i, j))
            if key in seen:
                continue
            seen.add(key)
            rows.append({"a": ids[i], "b": ids[j], "alignment": float(al[i, j]),
                         "x": xy[i, 0], "y": xy[i, 1], "x2": xy[j, 0], "y2": xy[j, 1]})
    return pd.DataFrame(rows)


def _records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe rows (numpy ints and NaN become plain ints and null)."""
    return json.loads(df.to_json(orient="records"))


def _spec(template: dict, title: str | None = None, **data: pd.DataFrame) -> dict:
    """A copy of a cached Vega-Lite template with its named datasets filled in.

    Building an Altair chart validates every encoding against the Vega-Lite schema, which
    costs ~0.2 s per chart: far too slow to redraw on every Step. So each chart is built
    with Altair once (named, empty datasets) and each redraw only swaps the data."""
    spec = dict(template)
    spec["datasets"] = {name: _records(df) for name, df in data.items()}
    if title is not None:
        spec["title"] = title
    return spec


@functools.cache
def _network_template() -> dict:
    axis = alt.Axis(labels=False, ticks=False, title=None, grid=False, domain=False)
    e = alt.Chart(alt.NamedData("edges")).mark_rule(color="#999").encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), x2="x2:Q", y2="y2:Q",
        opacity=alt.Opacity("alignment:Q", scale=alt.Scale(domain=[0.6, 1]), legend=None),
        strokeWidth=alt.StrokeWidth("alignment:Q", scale=alt.Scale(domain=[0.6, 1],
                                                                  range=[0.3, 3]),
                                    legend=None))
    nodes = alt.NamedData("nodes")
    n = alt.Chart(nodes).mark_point(filled=True, opacity=0.9, stroke="black",
                                    strokeWidth=0.5).encode(
        x="x:Q", y="y:Q",
        color=alt.Color("coalition:N", scale=alt.Scale(scheme="tableau20")),
        size=alt.Size("capability:Q", scale=alt.Scale(range=[40, 900]), legend=None),
        shape=alt.Shape("type:N", scale=alt.Scale(domain=list(SHAPES),
                                                  range=list(SHAPES.values()))),
        tooltip=["name:N", "actor:N", "bloc:N", "type:N", "coalition:N",
                 alt.Tooltip("capability:Q", format=".3f"), "decoupling_fear:Q",
                 "competition:Q", "positions:N", "saliences:N"])
    t = alt.Chart(nodes).mark_text(dy=-11, fontSize=9).encode(x="x:Q", y="y:Q",
                                                              text="actor:N")
    return alt.layer(e, n, t).properties(width=400, height=270).to_dict()


def network_chart(model: EuNatoModel) -> dict:
    """Coalition network (Vega-Lite spec): colour = coalition, size = capability, shape =
    actor type, edges = strongest alignments; hover a node for its data."""
    return _spec(_network_template(), f"Coalitions, round {model.steps}",
                 nodes=actors_frame(model), edges=edges_frame(model))


def positions_frame(model: EuNatoModel, issue: str) -> pd.DataFrame:
    """Long table (round, actor, position) of one issue, from the DataCollector."""
    _, adf = step_frames(model)
    if not len(adf):
        return pd.DataFrame(columns=["round", "actor", "position"])
    return adf[["round", "actor", f"pos_{issue}"]].rename(columns={f"pos_{issue}": "position"})


@functools.cache
def _positions_template() -> dict:
    y = alt.Y("position:Q", scale=alt.Scale(domain=[0, 100]),
              title="0 NATO leads · 50 joint · 100 EU leads")
    lines = alt.Chart(alt.NamedData("positions")).mark_line(
        strokeWidth=1, opacity=0.45).encode(
        x=alt.X("round:Q"), y=y, color=alt.Color("actor:N", legend=None),
        tooltip=["actor:N", "round:Q", alt.Tooltip("position:Q", format=".1f")])
    fcl = alt.Chart(alt.NamedData("forecast")).mark_line(color="black", strokeWidth=3).encode(
        x="round:Q", y=alt.Y("forecast:Q", scale=alt.Scale(domain=[0, 100])),
        tooltip=["round:Q", alt.Tooltip("forecast:Q", format=".1f")])
    sq = alt.Chart(alt.NamedData("status_quo")).mark_rule(
        color="red", strokeDash=[6, 3]).encode(y="sq:Q")
    return alt.layer(lines, fcl, sq).properties(width=400, height=230).to_dict()


def positions_chart(model: EuNatoModel, issue: str) -> dict:
    """Every actor's position on one issue over time, with the forecast and status quo."""
    mdf = model.datacollector.get_model_vars_dataframe().reset_index(names="round")
    j = model.state.issue_ids.index(issue)
    fc = pd.DataFrame({"round": mdf["round"], "forecast": mdf[f"forecast_{issue}"]})
    sq = pd.DataFrame({"sq": [float(model.state.status_quo[j])]})
    return _spec(_positions_template(),
                 f"{model.world.issues[j].name}: positions, forecast (black), status quo (red)",
                 positions=positions_frame(model, issue), forecast=fc, status_quo=sq)


def division_frame(model: EuNatoModel) -> pd.DataFrame:
    """The division of labour per issue: agreed point, label and who vetoes."""
    rows = []
    for j, rec in enumerate(model.world.issues):
        agreed = model.settled_round[j] >= 0
        x = float(model.outcome[j]) if agreed else float(model.forecast[j])
        rows.append({
            "pillar": rec.pillar, "issue": rec.id, "name": rec.name,
            "status": "agreed" if agreed else ("deadlock" if not model.running else "open"),
            "point": round(x, 1), "division": label(x),
            "round": int(model.settled_round[j]) if agreed else None,
            "status_quo": float(model.state.status_quo[j]),
            "vetoed_by": ", ".join(model.vetoers[j]) if not agreed else "",
        })
    return pd.DataFrame(rows)


def pillar_summary(model: EuNatoModel) -> pd.DataFrame:
    """Per pillar: how many issues were agreed NATO-led, joint or EU-led, and how many are
    still open or deadlocked."""
    df = division_frame(model)
    df["kind"] = np.where(df["status"] == "agreed", df["division"], df["status"])
    cols = ["NATO-led", "joint", "EU-led", "open", "deadlock"]
    out = pd.crosstab(df["pillar"], df["kind"]).reindex(columns=cols, fill_value=0)
    order = list(dict.fromkeys(df["pillar"]))
    return out.reindex(order).reset_index()


@functools.cache
def _division_template(names: tuple[str, ...]) -> dict:
    sort = list(names)
    lo, hi = JOINT_BAND  # the same band `label` uses
    band = pd.DataFrame({"lo": [0, lo, hi], "hi": [lo, hi, 100],
                         "zone": ["NATO-led", "joint", "EU-led"]})
    bg = alt.Chart(band).mark_rect(opacity=0.12).encode(
        x=alt.X("lo:Q", scale=alt.Scale(domain=[0, 100]), title="division of labour"),
        x2="hi:Q", color=alt.Color("zone:N", scale=alt.Scale(
            domain=["NATO-led", "joint", "EU-led"], range=["#1f4e9c", "#888", "#f2b705"])))
    issues = alt.NamedData("issues")
    pts = alt.Chart(issues).mark_point(size=160, strokeWidth=2).encode(
        x="point:Q", y=alt.Y("name:N", sort=sort, title=None),
        shape=alt.Shape("status:N", scale=alt.Scale(domain=["agreed", "open", "deadlock"],
                                                    range=["circle", "circle", "cross"])),
        fill=alt.condition(alt.datum.status == "agreed", alt.value("black"),
                           alt.value("transparent")),
        color=alt.value("black"),
        tooltip=["name:N", "pillar:N", "status:N", "point:Q", "division:N", "round:Q",
                 "status_quo:Q", "vetoed_by:N"])
    sq = alt.Chart(issues).mark_tick(color="red", thickness=2).encode(
        x="status_quo:Q", y=alt.Y("name:N", sort=sort))
    veto = alt.Chart(alt.NamedData("vetoes")).mark_text(
        align="left", dx=8, fontSize=8, color="#b00").encode(
        x="point:Q", y=alt.Y("name:N", sort=sort), text="who:N")
    return alt.layer(bg, sq, pts, veto).properties(
        width=260, height=270, title="Division of labour per issue").to_dict()


def division_chart(model: EuNatoModel) -> dict:
    """Each issue on the NATO-led … EU-led line, grouped by pillar; open/deadlocked
    issues show the current forecast hollow, and who vetoes it."""
    df = division_frame(model)
    vetoes = df[df["vetoed_by"] != ""].assign(
        who=lambda d: "veto: " + d["vetoed_by"].str.slice(0, 28))
    return _spec(_division_template(tuple(df["name"])), None, issues=df,
                 vetoes=vetoes[["name", "point", "who"]])


def membership_frame(model: EuNatoModel) -> pd.DataFrame:
    """Long table (round, actor, coalition) of every recorded partition."""
    ids = model.state.actor_ids
    rows = []
    for r, part in enumerate(model.partitions):
        for a, c in zip(ids, coalition_labels(model, part), strict=True):
            rows.append({"round": r, "actor": a, "coalition": c})
    return pd.DataFrame(rows)


@functools.cache
def _membership_template(order: tuple[str, ...]) -> dict:
    return alt.Chart(alt.NamedData("membership")).mark_rect().encode(
        x=alt.X("round:O", title="round"), y=alt.Y("actor:N", sort=list(order), title=None),
        color=alt.Color("coalition:N", scale=alt.Scale(scheme="tableau20")),
        tooltip=["round:O", "actor:N", "coalition:N"],
    ).properties(width=380, height=330, title="Coalition membership over time").to_dict()


def membership_chart(model: EuNatoModel) -> dict:
    """Heat map: who was in which coalition each round (rows sorted by bloc)."""
    order = tuple(a.id for a in sorted(model.world.actors, key=lambda a: (a.bloc, a.id)))
    return _spec(_membership_template(order), None, membership=membership_frame(model))


def coalitions_frame(model: EuNatoModel) -> pd.DataFrame:
    """Current coalitions: members, pooled capability, and who they can block."""
    rows = []
    for c in coalitions.describe(model.state, model.houses):
        if len(c["members"]) < 2:
            continue
        rows.append({"coalition": f"{c['label']}+", "size": len(c["members"]),
                     "capability": round(c["capability"], 3),
                     "blocks NATO": "yes" if c["can_block_nato"] else "",
                     "blocks EU unanimity": "yes" if c["can_block_eu_unanimity"] else "",
                     "blocks EU QMV": "yes" if c["can_block_eu_qmv"] else "",
                     "members": ", ".join(c["members"])})
    return pd.DataFrame(rows, columns=["coalition", "size", "capability", "blocks NATO",
                                       "blocks EU unanimity", "blocks EU QMV", "members"])


def events_frame(model: EuNatoModel) -> pd.DataFrame:
    """The events log, newest first."""
    df = pd.DataFrame(model.events_log, columns=["round", "kind", "text"])
    return df.iloc[::-1].reset_index(drop=True)


def run_csv(model: EuNatoModel) -> bytes:
    """The per-round data of the run as CSV (model table joined with positions)."""
    mdf, adf = step_frames(model)
    out = io.StringIO()
    (adf.merge(mdf, on="round", how="left") if len(adf) else mdf).to_csv(out, index=False)
    return out.getvalue().encode()


def run_parquet(model: EuNatoModel) -> bytes:
    """The per-actor per-round data of the run as Parquet."""
    _, adf = step_frames(model)
    buf = io.BytesIO()
    adf.to_parquet(buf, index=False)
    return buf.getvalue()
