"""How an institutional bureaucracy decides: turf, and proposals within its mandate.

The European Commission, the EEAS/High Representative, the European Defence Agency and
NATO's International Staff have no vote. They shape outcomes in two ways (docs/model.md §3):

- **turf**: competition c pulls a bureaucracy's ideal towards a larger role for its own
  institution (``home_pole`` 100 = EU, 0 = NATO) and a smaller one for the other, on turf
  issues: ``own += β·t·c·(100 − own)``, ``other −= β·t·c·other/2``;
- **agenda setting**: when bargaining in a venue of its mandate stalls, it proposes the point
  of the win-set (the proposals that pass the venue) closest to its own ideal. The
  Commission holds the right of initiative for EU legislation (olp, art122, mff; Art. 17(2)
  TEU), the High Representative for CFSP (Art. 30 TEU), NATO's Secretary General and
  International Staff prepare NAC decisions. The mandate is data (``mandate`` in
  data/actors.toml);
- **legal basis**: when a veto stands on an EU piece, the setter weighs the issue's other
  admissible bases (data/issues.toml ``eu_bases``) by what their best passing proposal is
  worth to it net of the basis's cost (:meth:`Bureaucracy.choose`).

The Commission and NATO's International Staff are separate actors with their own knobs, so
raising one's competition does not move the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.base import MIN_CHANGE, Ideals, NegotiationActor, roles

if TYPE_CHECKING:
    from agents.views import WorldView as World


class Bureaucracy(NegotiationActor):
    """An institutional bureaucracy: no vote, agenda-setting within its mandate, turf."""

    kind: ClassVar[str] = "bureaucracy"

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        c0 = world.coef
        eu, nato = roles(world, rows)
        c = world.competition[rows][:, None]
        t = world.issue_turf[None, :]
        eu_side = (np.nan_to_num(world.home_pole[rows], nan=100.0) >= 50)[:, None]
        pull = c0.turf_pull * t * c
        d_eu = np.where(eu_side, pull * (100.0 - eu), -0.5 * pull * eu)
        d_nato = np.where(eu_side, -0.5 * pull * nato, pull * (100.0 - nato))
        parts = {"turf": np.hstack([d_eu, d_nato])}
        sal = np.clip(world.base_salience[rows] * (1.0 + c0.turf_salience * c * t), 0, 1)
        return Ideals(eu + d_eu, nato + d_nato, sal, parts)

    @staticmethod
    def propose(winset: np.ndarray, grid: np.ndarray, ideal: float,
                status_quo: float) -> float | None:
        """The agenda setter's proposal: the passing point nearest its ideal among those
        at least ``MIN_CHANGE`` from the status quo (None if there is none: the win-set
        holds no change worth a decision)."""
        winset = winset & (np.abs(grid - status_quo) >= MIN_CHANGE)
        if not winset.any():
            return None
        wins = grid[winset]
        return float(wins[np.argmin(np.abs(wins - ideal))])

    @staticmethod
    def choose(points: list[float | None], costs: list[float], ideal: float,
               status_quo: float, keep_first: bool = True
               ) -> tuple[int | None, list[float | None]]:
        """The legal basis an agenda setter picks for a vetoed piece: of each basis's best
        passing point (None: nothing passes there), the one worth most to it, its gain over
        the status quo in role points (|ideal − status quo| − |ideal − point|) net of the
        basis's cost. The issue's own basis (first, ``keep_first``, cost 0) is kept unless
        another is worth strictly more; another is taken only when it is worth more than
        no change. Returns (index or None, each basis's net worth)."""
        nets: list[float | None] = [
            None if x is None else abs(ideal - status_quo) - abs(ideal - x) - cost
            for x, cost in zip(points, costs, strict=True)]
        pick, best = None, 0.0
        if keep_first and nets[0] is not None:
            pick, best = 0, nets[0]
        for i, net in enumerate(nets):
            if net is not None and (pick is None or i != pick) and net > best + 1e-9:
                pick, best = i, net
        return pick, nets

    @staticmethod
    def pays(gain: float | np.ndarray, cost: float | np.ndarray) -> bool | np.ndarray:
        """Whether the agenda setter buys a veto off (model/deals.py): only when what the
        adoption gains it exceeds what the deal costs it (salience × role points)."""
        return np.asarray(gain, float) > np.asarray(cost, float)

    @property
    def home_pole(self) -> float:
        return float(self.model.world.home_pole[self.row])

    @property
    def mandate(self) -> list[str]:
        return list(self.record.mandate or [])
