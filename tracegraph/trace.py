"""Forward and backward traces: the two questions asked when quality fails.

Each trace is one read query (cypher/trace/*.cypher) that returns the reached subgraph — every
lot and step once, found by a breadth-first, node-unique traversal — and Python that weighs
quantities through it (tracegraph.flow) and shapes the public JSON contract (DESIGN.md §5).
Nothing is ever cut off: `truncated` is always reported and is false, since no limit applies.
"""

from __future__ import annotations

import bisect
import difflib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from tracegraph import flow
from tracegraph.check import DEFAULT_TOLERANCE, lot_tolerance
from tracegraph.errors import UnknownSubject
from tracegraph.flow import Edge, Quantity
from tracegraph.gcpause import without_collector
from tracegraph.graph import TraceGraph
from tracegraph.idtext import normal_id
from tracegraph.lots import AskedLots
from tracegraph.units import convert, dimension
from tracegraph.values import (
    STEP_FIELDS,
    counted,
    first_ids,
    instant_key,
    instant_order,
    iso,
    moment,
    public_props,
)

SHARE = "share"  # the unit of a source without a quantity: amounts are shares of the lot
OVERLOCATED = (
    "more of the source is located than there was: lots are shipped or used beyond their "
    "quantity, or in a unit they are not counted in (`tracegraph check` lists them)"
)


@dataclass
class ForwardTrace:
    sources: list[dict[str, Any]]
    lots: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    totals: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    # of `seconds`, the database's part: query, decode and the subgraph's shape (not in as_dict;
    # the benchmark splits a trace's time with it); None for a trace weighed from a subgraph
    # fetched otherwise (windows, supplier windows)
    fetch_seconds: float | None = None
    truncated: bool = False
    # the sources and reached lots with something left by their records (or of unknown
    # quantity): what a recall must block, where it is and how much of the sources it holds
    stock: list[dict[str, Any]] = field(default_factory=list)
    # steps whose outputs are in units that do not compare: what they held split equally
    split_equally: list[str] = field(default_factory=list)
    # loops of lots that cannot be weighed (flow.ForwardFlow.loops)
    loops: list[list[str]] = field(default_factory=list)
    # lots whose own quantity their records contradict (flow.ForwardFlow.recorded)
    recorded: list[flow.Recorded] = field(default_factory=list)
    # loops whose lots carried more of a source than there was (flow.ForwardFlow.round_loops)
    round_loops: list[list[str]] = field(default_factory=list)
    # source -> how much of it came back into it round a loop (flow.ForwardFlow.came_back)
    came_back: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "lots": self.lots,
            "shipments": self.shipments,
            "customers": self.customers,
            "steps": self.steps,
            "stock": self.stock,
            "totals": self.totals,
            "warnings": self.warnings,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
        }

    @property
    def warnings(self) -> list[str]:
        """Why the figures are not to be trusted as they stand — in the answer, not only on a
        terminal: a recall package said "100.2 % located" without a word of why."""
        over = [unit for unit, f in self.totals.get("by_uom", {}).items()
                if (f["located_share"] or 0) > 1.001]  # fmt: skip
        # each source looked at once: `in self.unmeasured_sources` rebuilt that list for every
        # source (a device window's 9,344 sources: 14 s; 54,000: a recall stalled for minutes)
        unmeasured = [source for source in self.sources if _unmeasured(source)]
        warned = {source["lot_id"] for source in unmeasured}
        return ([OVERLOCATED] if over else []) + _unmeasured_warnings(unmeasured) + (
            _returns_from_elsewhere(self.shipments)) + _split_equally(
            self.split_equally) + _unweighed_loops(self.loops) + _round_loops(
            self.round_loops) + _came_back(self.came_back) + recorded_warnings(
            # a source of no quantity of its own has its warning above
            [r for r in self.recorded if r.lot not in warned],
            origin=False)  # fmt: skip

    @property
    def unmeasured_sources(self) -> list[str]:
        """The sources with no quantity of their own: weighed as what their records show them
        giving, so located 100 % by construction (see _unmeasured_source)."""
        return [s["lot_id"] for s in self.sources if _unmeasured(s)]

    @property
    def located_share(self) -> float | None:
        """The share of the sources located (shipped net of returns, or in stock); with
        sources in several units, the share furthest from 100 % (the least located, or the
        most over-located: 130 % of the kg beside 100 % of the pcs is not "100 %")."""
        shares: list[float] = [f["located_share"] for f in self.totals.get("by_uom", {}).values()
                               if f["located_share"] is not None]  # fmt: skip
        if not shares:
            return self.totals.get("located_share")
        return max(shares, key=lambda share: abs(share - 1.0))

    def summary(self) -> str:
        by_uom = self.totals.get("by_uom", {})
        shipped = {unit: f["shipped_net"] for unit, f in by_uom.items()}
        names = ", ".join(s["lot_id"] for s in self.sources[:3])
        names += f" and {len(self.sources) - 3:,} more" if len(self.sources) > 3 else ""
        # the lots made from the sources, named: of a device window's 3 lots and nothing made
        # from them, "0 lots · 4 shipment lines" read as a recall of nothing
        text = (
            f"{counted(len(self.lots), 'lot')} made from {names} · "
            f"{counted(len(self.shipments), 'shipment line')}"
            f" · {counted(len(self.customers), 'customer')}"
        )
        if shipped:
            # net: the totals line beside it gives shipped and returned apart
            returns = any(f["returned"] for f in by_uom.values())
            text += (f" · {amounts_text(shipped, ' and ')} of {names} shipped"
                     + (", net of returns" if returns else ""))  # fmt: skip
        return text

    @property
    def source_names(self) -> str:
        """The sources as a column header names them: `of B`, or `of the sources` (a header
        saying only "of source" beside the lot's own quantity was read as the lot's: 18.75
        "pcs shipped" were panel equivalents next to 75 boards)."""
        if len(self.sources) == 1:
            return str(self.sources[0]["lot_id"])
        return "the sources"

    def stock_text(self) -> str:
        """`3 lots to block at 2 locations (1 of unknown quantity, 1 with no location)`."""
        if not self.stock:
            return "nothing left in stock to block: every affected lot is used or shipped"
        places = {row["location_id"] for row in self.stock if row["location_id"]}
        unknown = sum(1 for row in self.stock if row["remaining"] is None)
        nowhere = sum(1 for row in self.stock if not row["location_id"])
        notes = [f"{unknown:,} of unknown quantity" if unknown else "",
                 f"{nowhere:,} with no location" if nowhere else ""]  # fmt: skip
        text = f"{counted(len(self.stock), 'lot')} to block at {counted(len(places), 'location')}"
        notes = [n for n in notes if n]
        return text + (f" ({', '.join(notes)})" if notes else "")


def _unweighed_loops(loops: list[list[str]]) -> list[str]:
    """A warning for each loop of lots (made from each other through other lots) that sends
    back all it receives or more: bad data with no finite answer, weighed once around."""
    return [
        f"lots {first_ids(loop, 5)} are made from each other and give back all they receive "
        "or more: what goes round them cannot be weighed, so it is counted once around, and "
        "what they and the lots made from them hold is not to be trusted"
        for loop in loops
    ]


def _round_loops(loops: list[list[str]]) -> list[str]:
    """A warning for each loop of lots whose lots carried more of a source than there was:
    what went round is counted each time it passed a lot (WB, made of 10 kg of WA, gave it all
    to WC, which gave it all back: 20 kg of WA went through WB). A lot's figure is then what
    went through it, not what it holds; what is left of them (in stock) is weighed right."""
    return [
        f"lots {first_ids(loop, 5)} are made from each other, and what went round them is "
        "counted each time it passed: they show more of the source than there was (what went "
        "through them, not what they hold); what is left of them is as their records say"
        for loop in loops
    ]


def _came_back(came_back: dict[str, str]) -> list[str]:
    """A warning for each source that got some of itself back round a loop of lots made from
    it: counted as located in the source, which its records may not say (X1 into X2, X2 into
    X3, X3 into X1 said "located 0.0 %" and nothing else; such a loop has no known origin)."""
    return [
        f"source {lot} is made from lots made from it (a loop): {amount} of it came back into "
        "it and is counted as located there; see `trace backward` for where the loop came from"
        for lot, amount in came_back.items()
    ]


def _closed_loops(loops: list[list[str]]) -> list[str]:
    """A warning for each loop of lots made from each other alone, none of them received
    (flow.BackwardFlow.closed): a genealogy that goes round with nothing coming in."""
    return [
        f"lots {first_ids(loop, 5)} are made only from each other and none was received: "
        "where they came from is not known (counted as of unknown origin); see their records"
        for loop in loops
    ]


RECORDED_WARNED = 10  # lots whose records disagree, warned of one by one (then counted)


