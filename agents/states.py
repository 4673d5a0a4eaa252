"""How a member state decides: EU member states, non-EU allies and the eastern flank.

A state's ideal roles come from what it has shown, not from a group it is filed under
(docs/model.md §3). Per issue j the starting point is the status quo moved by the issue's
*ambition* (where a mainstream member wants each role), then five terms, all vectorised over
the states:

- **leans on the issue's topics** (data/positions.toml): per topic a lean in [−1, 1], a
  position on record where one is in force (Hungary on arms for Ukraine since 2022, the
  frugal states on EU money, France's European preference, …), else derived from the
  state's own indicators: military aid to Ukraine (Kiel Institute) for ``ukraine_arms``,
  the US share of its arms imports (SIPRI) against a European preference, defence
  spending above 2% of GDP (NATO) for NATO primacy. Each topic moves the roles it bears on
  (``TOPIC_ROLES``) by ``ρ · weight_j,topic · lean``;
- **decoupling fear** d, on *substitution* only: an EU role that would replace NATO's
  (targets, command, standards) is wanted less by a state that fears decoupling,
  ``eu −= δ·r·s·(d − ½)`` with s the issue's substitution; where the EU brings money and
  law (s ≈ 0) fear does not lower it, so Atlanticists can want "more of both";
  ``nato += δ_N·r·(d − ½)`` for d ≥ ½, times s for d < ½ (an autonomist wants NATO smaller
  only where it would take the EU's place);
- **hedging**: when US engagement e falls below its 2024 level, states build the EU's
  role, the less so the more they fear decoupling: ``eu += η·r·(e_ref − e)·(1 − d)``;
- **competition** c with the state's national industrial stake κ on turf issues: EU
  members pull the EU's role up, non-members down: ``eu += σ·γ·t·c·κ``, and NATO's the
  other way where it substitutes: ``nato −= σ·γ·t·c·κ·s/2``.

Salience starts from the issue's mainstream salience, rises with the state's military aid
on Ukraine issues and with its defence effort, and takes a record's salience where one
bears on the issue; competition and fear raise it as before. A declared position in a
scenario or episode file replaces the ideal it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.base import Ideals, NegotiationActor

if TYPE_CHECKING:
    from agents.views import WorldView as World

#: the roles each topic of model.data.TOPICS moves, (EU factor, NATO factor): support for
#: Ukraine runs through both houses; EU money and a European preference are the EU's (who
#: the EU's money buys from says nothing against NATO coordinating what is bought); NATO
#: primacy raises NATO's role (its pull on the EU's is decoupling fear's, on substitution)
TOPIC_ROLES = np.array([
    [1.0, 1.0],   # ukraine_arms
    [1.0, 0.0],   # eu_money
    [1.0, 0.0],   # european_preference
    [0.0, 0.0],   # eu_nato_arrangement (the participation blockage acts on joint pieces)
    [0.0, 1.0],   # nato_primacy
])


def derived_leans(world: World, rows: np.ndarray) -> np.ndarray:
    """(k, T) each state's lean per topic: its position on record where one is in force,
    else what its indicators show (0 where it has no figure)."""
    aid = np.nan_to_num(world.aid[rows])
    us_imp = np.nan_to_num(world.us_import[rows])
    dgdp = world.defence_gdp[rows]
    derived = np.zeros((rows.size, TOPIC_ROLES.shape[0]))
    derived[:, 0] = 0.5 * np.tanh(aid / 0.3)  # Kiel: 0.3% of GDP is a strong donor
    derived[:, 2] = -0.8 * us_imp / 100.0  # buying American: against a European preference
    derived[:, 4] = np.where(np.isnan(dgdp), 0.0, np.clip((dgdp - 2.0) / 1.5, -0.5, 1.0))
    rec = world.record_effect[rows]
    return np.where(np.isnan(rec), derived, rec)


def sourced_salience(world: World, rows: np.ndarray) -> np.ndarray:
    """(k, m) each state's salience before competition and fear raise it."""
    aid = np.nan_to_num(world.aid[rows])[:, None]
    dgdp = np.nan_to_num(world.defence_gdp[rows], nan=2.0)[:, None]
    w_ukr = world.issue_topics[None, :, 0]
    sal = world.state_salience[None, :] * (1.0 + w_ukr * (0.5 * np.tanh(aid / 0.3) - 0.2))
    sal = sal * (0.85 + 0.15 * np.clip(dgdp / 2.0, 0.0, 2.0))
    # a record on a topic of the issue: its salience, by how much the topic bears on it
    rs = world.record_salience[rows]  # (k, T)
    weight = np.where(np.isnan(rs)[:, None, :], 0.0, world.issue_topics[None, :, :])
    top = weight.argmax(axis=2)  # (k, m) the recorded topic that bears most
    w = np.take_along_axis(weight, top[..., None], axis=2)[..., 0]
    r_sal = np.take_along_axis(np.nan_to_num(rs)[:, None, :].repeat(sal.shape[1], 1),
                               top[..., None], axis=2)[..., 0]
    return (1.0 - w) * sal + w * r_sal


