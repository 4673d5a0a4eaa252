"""What the browser may ask of the server: the app's inputs, checked on the server side.

A widget's value comes over the websocket, so anyone who reaches the server can send any
value, not only what the control offers (an absolute path as the scenario, seed −1,
10⁹ rounds). :func:`accept` is the one gate every setting passes before a model is built:
scenarios only by a name :func:`model.inputs.scenario.list_scenarios` returns (never a path),
protocols only registered ones, numbers only finite and inside their bounds.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

#: [0, 1] knobs of the settings card (us_engagement and the bloc levels)
UNIT_KEYS_SUFFIX = ("_decoupling_fear", "_competition")


class Rejected(ValueError):
    """A setting the app does not accept (the message says which and why)."""


def accept(key: str, value: Any) -> Any:
    """``value`` if the app accepts it for setting ``key``; :class:`Rejected` otherwise."""
    from app.settings import bounds
    from model.inputs.scenario import list_scenarios
    from model.protocols import PROTOCOLS

    if key == "scenario_name":
        if not isinstance(value, str) or value not in list_scenarios():
            raise Rejected(f"unknown scenario {value!r}: choose one from the list")
        return value
    if key == "protocol":
        if not isinstance(value, str) or value not in PROTOCOLS:
            raise Rejected(f"unknown protocol {value!r}")
        return value
    if key == "participation_blockage":
        if not isinstance(value, bool):
            raise Rejected(f"blockage must be on or off, got {value!r}")
        return value
    if key in ("rounds", "rng"):
        lo, hi = bounds(key)  # the engine's ranges, as the inputs check them
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            name = "rounds" if key == "rounds" else "seed"
            raise Rejected(f"{name} must be a whole number in [{lo}, {hi}], got {value!r}")
        return value
    if key == "us_engagement" or key.endswith(UNIT_KEYS_SUFFIX):
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or not 0 <= value <= 1):
            raise Rejected(f"{key.replace('_', ' ')} must lie in [0, 1], got {value!r}")
        return float(value)
    raise Rejected(f"unknown setting {key!r}")


def accept_all(settings: dict[str, Any]) -> dict[str, Any]:
    """Every non-None setting through :func:`accept` (:class:`Rejected` on the first bad)."""
    return {k: (None if v is None else accept(k, v)) for k, v in settings.items()}


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The warning to log and show when the app listens beyond loopback, else None."""
    if is_loopback(host):
        return None
    return (f"eunato app listens on {host}: anyone who can reach this address can use the "
            "app, which has no login. Use --host 127.0.0.1 unless that is intended.")
