"""How the United States decides, and how it moves others.

The US is a NATO ally with one voice in the North Atlantic Council and no vote in the EU.
It forms its ideals by the member-state rules (agents/states.py) from its own indicators and
records: its spending puts NATO first, its record is against an EU industrial preference,
and its industrial rivalry (competition, i.e. 1 − industrial stance) pulls the EU's role
down on turf issues ("no discrimination" against US industry). Its salience and the
capability it brings scale with engagement: ``s ← s·(½ + ½e)``, capability
``← capability·(0.2 + 0.8e)``. Its influence on EU business is **leverage**: states that
fear decoupling defer to what the US wants, in proportion to their fear, its engagement and
how much the issue touches decoupling (docs/model.md §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.base import Ideals
from agents.states import MemberState

if TYPE_CHECKING:
    from agents.views import WorldView as World


class UnitedStates(MemberState):
    """The US: engagement, industrial rivalry, and leverage over allies who fear decoupling."""

    kind: ClassVar[str] = "us"

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        got = MemberState.ideals(world, rows)
        got.salience = np.clip(got.salience * (0.5 + 0.5 * world.us_engagement), 0, 1)
        return got

    @staticmethod
    def leverage(
        world: World, us_ideal: np.ndarray, us_salience: np.ndarray, ideal: np.ndarray,
        targets: np.ndarray,
    ) -> np.ndarray:
        """(n, 2m) shift of every actor's ideal under US leverage.

        Only ``targets`` (states other than the US) move:
        ``Δx_i = λ · e · d_i · r_j · s_US,j · (x_US − x_i)``, on both roles."""
        c0 = world.coef
        e = world.us_engagement
        d = world.decoupling_fear[:, None]
        r = np.tile(world.issue_decoupling, 2)[None, :]
        s = np.tile(us_salience, 2)[None, :]
        pull = c0.leverage * e * d * r * s * targets[:, None]
        return pull * (us_ideal[None, :] - ideal)

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
