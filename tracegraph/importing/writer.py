"""Loading validated rows into the graph: one named UNWIND query per table, in batches.

Each row carries a content hash (`_row_sha`); the queries skip rows whose hash the graph already
has, so re-importing unchanged data writes nothing, and every batch is its own transaction, so
a run killed half-way is completed by simply running it again.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracegraph.graph import TraceGraph
from tracegraph.identities import identity_key
from tracegraph.importing.changes import (
    BOOKKEEPING,
    RowChange,
    difference,
    new_values,
    stored_values,
)
from tracegraph.importing.tables import TABLES, Kind, device_event_id
from tracegraph.importing.validate import Reject, ValidatedTable
from tracegraph.values import counted, first_ids, moment

if TYPE_CHECKING:
    from tracegraph.importing.full import Present

BATCH_SIZE = 5000

# Tables whose batches two transactions write at once: one server thread cannot keep up with
# the client, and a second transaction uses the second core (100k-lot plant: 72 -> 57 s). Safe
# because a validated table's keys are unique, so concurrent batches never write the same node
# or link, and shared nodes (materials, the salt lot, stubs) are only MERGEd under a uniqueness
# constraint; a deadlock between two batches is a transient error, and the batch is retried.
# Steps too: their devices' and operators' bounds (steps_longest_*, a read-modify-write two
# transactions could interleave) are raised apart, one batch at a time, and only when a batch
# has a longer step than the bound the run last saw (see _raise_longest). Small reference tables
# gain nothing.
WRITERS: dict[str, int] = dict.fromkeys(
    ("lots", "steps", "step_inputs", "step_outputs", "inspections", "shipments",
     "shipment_lines"), 2,
)  # fmt: skip


# Columns that become edges rather than properties, per table.
REFERENCES: dict[str, tuple[str, ...]] = {
    "devices": ("location_id",),
    "lots": ("material_id", "supplier_id", "supplier_lot", "received_at", "location_id"),
    "steps": ("work_order_id", "device_id", "operator_id", "location_id"),
    "step_inputs": ("step_id", "lot_id"),
    "step_outputs": ("step_id", "lot_id"),
    "inspections": ("lot_id", "step_id", "device_id", "operator_id"),
    "shipments": ("customer_id", "from_location_id"),
    "shipment_lines": ("shipment_id", "lot_id"),
    "device_events": ("device_id",),
    # all its columns: the scheme, issuer and value are the Identifier's, the lot the edge's end
    "lot_identifiers": ("lot_id", "scheme", "issuer", "value"),
}

# References also kept as node properties, besides their edges (the edges stay the model):
# the index lot_material_created seeks the lots of one material in a time window (rootcause's
# comparable lots); rootcause's factors query reads the supplier of every lot upstream of ~1,000
# lots and the device and operator of every step, where one expansion per node would cost more
# than the query's traversal (cypher/rootcause/factors.cypher); the index
# device_event_device_time seeks a device's events in a time window (a device's alarm log is
# far longer than any window asked of it). An event's device is part of its key: it never changes.
# An inspection's inspector and device: `rootcause --inspections` reads them for every inspection
# upstream of ~1,000 lots, and a backward trace lists them with the results.
COPIED_REFERENCES: dict[str, tuple[str, ...]] = {
    "lots": ("material_id", "supplier_id"),
    "steps": ("device_id", "operator_id"),
    "device_events": ("device_id",),
    "inspections": ("device_id", "operator_id"),
}

# Rows of these tables name a step or shipment that must exist; rows that name a missing one are
# rejected (a MATCH would silently drop them).
MUST_EXIST: dict[str, tuple[str, str, str]] = {
    "step_inputs": ("step_id", "import/existing_steps", "a step"),
    "step_outputs": ("step_id", "import/existing_steps", "a step"),
    "inspections": ("step_id", "import/existing_steps", "a step"),
    "shipment_lines": ("shipment_id", "import/existing_shipments", "a shipment"),
}
# The table of the record each MUST_EXIST column names.
PARENT_TABLES = {"step_id": "steps", "shipment_id": "shipments"}

Progress = Callable[[int], None]


@dataclass
class TableWrite:
    written: int = 0  # rows now in the graph as given (new, changed or already equal)
    changed: int = 0  # rows that created or changed something
    updated: int = 0  # of those, rows that changed what the graph held (each a RowChange)
    rejects: list[Reject] = field(default_factory=list)


@dataclass(frozen=True)
class _Shape:
    """Which columns of a table become properties, parameters at the top, or ISO 8601 times."""

    properties: tuple[str, ...]
    top: tuple[str, ...]  # keys and references
    times: tuple[str, ...]
    hashed: tuple[str, ...]  # top, then times: the values besides properties in the row hash


def _shape(table: str) -> _Shape:
    references = REFERENCES.get(table, ())
    spec = TABLES[table]
    times = tuple(c.name for c in spec.columns if c.kind is Kind.DATETIME)
    top = (*spec.key, *references)
    return _Shape(
        properties=tuple(c.name for c in spec.columns
                         if c.name not in references and c.name not in times),
        top=top, times=times, hashed=(*top, *times),
    )  # fmt: skip


SHAPES = {table: _shape(table) for table in TABLES}


def _row_sha(values: list[Any], extra: dict[str, Any]) -> str:
    """The content hash of one row: its canonical values in the table's column order (so columns
    may move in the file), None marked apart from text; extra columns by name, typed by repr.

    128 bits of SHA-256 as 32 hex digits: Neo4j keeps a string that short inside the property
    record, where all 64 digits took a record of the dynamic string store per row (656 MB for
    the 1M-lot plant's 5.1M rows) — written at import, read at every re-import. A changed row
    goes unnoticed only if its new content hashes to its old content's 128 bits (2^-128)."""
    text = "\x1f".join("\x00" if v is None else str(v) for v in values)
    if extra:
        # a whole number hashed as the float it was stored as before extras kept integers
        # (12.0): rows imported then are not all "changed" by the first import after it
        text += "\x1e" + repr(sorted((k, float(v) if type(v) is int else v)
                                     for k, v in extra.items()))  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# The content digest's sums are of 128-bit row hashes (_row_sha), modulo 2^128
DIGEST_MOD = 1 << 128


def content_digest(count: int, total: int) -> str:
    """A file's content as the ledger keeps it (ImportedFile.content_digest): `rows:sum`, the
    count of its rows and the sum of their hashes modulo 2^128 in 32 hex digits. Order-free and
    additive: a table's digest over several files is the sum of theirs (combine_digests). Two
    files with equal digests hold the same rows (a lots.csv saved as lots.xlsx): only rows whose
    hashes sum alike by chance would collide (2^-128)."""
    return f"{count}:{total:032x}"


def combine_digests(digests: Iterable[str]) -> str:
    """The digest of several files' rows together (see content_digest)."""
    count = total = 0
    for digest in digests:
        rows, _, hexsum = digest.partition(":")
        count, total = count + int(rows), (total + int(hexsum, 16)) % DIGEST_MOD
    return content_digest(count, total)


# Properties the importer adds to a node besides the row's columns and extras (see cypher_row
# and changes.BOOKKEEPING: _source_shas, the senders' last row hashes, see _shas_after), per
# table with the references it copies onto the node and a device event's event_id.
_BOOKKEEPING: dict[str, frozenset[str]] = {
    table: BOOKKEEPING.union(COPIED_REFERENCES.get(table, ()),
                             ("event_id",) if table == "device_events" else ())
    for table in TABLES
}  # fmt: skip


def shaped_sha(table: str, shaped: dict[str, Any]) -> str:
    """The content hash of a row in its parameter map (cypher_row's output), computed as
    cypher_row computes it from the typed row: for a row completed from the graph's values."""
    shape = SHAPES[table]
    props = shaped["props"]
    values = [props.get(name) for name in shape.properties] + [shaped[n] for n in shape.hashed]
    extra = {k: v for k, v in props.items()
             if k not in shape.properties and k not in _BOOKKEEPING[table]}  # fmt: skip
    return _row_sha(values, extra)


def keep_unsaid(table: str, shaped: dict[str, Any], stored: dict[str, Any],
                header: frozenset[str], kept: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Complete a changed row with what the graph holds for the columns its file lacks: a
    status update `lot_id,material_id,status` says nothing of the lot's quantity, supplier or
    process parameters, and used to clear them. An empty cell in a column the file has still
    clears its value. `stored`: the graph's values (changes.stored_values). `kept`: columns
    the file has that keep the graph's value all the same, an empty one too (its source sends
    them as it sent them before, _said_again: another source's newer change stays)."""
    spec, shape = TABLES[table], SHAPES[table]
    props = shaped["props"]
    for column in spec.columns:
        name = column.name
        if (name in header and name not in kept) or name in spec.key:
            continue
        value = stored.get(name)
        if name in shape.top or name in shape.times:  # references and times: at the top
            shaped[name] = value
            if name in COPIED_REFERENCES.get(table, ()):
                props.pop(name, None)
                if value is not None:
                    props[name] = value
        elif value is not None:
            props[name] = value
        else:
            props.pop(name, None)
    for name in kept - stored.keys():  # an extra column the graph holds none of
        if spec.column(name) is None:
            props.pop(name, None)
    for name, value in stored.items():  # extra columns (process parameters) the file lacks
        extra = spec.column(name) is None and name not in _BOOKKEEPING[table]
        if extra and (name not in header or name in kept) and value is not None:
            props[name] = value
    if table == "lots":
        lot = shaped["supplier_lot"]
        shaped["identity_key"] = (
            None if lot is None else f"supplier_lot|{shaped['supplier_id'] or ''}|{lot}"
        )
        _keep_supplier_lot(shaped)
    props["_row_sha"] = shaped_sha(table, shaped)


def _keep_supplier_lot(shaped: dict[str, Any]) -> None:
    """A lot without a supplier keeps its row's supplier lot on itself (`_supplier_lot`,
    bookkeeping, not hashed): a lot with one has it on its receipt (SUPPLIED_BY), but one
    without had it only on its Identifiers, and with two sources' spellings (`000123`, `123`)
    the number its last row gave was whichever came last: a change back to the other spelling
    was written but neither recorded nor noted (changes.stored_values reads it)."""
    props = shaped["props"]
    props.pop("_supplier_lot", None)
    if shaped["supplier_id"] is None and shaped["supplier_lot"] is not None:
        props["_supplier_lot"] = shaped["supplier_lot"]


def keep_instants(table: str, shaped: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """Keep the stored text of each time the row gives as the same instant with another offset
    (12:00+08:00 from the MES, 04:00Z from a canonical export): an instant is what a time
    says, so such a row changes nothing, and the first import's offset stays. Returns the
    columns so kept, each as `column stored (given)` (keep_unsaid computes the hash again)."""
    kept = []
    for name in SHAPES[table].times:
        given, held = shaped.get(name), stored.get(name)
        if given is None or held is None or given == held:
            continue
        at, was = moment(given), moment(held)
        if at is not None and was is not None and at == was:
            shaped[name] = held
            kept.append(f"{name} {held} ({given})")
    return kept


def cypher_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The parameter map of one row: keys and references at the top, properties in `props`."""
    shape = SHAPES[table]
    props: dict[str, Any] = {name: row[name] for name in shape.properties if row[name] is not None}
    props.update(row["_extra"])
    if table == "lots":
        props["origin_known"] = True
    for name in COPIED_REFERENCES.get(table, ()):
        if row[name] is not None:
            props[name] = row[name]
    out: dict[str, Any] = {name: row[name] for name in shape.top}
    # Times leave the props map as ISO 8601 text (the query turns them into DateTimes): the
    # driver's pure-Python datetime packing would cost more than the write itself.
    for name in shape.times:
        out[name] = row[name].isoformat() if row[name] is not None else None
    if table == "lots" and row["supplier_lot"] is not None:
        out["identity_key"] = f"supplier_lot|{row['supplier_id'] or ''}|{row['supplier_lot']}"
        if row["supplier_id"] is None:
            props["_supplier_lot"] = row["supplier_lot"]  # see _keep_supplier_lot
    if table == "lot_identifiers":
        out["identity_key"] = identity_key(row["scheme"], row["issuer"], row["value"])
    if table == "device_events":
        out["event_id"] = device_event_id(row)
        props["event_id"] = out["event_id"]
    values = [row[name] for name in shape.properties] + [out[name] for name in shape.hashed]
    props["_row_sha"] = _row_sha(values, row["_extra"])
    out["props"] = props
    return out


# Node tables: label key column, and whether the table has an edges/detach query pair.
NODE_KEYS: dict[str, str] = {
    "materials": "material_id", "suppliers": "supplier_id", "customers": "customer_id",
    "locations": "location_id", "operators": "operator_id", "devices": "device_id",
    "lots": "lot_id", "steps": "step_id", "inspections": "inspection_id",
    "shipments": "shipment_id", "device_events": "event_id",
}  # fmt: skip
WITH_EDGES = frozenset({"devices", "lots", "steps", "inspections", "shipments", "device_events"})
# Node tables whose new nodes take the CREATE path ({table}_create, {table}_create_edges): one
# transaction, no look-up of an existing node or edge, and no _done query. Inspections, shipments
# and device events took the MERGE path's three queries for new rows too (100k-lot plant, warm
# server: inspections 3.9-4.3 -> 3.3-4.1 s of server CPU, shipments 1.3-1.5 -> 0.8-1.3 s).
CREATE_PATH = frozenset({"lots", "steps", "inspections", "shipments", "device_events"})
# Link tables: the key column of the node at the link's other end from the lot. A
# lot_identifiers row is the IDENTIFIES edge from its Identifier (keyed scheme|issuer|value)
# to the lot, the row's hash and extra columns on the edge, as a step input's are on INPUT_TO.
RELATIONSHIP_PARENT = {"step_inputs": "step_id", "step_outputs": "step_id",
                       "shipment_lines": "shipment_id",
                       "lot_identifiers": "identity_key"}  # fmt: skip


# The properties every link row may have; any other key in its props is an extra column.
LINK_PROPERTIES = frozenset({"quantity", "uom", "_row_sha", "_sources", "_source_shas"})

# Link tables whose rows name a step or a shipment: after a run created that node, its links
# cannot be in the graph yet (the node did not exist before the run).
FRESH_FOR = {"step_id": ("step_inputs", "step_outputs"), "shipment_id": ("shipment_lines",)}


@dataclass
class RunState:
    """What this run created, per link table: the parents (step or shipment ids) whose links
    cannot exist yet. Rows naming them skip the look-up of existing links and of the parent —
    on a first import, every link row. A link table's set is emptied once that table is
    written: a second file of the same table may repeat a link the first one made."""

    fresh: dict[str, set[Any]] = field(default_factory=dict)
    run_id: str | None = None  # the ImportRun that records changed rows (None: not recorded)
    # The run's source (--source): each row it writes or sends unchanged has it in its
    # `_sources` (see _sources_after); None: sources are left as they are
    source: str | None = None
    # Per table, the rows whose sources this run's source joined (held with others' sources
    # only): a --full run, which compares after its writes, does not count them as held before
    gained: dict[str, int] = field(default_factory=dict)
    completed_stubs: int = 0  # lots known only as references that this run gave their row
    notes: list[str] = field(default_factory=list)  # what the run's summary must say of files
    # whether a zone was given for times without an offset (--timezone, a mapping's): if not,
    # they are read as UTC and the summary says so per file and column
    zone_given: bool = False
    # (file name, table) of each file whose times without an offset this run read in its zone:
    # kept on the ledger entry, so that the next import of the file can tell a changed zone
    local_times: list[tuple[str, str]] = field(default_factory=list)
    # (absolute path, table) -> the last earlier import that read the file's times without an
    # offset (its run_id and timezone), or None: asked of the ledger once per file, as the
    # device events' watch (before writing) and the zone-change note (after) both need it
    last_local_reads: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    # A dry run's view of references: the step and shipment ids its valid rows carry, and per
    # link table the rows naming an id none of them carries (only the graph could have it).
    checked_ids: dict[str, set[Any]] = field(default_factory=dict)
    unverified: dict[str, int] = field(default_factory=dict)
    # A dry run --full: per step or shipment table, the ids its valid link rows name
    # (step_inputs, step_outputs and inspections by step_id, shipment_lines by shipment_id),
    # and the inspections its valid rows carry, each with the step its row names (or None).
    # The import writes those links before it removes anything, so a step or shipment they
    # name is kept, and an inspection's edge to a step becomes its row's: full.keep_linked
    # counts what the import will keep from these.
    linked: dict[str, set[Any]] = field(default_factory=dict)
    relinked: dict[Any, Any] = field(default_factory=dict)
    # A full import (--full): the keys the run's files hold per table (see full.py)
    present: Present | None = None
    # Per parent table (PARENT_TABLES), the ids of this run's rows rejected by validation, each
    # with its file name and line: a link row naming one says so (one bad date in a new step
    # read as four unrelated errors, its links "neither in this import nor in the graph")
    rejected_parents: dict[str, dict[Any, tuple[str, int]]] = field(default_factory=dict)
    # Per table, the keys of rows rejected as another source's record under the same id
    # (_other_records), with their file and line: link rows naming one are rejected too, as
    # they would link that other record
    conflicted: dict[str, dict[Any, tuple[str, int]]] = field(default_factory=dict)
    # Per table, the changed rows another source sent too (their count, those sources, the
    # first changes as text): two exports that disagree change the row whenever either changes
    # its own (the newest change wins, _unchanged)
    disagreements: dict[str, list[Any]] = field(default_factory=dict)
    # The columns of the files this run read, `table|column` (on its ledger entry: run_columns),
    # and per (table, source) those another source's files of the table carried (None: not
    # known, a run before they were kept): the note names only the sources that sent a column
    # the row changed (a QC status file is not named for a quantity)
    read_columns: set[str] = field(default_factory=set)
    sent_columns: dict[tuple[str, str], frozenset[str] | None] = field(default_factory=dict)
    # The longest-step bounds this run raised or read, per (device or operator, id) (see
    # _raise_longest), and the lock that lets one batch's bounds be raised at a time.
    bounds: dict[tuple[str, Any], int] = field(default_factory=dict)
    bounds_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The devices and operators whose bounds may now be above their longest step (a step of
    # theirs changed its times, device or operator, or was removed): computed again from their
    # steps once the run's writes are done (settle_bounds), and until then recorded on the
    # run's ledger entry; `stale_runs`, earlier runs whose stale bounds this run computes.
    stale: dict[str, set[Any]] = field(
        default_factory=lambda: {"devices": set(), "operators": set()}
    )
    stale_runs: list[str] = field(default_factory=list)
    # The identity keys of the lot_identifiers rows this run wrote (new or changed), for the
    # note on identities that name more than one lot (see _shared_identities)
    identities: set[str] = field(default_factory=set)
    # Per table, rows whose times the graph holds as the same instants with another offset
    # (keep_instants): how many, how many of them had no other change, and the first example
    offsets_kept: dict[str, list[Any]] = field(default_factory=dict)
    # Per link table a mapping's `combine = "sum"` filled, the links whose summed quantity
    # replaced the one the graph held, and the first few as `key before → after`
    sums_replaced: dict[str, list[Any]] = field(default_factory=dict)
    # Per table, the changed rows whose file gave a quantity (an inspection's value) without
    # its unit, completed from the graph's where another source sent the row: how many, and
    # the first as `key: 4 kg` (see _units_completed)
    units_completed: dict[str, list[Any]] = field(default_factory=dict)
    # Per file (its absolute path), the digest of the rows it wrote or sent unchanged: their
    # count and the sum of their content hashes (`_row_sha`) modulo 2^128 — the same rows in
    # any order, format or file give the same digest (see content_digest)
    digests: dict[str, list[int]] = field(default_factory=dict)
    # Per table, the rows written again as this source vouches for them after a --full took
    # another source off them (TO_VOUCH): how many, and the sources taken off
    vouched: dict[str, tuple[int, set[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rows_sent(self, file: str, shaped: list[dict[str, Any]]) -> None:
        """Add a batch of a file's rows, as cypher_row shaped them, to the file's digest."""
        digest = self.digests.setdefault(str(Path(file).absolute()), [0, 0])
        digest[0] += len(shaped)
        digest[1] = (digest[1] + sum(int(r["props"]["_row_sha"], 16) for r in shaped)) % DIGEST_MOD

    def instants_kept(self, table: str, columns: list[str], unchanged: bool) -> None:
        with self._lock:
            counts = self.offsets_kept.setdefault(table, [0, 0, columns[0]])
            counts[0] += 1
            counts[1] += unchanged

    def vouched_for(self, table: str, rows: int, taken_off: set[str]) -> None:
        if not rows:
            return
        with self._lock:
            count, names = self.vouched.get(table, (0, set()))
            self.vouched[table] = (count + rows, names | taken_off)

    def summed_replaced(self, table: str, changes: list[RowChange]) -> None:
        if not changes:
            return
        with self._lock:
            replaced = self.sums_replaced.setdefault(table, [0, []])
            replaced[0] += len(changes)
            for change in changes[: max(0, 3 - len(replaced[1]))]:
                at = change.columns.index("quantity")
                replaced[1].append(f"{change.key} {change.before[at]} → {change.after[at]}")

    def unit_completed(self, table: str, examples: list[str]) -> None:
        if not examples:
            return
        with self._lock:
            completed = self.units_completed.setdefault(table, [0, examples[0]])
            completed[0] += len(examples)

    def write_notes(self, table: str, file: str) -> list[str]:
        """The notes of a table's file once it is written: times kept with the offset the graph
        holds them in, rows another source sent too changed to this source's values (see
        disagreed), and summed links that replaced a sum (see keep_instants, combine)."""
        notes = []
        if table in self.offsets_kept:
            rows, unchanged, example = self.offsets_kept.pop(table)
            notes.append(
                f"{file}: {counted(rows, f'{table} row')} gave times the graph holds as the same "
                f"instants with another offset, kept as stored, not a change (e.g. {example}); "
                f"{rows - unchanged:,} of them changed in another column. An instant is what a "
                "time says: an export writing another offset or zone changes no row"
            )
        if table in self.disagreements:
            count, others, examples = self.disagreements.pop(table)
            # an example some of the others sent names its own: `erp and qc sent too (I-1: …)`
            # named I-1 among the ERP's, which never sent it
            shown = [f"{key}{text}" if by == others else f"{key} ({' and '.join(by)}){text}"
                     for key, by, text in examples]  # fmt: skip
            notes.append(
                f"{file}: {counted(count, f'{table} row')} {' and '.join(others)} sent too: "
                f"{self.source}'s values replace the graph's ("
                + ", ".join(shown)
                + (", …" if count > len(examples) else "")
                + "). Where sources disagree about a column, the newest change of either wins "
                "(not the last import): make their exports agree, or leave the column to one of "
                "them"
            )
        if table in self.sums_replaced:
            count, examples = self.sums_replaced.pop(table)
            notes.append(
                f"{file}: {counted(count, f'{table} link')} summed from this file's rows "
                f'(combine = "sum") replaced the quantity the graph held, not added to it: '
                + ", ".join(examples)
                + (f" and {count - len(examples):,} more" if count > len(examples) else "")
                + ". A sum is of one import's rows: import a delta "
                "extract together with the rows it adds to (each order's movements whole), or "
                "a full extract"
            )
        if table in self.vouched:
            count, names = self.vouched.pop(table)
            taken = " and ".join(sorted(names)) or "another source"
            notes.append(
                f"{file}: {counted(count, f'{table} row')} written again: {taken} "
                f"{'was' if len(names) < 2 else 'were'} taken off {'it' if count == 1 else 'them'}"
                f" (--full), {self.source}'s values restored (its rows as it sent them before, "
                "where the graph held values no sender left on them vouched for; another "
                "sender's own last values stay)"
            )
        if table in self.units_completed:
            count, example = self.units_completed.pop(table)
            measure = "value" if table == "inspections" else "quantity"
            notes.append(
                f"{file}: {counted(count, f'{table} row')} gave a {measure} without its unit, "
                f"completed with the unit the graph holds, which another source sent (e.g. "
                f"{example}): if the file means another unit, give its unit column too"
            )
        return notes

    def read_file(self, graph: TraceGraph, table: str, header: frozenset[str]) -> None:
        """Record on the run's ledger entry the columns of a file of `table` (run_columns),
        before its rows are written: a run killed part-way has them for the rows it wrote."""
        if self.run_id is None:
            return
        with self._lock:
            columns = {f"{table}|{name}" for name in header} - self.read_columns
            self.read_columns.update(columns)
            listed = sorted(self.read_columns)
        if columns:
            graph.write("import/run_columns", run_id=self.run_id, columns=listed)

    def _sent_columns(
        self, graph: TraceGraph, table: str, sources: set[str]
    ) -> dict[str, frozenset[str] | None]:
        """Per source, the columns its files of `table` carried (sent_columns.cypher), read
        once per run and table for the sources not asked yet."""
        asked = sorted(s for s in sources if (table, s) not in self.sent_columns)
        if asked:
            found = graph.read("import/sent_columns", run_id=self.run_id, table=table,
                               sources=asked)  # fmt: skip
            with self._lock:
                for row in found:
                    self.sent_columns[(table, row["source"])] = (
                        frozenset(row["columns"]) if row["known"] else None
                    )
        return {s: self.sent_columns[(table, s)] for s in sources}

    def disagreed(
        self,
        graph: TraceGraph,
        table: str,
        changes: list[RowChange],
        senders: dict[str, list[str] | None],
        header: frozenset[str],
    ) -> None:
        """Count the changes of rows another source sent too (`senders`: the sources the graph
        held per row key, as text), for the note of write_notes: the columns this run changes
        (per-column rule: only those its source changed) that the file has (`header`). A row
        the file gives in part is noted too, for the columns it changes: the MES's lots file,
        which lacks the ERP's location_id, was never noted (a row was "in part" when the file
        lacked any column the graph held). Of the others, only those whose files of the table
        carry a changed column are named, with those columns (_sent_columns; all, for a source
        whose columns are not known): a QC status file is not named for the ERP's quantity."""
        if self.source is None:
            return
        shared = [
            (change, others, [i for i, c in enumerate(change.columns) if c in header])
            for change in changes
            if (others := [s for s in senders.get(change.key) or () if s != self.source])
        ]  # fmt: skip
        shared = [(change, others, said) for change, others, said in shared if said]
        if not shared:
            return
        sent = self._sent_columns(graph, table, {s for _, others, _ in shared for s in others})
        with self._lock:
            for change, senders_too, said_here in shared:
                changed = {change.columns[i] for i in said_here}
                others = [s for s in senders_too
                          if (carried := sent[s]) is None or changed & carried]  # fmt: skip
                theirs = set().union(*(sent[s] or changed for s in others)) if others else set()
                said = [i for i in said_here if change.columns[i] in theirs]
                if not said:
                    continue
                counts = self.disagreements.setdefault(table, [0, [], []])
                counts[0] += 1
                counts[1] = sorted({*counts[1], *others})
                if len(counts[2]) < 2:
                    columns = "; ".join(
                        f"{change.columns[i]} {change.before[i] or '(none)'} → "
                        f"{change.after[i] or '(none)'}"
                        for i in said
                    )
                    counts[2].append((change.key, others, f": {columns}"))

    def record_conflict(self, table: str, key: Any, file: str, line: int) -> None:
        with self._lock:
            self.conflicted.setdefault(table, {})[key] = (file, line)

    def sources_gained(self, table: str, count: int) -> None:
        with self._lock:
            self.gained[table] = self.gained.get(table, 0) + count

    def stubs_completed(self, count: int) -> None:
        with self._lock:
            self.completed_stubs += count

    def identities_written(self, keys: list[str]) -> None:
        with self._lock:
            self.identities.update(keys)

    def created(self, key: str, ids: list[Any]) -> None:
        with self._lock:  # batches of one table may be written by two threads (see WRITERS)
            for table in FRESH_FOR.get(key, ()):
                self.fresh.setdefault(table, set()).update(ids)


def write_table(
    graph: TraceGraph,
    validated: ValidatedTable,
    rows: Iterable[dict[str, Any]],
    progress: Progress = lambda _: None,
    state: RunState | None = None,
) -> TableWrite:
    """Write a table's valid rows (typed values + "_line", "_extra"; see validate_lazily) in
    batches. While the server writes one batch — two for the tables in WRITERS — in worker
    threads (which wait on the socket without holding the GIL), this thread validates, checks
    and shapes the next: batches of a table are independent (keys are unique in a validated
    table), so their order does not matter, and each is its own transaction, so a crash leaves
    whole batches."""
    result = TableWrite()
    table = validated.table
    state = state if state is not None else RunState()
    fresh = state.fresh.get(table, set())
    state.read_file(graph, table, validated.header)
    source = iter(rows)
    writers = WRITERS.get(table, 1)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="tracegraph-import") as server:
        pending: deque[Future[tuple[int, int, list[Reject]]]] = deque()

        def collect(future: Future[tuple[int, int, list[Reject]]]) -> None:
            changed, updated, rejects = future.result()
            result.changed += changed
            result.updated += updated
            result.written -= len(rejects)  # another source's record under the row's key
            result.rejects.extend(rejects)

        while batch := list(islice(source, BATCH_SIZE)):
            batch, missing = _split_missing_references(graph, table, validated.file, batch, fresh,
                                                       state.rejected_parents,
                                                       state.conflicted)  # fmt: skip
            result.rejects.extend(missing)
            shaped = [cypher_row(table, r) for r in batch]
            state.rows_sent(validated.file, shaped)  # before a partial row is completed
            lines = [r["_line"] for r in batch]
            result.written += len(batch)
            if len(pending) == writers:
                collect(pending.popleft())
            pending.append(server.submit(
                _write_batch, graph, table, shaped, state, fresh, (validated.file, lines),
                validated.header, validated.summed,
            ))  # fmt: skip
            progress(result.written + len(result.rejects) + len(validated.rejects)
                     + validated.duplicates)  # fmt: skip
        while pending:
            collect(pending.popleft())
    progress(validated.read)
    state.fresh.pop(table, None)
    state.notes.extend(state.write_notes(table, validated.file))
    if table == "lot_identifiers":
        state.notes.extend(_shared_identities(graph, state))
    return result


