"""Tables and chart specs of a running model, with no Solara in them.

Every chart is a pair ``(spec, datasets)``: ``spec`` is a Vega-Lite 5 (or Vega 5) template
built once and cached, with named, empty datasets; ``datasets`` are the rows of this draw.
The app's chart widget embeds a spec once and afterwards only swaps its data, so a Step
costs no chart compilation; tests validate the specs and check the rows against the engine.
For a notebook, ``alt.Chart.from_dict({**spec, "datasets": datasets})`` draws one.

Outcomes are two roles per issue (docs/schema.md): the EU's and NATO's, each 0–100; a role
of at least ``LEAD`` leads.
"""

from __future__ import annotations

import functools
import json
import re
import weakref
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from app import network
from app.names import BLOC_NAMES, TYPE_NAMES
from model import coalitions
from model.results.summary import LEAD, label

if TYPE_CHECKING:
    from model.model import EuNatoModel

Chart = tuple[dict, dict[str, list]]
#: the Vega-Lite the page runs (Solara serves vega-lite@5); Altair 6 writes v6 URLs
VL5 = "https://vega.github.io/schema/vega-lite/v5.json"
ROLES = {"EU role": "#E69F00", "NATO role": "#0072B2"}  # Okabe–Ito orange and blue
STATUS_SHAPES = {"agreed": "circle", "open": "diamond", "status quo holds": "square",
                 "blocked": "cross"}
STATUS_FILLS = ["black", "white", "white", "black"]
HOUSES = {"eu_council": "EU Council", "european_parliament": "European Parliament",
          "nato": "North Atlantic Council"}
#: issue names on a y axis: up to 45 % of the chart's width (whole names on a desktop,
#: "Interoperability: military mobility corridors" was cut at 170 px)
ISSUE_LABEL = alt.ExprRef("max(120, width * 0.45)")
ROUND_AXIS = alt.Axis(format="d", tickMinStep=1, title="round")
#: the engine's venue routes (model/institutions.py) in words
ROUTES = {"eu": "through the EU alone", "nato": "through NATO alone",
          "eu+nato": "through the EU and NATO, each its own piece",
          "joint": "as a formal EU–NATO arrangement",
          "outside": "outside both, by a coalition of the willing"}
PIECE = {"eu": "EU piece", "nato": "NATO piece"}


def route_words(route: str | None) -> str:
    return ROUTES.get(route or "", route or "")


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


def pillar_names(model: EuNatoModel) -> list[str]:
    return [p.capitalize() for p in model.pillars]


# -- coalitions ------------------------------------------------------------------------
def network_chart(model: EuNatoModel, pillar: int | None = None) -> Chart:
    """Actors at their scenario layout, colour = coalition in the pillar (stable for the
    run), outline = coalition members, size = capability, shape = actor type."""
    return network.network_spec(), {"nodes": network.nodes(model, pillar),
                                     "outlines": network.outlines(model, pillar)}


def actors_frame(model: EuNatoModel, pillar: int | None = None) -> pd.DataFrame:
    """One row per actor: identity, kind, capability, coalition, and its current roles."""
    st, m = model.state, model.m
    names = network.coalition_labels(model, pillar=pillar)
    inames = [i.name for i in model.world.issues]
    rows = []
    for k, a in enumerate(model.world.actors):
        rows.append({
            "actor": a.id, "name": a.name, "type": TYPE_NAMES.get(a.type, a.type),
            "bloc": BLOC_NAMES.get(a.bloc, a.bloc), "capability": float(st.capability[k]),
            "coalition": names[k],
            "decoupling fear": round(float(model.world.decoupling_fear[k]), 3),
            "competition": round(float(model.world.competition[k]), 3),
            "positions": "; ".join(
                f"{n} EU {st.position[k, j]:.0f} / NATO {st.position[k, m + j]:.0f}"
                for j, n in enumerate(inames)),
        })
    return pd.DataFrame(rows)


def coalitions_frame(model: EuNatoModel, pillar: int | None = None) -> pd.DataFrame:
    """Coalitions in one pillar: colour, members, pooled capability, who they can block."""
    k = network.pillar_index(model, pillar)
    cols = model.pillar_cols[k]
    st, table, names = model.state, network.colours(model), actor_names(model)
    letters = dict(zip(st.actor_ids, network.coalition_labels(model, k), strict=True))
    words = network.describe(model, k)
    rows = []
    for c in coalitions.describe(model.coalition[k], st.actor_ids, st.capability,
                                 st.position[:, cols], st.salience[:, cols],
                                 model.electorate):
        name = letters[c["members"][0]]
        can = [h for h, key in (("NATO", "can_block_nato"),
                                ("EU unanimity", "can_block_eu_unanimity"),
                                ("EU QMV", "can_block_eu_qmv")) if c[key]]
        rows.append({"coalition": name, "colour": table.get(name, network.ALONE_COLOUR),
                     "who": words.get(name, ""), "leader": names[c["label"]],
                     "size": len(c["members"]), "capability": round(c["capability"], 3),
                     "can block": ", ".join(can),
                     "members": ", ".join(names[a] for a in c["members"])})
    return pd.DataFrame(rows, columns=["coalition", "colour", "who", "leader", "size",
                                       "capability", "can block", "members"])


