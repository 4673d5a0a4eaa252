"""The model's DataCollector: Mesa's, with the model's own reporters read off the arrays.

Mesa's generic ``collect`` calls one Python reporter per variable (four per issue) and one
per agent per variable every round: most of a run's time before docs/batches.md's change.
:class:`RoundCollector` keeps Mesa's reporters (their names, ``get_model_vars_dataframe``,
``get_agent_vars_dataframe``, ``mesa.batch_run``) but fills the same tables from the
outcome, forecast and position arrays in a few NumPy calls. Any reporter added later
that it does not know makes it fall back to Mesa's generic path, so it can never record
something different from what the reporters say (tests/test_collect.py compares the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel


def model_columns(issue_ids: list[str]) -> list[str]:
    """The model reporters' names, in the order :class:`RoundCollector` fills them."""
    cols = ["agreed", "coalitions", "us_engagement"]
    for iid in issue_ids:
        cols += [f"eu_role_{iid}", f"forecast_eu_{iid}", f"nato_role_{iid}",
                 f"forecast_nato_{iid}"]
    return cols


def agent_columns(issue_ids: list[str]) -> list[str]:
    return ["coalition"] + [c for iid in issue_ids for c in (f"eu_{iid}", f"nato_{iid}")]


def coalition_count(coalition: np.ndarray) -> int:
    """Coalitions of two or more, over every pillar's (n,) labels."""
    return int(sum(int((np.bincount(c) >= 2).sum()) for c in coalition))


def model_reporters(model: EuNatoModel) -> dict[str, Any]:
    """Mesa's model reporters of a run: its counts and every role's outcome and forecast
    (:class:`RoundCollector` fills the same columns from the arrays)."""
    rep: dict[str, Any] = {
        "agreed": lambda mdl: int(sum(s == "agreed" for s in mdl.status)),
        "coalitions": lambda mdl: coalition_count(mdl.coalition),
        "us_engagement": lambda mdl: mdl.world.us_engagement,
    }
    for j, iid in enumerate(model.world.issue_ids):
        for c, role in ((j, "eu"), (model.m + j, "nato")):
            rep[f"{role}_role_{iid}"] = lambda mdl, c=c: float(mdl.outcome[c])
            rep[f"forecast_{role}_{iid}"] = lambda mdl, c=c: float(mdl.forecast[c])
    return rep


def agent_reporters(model: EuNatoModel) -> dict[str, Any]:
    """Mesa's agent reporters: each actor's coalition and its position on every role."""
    rep: dict[str, Any] = {"coalition": "coalition_name"}
    for j, iid in enumerate(model.world.issue_ids):
        for c, role in ((j, "eu"), (model.m + j, "nato")):
            rep[f"{role}_{iid}"] = lambda a, c=c: float(a.model.state.position[a.row, c])
    return rep


class RoundCollector(mesa.DataCollector):
    """Mesa's DataCollector for :class:`~model.model.EuNatoModel`, filled from arrays."""

    def __init__(self, model_reporters: dict[str, Any], agent_reporters: dict[str, Any],
                 issue_ids: list[str]) -> None:
        super().__init__(model_reporters=model_reporters, agent_reporters=agent_reporters)
        # the fast path only for exactly the reporters it reproduces
        self.fast = (list(model_reporters) == model_columns(issue_ids)
                     and list(agent_reporters) in ([], agent_columns(issue_ids)))

    def collect(self, model: EuNatoModel) -> None:  # type: ignore[override]
        if not self.fast:
            super().collect(model)
            return
        m = model.m
        self._collection_steps.append(model.time)
        roles = np.stack([model.outcome[:m], model.forecast[:m], model.outcome[m:],
                          model.forecast[m:]], axis=1).ravel().tolist()
        row = [sum(s == "agreed" for s in model.status), coalition_count(model.coalition),
               model.world.us_engagement, *roles]
        for values, x in zip(self.model_vars.values(), row, strict=True):
            values.append(x)
        if self.agent_reporters:
            pos = model.state.position
            per = np.stack([pos[:, :m], pos[:, m:]], axis=2).reshape(len(pos), 2 * m).tolist()
            ids = model.state.actor_ids
            names = model.coalition[model.shown_pillar].tolist()
            t = model.time
            self._agent_records[t] = [
                (t, a.unique_id, ids[names[a.row]], *per[a.row]) for a in model.agents]
