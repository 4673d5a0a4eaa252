"""The task a batch sends to its workers, named without importing the model.

The process that feeds a batch (``eunato batch``) only sends tasks and writes rows; its
workers run them, with the model imported once in their pool's server. Naming the task
here lets the feeding process skip the model's imports (Mesa alone is 0.6–0.8 s), which
ran beside the server's own and delayed the first tasks.
"""

from __future__ import annotations

from typing import Any


def run_chunk(tasks: list[tuple[str, dict[str, Any]]], per_round: bool = False
              ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """:func:`experiments.runs.run_chunk`, imported where the task runs."""
    from experiments.runs import run_chunk as run

    return run(tasks, per_round)
