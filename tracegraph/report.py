"""Self-contained HTML reports: an interactive picture of the affected subgraph.

Drawn with Neo4j's own neo4j-viz (the NVL library, inlined: the file opens offline). A browser
stays usable up to a few thousand nodes, so the picture holds the sources and the lots nearest
to them up to PICTURE_LIMIT; when it holds less than the trace, the report says so in its
header and names where every lot is listed (the recall package's spreadsheet and JSON, a trace's
`--format json|csv` output).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracegraph.errors import ConfigurationError
from tracegraph.private_files import write_private_text
from tracegraph.trace import BackwardTrace, ForwardTrace

if TYPE_CHECKING:  # imported where a picture is drawn: it costs every command 0.3 s to load
    from neo4j_viz import Node, Relationship, VisualizationGraph

PICTURE_LIMIT = 1500  # lots drawn

COLORS = {
    "source": "#d62728",
    "lot": "#1f77b4",
    "hold": "#ff7f0e",
    "rejected": "#8c564b",
    "step": "#7f7f7f",
    "shipment": "#2ca02c",
    "customer": "#9467bd",
    "failed": "#e377c2",
    "supplier": "#bcbd22",
}


class _Picture:
    """Nodes by id and relationships by (source, target, caption), each drawn once. The
    relationships are numbered in the order they are added (neo4j-viz would give each a random
    id): the same trace draws the same file."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.relationships: dict[tuple[str, str, str], Relationship] = {}

    def node(self, key: str, caption: str, color: str, size: int, **properties: Any) -> None:
        from neo4j_viz import Node

        if key not in self.nodes:
            self.nodes[key] = Node(
                id=key, caption=caption, color=color, size=size, properties=properties
            )

    def lot(self, lot: dict[str, Any], color: str, size: int = 18) -> None:
        caption = f"{lot['lot_id']}\n{lot.get('material_id') or ''}"
        properties = {k: v for k, v in lot.items() if not isinstance(v, dict | list)}
        self.node(lot["lot_id"], caption, color, size, **properties)

    def step(self, step: dict[str, Any], caption: str) -> str:
        key = f"step:{step['step_id']}"
        properties = {k: step[k] for k in ("step_id", "operation", "started_at")}
        self.node(key, caption, COLORS["step"], 10, **properties)
        return key

    def link(self, source: str, target: str, caption: str) -> None:
        from neo4j_viz import Relationship

        if (source, target, caption) not in self.relationships:
            self.relationships[(source, target, caption)] = Relationship(
                id=f"r{len(self.relationships) + 1}", source=source, target=target,
                caption=caption,
            )  # fmt: skip

    def graph(self) -> VisualizationGraph:
        from neo4j_viz import VisualizationGraph

        return VisualizationGraph(
            nodes=list(self.nodes.values()), relationships=list(self.relationships.values())
        )


def _lot_color(lot: dict[str, Any], failed: set[str] | frozenset[str] = frozenset()) -> str:
    status = lot.get("status")
    if status in ("hold", "rejected"):
        return COLORS[status]
    return COLORS["failed"] if lot["lot_id"] in failed else COLORS["lot"]


def trace_picture(trace: ForwardTrace) -> tuple[VisualizationGraph, int]:
    """The graph to draw, and how many reached lots it leaves out."""
    picture = _Picture()
    drawn = trace.lots[:PICTURE_LIMIT]  # lots come sorted by depth: the nearest first
    lot_ids = {lot["lot_id"] for lot in drawn} | {s["lot_id"] for s in trace.sources}
    for source in trace.sources:
        picture.lot(source, COLORS["source"], size=30)
    for lot in drawn:
        picture.lot(lot, _lot_color(lot))
    for step in trace.steps:
        inputs = [lot for lot in step["inputs"] if lot in lot_ids]
        outputs = [lot for lot in step["outputs"] if lot in lot_ids]
        if not inputs or not outputs:
            continue
        key = picture.step(step, f"{step['step_id']}\n{step['operation']}")
        for lot in inputs:
            picture.link(lot, key, "INPUT_TO")
        for lot in outputs:
            picture.link(key, lot, "PRODUCED")
    for line in trace.shipments:
        if line["lot_id"] not in lot_ids:
            continue
        shipment, customer = f"shipment:{line['shipment_id']}", f"customer:{line['customer_id']}"
        picture.node(shipment, line["shipment_id"], COLORS["shipment"], 14)
        picture.node(customer, line["customer_name"] or line["customer_id"], COLORS["customer"], 24)
        moved = (f"RETURNED {-line['quantity']:g}" if line["is_return"]
                 else f"SHIPPED {line['quantity'] or 0:g}")  # fmt: skip
        picture.link(line["lot_id"], shipment, f"{moved} {line['uom'] or ''}".rstrip())
        picture.link(shipment, customer, "TO")
    return picture.graph(), len(trace.lots) - len(drawn)


