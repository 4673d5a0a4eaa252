"""`eunato report RESULTS_DIR`: PNG charts and one HTML page from a batch's runs table.

* ``outcomes_<role>.png`` and ``outcomes_<role>_by_<input>.png`` (role: ``eu_role``,
  ``nato_role``) — the distribution of each issue's role over the runs (one panel per
  issue), all runs pooled and then one histogram per level of every varied input
  (scenario, protocol, parameters), with the share agreed; the axis title is the model's
  own scale definition (``model.results.summary.SCALES``), and ``figures.json`` lists each
  figure's titles (``figures``) beside the batch's ``provenance``;
* ``agreement.png`` — probability that all issues are agreed, and mean share of issues
  agreed, against each swept input (continuous inputs with many values are binned);
* ``metrics.png`` — rounds to agreement, duplication index and gap index against each
  swept input;
* ``agreement_2d.png`` — mean share of issues agreed over the first two swept inputs
  (their interaction: e.g. blockage × protocol);
* ``agreement_by_round.png`` — when the batch kept rounds: mean number of issues agreed
  by round, one line per level of each swept input (the path to agreement, also when not
  every issue is agreed in the end);
* ``comembership.png`` / ``comembership.csv`` — for each actor pair, the share of runs in
  which they ended in the same coalition (from the ``partition`` column), actors ordered
  by hierarchical clustering;
* ``index.html`` — the page that shows them, with the counts and any errors.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.store import read_rounds, read_runs  # noqa: E402
from model.inputs.data import DataError  # noqa: E402
from model.inputs.knobs import MODEL_PARAMETERS  # noqa: E402
from model.io.safeio import (  # noqa: E402
    atomic_output,
    json_text,
    real_dir,
    writable_dir,
    write_text_atomic,
)
from model.results.summary import SCALES  # noqa: E402

ROLE_RANGE = (0.0, 100.0)  # docs/schema.md: both roles are shares of a requirement of 100


def outcome_scales(columns: list[str]) -> list[str]:
    """The outcome scales (keys of ``model.results.summary.SCALES``) with per-issue columns
    (``<key>_<issue>``) in a runs table."""
    return [k for k in SCALES if any(c.startswith(f"{k}_") for c in columns)]

MAX_LEVELS = 12  # a numeric input with more distinct values is binned


def swept_inputs(results: Path, runs: pd.DataFrame) -> list[str]:
    """The swept inputs: from ``experiment.json`` if the batch wrote it, else every input
    column with more than one value."""
    meta = results / "experiment.json"
    if meta.is_file():
        names = json.loads(meta.read_text()).get("swept", [])
        return [n for n in names if n in runs.columns]
    return [c for c in ("scenario", "protocol", *MODEL_PARAMETERS)
            if c in runs.columns and runs[c].nunique(dropna=True) > 1]


def _levels(s: pd.Series) -> pd.Series:
    """Group key of an input: its value, or its bin for a numeric input with many values."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) \
            and s.nunique() > MAX_LEVELS:
        bins = pd.cut(s, bins=8)
        return bins.map(lambda iv: round(iv.mid, 3)).astype(float)
    return s


def agreement_table(ok: pd.DataFrame, name: str) -> pd.DataFrame:
    """P(all issues agreed), mean share agreed (and taken outside both institutions by a
    coalition of the willing), and run count per level of one input."""
    n_issues = len([c for c in ok.columns if c.startswith("agreed_")]) or 1
    g = ok.assign(_level=_levels(ok[name])).groupby("_level", observed=True)
    out = pd.DataFrame({
        "runs": g.size(),
        "p_all_agreed": g["all_agreed"].mean(),
        "share_agreed": g["agreed"].mean() / n_issues,
        "rounds_to_agreement": g["rounds_to_agreement"].mean(),
        "duplication_index": g["duplication_index"].mean(),
        "gap_index": g["gap_index"].mean(),
    })
    if "outside" in ok.columns:  # runs written before the outside route have no column
        out["share_outside"] = g["outside"].mean() / n_issues
    out.index.name = name
    return out


