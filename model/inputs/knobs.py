"""The parameters a run may set besides its scenario, protocol, seed and rounds.

Kept apart from :mod:`model.model` so that a process that only checks or sends runs (the
batch CLI, experiment files, result tables) need not import Mesa: a batch's workers import
the model, and the process that feeds them starts its pool sooner without it.
"""

from __future__ import annotations

#: sliders of the app and parameters of batches: (bloc, field) set as the bloc's mean
BLOC_KNOBS: dict[str, tuple[str, str]] = {
    f"{bloc}_{name}": (bloc, name)
    for bloc in ("eu_core", "eastern_flank", "non_eu_allies")
    for name in ("decoupling_fear", "competition")
}
#: one actor's parameter: the Commission's and NATO International Staff's turf, separately
ACTOR_KNOBS: dict[str, tuple[str, str]] = {
    "commission_competition": ("COM", "competition"),
    "nato_staff_competition": ("NATO_IS", "competition"),
}
#: model keyword parameters a run may set (besides ``scenario``, ``protocol``, ``seed``,
#: ``rounds``); anything else in an experiment is an error.
MODEL_PARAMETERS: tuple[str, ...] = ("us_engagement", "participation_blockage",
                                     *BLOC_KNOBS, *ACTOR_KNOBS)
