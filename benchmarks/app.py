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

Targets (issue 12): step to repaint ≤ 100 ms, first meaningful paint ≤ 1.5 s, 20-seed
compare of two scenarios ≤ 10 s on 2 cores. Prints medians, the machine's CPU count and
load average.

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


def step_ms(browser, url: str, n: int) -> tuple[list[float], list[float]]:
    """Step to repaint, twice: in the page (from the pointerdown on Step to the status and
    every chart of the open tab repainted, plus two frames) and, for comparison with earlier
    figures, on the driver's clock (from Playwright's click call, which adds its own
    actionability checks and round trips, to the same point)."""
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    pg.goto(url)
    pg.locator(NODES).first.wait_for(timeout=90_000)
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
    ap.add_argument("--only", choices=["paint", "step", "compare"], action="append",
                    help="measure only these (default: all)")
    a = ap.parse_args()
    only = set(a.only or ["paint", "step", "compare"])
    load0, ref0 = os.getloadavg()[0], reference_ms()
    rows = [("engine step (model.step)", engine_ms(a.repeat)),
            ("server: Step click + views (no browser)", render_ms(a.repeat))]
    cmp_s: list[float] = []
    with serving() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        first_paint_ms(b, url, 2)  # warm the server (templates, layouts)
        if "paint" in only:
            rows.append(("browser: first meaningful paint", first_paint_ms(b, url, a.repeat)))
        if "step" in only:
            in_page, driver = step_ms(b, url, a.repeat)
            rows.append(("browser: Step press to repainted page", in_page))
            rows.append(("  (same, driver clock from click call)", driver))
        if "compare" in only and a.compare_repeat:
            cmp_s, readings = compare_s(b, url, a.compare_repeat)
        b.close()
    ref1 = reference_ms()
    ref = (ref0 + ref1) / 2
    print(f"machine: {os.cpu_count()} CPUs; load average (1 min) {load0:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; median of {a.repeat}")
    print(f"reference work (fixed pure-Python loop): {ref0:.1f} ms at the start, {ref1:.1f} ms "
          "at the end; 'x ref' = median / their mean")
    print(f"{'measure':42s} {'median ms':>10s} {'max ms':>9s} {'x ref':>7s}")
    for name, xs in rows:
        med = statistics.median(xs)
        print(f"{name:42s} {med:10.1f} {max(xs):9.1f} {med / ref:7.2f}")
    if cmp_s:
        med = 1000 * statistics.median(cmp_s)
        print(f"{'browser: compare 2 scenarios x 20 seeds':42s} {med:10.1f} "
              f"{1000 * max(cmp_s):9.1f} {med / ref:7.1f}   (progress readings shown: "
              f"{readings})")


if __name__ == "__main__":
    main()
