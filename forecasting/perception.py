"""The BDM perception chart: how one actor sees every other actor.

For a chosen actor ``i`` and each other actor ``j``, BDM's expected utilities give two
numbers: ``x = EU_i(i challenges j)`` (i's gain from challenging j, as i sees it) and
``y = EU_i(j challenges i)`` (j's gain from challenging i, as i believes j sees it). The
plane splits into the model's four outcomes (Bueno de Mesquita 2002; Scholz, Calbert &
Smith 2011, *Journal of Theoretical Politics* 23(4)):

* x > 0, y > 0: **conflict** (both expect to win a confrontation);
* x > 0 > y: j gives way to i -- **compromise** if x > |y| (j concedes part way),
  **capitulation** if |y| >= x (j moves fully to i); mirrored for y > 0 > x;
* x < 0, y < 0: **status quo** (neither challenges).

The expected utilities come from the BDM protocol (``model/protocols/bdm.py``, through the
registry); :func:`perception_chart` draws any given pair of arrays, so it is testable and
reusable without BDM, and :func:`perception_figure` fetches them from BDM.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from model.state import BargainingState  # noqa: E402


def quadrant(x: float, y: float) -> str:
    """The BDM outcome for one pair, as seen by the actor on the x axis (see module doc)."""
    if x > 0 and y > 0:
        return "conflict"
    if x <= 0 and y <= 0:
        return "status quo"
    gain, loss = (x, -y) if x > 0 else (y, -x)
    return "compromise" if gain > loss else "capitulation"


def perception_chart(actor: str, others: Sequence[str], eu_own: np.ndarray,
                     eu_other: np.ndarray, title: str | None = None) -> Figure:
    """Scatter of ``(eu_own[k], eu_other[k])`` for each other actor, with the four zones.

    ``eu_own``: the actor's expected utility of challenging each other actor;
    ``eu_other``: each other actor's expected utility of challenging it, as the actor
    perceives it. Returns a matplotlib Figure (no global state is kept).
    """
    x = np.asarray(eu_own, dtype=float)
    y = np.asarray(eu_other, dtype=float)
    if x.shape != y.shape or x.shape != (len(others),):
        raise ValueError(f"perception_chart: need one x and y per other actor, got "
                         f"{x.shape}, {y.shape} for {len(others)} actors")
    lim = float(max(np.abs(x).max(initial=0), np.abs(y).max(initial=0), 1e-9)) * 1.15
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    t = np.linspace(0, lim, 2)
    ax.fill_between([0, lim], 0, lim, color="#f4a3a3", alpha=0.35, lw=0)  # conflict
    ax.fill_between([-lim, 0], -lim, 0, color="#d0d0d0", alpha=0.35, lw=0)  # status quo
    ax.fill_between(t, -t, 0, color="#a3c9f4", alpha=0.35, lw=0)  # compromise (j concedes)
    ax.fill_between(t, -lim, -t, color="#b3e6b3", alpha=0.35, lw=0)  # capitulation (j)
    ax.fill_betweenx(t, -t, 0, color="#a3c9f4", alpha=0.35, lw=0)  # compromise (i concedes)
    ax.fill_betweenx(t, -lim, -t, color="#b3e6b3", alpha=0.35, lw=0)  # capitulation (i)
    for label, (px, py) in {"conflict": (0.5, 0.9), "status quo": (-0.5, -0.9),
                            f"{actor} gains:\ncompromise": (0.75, -0.3),
                            f"{actor} gains:\ncapitulation": (0.3, -0.85),
                            f"{actor} concedes:\ncompromise": (-0.3, 0.75),
                            f"{actor} concedes:\ncapitulation": (-0.85, 0.3)}.items():
        ax.text(px * lim, py * lim, label, ha="center", va="center", fontsize=8, color="#444")
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(0, color="k", lw=0.8)
    ax.scatter(x, y, color="k", s=18, zorder=3)
    for name, px, py in zip(others, x, y, strict=True):
        ax.annotate(name, (px, py), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(f"EU of {actor} challenging the other actor (as {actor} sees it)")
    ax.set_ylabel(f"EU of the other actor challenging {actor} (as {actor} sees it)")
    ax.set_title(title or f"How {actor} sees the others (BDM)")
    fig.tight_layout()
    return fig


def perception_figure(state: BargainingState, actor: str, issue: str | None = None) -> Figure:
    """The perception chart of ``actor`` on ``issue`` (default: the first) from BDM.

    Needs from ``model.protocols.bdm`` a public ``expected_utilities(state, j)`` returning
    the (n, n) matrix ``EU[i, k]`` = i's expected utility of challenging k on issue ``j``,
    as i perceives it, and i's perception of k's utility of challenging i at ``EU[k, i]``
    (Scholz et al. 2011 use the same perceived matrix for both axes).
    """
    if actor not in state.actor_ids:
        raise ValueError(f"unknown actor {actor!r}; actors are {', '.join(state.actor_ids)}")
    j = 0 if issue is None else _issue_index(state, issue)
    try:
        from model.protocols.bdm import expected_utilities  # type: ignore[attr-defined]
    except ImportError:
        raise ValueError("the perception chart needs the BDM protocol's public "
                         "expected_utilities(state, issue_index) (model/protocols/bdm.py); "
                         "it is not available in this build") from None
    eu = np.asarray(expected_utilities(state, j), dtype=float)
    i = state.index(actor)
    others = [a for a in state.actor_ids if a != actor]
    ks = [state.index(a) for a in others]
    return perception_chart(actor, others, eu[i, ks], eu[ks, i],
                            title=f"How {actor} sees the others on {state.issue_ids[j]} (BDM)")


def _issue_index(state: BargainingState, issue: str) -> int:
    if issue not in state.issue_ids:
        raise ValueError(f"unknown issue {issue!r}; issues are {', '.join(state.issue_ids)}")
    return state.issue_ids.index(issue)
