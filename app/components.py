"""The app's views. Each takes the model and the page's ``tick`` (bumped after every Step,
Play tick, shock or restart: the model is mutated in place, so the tick is what tells a
view to redraw). The numbers come from :mod:`app.charts`, which reads the engine's arrays.
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd
import solara

from app import charts, timecharts
from app.export import figure_meta, figure_name, run_csv, run_json, run_parquet
from app.vega import Vega

if TYPE_CHECKING:
    from model.model import EuNatoModel


def table_html(df: pd.DataFrame, classes: str = "eunato-table",
               swatch: str | None = None) -> str:
    """A small HTML table (escaped); ``swatch`` names a column of colours drawn as dots."""
    cols = [c for c in df.columns if c != swatch]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    first = df.columns[0]
    body = []
    for row in df.to_dict("records"):  # plain rows: iterrows builds a Series per row
        cells = []
        for c in cols:
            value = row[c]
            text = html.escape("" if value is None or value != value else str(value))
            if swatch and c == first:
                text = (f'<span class="eunato-swatch" style="background:'
                        f'{html.escape(str(row[swatch]))}"></span>{text}')
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="{classes}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def Table(df: pd.DataFrame, classes: list[str], swatch: str | None = None,
          empty: str = "none") -> None:
    if not len(df):
        solara.Text(empty, classes=classes)
        return
    solara.HTML(tag="div", unsafe_innerHTML=table_html(df, swatch=swatch),
                classes=["eunato-scroll", *classes])


@solara.component
def PillarSelect(model: EuNatoModel, pillar: int, on_pillar) -> None:
    names = charts.pillar_names(model)
    solara.Select("Pillar", values=names, value=names[pillar],
                  on_value=lambda n: on_pillar(names.index(n)), classes=["eunato-pillar"])


@solara.component
def CoalitionNetwork(model: EuNatoModel, tick: int) -> None:
    """Actors at their scenario layout; colour and outline = coalition in the chosen pillar
    (coalitions form per pillar); size = capability; shape = actor type. Click a node (or
    pick it below) to pin its data. The pillar's coalition table follows."""
    chosen, set_chosen = solara.use_state(None)
    pillar, set_pillar = solara.use_state(model.shown_pillar)
    pillar = pillar if pillar < len(model.pillars) else model.shown_pillar
    names = charts.actor_names(model)

    def clicked(datum: dict | None) -> None:
        if datum and datum.get("actor") in names:  # a node (outlines carry no actor)
            set_chosen(datum["actor"])

    with solara.Column(classes=["eunato-network", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Coalitions")
        PillarSelect(model, pillar, set_pillar)
        spec, data = charts.network_chart(model, pillar)
        Vega(spec, data, figure_name(model) + "-network", on_click=clicked,
             meta=figure_meta(model))
        solara.Text("colour and ring (its dash) = coalition, followed by its members from "
                    "round to round · size = capability · ● state ◆ US ■ bureaucracy "
                    "▲ Ukraine",
                    classes=["eunato-caption"])
        by_name = {v: k for k, v in names.items()}
        solara.Select("Inspect actor", values=sorted(by_name),
                      value=names.get(chosen) if chosen else None,
                      on_value=lambda n: set_chosen(by_name.get(n)))
        if chosen:
            row = charts.actors_frame(model, pillar).set_index("actor").loc[chosen]
            with solara.Div(classes=["eunato-actor"]):
                solara.Text(f"{row['name']} ({row['type']}, {row['bloc']}) · coalition "
                            f"{row['coalition']} · capability {row['capability']:.3f} · "
                            f"decoupling fear {row['decoupling fear']} · competition "
                            f"{row['competition']}", classes=["eunato-line"])
                solara.Text(f"positions: {row['positions']}", classes=["eunato-line"])
    with solara.Column(classes=["eunato-coalitions", "eunato-card"]):
        pname = charts.pillar_names(model)[pillar].lower()
        solara.HTML(tag="h3", unsafe_innerHTML=f"Coalitions now: {pname}")
        Table(charts.coalitions_frame(model, pillar), ["eunato-coalition-table"],
              swatch="colour", empty="No coalitions yet: every actor bargains alone.")


@solara.component
def DivisionOfLabour(model: EuNatoModel, tick: int) -> None:
    """Per issue: where it stands (NATO-led / joint / EU-led), status, and who blocks."""
    with solara.Column(classes=["eunato-division", "eunato-card"]):
        spec, data = charts.division_chart(model)
        Vega(spec, data, figure_name(model) + "-division",
             meta=figure_meta(model))
        solara.Text("ticks = the status quo of each role · filled circle = agreed · hollow "
                    "diamond = open (current forecast) · hollow square = status quo holds · "
                    "cross = blocked", classes=["eunato-caption"])
        blocked = charts.blocked_lines(model)
        if blocked:
            solara.HTML(tag="ul", classes=["eunato-vetoes"], unsafe_innerHTML="".join(
                f"<li>{html.escape(t)}</li>" for t in blocked))


@solara.component
def PositionsOverTime(model: EuNatoModel, tick: int) -> None:
    """One issue's EU or NATO role over time: bloc means and ranges, forecast, status quo,
    events."""
    ids = model.world.issue_ids
    names = charts.issue_names(model)
    issue, set_issue = solara.use_state(ids[0])
    role, set_role = solara.use_state("eu")
    issue = issue if issue in ids else ids[0]
    roles = {"EU role": "eu", "NATO role": "nato"}
    with solara.Column(classes=["eunato-positions", "eunato-card"]):
        with solara.Row(classes=["eunato-row"]):
            solara.Select("Issue", values=[names[i] for i in ids], value=names[issue],
                          on_value=lambda n: set_issue(next(i for i in ids if names[i] == n)))
            solara.Select("Role", values=list(roles), value=next(
                k for k, v in roles.items() if v == role), on_value=lambda k: set_role(roles[k]))
        spec, data = timecharts.positions_chart(model, issue, role)
        Vega(spec, data, figure_name(model) + f"-{issue}-{role}",
             meta=figure_meta(model))
        solara.Text("per bloc: line = capability-weighted mean, band = its members' range · "
                    "thick black = forecast · dashed grey = status quo · dotted purple = "
                    "scenario event or shock", classes=["eunato-caption"])


@solara.component
def PillarSummary(model: EuNatoModel, tick: int) -> None:
    with solara.Column(classes=["eunato-pillars", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Division of labour by pillar")
        Table(charts.pillar_summary(model), ["eunato-pillar-table"])


@solara.component
def OutcomeTable(model: EuNatoModel, tick: int) -> None:
    df = charts.division_frame(model)
    with solara.Column(classes=["eunato-outcome", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Outcome per issue")
        out = df[["pillar", "name", "status", "eu_role", "nato_role", "division", "route",
                  "round", "vetoed_by"]]
        Table(out.rename(columns={"name": "issue", "eu_role": "EU role",
                                  "nato_role": "NATO role", "vetoed_by": "vetoed by"}),
              ["eunato-outcome-table"])


@solara.component
def CoalitionMembership(model: EuNatoModel, tick: int) -> None:
    pillar, set_pillar = solara.use_state(model.shown_pillar)
    pillar = pillar if pillar < len(model.pillars) else model.shown_pillar
    with solara.Column(classes=["eunato-membership", "eunato-card"]):
        PillarSelect(model, pillar, set_pillar)
        spec, data = timecharts.membership_chart(model, pillar)
        Vega(spec, data, figure_name(model) + "-membership",
             meta=figure_meta(model))


@solara.component
def EventsLog(model: EuNatoModel, tick: int) -> None:
    """Agreements, deadlocks, scenario events and shocks (coalition churn on request);
    downloads of the run's data."""
    churn, set_churn = solara.use_state(False)
    name = figure_name(model)
    with solara.Column(classes=["eunato-events", "eunato-card"]):
        with solara.Row(classes=["eunato-downloads"]):
            solara.FileDownload(lambda: run_csv(model), filename=f"{name}.csv",
                                label="Download CSV")
            solara.FileDownload(lambda: run_parquet(model), filename=f"{name}.parquet",
                                label="Download Parquet")
            solara.FileDownload(lambda: run_json(model), filename=f"{name}.json",
                                label="Download JSON")
        solara.Checkbox(label="show coalition changes", value=churn, on_value=set_churn)
        Table(charts.events_frame(model, churn=churn).head(60), ["eunato-events-table"],
              empty="Nothing has happened yet.")


@solara.component
def Perception(model: EuNatoModel, tick: int) -> None:
    """BDM's perception chart, only under the BDM protocol (the one whose rounds the
    perceptions drive)."""
    if model.protocol_name == "bdm":
        PerceptionChart(model, tick)


@solara.component
def PerceptionChart(model: EuNatoModel, tick: int) -> None:
    """How one actor sees every other on one issue (BDM)."""
    from forecasting.perception import perception_figure

    anames = charts.actor_names(model)
    inames = {}
    for i, name in charts.issue_names(model).items():
        inames[f"{i}:eu"], inames[f"{i}:nato"] = f"{name}: EU role", f"{name}: NATO role"
    actor, set_actor = solara.use_state("USA" if "USA" in anames else model.state.actor_ids[0])
    issue, set_issue = solara.use_state(model.state.issue_ids[0])
    with solara.Column(classes=["eunato-perception", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="How one actor sees the others (BDM)")
        with solara.Row():
            solara.Select("Actor", values=sorted(anames.values()), value=anames[actor],
                          on_value=lambda n: set_actor(
                              next(k for k, v in anames.items() if v == n)))
            solara.Select("Issue", values=list(inames.values()), value=inames[issue],
                          on_value=lambda n: set_issue(
                              next(k for k, v in inames.items() if v == n)))
        fig = perception_figure(model.state, actor, issue)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)  # pyplot keeps every figure alive otherwise: one per redraw
        solara.Image(buf.getvalue(), classes=["eunato-img"])


#: the tabs of the main view and their components
TABS: dict[str, list] = {
    "Live": [CoalitionNetwork, DivisionOfLabour, PositionsOverTime, PillarSummary],
    "History": [CoalitionMembership, OutcomeTable, EventsLog, Perception],
}
COMPONENTS = [c for cs in TABS.values() for c in cs]