# -- division of labour -------------------------------------------------------------------
_division_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state_key(model: EuNatoModel) -> tuple:
    """What the per-issue outcome depends on: a new round, a shock (logged as an event), a
    new round limit. Two views of one redraw read the frame once."""
    return model.steps, len(model.events_log), model.max_rounds, model.running


def division_frame(model: EuNatoModel) -> pd.DataFrame:
    """Per issue: status, the roles in force (or, while open, the current forecast), the
    status quo, the label, the venue route and who vetoes (names, with their house)."""
    key = _state_key(model)
    memo = _division_memo.get(model)
    if memo is None or memo[0] != key:
        memo = _division_memo[model] = (key, _division_frame(model))
    return memo[1].copy()


def _division_frame(model: EuNatoModel) -> pd.DataFrame:
    names, m = actor_names(model), model.m
    rows = []
    for j, rec in enumerate(model.world.issues):
        status = model.status[j]
        src = model.forecast if status == "open" else model.outcome
        eu, nato = float(src[j]), float(src[m + j])
        rows.append({
            "pillar": rec.pillar, "issue": rec.id, "name": rec.name, "status": status,
            "eu_role": round(eu, 1), "nato_role": round(nato, 1),
            "division": label(eu, nato),
            "sq_eu": float(model.status_quo0[j]), "sq_nato": float(model.status_quo0[m + j]),
            "route": route_words(model.route[j]),
            "round": int(model.settled_round[j]) if model.settled_round[j] >= 0 else None,
            "vetoed_by": by_house(model.vetoes[j], names) if status != "agreed" else "",
        })
    df = pd.DataFrame(rows)
    df["round"] = df["round"].astype("Int64")  # a round is a whole number, never 15.0
    return df


def by_house(vetoes: list[dict], names: dict[str, str], show: int | None = None) -> str:
    """Vetoes grouped by house: "EU Council: Bulgaria, Cyprus; North Atlantic Council:
    Türkiye" (the first ``show`` names of each house and how many more)."""
    houses: dict[str, list[str]] = {}
    for v in vetoes:
        houses.setdefault(HOUSES.get(v["house"], v["house"]), []).append(
            names.get(v["actor"], v["actor"]))
    parts = []
    for house, who in houses.items():
        more = f" and {len(who) - show} more" if show is not None and len(who) > show else ""
        parts.append(f"{house}: {', '.join(who[:show])}{more}")
    return "; ".join(parts)


def division_long(df: pd.DataFrame) -> list[dict]:
    """The division frame as one row per issue and role (what the chart draws)."""
    rows = []
    for r in df.itertuples():
        for role, x, sq in (("EU role", r.eu_role, r.sq_eu), ("NATO role", r.nato_role,
                                                               r.sq_nato)):
            rows.append({"name": r.name, "pillar": r.pillar, "role": role, "value": x,
                         "status_quo": sq, "status": r.status, "division": r.division,
                         "route": r.route, "round": None if pd.isna(r.round) else int(r.round),
                         "vetoed_by": r.vetoed_by})
    return rows


PILLAR_COLUMNS = ["both", "EU-led", "NATO-led", "neither", "open", "status quo holds",
                  "blocked"]


def pillar_summary(model: EuNatoModel) -> pd.DataFrame:
    """Per pillar: issues agreed as both / EU-led / NATO-led / neither, and issues still
    open, where the status quo holds, or blocked."""
    counts: dict[str, dict[str, int]] = {}
    for r in division_frame(model).itertuples():
        kind = r.division if r.status == "agreed" else r.status
        counts.setdefault(r.pillar, dict.fromkeys(PILLAR_COLUMNS, 0))[kind] += 1
    return pd.DataFrame([{"pillar": p, **c} for p, c in counts.items()],
                        columns=["pillar", *PILLAR_COLUMNS])


