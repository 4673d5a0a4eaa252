"""The run as the engine's rooms read it, a typing Protocol: the collector, the houses, the
pivot test and the results read a running :class:`model.model.EuNatoModel`, which imports
them; naming it by this view instead of importing it keeps the engine free of import
circles (tests/test_layout.py). ``EuNatoModel`` satisfies it."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from model.state import BargainingState


class Run(Protocol):
    """A running model: its world, state, houses and the record of each issue."""

    world: Any  # model.world.World
    state: BargainingState
    electorate: Any  # model.institutions.venues.Electorate
    spec: Any  # model.inputs.scenario.Scenario
    m: int
    steps: int
    seed: int | None
    max_rounds: int
    deadline_round: int | None
    protocol_name: str
    pillars: list[str]
    pillar_of: np.ndarray
    pillar_cols: list[np.ndarray]
    shown_pillar: int
    salience: np.ndarray
    coalition: np.ndarray
    partitions: list[np.ndarray]
    forecast: np.ndarray
    outcome: np.ndarray
    proposal: np.ndarray
    status_quo0: np.ndarray
    status: list[str]
    route: list[str | None]
    outside: list[dict[str, Any] | None]
    pieces: list[dict[str, str]]
    vetoes: list[list[dict[str, str]]]
    settled_round: np.ndarray
    setter_used: np.ndarray
    last_vote: np.ndarray
    abstain_salience: float
    settle_tolerance: float
    ideal_parts: dict[str, np.ndarray]
    moved: dict[str, np.ndarray]

    @property
    def stand(self) -> np.ndarray: ...

    def settle(self, j: int, passed: dict[str, float], route: str | None, status: str,
               vetoes: list[dict[str, str]]) -> None: ...

    def date(self, round_: int) -> str: ...
