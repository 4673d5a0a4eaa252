"""`eunato rerun DIR`: reproduce a result from its provenance alone and compare the bytes.

DIR is a run folder (``summary.json``), a comparison folder (``comparison.json``) or a
batch results folder (``experiment.json`` and ``runs/``). The recorded
``provenance.command`` is run again with its output folder replaced by a new one (a
temporary folder unless ``--out`` is given) and with the same command recorded, so an
unchanged engine writes the same bytes; then every file of DIR is compared with its
counterpart. A run made in the app (``command`` holds settings, not a command line) is
run again from the resolved scenario stored in its provenance. A batch is run again from
the validated experiment stored in its provenance (not from the experiment file, which
may have changed or moved); its Parquet parts are cut wherever a flush fell, so what is
compared is the runs table (and the rounds table) as ``experiments.store.read_runs``
reads it, serialised the same way, plus every other file by name.

Exit code 0 when every file the command writes is byte-identical, 1 when any differs (the
result did not reproduce: the lines say which files), 2 when DIR holds no provenance.
A briefing.html in DIR is made again too; files the command does not write (a PDF, whose
bytes carry its creation time, or files added by hand) are listed as "not rewritten".
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from model.inputs.data import DataError
from model.io.output import Tab, add_format_option, emit, note

#: the file of each kind of result folder that holds the provenance
PROVENANCE_FILES = ("summary.json", "comparison.json", "experiment.json")


def find_provenance(folder: Path) -> tuple[Path, dict[str, Any]]:
    """(file, provenance) of a result folder; DataError if there is none."""
    if not folder.is_dir():
        raise DataError(folder, "DIR", str(folder), "not a folder")
    for name in PROVENANCE_FILES:
        f = folder / name
        if f.is_file():
            try:
                prov = json.loads(f.read_text()).get("provenance")
            except json.JSONDecodeError as err:
                raise DataError(f, "json", str(err), "not valid JSON") from None
            if not isinstance(prov, dict) or "command" not in prov:
                raise DataError(f, "provenance", None,
                                "no provenance: written before eunato recorded it")
            return f, prov
    raise DataError(folder, "DIR", str(folder), "no summary.json, comparison.json or "
                    "experiment.json here: not a run, comparison or batch folder")


def with_out(command: list[str], out: Path) -> list[str]:
    """The command with its ``--out`` value replaced by ``out``."""
    cmd = list(command)
    for k, tok in enumerate(cmd):
        if tok == "--out" and k + 1 < len(cmd):
            cmd[k + 1] = str(out)
            return cmd
        if tok.startswith("--out="):
            cmd[k] = f"--out={out}"
            return cmd
    raise DataError("provenance", "command", " ".join(command), "the command wrote no folder "
                    "(no --out), so there is nothing to reproduce")


def is_batch(folder: Path) -> bool:
    return (folder / "experiment.json").is_file() and not (folder / "summary.json").is_file() \
        and not (folder / "comparison.json").is_file()


def reproduce_batch(folder: Path, out: Path, prov: dict[str, Any]) -> None:
    """Run a batch again from the experiment in its provenance (older folders: the one
    beside it in experiment.json), with the original command recorded."""
    from experiments.batch import run_experiment
    from experiments.spec import parse_experiment
    from model.io.provenance import current_command

    meta = folder / "experiment.json"
    data = prov.get("experiment") or json.loads(meta.read_text()).get("experiment")
    if not isinstance(data, dict):
        raise DataError(meta, "provenance.experiment", None, "no experiment recorded")
    exp = parse_experiment(data, meta)
    command = prov["command"]
    token = current_command.set(command if isinstance(command, list) else None)
    try:  # the table is the same on any executor; the parts' cut is not compared
        run_experiment(exp, out, progress=False)
    finally:
        current_command.reset(token)


def reproduce(folder: Path, out: Path, prov: dict[str, Any],
              eunato: Callable[[list[str]], int]) -> None:
    """Run the recorded command (or settings) again into ``out``; ``eunato`` is
    :func:`cli.main.main`, handed in by it (so that this module does not import it back)."""
    from model.io.provenance import current_command

    if is_batch(folder):
        reproduce_batch(folder, out, prov)
        return
    command = prov["command"]
    if isinstance(command, list):
        if command[:1] != ["eunato"] or len(command) < 2:
            raise DataError("provenance", "command", command, "not an eunato command line")
        token = current_command.set(command)
        try:
            code = eunato(with_out(command, out)[1:])
        finally:
            current_command.reset(token)
        if code != 0:
            raise RuntimeError(f"the recorded command exited with {code}")
        return
    # settings of a front door without a command line (the app): one run
    from model.inputs.scenario import validate_scenario
    from model.model import EuNatoModel
    from model.results.export import write_run

    scenario = validate_scenario(prov["scenario"], folder / "summary.json")
    keys = {"protocol", "rounds", "us_engagement", "participation_blockage"}
    kwargs = {k: v for k, v in command.items() if k in keys and v is not None}
    from model.model import BLOC_KNOBS

    kwargs.update({k: v for k, v in command.items() if k in BLOC_KNOBS and v is not None})
    model = EuNatoModel(scenario_name=scenario, rng=command.get("seed"), **kwargs)
    model.run()
    token = current_command.set(None)  # recorded as settings, as the original was
    try:
        write_run(model, out, settings=command)
    finally:
        current_command.reset(token)


#: a batch folder's sub-folders of Parquet parts, compared as tables (experiments/store.py)
TABLE_DIRS = ("runs", "rounds")


def table_bytes(folder: Path, which: str) -> bytes:
    """A batch's runs or rounds table as ``experiments.store`` reads it (one row per run,
    sorted, canonical columns), as Parquet bytes: what `eunato rerun` compares."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from experiments.store import ResultStore

    store = ResultStore(folder)
    df = store.read_runs() if which == "runs" else store.read_rounds()
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), sink)
    return sink.getvalue()


