"""Stakeholder tables as they are published: layouts, headers, scales, absent actors.

Layouts understood (``eunato forecast --help`` lists them with examples):

* **one issue**: actor, capability, position, salience (optional risk) columns;
* **wide**: one position/salience column pair per issue or dimension, spelt
  ``position_<issue>``, ``<issue> position``, ``<issue>_position`` or ``Pstn<k>``/``Sal<k>``;
* **long**: an ``issue`` column, one row per actor and issue;
* **KTAB** (the SMP csv of KAPSARC's toolkit): scenario line(s) above the header,
  ``Actor, Description, Influence|Power, <Dim> Position, <Dim> Salience, ...`` with a
  trailing comma on every line;
* **exchange-model records** (Stokman-style input, e.g. the ``decide-exchange-model`` files):
  ``#A`` actor, ``#P`` issue, ``#M`` issue scale points, ``#D`` actor, issue, position,
  salience, power; ``#0``/``#/`` comments; tab-, comma- or semicolon-separated, quoted or not.

Capability may be in any positive unit and is divided by the largest (only ratios matter to
every protocol). Salience is read on 0-1 or 0-100 from the column's bulk, never from one
cell: values that disagree with the rest are named in a warning and capped; ``--salience-
scale`` / ``--capability-scale`` fix the scale. ``NA``, ``N/A``, ``-`` or an empty cell for a
position means the actor takes no part in that issue (salience 0), in every layout.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from forecasting.cells import (
    TableError,
    TableRead,
    decode,
    is_records,
)

#: canonical column -> accepted header spellings (lower case, spaces/dashes as "_")
from forecasting.table_layouts import read_grid, read_records
from model.io.safeio import MAX_ACTORS
from model.state import BargainingState


def scale_column(vals: np.ndarray, what: str, col: str, rows: list[int],
                 actors: list[str], given: float | None, path: Path,
                 notes: list[str], warnings: list[str]) -> np.ndarray:
    """Bring saliences to [0, 1]. ``given`` = the value that means "full" (1, 10, 100 ...).

    Without it the scale comes from the bulk of the column: the median of the non-zero
    values decides 0-1 (median <= 1) or 0-100; cells that disagree with it (above 1 on a
    0-1 column, above 100 on a 0-100 one) are capped and named in a warning -- the rest of
    the column is never rescaled because of them."""
    for v, r in zip(vals, rows, strict=True):
        if v < 0:
            raise TableError(path, f"row {r}, column {col!r}", f"{v:g}",
                             f"the {what} must not be negative")
    if given is not None:
        bad = np.flatnonzero(vals > given * (1 + 1e-9))
        if bad.size:
            k = int(bad[0])
            raise TableError(path, f"row {rows[k]}, column {col!r}", f"{vals[k]:g}",
                             f"the {what} is above the given scale {given:g}")
        notes.append(f"{what} ({col}) on the given 0-{given:g} scale")
        return vals / given
    nz = vals[vals > 0]
    full = 1.0 if nz.size == 0 or float(np.median(nz)) <= 1.0 else 100.0
    out = vals / full
    high = np.flatnonzero(out > 1.0)
    notes.append(f"{what} ({col}) read on a 0-{full:g} scale"
                 + (" (divided by 100)" if full == 100 else ""))
    if high.size:
        named = ", ".join(f"row {rows[k]} ({actors[k]}: {vals[k]:g})" for k in high[:8])
        hint = (f"; if the whole column is on 0-100, pass --{what}-scale 100" if full == 1
                else "")
        warnings.append(f"{what} column {col} mixes scales: {named} "
                        f"above {full:g} while {vals.size - high.size} of {vals.size} values "
                        f"are within 0-{full:g}; read as {full:g} (the maximum){hint}")
        out = np.minimum(out, 1.0)
    low = np.flatnonzero((vals > 0) & (vals <= 1.0))
    if full == 100 and low.size and low.size <= max(1, 0.2 * nz.size):
        # the other way round: a few shares of 1 in a 0-100 column are read as tiny
        named = ", ".join(f"row {rows[k]} ({actors[k]}: {vals[k]:g})" for k in low[:8])
        warnings.append(f"{what} column {col} mixes scales: {named} at or below 1 while "
                        f"{nz.size - low.size} of {nz.size} non-zero values are above it; "
                        f"read on 0-100 as written (so {vals[low[0]]:g} is "
                        f"{vals[low[0]]:g}% of full); if it is a share of 1, write it as a "
                        "percentage")
    return out


def capability_warning(cap: np.ndarray, rows: list[int], actors: list[str], col: str,
                       warnings: list[str]) -> None:
    """Name the cells when a few capabilities look like 0-100 entries in a 0-1 column.

    Capability is divided by the largest, so nothing is rescaled; but one 80 among values
    of at most 1 makes every other actor count for about 1% of it, which is more likely a
    typing slip than a judgement. Values just above 1 (the Sultan table's 1.05) are not
    named: the warning needs a tenfold gap."""
    pos = cap[cap > 0]
    high = np.flatnonzero(cap > 1.0)
    low = pos[pos <= 1.0]
    if not high.size or low.size < 2 or high.size > max(1, 0.2 * pos.size):
        return
    if cap[high].min() < 10 * low.max():
        return
    named = ", ".join(f"row {rows[k]} ({actors[k]}: {cap[k]:g})" for k in high[:8])
    warnings.append(f"capability column {col} mixes scales: {named} above 1 while "
                    f"{low.size} of {pos.size} non-zero values are within 0-1; divided by "
                    f"the largest as written, so the others count for at most "
                    f"{low.max() / cap.max():.1%} of it: check the cell")


def read_table(
    path: str | Path, value_range: tuple[float, float] | None = None,
    status_quo: float | None = None, capability_scale: float | None = None,
    salience_scale: float | None = None,
) -> TableRead:
    """Read a stakeholder table in any layout above into a :class:`BargainingState`.

    ``value_range`` (lo, hi) fixes the position scale of every issue; otherwise it is the
    issue's scale from the file (#M records) or the observed min-max. ``capability_scale``
    / ``salience_scale`` give the value that means "full" (e.g. 100). Every problem raises
    one :class:`TableError` (a :class:`~model.inputs.data.DataError`) naming the file, the row as
    numbered in a text editor or spreadsheet, the column and the value."""
    path = Path(path)
    text = decode(path)
    if not text.strip():
        raise TableError(path, "-", None, "the file is empty: no header and no rows")
    try:
        raw = read_records(path, text) if is_records(text) else read_grid(path, text)
    except csv.Error as err:  # e.g. a cell over the csv module's 131,072 characters
        raise TableError(path, "-", None, f"not a readable table: {err}") from None
    if len(raw.actors) > MAX_ACTORS:
        raise TableError(path, "rows", len(raw.actors),
                         f"more than {MAX_ACTORS} actors; split the table")
    notes, warnings = [f"layout: {raw.layout}", *raw.notes], []
    actors = [a for a in raw.actors if any(c.actor == a for c in raw.cells)]
    dropped = [a for a in raw.actors if a not in actors]
    if dropped:
        notes.append(f"no position on any issue, left out: {', '.join(dropped)}")
    if not actors:
        raise TableError(path, "-", None, "no actor has a position on any issue")
    issues = raw.issues
    n, m = len(actors), len(issues)
    # --- capability: any positive unit; only ratios matter ---
    cap = np.array([raw.actors[a][1] for a in actors])
    for a, v in zip(actors, cap, strict=True):
        if v < 0:
            k, _, txt = raw.actors[a]
            raise TableError(path, f"row {k}, column {raw.cap_col!r}", txt,
                             "the capability must not be negative")
    if capability_scale is not None:
        top = float(capability_scale)
        big = np.flatnonzero(cap > top * (1 + 1e-9))
        if big.size:
            k, _, txt = raw.actors[actors[int(big[0])]]
            raise TableError(path, f"row {k}, column {raw.cap_col!r}", txt,
                             f"the capability is above the given scale {top:g}")
        notes.append(f"capability ({raw.cap_col}) on the given 0-{top:g} scale")
    else:
        top = float(cap.max())
        if top <= 0:
            raise TableError(path, f"column {raw.cap_col!r}", None,
                             "every capability is 0: nobody can influence the outcome")
        who = actors[int(np.argmax(cap))]
        notes.append(f"capability ({raw.cap_col}) in the table's own units, divided by the "
                     f"largest ({who}: {top:g}); only ratios matter")
        capability_warning(cap, [raw.actors[a][0] for a in actors], actors, raw.cap_col,
                           warnings)
    cap01 = cap / top
    # --- salience: per column, from the bulk of the column ---
    sal01 = np.zeros(len(raw.cells))
    for col in dict.fromkeys(c.sal_col for c in raw.cells):
        idx = [i for i, c in enumerate(raw.cells) if c.sal_col == col]
        vals = np.array([raw.cells[i].sal for i in idx])
        sal01[idx] = scale_column(vals, "salience", col, [raw.cells[i].row for i in idx],
                                  [raw.cells[i].actor for i in idx], salience_scale, path,
                                  notes, warnings)
    pos = np.full((n, m), np.nan)
    sal = np.zeros((n, m))
    for c, s01 in zip(raw.cells, sal01, strict=True):
        i, j = actors.index(c.actor), issues.index(c.issue)
        pos[i, j] = c.pos
        # exchange-model records: per-issue power folded into salience (c*s as given)
        sal[i, j] = s01 if c.power is None else s01 * c.power / max(raw.actors[c.actor][1],
                                                                       1e-300)
    lo, hi = np.empty(m), np.empty(m)
    absent = []
    for j, iss in enumerate(issues):
        colp = pos[:, j]
        have = np.isfinite(colp)
        if not have.any():
            raise TableError(path, f"issue {iss!r}", None, "no actor has a position")
        if (~have).any():
            gone = [a for a, h in zip(actors, have, strict=True) if not h]
            absent.append(f"{iss}: {', '.join(gone)}")
        if value_range is not None or iss in raw.bounds:
            lo[j], hi[j] = value_range if value_range is not None else raw.bounds[iss]
            bad = have & ((colp < lo[j]) | (colp > hi[j]))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                c = next(x for x in raw.cells if x.actor == actors[i] and x.issue == iss)
                raise TableError(path, f"row {c.row}, issue {iss!r}", f"{colp[i]:g}",
                                 f"the position is outside the scale {lo[j]:g} to {hi[j]:g}"
                                 + (" given by --range" if value_range is not None else ""))
        else:
            lo[j], hi[j] = float(colp[have].min()), float(colp[have].max())
            if hi[j] <= lo[j]:
                hi[j] = lo[j] + 1.0
        # absent actors sit at the issue's mean with salience 0: no weight anywhere
        colp[~have] = float(colp[have].mean())
        sal[~have, j] = 0.0
    if absent:
        notes.append("absent (NA or blank position, salience 0): " + "; ".join(absent))
    if value_range is not None:
        notes.append(f"positions on the given range {value_range[0]:g}-{value_range[1]:g}")
    elif not raw.bounds:
        notes.append("positions: range taken from the data ("
                     + ", ".join(f"{iss} {lo[j]:g} to {hi[j]:g}" for j, iss in enumerate(issues))
                     + ")")
    if raw.risk:
        notes.append("risk exponents from the table")
    if status_quo is not None:
        sq = np.full(m, float(status_quo))
        notes.append(f"status quo {status_quo:g}")
    else:
        sq = np.array([float(np.median(pos[sal[:, j] > 0, j])) if (sal[:, j] > 0).any()
                       else float(np.median(pos[:, j])) for j in range(m)])
        notes.append("status quo: not given, taken as the median position")
    state = BargainingState(
        actor_ids=actors, issue_ids=list(issues), position=pos, ideal=pos, salience=sal,
        capability=cap01, risk=np.array([[raw.risk.get(a, 1.0)] for a in actors]),
        voting=np.ones(n, dtype=bool), status_quo=sq, lo=lo, hi=hi,
    )
    return TableRead(state=state, notes=notes, columns=raw.columns, warnings=warnings,
                     layout=raw.layout)
