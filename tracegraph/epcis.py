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

What the rows lack, the events lack: a receipt whose location was not recorded is placed
where the sheet places it (where the lot is now, which its description there says); a quantity
the graph does not hold is left out of its quantity element (the EPCIS 2.0 JSON schema asks for
one: such an element does not validate, as the sheet's blank cell says nothing either).

Times are the rows' own: eventTime with the offset the import kept, and eventTimeZoneOffset
that offset (+00:00 for UTC). A row without a readable time is left out, as EPCIS requires
eventTime, and the package says how many (`left_out`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from tracegraph.errors import ConfigurationError
from tracegraph.identities import IdentityError, gtin14
from tracegraph.units import REC20

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BASE_ENV = "TRACEGRAPH_EPCIS_BASE_URI"
DEFAULT_BASE = "https://tracegraph.invalid/id"
DIGITAL_LINK = "https://id.gs1.org"

_GLN = re.compile(r"\d{13}")
# Neo4j's text for a time it keeps a zone name or nanoseconds for, which fromisoformat refuses:
# 2026-11-03T08:15:00.123456789+01:00[Europe/Berlin]
_ZONE_NAME = re.compile(r"\[[^\]]*\]$")
_NANOS = re.compile(r"(\.\d{6})\d+")


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
    """eventTime and eventTimeZoneOffset from a row's ISO time, or None when it has none."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(_NANOS.sub(r"\1", _ZONE_NAME.sub("", text)))
    except ValueError:
        return None
    if moment.tzinfo is None:  # as the sheets read it: a time without an offset is UTC
        moment = moment.replace(tzinfo=UTC)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return moment.isoformat(), f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def quantity_element(epc_class: str, quantity: Any, unit: str | None) -> dict[str, Any]:
    """{epcClass, quantity, uom}: uom the unit's UN/ECE Rec 20 code; an unknown quantity or
    unit is left out rather than guessed."""
    element: dict[str, Any] = {"epcClass": epc_class}
    if quantity is not None:
        element["quantity"] = quantity
        code = REC20.get(unit or "")
        if code:
            element["uom"] = code
    return element


def epcis_event(
    row: dict[str, Any], ids: Identifiers, first_of_step: bool
) -> dict[str, Any] | None:
    """The EPCIS event of one tracking-event row, or None when it has no readable time."""
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
    common = {"eventTime": when[0], "eventTimeZoneOffset": when[1]}
    if kind.startswith("transformation"):
        inputs = (row.get("inputs") or []) if first_of_step else []
        given = [
            quantity_element(ids.lot(i["lot_id"], i.get("gtin_lot")), i["quantity"], i["unit"])
            for i in inputs
        ]
        return {
            "type": "TransformationEvent",
            **common,
            **({"inputQuantityList": given} if given else {}),
            "outputQuantityList": [quantity_element(lot, row.get("quantity"), row.get("unit"))],
            "transformationID": ids.own("step", row["step_id"]),
            **here,
        }
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **common,
        "quantityList": [quantity_element(lot, row.get("quantity"), row.get("unit"))],
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
) -> tuple[dict[str, Any], int]:
    """The EPCISDocument of the rows, in their order, and how many rows had no time."""
    ids = Identifiers(base_uri(base))
    seen_steps: set[str] = set()
    events, left_out = [], 0
    for row in rows:
        step = row.get("step_id")
        first = step is not None and step not in seen_steps
        event = epcis_event(row, ids, first)
        if event is None:
            left_out += 1
            continue
        if step is not None:
            seen_steps.add(step)
        events.append(event)
    document = {
        "@context": [CONTEXT],
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


def left_out_warning(left_out: int) -> list[str]:
    if not left_out:
        return []
    return [f"{left_out:,} tracking event{'s' if left_out != 1 else ''} without a readable time "
            "left out of epcis.jsonld (EPCIS requires an event time); tracking_events lists "
            "them"]  # fmt: skip
