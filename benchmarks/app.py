"""How fast is the app? Measured in real Chromium (Debian's, driven by Playwright) against
the real ``solara run app`` server, on the baseline scenario with the compromise protocol.

* first meaningful paint: from navigation start to the coalition network's nodes drawn
  (read in the page: ``performance.now()`` at the first animation frame that has them);
  a fresh page each time, the server warm;
* step to repaint: from the press on Step (the page's own ``pointerdown`` time) to the page
  showing the new round and every chart of the open tab repainted with this round's data
  (each chart's ``data-painted`` mark), plus two frames; also on the driver's clock (from
  Playwright's click call), the way it was measured before;
* server side, for scale: the engine step alone, and a Step click in the page rendered
  without a browser (``solara.render``: engine + every visible view recomputed).

* compare: the Compare tab's default, two scenarios over 20 seeds on 2 worker processes,
  from the click on "Run comparison" to the result table, counting the distinct progress
  readings the page showed meanwhile (median of ``--compare-repeat``, default 3).

* step to repaint on the History tab (the heat map, the outcome table and the log);
* scenario change: from the press on a scenario in the menu to the status naming it and
  every chart of the open tab repainted, plus two frames.

Targets (issue 24): first meaningful paint ≤ 1.2 s, Step to repaint ≤ 80 ms (History too),
a scenario change ≤ 150 ms, each at a load of 2 or less; 20-seed compare of two scenarios
≤ 10 s on 2 cores (issue 12). Prints medians, and beside each figure the load average (1
min) while it was measured and the ratio to a fixed piece of reference work.

Usage: ``python benchmarks/app.py [--repeat N] [--compare-repeat K]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.serve import serving  # noqa: E402

CHROMIUM = os.environ.get("EUNATO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NODES = ".eunato-network svg .mark-symbol path"


def engine_ms(n: int) -> list[float]:
    from app.app import advance, build

    m, _ = build({"rng": 1, "rounds": n + 5})
    out = []
    for _ in range(n):
        t = time.perf_counter()
        advance(m)
        out.append(1000 * (time.perf_counter() - t))
    return out


def render_ms(n: int) -> list[float]:
    import ipyvuetify as v
    import solara

    from app import Layout
    from app.app import Page

    _, rc = solara.render(Layout(children=[Page()]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    out = []
    for _ in range(n):
        t = time.perf_counter()
        step.widget.click()
        out.append(1000 * (time.perf_counter() - t))
    return out


def first_paint_ms(browser, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = ctx.new_page()
        pg.goto(url)
        ms = pg.wait_for_function(
            "s => document.querySelector(s) ? performance.now() : false", arg=NODES,
            polling="raf", timeout=90_000).json_value()
        out.append(float(ms))
        ctx.close()
    return out


#: in the page: resolves, two frames after the status shows round ``r`` and every chart of
#: the open tab has painted a redraw newer than ``before``, with the time since the last
#: pointerdown on the page (the user's press of Step)
REPAINTED = """([r, before]) => new Promise((done, fail) => {
  const t0 = performance.now();
  const check = () => {
    const s = document.querySelector('.eunato-status');
    const charts = [...document.querySelectorAll('.v-window-item--active .eunato-vega')];
    if (s && s.innerText.includes('after round ' + r + ' ')
        && charts.every((c, i) => c.dataset.painted && c.dataset.painted !== before[i])) {
      requestAnimationFrame(() => requestAnimationFrame(
        () => done(performance.now() - window.eunatoPressed)));
    } else if (performance.now() - t0 > 30000) {
      fail(new Error('no repaint of round ' + r + ': ' + JSON.stringify(
        charts.map(c => c.dataset.painted)) + ' vs ' + JSON.stringify(before)));
    } else requestAnimationFrame(check); }; check(); })"""
PAINTED = ("() => [...document.querySelectorAll('.v-window-item--active .eunato-vega')]"
           ".map(c => c.dataset.painted)")


#: like REPAINTED, for a new run: the status names scenario ``name`` at round 0
RESTARTED = REPAINTED.replace("s.innerText.includes('after round ' + r + ' ')",
                              "s.innerText.startsWith(r + ' ')"
                              " && s.innerText.includes('after round 0 ')")


def scenario_ms(browser, url: str, n: int) -> list[float]:
    """A scenario change: from the press on the menu's option to the new run drawn."""
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    pg.goto(url)
    pg.locator(NODES).first.wait_for(timeout=90_000)
    pg.wait_for_timeout(1000)
    pg.evaluate("() => document.addEventListener('pointerdown', "
                "() => { window.eunatoPressed = performance.now(); }, true)")
    out = []
    for k in range(n):
        name = ("us-disengagement", "baseline-2024")[k % 2]
        before = pg.evaluate(PAINTED)
        pg.get_by_label("Scenario").first.click(force=True)
        option = pg.get_by_role("option", name=name, exact=True)
        option.wait_for(state="visible")
        option.click()
        out.append(float(pg.evaluate(RESTARTED, [name, before])))
        pg.wait_for_timeout(300)
    pg.close()
    return out


