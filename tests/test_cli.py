"""The command line end to end, as a user runs it (a real subprocess)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

EUNATO = [sys.executable, "-m", "cli.main"]
ROOT = Path(__file__).resolve().parents[1]


def eunato(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*EUNATO, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def test_run_prints_the_outcome_and_writes_parquet_and_json(tmp_path):
    out = tmp_path / "run"
    r = eunato("run", "--scenario", "baseline-2024", "--protocol", "compromise", "--rounds",
               "15", "--seed", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "ukr_training" in r.stdout and "division" in r.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline-2024" and summary["seed"] == 1
    steps = pd.read_parquet(out / "steps.parquet")
    actors = pd.read_parquet(out / "actors.parquet")
    assert len(steps) == summary["rounds_run"] + 1
    assert {"round", "actor", "coalition", "eu_ukr_training", "nato_ukr_training"} <= set(
        actors.columns)
    assert actors["actor"].nunique() == len(summary["utility"])


def test_same_seed_same_summary(tmp_path):
    outs = []
    for k in range(2):
        r = eunato("run", "--protocol", "compromise", "--rounds", "10", "--seed", "4",
                   "--out", str(tmp_path / str(k)))
        assert r.returncode == 0, r.stderr
        s = json.loads((tmp_path / str(k) / "summary.json").read_text())
        assert s["provenance"]["command"][-1] == str(tmp_path / str(k))  # the --out folder
        s["provenance"].pop("command")
        outs.append(s)
    assert outs[0] == outs[1]


def test_scenarios_and_actors_list():
    r = eunato("scenarios")
    assert r.returncode == 0 and "us-disengagement" in r.stdout
    r = eunato("actors", "--json")
    assert r.returncode == 0
    actors = json.loads(r.stdout)
    assert {a["id"] for a in actors} >= {"POL", "USA", "COM", "NATO_IS", "UKR", "TUR", "CYP"}


def test_bad_scenario_file_gives_one_clear_line(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\nextends = "baseline-2024"\n[actors.ATLANTIS]\nrisk = 1\n')
    r = eunato("run", "--scenario", str(f), "--protocol", "compromise")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and str(f) in line and "actors.ATLANTIS" in line


def test_unknown_protocol_is_a_clear_error():
    r = eunato("run", "--protocol", "astrology", "--rounds", "2")
    assert r.returncode == 2 and "unknown protocol 'astrology'" in r.stderr
    assert "Traceback" not in r.stderr


def test_forecast_on_a_stakeholder_table(tmp_path):
    f = tmp_path / "table.csv"
    f.write_text("actor,capability,position,salience\nA,10,0,0.9\nB,30,100,0.5\nC,20,60,0.8\n")
    r = eunato("forecast", str(f), "--protocol", "compromise", "--rounds", "3")
    assert r.returncode == 0, r.stderr
    # compromise round 0: (10·.9·0 + 30·.5·100 + 20·.8·60) / (9 + 15 + 16) = 61.5
    assert "61.50" in r.stdout


def test_plugin_command_map_is_complete() -> None:
    """Every plugin's sub-commands are in COMMANDS (a command parsed alone still works)."""
    import argparse

    from cli.main import COMMANDS, PLUGINS

    for mod, load in PLUGINS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        load().register(sub)
        for name in sub.choices:
            assert COMMANDS.get(name) == mod, (name, mod)


def test_batch_command_starts_without_the_app() -> None:
    """`eunato batch` does not import Solara, Altair or matplotlib before it runs."""
    import subprocess
    import sys

    code = ("import sys; from cli.main import build_parser; build_parser('batch')"
            ".parse_args(['batch', 'x.toml']); import experiments.runs; "
            "print(sorted(m for m in ('solara', 'altair', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