def recorded_warnings(recorded: Iterable[flow.Recorded], origin: bool = True) -> list[str]:
    """A line for each lot whose own quantity its records contradict beyond the tolerance
    `tracegraph check` gives its unit (15 %, none for pieces): weighed as what its steps made
    of it or what it gave, when that is more (flow.LotBasis); and, with `origin` (a backward
    trace, which reaches every step that made its lots), a lot recorded as more than its
    steps made, of which the rest came from no record. Dough recorded as 1 kg that its mix
    made as 9 kg was weighed as 1 kg with no word."""
    lines = []
    for lot, amount, uom, made, given in recorded:
        slack = lot_tolerance(uom)
        slack = DEFAULT_TOLERANCE if slack is None else slack
        bound = amount * (1 + slack) * (1 + 1e-9) + 1e-12
        said = amounts_text({uom: amount})
        if max(made, given) > bound:
            more = [f"its steps made {amounts_text({uom: made})}" if made > amount else "",
                    f"it gave {amounts_text({uom: given})}" if given > amount else ""]  # fmt: skip
            lines.append(f"{lot}: recorded as {said}, but {' and '.join(m for m in more if m)}: "
                         f"weighed as {amounts_text({uom: max(made, given)})}")  # fmt: skip
        elif origin and made and amount > made * (1 + slack) * (1 + 1e-9):
            lines.append(f"{lot}: recorded as {said}, but its steps made "
                         f"{amounts_text({uom: made})}: {amounts_text({uom: amount - made})} "
                         f"of it of unknown origin, weighed as {said}")  # fmt: skip
    if len(lines) > RECORDED_WARNED:
        # a lots table that keeps what is left in stock (not what was made) contradicts
        # every lot that was used: a wide trace would say so thousands of times
        rest = [line.split(":", 1)[0] for line in lines[RECORDED_WARNED:]]
        one = len(rest) == 1
        lines[RECORDED_WARNED:] = [
            f"{counted(len(rest), 'more lot')} ({first_ids(rest, 5)}) {'is' if one else 'are'} "
            f"recorded as other than {'its' if one else 'their'} steps made or "
            f"{'it' if one else 'they'} gave: weighed as the larger"
        ]
    return lines


def _split_equally(steps: list[str]) -> list[str]:
    """A warning for steps whose output lots are in units of different dimensions."""
    if not steps:
        return []
    one = len(steps) == 1
    return [
        f"{counted(len(steps), 'step')} ({first_ids(steps, 5)}) {'makes' if one else 'make'} "
        "lots in units that do not compare (such as pcs and kg): what went in is split equally "
        f"among {'its' if one else 'their'} output lots, whatever their quantities"
    ]


def _returns_from_elsewhere(lines: list[dict[str, Any]]) -> list[str]:
    """Returns of a lot from a customer it was never shipped to: the return lowered that
    customer's share with no word (CUST-B returning a board only CUST-A received: CUST-B's
    exposure went from 111 g to 106 g, and the recall said nothing)."""
    shipped = {(line["customer_id"], line["lot_id"]) for line in lines if not line["is_return"]}
    strays = [
        line for line in lines
        if line["is_return"] and (line["customer_id"], line["lot_id"]) not in shipped
    ]  # fmt: skip
    return [
        f"return {line['shipment_id']} of lot {line['lot_id']} comes from customer "
        f"{line['customer_id']}, which was never shipped it: its amount is taken off that "
        "customer's (`tracegraph check` lists such returns)"
        for line in strays
    ]


def _unmeasured(source: dict[str, Any]) -> bool:
    """Whether a source has no quantity of its own (ForwardTrace.unmeasured_sources)."""
    return not (source.get("quantity") or 0) > 0


# sources warned of one by one; a device window's thousands of stubs said each its own line
UNMEASURED_WARNED = 10


def _unmeasured_warnings(sources: list[dict[str, Any]]) -> list[str]:
    """A warning per source without a quantity of its own, the first UNMEASURED_WARNED of
    them, and one line for the rest."""
    said = [_unmeasured_source(source) for source in sources[:UNMEASURED_WARNED]]
    if len(sources) > UNMEASURED_WARNED:
        rest = sources[UNMEASURED_WARNED:]
        one = len(rest) == 1
        said.append(
            f"{counted(len(rest), 'more source')} ({first_ids([s['lot_id'] for s in rest], 5)}) "
            f"{'has' if one else 'have'} no quantity of {'its' if one else 'their'} own "
            "either (the sources' quantity is null in the JSON): how much of them is not "
            "located is not known"
        )
    return said


def _unmeasured_source(source: dict[str, Any]) -> str:
    """A source without a quantity of its own is weighed as what its records show it giving:
    located is then 100 % by construction. A recall of a lot with no receipt said "located
    100.0 %" with no warning, and its drill went into the recall history so."""
    lot = source["lot_id"]
    row = " (no row of its own in the lots table)" if source.get("origin_known") is False else ""
    if source.get("weighed_uom") == SHARE:
        weighed = "as one share (no record gives an amount)"
    else:
        given = amounts_text({source.get("weighed_uom"): source.get("weighed_quantity")})
        weighed = f"as the {given} its records show it giving"
    return (f"source {lot} has no quantity of its own{row}: weighed {weighed}, so how much of "
            "the lot is not located is not known")  # fmt: skip


# A backward trace's flags (their names are JSON keys) after a count of one: "1 lots on hold".
_ONE_FLAG = {
    "lots on hold": "lot on hold",
    "lots rejected": "lot rejected",
    "failed inspections": "failed inspection",
    "lots of unknown origin": "lot of unknown origin",
    "alarms during steps": "alarm during a step",
    "steps after a failed calibration": "step after a failed calibration",
    "steps during a failed calibration": "step during a failed calibration",
}


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
    fetch_seconds: float | None = None  # of `seconds`, the database's part (see ForwardTrace)
    truncated: bool = False
    flags: dict[str, int] = field(default_factory=dict)
    split_equally: list[str] = field(default_factory=list)  # see ForwardTrace
    loops: list[list[str]] = field(default_factory=list)  # see ForwardTrace
    recorded: list[flow.Recorded] = field(default_factory=list)  # see ForwardTrace
    # loops of lots made from each other alone, none received (flow.BackwardFlow.closed)
    closed: list[list[str]] = field(default_factory=list)

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
            "warnings": self.warnings,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
        }

    @property
    def warnings(self) -> list[str]:
        """Alarms of a device while it ran a step that made these lots, one line per alarm,
        and steps run after their device's last calibration failed: what a quality engineer
        looks for behind a complaint (see with_device_history); steps whose outputs were
        split equally."""
        return (_alarm_warnings(self.steps) + _calibration_warnings(self.steps)
                + _split_equally(self.split_equally) + _unweighed_loops(self.loops)
                + _closed_loops(self.closed) + recorded_warnings(self.recorded))  # fmt: skip

    def summary(self) -> str:
        raw = sum(1 for lot in self.lots if lot.get("supplier_id"))
        text = (
            f"{counted(len(self.lots), 'input lot')} ({raw:,} received) · "
            f"{counted(len(self.suppliers), 'supplier')} · {counted(len(self.steps), 'step')} · "
            f"{counted(len(self.devices), 'device')} · {counted(len(self.operators), 'operator')}"
            f" · {counted(len(self.inspections), 'inspection')}"
        )
        problems = [counted(n, _ONE_FLAG.get(name, name), name)
                    for name, n in self.flags.items() if n]  # fmt: skip
        return text + (" · " + ", ".join(problems) if problems else "")


def _amount(value: float) -> str:
    # three decimals at most, at every size: "398 kg" for 398.4875 did not add up with the
    # customers' figures an auditor sums
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def amounts_text(by_uom: Mapping[Any, float | None], joint: str = "; ") -> str:
    """Amounts in several units for people: "40 kg; 5 pcs"."""
    return joint.join(
        f"{_amount(amount)} {unit or ''}".rstrip()
        for unit, amount in by_uom.items()
        if amount is not None
    )


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
    sources, reached = _resolved_and_reached(graph, "trace/forward", downstream_from_record, ids)
    fetched = time.perf_counter()
    result = forward_from_subgraph(reached, sources)
    result.seconds = time.perf_counter() - started
    result.fetch_seconds = fetched - started
    return result


class _Lot(NamedTuple):
    """One reached lot as cypher/trace/forward.cypher returns it, its edges split by kind (as
    tuples: a wide trace holds tens of thousands of these while it is weighed)."""

    lot_id: str
    quantity: float | None
    uom: str | None
    status: str | None
    origin_known: bool | None
    created_at: str | None
    material_id: str | None
    expires_at: str | None
    used_in: Sequence[Sequence[Any]]  # [0, step_id, quantity, uom, operation, started_at]
    made_by: Sequence[Sequence[Any]]  # [1, step_id, quantity, uom]
    shipped: Sequence[Sequence[Any]]  # [2, shipment_id, quantity, uom]
    placed: Sequence[Sequence[Any]]  # [3, location_id, location_name]: one, or none


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
    return downstream_from_record(graph.read("trace/forward", asked=[], lot_ids=sources)[0])


