"""How a state decides whether to act with its coalition outside the EU and NATO.

When the institutions have failed on an issue (model/willing.py), each state of a formed
coalition asks one question: do I gain, by my own utility, from doing the missing part of the
task with these partners, outside both institutions, and paying my share of it?

For state i with ideal roles (x^EU_i, x^NATO_i) on the issue (where it votes from), salience
s_i and capability c_i, the coverage it wants is ``T_i = min(x^EU_i + x^NATO_i, 100)`` (roles
are shares of one requirement of 100: beyond 100 is duplication, which no coalition sets out
to build). With coverage ``cov`` in force (the EU's and NATO's roles added up) and the
coalition adding ``o`` role points outside:

    gain_i   = s_i · (|T_i − cov| − |T_i − cov − o|)         (closer to what it wants)
    burden_i = λ · (c_i / C_P) · o                            (its share of the bill)
    i acts   ⇔  gain_i − burden_i > 0  and  s_i ≥ abstain_salience

with C_P the participants' capability and λ = ``OUTSIDE_PRICE``. Judgement on λ = 1: outside
the institutions there is no common budget, so the o points delivered cost the participants o
points of utility in all, shared by capability (the Czech-led initiative was paid for by
its participants' own contributions, country by country). A state gains only if its
salience exceeds its share of the bill: small states free-ride less than they would in a
common budget, and the largest member of a coalition needs the issue to matter to it.
"""

from __future__ import annotations

import numpy as np

#: λ: utility points a participant pays per role point delivered outside, times its share
#: of the participants' capability (judgement, see the module docstring)
OUTSIDE_PRICE = 1.0


def wanted_coverage(eu: np.ndarray, nato: np.ndarray) -> np.ndarray:
    """(n,) the coverage of the task each actor wants: its two roles added, at most 100."""
    return np.minimum(np.asarray(eu) + np.asarray(nato), 100.0)


def net_gain(wanted: np.ndarray, cov: float, role: float, salience: np.ndarray,
             capability: np.ndarray, pooled: float) -> np.ndarray:
    """(n,) each actor's gain from the coalition adding ``role`` points of coverage outside
    both institutions, less its share of the bill (module docstring); ``pooled`` is the
    participants' capability C_P."""
    gain = salience * (np.abs(wanted - cov) - np.abs(wanted - cov - role))
    return gain - OUTSIDE_PRICE * capability / max(pooled, 1e-12) * role


def joins(wanted: np.ndarray, cov: float, role: float, salience: np.ndarray,
          capability: np.ndarray, pooled: float, abstain_salience: float) -> np.ndarray:
    """(n,) whether each actor acts with the others at this ``role``: it cares enough to
    spend (salience at least the abstention threshold) and gains by its own utility."""
    return (salience >= abstain_salience) & (
        net_gain(wanted, cov, role, salience, capability, pooled) > 0)
