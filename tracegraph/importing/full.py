"""A full import (`tracegraph import PATH... --full`): the files are complete dumps of their
tables, so what the graph holds of those tables and the files no longer have is removed — a
shipment line moved to another shipment, an inspection withdrawn, a goods movement reversed.

Only the tables the run's files fill are compared; several files of one table count together.
A row's identity is the key the import writes it under (TABLES[table].key; a device event's
event_id). A rejected row still names a record the source system holds (a bad date tonight),
so its key counts as present; a reject whose key cannot be read (a quote never closed, which
swallows the rows below it; a file that cannot be read) leaves its table uncompared tonight.

The graph's keys are read in one query per table and compared in Python; the records to remove
are written to a file first (`removed-RUN.csv`), then deleted in batches, after every write of
the run: a run killed while removing is completed by running it again, which finds the rest.

Only the rows of the run's source are compared: each row keeps the sources that sent it
(`_sources`, see writer._sources_after). A row the dump lacks that another source still sends
stays, and only the run's source is taken off its sources (drop_sources; on the ledger, and in
removed-RUN.csv with `taken_off` 1, written before as removals are, so that a restore gives the
source its row back; counted against --max-removals: it takes the source's last row and
supplier-lot spellings with it, so a cut-off dump must not). The senders left on such a row
vouch for it again: their next import writes it as they send it where the graph holds other
values (_shas_left marks their entries, writer.TO_VOUCH; the run's ledger entry lists them per
table, taken_off_for, so that an unchanged file of theirs is read again). Rows written before
rows kept their sources are compared as the run's source's (sources.other_sources refuses the
run first when another source may have written them).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tracegraph.errors import ConfigurationError, TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.identities import IdentityError, checked_issuer, identity_key
from tracegraph.importing.changes import RowChange, stored_values
from tracegraph.importing.changes import removal as removal_change
from tracegraph.importing.private_csv import write_private_csv
from tracegraph.importing.reader import RawTable, SpreadsheetError, row_problem
from tracegraph.importing.tables import IMPORT_ORDER, TABLES, Kind, device_event_id
from tracegraph.importing.validate import CellError, Reject, _read_datetime, convert
from tracegraph.importing.writer import (
    BATCH_SIZE,
    RELATIONSHIP_PARENT,
    source_shas,
    to_vouch,
)
from tracegraph.values import counted, first_ids, spreadsheet_safe

# Links before the nodes they join, events and inspections before the steps and lots they name,
# lots before their materials: a node's removal then sees only the links that stay.
REMOVAL_ORDER: tuple[str, ...] = tuple(reversed(IMPORT_ORDER))

DEFAULT_MAX_REMOVALS = "10%"

# removed-RUN.csv's columns (restore.read_removed reads them, and the files written before
# `taken_off`, `source_shas`, `supplier_lots`, or before `sources` too). `taken_off`: 1 for a row
# the run's source was only taken off (another source still sends it), empty for a removed one.
REMOVED_HEADER = ["table", "key", "values", "sources", "supplier_lots", "source_shas", "taken_off"]

# How many removed records a run's ledger entry names (rows_removed counts them all).
REMOVED_IDS_KEPT = 1000

# What happens to a record whose row is gone but which rows that stay still name.
_KEPT_AS = {
    "lots": "kept as stubs (no row of their own; `check` lists those whose origin is unknown): "
    "steps, inspections, shipments, lot identifiers or a recall still name them",
    "steps": "not removed: lots or inspections still linked to them (their tables' rows are "
    "still in the graph, or tonight's rows name them; once a full dump of those tables "
    "removes the links, the step goes)",
    "shipments": "not removed: lots still shipped on them (a full dump of shipment_lines "
    "removes those lines, then the shipment)",
}
_REFERENCE_ONLY = "kept as nodes known only from references: rows that stay still name them"
# The tables whose kept records are not removed (a kept lot or master data lost its row).
_NOT_REMOVED = ("steps", "shipments")

Key = Any  # a table's key: the id, a link's (parent, lot_id), a device event's event_id


class RemovalRefused(TracegraphError):
    """A full dump would remove more of a table than --max-removals allows."""


@dataclass(frozen=True)
class Limit:
    """How much of a table one full import may remove: a number of rows, or a percentage of
    the rows the graph holds of it (rounded up, so that a small table may lose one)."""

    text: str
    rows: int | None = None
    percent: Fraction | None = None  # exact: 8.8 % of 375 rows allows 33, not a float's 34

    def allows(self, removed: int, held: int) -> bool:
        if self.rows is not None:
            return removed <= self.rows
        assert self.percent is not None
        return removed <= math.ceil(held * self.percent / 100)


def parse_limit(text: str) -> Limit:
    """`--max-removals`: `250` (rows per table) or `10%` (of what the graph holds of it)."""
    given = text.strip()
    try:
        if given.endswith("%"):
            percent = Fraction(given[:-1].strip())
            if 0 <= percent <= 100:
                return Limit(given, percent=percent)
            raise ConfigurationError(
                f"--max-removals {text!r} is a percentage out of range: from 0% to 100%",
                hint="give a share of the table (--max-removals 10%) or rows per table "
                "(--max-removals 500)",
            )
        elif int(given) >= 0:
            return Limit(given, rows=int(given))
    except ValueError:
        pass
    raise ConfigurationError(
        f"--max-removals {text!r} is neither a number of rows nor a percentage",
        hint="give rows per table (--max-removals 500) or a share of it (--max-removals 10%)",
    )


# What to do about a table left uncompared because a file of it could not all be read.
FIX_THE_FILE = "fix the file, then run the full import again"


@dataclass
class Present:
    """Per table of a full run, the keys its files hold (valid rows and rejected rows whose key
    reads), and the tables whose keys cannot all be known, with why."""

    keys: dict[str, set[Key]] = field(default_factory=dict)
    unsure: dict[str, str] = field(default_factory=dict)
    # per table left unsure, what to do so that the next full import compares it
    fixes: dict[str, str] = field(default_factory=dict)

    def table(self, table: str) -> set[Key]:
        return self.keys.setdefault(table, set())

    def collect(self, table: str, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The rows, passed on as they are validated, with their keys noted."""
        keys = self.table(table)
        for row in rows:
            keys.add(row_key(table, row))
            yield row

    def protect(self, table: str, raw: RawTable, rejects: Sequence[Reject], zone: ZoneInfo) -> None:
        """The keys of the file's rejected rows: a row rejected for a bad date is still in the
        source system, and one bad cell must not delete its history."""
        if not rejects:
            return
        lines = {r.line for r in rejects}
        keys = self.table(table)
        for line, cells in raw.rows:
            if line not in lines:
                continue
            key = None if row_problem(cells) is not None else raw_key(table, cells, zone)
            if key is None:
                self.unsure.setdefault(
                    table, f"{raw.path}: line {line} was rejected and its key cannot be read"
                )
                return
            keys.add(key)

    def unknown(self, table: str, why: str, fix: str = FIX_THE_FILE) -> None:
        """A file of the table whose rows cannot be read (or were not converted by a mapping),
        or a sheet not read that could hold its rows; `fix`: what to do about it."""
        self.table(table)
        if table not in self.unsure:
            self.unsure[table] = why
            self.fixes[table] = fix