def downstream_from_record(record: dict[str, Any]) -> Downstream:
    """The subgraph of a forward trace from its one record of compact lists (the shape
    cypher/trace/forward.cypher returns; the benchmark's PostgreSQL query returns it too, so
    both engines' answers are weighed by the same code). The record's lists are taken from it
    and let go of lot by lot (see _taken)."""
    lots: dict[str, _Lot] = {}
    steps: dict[str, tuple[str | None, str | None]] = {}
    one = _Shared()
    for lot_id, quantity, uom, status, origin_known, created, material, expires, edges in _taken(
        record, "lots"
    ):
        kinds: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])
        for edge in edges:
            kinds[edge[0]].append(tuple(map(one, edge)))
        for use in kinds[0]:
            steps[use[1]] = (use[4], use[5])
        # a lot's own id, times and quantity are its alone: not looked up
        lots[lot_id] = _Lot(lot_id, quantity, one(uom), one(status), origin_known, created,
                            one(material), expires, *(tuple(kind) for kind in kinds))  # fmt: skip
    shipments = {row[0]: _Shipment._make(map(one, row)) for row in _taken(record, "shipments")}
    return Downstream(lots, steps, shipments)


class _Shared:
    """Each text once: the driver decodes every occurrence of a value as a string of its own
    (a step's id, operation and start under each of its inputs, a unit or a status under each
    lot), which a wide trace held for as long as it was weighed. Other values as they are."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if type(value) is str:
            return self.seen.setdefault(value, value)
        return value

    def of_map(self, props: dict[str, Any]) -> dict[str, Any]:
        """A map with its keys and text values each once."""
        seen = self.seen
        return {seen.setdefault(k, k): seen.setdefault(v, v) if type(v) is str else v
                for k, v in props.items()}  # fmt: skip


def _taken(record: dict[str, Any], key: str) -> Iterator[Any]:
    """The items of the record's list `key`, in order, each let go of once the next is asked
    for: the list is taken from the record, so the driver's copy of a wide trace (50 MB for
    32k lots) is not held whole beside what is made of it."""
    rows = record.pop(key)
    rows.reverse()
    while rows:
        yield rows.pop()


class _Reached(Protocol):
    @property
    def lots(self) -> Mapping[str, Any]: ...


_R = TypeVar("_R", bound=_Reached)


def _resolved_and_reached(
    graph: TraceGraph, query: str, from_record: Callable[[dict[str, Any]], _R], ids: list[str]
) -> tuple[list[str], _R]:
    """The source lots `ids` name (see resolve_lots) and what the trace reaches from them, in one
    query: it looks the ids up as resolve_lots does and traces what they name as the library
    decides (see cypher/trace/forward.cypher); the lots come from the library's decision on its
    look-ups. The ids are always resolved, lot ids too: a lot id that is also another lot's
    supplier lot number names two lots, and the trace took the one with that id without a
    word. A look-up before the trace cost a narrow trace a round trip (about 1 of its 3.5 ms
    on 1M lots)."""
    asked = AskedLots.of(ids)
    record = graph.read(query, asked=asked.asked, lot_ids=[])[0]
    sources = asked.decided(graph, record["resolution"])
    if set(sources) != set(record["traced"]):
        # `lot_id|X` for a lot X whose id another lot's identity value shares, or a lot whose
        # id begins with `shipment|`: the query traced otherwise; the decided lots, by their ids
        record = graph.read(query, asked=[], lot_ids=sources)[0]
    return sources, from_record(record)


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
    source_qty = {lot_id: _source_quantity(rows[lot_id], outputs) for lot_id in sources}

    def made_elsewhere() -> list[Edge]:
        # what steps the trace did not reach made of the reached lots: for the lots of a loop
        # alone (asked for only then: a wide trace has none)
        return [Edge(lot.lot_id, step, qty, uom) for lot in rows.values()
                for _, step, qty, uom in lot.made_by if step not in reached_steps]  # fmt: skip

    weighed = flow.forward(
        source_qty, {lot.lot_id: Quantity(lot.quantity, lot.uom) for lot in rows.values()},
        uses, outputs, shipped, made_elsewhere,
    )  # fmt: skip
    # before the rows are made: its sets per step, made at the end, raised the peak of a
    # 32k-lot trace by 12 MB
    split_equally = flow.unevenly_measured(outputs)
    # One unit per dimension: the unit of the first source (in the order given) of that
    # dimension. Sources counted in different dimensions (a kg lot and a pcs lot) are weighed
    # each in its own unit: a lot only kg sources reached has its kg amount whatever the
    # order of the sources, and a lot both reached has a split (`by_uom`), not a sum.
    unit_by_dimension: dict[str, str | None] = {}
    unit_of = {source: unit_by_dimension.setdefault(dimension(q.uom), q.uom)
               for source, q in source_qty.items()}  # fmt: skip
    units = list(dict.fromkeys(unit_of.values()))
    unit = units[0] if len(units) == 1 else None
    rank = {source: i for i, source in enumerate(sources)}
    # Each source's factor to its unit, found once (a wide trace splits the amounts of every
    # lot and shipment line).
    factors = {source: _factor(q.uom, unit_of[source]) for source, q in source_qty.items()}

    def split(amounts: dict[str, float]) -> dict[str | None, float]:
        """`amounts` (source -> amount in its own unit) summed per unit of the trace."""
        if len(amounts) == 1:  # the usual case, and the cheap one
            ((source, amount),) = amounts.items()
            return {unit_of[source]: amount * factors[source]}
        parts: dict[str | None, float] = {}
        for source, amount in amounts.items():
            target = unit_of[source]
            parts[target] = parts.get(target, 0.0) + amount * factors[source]
        # in the order of the sources given, not the order the weighing met them
        return parts if len(parts) == 1 else {u: parts[u] for u in units if u in parts}

    made_by: dict[str, list[str]] = {}
    for edge in outputs:
        made_by.setdefault(edge.lot, []).append(edge.step)
    left = _balances(rows.values(), uses, outputs)
    lot_rows = []
    quantity: float | None
    for lot in rows.values():
        if lot.lot_id in source_qty:
            continue
        amounts = weighed.lots.get(lot.lot_id, {})
        if len(amounts) == 1:
            # the usual case (one source reached the lot): its one amount, rounded once, is
            # the lot's quantity, its source's and its unit's — as the general case below
            # gives them (the same product, rounded the same way)
            ((source, amount),) = amounts.items()
            quantity = round(amount * factors[source], 6)
            quantity_uom = unit_of[source]
            from_sources = {source: quantity}
            by_uom = {quantity_uom: quantity}
        else:
            parts = split(amounts)  # once: a wide trace weighs thousands of lots
            summed, quantity_uom = _one_amount(parts, unit)
            quantity = None if summed is None else round(summed, 6)
            # in the order the sources were given, not the order the weighing met them (which
            # follows the store's, and two import writers make that differ run to run)
            # each in the unit the trace weighs its source in (salt in g next to flour in kg
            # gave 2000 beside 80, the lot's quantity being 82,000 g)
            from_sources = {
                s: round(a * factors[s], 6)
                for s, a in sorted(amounts.items(), key=lambda item: rank[item[0]])
            }
            by_uom = {u: round(a, 6) for u, a in parts.items()}
        steps_of = made_by.get(lot.lot_id, ())
        rest = left[lot.lot_id]
        lot_rows.append({
            "lot_id": lot.lot_id,
            "material_id": lot.material_id,
            "quantity": quantity,
            "uom": quantity_uom,
            "depth": weighed.depth.get(lot.lot_id),
            "lot_quantity": lot.quantity,
            "lot_uom": lot.uom,
            "status": lot.status,
            "origin_known": lot.origin_known is not False,
            "created_at": iso(lot.created_at),
            "made_by": list(steps_of) if len(steps_of) == 1 else sorted(set(steps_of)),
            "from_sources": from_sources,
            "by_uom": by_uom,
            # _left_fields' keys, written out: a wide trace makes a hundred thousand rows
            "remaining": None if rest is None else rest["remaining"],
            "remaining_uom": None if rest is None else rest["uom"],
            "remaining_uncounted": 0 if rest is None else rest["uncounted"],
            "stock_location_id": None, "stock_location_name": None, "stock_expires_at": None,
        })  # fmt: skip
    lot_rows.sort(key=lambda r: (r["depth"] if r["depth"] is not None else 1 << 30, r["lot_id"]))

    shipment_rows: list[dict[str, Any]] = []
    customers: dict[str, dict[str, Any]] = {}
    shipped_at = {s.shipment_id: iso(s.shipped_at) for s in reached.shipments.values()}
    located_on: dict[tuple[str, str], dict[str | None, float]] = {}  # (lot, shipment) -> split
    for edge in shipped:
        line = reached.shipments[edge.step]
        amounts = weighed.lines.get((edge.lot, edge.step), {})
        located_on[(edge.lot, edge.step)] = parts = split(amounts)
        located, located_uom = _one_amount(parts, unit)
        # one unit (the usual case): the line's one amount rounded once, as _rounded would
        located_rounded = _round(located)
        located_by_uom = {located_uom: located_rounded} if len(parts) == 1 else _rounded(parts)
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
            "source_quantity": located_rounded,
            "source_uom": located_uom,
            "source_by_uom": located_by_uom,
        })  # fmt: skip
        if line.customer_id is None:
            continue
        customer = customers.setdefault(line.customer_id, {
            "customer_id": line.customer_id, "name": line.customer_name,
            "contact": line.customer_contact, "country": line.customer_country,
            "shipments": set(), "returns": set(), "lots": set(), "source_by_uom": {},
        })  # fmt: skip
        # deliveries and returns apart: "3 shipments" were 2 deliveries and a return
        customer["returns" if (edge.quantity or 0) < 0 else "shipments"].add(edge.step)
        customer["lots"].add(edge.lot)
        for target, amount in parts.items():
            customer["source_by_uom"][target] = customer["source_by_uom"].get(target, 0.0) + amount
    by_shipped = instant_order(r["shipped_at"] for r in shipment_rows)
    shipment_rows.sort(key=lambda r: (by_shipped(r["shipped_at"]), r["shipment_id"], r["lot_id"]))
    customer_rows = sorted(
        ({**c, "shipments": len(c["shipments"]), "returns": len(c["returns"]),
          "lots": len(c["lots"]),
          **_customer_amount({u: c["source_by_uom"][u] for u in units if u in c["source_by_uom"]},
                             unit)}
         for c in customers.values()),
        key=lambda c: (-(c["source_quantity"] or 0), c["customer_id"]),
    )  # fmt: skip
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
    # what each source was weighed as: its quantity, or what it gave when it has none
    source_rows = [
        {
            **row,
            "weighed_quantity": source_qty[row["lot_id"]].amount,
            "weighed_uom": source_qty[row["lot_id"]].uom,
            **_left_fields(left[row["lot_id"]]),
        }
        for row in _source_rows(rows, sources)
    ]
    # a source with no quantity of its own is weighed as what it gave: located 100 % by
    # construction, so the share is unknown (null) wherever it is read — headline, totals
    # lines, JSON, recall history
    measured = all((row.get("quantity") or 0) > 0 for row in source_rows)
    totals = _forward_totals(weighed, source_qty, split, units, located_on, measured)
    stock = []
    for row in [*source_rows, *lot_rows]:
        if row["remaining"] is not None and row["remaining"] <= 0:
            continue  # used and shipped by its records (or more: `check` lists those)
        # how much of the sources the lot's rest holds (its share of the totals' in_stock)
        held, held_uom = _one_amount(parts := split(weighed.remaining.get(row["lot_id"], {})),
                                     unit)  # fmt: skip
        # where the rest is and until when: cypher/trace/forward.cypher reads each lot's
        # location and expiry with its links (a second query for these lots was a third of a
        # narrow trace); on the lot row named for what they are, where its stock is (a used-up
        # lot's null there would read as "no location")
        lot = rows[row["lot_id"]]
        location_id, location_name = lot.placed[0][1:] if lot.placed else (None, None)
        expires_at = iso(lot.expires_at)
        row.update(stock_location_id=location_id, stock_location_name=location_name,
                   stock_expires_at=expires_at)  # fmt: skip
        stock.append({
            "lot_id": row["lot_id"], "material_id": row["material_id"],
            "depth": row.get("depth", 0), "is_source": row["lot_id"] in source_qty,
            "remaining": row["remaining"], "remaining_uom": row["remaining_uom"],
            "remaining_uncounted": row["remaining_uncounted"],
            "lot_quantity": lot.quantity, "lot_uom": lot.uom,
            "status": row["status"], "expires_at": expires_at, "location_id": location_id,
            "location_name": location_name, "source_quantity": _round(held), "source_uom": held_uom,
            "source_by_uom": _rounded(parts),
        })  # fmt: skip
    return ForwardTrace(
        sources=source_rows,
        lots=lot_rows,
        shipments=shipment_rows,
        customers=customer_rows,
        totals=totals,
        steps=_in_time_order(list(steps.values())),
        stock=stock,
        split_equally=split_equally,
        loops=weighed.loops,
        recorded=weighed.recorded,
        round_loops=weighed.round_loops,
        came_back={
            lot: amounts_text(split({lot: amount})) for lot, amount in weighed.came_back.items()
        },
    )


def _in_time_order(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps in the order of their starts as instants (an export read in Asia/Shanghai and one
    in UTC: 08:35+08:00 is before 06:00Z), undated first, ties by step id."""
    started = instant_order(s["started_at"] for s in steps)
    return sorted(steps, key=lambda s: (started(s["started_at"]), s["step_id"]))


