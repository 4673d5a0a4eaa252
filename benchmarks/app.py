"""How fast is the app? Measured in real Chromium (Debian's, driven by Playwright) against
the real ``solara run app`` server, on the baseline scenario with the compromise protocol.

* first meaningful paint: from navigation start to the coalition network's nodes drawn
  (read in the page: ``performance.now()`` at the first animation frame that has them);
  a fresh page each time, the server warm;
* step to repaint: from the Step click to the page showing the new round and the network
  chart repainted with that round's data (its ``data-painted`` mark), plus one frame;
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


def step_ms(browser, url: str, n: int) -> list[float]:
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    pg.goto(url)
    pg.locator(NODES).first.wait_for(timeout=90_000)
    pg.wait_for_timeout(1000)
    btn = pg.locator(".eunato-step")
    out = []
    for r in range(1, n + 1):
        t = time.perf_counter()
        btn.click()
        # the new round on the page, then two frames: the charts' new data is drawn (a
        # chart whose data did not change is not redrawn, so no per-chart mark to wait on)
        pg.wait_for_function(
            "r => document.querySelector('.eunato-status').innerText"
            ".includes('after round ' + r + ' ')", arg=r, timeout=30_000)
        pg.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                    "requestAnimationFrame(() => r())))")
        out.append(1000 * (time.perf_counter() - t))
    pg.close()
    return out


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


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--compare-repeat", type=int, default=3)
    a = ap.parse_args()
    rows = [("engine step (model.step)", engine_ms(a.repeat)),
            ("server: Step click + views (no browser)", render_ms(a.repeat))]
    with serving() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        first_paint_ms(b, url, 2)  # warm the server (templates, layouts)
        rows.append(("browser: first meaningful paint", first_paint_ms(b, url, a.repeat)))
        rows.append(("browser: Step click to repainted page", step_ms(b, url, a.repeat)))
        cmp_s, readings = (compare_s(b, url, a.compare_repeat) if a.compare_repeat
                           else ([], []))
        b.close()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          f"(1 min) at the end; median of {a.repeat}")
    print(f"{'measure':42s} {'median ms':>10s} {'max ms':>9s}")
    for name, xs in rows:
        print(f"{name:42s} {statistics.median(xs):10.1f} {max(xs):9.1f}")
    if cmp_s:
        print(f"{'browser: compare 2 scenarios x 20 seeds':42s} "
              f"{1000 * statistics.median(cmp_s):10.1f} {1000 * max(cmp_s):9.1f}   "
              f"(progress readings shown: {readings})")


if __name__ == "__main__":
    main()
