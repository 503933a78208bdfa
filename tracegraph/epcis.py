"""A recall package's tracking events as one GS1 EPCIS 2.0 JSON-LD document (epcis.jsonld).

Customers and retailers ask suppliers for traceability data as EPCIS, and GS1 US maps the FSMA
204 key data elements onto EPCIS events. The document is made from the very rows
tracking_events.csv holds (recall.tracking_events), one EPCIS event per row, so the two never
tell different stories:

- receiving: an ObjectEvent, action OBSERVE, bizStep `receiving`, the supplier as the
  `owning_party` source, where it was received as bizLocation;
- transformation (a process step): a TransformationEvent whose transformationID names the step.
  A step that made two lots is two rows and two events with one transformationID; EPCIS reads
  the events sharing a transformationID as one transformation, so the step's inputs are given
  once, on its first event (on every event, a reader adding them up would count them twice);
- shipping: an ObjectEvent, bizStep `shipping`, disposition `in_transit`, the customer as the
  `owning_party` destination, the delivery note as a `desadv` business transaction;
- return: an ObjectEvent, bizStep `receiving`, disposition `returned` (CBV 2.0), the customer
  as the `owning_party` source, the return's document as an `rma` business transaction.

No event says `recalled`: the package records what happened to the lots, and a drill must
never assert a recall.

Identifiers. A lot with a gtin_lot identity is its GS1 Digital Link URI,
https://id.gs1.org/01/{GTIN-14}/10/{lot} (EPCIS 2.0 accepts Digital Link URIs; an
urn:epc:class:lgtin needs the GS1 company prefix's length, which is not recorded). A location
with a valid GLN is https://id.gs1.org/414/{GLN}. Everything else — other lots, locations
without a GLN, suppliers, customers, steps, documents — is named under one base URI,
{base}/{kind}/{id}: `kind` one of lot, location, supplier, customer, step, document. The base
is TRACEGRAPH_EPCIS_BASE_URI, an absolute URI the company controls (say
https://trace.example-foods.com/id); without it, https://tracegraph.invalid/id, under the
top-level domain reserved never to resolve (RFC 6761): unique within the document, and plainly
not anyone's real address. Ids are percent-encoded whole (UTF-8; a `/`, `#`, space or `批` is
escaped), so `urllib.parse.unquote` of the last path segment gives the id back and no id can
reach into another's path. The same ids give the same URIs in every package.

Event ids. Every event has an eventID, urn:uuid: and a name-based (version 5) UUID of the
record its row is made from — a lot's receipt from a supplier (lot, supplier), a step's output
(step, lot), a shipment's line (shipment, lot), each one row — and of the base URI, under a
fixed tracegraph namespace (EVENT_IDS). So the same row has the same eventID in every package
(a receiver de-duplicates on it; a correcting event names the one it corrects), and two
companies' rows differ by their bases. It names the record, not its content: a quantity
corrected by a later import keeps the event's id, so a receiver that keeps the first copy of
an id keeps the quantity first sent (tracegraph writes no error declarations). GS1's
canonical event hash (CBV 2.0, ni:///sha-256;...?ver=CBV2.0) was not taken: it hashes the
event's content in a canonical form (identifiers normalised, fields ordered, extension fields
included), which we could not implement and check against GS1's reference cases faithfully,
and a content hash changes with every correction, which is not the id a correcting event can
refer to.

What the rows lack, the events lack, and the document says so in its own terms rather than
inventing. tracegraph's terms are extension fields under the prefix `tracegraph`, which the
document's @context defines (NAMESPACE). A receipt whose location was not recorded is placed
where the sheet places it (where the lot is now, which its description there says). A lot
whose quantity the graph does not hold (a lot imported without one): the EPCIS 2.0 JSON schema
requires a quantity in every quantity element, and a made-up one would be read as a count, so
the lot is named in `tracegraph:epcClassesWithoutQuantity` (an ObjectEvent; a step's inputs
and outputs in `tracegraph:inputEPCClassesWithoutQuantity` and
`tracegraph:outputEPCClassesWithoutQuantity`) — the event keeps its when, where, why and who,
as the sheet keeps the row with a blank quantity. An ObjectEvent left without a quantity
element carries an empty epcList, as the schema asks an ObjectEvent for an epcList or a
quantityList of one or more (no object was identified one by one: true); the lot is not put
in the epcList, which names single objects, where a lot (a GTIN with a lot number) is a class
of them. A TransformationEvent left with no input or output quantity (a step's lot without a
quantity, which the import does not let in) has nothing the schema accepts, and is left out
as an event without a time is.

Times are the rows' own, read once (values.moment) for the sheet's event_date_utc and for the
event: eventTime with the offset the import kept, and eventTimeZoneOffset that offset (+00:00
for UTC; a time without an offset is UTC, on the sheet too). A row without a readable time is
left out, as EPCIS requires eventTime, and the package warns once, naming the lots and saying
what to do. Such rows are receipts imported without received_at: the graph holds no date for
them either (a date alone is imported as midnight in the import's timezone, a time like any
other), so there is nothing to place the event at — a lot's created_at is not its receipt.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from tracegraph.errors import ConfigurationError
from tracegraph.identities import IdentityError, gtin14
from tracegraph.units import REC20
from tracegraph.values import counted, first_ids, moment

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# tracegraph's own terms (extension fields), under a prefix the document's @context defines
NAMESPACE = "https://tracegraph.invalid/ns/epcis#"
PREFIX = "tracegraph"
BASE_ENV = "TRACEGRAPH_EPCIS_BASE_URI"
DEFAULT_BASE = "https://tracegraph.invalid/id"
DIGITAL_LINK = "https://id.gs1.org"
# The namespace of eventIDs (a name-based UUID, RFC 9562 version 5): fixed, so the same row
# gives the same eventID in every package, by every version of tracegraph.
EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE + "eventID")

_GLN = re.compile(r"\d{13}")


def base_uri(text: str | None = None) -> str:
    """The base of the document's own URIs: `text`, else TRACEGRAPH_EPCIS_BASE_URI, else the
    default: an absolute http(s) URI without a query or fragment (the ids follow it as path
    segments), its `/` at the end dropped."""
    base = (text if text is not None else os.environ.get(BASE_ENV, "")).strip() or DEFAULT_BASE
    parts = urlsplit(base)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(char in base for char in " ?#")
    ):
        raise ConfigurationError(
            f"{BASE_ENV} {base!r} is not a base URI for EPCIS identifiers",
            hint="give an absolute https:// address your company controls (no ? or #), "
            f"e.g. https://trace.example.com/id, or unset it for {DEFAULT_BASE}",
        )
    return base.rstrip("/")


class Identifiers:
    """The URIs of the document: GS1 Digital Links where the identity is known, else the base
    URI's, each id percent-encoded."""

    def __init__(self, base: str) -> None:
        self.base = base

    def own(self, kind: str, value: Any) -> str:
        return f"{self.base}/{kind}/{quote(str(value), safe='')}"

    def lot(self, lot_id: str, gtin_lot: Iterable[str] | None) -> str:
        if gtin_lot:
            gtin, lot = gtin_lot
            return f"{DIGITAL_LINK}/01/{gtin}/10/{quote(lot, safe='')}"
        return self.own("lot", lot_id)

    def location(self, location_id: str, gln: str | None) -> str:
        if gln and _valid_gln(gln):
            return f"{DIGITAL_LINK}/414/{gln}"
        return self.own("location", location_id)


