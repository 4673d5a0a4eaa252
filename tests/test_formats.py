"""Every table the CLI prints takes --format table|csv|json, through one renderer
(model.io.output): csv reads into pandas, json parses, the two hold the same rows, and a table
into a pipe is plain text, full width, never cut. Exit codes are in every command's help."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import shared_data

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
SA = """name = "small"
rounds = 6
seeds = [1]
methods = ["morris"]
metrics = ["eu_role_ukr_aid", "duplication_index"]
[parameters.us_engagement]
low = 0.5
high = 1.0
[parameters.eu_core_competition]
low = 0.1
high = 0.9
[morris]
trajectories = 2
"""
TUNE = """name = "small"
scenario = "baseline-2024"
rounds = 6
seeds = [1]
[parameters.us_engagement]
low = 0.5
high = 1.0
[[targets]]
kind = "outcome"
issue = "int_logistics"
role = "nato"
value = 60
"""
#: commands that print no table (a file, a server, a progress line and a count)
NO_TABLE = {"batch", "report", "perception", "app", "brief"}


def eunato(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as in a plain pipe
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600)


def commands(tmp: Path) -> dict[str, list[str]]:
    (tmp / "sa.toml").write_text(SA)
    (tmp / "tune.toml").write_text(TUNE)
    out = {
        "explain": ["explain", "--rounds", "4"],
        "backtest": ["backtest", "--seeds", "1"],
        "compare": ["compare", "data/validation/tables/sultan.csv", "--protocols",
                    "compromise", "bdm"],
        "run --seeds": ["run", "--rounds", "4", "--seeds", "2"],
        "compare-scenarios": ["compare-scenarios", "baseline-2024", "us-disengagement",
                              "--seeds", "2", "--set", "rounds=4", "--workers", "1"],
        "forecast": ["forecast", "data/validation/tables/sultan.csv", "--rounds", "2"],
        "sensitivity": ["sensitivity", str(tmp / "sa.toml"), "--workers", "1"],
        "tune": ["tune", str(tmp / "tune.toml"), "--trials", "2"],
    }
    return out


def json_rows(doc: object) -> int:
    """Rows of a json document: a list of rows, tables keyed by name, a comparison, or
    the explanations keyed by issue."""
    if isinstance(doc, list):
        return len(doc)
    assert isinstance(doc, dict)
    if "table" in doc and "provenance" in doc:  # compare-scenarios: the whole comparison
        return len(doc["table"])
    if all(isinstance(v, list) for v in doc.values()):
        return sum(len(v) for v in doc.values())
    return len(doc)  # explain: one explanation per issue


def test_every_command_that_prints_a_table_takes_format():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        has = any("--format" in a.option_strings for a in p._actions)
        assert has == (name not in NO_TABLE), name
        choices = next((a.choices for a in p._actions if "--format" in a.option_strings), None)
        assert name in NO_TABLE or tuple(choices) == ("table", "csv", "json"), name


@pytest.mark.parametrize("name", ["explain", "backtest", "compare", "run --seeds",
                                  "compare-scenarios", "forecast", "sensitivity", "tune",
                                  "validate"])
def test_csv_reads_into_pandas_json_parses_and_a_piped_table_is_whole(tmp_path, name):
    cmds = commands(tmp_path)
    if name == "validate":  # the shared DEU III half: fails under CI if missing, else skips
        cmds[name] = ["validate", "deu3", str(shared_data.deu()), "--protocols", "compromise"]
    args = cmds[name]
    outs = {}
    for fmt in ("csv", "json", "table"):
        extra = ["--out", str(tmp_path / f"out-{fmt}")] if name in ("sensitivity",
                                                                    "tune") else []
        r = eunato(*args, *extra, "--format", fmt)
        assert r.returncode == 0, (fmt, r.stderr)
        outs[fmt] = r.stdout
    df = pd.read_csv(io.StringIO(outs["csv"]))  # stdout is the data alone: notes on stderr
    assert len(df) > 0 and not df.columns.str.startswith("Unnamed").any()
    doc = json.loads(outs["json"])
    assert json_rows(doc) == len(df)
    if isinstance(doc, dict) and all(isinstance(v, list) for v in doc.values()) \
            and len(doc) > 1:  # several tables: one csv, a "table" column naming each
        assert list(dict.fromkeys(df["table"])) == list(doc)
    text = outs["table"]
    assert "…" not in text and "\x1b[" not in text  # never cut, no colour codes in a pipe
    # every text value of the data is whole in the piped table (nothing wrapped or cut)
    cells = {str(v) for v in df.select_dtypes(exclude="number").stack() if 3 < len(str(v)) < 200
             and "," not in str(v) and "@" not in str(v)}
    shown = [c for c in cells if c in text]
    assert shown, "the table shows none of the data's text"
    if name == "explain":  # the narrative holds every explanation whole, on one line
        for e in doc.values():
            assert any(e["text"] in ln for ln in text.splitlines()), e["issue"]
    if name == "backtest":  # the episodes' table and the score beside the null rules
        assert [r["rule"] for r in doc["score"]] == ["model", "N1", "N2"]
        for row in doc["episodes"]:
            line = next(ln for ln in text.splitlines() if ln.startswith(row["episode"]))
            assert row["real_result"] in line and row["real_venue"] in line


def test_csv_of_several_tables_is_one_csv_with_a_table_column():
    from model.io.output import Tab, emit

    a = Tab("first · 7", ["x", "y"], key="a")
    a.add(1, "p")
    b = Tab("second", ["x", "z"], key="b")
    b.add(2.5, [1, 2])
    buf = io.StringIO()
    emit([a, b], "csv", buf)
    df = pd.read_csv(io.StringIO(buf.getvalue()))
    assert list(df.columns) == ["table", "x", "y", "z"]
    assert df["table"].tolist() == ["a", "b"] and df["x"].tolist() == [1.0, 2.5]
    buf = io.StringIO()
    emit([a, b], "json", buf)
    assert json.loads(buf.getvalue()) == {"a": [{"x": 1, "y": "p"}],
                                          "b": [{"x": 2.5, "z": [1, 2]}]}


def test_every_help_documents_the_exit_codes():
    parser = build_parser()
    texts = {"eunato": parser.format_help()}
    sub = next(a for a in parser._actions if a.dest == "command")
    texts.update({name: p.format_help() for name, p in sub.choices.items()})
    assert len(texts) > 15
    for name, text in texts.items():
        flat = " ".join(text.split())
        for words in ("0 ok", "2 bad input", "1 internal error"):
            assert words in flat, (name, words)


@pytest.mark.parametrize(("args", "code"), [
    (["validate", "deu3", "no/such/folder"], 2),
    (["compare", "no-such-table.csv"], 2),
    (["backtest", "--dir", "no/such/folder"], 2),
    (["explain", "--issue", "no_such_issue", "--rounds", "2"], 2),
    (["tune", "no-such.toml"], 2),
    (["sensitivity", "no-such.toml"], 2),
    (["rerun", "no/such/folder"], 2),
    (["explain", "--format", "yaml"], 2),
])
def test_bad_input_exits_2_with_one_line(args, code):
    r = eunato(*args)
    assert r.returncode == code, r.stderr
    assert r.stderr.strip().count("\n") == 0 or r.stderr.startswith("usage:"), r.stderr
    assert "Traceback" not in r.stderr


def test_an_internal_error_exits_1_with_one_line(monkeypatch, capsys):
    import cli.main as cli
    from validation import backtest

    def broken(*a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr(backtest, "backtest", broken)
    assert cli.main(["backtest", "--seeds", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError") and err.count("\n") == 1


@pytest.mark.parametrize("args", [["explain", "--rounds", "4"], ["run", "--rounds", "4"],
                                  ["backtest", "--seeds", "1"]])
def test_a_reader_that_stops_early_is_not_an_error(args):
    """`eunato … | head -1`: exit 0 and no message, whether rich or the table renderer
    meets the closed pipe."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    p = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    first = p.stdout.readline()
    p.stdout.close()  # as head does after its line
    err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 0, err
    assert first and err == ""
