"""The synthetic plant: deterministic, consistent, and as hard to trace as a real one."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.importing.tables import TABLES
from tracegraph.plant import ALARM_KINDS, COMMODITY, PLANT_TABLES, PlantSummary, generate_plant


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _digest(folder: Path) -> str:
    return hashlib.sha256(
        b"".join((folder / f"{t}.csv").read_bytes() for t in sorted(PLANT_TABLES))
    ).hexdigest()


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> PlantSummary:
    return generate_plant(6000, seed=7, out=tmp_path_factory.mktemp("plant"))


def test_same_seed_same_bytes_other_seed_other_plant(plant: PlantSummary, tmp_path: Path) -> None:
    assert _digest(generate_plant(6000, seed=7, out=tmp_path / "again").out) == _digest(plant.out)
    assert _digest(generate_plant(6000, seed=8, out=tmp_path / "other").out) != _digest(plant.out)


def test_the_default_plant_is_the_one_earlier_versions_made(plant: PlantSummary) -> None:
    """Seeds name plants in benchmark results and tests: without --alarms-per-device, a seed
    gives the same files byte for byte as before the option existed."""
    assert _digest(plant.out) == "432a0626c7b3f275ce59200a6e27cc33d2a6a6087dd3e9fb6e0fe95213fbb8a2"


def test_alarms_per_device_adds_an_alarm_log_and_changes_nothing_else(tmp_path: Path) -> None:
    plain = generate_plant(300, seed=4, out=tmp_path / "plain")
    logged = generate_plant(300, seed=4, out=tmp_path / "logged", alarms_per_device=250)
    again = generate_plant(300, seed=4, out=tmp_path / "again", alarms_per_device=250)
    assert _digest(again.out) == _digest(logged.out)
    for table in PLANT_TABLES:
        before = (plain.out / f"{table}.csv").read_text(encoding="utf-8")
        after = (logged.out / f"{table}.csv").read_text(encoding="utf-8")
        if table == "device_events":
            assert after.startswith(before)  # the plant's own events first, as they were
        else:
            assert after == before, table
    added = _rows(logged.out, "device_events")[plain.rows["device_events"] :]
    per_device: dict[str, list[str]] = defaultdict(list)
    for row in added:
        assert (row["event"], row["result"] in ALARM_KINDS) == ("alarm", True)
        per_device[row["device_id"]].append(row["at"])
    devices = [r["device_id"] for r in _rows(logged.out, "devices")]
    assert sorted(per_device) == sorted(devices)
    assert all(len(times) == 250 for times in per_device.values())
    # spread over the plant's time span, and no two events of a device at one time (one key)
    steps = _rows(logged.out, "steps")
    first = min(datetime.fromisoformat(s["started_at"]) for s in steps)
    last = max(datetime.fromisoformat(s["ended_at"]) for s in steps)
    times = {d: [datetime.fromisoformat(at) for at in ats] for d, ats in per_device.items()}
    assert all(first <= at <= last + timedelta(minutes=30) for t in times.values() for at in t)
    hour = timedelta(hours=1)
    assert all(min(t) < first + hour and max(t) > last - hour for t in times.values())
    keys = [(r["device_id"], r["event"], r["at"]) for r in _rows(logged.out, "device_events")]
    assert len(keys) == len(set(keys))


def test_lot_count_is_close_to_the_request(plant: PlantSummary) -> None:
    assert abs(plant.lots - 6000) <= 300
    assert plant.rows["lots"] == len(_rows(plant.out, "lots"))


def test_headers_are_canonical(plant: PlantSummary) -> None:
    for name in PLANT_TABLES:
        table = TABLES[name]
        header = next(csv.reader((plant.out / f"{name}.csv").open(encoding="utf-8")))
        canonical = [c.name for c in table.columns]
        assert header[: len(canonical)] == canonical
        assert name == "steps" or header == canonical


def test_references_exist_and_time_runs_forward(plant: PlantSummary) -> None:
    lots = {r["lot_id"]: r for r in _rows(plant.out, "lots")}
    steps = {r["step_id"]: r for r in _rows(plant.out, "steps")}
    shipments = {r["shipment_id"]: r for r in _rows(plant.out, "shipments")}
    materials = {r["material_id"] for r in _rows(plant.out, "materials")}
    assert {r["material_id"] for r in lots.values()} <= materials
    for edge in _rows(plant.out, "step_inputs"):
        assert edge["lot_id"] in lots and edge["step_id"] in steps
        # ISO 8601 with the same offset compares as text.
        assert lots[edge["lot_id"]]["created_at"] <= steps[edge["step_id"]]["started_at"]
    for edge in _rows(plant.out, "step_outputs"):
        assert edge["lot_id"] in lots and edge["step_id"] in steps
    for line in _rows(plant.out, "shipment_lines"):
        assert line["lot_id"] in lots and line["shipment_id"] in shipments
        assert lots[line["lot_id"]]["created_at"] <= shipments[line["shipment_id"]]["shipped_at"]


def test_the_plant_has_every_hard_case(plant: PlantSummary) -> None:
    inputs = defaultdict(list)
    for edge in _rows(plant.out, "step_inputs"):
        inputs[edge["step_id"]].append(edge["lot_id"])
    outputs = defaultdict(list)
    for edge in _rows(plant.out, "step_outputs"):
        outputs[edge["step_id"]].append(edge["lot_id"])
    operations = {r["step_id"]: r["operation"] for r in _rows(plant.out, "steps")}
    assert any(len(v) > 1 for v in inputs.values())  # merges
    assert any(len(v) > 1 for v in outputs.values())  # splits
    assert "rework" in operations.values()
    lines = _rows(plant.out, "shipment_lines")
    assert any(float(r["quantity"]) < 0 for r in lines)  # returns
    per_shipment = defaultdict(set)
    per_lot = defaultdict(set)
    for r in lines:
        per_shipment[r["shipment_id"]].add(r["lot_id"])
        per_lot[r["lot_id"]].add(r["shipment_id"])
    assert any(len(v) > 1 for v in per_shipment.values())  # multi-lot shipments
    assert any(len(v) > 1 for v in per_lot.values())  # partial shipments
    supplier_lots = [r["supplier_lot"] for r in _rows(plant.out, "lots") if r["supplier_lot"]]
    assert any(s.startswith("0") for s in supplier_lots)  # leading zeros
    assert any(r["result"] == "fail" for r in _rows(plant.out, "inspections"))
    assert {r["event"] for r in _rows(plant.out, "device_events")} >= {"calibration"}


def test_the_commodity_reaches_almost_every_finished_lot(plant: PlantSummary) -> None:
    """An independent breadth-first search over the tables, lot → step → lot."""
    consumers = defaultdict(list)
    for edge in _rows(plant.out, "step_inputs"):
        consumers[edge["lot_id"]].append(edge["step_id"])
    produced = defaultdict(list)
    for edge in _rows(plant.out, "step_outputs"):
        produced[edge["step_id"]].append(edge["lot_id"])
    lots = _rows(plant.out, "lots")
    seen = {r["lot_id"] for r in lots if r["material_id"] == COMMODITY}
    assert seen == set(plant.commodity_lots)
    frontier = list(seen)
    while frontier:
        lot = frontier.pop()
        for step in consumers[lot]:
            for out in produced[step]:
                if out not in seen:
                    seen.add(out)
                    frontier.append(out)
    finished = [r["lot_id"] for r in lots if r["location_id"] == "WH-FG"]
    assert sum(lot in seen for lot in finished) >= 0.95 * len(finished)


def test_demo_generate_command(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "generate", "--lots", "500", "--seed", "3",
                                 "--out", str(tmp_path / "plant")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Generated ")
    log = str(tmp_path / "log")
    logged = runner.invoke(app, ["demo", "generate", "--lots", "500", "--seed", "3",
                                 "--alarms-per-device", "100", "--out", log])  # fmt: skip
    assert logged.exit_code == 0, logged.stderr
    assert (
        len(_rows(tmp_path / "log", "device_events"))
        == len(_rows(tmp_path / "plant", "device_events")) + 14 * 100
    )
    too_many = runner.invoke(app, ["demo", "generate", "--lots", "50", "--alarms-per-device",
                                   "10000000", "--out", str(tmp_path / "many")])  # fmt: skip
    assert too_many.exit_code == 2
    assert too_many.stderr.strip() == (
        "error: --alarms-per-device 10000000 does not fit a plant of 50 lots (hint: use 0 to "
        "15,163 (one alarm a second at most), or more --lots)"
    )
    again = runner.invoke(app, ["demo", "generate", "--out", str(tmp_path / "plant")])
    assert again.exit_code == 2
    assert again.stderr.strip() == (
        f"error: {tmp_path / 'plant'} already holds CSV tables "
        "(hint: choose another --out, or add --force)"
    )
