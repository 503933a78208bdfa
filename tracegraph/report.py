"""Self-contained HTML reports: an interactive picture of the affected subgraph.

Drawn with Neo4j's own neo4j-viz (the NVL library, inlined: the file opens offline). A browser
stays usable up to a few thousand nodes, so the picture holds the sources and the lots nearest
to them up to PICTURE_LIMIT; when it holds less than the trace, the report says so in its
header — the spreadsheet and JSON beside it always list everything.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracegraph.trace import ForwardTrace

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
}


def trace_picture(trace: ForwardTrace) -> tuple[VisualizationGraph, int]:
    """The graph to draw, and how many reached lots it leaves out."""
    from neo4j_viz import Node, Relationship, VisualizationGraph

    drawn = trace.lots[:PICTURE_LIMIT]  # lots come sorted by depth: the nearest first
    lot_ids = {lot["lot_id"] for lot in drawn} | {s["lot_id"] for s in trace.sources}
    nodes: dict[str, Node] = {}
    relationships: list[Relationship] = []

    def lot_node(lot: dict[str, Any], kind: str) -> None:
        status = lot.get("status")
        color = COLORS.get(status or "", COLORS[kind]) if kind == "lot" else COLORS[kind]
        nodes[lot["lot_id"]] = Node(
            id=lot["lot_id"],
            caption=f"{lot['lot_id']}\n{lot.get('material_id') or ''}",
            color=color,
            size=30 if kind == "source" else 18,
            properties={k: v for k, v in lot.items() if not isinstance(v, dict | list)},
        )

    for source in trace.sources:
        lot_node(source, "source")
    for lot in drawn:
        lot_node(lot, "lot")
    for step in trace.steps:
        inputs = [lot for lot in step["inputs"] if lot in lot_ids]
        outputs = [lot for lot in step["outputs"] if lot in lot_ids]
        if not inputs or not outputs:
            continue
        key = f"step:{step['step_id']}"
        nodes[key] = Node(
            id=key,
            caption=f"{step['step_id']}\n{step['operation']}",
            color=COLORS["step"],
            size=10,
            properties={k: step[k] for k in ("step_id", "operation", "started_at")},
        )
        relationships += [
            Relationship(source=lot, target=key, caption="INPUT_TO") for lot in inputs
        ]
        relationships += [
            Relationship(source=key, target=lot, caption="PRODUCED") for lot in outputs
        ]
    for line in trace.shipments:
        if line["lot_id"] not in lot_ids:
            continue
        shipment, customer = f"shipment:{line['shipment_id']}", f"customer:{line['customer_id']}"
        nodes.setdefault(
            shipment,
            Node(id=shipment, caption=line["shipment_id"], color=COLORS["shipment"], size=14),
        )
        name = line["customer_name"] or line["customer_id"]
        nodes.setdefault(
            customer, Node(id=customer, caption=name, color=COLORS["customer"], size=24)
        )
        relationships.append(
            Relationship(
                source=line["lot_id"],
                target=shipment,
                caption=f"SHIPPED {line['quantity']:g} {line['uom']}",
            )
        )
        relationships.append(Relationship(source=shipment, target=customer, caption="TO"))
    unique = {(r.source, r.target, r.caption): r for r in relationships}
    graph = VisualizationGraph(nodes=list(nodes.values()), relationships=list(unique.values()))
    return graph, len(trace.lots) - len(drawn)


def write_html(path: Path, trace: ForwardTrace, title: str) -> Path:
    graph, left_out = trace_picture(trace)
    page = str(graph.render(layout="hierarchical", height="85vh", max_allowed_nodes=20000).data)
    header = f"<h2>{html.escape(title)}</h2><p>{html.escape(trace.summary())}</p>"
    if left_out:
        header += (
            f"<p><b>The picture shows the {PICTURE_LIMIT:,} lots nearest to the sources; "
            f"{left_out:,} more are in tracking_events.xlsx and recall.json.</b></p>"
        )
    header += (
        "<p>Red: source lots · blue: lots · orange: on hold · brown: rejected · grey: steps · "
        "green: shipments · purple: customers</p>"
    )
    banner = f'<div style="padding:0 1em;font-family:system-ui,sans-serif">{header}</div>'
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", page, count=1)
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page, count=1)
    path.write_text(page, encoding="utf-8")
    return path