def row_key(table: str, row: dict[str, Any]) -> Key:
    """A validated row's key, as the graph holds it."""
    if table == "device_events":  # as writer.cypher_row makes event_id
        return device_event_id(row)
    if table == "lot_identifiers":  # the IDENTIFIES edge: its Identifier's key and its lot
        return (identity_key(row["scheme"], row["issuer"], row["value"]), row["lot_id"])
    key = TABLES[table].key
    return row[key[0]] if len(key) == 1 else tuple(row[k] for k in key)


def raw_key(table: str, cells: dict[str, str], zone: ZoneInfo) -> Key | None:
    """A raw row's key, typed as validation types it; None when a key cell is empty or bad."""
    typed: dict[str, Any] = {}
    spec = TABLES[table]
    for name in spec.key:
        column = spec.column(name)
        text = cells.get(name, "")
        if column is not None and not column.required and not text.strip():
            typed[name] = None  # a lot identifier's issuer: a key without one is a key
            continue
        # a #N/A in the key cell (a broken look-up) names no record: as an empty cell
        if column is None or isinstance(text, SpreadsheetError) or not text.strip():
            return None
        try:
            if column.kind is Kind.DATETIME:
                typed[name] = _read_datetime(text.strip(), zone)[0]
            else:
                typed[name] = convert(column, text, zone)
        except CellError:
            return None
    if table == "device_events" and typed["event"] == "alarm":  # its kind is in its key
        result = cells.get("result", "")
        if isinstance(result, SpreadsheetError):
            return None
        typed["result"] = result if result.strip() else None  # text, kept as written
    if table == "lot_identifiers":
        try:  # as validation stores it: a GTIN-13 issuer as its GTIN-14
            typed["issuer"] = checked_issuer(typed["scheme"], typed["issuer"])
        except IdentityError:
            return None
    return row_key(table, typed)


def key_text(key: Key) -> str:
    """A key as the ledger writes it: a link's as `step_id|lot_id` (see changes.RowChange)."""
    return "|".join(key) if isinstance(key, tuple) else str(key)


