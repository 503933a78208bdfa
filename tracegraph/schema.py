"""Installing the graph schema: neomodel's constraints and indexes, then cypher/schema/*, then
the data migrations in cypher/migrate/*.

neomodel is configured here, at the edge, with the caller's driver and database; its global
connection is set just for the install.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import neomodel

from tracegraph import models, queries
from tracegraph.db import Driver, run_autocommit, run_write
from tracegraph.resources import resource_path

if TYPE_CHECKING:
    from tracegraph.graph import SchemaObject


def install(driver: Driver, database: str, migrate: bool = True) -> None:
    """Create every constraint and index the model declares; existing ones are left alone.
    `migrate`: then run the data migrations (see migrate_data), which an import runs later,
    holding the import lock."""
    neomodel.get_config().database_name = database
    neomodel.db.set_connection(driver=driver)
    # neomodel reports "already exists" for each existing object on this stream: db init reports
    # what changed from SHOW INDEXES before and after instead, so the stream is discarded.
    quiet = io.StringIO()
    for cls in models.NODE_CLASSES:
        neomodel.db.install_labels(cls, quiet=True, stdout=quiet)
    for path in sorted((resource_path("cypher") / "schema").glob("*.cypher")):
        run_autocommit(driver, database, queries.load(f"schema/{path.stem}"), {})
    if migrate:
        migrate_data(driver, database)


# What each data migration does to a node it changes, as `db init` and the import report it:
# "<count> <what>". A migration file without its entry here fails tests/test_migrations.py.
MIGRATION_CHANGES: dict[str, str] = {
    "alarm_event_id": "alarms keyed by their kind too",
    "device_event_device_id": "device events given their device's id",
    "device_event_utc_key": "device events keyed by their time in UTC",
    "import_run_files": "import runs given a node per file they read",
    "inspection_device_id": "inspections given their device's id",
    "inspection_operator_id": "inspections given their operator's id",
    "lot_material_id": "lots given their material's id",
    "lot_supplier_id": "lots given their supplier's id",
    "serial_gtin14": "serial numbers keyed by a GTIN-14 issuer",
    "step_device_id": "process steps given their device's id",
    "step_operator_id": "process steps given their operator's id",
}


# The data format an import writes, stamped on its ledger entry (ImportRun.format_level): an
# entry without it is an older version's, and one after the migrations ran is a rollback whose
# rows are keyed the old way (import/older_format_runs.cypher). Raise it with a new migration.
# 2: the ledger's files as ImportedFile nodes (migrate/import_run_files): a run of level 1 after
# that migration (a rollback) has its lists alone, and the file look-ups would miss it.
FORMAT_LEVEL = 2


@dataclass(frozen=True)
class Migrated:
    """What one data migration changed: how many nodes, and the keys of those it merged into
    another node of the same key (the removed node's values are in a MigrationChange node)."""

    name: str
    changed: int
    merged: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str, rows: list[dict[str, Any]] | None) -> Migrated:
        row = rows[0] if rows else {}
        return cls(name, int(row.get("changed") or 0), tuple(row.get("merged") or ()))

    def note(self) -> str:
        """One line: what it changed, and the merged keys (each with its record)."""
        what = MIGRATION_CHANGES.get(self.name, "nodes changed")
        line = f"data migration {self.name}: {self.changed:,} {what}"
        if self.merged:
            shown = ", ".join(self.merged[:5]) + (", …" if len(self.merged) > 5 else "")
            line += (
                f"; {len(self.merged):,} of them merged into the node already holding the key, "
                f"the later write's values kept ({shown}; what was removed: MigrationChange "
                "nodes)"
            )
        return line


def migration_names() -> list[str]:
    """The data migrations of cypher/migrate/, in the order they run (file names)."""
    return sorted(path.stem for path in (resource_path("cypher") / "migrate").glob("*.cypher"))


def migrate_data(driver: Driver, database: str) -> list[Migrated]:
    """Data written by older versions, brought up to what the model now expects: idempotent,
    but one at a time (the callers hold the import lock: two runs of migrate/alarm_event_id at
    once could both append an alarm's kind to its key). What each changed, in order.

    Each migration that ran to its end gets its Migration node (db/mark_migration_done): an
    import looks those of importing.run.IMPORT_MIGRATIONS up instead of running them once more
    after `db init` — a scan of every alarm, device event and serial. Marked after the run, so
    one cut short is run again by the next import. The others run at every `db init` whatever
    their node says (a node that nothing reads is harmless: `db status` counts it apart from
    the plant's data)."""
    done: list[Migrated] = []
    for name in migration_names():
        rows = run_autocommit(driver, database, queries.load(f"migrate/{name}"), {})
        run_write(driver, database, queries.load("db/mark_migration_done"),
                  {"name": name, "now": datetime.now(UTC)})  # fmt: skip
        done.append(Migrated.of(name, rows))
    return done


_NAMED = re.compile(r"(?:INDEX|CONSTRAINT)\s+(\w+)\s+IF NOT EXISTS")
# What a cypher/schema statement covers: its index type (or CONSTRAINT), the labels of its node
# pattern or the types of its relationship pattern, and the properties after ON / REQUIRE.
_CREATED = re.compile(
    r"CREATE\s+(?:(?P<type>\w+)\s+)?(?P<what>INDEX|CONSTRAINT)\s+(?P<name>\w+)\s+IF NOT EXISTS"
    r"\s+FOR\s+(?:\(\w*:(?P<labels>[\w|]+)\)|\(\)-\[\w*:(?P<types>[\w|]+)\]-\(\))"
    r"\s+(?:ON|REQUIRE)\s+(?P<on>[^\n]*)",
    re.IGNORECASE,
)

