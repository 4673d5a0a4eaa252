"""One fix to Solara 1.64.1, applied when the app is imported.

Solara's router template (``solara/widgets/vue/navigator.vue``) assigns its component to
``modules.export`` (a typo for ``module.exports``), so every page load logs "Failed to
evaluate Vue script and find module.exports" before ipyvue falls back to an older loader.
The app serves Solara's own template with that one word corrected, read from the installed
file at start-up (nothing of Solara is copied into this repository). If a later Solara
fixes the typo, this does nothing.
"""

from __future__ import annotations

from pathlib import Path

import reacton.core
import solara
import solara.components.misc
import solara.widgets
import traitlets

TYPO, FIX = "modules.export =", "module.exports ="


def fix_navigator() -> bool:
    """Swap Solara's Navigator widget for one with the corrected template; True if done."""
    base = solara.widgets.Navigator
    if getattr(base, "_eunato_fixed", False):
        return True
    path = Path(base.template_file)
    text = path.read_text() if path.exists() else ""
    if TYPO not in text:
        return False

    class Navigator(base):  # type: ignore[misc, valid-type]
        _eunato_fixed = True
        template_file = None
        template = traitlets.Unicode(text.replace(TYPO, FIX, 1)).tag(sync=True)

    component = reacton.core.ComponentWidget(Navigator)
    solara.widgets.Navigator = Navigator
    solara.components.misc.Navigator = component
    solara.Navigator = component
    return True


CLOSE_ROUTE = "/_solara/api/close/{kernel_id}"


def fix_close_route() -> bool:
    """Solara's page-close beacon (``POST /_solara/api/close/<kernel>``) reads its
    ``session_id`` query parameter without a default, so a request without one was an
    HTTP 500 and a KeyError traceback in the log: it is a 400 now. True if done."""
    from solara.server import starlette as server
    from starlette.responses import PlainTextResponse
    from starlette.routing import request_response

    for route in server.app.router.routes:
        if getattr(route, "path", None) != CLOSE_ROUTE:
            continue
        if getattr(route, "_eunato", False):
            return True
        original = route.endpoint

        def close(request, original=original):  # noqa: ANN001, ANN202 - Starlette's endpoint
            if "session_id" not in request.query_params:
                return PlainTextResponse("session_id missing", status_code=400)
            return original(request)

        route.endpoint, route.app, route._eunato = close, request_response(close), True
        return True
    return False


def loopback_unless_asked(argv: list[str], host: str) -> list[str] | None:
    """The command line that serves ``solara run app`` on loopback when it would listen on
    another address only because ``$HOST`` says so (Solara takes its default from it); None
    when nothing is to change: another program, an explicit ``--host`` (the flag that asks
    for another interface), ``eunato app`` (which chose its host), or loopback already."""
    import os

    if "EUNATO_APP_HOST" in os.environ or not argv or "solara" not in Path(argv[0]).name:
        return None
    if "run" not in argv[1:] or any(a == "--host" or a.startswith("--host=") for a in argv):
        return None
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    return [*argv, "--host", "127.0.0.1"]