def _balances(
    lots: Iterable[_Lot], uses: list[Edge], outputs: list[Edge]
) -> dict[str, dict[str, Any] | None]:
    """Each lot's balance in its own unit, counted as `lot show` counts it (flow.balance),
    from the trace's subgraph alone: every step a reached lot went into is reached, with all
    its outputs, and the lot's shipment lines come with it."""
    uses_of: dict[str, list[Edge]] = {}
    for edge in uses:
        uses_of.setdefault(edge.lot, []).append(edge)
    outputs_of: dict[str, list[Edge]] = {}
    for edge in outputs:
        outputs_of.setdefault(edge.step, []).append(edge)
    found: dict[str, dict[str, Any] | None] = {}
    for lot in lots:
        used = uses_of.get(lot.lot_id, [])
        # the steps' outputs matter only where the lot came out of a step it went into (a
        # rework in place, a sort): looked up for those lots alone — a wide trace counts
        # thousands of lots, and gathering every lot's step outputs cost a fifth of the weighing
        reworked = []
        if used and lot.made_by:
            back = {e[1] for e in lot.made_by}
            reworked = [o for u in used if u.step in back for o in outputs_of.get(u.step, ())]
        shipped = [(e[2], e[3]) for e in lot.shipped] if lot.shipped else []
        # what its steps booked into it, where two or more did (a rework loop's return)
        made = []
        if len(lot.made_by) > 1:
            taken = {u.step for u in used}
            made = [(e[1], e[2], e[3]) for e in lot.made_by if e[1] not in taken]
        found[lot.lot_id] = flow.balance(lot.quantity, lot.uom, used, reworked, shipped, made)
    return found


def _left_fields(balance: dict[str, Any] | None) -> dict[str, Any]:
    """A lot's rest for its row: `remaining` in its own unit (null when the lot has no
    quantity: what is left of it is not known, and is not made up), and where that rest is
    (`stock_*`, filled where forward_from_subgraph lists the stock, for the lots with something
    left: null for the others, which have no stock, not no location)."""
    return {
        "remaining": None if balance is None else balance["remaining"],
        "remaining_uom": None if balance is None else balance["uom"],
        "remaining_uncounted": 0 if balance is None else balance["uncounted"],
        "stock_location_id": None, "stock_location_name": None, "stock_expires_at": None,
    }  # fmt: skip


