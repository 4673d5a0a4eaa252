"""The cells of a stakeholder table: header synonyms, absent markers, decoding, the
separator and numbers, and the one error (:class:`TableError`); the floor below
:mod:`forecasting.tables` and :mod:`forecasting.table_layouts`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from model.inputs.data import DataError
from model.io.safeio import MAX_TABLE_VALUE, plain_number
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
#: comment kinds of exchange-model files (decide-exchange-model: #0 and #/ comments, #O the
#: data set's description line)
RECORD_COMMENTS = ("#0", "#/", "#O")
RECORD_KINDS = ("#A", "#P", "#M", "#D", *RECORD_COMMENTS)


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


#: the most actors a table may have: the forecast's cost grows with the square of the
#: actors and real tables have tens; 10,000 rows are refused at once, not run for hours


#: file signatures of formats people export instead of a table
BINARY = ((b"PK\x03\x04", "a zip archive (an Excel .xlsx or OpenDocument workbook?)"),
          (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"), (b"%PDF", "a PDF"))


def decode(path: Path) -> str:
    from model.io.safeio import read_user_bytes

    try:  # a folder, a device, a file over 20 MB: one line naming the file
        raw = read_user_bytes(path)
    except DataError as err:
        raise TableError(path, "-", err.value, err.problem) from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # spreadsheets' "Unicode text" export
        try:
            return raw.decode("utf-16").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            pass
    kind = next((k for sig, k in BINARY if raw.startswith(sig)), None)
    if kind or b"\x00" in raw[:4096]:
        raise TableError(path, "-", None, f"{kind or 'a binary file'}, not a text table: "
                         "save it as CSV (comma, semicolon or tab separated)")
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
        v = float(plain_number(s))  # ASCII digits only: not "1_0", "٣", "１０"
    except ValueError:
        raise TableError(path, f"row {row}, column {col!r}", raw,
                         f"the {what} is not a number" if s else
                         f"the {what} is empty; a number is needed") from None
    if not math.isfinite(v):
        raise TableError(path, f"row {row}, column {col!r}", raw, f"the {what} is not finite")
    if what in ("position", "scale point") and abs(v) > MAX_TABLE_VALUE:
        # positions are squared and summed by the protocols: 1e200 overflows
        raise TableError(path, f"row {row}, column {col!r}", raw, f"the {what} lies beyond "
                         f"±{MAX_TABLE_VALUE:g}; rescale the column")
    return v


def is_records(text: str) -> bool:
    """True for exchange-model record files (#A/#P/#M/#D lines)."""
    for ln in text.split("\n"):
        s = ln.strip().lstrip("\"'").strip()  # its program writes every field in quotes
        if s:
            return s[:2].upper() in RECORD_KINDS
    return False
