"""Figures of a briefing: matplotlib, drawn for print (vector SVG, grey-safe colours with
hatching, 8 pt text or larger), returned as ``data:`` URIs so the HTML needs no other file.

SVG output is made deterministic (no date, fixed id salt) so a briefing reproduces to the
byte (``eunato rerun``).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.results.summary import LEAD, SCALES, label  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "eunato-brief", "font.size": 9, "axes.titlesize": 10,
                     "svg.fonttype": "none"})
#: colour-blind and greyscale safe (Okabe-Ito), with hatches as a second cue
EU_COLOUR, NATO_COLOUR = "#0072B2", "#D55E00"
LABEL_STYLE = {"EU-led": ("#0072B2", ""), "NATO-led": ("#D55E00", "//"),
               "both": ("#009E73", ".."), "neither": ("#BBBBBB", "xx")}


def svg_uri(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def dol_label(eu: float, nato: float) -> str:
    """Division-of-labour label, as the model labels it."""
    return label(eu, nato)


def role_bands(table: pd.DataFrame, scenarios: list[str], level: str = "issue") -> str:
    """EU and NATO role per unit and scenario: median dot, 10–90% bar."""
    t = table[table["level"] == level]
    units = list(dict.fromkeys(t["unit"]))
    k = len(scenarios)
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 0.9 + 0.32 * len(units) * k), sharey=True)
    markers = "osD^v<>"
    for ax, role, colour in zip(axes, ("eu_role", "nato_role"), (EU_COLOUR, NATO_COLOUR),
                                strict=True):
        for s, sc in enumerate(scenarios):
            r = t[t["scenario"] == sc].set_index("unit").reindex(units)
            y = np.arange(len(units)) * (k + 1) + s
            ax.hlines(y, r[f"{role}_p10"], r[f"{role}_p90"], color=colour,
                      alpha=1.0 - 0.5 * s / max(k - 1, 1), lw=2.5)
            ax.plot(r[f"{role}_median"], y, markers[s % len(markers)], color="black", ms=4,
                    label=sc)
        ax.set_xlim(-2, 102)
        ax.axvline(LEAD, color="grey", lw=0.6, ls=":")
        ax.set_xlabel(SCALES[role], fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    centres = np.arange(len(units)) * (k + 1) + (k - 1) / 2
    axes[0].set_yticks(centres, units)
    axes[0].invert_yaxis()
    axes[1].legend(fontsize=8, loc="lower right", title="median; bar = 10–90%",
                   title_fontsize=8)
    fig.tight_layout()
    return svg_uri(fig)


def division_of_labour(runs: pd.DataFrame, group: str = "scenario") -> str:
    """Share of runs × issues per label, for each pillar (one bar per pillar and group)."""
    lab = [dol_label(e, n) for e, n in zip(runs["eu_role"], runs["nato_role"], strict=True)]
    d = runs.assign(label=lab)
    groups = list(dict.fromkeys(d[group]))
    pillars = list(dict.fromkeys(d["pillar"]))
    rows = [(f"{p} · {g}" if len(groups) > 1 else p,
             d[(d["pillar"] == p) & (d[group] == g)]["label"].value_counts(normalize=True))
            for p in pillars for g in groups]
    fig, ax = plt.subplots(figsize=(7.2, 0.8 + 0.34 * len(rows)))
    left = np.zeros(len(rows))
    for name, (colour, hatch) in LABEL_STYLE.items():
        w = np.array([r.get(name, 0.0) for _, r in rows])
        ax.barh(range(len(rows)), w, left=left, color=colour, hatch=hatch, label=name,
                edgecolor="white", lw=0.5)
        left += w
    ax.set_yticks(range(len(rows)), [n for n, _ in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of issues × runs with this division of labour (a role ≥ {LEAD:g} "
                  "leads)")
    ax.legend(ncol=4, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    return svg_uri(fig)


def run_roles(issues: list[dict]) -> str:
    """One run: EU and NATO role per issue, each with its status quo marked."""
    names = [i["issue"] for i in issues]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.4 * len(names)))
    ax.barh(y - 0.18, [i["eu_role"] for i in issues], 0.34, color=EU_COLOUR, label="EU role")
    ax.barh(y + 0.18, [i["nato_role"] for i in issues], 0.34, color=NATO_COLOUR, hatch="//",
            edgecolor="white", label="NATO role")
    for key, dy in (("status_quo_eu_role", -0.18), ("status_quo_nato_role", 0.18)):
        sq = [i.get(key) for i in issues]
        if all(v is not None for v in sq):
            ax.plot(sq, y + dy, "|", color="black", ms=10, mew=2,
                    label="status quo" if dy < 0 else None)
    ax.set_yticks(y, [f"{n}\n({i['status']})" for n, i in zip(names, issues, strict=True)],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("role: " + "; ".join(SCALES.values()), fontsize=8)
    ax.legend(fontsize=8, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    return svg_uri(fig)


def coalitions(by_pillar: dict[str, list[dict]]) -> str:
    """The final coalitions of each pillar: capability of each, with its members."""
    final = [{**c, "label": f"{p}: {c['label']}"} for p, cs in by_pillar.items()
             for c in sorted(cs, key=lambda c: -c["capability"])[:4]]
    fig, ax = plt.subplots(figsize=(7.2, 0.8 + 0.42 * max(len(final), 1)))
    y = np.arange(len(final))
    ax.barh(y, [c["capability"] for c in final], color="#56B4E9", edgecolor="black", lw=0.4)
    for k, c in enumerate(final):
        members = ", ".join(c["members"][:10]) + (" …" if len(c["members"]) > 10 else "")
        ax.annotate(members, (c["capability"], k), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.set_yticks(y, [f"{c['label']}+" for c in final])
    ax.invert_yaxis()
    ax.set_xlabel("coalition capability (share of the total)")
    ax.set_xlim(0, max([c["capability"] for c in final] + [0.1]) * 2.2)
    fig.tight_layout()
    return svg_uri(fig)


def agreement_by_input(ok: pd.DataFrame, inputs: list[str]) -> str:
    """Batch: mean share of issues agreed per level of each varied input."""
    n_issues = len([c for c in ok.columns if c.startswith("agreed_")]) or 1
    inputs = inputs or ["(all runs)"]
    fig, axes = plt.subplots(1, len(inputs), figsize=(3.4 * len(inputs) + 0.6, 2.8),
                             squeeze=False, sharey=True)
    for ax, name in zip(axes.flat, inputs, strict=True):
        key = ok[name].astype(str) if name in ok else pd.Series("all", index=ok.index)
        m = (ok["agreed"] / n_issues).groupby(key).mean()
        ax.bar(m.index, m.to_numpy(), color="#009E73", edgecolor="black", lw=0.4)
        ax.set_xlabel(name)
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    axes[0, 0].set_ylabel("mean share of issues agreed")
    fig.tight_layout()
    return svg_uri(fig)
