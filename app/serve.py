"""``eunato app``: start the browser front door (``solara run app``) the safe way.

Loopback by default (``--host`` for another interface), production mode (no dev reloader,
no call-home check), telemetry off, and Solara's asset cache filled first, so the page
loads everything from this server and nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from app.guard import exposure_warning
from app.offline import cache_dir
from model.io.safeio import int_in

APP_DIR = Path(__file__).resolve().parent


#: where the page loads its front end from: Solara's static asset route on this server.
#: Solara's CDN proxy (``/_solara/cdn``) is switched off (``SOLARA_ASSETS_PROXY=false``):
#: with it on, a request for a file missing from the cache made the server try a public
#: CDN four times (about 7 s) before answering. Off, the route does not exist (404 at once)
#: and the asset cache is served as plain static files, which never fetch anything.
LOCAL_CDN = "/static/assets"


def server_env(base: dict[str, str] | None = None, host: str = "127.0.0.1") -> dict[str, str]:
    """The environment the Solara server runs with (also used by the browser tests):
    telemetry off, no CDN proxy, the asset cache served locally, synchronous websocket
    writes, and the bound host, so the page can warn when it is exposed."""
    env = dict(os.environ if base is None else base)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    cache = Path(env.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or cache_dir())
    # Solara fails every static request when an extra location does not exist
    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
    env["SOLARA_ASSETS_PROXY"] = "false"
    # widget messages written to the socket by the thread that renders them, instead of
    # one hand-over to the event loop per message (Solara's own switch; measured in
    # benchmarks/app.py: about a quarter off Step-to-repaint on this 2-core machine)
    env.setdefault("SOLARA_SERVER_SYNC_WS_WRITE", "true")
    env.setdefault("REACTON_FAST", "1")  # see app/__init__.py
    env["SOLARA_ASSETS_CDN"] = LOCAL_CDN
    env["SOLARA_ASSETS_EXTRA_LOCATIONS"] = str(cache)
    env["EUNATO_APP_HOST"] = host
    return env


def server_command(host: str = "127.0.0.1", port: int = 8765,
                   app_dir: Path = APP_DIR) -> list[str]:
    """``solara run`` on the app directory (works from any working directory)."""
    solara = Path(sys.executable).with_name("solara")
    return [str(solara), "run", str(app_dir), "--host", host, "--port", str(port),
            "--no-open", "--production"]


def free_port() -> int:
    """A loopback port nobody holds now (8765 may be taken on shared machines)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(port: int | None = None, log: IO | None = None,
            timeout: float = 60.0, app_dir: Path = APP_DIR) -> Iterator[str]:
    """Run the real app server on loopback for a test or a benchmark; yield its URL and
    stop it (its whole process group: ``solara run`` starts the server as a child)."""
    port = port or free_port()
    proc = subprocess.Popen(server_command("127.0.0.1", port, app_dir), env=server_env(),
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"solara server exited with {proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"solara server did not answer in {timeout:.0f} s"
                                       ) from None
                time.sleep(0.5)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited already
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _app(args: argparse.Namespace) -> int:
    from app.offline import fetch

    fetch()  # no-op when the assets are already there
    warning = exposure_warning(args.host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    print(f"eunato app on http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(server_command(args.host, args.port),
                               env=server_env(host=args.host))
    except KeyboardInterrupt:
        return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="start the Solara app in the browser (solara run app)")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default: loopback only)")
    p.add_argument("--port", type=int_in(1, 65535), default=8765)
    p.set_defaults(func=_app)
