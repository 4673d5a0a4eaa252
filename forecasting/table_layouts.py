"""The layout readers behind :func:`forecasting.tables.read_table`: a grid with a header (one
issue, wide, long, KTAB) and exchange-model record files. Each returns a :class:`Raw` of
unscaled cells; scaling, absent actors and the state are :func:`forecasting.tables.read_table`'s."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from forecasting.cells import (
    _COMPACT,
    _PREFIX,
    _SAL,
    _SUFFIX,
    ABSENT,
    RECORD_COMMENTS,
    SYNONYMS,
    TableError,
    _Cell,
    norm,
    number,
    sniff,
)
from model.io.safeio import MAX_TABLE_ROWS


def _find_header(text: str) -> tuple[int, str]:
    """Index (among non-blank lines) of the header -- the first of the first six lines that
    has an actor column and at least three cells -- and its separator."""
    lines = list(itertools.islice((ln.rstrip("\n") for ln in io.StringIO(text)
                                   if ln.strip()), 6))
    for k, ln in enumerate(lines):
        for d in (sniff(ln), ",", ";", "\t"):
            cells = [norm(c) for c in next(csv.reader([ln], delimiter=d))]
            if len([c for c in cells if c]) >= 3 and any(c in SYNONYMS["actor"] for c in cells):
                return k, d
    return -1, sniff(lines[0]) if lines else ","


@dataclass
class Raw:
    """What a layout reader hands to :func:`_build`."""

    cells: list[_Cell]
    actors: dict[str, tuple[int, float, str]]  # actor -> (row, capability, raw cell)
    issues: list[str]
    cap_col: str
    risk: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    layout: str = "one issue"


def read_grid(path: Path, text: str) -> Raw:
    h, delim = _find_header(text)
    if h < 0:
        first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
        raise TableError(path, "row 1", first[:80] or None,
                         "no header row with an actor column in the first six lines "
                         f"(accepted actor headers: {', '.join(SYNONYMS['actor'])})")
    rows = _rows_with(text, delim, path)
    pre, (hrow, head_raw), body = rows[:h], rows[h], rows[h + 1:]
    decimal_comma = delim == ";"
    notes = [f"separator {'tab' if delim == chr(9) else repr(delim)}"
             + ("; decimal commas accepted" if decimal_comma else "")]
    if pre:
        notes.append("skipped the scenario line(s) above the header: "
                     + " | ".join(",".join(c).strip()[:60] for _, c in pre))
    header = [norm(x) for x in head_raw]
    shown = [x.strip() for x in head_raw]
    if not body:
        raise TableError(path, "-", None, "header only: no stakeholder rows")
    cols: dict[str, int] = {}
    for canon, names in SYNONYMS.items():
        for i, x in enumerate(header):
            if x in names and canon not in cols and i not in cols.values():
                cols[canon] = i
            elif x in names and canon in cols:  # which one is meant? never guess
                raise TableError(path, f"row {hrow} (the header)", shown[i],
                                 f"a second {canon} column (the first is "
                                 f"{shown[cols[canon]]!r}, column {cols[canon] + 1}); "
                                 "keep one")
    wide: dict[str, dict[str, int]] = {}
    for i, x in enumerate(header):
        if i in cols.values():
            continue
        m = _PREFIX.match(x) or _SUFFIX.match(x) or _COMPACT.match(x)
        if m:
            kind = "salience" if re.fullmatch(_SAL, m.group("kind")) else "position"
            label = shown[i]
            issue = m.group("issue")
            # keep the table's own spelling of the issue ("Policy", "Dim0", "1")
            issue = re.sub(r"[\s_.:\-]*(position|positions|pos|pstn|salience|saliency|"
                           r"importance|sal)[\s_.:\-]*", " ", label, flags=re.I).strip() or issue
            wide.setdefault(issue, {})[kind] = i
    ignored = [shown[i] for i in range(len(header)) if i not in cols.values()
               and not any(i in d.values() for d in wide.values()) and shown[i]]
    if ignored:
        notes.append(f"ignored column(s): {', '.join(ignored)}")
    for need in ("actor", "capability"):
        if need not in cols:
            raise TableError(path, f"row {hrow} (the header)", None,
                             f"no {need} column (accepted names: {', '.join(SYNONYMS[need])}); "
                             f"the columns are {', '.join(shown)}")
    use_wide = bool(wide) and "position" not in cols
    if use_wide:
        for iss, d in wide.items():
            for kind in ("position", "salience"):
                if kind not in d:
                    raise TableError(path, f"row {hrow} (the header)", None,
                                     f"issue {iss!r} has no {kind} column")
        issues = list(wide)
        layout = f"wide: {len(issues)} issue(s) or dimension(s)"
    else:
        for need in ("position", "salience"):
            if need not in cols:
                raise TableError(path, f"row {hrow} (the header)", None,
                                 f"no {need} column (accepted names: "
                                 f"{', '.join(SYNONYMS[need])}, or one pair per issue such "
                                 f"as 'Policy Position', 'Policy Salience'); the columns are "
                                 f"{', '.join(shown)}")
        issues = []
        layout = "long" if "issue" in cols else "one issue"
    if pre and use_wide:
        layout = "KTAB " + layout

    def col(c: str) -> str:
        return shown[cols[c]]
    raw = Raw([], {}, issues, col("capability"), layout=layout, notes=notes)
    long_mode = layout == "long"
    ncol = len(header)
    for k, r in body:
        if len(r) > ncol and any(x.strip() for x in r[ncol:]):
            raise TableError(path, f"row {k}", delim.join(r)[:80],
                             f"has {len(r)} cells, the header has {ncol}")
        r = r + [""] * (ncol - len(r))
        a = r[cols["actor"]].strip()
        if not a:
            raise TableError(path, f"row {k}, column {col('actor')!r}", None,
                             "the actor name is empty")
        c = number(r[cols["capability"]], decimal_comma, path, k, col("capability"),
                   "capability")
        if a in raw.actors and not long_mode:
            raise TableError(path, f"row {k}, column {col('actor')!r}", a,
                             f"duplicate actor (first on row {raw.actors[a][0]})")
        if a in raw.actors and not math.isclose(raw.actors[a][1], c):
            raise TableError(path, f"row {k}, column {col('capability')!r}",
                             r[cols["capability"]], f"actor {a!r} has capability "
                             f"{raw.actors[a][1]:g} on row {raw.actors[a][0]}")
        raw.actors.setdefault(a, (k, c, r[cols["capability"]]))
        if "risk" in cols and r[cols["risk"]].strip().lower() not in ABSENT:
            rv = number(r[cols["risk"]], decimal_comma, path, k, col("risk"), "risk exponent")
            if not 0.5 <= rv <= 2.0:
                raise TableError(path, f"row {k}, column {col('risk')!r}", r[cols["risk"]],
                                 "the risk exponent must lie in [0.5, 2]")
            raw.risk[a] = rv
        pairs = ([(iss, d["position"], d["salience"]) for iss, d in wide.items()] if use_wide
                 else [(r[cols["issue"]].strip() if long_mode else "issue",
                        cols["position"], cols["salience"])])
        for iss, pi, si in pairs:
            if long_mode and not iss:
                raise TableError(path, f"row {k}, column {col('issue')!r}", None,
                                 "the issue name is empty")
            pr, sr = r[pi], r[si]
            if pr.strip().lower() in ABSENT:
                continue  # the actor takes no part in this issue
            if sr.strip().lower() in ABSENT:
                raise TableError(path, f"row {k}, column {shown[si]!r}", sr.strip() or None,
                                 f"the salience is missing although a position is given "
                                 f"({shown[pi]} = {pr.strip()}); give both or neither")
            p = number(pr, decimal_comma, path, k, shown[pi], "position")
            s = number(sr, decimal_comma, path, k, shown[si], "salience")
            if long_mode:
                if any(x.actor == a and x.issue == iss for x in raw.cells):
                    raise TableError(path, f"row {k}, column {col('issue')!r}", iss,
                                     f"actor {a!r} already has a row for this issue")
                if iss not in raw.issues:
                    raw.issues.append(iss)
            raw.cells.append(_Cell(k, a, iss, p, s, sr, shown[si]))
    if not raw.issues:
        raw.issues = ["issue"] if not wide else list(wide)
    raw.columns = {c: shown[i] for c, i in cols.items()}
    for iss, d in wide.items():
        if use_wide:
            raw.columns[f"position[{iss}]"] = shown[d["position"]]
            raw.columns[f"salience[{iss}]"] = shown[d["salience"]]
    return raw


def _rows_with(text: str, delim: str, path: Path | None = None) -> list[tuple[int, list[str]]]:
    """The non-blank rows, numbered as in an editor; past :data:`MAX_TABLE_ROWS` rows the
    reading stops there (one TableError), before the rest is parsed or held."""
    out = []
    for k, ln in enumerate(io.StringIO(text), start=1):
        ln = ln.rstrip("\n")
        if not ln.strip():
            continue
        if len(out) >= MAX_TABLE_ROWS:
            raise TableError(path or "table", f"row {k}", None, f"more than {MAX_TABLE_ROWS:,} "
                             "rows (actors × issues); split the table")
        cells = next(csv.reader([ln], delimiter=delim, skipinitialspace=True))
        while cells and not cells[-1].strip():
            cells.pop()
        out.append((k, cells))
    return out


def _record_rows(text: str) -> tuple[list[tuple[int, list[str]]], str]:
    """Non-blank, non-comment lines of a record file as (line number, unquoted fields), and
    the separator. The decide-exchange-model program writes tab-separated lines with every
    text field in single quotes (``'#D'\t'USA'\t'mrv'\t50.0\t0.65\t0.25``); hand-made
    files use commas, semicolons, double quotes or none. The separator and the quote come
    from the first #D line (it has the most fields)."""
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip().lstrip("\"'").upper().startswith("#D")),
                 next((ln for ln in lines if ln.strip()), ""))
    delim = sniff(first)
    quote = "'" if first.strip().startswith("'") else '"'
    out = []
    for k, ln in enumerate(lines, start=1):
        if not ln.strip():
            continue
        cells = next(csv.reader([ln], delimiter=delim, quotechar=quote, skipinitialspace=True))
        cells = [c.strip().strip("\"'").strip() for c in cells]  # either quote, mixed files
        while cells and not cells[-1]:
            cells.pop()
        kind = cells[0][:2].upper() if cells else ""
        if not cells or kind in RECORD_COMMENTS or cells[0] == "#" or cells[0][:2] == "# ":
            continue
        out.append((k, cells))
    return out, delim