# What a constraint or index covers, as the server compares them: (index type or
# "constraint", NODE or RELATIONSHIP, labels or types, properties).
Covers = tuple[str, str, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Expected:
    """A constraint or index `install` creates: its name and what it covers."""

    name: str
    covers: Covers


def _covers(kind: str, entity: str, labels: Any, properties: Any) -> Covers:
    # a full-text index is the same whatever order its labels and properties are listed in; a
    # composite range index's property order is its sort order, so it is kept
    kind = kind.upper()
    props = tuple(sorted(properties)) if kind == "FULLTEXT" else tuple(properties)
    return kind, entity, tuple(sorted(labels)), props


# Indexes an older tracegraph made (neomodel's names for what its model declared then) that
# this version no longer uses, with what each covers: `db init` drops them, `db status` names
# them. One is dropped only when its name and what it covers both match, so an index a user
# made is never dropped: the server names an index made without a name `index_<8 hex digits>`,
# and one a user named would have to take this very name for this very label and property.
RETIRED: dict[str, Covers] = {
    # until ebbc090 (ae1bad0 still made it): lots are found by lot_material_created since
    "index_Lot_created_at": ("RANGE", "NODE", ("Lot",), ("created_at",)),
}


def retired(objects: list[SchemaObject]) -> list[str]:
    """The indexes of the database that an older tracegraph made and this one no longer uses
    (RETIRED: by name and by what they cover)."""
    return sorted(
        o.name
        for o in objects
        if o.kind != "constraint"
        and RETIRED.get(o.name) == _covers(o.kind, o.entity, o.labels_or_types, o.properties)
    )


@cache
def expected_objects() -> tuple[Expected, ...]:
    """Every constraint and index `install` creates: neomodel's (it names them
    `constraint_unique_<Label>_<property>` and `index_<Label or TYPE>_<property>`, range
    indexes) and those of cypher/schema/*."""
    objects: list[Expected] = []

    def declared(owner: str, entity: str, model: Any) -> None:
        for name, prop in model.defined_properties(aliases=False, rels=False).items():
            if prop.unique_index:
                covers = _covers("constraint", entity, (owner,), (name,))
                objects.append(Expected(f"constraint_unique_{owner}_{name}", covers))
            elif prop.index:
                covers = _covers("RANGE", entity, (owner,), (name,))
                objects.append(Expected(f"index_{owner}_{name}", covers))

    for cls in models.NODE_CLASSES:
        declared(cls.__label__, "NODE", cls)
        for rel in cls.defined_properties(aliases=False, properties=False).values():
            if rel.definition.get("model") is not None:  # a relationship with properties
                declared(rel.definition["relation_type"], "RELATIONSHIP", rel.definition["model"])
    for path in sorted((resource_path("cypher") / "schema").glob("*.cypher")):
        text = path.read_text(encoding="utf-8")
        parsed = {m["name"]: m for m in _CREATED.finditer(text)}
        unread = set(_NAMED.findall(text)) - set(parsed)
        if unread:  # a new statement's shape: teach _CREATED, or `db status` misses it
            raise RuntimeError(f"{path.name}: cannot tell what {', '.join(sorted(unread))} covers")
        for name, m in parsed.items():
            kind = "constraint" if m["what"].upper() == "CONSTRAINT" else (m["type"] or "RANGE")
            entity = "NODE" if m["labels"] else "RELATIONSHIP"
            owners = (m["labels"] or m["types"]).split("|")
            on = m["on"].split(" IS ")[0]
            objects.append(
                Expected(name, _covers(kind, entity, owners, re.findall(r"\.(\w+)", on)))
            )
    # neomodel declares a property on each class with it: one object per name
    return tuple({o.name: o for o in objects}.values())


def expected_names() -> frozenset[str]:
    """The names of every constraint and index `install` creates (see expected_objects)."""
    return frozenset(o.name for o in expected_objects())


def covered(obj: SchemaObject) -> set[Covers]:
    """What one object of the database serves: a uniqueness constraint's own range index
    serves the seeks a range index on the same properties would (the server refuses to make
    that index beside it)."""
    entity, labels, props = obj.entity, obj.labels_or_types, obj.properties
    if obj.kind == "constraint":
        return {
            _covers("constraint", entity, labels, props),
            _covers("RANGE", entity, labels, props),
        }
    return {_covers(obj.kind, entity, labels, props)}


@dataclass(frozen=True)
class SchemaGaps:
    missing: list[str]  # expected, and nothing in the database covers it
    other_names: dict[str, str]  # expected name -> the object of another name that covers it


def schema_gaps(objects: list[SchemaObject]) -> SchemaGaps:
    """Which of the model's constraints and indexes the database lacks, compared by what they
    cover, not only by name: an index an analyst made by hand on Lot.status, or one an older
    version named otherwise, is the index the model wants. By name alone, every import found it
    "missing", ran `install` (which the server answers with "an equivalent index exists") and
    said so again, night after night."""
    names = {o.name for o in objects}
    by_cover: dict[Covers, str] = {}
    for obj in sorted(objects, key=lambda o: o.name):
        for covers in covered(obj):
            by_cover.setdefault(covers, obj.name)
    missing: list[str] = []
    other: dict[str, str] = {}
    for expected in expected_objects():
        if expected.name in names:
            continue
        if expected.covers in by_cover:
            other[expected.name] = by_cover[expected.covers]
        else:
            missing.append(expected.name)
    return SchemaGaps(sorted(missing), dict(sorted(other.items())))
