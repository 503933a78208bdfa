"""The canonical import tables (DESIGN.md §4, a public contract) and how each column is read.

Every table is optional in a given import. Identifiers are text: `000123` stays `000123`.
Columns not listed here are kept as properties ("extra" columns: process parameters on steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from enum import Enum
from typing import Any

from tracegraph.identities import SCHEMES
from tracegraph.units import KNOWN_UNITS


class Kind(Enum):
    ID = "id"  # text, stripped, at most MAX_ID_LENGTH characters (index keys have a size limit)
    TEXT = "text"  # kept exactly, formulas included: `=HYPERLINK(…)` is plain text here
    DATETIME = "datetime"  # ISO 8601; without an offset, read in the import's timezone
    QUANTITY = "quantity"  # a finite number ≥ 0
    SIGNED_QUANTITY = "signed_quantity"  # a finite number; negative on a shipment line = return
    NUMBER = "number"  # any finite number, kept as float
    # text that often holds a number (an inspection's value: "96.4", "ok", "<5"): a cell that
    # reads as a number is kept as the text of its value, whatever the file wrote ("97.0" in a
    # CSV, 97.0 in Parquet, 97 in XLSX: "97"), so a file format holds no value of its own
    MEASURE = "measure"
    UOM = "uom"  # one of UNITS
    ENUM = "enum"  # one of Column.choices


MAX_ID_LENGTH = 200
# The most a free-text column that the schema indexes (a step's operation, a shipment's
# reference document) may hold, in UTF-8 bytes: Neo4j's range index refuses a key over 8,167
# bytes (the text and a few bytes of its own: 9,000 characters were "property size: 9011"),
# and the whole batch with it — the import stopped there on every run.
MAX_INDEXED_TEXT_BYTES = 8_000

# Units a canonical table may name; mappings convert anything else into these.
UNITS = KNOWN_UNITS


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    indexed: bool = False  # text the schema indexes: at most MAX_INDEXED_TEXT_BYTES


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # what makes a row unique; a second row with the same key must agree
    extra_prefix: str = ""  # extra columns are properties (on steps: process parameters)
    # A start and an end column: an end in the hour the clocks go back that reads before its
    # start is read as the second of the two hours (validate._across_change).
    span: tuple[str, str] | None = None

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _id(name: str, required: bool = False) -> Column:
    return Column(name, Kind.ID, required)


def _lot_link(name: str, parent: str, quantity: Kind = Kind.QUANTITY) -> Table:
    """A table of lots linked to a step or shipment, with how much of each lot."""
    return Table(
        name,
        (_id(parent, True), _id("lot_id", True), Column("quantity", quantity, True),
         Column("uom", Kind.UOM, True)),
        key=(parent, "lot_id"),
    )  # fmt: skip


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "materials",
            (
                _id("material_id", True),
                Column("name"),
                Column("uom", Kind.UOM),
                Column("kind", Kind.ENUM, choices=("raw", "intermediate", "finished", "packaging")),
            ),
            key=("material_id",),
        ),
        Table(
            "suppliers",
            (_id("supplier_id", True), Column("name"), Column("country")),
            key=("supplier_id",),
        ),
        Table(
            "customers",
            (_id("customer_id", True), Column("name"), Column("contact"), Column("country")),
            key=("customer_id",),
        ),
        Table(
            "locations",
            (_id("location_id", True), Column("name"), Column("kind"), _id("gln")),
            key=("location_id",),
        ),
        Table(
            "devices",
            (_id("device_id", True), Column("name"), Column("kind"), _id("location_id")),
            key=("device_id",),
        ),
        Table("operators", (_id("operator_id", True), Column("name")), key=("operator_id",)),
        Table(
            "lots",
            (
                _id("lot_id", True),
                _id("material_id", True),
                Column("quantity", Kind.QUANTITY),
                Column("uom", Kind.UOM),
                Column("created_at", Kind.DATETIME),
                Column("expires_at", Kind.DATETIME),
                Column("status", Kind.ENUM, choices=("released", "hold", "rejected")),
                _id("supplier_id"),
                _id("supplier_lot"),
                Column("received_at", Kind.DATETIME),
                _id("location_id"),
            ),
            key=("lot_id",),
        ),
        Table(
            "steps",
            (
                _id("step_id", True),
                Column("operation", Kind.TEXT, True, indexed=True),
                Column("started_at", Kind.DATETIME, True),
                Column("ended_at", Kind.DATETIME),
                _id("work_order_id"),
                _id("device_id"),
                _id("operator_id"),
                _id("location_id"),
            ),
            key=("step_id",),
            span=("started_at", "ended_at"),
        ),
        _lot_link("step_inputs", "step_id"),
        _lot_link("step_outputs", "step_id"),
        Table(
            "inspections",
            (
                _id("inspection_id", True),
                Column("test", Kind.TEXT, True),
                Column("result", Kind.ENUM, True, choices=("pass", "fail")),
                Column("inspected_at", Kind.DATETIME, True),
                _id("lot_id"),
                _id("step_id"),
                _id("device_id"),
                _id("operator_id"),
                Column("value", Kind.MEASURE),
                Column("unit"),
            ),
            key=("inspection_id",),
        ),
        Table(
            "shipments",
            (
                _id("shipment_id", True),
                _id("customer_id", True),
                Column("shipped_at", Kind.DATETIME, True),
                _id("from_location_id"),
                Column("carrier"),
                Column("reference_doc", indexed=True),
            ),
            key=("shipment_id",),
        ),
        # A negative quantity on a shipment line is a return.
        _lot_link("shipment_lines", "shipment_id", Kind.SIGNED_QUANTITY),
        Table(
            "device_events",
            (
                _id("device_id", True),
                Column("event", Kind.ENUM, True, choices=("calibration", "maintenance", "alarm")),
                Column("at", Kind.DATETIME, True),
                Column("result"),
            ),
            # an alarm's kind (its result) is part of its key too: see device_event_id
            key=("device_id", "event", "at"),
        ),
        # Not in DESIGN.md §4, added to it: the other names a lot is known by (an FSMA
        # traceability lot code, a GS1 GTIN + lot, serial numbers), each an Identifier that
        # finds the lot (tracegraph.identities). A row is one name of one lot; a name may
        # name several lots (one supplier TLC received as two internal lots). Last in the
        # order: it names lots of any table, and a full dump removes its rows first.
        Table(
            "lot_identifiers",
            (
                _id("lot_id", True),
                Column("scheme", Kind.ENUM, True, choices=SCHEMES),
                _id("value", True),
                _id("issuer"),
            ),
            key=("lot_id", "scheme", "issuer", "value"),
        ),
    )
}

# Nodes before relationships: master data, then lots, then the events that link them.
IMPORT_ORDER: tuple[str, ...] = tuple(TABLES)

# The tables a plant's full dumps only add to (lots made, steps run, goods shipped): an older
# export of one sent again under --full is refused when the graph holds rows of it that the
# run's files lack (the lots and steps the newer nights added, which the full import would
# remove). Master data (materials, customers, devices, operators, ...) may well come back to
# an earlier night's content (an operator added by mistake and removed the next day): named
# in the warning and imported, its removals under --max-removals as any night's.
GROWING_TABLES = frozenset({
    "lots", "steps", "step_inputs", "step_outputs", "inspections", "shipments",
    "shipment_lines", "device_events", "lot_identifiers",
})  # fmt: skip


def device_event_id(row: dict[str, Any]) -> str:
    """A device event's key, as the graph holds it (`event_id`) and as duplicates are found: its
    device, kind of event and time — and for an alarm also its result, the alarm's kind. An MES
    logs several alarms of one device in the same second (an over-temperature trips a door
    interlock); keyed by the time alone, all but the first were rejected as duplicates. A
    calibration's result stays out of its key: a later export correcting a `fail` to `pass`
    changes that calibration, it does not add a second one.

    The time is the instant, written in UTC: 07:30+01:00 and 06:30Z are one calibration, which
    keyed by the offset as written was stored twice (a MES writing +08:00, a canonical export
    writing Z). The event keeps `at` as written: its local time is data. Keys of older versions
    are re-keyed by cypher/migrate/device_event_utc_key.cypher."""
    key = f"{row['device_id']}|{row['event']}|{row['at'].astimezone(UTC).isoformat()}"
    return f"{key}|{row.get('result') or ''}" if row["event"] == "alarm" else key
