"""A Vega-Lite chart widget for the app: the spec is sent once, each redraw sends only
the data.

Solara's own ``VegaLite`` re-embeds the whole chart on every change (after a 100 ms
debounce) and leaves vega-embed's default file name (``visualization.png``). This widget
(``vega.vue``) embeds a spec once and afterwards swaps the named datasets in the live Vega
view, and its PNG / SVG buttons save the figure under ``filename``. Specs are Vega-Lite 5,
the version Solara serves (see :func:`app.charts.v5`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import ipyvuetify as v
import solara
import traitlets


class VegaView(v.VuetifyTemplate):
    template_file = str(Path(__file__).with_name("vega.vue"))
    #: the spec and the rows as JSON text, not dicts: the page's renderer (reacton) walks
    #: every dict and list in a widget's arguments looking for child elements, and copies
    #: them, on every redraw; for the charts' rows that walk was most of a Step's server time
    spec_json = traitlets.Unicode("{}").tag(sync=True)
    datasets_json = traitlets.Unicode("{}").tag(sync=True)
    #: bumped with every new data; the page marks itself painted with it (tests, benchmark)
    datasets_version = traitlets.Int(0).tag(sync=True)
    filename = traitlets.Unicode("eunato").tag(sync=True)
    #: what the chart shows, in words: the chart's accessible name (role=img)
    label = traitlets.Unicode("").tag(sync=True)
    #: what an exported file says about itself (JSON: title, lines; app.export.figure_meta)
    meta = traitlets.Unicode("").tag(sync=True)
    listen_to_click = traitlets.Bool(False).tag(sync=True)
    on_click = traitlets.Callable(None, allow_none=True)

    def vue_clicked(self, datum: dict | None = None) -> None:
        if self.on_click is not None:
            self.on_click(datum)


_specs: dict[int, tuple[dict, str]] = {}


def _plain(value):
    """numpy scalars as Python numbers (json cannot write them)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _no_nan(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(x) for x in value]
    return value


def to_json(data) -> str:
    """Strict JSON for the page (JSON.parse takes no NaN or infinity: those become null)."""
    try:
        return json.dumps(data, allow_nan=False, default=_plain)
    except ValueError:
        return json.dumps(_no_nan(data), allow_nan=False, default=_plain)


def _spec_json(spec: dict) -> str:
    """A spec as JSON text. Specs are templates built once and cached (the chart modules'
    ``functools.cache``), so each is written once; the spec is kept beside its text so its
    id is never reused by another."""
    hit = _specs.get(id(spec))
    if hit is None or hit[0] is not spec:
        if len(_specs) > 256:  # specs built per draw (not cached) must not pile up
            _specs.clear()
        hit = _specs[id(spec)] = (spec, to_json(spec))
    return hit[1]


def chart_label(spec: dict) -> str:
    """A chart's name in words: its title, else its description."""
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return str(text or spec.get("description") or "chart")


@solara.component
def Vega(spec: dict, datasets: dict[str, list], filename: str, classes: list[str] | None = None,
         on_click: Callable[[dict | None], None] | None = None, meta: str = "") -> None:
    """One chart: ``spec`` (with named, empty datasets) and the rows of each dataset."""
    version = solara.use_ref(0)
    version.current += 1
    VegaView.element(spec_json=_spec_json(spec), datasets_json=to_json(datasets),
                     filename=filename, label=chart_label(spec), meta=meta,
                     datasets_version=version.current, on_click=on_click,
                     listen_to_click=on_click is not None, class_=" ".join(classes or []))
