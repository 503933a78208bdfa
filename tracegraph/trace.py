"""Forward and backward traces: the two questions asked when quality fails.

Each trace is one read query (cypher/trace/*.cypher) that returns the reached subgraph — every
lot and step once, found by a breadth-first, node-unique traversal — and Python that weighs
quantities through it (tracegraph.flow) and shapes the public JSON contract (DESIGN.md §5).
Nothing is ever cut off: `truncated` is always reported and is false, since no limit applies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from tracegraph import flow
from tracegraph.errors import UnknownSubject
from tracegraph.flow import Edge, Quantity
from tracegraph.gcpause import without_collector
from tracegraph.graph import TraceGraph
from tracegraph.lots import resolve_lots
from tracegraph.units import convert
from tracegraph.values import STEP_FIELDS, iso, public_props

SHARE = "share"  # the unit of a source without a quantity: amounts are shares of the lot


@dataclass
class ForwardTrace:
    sources: list[dict[str, Any]]
    lots: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    totals: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "lots": self.lots,
            "shipments": self.shipments,
            "customers": self.customers,
            "steps": self.steps,
            "totals": self.totals,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> str:
        located = self.totals.get("shipped_net")
        unit = self.totals.get("uom") or ""
        names = ", ".join(s["lot_id"] for s in self.sources[:3])
        names += f" and {len(self.sources) - 3} more" if len(self.sources) > 3 else ""
        text = (
            f"{len(self.lots):,} lots · {len(self.shipments):,} shipment lines · "
            f"{len(self.customers):,} customers"
        )
        if located is not None:
            text += f" · {_amount(located)} {unit} of {names} shipped"
        return text


@dataclass
class BackwardTrace:
    sources: list[dict[str, Any]]
    lots: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    operators: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    seconds: float = 0.0
    truncated: bool = False
    flags: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "lots": self.lots,
            "suppliers": self.suppliers,
            "steps": self.steps,
            "devices": self.devices,
            "operators": self.operators,
            "inspections": self.inspections,
            "flags": self.flags,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> str:
        raw = sum(1 for lot in self.lots if lot.get("supplier_id"))
        text = (
            f"{len(self.lots):,} input lots ({raw:,} received) · {len(self.suppliers):,} suppliers"
            f" · {len(self.steps):,} steps · {len(self.devices):,} devices · "
            f"{len(self.operators):,} operators · {len(self.inspections):,} inspections"
        )
        problems = [f"{n} {name}" for name, n in self.flags.items() if n]
        return text + (" · " + ", ".join(problems) if problems else "")


def _amount(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"


def _source_rows(rows: Mapping[str, Any], ids: list[str]) -> list[dict[str, Any]]:
    """The sources' rows; `rows` holds a trace's reached lots (_Lot or _UpLot) by lot id."""
    return [
        {
            "lot_id": lot,
            "material_id": rows[lot].material_id,
            "quantity": rows[lot].quantity,
            "uom": rows[lot].uom,
            "status": rows[lot].status,
            "origin_known": rows[lot].origin_known,
        }
        for lot in ids
        if lot in rows
    ]


# --- forward ---------------------------------------------------------------------------------


@without_collector
def trace_forward(graph: TraceGraph, ids: list[str]) -> ForwardTrace:
    """Everything downstream of the lots `ids` name, weighed in the first source's unit."""
    started = time.perf_counter()
    sources, reached = _resolved_and_reached(graph, _downstream, ids)
    result = forward_from_subgraph(reached, sources)
    result.seconds = time.perf_counter() - started
    return result


class _Lot(NamedTuple):
    """One reached lot as cypher/trace/forward.cypher returns it, its edges split by kind."""

    lot_id: str
    quantity: float | None
    uom: str | None
    status: str | None
    origin_known: bool | None
    created_at: str | None
    material_id: str | None
    used_in: list[list[Any]]  # [0, step_id, quantity, uom, operation, started_at]
    made_by: list[list[Any]]  # [1, step_id, quantity, uom]
    shipped: list[list[Any]]  # [2, shipment_id, quantity, uom]


class _Shipment(NamedTuple):
    shipment_id: str
    shipped_at: str | None
    reference_doc: str | None
    carrier: str | None
    from_location_id: str | None
    customer_id: str | None
    customer_name: str | None
    customer_contact: str | None
    customer_country: str | None


