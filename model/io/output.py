"""Tables on the command line: ``--format table|csv|json``, fit for a terminal and for pipes.

Every command that prints a table builds a :class:`Tab` (raw values, not strings) and hands
it to :func:`emit`:

* ``table`` on a terminal: a rich table;
* ``table`` into a pipe or a file: plain text, one line per row, columns padded to their
  widest cell, never wrapped or truncated (``eunato actors > a.txt`` and ``| less`` read
  like the screen, only wider);
* ``csv``: one header line and one line per row, values unformatted (several tables: one
  CSV with a leading ``table`` column and the union of their columns);
* ``json``: a list of row objects (several tables: an object keyed by each table's
  ``key``, or its title).

A table laid out for reading (a cell holding "0.42 (0.31) ±0.05", protocols side by side)
has a tidy counterpart for csv and json: one value per cell, one row per observation, so
``pandas.read_csv`` gives numbers (:meth:`Output.table`).

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
    #: a short stable name: the key of the table in json and its ``table`` value in csv
    #: when a command prints several (titles can hold numbers: "best trial #7 …")
    key: str | None = None

    @property
    def name(self) -> str:
        return self.key or self.title

    def add(self, *values: Any) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"table {self.title!r}: {len(values)} values for "
                             f"{len(self.columns)} columns")
        self.rows.append(list(values))

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def text(self, col: str, v: Any) -> str:
        """The cell as the ``table`` format prints it (control characters escaped)."""
        return printable(self._text(col, v))

    def _text(self, col: str, v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if col in self.show:
            return self.show[col](v)
        if isinstance(v, list | tuple):
            return ", ".join(str(x) for x in v)
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)


def printable(text: str) -> str:
    """``text`` with control characters (ESC sequences, form feeds, a carriage return in a
    scenario's or an actor's name) written as escapes, so a file cannot drive the terminal
    or split a line; newlines between lines are kept."""
    return "\n".join("".join(c if c.isprintable() else repr(c)[1:-1] for c in ln)
                     for ln in str(text).split("\n"))


def message_console(soft_wrap: bool = True, **kwargs: Any) -> Any:
    """A rich console for the lines a command prints beside its tables: never wrapped, and a
    reader that stops early (``| head``) ends the command quietly with exit 0 (rich alone
    would exit 1, as for an error): :func:`cli.main.main` handles the BrokenPipeError."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(soft_wrap=soft_wrap, **kwargs)


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

    out = [printable(tab.title), line([printable(c) for c in tab.columns]),
           line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, list | tuple | dict):
        return json.dumps(v, ensure_ascii=False)
    return _jsonable(v)


def emit(tabs: Tab | Sequence[Tab], fmt: str = "table", stream: TextIO | None = None) -> None:
    """Print one or several tables in ``fmt`` to ``stream`` (stdout)."""
    stream = stream or sys.stdout
    tabs = [tabs] if isinstance(tabs, Tab) else list(tabs)
    if fmt == "json":
        if len(tabs) == 1:
            data: Any = [{k: _jsonable(v) for k, v in r.items()} for r in tabs[0].records()]
        else:
            data = {t.name: [{k: _jsonable(v) for k, v in r.items()} for r in t.records()]
                    for t in tabs}
        stream.write(json.dumps(data, indent=1, default=str) + "\n")
    elif fmt == "csv":
        # several tables: one CSV all the same, with a leading "table" column and the union
        # of the columns (a table's row is empty in the others'), so that one
        # pandas.read_csv reads it and df[df.table == title] is one table
        several = len(tabs) > 1
        cols = list(dict.fromkeys(c for t in tabs for c in t.columns))
        w = csv.writer(stream, lineterminator="\n")
        w.writerow((["table"] if several else []) + cols)
        for t in tabs:
            for r in t.rows:
                cell = dict(zip(t.columns, r, strict=True))
                vals = [_csv_cell(cell.get(c)) for c in cols]
                w.writerow(([t.name] if several else []) + vals)
    elif fmt == "table" and is_terminal(stream):
        from rich.markup import escape
        from rich.table import Table

        con = message_console(soft_wrap=False, file=stream)  # a terminal: fit its width
        for t in tabs:  # a cell's "[...]" is text, not rich markup
            rt = Table(title=escape(printable(t.title)))
            for c in t.columns:
                rt.add_column(escape(printable(c)), justify="right" if c in t.right else "left")
            for r in t.rows:
                rt.add_row(*[escape(t.text(c, v)) for c, v in zip(t.columns, r, strict=True)])
            con.print(rt)
    elif fmt == "table":
        stream.write("\n\n".join(plain(t) for t in tabs) + "\n")
    else:
        raise ValueError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def note(text: str, fmt: str = "table") -> None:
    """A message beside the data: stdout with tables, stderr with csv/json (data only)."""
    stream = sys.stdout if fmt == "table" else sys.stderr
    print(printable(text), file=stream)


class Output:
    """What a command prints, in ``fmt``: tables and the notes between them.

    With ``table`` each table is printed when it is ready, between the notes; with csv
    and json the notes go to stderr at once and the tables are kept and printed together
    by :meth:`close` (one CSV, or one JSON document), so stdout is one readable document.
    Use it as a context manager: the tables come out when the block ends without error."""

    def __init__(self, fmt: str = "table", stream: TextIO | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        self.fmt, self.stream, self.tabs = fmt, stream, []

    def table(self, tab: Tab, data: Tab | None = None) -> None:
        """Show ``tab``; ``data`` is the same result in tidy form (one value per cell, one
        row per observation) for csv and json, when ``tab`` is laid out for reading."""
        if self.fmt == "table":
            emit(tab, "table", self.stream)
        else:
            self.tabs.append(data or tab)

    def note(self, text: str) -> None:
        if self.stream is sys.stderr:  # the tables are set aside (stdout carries a document)
            print(printable(text), file=sys.stderr)
        else:
            note(text, self.fmt)

    def close(self) -> None:
        if self.tabs:
            emit(self.tabs, self.fmt, self.stream)
            self.tabs = []

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is None:
            self.close()
