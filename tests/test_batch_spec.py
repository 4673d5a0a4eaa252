"""Bad experiment files: one clear line (file, field, value), exit code 2, no traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from experiments.spec import load_experiment

ROOT = Path(__file__).resolve().parents[1]
GOOD = """
name = "ok"
protocols = ["compromise", "nash"]
replicates = 2
[sampler]
kind = "grid"
levels = 3
[parameters]
us_engagement = { low = 0.2, high = 0.8 }
participation_blockage = [false, true]
"""

BAD = [
    ("[parameters]\nus_engagment = [0.5]\n", "parameters.us_engagment",
     "unknown parameter"),
    ("[parameters]\nus_engagement = { low = 0.5, high = 0.5 }\n", "parameters.us_engagement",
     "empty range"),
    ("[parameters]\nus_engagement = { low = 0.9, high = 0.1 }\n", "parameters.us_engagement",
     "low (0.9) must be below high (0.1)"),
    ("[parameters]\nus_engagement = []\n", "parameters.us_engagement", "empty list"),
    ("[sampler]\nkind = \"montecarlo\"\n", "sampler.kind", "'montecarlo'"),
    ("protocols = [\"bdm\", \"haggle\"]\n", "protocols", "unknown protocol 'haggle'"),
    ("scenarios = [\"atlantis-2030\"]\n", "scenarios", "unknown scenario 'atlantis-2030'"),
    ("replicates = 0\n", "replicates", "greater than or equal to 1"),
    ("colour = \"blue\"\n", "colour", "unknown field"),
    ("protocols = [\n", "(syntax)", "not valid TOML"),
]


def test_good_file_counts_its_runs(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(GOOD)
    exp = load_experiment(f)
    assert len(exp.points()) == 2 * 3 * 2 * 2  # protocols × levels × blockage × replicates
    assert main(["batch", str(f), "--dry-run", "--out", str(tmp_path / "o")]) == 0


@pytest.mark.parametrize("text,field,problem", BAD)
def test_bad_file_gives_one_clear_error(tmp_path, capsys, text, field, problem):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    assert main(["batch", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {f}: field '{field}'")
    assert problem in err
    assert not (tmp_path / "o").exists()


def test_bad_file_via_the_real_command(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[parameters]\neastern_flank_fear = { low = 0.1, high = 0.9 }\n")
    res = subprocess.run([sys.executable, "-m", "cli.main", "batch", str(f)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert f"{f}: field 'parameters.eastern_flank_fear' = {{'low': 0.1, 'high': 0.9}}: " \
           "unknown parameter" in res.stderr


@pytest.mark.parametrize("name", ["us-engagement-x-flank-fear", "bureaucratic-competition",
                                  "participation-blockage"])
def test_shipped_experiments_are_valid(name):
    exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
    assert exp.name == name and len(exp.points()) >= 50
