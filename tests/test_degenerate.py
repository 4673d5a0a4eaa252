"""Degenerate negotiations end with a clear status and no NaN, on every protocol: one
actor, everyone at one position, zero saliences, zero capabilities, everyone vetoing, and
a table of 10,000 actors (refused with a message, not run for hours)."""

import math
import time

import numpy as np
import pytest

from cli.main import main
from forecasting.forecast import read_table, run_forecast
from model.io.safeio import MAX_ACTORS
from model.protocols import PROTOCOLS

TABLES = {
    "one actor": "actor,capability,position,salience\nA,1,40,1\n",
    "one position": "actor,capability,position,salience\nA,0.5,50,1\nB,0.3,50,0.5\n"
                    "C,0.2,50,0.2\n",
    "zero saliences": "actor,capability,position,salience\nA,0.5,10,0\nB,0.3,60,0\n"
                      "C,0.2,90,0\n",
    "zero capabilities": "actor,capability,position,salience\nA,0,10,1\nB,0,60,0.5\n"
                         "C,0,90,0.8\n",
    "all zero": "actor,capability,position,salience\nA,0,10,0\nB,0,60,0\n",
}


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("case", list(TABLES))
def test_degenerate_tables_give_finite_forecasts_or_a_clear_error(tmp_path, capsys, protocol,
                                                                  case):
    f = tmp_path / "t.csv"
    f.write_text(TABLES[case])
    code = main(["forecast", str(f), "--protocol", protocol, "--rounds", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    if code == 2:  # refused: one line naming the file
        assert len(err) == 1 and err[0].startswith(f"error: {f}")
        return
    assert code == 0, err
    state = read_table(f).state
    for rec in run_forecast(state, protocol, rounds=5):
        assert all(math.isfinite(x) for x in rec["forecast"]), (case, rec["forecast"])
        assert np.isfinite(rec["positions"]).all()


def test_ten_thousand_actors_are_refused_quickly(tmp_path, capsys):
    f = tmp_path / "big.csv"
    f.write_text("actor,capability,position,salience\n"
                 + "".join(f"A{i},{(i % 7) / 7:.3f},{i % 101},{(i % 5) / 5:.2f}\n"
                           for i in range(10_000)))
    t0 = time.monotonic()
    assert main(["forecast", str(f)]) == 2
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err
    assert f"more than {MAX_ACTORS} actors" in err


def test_everyone_vetoing_everything_ends_blocked_without_nan(tmp_path):
    from model.inputs.data import load_actors, load_issues
    from model.model import EuNatoModel

    issues = [i.id for i in load_issues()]
    lines = ['extends = "baseline-2024"', "rounds = 12"]
    for a in load_actors():
        lines += [f"[stances.{a.id}]", f"block = {issues!r}".replace("'", '"')]
    sc = tmp_path / "all-veto.toml"
    sc.write_text("\n".join(lines) + "\n")
    for protocol in ("compromise", "bdm"):
        s = EuNatoModel(scenario_name=str(sc), protocol=protocol, rng=1).run().summary()
        assert s["rounds_run"] <= 12
        assert {i["status"] for i in s["issues"]} <= {"blocked", "deadlock", "status_quo"}
        assert all(math.isfinite(v) for v in s["bloc_utility"].values())
        for i in s["issues"]:
            assert math.isfinite(i["eu_role"]) and math.isfinite(i["nato_role"])
