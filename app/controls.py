"""The settings panel and the run controls.

* Scenario, protocol and seed start a new run at once (a new run is what they mean); a new
  scenario brings its own levels.
* Rounds and the levels (US engagement, per-bloc decoupling fear and competition) are
  *pending* once a run has started: a swipe across a slider changes nothing until the user
  presses **Apply now** (a mid-run shock, logged and marked on the time charts) or
  **Restart** (round 0 with these settings). Before the first step they apply at once.
* Every value is checked (:func:`app.settings.check`); a bad one is shown under its input
  and nothing else changes. Every slider shows its value as a number. Rounds and the
  seed are typed in (rounds up to the engine's own ceiling, :data:`app.settings.ROUNDS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import solara

from app import settings as S
from model.inputs.scenario import list_scenarios
from model.model import ACTOR_KNOBS, BLOC_KNOBS
from model.protocols import PROTOCOLS

if TYPE_CHECKING:
    from model.model import EuNatoModel


def pending(desired: dict[str, Any], model: EuNatoModel) -> dict[str, Any]:
    """Levels and rounds the user has set that the running model does not have yet."""
    now = {**S.current_levels(model), "rounds": model.max_rounds}
    return {k: v for k, v in desired.items()
            if k in now and v is not None and abs(float(v) - float(now[k])) > 1e-9}


def apply_now(model: EuNatoModel, changes: dict[str, Any]) -> None:
    """Apply pending levels to the running model from the next round on (the engine's own
    event path, so it is logged like a scenario event)."""
    for key, value in changes.items():
        if key == "rounds":
            model.max_rounds = max(int(value), model.steps)
            model.running = model.steps < model.max_rounds and "open" in model.status
        elif key == "us_engagement":
            model.set_parameter("us_engagement", float(value), note="applied in the app")
        elif key in ACTOR_KNOBS:
            who, name = ACTOR_KNOBS[key]
            model.set_parameter(f"actor.{who}.{name}", float(value), note="applied in the app")
        else:
            bloc, name = BLOC_KNOBS[key]
            model.set_parameter(f"bloc.{bloc}.{name}", float(value), note="applied in the app")


def _level_fmt(value: float) -> str:
    """Two decimals, or three when the level has them (a bloc's mean, 0.612): the readout
    shows the value the run has, not a rounded one."""
    return "{:.2f}" if abs(value * 100 - round(value * 100)) < 1e-6 else "{:.3f}"


@solara.component
def Slider(key: str, value: float, on_value: Callable[[float], None], *, lo: float = 0.0,
           hi: float = 1.0, step: float = 0.05, fmt: str = "{:.2f}", applied: Any = None
           ) -> None:
    """A slider with its value written beside its name (and the model's value, if the
    slider holds a pending change)."""
    fmt = fmt if fmt != "{:.2f}" else _level_fmt(value)
    note = "" if applied is None or applied == value else f" (run: {fmt.format(applied)})"
    with solara.Div(classes=["eunato-slider", f"eunato-slider-{key}"]):
        solara.HTML(tag="div", classes=["eunato-readout"], unsafe_innerHTML=(
            f"<span>{S.label(key)}</span><b>{fmt.format(value)}</b>{note}"))
        if isinstance(value, int) and not isinstance(value, bool):
            solara.SliderInt(S.label(key), value=value, min=int(lo), max=int(hi), step=int(step),
                             on_value=on_value, thumb_label=False)
        else:
            # the thumb sits on the slider's grid: a level off the grid (a bloc's mean of
            # 0.612) handed to the slider as is was snapped by the widget on load and sent
            # back as a change, silently rebuilding the run with other levels (six times per
            # page load in the baseline). The readout above shows the exact value.
            on_grid = round(lo + round((value - lo) / step) * step, 10)
            solara.SliderFloat(S.label(key), value=on_grid, min=lo, max=hi, step=step,
                               on_value=on_value, thumb_label=False)


@solara.component
def IntInput(key: str, value: int, on_value: Callable[[int], None], applied: Any = None
             ) -> None:
    """A whole number as text (the seed; the rounds, whose range is the engine's), checked:
    a bad value stays in the box with a message under it. ``applied`` is the run's value,
    shown beside a pending one."""
    text, set_text = solara.use_state(str(value))
    error, set_error = solara.use_state(None)

    def commit(t: str | None) -> None:
        set_text(t or "")
        v, err = S.parse(key, (t or "").strip())
        set_error(err)
        if err is None:
            on_value(v)

    name = {"rng": "seed"}.get(key, key)
    lo, hi = S.bounds(key)
    hint = f"{lo}–{hi}" + ("" if applied is None or applied == value else f" (run: {applied})")
    solara.InputText(S.label(key), value=text if error else str(value), on_value=commit,
                     error=error or False, message=hint, classes=[f"eunato-{name}"])


@solara.component
def SettingsPanel(desired: solara.Reactive[dict], model: EuNatoModel | None,
                  on_restart: Callable[[], None], on_apply: Callable[[], None],
                  on_edit: Callable[[str, Any], None], edits: dict[str, Any],
                  levels: dict[str, float], messages: list[str]) -> None:
    """The settings. One source of truth: each level shows the run's own value (after a
    scenario event or a shock too), or the user's pending change beside it; ``levels`` is
    the run's levels now (an argument, so the panel redraws when they change)."""
    def put(key: str, value: Any) -> None:
        err = S.check(key, value)
        if err:
            return  # the inputs below only offer valid values; checked again to be sure
        if key in (*S.LEVELS, "rounds"):
            on_edit(key, value)
            return
        new = {**desired.value, key: value}
        if key == "scenario_name":  # a new scenario brings its own levels
            new = {k: v for k, v in new.items() if k in S.DEFAULTS}
            new[key] = value
        desired.value = new

    d = desired.value
    started = model is not None and model.steps > 0
    with solara.Card("Scenario and settings", classes=["eunato-settings"]):
        for m in messages:
            solara.Error(m, classes=["eunato-message"])
        solara.Select("Scenario", values=list_scenarios(), value=d["scenario_name"],
                      on_value=lambda v: put("scenario_name", v))
        solara.Select("Protocol", values=sorted(PROTOCOLS), value=d["protocol"],
                      on_value=lambda v: put("protocol", v))
        IntInput("rng", d["rng"], lambda v: put("rng", v))
        run_rounds = model.max_rounds if model is not None else d["rounds"]
        IntInput("rounds", int(edits.get("rounds", run_rounds)), lambda v: put("rounds", v),
                 applied=run_rounds)
        for key in S.LEVELS:
            now = levels.get(key, d.get(key))
            shown = edits.get(key, now) if started else d.get(key, now)
            Slider(key, float(now if shown is None else shown), lambda v, k=key: put(k, v),
                   applied=now)
        if model is not None:
            changes = pending(edits, model) if started else {}
            if changes:
                solara.Info("Not applied yet: " + ", ".join(
                    f"{S.label(k)} {v:g}" for k, v in changes.items())
                            + f". Apply now (a shock from round {model.steps + 1}) or "
                              "restart from round 0.", classes=["eunato-pending"])
            with solara.Row(classes=["eunato-apply-row"]):
                solara.Button("Apply now", on_click=on_apply, color="primary",
                              disabled=not changes, classes=["eunato-apply"])
                solara.Button("Restart", on_click=on_restart, outlined=True,
                              classes=["eunato-restart"])
