"""Where each piece of an issue is decided, and by what rule (docs/model.md §4).

An issue has up to three pieces: the EU's role (decided in the EU venue its legal basis
names), NATO's role (the North Atlantic Council) and, where the issue has ``joint = true``,
a formal EU–NATO arrangement that changes both at once and needs both houses (and falls
under the Türkiye–Cyprus participation blockage). Only members of a house vote in it:

- ``eu_council``: the EU member states. Unanimity for ``cfsp`` (Art. 31(1) TEU, with
  constructive abstention: abstainers do not block unless they are at least a third of the
  members holding a third of the population) and ``mff`` (Art. 312 TFEU; abstention does
  not prevent unanimity, Art. 238(4) TFEU); QMV for ``olp`` and ``art122`` (Art. 16(4) TEU,
  Art. 238(3) TFEU: 55% of members holding 65% of the population; a blocking minority needs
  four members). ``ec`` (enhanced cooperation, Art. 20 TEU, Arts. 326-334 TFEU): at least
  nine members vote yes and take part, and the authorisation passes by QMV (Art. 329(1)
  TFEU) unless a blocking minority votes no; the act binds the participants only
  (model/institutions/cooperation.py scales its effect).
- ``european_parliament``: the Parliament, in ``olp`` (first reading, Art. 294(3) TFEU:
  a majority of votes cast), ``mff`` (consent, Art. 312(2) TFEU: a majority of its
  component members) and ``ec`` (consent to the authorisation, Art. 329(1) TFEU: a
  majority of votes cast) only; by its political groups' seats where data/parliament.toml
  has them (model/institutions/parliament.py), else as one actor at its median.
- ``nato``: the allies, by consensus under the silence procedure (:func:`silence_holds`):
  a draft passes unless an ally breaks silence; an ally may step aside.

How each voter decides is the actor's own rule (:meth:`agents.base.NegotiationActor.
decide_vote`); members of a cohesive coalition then vote with their coalition's
capability-weighted majority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.base import DISCIPLINE_CAP, NegotiationActor
from agents.parliament import Parliament

if TYPE_CHECKING:
    from model.world import World

QMV_STATES = 0.55
QMV_POPULATION = 0.65
QMV_MIN_BLOCKERS = 4
HOUSES = ("eu_council", "european_parliament", "nato")


@dataclass(frozen=True)
class Venue:
    code: str
    label: str
    council: str | None  # "unanimity_ca" | "unanimity" | "qmv" | None
    parliament: bool
    treaty: str


VENUES: dict[str, Venue] = {v.code: v for v in (
    Venue("cfsp", "EU Council (unanimity, constructive abstention)", "unanimity_ca", False,
          "Art. 31(1) TEU"),
    Venue("olp", "EU Council (QMV) + European Parliament", "qmv", True,
          "Art. 16(4) TEU, Art. 294 TFEU"),
    Venue("art122", "EU Council (QMV, no Parliament vote)", "qmv", False, "Art. 122 TFEU"),
    Venue("mff", "EU Council (unanimity) + European Parliament consent", "unanimity", True,
          "Art. 312 TFEU"),
    Venue("ec", "EU Council, enhanced cooperation of at least nine willing states (QMV "
          "authorisation) + European Parliament consent", "willing", True,
          "Art. 20 TEU, Arts. 326-334 TFEU"),
    Venue("nac", "North Atlantic Council (consensus)", None, False, "NATO consensus practice"),
    Venue("none", "no venue", None, False, ""),
)}


@dataclass(frozen=True)
class BasisCost:
    """What choosing a legal basis other than the issue's own costs its agenda setter (a
    judgement, docs/model.md §5.4): ``delay`` rounds before the act can be adopted there
    (a new proposal, its committees, the Parliament's readings) and a ``political`` cost in
    role points (legal risk before the Court, institutions bypassed, trust spent)."""

    delay: int
    political: float
    why: str


#: role points a round of delay costs the agenda setter (judgement)
DELAY_COST = 1.0
#: judgements, resting on ../shared/notes/institutions.md: ASAP took about 11 weeks under the
#: ordinary procedure (2023); SAFE under Art. 122 TFEU took about two months and the
#: Parliament objected to being bypassed (2025); an MFF revision needs every state and the
#: Parliament's consent (the Ukraine Facility, December 2023 to February 2024)
BASIS_COSTS: dict[str, BasisCost] = {
    "cfsp": BasisCost(2, 3.0, "a CFSP decision needs every member state"),
    "olp": BasisCost(3, 2.0, "a new legislative proposal goes through both co-legislators"),
    "art122": BasisCost(1, 6.0, "the emergency clause used outside a declared emergency "
                                "bypasses the Parliament and invites a challenge in Court"),
    "mff": BasisCost(4, 4.0, "a budget revision needs every state and the Parliament's "
                             "consent"),
    # judgement on the EPPO (authorised April 2017, regulation October 2017) and the
    # unitary patent (requested December 2010, authorised March 2011): half a year at least
    "ec": BasisCost(6, 5.0, "enhanced cooperation is a last resort (Art. 20(2) TEU): the "
                            "Council authorises it by QMV with the Parliament's consent "
                            "(Art. 329(1) TFEU), and its acts bind only the participants "
                            "(Art. 20(4) TEU), who bear its costs (Art. 332 TFEU)"),
}
#: enhanced cooperation needs at least nine member states (Art. 20(2) TEU)
EC_MIN_STATES = 9


def venue_label(eu_venue: str, nato_venue: str, route: str | None) -> str:
    """Readable venue(s) of a route: ``eu``, ``nato``, ``joint`` or ``eu+nato``; for
    ``outside`` (or None) the venues that would have decided."""
    parts = []
    if route in ("eu", "eu+nato", "joint", "outside", None) and eu_venue != "none":
        v = VENUES[eu_venue]
        parts.append(f"{v.label}, {v.treaty}")
    if route in ("nato", "eu+nato", "joint", "outside", None) and nato_venue != "none":
        parts.append(VENUES[nato_venue].label)
    text = " and ".join(parts) or "no venue"
    return ("formal EU-NATO arrangement: " + text) if route == "joint" else text


@dataclass
class Electorate:
    """Who sits in which house: (n,) masks, populations and capabilities."""

    eu: np.ndarray  # EU member states (voting)
    nato: np.ndarray  # NATO allies (voting)
    parliament: np.ndarray  # the European Parliament (one actor)
    population: np.ndarray  # millions (EU members matter)
    capability: np.ndarray  # (n,), or (n, G) each proposal's own (an ensemble's votes)
    blockers: np.ndarray = field(default=None)  # participation blockage (active), as above

    def __post_init__(self) -> None:
        if self.blockers is None:
            self.blockers = np.zeros_like(self.eu)

    @classmethod
    def of(cls, world: World, voting: np.ndarray, capability: np.ndarray) -> Electorate:
        """A run's houses: the member states (and the US) that vote in the EU Council and
        the NAC, the Parliament, and the blockers of a participation blockage in force."""
        w = world
        return cls(
            eu=w.eu_member & voting & np.isin(w.types, ["state", "us"]),
            nato=w.nato_member & voting & np.isin(w.types, ["state", "us"]),
            parliament=w.types == "parliament",
            population=np.array([a.population_m or 0.0 for a in w.actors]),
            capability=capability,
            blockers=np.isin(w.actor_ids, w.blocker_ids) & w.participation_blockage)


@dataclass
class Verdict:
    """The vote on G proposals of one piece: masks are (n, G), results (G,)."""

    adopted: np.ndarray
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    house_ok: dict[str, np.ndarray]
    houses: list[str]

    def vetoes(self, ids: list[str], el: Electorate, g: int = 0) -> list[dict[str, str]]:
        """``{actor, house}`` for every no in a house that failed, for proposal ``g``."""
        out = []
        masks = {"eu_council": el.eu, "european_parliament": el.parliament, "nato": el.nato}
        for h in self.houses:
            if self.house_ok[h][g]:
                continue
            for k in np.flatnonzero(self.no[:, g] & masks[h]):
                out.append({"actor": ids[k], "house": h})
        return out


def _column_sums(values: np.ndarray) -> np.ndarray:
    """(G,) each column of (n, G) ``values`` summed as a contiguous row (pairwise, the
    same way whatever G is), so a proposal's tally does not depend on what else is voted
    beside it."""
    return np.multiply(values.T, 1.0, order="C").sum(axis=1)


def qmv(yes: np.ndarray, members: np.ndarray, population: np.ndarray) -> np.ndarray:
    """(G,) double majority of Art. 16(4) TEU; ``yes`` is (n, G)."""
    count = int(members.sum())
    if count == 0:
        return np.ones(yes.shape[1], bool)
    y = yes & members[:, None]
    n_yes = y.sum(axis=0)
    pop_total = population[members].sum()
    pop_yes = _column_sums(population[:, None] * y)
    return (n_yes >= QMV_STATES * count - 1e-9) & (
        (pop_yes >= QMV_POPULATION * pop_total - 1e-9) | (count - n_yes < QMV_MIN_BLOCKERS))


def _unanimity(no: np.ndarray, abstain: np.ndarray, members: np.ndarray,
               population: np.ndarray, constructive: np.ndarray | bool) -> np.ndarray:
    ok = ~(no & members[:, None]).any(axis=0)
    constructive = np.broadcast_to(constructive, ok.shape)
    if constructive.any() and members.any():
        # Art. 31(1) TEU: abstainers with declarations holding a third of members and of
        # the population stop the decision
        ab = abstain & members[:, None]
        share_n = ab.sum(axis=0) / members.sum()
        share_p = _column_sums(population[:, None] * ab) / max(population[members].sum(),
                                                                1e-12)
        ok &= ~(constructive & (share_n >= 1 / 3) & (share_p >= 1 / 3))
    return ok


def _coalition_discipline(yes, no, abstain, coalition, capability, free,
                          consensus) -> np.ndarray:
    """Members of a coalition of two or more vote with the capability-weighted majority of
    its members who sit in the house (in place). ``coalition`` is (n,) labels, or (n, G):
    each proposal's own; ``free`` (n, G) marks who may be moved and whose vote counts: house
    members holding no stance whose cost of following is at most ``DISCIPLINE_CAP``.
    Vectorised over coalitions and proposals: one weighted count per (label, proposal),
    added in voter order. Where one member can stop a change (unanimity, consensus:
    ``consensus`` (G,)), a bloc can bring a member to say yes but never make it cast a veto
    it would not cast alone. Returns (n, G) whose vote discipline changed."""
    n, g = yes.shape
    if coalition is None:
        return np.zeros((n, g), bool)
    lab = np.broadcast_to(coalition.reshape(n, -1), (n, g))
    keys = (lab * g + np.arange(g)).ravel()
    size = np.bincount(keys, free.ravel().astype(float), n * g)
    if (size < 2).all():
        return np.zeros((n, g), bool)
    at = keys.reshape(n, g)
    w = capability.reshape(n, -1) * free  # (n,) or (n, G): each proposal's own
    wy = np.bincount(keys, (w * yes).ravel(), n * g)
    wn = np.bincount(keys, (w * no).ravel(), n * g)
    go_yes = (wy >= wn)[at]  # (n, G) each member's coalition majority
    move = free & (size[at] >= 2) & (go_yes | ~consensus[None, :])
    changed = move & (yes != go_yes)
    yes[...] = np.where(move, go_yes, yes)
    no[...] = np.where(move, ~go_yes, no)
    abstain[...] = np.where(move, False, abstain)
    return changed


@dataclass(frozen=True)
class GroupBallot:
    """The groups' side of G proposals: distances (K, G) from each group's position to
    the proposal and to the status quo, seats (K, G) and turnout (G,) of the term voting,
    ``on`` (G,) whether groups decide the column (else the Parliament votes as one)."""

    d_prop: np.ndarray
    d_sq: np.ndarray
    seats: np.ndarray
    turnout: np.ndarray
    on: np.ndarray


#: the EU Council's rule per code, for :func:`vote_columns`
COUNCIL_RULES = ("", "qmv", "unanimity", "unanimity_ca", "willing")


def vote_columns(
    el: Electorate, council: np.ndarray, parliament: np.ndarray, nato: np.ndarray,
    dist_proposal: np.ndarray, dist_status_quo: np.ndarray, salience: np.ndarray,
    block: np.ndarray, aside: np.ndarray, *, abstain_salience: float,
    coalition: np.ndarray | None, joint: np.ndarray, ep: GroupBallot | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """G proposals, each put to its own houses, as one array program: ``council`` (G,)
    the Council's rule as an index of :data:`COUNCIL_RULES` (0: the Council does not
    vote), ``parliament``/``nato`` (G,) whether those houses vote, ``joint`` (G,) formal
    EU-NATO arrangements (the participation blockage applies); distances, saliences,
    stances and coalition labels (n, G) (or broadcastable); ``ep``: the Parliament's
    groups on each column (:func:`model.institutions.parliament.ballot`), whose majority
    is the Parliament's vote where it has no stance of its own. Returns (adopted (G,), yes,
    no, abstain (n, G), {house: (G,) passed, True where the house does not vote})."""
    n, g = dist_proposal.shape
    blocking = np.broadcast_to(block, (n, g)) | (joint[None, :] & el.blockers.reshape(n, -1))
    aside = np.broadcast_to(aside, (n, g))
    yes, no, abstain = NegotiationActor.decide_vote(
        dist_proposal, dist_status_quo, salience, blocking, aside, abstain_salience)
    # only the members of a house that votes on the proposal count in a bloc's majority,
    # and only those whom following costs little are moved by it
    member = (((council > 0)[None, :] & el.eu[:, None]) | (nato[None, :] & el.nato[:, None])
              | (parliament[None, :] & el.parliament[:, None]))
    cost = salience * np.abs(dist_proposal - dist_status_quo)
    free = ~(blocking | aside) & member & (cost <= DISCIPLINE_CAP)
    unanimous = (council == 2) | (council == 3)
    _coalition_discipline(yes, no, abstain, coalition, el.capability, free,
                          unanimous | nato)
    if ep is not None and el.parliament.any():
        _group_majority(yes, no, abstain, el.parliament, salience, blocking | aside,
                        parliament, council, ep, abstain_salience)
    ok = {"nato": ~nato | silence_holds(no, el.nato),
          "european_parliament": ~parliament | ~(no & el.parliament[:, None]).any(axis=0)}
    council_ok = np.ones(g, bool)
    if (council == 1).any():
        council_ok = np.where(council == 1, qmv(yes, el.eu, el.population), council_ok)
    if unanimous.any():
        council_ok = np.where(unanimous, _unanimity(no, abstain, el.eu, el.population,
                                                    council == 3), council_ok)
    if (council == 4).any():
        # enhanced cooperation: at least nine willing (yes) members, and an authorisation
        # by QMV that only a no stops (a member that does not oppose lets the others go on)
        willing = (yes & el.eu[:, None]).sum(axis=0) >= EC_MIN_STATES
        council_ok = np.where(council == 4, willing & qmv(~no, el.eu, el.population),
                              council_ok)
    ok["eu_council"] = council_ok
    adopted = ok["nato"] & ok["european_parliament"] & council_ok
    return adopted, yes, no, abstain, ok


def silence_holds(no: np.ndarray, allies: np.ndarray) -> np.ndarray:
    """(G,) whether the NAC adopts each draft by the silence procedure: it passes unless an
    ally breaks silence by the deadline, and the NAC never votes. Breaking silence is a
    no (n, G) from :meth:`NegotiationActor.decide_vote`: a blocking stance, or a loss of at
    least ``DISSENT_THRESHOLD`` (salience × role points); an ally that loses less, cares
    less than the abstention salience or steps aside keeps silence, which is consent. The
    same threshold makes a Council member abstain rather than veto under unanimity, so
    consensus in a meeting and consensus by silence are one rule here (docs/model.md)."""
    return ~(no & allies[:, None]).any(axis=0)


def _group_majority(yes, no, abstain, rows, salience, stance, parliament, council, ep,
                    abstain_salience) -> None:
    """The Parliament's vote (rows ``rows``) set to its groups' majority (in place) in
    the columns the groups decide and the Parliament holds no stance in; the MFF (the
    only venue whose Council votes by plain unanimity with the Parliament) needs the
    majority of component members."""
    n, g = yes.shape
    sal = np.broadcast_to(salience, (n, g))[rows].max(axis=0)
    passed, _, _ = Parliament.group_vote(ep.d_prop, ep.d_sq, sal, ep.seats, ep.turnout,
                                       council == 2, abstain_salience)
    on = parliament & ep.on & ~np.broadcast_to(stance, (n, g))[rows].any(axis=0)
    for a, v in ((yes, passed), (no, ~passed), (abstain, np.zeros(g, bool))):
        a[rows] = np.where(on, v, a[rows])


def distances(first: np.ndarray, second: np.ndarray, proposal: tuple[np.ndarray, np.ndarray],
              status_quo: tuple[np.ndarray, np.ndarray], joint: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(n, G) each voter's distance to each proposal and to the status quo it faces:
    ``first``/``second`` (n, G) the voters' positions on the piece's roles (one role twice
    for a single piece), ``proposal``/``status_quo`` (first role, second role) values per
    column. A joint piece's distance is the sum over its two roles (|Δeu| + |Δnato|); a
    single piece's is its role's alone (plus an exact 0.0)."""
    d_prop = np.abs(first - proposal[0]) + np.where(joint, np.abs(second - proposal[1]), 0.0)
    d_sq = np.abs(first - status_quo[0]) + np.where(joint, np.abs(second - status_quo[1]), 0.0)
    return d_prop, d_sq


