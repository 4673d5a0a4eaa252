"""Property tests: malformed scenario, experiment, tune, sensitivity and stakeholder files
and bad Python API keywords never give a traceback; each gets one line naming the file,
the field and the value, with exit code 2 (or loads, when the change left it valid).
The counts here keep the suite quick; benchmarks/reliability.py tries many more and
writes the figures in docs/reliability.md."""

import math
import tempfile
from pathlib import Path

import hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.inputs.data import DataError

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(kind: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        result = hostile.outcome(kind, text, Path(d))
    assert result in ("ok", "clean"), f"{kind} file:\n{text}\n-> {result}"


@FAST
@given(hostile.mutated(hostile.EXPERIMENT))
def test_malformed_experiment_files(text):
    _check("experiment", text)


@FAST
@given(hostile.mutated(hostile.SCENARIO))
def test_malformed_scenario_files(text):
    _check("scenario", text)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile.mutated(hostile.TUNE))
def test_malformed_tune_files(text):
    _check("tune", text)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile.mutated(hostile.SENSITIVITY))
def test_malformed_sensitivity_files(text):
    _check("sensitivity", text)


@FAST
@given(hostile.mutated_table())
def test_malformed_stakeholder_tables(text):
    _check("stakeholder", text)


KEYWORDS = ["us_engagement", "participation_blockage", "eu_core_decoupling_fear",
            "eastern_flank_competition", "non_eu_allies_competition", "commission_competition",
            "rounds"]


@settings(max_examples=80, deadline=None)
@given(key=st.sampled_from(KEYWORDS), value=hostile.NASTY)
def test_bad_api_keywords_are_refused_by_name(key, value):
    from model.model import EuNatoModel

    try:
        m = EuNatoModel(**{"rounds": 1, key: value})
    except DataError as err:
        assert err.field == key and err.file == "keyword"
        return
    # accepted: only what a scenario file accepts (None: "the scenario's"), a finite run
    if value is None:
        return
    if key == "participation_blockage":
        assert isinstance(value, bool)
    elif key == "rounds":
        assert isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000
        return
    else:
        assert not isinstance(value, bool) and 0 <= value <= 1
    s = m.run().summary()
    assert all(math.isfinite(v) for v in s["bloc_utility"].values())


@pytest.mark.parametrize("kind", ["experiment", "scenario", "tune", "sensitivity",
                                  "stakeholder"])
@pytest.mark.parametrize("target", ["/dev/zero", "folder", "missing", "bom", "latin1"])
def test_special_files(tmp_path, capsys, kind, target):
    from cli.main import main

    if target == "folder":
        f = tmp_path
    elif target == "missing":
        f = tmp_path / "nope.toml"
    elif target == "/dev/zero":
        f = Path("/dev/zero")
    else:
        good = hostile.TABLE if kind == "stakeholder" else hostile.to_toml(
            getattr(hostile, kind.upper()))
        f = tmp_path / ("t.csv" if kind == "stakeholder" else "t.toml")
        f.write_bytes(b"\xef\xbb\xbf" + good.encode() if target == "bom"
                      else good.encode() + "# caf\xe9\n".encode("latin-1"))
    code = main(hostile.KINDS[kind](f, tmp_path / "out"))
    err = capsys.readouterr().err.strip().splitlines()
    if target == "bom" or (target == "latin1" and kind == "stakeholder"):
        assert code == 0 or (code == 2 and len(err) == 1)  # a BOM is fine
        return
    assert code == 2 and len(err) == 1 and f"error: {f}" in err[0]


def test_control_characters_in_a_header_keep_the_error_on_one_line(tmp_path, capsys):
    from cli.main import main

    f = tmp_path / "t.csv"
    f.write_text("actor,capability,b\x0cx\x1b,salience\nA,0.5,10,0.8\nB,0.3,60,0.5\n")
    assert main(["forecast", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "\\x0c" in err[0]
