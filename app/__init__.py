"""The Solara app. ``solara run app`` serves the directory: ``app/app.py`` is the page.

Solara makes a page of every public module in a served directory; the :func:`Layout` below
turns its navigation tabs off, so the helper modules (charts, components, offline) do not
show up as empty pages.
"""

import solara


@solara.component
def Layout(children: list | None = None) -> None:
    solara.AppLayout(children=children or [], navigation=False)
