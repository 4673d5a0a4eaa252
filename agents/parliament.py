"""How the European Parliament decides.

The Parliament co-legislates under the ordinary legislative procedure (Art. 294 TFEU: the
``olp`` venue) and gives its consent to the multiannual financial framework (Art. 312 TFEU:
``mff``); it has no vote on CFSP acts (Art. 24, 31 TEU) or on Art. 122 TFEU acts such as
SAFE (2025). It bargains as one actor; where data/parliament.toml gives its political
groups' seats and stances, its vote in a house is the groups' majority under the Treaty's
rule (:meth:`Parliament.group_vote`; model/institutions/parliament.py), else it votes as
one actor at its median. Its ideals start from the ``parliament`` stance group (its
resolutions, sourced in data/actors.toml) and, like a bureaucracy's, lean towards a
larger EU role on turf issues in proportion to its competition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.base import Ideals, NegotiationActor, roles

if TYPE_CHECKING:
    from agents.views import WorldView as World

#: venues where the Parliament votes
PARLIAMENT_VENUES = ("olp", "mff")


class Parliament(NegotiationActor):
    """The European Parliament: a veto player in ``olp`` and ``mff`` venues only."""

    kind: ClassVar[str] = "parliament"

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        c0 = world.coef
        eu, nato = roles(world, rows)
        c = world.competition[rows][:, None]
        t = world.issue_turf[None, :]
        d_eu = 0.5 * c0.turf_pull * t * c * (100.0 - eu)
        parts = {"turf": np.hstack([d_eu, np.zeros_like(nato)])}
        return Ideals(eu + d_eu, nato, world.base_salience[rows].copy(), parts)

    @staticmethod
    def group_vote(d_prop: np.ndarray, d_sq: np.ndarray, salience: np.ndarray,
                   seats: np.ndarray, turnout: np.ndarray, component: np.ndarray,
                   abstain_salience: float
                   ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        """The Parliament's verdict on G proposals from its K political groups.

        Each group votes as a bloc by every voter's rule (:meth:`NegotiationActor.
        decide_vote`, at the Parliament's salience (G,)); ``seats`` (K, G) × ``turnout``
        (G,) of its members vote. Where ``component`` (G,) (MFF consent, Art. 312(2) TFEU)
        the yes seats must reach a majority of the component members (all seats held), so
        the absent and the abstaining count against; elsewhere (Art. 231 TFEU) more yes
        than no among the votes cast. Returns passed (G,), the seats voting yes, no and
        abstaining (3, G), and the groups' yes, no and abstain masks (K, G) each."""
        yes, no, abstain = NegotiationActor.decide_vote(
            d_prop, d_sq, np.broadcast_to(salience, d_prop.shape),
            np.zeros(d_prop.shape, bool), np.zeros(d_prop.shape, bool), abstain_salience)
        voting = seats * turnout[None, :]
        y, n, a = ((voting * x).sum(axis=0) for x in (yes, no, abstain))
        passed = np.where(component, y >= Parliament.majority(seats) - 1e-9, y > n + 1e-9)
        return passed, np.stack([y, n, a]), (yes, no, abstain)

    @staticmethod
    def majority(seats: np.ndarray) -> np.ndarray:
        """(G,) the majority of component members: more than half the seats held."""
        return np.floor(seats.sum(axis=0) / 2) + 1
