"""One experiment per batch folder.

A batch folder's ``experiment.json`` records, before the first run, the experiment's
content hash and the hash of every scenario it runs (the resolved scenario, so an edit to a
file it ``extends`` counts too). A batch started on a folder that holds another experiment,
or whose scenarios changed since, is refused naming the difference, before anything in the
folder is touched (:func:`check_folder`); ``--force-new`` puts the batch in a fresh folder
beside it instead (:func:`fresh_folder`), so two experiments never share one table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.inputs.data import DataError
from model.io.provenance import resolved_scenario, short_hash

if TYPE_CHECKING:
    from experiments.spec import Experiment

#: what a batch writes into its folder (anything else there is not ours)
BATCH_ENTRIES = frozenset({"runs", "rounds", "quarantine", "report", "experiment.json",
                           ".lock"})


def identity(exp: Experiment) -> dict[str, Any]:
    """The experiment's content hash and each scenario's hash."""
    return {"experiment": short_hash(exp.model_dump(mode="json")),
            "scenarios": {s: short_hash(resolved_scenario(s)) for s in exp.scenarios}}


def _recorded(out: Path) -> dict[str, Any] | None:
    meta = out / "experiment.json"
    if meta.is_symlink() or (meta.exists() and not meta.is_file()):
        raise DataError("command line", "--out", str(meta), "is a link or not a regular "
                        "file; refusing to use this folder")
    if not meta.is_file():
        return None
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError("command line", "--out", str(meta), f"does not read ({err}); "
                        "use another --out, or --force-new for a fresh folder") from None


def _has_runs(out: Path) -> bool:
    return (out / "runs").is_dir() and any((out / "runs").glob("part-*.parquet"))


def check_folder(exp: Experiment, out: Path, ident: dict[str, Any] | None = None) -> None:
    """Refuse (DataError naming the difference) a folder that holds another experiment,
    runs of no recorded experiment, or this experiment under scenarios that changed."""
    ident = ident or identity(exp)
    meta = _recorded(out)
    hint = "; use another --out, or --force-new to start a fresh folder beside it"
    if meta is None:
        if _has_runs(out):
            raise DataError("command line", "--out", str(out), "holds runs of no recorded "
                            "experiment (no experiment.json)" + hint)
        return
    old = meta.get("identity")
    old_exp = meta.get("experiment", {})
    name = old_exp.get("name", "?") if isinstance(old_exp, dict) else "?"
    if (old["experiment"] if old else short_hash(old_exp)) != ident["experiment"]:
        what = (f"experiment '{name}'" if name != exp.name else
                f"another version of experiment '{name}' ({_first_change(old_exp, exp)})")
        raise DataError("command line", "--out", str(out), f"holds {what} "
                        f"({meta.get('runs', '?')} runs); this is '{exp.name}'" + hint)
    for s, h in (old or {}).get("scenarios", {}).items():
        if ident["scenarios"].get(s) != h:
            raise DataError("command line", "--out", str(out), f"scenario {s!r} has changed "
                            "since this folder's runs were made (its hash was "
                            f"{h}, now {ident['scenarios'].get(s)}); the runs would mix "
                            "two scenarios" + hint)


def _first_change(old: Any, exp: Experiment) -> str:
    new = exp.model_dump(mode="json")
    if not isinstance(old, dict):
        return "unreadable record"
    for k in sorted(set(old) | set(new)):
        if old.get(k) != new.get(k):
            return f"'{k}' was {json.dumps(old.get(k))[:60]}, now {json.dumps(new.get(k))[:60]}"
    return "same fields"


def in_use(out: Path) -> bool:
    """Whether ``out`` exists and holds anything."""
    return out.is_dir() and any(out.iterdir())


def fresh_folder(out: Path) -> Path:
    """``out`` if it is absent or empty, else the first free ``out-2``, ``out-3`` …"""
    if not in_use(out) and not out.is_symlink():
        return out
    for k in range(2, 10_000):
        cand = out.with_name(f"{out.name}-{k}")
        if not cand.exists() and not cand.is_symlink():
            return cand
    raise DataError("command line", "--out", str(out), "no free folder name beside it")
