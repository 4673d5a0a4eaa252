"""Results on disk: ``OUT/runs/part-*.parquet`` and ``OUT/rounds/part-*.parquet``.

One row per run in ``runs`` (run_id, status, error, every input parameter, every summary
metric); one row per round of a run in ``rounds`` (when the experiment keeps them).
Parts are written whole: to a hidden temporary file in the same directory, then
``os.replace`` (atomic on POSIX), so a killed batch leaves only complete parts. The
rounds part of a chunk is written *before* its runs part and has the same name; the runs
part is the commit mark: a rounds part without its runs part is an interrupted write and
is ignored (and removed on the next start), so its runs are simply done again.

Reading concatenates the parts with Arrow (types unified across parts), drops any
repeated run id, sorts by run id and orders the columns canonically, so the table is the
same whatever executor, worker count or interruption produced it. Every part gives a
column the same type (:func:`_table`), so ``pandas.read_parquet(OUT + "/runs")`` reads the
folder directly too.

Durability: :meth:`ResultStore.lock` keeps a second batch off the folder; on start,
:meth:`ResultStore.clean` moves a part that cannot be read (a truncated or corrupt file,
however it came about) to ``OUT/quarantine/`` so its runs are done again; a write that
fails (full disk, read-only folder) raises :class:`StoreError`, one clear line, and leaves
the parts already written intact.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.inputs.data import DataError
from model.inputs.knobs import MODEL_PARAMETERS
from model.io.safeio import os_reason, real_dir, temp_beside

#: the leading columns of the runs table, in this order; the rest follow sorted by name
LEAD_COLUMNS = ("run_id", "status", "error", "scenario", "protocol", "seed", "rounds",
                *MODEL_PARAMETERS)


#: columns that hold counts (int64 in every part, also when a part has only nulls)
INT_COLUMNS = frozenset({"seed", "rounds", "round", "rounds_run", "agreed", "deadlocks",
                         "coalitions", "rounds_to_agreement"})
STRING_COLUMNS = frozenset({"run_id", "status", "error", "scenario", "protocol", "partition"})
BOOL_COLUMNS = frozenset({"participation_blockage", "all_agreed"})


class StoreError(RuntimeError):
    """The results folder cannot be used (locked, full, read-only): one clear message."""


class BatchLocked(StoreError):
    """Another batch holds the results folder."""


def _column_type(name: str, inferred: pa.DataType) -> pa.DataType:
    """One type per column whatever the part holds: a part whose runs all succeeded has an
    all-null ``error`` column, one whose runs never agreed an all-null
    ``rounds_to_agreement``; without this, parts of one folder disagree on types."""
    if name in STRING_COLUMNS:
        return pa.string()
    if name in INT_COLUMNS and (pa.types.is_integer(inferred) or pa.types.is_null(inferred)):
        return pa.int64()
    if name in BOOL_COLUMNS or name.startswith("agreed_"):
        if pa.types.is_boolean(inferred) or pa.types.is_null(inferred):
            return pa.bool_()
    if pa.types.is_null(inferred) or pa.types.is_integer(inferred):
        return pa.float64()
    return inferred


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table from dicts that may not all have the same keys, with the same column
    types in every part (see :func:`_column_type`)."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    t = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in rows])
    schema = pa.schema([pa.field(f.name, _column_type(f.name, f.type)) for f in t.schema])
    return t.cast(schema) if schema != t.schema else t


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = None
    try:
        tmp = temp_beside(path)  # O_EXCL, unpredictable: a planted link is never followed
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path.parent}: {os_reason(err)}; the parts written "
                         "before are intact, run the same command again to resume") from None


def _read(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except Exception as err:  # noqa: BLE001 - a damaged part, named
        raise StoreError(f"cannot read {path} ({type(err).__name__}: {err}); run the batch "
                         "again on this folder: it moves damaged parts to quarantine/ and "
                         "redoes their runs") from None


def _readable(path: Path, column: str) -> bool:
    """Whether a part reads whole (footer and the key column)."""
    try:
        pq.read_table(path, columns=[column])
        return True
    except Exception:  # noqa: BLE001 - any failure to read means a damaged part
        return False


def _canonical(df: pd.DataFrame, lead: tuple[str, ...], sort: list[str]) -> pd.DataFrame:
    cols = [c for c in lead if c in df.columns]
    cols += sorted(c for c in df.columns if c not in cols)
    return df[cols].sort_values(sort, kind="stable").reset_index(drop=True)


class ResultStore:
    """The parts of one results directory (created on first write)."""

    def __init__(self, out_dir: str | Path) -> None:
        self.root = Path(out_dir)
        self.runs_dir = self.root / "runs"
        self.rounds_dir = self.root / "rounds"

    # --- writing -------------------------------------------------------------------
    def _run_parts(self) -> list[Path]:
        return sorted(self.runs_dir.glob("part-*.parquet")) if self.runs_dir.is_dir() else []

    def _round_parts(self) -> list[Path]:
        return (sorted(self.rounds_dir.glob("part-*.parquet")) if self.rounds_dir.is_dir()
                else [])

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the folder while a batch writes (see :func:`folder_lock`)."""
        return folder_lock(self.root, "batch")

    def check(self) -> None:
        """Refuse a folder whose data folders are links, files or devices: parts written
        or moved through them would land outside the folder (DataError, exit 2)."""
        for d in (self.runs_dir, self.rounds_dir, self.root / "quarantine"):
            if d.is_symlink() or (d.exists() and not d.is_dir()):
                raise DataError("command line", "--out", str(d), "is a link or a file, not a "
                                "folder of its own; refusing to write through it")

    def clean(self) -> list[str]:
        """Remove leftovers of an interrupted write (temporary files, rounds parts whose
        runs part never landed) and quarantine damaged parts; return the quarantined names
        (their runs are not recorded, so they are done again)."""
        for d in (self.runs_dir, self.rounds_dir):
            if d.is_dir():
                for tmp in d.glob(".part-*.tmp*"):
                    tmp.unlink(missing_ok=True)
        quarantined = []
        rounds = {p.name: p for p in self._round_parts()}
        for p in self._run_parts():
            r = rounds.get(p.name)
            if not _readable(p, "run_id") or (r is not None and not _readable(r, "run_id")):
                qdir = real_dir(self.root / "quarantine")
                os.replace(p, qdir / f"runs-{p.name}")
                if r is not None:
                    os.replace(r, qdir / f"rounds-{r.name}")
                quarantined.append(p.name)
        committed = {p.name for p in self._run_parts()}
        for p in self._round_parts():
            if p.name not in committed:
                p.unlink(missing_ok=True)
        return quarantined

    def write_part(self, rows: list[dict[str, Any]],
                   round_rows: list[dict[str, Any]] | None = None,
                   metadata: dict[str, str] | None = None) -> Path:
        """Write one chunk of run rows (and their round rows); return the runs part.
        ``metadata`` (e.g. ``{"provenance": json}``) goes into each part's schema.
        :class:`StoreError` if the disk is full or the folder is not writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            real_dir(self.runs_dir)
        except OSError as err:
            raise StoreError(f"cannot write {self.runs_dir}: {os_reason(err)}") from None
        existing = self._run_parts()
        seq = 1 + max((int(p.name.split("-")[1]) for p in existing), default=0)
        name = f"part-{seq:06d}-{uuid.uuid4().hex[:8]}.parquet"
        def tagged(t: pa.Table) -> pa.Table:
            if not metadata:
                return t
            return t.replace_schema_metadata({**(t.schema.metadata or {}), **{
                k.encode(): v.encode() for k, v in metadata.items()}})

        if round_rows:
            real_dir(self.rounds_dir)
            _write_atomic(tagged(_table(round_rows)), self.rounds_dir / name)
        path = self.runs_dir / name
        _write_atomic(tagged(_table(rows)), path)
        return path

    # --- reading -------------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Run ids already recorded (ok or error)."""
        ids: set[str] = set()
        for p in self._run_parts():
            try:
                ids.update(pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist())
            except Exception:  # noqa: BLE001 - a damaged part: quarantined by clean()
                continue
        return ids

    def read_runs(self) -> pd.DataFrame:
        """The runs table: one row per run id, sorted by run id."""
        parts = self._run_parts()
        if not parts:
            return pd.DataFrame(columns=["run_id", "status", "error"])
        table = pa.concat_tables([_read(p) for p in parts], promote_options="permissive")
        df = table.to_pandas().drop_duplicates("run_id", keep="first")
        return _canonical(df, LEAD_COLUMNS, ["run_id"])

    def read_rounds(self) -> pd.DataFrame:
        """The rounds table (committed parts only), sorted by run id and round."""
        committed = {p.name for p in self._run_parts()}
        parts = [p for p in self._round_parts() if p.name in committed]
        if not parts:
            return pd.DataFrame(columns=["run_id", "round"])
        table = pa.concat_tables([_read(p) for p in parts], promote_options="permissive")
        df = table.to_pandas().drop_duplicates(["run_id", "round"], keep="first")
        return _canonical(df, ("run_id", "round"), ["run_id", "round"])