def genealogy_picture(trace: BackwardTrace) -> tuple[VisualizationGraph, int]:
    """The genealogy to draw — input lots nearest the sources first, the steps between them
    (with device and operator), the suppliers of received lots — and how many lots it leaves
    out. Lots with a failed inspection stand out."""
    picture = _Picture()
    drawn = trace.lots[:PICTURE_LIMIT]  # sorted by depth: the nearest first
    lot_ids = {lot["lot_id"] for lot in drawn} | {s["lot_id"] for s in trace.sources}
    failed = {i["lot_id"] for i in trace.inspections if i.get("result") == "fail"}
    for source in trace.sources:
        picture.lot(source, COLORS["source"], size=30)
    for lot in drawn:
        picture.lot(lot, _lot_color(lot, failed))
    for step in trace.steps:
        inputs = [e for e in step["inputs"] if e["lot_id"] in lot_ids]
        outputs = [e for e in step["outputs"] if e["lot_id"] in lot_ids]
        if not inputs or not outputs:
            continue
        by = " · ".join(v for v in (step["device_id"], step["operator_id"]) if v)
        key = picture.step(step, f"{step['step_id']}\n{step['operation']}\n{by}".rstrip())
        for edge in inputs:
            picture.link(edge["lot_id"], key, f"INPUT_TO {_quantity(edge)}".rstrip())
        for edge in outputs:
            picture.link(key, edge["lot_id"], f"PRODUCED {_quantity(edge)}".rstrip())
    for supplier in trace.suppliers:
        key = f"supplier:{supplier['supplier_id']}"
        for lot in supplier["lots"]:
            if lot["lot_id"] not in lot_ids:
                continue
            picture.node(key, supplier["name"] or supplier["supplier_id"], COLORS["supplier"], 24)
            # Drawn from the supplier down to the lot (the model's SUPPLIED_BY points up), so
            # that material flows one way through the picture.
            picture.link(key, lot["lot_id"], f"supplier lot {lot['supplier_lot'] or '?'}")
    return picture.graph(), len(trace.lots) - len(drawn)


def _quantity(edge: dict[str, Any]) -> str:
    if edge.get("quantity") is None:
        return ""
    return f"{edge['quantity']:g} {edge.get('uom') or ''}".rstrip()


LEGENDS = {
    "forward": "Red: source lots · blue: lots · orange: on hold · brown: rejected · grey: steps · "
    "green: shipments · purple: customers",
    "backward": "Red: the traced lots · blue: input lots · orange: on hold · brown: rejected · "
    "pink: a failed inspection (when not on hold or rejected) · grey: steps (device · operator) "
    "· olive: suppliers",
}


def check_writable(path: Path) -> Path:
    """`path` can take a picture: checked before a trace runs, so that a typo in --html costs
    one line, not the trace (it ended in an internal error, exit 3, the answer lost)."""
    if path.is_dir():
        raise ConfigurationError(f"{path} is a folder", hint="--html names the file to write")
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"cannot write {path}: the folder {path.parent} does not exist",
            hint="create it, or name a file in an existing folder",
        )
    return path


def write_html(
    path: Path,
    trace: ForwardTrace | BackwardTrace,
    title: str,
    complete_in: str = "the JSON and CSV output of the trace (--format json|csv)",
) -> Path:
    """Write the picture of a forward or backward trace; `complete_in` names where the lots
    the picture leaves out are listed."""
    if isinstance(trace, ForwardTrace):
        graph, left_out = trace_picture(trace)
        legend = LEGENDS["forward"]
    else:
        graph, left_out = genealogy_picture(trace)
        legend = LEGENDS["backward"]
    page = str(graph.render(layout="hierarchical", height="85vh", max_allowed_nodes=20000).data)
    header = f"<h2>{html.escape(title)}</h2><p>{html.escape(trace.summary())}</p>"
    if left_out:
        header += (
            f"<p><b>The picture shows the {PICTURE_LIMIT:,} lots nearest to the sources; "
            f"{left_out:,} more are in {html.escape(complete_in)}.</b></p>"
        )
    header += f"<p>{html.escape(legend)}</p>"
    banner = f'<div style="padding:0 1em;font-family:system-ui,sans-serif">{header}</div>'
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", page, count=1)
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page, count=1)
    # neo4j-viz names its container with a random id: one fixed name makes the file the same
    # for the same trace.
    container = re.search(r'id="(neo4j-viz-[0-9a-f]{12})"', page)
    if container:
        page = page.replace(container.group(1), "neo4j-viz-picture")
    try:
        write_private_text(path, page)  # the lots and customers of a trace: the user's alone
    except OSError as error:
        raise ConfigurationError(
            f"cannot write {path}: {error.strerror}", hint="name a file you may write"
        ) from None
    return path
