"""The common face of every actor: a Mesa agent that is a view of one row of the model's
arrays, and the decision rules all actor types share (how an actor votes).

Decision rules are class-level and vectorised: they take the arrays of every actor of the
type at once, so the model's hot loop stays in NumPy and there is one source of truth. The
per-type rules (how ideals are formed, who applies leverage, who proposes) live in the
sibling modules: ``states`` (member states), ``us``, ``bureaucracy``, ``parliament`` and
``ukraine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

if TYPE_CHECKING:
    from agents.views import ModelView as EuNatoModel
    from agents.views import WorldView as World
    from model.inputs.data import ActorRecord

#: how far (role points) a proposal may be worse than the status quo and still get a yes
VOTE_TOLERANCE = 1.0
#: a member that loses less than this (salience × role points) by a proposal abstains
#: rather than stand in its way: the "culture of consensus" in the Council and the NAC,
#: where members rarely cast a lone no on what matters little to them (Heisenberg 2005;
#: Novak 2013). A judgement; under QMV an abstention counts as a no all the same
DISSENT_THRESHOLD = 4.0
#: coalition discipline moves a member's vote only while following its coalition costs it
#: at most this (salience × role points): past it the member votes its own way
DISCIPLINE_CAP = 6.0
#: an agenda setter proposes only a change worth a decision: at least this many role
#: points from the status quo (a judgement; smaller moves are not put to a vote)
MIN_CHANGE = 5.0


@dataclass
class Ideals:
    """What one actor type wants, for the rows of that type.

    eu, nato: (k, m) ideal roles; salience: (k, m); parts: named shifts of the ideal from the
    stance group's base, each (k, 2m) over the columns [eu roles | nato roles], so a reader
    can see what moved an actor (decoupling fear, hedging, turf, US leverage)."""

    eu: np.ndarray
    nato: np.ndarray
    salience: np.ndarray
    parts: dict[str, np.ndarray]


def roles(world: World, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base ideal roles (k, m) of ``rows``: an institution's group base, a state's issue
    mainstream (status quo plus ambition) (copies)."""
    base = world.mainstream()[rows]
    m = len(world.issues)
    return base[:, :m].copy(), base[:, m:].copy()