@dataclass
class Downstream:
    """The subgraph below the sources: reached lots, the steps they went into, shipments."""

    lots: dict[str, _Lot]
    steps: dict[str, tuple[str | None, str | None]]  # step_id -> (operation, started_at)
    shipments: dict[str, _Shipment]


def _downstream(graph: TraceGraph, sources: list[str]) -> Downstream:
    return downstream_from_record(graph.read("trace/forward", lot_ids=sources)[0])


def downstream_from_record(record: Mapping[str, Any]) -> Downstream:
    """The subgraph of a forward trace from its one record of compact lists (the shape
    cypher/trace/forward.cypher returns; the benchmark's PostgreSQL query returns it too, so
    both engines' answers are weighed by the same code)."""
    lots: dict[str, _Lot] = {}
    steps: dict[str, tuple[str | None, str | None]] = {}
    for *fields, edges in record["lots"]:
        kinds: tuple[list[list[Any]], ...] = ([], [], [])
        for edge in edges:
            kinds[edge[0]].append(edge)
        for use in kinds[0]:
            steps[use[1]] = (use[4], use[5])
        lots[fields[0]] = _Lot(*fields, *kinds)
    shipments = {row[0]: _Shipment._make(row) for row in record["shipments"]}
    return Downstream(lots, steps, shipments)


class _Reached(Protocol):
    @property
    def lots(self) -> Mapping[str, Any]: ...


_R = TypeVar("_R", bound=_Reached)


def _resolved_and_reached(
    graph: TraceGraph, fetch: Callable[[TraceGraph, list[str]], _R], ids: list[str]
) -> tuple[list[str], _R]:
    """The source lots `ids` name and what the trace reaches from them — in one round trip
    when every id is a lot id (the usual case). The trace query starts from lots by lot id and
    returns its sources, so an id missing from its lots names a lot by another identity, or
    none: then the ids are resolved (lot id first, see resolve_lots) and the trace asked again."""
    wanted = list(dict.fromkeys(ids))
    if wanted:
        reached = fetch(graph, wanted)
        if all(lot in reached.lots for lot in wanted):
            return wanted, reached
    sources = resolve_lots(graph, ids)
    return sources, fetch(graph, sources)


