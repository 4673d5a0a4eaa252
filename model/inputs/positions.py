"""Load ``data/positions.toml``: sourced indicators per state and positions on record.

The file's header says what each field is and where it comes from. This module only reads
and checks it; the formula that turns it into ideal roles and saliences lives with the agents.
Every problem is one :class:`DataError` naming the file, the field and the value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from model.inputs.data import DATA_DIR, TOPICS, DataError, read_toml

#: indicator field -> (its source field, lowest, highest value the loader accepts). The bounds
#: reject impossible values (a share above 100, a negative count); whether a figure is
#: plausible is the data test's business.
INDICATORS: dict[str, tuple[str, float, float]] = {
    "ukr_military_aid_pct_gdp": ("ukr_military_aid_source", 0.0, 100.0),
    "defence_pct_gdp": ("defence_pct_gdp_source", 0.0, 100.0),
    "equipment_share_pct": ("equipment_share_source", 0.0, 100.0),
    "us_arms_import_share_pct": ("us_arms_import_source", 0.0, 100.0),
    "pesco_projects": ("pesco_source", 0.0, 1000.0),
}
_SOURCES = {src for src, _, _ in INDICATORS.values()}
_MONTH = re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_RECORD_KEYS = {"actor", "topic", "effect", "range", "salience", "salience_range", "since",
                "until", "source"}


@dataclass(frozen=True)
class Record:
    """One position on record: a coded judgement with its uncertainty range."""

    actor: str
    topic: str
    effect: float
    range: tuple[float, float]
    salience: float
    salience_range: tuple[float, float]
    since: str
    until: str | None
    source: str

    def in_force(self, month: str) -> bool:
        # YYYY-MM strings order as the months do
        return self.since <= month and (self.until is None or month <= self.until)


@dataclass(frozen=True)
class Positions:
    """Indicators per actor id (field -> value; a field the source lacks is absent) and the
    positions on record."""

    indicators: dict[str, dict[str, float]]
    records: list[Record]

    def records_at(self, month: str) -> list[Record]:
        """The records in force in ``month`` (YYYY-MM), in file order."""
        if not isinstance(month, str) or not _MONTH.fullmatch(month):
            raise DataError("positions", "month", month, "expected a month as YYYY-MM")
        return [r for r in self.records if r.in_force(month)]


def _number(path: Path, field: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataError(path, field, value, "expected a finite number")
    if not lo <= value <= hi:
        raise DataError(path, field, value, f"must lie in [{lo:g}, {hi:g}]")
    return float(value)


def _source(path: Path, field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, field, value, "expected a non-empty source text")
    if not _YEAR.search(value):
        raise DataError(path, field, value, "a source must name its year")
    return value


def _indicator(path: Path, i: int, table: object) -> tuple[str, dict[str, float]]:
    where = f"indicator[{i}]"
    if not isinstance(table, dict):
        raise DataError(path, where, table, "expected an [[indicator]] table")
    aid = table.get("id")
    if not isinstance(aid, str) or not aid:
        raise DataError(path, f"{where}.id", aid, "expected an actor id")
    for key in table:
        if key != "id" and key not in INDICATORS and key not in _SOURCES:
            raise DataError(path, f"{where}.{key}", table[key], "unknown field")
    values: dict[str, float] = {}
    for name, (src, lo, hi) in INDICATORS.items():
        if src in table:  # a source may stand alone: it says why the figure is absent
            _source(path, f"{where}.{src}", table[src])
        if name not in table:
            continue
        values[name] = _number(path, f"{where}.{name}", table[name], lo, hi)
        if src not in table:
            raise DataError(path, f"{where}.{src}", None,
                            f"missing: every figure needs its source ({name})")
    if "pesco_projects" in values and not values["pesco_projects"].is_integer():
        raise DataError(path, f"{where}.pesco_projects", table["pesco_projects"],
                        "expected a whole number of projects")
    return aid, values


def _pair(path: Path, field: str, value: object, lo: float, hi: float) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise DataError(path, field, value, "expected [lo, hi]")
    a, b = (_number(path, field, v, lo, hi) for v in value)
    if a > b:
        raise DataError(path, field, value, "lo must not exceed hi")
    return a, b


def _month(path: Path, field: str, value: object) -> str:
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise DataError(path, field, value, "expected a month as YYYY-MM")
    return value


def _record(path: Path, i: int, table: object) -> Record:
    where = f"record[{i}]"
    if not isinstance(table, dict):
        raise DataError(path, where, table, "expected a [[record]] table")
    for key in table:
        if key not in _RECORD_KEYS:
            raise DataError(path, f"{where}.{key}", table[key], "unknown field")
    for key in _RECORD_KEYS - {"until"}:
        if key not in table:
            raise DataError(path, f"{where}.{key}", None, "missing")
    actor = table["actor"]
    if not isinstance(actor, str) or not actor:
        raise DataError(path, f"{where}.actor", actor, "expected an actor id")
    topic = table["topic"]
    if topic not in TOPICS:
        raise DataError(path, f"{where}.topic", topic, f"expected one of {', '.join(TOPICS)}")
    effect = _number(path, f"{where}.effect", table["effect"], -1.0, 1.0)
    rng = _pair(path, f"{where}.range", table["range"], -1.0, 1.0)
    salience = _number(path, f"{where}.salience", table["salience"], 0.0, 1.0)
    srng = _pair(path, f"{where}.salience_range", table["salience_range"], 0.0, 1.0)
    for name, central, (lo, hi) in (("range", effect, rng), ("salience_range", salience, srng)):
        if not lo <= central <= hi:
            raise DataError(path, f"{where}.{name}", table[name],
                            f"must hold the central value {central:g}")
    since = _month(path, f"{where}.since", table["since"])
    until = table.get("until")
    if until is not None:
        until = _month(path, f"{where}.until", until)
        if until < since:
            raise DataError(path, f"{where}.until", until, f"is before since = {since}")
    source = _source(path, f"{where}.source", table["source"])
    return Record(actor, topic, effect, rng, salience, srng, since, until, source)


def load_positions(path: str | Path | None = None) -> Positions:
    """The indicators and records of ``data/positions.toml`` (or another file of its form).
    Actor ids are not checked against ``data/actors.toml`` here: a scenario may bring its own
    actors, and the data test checks the shipped file."""
    path = Path(path) if path else DATA_DIR / "positions.toml"
    raw = read_toml(path)
    tables = raw.get("indicator")
    if not isinstance(tables, list) or not tables:
        raise DataError(path, "indicator", tables, "expected a list of [[indicator]] tables")
    for key in raw:
        if key not in ("indicator", "record"):
            raise DataError(path, key, None, "unknown top-level key")
    indicators: dict[str, dict[str, float]] = {}
    for i, table in enumerate(tables):
        aid, values = _indicator(path, i, table)
        if aid in indicators:
            raise DataError(path, f"indicator[{i}].id", aid, "duplicate id")
        indicators[aid] = values
    records = raw.get("record", [])
    if not isinstance(records, list):
        raise DataError(path, "record", records, "expected a list of [[record]] tables")
    return Positions(indicators, [_record(path, i, t) for i, t in enumerate(records)])
