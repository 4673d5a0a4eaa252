"""The app in a real headless Chromium (Debian's, driven by Playwright).

The server is the real ``solara run app`` (the same command ``eunato app`` runs), started on
a free loopback port and stopped by its own process group. Every request the page makes is
recorded; any host other than the server fails the test, and so does any console warning
or error. Screenshots go to ``test-artifacts/``. Each test names the defect of the app
review (issue 12) it guards.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.offline import PACKAGES, cache_dir
from app.serve import serving

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EUNATO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1440, "height": 1000}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    missing = [k for k in PACKAGES if not (cache_dir() / k).is_dir()]
    assert not missing, f"assets missing from {cache_dir()}: {missing} (run: make assets)"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing (run: make chromium)"
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "server.log", "w") as log, serving(log=log) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def open_page(browser, url: str, viewport: dict = DESKTOP, context=None):
    ctx = context or browser.new_context(viewport=viewport, accept_downloads=True)
    pg = ctx.new_page()
    pg.requests, pg.noise = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: m.type in ("warning", "error") and pg.noise.append(
        f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.noise.append(f"pageerror: {e}"))
    pg.on("response", lambda r: r.status >= 400 and pg.noise.append(f"{r.status} {r.url}"))
    pg.goto(url)
    pg.locator(".eunato-network svg .mark-symbol path").first.wait_for(timeout=90_000)
    return pg


@pytest.fixture()
def page(server, browser):
    pg = open_page(browser, server)
    yield pg
    pg.context.close()


def status(pg) -> str:
    return pg.locator(".eunato-status").inner_text()


def wait_status(pg, text: str) -> str:
    pg.wait_for_function(
        "t => (document.querySelector('.eunato-status')||{}).innerText?.includes(t)",
        arg=text, timeout=30_000)
    return status(pg)


def step(pg, times: int = 1) -> None:
    for _ in range(times):
        r = int(re.search(r"after round (\d+)", status(pg)).group(1))
        pg.locator(".eunato-step").click()
        wait_status(pg, f"after round {r + 1} ")


def settle(pg) -> None:
    """Wait until every chart shows the data of the current render."""
    pg.wait_for_function(
        "() => [...document.querySelectorAll('.eunato-vega')].every(e => e.dataset.painted)")
    pg.wait_for_timeout(300)


def choose(pg, label: str, option: str, within: str = "body") -> None:
    """Pick ``option`` in the select ``label`` inside ``within``. A click that lands while
    a tab is still sliding in can leave the menu shut, so the select is clicked again."""
    item = pg.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        pg.locator(within).get_by_label(label).first.click(force=True)
        try:
            item.wait_for(state="visible", timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    item.click()


def boxes(pg, selector: str) -> list[dict]:
    """Visible boxes of the text elements under ``selector`` (``pg``: a page or a locator)."""
    return pg.locator(selector).evaluate_all("""els => els
        .filter(e => getComputedStyle(e).opacity !== '0' && e.getAttribute('opacity') !== '0'
                     && e.textContent.trim())
        .map(e => { const b = e.getBoundingClientRect();
                    return {x: b.left, y: b.top, r: b.right, b: b.bottom,
                            text: e.textContent}; })""")


def overlaps(bs: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(bs):
        for b in bs[i + 1:]:
            if (min(a["r"], b["r"]) - max(a["x"], b["x"]) > slack
                    and min(a["b"], b["b"]) - max(a["y"], b["y"]) > slack):
                out.append((a["text"], b["text"]))
    return out


def only_local(pg, server: str) -> None:
    hosts = {urlparse(u).netloc for u in pg.requests
             if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {urlparse(server).netloc}, f"requests left the server: {hosts}"


# -- console, offline, steps ---------------------------------------------------------------
def test_no_console_noise_on_load_and_step_and_nothing_leaves(page, server):
    """Review: a mermaid 404 and a Vue-script warning on load, a Vega-Lite v6/v5 warning
    on every draw."""
    settle(page)
    page.screenshot(path=ARTIFACTS / "app-round-0.png", full_page=True)
    net0 = page.locator(".eunato-network svg").first.inner_html()
    step(page, 3)
    settle(page)
    assert page.locator(".eunato-network svg").first.inner_html() != net0
    page.get_by_role("tab", name="History").click()
    page.locator(".eunato-membership svg .mark-rect path").first.wait_for()
    step(page)
    settle(page)
    page.screenshot(path=ARTIFACTS / "app-history.png", full_page=True)
    assert page.noise == [], "\n".join(page.noise)
    only_local(page, server)


def test_controls_enable_on_a_new_model_and_finished_status(server, browser):
    """Review: after a finished run, Play and Step stayed greyed on a scenario or protocol
    change; no "finished" message; a Step right after a scenario change was lost."""
    pg = open_page(browser, server + "?rounds=5")
    step(pg, 5)
    assert "Finished after 5 rounds" in pg.locator(".eunato-finished").inner_text()
    assert pg.locator(".eunato-step").is_disabled()
    assert pg.locator(".eunato-play").is_disabled()
    choose(pg, "Scenario", "us-disengagement")
    wait_status(pg, "us-disengagement")
    assert pg.locator(".eunato-step").is_enabled() and pg.locator(".eunato-play").is_enabled()
    pg.locator(".eunato-finished").wait_for(state="detached", timeout=5_000)
    pg.locator(".eunato-step").click()  # straight after the change: must not be lost
    wait_status(pg, "after round 1 ")
    while pg.locator(".eunato-step").is_enabled():
        step(pg)
    r = re.search(r"after round (\d+)", status(pg)).group(1)
    assert f"Finished after {r} rounds" in pg.locator(".eunato-finished").inner_text()
    choose(pg, "Protocol", "bdm")
    assert "after round 0 " in wait_status(pg, "bdm")
    assert pg.locator(".eunato-step").is_enabled()
    pg.context.close()


def test_bad_values_get_an_inline_message_never_a_traceback(server, browser):
    """Review: seed −1 replaced the app with a traceback showing server paths."""
    pg = open_page(browser, server + "?seed=-3&us=2")
    msgs = pg.locator(".eunato-message").all_inner_texts()
    assert any("Seed" in m for m in msgs) and any("US engagement" in m for m in msgs), msgs
    step(pg)
    seed = pg.locator(".eunato-seed input")
    for bad, said in (("-1", "got -1"), ("abc", "got 'abc'"), ("1e99", "got '1e99'")):
        seed.fill(bad)
        pg.wait_for_timeout(200)  # let the field's value reach the server before Enter
        seed.press("Enter")
        pg.locator(".eunato-seed").get_by_text(said).wait_for()
        assert "after round 1 " in status(pg)  # the run is untouched
    text = pg.locator("body").inner_text()
    assert "Traceback" not in text and "/site-packages/" not in text and ".py" not in text
    seed.fill("7")
    pg.wait_for_timeout(200)
    seed.press("Enter")
    assert "after round 0" in wait_status(pg, "seed 7")
    pg.context.close()


# -- division of labour chart -------------------------------------------------------------
def test_division_bands_render_and_text_fits(page):
    """Review: the bands never rendered (their data was dropped), the legend was clipped,
    "agreed" and "open" shared a symbol, veto text overprinted the ticks and legend. (The
    bands are now the two-role engine's: a role of 50 or more leads.)"""
    step(page, 4)
    settle(page)
    svg = ".eunato-division svg"
    fills = page.eval_on_selector_all(f"{svg} .mark-rect path",
                                      "els => els.map(e => e.getAttribute('fill'))")
    assert {"#bbbbbb", "#4c9a2a"} <= set(fills), fills  # "does not lead" / "leads" bands
    card = page.locator(".eunato-division").bounding_box()
    texts = boxes(page, f"{svg} text")
    assert overlaps(texts) == []
    for t in texts:
        assert card["x"] - 1 <= t["x"] and t["r"] <= card["x"] + card["width"] + 1, t
    symbols = page.eval_on_selector_all(
        f"{svg} .role-legend-symbol path", "els => els.map(e => e.getAttribute('fill') + "
        "' ' + e.getAttribute('stroke') + ' ' + e.getAttribute('d'))")
    # agreed, open, status quo holds, blocked; EU role, NATO role: six different symbols
    assert len(set(symbols)) == len(symbols) == 6, symbols
    assert page.locator(".eunato-vetoes li").count() >= 1


# -- coalitions -------------------------------------------------------------------------------
def _swatches(pg) -> dict[str, str]:
    return dict(pg.eval_on_selector_all(".eunato-coalition-table tbody tr", """rows =>
        rows.map(r => [r.cells[0].innerText.trim(),
                       r.querySelector('.eunato-swatch').style.background])"""))


def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def test_coalition_colours_stay_and_agree_between_views(page):
    """Review: colours were reassigned every step; network and heat map disagreed."""
    seen: dict[str, str] = {}
    for _ in range(12):
        step(page)
        settle(page)
        now = _swatches(page)
        for name, colour in now.items():
            assert seen.setdefault(name, colour) == colour, f"{name} changed colour"
        outlines = set(page.eval_on_selector_all(
            ".eunato-network svg .mark-line path", "els => els.map(e => e.getAttribute("
            "'stroke'))"))
        assert {_rgb(c) for c in outlines} == set(now.values())
    nodes = set(page.eval_on_selector_all(".eunato-network svg .mark-symbol path",
                                          "els => els.map(e => e.getAttribute('fill'))"))
    page.get_by_role("tab", name="History").click()
    page.locator(".eunato-membership svg .mark-rect path").first.wait_for()
    settle(page)
    heat = set(page.eval_on_selector_all(".eunato-membership svg .mark-rect path",
                                         "els => els.map(e => e.getAttribute('fill'))"))
    assert nodes <= heat


def _node_positions(pg) -> list[str]:
    return pg.eval_on_selector_all(".eunato-network svg .mark-symbol path",
                                   "els => els.map(e => e.getAttribute('transform'))")


def test_layout_is_stable_per_scenario_and_labels_never_collide(server, browser):
    """Review: the layout moved with each model; 49 pairs of labels overlapped."""
    for viewport in (DESKTOP, PHONE):
        pg = open_page(browser, server, viewport)
        settle(pg)
        before = _node_positions(pg)
        choose(pg, "Protocol", "bdm") if viewport is DESKTOP else None
        pg.goto(server + "?seed=42&us=0.3&protocol=bdm")
        pg.locator(".eunato-network svg .mark-symbol path").first.wait_for()
        settle(pg)
        assert _node_positions(pg) == before, "the layout moved between two runs"
        for _ in range(2):
            labels = boxes(pg, ".eunato-network svg .mark-text text")
            assert len(labels) >= 25, f"only {len(labels)} labels shown"
            assert overlaps(labels) == []
            step(pg, 5)
            settle(pg)
        pg.context.close()


# -- settings, shocks, tabs, names, ticks -----------------------------------------------------
def test_slider_readouts_apply_now_and_restart(page):
    """Review: slider values not shown; a slider change mid-run silently restarted the run,
    so no mid-run shock; the slider read 0.8 while the status said 0.30."""
    readout = page.locator(".eunato-slider-us_engagement .eunato-readout b")
    assert readout.inner_text() == "0.80"
    step(page, 3)
    thumb = page.locator(".eunato-slider-us_engagement [role=slider]")
    thumb.focus()
    for _ in range(4):
        thumb.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector("
                           "'.eunato-slider-us_engagement .eunato-readout b').innerText"
                           " === '0.60'")
    page.locator(".eunato-pending").wait_for()
    assert "after round 3 " in status(page) and "US engagement 0.80" in status(page)
    page.locator(".eunato-apply").click()
    s = wait_status(page, "US engagement 0.60")
    assert "after round 3 " in s, "Apply now restarted the run"
    page.locator(".eunato-pending").wait_for(state="detached")
    step(page)
    settle(page)
    marks = page.locator(".eunato-positions svg .mark-rule line[stroke='#7a3db8']")
    assert marks.count() >= 1, "the shock is not marked on the time chart"
    page.locator(".eunato-restart").click()
    s = wait_status(page, "after round 0 ")
    assert "US engagement 0.60" in s and readout.inner_text() == "0.60"


def test_loading_the_page_changes_no_setting(server, browser):
    """Found in the speed work (issue 12): bloc levels off the sliders' 0.05 grid (a mean
    of 0.612) were snapped by the widget on load and sent back as changes, which silently
    rebuilt the run with other levels, six times per load. Every readout must show the
    scenario's own level, exactly, after the page has settled."""
    from app.app import build
    from app.settings import LEVELS, current_levels

    want = current_levels(build({})[0])
    assert any(abs(v * 20 - round(v * 20)) > 1e-6 for v in want.values()), \
        "no level off the slider grid in the baseline: this test would not show the defect"
    pg = open_page(browser, server)
    settle(pg)
    pg.wait_for_timeout(1500)
    for key in LEVELS:
        shown = pg.locator(f".eunato-slider-{key} .eunato-readout b").inner_text()
        assert float(shown) == pytest.approx(want[key], abs=5e-4), (key, shown, want[key])
    assert pg.locator(".eunato-pending").count() == 0
    href = pg.locator(".eunato-permalink").get_attribute("href")
    from app.settings import from_query

    linked, _ = from_query(href.split("?", 1)[1])
    for key in LEVELS:
        assert linked[key] == pytest.approx(want[key], abs=5e-4), key
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


def test_named_tabs_names_not_ids_integer_round_ticks(page):
    """Review: tabs "PAGE 0"/"PAGE 1"; raw ids next to names; fractional round ticks."""
    assert page.get_by_role("tab", name="Live").count() == 1
    assert page.get_by_role("tab", name="History").count() == 1
    assert page.get_by_text(re.compile("page 0", re.I)).count() == 0
    step(page, 2)
    settle(page)
    ids = ["ukr_training", "ukr_aid", "ind_procurement", "decoupling_fear", "us_engagement",
           "eastern_flank"]

    def visible_ids() -> list[str]:
        text = page.locator("body").inner_text()
        return [i for i in ids if i in text]

    assert visible_ids() == []
    ticks = page.eval_on_selector_all(".eunato-positions svg .role-axis-label text",
                                      "els => els.map(e => e.textContent)")
    assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
    page.get_by_role("tab", name="History").click()
    page.locator(".eunato-events").wait_for()
    # a click, not check(): the box turns on once the server has answered
    page.get_by_label("show coalition changes").click(force=True)
    page.locator(".eunato-events").get_by_text(re.compile(r"\+ = ")).first.wait_for()
    settle(page)
    assert visible_ids() == []
    # issue 24, 9: the log said "blocked by HUN (eu_council)" and listed members by code
    from app.app import build
    from app.charts import actor_names
    from app.settings import DEFAULTS

    names = actor_names(build(DEFAULTS)[0])
    codes = [a for a, n in names.items() if a not in n]  # "EEAS / High Representative" keeps it
    log = page.locator(".eunato-events-table").inner_text()
    assert [c for c in codes if re.search(rf"\b{c}\b", log)] == [], log[:400]
    assert not re.search(r"\((eu_council|nato|european_parliament)\)", log), log[:400]


# -- phone --------------------------------------------------------------------------------------
def test_phone_layout_one_column_drawer_closes_nothing_too_wide(server, browser):
    """Review: on a 390 px phone the drawer covered the screen and could not be closed;
    500 px charts overlapped in 168 px columns."""
    pg = open_page(browser, server, PHONE)
    settle(pg)
    width = pg.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"
    for b in pg.eval_on_selector_all("svg", "els => els.map(e => "
                                     "e.getBoundingClientRect().right)"):
        assert b <= PHONE["width"] + 0.5
    net, div = (pg.locator(s).bounding_box() for s in (".eunato-network", ".eunato-division"))
    assert abs(net["x"] - div["x"]) < 1 and div["y"] >= net["y"] + net["height"] - 1
    drawer = pg.locator(".eunato-drawer")
    assert drawer.bounding_box()["x"] + drawer.bounding_box()["width"] <= 0  # closed
    pg.locator(".eunato-menu").click()
    pg.wait_for_function("() => document.querySelector('.eunato-drawer')"
                         ".getBoundingClientRect().left >= 0")
    pg.screenshot(path=ARTIFACTS / "app-phone-drawer.png")
    pg.mouse.click(PHONE["width"] - 15, 500)  # a tap outside the drawer
    pg.wait_for_function("() => document.querySelector('.eunato-drawer')"
                         ".getBoundingClientRect().right <= 0")
    step(pg)
    pg.screenshot(path=ARTIFACTS / "app-phone.png", full_page=True)
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


def test_phone_every_tab_fits_reads_and_keeps_its_settings(server, browser):
    """Issue 12's defects re-checked at 390×844 (the desktop tests above run at 1440×1000):
    on every tab nothing is wider than the screen and no chart text overlaps or leaves its
    card; the division chart's bands and six legend symbols show; tabs are named, names
    not ids; a swipe across a slider mid-run changes nothing until Apply now; no console
    warning or error."""
    pg = open_page(browser, server, PHONE)
    step(pg, 3)
    settle(pg)
    ids = ["ukr_training", "ukr_aid", "ind_procurement", "decoupling_fear", "us_engagement",
           "eastern_flank"]

    def fits(tab: str) -> None:
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{tab}: page is {width} px wide"
        cards = pg.evaluate("""() => [...document.querySelectorAll(
            '.v-window-item--active .eunato-card')].map(c => {
              const b = c.getBoundingClientRect();
              const texts = [...c.querySelectorAll('svg text')]
                .filter(e => getComputedStyle(e).opacity !== '0'
                             && e.getAttribute('opacity') !== '0' && e.textContent.trim())
                .map(e => { const t = e.getBoundingClientRect();
                            return {x: t.left, y: t.top, r: t.right, b: t.bottom,
                                    text: e.textContent, svg: [...c.querySelectorAll('svg')]
                                      .indexOf(e.ownerSVGElement)}; });
              return {x: b.left, r: b.right, w: b.width, texts, cls: c.className,
                      head: c.innerText.slice(0, 80)}; })""")
        for card in cards:
            if card["w"] == 0:
                continue
            assert card["x"] >= -0.5 and card["r"] <= PHONE["width"] + 0.5, \
                (tab, card["cls"], card["head"], card["r"])
            for t in card["texts"]:
                assert card["x"] - 1 <= t["x"] and t["r"] <= card["r"] + 1, (tab, t)
            for k in {t["svg"] for t in card["texts"]}:
                texts = [t for t in card["texts"] if t["svg"] == k and t["r"] > t["x"]]
                assert overlaps(texts) == [], (tab, overlaps(texts)[:3])
        text = pg.locator("body").inner_text()
        assert [i for i in ids if i in text] == [], tab

    fits("Live")
    div = ".eunato-division svg"
    fills = pg.eval_on_selector_all(f"{div} .mark-rect path",
                                    "els => els.map(e => e.getAttribute('fill'))")
    assert {"#bbbbbb", "#4c9a2a"} <= set(fills)
    assert pg.locator(f"{div} .role-legend-symbol path").count() == 6
    for name in ("History", "Why"):
        pg.get_by_role("tab", name=name).click()
        pg.locator(f".v-window-item--active .eunato-tab-{name.lower()} .eunato-vega svg"
                   ).first.wait_for()
        settle(pg)
        # the tabs slide in: give the slide time to end (every card standing still inside
        # the screen for two frames); a card that never gets there fails in fits()
        with contextlib.suppress(PlaywrightTimeout):
            pg.wait_for_function("""w => new Promise(done => {
                const xs = () => [...document.querySelectorAll(
                    '.v-window-item--active .eunato-card')].map(c => {
                      const b = c.getBoundingClientRect(); return [b.left, b.right]; });
                const a = JSON.stringify(xs());
                requestAnimationFrame(() => requestAnimationFrame(() => {
                  const now = xs();
                  const sliding = document.querySelector('[class*="-transition-enter"], '
                                                         + '[class*="-transition-leave"]');
                  done(!sliding && now.length > 0 && JSON.stringify(now) === a
                       && now.every(([l, r]) => l >= -0.5 && r <= w + 0.5)); })); })""",
                                 arg=PHONE["width"], timeout=5_000)
        fits(name)
    assert pg.get_by_text(re.compile("page 0", re.I)).count() == 0
    pg.get_by_role("tab", name="Live").click()
    # a swipe across a slider in the drawer: pending, not a restart
    pg.locator(".eunato-menu").click()
    pg.wait_for_function("() => document.querySelector('.eunato-drawer')"
                         ".getBoundingClientRect().left >= 0")
    pg.wait_for_timeout(300)  # the drawer's slide-in
    track = pg.locator(".eunato-slider-us_engagement .v-slider").bounding_box()
    y = track["y"] + track["height"] / 2
    pg.mouse.move(track["x"] + track["width"] * 0.8, y)
    pg.mouse.down()
    pg.mouse.move(track["x"] + track["width"] * 0.3, y, steps=8)
    pg.mouse.up()
    pg.locator(".eunato-pending").wait_for()
    assert "after round 3 " in status(pg) and "US engagement 0.80" in status(pg)
    pg.screenshot(path=ARTIFACTS / "app-phone-swipe.png")
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


# -- intro, export, permalink ----------------------------------------------------------------
def test_intro_is_dismissed_for_good(server, browser):
    ctx = browser.new_context(viewport=DESKTOP)
    pg = open_page(browser, server, context=ctx)
    intro = pg.locator(".eunato-intro")
    intro.wait_for()
    assert "Actors" in intro.inner_text()
    pg.get_by_role("button", name="Got it").click()
    intro.wait_for(state="detached")
    pg.reload()
    pg.locator(".eunato-network svg .mark-symbol path").first.wait_for()
    pg.wait_for_timeout(500)
    assert pg.locator(".eunato-intro").count() == 0
    ctx.close()


def test_exports_are_named_and_carry_settings(page, server):
    step(page, 2)
    settle(page)
    for kind, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
        with page.expect_download() as dl:
            page.locator(".eunato-network .eunato-export", has_text=kind.upper()).click()
        assert dl.value.suggested_filename == (
            f"baseline-2024-compromise-seed1-round2-network.{kind}")
        assert Path(dl.value.path()).read_bytes().startswith(magic)
    page.get_by_role("tab", name="History").click()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    assert dl.value.suggested_filename == "baseline-2024-compromise-seed1-round2.csv"
    import pandas as pd

    df = pd.read_csv(dl.value.path())
    assert {"scenario", "protocol", "seed", "code_version", "setting_us_engagement",
            "round", "actor"} <= set(df.columns)
    assert (df["protocol"] == "compromise").all() and (df["seed"] == 1).all()
    per_round = df.groupby("round")["actor"].nunique()
    assert list(per_round.index) == [0, 1, 2] and (per_round == per_round.iloc[0]).all()
    assert per_round.iloc[0] >= 40
    import json

    prov = json.loads(df["provenance"].iloc[0])
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download JSON").click()
    assert dl.value.suggested_filename == "baseline-2024-compromise-seed1-round2.json"
    full = json.loads(Path(dl.value.path()).read_text())["provenance"]
    assert {"scenario_hash", "code_version", "packages", "seed", "command"} <= set(full)
    assert full["seed"] == 1 and full["command"]["protocol"] == "compromise"
    assert prov == {k: v for k, v in full.items() if k != "scenario"}


def test_permalink_restores_the_settings(server, browser):
    url = server + "?scenario=us-disengagement&protocol=bdm&seed=7&us=0.45&rounds=30"
    pg = open_page(browser, url)
    s = status(pg)
    assert all(t in s for t in ("us-disengagement", "bdm", "seed 7", "US engagement 0.45",
                                "of 30")), s
    href = pg.locator(".eunato-permalink").get_attribute("href")
    pg2 = open_page(browser, server + href.lstrip("/"))
    assert status(pg2) == s
    pg.context.close()
    pg2.context.close()


def test_why_panel_explains_an_issue_in_names(page):
    """Review: a deadlock said only "vetoed by ALB, EST, ISL…"; no why."""
    step(page, 6)
    page.get_by_role("tab", name="Why").click()
    text = page.locator(".eunato-why-text")
    text.wait_for()
    choose(page, "Issue", "Industry: joint procurement finance", within=".eunato-why")
    page.wait_for_function("() => document.querySelector('.eunato-why-text').innerText"
                           ".startsWith('Industry: joint procurement finance')")
    facts = page.locator(".eunato-why-facts").inner_text()
    assert "Venue:" in facts and "Legal basis:" in facts
    settle(page)
    # the two-role plane: every actor, plus the status quo
    assert page.locator(".eunato-why svg .mark-symbol path").count() >= 42
    body = page.locator(".eunato-why, .eunato-why-details").all_inner_texts()
    assert not any(re.search(r"\b(ind_procurement|FRA|DEU|USA)\b", t) for t in body), body
    page.locator(".eunato-movers, .eunato-why-details").first.wait_for()
    assert page.noise == [], "\n".join(page.noise)


def test_spread_across_seeds_of_the_current_settings(server, browser):
    """Uncertainty: the single-run view shows the spread across N seeds of its settings."""
    pg = open_page(browser, server + "?rounds=15")
    slider = pg.locator(".eunato-spread [role=slider]")
    slider.focus()
    for _ in range(17):  # 20 seeds -> 3
        slider.press("ArrowLeft")
    pg.get_by_text("Seeds: 3").wait_for()
    pg.locator(".eunato-spread-run").click()
    pg.locator(".eunato-spread-progress").wait_for()
    step(pg)  # the page answers while the seeds run
    # review: the spread was lost on a tab switch (the Live tab's state went with it);
    # leave the tab while the seeds run and come back
    pg.get_by_role("tab", name="History").click()
    pg.locator(".eunato-events").wait_for()
    pg.get_by_role("tab", name="Live").click()
    pg.locator(".eunato-spread-table").wait_for(timeout=300_000)
    rows = pg.locator(".eunato-spread-table").text_content()  # (innerText varies mid-slide)
    pg.get_by_role("tab", name="Why").click()
    pg.locator(".eunato-why-text").wait_for()
    pg.get_by_role("tab", name="Live").click()
    pg.locator(".eunato-spread-table").wait_for(timeout=10_000)
    assert pg.locator(".eunato-spread-table").text_content() == rows
    assert pg.get_by_text("Seeds: 3").count() == 1  # the chosen count is kept too
    settle(pg)
    assert pg.locator(".eunato-spread svg .mark-rule line").count() >= 2 * 11
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()
