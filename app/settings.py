"""What the user can set in the app, how each value is checked, and the permalink.

A setting is one of the model's plain keywords (scenario, protocol, rounds, seed, US
engagement, the per-bloc levels). :func:`check` turns a bad value into one sentence shown
beside its input (never an exception on the page); :func:`to_query` / :func:`from_query`
write and read the settings as a URL query, so a link restores them.
"""

from __future__ import annotations

import functools
import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

from model.inputs.scenario import list_scenarios
from model.io.safeio import MAX_ROUNDS, MAX_SEED, plain_number
from model.model import ACTOR_KNOBS, BLOC_KNOBS
from model.protocols import PROTOCOLS

BLOC_LABELS = {"eu_core": "EU core", "eastern_flank": "eastern flank",
               "non_eu_allies": "non-EU allies", "bureaucracy": "bureaucracies"}
#: structural settings: changing one starts a new run (they cannot change mid-run)
DEFAULTS: dict[str, Any] = {"scenario_name": "baseline-2024", "protocol": "compromise",
                            "rounds": 50, "rng": 1}
#: parameter settings: a level that a scenario event could also set; applied mid-run with
#: "Apply now", or from round 0 with "Restart"
LEVELS = ("us_engagement", *BLOC_KNOBS, *ACTOR_KNOBS)
#: the one range of rounds: the engine's (a model refuses more); the guard, the input and
#: the permalink all check against it
ROUNDS = (1, MAX_ROUNDS)
SEED_MAX = MAX_SEED  # the engine's too
#: short names for the permalink
QUERY = {"scenario_name": "scenario", "protocol": "protocol", "rounds": "rounds",
         "rng": "seed", "us_engagement": "us"} | {k: k for k in (*BLOC_KNOBS, *ACTOR_KNOBS)}
ACTOR_LABELS = {"commission_competition": "Commission: turf (competition)",
                "nato_staff_competition": "NATO International Staff: turf (competition)"}


def label(key: str) -> str:
    """The plain-words name of a setting."""
    if key in BLOC_KNOBS:
        bloc, name = BLOC_KNOBS[key]
        return f"{BLOC_LABELS[bloc]}: {name.replace('_', ' ')}"
    if key in ACTOR_LABELS:
        return ACTOR_LABELS[key]
    return {"scenario_name": "Scenario", "protocol": "Protocol", "rounds": "Rounds",
            "rng": "Seed", "us_engagement": "US engagement"}[key]


def bounds(key: str) -> tuple[int, int]:
    """The range of a whole-number setting (rounds or seed)."""
    return ROUNDS if key == "rounds" else (0, SEED_MAX)


def check(key: str, value: Any) -> str | None:
    """None if ``value`` is a valid ``key``, else one sentence saying what is wrong."""
    name = label(key) if key in QUERY else key
    if key == "scenario_name":
        known = list_scenarios()
        return None if value in known else (
            f"{name}: unknown scenario {value!r}; choose one of {', '.join(known)}")
    if key == "protocol":
        return None if value in PROTOCOLS else (
            f"{name}: unknown protocol {value!r}; choose one of {', '.join(sorted(PROTOCOLS))}")
    if key in ("rounds", "rng"):
        lo, hi = bounds(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{name} must be a whole number, got {value!r}"
        if not lo <= value <= hi:
            return f"{name} must be between {lo} and {hi}, got {value}"
        return None
    if key in LEVELS:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            return f"{name} must be a number between 0 and 1, got {value!r}"
        return None if 0.0 <= value <= 1.0 else (
            f"{name} must be between 0 and 1, got {value}")
    return f"unknown setting {key!r}"


def parse(key: str, text: str) -> tuple[Any, str | None]:
    """A typed value from text (a URL query or an input box), or an error sentence."""
    try:
        value: Any = plain_number(text, whole=True) if key in ("rounds", "rng") else (
            plain_number(text) if key in LEVELS else text)
    except ValueError:
        kind = "a whole number" if key in ("rounds", "rng") else "a number"
        return None, f"{label(key)} must be {kind}, got {text!r}"
    return value, check(key, value)


def to_query(settings: dict[str, Any]) -> str:
    """The settings as a URL query (``?scenario=…&seed=…``), unset levels left out."""
    pairs = [(QUERY[k], f"{v:g}" if isinstance(v, float) else str(v))
             for k, v in settings.items() if k in QUERY and v is not None]
    return "?" + urlencode(pairs)


def from_query(query: str | None) -> tuple[dict[str, Any], list[str]]:
    """Settings from a URL query, over the defaults; bad or unknown entries are skipped
    and described (shown to the user, never raised)."""
    out, errors = dict(DEFAULTS), []
    back = {v: k for k, v in QUERY.items()}
    for name, text in parse_qsl((query or "").lstrip("?"), keep_blank_values=True):
        key = back.get(name)
        if key is None:
            errors.append(f"link: unknown setting {name!r} ignored")
            continue
        value, err = parse(key, text)
        if err:
            errors.append(f"link: {err}; ignored")
        else:
            out[key] = value
    return out, errors


def bloc_level(model: Any, knob: str) -> float:
    """A bloc's mean decoupling fear or competition as set (what its slider shows): the
    central level, not the seed's draw around it, so a seed changes no setting."""
    bloc, name = BLOC_KNOBS[knob]
    members = model.world.blocs == bloc
    return round(float(model.world.premise(name)[members].mean()), 3) if members.any() else 0.0


def actor_level(model: Any, knob: str) -> float:
    """One actor's parameter now (the bureaucracies' turf)."""
    who, name = ACTOR_KNOBS[knob]
    ids = model.world.actor_ids
    return round(float(model.world.premise(name)[ids.index(who)]), 3) if who in ids else 0.0


def current_levels(model: Any) -> dict[str, float]:
    """The model's levels now, keyed like the settings."""
    return {"us_engagement": round(float(model.world.us_engagement), 3),
            **{k: bloc_level(model, k) for k in BLOC_KNOBS},
            **{k: actor_level(model, k) for k in ACTOR_KNOBS}}


@functools.cache
def scenario_levels(name: str) -> dict[str, float]:
    """A scenario's own levels at round 0 (its premise), keyed like the settings."""
    from model.model import EuNatoModel

    return current_levels(EuNatoModel(scenario_name=name, rng=0))
