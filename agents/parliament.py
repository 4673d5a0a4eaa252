"""How the European Parliament decides.

The Parliament co-legislates under the ordinary legislative procedure (Art. 294 TFEU: the
``olp`` venue) and gives its consent to the multiannual financial framework (Art. 312 TFEU:
``mff``); it has no vote on CFSP acts (Art. 24, 31 TEU) or on Art. 122 TFEU acts such as
SAFE (2025). It is modelled as one actor that votes by simple majority, i.e. as its median
member: it approves a proposal that is no further from its position than the status quo.
Its ideals start from the ``parliament`` stance group (its resolutions, sourced in
data/actors.toml) and, like a bureaucracy's, lean towards a larger EU role on turf issues in
proportion to its competition.
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
