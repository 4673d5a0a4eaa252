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
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.data import DataError
from model.state import BargainingState

#: canonical column -> accepted header spellings (lower case, spaces/dashes as "_")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "actors", "stakeholder", "stakeholders", "player", "players", "name",
              "party", "agent", "country", "countries", "group", "groups", "state",
              "member", "organisation", "organization"),
    "capability": ("capability", "capabilities", "resources", "resource", "clout", "power",
                   "influence", "cap", "weight"),
    "position": ("position", "positions", "pos", "preference", "stance", "pstn"),
    "salience": ("salience", "saliency", "importance", "sal", "priority", "intensity"),
    "risk": ("risk", "risk_exponent", "risk_acceptance"),
    "issue": ("issue", "issues", "dimension", "topic", "question"),
}
_POS = r"(?:position|positions|pos|pstn)"
_SAL = r"(?:salience|saliency|importance|sal)"
_PREFIX = re.compile(rf"^(?P<kind>{_POS}|{_SAL})[_.:\-]+(?P<issue>.+)$")
_SUFFIX = re.compile(rf"^(?P<issue>.+?)[_.:\-]+(?P<kind>{_POS}|{_SAL})$")
_COMPACT = re.compile(rf"^(?P<kind>{_POS}|{_SAL})(?P<issue>\d+)$")
#: cells that mean "this actor takes no part in this issue"
ABSENT = {"", "na", "n/a", "nan", "-", "\u2014", "\u2013", ".", "none", "null"}
RECORD_KINDS = ("#A", "#P", "#M", "#D", "#0", "#/")


class TableError(DataError):
    """A :class:`DataError` worded for a table: file, row, column and value in words."""

    def __init__(self, file: str | Path, field: str, value: object, problem: str) -> None:
        super().__init__(file, field, value, problem)
        where = f"{file}" + (f", {field}" if field and field != "-" else "")
        shown = "" if value is None else f": value {str(value)!r}"
        self.args = (f"{where}{shown}: {problem}",)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class TableRead:
    """A stakeholder table as understood: the state plus what was inferred, in words."""

    state: BargainingState
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    layout: str = "one issue"


@dataclass
class _Cell:
    """One (actor, issue) entry before scaling; raw strings kept for error messages."""

    row: int
    actor: str
    issue: str
    pos: float
    sal: float
    sal_raw: str
    sal_col: str
    power: float | None = None  # per-issue power (exchange-model records)


def norm(h: str) -> str:
    return re.sub(r"[\s\-]+", "_", h.strip().strip('"').strip().lower())


def decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TableError(path, "-", None, "file not found") from None
    except IsADirectoryError:
        raise TableError(path, "-", None, "is a folder, not a table") from None
    text = raw.decode("latin-1")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff(line: str) -> str:
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def number(raw: str, decimal_comma: bool, path: Path, row: int, col: str, what: str) -> float:
    s = (raw or "").strip().strip('"').replace("\u00a0", "").replace(" ", "")
    s = s.replace("\u2212", "-")  # the typographic minus of word processors
    if s.endswith("%"):
        s = s[:-1]
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    try:
        v = float(s)
    except ValueError:
        raise TableError(path, f"row {row}, column {col!r}", raw,
                         f"the {what} is not a number" if s else
                         f"the {what} is empty; a number is needed") from None
    if not math.isfinite(v):
        raise TableError(path, f"row {row}, column {col!r}", raw, f"the {what} is not finite")
    return v


def is_records(text: str) -> bool:
    """True for exchange-model record files (#A/#P/#M/#D lines)."""
    for ln in text.split("\n"):
        s = ln.strip().lstrip('"').strip()
        if s:
            return s[:2].upper() in RECORD_KINDS
    return False


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
    return out


def _find_header(text: str) -> tuple[int, str]:
    """Index (among non-blank lines) of the header -- the first of the first six lines that
    has an actor column and at least three cells -- and its separator."""
    lines = [ln for ln in text.split("\n") if ln.strip()][:6]
    for k, ln in enumerate(lines):
        for d in (sniff(ln), ",", ";", "\t"):
            cells = [norm(c) for c in next(csv.reader([ln], delimiter=d))]
            if len([c for c in cells if c]) >= 3 and any(c in SYNONYMS["actor"] for c in cells):
                return k, d
    return -1, sniff(lines[0]) if lines else ","


