"""The graph model, as neomodel classes: the schema of record.

`tracegraph db init` installs the uniqueness constraints (`unique_index=True`) and range
indexes (`index=True`) declared here; schema.py adds the few that neomodel cannot express.
The importers write with batched Cypher (cypher/*.cypher), not through these classes, because
a million lots do not go through an object mapper; these classes keep labels, relationship
types and property names in one reviewed place, and serve analysts who script in Python.

Identifiers are text everywhere: ERP lot numbers keep their leading zeros (`000123`).
Times are stored as zoned datetimes, quantities as floats in the unit named beside them.
"""

from __future__ import annotations

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    RelationshipFrom,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)

# --- relationships that carry data -----------------------------------------------------------


class QuantityRel(StructuredRel):
    """How much of a lot went into a step, came out of it, or left on a shipment."""

    quantity = FloatProperty()
    uom = StringProperty()


class SuppliedBy(StructuredRel):
    """The supplier's own lot number lives on the edge: one supplier lot, one receipt."""

    supplier_lot = StringProperty(index=True)
    received_at = DateTimeProperty()
    # where the lot was received: its location_id when first imported as received, kept when a
    # later row moves the lot (its AT edge); none for receipts imported before it was kept.
    # Indexed: an import keeps a location a receipt names (delete_orphan_references.cypher)
    received_location_id = StringProperty(index=True)


# --- master data -----------------------------------------------------------------------------


class Material(StructuredNode):
    material_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    uom = StringProperty()
    kind = StringProperty(index=True)  # raw, intermediate, finished, packaging


class Supplier(StructuredNode):
    supplier_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    country = StringProperty()


class Customer(StructuredNode):
    customer_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    contact = StringProperty()
    country = StringProperty()


class Location(StructuredNode):
    location_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    kind = StringProperty()
    gln = StringProperty(index=True)  # GS1 Global Location Number


class Device(StructuredNode):
    device_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()
    kind = StringProperty()
    at = RelationshipTo("Location", "AT")
    events = RelationshipFrom("DeviceEvent", "OF_DEVICE")


class DeviceEvent(StructuredNode):
    """Calibration, maintenance or alarm; event_id is derived from device, event and time.

    Also labelled KeyedDeviceEvent once it carries device_id (the import writes both; `db init`
    adds them to events of older versions): while some DeviceEvent is not, queries read a
    device's events from the device instead of the index device_event_device_time."""

    event_id = StringProperty(unique_index=True, required=True)
    # The id of the Device its OF_DEVICE edge points to, repeated here for the composite index
    # device_event_device_time (cypher/schema/): a device's events in a window, from the index.
    device_id = StringProperty()
    # indexed for an analyst's "every alarm"; the queries seek device_event_device_time
    event = StringProperty(required=True, index=True)
    at = DateTimeProperty(index=True)
    result = StringProperty()
    device = RelationshipTo("Device", "OF_DEVICE")


class Operator(StructuredNode):
    operator_id = StringProperty(unique_index=True, required=True)
    name = StringProperty()


class WorkOrder(StructuredNode):
    work_order_id = StringProperty(unique_index=True, required=True)


# --- lots and their identities ---------------------------------------------------------------


class Lot(StructuredNode):
    """A quantity of one material with one history: the unit of traceability."""

    lot_id = StringProperty(unique_index=True, required=True)
    # The id of the Material its OF edge points to, repeated here for the composite index
    # lot_material_created (cypher/schema/): lots of a material in a time window, from the index.
    material_id = StringProperty()
    quantity = FloatProperty()
    uom = StringProperty()
    created_at = DateTimeProperty()  # indexed with material_id, see lot_material_created
    expires_at = DateTimeProperty()
    status = StringProperty(index=True)  # released, hold, rejected
    # False for a stub created because a row referred to a lot older than the dump.
    origin_known = BooleanProperty(default=True, index=True)

    material = RelationshipTo("Material", "OF")
    supplied_by = RelationshipTo("Supplier", "SUPPLIED_BY", model=SuppliedBy)
    stored_at = RelationshipTo("Location", "AT")
    input_to = RelationshipTo("ProcessStep", "INPUT_TO", model=QuantityRel)
    produced_by = RelationshipFrom("ProcessStep", "PRODUCED", model=QuantityRel)
    shipped = RelationshipTo("Shipment", "SHIPPED", model=QuantityRel)
    identifiers = RelationshipFrom("Identifier", "IDENTIFIES")
    inspections = RelationshipFrom("Inspection", "OF_LOT")