def forward_from_subgraph(reached: Downstream, sources: list[str]) -> ForwardTrace:
    rows = reached.lots
    uses = [Edge(lot.lot_id, step, qty, uom)
            for lot in rows.values() for _, step, qty, uom, *_ in lot.used_in]  # fmt: skip
    reached_steps = reached.steps
    outputs = [Edge(lot.lot_id, step, qty, uom)
               for lot in rows.values() for _, step, qty, uom in lot.made_by
               if step in reached_steps]  # fmt: skip
    shipped = [Edge(lot.lot_id, shipment, qty, uom)
               for lot in rows.values() for _, shipment, qty, uom in lot.shipped]  # fmt: skip
    source_qty = {}
    for lot_id in sources:
        q = Quantity(rows[lot_id].quantity, rows[lot_id].uom)
        source_qty[lot_id] = q if q.amount is not None else Quantity(1.0, SHARE)
    weighed = flow.forward(
        source_qty, {lot.lot_id: Quantity(lot.quantity, lot.uom) for lot in rows.values()},
        uses, outputs, shipped,
    )  # fmt: skip
    unit = source_qty[sources[0]].uom if sources else None
    rank = {source: i for i, source in enumerate(sources)}
    # Each source's factor to the trace's unit, found once (a wide trace combines the amounts
    # of every lot and shipment line); None where the dimensions differ.
    factors = {source: convert(1.0, q.uom, unit) for source, q in source_qty.items()}

    def combined(amounts: dict[str, float]) -> float | None:
        total = 0.0
        for source, amount in amounts.items():
            factor = factors[source]
            if factor is None:
                return None
            total += amount * factor
        return total

    made_by: dict[str, list[str]] = {}
    for edge in outputs:
        made_by.setdefault(edge.lot, []).append(edge.step)
    lot_rows = []
    for lot in rows.values():
        if lot.lot_id in source_qty:
            continue
        amounts = weighed.lots.get(lot.lot_id, {})
        lot_rows.append({
            "lot_id": lot.lot_id,
            "material_id": lot.material_id,
            "quantity": _round(combined(amounts)),
            "uom": unit,
            "depth": weighed.depth.get(lot.lot_id),
            "lot_quantity": lot.quantity,
            "lot_uom": lot.uom,
            "status": lot.status,
            "origin_known": lot.origin_known is not False,
            "created_at": iso(lot.created_at),
            "made_by": sorted(set(made_by.get(lot.lot_id, ()))),
            # in the order the sources were given, not the order the weighing met them (which
            # follows the store's, and two import writers make that differ run to run)
            "from_sources": {s: _round(a) for s, a in (
                sorted(amounts.items(), key=lambda item: rank[item[0]])
                if len(amounts) > 1 else amounts.items())},
        })  # fmt: skip
    lot_rows.sort(key=lambda r: (r["depth"] if r["depth"] is not None else 1 << 30, r["lot_id"]))

    shipment_rows = []
    customers: dict[str, dict[str, Any]] = {}
    shipped_at = {s.shipment_id: iso(s.shipped_at) for s in reached.shipments.values()}
    located_on: dict[tuple[str, str], float | None] = {}  # (lot, shipment) -> combined amount
    for edge in shipped:
        line = reached.shipments[edge.step]
        amounts = weighed.lines.get((edge.lot, edge.step), {})
        located = combined(amounts)
        located_on[(edge.lot, edge.step)] = located
        shipment_rows.append({
            "shipment_id": edge.step,
            "customer_id": line.customer_id,
            "customer_name": line.customer_name,
            "lot_id": edge.lot,
            "material_id": rows[edge.lot].material_id,
            "quantity": edge.quantity,
            "uom": edge.uom,
            "shipped_at": shipped_at[edge.step],
            "reference_doc": line.reference_doc,
            "carrier": line.carrier,
            "from_location_id": line.from_location_id,  # where it left: FSMA 204's ship-from
            "is_return": (edge.quantity or 0) < 0,
            "source_quantity": _round(located),
            "source_uom": unit,
        })  # fmt: skip
        if line.customer_id is None:
            continue
        customer = customers.setdefault(line.customer_id, {
            "customer_id": line.customer_id, "name": line.customer_name,
            "contact": line.customer_contact, "country": line.customer_country,
            "shipments": set(), "lots": set(), "source_quantity": 0.0, "source_uom": unit,
        })  # fmt: skip
        customer["shipments"].add(edge.step)
        customer["lots"].add(edge.lot)
        if located is not None and customer["source_quantity"] is not None:
            customer["source_quantity"] += located
        else:
            customer["source_quantity"] = None
    shipment_rows.sort(key=lambda r: (r["shipped_at"] or "", r["shipment_id"], r["lot_id"]))
    customer_rows = sorted(
        ({**c, "shipments": len(c["shipments"]), "lots": len(c["lots"]),
          "source_quantity": _round(c["source_quantity"])} for c in customers.values()),
        key=lambda c: (-(c["source_quantity"] or 0), c["customer_id"]),
    )  # fmt: skip
    totals = _forward_totals(weighed, source_qty, combined, unit, located_on)
    steps: dict[str, dict[str, Any]] = {
        step_id: {"step_id": step_id, "operation": operation, "started_at": iso(started),
                  "inputs": [], "outputs": []}
        for step_id, (operation, started) in reached_steps.items()
    }  # fmt: skip
    for edge in uses:
        steps[edge.step]["inputs"].append(edge.lot)
    for edge in outputs:
        steps[edge.step]["outputs"].append(edge.lot)
    for step in steps.values():  # by lot id, not in the store's order (as backward's steps)
        step["inputs"].sort()
        step["outputs"].sort()
    return ForwardTrace(
        sources=_source_rows(rows, sources),
        lots=lot_rows,
        shipments=shipment_rows,
        customers=customer_rows,
        totals=totals,
        steps=sorted(steps.values(), key=lambda s: (s["started_at"] or "", s["step_id"])),
    )


