"""A ledger entry as tracegraph c9c2dc8 (2026-11-28) wrote it, for the tests of an upgraded store:
its import/start_run.cypher set the run's id, status, start, user, host, timezone, files and
their sha256, its finish_run.cypher the end, clean fingerprints, row counts and counts_json
(per table: files, read, written, rejected, duplicates, changed). Nothing else: no source,
file_tables, file names, file nodes, format_level, tracegraph_version or `updated` counts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tracegraph.graph import TraceGraph

# Before the data migrations of any test's store ran: an old run is no rollback
OLD_STARTED_AT = "2026-11-28T02:00:00Z"


def old_run(
    graph: TraceGraph,
    run_id: str,
    files: list[Path],
    tables: dict[str, dict[str, int]],
    started_at: str = OLD_STARTED_AT,
) -> None:
    """The ImportRun node c9c2dc8 left after a run that ended `done`: `tables` maps each table it
    wrote to its counts (read, written, changed; the rest 0)."""
    zero = {"read": 0, "written": 0, "rejected": 0, "duplicates": 0, "changed": 0}
    counts = {name: zero | given for name, given in tables.items()}
    props = {
        "run_id": run_id, "status": "done", "user": "tracegraph", "host": "plant",
        "timezone": "UTC", "files": [str(f) for f in files],
        "sha256": [hashlib.sha256(f.read_bytes()).hexdigest() for f in files],
        "clean_fingerprints": [], "rows_read": sum(t["read"] for t in counts.values()),
        "rows_written": sum(t["written"] for t in counts.values()), "rows_rejected": 0,
        "stubs_created": 0, "seconds": 0.5,
        "counts_json": json.dumps({name: {"files": [str(f) for f in files]} | table
                                   for name, table in counts.items()}),
    }  # fmt: skip
    graph.driver.execute_query(
        "CREATE (run:ImportRun) SET run = $props, run.started_at = datetime($at), "
        "run.ended_at = datetime($at) + duration({seconds: 1})",
        props=props,
        at=started_at,
        database_=graph.database,
    )
