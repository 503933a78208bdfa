"""PROTOTYPE (first-load study, docs/first-load/study.md) — not wired into the CLI.

Writes every node and relationship of the configured database as sorted text lines, one file
per label / relationship type, so that a graph loaded by neo4j-admin from
docs/first-load/prototype.py's CSV files can be compared line for line (`diff -r`) with an
online `tracegraph import` of the same plant:

    PYTHONPATH=. .venv/bin/python docs/first-load/compare.py OUT_DIR

A node is its labels and properties, a relationship its type, its ends (label and key) and
properties; times as ISO 8601 text, floats as repr. Ledger nodes (ImportRun, ImportedFile,
RowChange, ImportLock, Migration, SourcedTable) are written apart: a CSV load has none.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tracegraph.config import load_settings
from tracegraph.db import connect

KEYS = {
    "Lot": "lot_id", "ProcessStep": "step_id", "Shipment": "shipment_id",
    "Inspection": "inspection_id", "Material": "material_id", "Supplier": "supplier_id",
    "Customer": "customer_id", "Location": "location_id", "Device": "device_id",
    "Operator": "operator_id", "WorkOrder": "work_order_id", "Identifier": "key",
    "DeviceEvent": "event_id", "ImportRun": "run_id", "ImportedFile": "file_id",
}  # fmt: skip

# Fixed query text: labels and types are read from the graph, never pasted into Cypher.
NODES = "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props"
RELS = (
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, elementId(a) AS a, elementId(b) AS b, "
    "properties(r) AS props"
)


def _value(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ",".join(_value(x) for x in v) + "]"
    if hasattr(v, "iso_format"):
        return str(v.iso_format())
    return repr(v)


def _props(props: dict[str, Any]) -> str:
    return " ".join(f"{k}={_value(props[k])}" for k in sorted(props))


def _end(labels: list[str], props: dict[str, Any]) -> str:
    label = next((lbl for lbl in sorted(labels) if lbl in KEYS), sorted(labels)[0])
    return f"{label}:{props.get(KEYS.get(label, ''), '?')}"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    driver = connect(settings)
    lines: dict[str, list[str]] = {}
    ends: dict[str, str] = {}  # element id -> Label:key, to name a relationship's ends
    with driver.session(database=settings.database) as session:
        for record in session.run(NODES):
            labels = sorted(record["labels"])
            name = "nodes-" + ":".join(labels)
            lines.setdefault(name, []).append(_props(record["props"]))
            ends[record["id"]] = _end(labels, record["props"])
        for record in session.run(RELS):
            name = "rels-" + record["type"]
            start, end = ends[record["a"]], ends[record["b"]]
            lines.setdefault(name, []).append(f"{start} -> {end} {_props(record['props'])}")
    driver.close()
    for name, rows in lines.items():
        rows.sort()
        (out / f"{name}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"{name}: {len(rows)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
