"""The two null rules the back-test prints beside the model (docs/validation.md, issue 21).

- **N1, "adopt everything"**: every episode adopted, no blocker.
- **N2, "adopt unless a unanimity or consensus house holds a member whose declared position
  opposes"**: blocked, with those members as the blockers, else adopted.

Both are read off the episode file and the data files alone, never off a run. A *declared
position* is an actor override of the scored role in the episode (``[actors.X] eu_role =
{...}``, with its ``source``) or, for an actor the episode does not override on that role, a
position on record in force at the episode's start (``[[record]]`` of data/positions.toml,
when the file exists). It *opposes* when it prefers the status quo to any move in the
proposal's direction: an override at or below the status quo when the change raises the role
(at or above it when the change cuts it; an ideal at the status quo wants no change), a record
whose lean pulls the role against the change on a topic the issue touches (its ``topics`` in
data/issues.toml): ``effect < 0`` on a topic that raises the role (``> 0`` for a cut), by the
engine's own map of which roles a topic moves (agents/states.py, ``TOPIC_ROLES``: France's
record against NATO primacy does not oppose a rise of the EU's role). A joint episode, a
formal EU-NATO arrangement, also touches ``eu_nato_arrangement``, which opposes any joint
change. Salience is ignored: that is what makes it a null rule (Hungary's
constructive abstentions are blocks to N2).

The houses that can block are the members of a house deciding the scored piece by unanimity
(``cfsp``, ``mff``, the Council side of ``joint``) or consensus (``nac``, the NATO side of
``joint``). The direction of the change is ``proposed`` where the episode gives it, else a
rise of the scored role (every episode of 2023-2025 proposes more, not less).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agents.states import TOPIC_ROLES
from model.inputs.data import DATA_DIR, TOPICS
from model.inputs.positions import Record, load_positions
from model.inputs.scenario import Scenario

if TYPE_CHECKING:
    from model.world import World


class Episode(Protocol):
    """What the rules read of an episode (validation/episodes.py's ``Episode``, named here as
    a Protocol so that the two modules do not import each other)."""

    spec: Any  # its [episode] table: issue, proposed
    scenario: Scenario

POSITIONS = DATA_DIR / "positions.toml"
#: EU venues where one member can stop the scored piece (Art. 31(1) TEU, Art. 312 TFEU)
UNANIMITY = ("cfsp", "mff")


def load_records(path: str | Path = POSITIONS) -> list[Record]:
    """The positions on record of data/positions.toml (model/inputs/positions.py reads and checks
    it); none when the file is absent."""
    return list(load_positions(path).records) if Path(path).exists() else []


@dataclass(frozen=True)
class NullCall:
    """A null rule's call on one episode."""

    result: str
    venue: tuple[str, ...]
    blocker: tuple[str, ...]

    def label(self) -> str:
        return (f"{self.result} · {'+'.join(self.venue) or '—'} · "
                f"{'+'.join(self.blocker) or 'no blocker'}")


def file_venue(w: World, j: int) -> tuple[str, ...]:
    """The venue(s) the file gives the scored issue: ``joint``, or its EU and NATO pieces."""
    if w.joint[j]:
        return ("joint",)
    return tuple(sorted(v for v in (w.eu_venue[j], w.nato_venue[j]) if v != "none"))


def status_quo(w: World, j: int) -> dict[str, float]:
    return {"eu_role": float(w.status_quo[j]),
            "nato_role": float(w.status_quo[len(w.issues) + j])}


def council(w: World) -> Any:
    """Who sits in the EU Council (member states) and the North Atlantic Council (allies)."""
    states = w.types == "state"
    return w.eu_member & states, w.nato_member & (states | w.is_us)


def directions(ep: Episode, w: World, j: int) -> dict[str, int]:
    """+1 / -1 per scored role: where the proposal moves it from the status quo."""
    sq = status_quo(w, j)
    prop = ep.spec.proposed
    if prop:
        return {k: (1 if v > sq[k] else -1) for k, v in prop.items() if v != sq[k]}
    return {k: 1 for k, on in (("eu_role", w.eu_venue[j] != "none"),
                               ("nato_role", w.nato_venue[j] != "none")) if on}


def _factor(topic: str, role: str, joint: bool) -> float:
    """How a lean on ``topic`` moves ``role`` (the engine's own map, agents/states.py): NATO
    primacy raises NATO's role and leaves the EU's alone; a formal arrangement is every joint
    change."""
    if topic == "eu_nato_arrangement":
        return 1.0 if joint else 0.0
    return float(TOPIC_ROLES[TOPICS.index(topic), 0 if role == "eu_role" else 1])


def opposers(ep: Episode, w: World, records: list[Record]) -> dict[str, set[str]]:
    """Per veto house (``eu_council``, ``nato``), the members whose declared position opposes."""
    j = w.issue_ids.index(ep.spec.issue)
    sq = status_quo(w, j)
    dirs = directions(ep, w, j)
    houses = {}
    eu, nato = council(w)
    if w.eu_venue[j] in UNANIMITY or (w.joint[j] and w.eu_venue[j] != "none"):
        houses["eu_council"] = (eu, "eu_role")
    if w.nato_venue[j] == "nac":
        houses["nato"] = (nato, "nato_role")
    topics = {t for t, wt in w.issues[j].topics.items() if wt > 0}
    if w.joint[j]:
        topics.add("eu_nato_arrangement")
    start = ep.scenario.start
    out: dict[str, set[str]] = {}
    for house, (member, role) in houses.items():
        # a joint arrangement needs both houses whichever role it moves
        d = dirs.get(role, next(iter(dirs.values()), 0) if w.joint[j] else 0)
        if not d:  # the change leaves this house's role alone
            continue
        names = set()
        for k, a in enumerate(w.actor_ids):
            if not member[k]:
                continue
            ov = ep.scenario.actors.get(a)
            mine = getattr(ov, role, {}).get(ep.spec.issue) if ov else None
            if mine is not None and role in dirs:  # the episode's own declared position
                if (mine - sq[role]) * d <= 0:
                    names.add(a)
            elif any(r.actor == a and r.topic in topics and r.in_force(start)
                     and r.effect * _factor(r.topic, role, bool(w.joint[j])) * d < 0
                     for r in records):
                names.add(a)
        if names:
            out[house] = names
    return out


def null_calls(ep: Episode, w: World, records: list[Record]) -> dict[str, NullCall]:
    """N1's and N2's calls on one episode (``w``: the episode's world)."""
    j = w.issue_ids.index(ep.spec.issue)
    venue = file_venue(w, j)
    calls = {"N1": NullCall("adopted", venue, ())}
    opp = opposers(ep, w, records)
    if not opp:
        calls["N2"] = NullCall("adopted", venue, ())
    else:
        code = {"eu_council": w.eu_venue[j], "nato": "nac"}
        where = ("joint",) if w.joint[j] else tuple(sorted(code[h] for h in opp))
        calls["N2"] = NullCall("blocked", where, tuple(sorted(set().union(*opp.values()))))
    return calls
