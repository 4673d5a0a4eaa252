"""The Compare tab: two scenarios, or two settings of one scenario, over N seeds.

The runs are made by :func:`experiments.compare.compare_scenarios`, the function behind
``eunato compare-scenarios`` (one engine, three front doors: no seed loop of the app's own).
Two *settings* of one scenario are compared as two small scenario files that extend it
(``extends = "<scenario>"`` plus the settings), written to a temporary folder for the run.
The comparison runs in a background thread of the server, in worker processes, and reports
its progress to the page after every run; the page stays usable meanwhile.

The result, side by side: per issue the EU role and the NATO role (median and 10–90 % band
over the seeds), the agreed share and the most frequent blockers; per pillar the same roles
and shares (the division of labour). The chart has PNG / SVG buttons; the table downloads as
CSV.
"""

from __future__ import annotations

import functools
import html
import io
import json
import tempfile
import threading
from pathlib import Path
from typing import Any, NamedTuple

import altair as alt
import pandas as pd
import solara

from app import settings as S
from app.charts import ISSUE_LABEL, Chart, fit_title, v5
from app.components import Table
from app.vega import Vega
from experiments.compare import CI
from model.inputs.scenario import list_scenarios
from model.model import ACTOR_KNOBS, BLOC_KNOBS

SEEDS = (1, 200)
WORKERS = 2


class CompareState:
    """A session's comparison: it outlives the Compare tab (tabs render lazily), so a user
    can look at other tabs while it runs and come back to the result."""

    def __init__(self) -> None:
        self.progress = solara.reactive((0, 0))
        self.result = solara.reactive(None)
        self.error = solara.reactive(None)
        self.running = solara.reactive(False)
        self.job = solara.reactive(None)  # (a, b, seeds) of the comparison to run


context = solara.create_context(None)


@solara.component
def CompareRunner(state: CompareState) -> None:
    """Runs a requested comparison in a thread of the server (the page stays usable; the
    runs go to worker processes). Rendered by the page itself, always mounted."""

    def work(cancel: threading.Event) -> None:
        if state.job.value is None:
            return
        a, b, n = state.job.value
        try:
            state.result.value = run_comparison(a, b, n, progress=lambda d, t: (
                state.progress.set((d, t))))
        except Exception as err:  # shown to the user as one line, never a traceback
            state.error.value = f"comparison failed: {err}"
        finally:
            state.running.value = False

    # not cancelled by a re-render
    solara.use_thread(work, dependencies=[state.job.value], intrusive_cancel=False)


def variant_toml(base: str, name: str, levels: dict[str, Any]) -> str:
    """A scenario file that is ``base`` with the given levels (and protocol, rounds)."""
    lines = [f'name = "{name}"', f'extends = "{base}"']
    if levels.get("protocol"):
        lines.append(f'protocol = "{levels["protocol"]}"')
    if levels.get("rounds"):
        lines.append(f'rounds = {int(levels["rounds"])}')
    if levels.get("us_engagement") is not None:
        lines += ["[parameters]", f"us_engagement = {float(levels['us_engagement'])}"]
    for key, (bloc, field) in BLOC_KNOBS.items():
        if levels.get(key) is not None:
            lines += [f"[blocs.{bloc}]", f"{field} = {float(levels[key])}"]
    for key, (actor, field) in ACTOR_KNOBS.items():
        if levels.get(key) is not None:
            lines += [f"[actors.{actor}]", f"{field} = {float(levels[key])}"]
    return "\n".join(lines) + "\n"


def own_changes(side: dict[str, Any]) -> dict[str, float]:
    """The levels of ``side`` that differ from its scenario's own (what the user set)."""
    own = S.scenario_levels(side["scenario_name"])
    return {k: float(side[k]) for k in S.LEVELS
            if side.get(k) is not None and abs(float(side[k]) - own[k]) > 5e-4}


class Plan(NamedTuple):
    """What a comparison runs: the scenario of each side (a name, or a variant file with
    the user's own levels), the settings shared by both, and how to say it. (Not a
    dataclass: Solara's router runs this file as a page, where dataclasses fail.)"""
    scenarios: list[str]  # names, or TOML texts keyed by file stem in ``files``
    files: dict[str, str]
    settings: dict[str, Any]
    labels: list[str]  # "A: …", "B: …" in words
    command: str | None  # the same comparison as ``eunato compare-scenarios``, if it is one


