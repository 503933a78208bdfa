"""TraceGraph: the library's entry point. Pass a driver in; every method runs named queries.

from tracegraph.config import load_settings
from tracegraph.db import connect
from tracegraph.graph import TraceGraph

settings = load_settings()
graph = TraceGraph(connect(settings), database=settings.database, server=settings.server)
print(graph.status())
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tracegraph import queries, schema
from tracegraph.db import (
    Driver,
    Record,
    held_lock,
    lock_is_free,
    run_autocommit,
    run_read,
    run_write,
    run_write_all,
    run_write_records,
    translated_errors,
)
from tracegraph.errors import DatabaseError
from tracegraph.models import BOOKKEEPING_LABELS, LEDGER_LABELS, LEDGER_RELATIONSHIP_TYPES
from tracegraph.values import iso_seconds

# How long each try of the import lock waits (import_lock_free): a try that times out may only
# mean a slow server — under heavy load a 1 s try timed out with nothing holding the lock, so
# `db down` refused to stop and `imports` showed an interrupted run as running. A second, longer
# try tells the two apart, at the cost of a few seconds' wait while an import does run; an
# answer's check (import_under_way) makes only the first, not to wait 6 s to warn.
IMPORT_LOCK_TRIES = (1.0, 5.0)


@dataclass(frozen=True)
class SchemaObject:
    name: str
    kind: str  # "constraint" or the index type (RANGE, FULLTEXT, …)
    entity: str  # NODE or RELATIONSHIP
    labels_or_types: tuple[str, ...]
    properties: tuple[str, ...]
    state: str


@dataclass(frozen=True)
class SchemaReport:
    created: tuple[SchemaObject, ...]
    existing: tuple[SchemaObject, ...]


@dataclass(frozen=True)
class Status:
    server: str
    database: str
    version: str
    edition: str
    total_nodes: int
    total_relationships: int
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    # models.BOOKKEEPING_LABELS' counts: in neither total_nodes nor nodes
    bookkeeping_nodes: dict[str, int] = field(default_factory=dict)
    # models.LEDGER_LABELS' counts, those above 0 (in total_nodes and nodes too, as before
    # they were told apart), and the nodes of neither: the plant's
    ledger_nodes: dict[str, int] = field(default_factory=dict)
    plant_nodes: int = 0
    stub_lots: int = 0  # of nodes["Lot"]: lots no lots row sent (origin_known false)
    # models.LEDGER_RELATIONSHIP_TYPES' counts, those above 0 (in total_relationships and
    # relationships too), and the relationships of neither: the plant's
    ledger_relationships: dict[str, int] = field(default_factory=dict)
    plant_relationships: int = 0

    @property
    def plant_labels(self) -> dict[str, int]:
        """nodes without the ledgers' labels."""
        return {label: n for label, n in self.nodes.items() if label not in LEDGER_LABELS}

    @property
    def plant_relationship_types(self) -> dict[str, int]:
        """relationships without the ledgers' types."""
        return {t: n for t, n in self.relationships.items() if t not in LEDGER_RELATIONSHIP_TYPES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "database": self.database,
            "version": self.version,
            "edition": self.edition,
            "total_nodes": self.total_nodes,
            "total_relationships": self.total_relationships,
            "nodes": self.nodes,
            "relationships": self.relationships,
            "bookkeeping_nodes": self.bookkeeping_nodes,
            "ledger_nodes": self.ledger_nodes,
            "plant_nodes": self.plant_nodes,
            "stub_lots": self.stub_lots,
            "ledger_relationships": self.ledger_relationships,
            "plant_relationships": self.plant_relationships,
        }


