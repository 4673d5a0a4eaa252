"""Tables and chart specs of a running model, with no Solara in them.

Every chart is a pair ``(spec, datasets)``: ``spec`` is a Vega-Lite 5 (or Vega 5) template
built once and cached, with named, empty datasets; ``datasets`` are the rows of this draw.
The app's chart widget embeds a spec once and afterwards only swaps its data, so a Step
costs no chart compilation; tests validate the specs and check the rows against the engine.
For a notebook, ``alt.Chart.from_dict({**spec, "datasets": datasets})`` draws one.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

from app import network
from model import coalitions
from model.rules import JOINT_BAND
from model.summary import label

if TYPE_CHECKING:
    from model.model import EuNatoModel

Chart = tuple[dict, dict[str, list]]
#: the Vega-Lite the page runs (Solara serves vega-lite@5); Altair 6 writes v6 URLs
VL5 = "https://vega.github.io/schema/vega-lite/v5.json"
ZONES = {"NATO-led": "#1f4e9c", "joint": "#8a8a8a", "EU-led": "#e0a800"}
STATUS_SHAPES = {"agreed": "circle", "open": "diamond", "deadlock": "cross"}
BLOC_NAMES = {"eu_core": "EU core", "eastern_flank": "eastern flank", "us": "United States",
              "non_eu_allies": "non-EU allies", "bureaucracy": "bureaucracies",
              "ukraine": "Ukraine"}
ROUND_AXIS = alt.Axis(format="d", tickMinStep=1, title="round")


def v5(chart: alt.TopLevelMixin, **extra: Any) -> dict:
    """An Altair chart as a Vega-Lite 5 template that fills its container's width."""
    spec = chart.to_dict()
    spec["$schema"] = VL5
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.update(extra)
    return spec


