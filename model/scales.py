"""The scales the model's outcomes are measured on, defined once so that every axis title,
table header and sentence says the same thing as the model.

Each :class:`Scale` says what its two ends mean. The ends of the one-axis ``outcome``
scale are read from the model's own labelling function (:func:`model.summary.label`), so
they cannot drift from it; the two roles are defined in docs/schema.md (a share of one
requirement of 100 that each institution covers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    key: str  # column prefix in run tables (``<key>_<issue>``)
    name: str
    lo: float
    hi: float
    lo_means: str
    hi_means: str

    def axis_title(self) -> str:
        """The axis title of a chart of this scale."""
        return f"{self.name} ({self.lo:g} = {self.lo_means} … {self.hi:g} = {self.hi_means})"


def _outcome_scale() -> Scale:
    from model.summary import label

    lo, hi = 0.0, 100.0
    return Scale("outcome", "outcome position", lo, hi, label(lo), label(hi))


EU_ROLE = Scale("eu_role", "EU role", 0.0, 100.0, "the EU covers none of the task",
                "the EU covers all of it")
NATO_ROLE = Scale("nato_role", "NATO role", 0.0, 100.0, "NATO covers none of the task",
                  "NATO covers all of it")


def scales() -> dict[str, Scale]:
    """Every outcome scale, by column prefix."""
    return {s.key: s for s in (EU_ROLE, NATO_ROLE, _outcome_scale())}


def outcome_scales(columns: list[str]) -> list[Scale]:
    """The scales that have per-issue columns (``<key>_<issue>``) in a runs table."""
    out = []
    for s in scales().values():
        if any(c.startswith(f"{s.key}_") for c in columns):
            out.append(s)
    return out
