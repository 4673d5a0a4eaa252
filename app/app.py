"""The browser front door: ``solara run app`` (or ``eunato app``).

Built on :func:`mesa.visualization.SolaraViz`, so the usual Step / Play / Reset controls
drive the same :class:`~model.model.EuNatoModel` as ``eunato run``. Each browser session
gets its own model (a model built at module level would be shared by every visitor).

The "Scenario and parameters" card holds the inputs the brief asks for; changing any of
them builds a new model at once with that value (Mesa's own parameter card only applies on
Reset). SolaraViz's Reset rebuilds ``type(model)()``, so the session's model is an instance
of a small subclass whose defaults are the card's settings: Reset then restarts exactly the
model the card describes, with the same seed.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization import SolaraViz

from app.components import COMPONENTS
from app.guard import Rejected, accept, accept_all, exposure_warning
from model.model import BLOC_KNOBS, EuNatoModel
from model.protocols import PROTOCOLS
from model.scenario import list_scenarios

BLOC_LABELS = {"eu_core": "EU core", "eastern_flank": "eastern flank",
               "non_eu_allies": "non-EU allies", "bureaucracy": "bureaucracies"}
DEFAULTS: dict[str, Any] = {"scenario_name": "baseline-2024", "protocol": "compromise",
                            "rounds": 50, "rng": 1}


def make_model(settings: dict[str, Any]) -> EuNatoModel:
    """The model a settings dict describes (only non-None overrides are passed), as an
    instance of a subclass that rebuilds the same model when called with no arguments."""
    fixed = {k: v for k, v in accept_all(settings).items() if v is not None}

    class SessionModel(EuNatoModel):
        def __init__(self, **overrides: Any) -> None:
            # SolaraViz's Reset passes Mesa's own (empty) Scenario object; ours is a name
            overrides.pop("scenario", None)
            super().__init__(**{**fixed, **overrides})

    SessionModel.__name__ = SessionModel.__qualname__ = "EuNatoModel"
    model = SessionModel()
    model.app_settings = dict(settings)
    return model


def bloc_mean(model: EuNatoModel, knob: str) -> float:
    """A bloc's current mean decoupling fear or competition (what a slider shows)."""
    bloc, name = BLOC_KNOBS[knob]
    members = model.world.blocs == bloc
    return round(float(getattr(model.world, name)[members].mean()), 3) if members.any() else 0.0


@solara.component
def SettingsCard(settings: solara.Reactive[dict], model: EuNatoModel) -> None:
    """Scenario, protocol, rounds, seed, US engagement and the per-bloc levels."""

    def setter(key: str, reset_overrides: bool = False):
        def on_value(value: Any) -> None:
            try:  # the widget channel carries whatever a client sends: check it here
                value = accept(key, value)
            except Rejected:
                return  # the control keeps the accepted value
            new = {**settings.value, key: value}
            if reset_overrides:  # a new scenario brings its own levels
                new = {k: v for k, v in new.items() if k in DEFAULTS}
                new[key] = value
            settings.value = new
        return on_value

    with solara.Card("Scenario and parameters", classes=["eunato-settings"]):
        solara.Select("Scenario", values=list_scenarios(),
                      value=settings.value["scenario_name"],
                      on_value=setter("scenario_name", reset_overrides=True))
        solara.Select("Protocol", values=sorted(PROTOCOLS), value=settings.value["protocol"],
                      on_value=setter("protocol"))
        solara.SliderInt("Rounds", value=settings.value["rounds"], min=5, max=200, step=5,
                         on_value=setter("rounds"))
        solara.InputInt("Seed", value=settings.value["rng"], on_value=setter("rng"))
        solara.SliderFloat("US engagement", value=round(model.world.us_engagement, 3),
                           min=0.0, max=1.0, step=0.05, on_value=setter("us_engagement"))
        for knob in BLOC_KNOBS:
            bloc, name = BLOC_KNOBS[knob]
            solara.SliderFloat(f"{BLOC_LABELS[bloc]}: {name.replace('_', ' ')}",
                               value=bloc_mean(model, knob), min=0.0, max=1.0, step=0.05,
                               on_value=setter(knob))


@solara.component
def Page() -> None:
    settings = solara.use_reactive(dict(DEFAULTS))
    model = solara.use_reactive(solara.use_memo(lambda: make_model(DEFAULTS), []))

    def rebuild() -> None:
        if dict(settings.value) != getattr(model.value, "app_settings", None):
            model.value = make_model(settings.value)

    solara.use_effect(rebuild, [str(sorted(settings.value.items()))])
    solara.Title("eunato: EU–NATO division of labour")
    exposed = exposure_warning(os.environ.get("EUNATO_APP_HOST", "127.0.0.1"))
    if exposed:
        solara.Warning(exposed, classes=["eunato-exposed"])
    with solara.Sidebar():
        SettingsCard(settings, model.value)
    SolaraViz(model, components=list(COMPONENTS), name="eunato — EU–NATO bargaining")


page = Page
