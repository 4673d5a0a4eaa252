"""Mesa agents: the readable face of the model's arrays.

An agent holds only its row index. Every property reads (or writes) the model's
:class:`~model.state.BargainingState` and :class:`~model.world.World` arrays, so there is one
copy of the state and the app, the CLI and the tests all see the same numbers. Setting a
parameter (``agent.decoupling_fear = 0.9``) re-derives preferences through the one formula
of :mod:`model.preferences`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from model.data import ActorRecord
    from model.model import EuNatoModel


class NegotiationActor(mesa.Agent):
    """Any actor at the table: its data record plus views of its row of the arrays."""

    #: shown in the app's legend and `eunato actors`
    kind = "actor"

    def __init__(self, model: EuNatoModel, row: int, record: ActorRecord) -> None:
        super().__init__(model)
        self.row = row
        self.record = record

    # identity --------------------------------------------------------------------------
    @property
    def actor_id(self) -> str:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def bloc(self) -> str:
        return self.record.bloc

    @property
    def memberships(self) -> list[str]:
        return list(self.record.memberships)

    @property
    def votes(self) -> bool:
        return bool(self.model.state.voting[self.row])

    # state (views, not copies) ---------------------------------------------------------
    @property
    def position(self) -> np.ndarray:
        return self.model.state.position[self.row]

    @property
    def ideal(self) -> np.ndarray:
        return self.model.state.ideal[self.row]

    @property
    def salience(self) -> np.ndarray:
        return self.model.state.salience[self.row]

    @property
    def capability(self) -> float:
        return float(self.model.state.capability[self.row])

    @property
    def coalition(self) -> int:
        return int(self.model.state.coalition[self.row])

    @property
    def coalition_name(self) -> str:
        """The coalition's name: its most capable member's id (the actor's own if alone)."""
        return self.model.state.actor_ids[self.coalition]

    # parameters (write-through) ----------------------------------------------------------
    def _param(self, name: str) -> float:
        return float(getattr(self.model.world, name)[self.row])

    def _set_param(self, name: str, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{self.actor_id}.{name} must lie in [0, 1], got {value}")
        getattr(self.model.world, name)[self.row] = value
        self.model.refresh_preferences()

    @property
    def decoupling_fear(self) -> float:
        return self._param("decoupling_fear")

    @decoupling_fear.setter
    def decoupling_fear(self, value: float) -> None:
        self._set_param("decoupling_fear", value)

    @property
    def competition(self) -> float:
        return self._param("competition")

    @competition.setter
    def competition(self, value: float) -> None:
        self._set_param("competition", value)

    @property
    def risk(self) -> np.ndarray:
        return self.model.state.risk[self.row]

    def describe(self) -> dict:
        """Everything the app's tooltip and `eunato actors` show about this actor."""
        issues = self.model.state.issue_ids
        return {
            "id": self.actor_id, "name": self.name, "kind": self.kind, "bloc": self.bloc,
            "memberships": self.memberships, "capability": round(self.capability, 4),
            "decoupling_fear": round(self.decoupling_fear, 3),
            "competition": round(self.competition, 3), "coalition": self.coalition_name,
            "position": {i: round(float(x), 1) for i, x in zip(issues, self.position,
                                                                strict=True)},
            "salience": {i: round(float(x), 2) for i, x in zip(issues, self.salience,
                                                                strict=True)},
        }


class MemberState(NegotiationActor):
    """An EU member state and/or NATO ally: votes in the house(s) it belongs to."""

    kind = "state"

    @property
    def eastern_flank(self) -> bool:
        return self.bloc == "eastern_flank"


class UnitedStates(MemberState):
    """The US: a NATO ally whose engagement in European security scenarios can change, and
    whose industrial stance (0 = insists on US industry access, 1 = accepts "buy European")
    sets its rivalry on defence-industry issues."""

    kind = "us"

    @property
    def engagement(self) -> float:
        return float(self.model.world.us_engagement)

    @engagement.setter
    def engagement(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"US engagement must lie in [0, 1], got {value}")
        self.model.world.us_engagement = value
        self.model.refresh_preferences()

    @property
    def industrial_stance(self) -> float:
        return 1.0 - self.competition


class Bureaucracy(NegotiationActor):
    """An institutional bureaucracy (Commission, EEAS, EDA, NATO International Staff):
    no vote, but agenda-setting power and turf interests (its ``home_pole``)."""

    kind = "bureaucracy"

    @property
    def home_pole(self) -> float:
        return float(self.model.world.home_pole[self.row])


class Stakeholder(NegotiationActor):
    """A non-voting stakeholder with a voice at the table (Ukraine)."""

    kind = "stakeholder"


AGENT_TYPES: dict[str, type[NegotiationActor]] = {
    "state": MemberState, "us": UnitedStates, "bureaucracy": Bureaucracy,
    "stakeholder": Stakeholder,
}


def make_agent(model: EuNatoModel, row: int, record: ActorRecord) -> NegotiationActor:
    """Create the agent of the right type for ``record`` (registered with ``model``)."""
    return AGENT_TYPES[record.type](model, row, record)
