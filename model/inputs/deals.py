"""A scenario's ``[deals]`` table (model/deals.py plays it): a module of its own so that
reading a scenario file imports neither the agents nor Mesa (a batch's feeding process
parses the file without the engine, tests/test_batch_executors.py)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator


class DealsSpec(BaseModel):
    """A scenario's ``[deals]`` table: the agenda setter's budget of concessions outside
    the issue set, in salience × role points as the receiver values them."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    budget: float = Field(ge=0)
    #: what one point of payment costs the setter (judgement; 1: a pure transfer)
    cost_per_point: float = Field(default=1.0, gt=0, le=10)
    #: who pays (default: the failed piece's agenda setter)
    setter: str | None = None
    #: what the budget stands for, and what its size rests on (a source or a judgement)
    stands_for: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @field_validator("budget", "cost_per_point")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


def budget_of(spec: DealsSpec | None) -> float:
    """The budget a run starts with (0: no deals)."""
    return 0.0 if spec is None else float(spec.budget)
