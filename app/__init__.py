"""The Solara app. ``solara run app`` serves the directory: ``app/app.py`` is the page.

Solara makes a page of every public module in a served directory; the :func:`Layout`
below draws only the page itself (no navigation, no app bar: the page has its own
header and settings drawer, see app/style.css), so the helper modules never show up.
"""

from pathlib import Path

import solara
import solara.server.settings

from app.patches import fix_navigator

fix_navigator()
# app/assets/custom.js goes into the page head (Solara looks for /static/assets/ files in
# these folders): it starts loading the chart libraries before the first widgets arrive
_ASSETS = str(Path(__file__).with_name("assets"))
if _ASSETS not in solara.server.settings.assets.extra_locations:
    solara.server.settings.assets.extra_locations.append(_ASSETS)


@solara.component
def Layout(children: list | None = None) -> None:
    solara.Column(children=children or [], gap="0px", style={"padding": "0"})
