"""The bargaining state: actors × issues NumPy arrays, the single source of truth.

Every protocol reads and updates these arrays; the Mesa agents in ``agents/`` are views
onto one row each (they hold an index, never a copy), so the app, the CLI and the tests
all see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class BargainingState:
    """Arrays of shape (n actors, m issues) plus per-actor and per-issue vectors.

    Attributes:
        actor_ids: n short ids (``"POL"``, ``"COM"`` …).
        issue_ids: m issue ids.
        position: (n, m) current bargaining positions, on each issue's scale.
        ideal: (n, m) ideal points (where each actor would like the outcome to be).
        salience: (n, m) in [0, 1]: how much each issue matters to each actor.
        capability: (n,) >= 0: effective resources an actor brings to bear.
        risk: (n, m) BDM risk exponents r in [0.5, 2] (1 = risk neutral).
        voting: (n,) bool: True for actors that vote in a house (states); bureaucracies
            and stakeholders bargain but do not vote.
        status_quo: (m,) the reversion point if no agreement is reached.
        lo, hi: (m,) each issue's scale ends (0 and 100 for the EU–NATO issues).
        coalition: (n,) int label of each actor's coalition (singletons have their own).
    """

    actor_ids: list[str]
    issue_ids: list[str]
    position: np.ndarray
    ideal: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    risk: np.ndarray
    voting: np.ndarray
    status_quo: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    coalition: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n, m = len(self.actor_ids), len(self.issue_ids)
        self.position = np.asarray(self.position, dtype=float).reshape(n, m).copy()
        self.ideal = np.asarray(self.ideal, dtype=float).reshape(n, m).copy()
        self.salience = np.asarray(self.salience, dtype=float).reshape(n, m).copy()
        self.capability = np.asarray(self.capability, dtype=float).reshape(n).copy()
        self.risk = np.broadcast_to(np.asarray(self.risk, dtype=float), (n, m)).copy()
        self.voting = np.broadcast_to(np.asarray(self.voting, dtype=bool), (n,)).copy()
        self.status_quo = np.asarray(self.status_quo, dtype=float).reshape(m).copy()
        self.lo = np.broadcast_to(np.asarray(self.lo, dtype=float), (m,)).copy()
        self.hi = np.broadcast_to(np.asarray(self.hi, dtype=float), (m,)).copy()
        if self.coalition is None:
            self.coalition = np.arange(n)
        self.coalition = np.asarray(self.coalition, dtype=int).reshape(n).copy()
        for name in ("position", "ideal", "salience", "capability", "risk", "status_quo"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"BargainingState.{name} contains NaN or infinity")
        if np.any(self.salience < 0) or np.any(self.salience > 1):
            raise ValueError("BargainingState.salience must lie in [0, 1]")
        if np.any(self.capability < 0):
            raise ValueError("BargainingState.capability must be >= 0")
        if np.any(self.hi <= self.lo):
            raise ValueError("BargainingState: every issue needs hi > lo")

    @property
    def n(self) -> int:
        return len(self.actor_ids)

    @property
    def m(self) -> int:
        return len(self.issue_ids)

    @property
    def width(self) -> np.ndarray:
        """(m,) length of each issue's scale."""
        return self.hi - self.lo

    def index(self, actor_id: str) -> int:
        return self.actor_ids.index(actor_id)

    def copy(self) -> BargainingState:
        return BargainingState(
            list(self.actor_ids), list(self.issue_ids), self.position, self.ideal,
            self.salience, self.capability, self.risk, self.voting, self.status_quo,
            self.lo, self.hi, self.coalition,
        )

    @classmethod
    def single_issue(
        cls,
        actor_ids: list[str],
        capability: np.ndarray,
        position: np.ndarray,
        salience: np.ndarray,
        *,
        risk: np.ndarray | float = 1.0,
        status_quo: float | None = None,
        lo: float | None = None,
        hi: float | None = None,
        issue_id: str = "issue",
    ) -> BargainingState:
        """A one-issue state, as in a classic stakeholder table."""
        pos = np.asarray(position, dtype=float)
        lo = float(pos.min()) if lo is None else lo
        hi = float(pos.max()) if hi is None else hi
        if hi <= lo:
            hi = lo + 1.0
        sq = float(np.median(pos)) if status_quo is None else status_quo
        return cls(
            actor_ids=list(actor_ids), issue_ids=[issue_id],
            position=pos[:, None], ideal=pos[:, None],
            salience=np.asarray(salience, dtype=float)[:, None],
            capability=np.asarray(capability, dtype=float),
            risk=np.broadcast_to(np.asarray(risk, dtype=float).reshape(-1, 1), (len(pos), 1)),
            voting=np.ones(len(pos), dtype=bool), status_quo=[sq], lo=[lo], hi=[hi],
        )
