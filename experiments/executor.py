"""Where runs execute: in-process, a local process pool, or Dask — one interface.

:func:`open_executor` yields a :class:`concurrent.futures.Executor` (``submit`` returns a
``concurrent.futures.Future``) whatever runs behind it; its ``width`` attribute says how
many tasks run at once. No scheduling of our own: a process pool, or Dask's
``Client.get_executor()``.

    with open_executor(workers=4) as ex:                     # local process pool
    with open_executor(workers=1) as ex:                     # serial, in this process
    with open_executor(dask_workers=2) as ex:                # a local Dask LocalCluster
    with open_executor(scheduler="tcp://host:8786") as ex:   # an existing Dask cluster

On an existing cluster, every worker needs this project installed (``pip install -e .``
in the workers' environment) so that it can import ``experiments.runs``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from model.io.safeio import MAX_WORKERS, int_in


class SerialExecutor(Executor):
    """Runs each task at once in the calling process (``--workers 1``): no pickling, easy
    debugging, the reference for "identical whatever the executor"."""

    width = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller via the future
            fut.set_exception(err)
        return fut


def _forkserver() -> Any:
    """The process pool's start method. Forkserver: no fork of a process that runs threads
    (the progress bar, Dask); workers fork from a server that has imported the model once,
    so no worker pays the imports (Mesa, NumPy) again and none imports the app's (Solara,
    Altair)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["experiments.runs"])
    return ctx


def warm_up() -> None:
    """Start the process pool's server now: its imports then run beside this process's
    own (a command that will open a pool calls it first)."""
    from multiprocessing import forkserver

    _forkserver()
    forkserver.ensure_running()


@contextmanager
def open_executor(workers: int | None = None, dask_workers: int | None = None,
                  scheduler: str | None = None, *, dask_processes: bool = True,
                  ) -> Iterator[Executor]:
    """A concurrent.futures.Executor for runs; closed (cluster shut down) on exit.

    Args:
        workers: local process pool size (default ``os.cpu_count()``); ``1`` runs serially
            in this process.
        dask_workers: start a local Dask ``LocalCluster`` with this many workers (one
            thread each) instead of the process pool.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); wins over
            ``dask_workers`` and ``workers``.
        dask_processes: LocalCluster workers as processes (default) or threads in this
            process (faster start, shares the GIL).

    The executor has a ``width`` attribute: the number of tasks that run at once.
    """
    if scheduler or dask_workers:
        import dask
        from distributed import Client, LocalCluster

        # Dask's nannies write their workers' settings into this process's environment
        # (MALLOC_TRIM_THRESHOLD_, thread counts, PYTHONHASHSEED) and leave them there, so
        # every process started afterwards inherits them: they are put back on exit
        environ = dict(os.environ)
        cluster = None
        try:
            if scheduler:
                try:
                    client = Client(scheduler, timeout=15)
                except (OSError, TimeoutError, ValueError) as err:
                    raise OSError(f"cannot reach the Dask scheduler {scheduler}: "
                                  f"{err or type(err).__name__}") from None
            else:
                # Dask trims freed memory above 64 kB back to the system in its workers;
                # a run's arrays are then faulted in afresh at every allocation (a batch
                # took 1.6x as long), and its workers live for one batch only
                with dask.config.set({"distributed.nanny.pre-spawn-environ."
                                      "MALLOC_TRIM_THRESHOLD_": None}):
                    cluster = LocalCluster(n_workers=int(dask_workers),
                                           threads_per_worker=1, processes=dask_processes,
                                           dashboard_address=None,
                                           silence_logs=logging.ERROR)
                client = Client(cluster)
            try:
                # a task on a worker that dies is run again elsewhere (Dask reschedules
                # it; retries also covers a task that raised as its worker went away)
                ex = client.get_executor(pure=False, retries=2)
                ex.width = max(1, sum(client.nthreads().values()))
                yield ex
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        finally:
            for key in set(os.environ) - set(environ):
                del os.environ[key]
            os.environ.update(environ)
        return
    n = (os.cpu_count() or 1) if workers is None else int(workers)
    if n < 1:
        raise ValueError(f"--workers must be at least 1, got {n}")
    if n == 1:
        yield SerialExecutor()
        return
    pool = ProcessPoolExecutor(max_workers=n, mp_context=_forkserver(),
                               initializer=watch_parent, initargs=(os.getpid(),))
    pool.width = n
    try:
        yield pool
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: no task is waited for
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes now (their tasks are abandoned; what was
    finished and recorded stays)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, AttributeError, ValueError):
            proc.terminate()


def watch_parent(pid: int, every: float = 0.5) -> None:
    """A worker's initializer: a daemon thread ends this worker as soon as process ``pid``
    (the command that started the pool) is gone, however it died (SIGKILL included), so no
    worker outlives it by more than a moment. The forkserver is the worker's parent, so the
    command is watched by pid (a pidfd where the system has one: no pid reuse)."""
    import threading

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            import select

            poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.poll()  # readable once the process has ended
            os._exit(1)
        while not gone():
            threading.Event().wait(every)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def add_executor_options(p: argparse.ArgumentParser) -> None:
    """``--workers``, ``--dask-workers``, ``--scheduler``: the options every front door that
    runs batches of runs shares (batch, sensitivity, tune)."""
    p.add_argument("--workers", type=int_in(1, MAX_WORKERS), default=None,
                   help="local worker processes (default: cpu count; 1 = serial, in-process)")
    p.add_argument("--dask-workers", type=int_in(1, MAX_WORKERS), default=None,
                   help="run on a local Dask cluster with this many workers")
    p.add_argument("--scheduler", default=None,
                   help="run on an existing Dask cluster (tcp://host:8786)")


def executor_from(args: argparse.Namespace) -> AbstractContextManager[Executor]:
    """:func:`open_executor` for the options :func:`add_executor_options` added."""
    return open_executor(workers=args.workers, dask_workers=args.dask_workers,
                         scheduler=args.scheduler)