def _source_quantity(lot: _Lot, outputs: list[Edge]) -> Quantity:
    """What a source is weighed as: its quantity, or what it is known to have given when that
    is more (flow.LotBasis: no line carries more than the whole lot; a source recorded as 1 kg
    that gave 3 kg sent 3 kg of itself with 1 kg); without a quantity (or with 0), what it
    gave — its uses (less what rework in place gave back) and shipments, in its own unit when
    some were in that unit's dimension, else in the first unit by name (the store's edge order
    changes between imports) — a lot of unknown quantity that gave 5 kg to a mix was weighed as
    "1 share", and all of it was said to be in the mix; with neither, one share. What the
    steps that made it made of it is not counted: they are not reached, and the basis the
    weighing divides by counts the steps reached alone."""
    if lot.quantity is not None and lot.quantity > 0 and not _gave_more(lot):
        return Quantity(lot.quantity, lot.uom)  # nearly every source, without a pass over
        # the trace's outputs (55 sources of a 87k-lot trace: 0.3 s)
    # with every output of the steps it went into (`outputs`: the trace's step→lot edges): a
    # sort that gives it back beside another lot used some of it, not none
    steps = {e[1] for e in lot.used_in}
    used_in = [Edge(lot.lot_id, e[1], e[2], e[3]) for e in lot.used_in]
    step_outputs = [edge for edge in outputs if edge.step in steps]
    uses, _ = flow.without_rework_in_place(used_in, step_outputs)
    # and what a rework in place did not give back (lost water, scrap), as the basis counts it:
    # 20 kg reworked, 18 back and shipped was an 18 kg source on a 20 kg basis
    uses += flow.rework_losses(used_in, step_outputs)
    edges = [(e.quantity, e.uom) for e in uses if e.quantity is not None and e.quantity > 0]
    edges += [(e[2], e[3]) for e in lot.shipped if e[2] is not None and e[2] > 0]
    # net of returns, as LotBasis counts what a lot gave: 100 kg shipped, 30 kg back and
    # shipped again was a 130 kg source, every amount of it 1.3 times what it was
    returns = [(e[2], e[3]) for e in lot.shipped if e[2] is not None and e[2] < 0]
    if lot.quantity is not None and lot.quantity > 0:
        given = [convert(amount, uom, lot.uom) for amount, uom in [*edges, *returns]]
        return Quantity(max(lot.quantity, sum(g for g in given if g is not None)), lot.uom)
    if not edges:
        return Quantity(1.0, SHARE) if lot.quantity is None else Quantity(0.0, lot.uom)
    unit = flow.given_unit(lot.uom, [uom for _, uom in edges])
    given = [convert(amount, uom, unit) for amount, uom in [*edges, *returns]]
    return Quantity(max(sum(g for g in given if g is not None), 0.0), unit)


def _gave_more(lot: _Lot) -> bool:
    """Whether a lot's uses and shipment lines net of its returns, rework in place not left
    out, come to more than its quantity (in its unit): only then can what it gave be more."""
    given = [convert(e[2], e[3], lot.uom) for e in lot.used_in if e[2] is not None and e[2] > 0]
    given += [convert(e[2], e[3], lot.uom) for e in lot.shipped if e[2] is not None]
    return sum(g for g in given if g is not None) > (lot.quantity or 0.0)


def totals_lines(totals: dict[str, Any]) -> list[str]:
    """Where the sources went, a line per unit (sources in kg and pcs do not add up):
    `source 1,000 kg · shipped 286 kg · in stock 714 kg · located 100.0%` (no share where it
    is unknown)."""
    lines = []
    for unit, figures in totals.get("by_uom", {}).items():
        if figures.get("source_quantity") is None:
            continue
        parts = [f"source {amounts_text({unit: figures['source_quantity']})}"]
        for key in ("shipped", "returned", "in_stock", "unplaced", "in_other_sources"):
            if figures.get(key):
                parts.append(f"{key.replace('_', ' ')} {amounts_text({unit: figures[key]})}")
        if figures.get("located_share") is not None:
            parts.append(f"located {figures['located_share']:.1%}")
        lines.append(" · ".join(parts))
    return lines


def located_text(totals: dict[str, Any], unmeasured: Sequence[str] = ()) -> str:
    """How much of the sources a trace located, for a sentence: one share, or one per unit;
    unknown when sources are `unmeasured` (no quantity of their own: 100 % by construction)."""
    if unmeasured:
        return (f"share of the source quantity located unknown: {first_ids(list(unmeasured), 3)} "
                f"{'has' if len(unmeasured) == 1 else 'have'} no quantity of "
                f"{'its' if len(unmeasured) == 1 else 'their'} own (see the warnings)")  # fmt: skip
    shares = {unit: f["located_share"] for unit, f in totals.get("by_uom", {}).items()
              if f["located_share"] is not None}  # fmt: skip
    if not shares:
        return "no source quantity to locate (the sources have none)"
    if len(shares) == 1:
        return f"{next(iter(shares.values())):.1%} of the source quantity located"
    return "of the source quantity located: " + "; ".join(
        f"{share:.1%} of the {unit or 'quantity without a unit'}" for unit, share in shares.items()
    )


def _forward_totals(
    weighed: flow.ForwardFlow,
    sources: dict[str, Quantity],
    split: Callable[[dict[str, float]], dict[str | None, float]],
    units: list[str | None],
    located_on: dict[tuple[str, str], dict[str | None, float]],
    measured: bool,
) -> dict[str, Any]:
    """Where the sources went, per unit of the trace (`by_uom`); the top-level figures are
    the one unit's, or None when the sources are counted in several (kg and pcs do not add).
    `located_on`: each shipment line's amounts per unit, as the shipment rows have them.
    Not `measured` (a source has no quantity of its own): the located shares are None."""
    per_unit = {u: dict.fromkeys(("shipped", "returned", "in_stock", "unplaced",
                                  "in_other_sources"), 0.0)
                for u in units}  # fmt: skip
    for line in weighed.lines:
        for target, value in located_on[line].items():
            if value >= 0:
                per_unit[target]["shipped"] += value
            else:
                per_unit[target]["returned"] -= value
    for amounts in weighed.remaining.values():
        for target, value in split(amounts).items():
            per_unit[target]["in_stock"] += value
    for target, value in split(weighed.unplaced).items():
        per_unit[target]["unplaced"] += value
    for target, value in split(weighed.nested).items():
        per_unit[target]["in_other_sources"] += value
    for target, value in split({s: q.amount or 0.0 for s, q in sources.items()}).items():
        per_unit[target]["source_quantity"] = value
    by_uom: dict[str | None, dict[str, float | None]] = {}
    for target, figures in per_unit.items():
        source_total = figures.get("source_quantity", 0.0)
        shipped_net = figures["shipped"] - figures["returned"]
        located = shipped_net + figures["in_stock"] + figures["in_other_sources"]
        by_uom[target] = {
            "source_quantity": _round(source_total),
            "shipped": _round(figures["shipped"]),
            "returned": _round(figures["returned"]),
            "shipped_net": _round(shipped_net),
            "in_stock": _round(figures["in_stock"]),
            "unplaced": _round(figures["unplaced"]),
            "in_other_sources": _round(figures["in_other_sources"]),
            "located": _round(located),
            "located_share": round(located / source_total, 6)
            if source_total and measured
            else None,
        }
    if len(by_uom) == 1:
        ((only, its),) = by_uom.items()
        return {"uom": only, **its, "by_uom": by_uom}
    return {"uom": None, **dict.fromkeys(_TOTAL_FIGURES), "by_uom": by_uom}


_TOTAL_FIGURES = ("source_quantity", "shipped", "returned", "shipped_net", "in_stock",
                  "unplaced", "in_other_sources", "located", "located_share")  # fmt: skip


def _one_amount(
    parts: dict[str | None, float], unit: str | None
) -> tuple[float | None, str | None]:
    """Amounts per unit as one amount and its unit; None and None when in several units (kg
    and pcs do not add); nothing at all is 0 of the trace's unit."""
    if len(parts) == 1:
        ((target, amount),) = parts.items()
        return amount, target
    return (0.0, unit) if not parts else (None, None)


def _factor(uom: str | None, target: str | None) -> float:
    """The factor from `uom` to `target`, a unit of the same dimension (as trace units are)."""
    factor = convert(1.0, uom, target)
    if factor is None:
        raise ValueError(f"{uom} and {target} are not of one dimension")
    return factor


def _rounded(amounts: dict[str | None, float]) -> dict[str | None, float | None]:
    return {target: _round(amount) for target, amount in amounts.items()}


def _customer_amount(by_uom: dict[str | None, float], unit: str | None) -> dict[str, Any]:
    """A customer's source amount: one figure when in one unit, else None and the split."""
    quantity, uom = _one_amount(by_uom, unit)
    return {"source_quantity": _round(quantity), "source_uom": uom,
            "source_by_uom": _rounded(by_uom)}  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# --- backward --------------------------------------------------------------------------------


@without_collector
def trace_backward(graph: TraceGraph, ids: list[str]) -> BackwardTrace:
    """Everything upstream of the lots `ids` name, with how much of each went into them."""
    started = time.perf_counter()
    sources, upstream = _resolved_and_reached(graph, "trace/backward", upstream_from_record, ids)
    fetched = time.perf_counter()
    result = backward_from_subgraph(upstream, sources)
    result.seconds = time.perf_counter() - started
    result.fetch_seconds = fetched - started
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
    supplied_by: list[tuple[Any, ...]]  # (supplier_id, name, country, supplier_lot, received_at)
    inspections: list[dict[str, Any]]


class _UpStep(NamedTuple):
    """One step that made a reached lot, its links split by kind."""

    step: dict[str, Any]
    device: dict[str, Any] | None
    operator: dict[str, Any] | None
    work_order_id: str | None
    location_id: str | None
    inspections: list[tuple[dict[str, Any], str | None]]  # (inspection, lot it inspected)
    inputs: list[tuple[Any, ...]]  # (lot_id, quantity, uom)
    outputs: list[tuple[Any, ...]]  # (lot_id, quantity, uom)