def _shared_identities(graph: TraceGraph, state: RunState) -> list[str]:
    """A note on the identities this run wrote that name more than one lot. Allowed — one
    supplier's TLC received as two internal lots is one identity of both, and a recall by it
    must take both (resolve_lots names them all) — but a serial number or a customer's lot
    number on two lots is more likely a typo in a lot id, so the summary names them."""
    keys = sorted(state.identities)
    state.identities.clear()
    shared = [
        f"{row['key']} ({', '.join(row['lots'][:5])}{', …' if len(row['lots']) > 5 else ''})"
        for start in range(0, len(keys), BATCH_SIZE)
        for row in graph.read("import/lot_identifiers_shared", keys=keys[start:start + BATCH_SIZE])
    ]  # fmt: skip
    if not shared:
        return []
    return [
        f"{counted(len(shared), 'identity', 'identities')} of lot_identifiers name more than "
        f"one lot: {first_ids(shared)} (one TLC received as several lots is expected; a serial "
        "number on two lots is a typo or a relabel). A trace or recall by such a name takes "
        "every lot it names"
    ]


def _write_batch(
    graph: TraceGraph,
    table: str,
    rows: list[dict[str, Any]],
    state: RunState,
    fresh: set[Any],
    source: tuple[str, list[int]],
    header: frozenset[str] = frozenset(),
    summed: bool = False,
) -> tuple[int, int, list[Reject]]:
    """Write the new and changed rows of one batch (`source`: the file and each row's line,
    `header`: the file's columns, `summed`: a link table whose quantities a mapping's
    `combine = "sum"` added up); returns how many rows that were, how many of them changed
    rows the graph held, and the rows rejected as another source's record under their key
    (_other_records)."""
    if not rows:
        return 0, 0, []
    if table in RELATIONSHIP_PARENT:
        parent = RELATIONSHIP_PARENT[table]
        unsure = [r for r in rows if r[parent] not in fresh]
        stored = (graph.read(f"import/{table}_shas", rows=unsure, source=state.source)
                  if unsure else [])  # fmt: skip
        known = {(r["parent"], r["lot_id"]): r["sha"] for r in stored}
        held_sources = {(r["parent"], r["lot_id"]): (source_names(r["sources"]), r["id"])
                        for r in stored}  # fmt: skip
        held_shas = {(r["parent"], r["lot_id"]): r["source_shas"]
                     for r in stored if r["source_shas"] is not None}  # fmt: skip
        own = own_shas(held_shas, state.source)
        todo = [r for r in rows if not _unchanged(r, (r[parent], r["lot_id"]), known, own)]
        # Extra columns the file lacks keep what the link holds (keep_unsaid), as a node's do:
        # a night without the scale_ticket column cleared every ticket. A link so completed may
        # be unchanged after all.
        existing = [r for r in todo if (r[parent], r["lot_id"]) in known]
        held = _held_links(graph, table, existing) if existing else {}
        link_of: Callable[[dict[str, Any]], Any] = lambda r: (r[parent], r["lot_id"])  # noqa: E731
        sent = _Sent(table, header, known, held_shas,
                     _sent_shas(table, existing, link_of, held_sources, header))  # fmt: skip
        for row in existing:
            stored_link = held.get(link_of(row))
            if stored_link is not None:
                _complete(table, row, link_of(row), stored_link[0], held_sources, state, sent)
        todo = [r for r in todo if known.get((r[parent], r["lot_id"])) != r["props"]["_row_sha"]]
        _count_vouched(state, table, todo, link_of, held_sources, held_shas)
        updated = [r for r in todo if known.get((r[parent], r["lot_id"])) is not None]
        changes = _record_changes(graph, table, updated, state, (rows, *source), held)
        same = len(updated) - len(changes)
        if changes:
            state.disagreed(graph, table, changes, {"|".join(map(str, k)): v[0]
                                                    for k, v in held_sources.items()},
                            header)  # fmt: skip
        if summed:
            state.summed_replaced(table, [c for c in changes if "quantity" in c.columns])
        # Links not in the graph yet are created without MERGE's look for an existing one, and
        # their four properties set one by one (no Eager). Changed links, and new ones with
        # extra columns, are merged with all their properties as a map (see {table}.cypher).
        _add_sources(graph, table, rows, todo, link_of, held_sources, state, sent)
        new: list[dict[str, Any]] = []
        merged: list[dict[str, Any]] = []
        for row in todo:
            props = row["props"]
            if (row[parent], row["lot_id"]) in known or not props.keys() <= LINK_PROPERTIES:
                merged.append(row)
            else:
                row.update(quantity=props.get("quantity"), uom=props.get("uom"),
                           sha=props["_row_sha"], sources=props.get("_sources"))  # fmt: skip
                new.append(row)
        if new:
            graph.write(f"import/{table}_create", rows=new)
        if merged:
            graph.write(f"import/{table}", rows=merged)
        if table == "lot_identifiers":
            state.identities_written([r["identity_key"] for r in todo])
        return len(todo) - same, len(updated) - same, []
    key = NODE_KEYS[table]
    # a lot's spellings only for a file that gives supplier lots: _add_sources uses them then
    spells = table == "lots" and says_supplier_lot(header)
    stored = graph.read(f"import/{table}_shas", keys=[r[key] for r in rows], source=state.source,
                        spells=spells)  # fmt: skip
    known = {r["key"]: r["sha"] for r in stored}
    held_sources = {r["key"]: (source_names(r["sources"]), r["id"]) for r in stored}
    held_shas = {r["key"]: r["source_shas"] for r in stored if r["source_shas"] is not None}
    own = own_shas(held_shas, state.source)
    # a lot's supplier-lot identities naming this run's source (lots_shas; None: not read)
    spelled = {r["key"]: r.get("spelled") for r in stored} if table == "lots" else {}
    todo = [r for r in rows if not _unchanged(r, r[key], known, own)]
    # Columns the file lacks keep what the graph holds (keep_unsaid) — for nodes with other
    # content, and for nodes without a hash: stubs, and nodes a killed run wrote but did not
    # mark (see _merge_rows). A row completed so may be unchanged after all (a status update
    # naming the status the lot has).
    existing = [r[key] for r in todo if r[key] in known]
    held = _held(graph, table, existing) if existing else {}
    sent = _Sent(table, header, known, held_shas,
                 _sent_shas(table, [r for r in todo if r[key] in known], lambda r: r[key],
                            held_sources, header))  # fmt: skip
    rejects: list[Reject] = []
    if table in RECORD_COLUMNS and held:
        rows, source, rejects = _other_records(table, rows, source, held, held_sources, state)
        kept_ids = {id(r) for r in rows}
        todo = [r for r in todo if id(r) in kept_ids]
    for row in todo:
        if row[key] in held:
            kept = keep_instants(table, row, held[row[key]][0])
            _complete(table, row, row[key], held[row[key]][0], held_sources, state, sent)
            if kept:
                state.instants_kept(table, kept, known.get(row[key]) == row["props"]["_row_sha"])
        if table == "lots":
            row["receipt_location_id"] = _receipt_location(row, held.get(row[key]))
    todo = [r for r in todo if known.get(r[key]) != r["props"]["_row_sha"]]
    _count_vouched(state, table, todo, lambda r: r[key], held_sources, held_shas)
    _units_completed(table, todo, lambda r: r[key], held, held_sources, held_shas, header, state)
    # Rows the graph held with other content (a stub, without a hash, is completed, not changed).
    updated = [r for r in todo if known.get(r[key]) is not None]
    changes = _record_changes(graph, table, updated, state, (rows, *source), held)
    same = len(updated) - len(changes)
    state.disagreed(graph, table, changes, {str(k): held_sources[k][0] for k in held}, header)
    if table == "steps" and updated:
        stale_bounds(graph, state, *_moved_steps(updated, held))
    _add_sources(graph, table, rows, todo, lambda r: r[key], held_sources, state, sent, header,
                 spelled)  # fmt: skip
    state.created(key, [r[key] for r in todo if r[key] not in known])
    if table == "lots":
        state.stubs_completed(sum(1 for r in todo if r[key] in held and held[r[key]][2]))
    to_merge = todo
    if table in CREATE_PATH:
        # Rows for nodes not in the graph yet take the CREATE path: no look-ups, node and
        # edges in one transaction. Existing nodes (changed rows, stubs) are merged below.
        new = list({r[key]: r for r in todo if r[key] not in known}.values())
        if new:
            _raise_longest(graph, table, new, state)
            graph.write_all([(f"import/{table}_create", {"rows": new}),
                             (f"import/{table}_create_edges", {"rows": new})])  # fmt: skip
        to_merge = [r for r in todo if r[key] in known]
    _merge_rows(graph, table, to_merge, known, state, header)
    return len(todo) - same, len(updated) - same, rejects


