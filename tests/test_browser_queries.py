"""The Browser's ready-made queries (cypher/browser/) parse, plan without path enumeration, find
a lot by any identity through indexes, and the style sheet gives every label a colour and a
caption."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import ClientError
from test_ledger_scale import _db_hits
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.models import BOOKKEEPING_LABELS, LABELS, LEDGER_LABELS, PLANT_LABELS
from tracegraph.resources import resource_path
from tracegraph.trace import trace_window

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


def _style(grass: str, label: str) -> str:
    return grass.split(f"node.{label} {{", 1)[1].split("}", 1)[0]


def test_style_sheet_covers_every_label() -> None:
    """Every label, and KeyedDeviceEvent, the second label of an event the import keyed (no
    class of its own): without a rule the Browser gave it a colour of its own, which drew the
    plant's events in it instead of DeviceEvent's."""
    grass = (BROWSER / "tracegraph.grass").read_text(encoding="utf-8")
    styled = set(re.findall(r"^node\.(\w+) \{", grass, flags=re.MULTILINE))
    assert styled == {*LABELS, "KeyedDeviceEvent"}
    for label in LABELS:
        block = _style(grass, label)
        assert "color:" in block and "caption:" in block, label
    assert _style(grass, "KeyedDeviceEvent") == _style(grass, "DeviceEvent")


def _lightness(colour: str) -> float:
    """HSL lightness of #RRGGBB, 0 (black) to 1 (white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return (max(channels) + min(channels)) / 2


def _setting(block: str, name: str, default: str) -> str:
    found = re.search(rf"^\s*{name}: ([^;]+);", block, flags=re.MULTILINE)
    return found.group(1) if found else default


def test_style_sheet_mutes_the_ledgers() -> None:
    """A Lot's expansion drew its RowChange nodes (ABOUT) as large as its suppliers and steps,
    and a Recall in black: the ledgers' and the bookkeeping's labels are drawn small, in a
    light fill, beneath every plant label."""
    grass = (BROWSER / "tracegraph.grass").read_text(encoding="utf-8")
    node = _style(grass.replace("node {", "node.node {", 1), "node")
    default = _setting(node, "diameter", "")

    def diameter(label: str) -> int:
        return int(_setting(_style(grass, label), "diameter", default).removesuffix("px"))

    smallest_plant = min(diameter(label) for label in PLANT_LABELS)
    for label in (*LEDGER_LABELS, *BOOKKEEPING_LABELS):
        assert diameter(label) < smallest_plant, label
        assert _lightness(_setting(_style(grass, label), "color", "#000000")) >= 0.7, label


def _browser_rows(graph: TraceGraph, name: str, **values: object) -> list[Any]:
    params, [statement] = _statements((BROWSER / name).read_text(encoding="utf-8"))
    with graph.driver.session(database=graph.database) as session:
        return list(session.run(statement, {**_param_values(graph, params), **values}))


