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

from app import Layout, charts, network, settings, timecharts
from app.app import Page, advance, build
from app.components import COMPONENTS
from app.export import figure_name, run_csv, run_parquet, run_settings
from model.io.provenance import code_version
from model.model import EuNatoModel


def _model(steps: int, **kw) -> EuNatoModel:
    m, err = build({"rng": 3, **kw})
    assert err is None, err
    for _ in range(steps):
        if m.running:
            advance(m)
    return m


STATES = [
    pytest.param({}, 0, id="baseline-start"),
    pytest.param({}, 4, id="baseline-4"),
    pytest.param({"scenario_name": "blockage-lifted", "rounds": 12}, 12,
                 id="blockage-end"),
    pytest.param({"protocol": "bdm", "rounds": 6}, 3, id="bdm-3"),
]


@pytest.mark.parametrize(("kw", "steps"), STATES)
@pytest.mark.parametrize("component", COMPONENTS, ids=[c.__name__ for c in COMPONENTS])
def test_component_renders(component, kw, steps):
    model = _model(steps, **kw)
    box, rc = solara.render(component(model, 0), handle_error=False)
    assert box.children


def _valid_vega_lite(spec: dict, data: dict) -> None:
    # the page runs Vega-Lite 5; Altair 6 validates against the v6 schema, which the
    # specs also satisfy (they use nothing v6 added)
    TopLevelSpec.from_dict({**spec, "$schema": "https://vega.github.io/schema/vega-lite/"
                                               "v6.json", "datasets": data}, validate=True)
    assert spec["$schema"].endswith("/v5.json")
    assert all(isinstance(rows, list) for rows in data.values())


@pytest.mark.parametrize(("kw", "steps"), STATES)
def test_chart_data_follow_the_model(kw, steps):
    m = _model(steps, **kw)
    n, k = m.state.n, m.m
    for pillar in range(len(m.pillars)):
        _, net = charts.network_chart(m, pillar)
        assert len(net["nodes"]) == n
        assert {r["actor"] for r in net["nodes"]} == set(m.state.actor_ids)
        # colour = coalition: members of a multi-actor coalition share its label and colour
        labels = network.coalition_labels(m, pillar=pillar)
        part = m.coalition[pillar]
        for c in set(part):
            members = np.flatnonzero(part == c)
            assert len({labels[i] for i in members}) == 1
            assert len({net["nodes"][i]["colour"] for i in members}) == 1
        # an outline for each coalition of two or more, none for singletons
        multi = {lab for lab in labels if lab != network.ALONE}
        assert {r["coalition"] for r in net["outlines"]} == multi
        assert len(timecharts.membership_frame(m, pillar)) == (m.steps + 1) * n
    div = charts.division_frame(m)
    assert len(div) == k
    assert list(div["status"]) == m.status
    for r in div.itertuples():  # roles in force, or the forecast while open
        src = m.forecast if r.status == "open" else m.outcome
        j = m.world.issue_ids.index(r.issue)
        assert (r.eu_role, r.nato_role) == (round(float(src[j]), 1),
                                            round(float(src[k + j]), 1))
    ps = charts.pillar_summary(m).set_index("pillar")
    assert ps.to_numpy().sum() == k
    labelled = ps[["both", "EU-led", "NATO-led", "neither"]].to_numpy().sum()
    assert labelled == m.status.count("agreed")
    _, pos = timecharts.positions_chart(m, m.world.issue_ids[0], "nato")
    blocs = {a.bloc for a in m.world.actors}
    assert len(pos["blocs"]) == (m.steps + 1) * len(blocs)
    for r in pos["blocs"]:
        assert r["lo"] - 1e-9 <= r["position"] <= r["hi"] + 1e-9
    csv = pd.read_csv(io.BytesIO(run_csv(m)))
    assert len(csv) == (m.steps + 1) * n
    assert len(pd.read_parquet(io.BytesIO(run_parquet(m)))) == (m.steps + 1) * n
    for spec, data in (charts.division_chart(m), timecharts.membership_chart(m),
                       timecharts.positions_chart(m, "ukr_aid", "eu")):
        _valid_vega_lite(spec, data)


def test_division_bands_are_in_the_data():
    """The NATO-led / joint / EU-led bands are drawn from a dataset the chart is sent."""
    spec, data = charts.division_chart(_model(0))
    assert [b["band"] for b in data["bands"]] == ["does not lead", "leads"]
    used = {layer["data"]["name"] for layer in spec["layer"]}
    assert used <= set(data), f"layers read datasets that are never sent: {used - set(data)}"