@dataclass(frozen=True)
class Dropped:
    """A row the run's source no longer sends while other sources still do: it stays, with
    `others` as its sources (`element`: its node's or link's element id; `nodes`: the node(s)
    its ledger record is about; `shas`: its senders' last row hashes, `_source_shas`, as
    they are once the run's source is taken off it: _shas_left)."""

    key: Key
    sources: tuple[str, ...]
    others: tuple[str, ...]
    element: str
    nodes: tuple[str, ...]
    shas: str | None = None


@dataclass
class Removal:
    """One table's comparison: what the graph held of it from the run's source, what the files
    lack, and of those the records kept because rows that stay still name them, and the rows
    other sources still send (`dropped`: only this source is taken off them)."""

    table: str
    held: int
    keys: list[Key]
    kept: list[Key] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    source: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)  # as they were, for the file
    nodes: list[list[str]] = field(default_factory=list)  # per record, its node(s)' element ids
    senders: list[str] = field(default_factory=list)  # per record, its `_sources` ("": none)
    # per record, its senders' last rows (`_source_shas`, "": none), which a restore puts back
    shas: list[str] = field(default_factory=list)
    # per record, a lot's supplier-lot spellings, each with the sources that sent it (_spellings)
    spellings: list[list[dict[str, str | None]]] = field(default_factory=list)
    # per row of `dropped`: as the graph holds it, the spellings the run's source sent and
    # that source's `_source_shas` entry (`source:…`; "": none), what taking it off loses
    taken: list[tuple[dict[str, Any], list[dict[str, str | None]], str]] = field(
        default_factory=list
    )


def compare(
    graph: TraceGraph,
    present: Present,
    source: str | None,
    log: Callable[[str], None] = lambda _: None,
    new_rows: dict[str, int] | None = None,
) -> tuple[dict[str, Removal], list[str]]:
    """Per table of the run, the rows of `source` the graph holds that its files lack (see the
    module's doc; every row whatever its source when `source` is None: --remove-other-sources,
    the files hold every source's rows); and a note per table left uncompared. `held` counts
    what the graph held of the source before the run: `new_rows` (per table, the rows this
    run created, compared after its writes) are not in it."""
    removals: dict[str, Removal] = {}
    notes = []
    for table in REMOVAL_ORDER:
        if table not in present.keys:
            continue
        if table in present.unsure:
            notes.append(
                f"{table} not compared with the graph, nothing of it removed: "
                f"{present.unsure[table]} ({present.fixes.get(table, FIX_THE_FILE)})"
            )
            log(notes[-1])
            continue
        if not present.keys[table]:
            # A header and no row is a valid dump of an empty table, and an export that
            # stopped after its header looks the same: the summary says which this run took
            notes.append(
                f"the full dump of {table} holds no rows (a header and nothing under it): "
                f"every {table} row the graph holds counts as gone"
            )
            log(notes[-1])
        found = graph.read(f"import/{table}_keys", source=source)[0]
        link = table in RELATIONSHIP_PARENT
        held = [tuple(k) for k in found["keys"]] if link else found["keys"]
        shared = {(tuple(s[0]) if link else s[0]): s[1] for s in found["shared"]}
        gone = set(held) - present.keys[table]
        lacked = sorted(gone.intersection(shared), key=key_text)
        where = located(graph, table, lacked, source)
        dropped = [
            Dropped(key, tuple(shared[key].split(" ")),
                    tuple(s for s in shared[key].split(" ") if s != source),
                    *where.get(key, ("", (), None)))
            for key in lacked
        ]  # fmt: skip
        gone.difference_update(shared)
        before = max(len(held) - (new_rows or {}).get(table, 0), len(gone) + len(dropped))
        removals[table] = Removal(table, before, sorted(gone, key=key_text), dropped=dropped,
                                  source=source or "")  # fmt: skip
    return removals, notes


# A row's element id, the node(s) a ledger record of it is about and its senders' last row
# hashes (Dropped.element, .nodes, .shas).
Located = tuple[str, tuple[str, ...], str | None]


def located(
    graph: TraceGraph, table: str, keys: list[Key], source: str | None
) -> dict[Key, Located]:
    """Per key of `table`, its row's element id and the node(s) a ledger record of it is about,
    read by key on the table's index (its *_before query; a link's own id from its *_shas
    query): only for the shared rows a dump lacks (and a restore's, restore.put_back_shas),
    not every row two sources send. And its senders' last row hashes once `source` is taken
    off it (_shas_left): `source`'s kept, the others' marked to vouch for the row again."""
    parent = RELATIONSHIP_PARENT.get(table)
    found: dict[Key, Located] = {}
    for start in range(0, len(keys), BATCH_SIZE):
        batch = keys[start : start + BATCH_SIZE]
        if parent is None:
            for r in graph.read(f"import/{table}_before", keys=batch):
                found[r["key"]] = (r["node"], (r["node"],), _shas_left(r["props"], source))
            continue
        rows = [{parent: p, "lot_id": lot} for p, lot in batch]
        ids = {(r["parent"], r["lot_id"]): r["id"]
               for r in graph.read(f"import/{table}_shas", rows=rows, source=None)}  # fmt: skip
        for r in graph.read(f"import/{table}_before", rows=rows):
            key = (r["parent"], r["lot_id"])
            found[key] = (ids.get(key, ""), tuple(r["nodes"]), _shas_left(r["props"], source))
    return found


