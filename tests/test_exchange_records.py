"""Exchange-model record files as the decide-exchange-model program writes and ships them:
tab- or comma-separated, every field in single (or double) quotes, #A/#P/#M/#D records in
any order, comments (#0, #/, #O) and blank lines. The files are written here in the layouts
its docs/inputfiles.md and its sample data use (decide-exchange-model 2022.1.28, GPL-3;
none of its data is copied: actors, issues and numbers below are made up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from forecasting.forecast import read_table
from model.inputs.errors import DataError

#: the program's own output layout: tab-separated, every text field in single quotes,
#: numbers bare, an empty comment field '' after each #A and #P
QUOTED_TAB = """'#A'\t'USA'\t'USA'\t''
'#A'\t'EU (incl Norway)'\t'EU (incl Norway)'\t''
'#A'\t'China India'\t'China India'\t'two actors as one'
'#P'\t'mrv'\t'mrv'\t'measuring, reporting'
'#M'\t'mrv'\t0
'#M'\t'mrv'\t100
'#P'\t'toll'\t'toll'\t''
'#M'\t'toll'\t0.5
'#M'\t'toll'\t7
'#D'\t'USA'\t'mrv'\t50.0\t0.65\t0.25
'#D'\t'EU (incl Norway)'\t'mrv'\t80.0\t0.9\t0.5
'#D'\t'China India'\t'mrv'\t10.0\t0.8\t1.0
'#D'\t'USA'\t'toll'\t2.0\t0.4\t0.25
'#D'\t'EU (incl Norway)'\t'toll'\t6.5\t0.3\t0.5
'#D'\t'China India'\t'toll'\t1.0\t0.7\t1.0
"""

#: the hand-made layout of its Copenhagen example: no quotes, a #O description line, #/
#: comments (some with several fields), blank lines
COMMENTED = """#O\tA negotiation
#/\tData collected on two days by two analysts
#/\tID\tFull name
#A\tUSA\tUSA
#A\tEU (incl Norway)\tEU (incl Norway)

#A\tChina India\tChina India
#/\tissue input
#P\tmrv\tMeasuring, reporting and verification
#P\ttoll\tToll level
#M\ttoll\t0.5
#M\ttoll\t7
#/\tActor\tIssue ID\tposition\tsalience\tpower
#D\tUSA\tmrv\t50\t0.65\t0.25
#D\tEU (incl Norway)\tmrv\t80\t0.9\t0.5
#D\tChina India\tmrv\t10\t0.8\t1
#D\tUSA\ttoll\t2\t0.4\t0.25
#D\tEU (incl Norway)\ttoll\t6.5\t0.3\t0.5
#D\tChina India\ttoll\t1\t0.7\t1
"""


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def check(state) -> None:
    """The same three actors and two issues whatever the layout."""
    assert state.actor_ids == ["USA", "EU (incl Norway)", "China India"]
    assert state.issue_ids == ["mrv", "toll"]
    np.testing.assert_allclose(state.position, [[50, 2], [80, 6.5], [10, 1]])
    np.testing.assert_allclose(state.capability, [0.25, 0.5, 1.0])
    np.testing.assert_allclose(state.salience, [[0.65, 0.4], [0.9, 0.3], [0.8, 0.7]])
    assert (state.lo.tolist(), state.hi.tolist()) == ([0, 0.5], [100, 7])  # from #M


@pytest.mark.parametrize("variant", ["quoted tab", "commented", "comma, single quotes",
                                     "comma, double quotes", "semicolon, double quotes",
                                     "quoted tab, CRLF"])
def test_the_program_layouts_read_alike(tmp_path: Path, variant: str) -> None:
    text = {
        "quoted tab": QUOTED_TAB,
        "commented": COMMENTED,
        "comma, single quotes": QUOTED_TAB.replace("\t", ","),
        "comma, double quotes": QUOTED_TAB.replace("\t", ",").replace("'", '"'),
        "semicolon, double quotes": QUOTED_TAB.replace("\t", ";").replace("'", '"')
        .replace("0.", "0,").replace("6.5", "6,5"),
        "quoted tab, CRLF": QUOTED_TAB.replace("\n", "\r\n"),
    }[variant]
    read = read_table(write(tmp_path, text))
    check(read.state)
    assert "records" in read.layout


def test_records_in_any_order(tmp_path: Path) -> None:
    lines = QUOTED_TAB.strip().split("\n")
    # data first, then scale points, issues and actors last, comments between
    mixed = ([ln for ln in lines if ln.startswith("'#D'")] + ["'#/'\t'a comment'", ""]
             + [ln for ln in lines if ln.startswith("'#M'")]
             + [ln for ln in lines if ln.startswith("'#P'")]
             + ["'#0'\t'another'"] + [ln for ln in lines if ln.startswith("'#A'")])
    check(read_table(write(tmp_path, "\n".join(mixed) + "\n")).state)


def test_a_comma_inside_a_quoted_name_stays_in_the_name(tmp_path: Path) -> None:
    text = QUOTED_TAB.replace("\t", ",").replace("EU (incl Norway)", "EU, incl Norway")
    assert read_table(write(tmp_path, text)).state.actor_ids[1] == "EU, incl Norway"


@pytest.mark.parametrize(("edit", "message"), [
    (("'#D'\t'USA'\t'mrv'\t50.0", "'#D'\t'Canada'\t'mrv'\t50.0"),
     "row 10, field 2 (actor): value 'Canada': a #D record names an actor with no #A record"),
    (("'#D'\t'USA'\t'toll'\t2.0", "'#D'\t'USA'\t'mrv'\t2.0"),
     "row 13, field 3 (issue): value 'mrv': actor 'USA' already has a #D record for this "
     "issue (row 10)"),
    (("'#D'\t'USA'\t'mrv'\t50.0\t0.65\t0.25", "'#D'\t'USA'\t'mrv'\t50.0\t0.65\t'lots'"),
     "row 10, column 'field 6 (power)': value 'lots': the power is not a number"),
    (("'#M'\t'mrv'\t0\n", "'#X'\t'mrv'\t0\n"),
     "row 5: value '#X': unknown record"),
])
def test_bad_records_are_named_in_one_line(tmp_path: Path, edit: tuple[str, str],
                                           message: str) -> None:
    p = write(tmp_path, QUOTED_TAB.replace(*edit, 1))
    with pytest.raises(DataError) as err:
        read_table(p)
    assert str(err.value).startswith(f"{p}, {message}")


def test_the_command_forecasts_the_program_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    run = [str(Path(sys.executable).with_name("eunato")), "forecast"]  # the installed command
    ok = subprocess.run([*run, str(write(tmp_path, QUOTED_TAB)), "--protocol", "exchange",
                         "--rounds", "2"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "mrv" in ok.stdout and "toll" in ok.stdout and "no header row" not in ok.stdout
    bad = write(tmp_path, QUOTED_TAB.replace("0.65", "'high'"), "bad.csv")
    no = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=120)
    assert no.returncode == 2 and "Traceback" not in no.stderr
    assert no.stderr.strip().splitlines() == [
        f"error: {bad}, row 10, column 'field 5 (salience)': value 'high': the salience is "
        "not a number"]