def test_colours_are_kept_for_the_whole_run():
    m = _model(0)
    seen: dict[str, str] = {}
    for _ in range(30):
        advance(m)
        table = network.colours(m)
        for name, colour in seen.items():
            assert table[name] == colour, f"{name} changed colour"
        seen = dict(table)
        # the heat map and the network agree at this round, in every pillar
        for pillar in range(len(m.pillars)):
            mem = timecharts.membership_frame(m, pillar)
            now = mem[mem["round"] == m.steps].set_index("actor")["colour"]
            for node in network.nodes(m, pillar):
                assert now[node["actor"]] == node["colour"]


def test_layout_is_fixed_per_scenario():
    a = _model(0)
    b = _model(5, rng=99, protocol="bdm", us_engagement=0.2)
    assert np.array_equal(network.layout(a), network.layout(b))
    xy = network.layout(a)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) + np.eye(len(xy))
    assert d.min() > 0.03, "two nodes sit on each other"


def test_coalition_table_flags_match_the_engine():
    from model import coalitions

    m = _model(6)
    for k, cols in enumerate(m.pillar_cols):
        table = charts.coalitions_frame(m, k)
        names = charts.actor_names(m)
        for c in coalitions.describe(m.coalition[k], m.state.actor_ids, m.state.capability,
                                     m.state.position[:, cols], m.state.salience[:, cols],
                                     m.electorate):
            row = table[table["members"] == ", ".join(names[a] for a in c["members"])]
            assert len(row) == 1
            row = row.iloc[0]
            assert ("NATO" in row["can block"]) == c["can_block_nato"]
            assert ("EU QMV" in row["can block"]) == c["can_block_eu_qmv"]


def test_settings_check_and_permalink_round_trip():
    assert settings.check("rng", -1) and "Seed" in settings.check("rng", -1)
    assert settings.check("us_engagement", 1.5)
    assert settings.check("scenario_name", "../../etc/passwd")
    assert settings.check("rounds", 7) is None
    s = {**settings.DEFAULTS, "rng": 17, "protocol": "bdm", "us_engagement": 0.35,
         "eastern_flank_decoupling_fear": 0.9}
    back, errors = settings.from_query(settings.to_query(s))
    assert errors == [] and back == s
    back, errors = settings.from_query("?seed=-4&us=abc&scenario=nope&zzz=1&rounds=20")
    assert back["rng"] == settings.DEFAULTS["rng"] and back["rounds"] == 20
    assert len(errors) == 4


def test_exports_carry_the_settings_and_code_version():
    m = _model(3, protocol="bdm", us_engagement=0.4)
    # levels that are not the scenario's own are in the name (issue 24: two runs at
    # other US engagement got one file name)
    assert figure_name(m).startswith("baseline-2024-bdm-seed3-round3-set")
    assert figure_name(_model(3, protocol="bdm")) == "baseline-2024-bdm-seed3-round3"
    assert figure_name(_model(3, protocol="bdm", us_engagement=0.5)) != figure_name(m)
    df = pd.read_parquet(io.BytesIO(run_parquet(m)))
    meta = run_settings(m)
    for key, value in meta.items():
        assert (df[key] == value).all(), key
    assert meta["setting_us_engagement"] == 0.4 and meta["code_version"] == code_version()
    csv = pd.read_csv(io.BytesIO(run_csv(m)))
    assert {"scenario", "protocol", "seed", "code_version", "setting_eu_core_competition",
            "max_rounds", "shocks", "provenance"} <= set(csv)


