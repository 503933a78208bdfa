"""Installing the graph schema: neomodel's constraints and indexes, then cypher/schema/*, then
the data migrations in cypher/migrate/*.

neomodel is configured here, at the edge, with the caller's driver and database; its global
connection is set just for the install.
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

import neomodel

from tracegraph import models, queries
from tracegraph.db import Driver, run_autocommit
from tracegraph.resources import resource_path


def install(driver: Driver, database: str) -> None:
    """Create every constraint and index the model declares; existing ones are left alone."""
    neomodel.get_config().database_name = database
    neomodel.db.set_connection(driver=driver)
    # neomodel reports "already exists" for each existing object on this stream: db init reports
    # what changed from SHOW INDEXES before and after instead, so the stream is discarded.
    quiet = io.StringIO()
    for cls in models.NODE_CLASSES:
        neomodel.db.install_labels(cls, quiet=True, stdout=quiet)
    for path in sorted((resource_path("cypher") / "schema").glob("*.cypher")):
        run_autocommit(driver, database, queries.load(f"schema/{path.stem}"), {})
    # Data written by older versions, brought up to what the model now expects (idempotent).
    for path in sorted((resource_path("cypher") / "migrate").glob("*.cypher")):
        run_autocommit(driver, database, queries.load(f"migrate/{path.stem}"), {})


_NAMED = re.compile(r"(?:INDEX|CONSTRAINT)\s+(\w+)\s+IF NOT EXISTS")


@cache
def expected_names() -> frozenset[str]:
    """The names of every constraint and index `install` creates: neomodel's (it names them
    `constraint_unique_<Label>_<property>` and `index_<Label or TYPE>_<property>`) and those of
    cypher/schema/*. An upgrade that adds one finds it missing (`db status`, the import)."""
    names: set[str] = set()

    def declared(owner: str, model: Any) -> None:
        for name, prop in model.defined_properties(aliases=False, rels=False).items():
            if prop.unique_index:
                names.add(f"constraint_unique_{owner}_{name}")
            elif prop.index:
                names.add(f"index_{owner}_{name}")

    for cls in models.NODE_CLASSES:
        declared(cls.__label__, cls)
        for rel in cls.defined_properties(aliases=False, properties=False).values():
            if rel.definition.get("model") is not None:  # a relationship with properties
                declared(rel.definition["relation_type"], rel.definition["model"])
    for path in (resource_path("cypher") / "schema").glob("*.cypher"):
        names.update(_NAMED.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)
