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

import cli.main as cli
from model.io.provenance import current_command

ROOT = Path(__file__).resolve().parents[1]
PROVENANCE_KEYS = {"scenario_hash", "code_version", "packages", "seed", "command"}


def eunato(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as in a plain pipe
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
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
    assert r.returncode == 0, r.stderr
    import pandas as pd

    df = pd.read_csv(io.StringIO(r.stdout))  # the quantiles are numbers, one per column
    for col in ("agreed_share", "eu_role_p10", "eu_role_median", "nato_role_p90"):
        assert pd.api.types.is_float_dtype(df[col]), col
    assert (df["eu_role_p10"] <= df["eu_role_median"]).all()


def test_run_over_seeds_names_blockers_not_vetoes_that_blocked_nothing():
    """The joint arrangement vetoed by CYP and TUR under the participation blockage, its
    pieces then passed separately: vetoes, not blockers (model.results.reading.blockers)."""
    r = eunato("run", "--seeds", "3", "--blockage", "on", "--format", "json")
    assert r.returncode == 0, r.stderr
    table = {row["issue"]: row for row in json.loads(r.stdout)}
    mobility = table["int_mobility"]  # a formal arrangement; its pieces pass separately
    assert any(v.startswith("TUR (nato)") for v in mobility["top_vetoes"])
    assert not any(v.startswith("TUR") for v in mobility["top_blockers"])
    assert table["ukr_aid"]["top_blockers"][0].startswith("HUN (eu_council)")
    text = eunato("run", "--seeds", "3", "--blockage", "on").stdout
    assert "most frequent blockers" in text


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


def provenance_objects(doc: object, path: str = "") -> list[tuple[str, dict]]:
    """Every ``provenance`` object anywhere in a JSON document, with where it sits."""
    found = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "provenance":
                found.append((f"{path}/{k}", v))
            found += provenance_objects(v, f"{path}/{k}")
    elif isinstance(doc, list):
        for k, v in enumerate(doc):
            found += provenance_objects(v, f"{path}/{k}")
    return found


def test_every_json_output_kind_carries_one_provenance_object(tmp_path):
    """Walk every kind of JSON output (run summary, run over seeds, batch part metadata and
    experiment.json, report, tune study, sensitivity, forecast JSON, comparison, back-test):
    each has exactly one ``provenance`` object, at the top, with the five keys, the seed(s)
    that ran and the command that wrote it."""
    from experiments.store import part_provenance

    (tmp_path / "t.csv").write_text("actor,position,capability,salience\n"
                                    "A,10,1,1\nB,60,2,1\nC,90,1,0.5\n")
    (tmp_path / "exp.toml").write_text('name = "p"\nreplicates = 2\nrounds = 3\nseed = 4\n')
    (tmp_path / "tune.toml").write_text(
        'name = "p"\nrounds = 4\nseeds = [2]\n[parameters.us_engagement]\nlow = 0.5\n'
        'high = 1.0\n[[targets]]\nkind = "outcome"\nissue = "int_logistics"\nrole = "nato"\n'
        "value = 60\n")
    (tmp_path / "sa.toml").write_text(
        'name = "p"\nrounds = 4\nseeds = [3]\nmethods = ["morris"]\nmetrics = ["gap_index"]\n'
        "[parameters.us_engagement]\nlow = 0.5\nhigh = 1.0\n[morris]\ntrajectories = 2\n")
    t = str(tmp_path)
    made = {  # output file -> (command, seed it must record)
        "run/summary.json": (["run", "--rounds", "3", "--seed", "3", "--out", f"{t}/run"], 3),
        "seeds/seeds.json": (["run", "--rounds", "3", "--seeds", "2", "--seed", "5",
                              "--out", f"{t}/seeds"], [5, 6]),
        "f.json": (["forecast", f"{t}/t.csv", "--json", f"{t}/f.json", "--rounds", "2",
                    "--seed", "1"], 1),
        "cmp/comparison.json": (["compare-scenarios", "baseline-2024", "us-disengagement",
                                 "--seeds", "2", "--set", "rounds=3", "--workers", "1",
                                 "--out", f"{t}/cmp"], [0, 1]),
        "batch/experiment.json": (["batch", f"{t}/exp.toml", "--out", f"{t}/batch",
                                   "--workers", "1", "--no-progress"], [4, 5]),
        "batch/report/figures.json": (["report", f"{t}/batch"], [4, 5]),
        "tune/best.json": (["tune", f"{t}/tune.toml", "--trials", "2", "--out", f"{t}/tune"],
                           [2]),
        "sa/indices.json": (["sensitivity", f"{t}/sa.toml", "--workers", "1", "--out",
                             f"{t}/sa"], [3]),
        "bt.json": (["backtest", "--seeds", "1", "--seed", "2", "--json", f"{t}/bt.json"],
                    [2]),
    }
    writer = {"batch/report/figures.json": "batch"}  # the report carries the batch's
    for name, (args, seed) in made.items():
        r = eunato(*args)
        assert r.returncode == 0, (name, r.stderr)
        doc = json.loads((tmp_path / name).read_text())
        found = provenance_objects(doc)
        assert [p for p, _ in found] == ["/provenance"], (name, found)
        prov = found[0][1]
        assert PROVENANCE_KEYS <= set(prov), (name, set(prov))
        assert prov["seed"] == seed, name
        assert prov["command"][:2] == ["eunato", writer.get(name, args[0])], name
        assert prov["packages"]["numpy"] and prov["code_version"], name
        assert prov["scenario_hash"] is None if name == "f.json" else \
            len(prov["scenario_hash"]) == 16, name
    parts = sorted((tmp_path / "batch" / "runs").glob("part-*.parquet"))
    assert parts
    for part in parts:  # the batch's Parquet parts carry it in their metadata
        prov = part_provenance(part)
        assert PROVENANCE_KEYS <= set(prov) and prov["seed"] == [4, 5]
        assert prov["command"][:2] == ["eunato", "batch"]


def test_scenario_hash_follows_the_resolved_premises(tmp_path):
    from model.io.provenance import provenance

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
    assert r.returncode == 1
    assert ["differs", "summary.json"] in [ln.split() for ln in r.stdout.splitlines()]


def test_rerun_reproduces_a_run_made_without_a_command_line(tmp_path):
    """The app's downloads record settings, not a command: rerun uses the resolved
    scenario in the provenance."""
    from model.model import EuNatoModel
    from model.results.export import write_run

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


def test_rerun_reproduces_a_comparison_folder(tmp_path):
    cmp = tmp_path / "cmp"
    r = eunato("compare-scenarios", "baseline-2024", "blockage-lifted", "--seeds", "3",
               "--set", "rounds=6", "--workers", "1", "--out", str(cmp))
    assert r.returncode == 0, r.stderr
    again = tmp_path / "again"
    r = eunato("rerun", str(cmp), "--out", str(again), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    states = {row["file"]: row["state"] for row in json.loads(r.stdout)}
    assert states == {"briefing.html": "same", "comparison.json": "same",
                      "comparison.parquet": "same", "runs.parquet": "same"}
    for name in states:
        assert (again / name).read_bytes() == (cmp / name).read_bytes(), name


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


def test_rerun_reproduces_a_batch_from_its_provenance_alone(tmp_path):
    """A batch folder is run again from the experiment stored in its provenance (the file
    is gone), on another executor with other part sizes: the runs table has the same
    bytes, and so has every other file (experiment.json, report, briefing)."""
    from cli.rerun import table_bytes
    from experiments.store import read_runs

    exp = tmp_path / "exp.toml"
    exp.write_text('name = "rerun-batch"\nscenarios = ["baseline-2024", "us-disengagement"]\n'
                   'replicates = 2\nrounds = 5\nper_round = true\n'
                   "[parameters]\nus_engagement = [0.4, 0.9]\n")
    batch = tmp_path / "batch"
    r = eunato("batch", str(exp), "--out", str(batch), "--workers", "2", "--part-size", "3",
               "--no-progress")
    assert r.returncode == 0, r.stderr
    assert eunato("report", str(batch)).returncode == 0
    assert eunato("brief", str(batch)).returncode == 0
    exp.unlink()  # the provenance alone
    prov = json.loads((batch / "experiment.json").read_text())["provenance"]
    assert prov["experiment"]["scenarios"] == ["baseline-2024", "us-disengagement"]
    again = tmp_path / "again"
    r = eunato("rerun", str(batch), "--out", str(again), "--format", "csv")
    assert r.returncode == 0, r.stdout + r.stderr
    states = dict(reversed(row) for row in csv.reader(io.StringIO(r.stdout)))
    assert states.pop("file") == "state"
    assert states["runs/ (table)"] == "same" and states["rounds/ (table)"] == "same"
    assert {"experiment.json", "briefing.html", "report/index.html"} <= set(states)
    assert set(states.values()) == {"same"}, states
    # the runs table: the same bytes, though cut into other parts
    # (parts are cut at every --part-size runs and every 5 s: the rerun's cut is its own)
    assert len(list((batch / "runs").glob("part-*"))) >= 3
    assert table_bytes(batch, "runs") == table_bytes(again, "runs")
    assert read_runs(batch).to_csv().encode() == read_runs(again).to_csv().encode()
    assert len(read_runs(again)) == 8
    # a changed number in one part is caught
    import pyarrow.parquet as pq

    part = sorted((batch / "runs").glob("part-*"))[0]
    t = pq.read_table(part)
    df = t.to_pandas()
    df.loc[0, "gap_index"] += 0.01
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False)
                   .replace_schema_metadata(t.schema.metadata), part)
    r = eunato("rerun", str(batch))
    assert r.returncode == 1
    assert ["differs", "runs/", "(table)"] in [ln.split() for ln in r.stdout.splitlines()]


@pytest.mark.parametrize("protocol", ["compromise", "bdm"])
def test_run_over_seeds_is_the_table_of_the_full_runs_one_by_one(protocol):
    """`run --seeds` plays lean runs as one ensemble; its table is the one the full runs,
    each alone, give."""
    import argparse

    from cli.run import _model, seed_table

    args = argparse.Namespace(scenario="us-disengagement", protocol=protocol, rounds=8,
                              us_engagement=None, blockage="on")
    alone = seed_table([_model(args, k).run().summary() for k in (4, 5, 6)])
    r = eunato("run", "--scenario", "us-disengagement", "--protocol", protocol, "--rounds",
               "8", "--blockage", "on", "--seeds", "3", "--seed", "4", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(json.dumps(alone))
