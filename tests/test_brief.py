"""`eunato brief`: a self-contained briefing from a run, comparison or batch folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.briefing.brief import write_brief
from experiments.compare import compare_scenarios

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("EUNATO_CHROMIUM", "/usr/bin/chromium")


def eunato(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("brief")
    run = base / "run"
    assert eunato("run", "--rounds", "12", "--seed", "2", "--out", str(run)).returncode == 0
    comp = base / "comparison"
    compare_scenarios(["baseline-2024", "us-disengagement"], seeds=4, settings={"rounds": 10},
                      out=comp, workers=2)
    exp = base / "exp.toml"
    exp.write_text('name = "brief-batch"\ndescription = "Does blockage matter?"\n'
                   'scenarios = ["baseline-2024"]\nprotocols = ["compromise"]\n'
                   'replicates = 2\nrounds = 6\n'
                   "[parameters]\nparticipation_blockage = [true, false]\n")
    batch = base / "batch"
    r = eunato("batch", str(exp), "--out", str(batch), "--workers", "1", "--no-progress")
    assert r.returncode == 0, r.stderr
    return {"run": run, "comparison": comp, "batch": batch}


@pytest.mark.parametrize("kind", ["run", "comparison", "batch"])
def test_briefing_holds_question_finding_figures_tables_provenance(folders, kind):
    html = write_brief(folders[kind]).read_text()
    for heading in ("Question", "Headline finding", "Figures", "Tables", "Provenance"):
        assert f"<h2>{heading}</h2>" in html
    imgs = re.findall(r'<img src="([^"]+)"', html)
    assert imgs and all(u.startswith("data:image/svg+xml;base64,") for u in imgs)
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing to fetch
    assert "<table>" in html
    findings = re.search(r'<ul class="findings">(.*?)</ul>', html, re.S).group(1)
    assert findings.count("<li>") >= 1
    if kind != "batch":
        assert "eunato rerun" in html and "code version" in html


def test_comparison_finding_names_what_moved(folders):
    html = (folders["comparison"] / "briefing.html").read_text()
    assert "Compared with baseline-2024, under us-disengagement" in html
    assert "Premises" in html and "us_engagement" in html


def test_pdf_beside_the_html(folders):
    r = eunato("brief", str(folders["comparison"]), "--pdf")
    assert r.returncode == 0, r.stderr
    pdf = folders["comparison"] / "briefing.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert eunato("brief", str(folders["comparison"] / "nowhere")).returncode == 2


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["run", "comparison", "batch"])
def test_briefing_in_chromium_loads_every_figure_and_asks_nothing_off_the_file(folders,
                                                                               kind):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing (run: make chromium)"
    page_file = write_brief(folders[kind])
    requests: list[str] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            pg = b.new_page()
            pg.on("request", lambda r: requests.append(r.url))
            pg.goto(page_file.as_uri(), wait_until="load")
            state = pg.evaluate("""() => Array.from(document.images).map(
                i => [i.complete, i.naturalWidth, i.naturalHeight])""")
            pg.emulate_media(media="print")
            out = ROOT / "test-artifacts"
            out.mkdir(exist_ok=True)
            pg.screenshot(path=str(out / f"brief-{kind}.png"), full_page=True)
        finally:
            b.close()
    assert state and all(c and w > 100 and h > 50 for c, w, h in state), state
    off = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert not off, off


def test_batch_briefing_names_blockers_and_pivotal_actors_from_the_engine(folders):
    """Like a run's briefing, a batch's names who blocked (a veto that kept a piece
    blocked) and who was pivotal; the names and counts are those of the engine's own
    summaries of the same runs, run again here from their recorded inputs."""
    from collections import Counter

    from experiments.runs import MODEL_PARAMETERS, build_model
    from experiments.store import read_runs
    from model.results.reading import blockers

    html = write_brief(folders["batch"]).read_text()
    runs = read_runs(folders["batch"])
    blk: dict[str, Counter] = {}
    piv: dict[str, Counter] = {}
    names = {}
    for r in runs.to_dict("records"):
        params = {k: r[k] for k in ("scenario", "protocol", "seed", "rounds",
                                    *MODEL_PARAMETERS) if r.get(k) is not None and r[k] == r[k]}
        for i in build_model(params).run().summary()["issues"]:
            names[i["issue"]] = i["name"]
            b = {v["actor"] for v in blockers(i)}
            blk.setdefault(i["issue"], Counter()).update(b)
            if b or i["status"] == "blocked":
                piv.setdefault(i["issue"], Counter()).update(i["pivotal"])
    assert any(blk.values()) and any(piv.values())  # the batch has both to name
    findings = re.search(r'<ul class="findings">(.*?)</ul>', html, re.S).group(1)
    assert "most frequent blockers" in findings and "Pivotal over all runs" in findings
    total = sum(blk.values(), Counter())
    top_actor, top_n = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    n_issue_runs = len(runs) * len(names)
    assert f"{top_actor} ({top_n} of {n_issue_runs} issue-runs)" in findings
    # the per-issue table: its most frequent blocker and pivotal actor, as the engine says
    table = html[html.index("who blocked and who was pivotal"):]
    for iid, c in blk.items():
        if c:
            a, n = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            assert f"{a} ({n} of {len(runs)} runs)" in table, iid
    for iid, c in piv.items():
        if c:
            a, _ = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            row = table[table.index(names[iid]):].split("</tr>")[0]
            assert a in row, iid
