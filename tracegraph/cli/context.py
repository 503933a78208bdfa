"""Opening the graph from the environment, for commands that need one."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

from tracegraph import queries
from tracegraph.config import Settings, load_settings
from tracegraph.db import CONNECTION_TIMEOUT_SECONDS, connect_reading
from tracegraph.graph import TraceGraph


def open_graph(
    settings: Settings | None = None, connection_timeout: float = CONNECTION_TIMEOUT_SECONDS
) -> TraceGraph:
    """The graph `settings` name (default: the environment's, completed by the home's file)."""
    settings = settings or load_settings()
    # the connection's check is the ledger's running import (see TraceGraph.import_under_way)
    driver, running = connect_reading(settings, queries.load("import/running_run"),
                                      connection_timeout=connection_timeout)  # fmt: skip
    graph = TraceGraph(driver, database=settings.database, server=settings.server)
    graph.running_at_start = running
    return graph


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (what `timeout` and service managers send a nightly job) ends an import or a
    recall as Ctrl-C does: an import's run is marked interrupted and one line says so (it ended
    silently, exit 143, the ledger saying "running"); a recall's staging folder is removed."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