def _shas_left(props: dict[str, Any], source: str | None) -> str | None:
    """A shared row's `_source_shas` once `source` is taken off it: that source's entry kept
    (back with the row it sent before — the night after a short dump — it is no news, where it
    came back new and replaced the others' newer values), and the entries of the senders left
    on it marked (writer.TO_VOUCH; a mark alone for one without an entry): each one's next row
    is compared with the graph again and, where it differs, written as it sends it — the graph
    may hold `source`'s values, which no sender vouches for now (the MES's location B stayed
    while the ERP, its only sender, sent A every night, its unchanged row skipped). Marked
    whatever the graph holds: a row mixing the sources' columns (the MES's newer location, the
    ERP's quantity) is no sender's row, and forgetting the others' entries only where the graph
    held `source`'s whole row left such a row the MES's location for good."""
    entries = source_shas(props.get("_source_shas"))
    for name in (props.get("_sources") or "").split():
        if name != source:
            entries[name] = to_vouch(entries.get(name))
    return " ".join(f"{name}:{entries[name]}" for name in sorted(entries)) or None


def drop_sources(graph: TraceGraph, removals: dict[str, Removal], run_id: str | None,
                 removed_file: Path | None = None) -> None:  # fmt: skip
    """Take the run's source off the rows its dump lacks and other sources still send (each
    Removal's `dropped`), in batches, each first recorded in run `run_id`'s ledger as a change
    of who sends it (`sent by erp, mes → erp`, with its line in `removed_file`, which
    record_removals wrote before), as a removal is (see remove). Their content
    and links stay: not removed, not counted as removed; a lot's supplier-lot identities that
    source alone sent go (lots_identities_dropped.cypher), and the number a lot without a
    supplier keeps on itself follows those left (lots_supplier_lot_left.cypher)."""
    lines = _removed_lines(removals) if removed_file is not None else {}
    for table in REMOVAL_ORDER:
        removal = removals.get(table)
        if removal is None or not removal.dropped:
            continue
        query = "set_link_sources" if table in RELATIONSHIP_PARENT else "set_node_sources"
        for start in range(0, len(removal.dropped), BATCH_SIZE):
            batch = removal.dropped[start : start + BATCH_SIZE]
            if run_id is not None:
                graph.write("import/record_changes", run_id=run_id, changes=[
                    # sources_only: not a changed row (`imports RUN` counts changed rows)
                    {"props": {**RowChange(table, key_text(d.key), lines.get((table, d.key), 0),
                                           ("sent by",), (", ".join(d.sources),),
                                           (", ".join(d.others),),
                                           d.nodes).as_props(run_id, str(removed_file or "")),
                               "sources_only": True},
                     "nodes": list(d.nodes)}
                    for d in batch
                ])  # fmt: skip
            rows = [{"id": d.element, "sources": " ".join(d.others),
                     "shas": d.shas} for d in batch]  # fmt: skip
            statements: list[tuple[str, dict[str, Any]]] = [(f"import/{query}", {"rows": rows})]
            if table == "lots" and removal.source:  # off the supplier-lot identities it sent
                ids = [d.element for d in batch]
                # the number a lot without a supplier keeps follows its identities
                # (lots_supplier_lot_left.cypher)
                statements += [
                    ("import/lots_identities_dropped", {"ids": ids, "source": removal.source}),
                    ("import/lots_supplier_lot_left", {"ids": ids}),
                ]  # fmt: skip
            # one transaction: a run killed after the lots' sources were written, before their
            # identities, left the source's spelling on lots it no longer sent for good (the
            # re-run finds the source off them and looks no further)
            graph.write_all(statements)


