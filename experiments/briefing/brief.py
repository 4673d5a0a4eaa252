"""`eunato brief DIR`: a self-contained HTML briefing (and PDF) for a reader outside the tool.

DIR is a run folder (``summary.json``), a comparison folder (``comparison.json``) or a
batch results folder (``runs/``). The briefing holds the question and the premises, the
headline finding in plain sentences generated from the numbers and the engine's
explanations (who blocked, who was pivotal, what moved), print-readable figures (inline
SVG), the tables and a provenance box. Everything is inside the one HTML file (no request
off the file); the PDF is WeasyPrint's rendering of the same HTML.

The template is ``experiments/templates/brief.html.j2`` (Jinja2, autoescaped). Nothing
in the page depends on the clock, so the same folder gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.briefing import figures as F
from experiments.briefing.who import issue_runs, who_sentences, who_table
from model.inputs.data import DataError
from model.io.safeio import write_text_atomic

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _premises(resolved: Any) -> list[dict[str, Any]]:
    """Premises of each resolved scenario: name, description, parameters, events."""
    out = []
    for sc in resolved if isinstance(resolved, list) else [resolved]:
        if not sc:
            continue
        params = {k: v for k, v in (sc.get("parameters") or {}).items()
                  if k in ("us_engagement", "participation_blockage") and v is not None}
        changes = [f"{b}: " + ", ".join(f"{k} = {v}" for k, v in ov.items() if v is not None)
                   for b, ov in (sc.get("blocs") or {}).items()]
        changes += [f"{a}: " + ", ".join(f"{k} = {v}" for k, v in ov.items() if v)
                    for a, ov in (sc.get("actors") or {}).items()]
        changes += [f"{i}: " + ", ".join(f"{k} = {v}" for k, v in ov.items() if v is not None)
                    for i, ov in (sc.get("issues") or {}).items()]
        out.append({"name": sc.get("name", ""), "extends": sc.get("extends"),
                    "description": " ".join((sc.get("description") or "").split()),
                    "parameters": params, "changes": changes,
                    "events": [f"round {e['round']}: {e['target']} = {e['value']}"
                               + (f" ({e['note']})" if e.get("note") else "")
                               for e in sc.get("events", [])]})
    return out


def _explanation_sentences(expl: dict[str, Any], k: int = 6) -> list[str]:
    """The sentences the engine wrote in its explanations (``text``; each names its
    issue)."""
    out: list[str] = []
    for e in (expl or {}).values():
        if isinstance(e, str):
            out.append(e)
        elif isinstance(e, dict) and e.get("text"):
            out.append(e["text"])
    return out[:k]


# --- comparison -----------------------------------------------------------------------
def comparison_findings(table: pd.DataFrame, runs: pd.DataFrame, scenarios: list[str],
                        max_items: int = 4) -> list[str]:
    """Plain sentences: what moved (differences whose interval excludes zero), who blocked,
    who was pivotal."""
    ref = scenarios[0]
    n_seeds = runs["seed"].nunique()
    out = []
    t = table[table["level"] == "issue"]
    for sc in scenarios[1:]:
        rows = t[t["scenario"] == sc]
        moved = []
        for r in rows.to_dict("records"):
            for role, who in (("eu_role", "EU"), ("nato_role", "NATO")):
                d, lo, hi = r[f"d_{role}"], r[f"d_{role}_lo"], r[f"d_{role}_hi"]
                if lo == lo and (lo > 0 or hi < 0):
                    moved.append((abs(d), f"the {who} role on {r['name']} "
                                  f"{'rises' if d > 0 else 'falls'} by {abs(d):.1f} points "
                                  f"(95% interval {lo:+.1f} to {hi:+.1f})"))
            d, lo, hi = r["d_agreed_share"], r["d_agreed_share_lo"], r["d_agreed_share_hi"]
            if lo == lo and (lo > 0 or hi < 0):
                base = r["agreed_share"] - d
                moved.append((100 * abs(d), f"{r['name']} is agreed in {r['agreed_share']:.0%} "
                              f"of runs instead of {base:.0%}"))
        moved.sort(key=lambda m: -m[0])
        if moved:
            out.append(f"Compared with {ref}, under {sc} " + "; ".join(
                m for _, m in moved[:max_items]) + ".")
        else:
            out.append(f"Over {n_seeds} seeds, no issue's EU role, NATO role or agreement "
                       f"under {sc} differs from {ref} by more than the spread between seeds "
                       "(every 95% interval includes zero).")
    for sc in scenarios:
        r = runs[runs["scenario"] == sc]
        if "blockers" not in r:  # a folder from before blockers were recorded
            r = r.assign(blockers=[v if b else "[]" for v, b in zip(r["vetoes"], r["blocked"],
                                                                    strict=True)])
        out += who_sentences(f"Under {sc}", r, n_seeds)
    return out


def _comparison(folder: Path) -> dict[str, Any]:
    meta = json.loads((folder / "comparison.json").read_text())
    table = pd.read_parquet(folder / "comparison.parquet")
    runs = pd.read_parquet(folder / "runs.parquet")
    sc = meta["scenarios"]
    from model.results.tables import comparison_tables

    findings = comparison_findings(table, runs, sc)
    # why: the engine's own account of the issues that moved most, under each scenario
    t = table[table["level"] == "issue"]
    for name in sc[1:]:
        r = t[t["scenario"] == name]
        moved = (r["d_eu_role"].abs() + r["d_nato_role"].abs()
                 + 100 * r["d_agreed_share"].abs()).fillna(0)
        for unit in r.loc[moved.sort_values(ascending=False).index[:2], "unit"]:
            for who in (sc[0], name):
                text = meta.get("explanations", {}).get(who, {}).get(unit)
                if text:
                    findings.append(f"Engine's account under {who} (seed "
                                    f"{meta['seeds'][0]}): {text}")
    figs = [("Outcome bands per issue: EU and NATO role, median and 10–90% over seeds",
             F.role_bands(table, sc, "issue")),
            ("Outcome bands per pillar", F.role_bands(table, sc, "pillar")),
            ("Division of labour per pillar (share of issue-runs)",
             F.division_of_labour(runs))]
    figs += [(f"Final coalitions per pillar under {name} (seed {meta['seeds'][0]}; up to four "
              "each, by capability)", F.coalitions(by_pillar))
             for name, by_pillar in meta.get("coalitions", {}).items() if by_pillar]
    settings = ", ".join(f"{k} = {v}" for k, v in meta.get("settings", {}).items())
    return {
        "kind": "comparison", "title": f"What changes if {' / '.join(sc[1:])} "
                                       f"instead of {sc[0]}?",
        "question": f"How does the EU–NATO division of labour change under "
                    f"{', '.join(sc[1:])} compared with {sc[0]}, over the same "
                    f"{len(meta['seeds'])} seeds?",
        "setup": f"{len(sc)} scenarios × {len(meta['seeds'])} seeds "
                 f"({meta['seeds'][0]}–{meta['seeds'][-1]})"
                 + (f"; set in every run: {settings}" if settings else "")
                 + ". Differences are paired by seed with a 95% bootstrap interval.",
        "findings": findings, "figures": figs,
        "tables": [(t.title, t.columns, [[t.text(c, v) for c, v in zip(t.columns, r,
                                                                        strict=True)]
                                          for r in t.rows]) for t in comparison_tables(table)],
        "provenance": meta.get("provenance", {}),
    }


# --- one run --------------------------------------------------------------------------
def _run(folder: Path) -> dict[str, Any]:
    from model.results.reading import issues, status_counts, veto_text
    from model.results.tables import summary_table
    from model.willing import sentence as outside_sentence

    s = json.loads((folder / "summary.json").read_text())
    views = issues(s)
    c = status_counts(s)
    findings = [f"{c['agreed']} of {len(views)} issues are agreed, {c['blocked']} blocked and "
                f"on {c['status quo holds']} the status quo holds ({s['scenario']}, "
                f"{s['protocol']} protocol, seed {s['seed']}, {s['rounds_run']} rounds)."]
    for v in views:
        pivotal = f" Pivotal: {', '.join(v['pivotal'][:5])}." if v["pivotal"] else ""
        if v["status"] != "agreed":
            findings.append(f"{v['name']}: {v['status']}"
                            + (f", vetoed by {veto_text(v['vetoes'])}" if v["vetoes"] else "")
                            + f"; the arrangement stays at EU role {v['eu_role']:.0f}, NATO "
                            f"role {v['nato_role']:.0f}.{pivotal}"
                            + (" " + outside_sentence(v["outside"]) if v["outside"] else ""))
            continue
        d_eu = v["eu_role"] - (v["status_quo_eu_role"] or 0.0)
        d_nato = v["nato_role"] - (v["status_quo_nato_role"] or 0.0)
        if max(abs(d_eu), abs(d_nato)) < 5:
            continue  # agreed close to the status quo: the table says it
        findings.append(f"{v['name']}: agreed in {v['date'] or 'round ' + str(v['round'])}"
                        f"{' via ' + v['venue'] if v['venue'] else ''}; EU role "
                        f"{v['status_quo_eu_role']:.0f} → {v['eu_role']:.0f}, NATO role "
                        f"{v['status_quo_nato_role']:.0f} → {v['nato_role']:.0f} "
                        f"({v['division_of_labour']}).{pivotal}")
    stuck = {k: e for k, e in (s.get("explanations") or {}).items()
             if any(v["issue"] == k and v["status"] != "agreed" for v in views)}
    findings += [f"Why: {x}" for x in _explanation_sentences(stuck, 4)]
    runs = pd.DataFrame([{**v, "scenario": s["scenario"]} for v in views])
    figs = [("EU and NATO role per issue (bars) and each role's status quo (ticks)",
             F.run_roles(views)),
            ("Division of labour per pillar", F.division_of_labour(runs)),
            ("Final coalitions per pillar by capability (up to four each)",
             F.coalitions(s["coalitions"]["by_pillar"]))]
    t = summary_table(s)
    return {
        "kind": "run", "title": f"{s['scenario']}: outcome of one run",
        "question": f"What division of labour between the EU and NATO does the scenario "
                    f"{s['scenario']} lead to under the {s['protocol']} protocol?",
        "setup": f"One run, seed {s['seed']}, {s['rounds_run']} of {s['max_rounds']} rounds. "
                 "One seed shows one path: compare scenarios over many seeds before "
                 "drawing a conclusion.",
        "findings": findings, "figures": figs,
        "tables": [(t.title, t.columns, [[t.text(c, v) for c, v in zip(t.columns, r,
                                                                        strict=True)]
                                          for r in t.rows])],
        "provenance": s.get("provenance", {}),
    }


# --- a batch --------------------------------------------------------------------------
def _batch(folder: Path) -> dict[str, Any]:
    from experiments.report import agreement_table, swept_inputs
    from experiments.store import read_runs
    from model.inputs.data import load_issues

    runs = read_runs(folder)
    ok = runs[runs["status"] == "ok"].copy()
    meta_f = folder / "experiment.json"
    meta = json.loads(meta_f.read_text()) if meta_f.is_file() else {}
    exp = meta.get("experiment", {})
    swept = swept_inputs(folder, runs)
    pillar = {i.id: i.pillar for i in load_issues()}
    long = []
    for _, r in ok.iterrows():
        for iid, p in pillar.items():
            if f"eu_role_{iid}" not in r:
                continue
            eu, nato = r[f"eu_role_{iid}"], r[f"nato_role_{iid}"]
            long.append({"scenario": r.get("scenario", "all"), "pillar": p,
                         "eu_role": eu, "nato_role": nato})
    long_df = pd.DataFrame(long).dropna()
    findings = [f"{len(runs)} runs ({len(ok)} ok); varied: {', '.join(swept) or 'nothing'}."]
    tables = []
    for name in swept:
        at = agreement_table(ok, name)
        best, worst = at["share_agreed"].idxmax(), at["share_agreed"].idxmin()
        if at.loc[best, "share_agreed"] == at.loc[worst, "share_agreed"]:
            findings.append(f"By {name}: the share of issues agreed is the same at every "
                            f"value ({at.loc[best, 'share_agreed']:.0%}).")
        else:
            findings.append(f"By {name}: the share of issues agreed is highest at {best} "
                            f"({at.loc[best, 'share_agreed']:.0%}) and lowest at {worst} "
                            f"({at.loc[worst, 'share_agreed']:.0%}).")
        t = at.reset_index()
        tables.append((f"by {name}", list(t.columns),
                       [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
                        for row in t.itertuples(index=False)]))
    who = issue_runs(ok, {i.id: i.name for i in load_issues()})
    findings += who_sentences("Over all runs", who, len(ok))
    if swept and len(who) and who[swept[0]].nunique() <= 6:  # the first input, by value
        for value, g in who.groupby(swept[0], sort=True):
            findings += who_sentences(f"With {swept[0]} = {value}", g,
                                      int((ok[swept[0]] == value).sum()))
    if len(who):
        tables.append(who_table(who, len(ok)))
    figs = [("Mean share of issues agreed per varied input", F.agreement_by_input(ok, swept))]
    if len(long_df):
        figs.append(("Division of labour per pillar (issues agreed or not: the arrangement "
                     "in force)", F.division_of_labour(long_df)))
    return {
        "kind": "batch", "title": exp.get("name", folder.name),
        "question": " ".join(exp.get("description", "").split())
                    or f"How do the outcomes depend on {', '.join(swept) or 'the seed'}?",
        "setup": f"{len(runs)} runs of the experiment {exp.get('name', folder.name)}.",
        "findings": findings, "figures": figs, "tables": tables,
        "provenance": meta.get("provenance", {}),
    }


def brief_context(folder: str | Path) -> dict[str, Any]:
    """What the template shows, from a run, comparison or batch folder."""
    folder = Path(folder)
    if (folder / "comparison.json").is_file():
        ctx = _comparison(folder)
    elif (folder / "summary.json").is_file():
        ctx = _run(folder)
    elif (folder / "runs").is_dir():
        ctx = _batch(folder)
    else:
        raise DataError(folder, "DIR", str(folder), "not a run, batch or comparison folder "
                        "(no summary.json, comparison.json or runs/)")
    prov = ctx["provenance"]
    ctx["premises"] = _premises(prov.get("scenario"))
    return ctx


def render(ctx: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=1, sort_keys=True)
    return env.get_template("brief.html.j2").render(**ctx)


def write_brief(folder: str | Path, pdf: bool = False, out: str | Path | None = None) -> Path:
    """Write ``briefing.html`` (default: in ``folder``), and ``briefing.pdf`` beside it
    when ``pdf``; return the HTML path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "DIR", str(folder), "no such folder")
    html = render(brief_context(folder))
    path = Path(out) if out else folder / "briefing.html"
    write_text_atomic(path, html)
    if pdf:
        from weasyprint import HTML

        HTML(string=html, base_url=str(path.parent)).write_pdf(path.with_suffix(".pdf"))
    return path
