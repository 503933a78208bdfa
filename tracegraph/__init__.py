"""tracegraph: lot traceability on Neo4j."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _checkout_version() -> str | None:
    """pyproject.toml's version when this package sits in a checkout of tracegraph (the file
    beside the package folder names the project): a checkout run without reinstalling — a git
    pull, a branch, PYTHONPATH — is that version, not the one its venv installed last."""
    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as f:
            project = tomllib.load(f).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):  # an installed package: no pyproject beside it
        return None
    found = project.get("version") if project.get("name") == "tracegraph" else None
    return found if isinstance(found, str) else None


def _installed_version() -> str:
    # the installed package's metadata, from pyproject.toml's version when it was installed
    # (this file said "0.1.0" for every revision; `tracegraph --version` adds the commit)
    try:
        return version("tracegraph")
    except PackageNotFoundError:  # a copy of the package that was never installed
        return "0+unknown"


__version__ = _checkout_version() or _installed_version()
