"""Loading validated rows into the graph: one named UNWIND query per table, in batches.

Each row carries a content hash (`_row_sha`); the queries skip rows whose hash the graph already
has, so re-importing unchanged data writes nothing, and every batch is its own transaction, so
a run killed half-way is completed by simply running it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracegraph.graph import TraceGraph
from tracegraph.importing.tables import TABLES
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
    rejects: list[Reject] | None = None


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
    props: dict[str, Any] = {
        name: row[name]
        for name in (c.name for c in spec.columns)
        if name not in references and row.get(name) is not None
    }
    props.update(row["_extra"])
    props["_row_sha"] = _row_sha(row)
    if table == "lots":
        props["origin_known"] = True
    out: dict[str, Any] = {name: row.get(name) for name in (*spec.key, *references)}
    if table == "lots" and row.get("supplier_lot") is not None:
        out["identity_key"] = f"supplier_lot|{row.get('supplier_id') or ''}|{row['supplier_lot']}"
    if table == "device_events":
        out["event_id"] = f"{row['device_id']}|{row['event']}|{row['at'].isoformat()}"
        props["event_id"] = out["event_id"]
    out["props"] = props
    return out


def write_table(
    graph: TraceGraph, validated: ValidatedTable, progress: Progress = lambda _: None
) -> TableWrite:
    result = TableWrite(rejects=[])
    table = validated.table
    for start in range(0, len(validated.rows), BATCH_SIZE):
        batch = validated.rows[start : start + BATCH_SIZE]
        batch, missing = _split_missing_references(graph, table, validated.file, batch)
        assert result.rejects is not None
        result.rejects.extend(missing)
        if batch:
            records = graph.write_records(
                f"import/{table}", rows=[cypher_row(table, row) for row in batch]
            )
            result.changed += int(records[0]["changed"]) if records else 0
            result.written += len(batch)
        progress(start + len(validated.rows[start : start + BATCH_SIZE]))
    return result


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
