"""epcis.jsonld in recall packages: the tracking events as one GS1 EPCIS 2.0 document.

The official EPCIS 2.0 JSON schema is not vendored: the gs1/EPCIS repository's LICENSE is GS1's
IP policy and disclaimer, which grants no permission to copy its files. `assert_epcis` below
checks, in our own words, the constraints of that schema (EPCIS-JSON-Schema.json, gs1/EPCIS,
EPCIS 2.0) that the document's events are subject to.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hand_plant import HAND_PLANT, import_hand_plant
from openpyxl import load_workbook
from typer.testing import CliRunner

from tracegraph import recall
from tracegraph.cli.main import app
from tracegraph.config import shown_uri
from tracegraph.epcis import (
    CONTEXT,
    NAMESPACE,
    epcis_document,
    event_time,
    left_out_warning,
    quantity_element,
)
from tracegraph.graph import TraceGraph
from tracegraph.lots import resolve_lots
from tracegraph.recall import code_list
from tracegraph.units import KNOWN_UNITS, REC20

# CBV 2.0's words, as the EPCIS 2.0 JSON schema lists them (the ones the document may use)
BIZ_STEPS = {"receiving", "shipping"}
DISPOSITIONS = {"in_transit", "returned"}
SOURCE_DEST_TYPES = {"owning_party", "possessing_party", "location"}
BIZ_TRANSACTION_TYPES = {"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder",
                         "recadv", "rma", "testprd", "testres"}  # fmt: skip
COMMON = {"@context", "type", "eventTime", "recordTime", "eventTimeZoneOffset", "eventID",
          "errorDeclaration"}  # fmt: skip
PROPERTIES = {
    "ObjectEvent": COMMON | {"action", "epcList", "quantityList", "bizStep", "disposition",
                             "persistentDisposition", "readPoint", "bizLocation",
                             "bizTransactionList", "sourceList", "destinationList",
                             "sensorElementList", "ilmd"},
    "TransformationEvent": COMMON | {"inputEPCList", "inputQuantityList", "outputEPCList",
                                     "outputQuantityList", "transformationID", "bizStep",
                                     "disposition", "persistentDisposition", "readPoint",
                                     "bizLocation", "bizTransactionList", "sourceList",
                                     "destinationList", "sensorElementList", "ilmd"},
}  # fmt: skip
OFFSET = re.compile(r"^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$")
UOM = re.compile(r"^[A-Z0-9]{2,3}$")
# tracegraph's extension fields: a list of lot URIs each, the lots of the event whose quantity
# the graph does not hold
EXTENSIONS = {"tracegraph:epcClassesWithoutQuantity", "tracegraph:inputEPCClassesWithoutQuantity",
              "tracegraph:outputEPCClassesWithoutQuantity"}  # fmt: skip
EVENT_ID = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
# what the eventIDs are named under (tracegraph.epcis.EVENT_IDS): a constant, as the ids must be
EVENT_IDS = uuid.UUID("a40df4cf-5063-5b39-a750-95cdce8540ac")


def assert_uri(text: Any) -> None:
    """An absolute URI as RFC 3986 writes one: ASCII, no space, a scheme."""
    assert isinstance(text, str) and text.isascii() and " " not in text, text
    assert re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text), text


def assert_quantities(elements: Any) -> None:
    assert isinstance(elements, list) and elements
    for element in elements:
        assert set(element) <= {"epcClass", "quantity", "uom"}
        assert_uri(element["epcClass"])
        assert isinstance(element["quantity"], int | float)  # the schema requires it
        assert "uom" not in element or UOM.match(element["uom"])


def assert_epcis(document: dict[str, Any]) -> None:
    """The EPCIS 2.0 JSON schema's constraints on an EPCISDocument of Object and
    Transformation events."""
    assert document["type"] == "EPCISDocument"
    # GS1's context, and the prefix of tracegraph's extension fields
    assert document["@context"] == [CONTEXT, {"tracegraph": NAMESPACE}]
    assert document["schemaVersion"] == "2.0"
    assert datetime.fromisoformat(document["creationDate"]).tzinfo is not None
    for event in document["epcisBody"]["eventList"]:
        assert set(event) <= PROPERTIES[event["type"]] | EXTENSIONS, event
        for name in set(event) & EXTENSIONS:
            assert event[name], event
            for uri in event[name]:
                assert_uri(uri)
        assert EVENT_ID.match(event["eventID"]), event
        assert datetime.fromisoformat(event["eventTime"]).tzinfo is not None
        assert OFFSET.match(event["eventTimeZoneOffset"])
        assert event.get("bizStep", "receiving") in BIZ_STEPS
        assert event.get("disposition", "in_transit") in DISPOSITIONS
        if "bizLocation" in event:
            assert set(event["bizLocation"]) == {"id"}
            assert_uri(event["bizLocation"]["id"])
        for which in ("source", "destination"):
            for end in event.get(f"{which}List", []):
                assert set(end) == {"type", which} and end["type"] in SOURCE_DEST_TYPES
                assert_uri(end[which])
        for transaction in event.get("bizTransactionList", []):
            assert set(transaction) == {"type", "bizTransaction"}
            assert transaction["type"] in BIZ_TRANSACTION_TYPES
            assert_uri(transaction["bizTransaction"])
        if event["type"] == "ObjectEvent":
            assert event["action"] == "OBSERVE"  # the only action without ilmd
            # a quantityList of one element or more, or else an epcList
            assert "quantityList" in event or event["epcList"] == [], event
            if "quantityList" in event:
                assert_quantities(event["quantityList"])
        else:  # a list of inputs or outputs, and a transformationID to tie a step's events
            lists = {"inputQuantityList", "outputQuantityList"} & set(event)
            assert lists and "inputEPCList" not in event and "outputEPCList" not in event
            for name in lists:
                assert_quantities(event[name])
            assert_uri(event["transformationID"])


def _package(
    graph: TraceGraph, runner: CliRunner, tmp_path: Path, files: dict[str, str],
    lot: str | tuple[str, ...] = "B", drill: bool = False,
) -> tuple[Path, dict[str, Any], list[dict[str, str]]]:  # fmt: skip
    """The hand plant with `files` in place of its own, and the recall of `lot` (or lots): the
    package's folder, its EPCIS document and its tracking_events.csv."""
    import_hand_plant(graph, tmp_path / "plant", files)
    out = tmp_path / "recall"
    lots = [lot] if isinstance(lot, str) else list(lot)
    result = runner.invoke(app, ["recall", *lots, "--out", str(out),
                                 *(["--drill"] if drill else [])])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads((out / "epcis.jsonld").read_text("utf-8"))
    events = list(csv.DictReader((out / "tracking_events.csv").read_text("utf-8-sig")
                                 .splitlines()))  # fmt: skip
    return out, document, events