class NegotiationActor(mesa.Agent):
    """Any actor at the table: its data record plus views of its row of the arrays."""

    #: shown in the app's legend and `eunato actors`
    kind: ClassVar[str] = "actor"

    def __init__(self, model: EuNatoModel, row: int, record: ActorRecord) -> None:
        super().__init__(model)
        self.row = row
        self.record = record

    # -- decision rules (vectorised over the actors of a type) ---------------------------
    @staticmethod
    def stand(ideal: np.ndarray, bargained: np.ndarray, binding: bool) -> np.ndarray:
        """Where each actor votes from: what it wants (its ideal, which only events, US
        leverage and its own decision rules move), plus the concessions it accepted in
        exchanges when the protocol's moves bind (``Protocol.binding``). A forecast's
        moves never change a vote, so a veto lasts until the proposal or a deal changes."""
        return ideal + bargained if binding else ideal

    @classmethod
    def ideals(cls, world: World, rows: np.ndarray) -> Ideals:
        """Default: the stance group's base ideals and saliences, unchanged."""
        eu, nato = roles(world, rows)
        return Ideals(eu, nato, world.base_salience[rows].copy(), {})

    @staticmethod
    def decide_vote(
        distance_proposal: np.ndarray, distance_status_quo: np.ndarray,
        salience: np.ndarray, blocking: np.ndarray, stepping_aside: np.ndarray,
        abstain_salience: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """yes / no / abstain masks for voters comparing a proposal with the status quo.

        Distances are from where the actor votes (:meth:`stand`). An actor votes yes when
        the proposal is no further from it than the status quo (within ``VOTE_TOLERANCE``);
        one holding a blocking stance on the issue votes no on any change; one that steps
        aside, cares less than ``abstain_salience``, or loses less than
        ``DISSENT_THRESHOLD`` (salience × role points) abstains. All arrays are (k,) or
        broadcastable (k, G) for a grid of proposals."""
        yes = distance_proposal <= distance_status_quo + VOTE_TOLERANCE
        yes = yes & ~blocking
        mild = salience * (distance_proposal - distance_status_quo) < DISSENT_THRESHOLD
        abstain = (stepping_aside | (salience < abstain_salience) | (~yes & mild)) & ~blocking
        yes = yes & ~abstain
        no = ~yes & ~abstain
        return yes, no, abstain

    @staticmethod
    def accepts_deal(loss: np.ndarray, offer: np.ndarray) -> np.ndarray:
        """Whether each veto player takes a side payment (model/deals.py): by its own
        utility, only when what it is offered exceeds what it loses by the proposal it
        would then vote for (both salience × role points)."""
        return np.asarray(offer, float) > np.asarray(loss, float)

    # -- identity ------------------------------------------------------------------------
    @property
    def actor_id(self) -> str:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def bloc(self) -> str:
        return self.record.bloc

    @property
    def memberships(self) -> list[str]:
        return list(self.record.memberships)

    @property
    def votes(self) -> bool:
        return bool(self.model.state.voting[self.row])

    # -- state (views, not copies) -------------------------------------------------------
    @property
    def position(self) -> np.ndarray:
        """(2m,) current positions: the EU roles of every issue, then the NATO roles."""
        return self.model.state.position[self.row]

    @property
    def ideal(self) -> np.ndarray:
        return self.model.state.ideal[self.row]

    @property
    def salience(self) -> np.ndarray:
        """(m,) how much each issue matters to the actor."""
        return self.model.salience[self.row]

    @property
    def capability(self) -> float:
        return float(self.model.state.capability[self.row])

    def coalition(self, pillar: str | None = None) -> int:
        """Row of the leader of the actor's coalition on ``pillar`` (default: the first)."""
        p = 0 if pillar is None else self.model.pillars.index(pillar)
        return int(self.model.coalition[p, self.row])

    @property
    def coalition_name(self) -> str:
        """The coalition's name on the model's shown pillar: its most capable member's id."""
        return self.model.state.actor_ids[int(self.model.coalition[self.model.shown_pillar,
                                                                   self.row])]

    # -- parameters (write-through) ------------------------------------------------------
    def _param(self, name: str) -> float:
        return float(getattr(self.model.world, name)[self.row])

    def _set_param(self, name: str, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{self.actor_id}.{name} must lie in [0, 1], got {value}")
        getattr(self.model.world, name)[self.row] = value
        self.model.refresh_preferences()

    @property
    def decoupling_fear(self) -> float:
        return self._param("decoupling_fear")

    @decoupling_fear.setter
    def decoupling_fear(self, value: float) -> None:
        self._set_param("decoupling_fear", value)

    @property
    def competition(self) -> float:
        return self._param("competition")

    @competition.setter
    def competition(self, value: float) -> None:
        self._set_param("competition", value)

    @property
    def risk(self) -> np.ndarray:
        return self.model.state.risk[self.row]

    def describe(self) -> dict:
        """Everything the app's tooltip and `eunato actors` show about this actor."""
        m = self.model
        issues = m.state.issue_ids[: m.m]
        pos = self.position
        return {
            "id": self.actor_id, "name": self.name, "kind": self.kind, "bloc": self.bloc,
            "memberships": self.memberships, "capability": round(self.capability, 4),
            "decoupling_fear": round(self.decoupling_fear, 3),
            "competition": round(self.competition, 3), "coalition": self.coalition_name,
            "eu_role": {i: round(float(x), 1) for i, x in zip(issues, pos[: m.m],
                                                              strict=True)},
            "nato_role": {i: round(float(x), 1) for i, x in zip(issues, pos[m.m:],
                                                                strict=True)},
            "salience": {i: round(float(x), 2) for i, x in zip(issues, self.salience,
                                                                strict=True)},
        }
