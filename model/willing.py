"""Coalitions of the willing: when the EU and NATO fail, a formed coalition acts outside both.

At the end of a run (``EuNatoModel._finish``), every issue on which the institutions did not
deliver is looked at once more: it was **blocked** (no piece passed; a veto stood in the
houses that vote on it), or it was **still open** at the deadline or the last round (the
institutions were too slow). Issues settled as "status quo holds" by bargaining (nobody's
proposal differed from it) and issues with an agreed piece are left alone.

For such an issue, each coalition that formed on the issue's pillar (model/coalitions.py) with
two or more members is a candidate. Its **participants** are its states (the bureaucracies,
the Parliament and Ukraine do not act outside their institutions) who want more of the task
covered than the EU and NATO cover now, and who each decide for themselves
(agents/willing.py): acting must beat the status quo by the state's own utility, its share
of the bill included. The coalition adds

    role  = min(T_P − cov, 100 · share)       share = C_P / C_states

role points of coverage, where T_P is the participants' capability×salience weighted wanted
coverage, cov the EU's and NATO's roles in force, C_P the participants' capability and
C_states every state's (the US's scaled by its engagement, as at the table): it closes the
gap its members want closed, as far as their own capability reaches. States that do not gain
at that role drop out and the role is worked out again for those left, until every
participant gains (a shrinking set: at most one pass per member). The coalition acts if it
keeps at least two participants, holds at least ``willing_threshold`` of the states'
capability (scenario parameter, default 0.10) and adds more than
``VOTE_TOLERANCE`` role points. Of several candidates the one adding most acts (ties: the
larger share, then the first label); one outside arrangement per issue.

The issue's ``route`` becomes ``"outside"``; its status (blocked, status quo holds) and the
EU's and NATO's roles stay as the institutions left them: the outside arrangement is a third
route beside them (``model.outside[j]``: participants, share, role, date and why the
institutions did not deliver). Duplication and gap add its role to the EU's and NATO's.
Nothing here runs when no issue failed, so a run without a failure is exactly as before.

Judgement on the threshold 0.10 (model/inputs/scenario.py): below a tenth of the states'
capability a group cannot carry a European task alone (the Baltic and Nordic states together
hold about 0.06 of it in data/actors.toml); the Czech-led ammunition initiative of 2024, the
case this rests on, was carried by about 18 states including Germany, Canada, the
Netherlands and Denmark (data/episodes/czech-ammunition-2024.toml), far above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from agents.base import VOTE_TOLERANCE
from agents.willing import joins, wanted_coverage

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

#: actor types that can act outside the institutions: states (the US among them)
ACTING_TYPES = ("state", "us")
#: participants a sentence names before it counts the rest
NAMED = 12


def failed(model: EuNatoModel, late: list[int]) -> list[int]:
    """The issues on which the institutions did not deliver: blocked, or ``late`` (still
    open when the run ended), with no piece agreed."""
    return [j for j in range(model.m) if model.status[j] != "agreed"
            and (model.status[j] == "blocked" or j in late)]


def participants(model: EuNatoModel, j: int, members: np.ndarray, threshold: float
                 ) -> tuple[np.ndarray, float, float] | None:
    """The participants (mask), share and role of coalition ``members`` (mask) acting on
    issue ``j`` outside both institutions, or None when it does not act (module docstring)."""
    m, st = model.m, model.state
    stand = model.stand
    cap = st.capability
    states = np.isin(model.world.types, ACTING_TYPES)
    total = float(cap[states].sum())
    cov = float(model.outcome[j] + model.outcome[m + j])
    wanted = wanted_coverage(stand[:, j], stand[:, m + j])
    sal = model.salience[:, j]
    part = members & states & (wanted > cov + VOTE_TOLERANCE)
    while part.sum() >= 2:
        pooled = float(cap[part].sum())
        share = pooled / max(total, 1e-12)
        if share < threshold:
            return None
        w = cap[part] * sal[part] + 1e-12
        role = min(float((w * wanted[part]).sum() / w.sum()) - cov, 100.0 * share)
        if role <= VOTE_TOLERANCE:
            return None
        keep = joins(wanted, cov, role, sal, cap, pooled, model.abstain_salience)
        if (keep | ~part).all():
            return part, share, role
        part &= keep
    return None


def why_failed(model: EuNatoModel, j: int, late: list[int]) -> str:
    """Why the institutions did not deliver issue ``j``, in words."""
    who = ", ".join(f"{v['actor']} ({v['house']})" for v in model.vetoes[j])
    if model.status[j] == "blocked" and j not in late:
        return f"blocked by {who}" if who else "no change passed"
    when = (f"the deadline {model.spec.deadline}" if model.deadline_round is not None
            and model.steps >= model.deadline_round else "the last round")
    return f"still open at {when}" + (f", blocked by {who}" if who else "")


def act(model: EuNatoModel, late: list[int]) -> None:
    """Let coalitions of the willing act on every failed issue (module docstring)."""
    ids, cap = model.state.actor_ids, model.state.capability
    threshold = float(model.spec.parameters.willing_threshold)
    for j in failed(model, late):
        labels = model.coalition[model.pillar_of[j]]
        best: tuple[float, float, int, np.ndarray] | None = None
        for lab in np.unique(labels).tolist():
            members = labels == lab
            if members.sum() < 2:
                continue
            got = participants(model, j, members, threshold)
            if got is None:
                continue
            part, share, role = got
            key = (round(role, 9), round(share, 9), -lab)
            if best is None or key > (round(best[0], 9), round(best[1], 9), -best[2]):
                best = (role, share, lab, part)
        if best is None:
            continue
        role, share, lab, part = best
        when = int(model.settled_round[j]) if model.settled_round[j] > 0 else int(model.steps)
        rec: dict[str, Any] = {
            "coalition": ids[lab],
            # the most capable first (ties: the data's order), as a sentence names them
            "participants": [ids[i] for i in sorted(np.flatnonzero(part).tolist(),
                                                    key=lambda i: (-cap[i], i))],
            "share": round(share, 4), "role": round(role, 2),
            "round": when, "date": model.date(when),
            "why": why_failed(model, j, late),
        }
        model.outside[j] = rec
        model.route[j] = "outside"
        iid = model.world.issue_ids[j]
        model.log("outside", f"{iid}: {len(rec['participants'])} states led by {ids[lab]} act "
                  f"outside the EU and NATO, adding {role:.0f} role points "
                  f"({share:.0%} of the states' capability); the institutions: {rec['why']}",
                  issue=iid)


def sentence(rec: dict[str, Any] | None) -> str:
    """One readable sentence on an outside arrangement (empty without one)."""
    if not rec:
        return ""
    names = rec["participants"]
    who = ", ".join(names[:NAMED]) + (f" and {len(names) - NAMED} more"
                                      if len(names) > NAMED else "")
    return (f"Outside both the EU and NATO, a coalition of the willing of {len(names)} "
            f"states led by {rec['coalition']} ({who}) acted on its own in {rec['date']}, "
            "because the "
            f"institutions did not deliver ({rec['why']}): holding {rec['share']:.0%} of the "
            f"states' capability, it covers {rec['role']:.0f} more points of the task.")


def outside_roles(model: EuNatoModel) -> np.ndarray:
    """(m,) the role points each issue's outside arrangement adds (0 where none)."""
    return np.array([rec["role"] if rec else 0.0 for rec in model.outside])
