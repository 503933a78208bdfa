"""A generated plant written the way real systems export it, for the bundled mappings.

`write_sap` turns a generated plant's canonical tables into SAP-like export files — what
importers/sap/mapping.toml reads — so that tests, the demo and benchmarks exercise a mapped
import at any size, and so that a mapped import can be checked against the canonical one: the
same plant either way must give the same graph.

The SAP shape (`;`, Windows-1252, decimal comma, dates as 03.11.2026 with the time in a column
of its own, local time in Europe/Berlin):
- MARA materials, LFA1 vendors, KNA1 customers, CRHD work centres (the devices);
- AFRU confirmations: one process order (AUFNR) per step, its operation as German text, the
  collective order (MAUFNR) as the work order, process parameters;
- MSEG goods movements: 101 receipts from vendors (with the vendor's batch LICHA), 261 issues
  to orders, 101 receipts from orders, and 311 transfer postings of finished batches to the
  warehouse, which the mapping does not import (its `where` sections leave them out); salt is
  kept in grams (G);
- QALS inspection lots with their usage decision (A accept, R reject);
- LIKP/LIPS deliveries, one line per batch, returns with SAP's trailing minus (45,000-).

Not in the SAP shape: locations, operator names and device events (they live in other SAP
modules), so those nodes are made from the references alone. Local times in the hour the
clocks go back repeat, and are read as the first of the two (see the README).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

SAP_ZONE = ZoneInfo("Europe/Berlin")
SAP_UNITS = {"kg": "KG", "pcs": "ST", "g": "G", "t": "TO"}
SAP_KINDS = {"raw": "ROH", "intermediate": "HALB", "finished": "FERT", "packaging": "VERP"}
SAP_OPERATIONS = {"mix": "Mischen", "bake": "Backen", "rework": "Nacharbeit", "pack": "Verpacken"}
SAP_WORK_CENTRE_USES = {"mixer": "0001", "oven": "0002", "packer": "0003"}
SAP_STORAGE = {"WH-RAW": "0001", "PLANT-1": "0100", "WH-FG": "0002"}
SAP_STOCK_TYPES = {"released": "F", "hold": "X", "rejected": "S"}
IN_GRAMS = frozenset({"SALT"})  # materials the SAP shape keeps in grams

SAP_FILES = {
    "MARA_materials.csv": ("MATNR", "MAKTX", "MEINS", "MTART"),
    "LFA1_suppliers.csv": ("LIFNR", "NAME1", "LAND1"),
    "KNA1_customers.csv": ("KUNNR", "NAME1", "LAND1", "SMTP_ADDR"),
    "CRHD_workcenters.csv": ("ARBPL", "KTEXT", "VERWE", "WERKS"),
    "AFRU_confirmations.csv": (
        "AUFNR", "MAUFNR", "LTXA1", "ARBPL", "PERNR", "ISDD", "ISDZ", "IEDD", "IEDZ", "WERKS",
        "MISCHZEIT", "OFENTEMP", "BACKZEIT",
    ),
    "MSEG_movements.csv": (
        "MBLNR", "ZEILE", "BWART", "MATNR", "CHARG", "LICHA", "LIFNR", "AUFNR", "WERKS", "LGORT",
        "INSMK", "MENGE", "MEINS", "BUDAT", "CPUTM", "VFDAT",
    ),
    "QALS_inspections.csv": (
        "PRUEFLOS", "KTEXTLOS", "CHARG", "AUFNR", "PERNR", "ENSTEHDAT", "ENTSTEZEIT", "VCODE",
        "MESSWERT", "MEINH",
    ),
    "LIKP_deliveries.csv": (
        "VBELN", "KUNNR", "WADAT_IST", "WAUHR", "TDLNR", "XBLNR", "CHARG", "LFIMG", "VRKME",
    ),
}  # fmt: skip


def _rows(folder: Path, table: str) -> Iterator[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _date_time(text: str) -> tuple[str, str]:
    """An ISO 8601 instant as SAP's local date and time columns (03.11.2026, 08:15:00)."""
    if not text:
        return "", ""
    local = datetime.fromisoformat(text).astimezone(SAP_ZONE)
    return local.strftime("%d.%m.%Y"), local.strftime("%H:%M:%S")


def _amount(text: str, material: str = "") -> str:
    """A canonical quantity as SAP writes it (1.250,000; 45,000- when negative), in the unit
    SAP keeps the material in."""
    value = float(text) * (1000.0 if material in IN_GRAMS else 1.0)
    grouped = f"{abs(value):,.3f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return grouped + ("-" if value < 0 else "")


def _unit(uom: str, material: str = "") -> str:
    return "G" if material in IN_GRAMS else SAP_UNITS[uom]


class _Out:
    """One writer per SAP file, in the shape's encoding and separator."""

    def __init__(self, out: Path, stack: ExitStack) -> None:
        self.rows: dict[str, int] = {}
        self._writers: dict[str, Any] = {}
        for name, header in SAP_FILES.items():
            handle: TextIO = stack.enter_context(
                (out / name).open("w", encoding="cp1252", newline="")
            )
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerow(header)
            self._writers[name] = writer
            self.rows[name] = 0

    def add(self, name: str, *values: str) -> None:
        self._writers[name].writerow(values)
        self.rows[name] += 1