def keep_linked(
    graph: TraceGraph,
    removals: dict[str, Removal],
    linked: dict[str, set[Key]] | None = None,
    relinked: set[Key] | None = None,
) -> None:
    """Move out of the removals the steps and shipments their *_remove query would keep (lots
    or inspections still linked once the run's other removals are done) into `kept`: a kept
    record is not removed, so it is neither listed in removed-RUN.csv, nor counted in the
    summary and the ledger, nor held against --max-removals — night after night, as the dump
    keeps lacking it.

    The import asks after its writes, when the graph holds tonight's links. A dry run asks
    before any write, so it gives what those writes would change: `linked`, per table, the
    step and shipment ids the run's valid link rows name (kept: the import writes the link
    first — a step the steps dump lacks that tonight's step_inputs still link was counted as
    removed, and the dry run refused what the import did not); `relinked`, the inspections
    the run's valid rows carry, whose edge to a step the graph holds does not count (the
    import sets it to their row's step, which `linked` names)."""
    removed = {t: r.keys for t, r in removals.items()}
    links: dict[str, dict[str, Any]] = {
        "steps": {"inputs": _lots_by_parent(removed.get("step_inputs", [])),
                  "outputs": _lots_by_parent(removed.get("step_outputs", [])),
                  "inspections": removed.get("inspections", []),
                  "relinked": sorted(relinked or ())},
        "shipments": {"lines": _lots_by_parent(removed.get("shipment_lines", []))},
    }  # fmt: skip
    for table, params in links.items():
        removal = removals.get(table)
        if removal is None or not removal.keys:
            continue
        named = (linked or {}).get(table, set())
        asked = [k for k in removal.keys if k not in named]
        kept = named.intersection(removal.keys) | {
            key
            for start in range(0, len(asked), BATCH_SIZE)
            for key in graph.read(f"import/{table}_linked",
                                  keys=asked[start : start + BATCH_SIZE],
                                  **params)[0]["kept"]
        }  # fmt: skip
        removal.kept = [k for k in removal.keys if k in kept]
        removal.keys = [k for k in removal.keys if k not in kept]


def _lots_by_parent(keys: list[Key]) -> dict[str, list[str]]:
    """A link table's removed keys (parent, lot_id) as parent -> its lot_ids."""
    lots: dict[str, list[str]] = {}
    for parent, lot in keys:
        lots.setdefault(parent, []).append(lot)
    return lots


def left_to(table: str, source: str) -> str:
    """A table and a source left on rows of it that a --full run took its source off, as
    the run's ledger entry lists them (`taken_off_for`, import/removed_since.cypher)."""
    return f"{table}:{source}"


def taken_off_for(removals: dict[str, Removal]) -> list[str]:
    """Per table, the sources left on the rows the run takes its source off (left_to): their
    next import reads a file of the table again, unchanged or not, and vouches for those rows
    (writer.TO_VOUCH)."""
    return sorted({left_to(r.table, name) for r in removals.values()
                   for d in r.dropped for name in d.others})  # fmt: skip


def lacked(removal: Removal) -> int:
    """How many of the rows the run's source sent the dump lacks: those the run removes and
    those it only takes the source off (another source still sends them). Both count against
    --max-removals: a cut-off dump takes the source's last rows and its supplier-lot
    spellings off the rows it shares as surely as it removes the rows it alone sent."""
    return len(removal.keys) + len(removal.dropped)


def refusal(
    removals: dict[str, Removal], limit: Limit, listed: Path | None = None, dry_run: bool = False
) -> RemovalRefused | None:
    """The error of a run whose dump lacks more of a table's rows than the limit allows:
    nothing is removed nor taken off then, as a cut-off export (a disk full half-way through
    the dump) would delete half the plant. `dry_run`: the dry run says the import would refuse
    (it exits 2, as the import would); `listed`, its file of the rows to remove. None within
    the limit."""
    over = [r for r in removals.values() if lacked(r) and not limit.allows(lacked(r), r.held)]
    if not over:
        return None
    worst = max(over, key=lambda r: lacked(r) / max(r.held, 1))
    share = 100 * lacked(worst) / max(worst.held, 1)
    others = f" (and {counted(len(over) - 1, 'other table')})" if len(over) > 1 else ""
    needed = max(lacked(r) for r in over)
    dropped = any(r.dropped for r in over)  # any table's: one with removals alone hid them
    return RemovalRefused(
        f"the full dump of {worst.table} lacks {lacked(worst):,} of the {worst.held:,} rows "
        f"{_held_of(worst)} ({share:.0f}%){_split(worst)}{others}, more than --max-removals "
        + (f"{limit.text}: nothing was removed" + (" nor taken off" if dropped else "")
           if not dry_run else
           f"{limit.text}: the import would refuse them (exit 2, nothing removed"
           + (" nor taken off)" if dropped else ")")),
        hint="a cut-off export? check the file; if the rows are gone on purpose, "
        + (f"run it again with --max-removals {needed} (--dry-run --full lists them)"
           if not dry_run else
           f"import it with --max-removals {needed} ({_listing(over, listed)})"),
    )  # fmt: skip


