"""How a forward trace weighs material on awkward genealogy shapes — a return shipped again,
rework loops, a rework in place that loses weight, a loop with nothing coming in — checked
against a mass balance by hand (an exploratory tester's plants, copied inline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph import queries
from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import show_lot
from tracegraph.trace import trace_backward, trace_forward

_LOTS = "lot_id,material_id,quantity,uom,created_at,status,supplier_id,supplier_lot,received_at\n"
_STEPS = "step_id,operation,started_at,ended_at\n"
_LINKS = "step_id,lot_id,quantity,uom\n"

# RT1 100 kg to CU1, 30 kg back from CU1, the 30 kg on to CU2
RETURN_SHIPPED_AGAIN = {
    "lots.csv": _LOTS
    + "RT1,M1,100,kg,2026-03-08T06:00:00Z,released,V1,SRT1,2026-03-08T06:00:00Z\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nRTS1,CU1,2026-03-08T07:00:00Z\n"
    "RTS2,CU1,2026-03-09T07:00:00Z\nRTS3,CU2,2026-03-10T07:00:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nRTS1,RT1,100,kg\nRTS2,RT1,-30,kg\n"
    "RTS3,RT1,30,kg\n",
}

# RT4 100 kg to CU1, 30 kg back, the 30 kg reworked into RT4X
RETURN_REWORKED = {
    "lots.csv": _LOTS + "RT4,M1,100,kg,2026-03-08T06:00:00Z,released,V1,SRT4,2026-03-08T06:00:00Z\n"
    "RT4X,M1,30,kg,2026-03-10T06:00:00Z,released,,,\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nR4S1,CU1,2026-03-08T07:00:00Z\n"
    "R4S2,CU1,2026-03-09T07:00:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nR4S1,RT4,100,kg\nR4S2,RT4,-30,kg\n",
    "steps.csv": _STEPS + "RT4S,rework,2026-03-10T06:00:00Z,2026-03-10T06:00:00Z\n",
    "step_inputs.csv": _LINKS + "RT4S,RT4,30,kg\n",
    "step_outputs.csv": _LINKS + "RT4S,RT4X,30,kg\n",
}

# README's loop: LA 10 kg makes LB (10 kg); 2 kg of LB into LC, 1 kg of LC back into LB; LB
# ships 4 kg. YR makes YB (10 kg); all of YB into YC, all of YC back into YB; 5 kg of YB
# packed into YF and shipped. X1 -> X2 -> X3 -> X1, nothing coming in.
LOOPS = {
    "lots.csv": _LOTS + "LA,M1,10,kg,2026-03-01T06:01:00Z,released,V1,SLA,2026-03-01T06:01:00Z\n"
    "LB,M1,10,kg,2026-03-01T06:02:00Z,released,,,\nLC,M1,2,kg,2026-03-01T06:03:00Z,released,,,\n"
    "X1,M1,10,kg,2026-03-01T06:13:00Z,released,,,\nX2,M1,10,kg,2026-03-01T06:14:00Z,released,,,\n"
    "X3,M1,10,kg,2026-03-01T06:15:00Z,released,,,\n"
    "YR,M1,10,kg,2026-03-01T06:19:00Z,released,V1,SYR,2026-03-01T06:19:00Z\n"
    "YB,M1,10,kg,2026-03-01T06:20:00Z,released,,,\nYC,M1,10,kg,2026-03-01T06:21:00Z,released,,,\n"
    "YF,M1,5,kg,2026-03-01T06:22:00Z,released,,,\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nLSH1,CU1,2026-03-01T06:07:00Z\n"
    "YSH1,CU1,2026-03-01T06:27:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nLSH1,LB,4,kg\nYSH1,YF,5,kg\n",
    "steps.csv": _STEPS
    + "".join(
        f"{step},mix,2026-03-01T06:{minute:02d}:00Z,2026-03-01T06:{minute:02d}:00Z\n"
        for step, minute in [
            ("LS1", 4),
            ("LS2", 5),
            ("LS3", 6),
            ("XS1", 16),
            ("XS2", 17),
            ("XS3", 18),
            ("YS1", 23),
            ("YS2", 24),
            ("YS3", 25),
            ("YS4", 26),
        ]
    ),
    "step_inputs.csv": _LINKS + "LS1,LA,10,kg\nLS2,LB,2,kg\nLS3,LC,1,kg\nXS1,X1,10,kg\n"
    "XS2,X2,10,kg\nXS3,X3,10,kg\nYS1,YR,10,kg\nYS2,YB,10,kg\nYS3,YC,10,kg\nYS4,YB,5,kg\n",
    "step_outputs.csv": _LINKS + "LS1,LB,10,kg\nLS2,LC,2,kg\nLS3,LB,1,kg\nXS1,X2,10,kg\n"
    "XS2,X3,10,kg\nXS3,X1,10,kg\nYS1,YB,10,kg\nYS2,YC,10,kg\nYS3,YB,10,kg\nYS4,YF,5,kg\n",
}

# WA 10 kg makes WB; all of WB into WC, all of WC back into WB (README's "B all into C, C all
# into B"). QR 10 kg makes Q1; Q1 -> Q2 -> Q3 -> Q1, all of each.
LOOP2 = {
    "lots.csv": _LOTS + "WA,M1,10,kg,2026-03-02T06:00:00Z,released,V1,SWA,2026-03-02T06:00:00Z\n"
    "WB,M1,10,kg,2026-03-02T06:10:00Z,released,,,\nWC,M1,10,kg,2026-03-02T06:20:00Z,released,,,\n"
    "QR,M1,10,kg,2026-03-02T07:00:00Z,released,V1,SQR,2026-03-02T07:00:00Z\n"
    "Q1,M1,10,kg,2026-03-02T07:10:00Z,released,,,\nQ2,M1,10,kg,2026-03-02T07:20:00Z,released,,,\n"
    "Q3,M1,10,kg,2026-03-02T07:30:00Z,released,,,\n",
    "steps.csv": _STEPS
    + "".join(
        f"{step},mix,2026-03-02T0{hour}:{minute}:00Z,2026-03-02T0{hour}:{minute}:00Z\n"
        for step, hour, minute in [
            ("WS1", 6, 10),
            ("WS2", 6, 20),
            ("WS3", 6, 30),
            ("QS0", 7, 10),
            ("QS1", 7, 20),
            ("QS2", 7, 30),
            ("QS3", 7, 40),
        ]
    ),
    "step_inputs.csv": _LINKS + "WS1,WA,10,kg\nWS2,WB,10,kg\nWS3,WC,10,kg\nQS0,QR,10,kg\n"
    "QS1,Q1,10,kg\nQS2,Q2,10,kg\nQS3,Q3,10,kg\n",
    "step_outputs.csv": _LINKS + "WS1,WB,10,kg\nWS2,WC,10,kg\nWS3,WB,10,kg\nQS0,Q1,10,kg\n"
    "QS1,Q2,10,kg\nQS2,Q3,10,kg\nQS3,Q1,10,kg\n",
}

# RB2 20 kg: step RIP2 takes all 20 kg in and gives 18 kg back to RB2; 18 kg shipped
REWORK_LOSS = {
    "lots.csv": _LOTS + "RB2,M1,20,kg,2026-03-07T06:00:00Z,released,V1,SRB2,2026-03-07T06:00:00Z\n",
    "steps.csv": _STEPS + "RIP2,rework,2026-03-07T06:20:00Z,2026-03-07T06:20:00Z\n",
    "step_inputs.csv": _LINKS + "RIP2,RB2,20,kg\n",
    "step_outputs.csv": _LINKS + "RIP2,RB2,18,kg\n",
    "shipments.csv": "shipment_id,customer_id,shipped_at\nRSH2,CU1,2026-03-07T07:00:00Z\n",
    "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nRSH2,RB2,18,kg\n",
}

# SP packs SD (mixed by SM from the received SR) into SF1-SF4: four lots with one upstream
SIBLINGS = {
    "lots.csv": _LOTS + "SR,M1,40,kg,2026-03-06T06:00:00Z,released,V1,SSR,2026-03-06T06:00:00Z\n"
    "SD,M1,40,kg,2026-03-06T07:00:00Z,released,,,\n"
    + "".join(f"SF{i},M1,10,kg,2026-03-06T08:00:00Z,released,,,\n" for i in range(1, 5)),
    "steps.csv": _STEPS + "SM,mix,2026-03-06T06:30:00Z,2026-03-06T07:00:00Z\n"
    "SP,pack,2026-03-06T07:30:00Z,2026-03-06T08:00:00Z\n",
    "step_inputs.csv": _LINKS + "SM,SR,40,kg\nSP,SD,40,kg\n",
    "step_outputs.csv": _LINKS
    + "SM,SD,40,kg\n"
    + "".join(f"SP,SF{i},10,kg\n" for i in range(1, 5)),
}

ROUND_WARNING = (
    "lots {} are made from each other, and what went round them is counted each time it "
    "passed: they show more of the source than there was (what went through them, not what "
    "they hold); what is left of them is as their records say"
)


def _plant(graph: TraceGraph, folder: Path, files: dict[str, str]) -> TraceGraph:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


def _stock(trace: Any) -> dict[str, tuple[Any, Any]]:
    return {row["lot_id"]: (row["remaining"], pytest.approx(row["source_quantity"]))
            for row in trace.stock}  # fmt: skip


def test_a_return_shipped_again_is_weighed_once(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """RT1 (100 kg) went to CU1, 30 kg came back and went on to CU2. The source was weighed
    as the 130 kg it shipped before the return: RTS1 carried "130 kg of RT1", CU1 held 91 kg
    and CU2 39 kg, "shipped 169 kg · returned 39 kg · located 100 %", and the recall's
    customers.csv said CU1 was shipped 70 kg but held 91. What a source gave is net of its
    returns (as LotBasis counts it): 100 kg, CU1 70 kg net, CU2 30 kg."""
    _plant(graph, tmp_path / "plant", RETURN_SHIPPED_AGAIN)
    result = trace_forward(graph, ["RT1"])
    assert result.sources[0]["weighed_quantity"] == 100.0
    assert {s["shipment_id"]: s["source_quantity"] for s in result.shipments} == {
        "RTS1": pytest.approx(100.0), "RTS2": pytest.approx(-30.0), "RTS3": pytest.approx(30.0),
    }  # fmt: skip
    assert {c["customer_id"]: c["source_quantity"] for c in result.customers} == {
        "CU1": pytest.approx(70.0), "CU2": pytest.approx(30.0),
    }  # fmt: skip
    assert (result.totals["shipped"], result.totals["returned"]) == (130.0, 30.0)
    assert result.located_share == pytest.approx(1.0)
    assert result.warnings == []


def test_a_return_reworked_into_a_new_lot_carries_what_came_back(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """RT4 (100 kg) shipped, 30 kg came back and were reworked into RT4X (30 kg): RT4X held
    "39 kg of RT4" (the source weighed as the 130 kg it gave, the return not netted). 30 kg."""
    _plant(graph, tmp_path / "plant", RETURN_REWORKED)
    result = trace_forward(graph, ["RT4"])
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots} == {"RT4X": 30.0}
    assert result.totals["source_quantity"] == 100.0
    assert result.located_share == pytest.approx(1.0)


def test_what_a_source_sends_round_a_rework_loop_comes_back_into_it(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Forward from LB (README's loop: 2 kg of LB into LC, 1 kg of LC booked back into LB,
    4 kg of LB shipped): located 90 %, the 1 kg LC gave back nowhere, and `lot show LB` said
    "10 kg − 2 used − 4 shipped = 4 kg". The source gets back what it sent round: 4 kg
    shipped, LB 5 kg and LC 1 kg in stock, 100 %; LB has 10 + 1 booked back − 2 − 4 = 5 kg."""
    _plant(graph, tmp_path / "plant", LOOPS)
    result = trace_forward(graph, ["LB"])
    assert {s["shipment_id"]: s["source_quantity"] for s in result.shipments} == {
        "LSH1": pytest.approx(4.0)
    }
    assert _stock(result) == {"LB": (5.0, 5.0), "LC": (1.0, 1.0)}
    assert result.located_share == pytest.approx(1.0)
    assert result.warnings == [ROUND_WARNING.format("LB, LC")]  # LB carried 11 kg of 10
    balance = show_lot(graph, "LB")["balance"]
    assert (balance["booked_back"], balance["remaining"]) == (1.0, 5.0)
    shown = CliRunner().invoke(app, ["lot", "show", "LB"])
    assert "10 kg + 1 booked back − 2 used − 4 shipped = 5 kg" in " ".join(shown.stdout.split())


