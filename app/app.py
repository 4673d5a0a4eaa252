"""The browser front door: ``solara run app`` (or ``eunato app``).

A Solara page that drives the same :class:`~model.model.EuNatoModel` as ``eunato run``:
Step, Play / Pause (the page's clock asks for each round: :class:`Player`), Restart,
the settings drawer (:mod:`app.controls`), and named tabs of views
(:mod:`app.components`). Each browser session gets its own model. The settings can come
from the URL query (:mod:`app.settings`), and the page offers a link with the current ones.

The model is mutated in place by Step and Play, so the page keeps a ``tick`` that it bumps
after every change; each view takes it as an argument and redraws when it changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipyvuetify as v
import solara
import solara.lab
import traitlets

from app import settings as S
from app.compare import CompareRunner, CompareState
from app.compare import context as compare_context
from app.components import TABS as VIEWS
from app.controls import SettingsPanel, apply_now, pending
from app.guard import Rejected, accept_all, exposure_warning
from app.spread import SpreadRunner, SpreadState
from app.spread import context as spread_context
from app.why import WhyPanel
from model.inputs.data import DataError
from model.model import EuNatoModel

CSS = Path(__file__).with_name("style.css").read_text()


@solara.component
def CompareView(model: EuNatoModel, tick: int) -> None:
    """The Compare tab, with the run's settings at round 0 as A (a scenario event or a
    shock mid-run is not a setting: A's levels are the ones the run started from)."""
    from app.charts import actor_names
    from app.compare import ComparePanel

    ComparePanel({**model.app_settings, **model.app_start_levels,
                  "rounds": model.app_start_rounds}, actor_names(model))


@solara.component
def SpreadView(model: EuNatoModel, tick: int) -> None:
    """The spread of the current settings across seeds (Live tab)."""
    from app.export import figure_name
    from app.spread import SpreadPanel

    SpreadPanel({**model.app_settings, **S.current_levels(model), "rounds": model.max_rounds},
                [(i.id, i.name, i.pillar) for i in model.world.issues],
                figure_name(model).rsplit("-round", 1)[0])


def _has_compare() -> bool:
    # the comparison runs through experiments.compare (``eunato compare-scenarios``)
    import importlib.util

    return importlib.util.find_spec("experiments.compare") is not None


#: the named tabs of the main area and their views
HAS_COMPARE = _has_compare()
TABS: dict[str, list] = {**VIEWS, "Live": [*VIEWS["Live"], SpreadView], "Why": [WhyPanel],
                         **({"Compare": [CompareView]} if HAS_COMPARE else {})}
PLAY_INTERVAL = 0.3  # seconds between rounds under Play
STRUCTURAL = ("scenario_name", "protocol", "rng")


class Player(v.VuetifyTemplate):
    """Play's clock, in the page (``player.vue``): asks for the next round a while after
    the last one was drawn, so each round of Play takes the path of a Step click."""
    template_file = str(Path(__file__).with_name("player.vue"))
    playing = traitlets.Bool(False).tag(sync=True)
    round = traitlets.Int(0).tag(sync=True)
    interval_ms = traitlets.Int(300).tag(sync=True)
    on_next = traitlets.Callable(None, allow_none=True)

    def vue_next(self, round_: int) -> None:
        if self.on_next is not None:
            self.on_next(int(round_))


class Intro(v.VuetifyTemplate):
    """The first-run intro (``intro.vue``): dismissed once, remembered by the browser."""
    template_file = str(Path(__file__).with_name("intro.vue"))
    dismissed = traitlets.Bool(True).tag(sync=True)


def build(settings: dict[str, Any]) -> tuple[EuNatoModel | None, str | None]:
    """The model the settings describe, or None and one sentence on what is wrong."""
    for key, value in settings.items():
        err = S.check(key, value) if value is not None else None
        if err:
            return None, err
    try:  # the server-side gate of app/guard.py too: a client can send any value
        settings = {k: v for k, v in accept_all(settings).items()}
    except Rejected as err:
        return None, str(err)
    try:
        model = EuNatoModel(**{k: v for k, v in settings.items() if v is not None})
    except (DataError, ValueError, KeyError, OSError) as err:
        return None, f"could not build the model: {err}"
    model.app_settings = dict(settings)
    model.app_start_levels = S.current_levels(model)
    model.app_start_rounds = model.max_rounds
    model.app_history = [model.state.position.copy()]  # positions after each round
    return model, None


