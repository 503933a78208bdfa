"""Opening the graph from the environment, for commands that need one."""

from __future__ import annotations

from tracegraph.config import Settings, load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph


def open_graph(settings: Settings | None = None) -> TraceGraph:
    """The graph `settings` name (default: the environment's, completed by the home's file)."""
    settings = settings or load_settings()
    return TraceGraph(connect(settings), database=settings.database, server=settings.server)