class Identifier(StructuredNode):
    """One name a lot is known by besides lot_id, so that any of them finds it.

    scheme: supplier_lot (from lots), or one of tracegraph.identities.SCHEMES (from
    lot_identifiers): tlc (FSMA traceability lot code), gtin_lot, serial, customer_lot, other.
    issuer: who issued the value (the supplier id for a supplier lot, the GTIN-14 for gtin_lot).
    key = scheme|issuer|value, unique; value alone is indexed for look-ups by a bare number.
    """

    key = StringProperty(unique_index=True, required=True)
    scheme = StringProperty(required=True)
    issuer = StringProperty()
    value = StringProperty(index=True, required=True)
    lot = RelationshipTo("Lot", "IDENTIFIES")


# --- events: production, inspection, shipping ------------------------------------------------


class ProcessStep(StructuredNode):
    """A production, split, merge, repack or rework step; extra columns are its parameters."""

    step_id = StringProperty(unique_index=True, required=True)
    operation = StringProperty(index=True, required=True)
    started_at = DateTimeProperty(index=True, required=True)
    ended_at = DateTimeProperty()

    inputs = RelationshipFrom("Lot", "INPUT_TO", model=QuantityRel)
    outputs = RelationshipTo("Lot", "PRODUCED", model=QuantityRel)
    device = RelationshipTo("Device", "ON")
    operator = RelationshipTo("Operator", "BY")
    work_order = RelationshipTo("WorkOrder", "FOR")
    location = RelationshipTo("Location", "AT")


class Inspection(StructuredNode):
    inspection_id = StringProperty(unique_index=True, required=True)
    test = StringProperty(required=True)
    result = StringProperty(index=True, required=True)  # pass, fail
    inspected_at = DateTimeProperty(index=True, required=True)
    value = StringProperty()
    unit = StringProperty()

    lot = RelationshipTo("Lot", "OF_LOT")
    step = RelationshipTo("ProcessStep", "DURING")
    device = RelationshipTo("Device", "ON")
    operator = RelationshipTo("Operator", "BY")


class Shipment(StructuredNode):
    shipment_id = StringProperty(unique_index=True, required=True)
    shipped_at = DateTimeProperty(index=True, required=True)
    carrier = StringProperty()
    reference_doc = StringProperty(index=True)

    customer = RelationshipTo("Customer", "TO")
    from_location = RelationshipTo("Location", "FROM")
    lots = RelationshipFrom("Lot", "SHIPPED", model=QuantityRel)


# --- ledgers ---------------------------------------------------------------------------------


class ImportRun(StructuredNode):
    """One run of `tracegraph import`: what was read, what was written, what was rejected."""

    run_id = StringProperty(unique_index=True, required=True)
    started_at = DateTimeProperty(index=True)
    ended_at = DateTimeProperty()
    # running, done, failed, unchanged, interrupted (killed); indexed: every command's connection
    # looks up the running one (import/running_run), which scanned every ImportRun
    status = StringProperty(index=True)
    user = StringProperty()
    host = StringProperty()
    files = ArrayProperty(StringProperty())
    sha256 = ArrayProperty(StringProperty())
    rows_read = IntegerProperty()
    rows_written = IntegerProperty()
    rows_rejected = IntegerProperty()
    rows_updated = IntegerProperty()  # rows that changed what the graph held
    counts_json = StringProperty()  # per table: read / written / rejected / changed / updated
    # the data format it wrote (schema.FORMAT_LEVEL); indexed: `db status` reads the highest
    # (db/format_level.cypher), which scanned every run
    format_level = IntegerProperty(index=True)
    changes = RelationshipTo("RowChange", "CHANGED")
    read = RelationshipTo("ImportedFile", "READ")