def advance(model: EuNatoModel) -> None:
    """One round, and its positions kept for the time charts (the app's only stepper)."""
    model.step()
    model.app_history.append(model.state.position.copy())


def status_text(model: EuNatoModel) -> tuple[str, str | None]:
    """The status line, and the "finished" sentence once the run has ended."""
    agreed = int((model.settled_round >= 0).sum())
    m = len(model.settled_round)
    line = (f"{model.spec.name} · {model.protocol_name} · seed {model.seed} · "
            f"US engagement {model.world.us_engagement:.2f} · agreed {agreed}/{m} issues "
            f"after round {model.steps} of {model.max_rounds}")
    if model.running:
        return line, None
    why = "every issue settled" if agreed == m else (
        f"round limit reached, {m - agreed} issue{'s' * (m - agreed != 1)} not agreed")
    return line, f"Finished after {model.steps} rounds: {why}."


@solara.component
def Page() -> None:
    router = solara.use_router()
    initial, link_errors = solara.use_memo(lambda: S.from_query(router.search), [])
    first = solara.use_memo(lambda: build(initial), [])
    desired = solara.use_reactive(initial)
    model = solara.use_reactive(first[0])
    error = solara.use_reactive(first[1])
    tick = solara.use_reactive(0)  # read by Main only: a Step redraws the views, not this
    # the user's changes since the last Apply / Restart (once a run has started): the
    # settings show these, and the run's own levels for everything else, so a scenario
    # event moves the slider and Apply sends only what the user touched (issue 24)
    edits = solara.use_reactive({})
    levels = solara.use_reactive(S.current_levels(first[0]) if first[0] else {})
    playing = solara.use_reactive(False)
    drawer = solara.use_reactive(False)
    tab = solara.use_reactive(0)
    comparing = solara.use_memo(CompareState, [])  # the session's comparison (Compare tab)
    compare_context.provide(comparing)
    spreading = solara.use_memo(SpreadState, [])  # the session's seed spread (Live tab)
    spread_context.provide(spreading)

    def show(m: EuNatoModel) -> None:
        levels.value = S.current_levels(m)
        tick.value += 1

    def restart() -> None:
        settings = {**desired.value, **edits.value}
        m, err = build(settings)
        error.value = err
        if m is not None:
            playing.value = False
            edits.value = {}
            desired.value = settings
            model.value = m
            show(m)

    def follow_settings() -> None:
        m = model.value
        if m is None:
            restart()
            return
        old = m.app_settings
        if desired.value.get("scenario_name") != old.get("scenario_name"):
            edits.value = {}  # a new scenario brings its own levels
        if any(desired.value.get(k) != old.get(k) for k in STRUCTURAL) or (
                m.steps == 0 and pending(desired.value, m)):
            restart()

    solara.use_effect(follow_settings, [str(sorted(desired.value.items()))])

    def step() -> None:
        m = model.value
        if m is not None and m.running and not playing.value:
            advance(m)
            show(m)

    def edit(key: str, value: Any) -> None:
        """A level or the rounds from the settings: at once before the first Step, else
        pending until Apply now or Restart."""
        m = model.value
        if m is None or m.steps == 0:
            desired.value = {**desired.value, key: value}
        else:
            edits.value = {**edits.value, key: value}

    def apply() -> None:
        m = model.value
        if m is not None:
            changes = pending(edits.value, m)
            apply_now(m, changes)
            desired.value = {**desired.value, **changes}  # a Restart starts from them
            edits.value = {}
            show(m)

    def play_next(round_: int) -> None:
        """One round of Play, asked for by the page (:class:`Player`) once the last one
        was drawn; a request for a round already past is dropped."""
        m = model.value
        if m is None or not playing.value or m.steps != round_:
            return
        if not m.running:
            playing.value = False
            return
        advance(m)
        show(m)
        if not m.running:
            playing.value = False

    m = model.value
    solara.Title("eunato: EU–NATO division of labour")
    solara.Style(CSS)
    classes = ["eunato-app"] + (["eunato-drawer-open"] if drawer.value else [])
    with solara.Div(classes=classes):
        solara.HTML(tag="a", classes=["eunato-skip"], attributes={"href": "#"},
                    unsafe_innerHTML="Skip to Step and the run")
        if HAS_COMPARE:
            CompareRunner(comparing)
        SpreadRunner(spreading)
        with solara.Div(classes=["eunato-bar"]):
            solara.Button("☰ Settings", on_click=lambda: drawer.set(not drawer.value),
                          text=True, dark=True, classes=["eunato-menu"])
            solara.HTML(tag="h1", unsafe_innerHTML="eunato · EU–NATO division of labour")
        with solara.Div(classes=["eunato-body"]):
            with solara.Div(classes=["eunato-drawer"]):
                # `applied` is an argument so that the panel redraws after Apply now (reacton
                # skips a child whose arguments are unchanged, and the model is the same)
                SettingsPanel(desired, m, restart, apply, edit, edits.value, levels.value,
                              [*link_errors, *([error.value] if error.value else [])])
                if m is not None:
                    solara.HTML(tag="a", classes=["eunato-permalink"],
                                attributes={"href": S.to_query(
                                    {**m.app_settings, **S.current_levels(m),
                                     "rounds": m.max_rounds})},
                                unsafe_innerHTML="Link to these settings")
            backdrop = solara.v.Html(tag="div", class_="eunato-backdrop")
            solara.v.use_event(backdrop, "click", lambda *_: drawer.set(False))
            with solara.Div(classes=["eunato-main"]):
                exposed = exposure_warning(os.environ.get("EUNATO_APP_HOST", "127.0.0.1"))
                if exposed:
                    solara.Warning(exposed, classes=["eunato-exposed"])
                Intro.element()
                if m is None:
                    solara.Error(error.value or "no model", classes=["eunato-message"])
                    return
                Main(m, tick, playing, step, restart, tab, play_next)


