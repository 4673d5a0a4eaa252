"""Stakeholder tables as they come: line endings, BOM, separators, synonyms, scales, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from forecasting.forecast import read_table
from model.inputs.data import DataError

ROWS = [("A", "80", "10", "90"), ("B", "20", "60", "50"), ("C", "50", "30", "70")]


def write(tmp_path: Path, text: str, name: str = "t.csv", bom: bool = False) -> Path:
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


def table(header: str, rows: list[tuple[str, ...]], sep: str = ",", nl: str = "\n") -> str:
    return nl.join([header, *(sep.join(r) for r in rows)]) + nl


@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_line_endings_and_bom(tmp_path: Path, nl: str, bom: bool) -> None:
    p = write(tmp_path, table("actor,capability,position,salience", ROWS, nl=nl), bom=bom)
    s = read_table(p).state
    assert s.actor_ids == ["A", "B", "C"]
    np.testing.assert_allclose(s.position[:, 0], [10, 60, 30])
    np.testing.assert_allclose(s.salience[:, 0], [0.9, 0.5, 0.7])
    np.testing.assert_allclose(s.capability, np.array([0.8, 0.2, 0.5]) / 0.8)  # by the largest


def test_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    rows = [("A", "0,8", "10,5", "0,9"), ("B", "0,2", "60", "0,5")]
    p = write(tmp_path, table("Stakeholder;Clout;Position;Importance", rows, sep=";"))
    read = read_table(p)
    np.testing.assert_allclose(read.state.position[:, 0], [10.5, 60])
    np.testing.assert_allclose(read.state.capability, [1.0, 0.25])
    assert read.columns == {"actor": "Stakeholder", "capability": "Clout",
                            "position": "Position", "salience": "Importance"}
    assert any("decimal commas" in n for n in read.notes)


@pytest.mark.parametrize("actor", ["actor", "Stakeholder", "PLAYER"])
@pytest.mark.parametrize("cap", ["capability", "Resources", "clout", "power", "Influence"])
@pytest.mark.parametrize("sal", ["salience", "Importance"])
def test_column_synonyms(tmp_path: Path, actor: str, cap: str, sal: str) -> None:
    p = write(tmp_path, table(f"{actor},{cap},position,{sal},risk",
                              [(*r, "1.5") for r in ROWS]))
    s = read_table(p).state
    assert s.actor_ids == ["A", "B", "C"]
    np.testing.assert_allclose(s.risk[:, 0], 1.5)


def test_scales_0_1_and_0_100_agree(tmp_path: Path) -> None:
    a = read_table(write(tmp_path, table("actor,capability,position,salience", ROWS), "a.csv"))
    rows01 = [(n, str(float(c) / 100), p, str(float(s) / 100)) for n, c, p, s in ROWS]
    b = read_table(write(tmp_path, table("actor,capability,position,salience", rows01), "b.csv"))
    np.testing.assert_allclose(a.state.capability, b.state.capability)
    np.testing.assert_allclose(a.state.salience, b.state.salience)
    assert any("0-100" in n for n in a.notes) and any("0-1 scale" in n for n in b.notes)


def test_position_range_inferred_or_given(tmp_path: Path) -> None:
    p = write(tmp_path, table("actor,capability,position,salience", ROWS))
    s = read_table(p).state
    assert (s.lo[0], s.hi[0]) == (10, 60)
    s = read_table(p, value_range=(0, 100)).state
    assert (s.lo[0], s.hi[0]) == (0, 100)
    with pytest.raises(DataError, match="row 3, issue 'issue': value '60'.*outside the scale"):
        read_table(p, value_range=(0, 50))


@pytest.mark.parametrize("cell,where,problem", [
    ("abc", "row 3, column 'capability'", "not a number"),
    ("", "row 3, column 'capability'", "is empty"),
    ("-5", "row 3, column 'capability'", "must not be negative"),
])
def test_errors_name_row_column_value(tmp_path: Path, cell: str, where: str,
                                      problem: str) -> None:
    rows = [ROWS[0], ("B", cell, "60", "50"), ROWS[2]]
    p = write(tmp_path, table("actor,capability,position,salience", rows))
    with pytest.raises(DataError) as err:
        read_table(p)
    assert err.value.field == where
    assert err.value.value == cell
    assert problem in err.value.problem


def test_missing_column_and_cli_error_without_traceback(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    p = write(tmp_path, "actor,power,position\nA,1,5\n")
    with pytest.raises(DataError, match="salience"):
        read_table(p)
    assert main(["forecast", str(p), "--protocol", "compromise"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err and "salience" in err


def test_ragged_row_is_named(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,capability,position,salience\nA,1,5,1\nB,1,5\n")
    with pytest.raises(DataError, match="row 3"):
        read_table(p)


def test_wide_multi_issue(tmp_path: Path) -> None:
    text = ("player,power,position_nato,salience_nato,position_eu,salience_eu\n"
            "A,1,0,1,100,0.5\nB,0.5,100,0.5,,\nC,0.5,50,0.2,0,1\n")
    s = read_table(write(tmp_path, text)).state
    assert s.issue_ids == ["nato", "eu"]
    np.testing.assert_allclose(s.position[:, 0], [0, 100, 50])
    assert s.salience[1, 1] == 0.0  # B takes no part in "eu"


def test_long_multi_issue(tmp_path: Path) -> None:
    text = ("actor,issue,capability,position,salience\n"
            "A,nato,1,0,1\nA,eu,1,100,0.5\nB,nato,0.5,100,0.5\nC,eu,0.5,0,1\n")
    s = read_table(write(tmp_path, text)).state
    assert s.issue_ids == ["nato", "eu"] and s.actor_ids == ["A", "B", "C"]
    np.testing.assert_allclose(s.position[0], [0, 100])
    assert s.salience[2, 0] == 0 and s.salience[1, 1] == 0


def test_long_format_conflicting_capability(tmp_path: Path) -> None:
    text = "actor,issue,capability,position,salience\nA,x,1,0,1\nA,y,0.5,1,1\n"
    with pytest.raises(DataError, match="row 3, column 'capability'"):
        read_table(write(tmp_path, text))


def test_forecast_json_has_every_round(tmp_path: Path) -> None:
    text = ("actor,capability,position_a,salience_a,position_b,salience_b\n"
            "A,1,0,0.9,0,0.1\nB,1,100,0.1,100,0.9\n")
    p = write(tmp_path, text)
    out = tmp_path / "o.json"
    assert main(["forecast", str(p), "--protocol", "exchange", "--rounds", "2",
                 "--range", "0", "100", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [r["round"] for r in data["rounds"]] == [0, 1, 2]
    r1 = data["rounds"][1]
    assert set(r1["actors"]["A"]) == {"position", "risk"}
    assert r1["interactions"][0]["kind"] == "exchange"
    assert sorted(r1["interactions"][0]["actors"]) == ["A", "B"]


def test_wide_salience_error_names_its_column(tmp_path: Path) -> None:
    text = ("actor,capability,position_a,salience_a,position_b,salience_b\n"
            "A,1,0,0.5,0,0.5\nB,1,100,0.5,100,-1\n")
    with pytest.raises(DataError) as err:
        read_table(write(tmp_path, text))
    assert err.value.field == "row 3, column 'salience_b'" and err.value.value == "-1"
