"""Cases from the hostile walk of issue 10 that needed a fix: each bad option is one line
with exit code 2, a seed keyword is checked like a seed option, a chain of extends too
long is reported against the file the user named, and a study file's error names the
field of the file (not the type pydantic tried)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.data import DataError

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
