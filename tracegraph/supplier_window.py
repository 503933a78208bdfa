"""A supplier's window: the lots received from a supplier in a span of time, and where they went.

A supplier's notice names a span of its production or deliveries ("batches shipped to you from
1 to 5 November may be contaminated"), not our lot ids: the lots received from it then are the
sources of a forward trace, as the lots a device made in a window are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tracegraph.errors import UnknownSubject
from tracegraph.gcpause import without_collector
from tracegraph.graph import TraceGraph
from tracegraph.idtext import normal_id
from tracegraph.trace import ForwardTrace, _downstream, close_ids, forward_from_subgraph
from tracegraph.values import counted, first_ids, iso

RECEIPT_FIELDS = ("lot_id", "material_id", "supplier_lot", "received_at", "quantity", "uom",
                  "status")  # fmt: skip


@dataclass
class SupplierWindow:
    """Lots received from a supplier in [start, end), and their forward trace."""

    supplier_id: str
    start: str
    end: str
    receipts: list[dict[str, Any]]
    forward: ForwardTrace | None
    undated: int = 0  # the supplier's lots with no receipt date: in no window
    seconds: float = 0.0
    received_lots: list[str] = field(default_factory=list)
    undated_ids: list[str] = field(default_factory=list)  # those lots, by lot id

    @property
    def warnings(self) -> list[str]:
        if not self.undated:
            return []
        one = self.undated == 1
        return [
            f"{counted(self.undated, 'lot')} from supplier {self.supplier_id} "
            f"{'has' if one else 'have'} no receipt date and {'is' if one else 'are'} in no "
            f"window (received_at empty in the lots table): trace {'it' if one else 'them'} "
            f"by lot id: {first_ids(self.undated_ids)}"
        ]

    def as_dict(self, forward: bool = True) -> dict[str, Any]:
        """The answer as JSON gives it; without `forward`, what the window held alone (a recall
        package writes the trace once, beside it)."""
        return {
            "supplier_id": self.supplier_id,
            "from": self.start,
            "to": self.end,
            "receipts": self.receipts,
            "received_lots": self.received_lots,
            "undated_lots": self.undated,
            "undated_lot_ids": self.undated_ids,
            **({"forward": self.forward.as_dict() if self.forward else None} if forward else {}),
            "warnings": self.warnings,
            "truncated": False,
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> str:
        text = (
            f"supplier {self.supplier_id}, {self.start} – {self.end}: "
            f"{counted(len(self.received_lots), 'lot')} received"
        )
        if self.forward:
            text += " · downstream: " + self.forward.summary()
        return text


@without_collector
def trace_supplier(graph: TraceGraph, subject: str, start: str, end: str) -> SupplierWindow:
    """The lots received from supplier `subject` in [start, end) (ISO 8601 with an offset),
    and their forward trace."""
    started = time.perf_counter()
    subject = normal_id(subject)  # as the import stores ids
    (found,) = graph.read("trace/supplier_receipts", supplier_id=subject, window_start=start,
                          window_end=end)  # fmt: skip
    # whether the supplier exists only when the window is empty (as trace_window asks)
    if (
        not found["receipts"]
        and not graph.read("trace/supplier_exists", supplier_id=subject)[0]["found"]
    ):
        close = close_ids(subject, graph.read("trace/supplier_ids")[0]["ids"])
        raise UnknownSubject(
            f"no supplier is known as {subject!r}",
            hint=f"close matches: {', '.join(close)}" if close
            else "ids are case-sensitive; `tracegraph db status` counts the suppliers",
        )  # fmt: skip
    receipts = [dict(zip(RECEIPT_FIELDS, row, strict=True)) for row in found["receipts"]]
    for receipt in receipts:
        receipt["received_at"] = iso(receipt["received_at"])
    lots = list(dict.fromkeys(receipt["lot_id"] for receipt in receipts))
    forward = forward_from_subgraph(_downstream(graph, lots), lots) if lots else None
    undated = sorted(set(found["undated"]))  # a lot with two undated receipts named once
    return SupplierWindow(subject, start, end, receipts, forward, len(undated),
                          time.perf_counter() - started, lots, undated)  # fmt: skip
