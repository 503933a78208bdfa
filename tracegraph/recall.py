"""Recall packages: who must be called, what to pull back, and the records to hand over.

A package is a folder: the affected customers with contacts, an FSMA 204-style sortable
spreadsheet of tracking events (XLSX and CSV, one row per receiving, transformation, shipping
or return event) and the same events as a GS1 EPCIS 2.0 document (tracegraph.epcis), the whole
forward trace as JSON, a summary, and a SHA-256 manifest of every file. Each package is
recorded in the graph as a (:Recall) ledger entry; `drill=True` marks a mock recall, whose
duration and located share are what auditors (IATF, BRCGS, IFS) ask for.

A recall is asked by lots, or by a window (a `Window`): an oven that ran out of tolerance from
02:00 to 05:00, an operator's shift, a supplier's notice naming a span of its deliveries. The
lots the window finds are the sources; the package says which window it was and keeps what was
found in it (steps, device events, receipts) beside the trace.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import re
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

from tracegraph import xlsx
from tracegraph.account import os_account
from tracegraph.epcis import (
    base_uri,
    epcis_document,
    epcis_zone,
    left_out_warning,
    write_epcis,
)
from tracegraph.errors import ConfigurationError, EmptyWindow, TracegraphError
from tracegraph.folders import (
    StagedFolder,
    check_creatable,
    inside_staging,
    remove_abandoned,
    staging_text,
)
from tracegraph.gcpause import without_collector
from tracegraph.graph import TraceGraph, running_text
from tracegraph.idtext import normal_id
from tracegraph.importing.tables import TABLES
from tracegraph.lots import id_list
from tracegraph.private_files import private_file, write_private_text
from tracegraph.supplier_window import SupplierWindow, trace_supplier
from tracegraph.trace import (
    ForwardTrace,
    WindowTrace,
    amounts_text,
    located_text,
    totals_lines,
    trace_forward,
    trace_window,
)
from tracegraph.units import convert, dimension
from tracegraph.values import (
    counted,
    first_ids,
    instant_key,
    iso,
    json_text,
    moment,
    public_props,
    spreadsheet_safe,
)
from tracegraph.xlsx import Sheet, write_workbook

EVENT_COLUMNS = (
    "traceability_lot_code", "product_id", "product", "quantity", "unit", "event_type",
    "event_date", "event_date_utc", "location_id", "location_description", "destination_id",
    "destination_description", "input_lot_codes", "input_quantities", "supplier_lot",
    "reference_document_type", "reference_document", "source_quantity", "source_unit",
    "source_amounts", "origin_id", "origin_description", "lot_id", "event_id",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "customer_id", "name", "contact", "country", "shipments", "returns", "lots",
    "source_quantity", "source_uom", "source_amounts", "shipped", "lot_ids", "shipment_ids",
    "return_ids", "deliveries",
)  # fmt: skip
# what a recall must block: every affected lot (sources included) with something left by its
# records, in its own unit, where it is, and how much of the recalled sources it holds. The
# `_utc` columns, here and in SHIPMENT_COLUMNS, come last: the CSV files are read by programs,
# which a column put between the others would break.
STOCK_COLUMNS = (
    "lot_id", "material_id", "remaining", "unit", "location_id", "location_name", "status",
    "expires_at", "source_quantity", "source_unit", "source_amounts", "lot_quantity",
    "lot_unit", "is_source", "depth", "note", "expires_at_utc",
)  # fmt: skip
# one row per shipment line of the recalled lots, for the clerk working the recall through the
# deliveries (customers.csv says them in one cell per customer): the delivery note the
# customer knows, when, to whom (a shipment's destination is its customer, as in
# tracking_events), which lot, how much, delivery or return, and where it left from
SHIPMENT_COLUMNS = (
    "shipment_id", "delivery_note", "shipped_at", "customer_id", "customer_name", "lot_id",
    "product_id", "quantity", "unit", "kind", "ship_from_location_id", "carrier",
    "source_quantity", "source_unit", "source_amounts", "shipped_at_utc",
)  # fmt: skip
MANIFEST = "manifest.sha256"
AFFECTS_BATCH = 10_000  # lots linked to a recall per transaction


WINDOW_KINDS = ("device", "operator", "supplier")
WINDOW_FIELDS = ("kind", "subject", "from", "to")  # Window.fields()


@dataclass(frozen=True)
class Window:
    """What a recall asked by time window names: a device's, an operator's or a supplier's
    span of time ([start, end), ISO 8601 with an offset) — steps run on the device or by the
    operator in it, or lots received from the supplier in it."""

    kind: str  # one of WINDOW_KINDS
    subject: str
    start: str
    end: str

    def __post_init__(self) -> None:
        if self.kind not in WINDOW_KINDS:
            raise ValueError(self.kind)
        # the id as the import stores it and the window finds it (` OVEN-2`, pasted padded,
        # is OVEN-2): the package, the ledger and the history name what was recalled
        object.__setattr__(self, "subject", normal_id(self.subject))

    def text(self) -> str:
        return f"{self.kind} {self.subject}, {self.start} – {self.end}"

    def fields(self) -> dict[str, str]:
        """The window for a program: recall.json's `window` and the Recall node's window_*
        properties (`window` there is text)."""
        return dict(
            zip(WINDOW_FIELDS, (self.kind, self.subject, self.start, self.end), strict=True)
        )

    def found(self, graph: TraceGraph) -> WindowTrace | SupplierWindow:
        """What the window holds and, for its lots, their forward trace."""
        if self.kind == "supplier":
            return trace_supplier(graph, self.subject, self.start, self.end)
        return trace_window(graph, self.kind, self.subject, self.start, self.end)


@dataclass
class RecallPackage:
    recall_id: str
    folder: Path
    trace: ForwardTrace
    files: list[Path]
    seconds: float
    drill: bool
    # a recall asked by window: what the window held (its answer without the trace)
    window: dict[str, Any] | None = None
    # package_warnings, then the customers export's columns renamed (CustomerDetails)
    warnings: list[str] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)  # customers.csv's rows
    customer_columns: tuple[str, ...] = CUSTOMER_COLUMNS
    # what was done beside the package: abandoned staging folders removed (folders.py)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "recall_id": self.recall_id,
            "drill": self.drill,
            "window": self.window,
            "warnings": self.warnings,
            "folder": str(self.folder),
            "files": [p.name for p in self.files],
            "summary": self.trace.summary(),
            "located_share": self.trace.located_share,
            "to_block": self.trace.stock_text(),
            "stock": self.trace.stock,
            "seconds": round(self.seconds, 3),
            "trace": self.trace.as_dict(),
        }


DETAILS_PER_QUERY = 20_000

# A lot the details query did not find (deleted since the trace read it): no product, place,
# receipt or step of its own.
_NO_DETAILS: list[Any] = [None, None, None, [], [], []]


def lot_code(lot_id: str, names: list[list[str]]) -> str:
    """What names a lot on the FSMA 204 sheet: its traceability lot code (lot_identifiers,
    scheme tlc; `names` are recall/lot_details' [scheme, issuer, value]), else its lot id. A
    lot with several (FSMA assigns one; two systems may not agree) is named by all of them as
    code_list gives them: picking one would hide the code a customer may be quoting."""
    # one code as the input columns write it alone (code_list): `TLC 7` here and `"TLC 7"` in
    # the input_lot_codes of the step that used it alone did not match
    return code_list(_tlcs(names) or [lot_id])


def _tlcs(names: list[list[str]]) -> list[str]:
    """A lot's traceability lot codes among its names ([scheme, issuer, value])."""
    return [value for scheme, _, value in names if scheme == "tlc"]


def code_list(
    codes: Sequence[str] | set[str], separator: str = "; ", quote_one: bool = False
) -> str:
    """Codes sorted and separated by `; ` (by `, ` where `; ` separates the inputs of a step),
    each in double quotes as a CSV cell is (`"` doubled) when it holds a space, `;`, `,` or `"`:
    the TLCs `TLC WITH SPACE` and `ZZZ` were `TLC WITH SPACE ZZZ`, one code or two or four. A
    single code is as it is — the lot `L/2026 %50 批次` was `"L/2026 %50 批次"`, quote marks and
    all — unless it holds `;`, `,` or `"` (`A; B` alone reads as the two codes A and B), or
    `quote_one`: a cell where other text follows it (input_quantities' `"TLC 7" 2 kg`)."""
    if len(codes) == 1 and not quote_one:
        (code,) = codes
        return _quoted(code) if any(ch in ';,"' for ch in code) else code
    return separator.join(_quoted(code) for code in sorted(codes))


def _id_list(ids: Iterable[str]) -> str:
    """Ids in one cell, sorted, separated by spaces; an id holding a space (or `;`, `,`, `"`)
    in double quotes as tracking_events' codes are: the lots `SP A` and `SP B` were
    `SP A SP B`, which reads as four."""
    return " ".join(_quoted(i) for i in sorted(ids))


def _quoted(code: str) -> str:
    if code and not any(ch.isspace() or ch in ';,"' for ch in code):
        return code
    return '"' + code.replace('"', '""') + '"'


def tracking_events(graph: TraceGraph, trace: ForwardTrace) -> list[dict[str, Any]]:
    """One row per critical tracking event of the affected lots, sorted by date.

    Beside EVENT_COLUMNS, what the EPCIS document (tracegraph.epcis) reads and the sheets do
    not show: `gtin_lots` (the lot's GS1 identities, [GTIN-14, lot number]s), `location_gln`,
    and a transformation's `step_id`, `inputs` and `outputs` ([{lot_id, quantity, unit,
    gtin_lots}]: all the step's, whichever lots the trace reached), a shipping or return
    event's `shipment_id`."""
    lots = {lot["lot_id"]: lot for lot in [*trace.sources, *trace.lots]}
    # how much of the sources each lot holds, in the unit the trace weighed it in (a source:
    # its own quantity and unit)
    amount = {lot["lot_id"]: (lot.get("quantity"), lot.get("uom"), lot.get("by_uom") or {})
              for lot in trace.lots}  # fmt: skip
    for source in trace.sources:
        amount[source["lot_id"]] = (source.get("quantity"), source.get("uom"),
                                    {source.get("uom"): source.get("quantity")})  # fmt: skip
    # lot id -> [lot_id, product, location, received, made_by, names] (recall/lot_details), a
    # chunk of lots a query (read_chunked)
    details = {row[0]: row for row in read_chunked(graph, "recall/lot_details", "lot_ids",
                                                     list(lots), "lots")}  # fmt: skip
    places = {made[6] for row in details.values() for made in row[4]}
    places |= {line.get("from_location_id") for line in trace.shipments}
    places |= {got[4] for row in details.values() for got in row[3]}
    named = graph.read("recall/location_names", location_ids=sorted(p for p in places if p))
    place_names = {row["location_id"]: row["name"] for row in named}
    glns = {row["location_id"]: row["gln"] for row in named if row["gln"]}
    codes = {lot_id: lot_code(lot_id, row[5]) for lot_id, row in details.items()}
    gtin_lots = {lot_id: gtin_lot_names(row[5]) for lot_id, row in details.items()}
    outputs = step_outputs(graph, {made[0] for row in details.values() for made in row[4]})
    events: list[dict[str, Any]] = []
    for lot_id, lot in lots.items():
        _, product, location, received, made_by, _ = details.get(lot_id, _NO_DETAILS)
        base = {"traceability_lot_code": codes.get(lot_id, lot_id), "lot_id": lot_id,
                "product_id": lot.get("material_id"), "product": product,
                "gtin_lots": gtin_lots.get(lot_id)}  # fmt: skip
        held = amount.get(lot_id, (None, None, {}))
        own = (lot.get("lot_quantity", lot.get("quantity")), lot.get("lot_uom", lot.get("uom")))
        for supplier_id, supplier_name, supplier_lot, received_at, received_in in received:
            events.append({**base, **_source_fields(*held), "event_type": "receiving",
                           "quantity": own[0], "unit": own[1],
                           "event_date": iso(received_at),
                           **_receipt_place(received_in, location, place_names),
                           "supplier_lot": supplier_lot,
                           "origin_id": supplier_id,
                           "origin_description": supplier_name or f"supplier {supplier_id}",
                           # the number itself: the type said `supplier lot`, the cell was empty
                           "reference_document_type": "supplier lot",
                           "reference_document": supplier_lot})  # fmt: skip
        for step_id, operation, started, ended, quantity, uom, where, inputs in made_by:
            # the part of the lot the step made (a rework of 10 of its 100 pcs: a tenth)
            part = convert(quantity or 0.0, uom, own[1]) if own[0] else None
            share = min(1.0, part / own[0]) if part and own[0] else 1.0
            events.append({**base, **_source_fields(*held, share=share),
                           "event_type": f"transformation ({operation})",
                           "quantity": quantity, "unit": uom,
                           "event_date": iso(ended or started),
                           "location_id": where,
                           "location_description": place_names.get(where),
                           "input_lot_codes": code_list({code for i in inputs
                                                         for code in _tlcs(i[3]) or [i[0]]}),
                           "input_quantities": _inputs_text(inputs),
                           "reference_document_type": "process step",
                           "reference_document": step_id, "step_id": step_id,
                           "inputs": [{"lot_id": i[0], "quantity": i[1], "unit": i[2],
                                       "gtin_lots": gtin_lot_names(i[3])}
                                      for i in sorted(inputs, key=lambda i: i[0])],
                           "outputs": outputs.get(step_id)})  # fmt: skip
    for line in trace.shipments:
        lot = lots[line["lot_id"]]
        detail = details.get(line["lot_id"])
        # A return moves the goods from the customer back to the plant's location: the
        # customer is where it came from, and the quantity is how much came back.
        customer = {"id": line["customer_id"], "description": line["customer_name"]}
        ends = ("origin", "destination") if line["is_return"] else ("destination", "origin")
        events.append({
            "traceability_lot_code": codes.get(line["lot_id"], line["lot_id"]),
            "lot_id": line["lot_id"], "product_id": lot.get("material_id"),
            "gtin_lots": gtin_lots.get(line["lot_id"]),
            "product": detail[1] if detail else None,
            "quantity": abs(line["quantity"]) if line["quantity"] is not None else None,
            "unit": line["uom"],
            "event_type": "return" if line["is_return"] else "shipping",
            "event_date": line["shipped_at"], "location_id": line.get("from_location_id"),
            "location_description": place_names.get(line.get("from_location_id")),
            f"{ends[0]}_id": customer["id"], f"{ends[0]}_description": customer["description"],
            f"{ends[1]}_id": line.get("from_location_id"),
            f"{ends[1]}_description": place_names.get(line.get("from_location_id")),
            "reference_document_type": "return" if line["is_return"] else "delivery note",
            "reference_document": line["reference_doc"] or line["shipment_id"],
            "shipment_id": line["shipment_id"],  # the EPCIS eventID's (tracegraph.epcis)
            # how much of the sources went (or came back): a magnitude, as the quantity is
            **_source_fields(line["source_quantity"], line["source_uom"],
                             line["source_by_uom"], share=-1.0 if line["is_return"] else 1.0),
        })  # fmt: skip
    # in time order as instants (the exports' offsets differ: sorted as text, a receipt at
    # 08:15+01:00 came before the mix that used it at 08:35+08:00, hours earlier); each date
    # read once, for the order and the UTC column (a shipment's lines share theirs)
    moments = {text: (instant_key(text), _utc_text(text))
               for text in {event.get("event_date") for event in events}}  # fmt: skip
    events.sort(key=lambda e: (moments[e.get("event_date")][0], e["traceability_lot_code"]))
    for event in events:
        event["event_date_utc"] = moments[event.get("event_date")][1]
        event["location_gln"] = glns.get(event.get("location_id"))
    return events


def gtin_lot_names(names: list[list[str]]) -> list[tuple[str, str]]:
    """The lot's GS1 identities (GTIN-14, lot number) among its names (recall/lot_details'
    [scheme, issuer, value]), as the query gave them: the EPCIS document names the lot by the
    first valid one in order (epcis.Identifiers.lot sorts them) and warns of the others."""
    return [(gtin, lot) for scheme, gtin, lot in names if scheme == "gtin_lot"]


def read_chunked(
    graph: TraceGraph, name: str, param: str, ids: Sequence[str], column: str
) -> Iterator[Any]:
    """The items of the list `column` of the named query's one row, asked for `ids` (its
    parameter `param`) DETAILS_PER_QUERY at a time: one row of lists for a million lots would
    be held whole in one transaction's memory (a server with a transaction limit refuses it)."""
    for at in range(0, len(ids), DETAILS_PER_QUERY):
        yield from graph.read(name, **{param: ids[at : at + DETAILS_PER_QUERY]})[0][column]


def step_outputs(graph: TraceGraph, step_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Every lot each step made ([{lot_id, quantity, unit, gtin_lots}], by lot id), the ones
    the trace did not reach too: a step's EPCIS event lists them all (recall/step_outputs)."""
    return {
        step_id: [{"lot_id": o[0], "quantity": o[1], "unit": o[2], "gtin_lots": o[3]}
                  for o in sorted(made, key=lambda o: o[0])]
        for step_id, made in read_chunked(graph, "recall/step_outputs", "step_ids",
                                          sorted(step_ids), "steps")
    }  # fmt: skip


# The receiving event of a lot whose receipt location was never recorded (imported before the
# importer kept it on SUPPLIED_BY): its current location stands in, and says so.
NOW_NOT_RECEIVED = "where the lot is now; where it was received was not recorded"


def _receipt_place(
    received_in: str | None, location: list[Any] | None, place_names: dict[str, Any]
) -> dict[str, Any]:
    """A receiving event's location: where the lot was received (`received_in`), not where it
    is now (`location`: [location_id, name]): a lot received in Dallas and moved to Reno
    was "received in Reno"."""
    if received_in:
        return {"location_id": received_in, "location_description": place_names.get(received_in)}
    if not location or not location[0]:
        return {"location_id": None, "location_description": None}
    name = location[1]
    return {"location_id": location[0],
            "location_description": f"{name} ({NOW_NOT_RECEIVED})" if name
            else f"({NOW_NOT_RECEIVED})"}  # fmt: skip


UTC_TEXT = "%Y-%m-%d %H:%M:%S"
# The fraction of a second in ISO text: the digits after the seconds, as many as it had.
_FRACTION = re.compile(r"[T ]\d\d:\d\d(?::\d\d)?[.,](\d+)")


# A shipment's lines share its time, and expiries repeat: each text is converted once (5.3 µs a
# call, ~5 s for a million stock rows, review).
@functools.lru_cache(maxsize=1 << 16)
def _utc_text(text: str | None) -> str | None:
    """An event's time in UTC, `2026-11-03 07:15:00` (`2026-11-03 07:15:00.0004` with the
    fraction of a second the time had, every digit of it: cut to the second, an alarm at
    .0004 and a step at .0009 showed one time, and EPCIS eventTime keeps the fraction): the
    dates in the exports' own offsets (+01:00 beside -06:00) sorted and filtered wrong in
    Excel, where they are text; this one sorts as text and is a real date/time in the
    workbook."""
    at = moment(text)
    if at is None:
        return None
    try:
        whole = at.astimezone(UTC).strftime(UTC_TEXT)
    except OverflowError:  # a "no date" 0001-01-01 east of UTC is in year 0 there
        return None
    fraction = _FRACTION.search(text or "")
    return f"{whole}.{fraction[1]}" if fraction else whole


def _inputs_text(inputs: list[list[Any]]) -> str:
    """`EY1 100 kg; OIL1 700 kg; "TLC 7" 2 kg; T1, T2 5 kg`: each input lot of a step (by its
    codes, see code_list) with the quantity it gave (FSMA 204 asks for the quantity and unit of
    each input lot; the codes alone were listed)."""
    return "; ".join(
        " ".join(str(part) for part in (lot, _number(quantity), uom) if part not in (None, ""))
        for lot, quantity, uom in sorted(
            ((code_list(_tlcs(i[3]) or [i[0]], ", ", True), i[1], i[2]) for i in inputs),
            key=lambda i: (i[0], i[2] or ""),
        )
    )


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _source_fields(
    quantity: float | None, unit: str | None, by_uom: dict[Any, float | None], share: float = 1.0
) -> dict[str, Any]:
    """An event's amount of the sources: `share` of what the lot (or line) holds, one figure
    and its unit, and per unit as text (the only figures where the sources are in kg and pcs)."""
    # + 0.0: a return of none of the sources is 0, not -0
    scaled = {u: None if a is None else round(a * share, 6) + 0.0 for u, a in by_uom.items()}
    return {
        "source_quantity": None if quantity is None else round(quantity * share, 6) + 0.0,
        "source_unit": unit,
        "source_amounts": amounts_text(scaled),
    }


# The customers table's own columns: customers.csv's fixed columns already hold them.
_CANONICAL_CUSTOMER = frozenset(column.name for column in TABLES["customers"].columns)
# An export's column named like one of customers.csv's own (`shipments`, `lots`) goes in as
# this prefix + its name, beside ours: dropped, an ERP's `shipments` column was gone without a
# word; written over ours, the package's figure would be the ERP's.
EXPORT_PREFIX = "export_"


@dataclass
class CustomerDetails:
    """The customers' other columns (address, phone…): customer id -> {column: value}, and
    the export's columns renamed as they clashed with customers.csv's own (name -> new name)."""

    by_customer: dict[str, dict[str, Any]]
    renamed: dict[str, str]

    @property
    def warnings(self) -> list[str]:
        return [
            f"customers.csv has a column '{name}' of its own: the customers export's "
            f"'{name}' is there (and in the workbook) as '{new}'"
            if spreadsheet_safe(name) == name
            else f"the customers export's column '{name}' would run as a formula as a header in "
            f"a spreadsheet: it is there (and in the workbook) as '{new}'"
            for name, new in sorted(self.renamed.items())
        ]


def customer_details(graph: TraceGraph, trace: ForwardTrace) -> CustomerDetails:
    """The customers' other columns, as the export named them unless the name is one of
    customers.csv's own or would run as a formula in a spreadsheet (CustomerDetails.renamed)."""
    ids = [c["customer_id"] for c in trace.customers]
    rows = graph.read("recall/customer_details", customer_ids=ids) if ids else []
    # A list (set in Browser) as text: a workbook cell holds one value.
    found = {row["customer_id"]: {k: "; ".join(map(str, v)) if isinstance(v, list) else v
                                  for k, v in public_props(row["props"]).items()
                                  if k not in _CANONICAL_CUSTOMER}
             for row in rows}  # fmt: skip
    # ours: the fixed columns and whatever else customer_rows takes from the trace's rows
    taken = set(CUSTOMER_COLUMNS).union(*(c.keys() for c in trace.customers))
    names = {name for extra in found.values() for name in extra}
    # A column whose name a spreadsheet would run as a formula (`+phone`, `=cmd|x`) goes in
    # under the prefix too, as headers are not made safe as cells are: it was left out, and
    # the call list lost the customers' telephone numbers without a word.
    formula_like = {name for name in names if spreadsheet_safe(name) != name}
    renamed: dict[str, str] = {}
    for name in sorted((names & taken) | formula_like):
        new = EXPORT_PREFIX + name
        while new in taken or new in names:  # the export has export_shipments too
            new = EXPORT_PREFIX + new
        renamed[name] = new
        taken.add(new)
    by_customer = {customer: {renamed.get(k, k): v for k, v in extra.items()}
                   for customer, extra in found.items()}  # fmt: skip
    return CustomerDetails(by_customer, renamed)


def customer_columns(details: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """customers.csv's columns: the fixed ones, then the customers' other columns by name."""
    return CUSTOMER_COLUMNS + tuple(sorted({k for extra in details.values() for k in extra}))


def customer_rows(
    trace: ForwardTrace, details: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The trace's customers with what the call to each needs: the lots and shipments (ids),
    how much was shipped net of returns, per unit ("437 pcs; 2 kg"), and the customer's other
    columns from `details` (customer_details)."""
    lots: dict[str, set[str]] = defaultdict(set)
    shipments: dict[str, set[str]] = defaultdict(set)
    returns: dict[str, set[str]] = defaultdict(set)
    # customer -> (material, dimension) -> [unit, amount]: g and kg add up, in the unit met
    # first; 960 pcs of bread and 968 pcs of ciabatta do not ("1928 pcs")
    shipped: dict[str, dict[tuple[str, str], list[Any]]] = defaultdict(dict)
    for line in trace.shipments:
        customer = line["customer_id"]
        lots[customer].add(line["lot_id"])
        (returns if line["is_return"] else shipments)[customer].add(line["shipment_id"])
        unit = line["uom"] or ""
        key = (line["material_id"] or "", dimension(unit))
        total = shipped[customer].setdefault(key, [unit, 0.0])
        total[1] += convert(line["quantity"] or 0.0, unit, total[0]) or 0.0
    details = details or {}
    deliveries = _deliveries(trace.shipments)
    return [
        {**details.get(c["customer_id"], {}), **c,
         "deliveries": deliveries.get(c["customer_id"], ""),
         "lot_ids": _id_list(lots[c["customer_id"]]),
         "source_amounts": amounts_text(c["source_by_uom"]),
         "shipment_ids": _id_list(shipments[c["customer_id"]]),
         "return_ids": _id_list(returns[c["customer_id"]]),
         "shipped": _shipped_text(shipped[c["customer_id"]])}
        for c in trace.customers
    ]  # fmt: skip


def _deliveries(lines: list[dict[str, Any]]) -> dict[str, str]:
    """customer -> `2026-11-04 DN-1: P1 300 pcs; 2026-11-05 return RMA-1: P2 10 pcs`: each
    delivery (and return) of the recalled lots by its date as exported, the document the
    customer knows (the shipment's reference_doc, else its id) and how much of which lot — what a
    clerk reads out on the call; customers.csv had the shipment ids alone."""
    # a shipment's delivered and returned lines apart (a line is a return by its own sign):
    # a shipment of +5 of one lot and -7 of another read "return DN-X2: … 5 pcs"
    shipments: dict[tuple[str, str, bool], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        shipments[(line["customer_id"], line["shipment_id"], bool(line["is_return"]))].append(line)
    said: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (customer, shipment, returned), held in shipments.items():
        first = held[0]
        when = str(first.get("shipped_at") or "")[:10] or "no date"
        document = first.get("reference_doc") or shipment
        kind = "return " if returned else ""
        lots = ", ".join(
            " ".join(str(part) for part in (_quoted(line["lot_id"]),
                                            _number(abs(line["quantity"]))
                                            if line["quantity"] is not None else None,
                                            line["uom"]) if part)
            for line in sorted(held, key=lambda line: line["lot_id"])
        )  # fmt: skip
        said[customer].append((when, f"{when} {kind}{document}: {lots}"))
    return {customer: "; ".join(text for _, text in sorted(texts))
            for customer, texts in said.items()}  # fmt: skip


def no_contact_warning(customers: list[dict[str, Any]]) -> list[str]:
    """Customers to call with no contact (an empty `contact` in the customers table): they were
    listed like the others, and the call list had a blank where the number should be."""
    missing = [c["customer_id"] for c in customers if not str(c.get("contact") or "").strip()]
    if not missing:
        return []
    one = len(missing) == 1
    return [f"{counted(len(missing), 'customer')} to call {'has' if one else 'have'} no contact "
            f"in the customers table: {first_ids(missing, 10)} (customers.csv lists "
            f"{'it' if one else 'them'} with an empty contact: find whom to call)"]  # fmt: skip


def stock_rows(trace: ForwardTrace) -> list[dict[str, Any]]:
    """The stock to block as stock.csv and the workbook's sheet have it: the lot's rest in
    its own unit, and a note where that figure is not the whole truth."""
    return [
        {**row, "unit": row["remaining_uom"], "source_unit": row["source_uom"],
         "source_amounts": amounts_text(row["source_by_uom"]), "lot_unit": row["lot_uom"],
         "note": _stock_note(row), "expires_at_utc": _utc_text(row["expires_at"])}
        for row in trace.stock
    ]  # fmt: skip


def shipment_rows(trace: ForwardTrace) -> list[dict[str, Any]]:
    """shipments.csv's rows and the workbook's `shipments` sheet's: each shipment line of the
    recalled lots, by date (as instants), shipment and lot; a return's quantities (the lot's
    and the sources') are how much came back, as tracking_events has them."""
    rows = [
        {**line, "delivery_note": line["reference_doc"] or line["shipment_id"],
         "product_id": line["material_id"], "unit": line["uom"],
         "quantity": abs(line["quantity"]) if line["quantity"] is not None else None,
         "kind": "return" if line["is_return"] else "delivery",
         "ship_from_location_id": line.get("from_location_id"),
         "shipped_at_utc": _utc_text(line["shipped_at"]),
         # how much of the sources went or came back, a magnitude as the quantity is, and per
         # unit (source_quantity is empty where the sources are in kg and pcs)
         **_source_fields(line["source_quantity"], line["source_uom"], line["source_by_uom"],
                          share=-1.0 if line["is_return"] else 1.0)}
        for line in trace.shipments
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (instant_key(r["shipped_at"]), r["shipment_id"],
                                       r["lot_id"]))  # fmt: skip


def _stock_note(row: dict[str, Any]) -> str:
    if row["remaining"] is None:
        return "the lot has no quantity: what is left is unknown, check it on site"
    if row["remaining_uncounted"]:
        return (f"{counted(row['remaining_uncounted'], 'record')} in a unit of another dimension "
                "or without a quantity not counted (`tracegraph check` lists them)")  # fmt: skip
    return ""


def _shipped_text(shipped: dict[tuple[str, str], list[Any]]) -> str:
    """`960 pcs BREAD; 968 pcs CIABATTA; 2 kg SALT`: net of returns, per material and unit."""
    return "; ".join(
        " ".join(part for part in (_number(amount), unit, material) if part)
        for (material, _), (unit, amount) in sorted(shipped.items())
    )


SUMMARY_IDS = 20  # lots named in summary.txt's "asked as" line, of the asked and of the sources
# The CSV files are plain for programs (and the EPCIS/GS1 ids match them); Excel opening one
# reads 00123 as the number 123. The workbooks keep every id as text.
EXCEL_NOTE = (
    "in Excel, open recall.xlsx and tracking_events.xlsx (ids kept as text): the .csv files are "
    "for programs, and Excel opening them drops leading zeros (lot 00123 reads as 123)"
)
RECORDED_IDS = 1_000  # customers and shipments a Recall node names (recall.json has them all)


def data_state(graph: TraceGraph) -> dict[str, Any]:
    """The data a recall is read from: `last_import`, the last import run that had ended (its
    run_id, status and ended_at; all null before any import), and `running`, the import
    writing the graph meanwhile (run_id, user, host, started_at), null when none ran. A recall
    kept only counts: one that a late export made stale (a shipment of its lot to a customer it
    did not name, dated before it) looked complete in the history."""
    rows = graph.read("recall/data_state")
    last = dict(rows[0]) if rows else {}
    running = graph.running_import()
    return {
        "last_import": {key: last.get(key) for key in ("run_id", "status", "ended_at")},
        "running": None if running is None
        else {**running, "started_at": iso(running.get("started_at"))},
    }  # fmt: skip


def _state_text(state: dict[str, Any]) -> str:
    """summary.txt's line on the data the package was read from."""
    last = state["last_import"]
    read = (
        f"read from the graph as of import run {last['run_id']} ({last['status']}, ended "
        f"{last['ended_at']})"
        if last["run_id"]
        else "read from a graph no import has written (no import run has ended)"
    )
    if state["running"]:
        read += f", while import run {state['running']['run_id']} was writing it"
    return read


# The collector paused for the whole package, as for the trace in it (see gcpause): writing a
# commodity recall's 160k events walked its million objects again and again (6 of 57 s).
@without_collector
def build_package(
    graph: TraceGraph,
    ids: list[str],
    out: Path,
    drill: bool = False,
    html: bool = False,
    window: Window | None = None,
    log: Callable[[str], None] | None = None,
) -> RecallPackage:
    """Trace forward from `ids` — or from the lots `window` finds, when it is given (then `ids`
    must be empty) — write the package into `out` and record it in the graph. A package that
    fails half-way (a full disk, the server gone before it was recorded) leaves no files: on a
    full disk one left 5 of its 8 files, epcis.jsonld cut at 4 kB, and its re-run was refused
    as the folder was not empty.

    The package is written into a staging folder beside `out` and moved into place by one
    rename (StagedFolder): of two recalls given the same `out` at once, one writes it and the
    other is refused (FolderTaken, exit 2) with nothing recorded — both said they had written
    it, and the history held a manifest hash that matched no file on disk.

    `log` says each note at once (a killed recall's staging folder removed): the package's
    `notes` hold them only when it is not given (they were lost when the recall then failed)."""
    started = time.perf_counter()
    # first: out.exists() raises under a folder one cannot enter
    check_creatable(out, "the package folder", "--out")
    epcis_base = base_uri()  # a base URI that cannot be used is refused before anything is written
    plant_zone = epcis_zone()  # and so is an unknown TRACEGRAPH_TIMEZONE
    # a staging folder left by a recall killed (kill -9, a power cut) on this host: removed,
    # and said (it refused the next recall into `out` until removed by hand)
    removed = remove_abandoned(out)
    if log is not None:
        for text in removed:
            log(text)
        removed = []
    if out.exists() and any(out.iterdir()):
        staging = inside_staging(out)
        left = (f" (it holds {staging.name}, the staging folder of a recall that is running or "
                f"was killed{staging_text(staging)}: remove it if none runs)"
                if staging.exists() else "")  # fmt: skip
        raise ConfigurationError(
            f"{out} is not empty{left}", hint="give a new folder: a package is never written over"
        )
    with StagedFolder(out, "the package folder", "--out") as staged:
        package = _written_package(graph, ids, staged, drill, html, window,
                                   (started, epcis_base, plant_zone))  # fmt: skip
    package.notes = removed
    return package


def _written_package(
    graph: TraceGraph,
    ids: list[str],
    staged: StagedFolder,
    drill: bool,
    html: bool,
    window: Window | None,
    begun: tuple[float, str, Any],
) -> RecallPackage:
    started, epcis_base, plant_zone = begun  # when it began, and build_package's settings read
    out = staged.folder  # where the files are written; staged.out once published
    found: WindowTrace | SupplierWindow | None = None
    if window is None:
        asked = id_list(ids)  # the numbers the recall was asked for (a supplier's batch number)
        trace = trace_forward(graph, asked)
    else:
        if ids:
            raise ValueError("a recall is asked by lots or by a window, not both")
        found = window.found(graph)
        if found.forward is None:
            # what the window could not see (lots with no receipt date, steps with no end) is
            # said here too: "nothing to recall" must not read as "no exposure"
            seen = "; ".join(_window_warnings(found))
            raise EmptyWindow(
                f"no lots in the window ({window.text()}): nothing to recall"
                + (f" — but {seen}" if seen else ""),
                hint=f"`tracegraph trace {window.kind} {window.subject} --from ... --to ...` "
                "shows what the window holds; widen it, or recall the lots by id",
            )
        trace = found.forward
        asked = [source["lot_id"] for source in trace.sources]
    window_answer = None
    if window is not None and found is not None:
        # kind and subject beside what the window held (its id key differs by kind: device_id,
        # operator_id, supplier_id), so a program reads any window's the same way
        window_answer = {**window.fields(), **found.as_dict(forward=False)}
    created = datetime.now(UTC)
    # the random suffix keeps two packages of one lot in the same second apart; a window's
    # package is named by its subject (the device, operator or supplier recalled), not by the
    # first lot it happened to find
    kind = "DRILL" if drill else "RECALL"
    named = window.subject if window is not None else trace.sources[0]["lot_id"]
    recall_id = f"{kind}-{created:%Y%m%dT%H%M%S}-{named}-{token_hex(2)}"
    # the user's alone, as the import's reject files are: customers.csv and recall.xlsx hold
    # every customer's contact, address and phone (written 0644 under umask 022); the staging
    # folder was made 0700 and each file below is made 0600 from its first byte (private_files)
    narrowed = staged.private
    events = tracking_events(graph, trace)
    # made before the warnings: the events it leaves out (no time) are one of them; and before
    # the sheets: it gives each row its event_id
    epcis, left_out, epcis_warnings = epcis_document(events, created, epcis_base, plant_zone)
    details = customer_details(graph, trace)
    # an import writing the graph meanwhile: the package may be of a half-written graph; and
    # the last import that had ended: what `recall history --verify` compares with
    state = data_state(graph)
    said = running_text(state["running"])
    running = [said] if said else []
    warnings = [*running, *package_warnings(trace, found), *details.warnings,
                *no_contact_warning(trace.customers),
                *_sheets_warning(len(events)), *left_out_warning(left_out),
                *([] if narrowed else [_NOT_PRIVATE.format(staged.out)]),
                *epcis_warnings]  # fmt: skip
    customers = customer_rows(trace, details.by_customer)
    columns = customer_columns(details.by_customer)
    stock = stock_rows(trace)
    shipments = shipment_rows(trace)
    warnings += _cut_cells_warning("tracking_events", events, EVENT_COLUMNS)
    warnings += _cut_cells_warning("customers", customers, columns)
    files = [
        write_csv(out / "customers.csv", customers, columns),
        write_csv(out / "stock.csv", stock, STOCK_COLUMNS),
        write_csv(out / "shipments.csv", shipments, SHIPMENT_COLUMNS),
        write_csv(out / "tracking_events.csv", events, EVENT_COLUMNS),
        write_workbook(out / "tracking_events.xlsx", [events_sheet(events)]),
        write_workbook(out / "recall.xlsx", recall_sheets((customers, columns), stock, shipments)),
        write_epcis(out / "epcis.jsonld", epcis),
        _write_json(
            out / "recall.json",
            {
                "recall_id": recall_id,
                "drill": drill,
                "created_at": created.isoformat(),
                "asked_as": asked,  # the sources are the internal lots these name
                **({"window": window_answer} if window_answer is not None else {}),
                # the graph it was read from: the last import that had ended, one running
                "data_state": state,
                **trace.as_dict(),
                "warnings": warnings,  # the trace's and the package's (see package_warnings)
            },
        ),
    ]
    if html:
        from tracegraph.report import write_html

        files.append(write_html(out / "report.html", trace, title=recall_id,
                                complete_in="tracking_events.xlsx and recall.json"))  # fmt: skip
    seconds = time.perf_counter() - started
    summary = out / "summary.txt"
    # the first SUMMARY_IDS of each (recall.json has them all): a device's whole span has
    # 54,000 sources, and a --lots-file thousands of lots, which made one line of megabytes
    sources = first_ids([s["lot_id"] for s in trace.sources], SUMMARY_IDS)
    asked_text = window.text() if window is not None else first_ids(asked, SUMMARY_IDS)
    write_private_text(
        summary,
        f"{recall_id}\nasked as: {asked_text} (lots {sources})\n"
        f"{trace.summary()}\n{located_text(trace.totals, trace.unmeasured_sources)}\n"
        f"{trace.stock_text()} (stock.csv)\n"
        # where the rest is (in stock, unplaced): the figure a recall coordinator acts on
        + "".join(f"{line}\n" for line in totals_lines(trace.totals))
        + f"{_state_text(state)}\n"
        + "".join(f"warning: {text}\n" for text in warnings)
        + f"{EXCEL_NOTE}\n"
        + f"package written in {seconds:.3f} s by {os_account()} on "
        f"{socket.gethostname()}\n",
    )
    files.append(summary)
    manifest = out / MANIFEST
    window_parts = window.fields() if window is not None else dict.fromkeys(WINDOW_FIELDS)
    write_private_text(manifest, "".join(f"{_sha256(p)}  {p.name}\n" for p in files))
    manifest_sha256 = _sha256(manifest)
    # into place before it is recorded: the loser of two runs into one folder records nothing
    staged.publish()
    out = staged.out
    files = [out / p.name for p in files]
    graph.write(
        "recall/record",
        recall_id=recall_id,
        created_at=created.isoformat(),
        created_by=os_account(),
        host=socket.gethostname(),
        drill=drill,
        duration_s=round(seconds, 4),
        # unknown (null) when a source has no quantity of its own: located 100 % by
        # construction, which the package warns of but a line of the history cannot
        located_share=trace.located_share,
        sources_without_quantity=trace.unmeasured_sources,
        source_lots=[s["lot_id"] for s in trace.sources],
        window=window.text() if window is not None else None,
        # its parts for a program (null when asked by lots): `window` is for people
        **{f"window_{key}": value for key, value in window_parts.items()},
        lots=len(trace.lots),
        shipments=len({s["shipment_id"] for s in trace.shipments}),
        customers=len(trace.customers),
        quantity=trace.totals.get("source_quantity"),
        uom=trace.totals.get("uom"),
        package=str(out.resolve()),
        manifest_sha256=manifest_sha256,
        data_run_id=state["last_import"]["run_id"],
        data_run_ended_at=state["last_import"]["ended_at"],
        taken_during_import=state["running"]["run_id"] if state["running"] else None,
        # whom and which deliveries it named, for --verify to find those added since; the
        # first RECORDED_IDS of each (the counts above say how many): a commodity's 30,000
        # shipments would make the node megabytes
        customer_ids=sorted(c["customer_id"] for c in trace.customers)[:RECORDED_IDS],
        shipment_ids=sorted({s["shipment_id"] for s in trace.shipments})[:RECORDED_IDS],
    )
    if not drill:
        affected = [lot["lot_id"] for lot in trace.lots]
        for start in range(0, len(affected), AFFECTS_BATCH):
            graph.write("recall/affects", recall_id=recall_id,
                        lot_ids=affected[start : start + AFFECTS_BATCH])  # fmt: skip
    return RecallPackage(recall_id, out, trace, [*files, out / MANIFEST], seconds, drill,
                         window_answer, warnings, customers, columns)  # fmt: skip


_NOT_PRIVATE = (
    "{}: its permissions could not be narrowed to its user (a USB stick's FAT, a network share, "
    "another user's folder): the package's files, customers' contacts among them, are as "
    "readable as that place makes them"
)


def _cut_cells_warning(
    name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> list[str]:
    """Texts longer than a spreadsheet cell holds, which the workbook cuts (the cell says so):
    a step with 20,000 input lots had input_lot_codes of 180 kB, 16,000 of its lots missing
    from tracking_events.xlsx with nothing said. The CSV holds them whole."""
    cut: Counter[str] = Counter()
    first = None
    for row in rows:
        for column in columns:
            if xlsx.over_a_cell(row.get(column)):
                cut[column] += 1
                first = first or row.get("lot_id") or row.get("customer_id")
    if not cut:
        return []
    workbook = "tracking_events.xlsx" if name == "tracking_events" else "recall.xlsx"
    cells = ", ".join(f"{column} {n:,}" for column, n in cut.items())
    verb = "holds" if cut.total() == 1 else "hold"
    return [f"{counted(cut.total(), 'cell')} of {workbook} ({name}: {cells}; the first of "
            f"{first}) {verb} more than a spreadsheet cell's {xlsx.MAX_TEXT:,} characters: cut "
            f"there, whole in {name}.csv"]  # fmt: skip


def _sheets_warning(events: int) -> list[str]:
    """More tracking events than a sheet holds go on in numbered sheets (tracegraph.xlsx): a
    filter on the first sheet alone would miss the rest."""
    sheets = -(-events // (xlsx.MAX_ROWS - 1))
    if sheets <= 1:
        return []
    return [f"the {events:,} tracking events fill {sheets} sheets of tracking_events.xlsx (a "
            f"sheet holds {xlsx.MAX_ROWS - 1:,} rows): sort and filter each of them, or use "
            "tracking_events.csv"]  # fmt: skip


def package_warnings(
    trace: ForwardTrace, found: WindowTrace | SupplierWindow | None = None
) -> list[str]:
    """What the package's reader must know: the window's warnings (steps with no end time,
    lots with no receipt date), the trace's, and shipments that leave the shipping events'
    location blank — FSMA 204 asks where a shipment left from, and a blank cell in the
    tracking events was found only by reading them."""
    unplaced = sorted({line["shipment_id"] for line in trace.shipments
                       if not line["is_return"] and not line.get("from_location_id")})  # fmt: skip
    blank = []
    if unplaced:
        one = len(unplaced) == 1
        listed = first_ids(unplaced, 5)
        blank = [
            f"{counted(len(unplaced), 'shipment')} ({listed}) {'names' if one else 'name'} no "
            "ship-from location (from_location_id in the shipments table): "
            f"{'its shipping events have' if one else 'their shipping events have'} no location "
            "in tracking_events"
        ]
    return [*(_window_warnings(found) if found is not None else []), *trace.warnings, *blank]


def _window_warnings(found: WindowTrace | SupplierWindow) -> list[str]:
    """The window's warnings as a recall says them ("… is not in this recall")."""
    return found.warnings_for("recall") if isinstance(found, WindowTrace) else found.warnings


# a Recall's window properties: null for a recall asked by lots (and for those recorded before)
HISTORY_WINDOW = ("window", *(f"window_{key}" for key in WINDOW_FIELDS))
# what a Recall records of the data it was read from (null before it was kept)
HISTORY_DATA = ("data_run_id", "data_run_ended_at", "taken_during_import")


def recall_history(graph: TraceGraph) -> list[dict[str, Any]]:
    # the window's keys on every row, null when the recall has none; located_share null (a
    # null property is none in the graph) when a source had no quantity of its own;
    # sources_without_quantity [] for the recalls recorded before it was kept
    # null too: the data state of one recorded before it was kept, and taken_during_import of
    # one taken with no import running
    return [{**dict.fromkeys(HISTORY_WINDOW), **dict.fromkeys(HISTORY_DATA), "located_share": None,
             "sources_without_quantity": [], **public_props(row["recall"])}
            for row in graph.read("recall/history")]  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Path:
    # utf-8-sig: Excel opens it with the right encoding; cells are never formulas (see below)
    with private_file(path, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_safe(row.get(c)) for c in columns])
    return path


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, bool):  # as JSON and `--format csv` write them, not Python's True
        return "true" if value else "false"
    return "" if value is None else value


def events_sheet(events: list[dict[str, Any]]) -> Sheet:
    """The tracking events, tracking_events.xlsx's one sheet (tracegraph.xlsx: every text a
    text cell, so a name like `=Shop two` is never a formula), its header in bold kept in view
    and an autofilter: sortable and filterable, as FSMA 204 asks. The plant sends it out, so
    it holds the events alone: no customer's contact, no stock (see recall_sheets)."""
    utc = EVENT_COLUMNS.index("event_date_utc")

    def event_rows() -> Iterator[list[Any]]:
        for event in events:
            row = [event.get(c) for c in EVENT_COLUMNS]
            if row[utc]:  # a date/time Excel sorts and filters (the ISO text beside it is text)
                row[utc] = _utc_cell(row[utc])
            yield row

    return Sheet(
        "tracking events", EVENT_COLUMNS, event_rows(), column_widths(events, EVENT_COLUMNS)
    )


def _utc_cell(text: Any) -> datetime:
    """An `_utc` column's UTC_TEXT as a date/time cell (fromisoformat reads it 20 times as fast
    as strptime); a cell keeps microseconds at most (Python's datetime; Excel's fewer)."""
    return datetime.fromisoformat(str(text)[:26])


def recall_sheets(
    customers: tuple[list[dict[str, Any]], tuple[str, ...]],
    stock: list[dict[str, Any]],
    shipments: list[dict[str, Any]],
) -> list[Sheet]:
    """The customers, the stock to block and the shipment lines, recall.xlsx's sheets, for the
    plant's own use: in tracking_events.xlsx, which a plant sends to its customers and the
    authority, they gave every customer's contact, address and phone to each customer it was
    sent to."""
    listed, columns = customers
    return [
        Sheet(
            "customers",
            columns,
            ([c.get(name) for name in columns] for c in listed),
            column_widths(listed, columns),
        ),
        _dated_sheet("stock to block", stock, STOCK_COLUMNS, "expires_at"),
        _dated_sheet("shipments", shipments, SHIPMENT_COLUMNS, "shipped_at"),
    ]


def _dated_sheet(
    title: str, rows: list[dict[str, Any]], columns: tuple[str, ...], dated: str
) -> Sheet:
    """A sheet of `rows` whose column `dated` is a date and time as the plant wrote it and
    `{dated}_utc` the same instant in UTC, both cells Excel sorts and filters by."""
    at, utc = columns.index(dated), columns.index(f"{dated}_utc")

    def cells() -> Iterator[list[Any]]:
        for source in rows:
            row = [source.get(c) for c in columns]
            if row[at]:
                # as text what Python cannot read: set in the Browser with a zone name
                # (…+01:00[Europe/Berlin]) or past year 9999 (it stopped the package half-way)
                with contextlib.suppress(ValueError):
                    # as the plant wrote it, as the CSV has it (there with its offset): a cell
                    # holds no zone, and the instant in UTC showed an expiry on 31 January
                    # (midnight in Berlin) as 30 January 23:00 under a plain `expires_at`
                    row[at] = datetime.fromisoformat(str(row[at])).replace(tzinfo=None)
            if row[utc]:
                # beside it, the instant: one column's local times came from two exports, 15:44
                # at +01:00 (14:44Z) above 10:00 at UTC, and sorted or read as one zone, wrong
                row[utc] = _utc_cell(row[utc])
            yield row

    return Sheet(title, columns, cells(), column_widths(rows, columns))


def column_widths(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[int]:
    """Characters per column, as wide as the first 200 rows' text (at most 40): at Excel's
    default width a date and time shows as ####."""
    return [min(max([len(name), *(len(str(r.get(name) or "")) for r in rows[:200])]) + 2, 40)
            for name in columns]  # fmt: skip


def _write_json(path: Path, payload: dict[str, Any]) -> Path:
    return write_private_text(path, json_text(payload) + "\n")


VERIFY_RECALLS = 5  # recalls `recall history --verify` re-traces, newest first: one trace each


def verify_recalls(graph: TraceGraph, recalls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Whether the newest VERIFY_RECALLS recalls (not drills) taken before the last import
    ended still name every lot their window holds and every customer and shipment their lots
    reach: each is traced forward again — a window's from its window, found again, whose lots
    not among its sources are named (`new_lots`) — and compared with the
    customers and shipments it recorded — by id, or by count for a recall that named more
    than RECORDED_IDS or was recorded before it kept them. A late export that added a shipment
    of a recalled lot to another customer, dated before the recall, left its package and the
    history saying 2 customers where the trace said 3 (`check` finds only what was shipped
    after a recall)."""
    rows = graph.read("recall/data_state")
    ended = moment(rows[0]["ended_at"]) if rows else None
    if ended is None:
        return []
    taken = [r for r in recalls if not r.get("drill") and r.get("source_lots")
             and (at := moment(r.get("created_at"))) is not None and at < ended]  # fmt: skip
    return [_verified(graph, recall) for recall in taken[:VERIFY_RECALLS]]


def recorded_window(recall: dict[str, Any]) -> Window | None:
    """The window a Recall node records it was asked by, from its window_* parts; None for a
    recall asked by lots, and for one recorded before the parts were kept (its `window` is text
    for people alone: --verify traces its source lots, as it did every window's)."""
    parts = [str(recall.get(f"window_{key}") or "") for key in WINDOW_FIELDS]
    if not all(parts) or parts[0] not in WINDOW_KINDS:
        return None
    return Window(*parts)


def _traced_again(graph: TraceGraph, recall: dict[str, Any]) -> tuple[ForwardTrace, list[str]]:
    """A recall's trace now, and the lots its window holds now and did not then: a window is
    resolved again (a late import's step on the oven in its hours made a lot it never named),
    and the trace is of its lots now and its recorded sources both (one trace when the window
    still holds them all)."""
    recorded = list(recall["source_lots"])
    window = recorded_window(recall)
    if window is None:
        return trace_forward(graph, recorded), []
    found = window.found(graph)
    forward = found.forward
    now = [source["lot_id"] for source in forward.sources] if forward is not None else []
    # a lot made (or received) in the window after the recall was taken is no lot the recall
    # missed but production since: `check`'s to find. A window reaching past the recall
    # ("until further notice") made every nightly --verify red for the day's production.
    taken = moment(recall.get("created_at"))
    made = _made_at(found)
    new = sorted(lot for lot in set(now) - set(recorded) if _before(made.get(lot), taken))
    if forward is None or not set(recorded) <= set(now):  # a step or receipt moved out of it
        forward = trace_forward(graph, list(dict.fromkeys([*recorded, *new])))
    return forward, new


def _made_at(found: WindowTrace | SupplierWindow) -> dict[str, Any]:
    """When each lot a window holds was made (its first step's start in the window) or received
    (its receipt date), as stored."""
    if isinstance(found, SupplierWindow):
        return {receipt["lot_id"]: receipt["received_at"] for receipt in found.receipts}
    made: dict[str, Any] = {}
    for step in found.steps:
        at = moment(step["started_at"])
        for lot in step["lots"]:
            held = moment(made.get(lot))
            if lot not in made or (at is not None and (held is None or at < held)):
                made[lot] = step["started_at"]
    return made


def _verified(graph: TraceGraph, recall: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"recall_id": recall["recall_id"], "stale": None, "error": None}
    try:
        trace, new_lots = _traced_again(graph, recall)
    except TracegraphError as error:  # a source lot removed since, a device no longer known
        return {**answer, "error": error.message, "by_count": None}
    # null for a recall not asked by a window recorded in parts: nothing to resolve again
    answer["new_lots"] = new_lots if recorded_window(recall) is not None else None
    now = {"customers": sorted(c["customer_id"] for c in trace.customers),
           "shipments": sorted({s["shipment_id"] for s in trace.shipments})}  # fmt: skip
    # what the recall should have named: deliveries (not returns: recalled goods come back
    # after a recall) dated before it was taken (or undated); later ones are `check`'s
    # shipped_or_used_after_recall. A return or a later delivery made every recall "out of date"
    taken = moment(recall.get("created_at"))
    due = [line for line in trace.shipments
           if not line["is_return"] and _dated_before(line, taken)]  # fmt: skip
    owed = {"customers": {line["customer_id"] for line in due},
            "shipments": {line["shipment_id"] for line in due}}  # fmt: skip
    as_recorded = _counted_as_recorded(trace.shipments, taken)
    stale = bool(new_lots)
    for kind in ("customers", "shipments"):
        named = recall.get(f"{kind[:-1]}_ids")
        whole = named is not None and len(named) == recall.get(kind)
        new = sorted(owed[kind] - set(named)) if whole and named is not None else None
        gone = sorted(set(named) - set(now[kind])) if whole and named is not None else None
        answer[f"{kind}_now"] = len(now[kind])
        answer[f"new_{kind}"] = new
        answer[f"gone_{kind}"] = gone
        if not whole:  # by count: the figures compared (the warning gave the trace's alone)
            answer[f"{kind}_counted"] = as_recorded[kind]
            answer[f"{kind}_recorded"] = recall.get(kind, 0)
        stale = stale or (bool(new or gone) if whole else as_recorded[kind] > recall.get(kind, 0))
    answer["stale"] = stale
    # compared by count alone: a shipment removed and another added leave the count as it was
    answer["by_count"] = any(answer[f"new_{kind}"] is None for kind in ("customers", "shipments"))
    return answer


def _counted_as_recorded(lines: list[dict[str, Any]], taken: datetime | None) -> dict[str, int]:
    """The customers and shipments of `lines` (a trace's shipment lines) counted as a recall
    records them when it keeps no ids (one recorded before it kept them, or naming more than
    RECORDED_IDS): deliveries and returns alike — of those dated before it was taken (or
    undated), as what it could have counted. Compared with the deliveries alone, an old recall
    counting 339 shipments, 43 of them returns, was flagged only after 43 new deliveries."""
    before = [line for line in lines if _dated_before(line, taken)]
    return {"customers": len({line["customer_id"] for line in before}),
            "shipments": len({line["shipment_id"] for line in before})}  # fmt: skip


def _dated_before(line: dict[str, Any], taken: datetime | None) -> bool:
    """Whether a shipment line is dated before a recall taken at `taken` (or either is
    undated): what the recall could have named."""
    return _before(line.get("shipped_at"), taken)


def _before(text: Any, taken: datetime | None) -> bool:
    """Whether a stored time is before `taken`, or either is unknown (counted: a recall could
    have named what is undated)."""
    return taken is None or (at := moment(text)) is None or at < taken
