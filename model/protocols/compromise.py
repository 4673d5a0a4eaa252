"""Compromise model: the capability × salience weighted mean of positions.

The baseline of EU bargaining research (e.g. van den Bos 1991; Achen 2006, "Evaluating
political decision-making models", in Thomson et al., *The European Union Decides*): the
outcome is the weighted mean of positions. To give it a round structure, each round every
actor concedes a fraction of the way towards the current forecast, less the more it cares
(``concession * (1 - salience)``). With ``concession = 0`` the forecast is the static
model's number from round one.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from model.protocols.base import (
    STRICT_PARAMS,
    Protocol,
    RoundReport,
    weighted_mean,
    weighted_median,
)
from model.state import BargainingState


class CompromiseParams(BaseModel):
    model_config = STRICT_PARAMS
    #: share of the way to the forecast an actor of salience 0 moves in a round (above 1
    #: it would overshoot the forecast)
    concession: float = Field(default=0.2, ge=0, le=1)


class Compromise(Protocol):
    name = "compromise"
    summary = "capability×salience weighted mean; actors concede towards it each round"
    reference = "Achen (2006) in Thomson et al., The European Union Decides, ch. 4"

    Params = CompromiseParams

    def forecast(self, state: BargainingState) -> np.ndarray:
        return weighted_mean(state)

    #: every step is array arithmetic over the actor axis: replicates stack
    stacked = True

    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        target = weighted_mean(state)
        rate = self.params["concession"] * (1.0 - state.salience)
        state.position += rate * (target[..., None, :] - state.position)
        forecast = weighted_mean(state)
        median = weighted_median(state) if self.detail else np.full(forecast.shape, np.nan)
        return RoundReport(forecast=forecast, median=median, mean=forecast.copy())
