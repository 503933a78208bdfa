"""A generated plant written the way real systems export it, for the bundled mappings.

`write_sap` and `write_mes` turn a generated plant's canonical tables into SAP-like and
Chinese MES export files — what importers/sap and importers/mes_gbk read — so that tests, the
demo and benchmarks exercise mapped imports at any size, and so that a mapped import can be
checked against the canonical one: the same plant either way must give the same graph.

The SAP shape (`;`, Windows-1252, decimal comma, dates as 03.11.2026 with the time in a column
of its own, local time in Europe/Berlin):
- MARA materials, LFA1 vendors, KNA1 customers, CRHD work centres (the devices);
- AFRU confirmations: one process order (AUFNR) per step, its operation as German text, the
  collective order (MAUFNR) as the work order, process parameters;
- MSEG goods movements: 101 receipts from vendors (with the vendor's batch LICHA), 261 issues
  to orders (every 9th in two parts, every 13th posted twice and the second taken back by a
  262 — the mapping sums them), 101 receipts from orders, and 311 transfer postings of
  finished batches to the warehouse, which the mapping does not import (its `where` sections
  leave them out); salt is kept in grams (G);
- QALS inspection lots with their usage decision (A accept, R reject);
- LIKP/LIPS deliveries, one line per batch, returns with SAP's trailing minus (45,000-).

Not in the SAP shape: locations, operator names and device events (they live in other SAP
modules), so those nodes are made from the references alone. Local times in the hour the
clocks go back repeat, and are read as the first of the two, except a step's end that would
come before its start (see the README).

The MES shape (GB18030, `,`, 2026/11/03 08:15 in China Standard Time, which has no clock
changes; 千克/克/个): master data (物料, 供应商, 客户, 设备, 人员), 来料记录 receipts with the
supplier's batch, 生产记录 with a row per input and output lot of a step, 检验记录, 发货记录
(returns negative) and 设备事件. Statuses, inspection results and event kinds are written as
the MES's words and mapped back, and so are its operations (和面 → mix, 返工 → rework);
inspection tests and device kinds stay Chinese text (a calibration's 合格 and 不合格 are
mapped to pass and fail, an alarm's 超温 to over_temperature; the other alarm kinds are
written, and kept, in English).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
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
# Debit (S) or credit (H) per movement type: a 262 takes a 261 issue back.
SAP_DEBIT_CREDIT = {"101": "S", "261": "H", "262": "S", "311": "H"}
SPLIT_EVERY, REVERSE_EVERY = 9, 13  # issues posted in two parts; issues posted twice, one reversed
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
        "MBLNR", "ZEILE", "BWART", "SHKZG", "MATNR", "CHARG", "LICHA", "LIFNR", "AUFNR", "WERKS",
        "LGORT", "INSMK", "MENGE", "MEINS", "BUDAT", "CPUTM", "VFDAT",
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


def _in_stock_unit(text: str, material: str) -> float:
    """A canonical quantity (kg, pcs) in the unit the exports keep the material in (grams)."""
    return float(text) * (1000.0 if material in IN_GRAMS else 1.0)


def _amount(text: str, material: str = "") -> str:
    """A canonical quantity as SAP writes it (1.250,000; 45,000- when negative), in the unit
    SAP keeps the material in."""
    value = _in_stock_unit(text, material)
    grouped = f"{abs(value):,.3f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return grouped + ("-" if value < 0 and grouped != "0,000" else "")


def _halves(quantity: str, material: str) -> list[str]:
    """Two equal parts of a quantity, if SAP's three decimals write each exactly (else none)."""
    milli = round(_in_stock_unit(quantity, material) * 1000)
    return [] if milli % 2 else [repr(float(quantity) / 2)] * 2


def _unit(uom: str, material: str = "") -> str:
    return "G" if material in IN_GRAMS else SAP_UNITS[uom]


