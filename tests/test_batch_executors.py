"""Batches give the same tables whatever runs them: serial, process pool, Dask."""

import pandas as pd
import pytest

from experiments.batch import BatchFailed, run_id, run_params
from experiments.samplers import sample_ranges
from experiments.store import read_rounds

PARAMS = [{"scenario": "baseline-2024", "protocol": "compromise", "rounds": 6, "seed": s,
           "us_engagement": u, "eastern_flank_decoupling_fear": f}
          for s in (1, 2) for u in (0.2, 0.9) for f in (0.1, 0.5, 0.9)]  # 12 runs


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return run_params(PARAMS, out, workers=1, per_round=True, progress=False, part_size=5), out


def test_serial_table_has_one_row_per_run_sorted_by_id(serial):
    df, out = serial
    assert len(df) == len(PARAMS) == df["run_id"].nunique()
    assert list(df["run_id"]) == sorted(run_id(p) for p in PARAMS)
    assert (df["status"] == "ok").all()
    assert {"us_engagement", "eastern_flank_decoupling_fear", "agreed", "duplication_index",
            "partition", "eu_role_ukr_aid", "nato_role_ukr_aid"} <= set(df.columns)
    assert len(list((out / "runs").glob("part-*.parquet"))) == 3  # 12 runs, 5 per part
    rounds = read_rounds(out)
    assert set(rounds["run_id"]) == set(df["run_id"])
    assert not rounds.duplicated(["run_id", "round"]).any()


def test_process_pool_gives_the_identical_table(serial, tmp_path):
    df, out = serial
    df2 = run_params(PARAMS[::-1], tmp_path, workers=2, per_round=True, progress=False,
                     part_size=4, chunksize=1)
    pd.testing.assert_frame_equal(df, df2)
    pd.testing.assert_frame_equal(read_rounds(out), read_rounds(tmp_path))


def test_dask_local_cluster_gives_the_identical_table(serial, tmp_path):
    df, out = serial
    df3 = run_params(PARAMS, tmp_path, dask_workers=2, dask_processes=False, per_round=True,
                     progress=False, part_size=7)
    pd.testing.assert_frame_equal(df, df3)
    pd.testing.assert_frame_equal(read_rounds(out), read_rounds(tmp_path))


def test_in_memory_batch_gives_the_identical_table(serial):
    df, _ = serial
    pd.testing.assert_frame_equal(df, run_params(PARAMS, None, workers=1, progress=False))


def test_run_id_depends_on_inputs_only():
    a = {"protocol": "nash", "seed": 3, "us_engagement": 0.5}
    b = {"us_engagement": 0.5, "seed": 3, "protocol": "nash", "rounds": None}
    assert run_id(a) == run_id(b) != run_id({**a, "seed": 4})


def test_failed_runs_are_recorded_and_do_not_stop_the_batch(tmp_path):
    bad = {"protocol": "no-such-protocol", "seed": 1, "rounds": 2}
    df = run_params([PARAMS[0], bad], tmp_path, workers=1, progress=False)
    assert sorted(df["status"]) == ["error", "ok"]
    err = df.loc[df["status"] == "error", "error"].item()
    assert "no-such-protocol" in err
    # the same batch again: nothing to do, nothing duplicated
    again = run_params([PARAMS[0], bad], tmp_path, workers=1, progress=False)
    pd.testing.assert_frame_equal(df, again)


def test_fail_fast_stops_at_the_first_error(tmp_path):
    bad = {"protocol": "no-such-protocol", "seed": 1, "rounds": 2}
    with pytest.raises(BatchFailed, match="no-such-protocol"):
        run_params([bad, *PARAMS], tmp_path, workers=1, progress=False, fail_fast=True,
                   chunksize=1)


@pytest.mark.parametrize("kind,n", [("grid", 9), ("lhs", 8), ("sobol", 8), ("saltelli", 48)])
def test_samplers_stay_in_the_box(kind, n):
    pts = sample_ranges({"a": (0.2, 0.4), "b": (0.0, 1.0)}, kind, levels=3, n=8, seed=1)
    assert len(pts) == n
    assert all(0.2 <= p["a"] <= 0.4 and 0.0 <= p["b"] <= 1.0 for p in pts)
    assert pts == sample_ranges({"a": (0.2, 0.4), "b": (0.0, 1.0)}, kind, levels=3, n=8,
                                seed=1)


def test_existing_dask_scheduler_by_address(serial, tmp_path):
    from distributed import LocalCluster

    df, _ = serial
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        df4 = run_params(PARAMS, tmp_path, scheduler=cluster.scheduler_address,
                         progress=False)
    pd.testing.assert_frame_equal(df, df4)


def _app_libraries_loaded() -> list[str]:
    import sys

    return sorted(m for m in ("solara", "altair", "matplotlib") if m in sys.modules)


def test_pool_workers_start_without_the_app_libraries():
    """A process-pool worker (forked from the server that preloads the model) has not
    imported Solara, Altair or matplotlib when it gets its first task, nor after a run."""
    from experiments.executor import open_executor
    from experiments.runs import run_chunk

    with open_executor(workers=2) as ex:
        assert ex.submit(_app_libraries_loaded).result() == []
        ex.submit(run_chunk, [("x", {"seed": 1, "rounds": 2})]).result()
        assert ex.submit(_app_libraries_loaded).result() == []


def test_ensemble_rows_are_the_same_whatever_the_executor_and_the_task_size():
    """Lean rows (tasks played as ensembles): serial, a process pool cutting the runs into
    tasks of other sizes and a Dask cluster of worker processes give one table; and the
    Dask cluster leaves this process's environment as it found it (its nannies write
    MALLOC_TRIM_THRESHOLD_, thread counts and PYTHONHASHSEED into it)."""
    import os

    params = PARAMS + [{**p, "scenario": "us-disengagement"} for p in PARAMS[:5]]
    ref = run_params(params, None, workers=1, progress=False)
    for size in (1, 5):
        pd.testing.assert_frame_equal(
            ref, run_params(params[::-1], None, workers=2, progress=False, chunksize=size))
    environ = dict(os.environ)
    pd.testing.assert_frame_equal(
        ref, run_params(params, None, dask_workers=2, progress=False, chunksize=4))
    assert dict(os.environ) == environ


def test_the_process_that_feeds_a_batch_does_not_import_the_model(tmp_path):
    """`eunato batch` on a pool: the feeding process parses the file, sends tasks and
    writes rows without Mesa or the engine (its workers' server imports them), and the
    rows are all there."""
    import subprocess
    import sys

    exp = tmp_path / "e.toml"
    exp.write_text('name = "e"\nscenarios = ["baseline-2024"]\nreplicates = 3\nrounds = 3\n'
                   "[parameters]\nus_engagement = [0.2, 0.8]\n")
    code = ("import sys\nimport cli.main as cli\n"
            f"code = cli.main(['batch', {str(exp)!r}, '--out', {str(tmp_path / 'out')!r}, "
            "'--workers', '2', '--no-progress'])\n"
            "print(code, 'mesa' in sys.modules, 'experiments.runs' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-3:] == ["0", "False", "False"], r.stdout
    from experiments.store import read_runs

    runs = read_runs(tmp_path / "out")
    assert len(runs) == 6 and (runs["status"] == "ok").all()
