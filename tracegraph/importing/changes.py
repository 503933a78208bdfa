"""What a changed row changed: its stored values before, the new ones, column by column.

A row whose key is in the graph with a different content hash is a change (a lot put on hold,
a corrected quantity). Before the importer writes it, it reads what the graph holds for that
row — the node's or link's properties and, for references kept as edges, the node at the other
end — and the run's ledger gets one RowChange per row: which columns differ, the old and the
new value of each, as text ("" for no value; an empty cell is no value on import too).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracegraph.importing.tables import TABLES, Kind
from tracegraph.importing.validate import measure_text
from tracegraph.values import iso

# Per table: relationship type of a reference edge -> (column, key property of the node it
# points to). The same edges the *_edges queries make (cypher/import/); the *_before queries
# return them.
REFERENCE_EDGES: dict[str, dict[str, tuple[str, str]]] = {
    "devices": {"AT": ("location_id", "location_id")},
    "lots": {"OF": ("material_id", "material_id"), "SUPPLIED_BY": ("supplier_id", "supplier_id"),
             "AT": ("location_id", "location_id"),
             "IDENTIFIES": ("supplier_lot", "value")},  # the Identifier of its supplier lot
    "steps": {"ON": ("device_id", "device_id"), "BY": ("operator_id", "operator_id"),
              "FOR": ("work_order_id", "work_order_id"), "AT": ("location_id", "location_id")},
    "inspections": {"OF_LOT": ("lot_id", "lot_id"), "DURING": ("step_id", "step_id"),
                    "ON": ("device_id", "device_id"), "BY": ("operator_id", "operator_id")},
    "shipments": {"TO": ("customer_id", "customer_id"),
                  "FROM": ("from_location_id", "location_id")},
    "device_events": {"OF_DEVICE": ("device_id", "device_id")},
}  # fmt: skip

# Times come from the *_before queries as Cypher's text (2026-11-03T08:15Z) and are compared
# as the importer writes them (2026-11-03T08:15:00+00:00).
_TIMES = {name: tuple(c.name for c in spec.columns if c.kind is Kind.DATETIME)
          for name, spec in TABLES.items()}  # fmt: skip

# Text columns whose numbers are kept as the text of their value (validate.measure_text).
_MEASURES = {name: frozenset(c.name for c in spec.columns if c.kind is Kind.MEASURE)
             for name, spec in TABLES.items()}  # fmt: skip

# Properties the importer adds to a row's node or link, never a column of the export: its hash,
# the sources that sent it (writer._sources_after) and each one's last row hash where there are
# several (writer.own_shas), a lot's origin_known and the supplier lot a lot without a supplier
# keeps (writer._keep_supplier_lot), a device's or operator's longest step, which steps raise
# (it was listed as a changed column). writer._BOOKKEEPING adds a table's copied references.
BOOKKEEPING = frozenset(
    {"_row_sha", "_sources", "_source_shas", "origin_known", "longest_step_s", "_supplier_lot"}
)
# ... and a lot's identity key, which its parameter map carries beside the columns
_NOT_COLUMNS = BOOKKEEPING | {"identity_key"}


@dataclass(frozen=True)
class RowChange:
    table: str
    key: str  # the row's key; a link's as "step_id|lot_id" (or shipment_id|lot_id)
    line: int
    columns: tuple[str, ...]
    before: tuple[str, ...]  # per column, as text; "" for no value
    after: tuple[str, ...]
    nodes: tuple[str, ...]  # element ids of the node(s) the row is about
    # a row a full import (--full) removed: every column it held goes to "" (`file` and
    # `line` are its line in removed-RUN.csv)
    removed: bool = False

    def as_props(self, run_id: str, file: str) -> dict[str, Any]:
        return {
            **({"removed": True} if self.removed else {}),
            # Unique by construction: one source line may yield two rows of a table (two
            # [[file]] sections of a mapping), even with the same key.
            "change_id": f"{run_id}-{secrets.token_hex(8)}",
            "run_id": run_id, "table": self.table, "key": self.key, "file": file,
            "line": self.line, "columns": list(self.columns), "before": list(self.before),
            "after": list(self.after),
        }  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "to_native"):  # a stored DateTime, as the importer writes times
        return iso(value) or ""
    return str(value)


def stored_values(table: str, props: Mapping[str, Any], links: Sequence[Any]) -> dict[str, Any]:
    """The columns of a row as the graph holds them: the node's (or link's) properties, and per
    reference edge [type, edge properties, key properties of the other node] its column and
    the edge's own properties (a lot's supplier_lot and received_at)."""
    values = {k: v for k, v in props.items() if k not in _NOT_COLUMNS}
    edges = REFERENCE_EDGES.get(table, {})
    # a lot's supplier-lot Identifiers first: the lot's receipt (SUPPLIED_BY) holds the number
    # its last row gave, where each source's spelling has an Identifier of its own
    for kind, edge_props, other in sorted(links, key=lambda link: link[0] != "IDENTIFIES"):
        column, key = edges[kind]
        values[column] = other.get(key)
        values.update({k: v for k, v in edge_props.items()
                       if v is not None and k not in _NOT_COLUMNS})  # fmt: skip
    if props.get("_supplier_lot") is not None and not any(k == "SUPPLIED_BY" for k, *_ in links):
        # a lot without a supplier: its last row's number, kept on it (writer._keep_supplier_lot)
        values["supplier_lot"] = props["_supplier_lot"]
    for name in _TIMES[table]:
        values[name] = iso(values.get(name))
    return values


def new_values(shaped: Mapping[str, Any], top: Sequence[str]) -> dict[str, Any]:
    """The columns of a row as the importer is about to write it (see writer.cypher_row)."""
    values = {k: v for k, v in shaped["props"].items() if k not in _NOT_COLUMNS}
    values.update({name: shaped[name] for name in top if name not in _NOT_COLUMNS})
    return values


def difference(
    table: str, key: str, line: int, before: Mapping[str, Any], after: Mapping[str, Any],
    nodes: Sequence[str],
) -> RowChange:  # fmt: skip
    """Column by column, in name order; times compare as written (a new offset is a change)."""
    columns, old, new = [], [], []
    for column in sorted(set(before) | set(after)):
        was, now = _text(before.get(column)), _text(after.get(column))
        if (
            was != now
            and not _same_number(before.get(column), after.get(column))
            and not _same_measure(table, column, before.get(column), after.get(column))
        ):
            columns.append(column)
            old.append(was)
            new.append(now)
    return RowChange(table, key, line, tuple(columns), tuple(old), tuple(new), tuple(nodes))


def removal(
    table: str, key: str, line: int, values: Mapping[str, Any], nodes: Sequence[str]
) -> RowChange:
    """A row a full import removes, as a change: each column it held, to no value."""
    columns = sorted(c for c, v in values.items() if _text(v) != "")
    return RowChange(table, key, line, tuple(columns), tuple(_text(values[c]) for c in columns),
                     ("",) * len(columns), tuple(nodes), removed=True)  # fmt: skip


def _same_number(a: Any, b: Any) -> bool:
    """12.0 as stored before extras kept integers, and 12 now: the same value, no change."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    return numbers and a == b


def _same_measure(table: str, column: str, a: Any, b: Any) -> bool:
    """An inspection's value (Kind.MEASURE) "97.0", the text a CSV wrote kept before, and
    "97" now (validate.measure_text): the same value, no change. Other text is compared as
    written: "000123" and "123" are two values."""
    return (
        column in _MEASURES[table] and isinstance(a, str) and isinstance(b, str)
        and measure_text(a) == measure_text(b)
    )  # fmt: skip


def column_changes(record: Mapping[str, Any]) -> list[dict[str, str]]:
    """A stored RowChange's parallel lists as one {column, before, after} per changed column."""
    return [
        {"column": name, "before": old, "after": new}
        for name, old, new in zip(record["columns"], record["before"], record["after"], strict=True)
    ]