def house_codes(houses: list[tuple[str, str]]) -> tuple[int, bool, bool]:
    """(council rule index, parliament votes, NAC votes) of a list of (house, rule)."""
    rules = dict(houses)
    return (COUNCIL_RULES.index(rules["eu_council"]) if "eu_council" in rules else 0,
            "european_parliament" in rules, "nato" in rules)


def vote(
    el: Electorate, houses: list[tuple[str, str]], dist_proposal: np.ndarray,
    dist_status_quo: np.ndarray, salience: np.ndarray, block: np.ndarray,
    aside: np.ndarray, *, abstain_salience: float = 0.1, coalition: np.ndarray | None = None,
    joint: bool = False, ep: GroupBallot | None = None,
) -> Verdict:
    """Put G proposals to ``houses`` [(house, rule)]: distances are (n, G) and (n,);
    ``block`` and ``aside`` are (n,) or (n, G) (variants, as in the pivot test)."""
    n, g = dist_proposal.shape
    council, parliament, nato = house_codes(houses)
    block = block[:, None] if block.ndim == 1 else block
    aside = aside[:, None] if aside.ndim == 1 else aside
    adopted, yes, no, abstain, ok = vote_columns(
        el, np.full(g, council), np.full(g, parliament), np.full(g, nato), dist_proposal,
        dist_status_quo[:, None], salience[:, None], block, aside,
        abstain_salience=abstain_salience, coalition=coalition, joint=np.full(g, joint),
        ep=ep)
    names = [h for h, _ in houses]
    return Verdict(adopted, yes, no, abstain, {h: ok[h] for h in names}, names)


def houses_for(eu_venue: str, nato_venue: str, piece: str) -> list[tuple[str, str]]:
    """The houses (and rules) that vote on the ``eu``, ``nato`` or ``joint`` piece.

    A formal EU–NATO arrangement is an agreement of the Union with an international
    organisation in the CFSP (Art. 37 TEU, Art. 218(8) TFEU): the Council decides it by
    unanimity whatever the legal basis of the EU's own piece, and the NAC by consensus."""
    out: list[tuple[str, str]] = []
    if piece == "joint":
        if eu_venue != "none":
            out.append(("eu_council", "unanimity"))
        if nato_venue != "none":
            out.append(("nato", "consensus"))
        return out
    if piece == "eu" and eu_venue != "none":
        v = VENUES[eu_venue]
        out.append(("eu_council", v.council))
        if v.parliament:
            out.append(("european_parliament", "component members" if v.council ==
                        "unanimity" else "votes cast"))
    if piece == "nato" and nato_venue != "none":
        out.append(("nato", "consensus"))
    return out