class _Out:
    """One writer per file of a shape, in the shape's encoding and separator."""

    def __init__(
        self, out: Path, stack: ExitStack, files: dict[str, tuple[str, ...]], encoding: str,
        delimiter: str,
    ) -> None:  # fmt: skip
        self.rows: dict[str, int] = {}
        self._writers: dict[str, Any] = {}
        for name, header in files.items():
            handle: TextIO = stack.enter_context(
                (out / name).open("w", encoding=encoding, newline="")
            )
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
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
        w = _Out(out, stack, SAP_FILES, "cp1252", ";")
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
        w.add("MSEG_movements.csv", str(document), "1", bwart, SAP_DEBIT_CREDIT[bwart],
              lot["material_id"],
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
    for number, use in enumerate(_rows(plant, "step_inputs"), start=1):
        lot = {"lot_id": use["lot_id"], "material_id": materials.get(use["lot_id"], ""),
               "location_id": "PLANT-1", "status": "", "uom": use["uom"],
               "expires_at": ""}  # fmt: skip
        at, quantity = started.get(use["step_id"], ("", "")), use["quantity"]
        # As plants post: now and then an issue in two parts, or an issue posted twice and the
        # second taken back (262) — the mapping sums them into one link.
        parts = (number % SPLIT_EVERY == 0 and _halves(quantity, lot["material_id"])) or [quantity]
        if number % REVERSE_EVERY == 0:
            post("261", lot, use["step_id"], quantity, at)
            post("262", lot, use["step_id"], quantity, at)
        for part in parts:
            post("261", lot, use["step_id"], part, at)
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


# --- a Chinese MES ---------------------------------------------------------------------------

MES_ZONE = ZoneInfo("Asia/Shanghai")
MES_UNITS = {"kg": "千克", "g": "克", "pcs": "个"}
MES_KINDS = {"raw": "原料", "intermediate": "半成品", "finished": "成品", "packaging": "包材"}
MES_STATUS = {"released": "合格", "hold": "冻结", "rejected": "不合格"}
MES_RESULTS = {"pass": "合格", "fail": "不合格"}
MES_EVENTS = {"calibration": "校准", "maintenance": "保养", "alarm": "报警"}
MES_OPERATIONS = {"mix": "和面", "bake": "烘烤", "rework": "返工", "pack": "包装"}
# Free text the MES keeps in Chinese (the mapping copies it as it is).
MES_TESTS = {"incoming": "来料检验", "core_temp": "中心温度"}
MES_DEVICE_KINDS = {"mixer": "搅拌机", "oven": "烤炉", "packer": "包装机"}
MES_EVENT_RESULTS = {"pass": "合格", "fail": "不合格", "over_temperature": "超温"}

MES_FILES = {
    "物料.csv": ("物料编码", "物料名称", "单位", "物料类型"),
    "供应商.csv": ("供应商编码", "供应商名称", "国家"),
    "客户.csv": ("客户编码", "客户名称", "联系邮箱", "国家"),
    "设备.csv": ("设备编号", "设备名称", "设备类型"),
    "人员.csv": ("工号", "姓名"),
    "来料记录.csv": (
        "批次号", "物料编码", "供应商编码", "供应商批次号", "数量", "单位", "到货时间", "有效期至",
        "状态",
    ),
    "生产记录.csv": (
        "工序单号", "工序", "设备", "操作员", "工单号", "时间", "完工时间", "批次号", "物料编码",
        "数量", "单位", "批次状态", "有效期至", "投入批次", "投入数量", "投入单位", "和面时间",
        "炉温", "烘烤时间",
    ),
    "检验记录.csv": (
        "检验单号", "检验项目", "结果", "检验时间", "批次号", "工序单号", "检验员", "测量值",
        "单位",
    ),
    "发货记录.csv": (
        "发货单号", "客户编码", "发货时间", "承运商", "单据号", "批次号", "数量", "单位",
    ),
    "设备事件.csv": ("设备编号", "事件", "时间", "结果"),
}  # fmt: skip


def _mes_time(text: str) -> str:
    """An ISO 8601 instant as the MES writes it: 2026/11/03 08:15, China Standard Time."""
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone(MES_ZONE).strftime("%Y/%m/%d %H:%M")


def _mes_amount(text: str, material: str) -> str:
    """A quantity as the MES writes it (41.5, -45), in grams for the materials kept so."""
    return f"{_in_stock_unit(text, material):.3f}".rstrip("0").rstrip(".")


def _mes_unit(uom: str, material: str) -> str:
    return MES_UNITS["g"] if material in IN_GRAMS else MES_UNITS[uom]


def write_mes(plant: Path, out: Path) -> dict[str, int]:
    """The canonical tables in `plant` as a Chinese MES's export files in `out` (GB18030, the
    importers/mes_gbk mapping's shape); rows per file. A production record is one row per
    input lot and output lot of a step, the step repeated on each (a mix of six lots making one
    dough is six rows; a pack of one baked lot into three finished lots, three).

    Memory: the lots and the steps' outputs are held (about 1 GB for a million lots)."""
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        w = _Out(out, stack, MES_FILES, "gb18030", ",")
        for m in _rows(plant, "materials"):
            w.add("物料.csv", m["material_id"], m["name"], _mes_unit(m["uom"], m["material_id"]),
                  MES_KINDS[m["kind"]])  # fmt: skip
        for s in _rows(plant, "suppliers"):
            w.add("供应商.csv", s["supplier_id"], s["name"], s["country"])
        for c in _rows(plant, "customers"):
            w.add("客户.csv", c["customer_id"], c["name"], c["contact"], c["country"])
        for d in _rows(plant, "devices"):
            w.add("设备.csv", d["device_id"], d["name"], MES_DEVICE_KINDS[d["kind"]])
        for o in _rows(plant, "operators"):
            w.add("人员.csv", o["operator_id"], o["name"])
        lots = {lot["lot_id"]: lot for lot in _rows(plant, "lots")}
        for lot in lots.values():
            if lot["supplier_id"]:
                material = lot["material_id"]
                w.add("来料记录.csv", lot["lot_id"], material, lot["supplier_id"],
                      lot["supplier_lot"], _mes_amount(lot["quantity"], material),
                      _mes_unit(lot["uom"], material), _mes_time(lot["received_at"]),
                      _mes_time(lot["expires_at"]), MES_STATUS[lot["status"]])  # fmt: skip
        _production(plant, w, lots)
        for i in _rows(plant, "inspections"):
            w.add("检验记录.csv", i["inspection_id"], MES_TESTS[i["test"]],
                  MES_RESULTS[i["result"]], _mes_time(i["inspected_at"]), i["lot_id"],
                  i["step_id"], i["operator_id"], i["value"], i["unit"])  # fmt: skip
        headers = {s["shipment_id"]: s for s in _rows(plant, "shipments")}
        for line in _rows(plant, "shipment_lines"):
            head, material = headers[line["shipment_id"]], lots[line["lot_id"]]["material_id"]
            w.add("发货记录.csv", line["shipment_id"], head["customer_id"],
                  _mes_time(head["shipped_at"]), head["carrier"], head["reference_doc"],
                  line["lot_id"], _mes_amount(line["quantity"], material),
                  _mes_unit(line["uom"], material))  # fmt: skip
        for e in _rows(plant, "device_events"):
            w.add("设备事件.csv", e["device_id"], MES_EVENTS[e["event"]], _mes_time(e["at"]),
                  MES_EVENT_RESULTS.get(e["result"], e["result"]))  # fmt: skip
    return w.rows


def _mes_output(lot: dict[str, str], made: dict[str, str]) -> tuple[str, ...]:
    """A production record's output cells: 批次号, 物料编码, 数量, 单位, 批次状态, 有效期至."""
    material = lot["material_id"]
    return (lot["lot_id"], material, _mes_amount(made["quantity"], material),
            _mes_unit(made["uom"], material), MES_STATUS[lot["status"]],
            _mes_time(lot["expires_at"]))  # fmt: skip


def _mes_input(lot: dict[str, str], used: dict[str, str]) -> tuple[str, ...]:
    """A production record's input cells: 投入批次, 投入数量, 投入单位."""
    material = lot["material_id"]
    return (used["lot_id"], _mes_amount(used["quantity"], material),
            _mes_unit(used["uom"], material))  # fmt: skip


def _production(plant: Path, w: _Out, lots: dict[str, dict[str, str]]) -> None:
    """生产记录: a row per input and output lot of each step (the files list a step's inputs
    and outputs in step order, so one step's are read together)."""
    outputs: dict[str, list[dict[str, str]]] = {}
    for made in _rows(plant, "step_outputs"):
        outputs.setdefault(made["step_id"], []).append(made)
    inputs: dict[str, list[dict[str, str]]] = {}
    for used in _rows(plant, "step_inputs"):
        inputs.setdefault(used["step_id"], []).append(used)
    for s in _rows(plant, "steps"):
        step = (s["step_id"], MES_OPERATIONS[s["operation"]], s["device_id"], s["operator_id"],
                s["work_order_id"], _mes_time(s["started_at"]),
                _mes_time(s["ended_at"]))  # fmt: skip
        parameters = tuple(s.get(name, "") for name in ("mix_min", "oven_temp_c", "bake_min"))
        # A step without outputs or inputs still has its row, with those cells empty (the
        # mapping's output and input sections take only rows that name a lot).
        made_rows = [_mes_output(lots[m["lot_id"]], m) for m in outputs.pop(s["step_id"], [])]
        used_rows = [_mes_input(lots[u["lot_id"]], u) for u in inputs.get(s["step_id"], [])]
        for output in made_rows or [("",) * 6]:
            for put_in in used_rows or [("",) * 3]:
                w.add("生产记录.csv", *step, *output, *put_in, *parameters)
        inputs.pop(s["step_id"], None)


@dataclass(frozen=True)
class ExportShape:
    """A way real systems export a plant: its writer, its files and the bundled mapping."""

    write: Callable[[Path, Path], dict[str, int]]
    files: dict[str, tuple[str, ...]]
    mapping: str  # the bundled mapping's name (importers/NAME/mapping.toml)


EXPORT_SHAPES = {
    "sap": ExportShape(write_sap, SAP_FILES, "sap"),
    "mes": ExportShape(write_mes, MES_FILES, "mes_gbk"),
}
