"""A recall package's tracking events as one GS1 EPCIS 2.0 JSON-LD document (epcis.jsonld).

Customers and retailers ask suppliers for traceability data as EPCIS, and GS1 US maps the FSMA
204 key data elements onto EPCIS events. The document is made from the very rows
tracking_events.csv holds (recall.tracking_events), one EPCIS event per row — but a step's
rows, one per lot it made, are its one event — so the two never tell different stories:

- receiving: an ObjectEvent, action OBSERVE, bizStep `receiving`, the supplier as the
  `owning_party` source, where it was received as bizLocation;
- transformation (a process step): one TransformationEvent whose transformationID names the
  step, with all its inputs and all its outputs, whichever of its lots the package reached
  (recall/step_outputs reads them). Its content depends on the step alone, so its eventID
  has one content in every package: the inputs on the event of the first output a package
  reached gave one id two contents (a receiver de-duplicating on it counted the inputs twice),
  and a package reaching one of three outputs said all the inputs went into it;
- shipping: an ObjectEvent, bizStep `shipping`, disposition `in_transit`, the customer as the
  `owning_party` destination, the delivery note as a `desadv` business transaction;
- return: an ObjectEvent, bizStep `receiving`, disposition `returned` (CBV 2.0), the customer
  as the `owning_party` source, the return's document as an `rma` business transaction.

No event says `recalled`: the package records what happened to the lots, and a drill must
never assert a recall.

Identifiers. A lot with a gtin_lot identity is its GS1 Digital Link URI,
https://id.gs1.org/01/{GTIN-14}/10/{lot} (EPCIS 2.0 accepts Digital Link URIs; an
urn:epc:class:lgtin needs the GS1 company prefix's length, which is not recorded): the first in
order whose lot number is a GS1 (10), 1 to 20 characters of set 82, as the label reader reads
one (gs1.field_problem; GS1's Digital Link library refuses others). One only: two quantity
elements of one lot would count it twice. The identities left out are kept in the graph, and
the package warns of them (identities_warning). A location with a valid GLN is
https://id.gs1.org/414/{GLN}. Everything else — other lots, locations without a GLN, suppliers,
customers, steps, documents — is named under one base URI, {base}/{kind}/{id}: `kind` one of
lot, location, supplier, customer, step, document. The base is TRACEGRAPH_EPCIS_BASE_URI, an
absolute URI the company controls (say https://trace.example-foods.com/id), in ASCII and
without a user (base_uri refuses others); without it, https://tracegraph.invalid/id, under the
top-level domain reserved never to resolve (RFC 6761): unique within the document, and plainly
not anyone's real address. Ids are percent-encoded whole (UTF-8; a `/`, `#`, space or `批` is
escaped), so `urllib.parse.unquote` of the last path segment gives the id back and no id can
reach into another's path. The same ids give the same URIs in every package.

Event ids. Every event has an eventID, urn:uuid: and a name-based (version 5) UUID of the
record its row is made from — a lot's receipt from a supplier (lot, supplier), a step (its rows
share it), a shipment's line (shipment, lot) — and of the base URI, under a fixed tracegraph
namespace (EVENT_IDS). So the same row has the same eventID in every package (a receiver
de-duplicates on it; a correcting event names the one it corrects), and two companies' rows
differ by their bases. It names the record, not its content: a quantity corrected by a later
import keeps the event's id, so a receiver that keeps the first copy of an id keeps the
quantity first sent (tracegraph writes no error declarations). GS1's canonical event hash (CBV
2.0, ni:///sha-256;...?ver=CBV2.0) was not taken: it hashes the event's content in a canonical
form (identifiers normalised, fields ordered, extension fields included), which we could not
implement and check against GS1's reference cases faithfully, and a content hash changes with
every correction, which is not the id a correcting event can refer to.

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
event: eventTime with the offset the import kept, and eventTimeZoneOffset the plant's offset at
that instant, in TRACEGRAPH_TIMEZONE (EPCIS: the local offset where and when the event
happened; a time kept as 2026-03-29T02:30+01:00 is 03:30+02:00 in Berlin), else the offset kept
(+00:00 for UTC; a time without an offset is UTC, on the sheet too). A row without a readable
time is left out, as EPCIS requires eventTime, and the package warns once, naming the lots and
saying what to do. Such rows are receipts imported without received_at: the graph holds no date
for them either (a date alone is imported as midnight in the import's timezone, a time like any
other), so there is nothing to place the event at — a lot's created_at is not its receipt."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

import orjson

from tracegraph import gs1
from tracegraph.config import plant_zone, shown_uri
from tracegraph.errors import ConfigurationError
from tracegraph.identities import IdentityError, gtin14
from tracegraph.private_files import write_private_bytes
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


# What a base URI may hold (RFC 3986): ASCII letters and digits, `-._~!$&'()*+,;=:@/` and
# `%` followed by two hex digits. `https://bäckerei.example/id`, `…/批次`, `…/a|b` and `…/a%zz`
# are not URIs, and every URI made from them failed GS1's schema ("should match format uri").
_URI_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"  # of a host name: xn--bckerei-5wa
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def base_uri(text: str | None = None) -> str:
    """The base of the document's own URIs: `text`, else TRACEGRAPH_EPCIS_BASE_URI, else the
    default: an absolute http(s) URI of ASCII (RFC 3986; a non-ASCII host in its xn-- form,
    other characters percent-encoded), without a user or password (copied into every URI of
    every document), a query or a fragment (the ids follow it as path segments), its `/` at
    the end dropped."""
    base = (text if text is not None else os.environ.get(BASE_ENV, "")).strip() or DEFAULT_BASE
    parts = urlsplit(base)
    why = _base_problem(base, parts)
    if why:
        raise ConfigurationError(
            # shown as NEO4J_URI's is, without user:password@ or a query (a token in it)
            f"{BASE_ENV} {shown_uri(base)!r} is not a base URI for EPCIS identifiers: {why}",
            hint="give an absolute https:// address your company controls, in ASCII (a host "
            "such as bäckerei.example in its xn-- form, other characters %-encoded; no user, "
            f"? or #), e.g. https://trace.example.com/id, or unset it for {DEFAULT_BASE}",
        )
    return base.rstrip("/")


def _base_problem(base: str, parts: SplitResult) -> str | None:
    """Why `base` cannot be the base of URIs, or None."""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "it is not an absolute http(s) address"
    if "@" in parts.netloc:  # before the characters: they would name the password's
        return "it names a user (user@ or user:password@), which every URI would carry"
    if any(char in base for char in " ?#"):
        return "it holds a space, ? or #"
    if not _URI_TEXT.fullmatch(base[len(parts.scheme) + 3 :]):
        # every character the URI text cannot hold ([ and ] too: an IPv6 host is refused)
        bad = sorted({char for char in base[len(parts.scheme) + 3 :]
                      if char != "%" and not _URI_TEXT.fullmatch(char)})  # fmt: skip
        return (f"it holds {' '.join(repr(char) for char in bad)}, which a URI cannot hold"
                if bad else "a % is not followed by two hex digits")  # fmt: skip
    try:
        parts.port  # noqa: B018 — raises on a port that is no number
    except ValueError:
        return "its port is not a number"
    if not _HOST.fullmatch(parts.hostname or ""):
        return f"{parts.hostname!r} is not a host name"
    return None


def epcis_zone() -> tzinfo | None:
    """The plant's zone, TRACEGRAPH_TIMEZONE (the zone `import` reads times without an offset
    in, and windows are read in), for eventTimeZoneOffset; None when it is not set. An unknown
    name is refused before anything is written."""
    plant = plant_zone()
    return plant[1] if plant else None


class Identifiers:
    """The URIs of the document: GS1 Digital Links where the identity is known, else the base
    URI's, each id percent-encoded. The GS1 identities of a lot that no URI could use are kept
    in `unused` (lot id -> {(GTIN, lot number): why}), for identities_warning."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.unused: dict[str, dict[tuple[str, str], str]] = {}

    def own(self, kind: str, value: Any) -> str:
        return f"{self.base}/{kind}/{quote(str(value), safe='')}"

    def lot(self, lot_id: str, gtin_lots: Iterable[Sequence[str]] | None) -> str:
        """The lot's Digital Link of its first GS1 identity (GTIN-14, lot number) in order
        whose lot number is a valid (10) — one only: a quantity element has one class, and
        two would count the lot twice — else its own URI. `gtin_lots` in any order (the
        queries' order): they are sorted here, and only here."""
        chosen: tuple[str, str] | None = None
        for gtin, number in sorted((str(g), str(n)) for g, n in gtin_lots or ()):
            why = gs1.field_problem("10", number)
            if why is None and chosen is None:
                chosen = (gtin, number)
                continue
            self.unused.setdefault(lot_id, {})[(gtin, number)] = why or ""
        if chosen is None:
            return self.own("lot", lot_id)
        return f"{DIGITAL_LINK}/01/{chosen[0]}/10/{quote(chosen[1], safe='')}"

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