class ImportedFile(StructuredNode):
    """One file an import run read (or skipped as unchanged), `(run)-[:READ]->(file)`, with
    what the run's parallel lists hold of it (file_names, sha256, fingerprints, file_tables,
    files) and the run's started_at and source: the ledger's look-ups by file name, content
    and path seek it on an index (cypher/schema/imported_file_*), where the lists of every
    run were read (list elements cannot be indexed). Written with the run (start_files); `clean`
    and the local-time fields when it ends (files_finished)."""

    file_id = StringProperty(unique_index=True, required=True)  # "<run_id>|<position>"
    run_id = StringProperty(required=True)
    position = IntegerProperty()  # its place in the run's lists: the later of two of one name
    name = StringProperty()
    path = StringProperty()  # absolute, as the run's `files`
    table = StringProperty()  # the table its name is (lots_2.csv: lots); none before file_tables
    sha256 = StringProperty()
    fingerprint = StringProperty()  # content and settings (run._fingerprint)
    clean = BooleanProperty()  # the run ended done and the file had no reject
    started_at = DateTimeProperty()
    source = StringProperty()
    timezone = StringProperty()
    # set only where the run read times without an offset from it: the tables it read them
    # into, and its path again (a property of such files alone: previous_zone_of_file's seek)
    local_time_path = StringProperty()
    local_time_tables = ArrayProperty(StringProperty())


class SourceRename(StructuredNode):
    """One `tracegraph imports --rename-source OLD NEW` (importing/rename.py): who asked, from
    where, when it started and ended, how many rows and runs it renamed. One without `ended_at`
    was stopped part-way; the rename run again ends it (`finished_by`)."""

    rename_id = StringProperty(unique_index=True, required=True)
    old = StringProperty(required=True)
    new = StringProperty(required=True)
    started_at = DateTimeProperty()
    ended_at = DateTimeProperty()
    user = StringProperty()
    host = StringProperty()
    rows = IntegerProperty()
    runs = IntegerProperty()
    finished_by = StringProperty()


class ImportLock(StructuredNode):
    """The one node an import holds a write lock on while it runs, so that two imports never
    write at once (tracegraph/importing/run.py). It holds no data: the lock lives in a
    transaction that is never committed, and goes with it when the importer ends or dies."""

    name = StringProperty(unique_index=True, required=True)


class SourcedTable(StructuredNode):
    """A canonical table found to hold no row written before rows kept their sources (no
    `_sources`): a --full run skips its look for such rows, a scan of the table's label while
    none is left (importing/sources.py legacy_tables; cypher/import/mark_sourced_tables.cypher
    says why a mark stays true, sourced_tables.cypher when it is not trusted)."""

    table = StringProperty(unique_index=True, required=True)
    at = DateTimeProperty()  # when it was found: a rollback's runs after it void it


class Migration(StructuredNode):
    """A data migration (cypher/migrate/) that ran to its end on this database, written by
    `db init` and by an import: for those an import must not start without, it looks this node
    up instead of scanning what the migration changes (see importing.run._migrated)."""

    name = StringProperty(unique_index=True, required=True)
    done_at = DateTimeProperty()


class MigrationChange(StructuredNode):
    """A node a data migration (cypher/migrate/) removed by merging it into the node already
    holding its new key (one record written twice, under an old key and the new one): the
    key, the removed node's old key, the columns whose values differed, and the kept and the
    removed value of each as text ("" for no value), in the same order. The audit trail's
    record of a deletion no import made."""

    change_id = StringProperty(unique_index=True, required=True)  # "migration-" and a UUID
    migration = StringProperty(required=True)
    at = DateTimeProperty()
    key = StringProperty(required=True)
    removed_key = StringProperty()
    columns = ArrayProperty(StringProperty())
    kept = ArrayProperty(StringProperty())
    removed = ArrayProperty(StringProperty())


