"""The app in a real headless Chromium (Debian's, driven by Playwright).

The server is the real ``solara run app`` (the same command ``eunato app`` runs), started on
a free loopback port and stopped by its own process group. Every request the page makes is
recorded; any host other than the server fails the test. Screenshots of each state go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.offline import PACKAGES, cache_dir
from app.serve import serving

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EUNATO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


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


@pytest.fixture()
def page(server, browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1200})
    pg = ctx.new_page()
    pg.requests = []  # every URL the page asked for
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.goto(server)
    pg.get_by_role("button", name="Step").wait_for(timeout=90_000)
    yield pg
    ctx.close()


def _status(pg) -> str:
    return pg.locator(".eunato-status").inner_text()


def _wait_status(pg, text: str) -> str:
    pg.wait_for_function(
        "t => (document.querySelector('.eunato-status')||{}).innerText?.includes(t)",
        arg=text, timeout=30_000)
    return _status(pg)


def _network_png(pg) -> bytes:
    return pg.locator(".eunato-network").screenshot()


def test_step_scenario_and_offline(page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    _wait_status(page, "after round 0")
    page.locator(".eunato-network canvas, .eunato-network svg").first.wait_for()
    page.screenshot(path=ARTIFACTS / "app-round-0.png")
    net0, div0 = _network_png(page), page.locator(".eunato-division").screenshot()
    pos0 = page.locator(".eunato-positions").screenshot()
    table0 = page.locator(".eunato-coalitions").inner_text()

    step = page.get_by_role("button", name="Step")
    for r in (1, 2, 3):
        step.click()
        _wait_status(page, f"after round {r}")
    page.wait_for_timeout(1500)  # let Vega finish drawing
    page.screenshot(path=ARTIFACTS / "app-round-3.png")
    assert _network_png(page) != net0, "the coalition network did not change"
    assert page.locator(".eunato-positions").screenshot() != pos0, "positions chart unchanged"
    assert page.locator(".eunato-coalitions").inner_text() != table0, "coalition table unchanged"
    for _ in range(8):
        step.click()
    _wait_status(page, "after round 11")
    page.wait_for_timeout(1500)
    assert page.locator(".eunato-division").screenshot() != div0, "outcome chart unchanged"
    page.screenshot(path=ARTIFACTS / "app-round-11.png")

    # switch scenario: the model resets to round 0 of the new scenario
    page.get_by_label("Scenario").first.click(force=True)
    page.get_by_role("option", name="us-disengagement").click()
    status = _wait_status(page, "us-disengagement")
    assert "after round 0" in status
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "app-us-disengagement.png")
    step.click()
    assert "after round 1" in _wait_status(page, "after round 1")

    hosts = {urlparse(u).netloc for u in page.requests if urlparse(u).scheme in ("http", "https",
                                                                                 "ws", "wss")}
    assert hosts == {urlparse(server).netloc}, f"requests left the server: {hosts}"


def test_history_page_and_download(page):
    page.get_by_role("button", name="Step").click()
    _wait_status(page, "after round 1")
    page.get_by_role("tab", name="Page 1").click()
    page.locator(".eunato-membership").wait_for()
    page.locator(".eunato-events").get_by_text("formed").first.wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    path = dl.value.path()
    head = Path(path).read_text().splitlines()
    assert head[0].startswith("round,") and len(head) > 41
    page.screenshot(path=ARTIFACTS / "app-history.png")
