"""What the agents read of the engine, as typing Protocols: the agents sit a floor below the
model that builds them (``model.world`` and ``model.model`` import ``agents``), so they name
the world and the model by these views rather than by importing them (no import circle).
``model.world.World`` and ``model.model.EuNatoModel`` satisfy them."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from model.inputs.data import ActorRecord, IssueRecord
from model.preferences import PreferenceModel
from model.state import BargainingState


class WorldView(Protocol):
    """The per-run arrays an actor type's decision rules read (``model.world.World``)."""

    actors: list[ActorRecord]
    issues: list[IssueRecord]
    coef: PreferenceModel
    status_quo: np.ndarray
    ambition: np.ndarray
    state_salience: np.ndarray
    base_salience: np.ndarray
    decoupling_fear: np.ndarray
    competition: np.ndarray
    industrial_stake: np.ndarray
    home_pole: np.ndarray
    eu_member: np.ndarray
    us_engagement: float
    issue_decoupling: np.ndarray
    issue_substitution: np.ndarray
    issue_topics: np.ndarray
    issue_turf: np.ndarray
    aid: np.ndarray
    us_import: np.ndarray
    defence_gdp: np.ndarray
    record_effect: np.ndarray
    record_salience: np.ndarray
    declared: np.ndarray
    declared_salience: np.ndarray

    def mainstream(self) -> np.ndarray: ...


class ModelView(Protocol):
    """What an agent reads and writes of its model (``model.model.EuNatoModel``)."""

    world: Any  # a WorldView
    state: BargainingState
    salience: np.ndarray
    coalition: np.ndarray
    pillars: list[str]
    shown_pillar: int
    m: int

    def refresh_preferences(self) -> np.ndarray: ...
