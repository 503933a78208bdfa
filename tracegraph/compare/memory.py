"""The physical-limit reference: the plant's lot-step graph as compressed sparse rows in memory,
searched breadth-first with numpy (each node visited once, a whole frontier per step).

Nodes are lots and steps; edges run lot -> step (input) and step -> lot (output), so forward is
a search on the matrix and backward on its transpose. Answers are lot sets — the part of each
question every engine must agree on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from tracegraph.plant import plant_rows


@dataclass
class _Steps:
    ids: np.ndarray  # node index of each step
    device: np.ndarray  # device id per step (object array)
    operator: np.ndarray
    operation: np.ndarray
    started: np.ndarray  # datetime64[s] UTC
    ended: np.ndarray  # the start for a step with no end time
    unended: np.ndarray  # no end time (bool)


class InMemoryPlant:
    def __init__(self, folder: Path) -> None:
        lots = plant_rows(folder, "lots")
        steps = plant_rows(folder, "steps")
        self.names: list[str] = [r["lot_id"] for r in lots] + [r["step_id"] for r in steps]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.lot_count = len(lots)
        self.supplier = np.array([r["supplier_id"] or None for r in lots], dtype=object)
        self.steps = _Steps(
            ids=np.arange(len(lots), len(self.names)),
            device=np.array([r["device_id"] or None for r in steps], dtype=object),
            operator=np.array([r["operator_id"] or None for r in steps], dtype=object),
            operation=np.array([r["operation"] for r in steps], dtype=object),
            started=np.array([_utc(r["started_at"]) for r in steps], dtype="datetime64[s]"),
            ended=np.array([_utc(r["ended_at"] or r["started_at"]) for r in steps],
                           dtype="datetime64[s]"),
            unended=np.array([not r["ended_at"] for r in steps], dtype=bool),
        )  # fmt: skip
        sources, targets = [], []
        for r in plant_rows(folder, "step_inputs"):
            sources.append(self.index[r["lot_id"]])
            targets.append(self.index[r["step_id"]])
        self.made_by: dict[int, list[int]] = {}  # lot -> steps that made it (factors)
        for r in plant_rows(folder, "step_outputs"):
            sources.append(self.index[r["step_id"]])
            targets.append(self.index[r["lot_id"]])
            self.made_by.setdefault(targets[-1], []).append(sources[-1] - self.lot_count)
        n = len(self.names)
        ones = np.ones(len(sources), dtype=np.int8)
        down = sparse.csr_matrix((ones, (sources, targets)), shape=(n, n))
        self.down = (down.indptr, down.indices)
        up = down.T.tocsr()
        self.up = (up.indptr, up.indices)
        self.edge_count = len(sources)

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (*self.down, *self.up))

    def _reach(self, graph: tuple[np.ndarray, np.ndarray], start: np.ndarray) -> np.ndarray:
        indptr, indices = graph
        seen = np.zeros(len(self.names), dtype=bool)
        seen[start] = True
        frontier = start
        while frontier.size:
            begins, ends = indptr[frontier], indptr[frontier + 1]
            lengths = ends - begins
            total = int(lengths.sum())
            if not total:
                break
            # every neighbour of the frontier at once: begin of each run + offset within it
            offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            found = indices[np.repeat(begins, lengths) + offsets]
            found = np.unique(found[~seen[found]])
            seen[found] = True
            frontier = found
        return np.flatnonzero(seen)

    def _lots(self, reached: np.ndarray) -> set[str]:
        return {self.names[i] for i in reached[reached < self.lot_count]}

    def forward(self, lot_ids: list[str]) -> set[str]:
        """Every lot downstream, sources included."""
        return self._lots(self._reach(self.down, self._indexes(lot_ids)))

    def backward(self, lot_ids: list[str]) -> set[str]:
        """Every lot upstream, sources included."""
        return self._lots(self._reach(self.up, self._indexes(lot_ids)))

    def device_window(self, device: str, start: datetime, end: datetime) -> set[str]:
        """Lots made on the device by steps overlapping [start, end), and all downstream."""
        s = self.steps
        on = s.device == device
        # [start, end): a step that ends when the window starts did not run in it
        hit = on & (s.started < _np(end)) & ((s.started >= _np(start)) | (s.ended > _np(start)))
        unended = on & s.unended & (s.started < _np(start))
        if unended.any():
            # a step with no end time that started before the window: in it when it started
            # less than the device's longest step before (the import's longest_step_s: whole
            # seconds rounded up, plus one), as cypher/trace/device_window.cypher has it
            lengths = (s.ended[on] - s.started[on]).astype(np.int64)
            longest = np.timedelta64(int(np.maximum(lengths, 0).max()) + 1, "s")
            hit |= unended & (s.started + longest > _np(start))
        indptr, indices = self.down
        made = np.concatenate([indices[indptr[i] : indptr[i + 1]] for i in s.ids[hit]] or [[]])
        return self._lots(self._reach(self.down, np.unique(made).astype(np.int64)))

    def factor_rows(self, lot_ids: list[str]) -> list[dict[str, Any]]:
        """Rows shaped like cypher/rootcause/factors.cypher's, for tracegraph.rootcause."""
        out = []
        for lot in lot_ids:
            reached = self._reach(self.up, self._indexes([lot]))
            lots = reached[reached < self.lot_count]
            raw = [i for i in lots if self.supplier[i] is not None]
            made = [i for i in lots if self.supplier[i] is None and self.names[i] != lot]
            steps = [k for i in lots for k in self.made_by.get(int(i), ())]
            out.append({
                "lot_id": lot,
                "raw_lots": [self.names[i] for i in raw if self.names[i] != lot],
                "input_lots": [self.names[i] for i in made],
                "suppliers": sorted({self.supplier[i] for i in raw}),
                "steps": [{
                    "operation": self.steps.operation[k],
                    "started_at": str(self.steps.started[k]) + "Z",
                    "device_id": self.steps.device[k], "operator_id": self.steps.operator[k],
                } for k in steps],
            })  # fmt: skip
        return out

    def _indexes(self, lot_ids: list[str]) -> np.ndarray:
        return np.array([self.index[lot] for lot in lot_ids], dtype=np.int64)


def _utc(text: str) -> np.datetime64:
    return _np(datetime.fromisoformat(text))


def _np(moment: datetime) -> np.datetime64:
    return np.datetime64(int(moment.timestamp()), "s")