@dataclass
class Upstream:
    """The subgraph above the sources: the reached lots by id, the steps that made them, and
    the devices' events over the span of those steps ([device_id, longest_s, events,
    calibrated_before], events as [[epochSeconds, nanosecond], event map] in time order)."""

    lots: dict[str, _UpLot]
    steps: list[_UpStep]
    devices: list[list[Any]]


def _upstream(graph: TraceGraph, sources: list[str]) -> Upstream:
    return upstream_from_record(graph.read("trace/backward", asked=[], lot_ids=sources)[0])


def upstream_from_record(record: dict[str, Any]) -> Upstream:
    """The subgraph of a backward trace from its one record of compact lists (the shape
    cypher/trace/backward.cypher returns; the benchmark's PostgreSQL query returns it too). The
    record's lists are taken from it and let go of item by item (see _taken); each device's and
    operator's map comes once (`nodes`: [ref, map]; a step's link names it by ref) and is kept
    once, and each text once (_Shared)."""
    one = _Shared()
    shared = {ref: props for ref, props in _taken(record, "nodes")}
    lots = {}
    for row in _taken(record, "lots"):
        lot_id = one(row[0])  # its steps' links name it too
        quantity, uom, status, origin, created, expires, material, supplied, inspected = row[1:]
        lots[lot_id] = _UpLot(lot_id, quantity, one(uom), one(status), origin, created, expires,
                              one(material), [tuple(map(one, receipt)) for receipt in supplied],
                              [one.of_map(inspection) for inspection in inspected])  # fmt: skip
    steps = []
    nodes: dict[tuple[int, Any], dict[str, Any]] = {}
    for step, links in _taken(record, "steps"):
        kinds: tuple[list[list[Any]], ...] = ([], [], [], [], [], [], [])
        for link in links:
            kinds[link[0]].append(link)
        inputs, outputs, devices, operators, orders, locations, inspections = kinds
        steps.append(_UpStep(
            one.of_map(step),
            _node(nodes, one, shared, devices, "device_id"),
            _node(nodes, one, shared, operators, "operator_id"),
            one(orders[0][1]) if orders else None,
            one(locations[0][1]) if locations else None,
            [(one.of_map(link[1]), one(link[2]) if len(link) > 2 else None)
             for link in inspections],
            [tuple(map(one, link[1:])) for link in inputs],
            [tuple(map(one, link[1:])) for link in outputs],
        ))  # fmt: skip
    return Upstream(lots, steps, record["devices"])


def _node(
    nodes: dict[tuple[int, Any], dict[str, Any]],
    one: _Shared,
    shared: dict[Any, dict[str, Any]],
    links: list[list[Any]],
    key: str,
) -> dict[str, Any] | None:
    """The map of a step's device or operator (the first of `links`, [kind, ref into `shared`]),
    the same one for every step of the same `key` (a wide trace's 37k steps on 14 devices held a
    copy of a device's map each); a map without the key its own."""
    if not links:
        return None
    props: dict[str, Any] = shared[links[0][1]]
    found = props.get(key) if props else None
    if found is None or type(found) is not str:
        return props
    return nodes.setdefault((links[0][0], found), props)


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
    nodes: dict[tuple[str, Any], dict[str, Any]] = {}
    # lots a step made: an output of a step that did not also take it in (a rework in place
    # gives a lot back, it does not make it) — with a receipt, what gives a lot a known origin
    produced: set[str] = set()
    for made in upstream.steps:
        step_id = made.step["step_id"]
        taken = {link[0] for link in made.inputs}
        produced.update(link[0] for link in made.outputs if link[0] not in taken)
        for lot_id, quantity, uom in made.inputs:
            inputs[(lot_id, step_id)] = Edge(lot_id, step_id, quantity, uom)
        for lot_id, quantity, uom in made.outputs:
            outputs[(lot_id, step_id)] = Edge(lot_id, step_id, quantity, uom)
        for inspection, of_lot in made.inspections:
            if of_lot is not None and of_lot not in rows:
                # of a lot outside the genealogy (a split's other lot), as `lot show` and
                # rootcause leave it out: listed with its lot blanked, it was counted among
                # the trace's failed inspections
                continue
            entry = inspections.setdefault(
                inspection["inspection_id"], {**public_props(inspection), "lot_id": None}
            )
            entry["step_id"] = step_id
        if step_id not in steps:
            steps[step_id] = _step_row(made, nodes)
    weighed = flow.backward(
        {lot: Quantity(rows[lot].quantity, rows[lot].uom) for lot in sources},
        {lot.lot_id: Quantity(lot.quantity, lot.uom) for lot in rows.values()},
        list(inputs.values()),
        list(outputs.values()),
    )
    # lots made from each other alone, none received: nothing came into them from outside, so
    # their steps do not make their origin known (X1 -> X2 -> X3 -> X1 was "unknown origin 0")
    closed = [loop for loop in weighed.closed if not any(rows[lot].supplied_by for lot in loop)]
    produced -= {lot for loop in closed for lot in loop}
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
                "origin": _origin(lot, produced),
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
        supplier["lots"].sort(
            key=lambda r: (r["received_at"] is None, instant_key(r["received_at"]), r["lot_id"])
        )
    for step in steps.values():
        reached_outputs = [weighed.depth[o["lot_id"]] for o in step["outputs"]
                           if o["lot_id"] in weighed.depth]  # fmt: skip
        step["depth"] = min(reached_outputs) + 1 if reached_outputs else None
    step_rows = _in_time_order(list(steps.values()))
    devices = _grouped(step_rows, "device_id", "device")
    operators = _grouped(step_rows, "operator_id", "operator")
    for step in step_rows:
        step.pop("device")
        step.pop("operator")
    inspected = instant_order(i.get("inspected_at") for i in inspections.values())
    inspection_rows = sorted(
        inspections.values(), key=lambda i: (inspected(i.get("inspected_at")), i["inspection_id"])
    )
    source_rows = [{**row, "origin": _origin(rows[row["lot_id"]], produced)}
                   for row in _source_rows(rows, sources)]  # fmt: skip
    all_lots = [*source_rows, *lot_rows]
    flags = {
        "lots on hold": sum(1 for lot in all_lots if lot.get("status") == "hold"),
        "lots rejected": sum(1 for lot in all_lots if lot.get("status") == "rejected"),
        "failed inspections": sum(1 for i in inspection_rows if i.get("result") == "fail"),
        # by check's rule (see _origin); it counted stubs (no lots row of their own), a step's
        # output among them, and missed lots the lots table lists with no supplier or step
        "lots of unknown origin": sum(1 for lot in all_lots if lot["origin"] == "unknown"),
    }
    trace = BackwardTrace(
        sources=source_rows,
        lots=lot_rows,
        suppliers=sorted(suppliers.values(), key=lambda s: s["supplier_id"]),
        steps=step_rows,
        devices=devices,
        operators=operators,
        inspections=inspection_rows,
        flags=flags,
        split_equally=flow.unevenly_measured(outputs.values()),
        loops=weighed.loops,
        recorded=weighed.recorded,
        closed=closed,
    )
    with_device_history(trace, upstream.devices)
    return trace


def _origin(lot: _UpLot, produced: set[str]) -> str:
    """`received`, `produced` or `unknown`, by the rule of cypher/check/unknown_origin.cypher
    and `lot show`: a lot's origin is known when it was received, or a step made it (an output
    of a step that did not also take it in: a rework in place gives a lot back, it does not
    make it). `origin_known` says whether the lot has a row of its own in the lots table."""
    if lot.supplied_by:
        return "received"
    return "produced" if lot.lot_id in produced else "unknown"


SECOND_NS = 1_000_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = re.compile(r"[T ]\d\d:\d\d:\d\d[.,](\d+)")


def epoch_ns(text: str) -> int:
    """ISO 8601 text as epoch nanoseconds: an instant, exact to the nanosecond Neo4j keeps
    (without an offset read as UTC, as values.moment reads it). Epoch milliseconds cut times
    kept to the microsecond: an alarm at 08:00:00.0003 was during a step that ended at
    08:00:00.0001."""
    at = moment(text)
    if at is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    since = at - EPOCH
    # a fraction needs its separator: most times have none, and the search was half the cost
    # (a ranking matches 2,128 steps' starts and ends to their devices' alarms)
    fraction = _FRACTION.search(text) if "." in text or "," in text else None
    nanos = int(fraction[1][:9].ljust(9, "0")) if fraction else 0
    return (since.days * 86_400 + since.seconds) * SECOND_NS + nanos


def pair_ns(at: Sequence[int]) -> int:
    """An instant as the queries return it, [epochSeconds, nanosecond], as epoch nanoseconds
    (epoch_ns): lists compare exactly in Cypher, and Python's integers do not overflow."""
    return at[0] * SECOND_NS + at[1]


