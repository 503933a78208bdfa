"""What `db status` tells an operator beyond the counts: the local server's process, memory
settings and disk, constraints and indexes the graph model expects but the database lacks,
and the imports — one running now, and how the last one ended.

An administrator checking the plant's server in the morning had the version and the counts
only: not which server answered, its pid, heap or free disk, not that an upgrade's new index
was missing (only `db init` by hand showed it), not whether last night's import finished.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tracegraph import lifecycle, server
from tracegraph.graph import TraceGraph
from tracegraph.importing.ledger import import_runs
from tracegraph.importing.run import running_import
from tracegraph.schema import FORMAT_LEVEL, migration_names, retired, schema_gaps

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class LocalServer:
    """The server `tracegraph db up` runs from a home, when it is the one that answered."""

    home: str
    pid: int | None
    heap: str
    pagecache: str
    store_bytes: int  # the home's data folder (databases and transaction logs) on disk
    disk_free_bytes: int  # free space on the file system that holds it
    bolt_port: int
    data_folder: str
    from_extra_conf: list[str]  # which of bolt_port, http_port, heap, pagecache, data it set


@dataclass(frozen=True)
class Health:
    local: LocalServer | None
    schema_missing: list[str]  # constraints and indexes the model expects, not in the database
    schema_not_online: list[str]  # populating or failed: queries fall back to label scans
    # the model's name -> the database's object of another name that covers the same (by hand)
    schema_other_names: dict[str, str]
    schema_retired: list[str]  # indexes an older tracegraph made, no longer used (db init drops)
    running_import: str | None  # what holds the import lock now
    last_import: dict[str, Any] | None  # the newest ImportRun: id, status, times, counts
    # DeviceEvents not yet KeyedDeviceEvents: while any is, device queries read every event of
    # the device instead of seeking the index (slow on a long alarm log)
    unkeyed_device_events: int = 0
    # data migrations of cypher/migrate/ without their Migration node: never run to their end
    migrations_pending: list[str] = field(default_factory=list)
    # the highest data format an import stamped (ImportRun.format_level; None: none stamped),
    # and Migration nodes of migrations this tracegraph does not have: a newer one's store
    format_level: int | None = None
    unknown_migrations: list[str] = field(default_factory=list)

    @property
    def store_is_newer(self) -> bool:
        """A newer tracegraph wrote the store: this one may read its keys wrongly."""
        newer_level = self.format_level is not None and self.format_level > FORMAT_LEVEL
        return newer_level or bool(self.unknown_migrations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "local_server": asdict(self.local) if self.local else None,
            "schema": {
                "missing": self.schema_missing,
                "not_online": self.schema_not_online,
                "other_names": self.schema_other_names,
                "retired": self.schema_retired,
            },
            "running_import": self.running_import,
            "last_import": self.last_import,
            "unkeyed_device_events": self.unkeyed_device_events,
            "migrations_pending": self.migrations_pending,
            "format_level": {
                "store": self.format_level,
                "this_tracegraph": FORMAT_LEVEL,
                "store_is_newer": self.store_is_newer,
                "unknown_migrations": self.unknown_migrations,
            },
        }


def local_server(home: Path | None, uri: str) -> LocalServer | None:
    """The home's local server, if `uri` is its Bolt port on this machine (NEO4J_URI may name
    another server, and a Docker home's server is the container's), with the settings it runs
    with: neo4j-extra.conf's where it sets them (see server.effective_settings)."""
    if home is None or lifecycle.backend_of(home) != "local":
        return None
    effective = server.effective_settings(home)
    parsed = urlparse(uri)
    if (effective is None or parsed.hostname not in _LOCAL_HOSTS
            or parsed.port != effective.bolt_port):  # fmt: skip
        return None
    data = effective.data
    return LocalServer(
        home=str(home),
        pid=server.running_pid(home),
        heap=effective.heap,
        pagecache=effective.pagecache,
        store_bytes=folder_bytes(data),
        disk_free_bytes=shutil.disk_usage(data if data.exists() else home).free,
        bolt_port=effective.bolt_port,
        data_folder=str(data),
        from_extra_conf=list(effective.from_extra_conf),
    )


def folder_bytes(folder: Path) -> int:
    """The size of the files under `folder` (a server's data folder: its store on disk)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:  # a transaction log rotated away while we looked
            continue
    return total


def health(graph: TraceGraph, home: Path | None) -> Health:
    objects = graph.schema_objects()
    gaps = schema_gaps(objects)
    running = running_import(graph)
    # the lock just tried tells whether a last import marked running still runs
    last = import_runs(graph, limit=1, lock_held=running is not None)
    pending, unknown = _migrations(graph)
    return Health(
        local=local_server(home, graph.server),
        schema_missing=gaps.missing,
        schema_not_online=sorted(o.name for o in objects if o.state != "ONLINE"),
        schema_other_names=gaps.other_names,
        schema_retired=retired(objects),
        running_import=running,
        last_import=_last_import(last[0]) if last else None,
        unkeyed_device_events=graph.read("db/unkeyed_device_events")[0]["unkeyed"],
        migrations_pending=pending,
        format_level=graph.read("db/format_level")[0]["level"],
        unknown_migrations=unknown,
    )


def _migrations(graph: TraceGraph) -> tuple[list[str], list[str]]:
    """The data migrations without their Migration node, on a graph that holds data; and the
    Migration nodes of migrations this tracegraph does not have (a newer one ran them)."""
    (done,) = graph.read("db/migrations_done")
    known, ran = set(migration_names()), set(done["names"])
    return sorted(known - ran) if done["data_nodes"] > 0 else [], sorted(ran - known)


def _last_import(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "status", "started_at", "ended_at", "user", "host", "rows_read",
            "rows_written", "rows_rejected", "counts_partial", "error", "status_in_ledger",
            "interrupted_because")  # fmt: skip
    return {key: run.get(key) for key in keys}
