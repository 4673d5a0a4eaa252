"""Protocol parameters go through one schema per protocol (``Params`` in each protocol's
module), whichever door they come in by: the Python API (``EuNatoModel(protocol_params=…)``,
``get_protocol``, ``run_forecast``), a scenario file's ``[protocol_parameters.<protocol>]``,
or a tune or sensitivity file's ``protocol_parameters``. A bad name, type or range is one
DataError naming the place, the parameter and the value (exit code 2 from the CLI)."""

from __future__ import annotations

import math
from pathlib import Path

import hostile
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from model.inputs.data import DataError
from model.protocols import PROTOCOLS, get_protocol
from model.state import BargainingState

#: every protocol parameter with a value of the right type inside its range
GOOD = {("compromise", "concession"): 0.5, ("bdm", "Q"): 0.5, ("bdm", "denominator"): "pair",
        ("bdm", "vote_risk"): False, ("bdm", "offer_rule"): "least", ("bdm", "fast"): False,
        ("nash", "utility"): "linear", ("nash", "concession"): 0.5, ("nash", "grid"): 51,
        ("nash", "threat"): "worst", ("exchange", "max_exchanges"): 10,
        ("exchange", "model"): "equal-gain", ("exchange", "ties"): "once"}
#: and values each must refuse: wrong type, NaN/inf, out of range, a string for a number,
#: a boolean for a number, a number for a boolean
BAD = {("compromise", "concession"): [-0.1, 1.5, math.nan, math.inf, "0.5", True, None],
       ("bdm", "Q"): [-1, 1.01, math.nan, -math.inf, "1", True, []],
       ("bdm", "denominator"): ["nope", 1, None],
       ("bdm", "vote_risk"): [0.7, 1, "true", "no"],
       ("bdm", "offer_rule"): ["nearest", 0],
       ("bdm", "fast"): [0, "yes"],
       ("nash", "utility"): ["cubic", 2],
       ("nash", "concession"): [2, -1, math.nan],
       ("nash", "grid"): [0, 2, 10**9, 50.5, "401", True],
       ("nash", "threat"): ["none", False],
       ("exchange", "max_exchanges"): [-5, 10**9, 1.5, math.inf, "10", True],
       ("exchange", "model"): ["equal gain", "Equal-Gain", 1, None],
       ("exchange", "ties"): ["twice", "Peer", 0, None]}
CASES = [(p, k, v) for (p, k), vals in BAD.items() for v in vals]


def test_every_protocol_parameter_is_covered():
    assert {(p, k) for p, cls in PROTOCOLS.items() for k in cls.parameters()} == set(GOOD)
    assert set(BAD) == set(GOOD)


@pytest.mark.parametrize("protocol,key,value", CASES)
def test_bad_protocol_parameters_are_refused_through_the_api(protocol, key, value):
    from model.model import EuNatoModel

    with pytest.raises(DataError) as err:
        EuNatoModel(protocol=protocol, protocol_params={key: value}, rounds=1)
    assert (err.value.file, err.value.field) == ("keyword", f"protocol_params.{key}")
    with pytest.raises(DataError) as err:
        get_protocol(protocol, **{key: value})
    assert err.value.field == f"protocol_params.{key}"
    assert "\n" not in str(err.value)


def test_bdm_q_minus_one_names_the_keyword_and_value():
    from model.model import EuNatoModel

    with pytest.raises(DataError, match=r"protocol_params\.Q' = -1: .*greater than or equal"):
        EuNatoModel(protocol="bdm", protocol_params={"Q": -1})


def test_unknown_protocol_or_parameter_is_refused():
    from model.model import EuNatoModel

    with pytest.raises(DataError, match="no such parameter; known: Q, denominator"):
        EuNatoModel(protocol="bdm", protocol_params={"q": 0.5})
    for name in ["haggle", 5, None, ["bdm"]]:
        with pytest.raises(DataError) as err:
            get_protocol(name)
        assert err.value.field == "protocol"
    with pytest.raises(DataError):
        EuNatoModel(protocol="haggle")
    with pytest.raises(DataError, match="table of protocol parameters"):
        EuNatoModel(protocol="bdm", protocol_params=[("Q", 0.5)])


@pytest.mark.parametrize("protocol,key", sorted(GOOD))
def test_good_protocol_parameters_are_used(protocol, key):
    from model.model import EuNatoModel

    m = EuNatoModel(protocol=protocol, protocol_params={key: GOOD[(protocol, key)]}, rounds=2)
    assert m.protocol.params[key] == GOOD[(protocol, key)]
    s = m.run().summary()
    assert all(math.isfinite(v) for v in s["bloc_utility"].values())


def test_run_forecast_checks_its_parameters():
    from forecasting.forecast import run_forecast

    s = BargainingState.single_issue(["A", "B"], np.array([1, 1]), np.array([20, 80]),
                                     np.array([1, 1]), status_quo=50, lo=0, hi=100)
    with pytest.raises(DataError, match="protocol_params.Q"):
        run_forecast(s, "bdm", rounds=2, Q=math.nan)
    assert len(run_forecast(s, "bdm", rounds=2, Q=0.5)) == 3


