"""A Vega-Lite chart widget for the app: the spec is sent once, each redraw sends only
the data.

Solara's own ``VegaLite`` re-embeds the whole chart on every change (after a 100 ms
debounce) and leaves vega-embed's default file name (``visualization.png``). This widget
(``vega.vue``) embeds a spec once and afterwards swaps the named datasets in the live Vega
view, and its PNG / SVG buttons save the figure under ``filename``. Specs are Vega-Lite 5,
the version Solara serves (see :func:`app.charts.v5`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipyvuetify as v
import solara
import traitlets


class VegaView(v.VuetifyTemplate):
    template_file = str(Path(__file__).with_name("vega.vue"))
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    #: bumped with every new data; the page marks itself painted with it (tests, benchmark)
    datasets_version = traitlets.Int(0).tag(sync=True)
    filename = traitlets.Unicode("eunato").tag(sync=True)
    listen_to_click = traitlets.Bool(False).tag(sync=True)
    on_click = traitlets.Callable(None, allow_none=True)

    def vue_clicked(self, datum: dict | None = None) -> None:
        if self.on_click is not None:
            self.on_click(datum)


@solara.component
def Vega(spec: dict, datasets: dict[str, list], filename: str, classes: list[str] | None = None,
         on_click: Callable[[dict | None], None] | None = None) -> None:
    """One chart: ``spec`` (with named, empty datasets) and the rows of each dataset."""
    version = solara.use_ref(0)
    version.current += 1
    VegaView.element(spec=spec, datasets=datasets, filename=filename,
                     datasets_version=version.current, on_click=on_click,
                     listen_to_click=on_click is not None, class_=" ".join(classes or []))
