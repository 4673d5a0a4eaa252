"""The stakeholder-table forecasting workflow: a table in, a forecast out.

Reads the tables people actually have (:func:`read_table`): CSV as written by hand or exported
by Excel, with LF, CRLF or old-Mac CR line endings, an optional UTF-8 BOM, commas, semicolons
(then decimal commas are accepted) or tabs; the column names used across the literature and
the tools (actor/stakeholder/player, capability/resources/clout/power/influence, position,
salience/importance, optional risk); capability and salience on 0–1 or 0–100 scales and
positions on any numeric scale. Several issues at once come either wide (one
``position_<issue>`` / ``salience_<issue>`` column pair per issue) or long (an ``issue``
column). What was understood is returned as plain-language notes so the CLI can say so.

It runs on the same protocols as the EU–NATO model (:func:`run_forecast`), no second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.cells import SYNONYMS, TableError, TableRead
from forecasting.tables import read_table
from model.protocols import get_protocol, protocol_class
from model.protocols.base import check_work, weighted_mean, weighted_median
from model.state import BargainingState

__all__ = ["SYNONYMS", "TableError", "TableRead", "check_table_work", "read_stakeholders",
           "read_table", "run_forecast", "settle"]

def check_table_work(state: BargainingState, protocols: list[str], rounds: int = 0,
                     settle_rounds: int = 0, file: str | Path = "table") -> None:
    """Refuse, before any of them runs, a table too large for any of ``protocols`` over
    ``rounds`` rounds of :func:`run_forecast` and up to ``settle_rounds`` of :func:`settle`
    (:func:`model.protocols.base.check_work`), naming ``file``."""
    for name in protocols:
        cls = protocol_class(name)
        check_work(cls, state.n, state.m, rounds + _settle_rounds(cls, settle_rounds),
                   None, str(file))


def _settle_rounds(cls: type, max_rounds: int) -> int:
    # a static protocol moves nobody: settle ends after its first round
    return min(max_rounds, 1) if getattr(cls, "static", False) else max_rounds


def read_stakeholders(path: str | Path) -> BargainingState:
    """Read a stakeholder table into a state (see :func:`read_table`)."""
    return read_table(path).state


def run_forecast(
    state: BargainingState, protocol: str, rounds: int = 10, seed: int = 0,
    **params: Any,
) -> list[dict[str, Any]]:
    """Play ``rounds`` rounds; one record per round (round 0 = the table as read).

    Each record holds the forecast, weighted median and mean per issue, every actor's
    position and risk exponent, and the round's interactions (challenges, offers,
    exchanges with their kind and actors), so ``--json`` can write the whole history.
    """
    proto = get_protocol(protocol, **params)
    check_work(type(proto), state.n, state.m, rounds, proto.params)
    rng = np.random.default_rng(seed)

    def record(r: int, forecast: np.ndarray, median: np.ndarray, mean: np.ndarray,
               inter: list[dict[str, Any]]) -> dict[str, Any]:
        return {"round": r, "issues": list(state.issue_ids), "forecast": forecast.tolist(),
                "median": median.tolist(), "mean": mean.tolist(),
                "positions": state.position.tolist(), "risk": state.risk.tolist(),
                "actors": {a: {"position": state.position[i].tolist(),
                               "risk": state.risk[i].tolist()}
                           for i, a in enumerate(state.actor_ids)},
                "interactions": [_jsonable(x) for x in inter]}

    out = [record(0, proto.forecast(state), weighted_median(state), weighted_mean(state), [])]
    for r in range(1, rounds + 1):
        rep = proto.step(state, rng)
        np.clip(state.position, state.lo, state.hi, out=state.position)
        out.append(record(r, rep.forecast, rep.median, rep.mean, rep.interactions))
    return out


def _jsonable(x: Any) -> Any:
    """NumPy scalars/arrays inside interaction records -> plain JSON types."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