def test_a_lot_given_all_round_a_loop_and_back_is_what_is_left_to_block(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """WB gave all 10 kg to WC, WC all back into WB: forward from WB located 0 % and `recall
    WB --drill` said "nothing left in stock to block" — the material sits in WB; forward from
    WA showed "WB 10 kg · 20 kg of WA" (what went through it, twice the source) with no word
    but a recorded-quantity one. WB holds the 10 kg: 100 % located, WB to block, and the
    answer says the loop's figures are what went through."""
    _plant(graph, tmp_path / "plant", LOOP2)
    for source in ("WB", "WA"):
        result = trace_forward(graph, [source])
        assert result.located_share == pytest.approx(1.0), source
        assert _stock(result) == {"WB": (10.0, 10.0)}, source
        assert ROUND_WARNING.format("WB, WC") in result.warnings, source
    out = tmp_path / "recall"
    shown = CliRunner().invoke(app, ["recall", "package", "WB", "--drill", "--out", str(out)])
    assert shown.exit_code == 0, shown.output
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "nothing left in stock to block" not in summary
    assert "100.0% of the source quantity located" in summary


def test_a_three_lot_loop_fed_from_a_raw_lot_is_warned_of_and_located(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """QR (10 kg) makes Q1; Q1 -> Q2 -> Q3 -> Q1, all of each: Q1 showed 20 kg of the 10 kg
    source with only a recorded-quantity warning; forward from Q2 located 0 %. From QR, Q1
    holds all of it and the loop's figures are said to be what went through; from Q2 (made
    by the loop alone), what came back into Q2 is located there, and the answer says so."""
    _plant(graph, tmp_path / "plant", LOOP2)
    result = trace_forward(graph, ["QR"])
    assert result.located_share == pytest.approx(1.0)
    assert _stock(result) == {"Q1": (10.0, 10.0)}
    assert ROUND_WARNING.format("Q1, Q2, Q3") in result.warnings
    result = trace_forward(graph, ["Q2"])
    assert result.located_share == pytest.approx(1.0)
    assert _stock(result) == {"Q1": (10.0, 5.0)}
    assert result.totals["in_other_sources"] == pytest.approx(5.0)
    assert result.warnings[:1] == [
        "source Q2 is made from lots made from it (a loop): 5 kg of it came back into it and is "
        "counted as located there; see `trace backward` for where the loop came from"
    ]


def test_in_stock_agrees_with_the_lots_to_block_round_a_loop(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Forward from YR: "in stock 5 kg · located 100 %" while the stock list had nothing to
    block, and the JSON gave YB `remaining: -5.0` (10 kg, 15 used, the 10 kg YC gave back not
    counted). YB has 10 + 10 booked back − 15 = 5 kg left, and it is listed to block."""
    _plant(graph, tmp_path / "plant", LOOPS)
    result = trace_forward(graph, ["YR"])
    assert result.totals["in_stock"] == pytest.approx(5.0)
    assert _stock(result) == {"YB": (5.0, 5.0)}
    shown = CliRunner().invoke(app, ["trace", "forward", "YR", "--format", "json"])
    lots = json.loads(shown.stdout)["lots"]
    assert min(lot["remaining"] for lot in lots) == 0.0
    assert ROUND_WARNING.format("YB, YC") in result.warnings


def test_a_rework_in_place_that_loses_weight_leaves_nothing(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """RB2 (20 kg) reworked in place, 18 kg back, 18 kg shipped: `lot show` said "20 kg − 18
    shipped = 2 kg" and the trace listed 2 kg to block; the lot is empty. The 2 kg the rework
    did not give back were used: 0 kg left, nothing to block, 2 kg unplaced."""
    _plant(graph, tmp_path / "plant", REWORK_LOSS)
    balance = show_lot(graph, "RB2")["balance"]
    assert (balance["used"], balance["remaining"]) == (2.0, 0.0)
    result = trace_forward(graph, ["RB2"])
    assert result.stock == []
    assert result.totals["unplaced"] == pytest.approx(2.0)
    assert result.totals["shipped"] == pytest.approx(18.0)


def test_a_closed_loop_with_nothing_coming_in_is_said(graph: TraceGraph, tmp_path: Path) -> None:
    """X1 -> X2 -> X3 -> X1 and no received lot: backward from X1 said "lots of unknown origin
    0" with no warning, forward "located 0.0 %" with none. Backward, the three are of unknown
    origin and a warning says why; forward, that X1 got itself back round the loop."""
    _plant(graph, tmp_path / "plant", LOOPS)
    backward = trace_backward(graph, ["X1"])
    assert backward.flags["lots of unknown origin"] == 3
    assert backward.warnings == [
        "lots X1, X2, X3 are made only from each other and none was received: where they came "
        "from is not known (counted as of unknown origin); see their records"
    ]
    forward = trace_forward(graph, ["X1"])
    assert forward.warnings == [
        "source X1 is made from lots made from it (a loop): 10 kg of it came back into it and "
        "is counted as located there; see `trace backward` for where the loop came from"
    ]
    # a loop fed from outside is no closed loop
    assert trace_backward(graph, ["LB"]).flags["lots of unknown origin"] == 0


def _expanded_rows(plan: Any) -> int:
    rows = int(plan["rows"]) if "VarLengthExpand" in plan["operatorType"] else 0
    return rows + sum(_expanded_rows(child) for child in plan.get("children", []))


def test_lots_of_one_step_have_their_upstream_walked_once(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The breadth-first expand is distinct per start: from each of SP's four lots it walked
    SP, SD, SM and SR again (20 rows: each lot and its four); from SP, the lots' one first step,
    it walks them once."""
    _plant(graph, tmp_path / "plant", SIBLINGS)
    sources = [f"SF{i}" for i in range(1, 5)]
    with graph.driver.session(database=graph.database) as session:
        profiled = session.run(
            "PROFILE " + queries.load("trace/backward"), asked=[], lot_ids=sources
        ).consume()
    assert profiled.profile is not None
    assert _expanded_rows(profiled.profile) == 4
    trace = trace_backward(graph, sources)
    assert sorted((row["lot_id"], row["quantity"]) for row in trace.lots) == [
        ("SD", 40.0),
        ("SR", 40.0),
    ]
