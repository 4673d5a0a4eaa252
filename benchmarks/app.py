"""How instant is Step in the app? (issue: the baseline must feel instant.)

Measured side by side in one run, on the baseline scenario:

* server side, engine only: ``model.step()``;
* server side, engine + redraw: a Step click in the rendered page (``solara.render``, no
  browser): the engine step plus every visible component recomputing its charts;
* end to end in Chromium: from the Step click to the page showing the new round (status
  text updated and the network chart repainted), through the real ``solara run`` server.

Usage: ``python benchmarks/app.py [--steps N]``. Prints medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.serve import serving  # noqa: E402


def engine_ms(steps: int) -> list[float]:
    from model.model import EuNatoModel

    m = EuNatoModel(rng=1, rounds=steps + 1)
    out = []
    for _ in range(steps):
        t = time.perf_counter()
        m.step()
        out.append(1000 * (time.perf_counter() - t))
    return out


def render_ms(steps: int) -> list[float]:
    import ipyvuetify as v
    import solara

    from app import Layout
    from app.app import Page

    _, rc = solara.render(Layout(children=[Page()]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    out = []
    for _ in range(steps):
        t = time.perf_counter()
        step.widget.click()
        out.append(1000 * (time.perf_counter() - t))
    return out


def browser_ms(steps: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with serving() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        pg = b.new_page(viewport={"width": 1600, "height": 1200})
        pg.goto(url)
        btn = pg.get_by_role("button", name="Step")
        btn.wait_for(timeout=90_000)
        pg.wait_for_timeout(2000)
        out = []
        for r in range(1, steps + 1):
            t = time.perf_counter()
            btn.click()
            pg.wait_for_function(
                "r => (document.querySelector('.eunato-status')||{}).innerText"
                "?.includes('after round ' + r) && "
                "document.querySelector('.eunato-network canvas, .eunato-network svg')",
                arg=r, timeout=30_000)
            # one animation frame more: the new chart has been painted
            pg.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            out.append(1000 * (time.perf_counter() - t))
        b.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    rows = [("engine step (model.step)", engine_ms(a.steps)),
            ("server: Step click + redraw", render_ms(a.steps)),
            ("browser: Step click to repainted page", browser_ms(a.steps))]
    base = statistics.median(rows[0][1])
    print(f"{'measure':42s} {'median ms':>10s} {'max ms':>9s} {'× engine':>9s}")
    for name, xs in rows:
        med = statistics.median(xs)
        print(f"{name:42s} {med:10.1f} {max(xs):9.1f} {med / base:9.1f}")


if __name__ == "__main__":
    main()
