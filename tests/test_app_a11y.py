"""Accessibility of the app (issue 24, 10 and 11), in headless Chromium: axe-core (the npm
package ``make assets`` fetches, injected from disk: the page itself never loads it) finds
no serious or critical violation on any tab; sliders and charts are labelled; the page
has a language; the keyboard reaches Step early and shows where it is; colours that
carry meaning are told apart under colour-vision deficiency and have a second cue."""

from __future__ import annotations

import json

import pytest
from test_app_browser import (  # noqa: F401  (fixtures and helpers)
    ARTIFACTS,
    browser,
    open_page,
    server,
    settle,
    step,
)

from app.offline import cache_dir

pytestmark = pytest.mark.browser
AXE = cache_dir() / "axe-core@4.14.1" / "axe.min.js"


def _axe(pg) -> list[dict]:
    if not pg.evaluate("() => !!window.axe"):
        pg.add_script_tag(path=str(AXE))
    return pg.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                    where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")


def test_axe_finds_no_serious_violation_on_any_tab(server, browser):  # noqa: F811
    assert AXE.exists(), f"{AXE} missing (run: make assets)"
    pg = open_page(browser, server)
    step(pg, 2)
    settle(pg)
    found = {}
    for name in ("Live", "History", "Why", "Compare"):
        pg.get_by_role("tab", name=name).click()
        pg.locator(f".v-window-item--active .eunato-tab-{name.lower()}").wait_for()
        pg.wait_for_timeout(800)
        found[name] = _axe(pg)
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, indent=1))
    assert all(v == [] for v in found.values()), json.dumps(found)[:3000]
    only = {h for h in pg.requests if "axe" in h}
    assert not only, f"the page asked for axe itself: {only}"
    pg.context.close()


def test_labels_language_focus_and_keyboard(server, browser):  # noqa: F811
    pg = open_page(browser, server)
    settle(pg)
    assert pg.evaluate("() => document.documentElement.lang") == "en"
    labels = pg.eval_on_selector_all(".eunato-slider [role=slider]",
                                     "els => els.map(e => e.getAttribute('aria-label'))")
    assert labels and all(lab and lab.strip() for lab in labels), labels
    charts = pg.eval_on_selector_all(".eunato-vega-plot", "els => els.map(e => "
                                     "[e.getAttribute('role'), e.getAttribute('aria-label')])")
    assert charts and all(r == "img" and lab for r, lab in charts), charts
    # a skip link first: Tab, Enter lands on Step
    pg.keyboard.press("Tab")
    first = pg.evaluate("() => document.activeElement.innerText")
    assert "Skip" in first, first
    pg.keyboard.press("Enter")
    assert "step" in pg.evaluate("() => document.activeElement.innerText").lower()
    # the PNG / SVG buttons show focus
    btn = pg.locator(".eunato-network .eunato-export").first
    btn.focus()
    ring = pg.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth]; }""")
    assert ring[0] != "none" and ring[1] != "0px", ring
    # Space switches tabs
    tab = pg.get_by_role("tab", name="History")
    tab.focus()
    pg.keyboard.press("Space")
    pg.locator(".v-window-item--active .eunato-tab-history").wait_for()
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()
