"""Reading user files and writing user outputs without surprises.

Every file a user names (scenario, experiment, tune, sensitivity, stakeholder table) is
read through :func:`read_user_text`: a folder, a device such as ``/dev/zero``, a file
over the size ceiling or bytes that are not text become one :class:`~model.inputs.data.DataError`
naming the file, never a traceback or unbounded memory. :func:`safe_name` keeps names
that come from files (experiment names, ``--write-scenario``) inside their folder.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from model.inputs.errors import DataError

# --------------------------------------------------------------------------------------
# Ceilings: the one place every limit on what a file, an option or a keyword may ask for
# is defined, so that nothing runs for ever or exhausts memory. Everything else imports
# these names (tests/test_ceilings.py checks that no other module defines one).
# --------------------------------------------------------------------------------------
#: the largest input file read (scenario, experiment, tune, sensitivity, stakeholder
#: table): real ones are a few kB; 20 MB leaves room and keeps memory bounded
MAX_FILE_BYTES = 20 * 1024 * 1024
#: rounds of one run
MAX_ROUNDS = 10_000
#: runs of one batch or study
MAX_RUNS = 1_000_000
#: a seed (numpy takes any non-negative integer; this keeps it one 64-bit word)
MAX_SEED = 2**63 - 1
#: the longest chain of scenario ``extends`` followed (real ones are one or two long)
MAX_EXTENDS = 16
#: replicates of each point of an experiment
MAX_REPLICATES = 10_000
#: levels of a grid or Morris design per parameter
MAX_GRID_LEVELS = 100
#: the Sobol' base sample size (a power of two)
MAX_SOBOL_N = 2**20
#: Morris trajectories, bootstrap resamples, tuning trials per command, ``run --seeds``
MAX_TRAJECTORIES = 100_000
MAX_RESAMPLES = 100_000
MAX_TRIALS = 100_000
MAX_SEEDS = 100_000
#: list lengths in a study file: seeds, free parameters, targets; scenarios of a batch
MAX_STUDY_SEEDS = 1000
MAX_STUDY_PARAMETERS = 200
MAX_TARGETS = 1000
MAX_SCENARIOS = 1000
#: actors in one stakeholder table (the pairwise protocols are O(n²) per round)
MAX_ACTORS = 2000
#: local worker processes or Dask workers asked for on the command line
MAX_WORKERS = 4096
#: protocol parameters: Nash grid points per issue (memory grows as actors × points),
#: exchanges per round
MAX_NASH_GRID = 10_001
MAX_EXCHANGES = 1_000_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def read_user_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or one DataError."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DataError(p, "(file)", str(p), "no such file") from None
    except OSError as err:
        raise DataError(p, "(file)", str(p), f"cannot read: {err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(p, "(file)", str(p), "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(p, "(file)", str(p), "not a regular file (a device or a pipe)")
    if st.st_size > limit:
        raise DataError(p, "(file)", f"{st.st_size} bytes",
                        f"larger than the {limit // (1024 * 1024)} MB an input file may be")
    try:
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise DataError(p, "(file)", str(p), f"cannot read: {err.strerror or err}") from None
    if len(data) > limit:  # grew while we looked
        raise DataError(p, "(file)", str(p), "larger than an input file may be")
    return data


def read_user_text(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text (a BOM is allowed) of a user file; DataError on anything else."""
    data = read_user_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(path, "(file)", f"byte {err.start}",
                        "not UTF-8 text (save the file as UTF-8)") from None


def read_user_toml(path: str | Path) -> dict[str, Any]:
    """A user TOML file as a dict; every problem is one DataError naming the file."""
    text = read_user_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(path, "(syntax)", None, f"not valid TOML: {err}") from None
    except RecursionError:  # thousands of nested brackets
        raise DataError(path, "(syntax)", None, "nested too deeply") from None


def safe_name(value: Any, file: str | Path, field: str) -> str:
    """A name that may become a file or folder name: letters, digits, ``.``, ``_``, ``-``,
    not starting with a dot, at most 100 characters (so no ``..``, ``/`` or absolute path)."""
    if not isinstance(value, str) or not _NAME.match(value) or ".." in value:
        raise DataError(file, field, value, "a name may hold only letters, digits, '.', '_' "
                        "and '-' (no '/' or '..'), start with a letter or digit and be at "
                        "most 100 characters")
    return value



def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer in [lo, hi] (a bad value is argparse's one-line
    error, exit code 2)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must lie in [{lo}, {hi:,}], got {v}")
        return v
    parse.__name__ = "integer"
    return parse


def float_in(lo: float, hi: float) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in [lo, hi]."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(v) and lo <= v <= hi):
            raise argparse.ArgumentTypeError(f"must be a finite number in [{lo:g}, {hi:g}], "
                                             f"got {text}")
        return v
    parse.__name__ = "number"
    return parse


def writable_file(path: str | Path, option: str) -> Path:
    """Check that ``path`` can be written as a file before the work starts (not a folder,
    its folder exists); raise one DataError naming the option otherwise."""
    p = Path(path)
    if p.is_dir():
        raise DataError("command line", option, str(p), "is a folder; give a file name")
    if not p.parent.is_dir():
        raise DataError("command line", option, str(p), f"folder {p.parent} does not exist")
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise DataError("command line", option, str(p), "not writable")
    return p


def writable_dir(path: str | Path, option: str) -> Path:
    """Check that ``path`` is (or can become) a writable folder; one DataError otherwise."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise DataError("command line", option, str(p), "is a file, not a folder")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise DataError("command line", option, str(p), f"{probe} is not a writable folder")
    return p


def os_reason(err: OSError) -> str:
    """Why a write failed, in words a user acts on."""
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the folder is read-only or not writable"
    return err.strerror or str(err)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to, renamed to ``path`` only once the
    writing has finished (``os.replace`` is atomic on POSIX): a full disk, a read-only
    folder or a kill never leaves a half file under the real name. The temporary name keeps
    the suffix, since writers such as matplotlib choose the format from it. A failure is
    one OSError naming the file and the reason."""
    p = Path(path)
    tmp = p.with_name(f".{p.stem}.{os.getpid()}.tmp{p.suffix}")
    try:
        yield tmp
        os.replace(tmp, p)
    except OSError as err:
        raise OSError(err.errno, f"cannot write it: {os_reason(err)}", str(p)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (:func:`atomic_output`)."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
