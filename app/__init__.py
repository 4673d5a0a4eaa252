"""The Solara app. ``solara run app`` serves the directory: ``app/app.py`` is the page.

Solara makes a page of every public module in a served directory; the :func:`Layout`
below draws only the page itself (no navigation, no app bar: the page has its own
header and settings drawer, see app/style.css), so the helper modules never show up.
"""

import solara

from app.patches import fix_navigator

fix_navigator()


@solara.component
def Layout(children: list | None = None) -> None:
    solara.Column(children=children or [], gap="0px", style={"padding": "0"})