class RowChange(StructuredNode):
    """One row of an import that changed what the graph held: its columns that differ, with the
    old and the new value of each as text ("" for no value), in the same order."""

    change_id = StringProperty(unique_index=True, required=True)  # the run id and a random part
    run_id = StringProperty(required=True)
    table = StringProperty(required=True)
    key = StringProperty(required=True)  # a link row's as "step_id|lot_id"
    # the lot the row is about (a lots row's key, a link's lot), which outlives the ABOUT edge
    # of a lot a --full run deleted: `lot show` of the lot back finds its history by it
    lot_id = StringProperty(index=True)
    file = StringProperty()
    line = IntegerProperty()
    columns = ArrayProperty(StringProperty())
    before = ArrayProperty(StringProperty())
    after = ArrayProperty(StringProperty())
    about = RelationshipTo("StructuredNode", "ABOUT")


class Recall(StructuredNode):
    """A recall or a mock-recall drill, and how long it took to locate the affected quantity."""

    recall_id = StringProperty(unique_index=True, required=True)
    created_at = DateTimeProperty(index=True)
    created_by = StringProperty()
    drill = BooleanProperty(default=False)
    duration_s = FloatProperty()
    located_share = FloatProperty()  # none when a source has no quantity of its own
    sources_without_quantity = ArrayProperty(StringProperty())
    source_lots = ArrayProperty(StringProperty())
    sources = RelationshipTo("Lot", "SOURCE")
    # every other lot a recall (not a drill) reached: `lot show` of a bottle lot inside a
    # recall said nothing of it, and `check` finds what was shipped after
    affects = RelationshipTo("Lot", "AFFECTS")


NODE_CLASSES: tuple[type[StructuredNode], ...] = (
    Material, Supplier, Customer, Location, Device, DeviceEvent, Operator, WorkOrder,
    Lot, Identifier, ProcessStep, Inspection, Shipment, ImportRun, ImportedFile, ImportLock,
    Migration, MigrationChange, RowChange, Recall, SourceRename, SourcedTable,
)  # fmt: skip

# Nodes that keep the tool's own books and hold nothing of the plant: the import lock's node,
# the Migration nodes (a database `db init` just made holds them) and the SourcedTable marks.
# `db status` lists them apart and leaves them out of its total, on which the test suite decides
# whether a database holds data it must not wipe. The import and recall ledgers (ImportRun,
# RowChange, Recall) are not among them: the audit trail of what was written and recalled.
BOOKKEEPING_LABELS: tuple[str, ...] = ("ImportLock", "Migration", "SourcedTable")

# The ledgers: what the imports read and wrote (ImportRun, ImportedFile, RowChange), renamed
# (SourceRename) and migrated away (MigrationChange), and the recalls made (Recall). Records of
# the tool's work, not of the plant: `db status` counts them apart from the plant's nodes (a
# 3,009-lot plant's 13,431 nodes held 6,318 of them), and the Browser draws them muted.
LEDGER_LABELS: tuple[str, ...] = (
    "ImportRun", "ImportedFile", "RowChange", "SourceRename", "MigrationChange", "Recall",
)  # fmt: skip

# The ledgers' relationship types: a run's files (READ) and row changes (CHANGED), a change's
# node (ABOUT), a recall's source lots (SOURCE) and the lots it reached (AFFECTS). Each begins
# at a ledger node, none is the plant's: `db status` counts them apart from the plant's
# relationships from the count store's per-type counts (no scan).
LEDGER_RELATIONSHIP_TYPES: tuple[str, ...] = ("READ", "CHANGED", "ABOUT", "SOURCE", "AFFECTS")

# Labels and relationship types the code may name: the fixed list no user string extends.
LABELS: tuple[str, ...] = tuple(cls.__name__ for cls in NODE_CLASSES)
# What the plant is: every label neither the ledgers' nor the bookkeeping's.
PLANT_LABELS: tuple[str, ...] = tuple(
    label for label in LABELS if label not in (*LEDGER_LABELS, *BOOKKEEPING_LABELS)
)
RELATIONSHIP_TYPES: tuple[str, ...] = (
    "OF", "SUPPLIED_BY", "AT", "INPUT_TO", "PRODUCED", "SHIPPED", "IDENTIFIES", "OF_LOT",
    "ON", "BY", "FOR", "DURING", "TO", "FROM", "OF_DEVICE", "SOURCE", "AFFECTS", "CHANGED",
    "ABOUT", "READ",
)  # fmt: skip