def _valid_gln(gln: str) -> bool:
    """A GLN is 13 digits with a GTIN-13's check digit: a mistyped one names another place."""
    if not _GLN.fullmatch(gln):
        return False
    try:
        gtin14(gln)
    except IdentityError:
        return False
    return True


def event_time(text: str | None) -> tuple[str, str] | None:
    """eventTime and eventTimeZoneOffset from a row's ISO time, or None when it has none: the
    instant values.moment reads, as the sheets' event_date_utc is (a time without an offset
    is UTC)."""
    at = moment(text)
    if at is None:
        return None
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return at.isoformat(), f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def event_id(row: dict[str, Any], base: str) -> str:
    """The row's eventID: urn:uuid: of a version-5 UUID of the record the row is made from —
    a lot's receipt from a supplier, a step's output lot, a shipment's line of a lot: one row
    each (the import keys them so) — and of the base URI, which makes it the company's. Not of
    the row's content: a quantity corrected by a later import keeps the event's id, so a
    receiver sees the same event again, and a correcting event can name the one it corrects."""
    kind = row["event_type"]
    if kind == "receiving":
        record = ("receipt", row["lot_id"], row["origin_id"])
    elif kind.startswith("transformation"):
        record = ("output", row["step_id"], row["lot_id"])
    else:  # a shipping or a return: a line of the shipment, whose sign says which
        record = ("shipment line", row["shipment_id"], row["lot_id"])
    return f"urn:uuid:{uuid.uuid5(EVENT_IDS, orjson.dumps([base, *record]).decode())}"


