"""Named Cypher queries, one per file under cypher/, loaded by name.

Names are a fixed vocabulary ("trace_forward", "db/counts"); a name never comes from a user
and is checked against the files that exist, so no Cypher is ever assembled from input.
"""

from __future__ import annotations

import re
from functools import cache

from tracegraph.errors import UnknownQuery
from tracegraph.resources import resource_path

_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


def available() -> list[str]:
    root = resource_path("cypher")
    return sorted(
        p.relative_to(root).with_suffix("").as_posix()
        for p in root.rglob("*.cypher")
        if p.relative_to(root).parts[0] != "browser"
    )


@cache
def load(name: str) -> str:
    """The text of cypher/<name>.cypher."""
    if not _NAME.match(name):
        raise UnknownQuery(f"{name!r} is not a query name", hint="names look like 'db/counts'")
    path = resource_path("cypher") / f"{name}.cypher"
    if not path.is_file():
        raise UnknownQuery(
            f"there is no query named {name!r}",
            hint=f"known queries: {', '.join(available())}",
        )
    return path.read_text(encoding="utf-8")
