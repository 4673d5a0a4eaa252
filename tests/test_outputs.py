"""Output a reader can hand on: tables fit for pipes, exit codes, provenance, rerun."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model import cli
from model.provenance import current_command

ROOT = Path(__file__).resolve().parents[1]
PROVENANCE_KEYS = {"scenario_hash", "code_version", "packages", "seed", "command"}


def eunato(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as in a plain pipe
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_actors_json_lists_id_name_type_memberships():
    r = eunato("actors", "--format", "json")
    assert r.returncode == 0, r.stderr
    actors = json.loads(r.stdout)
    assert len(actors) > 30
    for a in actors:
        assert {"id", "name", "type", "memberships"} <= set(a)
        assert a["type"] in ("state", "us", "bureaucracy", "parliament", "stakeholder")
    by_id = {a["id"]: a for a in actors}
    assert {"EU", "NATO"} <= set(by_id["DEU"]["memberships"])
    assert set(by_id["DEU"]["voting_power"]) >= {"nato"}  # per house, from the engine
    assert "EU" not in by_id["USA"]["memberships"] and "NATO" in by_id["USA"]["memberships"]


def test_tables_in_a_pipe_are_plain_full_width_and_not_cut():
    names = [a["name"] for a in json.loads(eunato("actors", "--format", "json").stdout)]
    r = eunato("actors")
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout and "\x1b[" not in r.stdout  # no ellipsis, no colour codes
    lines = r.stdout.splitlines()
    assert lines[1].split()[:3] == ["id", "name", "type"]
    for name in names:  # every name whole, on one line with its id
        assert any(name in ln for ln in lines), name
    assert len(lines) == 3 + len(names)
    names = [p["name"] for p in json.loads(eunato("protocols", "--format", "json").stdout)]
    r = eunato("protocols")
    assert "…" not in r.stdout
    assert [ln.split()[0] for ln in r.stdout.splitlines()[3:]] == names  # one line each


@pytest.mark.parametrize("command", ["actors", "scenarios", "protocols"])
def test_csv_and_json_formats_agree(command):
    c = eunato(command, "--format", "csv")
    j = eunato(command, "--format", "json")
    assert c.returncode == 0 and j.returncode == 0, c.stderr + j.stderr
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    data = json.loads(j.stdout)
    assert len(rows) == len(data) > 0
    key = "id" if command == "actors" else "name"
    assert [r[key] for r in rows] == [d[key] for d in data]


def test_run_and_forecast_take_format(tmp_path):
    r = eunato("run", "--rounds", "5", "--seed", "2", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"issue", "EU role", "NATO role", "status"} <= set(rows[0])
    r = eunato("run", "--rounds", "5", "--seed", "2", "--format", "json")
    summary = json.loads(r.stdout)
    assert [i["issue"] for i in summary["issues"]] == [row["issue"] for row in rows]
    assert [float(row["EU role"]) for row in rows] == [i["eu_role"] for i in summary["issues"]]
    r = eunato("run", "--rounds", "5", "--seeds", "3", "--format", "csv")
    assert r.returncode == 0 and r.stdout.startswith("issue,agreed,blocked"), r.stderr


def test_help_documents_exit_codes():
    for args in (["--help"], ["run", "--help"], ["compare-scenarios", "--help"]):
        r = eunato(*args)
        assert r.returncode == 0
        text = " ".join(r.stdout.split())
        assert "0 ok" in text and "2 bad input" in text and "1 internal error" in text


def test_exit_codes_bad_input_2_internal_error_1(monkeypatch, capsys):
    r = eunato("run", "--scenario", "no-such-scenario")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert eunato("run", "--format", "yaml").returncode == 2  # argparse: bad option

    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "_protocols", broken)
    assert cli.main(["protocols"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError") and err.count("\n") == 1


def test_every_json_output_has_provenance(tmp_path):
    run = tmp_path / "run"
    r = eunato("run", "--rounds", "5", "--seed", "3", "--out", str(run))
    assert r.returncode == 0, r.stderr
    prov = json.loads((run / "summary.json").read_text())["provenance"]
    assert PROVENANCE_KEYS <= set(prov)
    assert prov["seed"] == 3 and prov["command"][:2] == ["eunato", "run"]
    assert prov["scenario"]["name"] == "baseline-2024" and len(prov["scenario_hash"]) == 16
    assert {"mesa", "numpy"} <= set(prov["packages"])
    table = tmp_path / "t.csv"
    table.write_text("actor,position,capability,salience\nA,10,1,1\nB,60,2,1\nC,90,1,0.5\n")
    out = tmp_path / "f.json"
    r = eunato("forecast", str(table), "--json", str(out), "--rounds", "2")
    assert r.returncode == 0, r.stderr
    prov = json.loads(out.read_text())["provenance"]
    assert PROVENANCE_KEYS <= set(prov) and prov["scenario_hash"] is None
    assert len(prov["input_hash"]) == 16


def test_scenario_hash_follows_the_resolved_premises(tmp_path):
    from model.provenance import provenance

    same = tmp_path / "same.toml"  # another file, the same premises once resolved
    same.write_text('name = "baseline-2024"\nextends = "baseline-2024"\n')
    other = tmp_path / "other.toml"
    other.write_text('name = "baseline-2024"\nextends = "baseline-2024"\n'
                     "[parameters]\nus_engagement = 0.3\n")
    h = provenance("baseline-2024")["scenario_hash"]
    assert provenance(str(same))["scenario_hash"] == h
    assert provenance(str(other))["scenario_hash"] != h


def test_rerun_reproduces_a_run_byte_for_byte(tmp_path):
    run = tmp_path / "run"
    assert eunato("run", "--rounds", "8", "--seed", "5", "--protocol", "bdm",
                  "--out", str(run)).returncode == 0
    assert eunato("brief", str(run)).returncode == 0
    again = tmp_path / "again"
    r = eunato("rerun", str(run), "--out", str(again))
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("summary.json", "steps.parquet", "actors.parquet", "events.json",
                 "briefing.html"):
        assert (again / name).read_bytes() == (run / name).read_bytes(), name
    # a changed result is caught
    s = json.loads((run / "summary.json").read_text())
    s["issues"][0]["name"] = "edited"
    (run / "summary.json").write_text(json.dumps(s, indent=2))
    r = eunato("rerun", str(run))
    assert r.returncode == 1 and "differs       summary.json" in r.stdout


def test_rerun_reproduces_a_run_made_without_a_command_line(tmp_path):
    """The app's downloads record settings, not a command: rerun uses the resolved
    scenario in the provenance."""
    from model.export import write_run
    from model.model import EuNatoModel

    assert current_command.get() is None
    settings = {"protocol": "compromise", "seed": 7, "rounds": 6, "us_engagement": 0.4}
    model = EuNatoModel("us-disengagement", protocol="compromise", rounds=6, rng=7,
                        us_engagement=0.4)
    model.run()
    write_run(model, tmp_path / "app", settings=settings)
    prov = json.loads((tmp_path / "app" / "summary.json").read_text())["provenance"]
    assert prov["command"]["us_engagement"] == 0.4
    r = eunato("rerun", str(tmp_path / "app"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_rerun_without_provenance_is_bad_input(tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    r = eunato("rerun", str(tmp_path))
    assert r.returncode == 2 and "no provenance" in r.stderr


def test_batch_parts_and_experiment_json_carry_provenance(tmp_path):
    from experiments.batch import run_experiment
    from experiments.spec import parse_experiment
    from experiments.store import part_provenance

    exp = parse_experiment({"name": "prov", "scenarios": ["baseline-2024", "us-disengagement"],
                            "rounds": 3, "replicates": 2})
    run_experiment(exp, tmp_path / "res", workers=1, progress=False)
    parts = sorted((tmp_path / "res" / "runs").glob("part-*.parquet"))
    assert parts
    for part in parts:
        prov = part_provenance(part)
        assert PROVENANCE_KEYS <= set(prov)
        assert [s["name"] for s in prov["scenario"]] == ["baseline-2024", "us-disengagement"]
        assert prov["seed"] == sorted({p["seed"] for p in exp.points()})
    meta = json.loads((tmp_path / "res" / "experiment.json").read_text())
    assert PROVENANCE_KEYS <= set(meta["provenance"])