def _complete(
    table: str, row: dict[str, Any], key: Any, stored: dict[str, Any],
    held_sources: dict[Any, tuple[list[str] | None, str | None]], state: RunState, sent: _Sent,
) -> None:  # fmt: skip
    """Complete a changed row the graph holds from its values (keep_unsaid): the columns its
    file lacks and, for a row another source sends or sent (`sent.given` has it), those this
    run's source sends as it sent them before (_said_again: the per-column rule). For a row
    one sender held, that sender's column hashes are taken from the graph's values first
    (sent.first), before it becomes one of two."""
    given = sent.given.get(id(row))
    kept: frozenset[str] = frozenset()
    if given is not None:
        senders = held_sources.get(key, (None, None))[0]
        if senders is not None and len(senders) == 1 and key not in sent.held:
            sent.first[key] = first_columns(table, row, stored)
        if vouches_again(source_shas(sent.held.get(key)).get(state.source or "")):
            kept = _vouched_by_others(table, row, stored, given[1], sent.held.get(key),
                                      state.source, senders)  # fmt: skip
        else:
            kept = _said_again(given[1], sent.held.get(key), state.source, senders)
        kept = _changed_together(table, kept - OWN_SPELLING.get(table, frozenset()), sent.header)
    keep_unsaid(table, row, stored, sent.header, kept)


