"""Compromise model: the capability × salience weighted mean of positions.

The baseline of EU bargaining research (e.g. van den Bos 1991; Achen 2006, "Evaluating
political decision-making models", in Thomson et al., *The European Union Decides*): the
outcome is the weighted mean of positions. To give it a round structure, each round every
actor concedes a fraction of the way towards the current forecast, less the more it cares
(``concession * (1 - salience)``). With ``concession = 0`` the forecast is the static
model's number from round one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.protocols.base import Protocol, RoundReport, weighted_mean, weighted_median
from model.state import BargainingState


class Compromise(Protocol):
    name = "compromise"
    summary = "capability×salience weighted mean; actors concede towards it each round"
    reference = "Achen (2006) in Thomson et al., The European Union Decides, ch. 4"

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return {"concession": 0.2}

    def forecast(self, state: BargainingState) -> np.ndarray:
        return weighted_mean(state)

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        target = weighted_mean(state)
        rate = self.params["concession"] * (1.0 - state.salience)
        state.position += rate * (target[None, :] - state.position)
        forecast = weighted_mean(state)
        median = weighted_median(state) if self.detail else np.full(state.m, np.nan)
        return RoundReport(forecast=forecast, median=median, mean=forecast.copy())
