"""A synthetic bakery plant, deterministic for a seed, written as canonical import tables.

The shape follows what makes real traces hard:
- suppliers deliver raw lots under their own lot numbers (some with leading zeros), checked by
  an incoming inspection;
- every mix merges several raw lots and the current lot of one commodity ingredient (salt):
  a salt lot reaches hundreds of batches, which gives millions of paths through the graph;
- dough is baked on ovens (process parameters: oven_temp_c, bake_min); a failed inspection sends
  the baked lot to rework, which produces a new lot;
- packing splits a baked lot into several finished lots;
- shipments carry several lots, a lot may be split across shipments, and a few lots come back
  (negative quantities);
- devices have calibrations, maintenance and alarms; operators work three shifts.

Rows are streamed to CSV, so a million lots needs little memory.
"""

from __future__ import annotations

import csv
import random
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracegraph.importing.tables import TABLES

START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
BATCH_EVERY = timedelta(minutes=7)
RAW = ("FLOUR", "SUGAR", "YEAST", "BUTTER", "SEEDS")
COMMODITY = "SALT"
PRODUCTS = ("BREAD-W", "BREAD-R", "ROLL", "BAGUETTE", "BUN", "CIABATTA")
DEVICES = (("mixer", 4), ("oven", 6), ("packer", 4))
# The kinds of the alarms --alarms-per-device adds (a real alarm log names a few dozen).
ALARM_KINDS = ("over_temperature", "door_open", "low_pressure", "belt_stop", "sensor_fault")
STEP_PARAMETERS = ("mix_min", "oven_temp_c", "bake_min")
BATCHES_PER_SALT_LOT = 400
# The tables the plant writes: the design brief's fourteen. Not lot_identifiers: seeds name
# plants in benchmark results and tests, which compare their files and their graphs (also with
# the SAP and MES shapes, which carry no such table) — a new table would change them all.
PLANT_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name != "lot_identifiers")

LOTS_PER_BATCH = 4.63  # dough + baked + ~2 finished + rework + raw receipts, measured


@dataclass(frozen=True)
class PlantSummary:
    out: Path
    rows: dict[str, int]
    commodity_material: str
    commodity_lots: tuple[str, ...]
    seconds: float = 0.0
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def lots(self) -> int:
        return self.rows["lots"]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Writers:
    """One csv.writer per canonical table, with the canonical header (steps add parameters)."""

    def __init__(self, out: Path, stack: ExitStack) -> None:
        self.rows: dict[str, int] = {}
        self._writers: dict[str, Any] = {}
        for name in PLANT_TABLES:
            table = TABLES[name]
            handle = stack.enter_context(
                (out / f"{name}.csv").open("w", newline="", encoding="utf-8")
            )
            writer = csv.writer(handle, lineterminator="\n")
            header = [c.name for c in table.columns]
            if name == "steps":
                header += STEP_PARAMETERS
            writer.writerow(header)
            self._writers[name] = writer
            self.rows[name] = 0

    def add(self, table: str, *values: object) -> None:
        self._writers[table].writerow(["" if v is None else v for v in values])
        self.rows[table] += 1