def fit_title(text: str) -> alt.TitleParams:
    """A chart title cut (with …) to the chart's width, however narrow the screen."""
    return alt.TitleParams(text, anchor="start", limit=alt.ExprRef("width"), fontSize=12)


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe rows (numpy ints and NaN become plain ints and null)."""
    return json.loads(df.to_json(orient="records"))


def issue_names(model: EuNatoModel) -> dict[str, str]:
    return {i.id: i.name for i in model.world.issues}


def actor_names(model: EuNatoModel) -> dict[str, str]:
    return {a.id: a.name for a in model.world.actors}


# -- coalition network ---------------------------------------------------------------
def network_chart(model: EuNatoModel) -> Chart:
    """Actors at their scenario layout, colour = coalition (stable for the run), outline =
    coalition members, size = capability, shape = actor type."""
    return network.network_spec(), {"nodes": network.nodes(model),
                                     "outlines": network.outlines(model)}


def actors_frame(model: EuNatoModel) -> pd.DataFrame:
    """One row per actor: identity, kind, capability, coalition, and its current state."""
    st, names = model.state, network.coalition_labels(model)
    inames = [i.name for i in model.world.issues]
    return pd.DataFrame([{
        "actor": a.id, "name": a.name, "type": a.type, "bloc": BLOC_NAMES.get(a.bloc, a.bloc),
        "capability": float(st.capability[k]), "coalition": names[k],
        "decoupling fear": round(float(model.world.decoupling_fear[k]), 3),
        "competition": round(float(model.world.competition[k]), 3),
        "positions": "; ".join(f"{n} {p:.0f}" for n, p in zip(inames, st.position[k],
                                                              strict=True)),
        "saliences": "; ".join(f"{n} {s:.2f}" for n, s in zip(inames, st.salience[k],
                                                             strict=True)),
    } for k, a in enumerate(model.world.actors)])


def coalitions_frame(model: EuNatoModel) -> pd.DataFrame:
    """Current coalitions: colour, members, pooled capability, and who they can block."""
    table, names = network.colours(model), actor_names(model)
    rows = []
    for c in coalitions.describe(model.state, model.houses):
        if len(c["members"]) < 2:
            continue
        name = f"{c['label']}+"
        can = [h for h, k in (("NATO", "can_block_nato"), ("EU unanimity",
                                                            "can_block_eu_unanimity"),
                              ("EU QMV", "can_block_eu_qmv")) if c[k]]
        rows.append({"coalition": name, "colour": table.get(name, network.ALONE_COLOUR),
                     "size": len(c["members"]), "capability": round(c["capability"], 3),
                     "can block": ", ".join(can),
                     "members": ", ".join(names[m] for m in c["members"])})
    return pd.DataFrame(rows, columns=["coalition", "colour", "size", "capability",
                                       "can block", "members"])


# -- time charts -----------------------------------------------------------------------
def event_rows(model: EuNatoModel) -> list[dict]:
    """Scenario events and applied shocks so far, for the markers on every time chart."""
    return [{"round": int(e["round"]), "event": e["text"]} for e in model.events_log
            if e["kind"] in ("event", "shock")]


def _rounds_x(max_rounds: int) -> alt.X:
    # a fixed domain: the axis does not rescale every round, and no layer's (possibly
    # empty) data decides it
    return alt.X("round:Q", axis=ROUND_AXIS, scale=alt.Scale(domain=[0, max_rounds]))


@functools.cache
def _positions_template(title: str, max_rounds: int) -> dict:
    y = alt.Y("position:Q", scale=alt.Scale(domain=[0, 100]),
              title="0 NATO leads · 50 joint · 100 EU leads")
    x = _rounds_x(max_rounds)
    colour = alt.Color("bloc:N", title="bloc (line: mean weighted by capability; band: "
                       "range of members)", legend=alt.Legend(orient="bottom", columns=3,
                                                               titleLimit=400))
    spread = alt.Chart(alt.NamedData("blocs")).mark_area(opacity=0.12).encode(
        x=x, y=alt.Y("lo:Q", scale=alt.Scale(domain=[0, 100]),
                     title="0 NATO leads · 50 joint · 100 EU leads"), y2="hi:Q",
        color=colour)
    means = alt.Chart(alt.NamedData("blocs")).mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=colour,
        tooltip=["bloc:N", alt.Tooltip("round:Q", format="d"),
                 alt.Tooltip("position:Q", format=".1f", title="mean"),
                 alt.Tooltip("lo:Q", format=".1f", title="lowest member"),
                 alt.Tooltip("hi:Q", format=".1f", title="highest member")])
    fc = alt.Chart(alt.NamedData("forecast")).mark_line(color="black", strokeWidth=3).encode(
        x=x, y="forecast:Q", tooltip=[alt.Tooltip("round:Q", format="d"),
                                      alt.Tooltip("forecast:Q", format=".1f")])
    sq = alt.Chart(alt.NamedData("status_quo")).mark_rule(
        color="red", strokeDash=[6, 3]).encode(y="sq:Q")
    marks = alt.Chart(alt.NamedData("events")).mark_rule(
        color="#7a3db8", strokeDash=[3, 3], strokeWidth=1.5).encode(
        x=x, tooltip=[alt.Tooltip("round:Q", format="d"), "event:N"])
    return v5(alt.layer(means, spread, fc, sq, marks).properties(
        width="container", height=240, title=fit_title(title)))


def positions_chart(model: EuNatoModel, issue: str) -> Chart:
    """One issue over time: per bloc the capability-weighted mean (line) and the range of
    its members (band), the forecast (black), the status quo (dashed red), scenario events
    and shocks (purple)."""
    j = model.state.issue_ids.index(issue)
    hist = _position_history(model, issue)
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
    fc = model.datacollector.model_vars[f"forecast_{issue}"]
    title = f"{model.world.issues[j].name}: positions by bloc, forecast (black), status quo (red)"
    return _positions_template(title, model.max_rounds), {
        "blocs": rows, "forecast": [{"round": r, "forecast": float(f)} for r, f in enumerate(fc)],
        "status_quo": [{"sq": float(model.state.status_quo[j])}], "events": event_rows(model)}


def _position_history(model: EuNatoModel, issue: str) -> np.ndarray:
    """(rounds+1, n) positions on one issue: the app's own per-round record when the app
    stepped the model, else (a model stepped elsewhere) the DataCollector's table."""
    j = model.state.issue_ids.index(issue)
    hist = getattr(model, "app_history", None)
    if hist is not None and len(hist) == model.steps + 1:
        return np.array([h[:, j] for h in hist])
    adf = model.datacollector.get_agent_vars_dataframe()[f"pos_{issue}"]
    rows = {a.unique_id: a.row for a in model.agents}
    wide = adf.unstack("AgentID")
    out = np.empty((len(wide), model.state.n))
    out[:, [rows[u] for u in wide.columns]] = wide.to_numpy()
    return out