def step_ms(browser, url: str, n: int, tab: str = "Live") -> tuple[list[float], list[float]]:
    """Step to repaint, twice: in the page (from the pointerdown on Step to the status and
    every chart of the open tab repainted, plus two frames) and, for comparison with earlier
    figures, on the driver's clock (from Playwright's click call, which adds its own
    actionability checks and round trips, to the same point)."""
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    pg.goto(url)
    pg.locator(NODES).first.wait_for(timeout=90_000)
    if tab != "Live":
        pg.get_by_role("tab", name=tab).click()
        pg.locator(f".v-window-item--active .eunato-tab-{tab.lower()} .eunato-vega"
                   "[data-painted]").first.wait_for()
    pg.wait_for_timeout(1000)
    pg.evaluate("() => document.addEventListener('pointerdown', "
                "() => { window.eunatoPressed = performance.now(); }, true)")
    btn = pg.locator(".eunato-step")
    in_page, driver = [], []
    for r in range(1, n + 1):
        before = pg.evaluate(PAINTED)
        t = time.perf_counter()
        btn.click()
        in_page.append(float(pg.evaluate(REPAINTED, [r, before])))
        driver.append(1000 * (time.perf_counter() - t))
        pg.wait_for_timeout(300)  # a user does not press faster than that
    pg.close()
    return in_page, driver


def compare_s(browser, url: str, n: int) -> tuple[list[float], list[int]]:
    times, readings = [], []
    for _ in range(n):
        pg = browser.new_page(viewport={"width": 1440, "height": 1000})
        pg.goto(url)
        pg.locator(NODES).first.wait_for(timeout=90_000)
        pg.get_by_role("tab", name="Compare").click()
        pg.locator(".eunato-compare-run").wait_for()
        seen: set[str] = set()
        t = time.perf_counter()
        pg.locator(".eunato-compare-run").click()
        while not pg.locator(".eunato-compare-issues").count():
            p = pg.locator(".eunato-compare-progress")
            if p.count():
                seen.add(p.inner_text())
            pg.wait_for_timeout(50)
        times.append(time.perf_counter() - t)
        readings.append(len(seen))
        pg.close()
    return times, readings


def reference_ms(n: int = 7) -> float:
    """A fixed piece of pure-Python work (no I/O, no numpy), timed in the same run: the
    machine's speed at the moment, so figures from a loaded machine can be read as ratios."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        sum(i * i % 7 for i in range(400_000))
        out.append(1000 * (time.perf_counter() - t))
    return statistics.median(out)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--compare-repeat", type=int, default=3)
    kinds = ["paint", "step", "history", "scenario", "compare"]
    ap.add_argument("--only", choices=kinds, action="append",
                    help="measure only these (default: all)")
    a = ap.parse_args()
    only = set(a.only or kinds)
    load0, ref0 = os.getloadavg()[0], reference_ms()
    rows: list[tuple[str, list[float], float]] = []

    def measure(name: str, run) -> None:
        """One figure, with the load average (1 min) over its measurement."""
        before = os.getloadavg()[0]
        xs = run()
        rows.append((name, xs, (before + os.getloadavg()[0]) / 2))

    measure("engine step (model.step)", lambda: engine_ms(a.repeat))
    measure("server: Step click + views (no browser)", lambda: render_ms(a.repeat))
    cmp_s: list[float] = []
    with serving() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        first_paint_ms(b, url, 2)  # warm the server (templates, layouts)
        if "paint" in only:
            measure("browser: first meaningful paint", lambda: first_paint_ms(b, url, a.repeat))
        if "step" in only:
            res: dict[str, tuple[list[float], list[float]]] = {}
            measure("browser: Step press to repainted Live",
                    lambda: res.setdefault("r", step_ms(b, url, a.repeat))[0])
            rows.append(("  (same, driver clock from click call)", res["r"][1], rows[-1][2]))
        if "history" in only:
            measure("browser: Step press to repainted History",
                    lambda: step_ms(b, url, a.repeat, "History")[0])
        if "scenario" in only:
            measure("browser: scenario change to new run drawn",
                    lambda: scenario_ms(b, url, max(4, a.repeat // 2)))
        if "compare" in only and a.compare_repeat:
            cmp_s, readings = compare_s(b, url, a.compare_repeat)
        b.close()
    ref1 = reference_ms()
    ref = (ref0 + ref1) / 2
    print(f"machine: {os.cpu_count()} CPUs; load average (1 min) {load0:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; median of {a.repeat}")
    print(f"reference work (fixed pure-Python loop): {ref0:.1f} ms at the start, {ref1:.1f} ms "
          "at the end; 'x ref' = median / their mean")
    print(f"{'measure':42s} {'median ms':>10s} {'max ms':>9s} {'x ref':>7s} {'load':>5s}")
    for name, xs, load in rows:
        med = statistics.median(xs)
        print(f"{name:42s} {med:10.1f} {max(xs):9.1f} {med / ref:7.2f} {load:5.1f}")
    if cmp_s:
        med = 1000 * statistics.median(cmp_s)
        print(f"{'browser: compare 2 scenarios x 20 seeds':42s} {med:10.1f} "
              f"{1000 * max(cmp_s):9.1f} {med / ref:7.1f}   (progress readings shown: "
              f"{readings})")


if __name__ == "__main__":
    main()