def iso_ns(nanos: int) -> str:
    """Epoch nanoseconds as ISO 8601 text in UTC, with the fraction it has (to the nanosecond
    when a microsecond does not say it)."""
    seconds, rest = divmod(nanos, SECOND_NS)
    at = datetime.fromtimestamp(seconds, UTC)
    if rest % 1000 == 0:
        return at.replace(microsecond=rest // 1000).isoformat()
    return at.isoformat().replace("+00:00", f".{rest:09d}+00:00")


class DeviceHistory(NamedTuple):
    """What a step's device recorded around it: its events during the step (raw property
    maps, in time order), its last calibration before the step, up to when the events were
    read (epoch ns), and whether that end is a bound (the step has no end time)."""

    events: list[dict[str, Any]]
    calibrated_before: dict[str, Any] | None
    until_ns: int
    end_assumed: bool


def device_histories(
    steps: Sequence[Mapping[str, Any]], devices: list[list[Any]]
) -> list[DeviceHistory | None]:
    """The device history of each step (`device_id`, `started_at`, `ended_at`: ISO text), or
    None for one without a device or a start, from `devices`: each device's events over the
    span its steps cover, and its last calibration before that span, as the trace's query
    reads them ([device_id, longest_s, events, calibrated_before]; see
    cypher/trace/backward.cypher). During a step is from its start to its end, both included
    (an alarm at the moment the oven was booked off still concerns its lots); a step with no
    end time runs at most the device's longest step (the bound the device window uses), and
    the bound is excluded."""
    # per device: its events' times (in order, for bisecting: a wide backward trace's
    # thousands of steps are each matched against every event of its device) and its
    # calibrations
    found = {}
    for device_id, longest_s, events, calibrated_before in devices:
        calibrations = [(pair_ns(at), event) for at, event in [*calibrated_before, *events]
                        if event.get("event") == "calibration"]  # fmt: skip
        found[device_id] = (longest_s, [pair_ns(at) for at, _ in events],
                            [event for _, event in events],
                            calibrations, [at for at, _ in calibrations])  # fmt: skip
    histories: list[DeviceHistory | None] = []
    for step in steps:
        known = found.get(step["device_id"])
        if known is None or step["started_at"] is None:
            histories.append(None)
            continue
        longest_s, times, events, calibrations, calibrated_at = known
        starts = epoch_ns(step["started_at"])
        ended = epoch_ns(step["ended_at"]) if step["ended_at"] else None
        during, ends = events_during(times, starts, ended, longest_s)
        before = bisect.bisect_left(calibrated_at, starts)
        histories.append(DeviceHistory(
            events[during],
            calibrations[before - 1][1] if before else None, ends, ended is None,
        ))  # fmt: skip
    return histories


def events_during(
    times: Sequence[int], starts: int, ended: int | None, longest_s: int
) -> tuple[slice, int]:
    """Which of a device's events (`times`: epoch ns, in order) fell during a step, as a
    slice, and up to when: from its start to its end, both included; a step with no end time
    up to its start plus the device's longest step, that bound excluded."""
    if ended is None:
        ends = starts + longest_s * SECOND_NS
        return slice(bisect.bisect_left(times, starts), bisect.bisect_left(times, ends)), ends
    return slice(bisect.bisect_left(times, starts), bisect.bisect_right(times, ended)), ended


def with_device_history(trace: BackwardTrace, devices: list[list[Any]]) -> None:
    """Gives each step of `trace` on a device the device's events during the step
    (`device_events`: calibrations, maintenance, alarms) and its last calibration before the
    step (`calibrated_before`, with its result; null when none is recorded), from the events
    the trace's query read per device (see device_histories). A step with no end time is
    given the events up to its start plus the device's longest step: `device_events_to` says
    up to when the events were read, and `device_events_end_assumed` that its end is a bound.
    Counts alarms and steps after a failed calibration in the trace's flags."""
    for step, history in zip(trace.steps, device_histories(trace.steps, devices), strict=True):
        step.update(device_events=[], calibrated_before=None, device_events_to=None,
                    device_events_end_assumed=False)  # fmt: skip
        if history is None:
            continue
        step["device_events"] = [_event(event) for event in history.events]
        if history.calibrated_before is not None:
            step["calibrated_before"] = _event(history.calibrated_before)
        step["device_events_to"] = iso_ns(history.until_ns)
        step["device_events_end_assumed"] = history.end_assumed
    trace.flags["alarms during steps"] = len(_alarms(trace.steps))
    trace.flags["steps after a failed calibration"] = sum(
        1 for step in trace.steps if failed_calibration(step["calibrated_before"])
    )
    trace.flags["steps during a failed calibration"] = sum(
        1 for step in trace.steps if failed_during(step)
    )


# A device event's result is free text: a failed calibration as inspections say it (`fail`),
# and as exports write it that a mapping did not translate — English, German (n.i.O.), the
# shop floor's NG, Chinese (不合格, 失败). Only `fail` and `failed` were seen, so an MES's failed
# calibrations went unflagged in every backward trace.
FAILED_RESULTS = frozenset({"fail", "failed", "failure", "nok", "not ok", "n.i.o.", "nio", "ng",
                            "不合格", "失败"})  # fmt: skip


def failed_calibration(calibration: dict[str, Any] | None) -> bool:
    """Whether a calibration failed (its result one of FAILED_RESULTS, case and spaces aside)."""
    return calibration is not None and (
        " ".join(str(calibration.get("result")).split()).lower() in FAILED_RESULTS
    )


def failed_during(step: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The calibrations of a step's device that failed while the step ran (its
    `device_events`): the device was found out of tolerance while it made the step's lots,
    which only the step's JSON said (the tree, the flags and the warnings read only the
    calibration before the step)."""
    return [event for event in step.get("device_events", ())
            if event.get("event") == "calibration" and failed_calibration(event)]  # fmt: skip


def _alarms(steps: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Each alarm once, with the steps it happened during (two overlapping steps on one
    device share it)."""
    alarms: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for step in steps:
        for event in step.get("device_events", ()):
            if event.get("event") == "alarm":
                key = (step["device_id"], event.get("at"), event.get("result"))
                alarms.setdefault(key, []).append(step)
    return alarms


def _alarm_warnings(steps: list[dict[str, Any]]) -> list[str]:
    lines = []
    for (device, at, result), during in _alarms(steps).items():
        made = ", ".join(dict.fromkeys(o["lot_id"] for step in during for o in step["outputs"]))
        ran = ", ".join(f"{step['step_id']} ({step['operation']})" for step in during)
        lines.append(f"alarm {result or '(no detail)'} on device {device} at {at}, during step "
                     f"{ran} that made {made or 'no lot'}")  # fmt: skip
    return lines


def _calibration_warnings(steps: list[dict[str, Any]]) -> list[str]:
    """One line per failed calibration that steps ran after (a wide trace has hundreds of
    steps behind one failed calibration: a line each buried the alarms), and one per failed
    calibration during steps (failed_during), naming the steps and the lots they made."""
    after: dict[tuple[Any, ...], list[str]] = {}
    for step in steps:
        calibration = step.get("calibrated_before")
        if calibration is not None and failed_calibration(calibration):
            key = (step["device_id"], calibration["at"], calibration.get("result"))
            after.setdefault(key, []).append(step["step_id"])
    during: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for step in steps:
        for event in failed_during(step):
            during.setdefault((step["device_id"], event.get("at"), event.get("result")),
                              []).append(step)  # fmt: skip
    return [
        f"device {device}'s last calibration before {counted(len(ids), 'step')} failed "
        f"({result}, {at}): " + first_ids(ids, 5)
        for (device, at, result), ids in after.items()
    ] + [
        f"device {device}'s calibration failed ({result}, {at}) during step "
        + ", ".join(f"{step['step_id']} ({step['operation']})" for step in ran)
        + " that made "
        + (", ".join(dict.fromkeys(o["lot_id"] for step in ran for o in step["outputs"]))
           or "no lot")
        + ": the device was out of tolerance while it made them"
        for (device, at, result), ran in during.items()
    ]  # fmt: skip


