"""Why each issue ended as it did: venue, blockers, pivotal actors, who moved and why.

For issue j (docs/model.md §7):

- **venue**: the houses that decided (the route that passed), or that blocked;
- **vetoes**: each vetoer with its house, its position on the roles at stake, its distance
  to the proposal and to the status quo, and why it said no (a blocking stance, coalition
  discipline, or simply preferring the status quo);
- **pivotal actors**: those whose absence (abstaining) or one-step move (from yes to no)
  changes whether the last proposal passes, tested voter by voter in one vectorised vote;
- **shift shares**: each actor's share of the outcome's shift from the status quo, its
  capability × salience × voice weight times its distance (the compromise decomposition,
  read off the final positions whatever the protocol);
- **movers**: the actors whose positions moved most from where they start, split
  into what moved them: decoupling fear, hedging, competition, turf, US leverage, coalition
  pull and bargaining concessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from agents import PART_NAMES
from agents.base import NegotiationActor
from model.deals import of_issue as deals_of
from model.deals import sentence as deal_sentence
from model.institutions.houses import agenda_setter
from model.institutions.parliament import parliament_vote, vote_text
from model.institutions.pivot import pivotal_many
from model.institutions.venues import VENUES, venue_label
from model.willing import sentence as outside_sentence

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

#: role points of US leverage on a vetoer's ideal from which an explanation names it
LEVERAGE_NAMED = 3.0
HOUSE_NAMES = {"eu_council": "the EU Council", "european_parliament": "the European "
               "Parliament", "nato": "the North Atlantic Council"}


def _pieces(model: EuNatoModel, j: int) -> list[str]:
    """The pieces of the last proposal: those that change a role in an existing venue."""
    w, m = model.world, model.m
    if np.isnan(model.proposal[j]):
        return []
    out = []
    for p, c, v in (("eu", j, w.eu_venue[j]), ("nato", m + j, w.nato_venue[j])):
        if v != "none" and abs(model.proposal[c] - model.status_quo0[c]) > 1.0:
            out.append(p)
    if model.route[j] == "joint":
        return ["joint"]
    return out


def pivotal(model: EuNatoModel, j: int) -> list[str]:
    """Actors whose absence or one-step move would change whether the proposal passes
    (model/institutions/pivot.py; several issues or runs at once: :func:`pivotal_of`)."""
    return pivotal_of([(model, j)])[0]


def pivotal_of(cases: list[tuple[EuNatoModel, int]]) -> list[list[str]]:
    """:func:`pivotal` of many (model, issue) cases, tested together."""
    return pivotal_many([(mdl, j, _pieces(mdl, j)) for mdl, j in cases])


def shift_shares(model: EuNatoModel, j: int, top: int = 5) -> dict[str, float]:
    st, m = model.state, model.m
    out: dict[str, float] = {}
    for c in (j, m + j):
        w = st.capability * st.salience[:, c]
        d = w * (st.position[:, c] - model.status_quo0[c])
        tot = np.abs(d).sum()
        if tot <= 1e-9:
            continue
        for i in np.argsort(-np.abs(d), kind="stable")[:top]:
            key = f"{st.actor_ids[i]}:{'eu' if c == j else 'nato'}"
            out[key] = round(float(d[i] / tot), 3)
    return out


def movers(model: EuNatoModel, j: int, top: int = 5) -> list[dict[str, Any]]:
    """The voters whose positions moved most from where they start (an institution's
    group base, a state's issue mainstream: ``World.mainstream``)."""
    st, m = model.state, model.m
    cols = [j, m + j]
    moved = st.position[:, cols] - model.world.mainstream()[:, cols]
    size = np.where(model.electorate.eu | model.electorate.nato, np.abs(moved).sum(axis=1), -1)
    top_rows = np.argsort(-size, kind="stable")[:top]
    # what moved each of them, per part: |EU role| + |NATO role| (one array for all)
    names = [*PART_NAMES, *model.moved]
    arrays = [model.ideal_parts[name] for name in PART_NAMES] + list(model.moved.values())
    by = np.abs(np.stack([a[top_rows][:, cols] for a in arrays])).sum(axis=2).tolist()
    out = []
    for r, i in enumerate(top_rows.tolist()):
        out.append({
            "actor": st.actor_ids[i],
            "moved": {"eu_role": round(float(moved[i, 0]), 1),
                      "nato_role": round(float(moved[i, 1]), 1)},
            "by": {k: round(v[r], 1) for k, v in zip(names, by, strict=True)
                   if v[r] >= 0.05},
        })
    return out


def _veto_roles(model: EuNatoModel, j: int, house: str) -> list[tuple[str, int]]:
    """The roles a no in ``house`` stood against: the EU's in the Council and the
    Parliament, NATO's in the NAC; both for a formal arrangement that was put to a vote."""
    m = model.m
    if model.world.joint[j] and model.route[j] != "eu+nato" and not np.isnan(
            model.proposal[[j, m + j]]).any() and len(_pieces(model, j)) == 2:
        return [("eu_role", j), ("nato_role", m + j)]
    return [("nato_role", m + j)] if house == "nato" else [("eu_role", j)]


def _why_no(model: EuNatoModel, i: int, j: int, house: str,
            roles: list[tuple[str, int]]) -> str:
    """Why voter ``i`` said no, in the words of its own decision rule: a stance, the
    participation blockage, bloc discipline (its own rule would not have said no), or that
    it prefers the status quo on the roles at stake (its declared position when it has one)."""
    w = model.world
    if w.block[i, j]:
        return "blocking stance"
    if house != "european_parliament" and model.electorate.blockers[i] and w.formal[j]:
        return "participation blockage"  # it acts on the formal arrangement only
    if house == "european_parliament" and parliament_vote(model, j, eu_basis(model, j)):
        return "its political groups' majority voted no"
    cols = [c for _, c in roles]
    stand = model.stand[i, cols]
    d_prop = np.abs(stand - model.proposal[cols]).sum()
    d_sq = np.abs(stand - model.status_quo0[cols]).sum()
    _, no, _ = NegotiationActor.decide_vote(
        np.array([d_prop]), np.array([d_sq]), model.salience[i, j:j + 1], np.zeros(1, bool),
        np.zeros(1, bool), model.abstain_salience)
    if not no[0]:
        return "bloc discipline"
    declared = not np.isnan(w.declared[i, cols]).all()
    why = "prefers the status quo" + (" (declared position)" if declared else "")
    # US leverage moved what it wants by enough to matter: name it (agents/us.py)
    lev = float(np.abs(model.ideal_parts.get("US leverage", np.zeros_like(model.stand))[
        i, cols]).sum())
    return why + (f" (US leverage moved it {lev:.0f} points)" if lev >= LEVERAGE_NAMED else "")


def explain(model: EuNatoModel, issue: str | None = None) -> dict[str, Any]:
    """The explanation of every issue (or one), keyed by issue id."""
    ids = model.world.issue_ids
    if issue is not None and issue not in ids:
        raise ValueError(f"unknown issue {issue!r}; known: {', '.join(ids)}")
    js = [j for j, iid in enumerate(ids) if issue is None or iid == issue]
    # every issue's pivot tests as one vote (column by column, as each alone)
    return {ids[j]: explain_issue(model, j, piv)
            for j, piv in zip(js, pivotal_of([(model, j) for j in js]), strict=True)}


def explain_issue(model: EuNatoModel, j: int, piv: list[str] | None = None
                  ) -> dict[str, Any]:
    """Why issue ``j`` ended as it did; ``piv``: its pivotal actors if already tested."""
    st, m, w = model.state, model.m, model.world
    idx = {a: k for k, a in enumerate(st.actor_ids)}
    sq = model.status_quo0[[j, m + j]]
    prop = model.proposal[[j, m + j]]
    vetoes = []
    stand = model.stand
    for v in model.vetoes[j]:
        i = idx[v["actor"]]
        p = stand[i, [j, m + j]]
        roles = _veto_roles(model, j, v["house"])
        # each role on its own: where the voter stands, the proposal and the status quo
        per_role = {name: {"wants": round(float(stand[i, c]), 1),
                           "proposal": None if np.isnan(model.proposal[c]) else
                           round(float(model.proposal[c]), 1),
                           "status_quo": round(float(model.status_quo0[c]), 1)}
                    for name, c in roles}
        first = per_role[roles[0][0]]
        vetoes.append({
            **v, "position": {"eu_role": round(float(p[0]), 1),
                              "nato_role": round(float(p[1]), 1)},
            "roles": per_role,
            "distance_to_proposal": None if first["proposal"] is None else
            round(abs(first["wants"] - first["proposal"]), 1),
            "distance_to_status_quo": round(abs(first["wants"] - first["status_quo"]), 1),
            "why": _why_no(model, i, j, v["house"], roles),
        })
    route = model.route[j]
    venue = venue_label(eu_basis(model, j), w.nato_venue[j], route)
    piv = pivotal(model, j) if piv is None else piv
    mv = movers(model, j)
    ex = {
        "issue": w.issue_ids[j], "status": model.status[j], "route": route, "venue": venue,
        "legal_basis": w.issues[j].legal_basis,
        "status_quo": {"eu_role": float(sq[0]), "nato_role": float(sq[1])},
        "proposal": None if np.isnan(prop).any() else
        {"eu_role": round(float(prop[0]), 1), "nato_role": round(float(prop[1]), 1)},
        "outcome": {"eu_role": round(float(model.outcome[j]), 1),
                    "nato_role": round(float(model.outcome[m + j]), 1)},
        "agenda_setter_used": bool(model.setter_used[j]),
        "basis_choice": basis_choice(model, j),
        "parliament": parliament_vote(model, j, eu_basis(model, j)),
        "pieces": dict(model.pieces[j]),
        "outside": model.outside[j],
        "vetoes": vetoes, "pivotal": piv, "shift_shares": shift_shares(model, j),
        "movers": mv, "deals": deals_of(model, w.issue_ids[j]),
    }
    ex["text"] = sentences(model, j, ex)
    return ex


def sentences(model: EuNatoModel, j: int, ex: dict[str, Any]) -> str:
    """The explanation in plain sentences (the app's why panel and briefings use it)."""
    rec = model.world.issues[j]
    o, sq = ex["outcome"], ex["status_quo"]
    s = [f"{rec.name}: "]
    if ex["status"] == "agreed":
        when = model.date(int(model.settled_round[j]))
        s.append(f"agreed in {when} through {ex['venue']}: EU role {o['eu_role']:.0f} "
                 f"(was {sq['eu_role']:.0f}), NATO role {o['nato_role']:.0f} "
                 f"(was {sq['nato_role']:.0f}).")
        stuck = [("EU" if p == "eu" else "NATO") for p, v in model.pieces[j].items()
                 if v == "blocked"]
        if stuck:
            s.append(f" The {' and '.join(stuck)} piece stayed blocked: its role is unchanged.")
        if ex["agenda_setter_used"]:
            s.append(" Bargaining stalled, so an agenda setter's proposal inside the win-set "
                     "was adopted.")
    # the setter's choice is told where it weighed other bases (model.basis_choice)
    basis = (f" Legal basis: {ex['basis_choice']['reason']}."
             if ex["basis_choice"] and model.basis_choice[j] else "")
    if ex["status"] == "agreed":  # what passed is said above; nothing "did not pass"
        s.append(basis)
    elif ex["status"] == "blocked":
        s.append(f"blocked; the status quo (EU role {sq['eu_role']:.0f}, NATO role "
                 f"{sq['nato_role']:.0f}) holds." if o == sq else
                 f"blocked; without agreement the status quo decayed to EU role "
                 f"{o['eu_role']:.0f}, NATO role {o['nato_role']:.0f} (was "
                 f"{sq['eu_role']:.0f} and {sq['nato_role']:.0f}).")
        s.append(basis)
    elif ex["proposal"] is not None and _pieces(model, j):
        p = ex["proposal"]
        s.append(f"the proposal (EU role {p['eu_role']:.0f}, NATO role {p['nato_role']:.0f})"
                 f" did not pass; the status quo (EU role {sq['eu_role']:.0f}, NATO role "
                 f"{sq['nato_role']:.0f}) holds." + basis)
    else:
        s.append("no change was proposed that differed from the status quo, which holds."
                 + basis)
    if model.deadline_round is not None and ex["status"] != "agreed" \
            and model.steps >= model.deadline_round:
        s.append(f" Nothing was agreed by the deadline ({model.spec.deadline}).")
    if ex["parliament"]:
        s.append(vote_text(ex["parliament"]))
    by_house: dict[str, list[str]] = {}
    for v in ex["vetoes"]:
        by_house.setdefault(v["house"], []).append(f"{v['actor']} ({_veto_reason(v)})")
    lead = " Earlier, a proposal was vetoed" if ex["status"] == "agreed" else " Vetoed"
    for h, who in by_house.items():
        s.append(f"{lead} in {HOUSE_NAMES[h]} by {', '.join(who)}.")
        lead = " Vetoed"
    if ex["outside"]:
        s.append(" " + outside_sentence(ex["outside"]))
    for d in ex["deals"]:
        s.append(f" {deal_sentence(d)}.")
    piv = ex["pivotal"]
    if len(piv) > 8:
        s.append(f" Pivotal: any of {len(piv)} members (under unanimity or consensus each "
                 "could block alone).")
    elif piv:
        s.append(f" Pivotal: {', '.join(piv)}.")
    if ex["movers"]:
        mv = ex["movers"][0]
        why = sorted(mv["by"].items(), key=lambda kv: -kv[1])[:2]
        s.append(f" Moved most: {mv['actor']} (" + ", ".join(f"{k} {v:.0f}" for k, v in why)
                 + " points).")
    return "".join(s)


def _veto_reason(v: dict[str, Any]) -> str:
    """A veto's reason with its numbers, role by role (never summed over roles)."""
    if not v["why"].startswith("prefers"):
        return v["why"]
    parts = [f"{'EU' if name == 'eu_role' else 'NATO'} role: wants {r['wants']:.0f}, "
             f"proposal {r['proposal']:.0f}, status quo {r['status_quo']:.0f}"
             for name, r in v["roles"].items() if r["proposal"] is not None]
    whole = " to the arrangement as a whole" if len(parts) == 2 else ""
    return v["why"] + whole + (": " + "; ".join(parts) if parts else "")


def eu_basis(model: EuNatoModel, j: int) -> str:
    """The EU legal basis issue ``j``'s EU piece was last decided under: the one its agenda
    setter chose for a vetoed piece, else the issue's own."""
    choice = model.basis_choice[j]
    return choice["basis"] if choice else model.world.eu_venue[j]


def basis_choice(model: EuNatoModel, j: int) -> dict[str, Any] | None:
    """The summary's ``legal_basis`` of issue ``j`` (docs/schema.md): the basis, the
    issue's own, whether the setter moved the act, the treaty and the reason."""
    w = model.world
    if w.eu_venue[j] == "none":
        return None
    b, own = eu_basis(model, j), w.eu_venue[j]
    choice = model.basis_choice[j]
    k = agenda_setter(model, j, "eu")  # the setter by the issue's nature chooses
    setter = None if k is None else w.actor_ids[k]
    if choice:
        reason = choice["reason"]
    elif setter is None:
        reason = f"no agenda setter holds a mandate in {own}; the issue's own basis stands"
    else:  # nothing to weigh: one basis, or no veto stood when bargaining stalled
        why = ("the only admissible basis" if len(w.eu_bases[j]) == 1 else
               "no veto stood there when bargaining stalled, so no other basis was weighed")
        reason = f"{setter} kept the issue's own basis {own} ({VENUES[own].treaty}): {why}"
    return {"basis": b, "own": own, "moved": b != own, "treaty": VENUES[b].treaty,
            "admissible": list(w.eu_bases[j]), "setter": setter, "reason": reason}


def venue_codes(model: EuNatoModel, j: int) -> dict[str, str]:
    w = model.world
    b = eu_basis(model, j)
    return {"eu": b, "nato": w.nato_venue[j], "joint": bool(w.joint[j]),
            "eu_treaty": VENUES[b].treaty}
