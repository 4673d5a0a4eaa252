"""The Solara app. ``solara run app`` serves the directory: ``app/app.py`` is the page.

Solara makes a page of every public module in a served directory; the :func:`Layout`
below draws only the page itself (no navigation, no app bar: the page has its own
header and settings drawer, see app/style.css), so the helper modules never show up.

A front door: it may import the engine (``model``, ``agents``) and ``experiments``; nothing
imports it.
"""

import os
import sys
from pathlib import Path

import solara
import solara.server.settings

from app.patches import fix_close_route, fix_navigator, loopback_unless_asked

# `solara run app` (the README offers it) listens where $HOST says; the app has no login,
# so it serves on loopback unless --host asks for more: the command starts again with
# --host 127.0.0.1 (this import runs before the server binds its socket)
_argv = loopback_unless_asked(sys.argv, solara.server.settings.main.host)
if _argv is not None:
    print(f"eunato: serving on 127.0.0.1, not $HOST ({solara.server.settings.main.host}); "
          "pass --host to listen elsewhere (the app has no login)", file=sys.stderr)
    os.environ["EUNATO_APP_HOST"] = "127.0.0.1"
    os.execv(sys.executable, [sys.executable, *_argv])
fix_navigator()
fix_close_route()
# app/assets/custom.js goes into the page head (Solara looks for /static/assets/ files in
# these folders): it starts loading the chart libraries before the first widgets arrive
_ASSETS = str(Path(__file__).with_name("assets"))
if _ASSETS not in solara.server.settings.assets.extra_locations:
    solara.server.settings.assets.extra_locations.append(_ASSETS)
# as app/serve.py sets for `eunato app`: widget messages written by the rendering thread
# (for `solara run app` too, from the connections after this import)
if "SOLARA_SERVER_SYNC_WS_WRITE" not in os.environ:
    solara.server.settings.server.sync_ws_write = True
# reacton's renderer that skips the subtrees where nothing changed (opt-in in reacton
# 1.11, checked by reacton against its default renderer): a Step redraws the run bar and
# the open tab's views, and no longer walks the settings panel and the rest of the page
# (benchmarks/app.py: about a third of a Step's server time). Read per render context,
# so it holds for every session started after this import.
os.environ.setdefault("REACTON_FAST", "1")


@solara.component
def Layout(children: list | None = None) -> None:
    solara.Column(children=children or [], gap="0px", style={"padding": "0"})
