"""The app's Solara components. Each takes the model and draws one view of it.

SolaraViz calls every component with the current model; Step and Play mutate that same
model object, so each component also reads Mesa's ``update_counter`` to redraw after
them. The numbers come from :mod:`app.charts`, which reads the engine's arrays.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import solara
import solara.widgets
from mesa.visualization.utils import update_counter

from app import charts

if TYPE_CHECKING:
    from model.model import EuNatoModel


BLOCK = {"display": "block", "font-size": "0.85em"}


@solara.component
def VegaLite(spec: dict, on_click: Callable[[dict | None], None] | None = None) -> None:
    """A Vega-Lite spec drawn in the page (Solara's widget, without Altair's per-draw
    schema validation: the specs come from validated templates, see app.charts).
    ``on_click`` gets the clicked mark's data row (None for a click on empty space)."""
    solara.widgets.VegaLite.element(spec=spec, on_click=on_click,
                                    listen_to_click=on_click is not None,
                                    listen_to_hover=False)


@solara.component
def CoalitionNetwork(model: EuNatoModel) -> None:
    """Actors as nodes (colour = coalition, size = capability, shape = type), edges =
    alignment; hover a node for its positions, saliences, decoupling fear, competition,
    click it (or pick it below) to pin them under the chart."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    with solara.Column(classes=["eunato-network"]):
        chosen, set_chosen = solara.use_state(None)

        def clicked(datum: dict | None) -> None:
            if datum and datum.get("actor"):  # a node (edges have no "actor")
                set_chosen(datum["actor"])

        VegaLite(charts.network_chart(model), on_click=clicked)
        actors = charts.actors_frame(model)
        solara.Select("Inspect actor", values=list(actors["actor"]), value=chosen,
                      on_value=set_chosen)
        if chosen:
            row = actors.set_index("actor").loc[chosen]
            with solara.Div(classes=["eunato-actor"]):
                solara.Text(f"{row['name']} ({row['type']}, {row['bloc']}) · coalition "
                            f"{row['coalition']} · capability {row['capability']:.3f} · "
                            f"decoupling fear {row['decoupling_fear']} · competition "
                            f"{row['competition']}", style=BLOCK)
                solara.Text(f"positions: {row['positions']}", style=BLOCK)
                solara.Text(f"saliences: {row['saliences']}", style=BLOCK)


@solara.component
def PositionsOverTime(model: EuNatoModel) -> None:
    """Each actor's position on one issue by round, with forecast and status quo."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    issue, set_issue = solara.use_state(model.state.issue_ids[0])
    with solara.Column(classes=["eunato-positions"]):
        solara.Select("Issue", values=list(model.state.issue_ids), value=issue,
                      on_value=set_issue)
        VegaLite(charts.positions_chart(model, issue))


@solara.component
def DivisionOfLabour(model: EuNatoModel) -> None:
    """Per pillar: where each issue stands (EU-led / joint / NATO-led), deadlocks, vetoes."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    df = charts.division_frame(model)
    with solara.Column(classes=["eunato-division"]):
        VegaLite(charts.division_chart(model))
        agreed = int((df["status"] == "agreed").sum())
        solara.Text(f"{model.spec.name} · {model.protocol_name} · US engagement "
                    f"{model.world.us_engagement:.2f} · agreed {agreed}/{len(df)} issues "
                    f"after round {model.steps}", classes=["eunato-status"])



@solara.component
def PillarSummary(model: EuNatoModel) -> None:
    """Per pillar (Ukraine, industry, interoperability): issues agreed NATO-led, joint or
    EU-led, and issues still open or deadlocked."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    ps = charts.pillar_summary(model)
    rows = ["| " + " | ".join(map(str, r)) + " |" for r in ps.itertuples(index=False)]
    with solara.Column(classes=["eunato-pillars"]):
        solara.Markdown("\n".join([f"### Division of labour by pillar, round {model.steps}",
                                    "| " + " | ".join(ps.columns) + " |",
                                    "|---" * len(ps.columns) + "|", *rows]))


@solara.component
def OutcomeTable(model: EuNatoModel) -> None:
    """The outcome per issue: status, point, label, round, and who vetoes."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    df = charts.division_frame(model)
    with solara.Column(classes=["eunato-outcome"]):
        solara.Markdown(f"### Outcome after round {model.steps}")
        solara.DataFrame(df[["pillar", "issue", "status", "point", "division", "round",
                             "vetoed_by"]], items_per_page=10)


@solara.component
def CoalitionMembership(model: EuNatoModel) -> None:
    """Who was with whom, round by round."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    with solara.Column(classes=["eunato-membership"]):
        VegaLite(charts.membership_chart(model))


@solara.component
def CoalitionTable(model: EuNatoModel) -> None:
    """Current coalitions with pooled capability and blocking power per house."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    with solara.Column(classes=["eunato-coalitions"]):
        solara.Markdown(f"### Coalitions after round {model.steps}")
        solara.DataFrame(charts.coalitions_frame(model), items_per_page=12)


@solara.component
def EventsLog(model: EuNatoModel) -> None:
    """Scenario events, coalitions formed or broken, agreements, vetoes; and downloads."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    with solara.Column(classes=["eunato-events"]):
        with solara.Row():
            solara.FileDownload(lambda: charts.run_csv(model),
                                filename=f"eunato-{model.spec.name}-r{model.steps}.csv",
                                label="Download CSV")
            solara.FileDownload(lambda: charts.run_parquet(model),
                                filename=f"eunato-{model.spec.name}-r{model.steps}.parquet",
                                label="Download Parquet")
        solara.DataFrame(charts.events_frame(model), items_per_page=15)


@solara.component
def Perception(model: EuNatoModel) -> None:
    """BDM's perception chart: how one actor sees every other (conflict, compromise,
    capitulation, status quo) on one issue."""
    update_counter.get()  # redraw after every Step / Play tick (same model object)
    from model.perception import perception_figure

    actor, set_actor = solara.use_state("USA" if "USA" in model.state.actor_ids
                                        else model.state.actor_ids[0])
    issue, set_issue = solara.use_state(model.state.issue_ids[0])
    with solara.Column(classes=["eunato-perception"]):
        with solara.Row():
            solara.Select("Actor", values=list(model.state.actor_ids), value=actor,
                          on_value=set_actor)
            solara.Select("Issue", values=list(model.state.issue_ids), value=issue,
                          on_value=set_issue)
        fig = perception_figure(model.state, actor, issue)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)  # pyplot keeps every figure alive otherwise: one per redraw
        solara.Image(buf.getvalue())


#: the components of the main view, in order (SolaraViz lays them out in a grid)
#: as (component, page): page 0 is the live picture, page 1 the history and details
COMPONENTS = [(CoalitionNetwork, 0), (DivisionOfLabour, 0), (PositionsOverTime, 0),
              (CoalitionTable, 0), (PillarSummary, 0), (OutcomeTable, 1), (CoalitionMembership, 1),
              (EventsLog, 1), (Perception, 1)]
