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
import sys
import tempfile
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
#: the work a forecast may ask of a protocol, in array-element operations over all its
#: rounds (each protocol counts its own: pce and smp n³ per round, bdm m·n²·log n, exchange
#: n²·m², compromise n·m; about 1e-7 s each on one core, so at most a minute or two), and
#: the largest array one round may build (elements; 5e7 float64 are 400 MB)
MAX_WORK = 500_000_000
MAX_ARRAY = 50_000_000
#: an actor's capability in a scenario (shares near 1 in the data; 1e308 overflowed)
MAX_CAPABILITY = 1e6
#: simulated months of a run (rounds × months_per_round): a thousand years
MAX_MONTHS = 12_000
#: values a tuned parameter's ``step`` may give between its bounds
MAX_STEPS = 1_000_000_000
#: the largest magnitude of a position in a stakeholder table (and of ``--range``):
#: positions are squared and summed over thousands of actors, which must stay finite
MAX_TABLE_VALUE = 1e12
#: rows of a stakeholder table (actors × issues in the long layout), counted while reading
MAX_TABLE_ROWS = 200_000
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



def plain_number(text: str, whole: bool = False) -> float | int:
    """``text`` as a number written in plain ASCII digits: Python's ``int``/``float`` also
    read "1_000" and other scripts' digits ("٣", "１０"), which a user never means as a
    seed or a level. ValueError otherwise (the caller words the error)."""
    s = text.strip()
    if "_" in s or not s.isascii():
        raise ValueError(text)
    return int(s) if whole else float(s)


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer in [lo, hi] (a bad value is argparse's one-line
    error, exit code 2)."""
    def parse(text: str) -> int:
        try:
            v = int(plain_number(text, whole=True))
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
            v = float(plain_number(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (math.isfinite(v) and lo <= v <= hi):
            raise argparse.ArgumentTypeError(f"must be a finite number in [{lo:g}, {hi:g}], "
                                             f"got {text}")
        return v
    parse.__name__ = "number"
    return parse


def _kind(mode: int) -> str:
    return ("a symlink" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def is_stdout(path: str | Path) -> bool:
    """Whether ``path`` is ``-`` or names this process's standard output (``/dev/stdout``,
    a link to ``/proc/self/fd/1``): such a target is written through, never replaced."""
    if str(path) == "-":
        return True
    try:
        st, out = os.stat(path), os.fstat(1)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino)


def check_target(path: str | Path, option: str) -> Path:
    """Refuse an output target that exists and is not a regular file (a symlink, a
    device, a FIFO, a socket): writing would replace it, or write somewhere else."""
    p = Path(path)
    try:
        st = p.lstat()
    except FileNotFoundError:
        return p
    except OSError as err:
        raise DataError("command line", option, str(p), f"cannot use it: {os_reason(err)}") \
            from None
    if not stat.S_ISREG(st.st_mode):
        raise DataError("command line", option, str(p), f"is {_kind(st.st_mode)}, not a "
                        "regular file; refusing to replace it (give a new file name)")
    return p


def writable_file(path: str | Path, option: str) -> Path:
    """Check that ``path`` can be written as a file before the work starts (not a folder,
    not a device or a link, its folder exists); raise one DataError naming the option
    otherwise. Standard output (:func:`is_stdout`) is the caller's to write through."""
    p = Path(path)
    if is_stdout(p):
        return p
    if p.is_dir() and not p.is_symlink():
        raise DataError("command line", option, str(p), "is a folder; give a file name")
    check_target(p, option)
    if not p.parent.is_dir():
        raise DataError("command line", option, str(p), f"folder {p.parent} does not exist")
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise DataError("command line", option, str(p), "not writable")
    return p


def writable_dir(path: str | Path, option: str) -> Path:
    """Check that ``path`` is (or can become) a writable folder; one DataError otherwise.
    ``-`` (standard output) and a symlink are refused: the folder's files are written
    under it, and a link would put them elsewhere."""
    p = Path(path)
    if str(path) == "-":
        raise DataError("command line", option, "-", "must be a folder; '-' (standard "
                        "output) is not one")
    if p.is_symlink():
        raise DataError("command line", option, str(p), "is a symlink; give the folder "
                        "itself")
    if p.exists() and not p.is_dir():
        raise DataError("command line", option, str(p), "is a file, not a folder")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise DataError("command line", option, str(p), f"{probe} is not a writable folder")
    return p