# Columns whose meaning depends on each other, per table: a quantity and its unit, an
# inspection's measured value and its unit. Kept column by column, the ERP's `4 g` after the
# MES's newer `5 kg` left `5 g` in the graph, which no source said: a 1000x error in a mass
# balance. The cost: a source changing one writes the other as it sent it, over another
# source's newer value (noted as any disagreement). A step's start and end are not grouped: a
# correction of a step's end by one source was undone when another changed only the start
# (review); each end is a time of its own. A file giving one column of a group completes it
# from the graph, as any column it lacks (the ERP's `quantity` alone after the MES's `5 kg`:
# 4 kg). Times carry their offset in the value; no table keeps a zone apart.
TOGETHER: dict[str, tuple[frozenset[str], ...]] = {
    **dict.fromkeys(("lots", "step_inputs", "step_outputs", "shipment_lines"),
                    (frozenset({"quantity", "uom"}),)),
    "inspections": (frozenset({"value", "unit"}),),
}  # fmt: skip


# The unit of each measured column TOGETHER groups with it.
UNIT_OF = {"quantity": "uom", "value": "unit"}


def _units_completed(
    table: str, todo: list[dict[str, Any]], key_of: Callable[[dict[str, Any]], Any],
    held: dict[Any, Any], held_sources: dict[Any, tuple[list[str] | None, Any]],
    held_shas: dict[Any, str], header: frozenset[str], state: RunState,
) -> None:  # fmt: skip
    """Count for the file's note (write_notes) the rows written whose file gives a new
    quantity without its unit column, where the graph holds a unit another source sent (the
    row's other senders; not the unit this source's own `_source_shas` entry says it sent:
    the ERP's own `kg`, QC sending the lot's status too): keep_unsaid completed it with the
    graph's unit (the ERP's `4` after the MES's `5 kg`: 4 kg), which the file may not have
    meant. The write is as before."""
    groups = TOGETHER.get(table, ())
    pairs = [(m, u) for m, u in UNIT_OF.items()
             if frozenset({m, u}) in groups and m in header and u not in header]  # fmt: skip
    if not pairs:
        return
    examples = []
    for row in todo:
        stored = held.get(key_of(row))
        senders = held_sources.get(key_of(row), (None, None))[0] or []
        if stored is None or all(name == state.source for name in senders):
            continue
        for measure, unit in pairs:
            value, was = row["props"].get(measure), stored[0]
            if (value is not None and value != was.get(measure) and was.get(unit) is not None
                    and not _sent_value(held_shas.get(key_of(row)), state.source, unit,
                                        was[unit])):  # fmt: skip
                key = key_of(row)
                shown = "|".join(map(str, key)) if isinstance(key, tuple) else key
                # as the file gave it: `:g` wrote 1.5e+06, and 0.123457 for 0.1234567
                amount = (int(value) if isinstance(value, float) and value.is_integer()
                          else value)  # fmt: skip
                examples.append(f"{shown}: {amount} {was[unit]}")
    state.unit_completed(table, examples)


