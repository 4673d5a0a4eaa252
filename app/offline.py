"""Make the app work with no internet: fill Solara's asset cache from the npm registry.

Solara's page asks for its front end as ``<cdn>/<package>@<version>/…``. By default Solara
proxies those requests to a public CDN; on a machine that reaches only PyPI, apt and npm
(CI, air-gapped war-gaming rooms) every such file would 404 and the page stays blank.
``npm pack`` fetches the same packages from the npm registry, unpacked into Solara's cache
directory (``<venv>/share/solara/cdn`` unless ``SOLARA_ASSETS_PROXY_CACHE_DIR`` says
otherwise); ``app/serve.py`` turns the proxy off and serves that folder as static files, so
nothing leaves the machine. Run ``python -m app.offline`` (``make assets`` does).

The names are exactly those the page asks for with solara 1.64.1 and mesa 3.5.1 (read off
the server log); the browser test fails on any request that is not answered locally, so a
new name shows up there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: folder name the page requests -> npm spec to pack
PACKAGES: dict[str, str] = {
    "@widgetti/solara-vuetify-app@10.1.1": "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/solara-vuetify3-app@5.2.0": "@widgetti/solara-vuetify3-app@5.2.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    "vega@5": "vega@5",
    "vega-lite@5": "vega-lite@5",
    "vega-embed@6": "vega-embed@6",
    "katex@0.16.9": "katex@0.16.9",
    # not loaded by the page: the browser tests inject it to check accessibility (axe)
    "axe-core@4.14.1": "axe-core@4.14.1",
}


def cache_dir() -> Path:
    """Where the Solara server looks for cached assets (its own default rule)."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def fetch(dest: Path | None = None, force: bool = False) -> Path:
    """npm-pack every package into ``dest/<name>/`` (skips those already there)."""
    dest = dest or cache_dir()
    dest.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    todo = {k: v for k, v in PACKAGES.items() if force or not (dest / k).is_dir()}
    if todo and npm is None:
        raise SystemExit("error: npm not found; it is needed once to fetch the app's assets "
                         "(apt-get install npm)")
    for folder, spec in todo.items():
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                 check=True, capture_output=True, text=True).stdout
            tgz = Path(tmp) / out.strip().splitlines()[-1]
            with tarfile.open(tgz) as tar:
                tar.extractall(tmp, filter="data")
            target = dest / folder
            partial = target.with_name(target.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "package"), partial)
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)  # a half-unpacked package never looks complete
        print(f"assets: {folder}")
    return dest


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dest", type=Path, default=None)
    p.add_argument("--force", action="store_true")
    a = p.parse_args()
    print(f"assets in {fetch(a.dest, a.force)}")


if __name__ == "__main__":
    main()
