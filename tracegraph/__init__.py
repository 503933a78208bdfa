"""tracegraph: lot traceability on Neo4j."""

from importlib.metadata import PackageNotFoundError, version

try:
    # pyproject.toml's version, its one source, as the installed package's metadata says it
    # (this file said "0.1.0" for every revision; `tracegraph --version` adds the commit)
    __version__ = version("tracegraph")
except PackageNotFoundError:  # a copy of the package that was never installed
    __version__ = "0+unknown"
