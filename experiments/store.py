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
same whatever executor, worker count or interruption produced it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.runs import MODEL_PARAMETERS

#: the leading columns of the runs table, in this order; the rest follow sorted by name
LEAD_COLUMNS = ("run_id", "status", "error", "scenario", "protocol", "seed", "rounds",
                *MODEL_PARAMETERS)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table from dicts that may not all have the same keys."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    return pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in rows])


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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

    def clean(self) -> None:
        """Remove leftovers of an interrupted write: temporary files, and rounds parts
        whose runs part never landed."""
        committed = {p.name for p in self._run_parts()}
        for d in (self.runs_dir, self.rounds_dir):
            if d.is_dir():
                for tmp in d.glob(".part-*.tmp"):
                    tmp.unlink(missing_ok=True)
        for p in self._round_parts():
            if p.name not in committed:
                p.unlink(missing_ok=True)

    def write_part(self, rows: list[dict[str, Any]],
                   round_rows: list[dict[str, Any]] | None = None,
                   metadata: dict[str, str] | None = None) -> Path:
        """Write one chunk of run rows (and their round rows); return the runs part.
        ``metadata`` (e.g. ``{"provenance": json}``) goes into each part's schema."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        existing = self._run_parts()
        seq = 1 + max((int(p.name.split("-")[1]) for p in existing), default=0)
        name = f"part-{seq:06d}-{uuid.uuid4().hex[:8]}.parquet"
        def tagged(t: pa.Table) -> pa.Table:
            if not metadata:
                return t
            return t.replace_schema_metadata({**(t.schema.metadata or {}), **{
                k.encode(): v.encode() for k, v in metadata.items()}})

        if round_rows:
            self.rounds_dir.mkdir(parents=True, exist_ok=True)
            _write_atomic(tagged(_table(round_rows)), self.rounds_dir / name)
        path = self.runs_dir / name
        _write_atomic(tagged(_table(rows)), path)
        return path

    # --- reading -------------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Run ids already recorded (ok or error)."""
        ids: set[str] = set()
        for p in self._run_parts():
            ids.update(pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def read_runs(self) -> pd.DataFrame:
        """The runs table: one row per run id, sorted by run id."""
        parts = self._run_parts()
        if not parts:
            return pd.DataFrame(columns=["run_id", "status", "error"])
        table = pa.concat_tables([pq.read_table(p) for p in parts],
                                 promote_options="permissive")
        df = table.to_pandas().drop_duplicates("run_id", keep="first")
        return _canonical(df, LEAD_COLUMNS, ["run_id"])

    def read_rounds(self) -> pd.DataFrame:
        """The rounds table (committed parts only), sorted by run id and round."""
        committed = {p.name for p in self._run_parts()}
        parts = [p for p in self._round_parts() if p.name in committed]
        if not parts:
            return pd.DataFrame(columns=["run_id", "round"])
        table = pa.concat_tables([pq.read_table(p) for p in parts],
                                 promote_options="permissive")
        df = table.to_pandas().drop_duplicates(["run_id", "round"], keep="first")
        return _canonical(df, ("run_id", "round"), ["run_id", "round"])


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
