"""The import lock held by another holder for a while, as `db reset` or an import holds it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from tracegraph.graph import TraceGraph


@contextlib.contextmanager
def lock_held_for(graph: TraceGraph, seconds: float) -> Iterator[None]:
    """The import lock taken by another thread (another connection) before the block starts,
    and let go `seconds` after it was taken, or when the block ends if sooner."""
    graph.write("import/lock_node")
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with graph.held_lock("import/take_lock", wait_seconds=5.0, token="db reset") as held:
            assert held
            taken.set()
            release.wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        yield
    finally:
        release.set()
        holder.join()
