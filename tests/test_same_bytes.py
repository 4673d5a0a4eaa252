"""Same seed, same bytes: whatever PYTHONHASHSEED (a real subprocess each), every output
file of a run is byte for byte the same."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(where: Path, hashseed: str, protocol: str) -> dict[str, bytes]:
    # the same command line in two folders (the provenance records the command)
    where.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": hashseed,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "cli.main", "run", "--scenario",
                        "us-disengagement", "--protocol", protocol, "--seed", "3",
                        "--rounds", "10", "--out", "out"], cwd=where, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return {p.name: p.read_bytes() for p in sorted((where / "out").iterdir())}


@pytest.mark.parametrize("protocol", ["compromise", "bdm"])
def test_same_bytes_under_two_hash_seeds(tmp_path, protocol):
    a = _run(tmp_path / "a", "0", protocol)
    b = _run(tmp_path / "b", "4242", protocol)
    assert set(a) >= {"events.json", "summary.json", "steps.parquet", "actors.parquet"}
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs between PYTHONHASHSEED 0 and 4242"
    assert b"coalition" in a["events.json"]  # the events the set order once scrambled