def interaction_table(ok: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Mean share of issues agreed for each pair of levels of two inputs (rows a, cols b)."""
    n_issues = len([c for c in ok.columns if c.startswith("agreed_")]) or 1
    t = ok.assign(_a=_levels(ok[a]), _b=_levels(ok[b]), _s=ok["agreed"] / n_issues)
    piv = t.pivot_table(index="_a", columns="_b", values="_s", aggfunc="mean",
                        observed=True)
    piv.index.name, piv.columns.name = a, b
    return piv


def comembership(ok: pd.DataFrame) -> pd.DataFrame:
    """Actor × actor share of runs in which the pair ended in the same coalition."""
    parts = [json.loads(p) for p in ok["partition"].dropna()]
    actors = sorted({a for p in parts for a in p})
    if not parts or not actors:
        return pd.DataFrame()
    idx = {a: i for i, a in enumerate(actors)}
    m = np.zeros((len(actors), len(actors)))
    for p in parts:
        labels = np.full(len(actors), None, dtype=object)
        for a, c in p.items():
            labels[idx[a]] = c
        same = (labels[:, None] == labels[None, :]) & (labels[:, None] != None)  # noqa: E711
        m += same
    m /= len(parts)
    if len(actors) > 2:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        d = 1.0 - m
        np.fill_diagonal(d, 0.0)
        order = leaves_list(linkage(squareform(np.clip(d, 0, None), checks=False),
                                    "average"))
        actors = [actors[i] for i in order]
        m = m[np.ix_(order, order)]
    return pd.DataFrame(m, index=actors, columns=actors)


def _plot_outcomes(ok: pd.DataFrame, group: str | None, scale: str,
                   path: Path) -> dict[str, Any]:
    """Histograms of each issue's outcome on ``scale``, one per level of ``group`` (all runs
    pooled when None); returns the figure's titles (for figures.json)."""
    issues = [c.removeprefix(f"{scale}_") for c in ok.columns if c.startswith(f"{scale}_")]
    ncol = min(5, max(1, len(issues)))
    nrow = max(1, -(-len(issues) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False,
                             sharex=True)
    if group is None:
        groups: list[tuple[Any, pd.DataFrame]] = [("all runs", ok)]
    else:
        key = _levels(ok[group])
        groups = [(lv, ok[key == lv]) for lv in sorted(key.dropna().unique(),
                                                       key=lambda v: (str(type(v)), v))]
    bins = np.linspace(*ROLE_RANGE, 26)
    for ax, issue in zip(axes.flat, issues, strict=False):
        for label, g in groups:
            vals = g[f"{scale}_{issue}"].dropna()
            ax.hist(vals, bins=bins, histtype="step" if len(groups) > 1 else "bar",
                    label=str(label), alpha=1.0 if len(groups) > 1 else 0.8)
        share = ok[f"agreed_{issue}"].astype(float).mean() if f"agreed_{issue}" in ok else 0
        ax.set_title(f"{issue}\nagreed in {share:.0%} of runs", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(issues):]:
        ax.set_visible(False)
    if len(groups) > 1:
        axes.flat[0].legend(fontsize=7, title=group, title_fontsize=7)
    x_title = SCALES[scale]  # the model's own definition: label and scale cannot drift
    fig.supxlabel(x_title, fontsize=9)
    fig.supylabel("runs", fontsize=9)
    if group is not None:
        fig.suptitle(f"by {group}", fontsize=10)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return {"x": x_title, "y": "runs", "group": group,
            "levels": [str(lv) for lv, _ in groups]}


def _plot_by_input(tables: dict[str, pd.DataFrame], columns: list[tuple[str, str]],
                   path: Path) -> None:
    names = list(tables) or ["(nothing swept)"]
    fig, axes = plt.subplots(len(columns), len(names),
                             figsize=(4.2 * len(names), 2.8 * len(columns)), squeeze=False,
                             sharex="col")
    for j, name in enumerate(names):
        t = tables.get(name)
        for i, (col, label) in enumerate(columns):
            ax = axes[i, j]
            if t is None or t.empty:
                ax.set_visible(False)
                continue
            x = t.index
            if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
                ax.plot(x, t[col], marker="o")
            else:
                ax.bar([str(v) for v in x], t[col])
            ax.set_ylabel(label, fontsize=9)
            if col in ("p_all_agreed", "share_agreed"):
                ax.set_ylim(-0.02, 1.02)
            if i == len(columns) - 1:
                ax.set_xlabel(name)
                if not (pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)):
                    ax.tick_params(axis="x", labelrotation=30)
            ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _plot_rounds(ok: pd.DataFrame, rounds: pd.DataFrame, swept: list[str],
                 path: Path) -> None:
    names = swept or ["(all runs)"]
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 3.4), squeeze=False,
                             sharey=True)
    for ax, name in zip(axes.flat, names, strict=True):
        key = (_levels(ok[name]) if name in ok else pd.Series("all runs", index=ok.index))
        lv = pd.Series(key.to_numpy(), index=ok["run_id"].to_numpy(), name="_level")
        r = rounds.join(lv, on="run_id", how="inner")
        levels = sorted(r["_level"].dropna().unique(), key=lambda v: (str(type(v)), v))
        cmap = plt.get_cmap("viridis", max(len(levels), 2))
        for k, level in enumerate(levels):
            m = r[r["_level"] == level].groupby("round")["agreed"].mean()
            ax.plot(m.index, m.to_numpy(), color=cmap(k), label=str(level), lw=1.4)
        ax.set_xlabel("round")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2 if len(levels) > 6 else 1)
    axes[0, 0].set_ylabel("issues agreed (mean over runs)")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _plot_interaction(piv: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(1.6 + 0.9 * piv.shape[1], 1.4 + 0.5 * piv.shape[0]))
    im = ax.imshow(piv.to_numpy(dtype=float), vmin=0, vmax=1, cmap="viridis", aspect="auto",
                   origin="lower")
    ax.set_xticks(range(piv.shape[1]), [str(c) for c in piv.columns], rotation=30,
                  fontsize=8)
    ax.set_yticks(range(piv.shape[0]), [str(i) for i in piv.index], fontsize=8)
    ax.set_xlabel(piv.columns.name)
    ax.set_ylabel(piv.index.name)
    for (i, j), v in np.ndenumerate(piv.to_numpy(dtype=float)):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if v < 0.6 else "black")
    fig.colorbar(im, ax=ax, label="mean share of issues agreed")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _plot_comembership(cm: pd.DataFrame, path: Path) -> None:
    n = max(len(cm), 2)
    fig, ax = plt.subplots(figsize=(2 + 0.28 * n, 1.5 + 0.28 * n))
    if not cm.empty:
        im = ax.imshow(cm.to_numpy(), vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(cm)), cm.columns, rotation=90, fontsize=7)
        ax.set_yticks(range(len(cm)), cm.index, fontsize=7)
        fig.colorbar(im, ax=ax, shrink=0.7, label="share of runs in the same coalition")
    ax.set_title("actor-pair co-membership of the final coalitions\n(diagonal: share of runs "
                 "in which the actor is in a coalition at all)", fontsize=10)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _provenance(results: Path) -> dict[str, Any] | None:
    """The batch's provenance: experiment.json's, else the first part's."""
    meta = results / "experiment.json"
    if meta.is_file():
        prov = json.loads(meta.read_text()).get("provenance")
        if prov:
            return prov
    from experiments.store import part_provenance

    parts = sorted((results / "runs").glob("part-*.parquet"))
    return part_provenance(parts[0]) if parts else None


