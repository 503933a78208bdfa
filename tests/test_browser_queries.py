"""The Browser's ready-made queries (cypher/browser/) parse, plan without path enumeration, find
a lot by any identity through indexes, and the style sheet gives every label a colour and a
caption."""

from __future__ import annotations

import re

from tracegraph.graph import TraceGraph
from tracegraph.models import LABELS
from tracegraph.resources import resource_path

BROWSER = resource_path("cypher") / "browser"


def _statements(text: str) -> tuple[list[str], list[str]]:
    """(:param expressions, Cypher statements) of a Browser script."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    parts = [p.strip() for p in body.split(";") if p.strip()]
    params = [p.removeprefix(":param").strip() for p in parts if p.startswith(":param")]
    return params, [p for p in parts if not p.startswith(":")]


def _param_values(graph: TraceGraph, expressions: list[str]) -> dict[str, object]:
    values: dict[str, object] = {}
    with graph.driver.session(database=graph.database) as session:
        for expression in expressions:
            if "=>" in expression:
                name, value = (s.strip() for s in expression.split("=>", 1))
                values[name] = session.run(f"RETURN {value} AS v").single()["v"]  # type: ignore[index]
            else:
                values.update(session.run(f"RETURN {expression} AS v").single()["v"])  # type: ignore[index]
    return values


def _operators(plan: dict) -> list[str]:  # type: ignore[type-arg]
    found = [str(plan["operatorType"])]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


def test_browser_queries_plan_without_path_enumeration(graph: TraceGraph) -> None:
    files = sorted(BROWSER.glob("*.cypher"))
    assert len(files) >= 5
    for path in files:
        params, statements = _statements(path.read_text(encoding="utf-8"))
        assert statements, path.name
        values = _param_values(graph, params)
        for statement in statements:
            with graph.driver.session(database=graph.database) as session:
                plan = session.run("EXPLAIN " + statement, values).consume().plan
            assert plan is not None
            expands = [op for op in _operators(plan) if "VarLengthExpand" in op]
            assert all("Pruning" in op for op in expands), (path.name, expands)


def test_style_sheet_covers_every_label() -> None:
    grass = (BROWSER / "tracegraph.grass").read_text(encoding="utf-8")
    styled = set(re.findall(r"^node\.(\w+) \{", grass, flags=re.MULTILINE))
    assert styled == set(LABELS)
    for label in LABELS:
        block = grass.split(f"node.{label} {{", 1)[1].split("}", 1)[0]
        assert "color:" in block and "caption:" in block, label


def test_lot_by_identity_finds_lot_ids_and_aliases_by_index(hand_plant: TraceGraph) -> None:
    """Lot A and lot B share the supplier lot number 000123 (from two suppliers)."""
    _, [statement] = _statements((BROWSER / "lot_by_identity.cypher").read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    with hand_plant.driver.session(database=hand_plant.database) as session:
        for name in ("000123", "P1", "no-such-lot"):
            rows = session.run(statement, name=name)
            found[name] = sorted({row["lot"]["lot_id"] for row in rows})
        plan = session.run("EXPLAIN " + statement, name="P1").consume().plan
    assert found == {"000123": ["A", "B"], "P1": ["P1"], "no-such-lot": []}
    assert plan is not None
    scans = [op for op in _operators(plan) if "Scan" in op]
    assert scans == [], scans  # an OR over both identities read every lot (1.3 s at 1M lots)
