"""Provenance: what produced an output, so that a figure can be traced and reproduced.

Every JSON output (run summary, batch part metadata, tune study, sensitivity indices,
forecast JSON, the app's downloads, comparisons) carries one ``provenance`` object:

* ``scenario_hash`` — SHA-256 (first 16 hex digits) of the resolved scenario's premises
  (after ``extends``; its name, description and parent's name left out, so two files that
  say the same thing hash the same), as canonical JSON; ``None`` where no scenario is
  involved (a forecast table, whose ``input_hash`` is the hash of the file instead);
* ``code_version`` — ``git describe --always --dirty`` of the checkout the code runs from,
  or ``eunato <package version>`` when it is not in a checkout;
* ``packages`` — versions of the packages that decide the numbers;
* ``seed`` — the seed, or the list of seeds;
* ``command`` — the full command line (``["eunato", "run", …]``), or the settings a front
  door without a command line (the app) used.

It also carries ``scenario`` (the resolved scenario itself) where there is one, so that a
reader sees the premises without the scenario file. No timestamps and no machine paths of
their own: the same inputs give the same bytes (``eunato rerun`` checks it).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

#: packages whose versions decide the numbers (and the files) eunato writes
KEY_PACKAGES = ("eunato", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx",
                "pydantic", "matplotlib")

ROOT = Path(__file__).resolve().parents[2]

#: the command line being run (set by ``eunato``'s main; ``eunato rerun`` sets the original)
current_command: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "current_command", default=None)


def canonical_json(obj: Any) -> str:
    """Sorted, compact JSON: the form hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def short_hash(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:16]


def resolved_scenario(scenario: Any) -> dict[str, Any] | list | None:
    """The resolved scenario as plain data (``source``, the file it came from, left out:
    the same premises from another folder are the same scenario)."""
    if scenario is None:
        return None
    if isinstance(scenario, list | tuple):
        return [resolved_scenario(s) for s in scenario]
    if isinstance(scenario, dict):
        data = dict(scenario)
    else:
        if isinstance(scenario, str | Path):
            from model.inputs.scenario import load_scenario

            scenario = load_scenario(scenario)
        data = scenario.model_dump(mode="json")
    data.pop("source", None)
    return data


def premises(data: Any) -> Any:
    """What a resolved scenario says about the world (the hashed part)."""
    if isinstance(data, list):
        return [premises(d) for d in data]
    return {k: v for k, v in data.items() if k not in ("name", "description", "extends")}


@functools.cache
def code_version() -> str:
    """``git describe`` of the checkout, or the installed package version."""
    if (ROOT / ".git").exists():
        try:
            r = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10)
            if r.returncode == 0 and r.stdout.strip():
                return r.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        return f"eunato {metadata.version('eunato')}"
    except metadata.PackageNotFoundError:
        return "eunato (unknown version)"


@functools.cache
def package_versions() -> dict[str, str]:
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def command_line(settings: dict[str, Any] | None = None) -> list[str] | dict[str, Any]:
    """The command being run, or ``settings`` when there is none (app, library calls)."""
    cmd = current_command.get()
    if cmd is not None:
        return list(cmd)
    return dict(settings or {})


def provenance(scenario: Any = None, seed: int | Sequence[int] | None = None,
               settings: dict[str, Any] | None = None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The provenance object (see the module doc).

    Args:
        scenario: a Scenario, a scenario name or path, resolved data, a list of these
            (a comparison: hashed as the list), or None.
        seed: the seed or seeds.
        settings: what was set, used as ``command`` when no command line is running.
        extra: further keys (e.g. ``input_hash`` of a forecast table).
    """
    data = resolved_scenario(scenario)
    out: dict[str, Any] = {
        "scenario_hash": None if data is None else short_hash(premises(data)),
        "code_version": code_version(),
        "packages": package_versions(),
        "seed": list(seed) if isinstance(seed, list | tuple) else seed,
        "command": command_line(settings),
    }
    if data is not None:
        out["scenario"] = data
    out.update(extra or {})
    return out


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def model_provenance(model: Any, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Provenance of one model run (its resolved scenario and seed)."""
    base = {"scenario": model.spec.name, "protocol": model.protocol_name,
            "seed": model.seed, "rounds": model.max_rounds}
    return provenance(model.spec, model.seed, settings={**base, **(settings or {})})
