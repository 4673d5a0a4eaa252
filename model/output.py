"""Tables on the command line: ``--format table|csv|json``, fit for a terminal and for pipes.

Every command that prints a table builds a :class:`Tab` (raw values, not strings) and hands
it to :func:`emit`:

* ``table`` on a terminal: a rich table;
* ``table`` into a pipe or a file: plain text, one line per row, columns padded to their
  widest cell, never wrapped or truncated (``eunato actors > a.txt`` and ``| less`` read
  like the screen, only wider);
* ``csv``: one header line and one line per row, values unformatted;
* ``json``: a list of row objects (several tables: an object keyed by table title).

Messages around the data ("wrote …") go to stderr with csv and json, so stdout is data only.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

FORMATS = ("table", "csv", "json")


@dataclass
class Tab:
    """One table: a title, column names, rows of raw values, and how to show them."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    #: column -> function that turns a raw value into the text of the ``table`` format
    show: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    right: set[str] = field(default_factory=set)  # right-aligned columns

    def add(self, *values: Any) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"table {self.title!r}: {len(values)} values for "
                             f"{len(self.columns)} columns")
        self.rows.append(list(values))

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def text(self, col: str, v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if col in self.show:
            return self.show[col](v)
        if isinstance(v, list | tuple):
            return ", ".join(str(x) for x in v)
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)


def add_format_option(p: Any, default: str = "table") -> None:
    p.add_argument("--format", choices=FORMATS, default=default,
                   help="table (plain text when not a terminal), csv or json "
                        f"(default {default})")


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def plain(tab: Tab) -> str:
    """The table as plain text: full width, nothing cut."""
    cells = [[tab.text(c, v) for c, v in zip(tab.columns, r, strict=True)] for r in tab.rows]
    widths = [max([len(c)] + [len(row[k]) for row in cells]) for k, c in enumerate(tab.columns)]

    def line(vals: Sequence[str]) -> str:
        parts = [v.rjust(w) if c in tab.right else v.ljust(w)
                 for c, v, w in zip(tab.columns, vals, widths, strict=True)]
        return "  ".join(parts).rstrip()

    out = [tab.title, line(tab.columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def emit(tabs: Tab | Sequence[Tab], fmt: str = "table", stream: TextIO | None = None) -> None:
    """Print one or several tables in ``fmt`` to ``stream`` (stdout)."""
    stream = stream or sys.stdout
    tabs = [tabs] if isinstance(tabs, Tab) else list(tabs)
    if fmt == "json":
        if len(tabs) == 1:
            data: Any = [{k: _jsonable(v) for k, v in r.items()} for r in tabs[0].records()]
        else:
            data = {t.title: [{k: _jsonable(v) for k, v in r.items()} for r in t.records()]
                    for t in tabs}
        stream.write(json.dumps(data, indent=1, default=str) + "\n")
    elif fmt == "csv":
        w = csv.writer(stream, lineterminator="\n")
        several = len(tabs) > 1
        for k, t in enumerate(tabs):
            if k:
                stream.write("\n")
            w.writerow((["table"] if several else []) + t.columns)
            for r in t.rows:
                vals = ["" if v is None else (json.dumps(v) if isinstance(v, list | dict)
                                              else _jsonable(v)) for v in r]
                w.writerow(([t.title] if several else []) + vals)
    elif fmt == "table" and is_terminal(stream):
        from rich.console import Console
        from rich.table import Table

        con = Console(file=stream)
        for t in tabs:
            rt = Table(title=t.title)
            for c in t.columns:
                rt.add_column(c, justify="right" if c in t.right else "left")
            for r in t.rows:
                rt.add_row(*[t.text(c, v) for c, v in zip(t.columns, r, strict=True)])
            con.print(rt)
    elif fmt == "table":
        stream.write("\n\n".join(plain(t) for t in tabs) + "\n")
    else:
        raise ValueError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def note(text: str, fmt: str = "table") -> None:
    """A message beside the data: stdout with tables, stderr with csv/json (data only)."""
    stream = sys.stdout if fmt == "table" else sys.stderr
    print(text, file=stream)
