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