def _listing(over: list[Removal], listed: Path | None) -> str:
    """Where a dry run's refusal lists the rows: removed-RUN.csv, those to remove and those
    the source would be taken off (`taken_off` 1) alike."""
    if listed is None:
        return "its notes name them"
    return f"{listed} lists them" + (", those to take off with taken_off 1" if any(
        r.dropped for r in over) else "")  # fmt: skip


def _held_of(removal: Removal) -> str:
    """Whose rows a refusal counts: the run's source's (those other sources send too among
    them: "of the 20 rows the graph holds" said so of a table of 50), all without a source."""
    return f"{removal.source} sent" if removal.source else "the graph holds"


def _split(removal: Removal) -> str:
    """A refusal's removed rows and rows only taken off the source, when there are both kinds
    (a count of removals alone said a dump holding 351 of 33,137 rows lacked 13% of them)."""
    if not removal.dropped:
        return ""
    others = sorted({s for d in removal.dropped for s in d.others})
    return (f": {len(removal.keys):,} to remove ({removal.source} alone sent them), "
            f"{len(removal.dropped):,} to take {removal.source} off (still sent by "
            f"{', '.join(others)})")  # fmt: skip


def read_records(graph: TraceGraph, removals: dict[str, Removal]) -> None:
    """Each record to remove as the graph holds it (columns and extra columns; times as
    ISO 8601), read by the import's own *_before queries; and each row the run's source is
    only taken off (`taken`), with the supplier-lot spellings that source sent."""
    for removal in removals.values():
        for values, nodes, senders, shas, spelled in _read_rows(graph, removal.table,
                                                                removal.keys):  # fmt: skip
            removal.records.append(values)
            removal.nodes.append(nodes)
            removal.senders.append(senders)
            removal.shas.append(shas)
            removal.spellings.append(spelled)
        taken = _read_rows(graph, removal.table, [d.key for d in removal.dropped])
        removal.taken = [
            (values, [s for s in spelled if removal.source in (s["sources"] or "").split()],
             _entry_of(removal.source, shas))
            for values, _, _, shas, spelled in taken
        ]  # fmt: skip


def _entry_of(source: str, stored: str) -> str:
    """`source`'s entry of a row's `_source_shas`, as the row holds it (`source:…`; "": none)."""
    entry = source_shas(stored).get(source)
    return "" if entry is None else f"{source}:{entry}"


# A row as read_records reads it: its values, its node(s)' element ids, its `_sources` and
# `_source_shas` ("": none) and a lot's supplier-lot spellings.
_Read = tuple[dict[str, Any], list[str], str, str, list[dict[str, str | None]]]


def _read_rows(graph: TraceGraph, table: str, keys: list[Key]) -> list[_Read]:
    """The rows of `table` under `keys` as the graph holds them (see read_records), in order."""
    parent = RELATIONSHIP_PARENT.get(table)
    read: list[_Read] = []
    for start in range(0, len(keys), BATCH_SIZE):
        batch = keys[start : start + BATCH_SIZE]
        if parent is None:
            found = {
                r["key"]: (stored_values(table, r["props"], r["links"]), [r["node"]],
                           r["props"].get("_sources") or "",
                           r["props"].get("_source_shas") or "")
                for r in graph.read(f"import/{table}_before", keys=batch)
            }  # fmt: skip
        else:
            rows = [{parent: p, "lot_id": lot} for p, lot in batch]
            found = {
                (r["parent"], r["lot_id"]): (
                    stored_values(
                        table, {**r["props"], parent: r["parent"], "lot_id": r["lot_id"]}, []
                    ),
                    r["nodes"],
                    r["props"].get("_sources") or "",
                    r["props"].get("_source_shas") or "",
                )
                for r in graph.read(f"import/{table}_before", rows=rows)
            }
        spelled = _spellings(graph, batch) if table == "lots" else {}
        for key in batch:
            held, nodes, senders, shas = found.get(key, ({}, [], "", ""))
            # the event_id is the key, which a device event's three columns say
            values = {k: v for k, v in held.items() if v is not None and k != "event_id"}
            read.append((values, nodes, senders, shas, spelled.get(key, [])))
    return read


def _spellings(graph: TraceGraph, keys: list[Key]) -> dict[Key, list[dict[str, str | None]]]:
    """Per lot, its supplier-lot spellings — each its supplier (the Identifier's issuer; None:
    a row without one), number and the sources that sent it (space-separated): the lot's values
    hold only its last row's supplier and number, and a restore gives each source its own (the
    ERP's V7 and the MES's V8 alike, not the last row's supplier with every number)."""
    return {
        row["key"]: [
            {"supplier_id": issuer, "supplier_lot": value, "sources": sources}
            for issuer, value, sources in sorted(row["spellings"], key=lambda s: (s[0] or "", s[1]))
        ]
        for row in graph.read("import/lots_spellings", keys=keys)
    }


