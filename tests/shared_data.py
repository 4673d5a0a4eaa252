"""Data shared beside the repository (``../shared/data`` from the repo root), which the
project may not ship (DEU III). Under CI (``CI`` set, as ``.ci/run`` does) a missing file
fails the test that needs it; elsewhere it is skipped, with the path in the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: ``EUNATO_SHARED_DATA`` points elsewhere (tests of this rule); the default is relative
SHARED = Path(os.environ.get("EUNATO_SHARED_DATA") or ROOT.parent / "shared" / "data")
DEU = SHARED / "deu3" / "deu3-train.tsv"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def need(path: Path) -> Path:
    """``path`` if it exists; else fail under CI and skip elsewhere."""
    if not path.exists():
        where = os.path.relpath(path, ROOT)
        if in_ci():
            pytest.fail(f"shared data missing under CI: {where} (expected at ../shared/data "
                        "from the repository root)", pytrace=False)
        pytest.skip(f"shared data not available: {where}")
    return path


def deu() -> Path:
    """The shared DEU III half."""
    return need(DEU)