def _forward_totals(
    weighed: flow.ForwardFlow,
    sources: dict[str, Quantity],
    combined: Any,
    unit: str | None,
    located_on: dict[tuple[str, str], float | None],
) -> dict[str, Any]:
    """`located_on`: the combined amount of each shipment line, as the shipment rows have it."""
    shipped = returned = 0.0
    comparable = True
    for line in weighed.lines:
        value = located_on[line]
        if value is None:
            comparable = False
            continue
        if value >= 0:
            shipped += value
        else:
            returned -= value
    in_stock = sum(v for v in (combined(a) for a in weighed.remaining.values()) if v is not None)
    source_total = combined({s: q.amount or 0.0 for s, q in sources.items()})
    unplaced = combined(weighed.unplaced) if weighed.unplaced else 0.0
    located = shipped - returned + in_stock if comparable else None
    return {
        "uom": unit,
        "source_quantity": _round(source_total),
        "shipped": _round(shipped) if comparable else None,
        "returned": _round(returned) if comparable else None,
        "shipped_net": _round(shipped - returned) if comparable else None,
        "in_stock": _round(in_stock),
        "unplaced": _round(unplaced),
        "located": _round(located),
        "located_share": (
            round(located / source_total, 6) if located is not None and source_total else None
        ),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# --- backward --------------------------------------------------------------------------------


@without_collector
def trace_backward(graph: TraceGraph, ids: list[str]) -> BackwardTrace:
    """Everything upstream of the lots `ids` name, with how much of each went into them."""
    started = time.perf_counter()
    sources, upstream = _resolved_and_reached(graph, _upstream, ids)
    result = backward_from_subgraph(upstream, sources)
    result.seconds = time.perf_counter() - started
    return result


class _UpLot(NamedTuple):
    """One reached lot as cypher/trace/backward.cypher returns it."""

    lot_id: str
    quantity: float | None
    uom: str | None
    status: str | None
    origin_known: bool | None
    created_at: str | None
    expires_at: str | None
    material_id: str | None
    supplied_by: list[list[Any]]  # [supplier_id, name, country, supplier_lot, received_at]
    inspections: list[dict[str, Any]]


class _UpStep(NamedTuple):
    """One step that made a reached lot, its links split by kind."""

    step: dict[str, Any]
    device: dict[str, Any] | None
    operator: dict[str, Any] | None
    work_order_id: str | None
    location_id: str | None
    inspections: list[dict[str, Any]]
    inputs: list[list[Any]]  # [lot_id, quantity, uom]
    outputs: list[list[Any]]  # [lot_id, quantity, uom]


@dataclass
class Upstream:
    """The subgraph above the sources: the reached lots by id and the steps that made them."""

    lots: dict[str, _UpLot]
    steps: list[_UpStep]


def _upstream(graph: TraceGraph, sources: list[str]) -> Upstream:
    return upstream_from_record(graph.read("trace/backward", lot_ids=sources)[0])


def upstream_from_record(record: Mapping[str, Any]) -> Upstream:
    """The subgraph of a backward trace from its one record of compact lists (the shape
    cypher/trace/backward.cypher returns; the benchmark's PostgreSQL query returns it too)."""
    lots = {row[0]: _UpLot._make(row) for row in record["lots"]}
    steps = []
    for step, links in record["steps"]:
        kinds: tuple[list[list[Any]], ...] = ([], [], [], [], [], [], [])
        for link in links:
            kinds[link[0]].append(link)
        inputs, outputs, devices, operators, orders, locations, inspections = kinds
        steps.append(_UpStep(
            step,
            devices[0][1] if devices else None,
            operators[0][1] if operators else None,
            orders[0][1] if orders else None,
            locations[0][1] if locations else None,
            [link[1] for link in inspections],
            [link[1:] for link in inputs],
            [link[1:] for link in outputs],
        ))  # fmt: skip
    return Upstream(lots, steps)


def backward_from_subgraph(upstream: Upstream, sources: list[str]) -> BackwardTrace:
    rows = upstream.lots
    inspections: dict[str, dict[str, Any]] = {}
    for lot in rows.values():
        for inspection in lot.inspections:
            inspections[inspection["inspection_id"]] = {
                **public_props(inspection), "lot_id": lot.lot_id
            }  # fmt: skip
    inputs: dict[tuple[str, str], Edge] = {}
    outputs: dict[tuple[str, str], Edge] = {}
    steps: dict[str, dict[str, Any]] = {}
    for made in upstream.steps:
        step_id = made.step["step_id"]
        for lot_id, quantity, uom in made.inputs:
            inputs[(lot_id, step_id)] = Edge(lot_id, step_id, quantity, uom)
        for lot_id, quantity, uom in made.outputs:
            outputs[(lot_id, step_id)] = Edge(lot_id, step_id, quantity, uom)
        for inspection in made.inspections:
            entry = inspections.setdefault(
                inspection["inspection_id"], {**public_props(inspection), "lot_id": None}
            )
            entry["step_id"] = step_id
        if step_id not in steps:
            steps[step_id] = _step_row(made)
    weighed = flow.backward(
        {lot: Quantity(rows[lot].quantity, rows[lot].uom) for lot in sources},
        {lot.lot_id: Quantity(lot.quantity, lot.uom) for lot in rows.values()},
        list(inputs.values()),
        list(outputs.values()),
    )
    lot_rows = []
    suppliers: dict[str, dict[str, Any]] = {}
    is_source = set(sources)  # a set: thousands of complaint lots make a long list
    for lot in rows.values():
        receipt = lot.supplied_by[0] if lot.supplied_by else [None] * 5  # the import makes one
        if lot.lot_id not in is_source:
            needed = weighed.needed.get(lot.lot_id, Quantity(None, None))
            lot_rows.append({
                "lot_id": lot.lot_id,
                "material_id": lot.material_id,
                "quantity": _round(needed.amount),
                "uom": needed.uom,
                "depth": weighed.depth.get(lot.lot_id),
                "lot_quantity": lot.quantity,
                "lot_uom": lot.uom,
                "status": lot.status,
                "origin_known": lot.origin_known is not False,
                "created_at": iso(lot.created_at),
                "supplier_id": receipt[0],
                "supplier_lot": receipt[3],
                "received_at": iso(receipt[4]),
            })  # fmt: skip
        for supplier_id, name, country, supplier_lot, received_at in lot.supplied_by:
            supplier = suppliers.setdefault(supplier_id, {
                "supplier_id": supplier_id, "name": name, "country": country, "lots": [],
            })  # fmt: skip
            supplier["lots"].append({
                "lot_id": lot.lot_id, "material_id": lot.material_id,
                "supplier_lot": supplier_lot, "received_at": iso(received_at),
            })  # fmt: skip
    lot_rows.sort(key=lambda r: (r["depth"] if r["depth"] is not None else 1 << 30, r["lot_id"]))
    # A supplier's lots in the order received, not in the store's (which changes when the same
    # data is imported in another row order); undated receipts last.
    for supplier in suppliers.values():
        supplier["lots"].sort(key=lambda r: (_moment(r["received_at"]), r["lot_id"]))
    for step in steps.values():
        reached_outputs = [weighed.depth[o["lot_id"]] for o in step["outputs"]
                           if o["lot_id"] in weighed.depth]  # fmt: skip
        step["depth"] = min(reached_outputs) + 1 if reached_outputs else None
    step_rows = sorted(steps.values(), key=lambda s: (s["started_at"] or "", s["step_id"]))
    devices = _grouped(step_rows, "device_id", "device")
    operators = _grouped(step_rows, "operator_id", "operator")
    for step in step_rows:
        step.pop("device")
        step.pop("operator")
    inspection_rows = sorted(
        inspections.values(), key=lambda i: (i.get("inspected_at") or "", i["inspection_id"])
    )
    source_rows = _source_rows(rows, sources)
    all_lots = [*source_rows, *lot_rows]
    flags = {
        "lots on hold": sum(1 for lot in all_lots if lot.get("status") == "hold"),
        "lots rejected": sum(1 for lot in all_lots if lot.get("status") == "rejected"),
        "failed inspections": sum(1 for i in inspection_rows if i.get("result") == "fail"),
        "lots of unknown origin": sum(1 for lot in all_lots if not lot.get("origin_known")),
    }
    return BackwardTrace(
        sources=source_rows,
        lots=lot_rows,
        suppliers=sorted(suppliers.values(), key=lambda s: s["supplier_id"]),
        steps=step_rows,
        devices=devices,
        operators=operators,
        inspections=inspection_rows,
        flags=flags,
    )


def _moment(text: str | None) -> tuple[bool, datetime]:
    """A sort key for ISO 8601 text in time order (texts with different offsets compare as
    instants, not as text); None last."""
    if text is None:
        return True, datetime.min.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    return False, moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _step_row(made: _UpStep) -> dict[str, Any]:
    step = made.step
    return {
        "step_id": step["step_id"],
        "operation": step.get("operation"),
        "started_at": iso(step.get("started_at")),
        "ended_at": iso(step.get("ended_at")),
        "device_id": (made.device or {}).get("device_id"),
        "operator_id": (made.operator or {}).get("operator_id"),
        "work_order_id": made.work_order_id,
        "location_id": made.location_id,
        "parameters": {k: v for k, v in public_props(step).items() if k not in STEP_FIELDS},
        "inputs": _edge_rows(made.inputs),
        "outputs": _edge_rows(made.outputs),
        "device": public_props(made.device) if made.device else None,
        "operator": public_props(made.operator) if made.operator else None,
    }


def _edge_rows(edges: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"lot_id": lot_id, "quantity": quantity, "uom": uom}
            for lot_id, quantity, uom in sorted(edges, key=lambda e: e[0])]  # fmt: skip