def read_records(path: Path, text: str) -> Raw:
    """Exchange-model record files: #A actor, #P issue, #M scale point, #D data, in any
    order (actors and issues are collected first), with comments and blank lines."""
    rows, delim = _record_rows(text)
    decimal_comma = delim == ";"
    raw = Raw([], {}, [], "power", layout="exchange-model records (#A/#P/#M/#D)")
    names: dict[str, str] = {}
    points: dict[str, list[float]] = {}
    powers: dict[str, list[tuple[int, float, str]]] = {}
    seen: dict[tuple[str, str], int] = {}
    for k, r in rows:
        kind = r[0][:2].upper()
        need = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}.get(kind)
        if need is None:
            raise TableError(path, f"row {k}", r[0],
                             "unknown record; exchange-model files use #A (actor), #P (issue), "
                             "#M (scale point), #D (actor, issue, position, salience, power), "
                             "#0, #/ or #O (comments)")
        if len(r) < need:
            raise TableError(path, f"row {k}", delim.join(r)[:80],
                             f"a {kind} record needs {need - 1} fields after {kind}, "
                             f"found {len(r) - 1}")
        if kind == "#A":
            names[r[1]] = r[2] if len(r) > 2 else r[1]
        elif kind == "#P" and r[1] not in raw.issues:
            raw.issues.append(r[1])
    for k, r in rows:
        kind = r[0][:2].upper()
        if kind == "#M":
            if r[1] not in raw.issues:
                raise TableError(path, f"row {k}, field 2 (issue)", r[1],
                                 "a #M record names an issue with no #P record")
            points.setdefault(r[1], []).append(
                number(r[2], decimal_comma, path, k, "field 3 (position)", "scale point"))
        elif kind == "#D":
            a, iss = r[1], r[2]
            if a not in names:
                raise TableError(path, f"row {k}, field 2 (actor)", a,
                                 "a #D record names an actor with no #A record")
            if iss not in raw.issues:
                raise TableError(path, f"row {k}, field 3 (issue)", iss,
                                 "a #D record names an issue with no #P record")
            if (a, iss) in seen:
                raise TableError(path, f"row {k}, field 3 (issue)", iss,
                                 f"actor {a!r} already has a #D record for this issue "
                                 f"(row {seen[a, iss]})")
            seen[a, iss] = k
            pw = number(r[5], decimal_comma, path, k, "field 6 (power)", "power")
            powers.setdefault(a, []).append((k, pw, r[5]))
            if r[3].lower() in ABSENT:
                continue
            p = number(r[3], decimal_comma, path, k, "field 4 (position)", "position")
            s = number(r[4], decimal_comma, path, k, "field 5 (salience)", "salience")
            raw.cells.append(_Cell(k, a, iss, p, s, r[4], "salience (#D field 5)", pw))
    if not raw.cells:
        raise TableError(path, "-", None, "no #D records: no positions to forecast from")
    for a in names:
        if a in powers:
            k, pw, txt = max(powers[a], key=lambda t: t[1])
            raw.actors[a] = (k, pw, txt)
    varying = [a for a, ps in powers.items() if len({p for _, p, _ in ps}) > 1]
    if varying:
        raw.notes.append(f"power differs by issue for {len(varying)} actor(s) "
                         f"({', '.join(varying[:5])}): capability = the actor's largest power, "
                         "salience scaled by power/capability so capability x salience is "
                         "as given")
    for iss in raw.issues:
        pts = points.get(iss)
        raw.bounds[iss] = (min(pts), max(pts)) if pts and max(pts) > min(pts) else (0.0, 100.0)
    raw.notes.append("issue scales from #M records (0-100 where none)")
    raw.columns = {"actor": "#A", "issue": "#P", "position/salience/power": "#D"}
    return raw