@dataclass
class Answer:
    """The round-independent forecast of one issue (see :func:`settle`).

    kind: ``"converged"`` (positions stopped moving: the forecast at that round),
    ``"cycle"`` (positions repeat every ``len(cycle)`` rounds: the mean of the forecasts
    over one cycle) or ``"unsettled"`` (neither within the cap: the mean of the last
    ``len(cycle)`` rounds' forecasts, said so)."""

    issue: str
    value: float
    kind: str
    round: int
    cycle: list[float] = field(default_factory=list)

    def describe(self) -> str:
        if self.kind == "converged":
            return f"{self.value:.3f}, converged at round {self.round}"
        seq = ", ".join(f"{v:.3f}" for v in self.cycle)
        first = self.round - len(self.cycle) + 1
        if self.kind == "cycle":
            return (f"{self.value:.3f}, the mean of a {len(self.cycle)}-round cycle "
                    f"(rounds {first}-{self.round}: {seq})")
        return (f"{self.value:.3f}, not settled within {self.round} rounds: the mean of the "
                f"last {len(self.cycle)} rounds ({seq})")


def settle(state: BargainingState, protocol: str, max_rounds: int = 200, seed: int = 0,
           tol: float = 1e-6, max_cycle: int = 50, **params: Any) -> list[Answer]:
    """Play ``protocol`` on a copy of ``state`` until every issue settles; one answer each.

    The literature reports BDM's forecast as the converged median, and, where the model
    cycles (Scholz et al. 2011 note it need not converge), the answer must not depend on
    where one stops; so: an issue has *converged* when no position moves by more than
    ``tol`` × its scale width in a round, and *cycles* with period p when every position
    is within that tolerance of its value p rounds earlier (p = 2 … ``max_cycle``). The
    answer is then the forecast at convergence, or the mean of the forecasts over the last
    cycle, with the cycle shown. If neither happens within ``max_rounds`` but the forecast
    itself has not moved by more than 100 × ``tol`` × the width (1e-4 of the scale) for the
    last 20 rounds or more, that is reported as convergence from the round it stopped."""
    proto = get_protocol(protocol, **params)
    check_work(type(proto), state.n, state.m, _settle_rounds(type(proto), max_rounds),
               proto.params)
    st = state.copy()
    rng = np.random.default_rng(seed)
    hist = [st.position.copy()]
    fc = [np.asarray(proto.forecast(st), dtype=float)]
    done: dict[int, Answer] = {}
    tolw = tol * st.width
    r = 0
    for r in range(1, max_rounds + 1):
        rep = proto.step(st, rng)
        np.clip(st.position, st.lo, st.hi, out=st.position)
        hist.append(st.position.copy())
        fc.append(np.asarray(rep.forecast, dtype=float))
        for j in range(st.m):
            if j in done:
                continue
            if np.max(np.abs(hist[-1][:, j] - hist[-2][:, j])) <= tolw[j]:
                done[j] = Answer(st.issue_ids[j], float(fc[-1][j]), "converged", r - 1)
                continue
            for p in range(2, min(r, max_cycle) + 1):
                if np.max(np.abs(hist[-1][:, j] - hist[-1 - p][:, j])) <= tolw[j]:
                    cyc = [float(f[j]) for f in fc[-p:]]
                    done[j] = Answer(st.issue_ids[j], float(np.mean(cyc)), "cycle", r, cyc)
                    break
        if len(done) == st.m:
            break
    for j in range(st.m):
        if j in done:
            continue
        # positions still creep (e.g. geometric concessions) but the forecast has stood
        # still within the tolerance for at least 20 rounds: that is convergence too
        seq = np.array([f[j] for f in fc])
        still = np.abs(seq - seq[-1]) <= 100 * tolw[j]  # 1e-4 of the scale by default
        start = len(seq) - int(np.argmin(still[::-1])) if not still.all() else 0
        if len(seq) - start >= 21:
            done[j] = Answer(st.issue_ids[j], float(seq[-1]), "converged", start)
        else:
            tail = [float(f[j]) for f in fc[-10:]]
            done[j] = Answer(st.issue_ids[j], float(np.mean(tail)), "unsettled", r, tail)
    return [done[j] for j in range(st.m)]