def membership_frame(model: EuNatoModel) -> pd.DataFrame:
    """Long table (round, actor, coalition, colour) of every recorded partition."""
    ids, table = model.state.actor_ids, network.colours(model)
    rows = []
    for r, part in enumerate(model.partitions):
        for a, c in zip(ids, network.coalition_labels(model, part), strict=True):
            rows.append({"round": r, "next": r + 1, "actor": a, "coalition": c,
                         "colour": table[c]})
    return pd.DataFrame(rows)


@functools.cache
def _membership_template(order: tuple[str, ...], max_rounds: int) -> dict:
    x = alt.X("round:Q", axis=ROUND_AXIS, scale=alt.Scale(domain=[0, max_rounds + 1]))
    rect = alt.Chart(alt.NamedData("membership")).mark_rect().encode(
        x=x, x2="next:Q",
        y=alt.Y("actor:N", sort=list(order), title=None, axis=alt.Axis(labelFontSize=9)),
        color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("round:Q", format="d"), "actor:N", "coalition:N"])
    marks = alt.Chart(alt.NamedData("events")).mark_rule(
        color="#7a3db8", strokeDash=[3, 3], strokeWidth=1.5).encode(
        x=x, tooltip=[alt.Tooltip("round:Q", format="d"), "event:N"])
    return v5(alt.layer(rect, marks).properties(
        width="container", height=12 * len(order),
        title=fit_title("Coalition membership over time (colours as in the network)")))


def membership_chart(model: EuNatoModel) -> Chart:
    """Heat map: who was in which coalition each round (rows by bloc), with the network's
    colours and the event markers."""
    order = tuple(a.id for a in sorted(model.world.actors, key=lambda a: (a.bloc, a.id)))
    return _membership_template(order, model.max_rounds), {
        "membership": records(membership_frame(model)), "events": event_rows(model)}


# -- division of labour ---------------------------------------------------------------
def division_frame(model: EuNatoModel) -> pd.DataFrame:
    """The division of labour per issue: agreed point, label and who vetoes (names)."""
    names = actor_names(model)
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
            "vetoed_by": ", ".join(names.get(a, a) for a in model.vetoers[j])
            if not agreed else "",
        })
    return pd.DataFrame(rows)


def pillar_summary(model: EuNatoModel) -> pd.DataFrame:
    """Per pillar: issues agreed NATO-led, joint or EU-led, and issues open or deadlocked."""
    cols = ["NATO-led", "joint", "EU-led", "open", "deadlock"]
    counts: dict[str, dict[str, int]] = {}
    for r in division_frame(model).itertuples():
        kind = r.division if r.status == "agreed" else r.status
        counts.setdefault(r.pillar, dict.fromkeys(cols, 0))[kind] += 1
    return pd.DataFrame([{"pillar": p, **c} for p, c in counts.items()],
                        columns=["pillar", *cols])