def plan(a: dict[str, Any], b: dict[str, Any], seeds: int) -> Plan:
    """Each side keeps its own scenario's premise: only the levels the user changed on a
    side (from that side's scenario) are set on it, never one side's levels on the other."""
    shared = {k: a[k] for k in ("protocol", "rounds")
              if a.get(k) is not None and a.get(k) == b.get(k)}
    sides, files, labels = [], {}, []
    for tag, side in (("A", a), ("B", b)):
        changed = own_changes(side)
        apart = {k: side[k] for k in ("protocol", "rounds") if k not in shared and side.get(k)}
        text = ", ".join(f"{S.label(k)} {v:g}" for k, v in {**changed, **apart}.items())
        if changed or apart or a["scenario_name"] == b["scenario_name"]:
            stem = f"{tag}-{side['scenario_name']}"
            files[stem] = variant_toml(side["scenario_name"], stem, {**changed, **apart})
            sides.append(stem)
            labels.append(f"{tag}: {side['scenario_name']} with " + (text or "its own levels"))
        else:
            sides.append(side["scenario_name"])
            labels.append(f"{tag}: {side['scenario_name']} with its own levels")
    command = None
    if not files:
        sets = "".join(f" --set {k}={v}" for k, v in shared.items())
        command = f"eunato compare-scenarios {sides[0]} {sides[1]} --seeds {seeds}{sets}"
    return Plan(sides, files, shared, labels, command)


def run_comparison(a: dict[str, Any], b: dict[str, Any], seeds: int,
                   progress=None, workers: int = WORKERS):
    """Compare settings ``a`` and ``b`` (each: scenario_name, protocol, rounds and levels)
    over seeds ``0 … seeds−1`` with :func:`compare_scenarios`. Returns the comparison and
    its :class:`Plan`; the table's ``scenario`` column holds the plan's scenario names."""
    from experiments.compare import compare_scenarios

    p = plan(a, b, seeds)
    with tempfile.TemporaryDirectory(prefix="eunato-compare-") as tmp:
        paths = []
        for sc in p.scenarios:
            if sc in p.files:
                path = Path(tmp) / f"{sc}.toml"
                path.write_text(p.files[sc])
                paths.append(str(path))
            else:
                paths.append(sc)
        comp = compare_scenarios(paths, seeds, p.settings, workers=workers,
                                 progress=progress)
    stems = {path: Path(path).stem if path.endswith(".toml") else path for path in paths}
    for frame in (comp.table, comp.runs):
        frame["scenario"] = frame["scenario"].map(stems)
    comp.scenarios = [stems[s] for s in comp.scenarios]
    return comp, p


def issue_rows(table: pd.DataFrame, level: str = "issue") -> list[dict]:
    """One row per unit × scenario × role: median and band (the chart's data)."""
    rows = []
    for r in table[table["level"] == level].itertuples():
        for role, key in (("EU role", "eu_role"), ("NATO role", "nato_role")):
            rows.append({"name": r.name, "scenario": r.scenario, "role": role,
                         "series": f"{r.scenario} · {role}",
                         "median": getattr(r, f"{key}_median"),
                         "lo": getattr(r, f"{key}_p10"), "hi": getattr(r, f"{key}_p90"),
                         "agreed": r.agreed_share})
    return rows


@functools.cache
def _template(names: tuple[str, ...], series: tuple[str, ...]) -> dict:
    y = alt.Y("name:N", sort=list(names), title=None, axis=alt.Axis(labelLimit=ISSUE_LABEL))
    off = alt.YOffset("series:N", sort=list(series))
    colour = alt.Color("scenario:N", legend=alt.Legend(orient="bottom", columns=1))
    x = alt.X("lo:Q", scale=alt.Scale(domain=[0, 100]), title="role (median, 10–90 % band)")
    band = alt.Chart(alt.NamedData("rows")).mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=x, x2="hi:Q", y=y, yOffset=off, color=colour)
    med = alt.Chart(alt.NamedData("rows")).mark_point(filled=True, size=70).encode(
        x="median:Q", y=y, yOffset=off, color=colour,
        shape=alt.Shape("role:N", scale=alt.Scale(domain=["EU role", "NATO role"],
                                                  range=["circle", "square"]),
                        legend=alt.Legend(orient="bottom", columns=1)),
        tooltip=["name:N", "scenario:N", "role:N", alt.Tooltip("median:Q", format=".0f"),
                 alt.Tooltip("lo:Q", format=".0f"), alt.Tooltip("hi:Q", format=".0f"),
                 alt.Tooltip("agreed:Q", format=".0%", title="agreed share")])
    return v5(alt.layer(band, med).properties(
        width="container", height=44 * len(names),
        title=fit_title("EU role (●) and NATO role (■) per issue, over the seeds")))


