"""Options that several commands share: the stakeholder-table options (``eunato forecast``,
``eunato compare``, ``eunato perception``)."""

from __future__ import annotations

import argparse

from model.io.safeio import MAX_TABLE_VALUE, float_in


def add_table_options(p: argparse.ArgumentParser) -> None:
    """The options every command that reads a stakeholder table shares."""
    p.add_argument("--range", nargs=2, type=float_in(-MAX_TABLE_VALUE, MAX_TABLE_VALUE),
                   metavar=("LO", "HI"),
                   default=None,
                   help="the position scale (default: inferred from the table)")
    p.add_argument("--status-quo", type=float_in(-MAX_TABLE_VALUE, MAX_TABLE_VALUE),
                   default=None,
                   help="reversion point (default: the median position)")
    p.add_argument("--capability-scale", type=_positive, default=None, metavar="FULL",
                   help="the capability that means full strength, e.g. 100 (default: "
                        "divide by the largest)")
    p.add_argument("--salience-scale", type=_positive, default=None, metavar="FULL",
                   help="the salience that means full attention, e.g. 1 or 100 (default: "
                        "from the bulk of each column)")


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return v