def _sent_value(stored: str | None, source: str | None, column: str, value: Any) -> bool:
    """Whether `source`'s entry in a row's `_source_shas` (`stored`) says it sent `value` in
    `column` when it last sent the row (its column's digest, as column_hashes makes it)."""
    return _column_digest(column, str(value)) in _sent_digests(stored, source, column)


# The offsets a time may have been sent with, in minutes: every quarter hour from -14:00 to
# +14:00 (the world's zones since 1970; older local mean times are not tried).
_OFFSETS = range(-14 * 60, 14 * 60 + 1, 15)


def sent_instant(stored: str | None, source: str | None, column: str, text: str) -> bool:
    """Whether `source`'s entry in a row's `_source_shas` (`stored`) says it sent the instant
    `text` names in time column `column`, under any offset (_OFFSETS): the import keeps the
    graph's text of an equal instant (keep_instants), no change. Its digest hashes the text it
    sent, so each offset's text is hashed in turn."""
    at, digests = moment(text), _sent_digests(stored, source, column)
    if at is None or not digests:
        return False
    return any(
        _column_digest(column, at.astimezone(timezone(timedelta(minutes=m))).isoformat()) in digests
        for m in _OFFSETS
    )


def _sent_digests(stored: str | None, source: str | None, column: str) -> frozenset[str]:
    """The digests of `column` in `source`'s entry of a row's `_source_shas` (`stored`)."""
    entry = source_shas(stored).get(source or "")
    columns = _entry_columns(entry) if entry else None
    return (columns or {}).get(_column_tag(column), frozenset())


def _changed_together(table: str, kept: frozenset[str], header: frozenset[str]) -> frozenset[str]:
    """The columns a changed row keeps from the graph (`kept`, _said_again), less every
    column of a group (TOGETHER) one of whose columns in the file (`header`) this source
    changed: the group is written whole, as this source sent it."""
    for group in TOGETHER.get(table, ()):
        if (group & header) - kept:
            kept -= group
    return kept


# Columns each source keeps its own value of, outside the per-column rule: a lot's supplier
# lot, each source's spelling an identity of its own (`000123` the ERP's, `123` the MES's, see
# lots_identities.cypher). Kept from the graph as any column sent unchanged, the ERP's next
# row wrote the MES's `123` as the ERP's spelling.
SUPPLIER_COLUMNS = ("supplier_id", "supplier_lot")
OWN_SPELLING: dict[str, frozenset[str]] = {"lots": frozenset(SUPPLIER_COLUMNS)}


# The columns that say which record a row of these tables is, besides its key: an inspection's
# lot and step, a step's work order, a shipment's customer. Two sources' rows under one key
# that name other ones are two records (QC's inspection I-1001 of lot L1, the MES's I-1001 of
# step S9), not one to merge (see _other_records).
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "inspections": ("lot_id", "step_id"),
    "steps": ("work_order_id",),
    "shipments": ("customer_id",),
}


# The tables whose rows name a record of these by its id: a source prefixing its step ids
# (template = "mes-{…}") must prefix them there too, or its links name the other's steps.
NAMED_BY: dict[str, str] = {
    "steps": "step_inputs, step_outputs and inspections",
    "shipments": "shipment_lines",
}


def _other_records(
    table: str,
    rows: list[dict[str, Any]],
    source: tuple[str, list[int]],
    held: _Held,
    held_sources: dict[Any, tuple[list[str] | None, str | None]],
    state: RunState,
) -> tuple[list[dict[str, Any]], tuple[str, list[int]], list[Reject]]:
    """Reject the rows whose key the graph holds as another source's record (RECORD_COLUMNS):
    its sources known and this run's not among them, and the row naming another lot, step,
    work order or customer than it does — or, an inspection, naming neither that it names (QC's
    of lot L1, the MES's of step S9: one inspection of lot L1 during S9 was made of them,
    which neither source wrote, as a row's missing columns are kept from the graph). A row that
    names the same ones, or that source's own row, is written as before. Returns the rows and
    lines kept, and the rejects; the rejected keys are kept in the run's state, for link rows
    naming them (steps', shipments')."""
    file, lines = source
    key = NODE_KEYS[table]
    columns = RECORD_COLUMNS[table]
    kept: list[dict[str, Any]] = []
    kept_lines: list[int] = []
    rejects: list[Reject] = []
    for row, line in zip(rows, lines, strict=True):
        stored = held.get(row[key])
        senders = held_sources.get(row[key], (None, None))[0]
        if stored is None or not senders or state.source is None or state.source in senders:
            kept.append(row)
            kept_lines.append(line)
            continue
        was = {c: stored[0].get(c) for c in columns if stored[0].get(c) is not None}
        now = {c: row[c] for c in columns if row[c] is not None}
        differs = [c for c in columns if c in was and c in now and was[c] != now[c]]
        if not differs and not (was and now and not was.keys() & now.keys()):
            kept.append(row)
            kept_lines.append(line)
            continue
        theirs = ", ".join(f"{c} {v}" for c, v in was.items()) or "no " + " or ".join(columns)
        ours = ", ".join(f"{c} {v}" for c, v in now.items())
        rejects.append(Reject(
            file, line, key, str(row[key]),
            f"{key} {row[key]} is {', '.join(senders)}'s record of {theirs}, this "
            f"{state.source} row's of {ours}: another record under the same id, not merged "
            f"into it (hint: if the sources number their {table} apart, give this source's "
            f"ids a prefix in its mapping: {key} = {{ template = \"{state.source}-{{COLUMN}}\" }}"
            f", COLUMN the column it takes {key} from"
            + (f", and the same prefix in its {NAMED_BY[table]} files" if table in NAMED_BY else "")
            + ")",
        ))  # fmt: skip
        state.record_conflict(table, row[key], file, line)
    return kept, (file, kept_lines), rejects


def source_names(stored: str | None) -> list[str] | None:
    """The sources a row's `_sources` names. Stored as one string, the sorted names separated
    by spaces (a name has none, see sources.checked_source): a short string stays inline in
    Neo4j's property record, where a list of strings took a dynamic record per row (+16-59 %
    on a 100k-lot plant's import). None: a row written before rows kept their sources."""
    return None if stored is None else stored.split(" ")


def source_shas(stored: str | None) -> dict[str, str]:
    """Each source's entry in a row's `_source_shas`: one string of entries sorted by source,
    separated by spaces (a source name has no space and no colon, see sources.checked_source),
    each `source:ROWSHA` or `source:ROWSHA:COLUMNS` — its last row's hash (`_row_sha` of the row
    as its file gave it) and, since the per-column rule, the hashes of the columns it sent
    (COLUMNS: 10 hex digits per column, its tag and its value's hash, sorted; see
    column_hashes). Only rows two or more sources send (or sent: a source a --full took off
    keeps its entry) have it: a row one source sends has that source's in `_row_sha`."""
    return dict(entry.split(":", 1) for entry in stored.split(" ")) if stored else {}


def entry_sha(entry: str) -> str:
    """The row hash of a `_source_shas` entry (`ROWSHA` or `ROWSHA:COLUMNS`; a marked one's,
    `!ROWSHA…`, is no row's hash: see TO_VOUCH)."""
    return entry.split(":", 1)[0]


# The mark a --full run puts on the `_source_shas` entries of the senders left on a row it
# took its source off (full.drop_sources): `!` before the entry (`erp:!ROWSHA:COLUMNS`; `erp:!`
# for a sender without one). The graph may hold the taken-off source's values, which no sender
# vouches for now, and the others' unchanged rows were skipped for good (the MES's location B
# stayed while the ERP, its only sender, sent A every night). A marked entry is no row's hash,
# so the sender's next row is compared with the graph and, where it differs, written — the
# columns its file carries, not kept from the graph as said before (_said_again), except
# those whose graph value another sender left on the row last sent (_vouched_by_others: QC's
# hold stays) — and the mark goes. A mark on the row's entries rather than a note of each
# source's values at take-off: it stays right whatever comes next — the taken-off source
# back with its row (it is a sender again: the marks go, _shas_after, and its row is no news
# as before), a sender vouching (its entry is its row again, and the taken-off source's
# entry goes with the mark: back later, it is new to the row and its row a change as any). It
# costs the taken-off rows only: the entry is read with the row's hashes, by key, as it
# always was.
TO_VOUCH = "!"


def to_vouch(entry: str | None) -> str:
    """A sender's `_source_shas` entry marked: its next row is compared again (TO_VOUCH)."""
    if entry is None:
        return TO_VOUCH
    return entry if entry.startswith(TO_VOUCH) else TO_VOUCH + entry


def vouches_again(entry: str | None) -> bool:
    """Whether a sender's `_source_shas` entry is marked (TO_VOUCH)."""
    return entry is not None and entry.startswith(TO_VOUCH)


def _entry_columns(entry: str) -> dict[str, frozenset[str]] | None:
    """The column hashes of a `_source_shas` entry, per column tag (see _COLUMN_TAG); None for
    one kept before the per-column rule (a row hash alone: that source's changed row is written
    whole, as before)."""
    _, found, columns = entry.partition(":")
    if not found:
        return None
    step = _COLUMN_TAG + _COLUMN_DIGITS
    tagged: dict[str, set[str]] = {}
    for i in range(0, len(columns), step):
        item = columns[i : i + step]
        tagged.setdefault(item[:_COLUMN_TAG], set()).add(item[_COLUMN_TAG:])
    return {tag: frozenset(digests) for tag, digests in tagged.items()}


