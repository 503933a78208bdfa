"""The same data imported with its rows in another order gives the same answers, byte for byte.

Exports come in whatever order the source system writes them, and a re-import after a reset
stores nodes and relationships in another order. An answer that follows the store's order
(a step's lots, a supplier's lots) changes between two runs on the same data — a recall
package that differs from last week's for no reason is one nobody can trust."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from tracegraph.check import run_checks
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import show_lot
from tracegraph.plant import PlantSummary, generate_plant
from tracegraph.recall import tracking_events
from tracegraph.rootcause import rank_common_causes
from tracegraph.trace import trace_backward, trace_forward, trace_window

PLANT_LOTS = 800
SEED = 5


def _shuffled_copy(plant: Path, out: Path) -> Path:
    """Each table with its header first and its rows in a random order."""
    out.mkdir()
    rng = random.Random(SEED)
    for path in sorted(plant.glob("*.csv")):
        header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rng.shuffle(rows)
        (out / path.name).write_text(header + "".join(rows), encoding="utf-8")
    return out


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _answers(graph: TraceGraph, plant: PlantSummary) -> dict[str, Any]:
    """Every kind of answer, on lots and windows where the store's order could show."""
    with (plant.out / "lots.csv").open(encoding="utf-8") as file:
        lots = list(csv.DictReader(file))
    with (plant.out / "steps.csv").open(encoding="utf-8") as file:
        steps = list(csv.DictReader(file))
    raw = [lot["lot_id"] for lot in lots if lot["supplier_id"]][10:40:6]
    made = [lot["lot_id"] for lot in lots if not lot["supplier_id"]]
    finished = made[-200::20]
    start, end = min(s["started_at"] for s in steps), max(s["started_at"] for s in steps)
    salt = plant.commodity_lots[0]
    answers: dict[str, Any] = {
        "forward": [trace_forward(graph, [lot]).as_dict() for lot in [*raw, salt]],
        "forward_all": trace_forward(graph, raw).as_dict(),
        "backward": [trace_backward(graph, [lot]).as_dict() for lot in finished],
        "backward_all": trace_backward(graph, finished).as_dict(),
        "devices": [trace_window(graph, "device", device, start, end).as_dict()
                    for device in sorted({s["device_id"] for s in steps if s["device_id"]})],
        "operators": [trace_window(graph, "operator", operator, start, end).as_dict()
                      for operator in sorted({s["operator_id"] for s in steps})[:3]],
        "lots": [show_lot(graph, lot) for lot in [*raw[:2], *finished[:3]]],
        "checks": run_checks(graph).as_dict(),
        "rootcause": rank_common_causes(graph, finished).as_dict(),
        "events": tracking_events(graph, trace_forward(graph, raw[:2])),
    }  # fmt: skip
    without: dict[str, Any] = _without_timings(answers)
    return without


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two answers differ, as paths (the first few are enough to see why)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} vs {list(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} entries"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, f"{path}[{i}]")]  # fmt: skip
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def test_answers_do_not_depend_on_the_order_of_the_rows(graph: TraceGraph, tmp_path: Path) -> None:
    plant = generate_plant(PLANT_LOTS, SEED, tmp_path / "plant")
    assert import_paths(graph, [plant.out]).rejects == []
    first = _answers(graph, plant)
    shuffled = _shuffled_copy(plant.out, tmp_path / "shuffled")
    graph.reset(keep_schema=True)
    graph.init_schema()
    assert import_paths(graph, [shuffled]).rejects == []
    second = _answers(graph, plant)

    assert _differences(first, second)[:5] == []
    assert json.dumps(first) == json.dumps(second)
    # The answers are not empty: the comparison above compared something.
    assert first["backward_all"]["suppliers"] and first["devices"][0]["steps"]
    assert any(len(s["lots"]) > 1 for s in first["backward_all"]["suppliers"])
    assert any(len(step["lots"]) > 1 for d in first["devices"] for step in d["steps"])
