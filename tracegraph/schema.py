"""Installing the graph schema: neomodel's constraints and indexes, then cypher/schema/*, then
the data migrations in cypher/migrate/*.

neomodel is configured here, at the edge, with the caller's driver and database; its global
connection is set just for the install.
"""

from __future__ import annotations

import io

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
