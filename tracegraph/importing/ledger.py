"""The import ledger: past runs (`ImportRun`) and the rows each one changed (`RowChange`).

`import_runs(graph)` lists the last runs, newest first, with their counts; `import_run(graph,
run_id)` gives one run's counts per table and its changed rows.
"""

from __future__ import annotations

import json
from typing import Any

from tracegraph.errors import UnknownSubject
from tracegraph.graph import TraceGraph
from tracegraph.importing.changes import column_changes
from tracegraph.values import public_props


def _run(props: dict[str, Any]) -> dict[str, Any]:
    run = public_props(props)
    for key in ("clean_fingerprints", "fingerprints", "file_names"):
        run.pop(key, None)  # the importer's own bookkeeping: which files to skip
    run["tables"] = json.loads(run.pop("counts_json", None) or "{}")
    return run


def import_runs(graph: TraceGraph, limit: int = 20) -> list[dict[str, Any]]:
    """The last `limit` import runs, newest first, with their counts."""
    return [_run(row["run"]) for row in graph.read("ledger/import_runs", limit=limit)]


def import_run(graph: TraceGraph, run_id: str) -> dict[str, Any]:
    """One run and the rows it changed: per row its table, key, file and line, and per changed
    column the old and the new value ("" for no value)."""
    rows = graph.read("ledger/import_run", run_id=run_id)
    if not rows:
        raise UnknownSubject(
            f"no import run {run_id!r}", hint="`tracegraph imports` lists the runs"
        )
    run = _run(rows[0]["run"])
    run["changes"] = [
        {
            "table": c["table"], "key": c["key"], "file": c["file"], "line": c["line"],
            "columns": column_changes(c),
        }
        for c in rows[0]["changes"]
    ]  # fmt: skip
    return run
