"""A status quo that decays (issue 22 item 4; docs/model.md §5.5).

The arrangement in force is not always what holds if nobody agrees: money runs out, a
mandate expires, the cost of waiting grows. An issue may give a **reversion path**
(``reversion`` in data/issues.toml, or ``[issues.X.reversion]`` in a scenario or episode),
sourced or stated as a judgement:

- ``expires``: on ``date`` (YYYY-MM) the status quo falls to the roles given (a mission's
  mandate ends; from that month "no agreement" means the lapse);
- ``runs_down``: the status quo moves in a straight line from the run's start to the roles
  given at ``date`` (funds drawn down until they are exhausted), and stays there;
- ``rising_cost``: from ``date`` (default the start) every month without agreement costs
  every voter ``per_month`` role points more (wartime pressure): it is added to each
  voter's distance from the status quo, so the status quo gets worse for all alike.

Round by round, before bargaining, :func:`advance` moves the status quo of every issue not
agreed along its path (``model.outcome``: the status quo each voter compares a proposal
with, and what holds at the end if nothing passes) and sets the cost of no agreement
(``model.sq_cost``, which the votes add to each voter's distance from the status quo).
An issue already blocked or left at the status quo is put to the vote again when its
status quo has moved by more than the settle tolerance since. Once a change is agreed the
path no longer applies (the mandate was renewed). Without a path nothing changes.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from model.run_view import Run as EuNatoModel

MONTH = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"


class ReversionPath(BaseModel):
    """An issue's reversion path (module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    kind: Literal["expires", "runs_down", "rising_cost"]
    date: str | None = Field(default=None, pattern=MONTH)
    eu_role: float | None = Field(default=None, ge=0, le=100)
    nato_role: float | None = Field(default=None, ge=0, le=100)
    per_month: float | None = Field(default=None, gt=0, le=20)
    #: what the path rests on: a citation, or "judgement: ..." and what it rests on
    source: str

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a reversion path names its source or says it is a judgement")
        return v

    @field_validator("eu_role", "nato_role", "per_month")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _fields_of_kind(self) -> ReversionPath:
        if self.kind == "rising_cost":
            if self.per_month is None:
                raise ValueError("a rising_cost path gives per_month (role points a month)")
            if self.eu_role is not None or self.nato_role is not None:
                raise ValueError("a rising_cost path moves no role; give per_month only")
            return self
        if self.date is None:
            raise ValueError(f"an {self.kind} path gives the date (YYYY-MM) it reaches")
        if self.eu_role is None and self.nato_role is None:
            raise ValueError(f"an {self.kind} path gives the eu_role and/or nato_role the "
                             "status quo falls to")
        if self.per_month is not None:
            raise ValueError(f"per_month belongs to a rising_cost path, not {self.kind}")
        return self


def _months(a: str, b: str) -> int:
    """Months from ``a`` to ``b`` (both YYYY-MM)."""
    (y0, m0), (y1, m1) = ((int(x) for x in re.split("-", s)) for s in (a, b))
    return (y1 - y0) * 12 + (m1 - m0)


def at(path: ReversionPath, base: tuple[float, float], start: str, month: str
       ) -> tuple[float, float, float]:
    """(EU role, NATO role, cost) of no agreement in ``month`` on a run that began in
    ``start`` with the status quo ``base``."""
    eu, nato = base
    if path.kind == "rising_cost":
        since = path.date or start
        return eu, nato, path.per_month * max(0, _months(since, month))
    goal = (eu if path.eu_role is None else path.eu_role,
            nato if path.nato_role is None else path.nato_role)
    if path.kind == "expires":
        share = 1.0 if month >= path.date else 0.0
    else:
        span = _months(start, path.date)
        share = 1.0 if span <= 0 else min(1.0, max(0, _months(start, month)) / span)
    return (eu + share * (goal[0] - eu), nato + share * (goal[1] - nato), 0.0)


def applies(model: EuNatoModel, j: int) -> bool:
    """The path of issue ``j`` holds while no change of it is agreed (nor kept from before
    a shock)."""
    prior = model.prior[j]
    return model.status[j] != "agreed" and not (prior and prior[0] == "agreed")


def advance(model: EuNatoModel) -> list[int]:
    """Move every path to this round's month (module docstring); the issues reopened."""
    paths = model.world.reversion
    reopened: list[int] = []
    if not any(paths):
        return reopened
    m, month = model.m, model.date(model.steps)
    for j, path in enumerate(paths):
        if path is None or not applies(model, j):
            continue
        eu, nato, cost = at(path, (model.status_quo0[j], model.status_quo0[m + j]),
                            model.world.start, month)
        old = np.array([model.outcome[j], model.outcome[m + j], model.sq_cost[j]])
        new = np.array([eu, nato, cost])
        if np.array_equal(old, new):
            continue
        model.outcome[j], model.outcome[m + j] = eu, nato
        model.sq_cost[j] = cost
        model.last_vote[j] = np.nan  # the same proposal now meets another status quo
        mark = model.reversion_mark[j]
        if model.status[j] == "open":
            model.reversion_mark[j] = new
        elif np.abs(new - mark).max() > model.settle_tolerance:
            model.reversion_mark[j] = new
            model.reopen(j)
            reopened.append(j)
        model.log("reversion", f"{model.world.issue_ids[j]}: without agreement the status "
                  f"quo is now EU role {eu:.0f}, NATO role {nato:.0f}"
                  + (f", at a cost of {cost:.1f} role points to every voter" if cost else "")
                  + f" ({path.kind}: {path.source})", issue=model.world.issue_ids[j])
    return reopened


def pending(model: EuNatoModel) -> bool:
    """Whether some issue not agreed still has a move of its path ahead (the run goes on
    until it has come, or the rounds end)."""
    paths = model.world.reversion
    if not any(paths):
        return False
    month = model.date(model.steps)
    for j, path in enumerate(paths):
        if path is None or not applies(model, j):
            continue
        if path.kind == "rising_cost" or month < path.date:
            return True
    return False


def describe(model: EuNatoModel, j: int) -> dict[str, object] | None:
    """The summary's ``reversion`` of issue ``j`` (docs/schema.md), None without a path."""
    paths = model.world.reversion
    path = paths[j] if j < len(paths) else None
    if path is None:
        return None
    return {**path.model_dump(), "cost": round(float(model.sq_cost[j]), 3)}