def write_report(results_dir: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Write the charts and ``index.html`` for a results directory; return the paths."""
    results = Path(results_dir)
    if not (results / "runs").is_dir():
        raise DataError(results, "runs", str(results / "runs"),
                        "no runs here: not a results directory of `eunato batch`")
    out = writable_dir(Path(out_dir) if out_dir else results / "report", "--out")
    for data in ("runs", "rounds", "quarantine"):  # the page's files would spoil the data
        d = (results / data).resolve()
        if out.resolve() == d or d in out.resolve().parents:
            raise DataError("command line", "--out", str(out), f"is inside the results' "
                            f"{data}/ folder; give a folder of its own")
    out.parent.mkdir(parents=True, exist_ok=True)
    real_dir(out)
    runs = read_runs(results)
    ok = runs[runs["status"] == "ok"].copy()
    for c in ok.columns:  # error rows made these object/float; ok rows are bool
        if (c.startswith("agreed_") or c == "all_agreed") and ok[c].notna().all():
            ok[c] = ok[c].astype(bool)
    swept = swept_inputs(results, runs)
    meta_file = results / "experiment.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    exp = meta.get("experiment", {})

    paths: list[Path] = []
    tables = {n: agreement_table(ok, n) for n in swept} if len(ok) else {}
    figures: dict[str, Any] = {}  # each outcome figure's axis titles and groups
    outcome_pngs: list[tuple[str, str]] = []
    for scale in outcome_scales(list(ok.columns)):
        for group in [None, *swept]:
            name = (f"outcomes_{scale}.png" if group is None
                    else f"outcomes_{scale}_by_{group}.png")
            figures[name] = _plot_outcomes(ok, group, scale, out / name)
            paths.append(out / name)
            outcome_pngs.append((name, f"{SCALES[scale].split(' (')[0]} per issue"
                                 + (f", by {group}" if group else ", all runs")))
    p = out / "figures.json"  # with the batch's provenance: the report carries it too
    write_text_atomic(p, json_text({"figures": figures, "provenance": _provenance(results)},
                                    indent=1))
    paths.append(p)
    p = out / "agreement.png"
    _plot_by_input(tables, [("p_all_agreed", "P(all issues agreed)"),
                            ("share_agreed", "mean share of issues agreed")], p)
    paths.append(p)
    p = out / "metrics.png"
    _plot_by_input(tables, [("rounds_to_agreement", "rounds to agreement\n(runs that agreed all)"),
                            ("duplication_index", "duplication index"),
                            ("gap_index", "gap index")], p)
    paths.append(p)
    piv = None
    if len(swept) >= 2 and len(ok):
        piv = interaction_table(ok, swept[0], swept[1])
        p = out / "agreement_2d.png"
        _plot_interaction(piv, p)
        paths.append(p)
    rounds = read_rounds(results) if (results / "rounds").is_dir() else pd.DataFrame()
    if len(rounds) and len(ok) and "agreed" in rounds:
        p = out / "agreement_by_round.png"
        _plot_rounds(ok, rounds, swept, p)
        paths.append(p)
    cm = comembership(ok) if "partition" in ok else pd.DataFrame()
    p = out / "comembership.png"
    _plot_comembership(cm, p)
    paths.append(p)
    p = out / "comembership.csv"
    with atomic_output(p) as tmp:
        cm.to_csv(tmp)
    paths.append(p)
    p = out / "agreement.csv"
    with atomic_output(p) as tmp:
        pd.concat([t.reset_index().rename(columns={n: "level"}).assign(input=n)
                   for n, t in tables.items()] or [pd.DataFrame()]).to_csv(tmp, index=False)
    paths.append(p)

    errors = runs.loc[runs["status"] != "ok", "error"].value_counts().head(10)
    title = html.escape(exp.get("name", results.name))
    body = [f"<h1>{title}</h1>",
            f"<p>{html.escape(' '.join(exp.get('description', '').split()))}</p>",
            f"<p>{len(runs)} runs: {len(ok)} ok, {len(runs) - len(ok)} failed. "
            f"Swept: {html.escape(', '.join(swept) or 'nothing')}. "
            # relative to this page, no machine path: the same batch gives the same bytes
            f"Results: <code>{html.escape(os.path.relpath(results.resolve(), out.resolve()))}"
            "</code></p>"]
    for n, t in tables.items():
        body.append(f"<h3>by {html.escape(n)}</h3>"
                    + t.to_html(float_format=lambda v: f"{v:.3f}", border=0))
    if piv is not None:
        body.append(f"<h3>mean share of issues agreed by {html.escape(piv.index.name)} × "
                    f"{html.escape(piv.columns.name)}</h3>"
                    + piv.to_html(float_format=lambda v: f"{v:.3f}", border=0))
    for name, cap in (*outcome_pngs,
                      ("agreement.png", "Probability of agreement vs each swept input"),
                      ("agreement_2d.png", "Agreement over the first two swept inputs"),
                      ("metrics.png", "Rounds to agreement, duplication and gap"),
                      ("agreement_by_round.png", "Issues agreed, round by round"),
                      ("comembership.png", "Actor-pair co-membership")):
        if not (out / name).is_file() or (out / name) not in paths:
            continue
        body.append(f"<h2>{cap}</h2><img src='{name}' alt='{cap}'>")
    if len(errors):
        body.append("<h2>Errors</h2><ul>" + "".join(
            f"<li>{k} × {html.escape(str(msg))}</li>" for msg, k in errors.items()) + "</ul>")
    page = ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:1400px;"
            "margin:2em auto}img{max-width:100%}table{border-collapse:collapse;font-size:"
            "small}td,th{padding:2px 8px;text-align:right}</style></head><body>"
            + "\n".join(body) + "</body></html>")
    p = out / "index.html"
    write_text_atomic(p, page)
    paths.append(p)
    return paths