def event_time(text: str | None, zone: tzinfo | None = None) -> tuple[str, str] | None:
    """eventTime and eventTimeZoneOffset from a row's ISO time, or None when it has none: the
    instant values.moment reads, as the sheets' event_date_utc is (a time without an offset
    is UTC). The offset is the plant's `zone`'s at that instant, as EPCIS defines it (the
    local offset where and when the event happened: a receipt at 2026-07-01T10:00Z in Berlin
    is +02:00, one kept as 2026-03-29T02:30+01:00, 03:30 summer time, +02:00); without a
    zone, the offset the time was kept with."""
    at = moment(text)
    if at is None:
        return None
    offset = at.utcoffset()
    if zone is not None:
        with suppress(OverflowError):  # a "no date" 0001-01-01: the offset it was kept with
            offset = at.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return at.isoformat(), f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def event_id(row: dict[str, Any], base: str) -> str:
    """The row's eventID: urn:uuid: of a version-5 UUID of the record the row is made from —
    a lot's receipt from a supplier, a process step (one event, whichever of its output lots
    the row is: see epcis_document), a shipment's line of a lot: one row each (the import
    keys them so) — and of the base URI, which makes it the company's. Not of the row's
    content: a quantity corrected by a later import keeps the event's id, so a receiver sees
    the same event again, and a correcting event can name the one it corrects."""
    kind = row["event_type"]
    record: tuple[Any, ...]
    if kind == "receiving":
        record = ("receipt", row["lot_id"], row["origin_id"])
    elif kind.startswith("transformation"):
        record = ("step", row["step_id"])
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
    row: dict[str, Any], ids: Identifiers, zone: tzinfo | None = None
) -> dict[str, Any] | None:
    """The EPCIS event of one tracking-event row, or None when it has no readable time (or is
    a step none of whose lots' quantities is known: see the module's docstring); its eventID
    is the row's `event_id` (epcis_document gives it). A step's row gives the step's event:
    all its inputs and all its outputs (the row's `outputs`, else the row's lot alone)."""
    when = event_time(row.get("event_date"), zone)
    if when is None:
        return None
    kind = row["event_type"]
    lot = ids.lot(row["lot_id"], row.get("gtin_lots"))
    here = (
        {"bizLocation": {"id": ids.location(row["location_id"], row.get("location_gln"))}}
        if row.get("location_id")
        else {}
    )
    common = {"eventID": row["event_id"], "eventTime": when[0],
              "eventTimeZoneOffset": when[1]}  # fmt: skip
    if kind.startswith("transformation"):
        outputs = row.get("outputs") or [
            {"lot_id": row["lot_id"], "quantity": row.get("quantity"), "unit": row.get("unit"),
             "gtin_lots": row.get("gtin_lots")}
        ]  # fmt: skip
        given, inputs_unknown = _quantities("inputEPCClassesWithoutQuantity", [
            (ids.lot(i["lot_id"], i.get("gtin_lots")), i["quantity"], i["unit"])
            for i in row.get("inputs") or []
        ])  # fmt: skip
        made, made_unknown = _quantities("outputEPCClassesWithoutQuantity", [
            (ids.lot(o["lot_id"], o.get("gtin_lots")), o["quantity"], o["unit"])
            for o in outputs
        ])  # fmt: skip
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
    rows: list[dict[str, Any]],
    created: datetime,
    base: str | None = None,
    zone: tzinfo | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The EPCISDocument of the rows, in their order, the rows it leaves out, and what it
    warns of (identities_warning). Each row gets its eventID as `event_id`
    (recall.EVENT_COLUMNS: a receiver matches a sheet's row to its event; a row left out keeps
    its record's id all the same). A step's rows — one per lot it made that the package
    reached — are one event, at the first of them, with all the step's inputs and outputs:
    the same event in every package, whichever of its lots the package reached. `zone`: the
    plant's, for eventTimeZoneOffset (event_time)."""
    ids = Identifiers(base_uri(base))
    steps: dict[str, bool] = {}  # step id -> whether its event is in the document
    events, left_out = [], []
    for row in rows:
        row["event_id"] = event_id(row, ids.base)
        step = row.get("step_id")
        if step is not None and step in steps:
            if not steps[step]:
                left_out.append(row)
            continue
        event = epcis_event(row, ids, zone)
        if step is not None:
            steps[step] = event is not None
        if event is None:
            left_out.append(row)
            continue
        events.append(event)
    document = {
        "@context": [CONTEXT, {PREFIX: NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat(),
        "epcisBody": {"eventList": events},
    }
    return document, left_out, identities_warning(ids.unused)


def identities_warning(unused: dict[str, dict[tuple[str, str], str]]) -> list[str]:
    """One warning naming the lots' GS1 identities (lot_identifiers, scheme gtin_lot) the
    document does not use: a lot number that is no valid (10) (GS1's Digital Link library
    refuses it), and a lot's second GTIN + lot (an event names a lot by one class: two
    quantity elements would count it twice). The graph keeps them: a look-up finds the lot."""
    if not unused:
        return []
    listed = []
    for lot_id in sorted(unused)[:5]:
        for (gtin, number), why in sorted(unused[lot_id].items()):
            listed.append(f"{lot_id}'s (01){gtin}(10){number} ("
                          + (why if why else "a second GS1 identity: a lot is one class in an "
                             "event, its first GTIN + lot in order") + ")")  # fmt: skip
    more = len(unused) - 5
    return [f"epcis.jsonld leaves out GS1 identities of {counted(len(unused), 'lot')}: "
            + "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
            + " — a lot without a usable one is its own URI, {base}/lot/{id}; the graph keeps "
            "them all, and `lot show gtin_lot|GTIN|LOT` finds the lot by any of them"]  # fmt: skip


def write_epcis(path: Path, document: dict[str, Any]) -> Path:
    """The document as compact JSON: it is for programs, and indented (as recall.json is) it
    was 1.6 times the size (a 5,194-event recall's: 4.7 MB against 2.9)."""
    return write_private_bytes(path, orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE))


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
