"""Registry of bargaining protocols: one module each; adding one is one line below.

Protocols play one round on a :class:`model.state.BargainingState`; they may import
``model.state``, ``model.inputs`` and ``model.io``, never the model, the agents or a front
door (the forecasting front door drives them on stakeholder tables too)."""

from __future__ import annotations

import argparse
from typing import Any

from model.inputs.data import DataError
from model.protocols.base import Protocol, RoundReport, check_params
from model.protocols.bdm_protocol import BDM
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


def protocol_class(name: Any, where: tuple[str, str] = ("keyword", "protocol")
                   ) -> type[Protocol]:
    """The protocol registered as ``name``; one DataError listing the known ones else."""
    if not isinstance(name, str) or name not in PROTOCOLS:
        raise DataError(*where, name, f"unknown protocol {name!r}; known: "
                        + ", ".join(sorted(PROTOCOLS)))
    return PROTOCOLS[name]


def protocol_arg(text: str) -> str:
    """An argparse ``type`` for ``--protocol``: a registered name (argparse's one-line
    error and exit code 2 otherwise)."""
    if text not in PROTOCOLS:
        raise argparse.ArgumentTypeError(f"unknown protocol {text!r}; known: "
                                         + ", ".join(sorted(PROTOCOLS)))
    return text


protocol_arg.__name__ = "protocol"


def check_protocol_params(name: str, params: Any,
                          where: tuple[str, str] = ("keyword", "protocol_params")
                          ) -> dict[str, Any]:
    """``params`` of protocol ``name`` through its schema (defaults filled in), or one
    DataError naming ``where`` (file, field prefix), the parameter and the value."""
    return check_params(protocol_class(name, where), params, where)


def get_protocol(name: str, **params: Any) -> Protocol:
    """Build the protocol registered as ``name`` with ``params`` checked by its schema
    (a bad name or value is one DataError, a ValueError)."""
    return protocol_class(name)(**params)


__all__ = ["PROTOCOLS", "Protocol", "RoundReport", "check_protocol_params", "get_protocol",
           "protocol_arg", "protocol_class"]