@dataclass
class _Raw:
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


def _read_grid(path: Path, text: str) -> _Raw:
    h, delim = _find_header(text)
    if h < 0:
        first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
        raise TableError(path, "row 1", first[:80] or None,
                         "no header row with an actor column in the first six lines "
                         f"(accepted actor headers: {', '.join(SYNONYMS['actor'])})")
    rows = _rows_with(text, delim)
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
    raw = _Raw([], {}, issues, col("capability"), layout=layout, notes=notes)
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


def _rows_with(text: str, delim: str) -> list[tuple[int, list[str]]]:
    out = []
    for k, ln in enumerate(text.split("\n"), start=1):
        if not ln.strip():
            continue
        cells = next(csv.reader([ln], delimiter=delim, skipinitialspace=True))
        while cells and not cells[-1].strip():
            cells.pop()
        out.append((k, cells))
    return out


def _read_records(path: Path, text: str) -> _Raw:
    """Exchange-model record files: #A actor, #P issue, #M scale point, #D data."""
    first_d = next((ln for ln in text.split("\n") if ln.strip().lstrip('"').upper()
                    .startswith("#D")), "")
    delim = sniff(first_d or text.split("\n", 1)[0])
    decimal_comma = delim == ";"
    raw = _Raw([], {}, [], "power", layout="exchange-model records (#A/#P/#M/#D)")
    names: dict[str, str] = {}
    points: dict[str, list[float]] = {}
    powers: dict[str, list[tuple[int, float, str]]] = {}
    for k, r in _rows_with(text, delim):
        r = [x.strip().strip('"').strip() for x in r]
        kind = r[0][:2].upper()
        if kind in ("#0", "#/"):
            continue
        need = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}.get(kind)
        if need is None:
            raise TableError(path, f"row {k}", r[0],
                             "unknown record; exchange-model files use #A (actor), #P (issue), "
                             "#M (scale point), #D (actor, issue, position, salience, power), "
                             "#0 or #/ (comments)")
        if len(r) < need:
            raise TableError(path, f"row {k}", delim.join(r)[:80],
                             f"a {kind} record needs {need - 1} fields after {kind}, "
                             f"found {len(r) - 1}")
        if kind == "#A":
            names[r[1]] = r[2] if len(r) > 2 else r[1]
        elif kind == "#P":
            if r[1] not in raw.issues:
                raw.issues.append(r[1])
        elif kind == "#M":
            if r[1] not in raw.issues:
                raise TableError(path, f"row {k}, field 2 (issue)", r[1],
                                 "a #M record names an issue with no #P record")
            points.setdefault(r[1], []).append(
                number(r[2], decimal_comma, path, k, "field 3 (position)", "scale point"))
        else:
            a, iss = r[1], r[2]
            if a not in names:
                raise TableError(path, f"row {k}, field 2 (actor)", a,
                                 "a #D record names an actor with no #A record")
            if iss not in raw.issues:
                raise TableError(path, f"row {k}, field 3 (issue)", iss,
                                 "a #D record names an issue with no #P record")
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


def read_table(
    path: str | Path, value_range: tuple[float, float] | None = None,
    status_quo: float | None = None, capability_scale: float | None = None,
    salience_scale: float | None = None,
) -> TableRead:
    """Read a stakeholder table in any layout above into a :class:`BargainingState`.

    ``value_range`` (lo, hi) fixes the position scale of every issue; otherwise it is the
    issue's scale from the file (#M records) or the observed min-max. ``capability_scale``
    / ``salience_scale`` give the value that means "full" (e.g. 100). Every problem raises
    one :class:`TableError` (a :class:`~model.data.DataError`) naming the file, the row as
    numbered in a text editor or spreadsheet, the column and the value."""
    path = Path(path)
    text = decode(path)
    if not text.strip():
        raise TableError(path, "-", None, "the file is empty: no header and no rows")
    raw = _read_records(path, text) if is_records(text) else _read_grid(path, text)
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
                                 f"the position is outside the scale {lo[j]:g}-{hi[j]:g}"
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
