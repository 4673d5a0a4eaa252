"""The stakeholder-table forecasting workflow: a table in, a forecast out.

Reads the tables people actually have (:func:`read_table`): CSV as written by hand or exported
by Excel, with LF, CRLF or old-Mac CR line endings, an optional UTF-8 BOM, commas, semicolons
(then decimal commas are accepted) or tabs; the column names used across the literature and
the tools (actor/stakeholder/player, capability/resources/clout/power/influence, position,
salience/importance, optional risk); capability and salience on 0–1 or 0–100 scales and
positions on any numeric scale. Several issues at once come either wide (one
``position_<issue>`` / ``salience_<issue>`` column pair per issue) or long (an ``issue``
column). What was understood is returned as plain-language notes so the CLI can say so.

It runs on the same protocols as the EU–NATO model (:func:`run_forecast`), no second copy.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.data import DataError
from model.protocols import get_protocol
from model.protocols.base import weighted_mean, weighted_median
from model.state import BargainingState

#: canonical column -> accepted header spellings (lower case, spaces/dashes as "_")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "actors", "stakeholder", "stakeholders", "player", "players", "name",
              "party", "agent"),
    "capability": ("capability", "capabilities", "resources", "resource", "clout", "power",
                   "influence", "cap", "weight"),
    "position": ("position", "positions", "pos", "preference", "stance"),
    "salience": ("salience", "saliency", "importance", "sal", "priority", "intensity"),
    "risk": ("risk", "risk_exponent", "risk_acceptance"),
    "issue": ("issue", "issues", "dimension", "topic", "question"),
}
_WIDE = re.compile(r"^(position|positions|pos|salience|saliency|importance|sal)[_.:\- ]+(.+)$")


@dataclass
class TableRead:
    """A stakeholder table as understood: the state plus what was inferred, in words."""

    state: BargainingState
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)


def _norm(h: str) -> str:
    return re.sub(r"[\s\-]+", "_", h.strip().strip('"').lower())


#: the most stakeholder rows a table may have (the forecast's cost grows with the square
#: of the actors; real tables have tens)
MAX_ROWS = 2000


def _decode(path: Path) -> str:
    from model.safeio import read_user_bytes

    raw = read_user_bytes(path)  # folder, device, > 20 MB: one DataError
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    # LF, CRLF and old-Mac CR all become LF
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sniff(header: str) -> str:
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _number(raw: str, decimal_comma: bool, path: Path, row: int, col: str) -> float:
    s = (raw or "").strip().replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".") if "," in s else s
    try:
        v = float(s)
    except ValueError:
        raise DataError(path, f"row {row}, column {col}", raw,
                        "not a number" if s else "empty cell; a number is needed") from None
    if not math.isfinite(v):
        raise DataError(path, f"row {row}, column {col}", raw, "not a finite number")
    return v


def _rescale_01(vals: np.ndarray, what: str, path: Path, col: str | list[str], rows: list[int],
                notes: list[str], raws: list[str]) -> np.ndarray:
    """0–1 stays, 0–100 is divided by 100; negatives and > 100 are errors (the error shows
    the cell as written)."""
    cols = col if isinstance(col, list) else [col] * len(rows)
    col = col if isinstance(col, str) else ", ".join(dict.fromkeys(col))
    for v, r, raw, c in zip(vals, rows, raws, cols, strict=True):
        if v < 0:
            raise DataError(path, f"row {r}, column {c}", raw, f"{what} must not be negative")
        if v > 100:
            raise DataError(path, f"row {r}, column {c}", raw,
                            f"{what} must be on a 0-1 or 0-100 scale")
    if vals.size and vals.max() > 1:
        notes.append(f"{what} ({col}) read on a 0-100 scale (divided by 100)")
        return vals / 100.0
    notes.append(f"{what} ({col}) read on a 0-1 scale")
    return vals


def read_table(
    path: str | Path, value_range: tuple[float, float] | None = None,
    status_quo: float | None = None,
) -> TableRead:
    """Read a stakeholder table (one or several issues) into a :class:`BargainingState`.

    ``value_range`` (lo, hi) fixes the position scale; otherwise it is the observed
    min–max per issue. Every problem raises one :class:`DataError` naming the row (as
    numbered in a spreadsheet, header = row 1), the column and the value.
    """
    path = Path(path)
    text = _decode(path)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise DataError(path, "-", None, "empty file: no header and no rows")
    delim = _sniff(lines[0])
    decimal_comma = delim == ";"
    if len(lines) - 1 > MAX_ROWS:
        raise DataError(path, "rows", len(lines) - 1,
                        f"more than {MAX_ROWS} stakeholder rows; split the table")
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)
    try:
        table = [r for r in reader]
    except csv.Error as err:  # e.g. a cell over the csv module's 131,072 characters
        raise DataError(path, f"row {reader.line_num}", None,
                        f"not a readable table: {err}") from None
    header = [_norm(h) for h in table[0]]
    body = table[1:]
    if not body:
        raise DataError(path, "-", None, "header only: no stakeholder rows")
    notes = [f"separator {'tab' if delim == chr(9) else repr(delim)}"
             + ("; decimal commas accepted" if decimal_comma else "")]
    cols: dict[str, int] = {}
    for canon, names in SYNONYMS.items():
        for i, h in enumerate(header):
            if h in names and canon not in cols:
                cols[canon] = i
    wide: dict[str, dict[str, int]] = {}
    for i, h in enumerate(header):
        m = _WIDE.match(h)
        if m and i not in cols.values():
            kind = "position" if m.group(1).startswith("pos") else "salience"
            wide.setdefault(m.group(2), {})[kind] = i
    shown = [h.strip() for h in table[0]]
    for need in ("actor", "capability"):
        if need not in cols:
            raise DataError(path, need, None, f"missing column (accepted names: "
                            f"{', '.join(SYNONYMS[need])}); columns are {shown}")
    if wide and "position" not in cols:
        for iss, d in wide.items():
            for kind in ("position", "salience"):
                if kind not in d:
                    raise DataError(path, f"{kind}_{iss}", None,
                                    f"missing column: issue {iss!r} has no {kind} column")
        issues = list(wide)
        notes.append(f"wide format: {len(issues)} issues ({', '.join(issues)})")
    else:
        for need in ("position", "salience"):
            if need not in cols:
                raise DataError(path, need, None, f"missing column (accepted names: "
                                f"{', '.join(SYNONYMS[need])}); columns are {shown}")
        issues = []
    ncol = len(header)
    for k, r in enumerate(body, start=2):
        if len(r) != ncol:
            raise DataError(path, f"row {k}", delim.join(r),
                            f"has {len(r)} cells, the header has {ncol}")

    def name(c: str) -> str:
        return table[0][cols[c]].strip()
    # --- actors, capability, risk (one per actor) ---
    actor_rows: dict[str, int] = {}
    cap: dict[str, float] = {}
    cap_raw: dict[str, str] = {}
    risk: dict[str, float] = {}
    long_mode = "issue" in cols and not wide
    recs: list[tuple[int, str, str, float, float]] = []  # row, actor, issue, pos, sal
    sal_raws: list[str] = []
    sal_cols: list[str] = []
    for k, r in enumerate(body, start=2):
        a = r[cols["actor"]].strip()
        if not a:
            raise DataError(path, f"row {k}, column {name('actor')}", r[cols["actor"]],
                            "empty actor name")
        c = _number(r[cols["capability"]], decimal_comma, path, k, name("capability"))
        if a in cap and not long_mode:
            raise DataError(path, f"row {k}, column {name('actor')}", a,
                            f"duplicate actor (first on row {actor_rows[a]})")
        if a in cap and not math.isclose(cap[a], c):
            raise DataError(path, f"row {k}, column {name('capability')}", r[cols["capability"]],
                            f"actor {a!r} has capability {cap[a]:g} on row {actor_rows[a]}")
        if a not in cap:
            actor_rows[a], cap[a], cap_raw[a] = k, c, r[cols["capability"]]
        if "risk" in cols and r[cols["risk"]].strip():
            rv = _number(r[cols["risk"]], decimal_comma, path, k, name("risk"))
            if not 0.5 <= rv <= 2.0:
                raise DataError(path, f"row {k}, column {name('risk')}", r[cols["risk"]],
                                "risk exponent must lie in [0.5, 2]")
            risk[a] = rv
        if wide and "position" not in cols:
            for iss, d in wide.items():
                pr, sr = r[d["position"]], r[d["salience"]]
                if not pr.strip() and not sr.strip():
                    continue  # actor takes no part in this issue
                p = _number(pr, decimal_comma, path, k, table[0][d["position"]].strip())
                s = _number(sr, decimal_comma, path, k, table[0][d["salience"]].strip())
                recs.append((k, a, iss, p, s))
                sal_raws.append(sr)
                sal_cols.append(table[0][d["salience"]].strip())
        else:
            iss = r[cols["issue"]].strip() if long_mode else "issue"
            if long_mode and not iss:
                raise DataError(path, f"row {k}, column {name('issue')}", r[cols["issue"]],
                                "empty issue name")
            if long_mode and iss not in issues:
                issues.append(iss)
            p = _number(r[cols["position"]], decimal_comma, path, k, name("position"))
            s = _number(r[cols["salience"]], decimal_comma, path, k, name("salience"))
            if long_mode and any(x[1] == a and x[2] == iss for x in recs):
                raise DataError(path, f"row {k}, column {name('issue')}", iss,
                                f"actor {a!r} already has a row for this issue")
            recs.append((k, a, iss, p, s))
            sal_raws.append(r[cols["salience"]])
            sal_cols.append(name("salience"))
    if not issues:
        issues = ["issue"]
    if long_mode:
        notes.append(f"long format: {len(issues)} issues ({', '.join(issues)})")
    actors = list(cap)
    n, m = len(actors), len(issues)
    # --- scales ---
    cap_v = np.array([cap[a] for a in actors])
    cap_v = _rescale_01(cap_v, "capability", path, name("capability"),
                        [actor_rows[a] for a in actors], notes, [cap_raw[a] for a in actors])
    sal_raw = np.array([x[4] for x in recs])
    sal_all = _rescale_01(sal_raw, "salience", path, sal_cols, [x[0] for x in recs], notes,
                          sal_raws)
    pos = np.full((n, m), np.nan)
    sal = np.zeros((n, m))
    for (_k, a, iss, p, _s), s01 in zip(recs, sal_all, strict=True):
        pos[actors.index(a), issues.index(iss)] = p
        sal[actors.index(a), issues.index(iss)] = s01
    lo = np.empty(m)
    hi = np.empty(m)
    for j, iss in enumerate(issues):
        col = pos[:, j]
        have = np.isfinite(col)
        if not have.any():
            raise DataError(path, f"issue {iss}", None, "no actor has a position")
        if value_range is not None:
            lo[j], hi[j] = value_range
            bad = have & ((col < lo[j]) | (col > hi[j]))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                row = next(x[0] for x in recs if x[1] == actors[i] and x[2] == iss)
                raise DataError(path, f"row {row}, column position", f"{col[i]:g}",
                                f"outside --range {lo[j]:g} {hi[j]:g}")
        else:
            lo[j], hi[j] = float(col[have].min()), float(col[have].max())
            if hi[j] <= lo[j]:
                hi[j] = lo[j] + 1.0
        # actors absent from an issue sit at the issue's mean with salience 0 (no weight)
        col[~have] = float(col[have].mean())
    if value_range is not None:
        notes.append(f"positions on the given range {value_range[0]:g}-{value_range[1]:g}")
    else:
        notes.append("positions: range inferred from the data ("
                     + ", ".join(f"{iss} {lo[j]:g}-{hi[j]:g}" for j, iss in enumerate(issues))
                     + ")")
    if risk:
        notes.append(f"risk exponents from column {name('risk')}")
    if status_quo is not None:
        sq = np.full(m, float(status_quo))
        notes.append(f"status quo {status_quo:g}")
    else:
        sq = np.array([float(np.median(pos[sal[:, j] > 0, j])) if (sal[:, j] > 0).any()
                       else float(np.median(pos[:, j])) for j in range(m)])
        notes.append("status quo: not given, taken as the median position")
    state = BargainingState(
        actor_ids=actors, issue_ids=issues, position=pos, ideal=pos, salience=sal,
        capability=cap_v, risk=np.array([[risk.get(a, 1.0)] for a in actors]),
        voting=np.ones(n, dtype=bool), status_quo=sq, lo=lo, hi=hi,
    )
    understood = {c: table[0][i].strip() for c, i in cols.items()}
    if wide and "position" not in cols:
        for iss, d in wide.items():
            understood[f"position[{iss}]"] = table[0][d["position"]].strip()
            understood[f"salience[{iss}]"] = table[0][d["salience"]].strip()
    return TableRead(state=state, notes=notes, columns=understood)


def read_stakeholders(path: str | Path) -> BargainingState:
    """Read a stakeholder table into a state (see :func:`read_table`)."""
    return read_table(path).state


def run_forecast(
    state: BargainingState, protocol: str, rounds: int = 10, seed: int = 0,
    **params: Any,
) -> list[dict[str, Any]]:
    """Play ``rounds`` rounds; one record per round (round 0 = the table as read).

    Each record holds the forecast, weighted median and mean per issue, every actor's
    position and risk exponent, and the round's interactions (challenges, offers,
    exchanges with their kind and actors), so ``--json`` can write the whole history.
    """
    proto = get_protocol(protocol, **params)
    rng = np.random.default_rng(seed)

    def record(r: int, forecast: np.ndarray, median: np.ndarray, mean: np.ndarray,
               inter: list[dict[str, Any]]) -> dict[str, Any]:
        return {"round": r, "issues": list(state.issue_ids), "forecast": forecast.tolist(),
                "median": median.tolist(), "mean": mean.tolist(),
                "positions": state.position.tolist(), "risk": state.risk.tolist(),
                "actors": {a: {"position": state.position[i].tolist(),
                               "risk": state.risk[i].tolist()}
                           for i, a in enumerate(state.actor_ids)},
                "interactions": [_jsonable(x) for x in inter]}

    out = [record(0, proto.forecast(state), weighted_median(state), weighted_mean(state), [])]
    for r in range(1, rounds + 1):
        rep = proto.step(state, rng)
        np.clip(state.position, state.lo, state.hi, out=state.position)
        out.append(record(r, rep.forecast, rep.median, rep.mean, rep.interactions))
    return out


def _jsonable(x: Any) -> Any:
    """NumPy scalars/arrays inside interaction records -> plain JSON types."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x