@functools.cache
def _division_template(names: tuple[str, ...]) -> dict:
    y = alt.Y("name:N", sort=list(names), title=None, axis=alt.Axis(labelLimit=220))
    # the axis title and the legends must fit a 390 px phone: the title is cut to the
    # chart's width, and one legend sits above the chart, the other below (two legends
    # side by side at the bottom ran off a phone's screen)
    x = alt.X("lo:Q", scale=alt.Scale(domain=[0, 100]),
              title=f"role: 0 none … 100 the whole task (≥ {LEAD:g} leads)",
              axis=alt.Axis(titleLimit=alt.ExprRef("width")))
    bg = alt.Chart(alt.NamedData("bands")).mark_rect(opacity=0.14).encode(
        x=x, x2="hi:Q", color=alt.Color("band:N", scale=alt.Scale(
            domain=["does not lead", "leads"], range=["#bbbbbb", "#4c9a2a"]), legend=None))
    band_names = alt.Chart(alt.NamedData("bands")).mark_text(
        baseline="bottom", dy=-2, fontSize=11, fontWeight="bold", color="#555").encode(
        x="mid:Q", y=alt.value(0), text="band:N")
    role = alt.Color("role:N", title="role", scale=alt.Scale(
        domain=list(ROLES), range=list(ROLES.values())),
        legend=alt.Legend(orient="top", columns=2))
    rows = alt.NamedData("roles")
    sq = alt.Chart(rows).mark_tick(thickness=2, size=12, opacity=0.8).encode(
        x="status_quo:Q", y=y, color=alt.Color("role:N", scale=alt.Scale(
            domain=list(ROLES), range=list(ROLES.values())), legend=None),
        yOffset=alt.YOffset("role:N", sort=list(ROLES)))
    # the hollow symbols (open, status quo holds) drawn with a dark outline in the legend:
    # in the role colour of no role they were blank
    status = alt.Legend(orient="bottom", columns=2, title="status", symbolStrokeColor="#333",
                        symbolStrokeWidth=1.5)
    pts = alt.Chart(rows).mark_point(size=110, strokeWidth=2.2).encode(
        x="value:Q", y=y, color=role, yOffset=alt.YOffset("role:N", sort=list(ROLES)),
        shape=alt.Shape("status:N", scale=alt.Scale(domain=list(STATUS_SHAPES),
                                                    range=list(STATUS_SHAPES.values())),
                        legend=status),
        fill=alt.Fill("status:N", scale=alt.Scale(domain=list(STATUS_SHAPES),
                                                  range=STATUS_FILLS), legend=status),
        tooltip=["name:N", "role:N", alt.Tooltip("value:Q", format=".0f"),
                 alt.Tooltip("status_quo:Q", format=".0f", title="status quo"), "status:N",
                 "division:N", "route:N", alt.Tooltip("round:Q", format="d"),
                 "vetoed_by:N"])
    return v5(alt.layer(bg, band_names, sq, pts).resolve_scale(color="independent")
              .properties(width="container", height=30 * len(names),
                          title=fit_title("Division of labour per issue")))


def division_chart(model: EuNatoModel) -> Chart:
    """Each issue's EU role (gold) and NATO role (blue) on 0–100 over the "leads" band;
    filled circle = agreed, hollow diamond = current forecast of an open issue, hollow
    square = status quo holds, cross = blocked; ticks = status quo. Who blocks is listed
    under the chart (:func:`blocked_lines`)."""
    df = division_frame(model)
    bands = [{"lo": 0, "hi": LEAD, "mid": LEAD / 2, "band": "does not lead"},
             {"lo": LEAD, "hi": 100, "mid": (LEAD + 100) / 2, "band": "leads"}]
    return _division_template(tuple(df["name"])), {"roles": division_long(df), "bands": bands}


def blocked_lines(model: EuNatoModel, show: int = 4) -> list[str]:
    """One short sentence per issue that is vetoed (or would be now): the first few names
    with their house, and how many more (the outcome table has them all)."""
    names, out = actor_names(model), []
    for j, rec in enumerate(model.world.issues):
        if model.status[j] == "agreed" or not model.vetoes[j]:
            continue
        verb = "blocked by" if model.status[j] == "blocked" else "would be vetoed by"
        out.append(f"{rec.name}: {verb} {by_house(model.vetoes[j], names, show)}")
    return out


# -- events ------------------------------------------------------------------------------
def readable(model: EuNatoModel, text: str) -> str:
    """Engine log text with issue ids and setting ids replaced by their names."""
    from app.settings import BLOC_LABELS

    for iid, name in sorted(issue_names(model).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(iid, name)
    for bloc, name in BLOC_LABELS.items():
        text = text.replace(f"bloc.{bloc}.", f"{name}: ")
    for aid, name in actor_names(model).items():
        text = text.replace(f"actor.{aid}.", f"{name}: ").replace(f"stance.{aid}.",
                                                                  f"{name} stance: ")
    for route, words in ROUTES.items():
        text = text.replace(f"({route} route)", f"({words})")
    # what is left of ids: a house in brackets, an actor's code as a word (the log's
    # "blocked by HUN (eu_council)" and coalition member lists)
    for house, name in HOUSES.items():
        text = text.replace(f"({house})", f"({name})")
    names = actor_names(model)
    text = re.sub(r"\b[A-Z][A-Z0-9]{1,4}\b", lambda mt: names.get(mt.group(0), mt.group(0)),
                  text)
    return (text.replace("us_engagement", "US engagement")
            .replace("decoupling_fear", "decoupling fear")
            .replace("participation_blockage", "participation blockage"))


CHURN = ("coalition",)


def event_rows(model: EuNatoModel) -> list[dict]:
    """Scenario events and applied shocks so far, for the markers on every time chart."""
    return [{"round": int(e["round"]), "event": readable(model, e["text"])}
            for e in model.events_log if e["kind"] == "event"]


def events_frame(model: EuNatoModel, churn: bool = False) -> pd.DataFrame:
    """The events log, newest first, in names; coalition churn only when asked for."""
    rows = [{"round": e["round"], "date": model.date(int(e["round"])), "kind": e["kind"],
             "text": readable(model, e["text"])}
            for e in model.events_log if churn or e["kind"] not in CHURN]
    return pd.DataFrame(rows[::-1], columns=["round", "date", "kind", "text"])