def _step_row(made: _UpStep, nodes: dict[tuple[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """A step of a backward trace; `nodes` keeps each device's and operator's plain properties
    once (a wide trace has thousands of steps on a few dozen devices)."""
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
        "parameters": step_parameters(step),
        "inputs": _edge_rows(made.inputs),
        "outputs": _edge_rows(made.outputs),
        "device": _plain_node(nodes, "device_id", made.device),
        "operator": _plain_node(nodes, "operator_id", made.operator),
    }


def _plain_node(
    nodes: dict[tuple[str, Any], dict[str, Any]], key: str, props: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A device's or operator's plain properties, made once per node (shared by its steps'
    rows, which only _grouped reads, copying)."""
    if not props:
        return None
    node = (key, props.get(key))
    if node not in nodes:
        nodes[node] = public_props(props)
    return nodes[node]


def step_parameters(props: Mapping[str, Any]) -> dict[str, Any]:
    """A step's process parameters: the steps table's extra columns, kept as its properties
    (an empty cell clears one: no null parameter is shown)."""
    # public_props' rules, on the parameters alone: a step map's own fields are most of it
    return public_props({k: v for k, v in props.items()
                         if v is not None and k not in STEP_FIELDS})  # fmt: skip


def _edge_rows(edges: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
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
    # a device's calibrations, maintenance and alarms in the window; its last calibration before
    events: list[dict[str, Any]] = field(default_factory=list)
    calibrated_before: dict[str, Any] | None = None
    # steps with no end time that started before the window: in it only because they may have
    # run into it (for at most the device's or operator's longest step)
    assumed: list[str] = field(default_factory=list)
    # steps in the window that recorded no output lot: step id -> its input lots
    unmade: dict[str, list[str]] = field(default_factory=dict)

    @property
    def processed_lots(self) -> list[str]:
        return list(dict.fromkeys(lot for step in self.steps for lot in step["lots"]))

    @property
    def warnings(self) -> list[str]:
        return self.warnings_for("trace")

    def warnings_for(self, answer: str) -> list[str]:
        """Why the answer (`answer`: "trace", "recall") may hold more than ran in the window —
        steps with no end time that started before it, included because they may have run into
        it — or less: steps in it that recorded no output lot (an oven step taking 5 kg of lot
        00123 with no step_outputs row was named nowhere but in recall.json's steps, and a
        window holding only it said "nothing to recall")."""
        said = []
        if self.assumed:
            one = len(self.assumed) == 1
            said.append(
                f"{counted(len(self.assumed), 'step')} {'has' if one else 'have'} no end time: "
                f"included because {'it' if one else 'they'} may have run in the window (started "
                f"before it by less than the {self.kind}'s longest step): "
                + ", ".join(self.assumed)
            )
        if self.unmade:
            one = len(self.unmade) == 1
            listed = [f"{step} ({_inputs_named(inputs)})"
                      for step, inputs in list(self.unmade.items())[:UNMADE_NAMED]]  # fmt: skip
            more = len(self.unmade) - len(listed)
            said.append(
                f"{counted(len(self.unmade), 'step')} in the window recorded no output lot: "
                + ", ".join(listed)
                + (f" and {more:,} more" if more else "")
                + f": what {'it' if one else 'they'} made is not in this {answer}"
            )
        return said

    def as_dict(self, forward: bool = True) -> dict[str, Any]:
        """The answer as JSON gives it; without `forward`, what the window held alone (a recall
        package writes the trace once, beside it)."""
        return {
            f"{self.kind}_id": self.subject,
            "from": self.start,
            "to": self.end,
            "steps": self.steps,
            "processed_lots": self.processed_lots,
            **(
                {"events": self.events, "calibrated_before": self.calibrated_before}
                if self.kind == "device"
                else {}
            ),
            **({"forward": self.forward.as_dict() if self.forward else None} if forward else {}),
            "warnings": self.warnings,
            "truncated": False,
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> str:
        text = (
            f"{self.kind} {self.subject}, {self.start} – {self.end}: "
            f"{counted(len(self.steps), 'step')} · "
            f"{counted(len(self.processed_lots), 'lot')} produced"
        )
        if self.assumed:
            text += f" ({len(self.assumed):,} with no end time, may have run in the window)"
        if self.forward:
            text += " · downstream: " + self.forward.summary()
        return text


UNMADE_NAMED = 10  # steps with no output lot a window's warning names


def _inputs_named(inputs: list[str]) -> str:
    """`input 00123`, `inputs A, B`, `no input`: a step's input lots in a warning."""
    if not inputs:
        return "no input"
    shown = ", ".join(inputs[:5]) + (f" and {len(inputs) - 5:,} more" if len(inputs) > 5 else "")
    return f"input{'s' if len(inputs) > 1 else ''} {shown}"


def close_ids(text: str, known: list[str], limit: int = 5) -> list[str]:
    """Known ids close to `text`: the same but for case first (`oven-4`), then similar ones
    (`OVEN4`, `OVEN-04`)."""
    folded = {k.casefold(): k for k in known}
    same = [folded[text.casefold()]] if text.casefold() in folded else []
    similar = difflib.get_close_matches(text.casefold(), list(folded), n=limit, cutoff=0.6)
    return list(dict.fromkeys([*same, *(folded[s] for s in similar)]))[:limit]


def _event(props: dict[str, Any]) -> dict[str, Any]:
    """A device event for an answer: its columns (event_id is the importer's key; device_id
    its copy of the event's device, which the step or the window names), its time written as
    the steps' are (`at` is no `_at` column to public_props: a window, and a recall by one,
    wrote Neo4j's 2026-01-05T07:00:00Z and 09:15:00.5+01:00 where a backward trace wrote the
    same events' +00:00 and .500000+01:00)."""
    event = {k: v for k, v in public_props(props).items() if k not in ("event_id", "device_id")}
    return {**event, "at": iso(props.get("at"))}


def _window_read(
    graph: TraceGraph, kind: str, subject: str, start: str, end: str
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The window's steps (rows as cypher/trace/operator_window.cypher returns them), and for a
    device the record that holds its lots' forward trace too (cypher/trace/device_window.cypher
    reads it in the same round trip: asked after the window, it waited for it; None for an
    operator, whose lots are traced after). UnknownSubject when no such device or operator
    exists."""
    key = f"{kind}_id"
    params = {key: subject, "window_start": start, "window_end": end}
    traced = None
    if kind == "device":
        (traced,) = graph.read("trace/device_window", **params)
        rows, found = traced["steps"], traced["found"]
    else:
        rows = graph.read(f"trace/{kind}_window", **params)
        found = bool(rows) or graph.read(f"trace/{kind}_exists", **{key: subject})[0]["found"]
    if not found:
        close = close_ids(subject, graph.read(f"trace/{kind}_ids")[0]["ids"])
        raise UnknownSubject(
            f"no {kind} is known as {subject!r}",
            hint=f"close matches: {', '.join(close)}" if close
            else f"ids are case-sensitive; `tracegraph db status` counts the {kind}s",
        )  # fmt: skip
    return rows, traced


@without_collector
def trace_window(graph: TraceGraph, kind: str, subject: str, start: str, end: str) -> WindowTrace:
    """`kind` is "device" or "operator"; `start`/`end` are ISO 8601 times with an offset."""
    if kind not in ("device", "operator"):
        raise ValueError(kind)
    started = time.perf_counter()
    subject = normal_id(subject)  # as the import stores ids
    with ThreadPoolExecutor(1, thread_name_prefix="tracegraph-events") as pool:
        # A device's events in the window are read beside its steps (they do not depend on
        # them), and whether the subject exists only when the window is empty: with the stock
        # places read in the forward query, that saves three of four round trips one after
        # the other (3-hour windows on the 1M-lot plant: 6.0 -> 4.2 ms p50); a device's lots
        # are traced in its window's query (_window_read).
        in_window = None
        if kind == "device":
            in_window = pool.submit(graph.read, "trace/device_events", device_id=subject,
                                    window_start=start, window_end=end)  # fmt: skip
        rows, traced = _window_read(graph, kind, subject, start, end)
        # A step's lots by id, not in the store's order: the same data imported in another
        # row order gives the same answer.
        steps = [{**row, "started_at": iso(row["started_at"]), "ended_at": iso(row["ended_at"]),
                  "parameters": step_parameters(row["properties"]),
                  "lots": sorted(row["lots"])} for row in rows]  # fmt: skip
        for step in steps:
            del step["properties"]
        # with no end time and started before the window: in it because it may have run into it
        assumed = [step["step_id"] for step in steps if step.pop("assumed_in_window")]
        # no output lot recorded: its inputs, for the warning (not a key of the answer's steps)
        unmade = {}
        for step in steps:
            inputs = step.pop("unmade_inputs")
            if not step["lots"]:
                unmade[step["step_id"]] = sorted(inputs)
        lots = list(dict.fromkeys(lot for step in steps for lot in step["lots"]))
        forward = None
        if lots:
            reached = _downstream(graph, lots) if traced is None else downstream_from_record(traced)
            forward = forward_from_subgraph(reached, lots)
        events, calibrated = [], None
        if in_window is not None:
            (found,) = in_window.result()
            events = [_event(e) for e in found["events"]]
            calibrated = next((_event(e) for e in found["calibrated_before"]), None)
    return WindowTrace(kind, subject, start, end, steps, forward, time.perf_counter() - started,
                       events, calibrated, assumed, unmade)  # fmt: skip