def test_device_window_lists_the_steps_trace_device_lists(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """M1's steps in the window: W1 made a lot, W2 none (a scrapped batch), W3 reworked R1 in
    place, W4 has no end time and no outputs yet; W5 ran after the window. The Browser's query
    listed only the steps with outputs (W1, W3)."""
    tables = {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
        "R1,FLOUR,100,kg,V1,A-1\n",
        "steps.csv": "step_id,operation,started_at,ended_at,device_id\n"
        "W1,mix,2026-03-03T10:00:00Z,2026-03-03T10:30:00Z,M1\n"
        "W2,mix,2026-03-03T11:00:00Z,2026-03-03T11:30:00Z,M1\n"
        "W3,rework,2026-03-03T12:00:00Z,2026-03-03T12:30:00Z,M1\n"
        "W4,mix,2026-03-03T13:00:00Z,,M1\n"
        "W5,mix,2026-03-04T13:00:00Z,2026-03-04T13:30:00Z,M1\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nW1,R1,10,kg\nW2,R1,10,kg\n"
        "W3,R1,5,kg\nW4,R1,5,kg\nW5,R1,5,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nW1,D1,10,kg\nW3,R1,5,kg\n",
    }
    for name, text in tables.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    window = {"window_start": "2026-03-03T09:00:00Z", "window_end": "2026-03-03T14:00:00Z"}
    rows = _browser_rows(graph, "device_window.cypher", device_id="M1", **window)
    cli = trace_window(graph, "device", "M1", window["window_start"], window["window_end"])
    assert sorted({row["step"]["step_id"] for row in rows}) == ["W1", "W2", "W3", "W4"]
    assert sorted({row["step"]["step_id"] for row in rows}) == [s["step_id"] for s in cli.steps]
    assert {row["step"]["step_id"]: row["made"]["lot_id"] if row["made"] else None
            for row in rows} == {"W1": "D1", "W2": None, "W3": "R1", "W4": None}  # fmt: skip
    # the steps are sought by start time, as trace device seeks them: an hour of a mixer with
    # 54,147 steps read them all (135k db hits, 0.8 s on the 1M-lot plant)
    _, (statement,) = _statements((BROWSER / "device_window.cypher").read_text("utf-8"))
    with graph.driver.session(database=graph.database) as session:
        profile = (
            session.run("PROFILE " + statement, {"device_id": "M1", **window}).consume().profile
        )
    assert profile is not None
    assert any(op.startswith("NodeIndexSeekByRange") for op in _operators(profile))


def test_device_window_refuses_a_time_without_offset_and_keeps_the_plants_zone(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """08:00 to 10:00 in Berlin (CET) is 07:00 to 09:00 UTC: Z1 ran in it, Z2 too, Z3 after
    it. Typed without an offset, the Browser's query read it as UTC and listed Z2 and Z3,
    where `trace device` in the plant's zone lists Z1 and Z2; now it fails, naming the time.
    With the zone in the times, it lists the steps the command lists."""
    (tmp_path / "steps.csv").write_text(
        "step_id,operation,started_at,ended_at,device_id\n"
        "Z1,bake,2026-03-03T06:30:00Z,2026-03-03T07:30:00Z,OVEN\n"
        "Z2,bake,2026-03-03T08:30:00Z,2026-03-03T08:45:00Z,OVEN\n"
        "Z3,bake,2026-03-03T09:30:00Z,2026-03-03T09:45:00Z,OVEN\n",
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    local = {"window_start": "2026-03-03T08:00", "window_end": "2026-03-03T10:00"}
    with pytest.raises(ClientError, match="window time 2026-03-03T08:00 has no UTC offset or zone"):
        _browser_rows(graph, "device_window.cypher", device_id="OVEN", **local)
    cli = runner.invoke(app, ["trace", "device", "OVEN", "--from", local["window_start"],
                              "--to", local["window_end"], "--format", "json"],
                        env={"TRACEGRAPH_TIMEZONE": "Europe/Berlin"})  # fmt: skip
    assert cli.exit_code == 0, cli.stderr
    zoned = {name: f"{time}[Europe/Berlin]" for name, time in local.items()}
    rows = _browser_rows(graph, "device_window.cypher", device_id="OVEN", **zoned)
    steps = sorted({row["step"]["step_id"] for row in rows})
    assert steps == [step["step_id"] for step in json.loads(cli.stdout)["steps"]] == ["Z1", "Z2"]
    # RFC 3339's lower-case t (as `trace device` takes it), and datetimes as parameters
    # (`:param window_start => datetime(…)`, a script's Python datetime) as before the check;
    # a local datetime has no offset either
    lower = {name: f"{time.replace('T', 't')}+01:00" for name, time in local.items()}
    # a fixed offset (CET): the driver calls tzinfo.utcoffset() with its own DateTime, which
    # a ZoneInfo's C code reads as a datetime — a segmentation fault in a clean CI run
    berlin = timezone(timedelta(hours=1))
    typed = {name: datetime.fromisoformat(time).replace(tzinfo=berlin)
             for name, time in local.items()}  # fmt: skip
    for given in (lower, typed):
        rows = _browser_rows(graph, "device_window.cypher", device_id="OVEN", **given)
        assert sorted({row["step"]["step_id"] for row in rows}) == ["Z1", "Z2"], given
    naive = {name: datetime.fromisoformat(time) for name, time in local.items()}
    with pytest.raises(ClientError, match=r"window time 2026-03-03T08:00(:00)? has no UTC offset"):
        _browser_rows(graph, "device_window.cypher", device_id="OVEN", **naive)


def test_customer_exposure_is_in_shipping_order_and_tells_returns_apart(
    hand_plant: TraceGraph,
) -> None:
    """C2 was shipped 50 of P2 on SH2 and returned 10 on RMA1: the query showed both alike, in
    whatever order the store held them (under its LIMIT, whichever 300 rows came first)."""
    rows = _browser_rows(hand_plant, "customer_exposure.cypher", customer_id="C2")
    assert [(r["shipment"]["shipment_id"], r["lot"]["lot_id"], r["line"]["quantity"], r["kind"])
            for r in rows] == [("SH2", "P2", 50.0, "delivery"),
                               ("RMA1", "P2", -10.0, "return")]  # fmt: skip
    _, [statement] = _statements((BROWSER / "customer_exposure.cypher").read_text("utf-8"))
    assert "ORDER BY" in statement.split("LIMIT", 1)[0]  # the 300 are the first shipped


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


def test_gaps_draws_at_most_300_holes(graph: TraceGraph, tmp_path: Path) -> None:
    """gaps.cypher returned every lot of unknown origin: on a plant with thousands, more than
    a canvas shows. 301 holes: the first 300, each once."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom\n" + "".join(f"H{i:03d},FLOUR,1,kg\n" for i in range(301)),
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    rows = _browser_rows(graph, "gaps.cypher")
    assert len(rows) == len({row["lot"]["lot_id"] for row in rows}) == 300


def lots_changed(graph: TraceGraph) -> int:
    """How many lots a RowChange is about (ABOUT): the ledger's links a lot's expansion reads."""
    (changes,) = graph.driver.execute_query(
        "MATCH (:RowChange)-[:ABOUT]->(lot:Lot) RETURN count(lot) AS n", database_=graph.database
    ).records
    return int(changes["n"])


def test_gaps_does_not_walk_the_ledger_of_received_lots(graph: TraceGraph, tmp_path: Path) -> None:
    """A night that changes the 20 received lots links a RowChange to each (ABOUT): gaps.cypher's
    test for a receipt expanded every lot's links, those too (64,879 db hits on a 3,009-lot
    plant, 67,691 a night later). A receipt is a degree now: the same db hits after the night.
    H1, made by no step, is the one hole either way."""
    lots = "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
    received = [f"R{i:02d},FLOUR,{{q}},kg,V1,A-{i}\n" for i in range(20)]
    for night, quantity in (("1", 100), ("2", 90)):
        folder = tmp_path / night
        folder.mkdir()
        rows = "".join(row.format(q=quantity) for row in received) + "H1,FLOUR,1,kg,,\n"
        (folder / "lots.csv").write_text(lots + rows, encoding="utf-8")
        assert import_paths(graph, [folder]).rejects == []
        if night == "1":
            before = _db_hits(graph, "browser/gaps")
    assert lots_changed(graph) == 20
    assert [row["lot"]["lot_id"] for row in _browser_rows(graph, "gaps.cypher")] == ["H1"]
    assert _db_hits(graph, "browser/gaps") == before