class MemberState(NegotiationActor):
    """An EU member state and/or NATO ally: votes in the house(s) it belongs to."""

    kind: ClassVar[str] = "state"

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        c0 = world.coef
        m = len(world.issues)
        lean = derived_leans(world, rows)  # (k, T)
        topics = world.issue_topics  # (m, T)
        shift = c0.position_shift
        lean_eu = shift * (lean * TOPIC_ROLES[:, 0]) @ topics.T
        lean_nato = shift * (lean * TOPIC_ROLES[:, 1]) @ topics.T
        base_eu = world.status_quo[None, :m] + world.ambition[None, :m]
        base_nato = world.status_quo[None, m:] + world.ambition[None, m:]
        d = world.decoupling_fear[rows][:, None]
        c = world.competition[rows][:, None]
        r = world.issue_decoupling[None, :]
        s = world.issue_substitution[None, :]
        t = world.issue_turf[None, :]
        fear_eu = -c0.fear_shift * r * s * (d - 0.5)
        # who fears decoupling wants NATO stronger everywhere; who does not wants it
        # smaller only where it would take the EU's place
        fear_nato = c0.fear_nato_shift * r * (d - 0.5) * np.where(d < 0.5, s, 1.0)
        hedge = c0.hedge_shift * r * (c0.engagement_ref - world.us_engagement) * (1.0 - d)
        kappa = c0.stake_floor + (1.0 - c0.stake_floor) * world.industrial_stake[rows][:, None]
        side = np.where(world.eu_member[rows], 1.0, -1.0)[:, None]
        turf = side * c0.turf_shift * t * c * kappa
        turf_nato = -0.5 * turf * s  # NATO's growth takes turf only where it substitutes
        zeros = np.zeros((rows.size, m))
        parts = {
            "sourced position": np.hstack([lean_eu + zeros, lean_nato + zeros]),
            "decoupling fear": np.hstack([fear_eu + zeros, fear_nato + zeros]),
            "hedging": np.hstack([hedge + zeros, zeros]),
            "competition": np.hstack([turf, turf_nato]),
        }
        eu = base_eu + lean_eu + fear_eu + hedge + turf + zeros
        nato = base_nato + lean_nato + fear_nato + turf_nato
        boost = 1.0 + c0.turf_salience * c * t * kappa + c0.fear_salience * d * r * s
        sal = np.clip(sourced_salience(world, rows) * boost, 0.0, 1.0)
        return Ideals(eu, nato, sal, parts)

    @property
    def eastern_flank(self) -> bool:
        return self.bloc == "eastern_flank"

    @property
    def industrial_stake(self) -> float:
        return float(self.model.world.industrial_stake[self.row])