def generate_plant(lots: int, seed: int, out: Path, alarms_per_device: int = 0) -> PlantSummary:
    """Write about `lots` lots (±5 %) and everything around them into `out`; with
    `alarms_per_device`, that many more alarms per device over the plant's time span (see
    _alarm_log)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    out.mkdir(parents=True, exist_ok=True)
    batches = max(10, round(lots / LOTS_PER_BATCH))
    with ExitStack() as stack:
        w = _Writers(out, stack)
        _master_data(w, rng)
        salt_lots = _run_batches(w, rng, batches)
        if alarms_per_device:
            _alarm_log(w, seed, batches, alarms_per_device)
    return PlantSummary(
        out=out, rows=w.rows, commodity_material=COMMODITY, commodity_lots=tuple(salt_lots),
        files=tuple(out / f"{name}.csv" for name in PLANT_TABLES),
    )  # fmt: skip


def _master_data(w: _Writers, rng: random.Random) -> None:
    for material in RAW:
        w.add("materials", material, material.title(), "kg", "raw")
    w.add("materials", COMMODITY, "Salt", "kg", "raw")
    w.add("materials", "DOUGH", "Dough", "kg", "intermediate")
    w.add("materials", "BAKED", "Baked goods", "kg", "intermediate")
    for product in PRODUCTS:
        w.add("materials", product, product.title().replace("-", " "), "pcs", "finished")
    for i in range(1, 13):
        w.add("suppliers", f"V{i:02d}", f"Supplier {i}", rng.choice(("DE", "FR", "PL", "CN", "IT")))
    for i in range(1, 61):
        w.add("customers", f"C{i:03d}", f"Customer {i}", f"qa{i}@customer.example",
              rng.choice(("DE", "AT", "CH", "NL")))  # fmt: skip
    for location, kind in (("WH-RAW", "warehouse"), ("PLANT-1", "plant"), ("WH-FG", "warehouse")):
        w.add("locations", location, location.title(), kind, f"40{rng.randrange(10**11):011d}")
    for kind, count in DEVICES:
        for i in range(1, count + 1):
            w.add("devices", f"{kind.upper()}-{i}", f"{kind.title()} {i}", kind, "PLANT-1")
    for i in range(1, 31):
        w.add("operators", f"OP{i:02d}", f"Operator {i}")


def _shift_operator(rng: random.Random, moment: datetime) -> str:
    shift = moment.hour // 8  # three shifts of ten operators
    return f"OP{shift * 10 + rng.randrange(1, 11):02d}"


def _run_batches(w: _Writers, rng: random.Random, batches: int) -> list[str]:
    counter = {"lot": 0, "step": 0, "insp": 0, "ship": 0}

    def new_id(kind: str, prefix: str) -> str:
        counter[kind] += 1
        return f"{prefix}{counter[kind]:07d}"

    open_raw: dict[str, list[tuple[str, float]]] = {m: [] for m in RAW}  # lot, kg left
    salt: list[str] = []
    salt_left = 0.0
    to_ship: list[tuple[str, float]] = []
    shipped_lots: list[tuple[str, str]] = []  # lot, customer
    last_event_day = -1
    last_packed = START

    def receive(material: str, moment: datetime, kg: float) -> str | None:
        """A delivery and its incoming inspection; a failed one is rejected, never used."""
        lot = new_id("lot", "R")
        supplier = f"V{rng.randrange(1, 13):02d}"
        # Suppliers number their own lots; some keep leading zeros that ERPs love to strip.
        supplier_lot = (
            f"{rng.randrange(10**6):06d}" if rng.random() < 0.4 else f"S{rng.randrange(10**7)}"
        )
        result = "fail" if rng.random() < 0.01 else "pass"
        status = "rejected" if result == "fail" else "released"
        w.add("lots", lot, material, kg, "kg", _iso(moment), _iso(moment + timedelta(days=180)),
              status, supplier, supplier_lot, _iso(moment), "WH-RAW")  # fmt: skip
        w.add("inspections", new_id("insp", "I"), "incoming", result, _iso(moment), lot, None,
              None, _shift_operator(rng, moment), None, None)  # fmt: skip
        return lot if result == "pass" else None

    def receive_released(material: str, moment: datetime, kg: float) -> str:
        while (lot := receive(material, moment, kg)) is None:
            moment += timedelta(minutes=5)  # the supplier sends a replacement
        return lot

    for batch in range(batches):
        moment = START + batch * BATCH_EVERY
        if moment.toordinal() != last_event_day:
            last_event_day = moment.toordinal()
            _device_events(w, rng, moment)
        if salt_left <= 0 or batch % BATCHES_PER_SALT_LOT == 0:
            salt.append(receive_released(COMMODITY, moment - timedelta(hours=2), 400.0))
            salt_left = 400.0
        for material in RAW:
            if not open_raw[material] or rng.random() < 0.12:
                kg = float(rng.choice((500, 800, 1000)))
                lot = receive_released(material, moment - timedelta(hours=1), kg)
                open_raw[material].append((lot, kg))
                open_raw[material] = open_raw[material][-3:]

        # Mix: several raw lots and the current salt lot merge into one dough lot. A lot gives
        # no more than it holds: when the chosen lot runs short, a fresh delivery is opened.
        mix = new_id("step", "S")
        operator = _shift_operator(rng, moment)
        inputs: list[tuple[str, float]] = []
        for material in rng.sample(RAW, k=rng.randrange(3, 6)):
            kg = float(rng.randrange(20, 60))
            choice = rng.randrange(len(open_raw[material]))
            lot, left = open_raw[material][choice]
            if left < kg:
                open_raw[material].pop(choice)
                fresh = float(rng.choice((500, 800, 1000)))
                lot = receive_released(material, moment - timedelta(hours=1), fresh)
                open_raw[material].append((lot, fresh))
                choice, left = len(open_raw[material]) - 1, fresh
            open_raw[material][choice] = (lot, left - kg)
            inputs.append((lot, kg))
        inputs.append((salt[-1], 1.0))
        salt_left -= 1.0
        dough = new_id("lot", "D")
        dough_kg = sum(q for _, q in inputs) * 0.98
        w.add("steps", mix, "mix", _iso(moment), _iso(moment + timedelta(minutes=15)),
              f"WO{batch // 50:06d}", f"MIXER-{rng.randrange(1, 5)}", operator, "PLANT-1",
              rng.randrange(8, 15), None, None)  # fmt: skip
        for lot, kg in inputs:
            w.add("step_inputs", mix, lot, kg, "kg")
        w.add("step_outputs", mix, dough, round(dough_kg, 3), "kg")
        mixed_at = _iso(moment + timedelta(minutes=15))
        w.add("lots", dough, "DOUGH", round(dough_kg, 3), "kg", mixed_at,
              None, "released", None, None, None, "PLANT-1")  # fmt: skip

        # Bake: the dough lot becomes a baked lot; a failed check sends it to rework.
        bake_at = moment + timedelta(minutes=30)
        inspected = "fail" if rng.random() < 0.03 else "pass"
        status = "rejected" if inspected == "fail" else "released"
        baked, baked_kg = _bake(w, rng, new_id, dough, dough_kg, bake_at, batch, status=status)
        w.add("inspections", new_id("insp", "I"), "core_temp", inspected,
              _iso(bake_at + timedelta(minutes=40)), baked, counter_step(counter), None,
              _shift_operator(rng, bake_at), round(rng.gauss(96, 2), 1), "degC")  # fmt: skip
        if inspected == "fail":
            rework_at = bake_at + timedelta(hours=1)
            baked, baked_kg = _bake(w, rng, new_id, baked, baked_kg, rework_at, batch, "rework")

        # Pack: one baked lot splits into several finished lots of one product.
        pack = new_id("step", "S")
        pack_at = bake_at + timedelta(hours=2)
        product = rng.choice(PRODUCTS)
        w.add("steps", pack, "pack", _iso(pack_at), _iso(pack_at + timedelta(minutes=20)),
              f"WO{batch // 50:06d}", f"PACKER-{rng.randrange(1, 5)}",
              _shift_operator(rng, pack_at), "PLANT-1", None, None, None)  # fmt: skip
        w.add("step_inputs", pack, baked, round(baked_kg, 3), "kg")
        for _ in range(rng.choice((1, 2, 2, 3))):
            finished = new_id("lot", "F")
            pieces = float(rng.randrange(200, 600))
            w.add("step_outputs", pack, finished, pieces, "pcs")
            packed, expires = pack_at + timedelta(minutes=20), pack_at + timedelta(days=5)
            w.add("lots", finished, product, pieces, "pcs", _iso(packed), _iso(expires),
                  "released", None, None, None, "WH-FG")  # fmt: skip
            to_ship.append((finished, pieces))

        last_packed = pack_at + timedelta(minutes=20)
        if len(to_ship) >= 6:
            _ship(w, rng, new_id, to_ship, shipped_lots, pack_at + timedelta(hours=6))
            to_ship = []
    if to_ship:
        _ship(w, rng, new_id, to_ship, shipped_lots, last_packed + timedelta(hours=6))
    return salt


def counter_step(counter: dict[str, int]) -> str:
    """The id of the step written last (the bake an inspection belongs to)."""
    return f"S{counter['step']:07d}"


def _bake(
    w: _Writers, rng: random.Random, new_id: Any, source: str, kg: float, at: datetime,
    batch: int, operation: str = "bake", status: str = "released",
) -> tuple[str, float]:  # fmt: skip
    step = new_id("step", "S")
    baked = new_id("lot", "B")
    out_kg = round(kg * rng.uniform(0.86, 0.9), 3)
    w.add("steps", step, operation, _iso(at), _iso(at + timedelta(minutes=35)),
          f"WO{batch // 50:06d}", f"OVEN-{rng.randrange(1, 7)}", _shift_operator(rng, at),
          "PLANT-1", None, rng.randrange(200, 240), rng.randrange(25, 45))  # fmt: skip
    w.add("step_inputs", step, source, round(kg, 3), "kg")
    w.add("step_outputs", step, baked, out_kg, "kg")
    w.add("lots", baked, "BAKED", out_kg, "kg", _iso(at + timedelta(minutes=35)), None,
          status, None, None, None, "PLANT-1")  # fmt: skip
    return baked, out_kg


def _ship(
    w: _Writers, rng: random.Random, new_id: Any, lots: list[tuple[str, float]],
    shipped: list[tuple[str, str]], at: datetime,
) -> None:  # fmt: skip
    """Two to three shipments share the lots; some lots are split between two of them."""
    shipments = [new_id("ship", "SH") for _ in range(rng.choice((2, 3)))]
    customers = [f"C{rng.randrange(1, 61):03d}" for _ in shipments]
    lines: dict[str, list[tuple[str, float]]] = {s: [] for s in shipments}
    for lot, pieces in lots:
        first = rng.randrange(len(shipments))
        if rng.random() < 0.2:  # a partial shipment: the lot goes out in two parts
            second = (first + 1) % len(shipments)
            part = float(int(pieces * 0.6))
            lines[shipments[first]].append((lot, part))
            lines[shipments[second]].append((lot, pieces - part))
        else:
            lines[shipments[first]].append((lot, pieces))
    for shipment, customer in zip(shipments, customers, strict=True):
        if not lines[shipment]:
            continue
        w.add("shipments", shipment, customer, _iso(at), "WH-FG", rng.choice(("DHL", "DB", "UPS")),
              f"DN-{shipment}")  # fmt: skip
        for lot, pieces in lines[shipment]:
            w.add("shipment_lines", shipment, lot, pieces, "pcs")
            shipped.append((lot, customer))
    # Now and then a customer sends part of an earlier lot back.
    if shipped and rng.random() < 0.3:
        lot, customer = shipped[rng.randrange(max(0, len(shipped) - 40), len(shipped))]
        rma = new_id("ship", "SH")
        w.add("shipments", rma, customer, _iso(at + timedelta(hours=1)), "WH-FG", None,
              f"RMA-{rma}")  # fmt: skip
        w.add("shipment_lines", rma, lot, -float(rng.randrange(5, 50)), "pcs")


def alarm_log_capacity(lots: int) -> int:
    """The most alarms per device _alarm_log can spread over a plant of about `lots` lots: one
    per second of its time span that is not a whole minute."""
    return _alarm_seconds(max(10, round(lots / LOTS_PER_BATCH)))


def _alarm_seconds(batches: int) -> int:
    # from the first batch to the last pack (two hours and twenty minutes after its mix)
    minutes = (batches * BATCH_EVERY + timedelta(hours=3)) // timedelta(minutes=1)
    return minutes * 59


def _alarm_log(w: _Writers, seed: int, batches: int, per_device: int) -> None:
    """`per_device` alarms per device at distinct seconds spread evenly at random over the
    plant's time span: a real plant's alarm log (tens of thousands a year per device), for
    benchmarks and tests of device-event look-ups. From a generator of their own, so that
    the plant's other rows stay what the seed gives without them. Never at a whole minute,
    where the plant's own calibrations and alarms are: no two events share an event_id."""
    rng = random.Random(f"alarms-{seed}")  # noqa: S311 - reproducible sample data
    seconds = _alarm_seconds(batches)
    for kind, count in DEVICES:
        for i in range(1, count + 1):
            device = f"{kind.upper()}-{i}"
            for slot in sorted(rng.sample(range(seconds), per_device)):
                at = START + timedelta(minutes=slot // 59, seconds=slot % 59 + 1)
                w.add("device_events", device, "alarm", _iso(at), rng.choice(ALARM_KINDS))


def _device_events(w: _Writers, rng: random.Random, day: datetime) -> None:
    for kind, count in DEVICES:
        for i in range(1, count + 1):
            device = f"{kind.upper()}-{i}"
            if day.weekday() == 0:
                at = day.replace(hour=5, minute=i)
                result = "fail" if rng.random() < 0.05 else "pass"
                w.add("device_events", device, "calibration", _iso(at), result)
            if rng.random() < 0.02:
                at = day.replace(hour=rng.randrange(6, 22), minute=rng.randrange(60))
                w.add("device_events", device, "alarm", _iso(at), "over_temperature")


def plant_rows(folder: Path, table: str) -> list[dict[str, str]]:
    """One table of a generated plant as text rows (for benchmarks and their references)."""
    with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
