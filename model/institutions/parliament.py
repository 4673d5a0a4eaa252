"""The European Parliament by political groups (docs/model.md, "The Parliament by groups").

The Parliament bargains as one actor (``EP``, agents/parliament.py), but where it votes (the
ordinary legislative procedure, ``olp``; the MFF's consent, ``mff``) its vote is the
majority of its political groups' seats under the Treaty's rule:

- first reading (Art. 294(3) TFEU) and every vote the Treaties do not say otherwise of
  (Art. 231 TFEU, e.g. consent to an agreement under Art. 218(6)(a) TFEU): a majority of
  the votes cast, only votes for and against counting;
- consent to the MFF (Art. 312(2) TFEU): a majority of its component members, so absent
  and abstaining members count against.

Seats and turnout per term, and each group's stance per pillar of the issue set (shares for,
against and abstaining at a cited roll-call vote), are in data/parliament.toml with their
sources. A group sits ``lean_span × (against + abstain/2)`` role points below the
Parliament's own position on the EU role, and votes as a bloc by the rule every voter uses
(:meth:`agents.base.NegotiationActor.decide_vote`). The term follows the month of the vote.
Without the file, or for a pillar it gives no stance for, the Parliament votes as one actor
at its median, as before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.parliament import Parliament
from model.inputs.data import DATA_DIR, DataError, read_toml
from model.institutions.venues import VENUES, GroupBallot

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

PATH = DATA_DIR / "parliament.toml"
#: the Parliament's rules, as codes of :class:`GroupBallot.rule`
VOTES_CAST, COMPONENT_MEMBERS = 1, 2
RULE_NAMES = {VOTES_CAST: "majority of votes cast (Art. 231, 294(3) TFEU)",
              COMPONENT_MEMBERS: "majority of component members (Art. 312(2) TFEU)"}


@dataclass(frozen=True)
class Term:
    """One parliamentary term: groups' seats (K,) over :attr:`Groups.names`, turnout, and
    per pillar the groups' stance shares (K, 3) [for, against, abstain] (absent pillars:
    no stance)."""

    term: int
    start: str
    end: str
    seats: np.ndarray
    turnout: float
    stance: dict[str, np.ndarray]


@dataclass(frozen=True)
class Groups:
    names: tuple[str, ...]
    lean_span: float
    terms: tuple[Term, ...]

    def term_at(self, month: str) -> Term | None:
        """The term whose months include ``month`` (YYYY-MM), None outside every term."""
        for t in self.terms:
            if t.start <= month <= t.end:
                return t
        return None


def _fail(field: str, value: Any, why: str) -> DataError:
    return DataError(str(PATH), field, value, why)


@functools.cache
def load_groups(path: str | None = None) -> Groups | None:
    """data/parliament.toml, checked (None when the file is absent: the Parliament then
    votes as one actor); a bad field raises one DataError naming it."""
    from pathlib import Path

    p = Path(path) if path else PATH
    if not p.exists():
        return None
    raw = read_toml(p)
    names = tuple(raw.get("groups", {}))
    span = raw.get("lean_span")
    if not names:
        raise _fail("groups", None, "lists no political group")
    if not isinstance(span, int | float) or not 0 <= span <= 100:
        raise _fail("lean_span", span, "a number of role points in [0, 100]")
    terms = []
    for k, t in enumerate(raw.get("term", [])):
        where = f"term[{k}]"
        seats = t.get("seats", {})
        for g, s in seats.items():
            if g not in names:
                raise _fail(f"{where}.seats.{g}", s, "not a group of [groups]")
            if not isinstance(s, int) or s < 0:
                raise _fail(f"{where}.seats.{g}", s, "a whole number of seats")
        turnout = t.get("turnout")
        if not isinstance(turnout, int | float) or not 0 < turnout <= 1:
            raise _fail(f"{where}.turnout", turnout, "a share in (0, 1]")
        for key in ("from", "to"):
            v = t.get(key)
            if not (isinstance(v, str) and len(v) == 7 and v[4] == "-"):
                raise _fail(f"{where}.{key}", v, "a month YYYY-MM")
        stance = {}
        for pillar, by_group in t.get("stance", {}).items():
            arr = np.zeros((len(names), 3))
            for g, shares in by_group.items():
                f = f"{where}.stance.{pillar}.{g}"
                if g not in seats:
                    raise _fail(f, shares, "the group has no seats in this term")
                if (not isinstance(shares, list) or len(shares) != 3
                        or not all(isinstance(x, int | float) and 0 <= x <= 1 for x in shares)
                        or abs(sum(shares) - 1) > 0.02):
                    raise _fail(f, shares, "[for, against, abstain] shares summing to 1")
                arr[names.index(g)] = shares
            missing = [g for g in seats if g not in by_group]
            if missing:
                raise _fail(f"{where}.stance.{pillar}", missing, "groups with seats but "
                            "no stance")
            stance[pillar] = arr
        terms.append(Term(int(t.get("term", k)), t["from"], t["to"],
                          np.array([float(seats.get(g, 0)) for g in names]), float(turnout),
                          stance))
    return Groups(names, float(span), tuple(terms))


def leans(groups: Groups, term: Term, pillars: list[str]) -> np.ndarray:
    """(K, m) each group's lean on each issue's EU role, in role points (NaN: no stance
    for the issue's pillar)."""
    out = np.full((len(groups.names), len(pillars)), np.nan)
    for j, p in enumerate(pillars):
        s = term.stance.get(p)
        if s is not None:
            out[:, j] = -groups.lean_span * (s[:, 1] + 0.5 * s[:, 2])
    return out


def ballot(groups: Groups | None, months: list[str], pillars: list[str], issue: np.ndarray,
           ep_position: np.ndarray, proposal: np.ndarray, status_quo: np.ndarray
           ) -> GroupBallot | None:
    """The groups' ballot on G single EU-role proposals: ``months`` (G,) of each vote (one
    month for all is fine), ``issue`` (G,) issue indices, ``ep_position`` (G,) where the
    Parliament stands on that EU role, ``proposal``/``status_quo`` (G,). None without
    group data."""
    if groups is None:
        return None
    g = len(issue)
    k = len(groups.names)
    months = list(months) * g if len(months) == 1 else list(months)
    seats, turnout, lean = np.zeros((k, g)), np.ones(g), np.full((k, g), np.nan)
    for month in sorted(set(months)):
        term = groups.term_at(month)
        if term is None:
            continue
        cols = np.array([q for q, mo in enumerate(months) if mo == month])
        seats[:, cols] = term.seats[:, None]
        turnout[cols] = term.turnout
        lean[:, cols] = leans(groups, term, pillars)[:, issue[cols]]
    on = ~np.isnan(lean).any(axis=0)
    pos = np.clip(ep_position[None, :] + np.nan_to_num(lean), 0.0, 100.0)
    return GroupBallot(np.abs(pos - proposal[None, :]), np.abs(pos - status_quo[None, :]),
                       seats, turnout, on)


def ep_row(types: np.ndarray) -> int | None:
    """The Parliament's row among the actors' ``types`` (None without one)."""
    rows = np.flatnonzero(types == "parliament")
    return int(rows[0]) if rows.size else None


def vote_month(model: EuNatoModel, j: int | None = None) -> str:
    """The month of the run's current vote, or of issue ``j``'s last settlement."""
    t = model.steps if j is None or model.settled_round[j] < 1 else model.settled_round[j]
    return model.date(max(int(t), 1))


def model_ballot(model: EuNatoModel, issue: np.ndarray, proposal: np.ndarray,
                 status_quo: np.ndarray, stand: np.ndarray | None = None,
                 month: str | None = None) -> GroupBallot | None:
    """:func:`ballot` for a run's proposals on the EU roles of ``issue`` (G,), voted in
    the run's current month (or ``month``); ``stand``: the voters' positions (n, 2m)
    (default the run's)."""
    w = model.world
    row = ep_row(w.types)
    if row is None:
        return None
    stand = model.stand if stand is None else stand
    issue = np.asarray(issue)
    return ballot(load_groups(), [month or vote_month(model)], list(w.pillars), issue,
                  stand[row, issue], np.asarray(proposal, float),
                  np.asarray(status_quo, float))


def take(b: GroupBallot | None, cols: np.ndarray) -> GroupBallot | None:
    """The ballot's columns ``cols`` (repeats allowed)."""
    if b is None:
        return None
    return GroupBallot(b.d_prop[:, cols], b.d_sq[:, cols], b.seats[:, cols],
                       b.turnout[cols], b.on[cols])


def stack(ballots: list[GroupBallot | None], k: int) -> GroupBallot | None:
    """One ballot of single-column ballots side by side (None columns: groups off)."""
    if all(b is None for b in ballots):
        return None
    off = GroupBallot(np.zeros((k, 1)), np.zeros((k, 1)), np.zeros((k, 1)), np.ones(1),
                      np.zeros(1, bool))
    bs = [off if b is None else b for b in ballots]
    return GroupBallot(*(np.concatenate([getattr(b, f) for b in bs], axis=-1)
                         for f in ("d_prop", "d_sq", "seats", "turnout", "on")))


def parliament_vote(model: EuNatoModel, j: int, basis: str) -> dict[str, Any] | None:
    """How the Parliament's groups voted on issue ``j``'s EU piece under ``basis`` (the
    summary's ``parliament``, docs/schema.md): what passed (else the last proposal) against
    the status quo it faced, in the month of its last vote. None where the Parliament has
    no vote, the EU piece did not change, or the groups do not decide (it voted as one)."""
    if not VENUES[basis].parliament or model.pieces[j]["eu"] == "unchanged":
        return None
    x = model.outcome[j] if model.pieces[j]["eu"] == "agreed" else model.proposal[j]
    month = vote_month(model, j)
    b = model_ballot(model, np.array([j]), np.array([x]), model.status_quo0[j:j + 1],
                     month=month)
    if b is None or not b.on[0]:
        return None
    groups = load_groups()
    component = VENUES[basis].council == "unanimity"
    row = ep_row(model.world.types)
    passed, tally, (yes, no, _) = Parliament.group_vote(
        b.d_prop, b.d_sq, model.salience[row, j:j + 1], b.seats, b.turnout,
        np.array([component]), model.abstain_salience)
    y, n, a = (round(float(v)) for v in tally[:, 0])
    seated = b.seats[:, 0] > 0
    return {
        "term": groups.term_at(month).term, "month": month,
        "rule": RULE_NAMES[COMPONENT_MEMBERS if component else VOTES_CAST],
        "needed": int(Parliament.majority(b.seats)[0]) if component else n + 1,
        "members": int(b.seats[:, 0].sum()), "yes": y, "no": n, "abstain": a,
        "passed": bool(passed[0]), "eu_role": round(float(x), 1),
        "groups": {g: ("for" if yes[k, 0] else "against" if no[k, 0] else "abstain")
                   for k, g in enumerate(groups.names) if seated[k]},
    }


def vote_text(v: dict[str, Any]) -> str:
    """One sentence on how the Parliament voted (explanations, briefings)."""
    side = {s: [g for g, x in v["groups"].items() if x == s]
            for s in ("for", "against", "abstain")}
    parts = [f"{s}: {', '.join(gs)}" for s, gs in side.items() if gs]
    return (f" The European Parliament (term {v['term']}) voted {v['yes']}-{v['no']}-"
            f"{v['abstain']} on EU role {v['eu_role']:.0f} by its groups ("
            + "; ".join(parts) + f"); it needed a {v['rule']}, {v['needed']} votes, and "
            + ("passed it." if v["passed"] else "rejected it."))
