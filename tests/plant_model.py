"""An independent in-memory model of a generated plant, read straight from its CSV files.

The trace tests compare tracegraph's answers against a plain breadth-first search over these
edges: no Neo4j, no Cypher, no code shared with tracegraph's traversal or weighing.
"""

from __future__ import annotations

import csv
from collections import defaultdict, deque
from pathlib import Path


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class PlantModel:
    def __init__(self, folder: Path) -> None:
        self.lots = {r["lot_id"]: r for r in _rows(folder, "lots")}
        self.steps = {r["step_id"]: r for r in _rows(folder, "steps")}
        self.inputs: dict[str, list[str]] = defaultdict(list)  # step -> lots
        self.outputs: dict[str, list[str]] = defaultdict(list)  # step -> lots
        self.used_in: dict[str, list[str]] = defaultdict(list)  # lot -> steps
        self.made_by: dict[str, list[str]] = defaultdict(list)  # lot -> steps
        for r in _rows(folder, "step_inputs"):
            self.inputs[r["step_id"]].append(r["lot_id"])
            self.used_in[r["lot_id"]].append(r["step_id"])
        for r in _rows(folder, "step_outputs"):
            self.outputs[r["step_id"]].append(r["lot_id"])
            self.made_by[r["lot_id"]].append(r["step_id"])
        self.customer_of = {r["shipment_id"]: r["customer_id"] for r in _rows(folder, "shipments")}
        self.lines: dict[str, list[tuple[str, float]]] = defaultdict(list)  # lot -> shipments
        for r in _rows(folder, "shipment_lines"):
            self.lines[r["lot_id"]].append((r["shipment_id"], float(r["quantity"])))

    def _reach(self, sources: list[str], steps_of: dict[str, list[str]],
               lots_of: dict[str, list[str]]) -> dict[str, int]:  # fmt: skip
        depth = dict.fromkeys(sources, 0)
        queue = deque(sources)
        while queue:
            lot = queue.popleft()
            for step in steps_of.get(lot, ()):
                for nxt in lots_of.get(step, ()):
                    if nxt not in depth:
                        depth[nxt] = depth[lot] + 1
                        queue.append(nxt)
        return depth

    def forward(self, sources: list[str]) -> dict[str, int]:
        """Reached lot -> depth, sources excluded."""
        reached = self._reach(sources, self.used_in, self.outputs)
        return {lot: d for lot, d in reached.items() if lot not in sources}

    def backward(self, sources: list[str]) -> dict[str, int]:
        reached = self._reach(sources, self.made_by, self.inputs)
        return {lot: d for lot, d in reached.items() if lot not in sources}

    def shipment_lines(self, lots: set[str]) -> set[tuple[str, str]]:
        return {(shipment, lot) for lot in lots for shipment, _ in self.lines.get(lot, ())}

    def customers(self, lots: set[str]) -> set[str]:
        return {self.customer_of[s] for s, _ in self.shipment_lines(lots)}

    def suppliers(self, lots: set[str]) -> set[tuple[str, str, str]]:
        return {(self.lots[lot]["supplier_id"], lot, self.lots[lot]["supplier_lot"])
                for lot in lots if self.lots.get(lot, {}).get("supplier_id")}  # fmt: skip

    def steps_making(self, lots: set[str]) -> set[str]:
        return {step for lot in lots for step in self.made_by.get(lot, ())}
