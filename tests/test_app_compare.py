"""The app's Compare tab: two scenarios, or two settings of one, over N seeds, through
``experiments.compare.compare_scenarios`` (the function behind ``eunato
compare-scenarios``). Skipped only where that module is not part of the build."""

from __future__ import annotations

import pytest

pytest.importorskip("experiments.compare")

from test_app_browser import (  # noqa: E402, F401  (fixtures and helpers)
    ARTIFACTS,
    browser,
    open_page,
    server,
    settle,
    step,
)
from test_app_render import _valid_vega_lite  # noqa: E402

from app import compare  # noqa: E402
from app import settings as S  # noqa: E402


def test_variant_scenario_file_sets_the_levels(tmp_path):
    from model.model import EuNatoModel

    levels = {"scenario_name": "baseline-2024", "protocol": "bdm", "us_engagement": 0.3,
              "eastern_flank_decoupling_fear": 0.9, "commission_competition": 0.2}
    path = tmp_path / "v.toml"
    path.write_text(compare.variant_toml("baseline-2024", "v", levels))
    # the stated levels, not a run's draw of the judgements around them
    m = EuNatoModel(scenario_name=str(path), rng=1, judgements="central")
    now = S.current_levels(m)
    assert m.protocol_name == "bdm" and now["us_engagement"] == 0.3
    assert now["eastern_flank_decoupling_fear"] == 0.9 and now["commission_competition"] == 0.2


def test_each_side_keeps_its_own_premise():
    """Issue 24: A's levels went to B (Commission competition 0.85 for eu-autonomy-push,
    whose own is 1.0). Only what the user changed on a side is set on it."""
    own = S.scenario_levels("baseline-2024")
    a = {**S.DEFAULTS, **own}
    p = compare.plan(a, {"scenario_name": "eu-autonomy-push", "protocol": "compromise",
                         "rounds": 50}, 5)
    assert p.scenarios == ["baseline-2024", "eu-autonomy-push"] and p.files == {}
    assert p.command == ("eunato compare-scenarios baseline-2024 eu-autonomy-push --seeds 5 "
                         "--set protocol=compromise --set rounds=50")
    p = compare.plan({**a, "us_engagement": 0.6}, {"scenario_name": "eu-autonomy-push",
                                                   "protocol": "compromise", "rounds": 50}, 5)
    assert p.scenarios[1] == "eu-autonomy-push" and "us_engagement = 0.6" in p.files[
        p.scenarios[0]] and p.command is None


@pytest.mark.parametrize("mode", ["scenarios", "settings"])
def test_comparison_table_and_chart(mode):
    a = {**S.DEFAULTS, "rounds": 20}
    b = ({**a, "scenario_name": "us-disengagement"} if mode == "scenarios"
         else {**a, "us_engagement": 0.2})
    seen = []
    comp, _ = compare.run_comparison(a, b, 3, progress=lambda d, t: seen.append((d, t)),
                                     workers=1)
    assert seen[-1] == (6, 6) and len(seen) == 6
    assert len(comp.scenarios) == 2 and comp.seeds == [0, 1, 2]
    issues = comp.table[comp.table["level"] == "issue"]
    assert len(issues) == 2 * issues["unit"].nunique()
    spec, data = compare.roles_chart(comp.table)
    _valid_vega_lite(spec, data)
    assert len(data["rows"]) == 2 * len(issues)
    side = compare.side_by_side(comp.table, "pillar", {})
    assert len(side) == comp.table[comp.table["level"] == "pillar"]["unit"].nunique()


@pytest.mark.browser
def test_compare_tab_runs_in_the_background_with_progress(server, browser):  # noqa: F811
    pg = open_page(browser, server)
    pg.get_by_role("tab", name="Compare").click()
    pg.locator(".eunato-compare").wait_for()
    slider = pg.locator(".eunato-compare .v-slider [role=slider]").last
    slider.focus()
    for _ in range(16):  # 20 seeds -> 4
        slider.press("ArrowLeft")
    pg.get_by_text("Seeds: 4").wait_for()
    pg.locator(".eunato-compare-run").click()
    pg.locator(".eunato-compare-progress").wait_for(timeout=30_000)
    # the page answers while the comparison runs
    pg.get_by_role("tab", name="Live").click()
    step(pg)
    pg.get_by_role("tab", name="Compare").click()
    pg.locator(".eunato-compare-issues").wait_for(timeout=300_000)
    settle(pg)
    assert pg.locator(".eunato-compare-result svg .mark-symbol path").count() >= 4
    pg.screenshot(path=ARTIFACTS / "app-compare.png", full_page=True)
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()