# A column's value as a source sent it, in its `_source_shas` entry: a tag of the column (2
# hex digits of SHA-256 of its name) and 32 bits of SHA-256 of its name and value (8 hex
# digits). A column's new value is compared with the value that column had (the digests under
# its tag), not with every column's: compared with the whole entry, a changed quantity whose
# 24-bit digest equalled the material's was taken for unchanged, for good (k·2^-24 per changed
# column). A change goes unnoticed now only if its value hashes as the column's last one did
# (2^-32; at ~200k changed shared cells a night, one in ~58 years), or as that of another
# column sharing its tag (1 in 256 pairs of columns). The row hash still tells the row changed.
_COLUMN_TAG = 2
_COLUMN_DIGITS = 8


def column_hashes(
    table: str, shaped: dict[str, Any], header: frozenset[str] | None
) -> dict[str, str]:
    """Per column of a row in its parameter map (cypher_row's output, before keep_unsaid
    completes it) that its file has (`header`; None: every column, the graph's row), its tag
    and the hash of its name and value (_COLUMN_DIGITS): what the source said of each, so that
    its next row tells which columns it changed. Extra columns by name, as the row's props
    hold them."""
    spec, shape = TABLES[table], SHAPES[table]
    props = shaped["props"]
    texts: dict[str, str] = {}
    for column in spec.columns:
        name = column.name
        if name in spec.key or (header is not None and name not in header):
            continue
        value = shaped.get(name) if name in shape.hashed else props.get(name)
        texts[name] = "\x00" if value is None else str(value)
    for name, value in props.items():
        if name not in shape.properties and name not in _BOOKKEEPING[table]:
            texts[name] = repr(float(value) if type(value) is int else value)  # as _row_sha
    return {name: _column_tag(name) + _column_digest(name, text) for name, text in texts.items()}


def _column_digest(name: str, text: str) -> str:
    """The hash of a column's name and value in `_source_shas` entries (_COLUMN_DIGITS)."""
    return hashlib.sha256(f"{name}\x1f{text}".encode()).hexdigest()[:_COLUMN_DIGITS]


@functools.lru_cache(maxsize=1024)  # names: the tables' columns and their extras
def _column_tag(name: str) -> str:
    """A column's tag in `_source_shas` entries (_COLUMN_TAG), hashed once per name."""
    return hashlib.sha256(name.encode()).hexdigest()[:_COLUMN_TAG]


def _entry(sha: str, columns: dict[str, str]) -> str:
    """A source's `_source_shas` entry: its row hash and its columns' hashes (sorted)."""
    return f"{sha}:{''.join(sorted(columns.values()))}"


def own_shas(held_shas: dict[Any, str], source: str | None) -> dict[Any, frozenset[str]]:
    """Per row key, the hashes of rows that are no news from this run's source, for the rows
    several sources send (`held_shas`: their `_source_shas`): the one it last sent (also after
    its own --full took it off the row: a bad dump's source back with its old row is no news);
    where it has sent none (a source new to the row, or one whose name changed: a renamed
    mapping file), those the others sent — the same content another source sent before is no
    newer change (the ERP's first run under its mapping's new name released 4 of QC's holds and
    passed 4 failed inspections, for good). Empty for a single-source import."""
    if source is None:
        return {}
    own: dict[Any, frozenset[str]] = {}
    for key, text in held_shas.items():
        entries = source_shas(text)
        mine = entries.get(source)
        own[key] = frozenset(entry_sha(e) for e in ((mine,) if mine is not None
                                                     else entries.values()))  # fmt: skip
    return own


def _count_vouched(
    state: RunState, table: str, todo: list[dict[str, Any]],
    key_of: Callable[[dict[str, Any]], Any],
    held_sources: dict[Any, tuple[list[str] | None, str | None]], held_shas: dict[Any, str],
) -> None:  # fmt: skip
    """Count, for the run's note, the rows to write that this run's source vouches for again
    (its entry marked, TO_VOUCH): its row as it sent it before, written as the graph held
    another's values; with the sources taken off them (those whose entry the row keeps and
    which no longer send it)."""
    rows, taken = 0, set[str]()
    for row in todo:
        entries = source_shas(held_shas.get(key_of(row)))
        if state.source is not None and vouches_again(entries.get(state.source)):
            rows += 1
            senders = held_sources.get(key_of(row), (None, None))[0] or []
            taken.update(name for name in entries if name not in senders)
    state.vouched_for(table, rows, taken)


def _unchanged(
    row: dict[str, Any], key: Any, known: dict[Any, Any], own: dict[Any, frozenset[str]]
) -> bool:
    """Whether a row is unchanged for this run: the graph holds its hash, or it is no news from
    this run's source (own_shas: the row it sent last time) while the graph holds another
    source's later change — an ERP's unchanged lot row must not undo QC's hold of the lot."""
    sha = row["props"]["_row_sha"]
    return bool(known.get(key) == sha or sha in own.get(key, ()))


def _sent_shas(
    table: str,
    rows: list[dict[str, Any]],
    key_of: Callable[[dict[str, Any]], Any],
    held_sources: dict[Any, tuple[list[str] | None, str | None]],
    header: frozenset[str],
) -> dict[int, tuple[str, dict[str, str]]]:
    """The hashes of rows as their file gives them — the row's and each of its columns'
    (column_hashes) — before keep_unsaid and keep_instants complete them from the graph, for
    the rows another source sends or sent (a row id from the *_shas query): a source's own
    last row is kept as this (_shas_after), so that QC sending its unchanged partial status
    row again is unchanged for QC whatever the ERP's columns now say, and the ERP's changed
    row writes only the columns it changed (_said_again). A row only this run's source sends
    needs none (no work: the 1M-lot import's rows)."""
    return {id(r): (r["props"]["_row_sha"], column_hashes(table, r, header)) for r in rows
            if held_sources.get(key_of(r), (None, None))[1] is not None}  # fmt: skip


def _said_again(
    given: dict[str, str], stored: str | None, source: str | None, senders: list[str] | None
) -> frozenset[str]:
    """The columns of a changed row this run's source sends as it sent them before (`given`:
    its columns' hashes, `stored`: the row's `_source_shas`): they keep the graph's values,
    another source's newer change among them (the per-column rule: the ERP correcting a held
    lot's quantity leaves QC's hold), each compared with that column's own last value (its
    tag's digests), not with every column's. For a source new to the row, the columns another
    sender sent alike. None for an entry kept before the per-column rule: the row is written
    whole."""
    if source is None or not stored:
        return frozenset()
    entries = source_shas(stored)
    if vouches_again(entries.get(source)):  # its row is written as it sends it (TO_VOUCH)
        return frozenset()
    if source in entries:
        found = [_entry_columns(entries[source])]
    else:
        found = [_entry_columns(e) for name, e in entries.items() if name in (senders or ())]
    known: dict[str, set[str]] = {}
    for columns in found:
        for tag, digests in (columns or {}).items():
            known.setdefault(tag, set()).update(digests)
    if not known:
        return frozenset()
    return frozenset(
        name
        for name, item in given.items()
        if item[_COLUMN_TAG:] in known.get(item[:_COLUMN_TAG], ())
    )


def _vouched_by_others(
    table: str, row: dict[str, Any], stored: dict[str, Any], given: dict[str, str],
    shas: str | None, source: str | None, senders: list[str] | None,
) -> frozenset[str]:  # fmt: skip
    """The columns of a row this run's source vouches for again (its entry marked, TO_VOUCH)
    that keep the graph's value (`stored`, changes.stored_values): those whose value another
    sender still on the row (`senders`, not taken off) last sent — its entry holds that
    column's digest for the graph's value, hashed as column_hashes hashes a file's. That
    sender vouches for it: QC's hold stays when the MES, not QC, is taken off the lot, where
    the ERP's `released` lifted it. The others are written as this source sends them: the
    graph holds the taken-off source's value, or one no sender sends now (QC last sent C, the
    graph holds the MES's B). A sender left whose entry has no column hashes (kept before the
    per-column rule, or none: a mark alone) may have sent any column: every column keeps the
    graph's value then — written wrongly, a value may undo that sender's newer change (a hold
    lifted) unseen; kept, it is the row as it was before the take-off, its senders on `lot
    show`."""
    entries = source_shas(shas)
    others = [name for name in senders or () if name != source]
    if not others:
        return frozenset()
    found = [_entry_columns(entries.get(name) or "") for name in others]  # parsed once
    if any(columns is None for columns in found):
        return frozenset(given)
    held = first_columns(table, row, stored)  # the graph's values, hashed as a file's
    times = SHAPES[table].times
    return frozenset(
        name
        for name in given
        if name in held
        and (any(held[name][_COLUMN_TAG:] in (columns or {}).get(held[name][:_COLUMN_TAG], ())
                 for columns in found)
             or (name in times and stored.get(name) is not None
                 and any(sent_instant(shas, other, name, str(stored[name]))
                         for other in others)))
    )  # fmt: skip


@dataclass(frozen=True)
class _Sent:
    """What _shas_after needs of a batch: its table and file's columns, per key the graph's
    `_row_sha` (`known`) and `_source_shas` (`held`, rows with several senders only), per row
    id its hashes as its file gave it (`given`, see _sent_shas), and per key the entry of the
    row's one sender before this run's source joins it, made from the graph's values (`first`,
    rows written only: an unchanged row is the graph's)."""

    table: str
    header: frozenset[str]
    known: dict[Any, Any]
    held: dict[Any, str]
    given: dict[int, tuple[str, dict[str, str]]]
    first: dict[Any, dict[str, str]] = field(default_factory=dict)


def _shas_after(
    state: RunState, row: dict[str, Any], key: Any, held: list[str] | None,
    sources: list[str] | None, sent: _Sent,
) -> str | None:  # fmt: skip
    """A row's `_source_shas` once this run's source sent it: each sender's last entry, this
    source's as its file gave the row (see _sent_shas), and those of sources a --full took off
    the row (kept: back with the same row, such a source is no news). None while one source
    sends it and none sent it before: a single-source row carries none. The first source's,
    when a second one joins, is made from the graph's values (its row, as it was the only
    sender); a row several sources sent before rows kept their hashes has only those of the
    sources that sent it since. A run without a source keeps those the graph holds."""
    stored = sent.held.get(key)
    if state.source is None:
        return stored
    if (sources is None or len(sources) < 2) and not stored:
        return None
    shas = source_shas(stored)
    if held is not None and state.source not in held and state.source in shas:
        shas = _unmarked(shas)  # a taken-off source back: a sender again (TO_VOUCH)
    if held is not None and len(held) == 1 and sent.known.get(key) is not None:
        columns = sent.first.get(key) or column_hashes(sent.table, row, None)
        shas.setdefault(held[0], _entry(sent.known[key], columns))
    given = sent.given.get(id(row))
    mine = shas.get(state.source)
    if given is None and mine is not None and entry_sha(mine) == row["props"]["_row_sha"]:
        pass  # unchanged for this source: its entry stays
    elif given is None:
        shas[state.source] = _entry(row["props"]["_row_sha"],
                                    column_hashes(sent.table, row, sent.header))  # fmt: skip
    else:
        shas[state.source] = _entry(*given)
    if vouches_again(mine):
        shas = _vouched(shas, sources or [])
    return " ".join(f"{name}:{shas[name]}" for name in sorted(shas)) or None


