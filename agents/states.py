"""How a member state decides: EU member states, non-EU allies and the eastern flank.

A state starts from its stance group's base roles (data/issues.toml) and moves them by three
documented terms (docs/model.md §3), all vectorised over the states:

- **decoupling fear** d: a state that fears Europe drifting from the US wants less of an EU
  role and more of a NATO role, on issues that touch decoupling (r_j):
  ``eu −= δ·r·(d − ½)``, ``nato += δ_N·r·(d − ½)``;
- **hedging**: when US engagement e falls below its 2024 level e_ref, states build the EU's
  role, the less so the more they fear decoupling: ``eu += η·r·(e_ref − e)·(1 − d)``;
- **competition** c with the state's sourced national industrial stake k (its firms' share
  of arms revenue and EDF funding, data/actors.toml): on turf issues (t_j) a state pulls the
  EU's role up if it is an EU member (EU money and "buy European" flow to its industry) and
  down if it is not (its industry is left out), and NATO's role the other way by half as
  much: ``eu += σ·γ·t·c·κ``, ``nato −= σ·γ·t·c·κ/2``, with σ = +1 (EU member) or −1, and
  κ = k₀ + (1 − k₀)·k so that every state's competition acts (k₀ the stake floor).

Salience rises with competition on turf issues and with fear on decoupling issues. The US's
leverage (agents/us.py) is applied on top by the model, to states that fear decoupling.
Hence "how does Poland decide?": high fear (0.9) pulls its EU roles down and NATO roles up;
its moderate stake and competition pull the EU role up a little on industry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.base import Ideals, NegotiationActor, roles

if TYPE_CHECKING:
    from model.world import World


class MemberState(NegotiationActor):
    """An EU member state and/or NATO ally: votes in the house(s) it belongs to."""

    kind: ClassVar[str] = "state"

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        c0 = world.coef
        eu, nato = roles(world, rows)
        d = world.decoupling_fear[rows][:, None]
        c = world.competition[rows][:, None]
        r = world.issue_decoupling[None, :]
        t = world.issue_turf[None, :]
        fear_eu = -c0.fear_shift * r * (d - 0.5)
        fear_nato = c0.fear_nato_shift * r * (d - 0.5)
        hedge = c0.hedge_shift * r * (c0.engagement_ref - world.us_engagement) * (1.0 - d)
        kappa = c0.stake_floor + (1.0 - c0.stake_floor) * world.industrial_stake[rows][:, None]
        side = np.where(world.eu_member[rows], 1.0, -1.0)[:, None]
        turf = side * c0.turf_shift * t * c * kappa
        zeros = np.zeros_like(eu)
        parts = {
            "decoupling fear": np.hstack([fear_eu, fear_nato]),
            "hedging": np.hstack([hedge, zeros]),
            "competition": np.hstack([turf, -0.5 * turf]),
        }
        eu = eu + fear_eu + hedge + turf
        nato = nato + fear_nato - 0.5 * turf
        boost = 1.0 + c0.turf_salience * c * t * kappa + c0.fear_salience * d * r
        sal = np.clip(world.base_salience[rows] * boost, 0.0, 1.0)
        return Ideals(eu, nato, sal, parts)

    @property
    def eastern_flank(self) -> bool:
        return self.bloc == "eastern_flank"

    @property
    def industrial_stake(self) -> float:
        return float(self.model.world.industrial_stake[self.row])
