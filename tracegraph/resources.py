"""Files that ship with tracegraph: cypher/, importers/ and docker-compose.yml.

In a wheel they sit under tracegraph/_bundled/ (pyproject's force-include); in a source checkout
or an editable install they are read from the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_path(relative: str) -> Path:
    """Path of a shipped file or folder, e.g. resource_path("cypher")."""
    for base in (_PACKAGE / "_bundled", _PACKAGE.parent):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"tracegraph resource {relative!r} is missing from this install")
