"""Opening the graph from the environment, for commands that need one."""

from __future__ import annotations

from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph


def open_graph() -> TraceGraph:
    settings = load_settings()
    return TraceGraph(connect(settings), database=settings.database, server=settings.uri)
