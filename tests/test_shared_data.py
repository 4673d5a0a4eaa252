"""Tests that need the shared data (``../shared/data`` from the repository root) fail
under CI when it is missing, and skip only elsewhere; nothing names a machine path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDS_DEU = ["tests/test_validation_deu.py::test_reader_groups",
             "tests/test_validation_select.py::test_stated_protocol_is_the_choice_and_the_docs_figures"]


def _pytest(test: str, data: Path, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["EUNATO_SHARED_DATA"] = str(data)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", test], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("test", NEEDS_DEU)
def test_missing_shared_data_fails_under_ci_and_skips_elsewhere(tmp_path, test):
    r = _pytest(test, tmp_path, "true")
    assert r.returncode == 1 and "1 failed" in r.stdout, r.stdout[-1500:]
    assert "shared data missing under CI: " in r.stdout
    assert str(tmp_path) not in r.stdout.split("shared data missing under CI: ")[1][:10]
    r = _pytest(test, tmp_path, None)
    assert r.returncode == 0 and "1 skipped" in r.stdout, r.stdout[-1500:]


def test_ci_script_sets_ci():
    text = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^export CI=", text, re.M), text


def test_no_machine_paths_in_code_tests_or_docs():
    pattern = re.compile(r"(?<![\w.])/(work|home|root|tmp/bash_jobs|Users)/[\w.+-]+")
    hits = []
    for folder in ("model", "experiments", "app", "agents", "tests", "benchmarks", "docs"):
        for f in (ROOT / folder).rglob("*"):
            if f.suffix not in (".py", ".md", ".toml", ".vue") or f == Path(__file__):
                continue
            for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    for f in (ROOT / "README.md", ROOT / "pyproject.toml"):
        hits += [f"{f.name}: {x}" for x in pattern.findall(f.read_text())]
    assert not hits, "\n".join(hits)