def roles_chart(table: pd.DataFrame, level: str = "issue") -> Chart:
    rows = issue_rows(table, level)
    names = tuple(dict.fromkeys(r["name"] for r in rows))
    series = tuple(dict.fromkeys(r["series"] for r in rows))
    return _template(names, series), {"rows": rows}


def diff_text(d: float, lo: float, hi: float, scale: float = 1.0, unit: str = "") -> str:
    """B − A with its bootstrap interval (``experiments.compare``'s), in words when the
    seeds do not move it."""
    if d != d:
        return "—"
    d, lo, hi = d * scale, lo * scale, hi * scale
    if lo != lo:
        return f"{d:+.1f}{unit}"
    if abs(hi - lo) < 0.05:
        return f"{d:+.1f}{unit} in every seed"
    return f"{d:+.1f}{unit} [{CI}% CI {lo:+.1f}, {hi:+.1f}]"


def still(r: Any) -> bool:
    """True when every seed gives this row the same roles (a band of zero width)."""
    return all(abs(getattr(r, f"{k}_p90") - getattr(r, f"{k}_p10")) < 0.05
               for k in ("eu_role", "nato_role")) and r.agreed_share in (0.0, 1.0)


def side_by_side(table: pd.DataFrame, level: str, names: dict[str, str]) -> pd.DataFrame:
    """Per unit: each scenario's roles (median [band]), agreed share and top blockers;
    B − A of each role and of the agreed share (mean of the paired differences over the
    seeds, with the bootstrap interval of ``experiments.compare``); and whether the seeds
    move the result at all."""
    out = []
    first = table["scenario"].iloc[0] if len(table) else None
    for _, g in table[table["level"] == level].groupby("unit", sort=False):
        row: dict[str, Any] = {level: g["name"].iloc[0]}
        for r in g.itertuples():
            tag = r.scenario
            row[f"{tag}: EU role"] = f"{r.eu_role_median:.0f} [{r.eu_role_p10:.0f}–" \
                                     f"{r.eu_role_p90:.0f}]"
            row[f"{tag}: NATO role"] = f"{r.nato_role_median:.0f} [{r.nato_role_p10:.0f}–" \
                                       f"{r.nato_role_p90:.0f}]"
            row[f"{tag}: agreed"] = f"{r.agreed_share:.0%}"
            top = json.loads(r.top_blockers) if isinstance(r.top_blockers, str) else []
            # a veto blocks a piece: an issue can be agreed by its other piece meanwhile
            row[f"{tag}: blocked a piece"] = ", ".join(f"{names.get(a, a)} {s:.0%}"
                                                       for a, s in top)
        for r in g[g["scenario"] != first].itertuples():
            row["B − A: EU role"] = diff_text(r.d_eu_role, r.d_eu_role_lo, r.d_eu_role_hi)
            row["B − A: NATO role"] = diff_text(r.d_nato_role, r.d_nato_role_lo,
                                                r.d_nato_role_hi)
            row["B − A: agreed"] = diff_text(r.d_agreed_share, r.d_agreed_share_lo,
                                             r.d_agreed_share_hi, 100, " pp")
        row["seeds"] = ("no effect: every seed gives the same" if all(
            still(r) for r in g.itertuples()) else "the result varies with the seed")
        out.append(row)
    return pd.DataFrame(out)


#: why a seed can leave a result unmoved (what the seed draws, model/coalitions.py and
#: the protocols)
SEED_WHY = ("The seed only draws who reconsiders their coalition each round, in which "
            "order, and the protocol's random choices; the actors' judgements (ideal roles, "
            "salience, the levels) are fixed by the scenario. Where every seed gives the "
            "same result, the outcome follows from those judgements alone.")


def seeds_sentence(table: pd.DataFrame, level: str = "issue") -> str:
    """One sentence: on how many units the seeds do not move the result, and why."""
    rows = table[table["level"] == level]
    units = rows["unit"].unique()
    fixed = [u for u in units if all(still(r) for r in rows[rows["unit"] == u].itertuples())]
    n = len(units)
    if not fixed:
        return f"The seeds move the result on every one of the {n} {level}s."
    head = (f"On {len(fixed)} of {n} {level}s every seed gives the same roles and the "
            "same agreement: the band has no width there. ")
    return head + SEED_WHY


