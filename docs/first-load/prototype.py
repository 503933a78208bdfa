"""PROTOTYPE (first-load study, docs/first-load/study.md) — not wired into the CLI.

Shapes a folder of canonical tables with the online import's own pipeline (reader.read_table,
validate.validate_lazily, writer.cypher_row: the same typed values, `_row_sha` and props) and
writes them as neo4j-admin CSV files (`neo4j-admin database import full`) instead of sending
them as Bolt batches, so that the time Python needs to shape a plant can be measured apart from
the offline load, and the loaded graph compared with an online import of the same plant.

    PYTHONPATH=. .venv/bin/python docs/first-load/prototype.py PLANT_DIR OUT_DIR

Writes OUT_DIR/nodes-*.csv, OUT_DIR/rels-*.csv, OUT_DIR/args.txt (the --nodes/--relationships
arguments for neo4j-admin), OUT_DIR/rejects.csv and prints timings. What it leaves out on
purpose (the ImportRun ledger, longest_step_s, _reported, ...) is listed in the study.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

from tracegraph.importing.reader import read_table
from tracegraph.importing.run import chosen_zone
from tracegraph.importing.sources import CANONICAL
from tracegraph.importing.tables import IMPORT_ORDER
from tracegraph.importing.validate import kept_as, reserved, validate_lazily
from tracegraph.importing.writer import (
    COPIED_REFERENCES,
    MUST_EXIST,
    NODE_KEYS,
    REFERENCES,
    SHAPES,
    cypher_row,
)

LABELS = {
    "materials": "Material", "suppliers": "Supplier", "customers": "Customer",
    "locations": "Location", "devices": "Device", "operators": "Operator", "lots": "Lot",
    "steps": "ProcessStep", "inspections": "Inspection", "shipments": "Shipment",
    "device_events": "DeviceEvent",
}  # fmt: skip
# Reference columns whose nodes the online queries MERGE (a node with its key alone when no
# master row made it): label and key property.
REFERENCE_LABELS = {
    "material_id": ("Material", "material_id"), "supplier_id": ("Supplier", "supplier_id"),
    "customer_id": ("Customer", "customer_id"), "location_id": ("Location", "location_id"),
    "from_location_id": ("Location", "location_id"), "device_id": ("Device", "device_id"),
    "operator_id": ("Operator", "operator_id"), "work_order_id": ("WorkOrder", "work_order_id"),
}  # fmt: skip
# neo4j-admin's type names for the Python values the pipeline makes
TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


class TypedCsv:
    """Rows of one node label or relationship type, written as neo4j-admin CSV: a file per set
    of column types met (a column whose rows hold numbers and text — an inspection's `value` —
    cannot be one typed column), each with its own header. The first LOOK_AHEAD rows are held
    back to learn each column's type, so that a column absent from the first row (a bake step's
    oven_temp_c on a mix step's row) is not declared text."""

    LOOK_AHEAD = 5000

    def __init__(
        self,
        out: Path,
        name: str,
        fixed: list[str],
        columns: list[str],
        declared: dict[str, str] | None = None,
    ) -> None:
        self.out, self.name, self.fixed, self.columns = out, name, fixed, columns
        self.declared = declared or {}  # columns whose type is fixed (times: datetime)
        self.seen: dict[str, str] = {}
        self.learning = True
        self.held: list[tuple[list[Any], list[Any], tuple[str, ...]]] = []
        self.files: dict[tuple[str, ...], tuple[Any, Any, Path]] = {}
        self.by_types: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.rows = 0

    def write(self, lead: list[Any], props: dict[str, Any]) -> None:
        values = [props.get(c) for c in self.columns]
        types = tuple(
            self.declared.get(c) or ("" if v is None else TYPES[type(v)])
            for c, v in zip(self.columns, values, strict=True)
        )
        self.rows += 1
        if self.learning:
            for c, t in zip(self.columns, types, strict=True):
                if t:
                    self.seen.setdefault(c, t)
            self.held.append((lead, values, types))
            self.learning = len(self.held) < self.LOOK_AHEAD
            return
        if self.held:
            self._flush()
        self._put(lead, values, types)

    def _flush(self) -> None:
        held, self.held, self.learning = self.held, [], False
        for lead, values, types in held:
            self._put(lead, values, types)

    def _put(self, lead: list[Any], values: list[Any], types: tuple[str, ...]) -> None:
        target = self.by_types.get(types)
        if target is None:
            # absent values fit any file: the first file opened takes most rows
            target = next((t for t in self.files if _fits(types, t)), None)
            if target is None:
                pairs = zip(self.columns, types, strict=True)
                target = tuple(t or self.seen.get(c, "string") for c, t in pairs)
                if target not in self.files:
                    self.files[target] = self._open(target)
            self.by_types[types] = target
        self.files[target][1].writerow(lead + ["" if v is None else _text(v) for v in values])

    def _open(self, types: tuple[str, ...]) -> tuple[Any, Any, Path]:
        path = self.out / f"{self.name}-{len(self.files)}.csv"
        handle = path.open("w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        typed = [f"{c}:{t}" for c, t in zip(self.columns, types, strict=True)]
        writer.writerow(self.fixed + typed)
        return handle, writer, path

    def paths(self) -> list[Path]:
        return [f[2] for f in self.files.values()]

    def close(self) -> None:
        self._flush()
        for handle, _, _ in self.files.values():
            handle.close()


def _fits(row: tuple[str, ...], file: tuple[str, ...]) -> bool:
    return all(r in ("", f) for r, f in zip(row, file, strict=True))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips: the double neo4j-admin parses is the one Python held
    return str(value)


class Load:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.nodes: dict[str, TypedCsv] = {}
        self.rels: dict[str, TypedCsv] = {}
        self.keys: dict[str, set[Any]] = {}  # label -> keys written as nodes
        self.referenced: dict[str, set[Any]] = {}  # label -> keys named by references
        self.rejects: list[list[Any]] = []

    def node(self, label: str, key: str, props: dict[str, Any], columns: list[str],
             declared: dict[str, str] | None = None, labels: str = "") -> None:  # fmt: skip
        w = self.nodes.get(label)
        if w is None:
            fixed = [f"{key}:ID({label})", ":LABEL"]
            w = self.nodes[label] = TypedCsv(self.out, f"nodes-{label}", fixed, columns, declared)
        w.write([props[key], labels or label], props)
        self.keys.setdefault(label, set()).add(props[key])

    def rel(self, rtype: str, start: tuple[str, Any], end: tuple[str, Any],
            props: dict[str, Any] | None = None, columns: tuple[str, ...] = (),
            declared: dict[str, str] | None = None) -> None:  # fmt: skip
        name = f"{rtype}-{start[0]}-{end[0]}"
        w = self.rels.get(name)
        if w is None:
            fixed = [f":START_ID({start[0]})", f":END_ID({end[0]})", ":TYPE"]
            w = self.rels[name] = TypedCsv(self.out, f"rels-{name}", fixed, list(columns), declared)
        w.write([start[1], end[1], rtype], props or {})

    def ref(self, column: str, value: Any) -> tuple[str, Any]:
        label, _ = REFERENCE_LABELS[column]
        self.referenced.setdefault(label, set()).add(value)
        return label, value


LINK_COLUMNS = ("quantity", "uom", "_row_sha", "_sources")


def shape_table(load: Load, table: str, path: Path, zone: Any) -> int:
    raw = read_table(path)
    validated, rows = validate_lazily(raw, table, zone)
    shape = SHAPES[table]
    known = {*shape.top, *shape.properties, *shape.times}
    extras = [kept_as(c, raw.header) if reserved(c) else c for c in raw.header if c not in known]
    # the node's own times: a lot's received_at goes on its SUPPLIED_BY edge (lots_create_edges)
    times = [t for t in shape.times if t not in REFERENCES.get(table, ())]
    written = 0
    if table in LABELS:
        label = LABELS[table]
        key = NODE_KEYS[table]
        columns = sorted({*shape.properties, *extras, *COPIED_REFERENCES.get(table, ()),
                          *times, "_row_sha", "_sources", "origin_known", "_supplier_lot",
                          key} - {key})  # fmt: skip
        declared = dict.fromkeys(times, "datetime")
        for row in rows:
            r = cypher_row(table, row)
            props = r["props"]
            props["_sources"] = CANONICAL  # what _add_sources gives a new row of the run's source
            for t in times:
                props[t] = r[t]
            if table == "device_events":
                props[key] = r["event_id"]
            else:
                props[key] = r[key]
            labels = "DeviceEvent;KeyedDeviceEvent" if table == "device_events" else ""
            load.node(label, key, props, columns, declared, labels)
            _edges(load, table, r)
            written += 1
    else:
        parent_column, _, what = MUST_EXIST.get(table, ("", "", ""))
        parent_label = {"step_id": "ProcessStep", "shipment_id": "Shipment"}.get(parent_column)
        for row in rows:
            if parent_label and row[parent_column] not in load.keys.get(parent_label, set()):
                load.rejects.append([str(path), row["_line"], parent_column, row[parent_column],
                                     f"{parent_column} names {what} that is neither in this "
                                     "import nor in the graph"])  # fmt: skip
                continue
            r = cypher_row(table, row)
            props = {**r["props"], "_sources": CANONICAL}
            lot = ("Lot", r["lot_id"])
            load.referenced.setdefault("Lot", set()).add(r["lot_id"])
            cols = (*LINK_COLUMNS, *extras)
            if table == "step_inputs":
                load.rel("INPUT_TO", lot, ("ProcessStep", r["step_id"]), props, cols)
            elif table == "step_outputs":
                load.rel("PRODUCED", ("ProcessStep", r["step_id"]), lot, props, cols)
            elif table == "shipment_lines":
                load.rel("SHIPPED", lot, ("Shipment", r["shipment_id"]), props, cols)
            elif table == "lot_identifiers":
                ident = r["identity_key"]
                if ident not in load.keys.get("Identifier", set()):
                    load.node("Identifier", "key", {"key": ident, "scheme": r["scheme"],
                              "issuer": r["issuer"], "value": r["value"]},
                              ["issuer", "scheme", "value"])  # fmt: skip
                load.rel("IDENTIFIES", ("Identifier", ident), lot, props,
                         ("_row_sha", "_sources", *extras))  # fmt: skip
            written += 1
    for reject in validated.rejects:
        load.rejects.append([str(path), reject.line, reject.column, reject.value, reject.reason])
    return written


def _edges(load: Load, table: str, r: dict[str, Any]) -> None:
    """The edges the {table}_create_edges (devices: devices_edges) queries make."""
    label = LABELS[table]
    me = (label, r["event_id"] if table == "device_events" else r[NODE_KEYS[table]])
    if table == "lots":
        load.rel("OF", me, load.ref("material_id", r["material_id"]))
        if r["supplier_id"] is not None:
            load.rel("SUPPLIED_BY", me, load.ref("supplier_id", r["supplier_id"]),
                     {"supplier_lot": r["supplier_lot"], "received_at": r["received_at"],
                      "received_location_id": r["location_id"]},
                     ("supplier_lot", "received_at", "received_location_id"),
                     {"received_at": "datetime"})  # fmt: skip
        if r["location_id"] is not None:
            load.rel("AT", me, load.ref("location_id", r["location_id"]))
        if r["supplier_lot"] is not None:
            ident = r["identity_key"]
            if ident not in load.keys.get("Identifier", set()):
                load.node("Identifier", "key", {"key": ident, "scheme": "supplier_lot",
                          "issuer": r["supplier_id"], "value": r["supplier_lot"]},
                          ["issuer", "scheme", "value"])  # fmt: skip
            load.rel("IDENTIFIES", ("Identifier", ident), me, {"_sources": CANONICAL},
                     ("_sources",))  # fmt: skip
        return
    for column, rtype in {
        "devices": (("location_id", "AT"),),
        "steps": (("device_id", "ON"), ("operator_id", "BY"), ("work_order_id", "FOR"),
                  ("location_id", "AT")),
        "inspections": (("device_id", "ON"), ("operator_id", "BY")),
        "shipments": (("customer_id", "TO"), ("from_location_id", "FROM")),
        "device_events": (("device_id", "OF_DEVICE"),),
    }.get(table, ()):  # fmt: skip
        if r.get(column) is not None:
            load.rel(rtype, me, load.ref(column, r[column]))
    if table == "inspections":
        if r["lot_id"] is not None:
            load.referenced.setdefault("Lot", set()).add(r["lot_id"])
            load.rel("OF_LOT", me, ("Lot", r["lot_id"]))
        # MATCHed online: a missing step leaves no edge
        if r["step_id"] is not None and r["step_id"] in load.keys.get("ProcessStep", set()):
            load.rel("DURING", me, ("ProcessStep", r["step_id"]))


def main(plant: Path, out: Path) -> None:
    out = out.absolute()
    out.mkdir(parents=True, exist_ok=True)
    zone = chosen_zone(None, None).zone
    load = Load(out)
    began = time.perf_counter()
    counts: dict[str, tuple[int, float]] = {}
    for table in IMPORT_ORDER:
        path = plant / f"{table}.csv"
        if not path.exists():
            continue
        t0 = time.perf_counter()
        n = shape_table(load, table, path, zone)
        counts[table] = (n, time.perf_counter() - t0)
        print(f"{table}: {n} rows in {counts[table][1]:.1f} s", flush=True)
    # nodes the online queries MERGE from references: keys alone; lots as stubs
    stubs = 0
    for label, keys in load.referenced.items():
        key = (
            "lot_id"
            if label == "Lot"
            else REFERENCE_LABELS[
                next(c for c, (lbl, _) in REFERENCE_LABELS.items() if lbl == label)
            ][1]
        )
        for value in sorted(keys - load.keys.get(label, set())):
            props: dict[str, Any] = {key: value}
            if label == "Lot":
                props["origin_known"] = False
                stubs += 1
            load.node(label, key, props, ["origin_known"] if label == "Lot" else [])
    for w in (*load.nodes.values(), *load.rels.values()):
        w.close()
    with (out / "rejects.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["file", "line", "column", "value", "reason"], *load.rejects])
    args = [f"--nodes={p}" for w in load.nodes.values() for p in w.paths()]
    args += [f"--relationships={p}" for w in load.rels.values() for p in w.paths()]
    (out / "args.txt").write_text("\n".join(args) + "\n", encoding="utf-8")
    took = time.perf_counter() - began
    node_rows = sum(w.rows for w in load.nodes.values())
    rel_rows = sum(w.rows for w in load.rels.values())
    table_rows = sum(n for n, _ in counts.values())
    print(f"shaped {table_rows} table rows in {took:.1f} s ({table_rows / took:,.0f} rows/s); "
          f"CSV: {node_rows} nodes ({stubs} stub lots), {rel_rows} relationships, "
          f"{len(load.rejects)} rejects")  # fmt: skip
    for name, w in sorted({**load.nodes, **load.rels}.items()):
        print(f"  {name}: {w.rows} in {len(w.paths())} file(s)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