def write_removed(path: Path, removals: dict[str, Removal]) -> Path:
    """The records a full import removes, one line each: table, key (as the ledger writes it),
    the record's values as the graph held them (JSON), the sources that sent it (`_sources`,
    empty for a row written before rows kept them: a column of the file, not of the values,
    whose names are the table's columns) and a lot's supplier-lot spellings with the sources of
    each (JSON, `[{"sources": "erp", "supplier_id": "V7", "supplier_lot": "00201384"}, …]`;
    empty for other tables: the values hold the last row's only), so that they can be audited
    or imported again under their sources, each with its own spelling (restore.py); and its
    senders' last rows (`_source_shas`, as the row held them; empty for a row one source
    sent; JSON, `[key, "erp:… qc:…"]`), which the restore's folders put back
    (restore.put_back_shas); readable by the user only, as the reject file is. Then the rows
    the run's source is only taken off (`taken_off` 1): the row's values and sources before,
    and what the source loses — its spellings of the lot and its entry of `_source_shas` —
    which a restore gives back to that source alone (restore.py). Removed rows first: their
    line numbers are the ledger's (_removed_lines)."""
    rows = (
        [removal.table, spreadsheet_safe(key_text(key)), _json(values), senders,
         _json(spelled) if spelled else "", _json([key, shas]) if shas else "", ""]
        for removal in removals.values()
        for key, values, senders, spelled, shas in zip(removal.keys, removal.records,
                                                       removal.senders, removal.spellings,
                                                       removal.shas, strict=True)
    )  # fmt: skip
    taken = (
        [removal.table, spreadsheet_safe(key_text(d.key)), _json(values), " ".join(d.sources),
         _json(spelled) if spelled else "", _json([d.key, shas]) if shas else "", "1"]
        for removal in removals.values()
        for d, (values, spelled, shas) in zip(removal.dropped, removal.taken, strict=True)
    )  # fmt: skip
    return write_private_csv(
        path, itertools.chain([REMOVED_HEADER], rows, taken), "the file of removed rows",
        "free space or pass --rejects a file in another folder, then run it again (nothing "
        "was removed)",
    )  # fmt: skip


