"""Loading validated rows into the graph: one named UNWIND query per table, in batches.

Each row carries a content hash (`_row_sha`); the queries skip rows whose hash the graph already
has, so re-importing unchanged data writes nothing, and every batch is its own transaction, so
a run killed half-way is completed by simply running it again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracegraph.graph import TraceGraph
from tracegraph.importing.tables import TABLES, Kind
from tracegraph.importing.validate import Reject, ValidatedTable

BATCH_SIZE = 5000

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
}

# Rows of these tables name a step or shipment that must exist; rows that name a missing one are
# rejected (a MATCH would silently drop them).
MUST_EXIST: dict[str, tuple[str, str, str]] = {
    "step_inputs": ("step_id", "import/existing_steps", "a step"),
    "step_outputs": ("step_id", "import/existing_steps", "a step"),
    "inspections": ("step_id", "import/existing_steps", "a step"),
    "shipment_lines": ("shipment_id", "import/existing_shipments", "a shipment"),
}

Progress = Callable[[int], None]


@dataclass
class TableWrite:
    written: int = 0  # rows now in the graph as given (new, changed or already equal)
    changed: int = 0  # rows that created or changed something
    rejects: list[Reject] = field(default_factory=list)


def _row_sha(row: dict[str, Any]) -> str:
    payload = {k: v for k, v in row.items() if k != "_line"}
    text = json.dumps(payload, sort_keys=True, default=_json_default, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def cypher_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The parameter map of one row: keys and references at the top, properties in `props`."""
    references = REFERENCES.get(table, ())
    spec = TABLES[table]
    # Times leave the props map as ISO 8601 text (the query turns them into DateTimes): the
    # driver's pure-Python datetime packing would cost more than the write itself.
    times = {c.name for c in spec.columns if c.kind is Kind.DATETIME}
    props: dict[str, Any] = {
        name: row[name]
        for name in (c.name for c in spec.columns)
        if name not in references and name not in times and row.get(name) is not None
    }
    props.update(row["_extra"])
    props["_row_sha"] = _row_sha(row)
    if table == "lots":
        props["origin_known"] = True
    out: dict[str, Any] = {name: row.get(name) for name in (*spec.key, *references)}
    for name in times:
        out[name] = row[name].isoformat() if row.get(name) is not None else None
    if table == "lots" and row.get("supplier_lot") is not None:
        out["identity_key"] = f"supplier_lot|{row.get('supplier_id') or ''}|{row['supplier_lot']}"
    if table == "device_events":
        out["event_id"] = f"{row['device_id']}|{row['event']}|{row['at'].isoformat()}"
        props["event_id"] = out["event_id"]
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
CREATE_PATH = frozenset({"lots", "steps"})
RELATIONSHIP_PARENT = {"step_inputs": "step_id", "step_outputs": "step_id",
                       "shipment_lines": "shipment_id"}  # fmt: skip


def write_table(
    graph: TraceGraph, validated: ValidatedTable, progress: Progress = lambda _: None
) -> TableWrite:
    result = TableWrite()
    table = validated.table
    for start in range(0, len(validated.rows), BATCH_SIZE):
        batch = validated.rows[start : start + BATCH_SIZE]
        batch, missing = _split_missing_references(graph, table, validated.file, batch)
        result.rejects.extend(missing)
        if batch:
            result.changed += _write_batch(graph, table, [cypher_row(table, r) for r in batch])
            result.written += len(batch)
        progress(min(start + BATCH_SIZE, len(validated.rows)))
    return result


def _write_batch(graph: TraceGraph, table: str, rows: list[dict[str, Any]]) -> int:
    """Write the new and changed rows of one batch; returns how many that were."""
    if table in RELATIONSHIP_PARENT:
        parent = RELATIONSHIP_PARENT[table]
        known = {
            (r["parent"], r["lot_id"]): r["sha"]
            for r in graph.read(f"import/{table}_shas", rows=rows)
        }
        todo = [r for r in rows if known.get((r[parent], r["lot_id"])) != r["props"]["_row_sha"]]
        for row in todo:
            row.update(quantity=row["props"].get("quantity"), uom=row["props"].get("uom"),
                       sha=row["props"]["_row_sha"])  # fmt: skip
        if todo:
            graph.write(f"import/{table}", rows=todo)
        return len(todo)
    key = NODE_KEYS[table]
    known = {
        r["key"]: r["sha"] for r in graph.read(f"import/{table}_shas", keys=[r[key] for r in rows])
    }
    todo = [r for r in rows if known.get(r[key]) != r["props"]["_row_sha"]]
    to_merge = todo
    if table in CREATE_PATH:
        # Rows for nodes not in the graph yet take the CREATE path: no look-ups, node and
        # edges in one transaction. Existing nodes (changed rows, stubs) are merged below.
        new = list({r[key]: r for r in todo if r[key] not in known}.values())
        if new:
            graph.write_all([(f"import/{table}_create", {"rows": new}),
                             (f"import/{table}_create_edges", {"rows": new}),
                             *_longest_steps(table, new)])  # fmt: skip
        to_merge = [r for r in todo if r[key] in known]
    _merge_rows(graph, table, to_merge, known)
    return len(todo)


def _merge_rows(
    graph: TraceGraph, table: str, todo: list[dict[str, Any]], known: dict[Any, Any]
) -> None:
    """The MERGE path: rows whose node may already exist, each query in its own transaction."""
    changed_keys = [r[NODE_KEYS[table]] for r in todo if r[NODE_KEYS[table]] in known]
    if todo:
        if table in WITH_EDGES and changed_keys:
            graph.write(f"import/{table}_detach", keys=changed_keys)
            if table == "lots":
                graph.write("import/lots_detach_identities", keys=changed_keys)
        if table in WITH_EDGES:
            # The hash goes in last (see cypher/import/*_done.cypher): a crash between these
            # transactions leaves the row looking changed, so a re-run completes it.
            unmarked = [{**r, "props": {k: v for k, v in r["props"].items() if k != "_row_sha"}}
                        for r in todo]  # fmt: skip
            graph.write(f"import/{table}", rows=unmarked)
            graph.write(f"import/{table}_edges", rows=todo)
            if table == "lots":
                graph.write("import/lots_identities", rows=todo)
            for name, params in _longest_steps(table, todo):
                graph.write(name, **params)
            graph.write(f"import/{table}_done", rows=todo)
        else:
            graph.write(f"import/{table}", rows=todo)


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
    graph: TraceGraph, table: str, file: str, batch: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Reject]]:
    if table not in MUST_EXIST:
        return batch, []
    column, query, what = MUST_EXIST[table]
    wanted = sorted({row[column] for row in batch if row.get(column) is not None})
    if not wanted:
        return batch, []
    found = set(graph.read(query, ids=wanted)[0]["found"])
    kept, rejects = [], []
    for row in batch:
        value = row.get(column)
        if value is None or value in found:
            kept.append(row)
        else:
            rejects.append(
                Reject(file, row["_line"], column, str(value),
                       f"{column} names {what} that is neither in this import nor in the graph"),
            )  # fmt: skip
    return kept, rejects
