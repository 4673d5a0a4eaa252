"""How Ukraine decides: it states demands and has no vote.

Ukraine wants more of both institutions on every Ukraine issue (the ``ukraine`` stance group
of data/issues.toml): it bargains with its stated positions and high saliences but never
votes, and it does not join a house's vote. Its influence is its voice at the table (a
capability on the same index as the states', discounted by the model's non-member voice
factor).
"""

from __future__ import annotations

from typing import ClassVar

from agents.base import NegotiationActor


class Stakeholder(NegotiationActor):
    """A non-voting stakeholder with a voice at the table (Ukraine)."""

    kind: ClassVar[str] = "stakeholder"