def compare_folders(a: Path, b: Path) -> list[tuple[str, str]]:
    """(relative path, state) for every file of ``a``: "same", "differs", or "not
    rewritten" (a file the recorded command does not write, e.g. a PDF or a screenshot
    added later). In a batch folder the runs and rounds parts are compared as tables."""
    out = []
    batch = is_batch(a)
    if batch:
        for d in TABLE_DIRS:
            if (a / d).is_dir():
                state = ("not rewritten" if not (b / d).is_dir() else "same"
                         if table_bytes(a, d) == table_bytes(b, d) else "differs")
                out.append((f"{d}/ (table)", state))
    for f in sorted(p for p in a.rglob("*") if p.is_file()):
        rel = f.relative_to(a)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if batch and rel.parts[0] in (*TABLE_DIRS, "quarantine"):
            continue
        g = b / rel
        state = ("not rewritten" if not g.is_file() else
                 "same" if g.read_bytes() == f.read_bytes() else "differs")
        out.append((str(rel), state))
    return out


def _rerun(args: argparse.Namespace) -> int:
    from model.io.provenance import code_version

    folder = Path(args.dir)
    _, prov = find_provenance(folder)
    if prov.get("code_version") != code_version():
        print(f"note: recorded with code {prov.get('code_version')}, running "
              f"{code_version()}: bytes may differ", file=sys.stderr)
    tmp = None
    if args.out:
        out = Path(args.out)
        if out.resolve() == folder.resolve():
            raise ValueError("--out must differ from DIR (the result to compare with)")
    else:
        tmp = tempfile.mkdtemp(prefix="eunato-rerun-")
        out = Path(tmp) / folder.name
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the reproduction's own output
            reproduce(folder, out, prov, args.eunato)
            if is_batch(folder) and (folder / "report").is_dir():
                from experiments.report import write_report

                write_report(out)  # made by `eunato report` afterwards: made again
            if (folder / "briefing.html").is_file() and not (out / "briefing.html").is_file():
                from experiments.briefing.brief import write_brief

                write_brief(out)  # made by `eunato brief` afterwards: made again the same way
        rows = compare_folders(folder, out)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    t = Tab(f"rerun of {folder}", ["state", "file"], key="files")
    for rel, state in rows:
        t.add(state, rel)
    emit(t, args.format)
    same = [r for r, s in rows if s == "same"]
    bad = [r for r, s in rows if s == "differs"]
    if bad or not same:
        print(f"not reproduced: {len(bad)} of {len(same) + len(bad)} files differ",
              file=sys.stderr)
        return 1
    note(f"reproduced: {len(same)} files byte-identical"
         + (f" (new copy in {out})" if args.out else ""), args.format)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rerun", help="reproduce a run, comparison or batch folder from its "
                       "provenance and check the bytes are the same",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("dir", help="a run folder (summary.json), comparison folder or batch "
                   "results folder")
    p.add_argument("--out", default=None,
                   help="keep the reproduction here (default: a temporary folder)")
    add_format_option(p)
    p.set_defaults(func=_rerun)