@settings(max_examples=120, deadline=None)
@given(pk=st.sampled_from(sorted(GOOD)), value=hostile.NASTY)
def test_any_value_is_refused_by_name_or_fits_the_schema(pk, value):
    protocol, key = pk
    try:
        proto = get_protocol(protocol, **{key: value})
    except DataError as err:
        assert err.field == f"protocol_params.{key}"
        return
    got = proto.params[key]
    default = PROTOCOLS[protocol].parameters()[key]
    # accepted: the same type as the default (an int may stand for a float), never a
    # string for a number or a boolean for anything else
    if isinstance(default, bool):
        assert isinstance(value, bool)
    elif isinstance(default, str):
        assert isinstance(value, str) and value == got
    else:
        assert not isinstance(value, bool | str) and math.isfinite(value)


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


SCENARIO = 'name = "q"\nextends = "baseline-2024"\nrounds = 3\nprotocol = "bdm"\n'


@pytest.mark.parametrize("table,field,value", [
    ("[protocol_parameters.bdm]\nQ = -1\n", "protocol_parameters.bdm.Q", "-1"),
    ("[protocol_parameters.bdm]\nQ = nan\n", "protocol_parameters.bdm.Q", "nan"),
    ('[protocol_parameters.bdm]\nQ = "0.5"\n', "protocol_parameters.bdm.Q", "'0.5'"),
    ("[protocol_parameters.bdm]\nQ = true\n", "protocol_parameters.bdm.Q", "True"),
    ("[protocol_parameters.bdm]\nvote_risk = 0.7\n", "protocol_parameters.bdm.vote_risk",
     "0.7"),
    ("[protocol_parameters.nash]\ngrid = 1000000000\n", "protocol_parameters.nash.grid",
     "1000000000"),
    ("[protocol_parameters.haggle]\nx = 1\n", "protocol_parameters.haggle", "'haggle'"),
    ("[protocol_parameters.bdm]\nq = 0.5\n", "protocol_parameters.bdm.q", "0.5"),
])
def test_bad_protocol_parameters_in_a_scenario_file(tmp_path, capsys, table, field, value):
    f = _write(tmp_path, SCENARIO + table)
    assert main(["run", "--scenario", str(f), "--rounds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {f}: field '{field}' = {value}")


def test_a_scenario_files_protocol_and_its_parameters_are_used(tmp_path):
    from model.model import EuNatoModel

    f = _write(tmp_path, SCENARIO + "[protocol_parameters.bdm]\nQ = 0.5\noffer_rule = "
               '"least"\n[protocol_parameters.nash]\ngrid = 51\n')
    m = EuNatoModel(scenario_name=str(f), rng=1)
    assert m.protocol_name == "bdm"
    assert (m.protocol.params["Q"], m.protocol.params["offer_rule"]) == (0.5, "least")
    # another protocol takes its own table, and the engine's default for the rest
    n = EuNatoModel(scenario_name=str(f), protocol="nash", rng=1)
    assert n.protocol.params["grid"] == 51 and n.protocol.params["threat"] == "worst"
    # the caller's keywords come last
    k = EuNatoModel(scenario_name=str(f), protocol_params={"Q": 0.25}, rng=1)
    assert (k.protocol.params["Q"], k.protocol.params["offer_rule"]) == (0.25, "least")


TUNE = """name = "pp"
scenario = "baseline-2024"
rounds = 3
seeds = [1]
protocol = "bdm"
[protocol_parameters]
%s
[parameters.us_engagement]
low = 0.3
high = 1.0
[[targets]]
kind = "metric"
metric = "gap_index"
value = 0.1
"""
SA = """name = "pp"
scenario = "baseline-2024"
rounds = 3
seeds = [1]
protocol = "bdm"
methods = ["morris"]
morris = { trajectories = 2, levels = 4 }
[protocol_parameters]
%s
[parameters.us_engagement]
low = 0.3
high = 1.0
"""


@pytest.mark.parametrize("kind", ["tune", "sensitivity"])
@pytest.mark.parametrize("line,field,value", [
    ("Q = -1", "protocol_parameters.Q", "-1"), ("Q = inf", "protocol_parameters.Q", "inf"),
    ('Q = "1"', "protocol_parameters.Q", "'1'"), ("fast = 1", "protocol_parameters.fast", "1"),
    ("grid = 51", "protocol_parameters.grid", "51")])
def test_bad_protocol_parameters_in_study_files(tmp_path, capsys, kind, line, field, value):
    f = _write(tmp_path, (TUNE if kind == "tune" else SA) % line)
    cmd = (["tune", str(f), "--trials", "1"] if kind == "tune"
           else ["sensitivity", str(f), "--dry-run", "--workers", "1"])
    assert main([*cmd, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {f}: field '{field}' = {value}")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_tuned_scenario_keeps_the_protocol_and_its_parameters(tmp_path):
    from experiments.tuning.study import evaluate_point, load_tune, write_scenario
    from model.model import EuNatoModel

    spec = load_tune(_write(tmp_path, TUNE % 'Q = 0.5\noffer_rule = "least"', "t.toml"))
    params = {"us_engagement": 0.6}
    written = write_scenario(spec, params, "tuned-pp", directory=tmp_path)
    m = EuNatoModel(scenario_name=str(written), rounds=3, rng=1)
    assert m.protocol_name == "bdm"
    assert (m.protocol.params["Q"], m.protocol.params["offer_rule"]) == (0.5, "least")
    # the written scenario reproduces the tuned run
    row = evaluate_point(spec.task(params, 1))
    m.run()
    assert m.summary()["gap_index"] == row["gap_index"]