@solara.component
def ComparePanel(current: dict[str, Any], actor_names: dict[str, str]) -> None:
    """Pick two scenarios, or the current settings against one changed setting; N seeds."""
    mode, set_mode = solara.use_state("two scenarios")
    other = next((s for s in list_scenarios() if s != current["scenario_name"]),
                 current["scenario_name"])
    sc_b, set_sc_b = solara.use_state(other)
    knob, set_knob = solara.use_state("us_engagement")
    value, set_value = solara.use_state(0.3)
    seeds, set_seeds = solara.use_state(20)
    state = solara.use_context(context)
    progress, result, error, running = state.progress, state.result, state.error, state.running

    a = {k: v for k, v in current.items() if k in (*S.DEFAULTS, *S.LEVELS)}
    # B of two scenarios is B's own premise: A's levels are not B's (issue 24)
    b = ({"scenario_name": sc_b, **{k: a[k] for k in ("protocol", "rounds") if k in a}}
         if mode == "two scenarios" else {**a, knob: value})

    def start() -> None:
        if running.value:
            return
        running.value, error.value, result.value = True, None, None
        progress.value = (0, 2 * seeds)
        state.job.value = (dict(a), dict(b), seeds)

    with solara.Column(classes=["eunato-compare", "eunato-card"]):
        solara.Select("Compare", values=["two scenarios", "two settings"], value=mode,
                      on_value=set_mode)
        p = plan(a, b, seeds)
        solara.Text(p.labels[0] + " (the run's settings at round 0; shocks applied "
                    "mid-run are not part of it)", classes=["eunato-line", "eunato-compare-a"])
        solara.Text(p.labels[1], classes=["eunato-line", "eunato-compare-b"])
        if mode == "two scenarios":
            solara.Select("B: scenario", values=list_scenarios(), value=sc_b,
                          on_value=set_sc_b)
        else:
            solara.Select("B changes", values=[S.label(k) for k in S.LEVELS],
                          value=S.label(knob), on_value=lambda lab: set_knob(
                              next(k for k in S.LEVELS if S.label(k) == lab)))
            solara.SliderFloat(f"to {value:.2f}", value=value, min=0.0, max=1.0, step=0.05,
                               on_value=set_value)
        solara.SliderInt(f"Seeds: {seeds}", value=seeds, min=SEEDS[0], max=SEEDS[1],
                         on_value=set_seeds)
        same = a == b
        solara.Button("Run comparison", on_click=start, color="primary",
                      disabled=running.value or same, classes=["eunato-compare-run"])
        if same:
            solara.Text("A and B are the same: change B first.", classes=["eunato-line"])
        done, total = progress.value
        if running.value or (total and done < total):
            solara.ProgressLinear(value=100 * done / max(total, 1))
            solara.Text(f"{done} of {total} runs done", classes=["eunato-compare-progress"])
        if error.value:
            solara.Error(error.value, classes=["eunato-message"])
    if result.value is not None:
        CompareResult(*result.value, actor_names)


@solara.component
def CompareResult(comp: Any, p: Plan, actor_names: dict[str, str]) -> None:
    name = "compare-" + "-vs-".join(comp.scenarios) + f"-{len(comp.seeds)}seeds"
    with solara.Column(classes=["eunato-compare-result", "eunato-card"]):
        solara.HTML(tag="ul", classes=["eunato-compare-what"], unsafe_innerHTML="".join(
            f"<li>{html.escape(t)}</li>" for t in [*p.labels, f"seeds 0–{len(comp.seeds) - 1}"]
            + ([f"the same as: {p.command}"] if p.command else [])))
        solara.Text(seeds_sentence(comp.table), classes=["eunato-line", "eunato-seeds-note"])
        spec, data = roles_chart(comp.table, "issue")
        Vega(spec, data, name + "-issues")
        solara.FileDownload(lambda: _csv(comp.table), filename=f"{name}.csv",
                            label="Download comparison CSV")
        solara.HTML(tag="h3", unsafe_innerHTML="Per issue: roles, agreed share, blockers")
        Table(side_by_side(comp.table, "issue", actor_names), ["eunato-compare-issues"])
        solara.Text("“blocked a piece”: who vetoed one piece (the EU's or NATO's) in that "
                    "share of the seeds; the issue can still be agreed through its other "
                    "piece, so 100 % agreed beside a blocker is one piece passed, one "
                    "blocked.", classes=["eunato-caption"])
        solara.HTML(tag="h3", unsafe_innerHTML="Per pillar: division of labour")
        Table(side_by_side(comp.table, "pillar", actor_names), ["eunato-compare-pillars"])


def _csv(table: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    return buf.getvalue().encode()
