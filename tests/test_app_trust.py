"""The app an analyst can trust in a briefing room (issue 24), in headless Chromium: one
true state, a Compare that keeps each scenario's premise and agrees with the CLI, no stale
or mixed state under Play and tab switches. Each test names the defect it guards."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_app_browser import (  # noqa: F401  (fixtures and helpers)
    ARTIFACTS,
    browser,
    choose,
    open_page,
    server,
    settle,
    status,
    step,
    wait_status,
)

pytestmark = pytest.mark.browser
EUNATO = str(Path(sys.executable).with_name("eunato"))


def _table(pg, selector: str) -> list[dict[str, str]]:
    return pg.eval_on_selector_all(f"{selector} tbody tr", """rows => {
        const head = [...rows[0].closest('table').querySelectorAll('thead th')]
          .map(h => h.innerText.trim());
        return rows.map(r => Object.fromEntries(
          [...r.cells].map((c, i) => [head[i], c.innerText.trim()]))); }""")


def _number(text: str) -> float:
    return float(re.match(r"([+-−]?\d+(\.\d+)?)", text.replace("−", "-")).group(1))


def test_compare_keeps_each_premise_and_matches_the_cli(server, browser):  # noqa: F811
    """Issue 24, 1 and 8: Compare ran B with A's levels (industry EU role 46 for
    eu-autonomy-push where the CLI gives 54, +6.9 over the baseline); no B − A, no word
    on where the seeds do not matter."""
    pg = open_page(browser, server)
    pg.get_by_role("tab", name="Compare").click()
    pg.locator(".eunato-compare").wait_for()
    choose(pg, "B: scenario", "eu-autonomy-push", within=".eunato-compare")
    slider = pg.locator(".eunato-compare .v-slider [role=slider]").last
    slider.focus()
    for _ in range(15):  # 20 seeds -> 5
        slider.press("ArrowLeft")
    pg.get_by_text("Seeds: 5").wait_for()
    pg.locator(".eunato-compare-run").click()
    pg.locator(".eunato-compare-pillars").wait_for(timeout=300_000)
    rows = {r["pillar"]: r for r in _table(pg, ".eunato-compare-pillars")}
    what = pg.locator(".eunato-compare-what").inner_text()
    command = ("eunato compare-scenarios baseline-2024 eu-autonomy-push --seeds 5 "
               "--set protocol=compromise --set rounds=50")
    assert command in what, what
    cli = subprocess.run([EUNATO, *command.split()[1:], "--format", "csv", "--no-progress"],
                         capture_output=True, text=True, check=True).stdout
    want = {(r["scenario"], r["unit"]): r for r in csv.DictReader(io.StringIO(cli))
            if r["level"] == "pillar"}
    for pillar in ("ukraine", "industry", "interoperability"):
        row, b = rows[pillar], want[("eu-autonomy-push", pillar)]
        a = want[("baseline-2024", pillar)]
        assert _number(row["baseline-2024: EU role"]) == round(float(a["eu_role_median"]))
        assert _number(row["eu-autonomy-push: EU role"]) == round(float(b["eu_role_median"]))
        for role in ("eu_role", "nato_role"):
            shown = row["B − A: " + {"eu_role": "EU role", "nato_role": "NATO role"}[role]]
            assert _number(shown) == pytest.approx(float(b[f"d_{role}"]), abs=0.051), shown
            lo, hi = float(b[f"d_{role}_lo"]), float(b[f"d_{role}_hi"])
            assert ("in every seed" in shown) == (abs(hi - lo) < 0.05) or "CI" in shown
    # B ran on its own premise: the autonomy push gives the EU more of the industry file
    # (+6.9 on the engine of the issue, +2.3 since votes follow ideals); with A's levels
    # B − A would be 0
    assert _number(rows["industry"]["B − A: EU role"]) > 1
    note = pg.locator(".eunato-seeds-note").inner_text()
    assert "every seed" in note and "seed only draws" in note, note
    pg.screenshot(path=ARTIFACTS / "app-compare-premise.png", full_page=True)
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


def _readout(pg, key: str) -> str:
    return pg.locator(f".eunato-slider-{key} .eunato-readout b").inner_text()


def test_settings_follow_the_run_and_apply_keeps_the_scenario(server, browser):  # noqa: F811
    """Issue 24, 2: after the scenario's round-10 event the status said US 0.30 and the
    slider 0.60; nudging another slider listed US 0.6 as pending; Apply undid the event."""
    pg = open_page(browser, server + "?scenario=us-disengagement&seed=7&us=0.6"
                   "&eastern_flank_decoupling_fear=0.9")
    assert _readout(pg, "us_engagement") == "0.60"
    step(pg, 12)
    assert "US engagement 0.30" in status(pg)
    pg.wait_for_function("() => document.querySelector('.eunato-slider-us_engagement "
                         ".eunato-readout b').innerText === '0.30'", timeout=10_000)
    assert _readout(pg, "eastern_flank_decoupling_fear") == "0.95"
    thumb = pg.locator(".eunato-slider-commission_competition [role=slider]")
    thumb.focus()
    thumb.press("ArrowLeft")
    note = pg.locator(".eunato-pending")
    note.wait_for()
    assert "US engagement" not in note.inner_text() and "eastern flank" not in \
        note.inner_text(), note.inner_text()
    pg.locator(".eunato-apply").click()
    note.wait_for(state="detached")
    s = status(pg)
    assert "US engagement 0.30" in s and "after round 12 " in s, s
    assert _readout(pg, "us_engagement") == "0.30"
    pg.get_by_role("tab", name="History").click()
    events = pg.locator(".eunato-events-table").inner_text()
    applied = [ln for ln in events.splitlines() if "applied in the app" in ln]
    assert applied and all("Commission" in ln for ln in applied), applied
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


def _round(pg) -> int:
    return int(re.search(r"after round (\d+)", status(pg)).group(1))


def test_play_and_tab_switches_keep_one_state(server, browser):  # noqa: F811
    """Issue 24, 3: under Play with tab clicks 300 ms apart the page froze at round 0 for
    12 s, then jumped to the end; a tab header stayed lit over another tab's content; the
    settings and the status showed different runs."""
    pg = open_page(browser, server + "?rounds=40")
    settle(pg)
    pg.locator(".eunato-play").click()
    tabs = ["History", "Why", "Live", "History", "Live", "Why", "Live"] * 2
    seen, start = [], time.monotonic()
    for name in tabs:
        pg.get_by_role("tab", name=name).click()
        pg.wait_for_timeout(300)
        seen.append((time.monotonic() - start, _round(pg)))
    # the rounds show as they are played, not all at the end
    moving = [r for t, r in seen if t < 5]
    assert max(moving) >= 2, seen
    assert [r for _, r in seen] == sorted(r for _, r in seen), seen
    assert len({r for _, r in seen}) >= 5, seen
    pg.locator(".eunato-play").click()  # pause
    pg.wait_for_function("() => document.querySelector('.eunato-play').innerText"
                         ".toLowerCase().includes('play')")
    r = _round(pg)
    pg.wait_for_timeout(1000)
    assert _round(pg) == r, "Pause did not stop the run"
    for name in ("History", "Why", "Live"):
        pg.get_by_role("tab", name=name).click()
        pg.locator(f".v-window-item--active .eunato-tab-{name.lower()}").wait_for()
        pg.wait_for_timeout(600)  # the slide
        lit = pg.eval_on_selector_all("[role=tab][aria-selected=true]",
                                      "els => els.map(e => e.innerText.trim())")
        shown = pg.eval_on_selector_all(
            ".v-window-item--active [class*=eunato-tab-]",
            "els => els.map(e => [...e.classList].find(c => c.startsWith('eunato-tab-')))")
        assert [t.lower() for t in lit] == [name.lower()], lit
        assert shown == [f"eunato-tab-{name.lower()}"], shown
    # a scenario change under Play: the status and the settings tell of the same run
    pg.locator(".eunato-play").click()
    choose(pg, "Scenario", "eu-autonomy-push")
    pg.get_by_role("tab", name="History").click()
    wait_status(pg, "eu-autonomy-push")
    pg.wait_for_timeout(1000)
    s = status(pg)
    assert s.startswith("eu-autonomy-push"), s
    assert pg.locator(".eunato-settings").get_by_text("eu-autonomy-push").count() >= 1
    assert pg.noise == [], "\n".join(pg.noise)
    pg.context.close()


def _png_text(data: bytes) -> dict[str, str]:
    import struct

    out, at = {}, 8
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"tEXt":
            key, _, value = data[at + 8:at + 8 + n].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + n
    return out


def test_exported_figures_describe_themselves(server, browser):  # noqa: F811
    """Issue 24, 12: PNG and SVG files held no title, settings or shocks, and two runs at
    other US engagement got the same file name."""
    from model.io.provenance import code_version

    names = {}
    for query in ("", "?us=0.6"):
        pg = open_page(browser, server + query)
        step(pg, 2)
        settle(pg)
        for kind in ("png", "svg"):
            with pg.expect_download() as dl:
                pg.locator(".eunato-network .eunato-export", has_text=kind.upper()).click()
            names[(query, kind)] = dl.value.suggested_filename
            data = Path(dl.value.path()).read_bytes()
            if kind == "png":
                assert data.startswith(b"\x89PNG")
                meta = _png_text(data)
                text = meta.get("Title", "") + "\n" + meta.get("Description", "")
            else:
                text = data.decode()
                assert "<title>" in text and "<desc>" in text
            for want in ("baseline-2024", "compromise", "seed 1", "round 2", code_version(),
                         "Coalition"):
                assert want in text, (kind, want, text[:300])
            assert ("US engagement 0.6" in text) == bool(query), text[:400]
        pg.context.close()
    assert names[("", "png")] == "baseline-2024-compromise-seed1-round2-network.png"
    assert names[("?us=0.6", "png")] != names[("", "png")]
    assert names[("?us=0.6", "png")].startswith("baseline-2024-compromise-seed1-round2-set")