def write_sap(plant: Path, out: Path) -> dict[str, int]:
    """The canonical tables in `plant` as SAP-like export files in `out`; rows per file.

    Memory: the lots' materials, the steps' start times and the shipments' headers are held
    while the movements and delivery lines are written (about 0.5 GB for a million lots)."""
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        w = _Out(out, stack)
        _master_data(plant, w)
        started = _confirmations(plant, w)
        materials = _movements(plant, w, started)
        _inspections(plant, w)
        _deliveries(plant, w, materials)
    return w.rows


def _master_data(plant: Path, w: _Out) -> None:
    for m in _rows(plant, "materials"):
        w.add("MARA_materials.csv", m["material_id"], m["name"],
              _unit(m["uom"], m["material_id"]), SAP_KINDS[m["kind"]])  # fmt: skip
    for s in _rows(plant, "suppliers"):
        w.add("LFA1_suppliers.csv", s["supplier_id"], s["name"], s["country"])
    for c in _rows(plant, "customers"):
        w.add("KNA1_customers.csv", c["customer_id"], c["name"], c["country"], c["contact"])
    for d in _rows(plant, "devices"):
        w.add("CRHD_workcenters.csv", d["device_id"], d["name"], SAP_WORK_CENTRE_USES[d["kind"]],
              "1000")  # fmt: skip


def _confirmations(plant: Path, w: _Out) -> dict[str, tuple[str, str]]:
    """AFRU, one confirmed process order per step; each step's local start (for its issues)."""
    started: dict[str, tuple[str, str]] = {}
    for s in _rows(plant, "steps"):
        start, end = _date_time(s["started_at"]), _date_time(s["ended_at"])
        started[s["step_id"]] = start
        parameters = (s.get(name, "") for name in ("mix_min", "oven_temp_c", "bake_min"))
        w.add("AFRU_confirmations.csv", s["step_id"], s["work_order_id"],
              SAP_OPERATIONS[s["operation"]], s["device_id"], s["operator_id"], *start, *end,
              "1000", *parameters)  # fmt: skip
    return started


def _movements(plant: Path, w: _Out, started: dict[str, tuple[str, str]]) -> dict[str, str]:
    """MSEG: receipts (from vendors and from orders), issues to orders, transfers of finished
    batches; the lots' materials (for the deliveries)."""
    made_by = {o["lot_id"]: o["step_id"] for o in _rows(plant, "step_outputs")}
    materials: dict[str, str] = {}
    document = 4900000000

    def post(bwart: str, lot: dict[str, str], step: str, quantity: str, at: tuple[str, str],
             supplier: tuple[str, str] = ("", ""), storage: str = "") -> None:  # fmt: skip
        nonlocal document
        document += 1
        amount = _amount(quantity, lot["material_id"])
        w.add("MSEG_movements.csv", str(document), "1", bwart, lot["material_id"],
              lot["lot_id"], supplier[1], supplier[0], step, "1000",
              storage or SAP_STORAGE.get(lot["location_id"], ""),
              SAP_STOCK_TYPES.get(lot["status"], ""), amount,
              _unit(lot["uom"], lot["material_id"]), *at,
              _date_time(lot["expires_at"])[0])  # fmt: skip

    for lot in _rows(plant, "lots"):
        materials[lot["lot_id"]] = lot["material_id"]
        created = _date_time(lot["created_at"])
        step = made_by.pop(lot["lot_id"], "")
        supplier = (lot["supplier_id"], lot["supplier_lot"])
        post("101", lot, step, lot["quantity"], created, supplier)
        if lot["location_id"] == "WH-FG" and step:  # finished goods moved to the warehouse
            post("311", lot, "", lot["quantity"], created, storage=SAP_STORAGE["WH-FG"])
    for use in _rows(plant, "step_inputs"):
        lot = {"lot_id": use["lot_id"], "material_id": materials.get(use["lot_id"], ""),
               "location_id": "PLANT-1", "status": "", "uom": use["uom"],
               "expires_at": ""}  # fmt: skip
        post("261", lot, use["step_id"], use["quantity"], started.get(use["step_id"], ("", "")))
    return materials


def _inspections(plant: Path, w: _Out) -> None:
    for i in _rows(plant, "inspections"):
        value = i["value"].replace(".", ",")
        w.add("QALS_inspections.csv", i["inspection_id"], i["test"], i["lot_id"], i["step_id"],
              i["operator_id"], *_date_time(i["inspected_at"]),
              "A" if i["result"] == "pass" else "R", value, i["unit"])  # fmt: skip


def _deliveries(plant: Path, w: _Out, materials: dict[str, str]) -> None:
    headers = {s["shipment_id"]: s for s in _rows(plant, "shipments")}
    for line in _rows(plant, "shipment_lines"):
        head = headers[line["shipment_id"]]
        material = materials.get(line["lot_id"], "")
        amount = _amount(line["quantity"], material)
        w.add("LIKP_deliveries.csv", line["shipment_id"], head["customer_id"],
              *_date_time(head["shipped_at"]), head["carrier"], head["reference_doc"],
              line["lot_id"], amount, _unit(line["uom"], material))  # fmt: skip
