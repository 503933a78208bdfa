"""Opening the graph from the environment, for commands that need one."""

from __future__ import annotations

from tracegraph import queries
from tracegraph.config import Settings, load_settings
from tracegraph.db import connect_reading
from tracegraph.graph import TraceGraph


def open_graph(settings: Settings | None = None) -> TraceGraph:
    """The graph `settings` name (default: the environment's, completed by the home's file)."""
    settings = settings or load_settings()
    # the connection's check is the ledger's running import (see TraceGraph.import_under_way)
    driver, running = connect_reading(settings, queries.load("import/running_run"))
    graph = TraceGraph(driver, database=settings.database, server=settings.server)
    graph.running_at_start = running
    return graph
