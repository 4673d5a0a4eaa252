"""Registry of bargaining protocols: one module each; adding one is one line below."""

from __future__ import annotations

from typing import Any

from model.protocols.base import Protocol, RoundReport
from model.protocols.bdm import BDM
from model.protocols.compromise import Compromise
from model.protocols.exchange import Exchange
from model.protocols.nash import Nash
from model.protocols.pce import PCE
from model.protocols.smp import SMP

PROTOCOLS: dict[str, type[Protocol]] = {
    cls.name: cls
    for cls in (
        Compromise,
        BDM,
        Nash,
        Exchange,
        SMP,
        PCE,
    )
}


def get_protocol(name: str, **params: Any) -> Protocol:
    """Build the protocol registered as ``name`` (a clear error lists the known ones)."""
    try:
        cls = PROTOCOLS[name]
    except KeyError:
        raise ValueError(
            f"unknown protocol {name!r}; known protocols: {', '.join(sorted(PROTOCOLS))}"
        ) from None
    return cls(**params)


__all__ = ["PROTOCOLS", "Protocol", "RoundReport", "get_protocol"]
