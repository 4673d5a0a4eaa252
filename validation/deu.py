"""Read DEU III (Arregui & Perarnaud 2022) issues into bargaining states and score protocols.

The shipped file (``deu3-train.tsv``) is tab-separated: a header, one row of per-actor
GDP-like weights, then one row per issue with ``p<actor>`` positions and ``s<actor>``
saliences on 0-100, the Council rule (``counvte``), the procedure (``proc``), the reference
point ``rp`` and the outcome ``out``. Only issues with a valid outcome and at least three
positions are scored, as in the README's baselines.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.inputs.data import DataError
from model.state import BargainingState

ACTORS = ("com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el",
          "hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es",
          "se", "uk")
INSTITUTIONS = ("com", "ep")


@dataclass
class DeuIssue:
    """One DEU issue: who took which position, with what salience, and what came out."""

    issue_id: str
    proposal: str
    rule: str  # "qmv" | "unanimity"
    procedure: str  # COD, CNS, ...
    intro: dt.date
    actors: list[str]
    position: np.ndarray  # (k,) 0-100
    salience: np.ndarray  # (k,) 0-1 (blank salience -> 0.5)
    gdp: np.ndarray  # (k,) the file's weight row
    reference: float | None
    outcome: float

    def state(self, capability: np.ndarray) -> BargainingState:
        """A one-issue state; the status quo is the reference point, else the median."""
        sq = self.reference if self.reference is not None else float(np.median(self.position))
        return BargainingState.single_issue(
            self.actors, capability, self.position, self.salience, status_quo=sq,
            lo=0.0, hi=100.0, issue_id=self.issue_id)


def _num(raw: str) -> float | None:
    s = raw.strip()
    if not s:
        return None
    v = float(s.replace(",", "."))
    return v if math.isfinite(v) else None


def _date(text: str) -> dt.date | None:
    """dd-mm-yy, dd-mm-yyyy or yyyy-mm-dd (all occur in the public copy); None if none fits."""
    try:
        a, b, c = (int(x) for x in text.split("-"))
    except ValueError:
        return None
    if a >= 1000:
        y, mo, d = a, b, c
    else:
        y = c if c >= 100 else (2000 + c if c < 70 else 1900 + c)
        mo, d = b, a
    for mm, dd in ((mo, d), (d, mo)):  # a few rows are month-first
        try:
            return dt.date(y, mm, dd)
        except ValueError:
            continue
    return None


def read_deu(path: str | Path, min_positions: int = 3) -> list[DeuIssue]:
    """All scorable issues of a DEU III TSV (errors name file, row, column and value)."""
    path = Path(path)
    if path.is_dir():  # the dataset's folder: its one .tsv table
        tables = sorted(path.glob("*.tsv"))
        if len(tables) != 1:
            raise DataError(path, "-", None, f"a folder needs exactly one .tsv table, "
                            f"found {len(tables)}; pass the file itself")
        path = tables[0]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(path, "-", None, "file not found") from None
    except UnicodeDecodeError as err:
        raise DataError(path, f"byte {err.start}", None,
                        "not UTF-8 text: is this a DEU III table (deu3-train.tsv)?") from None
    except OSError as err:
        raise DataError(path, "-", None, f"cannot read: {err.strerror or err}") from None
    rows = list(csv.reader(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"),
                           delimiter="\t"))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 3:
        raise DataError(path, "-", None, "needs a header, a weight row and issue rows")
    head = [h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(head)}
    for need in ("isnr", "prnr", "proc", "counvte", "intro", "rp", "out",
                 *(f"p{a}" for a in ACTORS), *(f"s{a}" for a in ACTORS)):
        if need not in col:
            raise DataError(path, need, None,
                            "missing column; is this a DEU III table (deu3-train.tsv)?")

    def cell(r: list[str], name: str) -> str:
        i = col[name]
        return r[i] if i < len(r) else ""

    def num(r: list[str], name: str, k: int) -> float | None:
        try:
            return _num(cell(r, name))
        except ValueError:
            raise DataError(path, f"row {k}, column {name}", cell(r, name),
                            "not a number") from None

    weights = {a: num(rows[1], f"p{a}", 2) or 0.0 for a in ACTORS}
    out: list[DeuIssue] = []
    for k, r in enumerate(rows[2:], start=3):
        o = num(r, "out", k)
        if o is None:
            continue
        ids, pos, sal, gdp = [], [], [], []
        for a in ACTORS:
            p = num(r, f"p{a}", k)
            if p is None:
                continue
            s = num(r, f"s{a}", k)
            ids.append(a)
            pos.append(p)
            sal.append(0.5 if s is None else s / 100.0)
            gdp.append(weights[a])
        if len(ids) < min_positions:
            continue
        rule = cell(r, "counvte").strip().lower()
        intro = cell(r, "intro").strip()
        prop = cell(r, "prnr").strip()
        digits = "".join(ch for ch in prop[:3] if ch.isdigit())[:2]
        if len(digits) < 2:
            raise DataError(path, f"row {k}, column prnr", prop,
                            "expected a proposal id with the year after the letter (d00032)")
        pyear = 2000 + int(digits) if int(digits) < 70 else 1900 + int(digits)
        intro_date = _date(intro)
        # the public copy mangled some dates (spreadsheet conversion): where the date is not
        # within a year of the proposal's own year, use mid-year of the proposal's year
        if intro_date is None or abs(intro_date.year - pyear) > 1:
            intro_date = dt.date(pyear, 7, 1)
        out.append(DeuIssue(
            issue_id=cell(r, "isnr").strip(), proposal=cell(r, "prnr").strip(),
            rule="unanimity" if rule.startswith("un") else "qmv",
            procedure=cell(r, "proc").strip() or "?", intro=intro_date,
            actors=ids, position=np.array(pos), salience=np.array(sal), gdp=np.array(gdp),
            reference=num(r, "rp", k), outcome=o))
    return out
