"""The app's components and page rendered without a browser (fast; a broken view fails here
before the browser tests run)."""

from __future__ import annotations

import io

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from altair.vegalite.v6.schema.core import TopLevelSpec

from app import Layout, charts
from app.app import Page
from app.components import COMPONENTS
from model.model import EuNatoModel


def _model(steps: int, **kw) -> EuNatoModel:
    m = EuNatoModel(rng=3, **kw)
    for _ in range(steps):
        if m.running:
            m.step()
    return m


STATES = [
    pytest.param({}, 0, id="baseline-start"),
    pytest.param({}, 4, id="baseline-4"),
    pytest.param({"scenario_name": "blockage-lifted", "rounds": 12}, 12,
                 id="blockage-end"),
    pytest.param({"protocol": "bdm", "rounds": 6}, 3, id="bdm-3"),
]


@pytest.mark.parametrize(("kw", "steps"), STATES)
@pytest.mark.parametrize("component", [c for c, _ in COMPONENTS],
                         ids=[c.__name__ if hasattr(c, "__name__") else str(c)
                              for c, _ in COMPONENTS])
def test_component_renders(component, kw, steps):
    model = _model(steps, **kw)
    box, rc = solara.render(component(model), handle_error=False)
    assert rc.find(v.Html).widgets or rc.find(v.Container).widgets or box.children


@pytest.mark.parametrize(("kw", "steps"), STATES)
def test_chart_data_follow_the_model(kw, steps):
    m = _model(steps, **kw)
    n, k = m.state.n, m.state.m
    nodes = charts.actors_frame(m)
    assert len(nodes) == n and set(nodes["actor"]) == set(m.state.actor_ids)
    # colour = coalition: members of a multi-actor coalition share its label
    labels = charts.coalition_labels(m)
    for c in set(m.state.coalition):
        members = np.flatnonzero(m.state.coalition == c)
        assert len({labels[i] for i in members}) == 1
    assert len(charts.membership_frame(m)) == (m.steps + 1) * n
    div = charts.division_frame(m)
    assert len(div) == k
    assert (div["status"] == "agreed").sum() == (m.settled_round >= 0).sum()
    # a deadlocked issue names its vetoers; an agreed one names none
    for _, row in div.iterrows():
        assert (row["vetoed_by"] == "") == (row["status"] == "agreed" or not row["vetoed_by"])
    ps = charts.pillar_summary(m).set_index("pillar")
    assert ps.to_numpy().sum() == k
    assert ps[["NATO-led", "joint", "EU-led"]].to_numpy().sum() == (m.settled_round >= 0).sum()
    pos = charts.positions_frame(m, m.state.issue_ids[0])
    assert len(pos) == (m.steps + 1) * n
    csv = pd.read_csv(io.BytesIO(charts.run_csv(m)))
    assert len(csv) == (m.steps + 1) * n
    assert len(pd.read_parquet(io.BytesIO(charts.run_parquet(m)))) == (m.steps + 1) * n
    for spec in (charts.network_chart(m), charts.division_chart(m),
                 charts.membership_chart(m), charts.positions_chart(m, "ukr_aid")):
        TopLevelSpec.from_dict(spec, validate=True)  # valid Vega-Lite, data filled in
        assert all(isinstance(v, list) for v in spec["datasets"].values())


def test_layout_is_stable_between_steps():
    m = _model(0)
    before = charts.layout(m).copy()
    for _ in range(5):
        m.step()
    assert np.array_equal(before, charts.layout(m))


def test_coalition_table_flags_match_the_engine():
    from model import coalitions

    m = _model(6)
    table = charts.coalitions_frame(m).set_index("coalition")
    for c in coalitions.describe(m.state, m.houses):
        if len(c["members"]) > 1:
            row = table.loc[f"{c['label']}+"]
            assert (row["blocks NATO"] == "yes") == c["can_block_nato"]
            assert (row["blocks EU QMV"] == "yes") == c["can_block_eu_qmv"]


def _status(rc) -> str:
    return rc.find(v.Html, class_="eunato-status").widget.children[0]


def _page():
    return solara.render(Layout(children=[Page()]), handle_error=False)


def test_page_steps_and_settings_rebuild_the_model():
    _, rc = _page()
    assert "baseline-2024" in _status(rc) and "after round 0" in _status(rc)
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(3):
        step.widget.click()
    assert "after round 3" in _status(rc)
    # switching the scenario builds a new model at once, back at round 0
    rc.find(v.Select, label="Scenario").widget.v_model = "us-disengagement"
    assert "us-disengagement" in _status(rc) and "after round 0" in _status(rc)
    # a slider change too, with that value
    rc.find(v.Slider, label="US engagement").widget.v_model = 0.3
    assert "US engagement 0.30" in _status(rc)
    # and SolaraViz's own Reset keeps the settings
    step.widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    s = _status(rc)
    assert "us-disengagement" in s and "US engagement 0.30" in s and "after round 0" in s


def test_each_session_has_its_own_model():
    _, a = _page()
    _, b = _page()
    a.find(v.Btn, children=["Step"]).widget.click()
    assert "after round 1" in _status(a)
    assert "after round 0" in _status(b)


def test_clicking_a_node_shows_its_data():
    import solara.widgets

    from app.components import CoalitionNetwork

    m = _model(2)
    _, rc = solara.render(CoalitionNetwork(m), handle_error=False)
    net = rc.find(solara.widgets.VegaLite).widget
    assert net.listen_to_click
    net.vue_altair_click({"actor": "POL", "x": 0.0})  # what the page sends for a node
    assert rc.find(v.Select, label="Inspect actor").widget.v_model == "POL"
    assert "Poland" in str(rc.find(v.Html, class_="eunato-actor").widget.children)
    net.vue_altair_click(None)  # empty space: the choice stays
    assert rc.find(v.Select, label="Inspect actor").widget.v_model == "POL"