@contextlib.contextmanager
def folder_lock(root: str | Path, what: str = "batch") -> Iterator[None]:
    """Hold ``ROOT/.lock`` (an advisory ``flock``, released by the kernel however the
    process ends); a second holder gets :class:`BatchLocked` naming the first one's pid."""
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        # never through a link or onto a device or a FIFO: the pid is written into it
        fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                     | os.O_CLOEXEC, 0o644)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise DataError("command line", "--out", str(root / ".lock"), "is a symlink; "
                            "refusing to write through it (remove it)") from None
        raise StoreError(f"cannot use {root}: {os_reason(err)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DataError("command line", "--out", str(root / ".lock"), "is not a regular "
                            "file; refusing to write into it (remove it)")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise BatchLocked(f"another {what} (pid {other}) is writing to {root}; wait for "
                              "it to finish or use another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def part_provenance(part: str | Path) -> dict[str, Any] | None:
    """The provenance object stored in a Parquet part (None if it has none)."""
    import json

    meta = pq.read_schema(part).metadata or {}
    raw = meta.get(b"provenance")
    return None if raw is None else json.loads(raw)


def read_runs(out_dir: str | Path) -> pd.DataFrame:
    """The runs table of a results directory."""
    return ResultStore(out_dir).read_runs()


def read_rounds(out_dir: str | Path) -> pd.DataFrame:
    """The rounds table of a results directory."""
    return ResultStore(out_dir).read_rounds()