def _unmarked(shas: dict[str, str]) -> dict[str, str]:
    """A row's entries once the source a --full took off it sends it again: no sender has
    to vouch for it (TO_VOUCH) — the graph's values are a sender's again — and a mark put
    where a sender had no entry goes."""
    return {name: entry.removeprefix(TO_VOUCH) for name, entry in shas.items()
            if entry != TO_VOUCH}  # fmt: skip


def _vouched(shas: dict[str, str], sources: list[str]) -> dict[str, str]:
    """A row's entries once a sender left on it after a --full vouched for it (TO_VOUCH):
    without those of the sources taken off it, which no longer send it — back later, such a
    source is new to the row, and its row a change as any (kept, its row as it sent it before
    was no news, and the sender's values stayed). None left beside the run's source's own
    when it is the row's one sender: a row one source sends carries none."""
    left = {name: entry for name, entry in shas.items() if name in sources}
    return {} if len(sources) == 1 else left


def first_columns(table: str, row: dict[str, Any], stored: dict[str, Any]) -> dict[str, str]:
    """The column hashes of a row's one sender as the graph holds its row (`stored`,
    changes.stored_values), for a second source joining it with a changed row: the row
    completed from the graph alone, so that its columns hash as a file giving them does."""
    shaped = {**row, "props": {}}
    keep_unsaid(table, shaped, stored, frozenset())
    return column_hashes(table, shaped, None)


def _sources_after(state: RunState, held: list[str] | None) -> list[str] | None:
    """The sources that send a row once this run's source sent it: those the graph holds, and
    this one (sorted, each once). A row new to the graph, a node known only from references (a
    stub), or a row written before rows kept their sources (no `_sources`: whoever else sent it
    is not known, see sources.py) is this source's."""
    if state.source is None:
        return held
    return sorted({*(held or ()), state.source})


def _add_sources(
    graph: TraceGraph,
    table: str,
    rows: list[dict[str, Any]],
    todo: list[dict[str, Any]],
    key_of: Callable[[dict[str, Any]], Any],
    held_sources: dict[Any, tuple[list[str] | None, str | None]],
    state: RunState,
    sent: _Sent,
    header: frozenset[str] = frozenset(),
    spelled: dict[Any, list[str] | None] | None = None,
) -> None:
    """Give the rows to write (`todo`) their `_sources` in their props, the union of those the
    graph holds and this run's (in Python, from the *_shas query's read: a second SET in the
    write queries made Neo4j plan an Eager); and add this run's source to the unchanged rows
    that lack it (a second source sending the same row) in one query by element id: no content
    is written and no change recorded. An unchanged row that has it costs nothing. Rows two or
    more sources send keep each one's last row hash too (`_source_shas`, see _shas_after),
    written with the row or, for an unchanged row whose hashes differ, with its sources.

    Every file a row is in makes its source a sender, a file that gives the row only in part
    too (a QC status update `lot_id,material_id,status`). Telling a partial update from a
    complete file by the values the graph held was wrong: a complete ERP file without the
    optional `kind` the MES sends never made the ERP a sender, and the MES's --full removed a
    material the ERP still sends. The cost, until a file can say it is partial: a QC status
    update keeps a lot the ERP deleted (under `qc`, which never runs --full) — kept, never
    wrongly removed. The rows whose held sources lacked this source and gain it are counted
    (RunState.gained): the run's --full comparison, after its writes, holds them as this
    source's, the dry run did not."""
    writing = {id(row) for row in todo}
    added = []
    spellings: list[dict[str, Any]] = []
    gained = 0
    spells = table == "lots" and says_supplier_lot(header)  # the file gives supplier lots
    for row in rows:
        key = key_of(row)
        held, element = held_sources.get(key, (None, None))
        sources = _sources_after(state, held)
        if held is not None and sources != held:
            gained += 1
        if id(row) in writing:
            if sources is not None:
                row["props"]["_sources"] = " ".join(sources)
            shas = _shas_after(state, row, key, held, sources, sent)
            if shas is not None:
                row["props"]["_source_shas"] = shas
        elif element is not None and sources is not None:  # unchanged
            shas = _shas_after(state, row, key, held, sources, sent)
            if sources != held or shas != sent.held.get(key):
                added.append({"id": element, "sources": " ".join(sources), "shas": shas})
        if spells and id(row) not in writing and element is not None:
            # an unchanged lot says which supplier-lot spelling this source sends (lots_shas)
            # (`spelled`: the identities it is on already; written only when they differ)
            identity = row.get("identity_key")
            on = (spelled or {}).get(key)
            if identity is not None and state.source is not None and on != [identity]:
                spellings.append({"id": element, "identity_key": identity,
                                  "supplier_id": row.get("supplier_id"),
                                  "supplier_lot": row.get("supplier_lot")})  # fmt: skip
    if gained:
        state.sources_gained(table, gained)
    # One transaction: a run killed between the two left the lot with this source and its
    # spelling without it, which no re-run repaired
    query = "set_link_sources" if table in RELATIONSHIP_PARENT else "set_node_sources"
    writes: list[tuple[str, dict[str, Any]]] = []
    if added:
        writes.append((f"import/{query}", {"rows": added}))
    if spellings:
        writes.append(("import/lots_identity_sources", {"rows": spellings, "source": state.source}))
    if writes:
        graph.write_all(writes)


def says_supplier_lot(header: frozenset[str]) -> bool:
    """Whether a lots file gives the supplier lot (its header has supplier_lot or
    supplier_id): only such a file's source is added to or taken off a lot's supplier-lot
    identities. A QC status update `lot_id,material_id,status` completes the row's number from
    the graph (keep_unsaid); made a sender of that number, it kept it as an alias for good once
    the ERP corrected it (`000123` and `000124` both found the lot)."""
    return bool(header.intersection(SUPPLIER_COLUMNS))


# A batch's rows, its file and each row's line there.
_Batch = tuple[list[dict[str, Any]], str, list[int]]


def _lines(batch: _Batch) -> dict[int, int]:
    rows, _, lines = batch
    return {id(row): line for row, line in zip(rows, lines, strict=True)}


# A row key -> the values the graph holds for that row, the element ids of its node(s),
# whether it is a lot known only as a reference (a stub), and a lot's receipt locations (one
# per SUPPLIED_BY edge; None where a receipt was imported before receipts kept it).
_Held = dict[Any, tuple[dict[str, Any], list[str], bool, list[Any]]]


def _held(graph: TraceGraph, table: str, keys: list[Any]) -> _Held:
    """What the graph holds for the nodes of a node table with these keys."""
    return {
        r["key"]: (stored_values(table, r["props"], r["links"]), [r["node"]],
                   r["props"].get("origin_known") is False, r.get("receipt_locations") or [])
        for r in graph.read(f"import/{table}_before", keys=keys)
    }  # fmt: skip


def _receipt_location(
    row: dict[str, Any], held: tuple[dict[str, Any], list[str], bool, list[Any]] | None
) -> Any:
    """Where a lot on the MERGE path was received (SUPPLIED_BY's received_location_id), as
    lots_edges writes it. A lot moves (a later lots.csv gives it another location_id) but its
    receipt stays where it happened: a changed row keeps the receipt location the graph holds,
    also when the supplier lot or time are corrected. A lot received only now (it had no
    supplier, or was a stub) was received where the row says it is. A receipt without one (it
    was imported from a file without a location_id column, or before receipts kept their
    location) takes the first location a later row gives: the first location known, not
    necessarily the receipt's (the lot may have moved before it), but without it the receipt
    stayed "imported before this version" in every recall for good. One held is never replaced.

    Safe to re-run: an unchanged row is not written again, and a crash rolls back the whole
    transaction (detach, node, edges, hash; see _merge_rows), so the re-run reads the same
    receipt location and writes the same one."""
    if row["supplier_id"] is None:
        return None
    receipts = held[3] if held is not None else []
    known = next((place for place in receipts if place is not None), None)
    return known if known is not None else row["location_id"]


def _held_links(graph: TraceGraph, table: str, rows: list[dict[str, Any]]) -> _Held:
    """What the graph holds for these rows of a link table, keyed (parent, lot_id)."""
    parent = RELATIONSHIP_PARENT[table]
    return {
        (r["parent"], r["lot_id"]): (
            stored_values(table, {**r["props"], parent: r["parent"], "lot_id": r["lot_id"]},
                          []), r["nodes"], False, [])
        for r in graph.read(f"import/{table}_before", rows=rows)
    }  # fmt: skip


def _record_changes(
    graph: TraceGraph,
    table: str,
    rows: list[dict[str, Any]],
    state: RunState,
    batch: _Batch,
    held: _Held | None = None,
) -> list[RowChange]:
    """Record in the run's ledger what each changed row changes, before it is written; `held`:
    the rows' stored values, when the caller has read them. Returns the changes recorded; the
    rows without one change no column: the graph holds their content under a hash made
    otherwise (an issuer migrate/serial_gtin14 padded to GTIN-14 in the graph, which Cypher
    cannot hash again). They are written all the same, which stores this version's hash, but
    they changed nothing: no ledger entry (an empty change says nothing, and `lot show` listed
    it in the lot's history), and the caller counts them unchanged."""
    if not rows:
        return []
    parent = RELATIONSHIP_PARENT.get(table)
    if parent is None:  # a node: its properties and reference edges
        column = NODE_KEYS[table]
        keys: list[Any] = [r[column] for r in rows]
        held = _held(graph, table, keys) if held is None else held
        columns = SHAPES[table].hashed
    else:  # a link: its properties; its key names its two ends
        keys = [(r[parent], r["lot_id"]) for r in rows]
        held = _held_links(graph, table, rows) if held is None else held
        # a lot identifier's scheme, issuer and value too (its Identifier's; for the other
        # link tables, top is their two ends again)
        columns = (parent, "lot_id", *SHAPES[table].top)
    line_of = _lines(batch)
    compared = [
        difference(table, key if isinstance(key, str) else "|".join(key), line_of[id(row)],
                   held[key][0], new_values(row, columns), held[key][1])
        for row, key in zip(rows, keys, strict=True)
        if key in held  # else removed since the hashes were read: nothing to compare with
    ]  # fmt: skip
    changes = [c for c in compared if c.columns]
    if changes and state.run_id is not None:
        graph.write("import/record_changes", run_id=state.run_id, changes=[
            {"props": c.as_props(state.run_id, batch[1]), "nodes": list(c.nodes)} for c in changes
        ])  # fmt: skip
    return changes


