"""Decision rules of the two houses: NATO consensus and the EU Council (unanimity, QMV).

An outcome is adopted only if it passes both. Members vote by comparing the outcome with the
status quo from their current position; members for whom the issue barely matters
(salience below ``abstain_salience``) abstain. Under NATO consensus (silence procedure) and
EU unanimity (constructive abstention, Art. 31(1) TEU) abstaining does not block; under QMV it
counts as not in favour. QMV (Art. 16(4) TEU, Art. 238(3) TFEU): at least 55% of member
states comprising at least 65% of the EU population, and a blocking minority needs at least
four members, failing which the qualified majority is deemed attained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

QMV_STATES = 0.55
QMV_POPULATION = 0.65
QMV_MIN_BLOCKERS = 4
JOINT_BAND = (35.0, 65.0)  # "joint" on the 0-100 scale (also the label band)


@dataclass
class Houses:
    """Who sits where: masks over the n actors, and the EU population of each."""

    nato: np.ndarray  # (n,) bool
    eu: np.ndarray  # (n,) bool
    population: np.ndarray  # (n,) millions (0 outside the EU is fine)
    eu_rule: list[str]  # per issue: "unanimity" | "qmv"
    cooperation: np.ndarray  # (m,) bool: a joint outcome needs a formal EU-NATO arrangement
    blockers: np.ndarray = field(default=None)  # (n,) bool: participation blockage vetoers

    def __post_init__(self) -> None:
        self.nato = np.asarray(self.nato, dtype=bool)
        self.eu = np.asarray(self.eu, dtype=bool)
        self.population = np.asarray(self.population, dtype=float)
        self.cooperation = np.asarray(self.cooperation, dtype=bool)
        if self.blockers is None:
            self.blockers = np.zeros_like(self.nato)
        self.blockers = np.asarray(self.blockers, dtype=bool)


@dataclass
class Verdict:
    """The vote on one outcome of one issue."""

    adopted: bool
    nato_ok: bool
    eu_ok: bool
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    eu_state_share: float
    eu_population_share: float

    def vetoers(self, houses: Houses, actor_ids: list[str]) -> list[str]:
        """Who stopped it: NATO members voting no, and EU members voting no under
        unanimity; under QMV the states not in favour, if they formed a blocking minority."""
        out = set()
        if not self.nato_ok:
            out |= {a for a, k in zip(actor_ids, self.no & houses.nato, strict=True) if k}
        if not self.eu_ok:
            out |= {a for a, k in zip(actor_ids, self.no & houses.eu, strict=True) if k}
        return sorted(out)


def qmv_passes(in_favour: np.ndarray, eu: np.ndarray, population: np.ndarray) -> bool:
    """Double majority of Art. 16(4) TEU over the EU members ``eu``."""
    members = int(eu.sum())
    yes = in_favour & eu
    states_ok = yes.sum() >= QMV_STATES * members - 1e-9
    pop_total = population[eu].sum()
    pop_ok = population[yes].sum() >= QMV_POPULATION * pop_total - 1e-9
    not_in_favour = members - int(yes.sum())
    return bool(states_ok and (pop_ok or not_in_favour < QMV_MIN_BLOCKERS))


def can_block_qmv(group: np.ndarray, eu: np.ndarray, population: np.ndarray) -> bool:
    """True if the EU members of ``group`` voting no stop any QMV decision."""
    return not qmv_passes(eu & ~group, eu, population)


def vote(
    position: np.ndarray, salience: np.ndarray, outcome: float, status_quo: float,
    *, tol: float = 1.0, abstain_salience: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """yes / no / abstain masks (n,) on ``outcome`` against ``status_quo`` for one issue."""
    yes = np.abs(outcome - position) <= np.abs(status_quo - position) + tol
    abstain = ~yes & (salience < abstain_salience)
    no = ~yes & ~abstain
    return yes, no, abstain


def adopted_grid(
    houses: Houses, position: np.ndarray, salience: np.ndarray, j: int, outcomes: np.ndarray,
    status_quo: float, *, tol: float = 1.0, abstain_salience: float = 0.1,
) -> np.ndarray:
    """(G,) bool: which of ``outcomes`` on issue ``j`` pass both houses (vectorised
    :func:`evaluate`, used to find the win-set an agenda setter can pick from)."""
    o = np.asarray(outcomes, dtype=float)[None, :]
    p = position[:, None]
    yes = np.abs(o - p) <= np.abs(status_quo - p) + tol
    abstain = ~yes & (salience[:, None] < abstain_salience)
    no = ~yes & ~abstain
    if houses.cooperation[j]:
        joint = (o >= JOINT_BAND[0]) & (o <= JOINT_BAND[1])
        block = houses.blockers[:, None] & joint
        yes, no = yes & ~block, no | block
    nato_ok = ~(no & houses.nato[:, None]).any(axis=0)
    eu = houses.eu[:, None]
    if houses.eu_rule[j] == "unanimity":
        eu_ok = ~(no & eu).any(axis=0)
    else:
        members = int(houses.eu.sum())
        yes_eu = yes & eu
        n_yes = yes_eu.sum(axis=0)
        pop_total = houses.population[houses.eu].sum()
        pop_yes = (houses.population[:, None] * yes_eu).sum(axis=0)
        eu_ok = (n_yes >= QMV_STATES * members - 1e-9) & (
            (pop_yes >= QMV_POPULATION * pop_total - 1e-9)
            | (members - n_yes < QMV_MIN_BLOCKERS)
        )
    return nato_ok & eu_ok


def evaluate(
    houses: Houses, position: np.ndarray, salience: np.ndarray, j: int, outcome: float,
    status_quo: float, *, tol: float = 1.0, abstain_salience: float = 0.1,
) -> Verdict:
    """Put ``outcome`` on issue ``j`` to both houses. ``position``/``salience`` are (n,)."""
    yes, no, abstain = vote(position, salience, outcome, status_quo, tol=tol,
                            abstain_salience=abstain_salience)
    if houses.cooperation[j] and JOINT_BAND[0] <= outcome <= JOINT_BAND[1]:
        # Participation blockage: the blockers refuse any formal EU-NATO arrangement.
        yes = yes & ~houses.blockers
        abstain = abstain & ~houses.blockers
        no = no | houses.blockers
    nato_ok = not bool((no & houses.nato).any())
    eu = houses.eu
    if houses.eu_rule[j] == "unanimity":
        eu_ok = not bool((no & eu).any())
    else:
        eu_ok = qmv_passes(yes, eu, houses.population)
    members = max(int(eu.sum()), 1)
    pop_total = houses.population[eu].sum() or 1.0
    return Verdict(
        adopted=nato_ok and eu_ok, nato_ok=nato_ok, eu_ok=eu_ok, yes=yes, no=no,
        abstain=abstain, eu_state_share=float((yes & eu).sum() / members),
        eu_population_share=float(houses.population[yes & eu].sum() / pop_total),
    )