@solara.component
def Main(m: EuNatoModel, tick: solara.Reactive[int], playing: solara.Reactive[bool], step,
         restart, tab: solara.Reactive[int], play_next) -> None:
    """Run controls, status and the tabs: the part of the page a Step redraws."""
    t = tick.value
    Player.element(playing=playing.value, round=m.steps, interval_ms=int(PLAY_INTERVAL * 1000),
                   on_next=play_next)
    line, finished = status_text(m)
    with solara.Div(classes=["eunato-controls"]):
        solara.Button("Step", on_click=step, color="primary",
                      disabled=playing.value or not m.running, classes=["eunato-step"])
        solara.Button("Pause" if playing.value else "▶ Play",
                      on_click=lambda: playing.set(not playing.value), color="primary",
                      disabled=not m.running and not playing.value, classes=["eunato-play"])
        solara.Button("Restart", on_click=restart, outlined=True,
                      classes=["eunato-restart-top"])
        with solara.Div(classes=["eunato-status-box"]):
            solara.Text(line, classes=["eunato-status"])
            if finished:
                solara.Text(" " + finished, classes=["eunato-finished"])
    if m.spec.description:
        solara.Text(" ".join(m.spec.description.split()), classes=["eunato-premises"])
    names = list(TABS)
    # a tab is drawn the first time it is opened and then kept: a hidden tab keeps the
    # tick it was last shown with, so a Step redraws only the open tab, and going back to
    # a tab feeds its charts new rows instead of embedding every chart again (about a
    # second per switch under Play, which starved Play of rounds, issue 24)
    shown = solara.use_ref({})
    if shown.current.get("model") is not m:
        shown.current = {"model": m}
    shown.current[names[tab.value]] = t
    with solara.lab.Tabs(value=tab.value, on_value=tab.set, lazy=False):
        for name in names:
            with solara.lab.Tab(name):
                if name in shown.current:
                    TabViews(name, m, shown.current[name])


@solara.component
def TabViews(name: str, m: EuNatoModel, t: int) -> None:
    with solara.Div(classes=["eunato-grid", f"eunato-tab-{name.lower()}"]):
        for view in TABS[name]:
            view(m, t)


page = Page