def _merge_rows(
    graph: TraceGraph, table: str, todo: list[dict[str, Any]], known: dict[Any, Any],
    state: RunState, header: frozenset[str] = frozenset(),
) -> None:  # fmt: skip
    """The MERGE path: rows whose node may already exist, each query in its own transaction.
    A lots file that says nothing of the supplier lot (`header` without supplier_lot and
    supplier_id, see says_supplier_lot) leaves the lot's supplier-lot identities as they are."""
    identities = table == "lots" and says_supplier_lot(header)
    changed_keys = [r[NODE_KEYS[table]] for r in todo if r[NODE_KEYS[table]] in known]
    if todo:
        if table in WITH_EDGES:
            # One transaction: old edges removed, node and new edges written, the hash last
            # (see cypher/import/*_done.cypher). In separate transactions, a run killed after
            # the detach left a node without its edges, which a partial file completing the row
            # from the graph (keep_unsaid) would then have taken for no values.
            unmarked = [{**r, "props": {k: v for k, v in r["props"].items() if k != "_row_sha"}}
                        for r in todo]  # fmt: skip
            detach: list[tuple[str, dict[str, Any]]] = []
            if changed_keys:
                detach.append((f"import/{table}_detach", {"keys": changed_keys}))
                if identities:
                    detach.append(("import/lots_detach_identities",
                                   {"keys": changed_keys, "source": state.source}))  # fmt: skip
            _raise_longest(graph, table, todo, state)
            graph.write_all([
                *detach,
                (f"import/{table}", {"rows": unmarked}),
                *_bounds_kept(table, changed_keys),
                (f"import/{table}_edges", {"rows": todo}),
                *([("import/lots_identities", {"rows": todo, "source": state.source})]
                  if identities else []),
                (f"import/{table}_done", {"rows": todo}),
            ])  # fmt: skip
        else:
            graph.write_all([(f"import/{table}", {"rows": todo}),
                             *_bounds_kept(table, changed_keys)])  # fmt: skip


def _bounds_kept(table: str, changed_keys: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """For changed devices and operators: their steps' bound (longest_step_s), which their rows'
    `SET n = row.props` drops, written again in the same transaction (devices_bound.cypher)."""
    if table not in ("devices", "operators") or not changed_keys:
        return []
    return [(f"import/{table}_bound", {"keys": changed_keys})]


def _raise_longest(
    graph: TraceGraph, table: str, rows: list[dict[str, Any]], state: RunState
) -> None:
    """Raise the bounds of the devices and operators of these steps before the steps' own
    transaction, one batch at a time. Not in it: every batch of steps names every busy device,
    and a bound raised in each batch's transaction held the device's lock until its commit, so
    two writers (see WRITERS) took turns. Before, not after: a run killed between the two leaves
    a bound above the steps written (still an upper bound; the re-run writes the rest and the
    same bound), never steps beyond their device's bound, which windows would miss.

    Within the steps table a bound only grows: only an import raises it (one batch at a time,
    under the import lock), and the devices and operators tables — whose rewritten rows get
    their bound reset from their steps (_bounds_kept; lower, if a long step was shortened since)
    — are written before steps (IMPORT_ORDER). So a batch whose steps are no longer than the
    bounds this run last saw has nothing to raise: after the first batches, most write no bound
    at all."""
    statements = _longest_steps(table, rows)
    if not statements:  # not steps
        return
    with state.bounds_lock:
        raised = [
            (name, {"longest": [b for b in params["longest"]
                                if b["seconds"] > state.bounds.get((name, b["id"]), 0)]})
            for name, params in statements
        ]  # fmt: skip
        raised = [(name, params) for name, params in raised if params["longest"]]
        if not raised:
            return
        # the devices and operators only steps name are made here (steps_bound_refs)
        ids = {name: [b["id"] for b in params["longest"]] for name, params in raised}
        graph.write("import/steps_bound_refs",
                    devices=ids.get("import/steps_longest_device", []),
                    operators=ids.get("import/steps_longest_operator", []))  # fmt: skip
        for name, params in raised:
            for record in graph.write_records(name, **params):
                state.bounds[(name, record["id"])] = record["bound"]


# What a step's bound depends on: its times, and which device and operator it is on.
_BOUND_COLUMNS = ("started_at", "ended_at", "device_id", "operator_id")


def _moved_steps(updated: list[dict[str, Any]], held: _Held) -> tuple[set[Any], set[Any]]:
    """The devices and operators, before and after, of the changed steps whose times, device
    or operator changed: a step ten days long by a typo, corrected, leaves its device's and
    operator's bounds at ten days, and a step moved off a device may have been its longest."""
    devices: set[Any] = set()
    operators: set[Any] = set()
    for row in updated:
        before = held[row["step_id"]][0]
        if all(before.get(name) == row[name] for name in _BOUND_COLUMNS):
            continue
        devices.update(i for i in (before.get("device_id"), row["device_id"]) if i is not None)
        operators.update(
            i for i in (before.get("operator_id"), row["operator_id"]) if i is not None
        )
    return devices, operators


def stale_bounds(
    graph: TraceGraph, state: RunState, devices: Iterable[Any], operators: Iterable[Any]
) -> None:
    """Note devices and operators whose bounds must be computed again from their steps at the
    end of the run (settle_bounds), on the run's ledger entry too, before the steps that make
    them stale are written: a run killed in between leaves the list to the next import. Until
    then each bound stays what it was, an upper bound still (the new times raised it already,
    see _raise_longest): only too wide."""
    with state.bounds_lock:
        known = {kind: set(ids) for kind, ids in state.stale.items()}
        state.stale["devices"].update(devices)
        state.stale["operators"].update(operators)
        if state.stale == known or state.run_id is None:
            return
        graph.write("import/bounds_stale", run_id=state.run_id,
                    devices=sorted(state.stale["devices"]),
                    operators=sorted(state.stale["operators"]))  # fmt: skip


def stale_bounds_left(graph: TraceGraph, state: RunState) -> None:
    """Take on the stale bounds earlier runs recorded and did not compute again (killed or
    failed before the end of their writes): this run computes them with its own."""
    for run in graph.read("import/bounds_stale_left"):
        state.stale["devices"].update(run["devices"])
        state.stale["operators"].update(run["operators"])
        state.stale_runs.append(run["run_id"])


def settle_bounds(graph: TraceGraph, state: RunState) -> None:
    """Compute the stale bounds exactly from the steps the graph holds now, as a clean import
    of them gives (devices_bound.cypher: the longest step in whole seconds rounded up, plus one;
    none for a device or operator without steps) — only for the devices and operators that a
    changed or removed step was or is on, not every device: the nightly import of an unchanged
    plant computes none. Run after every write of the run (steps, removals), when no other
    transaction of the run writes steps; then the ledger's lists are cleared."""
    with state.bounds_lock:
        if not (state.stale["devices"] or state.stale["operators"] or state.stale_runs):
            return
        for kind, name in (("devices", "device"), ("operators", "operator")):
            ids = sorted(state.stale[kind])
            for start in range(0, len(ids), BATCH_SIZE):
                graph.write(f"import/{kind}_bound", keys=ids[start : start + BATCH_SIZE])
            # a bound this run saw is no floor any more: a later steps file of the same run
            # must raise the computed one again where it needs to
            for key in ids:
                state.bounds.pop((f"import/steps_longest_{name}", key), None)
            state.stale[kind].clear()
        runs = [*state.stale_runs, *([state.run_id] if state.run_id is not None else [])]
        if runs:
            graph.write("import/bounds_settled", runs=runs)
        state.stale_runs.clear()


def _longest_steps(table: str, rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """For steps: the batch's longest step per device and per operator, in whole seconds rounded
    up, for the queries that keep each one's upper bound (see steps_longest_device.cypher)."""
    if table != "steps":
        return []
    statements = []
    for kind in ("device", "operator"):
        longest: dict[str, int] = {}
        for row in rows:
            if row.get(f"{kind}_id") is None:
                continue
            started = datetime.fromisoformat(row["started_at"])
            ended = datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else started
            seconds = max(0, math.ceil((ended - started).total_seconds())) + 1
            longest[row[f"{kind}_id"]] = max(seconds, longest.get(row[f"{kind}_id"], 0))
        if longest:
            batch = [{"id": k, "seconds": v} for k, v in longest.items()]
            statements.append((f"import/steps_longest_{kind}", {"longest": batch}))
    return statements


def _split_missing_references(
    graph: TraceGraph,
    table: str,
    file: str,
    batch: list[dict[str, Any]],
    fresh: set[Any],
    rejected_parents: dict[str, dict[Any, tuple[str, int]]],
    conflicted: dict[str, dict[Any, tuple[str, int]]] | None = None,
) -> tuple[list[dict[str, Any]], list[Reject]]:
    if table not in MUST_EXIST:
        return batch, []
    column, query, what = MUST_EXIST[table]
    rejected = rejected_parents.get(PARENT_TABLES[column], {})
    # a step or shipment whose row was another source's record under its id (_other_records)
    others = (conflicted or {}).get(PARENT_TABLES[column], {})
    wanted = sorted({row[column] for row in batch if row.get(column) is not None} - fresh)
    if not wanted:
        return batch, []
    found = set(graph.read(query, ids=wanted)[0]["found"])
    kept, rejects = [], []
    for row in batch:
        value = row.get(column)
        if value in others:
            at, line = others[value]
            rejects.append(
                Reject(file, row["_line"], column, str(value),
                       f"{column} names {what} whose own row was rejected as another source's "
                       f"record under the same id ({at} line {line}): not linked to that record"),
            )  # fmt: skip
        elif value is None or value in found or value in fresh:
            kept.append(row)
        elif value in rejected:
            at, line = rejected[value]
            rejects.append(
                Reject(file, row["_line"], column, str(value),
                       f"{column} names {what} whose own row was rejected ({at} line {line}): "
                       "this row is written with it once that row is corrected"),
            )  # fmt: skip
        else:
            rejects.append(
                Reject(file, row["_line"], column, str(value),
                       f"{column} names {what} that is neither in this import nor in the graph"),
            )  # fmt: skip
    return kept, rejects