# The hand plant with its receipts dated and placed, and its warehouse and bakery with GLNs
RECEIVED = {
    "lots.csv": """lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at,location_id
A,FLOUR,100,kg,V1,000123,2026-11-02T07:00:00+01:00,RM
B,SALT,10,kg,V2,000123,2026-11-02T07:30:00+01:00,RM
M,DOUGH,40.5,kg,,,,
P1,BREAD,300,pcs,,,,
P2,BREAD,100,pcs,,,,
""",
    "locations.csv": "location_id,name,kind,gln\nRM,Raw materials,store,\n"
    "WH-FG,Finished goods,warehouse,9506000134352\n",
}


def _lot(uri: str) -> str:
    """The lot id of a lot's own URI (…/lot/<percent-encoded id>)."""
    assert "/lot/" in uri, uri
    return unquote(uri.rsplit("/", 1)[1])


def test_the_epcis_document_holds_the_tracking_events_a_step_as_one_event(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    out, document, all_rows = _package(graph, runner, tmp_path, RECEIVED, drill=True)
    assert_epcis(document)
    events = document["epcisBody"]["eventList"]
    # one event per row, in the rows' order, of the kind the row names — but a step's rows
    # (one per lot it made) are its one event
    rows = list({row["event_id"]: row for row in reversed(all_rows)}.values())[::-1]
    kinds = [
        "transformation" if e["type"] == "TransformationEvent"
        else "return" if e.get("disposition") == "returned" else e["bizStep"]
        for e in events
    ]  # fmt: skip
    assert kinds == [r["event_type"].split(" ")[0] for r in rows]
    assert Counter(kinds) == {"receiving": 1, "transformation": 2, "shipping": 2, "return": 1}
    # the same lots and quantities (units as UN/ECE Rec 20 codes); the warehouse by its GLN
    uom = {"kg": "KGM", "pcs": "H87"}
    got = []
    for event in events:
        for element in event.get("quantityList") or event["outputQuantityList"]:
            got.append((_lot(element["epcClass"]), element["quantity"], element["uom"]))
    assert got == [(r["lot_id"], float(r["quantity"]), uom[r["unit"]]) for r in all_rows]
    # at the instants the sheet gives in UTC, each event its own id
    assert [datetime.fromisoformat(e["eventTime"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            for e in events] == [r["event_date_utc"] for r in rows]  # fmt: skip
    assert len({e["eventID"] for e in events}) == len(events)
    receipt, mix, pack, ship_p1, ship_p2, back = events
    base = "https://tracegraph.invalid/id"
    assert receipt["sourceList"] == [{"type": "owning_party", "source": f"{base}/supplier/V2"}]
    assert receipt["bizLocation"] == {"id": f"{base}/location/RM"}
    assert (receipt["eventTime"], receipt["eventTimeZoneOffset"]) == (
        "2026-11-02T07:30:00+01:00", "+01:00",
    )  # fmt: skip
    # the mix's inputs as the sheet lists them: A 40 kg, B 500 g
    assert [(_lot(i["epcClass"]), i["quantity"], i["uom"]) for i in mix["inputQuantityList"]] == [
        ("A", 40.0, "KGM"), ("B", 500.0, "GRM"),
    ]  # fmt: skip
    assert rows[1]["input_quantities"] == "A 40 kg; B 500 g"
    # one step, two lots: one event, its input given once
    assert pack["transformationID"] == f"{base}/step/Y"
    assert [_lot(i["epcClass"]) for i in pack["inputQuantityList"]] == ["M"]
    warehouse = "https://id.gs1.org/414/9506000134352"
    assert ship_p1["bizLocation"] == {"id": warehouse}
    assert ship_p1["sourceList"] == [{"type": "location", "source": warehouse}]
    assert ship_p1["destinationList"] == [{"type": "owning_party",
                                           "destination": f"{base}/customer/C1"}]  # fmt: skip
    delivery_note = {"type": "desadv", "bizTransaction": f"{base}/document/DN-1"}
    assert ship_p1["bizTransactionList"] == [delivery_note]
    assert (ship_p2["disposition"], back["disposition"]) == ("in_transit", "returned")
    assert back["bizStep"] == "receiving" and back["quantityList"][0]["quantity"] == 10.0
    assert back["sourceList"] == [{"type": "owning_party", "source": f"{base}/customer/C2"}]
    assert back["bizTransactionList"] == [{"type": "rma",
                                           "bizTransaction": f"{base}/document/RMA-1"}]  # fmt: skip
    # a drill never says the goods were recalled
    assert "recalled" not in (out / "epcis.jsonld").read_text("utf-8")
    # the manifest covers the document
    manifest = {name: digest for digest, name in (line.split("  ") for line in
                (out / "manifest.sha256").read_text().splitlines())}  # fmt: skip
    digest = hashlib.sha256((out / "epcis.jsonld").read_bytes()).hexdigest()
    assert manifest["epcis.jsonld"] == digest


def test_a_lot_with_a_gtin_lot_identity_is_its_digital_link(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    identities = ("lot_id,scheme,value,issuer\nP1,gtin_lot,L26/11,9506000134352\n"
                  "B,gtin_lot,0614-SALT,09506000134352\nB,tlc,TLC-B,\n")  # fmt: skip
    _, document, rows = _package(graph, runner, tmp_path,
                                 {**RECEIVED, "lot_identifiers.csv": identities})  # fmt: skip
    assert_epcis(document)
    p1 = "https://id.gs1.org/01/09506000134352/10/L26%2F11"  # GTIN-14, the lot encoded
    b = "https://id.gs1.org/01/09506000134352/10/0614-SALT"
    events = document["epcisBody"]["eventList"]
    by_id = {e["eventID"]: e for e in events}
    classes = [(by_id[r["event_id"]].get("quantityList") or by_id[r["event_id"]]
                ["outputQuantityList"])[0]["epcClass"] for r in rows]  # fmt: skip
    # P1's pack (the step's first output) and shipment
    assert [c for r, c in zip(rows, classes, strict=True) if r["lot_id"] == "P1"] == [p1, p1]
    assert classes[0] == b  # B's receipt
    assert events[1]["inputQuantityList"][0]["epcClass"].endswith("/lot/A")
    assert events[1]["inputQuantityList"][1]["epcClass"] == b
    assert unquote(p1.rsplit("/", 1)[1]) == "L26/11"


AWKWARD = {
    "lots.csv": """lot_id,material_id,quantity,uom,supplier_id,supplier_lot,received_at,location_id
批次 1/a#b,SALT,10,kg,V 1/2,x,2026-11-02T07:30:00-06:00,WH/1 #2
P 1,BREAD,300,pcs,,,,
""",
    "steps.csv": "step_id,operation,started_at,device_id,operator_id,oven_temp_c\n"
    "S#1 / 批,mix,2026-11-03T08:00:00-06:00,,,\n",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nS#1 / 批,批次 1/a#b,500,g\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nS#1 / 批,P 1,300,pcs\n",
    "customers.csv": "customer_id,name,contact\n客户 1/2,Shop,\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at,reference_doc,from_location_id\n"
    "SH 1,客户 1/2,2026-11-04T08:00:00+05:45,DN 1/2#3?x,WH/1 #2\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nSH 1,P 1,300,pcs\n",
    "lot_identifiers.csv": "lot_id,scheme,value,issuer\n",
}


def test_ids_with_spaces_slashes_hashes_and_non_ascii_are_percent_encoded_and_round_trip(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    _, document, _ = _package(graph, runner, tmp_path, AWKWARD, lot="批次 1/a#b")
    assert_epcis(document)
    receipt, mix, ship = document["epcisBody"]["eventList"]

    def ids(uri: str) -> tuple[str, str]:
        """(kind, id) of one of the document's own URIs; the path is the base's and two
        segments, whatever the id held."""
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == (
            "https", "tracegraph.invalid", "", "",
        )  # fmt: skip
        _, first, kind, value = parts.path.split("/")
        assert first == "id"
        return kind, unquote(value)

    assert ids(receipt["quantityList"][0]["epcClass"]) == ("lot", "批次 1/a#b")
    assert ids(receipt["sourceList"][0]["source"]) == ("supplier", "V 1/2")
    assert ids(receipt["bizLocation"]["id"]) == ("location", "WH/1 #2")
    assert ids(mix["transformationID"]) == ("step", "S#1 / 批")
    assert ids(mix["inputQuantityList"][0]["epcClass"]) == ("lot", "批次 1/a#b")
    assert ids(mix["outputQuantityList"][0]["epcClass"]) == ("lot", "P 1")
    assert ids(ship["destinationList"][0]["destination"]) == ("customer", "客户 1/2")
    assert ids(ship["bizTransactionList"][0]["bizTransaction"]) == ("document", "DN 1/2#3?x")
    # each event in its own offset, as the import kept it
    assert [(e["eventTime"], e["eventTimeZoneOffset"]) for e in (receipt, ship)] == [
        ("2026-11-02T07:30:00-06:00", "-06:00"), ("2026-11-04T08:00:00+05:45", "+05:45"),
    ]  # fmt: skip


def test_the_base_uri_is_the_companys_and_one_that_cannot_be_used_is_refused_up_front(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("TRACEGRAPH_EPCIS_BASE_URI", "https://trace.example.com/id/")
    _, document, _ = _package(graph, runner, tmp_path, RECEIVED)
    mix = document["epcisBody"]["eventList"][1]
    assert mix["transformationID"] == "https://trace.example.com/id/step/X"
    monkeypatch.setenv("TRACEGRAPH_EPCIS_BASE_URI", "trace.example.com/id")
    out = tmp_path / "refused"
    result = runner.invoke(app, ["recall", "B", "--out", str(out)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "TRACEGRAPH_EPCIS_BASE_URI 'trace.example.com/id' is not a base URI" in result.output
    assert "https://" in result.output  # the hint says what to give
    assert not out.exists()  # refused before the folder was made


# tracking_events.csv's columns before event_id: kept as they were, in their order
EVENT_COLUMNS_BEFORE = [
    "traceability_lot_code", "product_id", "product", "quantity", "unit", "event_type",
    "event_date", "event_date_utc", "location_id", "location_description", "destination_id",
    "destination_description", "input_lot_codes", "input_quantities", "supplier_lot",
    "reference_document_type", "reference_document", "source_quantity", "source_unit",
    "source_amounts", "origin_id", "origin_description", "lot_id",
]  # fmt: skip


def test_each_tracking_event_row_names_its_epcis_event_by_its_event_id(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A receiver of the package matches a sheet's row to its EPCIS event: tracking_events.csv
    and .xlsx end with `event_id`, the event's eventID, the other columns as they were."""
    out, document, rows = _package(graph, runner, tmp_path, RECEIVED, drill=True)
    header = next(csv.reader((out / "tracking_events.csv").read_text("utf-8-sig").splitlines()))
    assert header == [*EVENT_COLUMNS_BEFORE, "event_id"]
    sheet = load_workbook(out / "tracking_events.xlsx", read_only=True)["tracking events"]
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == header
    ids = [event["eventID"] for event in document["epcisBody"]["eventList"]]
    # step Y's two rows (P1, P2) are its one event
    assert list(dict.fromkeys(row["event_id"] for row in rows)) == ids
    assert len(set(ids)) == len(rows) - 1 == 6


def test_an_event_without_a_time_is_left_out_and_the_package_says_once_what_to_do(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    # the hand plant records no receipt times (its lots table has no received_at): A's and B's
    # receiving rows have no date, and the graph holds none
    out, document, rows = _package(graph, runner, tmp_path, {}, lot=("A", "B"))
    assert_epcis(document)
    assert [(r["lot_id"], r["event_date"]) for r in rows if r["event_type"] == "receiving"] == [
        ("A", ""), ("B", ""),
    ]  # fmt: skip
    # the two receipts left out; step Y's two rows one event
    assert len(document["epcisBody"]["eventList"]) == len(rows) - 3
    # the rows left out keep their record's id; the others are their events'
    assert list(dict.fromkeys(r["event_id"] for r in rows if r["event_date"])) == [
        e["eventID"] for e in document["epcisBody"]["eventList"]
    ]
    assert all(r["event_id"].startswith("urn:uuid:") for r in rows)
    warning = ("2 tracking events left out of epcis.jsonld, which requires an event time: the "
               "receipts of 2 lots (A, B) have no time: give received_at in the lots table (a "
               "date alone is read as midnight in the import's timezone) and import again; "
               "tracking_events lists them")  # fmt: skip
    # one warning, wherever the package's warnings are
    assert (out / "summary.txt").read_text("utf-8").count("left out of epcis.jsonld") == 1
    assert f"warning: {warning}\n" in (out / "summary.txt").read_text("utf-8")
    saved = json.loads((out / "recall.json").read_text())["warnings"]
    assert [w for w in saved if "epcis.jsonld" in w] == [warning]


def test_a_lot_whose_quantity_the_graph_does_not_hold_is_named_without_a_quantity(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The schema requires a quantity in a quantity element: B, imported without one, is named
    in tracegraph's extension field instead (an empty epcList for the schema), and nothing is
    made up; the sheet's quantity cell is blank."""
    lots = RECEIVED["lots.csv"].replace("B,SALT,10,kg,", "B,SALT,,,")
    _, document, rows = _package(graph, runner, tmp_path, {**RECEIVED, "lots.csv": lots})
    assert_epcis(document)
    receipt = document["epcisBody"]["eventList"][0]
    assert (rows[0]["event_type"], rows[0]["lot_id"], rows[0]["quantity"]) == ("receiving", "B", "")
    assert "quantityList" not in receipt and receipt["epcList"] == []
    assert [_lot(uri) for uri in receipt["tracegraph:epcClassesWithoutQuantity"]] == ["B"]
    # the event keeps the rest: when, where, from whom
    assert receipt["eventTime"] == "2026-11-02T07:30:00+01:00"
    assert receipt["sourceList"][0]["source"].endswith("/supplier/V2")


def test_a_steps_lots_without_a_quantity_are_named_and_a_step_with_none_is_left_out() -> None:
    """The import requires the quantities of a step's inputs and outputs; a graph that lacks
    them anyway gives events the schema accepts: the lots without one named in the extension
    fields, and a step's event with no quantity at all left out (none would validate), with
    all its rows."""
    step: dict[str, Any] = {"event_type": "transformation (mix)", "step_id": "X",
                            "event_date": "2026-11-03T08:00:00+08:00", "location_id": None,
                            "gtin_lots": []}  # fmt: skip
    made = [{"lot_id": "M", "quantity": 40.5, "unit": "kg", "gtin_lots": []},
            {"lot_id": "N", "quantity": None, "unit": None, "gtin_lots": []}]  # fmt: skip
    rows: list[dict[str, Any]] = [
        {**step, "lot_id": "M", "quantity": 40.5, "unit": "kg", "outputs": made,
         "inputs": [{"lot_id": "A", "quantity": None, "unit": None, "gtin_lots": []},
                    {"lot_id": "B", "quantity": 500, "unit": "g", "gtin_lots": []}]},
        {**step, "lot_id": "N", "quantity": None, "unit": None, "outputs": made,
         "inputs": []},
        {**step, "step_id": "Z", "lot_id": "Q", "quantity": None, "unit": None,
         "inputs": []},
    ]  # fmt: skip
    document, left_out, warnings = epcis_document(rows, datetime.now(UTC))
    assert_epcis(document)
    (mix,) = document["epcisBody"]["eventList"]
    assert [_lot(e["epcClass"]) for e in mix["inputQuantityList"]] == ["B"]
    assert [_lot(uri) for uri in mix["tracegraph:inputEPCClassesWithoutQuantity"]] == ["A"]
    assert [_lot(e["epcClass"]) for e in mix["outputQuantityList"]] == ["M"]
    assert [_lot(uri) for uri in mix["tracegraph:outputEPCClassesWithoutQuantity"]] == ["N"]
    assert rows[0]["event_id"] == rows[1]["event_id"] == mix["eventID"]
    assert [row["lot_id"] for row in left_out] == ["Q"] and warnings == []
    assert left_out_warning(left_out) == [
        "1 tracking event left out of epcis.jsonld, which requires an event time: events of 1 "
        "lot (Q) have no readable time, or are a step's lot without a quantity; "
        "tracking_events lists it"
    ]
    assert quantity_element("https://x.invalid/lot/B", None, "kg") is None


def test_every_event_has_an_id_that_is_the_same_in_every_package(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A receiver de-duplicates events on their eventID, and a correcting event names the one
    it corrects: the same row (a receipt, a step's output, a shipment line) gives the same id
    in the packages of B and of A, and in a package recalled again."""
    _, of_b, rows_b = _package(graph, runner, tmp_path, RECEIVED)
    result = runner.invoke(app, ["recall", "A", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    of_a = json.loads((tmp_path / "a" / "epcis.jsonld").read_text("utf-8"))
    assert_epcis(of_a)

    def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
        events = document["epcisBody"]["eventList"]
        ids = {e["eventID"]: e for e in events}
        assert len(ids) == len(events)
        return ids

    b, a = by_id(of_b), by_id(of_a)
    # A's package has A's receipt, B's has B's; the rest is the same events with the same ids
    # (the step's inputs are on its first event in both)
    assert len(set(a) - set(b)) == 1 and len(set(b) - set(a)) == 1
    for shared in set(a) & set(b):
        assert a[shared] == b[shared]
    # the id is a version-5 UUID of the base URI and the receipt's lot and supplier, pinned:
    # the same in every version of tracegraph
    name = '["https://tracegraph.invalid/id","receipt","B","V2"]'
    receipt = of_b["epcisBody"]["eventList"][0]
    assert rows_b[0]["event_type"] == "receiving"
    assert receipt["eventID"] == f"urn:uuid:{uuid.uuid5(EVENT_IDS, name)}"
    assert receipt["eventID"] == "urn:uuid:ec2f000b-9368-5511-914c-b23cb9f28d0a"


def test_event_times_keep_their_offset_and_read_neo4j_zone_names_and_nanoseconds() -> None:
    assert event_time("2026-11-03T08:15:00+00:00") == ("2026-11-03T08:15:00+00:00", "+00:00")
    assert event_time("2026-11-03T08:15:00.123456789+01:00[Europe/Berlin]") == (
        "2026-11-03T08:15:00.123456+01:00", "+01:00",
    )  # fmt: skip
    assert event_time("2026-11-03T08:15:00-09:30") == ("2026-11-03T08:15:00-09:30", "-09:30")
    assert event_time("2026-11-03T08:15:00") == ("2026-11-03T08:15:00+00:00", "+00:00")
    assert event_time(None) is None and event_time("soon") is None


def test_every_known_unit_has_its_un_ece_rec_20_code() -> None:
    assert set(REC20) == KNOWN_UNITS
    assert all(UOM.match(code) for code in REC20.values())
    assert (REC20["kg"], REC20["g"], REC20["t"], REC20["l"], REC20["ml"], REC20["pcs"]) == (
        "KGM", "GRM", "TNE", "LTR", "MLT", "H87",
    )  # fmt: skip


def test_the_package_benchmark_writes_the_events_with_their_event_ids(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """bench-package times the sheets' writers on rows that the EPCIS document had not filled
    yet: its events' CSV had a blank event_id column. Its rows now carry the package's ids."""
    from tracegraph.bench_package import package_rows

    _, _, written = _package(graph, runner, tmp_path, RECEIVED)
    events, *_ = package_rows(graph, ["B"])
    assert [row["event_id"] for row in events] == [row["event_id"] for row in written]
    assert all(row["event_id"].startswith("urn:uuid:") for row in written)


def test_a_step_is_one_event_with_all_its_lots_whichever_the_package_reached(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Step Y packs M (40.5 kg) into P1 (300 pcs) and P2 (100 pcs). Its inputs were on the
    event of the first of its lots the package reached, so one eventID had two contents: in
    B's package P2's event had no inputs, in P2's package the same id carried M 40.5 kg (a
    receiver that de-duplicates on eventID and got both counted 81 kg into the step), and P2's
    package alone said all 40.5 kg went into P2's 100 pcs. A step is now one event, the same
    in every package: all its inputs and all its outputs."""
    _, of_b, rows_b = _package(graph, runner, tmp_path, RECEIVED, drill=True)
    result = runner.invoke(app, ["recall", "P2", "--out", str(tmp_path / "p2"), "--drill"])
    assert result.exit_code == 0, result.output
    of_p2 = json.loads((tmp_path / "p2" / "epcis.jsonld").read_text("utf-8"))
    assert_epcis(of_p2)
    b = {e["eventID"]: e for e in of_b["epcisBody"]["eventList"]}
    p2 = {e["eventID"]: e for e in of_p2["epcisBody"]["eventList"]}
    assert set(p2) <= set(b)
    for shared in p2:
        assert p2[shared] == b[shared], shared
    (pack,) = [e for e in p2.values() if e["type"] == "TransformationEvent"]
    assert pack["transformationID"].endswith("/step/Y")
    assert [(_lot(i["epcClass"]), i["quantity"]) for i in pack["inputQuantityList"]] == [
        ("M", 40.5)
    ]
    assert [(_lot(o["epcClass"]), o["quantity"]) for o in pack["outputQuantityList"]] == [
        ("P1", 300.0), ("P2", 100.0),
    ]  # fmt: skip
    # the sheet keeps a row per lot the step made; the step's rows name its one event
    packed = [r for r in rows_b if r["event_type"] == "transformation (pack)"]
    assert [r["lot_id"] for r in packed] == ["P1", "P2"]
    assert {r["event_id"] for r in packed} == {pack["eventID"]}
    assert len(b) == len(rows_b) - 1


def test_gtin_lot_numbers_that_are_not_gs1_lots_are_kept_and_the_lot_is_its_own_uri(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`L/26 1%é 批` (a space, é, 批) and a 26-character lot number are no GS1 (10) — 1 to 20
    characters of GS1's set 82 — and GS1's Digital Link library refuses
    https://id.gs1.org/01/09506000134352/10/L%2F26%201%25%C3%A9%20%E6%89%B9, which the
    document held. The identities are kept (a look-up by their key finds the lot), the
    document names those lots by their own URI, and the package says which it left out."""
    identities = ("lot_id,scheme,value,issuer\nB,gtin_lot,L/26 1%é 批,09506000134352\n"
                  "P1,gtin_lot,ABCDEFGHIJKLMNOPQRSTUVWXYZ,09506000134352\n")  # fmt: skip
    out, document, _ = _package(graph, runner, tmp_path,
                                {**RECEIVED, "lot_identifiers.csv": identities})  # fmt: skip
    assert_epcis(document)
    text = (out / "epcis.jsonld").read_text("utf-8")
    assert "id.gs1.org/01/" not in text
    receipt = document["epcisBody"]["eventList"][0]
    assert _lot(receipt["quantityList"][0]["epcClass"]) == "B"
    (warning,) = [w for w in json.loads((out / "recall.json").read_text())["warnings"]
                  if "GS1 identities" in w]  # fmt: skip
    assert warning.startswith(
        "epcis.jsonld leaves out GS1 identities of 2 lots: B's "
        "(01)09506000134352(10)L/26 1%é 批 ((10) holds 1 to 20 of GS1's"
    )
    assert "P1's (01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTUVWXYZ ((10) holds 1 to 20" in warning
    assert resolve_lots(graph, ["gtin_lot|09506000134352|L/26 1%é 批"]) == ["B"]


def test_a_lot_with_two_gtin_lot_identities_is_named_by_one_and_the_other_is_warned_of(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """P1 is BOXLOT1 under 09506000134352 and BOXLOT2 under 04006381333931: the document named
    it by BOXLOT2 alone and said nothing of BOXLOT1. Two quantity elements would say the
    quantity twice, so it is still one class (the first in order), and the package warns."""
    identities = ("lot_id,scheme,value,issuer\nP1,gtin_lot,BOXLOT1,09506000134352\n"
                  "P1,gtin_lot,BOXLOT2,4006381333931\n")  # fmt: skip
    out, document, _ = _package(graph, runner, tmp_path,
                                {**RECEIVED, "lot_identifiers.csv": identities})  # fmt: skip
    assert_epcis(document)
    boxlot2 = "https://id.gs1.org/01/04006381333931/10/BOXLOT2"
    outputs = [o["epcClass"] for e in document["epcisBody"]["eventList"]
               for o in e.get("outputQuantityList", [])]  # fmt: skip
    assert boxlot2 in outputs and "BOXLOT1" not in (out / "epcis.jsonld").read_text("utf-8")
    summary = (out / "summary.txt").read_text("utf-8")
    assert ("warning: epcis.jsonld leaves out GS1 identities of 1 lot: P1's "
            "(01)09506000134352(10)BOXLOT1 (a second GS1 identity") in summary  # fmt: skip


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("https://bäckerei.example/id", "it holds 'ä', which a URI cannot hold"),
        ("https://ex.com/批次", "it holds '批' '次'"),
        ("https://ex.com/a|b", "it holds '|'"),
        ("https://ex.com/a%zz", "a % is not followed by two hex digits"),
        ("https://ex.com/a[b]", "it holds '[' ']'"),  # was "a % is not followed by …"
        ("https://user:pw@ex.com/id", "it names a user"),
    ],
)
def test_a_base_uri_that_is_not_a_uri_or_names_a_user_is_refused_up_front(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, base: str, why: str,
) -> None:  # fmt: skip
    """`https://bäckerei.example/id` (and …/批次, …/a|b, …/a%zz) was accepted, and every
    document written with it failed GS1's schema (`epcClass should match format "uri"`); a
    user:pw@ was copied into every URI of every document."""
    monkeypatch.setenv("TRACEGRAPH_EPCIS_BASE_URI", base)
    out = tmp_path / "refused"
    result = runner.invoke(app, ["recall", "B", "--out", str(out), "--drill"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"TRACEGRAPH_EPCIS_BASE_URI {shown_uri(base)!r} is not a base URI" in result.output
    assert why in result.output and "xn--" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("base", "shown"),
    [
        ("https://user:s3cretpw@x.example/id", "https://x.example/id"),
        ("https://user:s3cret#pw@x.example/id", "https://x.example/id"),
        ("https://user:s3cretä@x.example/id", "https://x.example/id"),
        ("https://x.example/id?token=s3cretpw", "https://x.example/id?…"),
    ],
)
def test_a_refused_base_uri_is_shown_without_its_password(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, base: str, shown: str,
) -> None:  # fmt: skip
    """`TRACEGRAPH_EPCIS_BASE_URI='https://user:s3cretpw@x.example/id' recall … --drill` quoted
    the URI whole, password and all (NEO4J_URI's errors mask it); a password holding a
    character no URI holds was named by the reason (`it holds 'ä'`). Shown as NEO4J_URI is."""
    monkeypatch.setenv("TRACEGRAPH_EPCIS_BASE_URI", base)
    result = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "ep1"), "--drill"])
    assert result.exit_code == 2 and "s3cret" not in result.output, result.output
    assert f"TRACEGRAPH_EPCIS_BASE_URI {shown!r} is not a base URI" in result.output


def test_the_event_time_zone_offset_is_the_plants_at_the_events_time(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """EPCIS's eventTimeZoneOffset is the local offset where and when the event happened; it
    was the offset the time was kept with: a Berlin plant's shipment at 2026-07-01T10:00Z
    said +00:00, a receipt kept as 2026-03-29T02:30+01:00 (03:30 summer time) +01:00. With
    TRACEGRAPH_TIMEZONE, the plant's zone, it is +02:00 for both; the instant is unchanged."""
    berlin = ZoneInfo("Europe/Berlin")
    assert event_time("2026-07-01T10:00:00+00:00", berlin) == ("2026-07-01T10:00:00+00:00",
                                                               "+02:00")  # fmt: skip
    assert event_time("2026-03-29T02:30:00+01:00", berlin) == ("2026-03-29T02:30:00+01:00",
                                                               "+02:00")  # fmt: skip
    shipments = HAND_PLANT["shipments.csv"].replace("2026-11-04T08:00:00+00:00",
                                                    "2026-07-01T10:00:00Z")  # fmt: skip
    monkeypatch.setenv("TRACEGRAPH_TIMEZONE", "Europe/Berlin")
    _, document, rows = _package(graph, runner, tmp_path,
                                 {**RECEIVED, "shipments.csv": shipments})  # fmt: skip
    by_id = {e["eventID"]: e for e in document["epcisBody"]["eventList"]}
    offsets = {(r["event_type"], r["lot_id"]): by_id[r["event_id"]]["eventTimeZoneOffset"]
               for r in rows}  # fmt: skip
    assert offsets[("shipping", "P1")] == "+02:00"  # July
    assert offsets[("receiving", "B")] == "+01:00"  # November
    monkeypatch.setenv("TRACEGRAPH_TIMEZONE", "Mars/Olympus")
    result = runner.invoke(app, ["recall", "B", "--out", str(tmp_path / "no"), "--drill"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "TRACEGRAPH_TIMEZONE names an unknown timezone 'Mars/Olympus'" in result.output
    assert not (tmp_path / "no").exists()


def test_a_single_lot_code_with_a_space_is_written_as_it_is(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot without a TLC is named by its lot id: `批次 1/a#b` was `"批次 1/a#b"` in
    traceability_lot_code, quote marks and all (and in the input_lot_codes of the step that
    used it alone), while lot_id held it bare. The quotes tell the codes of a list apart: a
    list of one is the code as it is; input_quantities, where the quantity follows the code,
    keeps them."""
    _, _, rows = _package(graph, runner, tmp_path, AWKWARD, lot="批次 1/a#b")
    receipt, mix, ship = rows
    assert receipt["traceability_lot_code"] == receipt["lot_id"] == "批次 1/a#b"
    assert mix["traceability_lot_code"] == "P 1" and mix["input_lot_codes"] == "批次 1/a#b"
    assert mix["input_quantities"] == '"批次 1/a#b" 500 g'
    assert ship["traceability_lot_code"] == "P 1"
    assert code_list(["TLC 7", "ZZZ"]) == '"TLC 7"; ZZZ'


def test_a_package_read_one_lot_and_step_a_query_is_the_package_read_at_once(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """recall.py read lot details and step outputs DETAILS_PER_QUERY (20,000) ids a query, the
    loop written out twice, and a lot's GS1 identities were sorted in three places (its own
    names, a step's outputs, epcis.Identifiers.lot); now one reader (recall.read_chunked) and
    one sort (Identifiers.lot). Read one id a query (the hand plant's 5 lots and 2 steps in 7
    queries), the package is the one read at once, and P1, given BOXLOT1 under the GTIN that
    sorts last first, is named by the first in order (BOXLOT2) in every event. A clean-up: this
    passes on the code before it too."""
    identities = ("lot_id,scheme,value,issuer\nP1,gtin_lot,BOXLOT1,09506000134352\n"
                  "P1,gtin_lot,BOXLOT2,4006381333931\n"
                  "M,gtin_lot,DOUGH-7,09506000134352\n")  # fmt: skip
    files = {**RECEIVED, "lot_identifiers.csv": identities}
    for folder in ("at-once", "one-by-one"):
        (tmp_path / folder).mkdir()
    _, at_once, at_once_rows = _package(graph, runner, tmp_path / "at-once", files)
    monkeypatch.setattr(recall, "DETAILS_PER_QUERY", 1)
    _, one_by_one, one_by_one_rows = _package(graph, runner, tmp_path / "one-by-one", files)
    assert one_by_one["epcisBody"] == at_once["epcisBody"]
    assert one_by_one_rows == at_once_rows
    text = json.dumps(at_once)
    assert "https://id.gs1.org/01/04006381333931/10/BOXLOT2" in text and "BOXLOT1" not in text
    assert "https://id.gs1.org/01/09506000134352/10/DOUGH-7" in text  # a step's output, M
