"""The one interface every bargaining protocol implements.

A protocol turns the current :class:`~model.state.BargainingState` into one round of
bargaining: it moves positions (in place) and says what it forecasts per issue. Protocols
are small classes registered by name in :mod:`model.protocols`; the engine, the CLI
(`eunato run`, `eunato forecast`, `eunato compare`) and the app all reach them through
:func:`model.protocols.get_protocol`, never by importing a module directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from model.inputs.data import DataError
from model.state import BargainingState

#: the schema of protocol parameters, as strict as a scenario file's: no unknown names, no
#: strings or booleans as numbers (``"0.5"``, ``true``), no ``0.7`` as a boolean, no NaN or
#: infinity; each protocol's ``Params`` gives every number its range
STRICT_PARAMS = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class NoParams(BaseModel):
    """A protocol without parameters."""

    model_config = STRICT_PARAMS


def check_params(cls: type[Protocol], params: dict[str, Any],
                 where: tuple[str, str] = ("keyword", "protocol_params")) -> dict[str, Any]:
    """``params`` of protocol ``cls`` through its one schema (``cls.Params``), defaults
    filled in; one :class:`DataError` naming ``where`` (file, field prefix), the parameter
    and the value otherwise. Every front door (the Python API, a scenario file, a tune or
    sensitivity file) comes here."""
    file, prefix = where
    if not isinstance(params, dict):
        raise DataError(file, prefix, params, "must be a table of protocol parameters")
    known = cls.Params.model_fields
    for key, value in params.items():
        if key not in known:
            raise DataError(file, f"{prefix}.{key}", value,
                            f"protocol {cls.name!r} has no such parameter; known: "
                            + (", ".join(known) or "none"))
    try:
        return cls.Params.model_validate(params).model_dump()
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(x) for x in first["loc"])
        raise DataError(file, f"{prefix}.{key}", first.get("input"),
                        first["msg"].removeprefix("Value error, ")) from None


class Records(Sequence):
    """A list of records built when first read: BDM accepts hundreds of offers a round,
    and making a dict of each, which nothing may read, was a tenth of a full BDM run."""

    def __init__(self, build: Callable[[], list[dict[str, Any]]]) -> None:
        self._build: Callable[[], list[dict[str, Any]]] | None = build
        self._items: list[dict[str, Any]] = []

    def _list(self) -> list[dict[str, Any]]:
        if self._build is not None:
            self._items, self._build = self._build(), None
        return self._items

    def __getitem__(self, k):  # noqa: ANN001, ANN204 - Sequence's signature
        return self._list()[k]

    def __len__(self) -> int:
        return len(self._list())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass
class RoundReport:
    """What one round produced.

    forecast: (m,) the protocol's forecast per issue after the round.
    median, mean: (m,) the weighted median-voter position and the capability×salience
        weighted mean after the round (both are reported by every protocol so that
        protocols can be compared on the same footing).
    interactions: records of challenges/offers/exchanges, each a dict with at least
        ``kind`` (e.g. "confrontation", "compromise", "capitulation", "exchange"),
        ``issue`` (issue id), ``actors`` (list of actor ids) and any numbers it used.
    """

    forecast: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    interactions: Sequence[dict[str, Any]] = field(default_factory=list)


class Protocol(ABC):
    """Base class of bargaining protocols; subclasses set the metadata below."""

    name: ClassVar[str]
    #: one line for `eunato protocols` and the app's selector
    summary: ClassVar[str]
    #: the publication the implementation follows
    reference: ClassVar[str] = ""
    #: build what only a reader of the round report needs (interaction records, the
    #: median beside the forecast); a lean model run turns it off (nothing reads them)
    detail: bool = True
    #: ``step`` also plays R replicates at once on a stacked state (arrays with a leading
    #: replicate axis), each as it would alone: the ensemble engine (model/ensemble/core.py)
    #: then plays them in one array program; otherwise it plays each replicate in turn
    stacked: ClassVar[bool] = False
    #: whether the protocol's moves bind the movers' votes: an accepted exchange is a
    #: promise to vote the other side's way (Stokman & van Oosten), so it binds; a
    #: forecast's moves (compromise, BDM, Nash, ...) only say where bargaining lands, and
    #: voters still judge the proposal by what they want (docs/model.md §4)
    binding: ClassVar[bool] = False
    #: rounds move nobody (the forecast is read from the positions as they stand)
    static: ClassVar[bool] = False
    #: the parameters, their types, ranges and defaults (see :data:`STRICT_PARAMS`)
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, **params: Any) -> None:
        self.params = check_params(type(self), params)

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """Tunable parameters and their defaults."""
        return cls.Params().model_dump()

    @classmethod
    def work(cls, n: int, m: int, params: dict[str, Any]) -> tuple[float, float, str]:
        """(operations per round, largest array of a round, the term in words) for ``n``
        actors and ``m`` issues, in array elements: what :func:`check_work` bounds."""
        return float(n) * m, float(n) * m, "n·m"

    @abstractmethod
    def step(self, state: BargainingState, rng: np.random.Generator) -> RoundReport:
        """Play one round: update ``state.position`` in place and report."""

    @abstractmethod
    def forecast(self, state: BargainingState) -> np.ndarray:
        """(m,) the outcome this protocol forecasts from the current positions."""


def weighted_mean(state: BargainingState) -> np.ndarray:
    """(m,) capability × salience weighted mean of positions (the compromise model). The
    state's arrays may carry a leading replicate axis (the ensemble engine's stacked
    state: position (R, n, m), capability (R, n)); each replicate's mean is then the one
    it would have alone (sums over the actor axis, in actor order)."""
    w = state.capability[..., :, None] * state.salience
    tot = w.sum(axis=-2)
    safe = np.where(tot > 0, tot, 1.0)
    mean = (w * state.position).sum(axis=-2) / safe
    return np.where(tot > 0, mean, state.position.mean(axis=-2))


def weighted_median(state: BargainingState) -> np.ndarray:
    """(m,) the weighted median position (capability × salience weights) per issue.

    On one dimension with single-peaked preferences this is the position that beats every
    other in pairwise capability×salience votes (the median voter), so it doubles as a
    cheap O(n log n) stand-in for BDM's pairwise-vote median.
    """
    w = state.capability[:, None] * state.salience
    x = state.position
    order = np.argsort(x, axis=0, kind="stable")
    cw = np.cumsum(np.take_along_axis(w, order, axis=0), axis=0)
    # per column, the first sorted position whose cumulative weight reaches half the total
    k = np.minimum((cw < 0.5 * cw[-1]).sum(axis=0), x.shape[0] - 1)
    out = np.take_along_axis(x, np.take_along_axis(order, k[None, :], axis=0), axis=0)[0]
    for j in np.flatnonzero(cw[-1] <= 0):  # nobody weighs in: the plain median
        out[j] = float(np.median(x[:, j]))
    return out


def check_work(cls: type[Protocol], n: int, m: int, rounds: int,
               params: dict[str, Any] | None = None, where: str = "table") -> None:
    """Refuse, before it starts, work that protocol ``cls`` could not finish in bounded time
    and memory (:data:`~model.io.safeio.MAX_WORK`, :data:`~model.io.safeio.MAX_ARRAY`): one
    DataError saying how large it is and what the limit is."""
    from model.io.safeio import MAX_ARRAY, MAX_WORK

    per_round, array, term = cls.work(n, m, dict(params or {}))
    size = f"{n:,} actors × {m:,} issues"
    if array > MAX_ARRAY:
        raise DataError(where, "(size)", size, f"{cls.name} builds arrays of {array:.2g} "
                        f"elements per round ({term}), above the limit of {MAX_ARRAY:.0e}; "
                        "use fewer actors or issues, or another protocol")
    total = per_round * max(int(rounds), 1)
    if total > MAX_WORK:
        raise DataError(where, "(size)", size, f"{cls.name} over {rounds:,} rounds is "
                        f"{total:.2g} operations ({term} per round), above the limit of "
                        f"{MAX_WORK:.0e}; use fewer actors, issues or rounds, or another "
                        "protocol")
