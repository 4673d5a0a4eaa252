"""Published stakeholder tables read as they come (data/validation/tables, sources in its
README): KTAB files, exchange-model records, raw capability units, mixed salience scales,
absent actors in every layout, and the CLI conventions (--json -, errors in words, help)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from forecasting.forecast import read_table
from model.inputs.data import DataError

TABLES = Path(__file__).resolve().parents[1] / "data" / "validation" / "tables"


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_ktab_one_dimension_with_scenario_line_and_trailing_commas() -> None:
    read = read_table(TABLES / "soe_policy_ktab.csv")
    s = read.state
    assert s.n == 26 and s.issue_ids == ["Policy"]
    assert s.actor_ids[:3] == ["XJ", "LK", "ZG"]
    # Influence 100 (XJ) is the largest: capability in the table's own units, ratios kept
    assert s.capability[0] == 1.0 and s.capability[1] == pytest.approx(0.65)
    assert s.salience[1, 0] == pytest.approx(0.65) and s.position[19, 0] == 100
    assert any("scenario line" in n for n in read.notes)
    assert any("Description" in n for n in read.notes)  # ignored, and said so
    assert read.layout.startswith("KTAB")


def test_ktab_two_dimensions() -> None:
    s = read_table(TABLES / "soe_pol_comp_ktab.csv").state
    assert s.issue_ids == ["Policy", "Competitive"]
    assert s.position[12].tolist() == [15, 60]  # WY
    assert s.salience[0].tolist() == pytest.approx([0.24, 0.48])


def test_ktab_power_in_raw_units_and_a_salience_above_100_is_named() -> None:
    read = read_table(TABLES / "ktab_dummy_3dim.csv")
    s = read.state
    assert s.issue_ids == ["1", "2", "3"]
    assert s.capability[2] == 1.0  # Power 129.643 is the largest
    assert s.capability[0] == pytest.approx(102.543 / 129.643)
    # Sal2 = 105.91 for SActor-00 (row 3) on a 0-100 column: named, capped, rest untouched
    (w,) = read.warnings
    assert "Sal2" in w and "row 3" in w and "SActor-00" in w and "105.91" in w
    assert s.salience[0, 1] == 1.0 and s.salience[1, 1] == pytest.approx(0.2122)


def test_exchange_model_records() -> None:
    read = read_table(TABLES / "cop21_differentiation.tsv")
    s = read.state
    assert s.n == 15 and s.issue_ids == ["differentiation"]
    assert (s.lo[0], s.hi[0]) == (0, 100)  # from the #M records
    usa = s.index("USA")
    assert s.position[usa, 0] == 20 and s.salience[usa, 0] == pytest.approx(0.95)
    assert s.capability[s.index("ALBA")] == pytest.approx(0.05)
    assert "records" in read.layout


def test_records_with_power_per_issue_keep_capability_times_salience(tmp_path: Path) -> None:
    text = ('"#A";"X";"X"\n"#A";"Y";"Y"\n"#P";"a";"a"\n"#P";"b";"b"\n'
            '"#D";"X";"a";"10";"0,5";"1"\n"#D";"X";"b";"90";"0,5";"0,5"\n'
            '"#D";"Y";"a";"NA";"0,5";"1"\n"#D";"Y";"b";"20";"1";"1"\n')
    read = read_table(write(tmp_path, text, "r.txt"))
    s = read.state
    cs = s.capability[:, None] * s.salience
    assert cs[0].tolist() == pytest.approx([0.5, 0.25]) and cs[1, 1] == pytest.approx(1.0)
    assert s.salience[1, 0] == 0  # Y absent from a (NA)
    assert any("power differs by issue" in n for n in read.notes)


def test_record_errors_name_row_and_field(tmp_path: Path) -> None:
    p = write(tmp_path, "#A\tX\tX\n#P\ta\ta\n#D\tZ\ta\t10\t0.5\t1\n", "r.tsv")
    with pytest.raises(DataError) as err:
        read_table(p)
    assert str(err.value) == (f"{p}, row 3, field 2 (actor): value 'Z': a #D record names "
                              "an actor with no #A record")


@pytest.mark.parametrize("head", ["Country", "Player", "Group", "Name"])
def test_actor_column_variants(tmp_path: Path, head: str) -> None:
    p = write(tmp_path, f"{head},Power,Position,Salience\nFR,3,10,0.5\nDE,4,60,1\n")
    assert read_table(p).state.actor_ids == ["FR", "DE"]


def test_raw_capability_units_are_normalised_not_rejected(tmp_path: Path) -> None:
    # a table with capabilities in raw units up to 338.6 (as in published BDM tables)
    p = write(tmp_path, "actor,capability,position,salience\nA,338.6,10,0.5\n"
                        "B,100,60,1\nC,12.5,40,0.8\n")
    s = read_table(p).state
    assert s.capability.tolist() == pytest.approx([1.0, 100 / 338.6, 12.5 / 338.6])


def test_sultan_capability_above_one_changes_nothing_else() -> None:
    read = read_table(TABLES / "sultan.csv")
    s = read.state
    assert s.capability[s.index("FAHD")] == 1.0
    assert s.capability[s.index("ABDULLAH")] == pytest.approx(1 / 1.05)
    assert s.salience[:, 0].max() == pytest.approx(0.95)  # saliences as written (0-1)
    assert read.warnings == []


def test_one_salience_outlier_never_rescales_the_column(tmp_path: Path) -> None:
    rows = "\n".join(f"S{k},0.1,{k},0.{k + 1}" for k in range(8))
    p = write(tmp_path, f"actor,capability,position,salience\n{rows}\nDenmark,0.1,7,2\n")
    read = read_table(p)
    sal = read.state.salience[:, 0]
    assert sal[:8].tolist() == pytest.approx([0.1 * (k + 1) for k in range(8)])  # untouched
    assert sal[8] == 1.0
    (w,) = read.warnings
    assert "row 10 (Denmark: 2)" in w and "--salience-scale 100" in w
    # the user can say the column is 0-100 after all
    s100 = read_table(p, salience_scale=100).state.salience[:, 0]
    assert s100[8] == pytest.approx(0.02) and s100[0] == pytest.approx(0.001)


def test_salience_scale_error_names_the_cell(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,capability,position,salience\nA,1,0,50\nB,1,5,150\n")
    with pytest.raises(DataError) as err:
        read_table(p, salience_scale=100)
    assert str(err.value) == (f"{p}, row 3, column 'salience': value '150': the salience is "
                              "above the given scale 100")


def test_capability_scale_option(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,capability,position,salience\nA,20,0,1\nB,40,5,1\n")
    assert read_table(p, capability_scale=100).state.capability.tolist() == [0.2, 0.4]


def test_negative_scale_and_typographic_minus(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,capability,position,salience\nA,1,\u2212100,1\nB,1,100,1\n"
                        "C,1,-20,1\n")
    s = read_table(p).state
    assert s.position[:, 0].tolist() == [-100, 100, -20]
    assert (s.lo[0], s.hi[0]) == (-100, 100)


@pytest.mark.parametrize("cell", ["NA", "", "n/a", "-"])
def test_absent_actor_in_one_issue_layout(tmp_path: Path, cell: str) -> None:
    p = write(tmp_path, f"actor,capability,position,salience\nA,1,0,1\nB,1,{cell},\nC,1,50,1\n")
    read = read_table(p)
    # on a one-issue table an absent actor takes no part at all: left out, and said so
    assert read.state.actor_ids == ["A", "C"]
    assert any("left out: B" in n for n in read.notes)


def test_absent_actor_in_long_and_ktab_layouts(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,issue,capability,position,salience\nA,x,1,0,1\nB,x,1,NA,NA\n"
                        "B,y,1,10,1\nA,y,1,20,1\n")
    s = read_table(p).state
    assert s.salience[1, 0] == 0 and s.salience[1, 1] == 1
    p = write(tmp_path, "scen,desc,2,2,\nActor,Description,Power,Dim0 Position,Dim0 Salience,"
                        "Dim1 Position,Dim1 Salience,\nA,a,10,0,50,NA,NA,\nB,b,5,100,50,30,40,\n"
                        "C,c,5,20,50,60,40,\n", "k.csv")
    s = read_table(p).state
    assert s.issue_ids == ["Dim0", "Dim1"] and s.salience[0, 1] == 0


def test_position_without_salience_is_an_error_in_words(tmp_path: Path) -> None:
    p = write(tmp_path, "actor,capability,position,salience\nA,1,0,1\nB,1,40,NA\n")
    with pytest.raises(DataError) as err:
        read_table(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}, row 3, column 'salience': value 'NA'")
    assert "None" not in msg


@pytest.mark.parametrize("text,words", [
    ("", "the file is empty"),
    ("foo,bar,baz\n1,2,3\n", "no header row with an actor column"),
    ("actor,capability,position\nA,1,5\n", "no salience column"),
    ("actor,capability,position,salience\n", "header only"),
])
def test_cli_errors_never_print_none(tmp_path: Path, capsys: pytest.CaptureFixture,
                                     text: str, words: str) -> None:
    p = write(tmp_path, text)
    assert main(["forecast", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}") and words in err
    assert "None" not in err and "Traceback" not in err and err.count("\n") == 1


def test_json_dash_writes_json_to_stdout(capsys: pytest.CaptureFixture) -> None:
    assert main(["forecast", str(TABLES / "sultan.csv"), "--protocol", "bdm", "--rounds", "3",
                 "--json", "-"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)  # stdout is only the JSON; the tables went to stderr
    assert [r["round"] for r in doc["rounds"]] == [0, 1, 2, 3]
    assert doc["answer"][0]["kind"] in ("converged", "cycle")
    assert "answer (issue)" in out.err


def test_forecast_help_lists_layouts_and_headers(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["forecast", "--help"])
    text = capsys.readouterr().out
    for word in ("KTAB", "#D", "long", "wide", "Policy Position", "country", "influence",
                 "importance", "NA", "--salience-scale", "--capability-scale"):
        assert word in text, word


def test_every_published_table_forecasts_every_dimension() -> None:
    from forecasting.forecast import run_forecast
    for f in sorted(TABLES.glob("*.*")):
        if f.suffix == ".md":
            continue
        read = read_table(f)
        for proto in ("compromise", "bdm", "exchange"):
            rec = run_forecast(read.state.copy(), proto, rounds=3)
            fc = np.array(rec[-1]["forecast"])
            assert fc.shape == (read.state.m,) and np.all(np.isfinite(fc)), (f, proto)
            assert np.all((fc >= read.state.lo - 1e-9) & (fc <= read.state.hi + 1e-9))


def test_compare_shows_round_independent_answers(capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", str(TABLES / "sultan.csv"), "--protocols", "bdm", "nash"]) == 0
    out = capsys.readouterr().out
    assert "13.82~" in out  # BDM: the mean of its 13.75 / 13.90 cycle, marked as a cycle
    assert main(["compare", str(TABLES / "sultan.csv"), "--protocols", "bdm",
                 "--rounds", "1"]) == 0
    assert "13.75" in capsys.readouterr().out  # the round-1 median when asked for it


@pytest.mark.parametrize("raw,words", [
    (b"PK\x03\x04\x14\x00\x06\x00", "zip archive (an Excel .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel .xls"),
    (b"%PDF-1.4\n", "a PDF"),
    (b"actor,capability\x00\x00", "a binary file"),
])
def test_a_workbook_or_binary_file_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                    raw: bytes, words: str) -> None:
    p = tmp_path / "t.xlsx"
    p.write_bytes(raw)
    assert main(["forecast", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}: ") and words in err and "save it as CSV" in err
    assert err.count("\n") == 1


def test_utf16_unicode_text_export_reads(tmp_path: Path) -> None:
    # what a spreadsheet's "Unicode text" export writes: UTF-16 with a BOM, tabs, CRLF
    p = tmp_path / "t.txt"
    p.write_bytes("Actor\tCapability\tPosition\tSalience\r\nA\t1\t10\t0.5\r\nB\t2\t20\t0.5\r\n"
                  .encode("utf-16"))
    read = read_table(p)
    assert read.state.actor_ids == ["A", "B"]
    np.testing.assert_allclose(read.state.position[:, 0], [10.0, 20.0])


@pytest.mark.parametrize("argv,words", [
    (["compare", "T", "--rounds", "-1"], "argument --rounds: must lie in [0"),
    (["compare", "T", "--max-rounds", "0"], "argument --max-rounds: must lie in [1"),
    (["compare", "T", "--protocols", "foo"], "argument --protocols: unknown protocol 'foo'"),
    (["compare", "T", "--seed", "-2"], "argument --seed: must lie in [0"),
    (["validate", "deu3", "T", "--rounds", "-1"], "argument --rounds: must lie in [0"),
    (["validate", "deu3", "T", "--protocols", "foo"], "argument --protocols: unknown protocol"),
])
def test_compare_and_validate_check_their_options(capsys: pytest.CaptureFixture, argv: list[str],
                                                  words: str) -> None:
    # before: a negative --rounds was taken as 0 rounds and an unknown protocol surfaced as
    # "keyword: field 'protocol'" after the table had been read
    argv = [str(TABLES / "sultan.csv") if a == "T" else a for a in argv]
    with pytest.raises(SystemExit) as ex:
        main(argv)
    assert ex.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["perception", "T", "--actor", "FAHD", "--out", "OUT"],
    ["validate", "deu3", "T", "--plot", "OUT"],
])
def test_output_file_is_checked_before_the_work(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                argv: list[str]) -> None:
    # before: perception crashed with exit 1 on a missing folder, validate did the work first
    out = str(tmp_path / "no-such-folder" / "f.png")
    argv = [str(TABLES / "sultan.csv") if a == "T" else out if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: command line: field '--") and "does not exist" in err


def test_validate_errors_name_the_column_in_words(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    # a stakeholder table passed to `validate deu3`: the missing DEU column, no "= None"
    p = TABLES / "sultan.csv"
    assert main(["validate", "deu3", str(p)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {p}: field 'isnr': missing column; is this a DEU III table " \
                  "(deu3-train.tsv)?\n"
    bad = tmp_path / "b.tsv"
    bad.write_bytes(b"\xff\xfe\x00\x00bin")
    assert main(["validate", "deu3", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: ") and "not UTF-8 text" in err and "None" not in err
    assert main(["validate", "deu3", str(tmp_path / "missing.tsv")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing.tsv'}: file not found\n"


def test_out_of_range_error_reads_with_a_negative_scale(tmp_path: Path) -> None:
    # before: "outside the scale -50-50", which reads like a subtraction
    p = write(tmp_path, "Player,Power,Pos,Sal\nA,2,-100,0.5\nB,1,10,0.5\n")
    with pytest.raises(DataError) as err:
        read_table(p, (-50.0, 50.0))
    assert str(err.value) == (f"{p}, row 2, issue 'issue': value '-100': the position is "
                              "outside the scale -50 to 50 given by --range")


def test_a_percentage_among_fractions_of_capability_is_named(tmp_path: Path) -> None:
    # 80 among capabilities of at most 0.6: divided by the largest as written (only ratios
    # matter, nothing is rescaled), but the row is named; before: silence
    p = write(tmp_path, "Actor,Capability,Position,Salience\nA,0.5,20,0.5\nB,0.3,60,0.5\n"
                        "C,0.4,80,1\nD,0.6,30,0.4\nE,80,90,0.6\n")
    read = read_table(p)
    assert read.warnings == [
        "capability column Capability mixes scales: row 6 (E: 80) above 1 while 4 of 5 "
        "non-zero values are within 0-1; divided by the largest as written, so the others "
        "count for at most 0.8% of it: check the cell"]
    np.testing.assert_allclose(read.state.capability, [0.5, 0.3, 0.4, 0.6, 80.0] / np.float64(80))
    # the Sultan table's 1.05 among values up to 1 is not a mixed scale; raw units are not
    assert read_table(TABLES / "sultan.csv").warnings == []
    raw = write(tmp_path, "Country,Capability,Position,Salience\nA,338.6,-80,90\nB,120,60,80\n"
                          "C,0.5,20,50\n", "raw.csv")
    assert read_table(raw).warnings == []


def test_a_share_of_one_in_a_percentage_salience_column_is_named(tmp_path: Path) -> None:
    p = write(tmp_path, "Actor,Capability,Position,Salience\nA,0.5,20,50\nB,0.3,60,40\n"
                        "C,0.4,80,0.9\nD,0.6,30,40\nE,0.8,90,60\n")
    read = read_table(p)
    assert len(read.warnings) == 1 and read.warnings[0].startswith(
        "salience column Salience mixes scales: row 4 (C: 0.9) at or below 1 while 4 of 5 "
        "non-zero values are above it; read on 0-100 as written")
    assert read.state.salience[2, 0] == pytest.approx(0.009)  # never rescaled by one cell