@functools.cache
def _division_template(names: tuple[str, ...]) -> dict:
    sort = list(names)
    x = alt.X("lo:Q", scale=alt.Scale(domain=[0, 100]),
              title="0 NATO leads · 50 joint · 100 EU leads")
    zone = alt.Color("zone:N", scale=alt.Scale(domain=list(ZONES), range=list(ZONES.values())),
                     legend=None)
    bg = alt.Chart(alt.NamedData("bands")).mark_rect(opacity=0.16).encode(x=x, x2="hi:Q",
                                                                           color=zone)
    # the bands are named on the chart itself (no legend to clip on a narrow screen)
    names_on_top = alt.Chart(alt.NamedData("bands")).mark_text(
        baseline="bottom", dy=-2, fontSize=11, fontWeight="bold").encode(
        x="mid:Q", y=alt.value(0), text="zone:N", color=zone)
    issues = alt.NamedData("issues")
    y = alt.Y("name:N", sort=sort, title=None, axis=alt.Axis(labelLimit=170))
    status = alt.Legend(orient="bottom", direction="horizontal", title="status")
    pts = alt.Chart(issues).mark_point(size=140, strokeWidth=2, color="black").encode(
        x="point:Q", y=y,
        shape=alt.Shape("status:N", scale=alt.Scale(domain=list(STATUS_SHAPES),
                                                    range=list(STATUS_SHAPES.values())),
                        legend=status),
        fill=alt.Fill("status:N", scale=alt.Scale(domain=list(STATUS_SHAPES),
                                                  range=["black", "white", "black"]),
                      legend=status),
        tooltip=["name:N", "pillar:N", "status:N", "point:Q", "division:N",
                 alt.Tooltip("round:Q", format="d"), "status_quo:Q", "vetoed_by:N"])
    sq = alt.Chart(issues).mark_tick(color="red", thickness=2).encode(x="status_quo:Q", y=y)
    return v5(alt.layer(bg, names_on_top, sq, pts).resolve_scale(color="independent")
              .properties(width="container", height=24 * len(names),
                          title=fit_title("Division of labour per issue (red tick: status "
                                          "quo)")))


def division_chart(model: EuNatoModel) -> Chart:
    """Each issue on the NATO-led … EU-led line over the three bands; filled circle =
    agreed, hollow diamond = current forecast of an open issue, cross = deadlock, red tick
    = status quo. Who blocks is listed under the chart (:func:`blocked_lines`)."""
    df = division_frame(model)
    lo, hi = JOINT_BAND  # the same band `label` uses
    bands = [{"lo": a, "hi": b, "mid": (a + b) / 2, "zone": z}
             for a, b, z in ((0, lo, "NATO-led"), (lo, hi, "joint"), (hi, 100, "EU-led"))]
    return _division_template(tuple(df["name"])), {"issues": records(df), "bands": bands}


def blocked_lines(model: EuNatoModel, show: int = 4) -> list[str]:
    """One short sentence per issue that some actor would veto now (the first few names
    and how many more; the outcome table has them all)."""
    out = []
    for r in division_frame(model).itertuples():
        if not r.vetoed_by:
            continue
        who = r.vetoed_by.split(", ")
        more = f" and {len(who) - show} more" if len(who) > show else ""
        out.append(f"{r.name}: would be vetoed by {', '.join(who[:show])}{more}")
    return out


# -- events ------------------------------------------------------------------------------
def readable(model: EuNatoModel, text: str) -> str:
    """Engine log text with issue ids and setting ids replaced by their names."""
    from app.settings import BLOC_LABELS

    for iid, name in sorted(issue_names(model).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(iid, name)
    for bloc, name in BLOC_LABELS.items():
        text = text.replace(f"bloc.{bloc}.", f"{name}: ")
    return text.replace("us_engagement", "US engagement").replace(
        "decoupling_fear", "decoupling fear").replace("participation_blockage",
                                                      "participation blockage")


CHURN = ("coalition formed", "coalition changed", "coalition broken")


def events_frame(model: EuNatoModel, churn: bool = False) -> pd.DataFrame:
    """The events log, newest first, in names; coalition churn only when asked for."""
    rows = [{"round": e["round"], "kind": e["kind"], "text": readable(model, e["text"])}
            for e in model.events_log if churn or e["kind"] not in CHURN]
    return pd.DataFrame(rows[::-1], columns=["round", "kind", "text"])