def quantity_element(epc_class: str, quantity: Any, unit: str | None) -> dict[str, Any] | None:
    """{epcClass, quantity, uom}: uom the unit's UN/ECE Rec 20 code, left out when the unit has
    none; None without a quantity, which the schema requires and nothing may make up."""
    if quantity is None:
        return None
    element: dict[str, Any] = {"epcClass": epc_class, "quantity": quantity}
    code = REC20.get(unit or "")
    if code:
        element["uom"] = code
    return element


def _quantities(
    field: str, elements: list[tuple[str, Any, str | None]]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The quantity elements of (epcClass, quantity, unit)s, and the classes without a quantity
    as the extension field `tracegraph:{field}` (none: no field)."""
    given, unknown = [], []
    for epc_class, quantity, unit in elements:
        element = quantity_element(epc_class, quantity, unit)
        if element is None:
            unknown.append(epc_class)
        else:
            given.append(element)
    return given, ({f"{PREFIX}:{field}": unknown} if unknown else {})


def epcis_event(
    row: dict[str, Any], ids: Identifiers, first_of_step: bool
) -> dict[str, Any] | None:
    """The EPCIS event of one tracking-event row, or None when it has no readable time (or is
    a step's lot no quantity of which is known: see the module's docstring); its eventID is
    the row's `event_id` (epcis_document gives it)."""
    when = event_time(row.get("event_date"))
    if when is None:
        return None
    kind = row["event_type"]
    lot = ids.lot(row["lot_id"], row.get("gtin_lot"))
    here = (
        {"bizLocation": {"id": ids.location(row["location_id"], row.get("location_gln"))}}
        if row.get("location_id")
        else {}
    )
    common = {"eventID": row["event_id"], "eventTime": when[0],
              "eventTimeZoneOffset": when[1]}  # fmt: skip
    if kind.startswith("transformation"):
        inputs = (row.get("inputs") or []) if first_of_step else []
        given, inputs_unknown = _quantities("inputEPCClassesWithoutQuantity", [
            (ids.lot(i["lot_id"], i.get("gtin_lot")), i["quantity"], i["unit"]) for i in inputs
        ])  # fmt: skip
        made, made_unknown = _quantities(
            "outputEPCClassesWithoutQuantity", [(lot, row.get("quantity"), row.get("unit"))]
        )
        if not given and not made:  # the schema asks for one input or output with a quantity
            return None
        return {
            "type": "TransformationEvent",
            **common,
            **({"inputQuantityList": given} if given else {}),
            **({"outputQuantityList": made} if made else {}),
            **inputs_unknown,
            **made_unknown,
            "transformationID": ids.own("step", row["step_id"]),
            **here,
        }
    listed, unknown = _quantities(
        "epcClassesWithoutQuantity", [(lot, row.get("quantity"), row.get("unit"))]
    )
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **common,
        # the schema asks an ObjectEvent for a quantityList of one element or more, or else an
        # epcList: empty, it says what is true — no object was identified one by one
        **({"quantityList": listed} if listed else {"epcList": []}),
        **unknown,
        "action": "OBSERVE",
    }
    document = row.get("reference_document")
    if kind == "receiving":
        event |= {"bizStep": "receiving", **here}
        if row.get("origin_id"):
            event["sourceList"] = [
                _end("source", "owning_party", ids.own("supplier", row["origin_id"]))
            ]
    elif kind == "shipping":
        event |= {"bizStep": "shipping", "disposition": "in_transit", **here}
        if document:  # a delivery note: a despatch advice
            event["bizTransactionList"] = [_transaction("desadv", ids.own("document", document))]
        if here:
            event["sourceList"] = [_end("source", "location", here["bizLocation"]["id"])]
        customer = ids.own("customer", row["destination_id"])
        event["destinationList"] = [_end("destination", "owning_party", customer)]
    else:  # a return: received back from the customer
        event |= {"bizStep": "receiving", "disposition": "returned", **here}
        if document:  # the return's document: a return merchandise authorisation
            event["bizTransactionList"] = [_transaction("rma", ids.own("document", document))]
        customer = ids.own("customer", row["origin_id"])
        event["sourceList"] = [_end("source", "owning_party", customer)]
        if here:
            event["destinationList"] = [_end("destination", "location", here["bizLocation"]["id"])]
    return event


