"""Cases from the hostile walk of issue 10 that needed a fix: each bad option is one line
with exit code 2, a seed keyword is checked like a seed option, a chain of extends too
long is reported against the file the user named, and a study file's error names the
field of the file (not the type pydantic tried)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from model.inputs.data import DataError

TABLE = "actor,capability,position,salience\nA,0.5,10,0.8\nB,0.3,60,0.5\nC,0.2,90,1\n"


@pytest.mark.parametrize("argv,option", [
    (["run", "--rounds", "0"], "--rounds"), (["run", "--rounds", "-1"], "--rounds"),
    (["run", "--rounds", "1000000000"], "--rounds"), (["run", "--rounds", "1e9"], "--rounds"),
    (["run", "--seed", "-1"], "--seed"), (["run", "--protocol", "haggle"], "--protocol"),
    (["batch", "x.toml", "--part-size", "-5"], "--part-size"),
    (["batch", "x.toml", "--part-size", "0"], "--part-size"),
    (["forecast", "TABLE", "--range", "nan", "100"], "--range"),
    (["forecast", "TABLE", "--protocol", "x\x0cy"], "--protocol"),
    (["tune", "x.toml", "--trials", "0"], "--trials"),
    (["sensitivity", "x.toml", "--workers", "0"], "--workers"),
])
def test_a_bad_option_is_one_line_and_exit_2(tmp_path, capsys, argv, option):
    (tmp_path / "t.csv").write_text(TABLE)
    argv = [str(tmp_path / "t.csv") if a == "TABLE" else a for a in argv]
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"error: argument {option}" in lines[0] and "--help" in lines[0]


@pytest.mark.parametrize("rng", [-1, 2**63, True, 1.5, "3", [1], math.nan])
def test_a_bad_seed_keyword_is_a_data_error(rng):
    from model.model import EuNatoModel

    with pytest.raises(DataError) as err:
        EuNatoModel(rng=rng, rounds=1)
    assert (err.value.file, err.value.field) == ("keyword", "rng")


@pytest.mark.parametrize("rng", [0, 2**63 - 1, np.int64(3), np.random.default_rng(1),
                                 np.random.SeedSequence(1), None])
def test_good_seeds_are_taken(rng):
    from model.model import EuNatoModel

    EuNatoModel(rng=rng, rounds=1).run()


def test_a_long_extends_chain_is_reported_against_the_users_file(tmp_path, capsys):
    (tmp_path / "c0.toml").write_text('name = "c0"\nextends = "baseline-2024"\n')
    for i in range(1, 200):
        (tmp_path / f"c{i}.toml").write_text(f'name = "c{i}"\nextends = "c{i - 1}.toml"\n')
    top = tmp_path / "c199.toml"
    assert main(["run", "--scenario", str(top), "--rounds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: {top}: field 'extends' = 'c198.toml': more than 16")


def test_a_study_error_names_the_files_field_not_the_union_member(tmp_path, capsys):
    f = tmp_path / "t.toml"
    f.write_text('name = "t"\nrounds = 3\nseeds = [1]\n[parameters.us_engagement]\nlow = 0.3\n'
                 'high = 0.9\n[[targets]]\nkind = "metric"\nmetric = "gap_index"\nvalue = nan\n')
    assert main(["tune", str(f), "--trials", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {f}: field 'targets[0].value' = nan: Input should be a finite number"
    assert not Path(tmp_path / "o").exists()


# --------------------------------------------------------------------------------------
# the issue's list, case by case, through the real command (docs/reliability.md §8)
# --------------------------------------------------------------------------------------
SC = 'name = "w"\nextends = "baseline-2024"\nrounds = 3\n'
TUNE = ('name = "t"\nrounds = 3\nseeds = [1]\n[parameters.us_engagement]\nlow = 0.3\n'
        'high = 0.9\n[[targets]]\nkind = "metric"\nmetric = "gap_index"\nvalue = 0.1\n')
SA = ('name = "sa"\nrounds = 3\nseeds = [1]\nmethods = ["morris"]\n'
      '[parameters.us_engagement]\nlow = 0.3\nhigh = 0.9\n')


def _event(target: str, value: str) -> str:
    return SC + f'[[events]]\nround = 2\ntarget = "{target}"\nvalue = {value}\n'


#: id -> (file text or None, argv with F for the file and D for the folder, exit code,
#: what the one line must say)
CASES = {
    "extends-5": ('name = "w"\nextends = 5\n', ["run", "--scenario", "F"], 2,
                  "field 'extends' = 5: must be a scenario name or a path"),
    "extends-list": ('name = "w"\nextends = ["a"]\n', ["run", "--scenario", "F"], 2,
                     "must be a scenario name or a path"),
    "extends-bool": ('name = "w"\nextends = true\n', ["run", "--scenario", "F"], 2,
                     "must be a scenario name or a path"),
    "folder-scenario": (None, ["run", "--scenario", "D"], 2, "is a folder, not a file"),
    "folder-experiment": (None, ["batch", "D", "--dry-run", "--out", "D/o"], 2,
                          "is a folder, not a file"),
    "folder-extends": ('name = "w"\nextends = "sub/"\n', ["run", "--scenario", "F"], 2,
                       "field 'extends' = 'sub/': is a folder; give a scenario file"),
    "json-to-folder": (TABLE, ["forecast", "F", "--json", "D"], 2,
                       "field '--json' = "),
    "out-is-a-file": (TABLE, ["run", "--rounds", "1", "--out", "F"], 2,
                      "is a file, not a folder"),
    "csv-cell-140k": ("actor,capability,position,salience\nA,0.5,10," + "x" * 140_000
                      + "\nB,0.3,60,0.5\n", ["forecast", "F"], 2, "field larger than"),
    "replicates-1e9": ('name = "w"\nreplicates = 1000000000\n',
                       ["batch", "F", "--dry-run", "--out", "D/o"], 2,
                       "field 'replicates' = 1000000000"),
    "lhs-n-2e9": ('name = "w"\n[sampler]\nkind = "lhs"\nn = 2000000000\n'
                  '[parameters.us_engagement]\nlow = 0.1\nhigh = 0.9\n',
                  ["batch", "F", "--dry-run", "--out", "D/o"], 2, "field 'sampler.n'"),
    "morris-1e9": (SA + "[morris]\ntrajectories = 1000000000\n",
                   ["sensitivity", "F", "--dry-run", "--out", "D/o"], 2,
                   "field 'morris.trajectories' = 1000000000"),
    "tune-seed--3": (TUNE.replace("seeds = [1]", "seeds = [-3]"),
                     ["tune", "F", "--trials", "1", "--out", "D/o"], 2, "field 'seeds[0]' = -3"),
    "tune-metric": (TUNE.replace('"gap_index"', '"nope"'),
                    ["tune", "F", "--trials", "1", "--out", "D/o"], 2, "unknown metric"),
    "tune-weight-inf": (TUNE + "weight = inf\n", ["tune", "F", "--trials", "1", "--out", "D/o"],
                        2, "field 'targets[0].weight' = inf"),
    "event-us-5": (_event("us_engagement", "-5"), ["run", "--scenario", "F"], 2,
                   "field 'events[0].value' = -5.0"),
    "event-risk-100": (_event("actor.POL.risk", "100"), ["run", "--scenario", "F"], 2,
                       "field 'events[0].value' = 100.0"),
    "event-fear--2": (_event("bloc.eastern_flank.decoupling_fear", "-2"),
                      ["run", "--scenario", "F"], 2, "field 'events[0].value' = -2.0"),
    "event-competition-3": (_event("bloc.eu_core.competition", "3"),
                            ["run", "--scenario", "F"], 2, "field 'events[0].value' = 3.0"),
    "blockage-0.7": (SC + "[parameters]\nparticipation_blockage = 0.7\n",
                     ["run", "--scenario", "F"], 2, "valid boolean"),
    "string-number": (SC + '[parameters]\nus_engagement = "0.5"\n', ["run", "--scenario", "F"],
                      2, "valid number"),
    "bool-number": (SC + "[parameters]\nus_engagement = true\n", ["run", "--scenario", "F"],
                    2, "valid number"),
    "etc-passwd": ('name = "w"\nscenarios = ["/etc/passwd"]\n',
                   ["batch", "F", "--dry-run", "--out", "D/o"], 2, "field 'scenarios[0]'"),
    "name-dotdot": ('name = "../../x"\n', ["batch", "F", "--dry-run", "--out", "D/o"], 2,
                    "field 'name' = '../../x': a name may hold only"),
    "name-absolute": ('name = "/abs/x"\n', ["batch", "F", "--dry-run", "--out", "D/o"], 2,
                      "field 'name' = '/abs/x'"),
    "write-scenario-abs": (TUNE, ["tune", "F", "--trials", "1", "--out", "D/o",
                                  "--write-scenario", "/tmp/x"], 2,
                           "field '--write-scenario' = '/tmp/x'"),
    "protocol-haggle": (SC + 'protocol = "haggle"\n', ["run", "--scenario", "F"], 2,
                        "field 'protocol' = 'haggle'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_issue_10_case(tmp_path, capsys, case):
    text, argv, code, says = CASES[case]
    (tmp_path / "sub").mkdir()
    f = tmp_path / ("in.csv" if text is not None and text.startswith("actor") else "in.toml")
    if text is not None:
        f.write_text(text)
    argv = [str(f) if a == "F" else a.replace("D", str(tmp_path), 1) if a.startswith("D")
            else a for a in argv]
    assert main(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert says in err[0], err[0]
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    assert not Path("/tmp/x.toml").exists() or case != "write-scenario-abs"


def test_relative_extends_is_read_from_the_scenarios_folder(tmp_path, monkeypatch):
    from model.inputs.scenario import load_scenario

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "parent.toml").write_text('name = "p"\nextends = "baseline-2024"\n'
                                                  "rounds = 7\n")
    (tmp_path / "child.toml").write_text('name = "c"\nextends = "sub/parent.toml"\n')
    monkeypatch.chdir("/")
    assert load_scenario(tmp_path / "child.toml").rounds == 7


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path, capsys):
    f = tmp_path / "e.toml"
    f.write_text('name = "e"\nreplicates = 1\nrounds = 1\n')
    assert main(["batch", str(f), "--scheduler", "tcp://127.0.0.1:1", "--out",
                 str(tmp_path / "o"), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler tcp://127.0.0.1:1" in err[0]


def test_the_reliability_doc_names_only_tests_that_exist():
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "reliability.md").read_text()
    table = doc[doc.index("## 8."):doc.index("## Figures")]
    ids = set(re.findall(r"`\[([^\]`]+)\]`", table))
    ids -= {"id", "1, 2", "runs, rounds"}
    assert ids and ids <= set(CASES), ids - set(CASES)
    source = "".join(f.read_text() for f in (root / "tests").glob("test_*.py"))
    for name in re.findall(r"`(test_\w+?)(?:…|_…)?(?:\[[^\]]*\])?`", table):
        assert re.search(rf"def {name}", source), name