def _json(values: dict[str, Any] | list[Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def record_removals(graph: TraceGraph, removals: dict[str, Removal], run_id: str,
                    beside: Path) -> Path | None:  # fmt: skip
    """The records to remove and the rows to take the run's source off, read as the graph
    holds them and written to removed-RUN_ID.csv beside the reject file `beside`; None when
    nothing is to go nor to be taken off."""
    if not any(r.keys or r.dropped for r in removals.values()):
        return None
    read_records(graph, removals)
    return write_removed(beside.with_name(f"removed-{run_id}.csv"), removals)


def remove(
    graph: TraceGraph, removals: dict[str, Removal], run_id: str | None = None,
    removed_file: Path | None = None,
) -> None:  # fmt: skip
    """Delete the records, table by table in REMOVAL_ORDER, in batches (each its own
    transaction: a killed run leaves whole batches, and its re-run finds the rest). Each batch
    is first recorded in run `run_id`'s ledger, one RowChange per record (read_records' values
    to none, its line in `removed_file`), linked to its node(s): `lot show` lists a lot's row
    or link a full dump removed, and `imports RUN` the run's removals. Recorded before, as a
    changed row is: a run killed between the record and the delete has recorded a batch it
    did not delete (its re-run records it again). A step or shipment the delete keeps (linked
    since keep_linked looked) has its record taken back right after: the ledger of a run that
    ended lists what went, as its summary counts it (it listed the step as removed)."""
    lines = _removed_lines(removals)
    for table in REMOVAL_ORDER:
        removal = removals.get(table)
        if removal is None:
            continue
        for start in range(0, len(removal.keys), BATCH_SIZE):
            batch = removal.keys[start : start + BATCH_SIZE]
            if run_id is not None and removal.records:
                _record_removed(graph, removal, start, lines, run_id, str(removed_file or ""))
            keys = [list(k) for k in batch] if table in RELATIONSHIP_PARENT else batch
            found = graph.write_records(f"import/{table}_remove", keys=keys)
            if found and "kept" in found[0]:
                # keep_linked found the steps and shipments kept before: none is expected
                # here, but one linked since is kept, and named, all the same
                kept = [tuple(k) if isinstance(k, list) else k for k in found[0]["kept"]]
                removal.kept.extend(kept)
                if run_id is not None and removal.records and kept and table in _NOT_REMOVED:
                    _take_back(graph, removal, start, kept, run_id)


def _removed_lines(removals: dict[str, Removal]) -> dict[tuple[str, Key], int]:
    """Each removed record's line in removed-RUN.csv, then each taken-off row's, as
    write_removed writes them (a table's removed and taken-off keys are never the same)."""
    removed = ((r.table, k) for r in removals.values() for k in r.keys)
    taken = ((r.table, d.key) for r in removals.values() for d in r.dropped)
    return {key: line for line, key in enumerate(itertools.chain(removed, taken), start=2)}


def _record_removed(
    graph: TraceGraph, removal: Removal, start: int, lines: dict[tuple[str, Key], int],
    run_id: str, file: str,
) -> None:  # fmt: skip
    """The ledger's record of a batch of removals (see remove): the change of each, before
    it is made, as a changed row's is (writer._record_changes)."""
    end = start + BATCH_SIZE
    changes = [
        removal_change(removal.table, key_text(key), lines.get((removal.table, key), 0),
                       values, nodes)
        for key, values, nodes in zip(removal.keys[start:end], removal.records[start:end],
                                      removal.nodes[start:end], strict=True)
    ]  # fmt: skip
    graph.write("import/record_changes", run_id=run_id, changes=[
        {"props": c.as_props(run_id, file), "nodes": list(c.nodes)} for c in changes
    ])  # fmt: skip


def _take_back(graph: TraceGraph, removal: Removal, start: int, kept: list[Key],
               run_id: str) -> None:  # fmt: skip
    """The ledger's records of a batch's steps or shipments its delete kept (see remove)."""
    batch = zip(removal.keys[start : start + BATCH_SIZE],
                removal.nodes[start : start + BATCH_SIZE], strict=True)  # fmt: skip
    stays = set(kept)
    nodes = [node for key, held in batch if key in stays for node in held]
    graph.write("ledger/removal_kept", run_id=run_id, table=removal.table, nodes=nodes,
                keys=[key_text(k) for k in kept])  # fmt: skip


def removed_counts(removals: dict[str, Removal]) -> dict[str, int]:
    """Per table, the rows removed: records deleted, or kept only as references (their row is
    gone); steps and shipments still linked are not removed."""
    return {table: len(_removed_keys(r)) for table, r in removals.items()}


def removal_notes(removals: dict[str, Removal], dry_run: bool = False) -> list[str]:
    """A note per table that lost rows, naming the first; and per table whose records rows
    that stay still name, what became of them."""
    notes = []
    for table in IMPORT_ORDER:
        removal = removals.get(table)
        if removal is None or not (removal.keys or removal.kept or removal.dropped):
            continue
        texts = [key_text(k) for k in _removed_keys(removal)]
        verb = "would be removed" if dry_run else "removed"
        if texts:
            notes.append(
                f"{counted(len(texts), f'{table} row')} the graph held and the full dump no "
                f"longer has {verb}: {first_ids(texts)}"
            )
        if removal.kept:
            kept = [key_text(k) for k in removal.kept]
            how = _KEPT_AS.get(table, _REFERENCE_ONLY)
            notes.append(f"{counted(len(kept), 'record')} of {table} {how}: {first_ids(kept)}")
        if removal.dropped:
            others = sorted({s for d in removal.dropped for s in d.others})
            taken = "would be taken" if dry_run else "taken"
            notes.append(
                f"{counted(len(removal.dropped), f'{table} row')} no longer sent by "
                f"{removal.source}; kept: still sent by {', '.join(others)} ({removal.source} "
                f"{taken} off their sources only: not removed, counted against "
                f"--max-removals, listed in the file of removed rows (taken_off 1)): "
                f"{first_ids([key_text(d.key) for d in removal.dropped])}"
            )
    return notes


def reference_only(removals: dict[str, Removal]) -> dict[str, set[str]]:
    """The master-data records this run left known only from references, per kind as
    reference_only.cypher names them (materials, devices, …): not new references."""
    return {table: {str(k) for k in r.kept} for table, r in removals.items()
            if table not in _KEPT_AS}  # fmt: skip


def ledger_ids(removals: dict[str, Removal]) -> list[str]:
    """The first REMOVED_IDS_KEPT removed records as `table:key`, for the run's ledger entry."""
    ids = [f"{table}:{key_text(k)}" for table, r in removals.items() for k in _removed_keys(r)]
    return ids[:REMOVED_IDS_KEPT]


def _removed_keys(removal: Removal) -> list[Key]:
    """The keys a removal took away: a step or shipment kept (lots still linked to it) was
    not removed — keep_linked takes those out of `keys` beforehand, this one linked since;
    a lot kept as a stub, or master data kept as a reference, lost its row."""
    if removal.table not in _NOT_REMOVED or not removal.kept:
        return removal.keys
    kept = set(removal.kept)
    return [k for k in removal.keys if k not in kept]
