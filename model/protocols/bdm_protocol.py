"""The BDM protocol (Bueno de Mesquita's expected utility model, as Scholz, Calbert & Smith
2011 specify it): its parameters and its round. The formulas are in
:mod:`model.protocols.bdm` (one issue) and :mod:`model.protocols.bdm_arrays` (many rows)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from model.protocols.base import STRICT_PARAMS, Protocol, Records, RoundReport, weighted_mean
from model.protocols.bdm_arrays import KINDS, bdm_rounds, medians
from model.state import BargainingState


class BDMParams(BaseModel):
    model_config = STRICT_PARAMS
    #: the probability that the status quo holds if i does not challenge j (a probability)
    Q: float = Field(default=1.0, ge=0, le=1)
    denominator: Literal["all", "pair"] = "all"
    vote_risk: bool = True
    offer_rule: Literal["scholz", "least"] = "scholz"
    fast: bool = True


class BDM(Protocol):
    name = "bdm"
    summary = "Bueno de Mesquita expected utility model (challenges, offers, risk)"
    reference = "Scholz, Calbert & Smith (2011), J. Theoretical Politics 23(4); BdM (1994)"

    Params = BDMParams

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        # O(n² log n) per issue with the fast sums (the direct ones are n³); rows chunked
        cube = not params.get("fast", True)
        per = n ** 3 if cube else n * n * max(math.log2(max(n, 2)), 1.0)
        return 2.0 * m * per, float(n) * n, "m·n³" if cube else "m·n²·log n"

    def forecast(self, state: BargainingState) -> np.ndarray:
        return medians(np.ascontiguousarray(state.position.T),
                       (state.capability[:, None] * state.salience).T)

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        p = self.params
        new, risk, o = bdm_rounds(
            state.position, state.salience, state.capability, state.width,
            Q=float(p["Q"]), denominator=p["denominator"], vote_risk=bool(p["vote_risk"]),
            offer_rule=p["offer_rule"], fast=bool(p["fast"]))
        state.risk[:] = risk
        interactions: Sequence[dict[str, Any]] = []
        if self.detail and o:
            ids, issues = list(state.actor_ids), list(state.issue_ids)

            def offers() -> list[dict[str, Any]]:
                # the sender b made the offer that the receiver a accepted
                return [{"kind": KINDS[k], "issue": issues[j], "actors": [ids[b], ids[a]],
                         "offer": pos, "eu": f, "eu_receiver": e}
                        for j, a, b, k, pos, e, f in zip(*(o[key].tolist() for key in (
                            "issue", "a", "b", "kind", "offer", "eu", "eu_other")),
                            strict=True)]

            interactions = Records(offers)
        state.position[:] = new
        f = self.forecast(state)
        return RoundReport(forecast=f, median=f.copy(), mean=weighted_mean(state),
                           interactions=interactions)
