"""The import ledger: past runs (`ImportRun`) and the rows each one changed (`RowChange`).

`import_runs(graph)` lists the last runs, newest first, with their counts; `import_run(graph,
run_id)` gives one run's counts per table and its changed rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tracegraph.errors import UnknownSubject
from tracegraph.graph import TraceGraph
from tracegraph.importing.changes import column_changes
from tracegraph.importing.run import running_import
from tracegraph.values import public_props


def _run(props: dict[str, Any]) -> dict[str, Any]:
    run = public_props(props)
    for key in ("clean_fingerprints", "fingerprints", "file_names"):
        run.pop(key, None)  # the importer's own bookkeeping: which files to skip
    run["tables"] = json.loads(run.pop("counts_json", None) or "{}")
    for counts in run["tables"].values():  # a run before the ledger counted `updated`: unknown
        counts.setdefault("updated", None)
    # the files it skipped as unchanged, each with the run that imported that content, as the
    # import's own JSON has them (runs before they were kept: none)
    files, of = run.pop("unchanged_files", None) or [], run.pop("unchanged_of", None) or []
    run["unchanged_files"] = dict(zip(files, of, strict=False))
    # nothing imported, every file unchanged (the import's own JSON's); a run before the
    # ledger kept it: one that read no row and skipped files
    if run.get("all_unchanged") is None:
        # and read no file (a header-only file read is in `tables`: not unchanged)
        run["all_unchanged"] = (run.get("status") == "done" and not run.get("rows_read")
                                and bool(files) and not run.get("tables"))  # fmt: skip
    run["full"] = bool(run.get("full"))
    return run


def import_runs(
    graph: TraceGraph, limit: int = 20, *, lock_held: bool | None = None
) -> list[dict[str, Any]]:
    """The last `limit` import runs, newest first, with their counts; `lock_held` when the
    caller has just tried the import lock (see `checked_status`)."""

    def read() -> list[dict[str, Any]]:
        return [_run(row["run"]) for row in graph.read("ledger/import_runs", limit=limit)]

    return checked_status(graph, read(), lock_held, read)


# Why a run the ledger marks running is shown interrupted (see checked_status).
NO_LOCK_HOLDER = "no process holds the import lock"


def checked_status(
    graph: TraceGraph,
    runs: list[dict[str, Any]],
    lock_held: bool | None = None,
    read_again: Callable[[], list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """`runs` with each one the ledger marks running but whose importer is gone shown as
    interrupted (status_in_ledger keeps "running", interrupted_because says why).

    A run's importer holds the import lock for the whole run, and the lock goes with its
    connection: a run marked running while no process holds the lock was killed, or its server
    was. The ledger said "running" until the next import marked it interrupted, so the morning
    after a dead nightly import `imports` showed it as running. Only the lock is tried (as
    `db status` does, in a transaction rolled back): nothing is written, and `imports` stays
    a read-only command. While an import holds the lock, the newest run marked running is it:
    the import marked older ones interrupted when it took the lock. `read_again` reads the
    runs again after the lock was found free: a run that ended between the first read and the
    try (it let the lock go) is shown as it ended — it was shown "interrupted", a clean run."""
    running = [run for run in runs if run.get("status") == "running"]
    if not running:
        return runs
    if lock_held is None:
        lock_held = running_import(graph) is not None
    holder = graph.read("import/running_run") if lock_held else []
    alive = holder[0]["run_id"] if holder else None
    ended = {}
    if alive is None and read_again is not None:
        ended = {again["run_id"]: again for again in read_again()
                 if again.get("status") != "running"}  # fmt: skip
    for run in running:
        run_id = run.get("run_id")
        if run_id in ended:  # the same dict: the caller's list holds it
            run.clear()
            run.update(ended[run_id])
        elif run_id != alive:
            run.update(status="interrupted", status_in_ledger="running",
                       interrupted_because=NO_LOCK_HOLDER)  # fmt: skip
    return runs


def import_run(graph: TraceGraph, run_id: str) -> dict[str, Any]:
    """One run and the rows it changed: per row its table, key, file and line, and per changed
    column the old and the new value ("" for no value)."""
    rows = graph.read("ledger/import_run", run_id=run_id)
    if not rows:
        raise UnknownSubject(
            f"no import run {run_id!r}", hint="`tracegraph imports` lists the runs"
        )
    (run,) = checked_status(
        graph, [_run(rows[0]["run"])],
        read_again=lambda: [_run(r["run"]) for r in graph.read("ledger/import_run", run_id=run_id)],
    )  # fmt: skip
    run["changes"] = [
        {
            "table": c["table"], "key": c["key"], "file": c["file"], "line": c["line"],
            "columns": column_changes(c), "removed": bool(c.get("removed")),
            # only the run's source taken off the row's senders (full.drop_sources)
            "sources_only": bool(c.get("sources_only")),
        }
        for c in rows[0]["changes"]
    ]  # fmt: skip
    return run