def _end(which: str, kind: str, uri: str) -> dict[str, str]:
    """A source or destination: {type, source} or {type, destination}."""
    return {"type": kind, which: uri}


def _transaction(kind: str, uri: str) -> dict[str, str]:
    return {"type": kind, "bizTransaction": uri}


def epcis_document(
    rows: list[dict[str, Any]], created: datetime, base: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The EPCISDocument of the rows, in their order, and the rows it leaves out. Each row gets
    its eventID as `event_id` (recall.EVENT_COLUMNS: a receiver matches a sheet's row to its
    event; a row left out keeps its record's id all the same)."""
    ids = Identifiers(base_uri(base))
    seen_steps: set[str] = set()
    events, left_out = [], []
    for row in rows:
        row["event_id"] = event_id(row, ids.base)
        step = row.get("step_id")
        first = step is not None and step not in seen_steps
        event = epcis_event(row, ids, first)
        if event is None:
            left_out.append(row)
            continue
        if step is not None:
            seen_steps.add(step)
        events.append(event)
    document = {
        "@context": [CONTEXT, {PREFIX: NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat(),
        "epcisBody": {"eventList": events},
    }
    return document, left_out


def write_epcis(path: Path, document: dict[str, Any]) -> Path:
    """The document as compact JSON: it is for programs, and indented (as recall.json is) it
    was 1.6 times the size (a 5,194-event recall's: 4.7 MB against 2.9)."""
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE))
    return path


def left_out_warning(left_out: list[dict[str, Any]]) -> list[str]:
    """One warning for the rows epcis.jsonld leaves out, saying which lots and what would put
    them in: nearly always receipts imported without received_at, whose plant gets it on
    every package until the lots export carries the column."""
    if not left_out:
        return []
    receipts: set[str] = set()
    others: set[str] = set()
    for row in left_out:
        untimed = row["event_type"] == "receiving" and moment(row.get("event_date")) is None
        (receipts if untimed else others).add(row["lot_id"])
    reasons = []
    if receipts:
        one = len(receipts) == 1
        reasons.append(
            f"the receipt{'' if one else 's'} of {counted(len(receipts), 'lot')} "
            f"({first_ids(sorted(receipts), 5)}) {'has' if one else 'have'} no time: give "
            "received_at in the lots table (a date alone is read as midnight in the import's "
            "timezone) and import again"
        )
    if others:
        reasons.append(
            f"events of {counted(len(others), 'lot')} ({first_ids(sorted(others), 5)}) have "
            "no readable time, or are a step's lot without a quantity"
        )
    return [f"{counted(len(left_out), 'tracking event')} left out of epcis.jsonld, which "
            f"requires an event time: {'; '.join(reasons)}; tracking_events lists "
            f"{'it' if len(left_out) == 1 else 'them'}"]  # fmt: skip
