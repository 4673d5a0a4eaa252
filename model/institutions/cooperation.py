"""Enhanced cooperation as a legal basis (issue 22 item 1; docs/model.md §5.4).

When an act of the Union as a whole cannot be had, at least nine member states may go
ahead among themselves (Art. 20 TEU, Arts. 326-334 TFEU): the Council authorises it by QMV
on a Commission proposal with the Parliament's consent (Art. 329(1) TFEU); only the
participants are bound by its acts (Art. 20(4) TEU, Art. 330 TFEU) and bear its costs
(Art. 332 TFEU). It is a last resort (Art. 20(2) TEU), so never an issue's own basis; in the
CFSP the authorisation needs unanimity (Art. 329(2) TFEU), so it cannot get round a CFSP
veto, and the Union's budget cannot be enacted by some states for all: data/issues.toml
refuses ``ec`` after ``cfsp`` and ``mff``.

The vote (``willing`` in model/institutions/venues.py) makes the yes voters the
participants; a member that votes no also votes against the authorisation, so a blocking
minority that stops an act stops its enhanced cooperation too, while abstainers let the
willing go on. An act that binds only part of the Union covers only part of the task, so
its effect on the EU's role is the proposal's move from the status quo scaled by the
participants' share of the EU's population: :func:`willing_point` is the agenda setter's
best proposal under that scaling (the effective role nearest its ideal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.base import MIN_CHANGE

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel


def willing_point(model: EuNatoModel, j: int, setter: int, piece_vote: Callable[..., Any],
                  grid: np.ndarray) -> tuple[float | None, list[str], float]:
    """(the EU role the setter's best enhanced-cooperation proposal sets, the participating
    states, their share of the EU's population); (None, [], 0.0) when no change passes.
    ``piece_vote`` and ``grid`` are the houses' (model.institutions.houses), handed in so
    that this module does not import the one that calls it."""
    v = piece_vote(model, j, "eu", grid, basis="ec")
    el = model.electorate
    part = v.yes & el.eu[:, None]
    pop = el.population
    share = (pop[:, None] * part).sum(axis=0) / max(pop[el.eu].sum(), 1e-12)
    sq = float(model.outcome[j])
    effect = sq + share * (grid - sq)
    ok = v.adopted & (np.abs(effect - sq) >= MIN_CHANGE)
    if not ok.any():
        return None, [], 0.0
    ideal = float(model.state.ideal[setter, j])
    g = int(np.flatnonzero(ok)[np.argmin(np.abs(effect[ok] - ideal))])
    ids = [model.world.actor_ids[k] for k in np.flatnonzero(part[:, g])]
    return float(effect[g]), ids, float(share[g])


def scope_note(ids: list[str], share: float) -> str:
    """The reason's words on who takes part."""
    return (f"it binds only the {len(ids)} participating states ({', '.join(ids)}), "
            f"{share:.0%} of the EU's population, so the EU role moves by that share")
