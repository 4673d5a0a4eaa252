"""Mesa agents and their decision rules, one module per actor type.

How does Poland decide? ``agents/states.py``. The US? ``agents/us.py``. The Commission and
NATO's International Staff? ``agents/bureaucracy.py``. The European Parliament?
``agents/parliament.py``. Ukraine? ``agents/ukraine.py``. Shared rules (voting) are in
``agents/base.py``. :func:`derive_preferences` asks each type for the ideals of its actors.

The floor below the engine that builds them: it may import only ``model.inputs``,
``model.preferences`` and ``model.state``, and names the world and the model by the
Protocols of ``agents/views.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.base import Ideals, NegotiationActor
from agents.bureaucracy import Bureaucracy
from agents.parliament import PARLIAMENT_VENUES, Parliament
from agents.states import MemberState
from agents.ukraine import Stakeholder
from agents.us import UnitedStates

if TYPE_CHECKING:
    from agents.views import ModelView as EuNatoModel
    from agents.views import WorldView as World
    from model.inputs.data import ActorRecord

AGENT_TYPES: dict[str, type[NegotiationActor]] = {
    "state": MemberState, "us": UnitedStates, "bureaucracy": Bureaucracy,
    "stakeholder": Stakeholder, "parliament": Parliament,
}
PART_NAMES = ("sourced position", "decoupling fear", "hedging", "competition", "turf",
              "US leverage", "declared position")


def make_agent(model: EuNatoModel, row: int, record: ActorRecord) -> NegotiationActor:
    """Create the agent of the right type for ``record`` (registered with ``model``)."""
    return AGENT_TYPES[record.type](model, row, record)


def derive_preferences(world: World) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Ideals (n, 2m) over [EU roles | NATO roles], saliences (n, m) and the named parts of
    every actor's shift from its base, each actor type applying its own rules; then the US
    applies its leverage to the states that fear decoupling."""
    n, m = len(world.actors), len(world.issues)
    ideal = np.empty((n, 2 * m))
    sal = np.empty((n, m))
    parts = {k: np.zeros((n, 2 * m)) for k in PART_NAMES}
    types = np.array([a.type for a in world.actors])
    for name, cls in AGENT_TYPES.items():
        rows = np.flatnonzero(types == name)
        if rows.size == 0:
            continue
        got = cls.ideals(world, rows)
        ideal[rows, :m], ideal[rows, m:], sal[rows] = got.eu, got.nato, got.salience
        for k, v in got.parts.items():
            parts[k][rows] = v
    us = np.flatnonzero(types == "us")
    if us.size:
        targets = (types == "state").astype(float)
        lev = UnitedStates.leverage(world, ideal[us[0]], sal[us[0]], ideal, targets)
        ideal += lev
        parts["US leverage"] = lev
    # a declared position (a scenario's or episode's [actors.X] on a state) is the ideal
    declared = ~np.isnan(world.declared)
    if declared.any():
        parts["declared position"] = np.where(declared, world.declared - ideal, 0.0)
        ideal = np.where(declared, world.declared, ideal)
    sal = np.where(np.isnan(world.declared_salience), sal, world.declared_salience)
    np.clip(ideal, 0.0, 100.0, out=ideal)
    return ideal, sal, parts


__all__ = [
    "AGENT_TYPES", "PARLIAMENT_VENUES", "Bureaucracy", "Ideals", "MemberState",
    "NegotiationActor", "Parliament", "Stakeholder", "UnitedStates", "derive_preferences",
    "make_agent",
]