class TraceGraph:
    """The traceability graph in one Neo4j database."""

    def __init__(self, driver: Driver, database: str = "neo4j", server: str = "Neo4j") -> None:
        self.driver = driver
        self.database = database
        self.server = server
        # import/running_run's rows, when the connection's check read them (cli.context)
        self.running_at_start: list[Record] | None = None

    # -- running named queries, with errors translated -----------------------------------------

    def read(self, name: str, /, **params: Any) -> list[Record]:
        with translated_errors(self.server, self.database):
            return run_read(self.driver, self.database, queries.load(name), params)

    def write(self, name: str, /, **params: Any) -> dict[str, int]:
        with translated_errors(self.server, self.database):
            return run_write(self.driver, self.database, queries.load(name), params)

    def write_all(self, statements: list[tuple[str, dict[str, Any]]]) -> None:
        """Named queries with their parameters, in one transaction."""
        with translated_errors(self.server, self.database):
            run_write_all(self.driver, self.database, [(queries.load(n), p) for n, p in statements])

    @contextlib.contextmanager
    def held_lock(self, name: str, /, wait_seconds: float, **params: Any) -> Iterator[bool]:
        """Hold the write lock the named query takes while the block runs (see db.held_lock);
        False when another holder keeps it for `wait_seconds`."""
        with (
            translated_errors(self.server, self.database),
            held_lock(self.driver, self.database, queries.load(name), params, wait_seconds) as held,
        ):
            yield held

    def lock_is_free(self, name: str, /, wait_seconds: float, **params: Any) -> bool:
        """Whether the write lock the named query takes is free (see db.lock_is_free)."""
        with translated_errors(self.server, self.database):
            return lock_is_free(self.driver, self.database, queries.load(name), params,
                                wait_seconds)  # fmt: skip

    def write_records(self, name: str, /, **params: Any) -> list[Record]:
        with translated_errors(self.server, self.database):
            return run_write_records(self.driver, self.database, queries.load(name), params)

    def autocommit(self, name: str, /, **params: Any) -> list[Record]:
        with translated_errors(self.server, self.database):
            return run_autocommit(self.driver, self.database, queries.load(name), params)

    def import_lock_free(self, tries: int) -> bool:
        """Whether the import lock is free, tried up to `tries` times (waiting 1 s, then 5 s:
        IMPORT_LOCK_TRIES) in transactions that are rolled back. DatabaseError: no lock node
        (no import ever ran here), or a user who may not write."""
        return any(
            self.lock_is_free("import/take_lock", wait_seconds=wait, token="probe")  # noqa: S106
            for wait in IMPORT_LOCK_TRIES[:tries]
        )

    def import_warnings(self) -> list[str]:
        """import_under_way's warning as a list, none when no import runs: said after an
        answer was read from this graph, on stderr and in the JSON's `warnings`."""
        said = self.import_under_way()
        return [said] if said else []

    def import_under_way(self) -> str | None:
        """A warning for an answer read while an import writes the graph (it may be half
        written: a trace during a nightly import reached 52 lots / 10 customers, 158 / 17 after
        it, with nothing said), naming the run and when it started; None when none runs.

        The ledger's running entry is read by the check every connection makes (a command's
        graph: running_at_start), at no cost to a narrow trace (a separate read was ~1 ms, a
        quarter of it); only when there is one is the import lock tried (1 s), as a killed
        import's entry stays marked running until the next import."""
        return running_text(self.running_import())

    def running_import(self) -> dict[str, Any] | None:
        """The import writing the graph now (run_id, user, host, started_at), None when none
        runs: import_under_way's run, for a recall to record what it was read during."""
        rows = self.running_at_start
        if rows is None:
            rows = self.read("import/running_run")
        if not rows:
            return None
        try:
            free = self.import_lock_free(tries=1)
        except DatabaseError:  # no lock node, or a user who may not write
            free = False
        if free:
            return None  # a killed import's entry: nothing writes now
        return dict(rows[0])

    # -- database administration --------------------------------------------------------------

    def status(self) -> Status:
        info = self.read("db/server_info")
        kernel = next((r for r in info if r["name"] == "Neo4j Kernel"), info[0])
        counts = self.read("db/graph_counts")[0]
        labels = {r["label"]: int(r["count"]) for r in sorted(counts["nodes"], key=_by("label"))}
        # a bookkeeping label without a node (SourcedTable once its marks went) is not listed
        books = {label: n for label in BOOKKEEPING_LABELS if (n := labels.pop(label, 0))}
        ledger = {label: n for label in LEDGER_LABELS if (n := labels.get(label, 0))}
        total = int(counts["total_nodes"] or 0) - sum(books.values())
        types = {
            r["type"]: int(r["count"]) for r in sorted(counts["relationships"], key=_by("type"))
        }
        ledger_types = {t: n for t in LEDGER_RELATIONSHIP_TYPES if (n := types.get(t, 0))}
        relationships = int(counts["total_relationships"] or 0)
        return Status(
            server=self.server,
            database=self.database,
            version=str(kernel["version"]),
            edition=str(kernel["edition"]),
            # a bookkeeping node has its one label (models.BOOKKEEPING_LABELS): its count is
            # the number of nodes to take from the total
            total_nodes=total,
            total_relationships=relationships,
            nodes=labels,
            bookkeeping_nodes=books,
            ledger_nodes=ledger,
            # a ledger node has its one label too
            plant_nodes=total - sum(ledger.values()),
            stub_lots=int(self.read("db/stub_lots")[0]["stubs"]),
            relationships=types,
            ledger_relationships=ledger_types,
            plant_relationships=relationships - sum(ledger_types.values()),
        )

    def schema_objects(self) -> list[SchemaObject]:
        return [
            SchemaObject(
                name=r["name"],
                kind="constraint" if r["constraint"] else str(r["type"]),
                entity=str(r["entityType"]),
                labels_or_types=tuple(r["labelsOrTypes"] or ()),
                properties=tuple(r["properties"] or ()),
                state=str(r["state"]),
            )
            for r in self.read("db/schema_objects")
        ]

    def init_schema(self, migrate: bool = True) -> SchemaReport:
        """Install constraints and indexes, when any is missing (else nothing is written);
        running it again creates nothing. `migrate`: and run the data migrations
        (migrate_data)."""
        objects = self.schema_objects()
        before = {o.name for o in objects}
        with translated_errors(self.server, self.database):
            # no schema write when every object is there: CREATE … IF NOT EXISTS takes the
            # schema lock even when it creates nothing, and waits behind a running import
            if schema.schema_gaps(objects).missing:
                schema.install(self.driver, self.database, migrate=False)
            if migrate:
                schema.migrate_data(self.driver, self.database)
        after = self.schema_objects()
        return SchemaReport(
            created=tuple(o for o in after if o.name not in before),
            existing=tuple(o for o in after if o.name in before),
        )

    def drop_retired(self) -> list[str]:
        """Drop the indexes an older tracegraph made that this one no longer uses (see
        schema.RETIRED); their names. No schema write when there are none."""
        dropped = schema.retired(self.schema_objects())
        for name in dropped:
            self.autocommit("db/drop_index", name=name)
        return dropped

    def migrate_data(self) -> list[schema.Migrated]:
        """The data migrations of cypher/migrate/, one after another (see schema.migrate_data);
        what each changed."""
        with translated_errors(self.server, self.database):
            return schema.migrate_data(self.driver, self.database)

    def reset(
        self, keep_schema: bool = False, data_deleted: Callable[[], Any] | None = None
    ) -> None:
        """Delete all nodes and relationships; unless keep_schema, constraints and indexes too.
        `data_deleted`, when given, is a context manager entered around deleting the data and
        the schema but the import lock node and its constraint (the CLI holds the import lock
        there, see importing.run): the schema dropped after it let go went from under an
        import that had started meanwhile, which wrote 76k rows with no constraint."""
        with data_deleted() if data_deleted else contextlib.nullcontext():
            self.autocommit("db/delete_all_relationships")
            self.autocommit("db/delete_all_data", keep_labels=[LOCK_LABEL])
            if not keep_schema:
                self._drop_schema(lock=False)
        # Only the lock's node and its constraint: an import that took the lock as it was let
        # go has the schema back and rows written, which deleting everything again (and every
        # constraint) took from under it.
        self.write("db/delete_import_lock")
        if not keep_schema:
            self._drop_schema(lock=True)

    def _drop_schema(self, lock: bool) -> None:
        """Drop the constraints, then the indexes: of the import lock's label, or of the rest."""
        for kind_is_constraint in (True, False):
            for obj in self.schema_objects():
                if (LOCK_LABEL in obj.labels_or_types) is not lock:
                    continue
                if kind_is_constraint and obj.kind == "constraint":
                    self.autocommit("db/drop_constraint", name=obj.name)
                elif not kind_is_constraint:
                    self.autocommit("db/drop_index", name=obj.name)


LOCK_LABEL = "ImportLock"  # the node imports take turns on (importing.run._import_lock)


def _by(key: str) -> Any:
    return lambda row: row[key]


def running_text(run: dict[str, Any] | None) -> str | None:
    """The warning for an answer read while the import `run` (TraceGraph.running_import) wrote
    the graph; None when none ran."""
    if run is None:
        return None
    return (
        f"an import is running (run {run['run_id']} by {run['user']}@{run['host']}, started "
        f"{iso_seconds(run['started_at'])}): this answer was read from a graph it is still "
        "writing, and may miss lots, shipments and quantities (run it again once the import "
        "has ended)"
    )