def _grouped(steps: list[dict[str, Any]], key: str, node: str) -> list[dict[str, Any]]:
    """Devices or operators of the steps, with the steps they worked on."""
    found: dict[str, dict[str, Any]] = {}
    for step in steps:
        if step[key] is None:
            continue
        entry = found.setdefault(step[key], {**(step[node] or {key: step[key]}), "steps": []})
        entry["steps"].append(step["step_id"])
    return sorted(found.values(), key=lambda e: str(e[key]))


# --- device and operator windows -------------------------------------------------------------


@dataclass
class WindowTrace:
    """Lots a device or an operator produced in a time window, and where they went."""

    kind: str  # device or operator
    subject: str
    start: str
    end: str
    steps: list[dict[str, Any]]
    forward: ForwardTrace | None
    seconds: float = 0.0

    @property
    def processed_lots(self) -> list[str]:
        return list(dict.fromkeys(lot for step in self.steps for lot in step["lots"]))

    def as_dict(self) -> dict[str, Any]:
        return {
            f"{self.kind}_id": self.subject,
            "from": self.start,
            "to": self.end,
            "steps": self.steps,
            "processed_lots": self.processed_lots,
            "forward": self.forward.as_dict() if self.forward else None,
            "truncated": False,
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> str:
        text = (
            f"{self.kind} {self.subject}, {self.start} – {self.end}: {len(self.steps):,} steps · "
            f"{len(self.processed_lots):,} lots produced"
        )
        if self.forward:
            text += " · downstream: " + self.forward.summary()
        return text


@without_collector
def trace_window(graph: TraceGraph, kind: str, subject: str, start: str, end: str) -> WindowTrace:
    """`kind` is "device" or "operator"; `start`/`end` are ISO 8601 times with an offset."""
    if kind not in ("device", "operator"):
        raise ValueError(kind)
    started = time.perf_counter()
    key = f"{kind}_id"
    if not graph.read(f"trace/{kind}_exists", **{key: subject})[0]["found"]:
        raise UnknownSubject(
            f"no {kind} is known as {subject!r}",
            hint="`tracegraph db status` counts them; ids are case-sensitive",
        )
    rows = graph.read(f"trace/{kind}_window", **{key: subject}, window_start=start, window_end=end)
    # A step's lots by id, not in the store's order: the same data imported in another row
    # order gives the same answer.
    steps = [{**row, "started_at": iso(row["started_at"]), "ended_at": iso(row["ended_at"]),
              "lots": sorted(row["lots"])} for row in rows]  # fmt: skip
    lots = list(dict.fromkeys(lot for step in steps for lot in step["lots"]))
    forward = None
    if lots:
        forward = forward_from_subgraph(_downstream(graph, lots), lots)
    return WindowTrace(kind, subject, start, end, steps, forward, time.perf_counter() - started)
