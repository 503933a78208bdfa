"""`tracegraph imports --rename-source OLD NEW`: a source's new name for its rows and runs.

A source's name is its identity: every row keeps the sources that sent it (`_sources`) and a
`--full` run compares its own source's rows only, so a source renamed (a mapping file renamed,
plant_erp.toml to erp.toml; --source changed) left the rows sent under the old name to no run:
its dump lacking them removed nothing (sources.unsent_notes says so). Renaming rewrites
`_sources` on every row naming OLD (batched, committed as it goes: rename_source_rows.cypher),
then, in one transaction, every ledger run and file of OLD takes NEW as its source — keeping
the old name as `source_renamed_from` — so that the other-sources checks, the older-export
check and the unchanged-file skip count OLD's runs as NEW's — and the ledger's SourceRename
node says who renamed what when. Under the import lock: no import writes meanwhile. A rename
killed part-way is finished by running it again (a renamed row no longer names OLD, and the
runs are renamed last); run again once done, it says so and changes nothing. NEW may be a
source that has runs already: the two are one source from then on.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tracegraph.account import os_account
from tracegraph.errors import ConfigurationError
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import holding_import_lock
from tracegraph.importing.sources import RENAME_FLAG, checked_source


@dataclass(frozen=True)
class Renamed:
    """What a rename changed: rows per table and runs; `merged`: NEW had runs before;
    `done_before`: nothing named OLD, as a rename to NEW that ended then left it."""

    old: str
    new: str
    rows: dict[str, int]
    runs: int
    merged: bool = False
    done_before: datetime | None = None


def rename_source(graph: TraceGraph, old: str, new: str) -> Renamed:
    """Rename source `old` to `new` on its rows and ledger runs (see the module's doc)."""
    old, new = checked_source(old, RENAME_FLAG), checked_source(new, RENAME_FLAG)
    if old == new:
        raise ConfigurationError(
            f"{RENAME_FLAG} {old} {new}: the old and the new name are the same",
            hint=f"`tracegraph imports {RENAME_FLAG} OLD NEW`; `tracegraph imports` lists the "
            "runs and their sources",
        )
    with holding_import_lock(graph, f"renaming source {old} to {new}"):
        runs = {row["source"]: row for row in graph.read("import/source_runs", run_id="")}
        if old not in runs:
            done = graph.read("import/source_renamed", old=old, new=new)
            if done:
                return Renamed(old, new, {}, 0, done_before=done[0]["ended_at"].to_native())
            raise ConfigurationError(
                f"no import run has source {old!r}: there is nothing to rename",
                hint="names are compared exactly (`Lab` is not `lab`); `tracegraph imports` "
                "lists the runs and their sources",
            )
        rename_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        graph.write("import/rename_source_start", props={
            "rename_id": rename_id, "old": old, "new": new, "started_at": datetime.now(UTC),
            "user": os_account(), "host": socket.gethostname(),
        })  # fmt: skip
        rows = {r["table"]: r["rows"] for r in graph.autocommit("import/rename_source_rows",
                                                                  old=old, new=new)}  # fmt: skip
        # the files and the runs in one transaction: OLD's runs count as NEW's from then on
        graph.write_all([
            ("import/rename_source_files", {"old": old, "new": new}),
            # this process's clock, as the runs' times are (not the server's)
            ("import/rename_source_runs", {"old": old, "new": new, "rename_id": rename_id,
                                           "rows": sum(rows.values()), "now": datetime.now(UTC)}),
        ])  # fmt: skip
    return Renamed(old, new, rows, runs[old]["runs"], merged=new in runs)


def current_names(graph: TraceGraph, run_id: str) -> dict[str, str]:
    """The names now of the sources run `run_id`'s file of removed rows names, where renamed
    since (old → its name now, following a rename of the new name too): a file written before
    a rename names the old one (restore.py; its rows came back under a source no run has, its
    spellings under none). Only the renames that ended after the run started, in order: a
    name renamed away and then taken by another system (A → B, a new A, A → C) is B in the
    first A's files — the new A's rename, or one before the run, is not theirs."""
    names: dict[str, str] = {}
    for row in graph.read("import/source_renames", run_id=run_id):
        old, new = row["old"], row["new"]
        names = {name: new if now == old else now for name, now in names.items()}
        names.setdefault(old, new)  # a name renamed away before: this `old` is another system
    return {old: new for old, new in names.items() if old != new}