def real_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a folder of our own inside its parent: absent (then made) or a real
    folder, never a symlink or a file (which would take writes outside the folder)."""
    p = Path(path)
    try:
        st = p.lstat()
    except FileNotFoundError:
        try:
            p.mkdir(exist_ok=True)
        except OSError as err:
            raise OSError(err.errno, f"cannot make it: {os_reason(err)}", str(p)) from None
        return p
    if not stat.S_ISDIR(st.st_mode):
        raise DataError("command line", option, str(p), f"is {_kind(st.st_mode)}, not a "
                        "folder; refusing to write through it")
    return p


def os_reason(err: OSError) -> str:
    """Why a write failed, in words a user acts on."""
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the folder is read-only or not writable"
    return err.strerror or str(err)


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


#: the mode a new output file gets (``mkstemp`` makes 0600 files; outputs are shared)
_FILE_MODE = 0o666 & ~_umask()


def temp_beside(path: str | Path, suffix: str = "") -> Path:
    """A new empty file beside ``path`` with an unpredictable name, made with ``O_EXCL``
    (``tempfile.mkstemp``), so a link planted at a guessed name is never followed."""
    p = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=f".tmp{suffix}", dir=p.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
    finally:
        os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write to (:func:`temp_beside`), renamed to
    ``path`` only once the writing has finished (``os.replace`` is atomic on POSIX): a full
    disk, a read-only folder or a kill never leaves a half file under the real name. The
    temporary name keeps the suffix, since writers such as matplotlib choose the format
    from it. A target that is not a regular file (a device, a link) is refused, never
    replaced. A failure is one OSError naming the file and the reason."""
    p = Path(path)
    check_target(p, "(output)")
    tmp = None
    try:
        tmp = temp_beside(p, p.suffix)
        yield tmp
        check_target(p, "(output)")  # nothing slipped in while we wrote
        os.replace(tmp, p)
    except OSError as err:
        raise OSError(err.errno, f"cannot write it: {os_reason(err)}", str(p)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (:func:`atomic_output`);
    standard output (``-``, ``/dev/stdout``) is written through."""
    if is_stdout(path):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


#: what a run folder of ``eunato run --out`` holds
RUN_FILES = frozenset({"steps.parquet", "actors.parquet", "summary.json", "events.json",
                       "seeds.json"})


def check_new_folder(path: str | Path, overwrite: bool, option: str = "--out",
                     ours: frozenset[str] = RUN_FILES) -> Path:
    """Before the work: ``path`` may become the output folder. One that already holds
    files is refused unless ``overwrite``, and even then when it holds files that are not
    ours (replacing it would delete them)."""
    p = writable_dir(path, option)
    if not p.is_dir():
        return p
    names = sorted(n.name for n in p.iterdir() if ".tmp" not in n.name)
    if not names:
        return p
    if not overwrite:
        raise DataError("command line", option, str(p), "holds an earlier run; give "
                        "--overwrite to replace it, or another folder")
    alien = [n for n in names if n not in ours]
    if alien:
        raise DataError("command line", option, str(p), "holds files that are not a run's ("
                        + ", ".join(alien[:5]) + "); refusing to replace it")
    return p


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def folder_swap(path: str | Path) -> Iterator[Path]:
    """A fresh hidden folder beside ``path`` to build the output in; once it is complete
    it takes ``path``'s place in one step (the old folder, if any, is then deleted), so a
    kill leaves the old folder or the new one, never a mix of the two."""
    import shutil

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{p.name}.new-", dir=p.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if p.is_dir() and not p.is_symlink() and any(p.iterdir()):
            if not _exchange(tmp, p):  # two renames: a kill between leaves both beside
                old = Path(tempfile.mkdtemp(prefix=f".{p.name}.old-", dir=p.parent))
                os.replace(p, old / p.name)
                os.replace(tmp, p)
                tmp = old
        else:
            if p.is_dir() and not p.is_symlink():
                p.rmdir()
            os.replace(tmp, p)
    except OSError as err:
        # a file that failed inside the new folder is named at the place it was meant for
        where, name = str(p), Path(err.filename) if err.filename else None
        if name is not None and name.is_relative_to(tmp):
            where = str(p / name.relative_to(tmp))
        why = err.strerror if str(err.strerror).startswith("cannot write it") else (
            f"cannot write it: {os_reason(err)}")
        raise OSError(err.errno, why, where) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the command stops as under Ctrl-C (workers stopped, finished
    work kept, a message) and exits 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def interrupt_code(err: BaseException) -> int:
    """The exit code of an interruption: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    import signal

    return 128 + int(getattr(err, "signum", signal.SIGINT))


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """While the body runs, SIGTERM and SIGHUP raise :class:`Terminated` in the main
    thread (a second one, while the first is being handled, is ignored so that the
    clean-up finishes); the handlers are put back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGTERM, signal.SIGHUP)

    def handler(signum: int, frame: Any) -> None:
        for s in sigs:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    old = {s: signal.signal(s, handler) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def json_text(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` whose output is always valid JSON: NaN and infinity (which
    ``json.dumps`` writes as bare ``NaN`` tokens) become ``null``."""
    import json

    try:
        return json.dumps(obj, allow_nan=False, **kwargs)
    except ValueError:
        return json.dumps(_finite(obj), allow_nan=False, **kwargs)