@pytest.mark.parametrize("seed,us", [(3, 0.4), (11, None)])
def test_every_download_carries_one_provenance_object(seed, us):
    """CSV, Parquet and JSON: the provenance every eunato output has (scenario hash, code
    version, packages, seed, the settings), the same in all three and the engine's own."""
    import json

    import pyarrow.parquet as pq

    from app.export import run_json
    from model.io.provenance import model_provenance

    m = _model(4, rng=seed, **({"us_engagement": us} if us is not None else {}))
    full = json.loads(run_json(m))["provenance"]
    engine = model_provenance(m)
    assert {"scenario_hash", "code_version", "packages", "seed", "command"} <= set(full)
    assert full["scenario_hash"] == engine["scenario_hash"] and full["seed"] == seed
    assert full["packages"] == engine["packages"] and full["scenario"] == engine["scenario"]
    assert full["code_version"] == code_version()
    cmd = full["command"]
    assert cmd["front_door"] == "app" and cmd["seed"] == seed and cmd["protocol"] == "compromise"
    assert cmd["setting_us_engagement"] == (us if us is not None else 0.8)
    rows = {k: v for k, v in full.items() if k != "scenario"}
    for raw in (pd.read_csv(io.BytesIO(run_csv(m)))["provenance"],
                pd.read_parquet(io.BytesIO(run_parquet(m)))["provenance"]):
        assert raw.nunique() == 1 and json.loads(raw.iloc[0]) == rows
    file_meta = pq.read_metadata(io.BytesIO(run_parquet(m))).metadata[b"provenance"]
    assert json.loads(file_meta) == full
    summary = json.loads(run_json(m))
    assert set(summary) == {*m.summary(), "provenance"}  # the engine's summary, as written


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
    rc.find(v.Select, label="Scenario").widget.v_model = "us-disengagement"
    assert "us-disengagement" in _status(rc) and "after round 0" in _status(rc)


def test_each_session_has_its_own_model():
    _, a = _page()
    _, b = _page()
    a.find(v.Btn, children=["Step"]).widget.click()
    assert "after round 1" in _status(a)
    assert "after round 0" in _status(b)


def test_clicking_a_node_shows_its_data():
    from app.components import CoalitionNetwork
    from app.vega import VegaView

    m = _model(2)
    _, rc = solara.render(CoalitionNetwork(m, 0), handle_error=False)
    net = rc.find(VegaView).widget
    assert net.listen_to_click
    net.vue_clicked({"actor": "POL", "x": 0.0})  # what the page sends for a node
    assert rc.find(v.Select, label="Inspect actor").widget.v_model == "Poland"
    assert "Poland" in str(rc.find(v.Html, class_="eunato-actor").widget.children)
    net.vue_clicked(None)  # empty space: the choice stays
    assert rc.find(v.Select, label="Inspect actor").widget.v_model == "Poland"


@pytest.mark.parametrize(("kw", "steps"), STATES)
def test_why_panel_is_the_engines_explanation(kw, steps):
    from app import why
    from app.components import Table  # noqa: F401  (the panel's tables)

    m = _model(steps, **kw)
    names = charts.actor_names(m)
    for issue in m.world.issue_ids:
        ex = m.explain(issue)[issue]
        assert why.explanation(m, issue) == ex
        text = why.named(m, ex["text"])
        assert issue not in text and m.world.issues[m.world.issue_ids.index(issue)].name in text
        blockers = why.blockers_frame(m, ex)
        assert list(blockers["actor"]) == [names[v["actor"]] for v in ex["vetoes"]]
        _, data = why.plane_chart(m, issue, ex)
        kinds = [r["what"] for r in data["points"]]
        assert kinds.count("blocker") == len({v["actor"] for v in ex["vetoes"]})
        assert kinds.count("actor") + kinds.count("blocker") == m.state.n
        _valid_vega_lite(*why.plane_chart(m, issue, ex))
    box, _ = solara.render(why.WhyPanel(m, 0), handle_error=False)
    assert box.children


def test_spread_table_summarises_the_batch_runs():
    from app import spread
    from experiments.batch import run_params

    current = {**settings.DEFAULTS, "rounds": 15, "us_engagement": 0.4}
    params = spread.spread_params(current, 4)
    assert [p["seed"] for p in params] == [0, 1, 2, 3]
    assert all(p["us_engagement"] == 0.4 and p["scenario"] == "baseline-2024" for p in params)
    runs = run_params(params, workers=1, progress=False)
    m = _model(0)
    issues = [(i.id, i.name, i.pillar) for i in m.world.issues]
    table = spread.spread_table(runs, issues, "these settings")
    for iid, _, _ in issues:
        row = table[(table["level"] == "issue") & (table["unit"] == iid)].iloc[0]
        eu = runs[f"eu_role_{iid}"].to_numpy(float)
        assert row["eu_role_median"] == pytest.approx(np.median(eu))
        assert row["eu_role_p10"] <= row["eu_role_median"] <= row["eu_role_p90"]
        assert row["agreed_share"] == pytest.approx(runs[f"agreed_{iid}"].mean())
    assert set(table[table["level"] == "pillar"]["unit"]) == {p for *_, p in issues}
    from app.compare import roles_chart

    _valid_vega_lite(*roles_chart(table))
