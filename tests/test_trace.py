"""Traces against an independent breadth-first search on generated plants, and exact
quantities through a split and a merge on a plant small enough to weigh by hand."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hand_plant import HAND_PLANT, import_tables
from plant_model import PlantModel
from recorded_plant import UNDER_RECORDED
from typer.testing import CliRunner

from readme import tracegraph_commands
from tracegraph import flow, queries, rootcause
from tracegraph import trace as tracing
from tracegraph.check import run_checks
from tracegraph.cli import trace as cli_trace
from tracegraph.cli.main import app
from tracegraph.errors import AmbiguousLot, TracegraphError, UnknownLot
from tracegraph.flow import Edge
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.lots import resolve_lots, same_number, show_lot
from tracegraph.plant import PlantSummary, generate_plant
from tracegraph.recall import build_package
from tracegraph.rootcause import rank_common_causes
from tracegraph.trace import (
    backward_from_subgraph,
    trace_backward,
    trace_forward,
    trace_window,
    upstream_from_record,
)

SEEDS = (3, 11)
PLANT_LOTS = 2500


@dataclass
class Plant:
    summary: PlantSummary
    model: PlantModel

    def interesting_lots(self) -> list[str]:
        """Random lots, plus the shapes that break traces: the commodity lot (huge fan-out),
        a reworked lot, a lot split across shipments, a returned lot, a multi-lot shipment."""
        model = self.model
        rng = random.Random(self.summary.rows["lots"])
        picked = rng.sample(sorted(model.lots), 8)
        picked.append(self.summary.commodity_lots[0])
        picked += [lots[0] for step, lots in model.outputs.items()
                   if model.steps[step]["operation"] == "rework"][:1]  # fmt: skip
        picked += [lot for lot, lines in model.lines.items() if len(lines) > 1][:1]
        picked += [lot for lot, lines in model.lines.items() if any(q < 0 for _, q in lines)][:1]
        return list(dict.fromkeys(picked))


_plants: dict[int, Plant] = {}


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def plant_data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Plant:
    seed = request.param
    if seed not in _plants:
        folder = tmp_path_factory.mktemp(f"plant-{seed}")
        summary = generate_plant(PLANT_LOTS, seed, folder)
        _plants[seed] = Plant(summary, PlantModel(folder))
    return _plants[seed]


def _loaded_files(graph: TraceGraph) -> set[str]:
    with graph.driver.session(database=graph.database) as session:
        rows = session.run("MATCH (r:ImportRun) UNWIND r.sha256 AS sha RETURN sha")
        return {row["sha"] for row in rows}


@pytest.fixture
def plant(plant_data: Plant, _session_graph: TraceGraph) -> Iterator[tuple[TraceGraph, Plant]]:
    """The database holding exactly this plant (imported again only if something reset it)."""
    graph = _session_graph
    wanted = {hashlib.sha256(p.read_bytes()).hexdigest() for p in plant_data.summary.files}
    if not wanted <= _loaded_files(graph) or graph.status().nodes.get("Lot") != len(
        plant_data.model.lots
    ):
        graph.reset(keep_schema=True)
        graph.init_schema()
        summary = import_paths(graph, [plant_data.summary.out])
        assert summary.rejects == []
    yield graph, plant_data


def test_forward_matches_breadth_first_search(plant: tuple[TraceGraph, Plant]) -> None:
    graph, data = plant
    for lot in data.interesting_lots():
        expected = data.model.forward([lot])
        result = trace_forward(graph, [lot])
        assert {r["lot_id"]: r["depth"] for r in result.lots} == expected, lot
        reached = {lot, *expected}
        assert {(s["shipment_id"], s["lot_id"]) for s in result.shipments} == (
            data.model.shipment_lines(reached)
        ), lot
        assert {c["customer_id"] for c in result.customers} == data.model.customers(reached), lot
        assert result.truncated is False


def test_backward_matches_breadth_first_search(plant: tuple[TraceGraph, Plant]) -> None:
    graph, data = plant
    finished = [lot for lot in data.interesting_lots() if lot.startswith(("F", "B"))]
    finished += sorted(lot for lot in data.model.lots if lot.startswith("F"))[-3:]
    for lot in finished:
        expected = data.model.backward([lot])
        result = trace_backward(graph, [lot])
        assert {r["lot_id"]: r["depth"] for r in result.lots} == expected, lot
        assert {(s["supplier_id"], x["lot_id"], x["supplier_lot"])
                for s in result.suppliers for x in s["lots"]} == (
            data.model.suppliers({lot, *expected})
        ), lot  # fmt: skip
        assert {s["step_id"] for s in result.steps} == data.model.steps_making({lot, *expected})


def test_several_sources_at_once(plant: tuple[TraceGraph, Plant]) -> None:
    graph, data = plant
    lots = data.interesting_lots()[:4]
    result = trace_forward(graph, lots)
    expected: dict[str, int] = {}
    for lot in lots:  # the union of single traces, at the smallest depth
        for reached, depth in data.model.forward([lot]).items():
            expected[reached] = min(depth, expected.get(reached, depth))
    for lot in lots:
        expected.pop(lot, None)
    assert {r["lot_id"]: r["depth"] for r in result.lots} == expected


def test_commodity_lot_quantity_is_conserved(plant: tuple[TraceGraph, Plant]) -> None:
    """Every kg of a salt lot is somewhere: shipped, back in stock, or still in a lot."""
    graph, data = plant
    salt = data.summary.commodity_lots[0]
    result = trace_forward(graph, [salt])
    totals = result.totals
    assert totals["source_quantity"] == float(data.model.lots[salt]["quantity"])
    assert totals["unplaced"] == 0
    assert totals["located_share"] == pytest.approx(1.0, abs=1e-6)
    by_customer = sum(c["source_quantity"] for c in result.customers)
    assert by_customer == pytest.approx(totals["shipped_net"], abs=1e-4)  # rounded per customer
    assert len(result.lots) > 300  # the fan-out this test is about


def test_forward_and_backward_agree_on_quantities(plant: tuple[TraceGraph, Plant]) -> None:
    """How much of a raw lot reached a finished lot is the same seen from either end."""
    graph, data = plant
    finished = sorted(lot for lot in data.model.lots if lot.startswith("F"))[
        len(data.model.lots) // 10
    ]
    backward = trace_backward(graph, [finished])
    for raw in [lot for lot in backward.lots if lot["supplier_id"]][:4]:
        forward = trace_forward(graph, [raw["lot_id"]])
        reached = {lot["lot_id"]: lot["quantity"] for lot in forward.lots}
        assert reached[finished] == pytest.approx(raw["quantity"], rel=1e-6)


def test_device_window_finds_the_steps_and_their_blast_radius(
    plant: tuple[TraceGraph, Plant],
) -> None:
    graph, data = plant
    bakes = [s for s in data.model.steps.values() if s["device_id"] == "OVEN-2"][5:9]
    start, end = bakes[0]["started_at"], bakes[-1]["started_at"]
    result = trace_window(graph, "device", "OVEN-2", start, end)
    expected_steps = {s["step_id"] for s in data.model.steps.values()
                      if s["device_id"] == "OVEN-2" and s["started_at"] < end
                      and (s["ended_at"] > start or s["started_at"] >= start)}  # fmt: skip
    assert {s["step_id"] for s in result.steps} == expected_steps
    produced = [lot for step in sorted(expected_steps) for lot in data.model.outputs[step]]
    assert set(result.processed_lots) == set(produced)
    assert result.forward is not None
    expected: dict[str, int] = {}
    for lot in produced:
        for reached, depth in data.model.forward([lot]).items():
            expected[reached] = min(depth, expected.get(reached, depth))
    assert {lot["lot_id"] for lot in result.forward.lots} == set(expected) - set(produced)


def test_device_window_names_the_devices_events_and_its_last_calibration(
    plant: tuple[TraceGraph, Plant], neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """An over-temperature alarm inside a complaint window was in the graph and in no answer."""
    graph, data = plant
    with (data.summary.out / "device_events.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_device: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for e in rows:
        by_device[e["device_id"]].append((datetime.fromisoformat(e["at"]), e["event"], e["result"]))
    device, events = max(by_device.items(), key=lambda item: len(item[1]))
    events.sort()
    assert events[0][1] == "calibration", "a plant calibrates its devices first"
    # from just before its second event to just after its last (a small plant: the day after
    # its first calibration, with no event in it)
    start = (events[1][0] if len(events) > 1 else events[0][0] + timedelta(hours=2)) - timedelta(
        minutes=1
    )
    end = max(events[-1][0], start) + timedelta(minutes=1)
    window = trace_window(graph, "device", device, start.isoformat(), end.isoformat())
    inside = [e for e in events if start <= e[0] < end]
    assert [(datetime.fromisoformat(e["at"]), e["event"], e["result"])
            for e in window.events] == inside  # fmt: skip
    calibrated = max(e[0] for e in events if e[1] == "calibration" and e[0] < start)
    assert window.calibrated_before is not None
    assert datetime.fromisoformat(window.calibrated_before["at"]) == calibrated
    shown = runner.invoke(app, ["trace", "device", device, "--from", start.isoformat(),
                                "--to", end.isoformat()])  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    assert (
        f"Events of device {device} in the window"
        if inside
        else "no calibration, maintenance or alarm of the device in the window"
    ) in shown.stdout
    assert "last calibration before the window: " in shown.stdout
    assert shown.stderr.count("traced in") == 1  # the downstream part printed its own too


# --- a plant weighed by hand -----------------------------------------------------------------


def test_quantities_through_a_merge_and_a_split(hand_plant: TraceGraph) -> None:
    result = trace_forward(hand_plant, ["B"])
    # 0.5 kg of salt in the dough; the split gives 3/4 to P1 and 1/4 to P2
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots} == {
        "M": pytest.approx(0.5), "P1": pytest.approx(0.375), "P2": pytest.approx(0.125),
    }  # fmt: skip
    lines = {(s["shipment_id"], s["lot_id"]): s["source_quantity"] for s in result.shipments}
    assert lines == {
        ("SH1", "P1"): pytest.approx(0.375),
        ("SH2", "P2"): pytest.approx(0.0625),
        ("RMA1", "P2"): pytest.approx(-0.0125),
    }
    totals = result.totals
    assert totals["uom"] == "kg"
    assert totals["shipped"] == pytest.approx(0.4375)
    assert totals["returned"] == pytest.approx(0.0125)
    # 9.5 kg never used + 60 of P2's 100 pieces still at the plant (50 left, 10 came back)
    assert totals["in_stock"] == pytest.approx(9.5 + 0.075)
    assert totals["located_share"] == pytest.approx(1.0)
    assert {c["customer_id"]: c["source_quantity"] for c in result.customers} == {
        "C1": pytest.approx(0.375), "C2": pytest.approx(0.05),
    }  # fmt: skip


def _hand_plant_with(graph: TraceGraph, folder: Path, **more: str) -> TraceGraph:
    """tests/hand_plant.py's plant with rows added to some of its files."""
    folder.mkdir()
    for name, text in HAND_PLANT.items():
        (folder / name).write_text(text + more.get(name.removesuffix(".csv"), ""), "utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


@pytest.mark.parametrize("order", [["B", "L"], ["L", "B"]])
def test_sources_in_kg_and_pcs_are_weighed_each_in_its_own_unit(
    graph: TraceGraph, tmp_path: Path, order: list[str], neo4j_env: dict[str, str]
) -> None:
    """Salt lot B (kg) and label lot L (1,000 pcs, 400 into the pack step) traced together:
    kg and pcs do not add, so a lot only one of them reached has that source's amount in its
    unit (it had none — every row was weighed in the first source's unit, and the other's rows
    were null), a row both reached has one amount per unit, and the totals come per unit.
    The order of the sources changes nothing but the order units are listed in."""
    _hand_plant_with(graph, tmp_path / "plant", lots="L,LABEL,1000,pcs,V3,L-1\n",
                     step_inputs="Y,L,400,pcs\n")  # fmt: skip
    result = trace_forward(graph, order)
    assert {lot["lot_id"]: (lot["quantity"], lot["uom"]) for lot in result.lots} == {
        "M": (pytest.approx(0.5), "kg"), "P1": (None, None), "P2": (None, None),
    }  # fmt: skip
    assert {lot["lot_id"]: lot["by_uom"] for lot in result.lots}["P1"] == {
        "kg": 0.375, "pcs": 300.0,
    } if order[0] == "B" else {"pcs": 300.0, "kg": 0.375}  # fmt: skip
    lines = {s["shipment_id"]: s for s in result.shipments}
    assert (lines["SH2"]["source_quantity"], lines["SH2"]["source_uom"]) == (None, None)
    assert lines["SH2"]["source_by_uom"] == {"kg": 0.0625, "pcs": 50.0}
    assert lines["RMA1"]["source_by_uom"] == {"kg": -0.0125, "pcs": -10.0}
    customers = {c["customer_id"]: c for c in result.customers}
    assert customers["C1"]["source_quantity"] is None
    assert customers["C2"]["source_by_uom"] == {"kg": pytest.approx(0.05), "pcs": 40.0}
    totals = result.totals
    assert totals["uom"] is None and totals["shipped_net"] is None
    assert totals["by_uom"]["kg"] == {
        "source_quantity": 10.0, "shipped": 0.4375, "returned": 0.0125, "shipped_net": 0.425,
        "in_stock": 9.575, "unplaced": 0.0, "in_other_sources": 0.0, "located": 10.0,
        "located_share": 1.0,
    }  # fmt: skip
    assert totals["by_uom"]["pcs"] == {
        "source_quantity": 1000.0, "shipped": 350.0, "returned": 10.0, "shipped_net": 340.0,
        "in_stock": 660.0, "unplaced": 0.0, "in_other_sources": 0.0, "located": 1000.0,
        "located_share": 1.0,
    }  # fmt: skip
    kg_first = order[0] == "B"  # several units are listed in the order of the sources
    assert ("0.425 kg and 340 pcs" if kg_first else "340 pcs and 0.425 kg") in result.summary()
    build_package(graph, order, tmp_path / "recall")
    rows = csv.DictReader(
        (tmp_path / "recall" / "customers.csv").read_text("utf-8-sig").splitlines()
    )
    assert {row["customer_id"]: row["source_amounts"] for row in rows} == {
        "C1": "0.375 kg; 300 pcs" if kg_first else "300 pcs; 0.375 kg",
        "C2": "0.05 kg; 40 pcs" if kg_first else "40 pcs; 0.05 kg",
    }  # fmt: skip
    events = csv.DictReader(
        (tmp_path / "recall" / "tracking_events.csv").read_text("utf-8-sig").splitlines()
    )
    by_event = {(e["traceability_lot_code"], e["event_type"]): e for e in events}
    assert by_event[("L", "receiving")]["source_unit"] == "pcs"  # a source: its own unit
    assert by_event[("M", "transformation (mix)")]["source_unit"] == "kg"
    # rows both sources reached have their amounts per unit (they were empty); a return's
    # are how much came back, as its quantity is
    shipped = by_event[("P1", "shipping")]["source_amounts"]
    assert shipped == ("0.375 kg; 300 pcs" if kg_first else "300 pcs; 0.375 kg")
    back = by_event[("P2", "return")]
    assert back["quantity"] == "10.0" and "10 pcs" in back["source_amounts"]
    assert "-" not in back["source_amounts"]
    as_csv = CliRunner().invoke(app, ["trace", "forward", *order, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    lines = {(r["lot_id"], r["shipment_id"]): r for r in csv.DictReader(as_csv.stdout.splitlines())}
    assert lines[("P1", "SH1")]["source_amounts_shipped"] == shipped
    assert lines[("P1", "SH1")]["source_amounts"] == shipped  # P1 went whole to SH1
    out = CliRunner().invoke(app, ["trace", "forward", *order])
    assert out.exit_code == 0, out.output
    assert "source 10 kg · shipped 0.438 kg · returned 0.013 kg · in stock 9.575 kg" in out.output
    assert "source 1,000 pcs · shipped 350 pcs · returned 10 pcs · in stock 660 pcs" in out.output


@pytest.mark.parametrize("order", [["A", "B"], ["B", "A"]])
def test_a_lots_amounts_agree_for_one_source_and_for_several(
    hand_plant: TraceGraph, order: list[str]
) -> None:
    """A lot one source reached has its one amount as quantity, from_sources and by_uom (a
    wide trace rounds it once for all three); one several sources reached has their amounts
    in the order the sources were given, and their sum per unit."""
    (p1,) = [lot for lot in trace_forward(hand_plant, ["B"]).lots if lot["lot_id"] == "P1"]
    assert (p1["quantity"], p1["uom"]) == (0.375, "kg")
    assert p1["from_sources"] == {"B": 0.375}
    assert p1["by_uom"] == {"kg": 0.375}
    result = trace_forward(hand_plant, order)
    rows = {lot["lot_id"]: lot for lot in result.lots}
    amounts = {"A": 30.0, "B": 0.375}
    assert list(rows["P1"]["from_sources"].items()) == [(s, amounts[s]) for s in order]
    assert (rows["P1"]["quantity"], rows["P1"]["uom"]) == (30.375, "kg")
    assert rows["P1"]["by_uom"] == {"kg": 30.375}
    (line,) = [r for r in result.shipments if (r["shipment_id"], r["lot_id"]) == ("SH1", "P1")]
    assert (line["source_quantity"], line["source_uom"]) == (30.375, "kg")
    assert line["source_by_uom"] == {"kg": 30.375}


def test_a_source_made_from_another_source_counts_once(hand_plant: TraceGraph) -> None:
    """Salt lot B and dough M (made of flour and 0.5 kg of B) traced together: M is affected
    whole, so the bread made of it carries M's amount — not M's plus B's share again (P1 had
    30.375 + 0.375 kg) — and the 0.5 kg of B in M is located in another source."""
    result = trace_forward(hand_plant, ["B", "M"])
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots} == {
        "P1": pytest.approx(30.375), "P2": pytest.approx(10.125),
    }  # fmt: skip
    assert {lot["lot_id"]: lot["from_sources"] for lot in result.lots}["P1"] == {"M": 30.375}
    totals = result.totals
    assert totals["in_other_sources"] == pytest.approx(0.5)
    assert totals["source_quantity"] == pytest.approx(50.5)
    assert totals["located"] == pytest.approx(50.5)
    assert totals["located_share"] == pytest.approx(1.0)


def test_an_id_in_another_unicode_spelling_names_the_same_lot(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A lot id typed with a decomposed ü (u + combining diaeresis, as macOS writes it) in a
    shipment line and a composed one in lots.csv: one lot, no stub (a second lot that looked
    the same was made, and the recall missed its shipment); the trace finds it by either
    spelling. A unit in capitals (KG) is the unit."""
    composed, decomposed = "W\u00fc", "Wu\u0308"
    folder = tmp_path / "plant"
    folder.mkdir()
    (folder / "lots.csv").write_text(f"lot_id,material_id,quantity,uom\n{composed},BREAD,10,KG\n")
    (folder / "customers.csv").write_text("customer_id,name\nC1,Shop\n")
    (folder / "shipments.csv").write_text(
        "shipment_id,customer_id,shipped_at\nSH1,C1,2026-11-04T08:00:00+00:00\n"
    )
    (folder / "shipment_lines.csv").write_text(
        f"shipment_id,lot_id,quantity,uom\nSH1,{decomposed},5,kg\n"
    )
    summary = import_paths(graph, [folder])
    assert summary.rejects == [] and summary.stubs_created == 0
    for spelling in (composed, decomposed):
        result = trace_forward(graph, [spelling])
        assert [s["lot_id"] for s in result.sources] == [composed]
        assert result.sources[0]["uom"] == "kg"
        assert [(s["shipment_id"], s["source_quantity"]) for s in result.shipments] == [
            ("SH1", 5.0)
        ]


def test_a_source_without_a_quantity_is_weighed_as_what_it_gave(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A source lot of no (or 0) quantity, counted in kg, that gave 500 g to a mix is weighed
    as those 500 g, in its own unit: the dough carries 0.5 kg of it (it said "1 share" — all
    of the lot — and 100 % located; a quantity of 0 gave 0 everywhere and a recall sentence
    ending in a colon)."""
    for quantity in ("", "0"):
        plant = _hand_plant_with(
            graph, tmp_path / f"plant{quantity}", lots=f"N,SALT,{quantity},kg,V9,N-1\n",
            step_inputs="X,N,500,g\n",
        )  # fmt: skip
        result = trace_forward(plant, ["N"])
        (source,) = result.sources
        assert (source["weighed_quantity"], source["weighed_uom"]) == (0.5, "kg")
        amounts = {lot["lot_id"]: (lot["quantity"], lot["uom"]) for lot in result.lots}
        assert amounts["M"] == (0.5, "kg")
        assert result.totals["source_quantity"] == 0.5
        # located 100 % by construction: said, in the answer (a recall of a lot with no
        # receipt said "located 100.0 %" and nothing else)
        assert result.warnings == [
            "source N has no quantity of its own: weighed as the 0.5 kg its records show it "
            "giving, so how much of the lot is not located is not known"
        ]
    # a lot known only from the step that used it: no row in lots at all
    plant = _hand_plant_with(graph, tmp_path / "stub", step_inputs="X,EY0,500,g\n")
    assert trace_forward(plant, ["EY0"]).warnings == [
        "source EY0 has no quantity of its own (no row of its own in the lots table): weighed "
        "as the 500 g its records show it giving, so how much of the lot is not located is not "
        "known"
    ]


def test_a_return_from_a_customer_never_shipped_the_lot_is_warned_of(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """RMA2 books a return of P1 from C2, which only C1 received: it took P1's share off C2's
    exposure with no word (the recall said 100 % located, warnings: [])."""
    plant = _hand_plant_with(
        graph, tmp_path / "plant", shipments="RMA2,C2,2026-11-06T09:00:00+00:00,RMA-2,\n",
        shipment_lines="RMA2,P1,-4,pcs\n",
    )  # fmt: skip
    assert trace_forward(plant, ["B"]).warnings == [
        "return RMA2 of lot P1 comes from customer C2, which was never shipped it: its amount "
        "is taken off that customer's (`tracegraph check` lists such returns)"
    ]


def test_rework_in_place_changes_no_amount(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """5 kg of dough M reworked and booked back to M: M carries what it carried (it carried
    0.5 kg of salt more, its products and shipments with it), a backward trace lost nothing
    either, and its tree shows both steps that made M (it showed the rework alone)."""
    plain = trace_forward(_hand_plant_with(graph, tmp_path / "plain"), ["B"]).as_dict()
    plain_back = trace_backward(graph, ["P1"]).as_dict()
    reworked = _hand_plant_with(
        graph, tmp_path / "reworked",
        steps="Z,rework,2026-11-03T08:30:00+00:00,MIXER-1,OP1,\n",
        step_inputs="Z,M,5,kg\n", step_outputs="Z,M,5,kg\n",
    )  # fmt: skip
    result = trace_forward(reworked, ["B"]).as_dict()
    amounts = {lot["lot_id"]: lot["quantity"] for lot in result["lots"]}
    assert amounts == {lot["lot_id"]: lot["quantity"] for lot in plain["lots"]}
    assert result["totals"] == plain["totals"]
    back = trace_backward(reworked, ["P1"]).as_dict()
    assert {lot["lot_id"]: lot["quantity"] for lot in back["lots"]} == {
        lot["lot_id"]: lot["quantity"] for lot in plain_back["lots"]
    }
    tree = runner.invoke(app, ["trace", "backward", "P1"])
    assert tree.exit_code == 0, tree.output
    assert "X mix" in tree.stdout and "Z rework" in tree.stdout and "A FLOUR" in tree.stdout
    as_csv = runner.invoke(app, ["trace", "backward", "P1", "--format", "csv"])
    steps_of_m = [r["made_by_step"] for r in csv.DictReader(as_csv.stdout.splitlines())
                  if r["lot_id"] == "M"]  # fmt: skip
    assert sorted(steps_of_m) == ["X", "Z"]  # a row per step that made M (the last one won)
    # the rework's tracking event holds the reworked part's share: 5 of M's 40.5 kg
    build_package(reworked, ["B"], tmp_path / "recall")
    events = csv.DictReader((tmp_path / "recall" / "tracking_events.csv").read_text("utf-8-sig")
                            .splitlines())  # fmt: skip
    made = {e["event_type"]: float(e["source_quantity"]) for e in events
            if e["traceability_lot_code"] == "M"}  # fmt: skip
    assert made == {"transformation (mix)": 0.5,
                    "transformation (rework)": pytest.approx(0.5 * 5 / 40.5, abs=1e-6)}  # fmt: skip


def test_backward_quantities_through_a_split_and_a_merge(hand_plant: TraceGraph) -> None:
    result = trace_backward(hand_plant, ["P1"])
    got = {lot["lot_id"]: (lot["quantity"], lot["uom"]) for lot in result.lots}
    assert got == {
        "M": (pytest.approx(30.375), "kg"),
        "A": (pytest.approx(30.0), "kg"),
        "B": (pytest.approx(0.375), "kg"),
    }
    assert {s["supplier_id"]: [x["supplier_lot"] for x in s["lots"]] for s in result.suppliers} == {
        "V1": ["000123"], "V2": ["000123"],
    }  # fmt: skip
    assert [(s["step_id"], s["device_id"], s["operator_id"]) for s in result.steps] == [
        ("X", "MIXER-1", "OP1"), ("Y", "PACKER-1", "OP2"),
    ]  # fmt: skip


def test_a_window_is_ordered_by_its_instants_not_its_text(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Times with different offsets: 08:45+01:00 (07:45Z) comes before 08:15Z, though its text
    sorts after — the window around the mix was refused, and a reversed one answered empty."""
    mix = ["trace", "device", "MIXER-1", "--from", "2026-11-03T08:45:00+01:00",
           "--to", "2026-11-03T08:15:00Z", "--format", "json"]  # fmt: skip
    result = runner.invoke(app, mix)
    assert result.exit_code == 0, result.stderr
    assert [s["step_id"] for s in json.loads(result.stdout)["steps"]] == ["X"]
    reversed_ = runner.invoke(app, ["trace", "device", "MIXER-1", "--from", "2026-11-03T09:00Z",
                                    "--to", "2026-11-03T09:30:00+01:00"])  # fmt: skip
    assert reversed_.exit_code == 2
    assert "ends before it starts (hint: swap --from and --to)" in reversed_.stderr
    same = runner.invoke(app, ["trace", "device", "MIXER-1", "--from", "2026-11-03T09:00Z",
                               "--to", "2026-11-03T10:00:00+01:00"])  # fmt: skip
    assert same.exit_code == 2 and "is empty: the two are the same moment" in same.stderr
    # a bound in the hour the clocks skip (02:30 on 29 March in Berlin) was read as 03:30 and
    # the window 02:30-03:30 called empty; it is named for what it is
    berlin = ["--timezone", "Europe/Berlin"]
    skipped = runner.invoke(app, ["trace", "device", "MIXER-1", "--from", "2026-03-29T02:30",
                                  "--to", "2026-03-29T03:30", *berlin])  # fmt: skip
    assert skipped.exit_code == 2
    assert skipped.stderr == (
        "error: 2026-03-29T02:30 did not happen in Europe/Berlin: the clocks went forward over "
        "it (hint: give the time with its offset (+01:00 before the change, +02:00 after it), "
        "or a time outside the change)\n"
    )


def test_a_window_bound_in_the_hour_the_clocks_go_back_is_refused(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """02:30 on 25 October happened twice in Berlin: the window was read in the first
    (summer) hour without a word and missed a step baked at 02:35+01:00, the second. Like a
    skipped time, it is refused with both offsets; a recall by window reads it the same way."""
    berlin = ["--from", "2026-10-25T02:30", "--to", "2026-10-25T02:45", "--timezone",
              "Europe/Berlin"]  # fmt: skip
    said = (
        "error: 2026-10-25T02:30 happened twice in Europe/Berlin: the clocks went back over it "
        "(hint: give the time with its offset (+02:00 the first time, +01:00 the second), or a "
        "time outside the change)\n"
    )
    for command in (["trace", "device", "MIXER-1"], ["trace", "operator", "OP1"],
                    ["trace", "supplier", "V1"],
                    ["recall", "--device", "MIXER-1", "--out", str(tmp_path / "r")]):  # fmt: skip
        result = runner.invoke(app, [*command, *berlin])
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", said), command
    assert not (tmp_path / "r").exists()
    # with the offset it names one hour
    given = ["--from", "2026-10-25T02:30+01:00", "--to", "2026-10-25T02:45+01:00"]
    result = runner.invoke(app, ["trace", "device", "MIXER-1", *given, "--format", "json"])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def berlin_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine's zone is Berlin (TZ), and no TRACEGRAPH_TIMEZONE is set."""
    monkeypatch.delenv("TRACEGRAPH_TIMEZONE", raising=False)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_windows_times_without_offset_are_read_as_utc_like_the_import_not_in_the_machines(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, berlin_machine: None
) -> None:
    """Without --timezone or TRACEGRAPH_TIMEZONE, `import` reads times without an offset as
    UTC (with a note); a window was read in the machine's zone (+01:00 in Berlin): 08:00-08:30
    sought 07:00-07:30Z and missed the mix X stored at 08:00Z, without a word. Now read as UTC
    too, with a note saying so; with offsets no note."""
    window = ["trace", "device", "MIXER-1", "--format", "json"]
    result = runner.invoke(app, [*window, "--from", "2026-11-03T08:00", "--to", "2026-11-03T08:30"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["from"], payload["to"]) == ("2026-11-03T08:00:00+00:00",
                                                "2026-11-03T08:30:00+00:00")  # fmt: skip
    assert [s["step_id"] for s in payload["steps"]] == ["X"]
    assert result.stderr == (
        "--from and --to without a UTC offset were read as UTC time, as `import` reads times "
        "without one (TRACEGRAPH_TIMEZONE is not set: give --timezone ZONE, or set it to the "
        "plant's zone)\n"
    )
    one = runner.invoke(app, [*window, "--from", "2026-11-03T08:00", "--to", "2026-11-03T08:30Z"])
    assert one.stderr.startswith("--from without a UTC offset was read as UTC time")
    offsets = runner.invoke(app, [*window, "--from", "2026-11-03T09:00+01:00", "--to",
                                  "2026-11-03T08:30Z"])  # fmt: skip
    assert (offsets.exit_code, offsets.stderr) == (0, "")


def test_a_windows_zone_is_checked_always_a_date_is_its_days_first_instant_and_z_may_be_lower(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """--timezone Mars/Olympus was accepted when both times had an offset (refused only with a
    local time); --from 2026-09-06 in Santiago was refused as a time that "did not happen"
    (its midnight is skipped: the day begins at 01:00-03:00, as `import` reads the date); and
    RFC 3339's lowercase `z` (08:00z) was "not a date and time"."""
    window = ["trace", "device", "MIXER-1", "--format", "json"]
    mars = runner.invoke(app, [*window, "--from", "2026-11-03T08:00Z", "--to",
                               "2026-11-03T08:30Z", "--timezone", "Mars/Olympus"])  # fmt: skip
    assert (mars.exit_code, mars.stderr) == (2, (
        "error: --timezone names an unknown timezone 'Mars/Olympus' (hint: use an IANA name "
        "such as Europe/Berlin or UTC)\n"
    ))  # fmt: skip
    santiago = runner.invoke(app, [*window, "--from", "2026-09-06", "--to", "2026-09-07",
                                   "--timezone", "America/Santiago"])  # fmt: skip
    assert santiago.exit_code == 0, santiago.stderr
    payload = json.loads(santiago.stdout)
    assert (payload["from"], payload["to"]) == ("2026-09-06T01:00:00-03:00",
                                                "2026-09-07T00:00:00-03:00")  # fmt: skip
    lower = runner.invoke(app, [*window, "--from", "2026-11-03t08:00z", "--to",
                                "2026-11-03T08:30z"])  # fmt: skip
    assert lower.exit_code == 0, lower.stderr
    assert [s["step_id"] for s in json.loads(lower.stdout)["steps"]] == ["X"]


def test_a_window_compares_steps_and_device_events_at_the_microsecond_not_the_millisecond(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Windows compared instants as epochMillis: a window from 00:30:00.1239Z showed an alarm
    at 00:30:00.123456Z (before it) as in the window, and one to 00:30:00.1239Z left out the
    step Z that started at 00:30:00.123456Z (in it). Both are cut to .123 there; compared
    exactly now."""
    folder = tmp_path / "plant"
    _hand_plant_with(graph, folder,
                     steps="Z,mix,2026-10-25T00:30:00.123456Z,MIXER-1,OP1,\n")  # fmt: skip
    (folder / "device_events.csv").write_text(
        "device_id,event,at,result\nMIXER-1,alarm,2026-10-25T00:30:00.123456Z,over temp\n",
        "utf-8",
    )
    assert import_paths(graph, [folder]).rejects == []
    before = tracing.trace_window(graph, "device", "MIXER-1", "2026-10-25T00:00:00Z",
                                  "2026-10-25T00:30:00.1239Z")  # fmt: skip
    assert [step["step_id"] for step in before.steps] == ["Z"]
    assert [event["event"] for event in before.events] == ["alarm"]
    after = tracing.trace_window(graph, "device", "MIXER-1", "2026-10-25T00:30:00.1239Z",
                                 "2026-10-25T01:00:00Z")  # fmt: skip
    assert after.events == []


def test_a_window_table_shows_its_steps_in_the_plants_zone(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """With TRACEGRAPH_TIMEZONE=Europe/Berlin a window's header was in +01:00 and its steps in
    UTC (mix X: 2026-11-03 08:00 UTC under a window of 09:00+01:00): the table shows them in
    the plant's zone now (09:00 +01:00); the JSON keeps the stored 08:00+00:00."""
    window = ["trace", "device", "MIXER-1", "--from", "2026-11-03T09:00", "--to",
              "2026-11-03T09:30"]  # fmt: skip
    berlin = {"TRACEGRAPH_TIMEZONE": "Europe/Berlin", "COLUMNS": "300"}
    table = runner.invoke(app, window, env=berlin)
    assert table.exit_code == 0, table.stderr
    assert "2026-11-03 09:00 +01:00" in table.stdout
    assert "08:00 UTC" not in table.stdout
    payload = json.loads(runner.invoke(app, [*window, "--format", "json"], env=berlin).stdout)
    assert payload["steps"][0]["started_at"] == "2026-11-03T08:00:00+00:00"


@pytest.mark.parametrize(
    ("bounds", "bad"),
    [
        (["--from", "0001-01-01T00:00", "--to", "2026-01-05T09:00Z", "--timezone",
          "Asia/Shanghai"], "0001-01-01T00:00"),
        (["--from", "0001-01-01T00:00+01:00", "--to", "2026-01-05T09:00Z"],
         "0001-01-01T00:00+01:00"),
        (["--from", "2026-01-05T09:00Z", "--to", "9999-12-31T23:59", "--timezone",
          "America/New_York"], "9999-12-31T23:59"),
    ],
)  # fmt: skip
def test_a_window_bound_outside_the_years_utc_can_hold_is_one_line(
    hand_plant: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    bounds: list[str],
    bad: str,
) -> None:
    """Year 1 at midnight east of Greenwich is year 0 in UTC (and 9999's last minute west of
    it year 10000): "unexpected failure: OverflowError", exit 3."""
    result = runner.invoke(app, ["trace", "device", "MIXER-1", *bounds])
    assert (result.exit_code, result.stderr) == (2, (
        f"error: {bad} is not a time in years 1 to 9999 in UTC, where windows are sought (hint: "
        "give a time inside them (0001-01-02T00:00 is early enough for any record))\n"
    ))  # fmt: skip


def test_a_windows_times_without_offset_are_read_in_the_plants_zone(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """`import` reads TRACEGRAPH_TIMEZONE; windows read the machine's zone, hours away on a
    laptop elsewhere. The mix ran 08:00-08:30Z: 09:00-09:30 in Berlin finds it."""
    window = ["trace", "device", "MIXER-1", "--from", "2026-11-03T09:00", "--to",
              "2026-11-03T09:30", "--format", "json"]  # fmt: skip
    for zone, found in (("Europe/Berlin", ["X"]), ("Asia/Tokyo", [])):
        result = runner.invoke(app, window, env={"TRACEGRAPH_TIMEZONE": zone})
        assert result.exit_code == 0, result.stderr
        assert [s["step_id"] for s in json.loads(result.stdout)["steps"]] == found
    # --timezone still wins
    given = runner.invoke(app, [*window, "--timezone", "Europe/Berlin"],
                          env={"TRACEGRAPH_TIMEZONE": "Asia/Tokyo"})  # fmt: skip
    assert [s["step_id"] for s in json.loads(given.stdout)["steps"]] == ["X"]
    unknown = runner.invoke(app, window, env={"TRACEGRAPH_TIMEZONE": "Europe/Berlinn"})
    assert unknown.exit_code == 2 and unknown.stderr.startswith(
        "error: TRACEGRAPH_TIMEZONE names an unknown timezone 'Europe/Berlinn'"
    )


def test_tables_piped_to_another_program_are_not_cut_to_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`trace forward LOT | less` showed shipment ids as SH00000… (rich's 80 columns)."""
    from tracegraph.cli import render

    monkeypatch.delenv("COLUMNS", raising=False)
    assert render.stdout().width == render.PIPED_WIDTH  # pytest's stdout is no terminal
    monkeypatch.setenv("COLUMNS", "100")
    assert render.stdout().width == 100


def test_cli_forward_json_contract(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                   runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["trace", "forward", "A", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"sources", "lots", "shipments", "customers", "truncated"} <= set(payload)
    assert payload["truncated"] is False
    assert [s["lot_id"] for s in payload["sources"]] == ["A"]
    assert {"lot_id", "material_id", "quantity", "uom", "depth"} <= set(payload["lots"][0])
    assert {"shipment_id", "customer_id", "lot_id", "quantity", "uom", "shipped_at"} <= set(
        payload["shipments"][0]
    )
    assert {"customer_id", "name"} <= set(payload["customers"][0])
    assert {lot["lot_id"] for lot in payload["lots"]} == {"M", "P1", "P2"}


def test_backward_adds_the_uses_of_a_lot_without_quantity_in_any_unit_of_its_dimension(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Lot Q has no quantity: 2 kg of it went into S2, 500 g into S3, and F is made of all
    both made. Backward from F, Q gave 2,500 g, the amount and unit the forward trace weighs
    it in (the first unit by name); the other unit's use was left out: Q gave 2 kg, or 500 g,
    by the store's order of its edges."""
    _hand_plant_with(
        graph, tmp_path / "plant",
        lots="Q,FLOUR,,,V1,Q-1\nD2,DOUGH,10,kg,,\nD3,DOUGH,10,kg,,\nF,DOUGH,20,kg,,\n",
        steps=("S2,mix,2026-11-03T10:00:00+00:00,MIXER-1,OP1,\n"
               "S3,mix,2026-11-03T10:30:00+00:00,MIXER-1,OP1,\n"
               "S4,mix,2026-11-03T11:00:00+00:00,MIXER-1,OP1,\n"),
        step_inputs="S2,Q,2,kg\nS3,Q,500,g\nS4,D2,10,kg\nS4,D3,10,kg\n",
        step_outputs="S2,D2,10,kg\nS3,D3,10,kg\nS4,F,20,kg\n",
    )  # fmt: skip
    needed = {lot["lot_id"]: (lot["quantity"], lot["uom"]) for lot in trace_backward(
        graph, ["F"]).lots}  # fmt: skip
    assert needed["Q"] == (pytest.approx(2500), "g")
    forward = trace_forward(graph, ["Q"])
    assert (forward.sources[0]["weighed_quantity"], forward.sources[0]["weighed_uom"]) == (
        pytest.approx(2500), "g",
    )  # fmt: skip


def test_a_lot_of_no_quantity_ships_its_share_of_what_its_step_made(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Mix N has no quantity of its own but was booked out of its step as 10 kg, all of water
    lot W; 2 kg of N shipped. The 2 kg line carried all 10 kg of W (N was as much as it gave),
    the customer 5x its share, nothing was left in N, and the totals said 100 % located all the
    same: 2 kg shipped, 8 kg still in N."""
    _hand_plant_with(
        graph, tmp_path / "plant",
        lots="W,WATER,10,kg,,\nN,MIX,,,,\n",
        steps="Z,mix,2026-11-03T07:00:00+00:00,MIXER-1,OP1,\n",
        step_inputs="Z,W,10,kg\n", step_outputs="Z,N,10,kg\n",
        shipments="SH3,C1,2026-11-06T08:00:00+00:00,DN-3,WH-FG\n",
        shipment_lines="SH3,N,2,kg\n",
    )  # fmt: skip
    result = trace_forward(graph, ["W"])
    assert [(s["shipment_id"], s["source_quantity"]) for s in result.shipments] == [
        ("SH3", pytest.approx(2.0))
    ]
    assert [(c["customer_id"], c["source_quantity"]) for c in result.customers] == [
        ("C1", pytest.approx(2.0))
    ]
    assert result.totals["shipped"] == pytest.approx(2.0)
    assert result.totals["in_stock"] == pytest.approx(8.0)
    assert result.totals["located_share"] == pytest.approx(1.0)


def test_a_step_whose_outputs_do_not_compare_is_split_equally_and_says_so(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """S9 gives 100 pcs of W1 and 0.5 kg of scrap W2 from 10 kg of flour: pcs and kg do not
    compare, so each holds half of what went in — without a word, the 0.5 kg of scrap was said
    to hold 5 kg of flour. The answer says so, forward and backward."""
    _hand_plant_with(
        graph, tmp_path / "plant",
        lots="W1,BREAD,100,pcs,,\nW2,SCRAP,0.5,kg,,\n",
        steps="S9,pack,2026-11-03T10:00:00+00:00,PACKER-1,OP1,\n",
        step_inputs="S9,A,10,kg\n", step_outputs="S9,W1,100,pcs\nS9,W2,0.5,kg\n",
    )  # fmt: skip
    warning = ("1 step (S9) makes lots in units that do not compare (such as pcs and kg): "
               "what went in is split equally among its output lots, whatever their "
               "quantities")  # fmt: skip
    forward = trace_forward(graph, ["A"])
    got = {lot["lot_id"]: lot["quantity"] for lot in forward.lots}
    assert got["W1"] == got["W2"] == pytest.approx(5.0)
    assert warning in forward.as_dict()["warnings"]
    assert warning in trace_backward(graph, ["W2"]).warnings
    assert not [w for w in trace_backward(graph, ["P1"]).warnings if "do not compare" in w]
    # one lot booked in two units is all its step made: nothing split, nothing said
    assert flow.unevenly_measured([Edge("W1", "S", 6, "kg"), Edge("W1", "S", 100, "pcs")]) == []


def test_cli_backward_json_and_csv(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                   runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["trace", "backward", "P1", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("sources", "lots", "suppliers", "steps", "devices", "operators", "inspections"):
        assert key in payload
    assert payload["truncated"] is False
    as_csv = runner.invoke(app, ["trace", "backward", "P1", "--format", "csv"])
    rows = list(csv.DictReader(as_csv.stdout.splitlines()))
    assert {r["lot_id"]: r["supplier_lot"] for r in rows} == {
        "P1": "", "M": "", "A": "000123", "B": "000123",
    }  # fmt: skip
    # the traced lot first, with the step that made it: the CSV began at its inputs
    first = rows[0]
    assert (first["lot_id"], first["depth"], first["made_by_step"], first["device_id"]) == (
        "P1", "0", "Y", "PACKER-1",
    )  # fmt: skip
    assert (first["lot_quantity"], first["lot_uom"]) == (first["quantity"], first["uom"])
    # a received lot traced backward keeps its receipt on its row
    received = list(csv.DictReader(runner.invoke(
        app, ["trace", "backward", "A", "--format", "csv"]).stdout.splitlines()))  # fmt: skip
    assert [(r["lot_id"], r["depth"], r["supplier_id"], r["supplier_lot"]) for r in received] == [
        ("A", "0", "V1", "000123"),
    ]


def test_cli_table_starts_with_the_summary(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                           runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["trace", "forward", "B"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "3 lots made from B · 3 shipment lines · 2 customers · 0.425 kg of B shipped, net of "
        "returns"
    )
    assert "Shop one" in result.stdout and "(return)" in result.stdout
    assert "traced in" in result.stderr


def test_cli_counts_the_held_lots_it_does_not_list(
    plant: tuple[TraceGraph, Plant],
    neo4j_env: dict[str, str],
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph, data = plant
    raw = sorted(lot for lot, row in data.model.lots.items() if row["supplier_id"])
    flagged = [lot["lot_id"] for lot in trace_forward(graph, raw).lots
               if lot["status"] in ("hold", "rejected")]  # fmt: skip
    monkeypatch.setattr(cli_trace, "FLAGGED_SHOWN", 3)  # the plant has fewer than 20
    assert len(flagged) > 3
    result = runner.invoke(app, ["trace", "forward", *raw])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert f"{len(flagged):,} downstream lots are on hold or rejected:" in text
    assert f"and {len(flagged) - 3:,} more" in text
    named = text.split("on hold or rejected:")[1].split(" more")[0]
    assert sum(lot in named for lot in flagged) == 3


def test_an_inspection_of_an_input_lot_during_a_step_keeps_both() -> None:
    """An inspection of lot R taken during step S0 is listed with both, whichever the trace
    meets first (the record's order): before the compact lists, meeting the lot after the
    step dropped the step."""
    inspection = {"inspection_id": "I2", "test": "moisture", "result": "fail",
                  "inspected_at": "2026-01-01T06:00Z"}  # fmt: skip
    lots = [
        ["P", 10.0, "kg", "released", True, "2026-01-02T00:00Z", None, "BREAD", [], []],
        ["R", 5.0, "kg", "hold", True, "2026-01-01T00:00Z", None, "FLOUR",
         [["V1", "Mill", "DE", "S-1", "2026-01-01T00:00Z"]], [inspection]],
    ]  # fmt: skip
    step = {"step_id": "S0", "operation": "bake", "started_at": "2026-01-01T08:00Z"}
    links = [[0, "R", 5.0, "kg"], [1, "P", 10.0, "kg"], [6, inspection]]
    for order in (lots, lots[::-1]):
        upstream = upstream_from_record(
            {"lots": order, "steps": [[step, links]], "nodes": [], "devices": []}
        )
        trace = backward_from_subgraph(upstream, ["P"])
        assert [(i["inspection_id"], i["lot_id"], i.get("step_id")) for i in trace.inspections] == [
            ("I2", "R", "S0")
        ]
        assert trace.flags["failed inspections"] == 1 and trace.flags["lots on hold"] == 1
        assert [(lot["lot_id"], lot["quantity"], lot["supplier_lot"]) for lot in trace.lots] == [
            ("R", 5.0, "S-1")
        ]


def test_a_suppliers_lots_come_in_the_order_received_whatever_the_record_order() -> None:
    """Receipts compare as instants: 02:30+02:00 (00:30Z) came before 02:15+01:00 (01:15Z), the
    night the clocks go back, though its text sorts after; an undated receipt comes last."""
    receipts = {"R1": "2026-10-25T02:15:00+01:00", "R2": "2026-10-25T02:30:00+02:00", "R3": None}
    lots = [["P", 10.0, "kg", "released", True, None, None, "BREAD", [], []]] + [
        [lot, 5.0, "kg", "released", True, None, None, "FLOUR",
         [["V1", "Mill", "DE", f"S-{lot}", received]], []]
        for lot, received in receipts.items()
    ]  # fmt: skip
    step = {"step_id": "S0", "operation": "mix", "started_at": "2026-10-25T08:00Z"}
    links = [*([0, lot, 5.0, "kg"] for lot in receipts), [1, "P", 10.0, "kg"]]
    for order in itertools.permutations(lots):
        upstream = upstream_from_record(
            {"lots": list(order), "steps": [[step, links]], "nodes": [], "devices": []}
        )
        [supplier] = backward_from_subgraph(upstream, ["P"]).suppliers
        assert [lot["lot_id"] for lot in supplier["lots"]] == ["R2", "R1", "R3"]


def test_lot_found_by_supplier_lot_key(hand_plant: TraceGraph) -> None:
    assert [s["lot_id"] for s in trace_forward(hand_plant, ["supplier_lot|V2|000123"]).sources] == [
        "B"
    ]


@pytest.mark.parametrize(
    ("lot", "message"),
    [
        ("NOPE", "error: no lot is known as 'NOPE'"),
        # two suppliers used the same number: the bare number is ambiguous, never a guess
        ("000123", "error: '000123' names 2 lots: A (supplier_lot V1 000123); B (supplier_lot V2"),
    ],
)
def test_unknown_or_ambiguous_lot_exit_2_and_nothing_on_stdout(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, lot: str, message: str
) -> None:
    for command in ("forward", "backward"):
        result = runner.invoke(app, ["trace", command, lot, "--format", "json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(message), result.stderr


def test_a_lot_id_that_is_another_lots_supplier_lot_names_both_never_one(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """The plant's lot R6 and the supplier lot R6 of the plant's R11: `trace forward R6` took
    the plant's lot without a word, so a supplier's bad batch R6 recalled the wrong lot.
    `lot_id|R6` names the plant's lot; the identity key the supplier's."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
        "R6,FLOUR,5,kg,,\nR11,FLOUR,5,kg,V1,R6\nR12,FLOUR,5,kg,V1,R12\n"
    )
    assert import_paths(graph, [tmp_path / "lots.csv"]).rejects == []
    both = "error: 'R6' names 2 lots: R6 (lot id); R11 (supplier_lot V1 R6)"
    hint = "(hint: give lot_id|R6 for the lot with that id, or supplier_lot|V1|R6 (R11))"
    for command in (["trace", "forward", "R6"], ["trace", "backward", "R6"], ["lot", "show", "R6"],
                    ["rootcause", "R6", "--controls", "R12"], ["recall", "R6", "--out",
                    str(tmp_path / "recall")]):  # fmt: skip
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith(both) and hint in result.stderr, result.stderr
    assert not (tmp_path / "recall").exists()
    assert [s["lot_id"] for s in trace_forward(graph, ["lot_id|R6"]).sources] == ["R6"]
    assert [s["lot_id"] for s in trace_forward(graph, ["supplier_lot|V1|R6"]).sources] == ["R11"]
    # a lot whose own supplier lot is its id names one lot; an unknown lot_id| is said so
    assert [s["lot_id"] for s in trace_forward(graph, ["R12"]).sources] == ["R12"]
    unknown = runner.invoke(app, ["trace", "forward", "lot_id|R7"])
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error: no lot has the id 'R7'")


def reads_counted(graph: TraceGraph, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the queries `graph` reads from now on, one per round trip, in order."""
    read = graph.read
    asked: list[str] = []

    def counted(name: str, /, **params: Any) -> Any:
        asked.append(name)
        return read(name, **params)

    monkeypatch.setattr(graph, "read", counted)
    return asked


@pytest.mark.parametrize(
    "ids",
    [
        ["P1"],
        ["lot_id|P1"],
        ["supplier_lot|V1|000123"],
        ["TLC-P1"],
        ["tlc||TLC-P1"],
        ["gtin_lot|9506000134352|L-2611"],
        ["(01)09506000134352(10)L-2611"],
        ["SN-0001"],
        ["P1", "TLC-P1", "B", "supplier_lot|V2|000123"],
        ["shipment|SH1"],
        ["shipment| SH2 ", "P1"],
    ],
)
def test_a_trace_looks_its_ids_up_in_its_own_query(
    hand_plant: TraceGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ids: list[str]
) -> None:
    """A trace asks the graph once: the look-up of its ids (a lot id, key, TLC, GS1 string,
    serial) is part of the trace query, which cost a narrow trace a round trip when it came
    first. The sources are those resolve_lots names, in its order."""
    graph = hand_plant
    (tmp_path / "lot_identifiers.csv").write_text(
        "lot_id,scheme,value,issuer\nP1,tlc,TLC-P1,\nP1,gtin_lot,L-2611,9506000134352\n"
        "P2,gtin_lot,L-2611,09506000134352\nP2,serial,SN-0001,\n"
    )  # fmt: skip
    assert import_paths(graph, [tmp_path / "lot_identifiers.csv"]).rejects == []
    expected = resolve_lots(graph, ids)
    asked = reads_counted(graph, monkeypatch)
    assert [s["lot_id"] for s in trace_forward(graph, ids).sources] == expected
    assert [s["lot_id"] for s in trace_backward(graph, ids).sources] == expected
    assert asked == ["trace/forward", "trace/backward"]
    # an id naming two lots is still an error (the trace of what it named is not used)
    with pytest.raises(AmbiguousLot, match="'L-2611' names 2 lots: P1"):
        trace_forward(graph, ["L-2611"])
    with pytest.raises(UnknownLot, match="no lot is known as 'TLC-P9'"):
        trace_backward(graph, ["P1", "TLC-P9"])


def test_a_device_window_traces_its_lots_in_its_own_query(
    hand_plant: TraceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device window's lots are traced in the window's query: asked after it, the forward
    trace waited for the window's answer, a second round trip one after the other (the
    device's events are read beside it). The trace is the forward trace of the window's lots;
    an unknown device is still an error, and an empty window no trace."""
    graph = hand_plant
    asked = reads_counted(graph, monkeypatch)
    window = trace_window(graph, "device", "MIXER-1", "2026-11-03T00:00Z", "2026-11-04T00:00Z")
    assert sorted(asked) == ["trace/device_events", "trace/device_window"]
    assert window.processed_lots == ["M"] and window.forward is not None
    alone = trace_forward(graph, ["M"]).as_dict()
    assert {**window.forward.as_dict(), "seconds": 0} == {**alone, "seconds": 0}
    asked.clear()
    empty = trace_window(graph, "device", "MIXER-1", "2026-11-05T00:00Z", "2026-11-06T00:00Z")
    assert empty.steps == [] and empty.forward is None
    assert sorted(asked) == ["trace/device_events", "trace/device_window"]
    with pytest.raises(TracegraphError, match="no device is known as 'MIXER-9'"):
        trace_window(graph, "device", "MIXER-9", "2026-11-03T00:00Z", "2026-11-04T00:00Z")


def test_the_device_windows_trace_is_the_forward_trace_query() -> None:
    """cypher/trace/device_window.cypher traces the window's lots with the text of
    cypher/trace/forward.cypher (the library reads both records with downstream_from_record):
    a change to the one is a change to the other."""
    forward = queries.load("trace/forward")
    start = forward.index("// In a subquery: one row however many lots it reaches")
    end = forward.index("  ] AS lots,\n  shipments,\n") + len("  ] AS lots,\n  shipments,\n")
    assert forward[start:end] in queries.load("trace/device_window")


def test_a_shipment_names_the_lots_it_carried(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A complaint names its delivery: `shipment|SH2` is the lots on shipment SH2, in every
    command that takes lots; a shipment with no lot on it (or none of that id) is said so."""
    graph = hand_plant
    assert resolve_lots(graph, ["shipment|SH2"]) == ["P2"]
    assert resolve_lots(graph, ["shipment|RMA1", "shipment|SH1"]) == ["P2", "P1"]  # a return too
    backward = runner.invoke(app, ["trace", "backward", "shipment|SH1", "--format", "json"])
    assert backward.exit_code == 0, backward.output
    assert [s["lot_id"] for s in json.loads(backward.stdout)["sources"]] == ["P1"]
    # a lot whose id begins like a shipment's: `lot_id|` names it (the trace query, which
    # traced the shipment's lots for it, is asked again by the decided lot: it raised KeyError)
    (tmp_path / "lots.csv").write_text("lot_id,material_id,quantity,uom\nshipment|SH1,M1,1,kg\n")
    assert import_paths(graph, [tmp_path / "lots.csv"]).rejects == []
    for trace in (trace_forward, trace_backward):
        assert [s["lot_id"] for s in trace(graph, ["lot_id|shipment|SH1"]).sources] == [
            "shipment|SH1"
        ]
        assert [s["lot_id"] for s in trace(graph, ["shipment|SH1"]).sources] == ["P1"]
    for missing in ("shipment|SH9", "shipment|"):
        result = runner.invoke(app, ["trace", "forward", missing])
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(
            f"error: no shipment {missing[len('shipment|') :]!r} with a lot on it"
        ), result.stderr


def test_a_lot_id_that_begins_like_a_gs1_element_string_is_found_by_lot_id(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """`(2024)-B7` reads as a GS1 element string with an unknown AI: the error says so and
    how to name the lot, and `lot_id|(2024)-B7` finds it."""
    (tmp_path / "lots.csv").write_text("lot_id,material_id,quantity,uom\n(2024)-B7,M1,1,kg\n")
    assert import_paths(hand_plant, [tmp_path / "lots.csv"]).rejects == []
    bare = runner.invoke(app, ["trace", "forward", "(2024)-B7"])
    assert bare.exit_code == 2 and "lot_id|(2024)-B7" in bare.stderr, bare.stderr
    named = runner.invoke(app, ["trace", "forward", "lot_id|(2024)-B7", "--format", "json"])
    assert named.exit_code == 0, named.output
    assert [s["lot_id"] for s in json.loads(named.stdout)["sources"]] == ["(2024)-B7"]


def test_typo_suggests_close_lots(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                  runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["trace", "forward", "P3"])
    assert result.exit_code == 2
    assert "close matches: P1, P2" in result.stderr
    # the likest first (Lucene's score put R0000001 fourth for `R000001`), and nothing
    # for a name nothing is like (`X` got five unrelated lots)
    zero = runner.invoke(app, ["trace", "forward", "00123"])
    assert "close matches: A (supplier_lot V1 000123), B (supplier_lot V2 000123)" in zero.stderr
    unlike = runner.invoke(app, ["trace", "forward", "X"])
    assert "close matches" not in unlike.stderr and "check the id" in unlike.stderr


def _first_close_match_is(
    graph: TraceGraph, tmp_path: Path, lots: str, cases: tuple[tuple[str, str], ...]
) -> None:
    """Import `lots` (lots.csv rows), then each typed id's hint starts with its first match."""
    more = tmp_path / "more"
    more.mkdir()
    (more / "lots.csv").write_text("lot_id,material_id,quantity,uom\n" + lots)
    assert import_paths(graph, [more]).rejects == []
    for typed, first in cases:
        with pytest.raises(TracegraphError) as unknown:
            resolve_lots(graph, [typed])
        assert unknown.value.hint.startswith(f"close matches: {first}"), (typed, unknown.value)


def test_ids_with_hyphens_get_close_matches(hand_plant: TraceGraph, tmp_path: Path) -> None:
    """PST-01, PST-0001, PST001 and BRD-2B got no suggestion: the index splits PST-001 into
    "pst" and "001", and the whole typed id, hyphen and all, matched no part."""
    _first_close_match_is(
        hand_plant, tmp_path,
        "PST-001,PASTE,1,kg\nPST-002,PASTE,1,kg\nBRD-2A,BOARD,4,pcs\nBRD-1A,BOARD,4,pcs\n",
        (("PST-01", "PST-001"), ("PST-0001", "PST-001"), ("PST001", "PST-001"),
         ("BRD-2B", "BRD-2A")),
    )  # fmt: skip


def test_ids_with_other_leading_zeros_or_case_suggest_that_lot_first(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """`R000019` put R0000019 fourth (R0000192 is as alike by letters), `R19` and `r19` did not
    suggest it at all (five edits away for the full-text index), nor `123` supplier lot 000123."""
    _first_close_match_is(
        hand_plant, tmp_path,
        "R0000019,SALT,1,kg\nR0000192,SALT,1,kg\nR0000198,SALT,1,kg\nR0000129,SALT,1,kg\n",
        (("R000019", "R0000019"), ("R00000019", "R0000019"), ("R19", "R0000019"),
         ("r19", "R0000019"), ("r0000192", "R0000192"), ("p01", "P1"),
         ("123", "A (supplier_lot V1 000123), B (supplier_lot V2 000123)")),
    )  # fmt: skip
    assert same_number("R19")[:3] == ["R019", "R0019", "R00019"]
    assert "R0000019" in same_number("r000019") and "r000019" not in same_number("r000019")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12345678901234567", "012345678901234567"),  # an SSCC (18) typed without its zero
        ("00012345678901234567", "012345678901234567"),  # ... or with too many
        ("4012345000009", "04012345000009"),  # a GTIN-13 where a GTIN-14 is stored
        ("SSCC 123456789012345", "SSCC 000123456789012345"),  # a run within text
        ("L123456789012345678", "L00123456789012345678"),  # 20, a GS1 lot number's longest
    ],
)
def test_long_numbers_typed_without_leading_zeros_are_suggested(
    hand_plant: TraceGraph, tmp_path: Path, typed: str, stored: str
) -> None:
    """Digit runs were padded up to 12 digits only: an 18-digit SSCC or a GS1 lot number typed
    without its leading zeros (as people read them off a label) was not sought as such, and a
    lot one digit off (more alike by letters) was suggested first."""
    assert stored in same_number(typed)
    decoy = typed[:-1] + str((int(typed[-1]) + 1) % 10)
    lots = f"{decoy},SALT,1,kg\n{stored},SALT,1,kg\n"
    _first_close_match_is(hand_plant, tmp_path, lots, ((typed, f"{stored}, {decoy}"),))
    # every width once, up to 12 and GS1's lengths: bounded whatever the run's length
    assert len(same_number(typed)) <= 2 * 17
    assert len(same_number("1")) == 11 + 5  # widths 2..12, and 13, 14, 17, 18, 20


def test_padded_ids_name_their_lot_and_unknown_devices_get_close_matches(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """An id pasted from a padded export column (' P1 ') names the lot the import stored
    without the spaces (it was unknown); an unknown device or operator suggests close ids — the
    same but for case first — as an unknown lot does."""
    result = runner.invoke(app, ["trace", "backward", " P1 ", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [s["lot_id"] for s in json.loads(result.stdout)["sources"]] == ["P1"]
    window = ["--from", "2026-11-03T00:00Z", "--to", "2026-11-04T00:00Z"]
    for kind, wrong, hint in (("device", "mixer-1", "close matches: MIXER-1"),
                              ("device", "MIXER1", "close matches: MIXER-1"),
                              ("operator", "op2", "close matches: OP2"),
                              ("device", "CONVEYOR", "ids are case-sensitive")):  # fmt: skip
        result = runner.invoke(app, ["trace", kind, wrong, *window])
        assert result.exit_code == 2
        assert f"no {kind} is known as {wrong!r}" in result.stderr
        assert hint in result.stderr, result.stderr
    result = runner.invoke(app, ["trace", "device", " MIXER-1", *window, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [s["step_id"] for s in json.loads(result.stdout)["steps"]] == ["X"]


def test_an_empty_database_says_so_and_csv_booleans_read_as_in_json(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """An unknown lot in a database without lots says the database is empty (a wrong URI or
    nothing imported), not "check the id"; CSV cells hold true/false (it printed True)."""
    result = runner.invoke(app, ["trace", "forward", "X1"])
    assert result.exit_code == 2
    assert "the database holds no lots" in result.stderr, result.stderr
    _hand_plant_with(graph, tmp_path / "plant")
    result = runner.invoke(app, ["trace", "forward", "B", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert {row["origin_known"] for row in rows} == {"true"}
    # the source's own quantity is in lot_quantity, as every other row's (it was empty)
    assert [(r["lot_quantity"], r["lot_uom"]) for r in rows if r["depth"] == "0"] == [
        ("10.0", "kg")
    ]
    assert "the database holds no lots" not in runner.invoke(app, ["lot", "show", "X1"]).stderr


def test_trace_queries_never_enumerate_paths(graph: TraceGraph) -> None:
    """Every variable-length expand in a trace query (and in the benchmark's variants of the
    forward trace, and rootcause's factors, inspections and all) is the pruning breadth-first
    kind, which visits each node once; a plain VarLengthExpand(All) would walk every path."""
    params = {
        "lot_ids": ["A"], "asked": ["A"], "device_id": "D", "operator_id": "O",
        "window_start": "2026-01-01T00:00:00Z", "window_end": "2026-01-02T00:00:00Z",
        "fixed": [], "days": 3, "max_controls": 10, "taken": [], "missing": 1, "steps": [],
    }  # fmt: skip
    checked = 0
    for name in queries.available():
        if not name.startswith(("trace/", "bench/forward_", "rootcause/")):
            continue
        with graph.driver.session(database=graph.database) as session:
            plan = session.run("EXPLAIN " + queries.load(name), params).consume().plan
        assert plan is not None
        operators = _operators(plan)
        expands = [op for op in operators if "VarLengthExpand" in op or "ShortestPath" in op]
        assert all("Pruning" in op and "BFS" in op for op in expands), (name, expands)
        checked += bool(expands)
    # forward and backward do traverse, bench's two forward variants and rootcause's factors
    assert checked >= 5


def test_many_sources_reach_each_lot_once(plant: tuple[TraceGraph, Plant]) -> None:
    """Sources that share lots downstream (or upstream) get each shared lot once from the
    query: Neo4j drops a plain DISTINCT after the pruning expand, so the server projected and
    sent a lot once per source reaching it (the library's dict hid the copies)."""
    graph, data = plant
    raw = sorted(lot for lot, row in data.model.lots.items() if row["supplier_id"])
    finished = sorted(lot for lot in data.model.lots if lot.startswith("F"))
    for name, sources in (("trace/forward", raw), ("trace/backward", finished)):
        lots = graph.read(name, asked=[], lot_ids=sources)[0]["lots"]
        ids = [row[0] for row in lots]
        assert len(ids) > len(sources), name  # they reach more than themselves
        assert len(ids) == len(set(ids)), (name, len(ids), len(set(ids)))


def test_forward_trace_deduplicates_shipments_without_the_reached_list(graph: TraceGraph) -> None:
    """The forward trace collects the reached lots into one list. A DISTINCT planned with that
    list among its keys (as a COLLECT subquery in the RETURN was) holds a copy per row: memory
    grew with lots x shipments, and a 50k-lot trace hit the server's transaction memory limit."""
    with graph.driver.session(database=graph.database) as session:
        plan = session.run(
            "EXPLAIN " + queries.load("trace/forward"), asked=["A"], lot_ids=[]
        ).consume()
    assert plan.plan is not None
    distinct = _details(plan.plan, "Distinct")  # Distinct, OrderedDistinct
    assert any("shipment" in keys for keys in distinct), distinct  # shipments deduplicated
    assert all("reached" not in keys for keys in distinct), distinct


def test_backward_trace_keeps_no_list_among_its_distinct_keys(graph: TraceGraph) -> None:
    """The backward trace collects the reached lots and the steps that made them into lists;
    a DISTINCT planned with one among its keys holds a copy of it per row: the devices and
    operators sent once each (a COLLECT subquery's `WITH DISTINCT shared`) held the whole step
    list per device and operator — 8.1 of the 8.2 MB a 10k plant's 4,312 finished lots' trace
    took (review of the backtrace branch)."""
    with graph.driver.session(database=graph.database) as session:
        plan = session.run(
            "EXPLAIN " + queries.load("trace/backward"), asked=["A"], lot_ids=[]
        ).consume()
    assert plan.plan is not None
    distinct = _details(plan.plan, "Distinct")  # Distinct, OrderedDistinct
    assert distinct, "the walk's DISTINCT is gone: see test_trace_queries_never_enumerate_paths"
    assert all(not ({"made", "reached"} & set(re.findall(r"\w+", keys))) for keys in distinct), (
        distinct
    )


def _details(plan: dict, operator: str) -> list[str]:  # type: ignore[type-arg]
    found = []
    if operator in plan["operatorType"]:
        found.append(str(plan["args"].get("Details", "")))
    for child in plan.get("children", []):
        found += _details(child, operator)
    return found


def test_comparable_lots_come_from_the_material_time_index(graph: TraceGraph) -> None:
    """rootcause's comparable lots: a seek of lot_material_created in index order, not a read
    of every lot of the material and a sort (1M-lot plant: 381 ms -> 25 ms)."""
    with graph.driver.session(database=graph.database) as session:
        plan = (
            session.run(
                "EXPLAIN " + queries.load("rootcause/comparable_lots"),
                {
                    "lot_ids": ["A"],
                    "days": 3,
                    "max_controls": 10,
                    "passed_over": [],
                    "downstream_of": [],
                },
            )
            .consume()
            .plan
        )
    assert plan is not None
    operators = _operators(plan)
    assert "Sort" not in operators and "NodeByLabelScan" not in operators, operators
    assert "(material_id, created_at, lot_id)" in str(plan), operators


def _operators(plan: dict) -> list[str]:  # type: ignore[type-arg]
    found = [str(plan["operatorType"])]
    for child in plan.get("children", []):
        found += _operators(child)
    return found


def test_generated_plant_passes_every_check(plant: tuple[TraceGraph, Plant]) -> None:
    graph, _ = plant
    report = run_checks(graph)
    assert report.total == 0, report.summary()


def test_lot_show_by_any_identity(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                  runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["lot", "show", "supplier_lot|V2|000123", "--format", "json"])
    assert result.exit_code == 0, result.output
    dossier = json.loads(result.stdout)
    assert dossier["lot"]["lot_id"] == "B"
    assert dossier["origin"] == "received"
    assert [a["value"] for a in dossier["aliases"]] == ["000123"]
    assert [(s["step_id"], s["quantity"], s["uom"]) for s in dossier["used_in"]] == [
        ("X", 500.0, "g")
    ]
    # What is left of it by its records, in its own unit (500 g of the 10 kg salt lot used),
    # and what `check` makes of it (its tolerance for kg; no finding)
    assert dossier["balance"] == {"quantity": 10.0, "uom": "kg", "used": 0.5, "shipped": 0.0,
                                  "returned": 0.0, "booked_back": 0.0, "remaining": 9.5,
                                  "uncounted": 0,
                                  "tolerance": 0.15, "beyond_tolerance": False}  # fmt: skip
    shown = runner.invoke(app, ["lot", "show", "P2"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("P2 · BREAD")
    # 100 pcs, 50 shipped to C2, 10 of them returned
    assert "left by its records: 100 pcs − 50 shipped + 10 returned = 60 pcs" in shown.stdout
    timeline = runner.invoke(app, ["lot", "show", "P2", "--format", "csv"])
    events = [row["event"] for row in csv.DictReader(timeline.stdout.splitlines())]
    # ...and, last, what is left of it (the CSV dropped the balance)
    assert events == ["produced (pack)", "shipped", "returned", "left by its records"]


def test_lot_show_ambiguous_id_lists_the_candidates(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    result = runner.invoke(app, ["lot", "show", "000123"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "A (supplier_lot V1 000123); B (supplier_lot V2 000123)" in result.stderr


def test_lot_show_of_a_key_two_lots_carry_names_both(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Supplier V1 delivered its batch 000123 twice (lots A and A2): a trace by the key takes
    both, and `lot show` showed A2 alone, exit 0 — an auditor got the small re-delivery."""
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot,grade,report\n"
        "A2,FLOUR,5,kg,V1,000123,B,0815\n"
    )
    assert import_paths(hand_plant, [tmp_path / "more"]).rejects == []
    # its extra columns, in the JSON only before
    assert "properties: grade B; report 0815" in runner.invoke(app, ["lot", "show", "A2"]).stdout
    shown = runner.invoke(app, ["lot", "show", "supplier_lot|V1|000123"])
    assert (shown.exit_code, shown.stdout) == (2, "")
    assert "'supplier_lot|V1|000123' names 2 lots: A, A2" in shown.stderr
    traced = runner.invoke(app, ["trace", "forward", "supplier_lot|V1|000123", "--format", "json"])
    assert [s["lot_id"] for s in json.loads(traced.stdout)["sources"]] == ["A", "A2"]
    # The bare number (V2 used it too): the hint named no key, and a recall coordinator in a
    # hurry recalled one of V1's two receipts by its lot id.
    with pytest.raises(TracegraphError) as bare:
        resolve_lots(hand_plant, ["000123"])
    assert bare.value.hint == (
        "give a lot id, or the identity key of one issuer: "
        "supplier_lot|V1|000123 (A, A2); supplier_lot|V2|000123 (B)"
    )
    (tmp_path / "more" / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
        "E1,FLOUR,5,kg,V1,777\nE2,FLOUR,5,kg,V1,777\n"
    )
    assert import_paths(hand_plant, [tmp_path / "more"]).rejects == []
    with pytest.raises(TracegraphError) as one_supplier:
        resolve_lots(hand_plant, ["777"])
    assert one_supplier.value.hint == (
        "supplier_lot|V1|777 names all 2 (one identity carried by several lots); a lot id names one"
    )
    assert resolve_lots(hand_plant, ["supplier_lot|V1|777"]) == ["E1", "E2"]


def test_lot_show_of_a_produced_lot_without_its_own_row_says_produced(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A lot only a step_outputs row names (a stub) said "never received or produced" above
    the step that produced it."""
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "steps.csv").write_text(
        "step_id,operation,started_at\nZ,mix,2026-11-03T10:00:00+00:00\n"
    )
    (tmp_path / "more" / "step_inputs.csv").write_text("step_id,lot_id,quantity,uom\nZ,A,5,kg\n")
    (tmp_path / "more" / "step_outputs.csv").write_text("step_id,lot_id,quantity,uom\nZ,TK,5,kg\n")
    assert import_paths(hand_plant, [tmp_path / "more"]).rejects == []
    dossier = json.loads(runner.invoke(app, ["lot", "show", "TK", "--format", "json"]).stdout)
    assert dossier["origin"] == ("produced (no row of its own in the lots table: its quantity "
                                 "and material are not known)")  # fmt: skip
    assert [s["step_id"] for s in dossier["made_by"]] == ["Z"]


def test_lot_show_lists_come_in_the_order_of_their_instants(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """An SAP step at 06:00+01:00 (05:00Z) and an MES one at 08:35+08:00 (00:35Z) used lot A:
    `lot show`'s used_in listed the SAP step first, sorted as text; shipments and
    inspections alike."""
    more = tmp_path / "more"
    more.mkdir()
    (more / "steps.csv").write_text(
        "step_id,operation,started_at\nSAP1,mix,2026-11-09T06:00:00+01:00\n"
        "MES1,mix,2026-11-09T08:35:00+08:00\n"
    )
    (more / "step_inputs.csv").write_text("step_id,lot_id,quantity,uom\nSAP1,A,1,kg\nMES1,A,1,kg\n")
    (more / "shipments.csv").write_text(
        "shipment_id,customer_id,shipped_at\nZ1,C1,2026-11-09T06:00:00+01:00\n"
        "Z2,C1,2026-11-09T08:35:00+08:00\n"
    )
    (more / "shipment_lines.csv").write_text(
        "shipment_id,lot_id,quantity,uom\nZ1,A,1,kg\nZ2,A,1,kg\n"
    )
    (more / "inspections.csv").write_text(
        "inspection_id,lot_id,test,result,inspected_at\n"
        "Q1,A,moisture,pass,2026-11-09T06:00:00+01:00\nQ2,A,moisture,pass,2026-11-09T08:35:00+08:00\n"
    )
    assert import_paths(hand_plant, [more]).rejects == []
    dossier = show_lot(hand_plant, "A")
    assert [s["step_id"] for s in dossier["used_in"] if s["step_id"] in ("SAP1", "MES1")] == [
        "MES1", "SAP1"
    ]  # fmt: skip
    assert [s["shipment_id"] for s in dossier["shipments"] if s["shipment_id"][0] == "Z"] == [
        "Z2", "Z1"
    ]  # fmt: skip
    assert [i["inspection_id"] for i in dossier["inspections"] if i["inspection_id"][0] == "Q"] == [
        "Q2", "Q1"
    ]  # fmt: skip


def test_a_corrected_reference_leaves_no_node_behind(
    hand_plant: TraceGraph, tmp_path: Path
) -> None:
    """Day 2's export put step X on MIXR-1 (a typo) and inspection I9 on lot PX: the import made
    a device and a stub lot for them. Day 3's corrected export moved X and I9 back, and MIXR-1
    and PX stayed — a device with no steps in `check` and Browser, a stub lot in the gap count —
    which a clean import of day 3's files does not have."""
    steps = HAND_PLANT["steps.csv"]
    day2, day3 = tmp_path / "day2", tmp_path / "day3"
    for folder, device, lot, order in (
        (day2, "MIXR-1", "PX", "WO-9"), (day3, "MIXER-1", "P1", "WO-1")
    ):  # fmt: skip
        folder.mkdir()
        with_order = steps.replace("oven_temp_c\n", "oven_temp_c,work_order_id\n").replace(
            "OP1,\n", f"OP1,,{order}\n"
        )
        (folder / "steps.csv").write_text(with_order.replace("MIXER-1", device))
        (folder / "inspections.csv").write_text(
            f"inspection_id,lot_id,test,result,inspected_at\nI9,{lot},seal,pass,2026-11-03T10:00Z\n"
        )
    second = import_paths(hand_plant, [day2])
    assert second.stubs_created == 1
    third = import_paths(hand_plant, [day3])
    assert third.rejects == []
    # day 2 left MIXER-1 without a step, so it went, and came back with day 3's X (the other
    # step rows leave the new work_order_id column out, which the first note says)
    assert "with fewer cells than the header (line 3)" in third.notes[0]
    assert third.notes[1:] == [
        "1 device named by references but given no row of its own was created: MIXER-1 (a "
        "typo in a reference makes one)",
        "deleted 1 device known only from references that no row refers to any more: MIXR-1 "
        "(a corrected reference left it; a clean import has none)",
        "deleted 1 work order known only from references that no row refers to any more: WO-9 "
        "(a corrected reference left it; a clean import has none)",
        "deleted 1 stub lot known only from references that no row refers to any more: PX (a "
        "corrected reference left it; a clean import has none)",
    ]
    assert third.stubs_created == 0  # PX was there before the run: it took none away
    rows, _, _ = hand_plant.driver.execute_query(
        "MATCH (d:Device) RETURN collect(d.device_id) AS devices, "
        "COLLECT { MATCH (l:Lot {origin_known: false}) RETURN l.lot_id } AS stubs",
        database_=hand_plant.database,
    )
    assert (sorted(rows[0]["devices"]), rows[0]["stubs"]) == (["MIXER-1", "PACKER-1"], [])


def test_rootcause_finds_the_oven_behind_the_complaints(plant: tuple[TraceGraph, Plant]) -> None:
    """Complaints about lots baked on one oven at different times: the oven must come first
    among factors that every complaint shares, and its counts must match the plant's files."""
    graph, data = plant
    model = data.model
    oven_lots = [lot for step, row in sorted(model.steps.items()) if row["device_id"] == "OVEN-2"
                 for baked in model.outputs[step] for use in model.used_in.get(baked, ())
                 for lot in model.outputs[use] if lot.startswith("F")]  # fmt: skip
    complaints = oven_lots[:: max(1, len(oven_lots) // 12)][:12]
    ranking = rank_common_causes(graph, complaints)
    universal = [f for f in ranking.factors if f["complaints_with"] == len(complaints)
                 and f["kind"] in ("device", "operation on device")]  # fmt: skip
    assert universal[0]["value"] in ("OVEN-2", "bake on OVEN-2")
    assert universal[0]["verdict"] == "strong common cause"

    def upstream_devices(lot: str) -> set[str]:
        lots = {lot, *model.backward([lot])}
        return {model.steps[s]["device_id"] for s in model.steps_making(lots)}

    device = next(f for f in ranking.factors if f["kind"] == "device" and f["value"] == "OVEN-2")
    assert device["controls_with"] == sum("OVEN-2" in upstream_devices(c) for c in ranking.controls)
    assert device["complaints_with"] == len(complaints)
    assert not set(ranking.controls) & set(complaints)
    assert ranking.factors == sorted(ranking.factors, key=lambda f: f["p_value"])


def test_rootcause_ranks_a_batch_made_in_the_plant(plant: tuple[TraceGraph, Plant]) -> None:
    """A batch made in the plant (a dough lot) upstream of every complaint is a factor of its
    own, ranked first among the lots — it was no factor at all: only received lots were, so
    the batch showed only blurred, as its mixer and shift (shared with the batches around it).
    The complaint lots themselves are no factors of themselves."""
    graph, data = plant
    model = data.model
    batch = max((lot for lot in model.lots if lot.startswith("D")),
                key=lambda d: sum(f.startswith("F") for f in model.forward([d])))  # fmt: skip
    finished = sorted(lot for lot in model.forward([batch]) if lot.startswith("F"))
    assert len(finished) >= 3, "the plant's widest batch reaches too few finished lots"
    complaints = finished[:8]
    ranking = rank_common_causes(graph, complaints)
    lots = [f for f in ranking.factors if f["kind"] == "input lot"]
    found = next(f for f in lots if f["value"] == batch)
    # first among the lots (tied, perhaps, with the baked lot made from it alone)
    assert found["p_value"] == lots[0]["p_value"]
    assert found["complaints_with"] == len(complaints)
    assert found["controls_with"] == sum(batch in model.backward([c]) for c in ranking.controls)
    assert not {f["value"] for f in lots} & set(complaints)


def test_rootcause_finds_no_inspection_cause_where_none_was_planted(
    plant: tuple[TraceGraph, Plant],
) -> None:
    """The synthetic plant's inspectors, core temperatures and failed bakes (reworked, then
    packed) are drawn at random: in random sets of complaint lots the inspection factors are
    tested, none is significant, and the failed core_temp's counts are the plant's files'."""
    graph, data = plant
    model = data.model
    with (data.summary.out / "inspections.csv").open(encoding="utf-8", newline="") as handle:
        failed = {row["lot_id"] for row in csv.DictReader(handle)
                  if row["test"] == "core_temp" and row["result"] == "fail"}  # fmt: skip
    finished = sorted(lot for lot in model.lots if lot.startswith("F"))
    rng = random.Random(7)
    reworked_complaints = 0
    for _ in range(4):
        complaints = rng.sample(finished, 30)
        ranking = rank_common_causes(graph, complaints, inspections=True)
        inspections = [f for f in ranking.factors if f["kind"] in rootcause.INSPECTION_KINDS]
        assert {"inspector", "inspection out of range"} <= {f["kind"] for f in inspections}
        assert all(f["p_adjusted"] >= 0.05 for f in inspections), inspections[0]
        reworked = {(f["value"], f["complaints_with"], f["controls_with"])
                    for f in inspections if f["kind"] == "failed inspection"}  # fmt: skip
        with_bad, with_good = (sum(bool(failed & set(model.backward([lot]))) for lot in lots)
                               for lots in (complaints, ranking.controls))  # fmt: skip
        assert reworked == ({("core_temp", with_bad, with_good)} if with_bad else set())
        reworked_complaints += with_bad
    assert reworked_complaints  # the factor was there to be tested


def test_rootcause_counts_a_lot_of_unknown_origin_as_a_factor(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """A stub (a lot a step input names but no file received or made) upstream of a lot is
    one of its factors, as is the batch it went into; a received lot stays a `raw lot`."""
    for name, text in HAND_PLANT.items():
        if name == "step_inputs.csv":
            text += "X,OLD-1,1,kg\n"
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    (row,) = rootcause._factor_rows(graph, ["P1"])
    factors = rootcause.lot_factors(row)
    assert {("input lot", "OLD-1"), ("input lot", "M"), ("raw lot", "A")} <= factors
    assert ("input lot", "P1") not in factors
    # a received lot is no factor of itself, its supplier is one (a received complaint lot was
    # its own "strong common cause", 1 of 1 complaints)
    (received,) = rootcause._factor_rows(graph, ["A"])
    assert rootcause.lot_factors(received) == {("supplier", "V1")}
    # a stub complaint upstream of another complaint, and a complaint given as a control too,
    # are said (both were silent); the stub, P1 being made from it, is left out of the test
    ranking = rank_common_causes(graph, ["P1", "OLD-1"], ["P2", "P1"])
    # (P2 is made from M, which OLD-1 went into: OLD-1 left out, the lots counted choose and
    # pass over the controls, and P2 is made from none of them)
    assert ranking.notes == [
        "P1 is a complaint lot: left out of the controls",
        "OLD-1 left out: P1 is made from it; its factors are P1's",
    ]
    # a stub's dossier has the keys every lot's has (they were missing, not null)
    stub, made = show_lot(graph, "OLD-1")["lot"], show_lot(graph, "P1")["lot"]
    assert set(made) <= set(stub) | {"location_id"} and stub["quantity"] is None


def test_library_calls_take_one_id_as_a_string_and_traces_show_no_bookkeeping(
    hand_plant: TraceGraph,
) -> None:
    """`trace_forward(graph, "B")` traces lot B (the string was read as the ids "B"... one
    letter each); a backward trace's devices and operators carry no `longest_step_s` (the
    importer's bound for window searches, read as a step's length); a ranking with no lot to
    compare with says why instead of "widen --period-days", which cannot help."""
    assert [s["lot_id"] for s in trace_forward(hand_plant, "B").sources] == ["B"]  # type: ignore[arg-type]
    assert [s["lot_id"] for s in trace_backward(hand_plant, "P1").sources] == ["P1"]  # type: ignore[arg-type]
    backward = trace_backward(hand_plant, ["P1"])
    assert backward.devices and backward.operators
    assert all("longest_step_s" not in row for row in [*backward.devices, *backward.operators])
    # every BREAD lot is a complaint, and undated: no period to find comparable lots in
    with pytest.raises(TracegraphError, match="the complaint lots have no created_at"):
        rank_common_causes(hand_plant, ["P1", "P2"])


def test_factor_rows_read_in_concurrent_parts_equal_one_query(
    plant: tuple[TraceGraph, Plant], monkeypatch: pytest.MonkeyPatch
) -> None:
    """rootcause reads the factors of many lots with FACTOR_QUERIES concurrent queries, each over
    a share of the lots: together they give every lot's row once, as one query over all does."""
    graph, data = plant
    lots = sorted(data.model.lots)[: 2 * rootcause.SPLIT_FROM + 1]
    assert len(lots) > rootcause.SPLIT_FROM and rootcause.FACTOR_QUERIES > 1

    def by_lot(rows: list[dict[str, object]]) -> dict[object, str]:
        return {row["lot_id"]: json.dumps(row, sort_keys=True) for row in rows}

    parts = rootcause._factor_rows(graph, lots)
    monkeypatch.setattr(rootcause, "FACTOR_QUERIES", 1)
    whole = rootcause._factor_rows(graph, lots)
    assert len(parts) == len(whole) == len(lots)
    assert by_lot(parts) == by_lot(whole)
    assert sum(bool(row["steps"]) for row in whole) > len(lots) // 2  # lots made in the plant


def test_rootcause_controls_are_the_comparable_lots_evenly_spaced(
    plant: tuple[TraceGraph, Plant],
) -> None:
    """Without --controls, controls are the lots of the complaints' materials created within the
    period around them, complaints excluded — all of them, or thinned: each material its share,
    evenly spaced in creation order. Expected sets come from the plant's files."""
    graph, data = plant
    lots = data.model.lots
    by_material: dict[str, list[str]] = defaultdict(list)
    for lot_id, row in sorted(lots.items()):
        by_material[row["material_id"]].append(lot_id)
    big, small = sorted(by_material, key=lambda m: -len(by_material[m]))[:2]
    rng = random.Random(5)
    complaints = rng.sample(by_material[big], 6) + rng.sample(by_material[small], 3)

    def created(lot: str) -> datetime:
        return datetime.fromisoformat(lots[lot]["created_at"])

    first = min(map(created, complaints)) - timedelta(days=3)
    last = max(map(created, complaints)) + timedelta(days=3)
    comparable = {
        m: sorted((lot for lot in by_material[m]
                   if first <= created(lot) <= last and lot not in complaints),
                  key=lambda lot: (created(lot), lot))
        for m in (big, small)
    }  # fmt: skip
    total = sum(map(len, comparable.values()))
    assert total > 100, "the plant should give enough comparable lots to thin"

    # picked, then left out: lots of the complaints' genealogy
    def genealogy_of(lots: list[str]) -> set[str]:
        return {lot for c in lots
                for lot in (*data.model.backward([c]), *data.model.forward([c]))}  # fmt: skip

    genealogy = genealogy_of(complaints)

    def left_out(picked: list[str]) -> list[str]:
        return sorted(lot for lot in picked if lot in genealogy)

    everything = rank_common_causes(graph, complaints, period_days=3, max_controls=total)
    assert everything.comparable == total
    picks = sorted(everything.controls + everything.left_out)
    assert picks == sorted(comparable[big] + comparable[small])
    assert sorted(everything.left_out) == left_out(picks) != []

    wanted = total // 5
    thinned = rank_common_causes(graph, complaints, period_days=3, max_controls=wanted)
    assert thinned.comparable == total
    assert sorted(thinned.left_out) == left_out(thinned.controls + thinned.left_out)
    # Complaint lots and lots of their genealogy among the picks are replaced, and the
    # materials' shares add up: exactly as many as asked (rounding each material's share on its
    # own gave one fewer; the genealogy's lots were left out and not replaced)
    assert len(thinned.controls) == wanted and not set(thinned.controls) & genealogy
    # --max-controls 1 gave no control at all, 2 gave one; several materials often one fewer
    for few in (1, 2, 3, *range(5, 100, 7), total // 3, total // 2):
        for some in (complaints[:1], complaints):  # one material, and two
            ranked = rank_common_causes(graph, some, period_days=3, max_controls=few)
            assert len(ranked.controls) == min(few, ranked.comparable - len(ranked.left_out)), few
            assert not set(ranked.controls) & genealogy_of(some)
    step = total / wanted
    for material, found in comparable.items():
        chosen = thinned.controls
        picked = sorted(found.index(lot) for lot in chosen if lot in found)
        share = len(found) * wanted / total
        assert abs(len(picked) - share) <= 1 + len(complaints), material
        gaps = [b - a for a, b in itertools.pairwise(picked)]
        assert max(gaps) <= 2 * step + 1, (material, step, gaps)
        # …and the picks span the whole period, not just its start
        assert picked[0] <= step + 1 and len(found) - 1 - picked[-1] <= 2 * step + 1, picked


def test_lots_carry_their_material_id_and_db_init_restores_it(
    plant: tuple[TraceGraph, Plant],
) -> None:
    """Lot.material_id (for the lot_material_created index) equals the lot's OF edge; a graph
    from an older version lacks it: traces read the OF edge instead, rootcause says to run
    `db init`, which copies it back."""
    graph, data = plant
    mismatched = (
        "MATCH (l:Lot)-[:OF]->(m) WHERE l.material_id <> m.material_id RETURN count(l) AS n"
    )
    missing = "MATCH (l:Lot)-[:OF]->() WHERE l.material_id IS NULL RETURN count(l) AS n"
    with graph.driver.session(database=graph.database) as session:
        assert session.run(mismatched).single(strict=True)["n"] == 0
        assert session.run(missing).single(strict=True)["n"] == 0
        complaints = sorted(data.model.lots)[100:105]
        salt = data.summary.commodity_lots[0]
        materials = {r["lot_id"]: r["material_id"] for r in trace_forward(graph, [salt]).lots}
        session.run("MATCH (l:Lot) WHERE l.lot_id IN $ids OR l.lot_id STARTS WITH 'F' "
                    "REMOVE l.material_id", ids=complaints).consume()  # fmt: skip
        try:
            # traces fall back to the OF edge (finished lots reached from salt lack the copy)
            traced = trace_forward(graph, [salt]).lots
            assert any(r["lot_id"].startswith("F") for r in traced)
            assert {r["lot_id"]: r["material_id"] for r in traced} == materials
            with pytest.raises(TracegraphError, match="lack material_id") as raised:
                rank_common_causes(graph, complaints)
            assert "tracegraph db init" in (raised.value.hint or "")
        finally:
            graph.init_schema()
        assert session.run(missing).single(strict=True)["n"] == 0
        assert session.run(mismatched).single(strict=True)["n"] == 0
    assert rank_common_causes(graph, complaints).comparable > 0


def test_supplier_device_and_operator_copies_match_their_edges_and_rootcause_needs_none(
    plant: tuple[TraceGraph, Plant],
) -> None:
    """Lots keep their supplier_id, steps their device_id and operator_id, as properties besides
    the edges (the factors query reads them); without them (a graph from an older version) the
    ranking reads the edges and is the same, and `db init` copies them back."""
    graph, data = plant
    copies = {
        "supplier": "MATCH (n:Lot) OPTIONAL MATCH (n)-[:SUPPLIED_BY]->(x) "
                    "WITH n, x WHERE n.supplier_id IS NOT NULL OR x IS NOT NULL "
                    "RETURN count(*) AS n, count(CASE WHEN n.supplier_id = x.supplier_id "
                    "THEN 1 END) AS same",
        "device": "MATCH (n:ProcessStep) OPTIONAL MATCH (n)-[:ON]->(x) "
                  "WITH n, x WHERE n.device_id IS NOT NULL OR x IS NOT NULL "
                  "RETURN count(*) AS n, count(CASE WHEN n.device_id = x.device_id "
                  "THEN 1 END) AS same",
        "operator": "MATCH (n:ProcessStep) OPTIONAL MATCH (n)-[:BY]->(x) "
                    "WITH n, x WHERE n.operator_id IS NOT NULL OR x IS NOT NULL "
                    "RETURN count(*) AS n, count(CASE WHEN n.operator_id = x.operator_id "
                    "THEN 1 END) AS same",
    }  # fmt: skip

    def check_copies() -> None:
        with graph.driver.session(database=graph.database) as session:
            for name, query in copies.items():
                found = session.run(query).single(strict=True)
                assert found["n"] > 0 and found["same"] == found["n"], (name, found.data())

    check_copies()
    complaints = sorted(lot for lot in data.model.lots if lot.startswith("F"))[:12]
    controls = sorted(lot for lot in data.model.lots if lot.startswith("F"))[-60:]
    before = rank_common_causes(graph, complaints, controls).factors
    kinds = {f["kind"] for f in before}
    assert {"supplier", "device", "operator", "raw lot"} <= kinds, kinds
    with graph.driver.session(database=graph.database) as session:
        session.run("MATCH (l:Lot) REMOVE l.supplier_id").consume()
        session.run("MATCH (s:ProcessStep) REMOVE s.device_id, s.operator_id").consume()
    try:
        assert rank_common_causes(graph, complaints, controls).factors == before
    finally:
        graph.init_schema()
    check_copies()


def test_cli_rootcause_with_given_controls(hand_plant: TraceGraph, neo4j_env: dict[str, str],
                                           runner: CliRunner) -> None:  # fmt: skip
    result = runner.invoke(app, ["rootcause", "P1", "--controls", "P2,M", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["complaints"] == ["P1"]
    assert payload["controls"] == ["P2", "M"]
    assert payload["controls_chosen"] == "given"
    by_value = {f["value"]: f for f in payload["factors"]}
    # everything upstream of P1 is upstream of P2 too; only M lacks the pack step
    assert by_value["PACKER-1"]["controls_with"] == 1
    assert by_value["MIXER-1"]["controls_with"] == 2
    table = runner.invoke(app, ["rootcause", "P1", "--controls", "P2"])
    assert table.stdout.startswith("1 complaint lot against 1 control")


def test_readme_tracing_commands_run_on_the_readme_plant(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Every command of the README's tracing section, on the plant its previous section makes."""
    for argv in tracegraph_commands("A synthetic plant"):
        assert runner.invoke(app, argv).exit_code == 0, argv
    commands = tracegraph_commands("Tracing and recall")
    assert len(commands) >= 10
    for argv in commands:
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, (argv, result.output)
        assert result.stdout.strip(), argv
    forward = json.loads(
        runner.invoke(app, ["trace", "forward", "240758", "--format", "json"]).stdout
    )
    assert forward["sources"][0]["lot_id"] == "R0000001"
    assert Path("recall-R0000002/manifest.sha256").is_file()
    oven = json.loads(Path("recall-OVEN-4/recall.json").read_text("utf-8"))
    assert oven["window"]["device_id"] == "OVEN-4" and oven["window"]["processed_lots"]
    assert oven["asked_as"] == oven["window"]["processed_lots"]
    assert "<title>Backward trace of F0000056</title>" in Path("F0000056.html").read_text("utf-8")


def test_a_window_ends_at_its_end_whatever_the_offset(hand_plant: TraceGraph) -> None:
    """Step X starts on MIXER-1 at 08:00Z. A window to 10:00+02:00 (the same instant) is
    exclusive of it, as a window to 08:00Z is: Neo4j orders one instant's datetimes by their
    offsets too, and the step was in."""
    for end in ("2026-11-03T10:00:00+02:00", "2026-11-03T08:00:00+00:00"):
        window = trace_window(hand_plant, "device", "MIXER-1", "2026-11-03T06:00:00+02:00", end)
        assert window.steps == [], end
    later = trace_window(hand_plant, "device", "MIXER-1", "2026-11-03T06:00:00+02:00",
                         "2026-11-03T10:00:01+02:00")  # fmt: skip
    assert [s["step_id"] for s in later.steps] == ["X"]
    starting = trace_window(hand_plant, "operator", "OP1", "2026-11-03T10:00:00+02:00",
                            "2026-11-03T11:00:00+02:00")  # fmt: skip
    assert [s["step_id"] for s in starting.steps] == ["X"]  # starts when the window starts


def test_operator_window_matches_the_plant(plant: tuple[TraceGraph, Plant]) -> None:
    graph, data = plant
    model = data.model
    runs = [s for s in model.steps.values() if s["operator_id"] == "OP12"][3:7]
    start, end = runs[0]["started_at"], runs[-1]["started_at"]
    result = trace_window(graph, "operator", "OP12", start, end)
    expected = {s["step_id"] for s in model.steps.values() if s["operator_id"] == "OP12"
                and s["started_at"] < end
                and (s["ended_at"] > start or s["started_at"] >= start)}  # fmt: skip
    assert {s["step_id"] for s in result.steps} == expected
    assert set(result.processed_lots) == {lot for s in expected for lot in model.outputs[s]}


def test_recall_package_matches_the_plant(plant: tuple[TraceGraph, Plant], tmp_path: Path) -> None:
    """The customers and shipping events of a package are those a plain BFS finds."""
    graph, data = plant
    raw = sorted(lot for lot, row in data.model.lots.items() if row["material_id"] == "FLOUR")[3]
    reached = {raw, *data.model.forward([raw])}
    package = build_package(graph, [raw], tmp_path / "recall")
    customers = (tmp_path / "recall" / "customers.csv").read_text("utf-8-sig").splitlines()
    assert {row["customer_id"] for row in csv.DictReader(customers)} == data.model.customers(
        reached
    )
    events = (tmp_path / "recall" / "tracking_events.csv").read_text("utf-8-sig").splitlines()
    moves = [e for e in csv.DictReader(events) if e["event_type"] in ("shipping", "return")]
    shipped = {(e["reference_document"], e["traceability_lot_code"]) for e in moves}
    expected = {(("RMA-" if q < 0 else "DN-") + s, lot)
                for lot in reached for s, q in data.model.lines.get(lot, ())}  # fmt: skip
    assert shipped == expected
    assert package.trace.totals["located_share"] == pytest.approx(1.0, abs=1e-6)


def test_device_window_finds_a_long_step_that_began_long_before_it(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Windows seek steps by start time back to the device's longest step (longest_step_s,
    kept by the import): a 10-hour step begun 9 hours before the window is found; on a graph
    imported before the bound existed (no longest_step_s) too; and a later import that gives
    the device its first bound takes the 10-hour step of its history into account."""
    (tmp_path / "materials.csv").write_text("material_id,name,uom\nM,Dough,kg\n")
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\n"
        "L1,M,1,kg,2026-11-01T00:00:00Z\nL2,M,1,kg,2026-11-01T00:00:00Z\n"
    )
    (tmp_path / "steps.csv").write_text(
        "step_id,operation,started_at,ended_at,device_id\n"
        "LONG,cure,2026-11-02T00:00:00Z,2026-11-02T10:00:00Z,KILN\n"
        "SHORT,cure,2026-11-02T08:00:00Z,2026-11-02T08:05:00Z,KILN\n"
    )
    (tmp_path / "step_outputs.csv").write_text(
        "step_id,lot_id,quantity,uom\nLONG,L1,1,kg\nSHORT,L2,1,kg\n"
    )
    assert import_paths(graph, [tmp_path]).rejected == 0
    window = ("KILN", "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z")
    assert [s["step_id"] for s in trace_window(graph, "device", *window).steps] == ["LONG"]
    bound = graph.driver.execute_query(
        "MATCH (d:Device {device_id: 'KILN'}) RETURN d.longest_step_s AS s",
        database_=graph.database,
    ).records[0]["s"]
    assert bound >= 10 * 3600

    graph.driver.execute_query(  # a graph from before the bound: the whole history is searched
        "MATCH (d:Device) REMOVE d.longest_step_s", database_=graph.database
    )
    assert [s["step_id"] for s in trace_window(graph, "device", *window).steps] == ["LONG"]

    (tmp_path / "steps.csv").write_text(  # a new short step: the first bound covers history
        "step_id,operation,started_at,ended_at,device_id\n"
        "LONG,cure,2026-11-02T00:00:00Z,2026-11-02T10:00:00Z,KILN\n"
        "SHORT,cure,2026-11-02T08:00:00Z,2026-11-02T08:05:00Z,KILN\n"
        "LATER,cure,2026-11-03T08:00:00Z,2026-11-03T08:01:00Z,KILN\n"
    )
    assert import_paths(graph, [tmp_path / "steps.csv"]).rejected == 0
    assert [s["step_id"] for s in trace_window(graph, "device", *window).steps] == ["LONG"]


@pytest.mark.parametrize(("kind", "subject"), [("device", "OVEN-1"), ("operator", "OP-7")])
def test_a_window_includes_a_step_with_no_end_that_may_have_run_in_it(
    unended_steps: TraceGraph, kind: str, subject: str
) -> None:
    """S-REF-X began on OVEN-1 at 01:00 with no end time and made RF-X at 01:40; a window from
    01:20 answered "0 steps · 0 lots produced": a missing end was read as the start. A step
    with no end time that began before the window is in it when it began less than the
    device's (operator's) longest step before the window (S-REF-X, 20 min), flagged and
    warned of; one that began longer before (OLD-X, 3 h) is not; one that began inside the
    window (IN-X) is in it whatever its end, as before. Also without longest_step_s."""
    graph = unended_steps
    window = (subject, "2026-11-06T01:20:00+01:00", "2026-11-06T02:00:00+01:00")
    for bound in ("kept by the import", "from the history"):
        if bound == "from the history":
            graph.driver.execute_query(
                "MATCH (n) WHERE n:Device OR n:Operator REMOVE n.longest_step_s",
                database_=graph.database,
            )
        result = trace_window(graph, kind, *window)
        assert [s["step_id"] for s in result.steps] == ["S-REF-X", "IN-X"], bound
        assert result.processed_lots == ["RF-X", "RF-IN"]
        assert [s["end_unknown"] for s in result.steps] == [True, True]
        assert result.assumed == ["S-REF-X"]
        assert result.warnings == [
            "1 step has no end time: included because it may have run in the window (started "
            f"before it by less than the {kind}'s longest step): S-REF-X"
        ]
        assert result.as_dict()["warnings"] == result.warnings
        assert "(1 with no end time, may have run in the window)" in result.summary()
        # the bound exactly: LONG's 7,200 s, rounded up, plus a second (longest_step_s) after
        # S-REF-X began, it would end as the window starts (IN-X, begun later, is in both)
        for start, steps in (("03:00:00", ["S-REF-X", "IN-X"]), ("03:00:01", ["IN-X"])):
            edge = trace_window(graph, kind, subject, f"2026-11-06T{start}+01:00",
                                "2026-11-06T03:10:00+01:00")  # fmt: skip
            assert [s["step_id"] for s in edge.steps] == steps, (bound, start)
            assert edge.assumed == steps
    # past the 2-hour bound of every unended step (S-REF-X 2 h 40 min before, IN-X 2 h 10 min)
    later = trace_window(graph, kind, subject, "2026-11-06T03:40:00+01:00",
                         "2026-11-06T03:50:00+01:00")  # fmt: skip
    assert [s["step_id"] for s in later.steps] == [] and later.warnings == []
    # an ended step is judged by its end, as before: LONG ended at 22:00
    ended = trace_window(graph, kind, subject, "2026-11-05T21:59:00+01:00",
                         "2026-11-05T22:10:00+01:00")  # fmt: skip
    assert [(s["step_id"], s["end_unknown"]) for s in ended.steps] == [("LONG", False)]
    assert ended.warnings == []


def test_trace_device_shows_a_step_with_no_end_that_may_have_run_in_the_window(
    unended_steps: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """The engineer's command: S-REF-X is in the table, its end marked, with a warning; the
    JSON flags it (end_unknown) and carries the warning."""
    command = ["trace", "device", "OVEN-1", "--from", "2026-11-06T01:20+01:00",
               "--to", "2026-11-06T02:00+01:00"]  # fmt: skip
    shown = runner.invoke(app, command)
    assert shown.exit_code == 0, shown.stderr
    assert "2 steps · 2 lots produced (1 with no end time" in shown.stdout
    assert "unknown: may have run in the window" in shown.stdout
    assert "warning: 1 step has no end time: included because it may have run in the window" in (
        " ".join(shown.stderr.split())
    )
    answer = json.loads(runner.invoke(app, [*command, "--format", "json"]).stdout)
    assert [(s["step_id"], s["end_unknown"], s["ended_at"]) for s in answer["steps"]] == [
        ("S-REF-X", True, None),
        ("IN-X", True, None),
    ]
    assert answer["processed_lots"] == ["RF-X", "RF-IN"]
    assert answer["warnings"][0].startswith("1 step has no end time")
    # the CSV names each row's step in the window and its unknown end (it had the trace alone)
    rows = list(csv.DictReader(runner.invoke(app, [*command, "--format", "csv"]).stdout
                               .splitlines()))  # fmt: skip
    assert [(r["lot_id"], r["window_step_ids"], r["window_step_started_at"],
             r["window_step_end_unknown"]) for r in rows] == [
        ("RF-X", "S-REF-X", "2026-11-06T01:00:00+01:00", "true"),
        ("RF-IN", "IN-X", "2026-11-06T01:30:00+01:00", "true"),
    ]  # fmt: skip
    # a step that ended says so (the column is not always "true")
    ended = list(csv.DictReader(runner.invoke(app, [
        "trace", "device", "OVEN-1", "--from", "2026-11-05T21:00+01:00", "--to",
        "2026-11-05T21:30+01:00", "--format", "csv"]).stdout.splitlines()))  # fmt: skip
    assert [(r["lot_id"], r["window_step_ids"], r["window_step_ended_at"],
             r["window_step_end_unknown"]) for r in ended] == [
        ("RF-LONG", "LONG", "2026-11-05T22:00:00+01:00", "false"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-03T08:15:00+00:00", "2026-11-03 08:15 UTC"),  # it showed as a bare 08:15
        ("2026-11-03T08:15:00.5Z", "2026-11-03 08:15 UTC"),
        ("2026-11-03T08:15:00.123+01:00", "2026-11-03 08:15 +01:00"),
        ("2026-11-03T08:15:00", "2026-11-03 08:15"),
        # a time set with a zone name (an analyst's edit in the Browser): it showed "erlin]"
        ("2026-11-03T08:15:00.123456789+01:00[Europe/Berlin]", "2026-11-03 08:15 Europe/Berlin"),
        (None, ""),
    ],
)
def test_terminal_tables_say_which_clock_a_time_is_on(stored: str | None, shown: str) -> None:
    assert cli_trace.when(stored) == shown


def test_terminal_amounts_keep_their_decimals_at_every_size() -> None:
    """1150.5 kg was shown as "1,150 kg" (and 1,500.5 as "1,500", half to even) in the trace
    tables, beside a summary saying 1,217.167 kg."""
    from tracegraph.cli.trace import _qty

    assert [_qty(v, "kg") for v in (1150.5, 1500.5, 0.125, 2_000_000.0)] == [
        "1,150.5 kg", "1,500.5 kg", "0.125 kg", "2,000,000 kg"
    ]  # fmt: skip


def test_a_change_an_interrupted_import_recorded_says_so_in_the_history() -> None:
    """A killed import records its changes before it makes them, and its re-run records them
    again: the history listed the same change twice with nothing to tell them apart."""
    from tracegraph.cli.lot import timeline

    change = {"at": "2026-12-04T02:00:00+00:00", "run_id": "R1", "user": "etl", "table": "lots",
              "key": "L1", "file": "lots.csv", "line": 2,
              "columns": [{"column": "quantity", "before": "38.0", "after": "38.38"}]}  # fmt: skip
    dossier = {"received": [], "made_by": [], "inspections": [], "used_in": [], "shipments": [],
               "changes": [{**change, "run_status": "interrupted"},
                           {**change, "run_id": "R2", "at": "2026-12-04T02:10:00+00:00",
                            "run_status": "done"}]}  # fmt: skip
    assert [(e["reference"], e["event"]) for e in timeline(dossier)] == [
        ("R1", "changed by import (interrupted: see its re-run)"), ("R2", "changed by import")
    ]  # fmt: skip


def test_a_lots_balance_nets_a_sort_and_leaves_out_a_rework_in_place() -> None:
    """A 100 kg: 10 kg sorted into A 5 + M 5 used 5 kg of it (the balance said nothing used,
    given only A's own outputs); 4 kg reworked in place and booked back used none; 30 kg
    shipped, 5 returned, 3 pcs in another unit not counted."""
    from tracegraph.lots import balance

    def step(step_id: str, quantity: float, outputs: list[tuple[str, float]]) -> dict[str, Any]:
        made = [{"lot_id": lot, "quantity": q, "uom": "kg"} for lot, q in outputs]
        return {"step_id": step_id, "quantity": quantity, "uom": "kg", "lots": made}

    used_in = [step("SORT", 10, [("A", 5), ("M", 5)]), step("REWORK", 4, [("A", 4.2)]),
               step("MIX", 20, [("B", 40)])]  # fmt: skip
    shipped = [{"quantity": 30, "uom": "kg"}, {"quantity": -5, "uom": "kg"},
               {"quantity": 3, "uom": "pcs"}]  # fmt: skip
    assert balance({"lot_id": "A", "quantity": 100.0, "uom": "kg"}, used_in, shipped) == {
        "quantity": 100.0, "uom": "kg", "used": 25.0, "shipped": 30.0, "returned": 5.0,
        "booked_back": 0.0, "remaining": 50.0, "uncounted": 1,
    }  # fmt: skip
    assert balance({"lot_id": "S", "quantity": None, "uom": None}, [], []) is None


@pytest.mark.parametrize("kind", ["forward", "backward"])
def test_traces_read_their_lots_from_a_file_too(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    kind: str,
) -> None:  # fmt: skip
    """`--lots-file` (rootcause's, shared): the lots of a file beside the arguments', a byte
    order mark stripped; with neither, the missing argument's line."""
    listed = tmp_path / "lots.csv"
    listed.write_bytes("\ufeffP1\n# and\n".encode())
    shown = runner.invoke(
        app, ["trace", kind, "P2", "--lots-file", str(listed), "--format", "json"]
    )
    assert shown.exit_code == 0, shown.output
    assert [s["lot_id"] for s in json.loads(shown.stdout)["sources"]] == ["P2", "P1"]
    none = runner.invoke(app, ["trace", kind])
    assert none.exit_code == 2 and none.stdout == ""
    assert none.stderr == (
        "error: Missing argument 'lots' (or --lots-file). "
        f"(hint: `tracegraph trace {kind} --help` lists what it takes)\n"
    )


def test_a_windows_device_events_are_written_as_a_backward_trace_writes_them(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """One calibration and one alarm, read by a backward trace, a device window and a recall
    by that window: the window and recall.json wrote Neo4j's forms (07:00Z, 08:15:00.5+01:00)
    where the backward trace wrote +00:00 and .500000+01:00. One form everywhere."""
    plant = tmp_path / "plant"
    plant.mkdir()
    for name, text in {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id\nA,FLOUR,10,kg,V1\n",
        "steps.csv": "step_id,operation,started_at,ended_at,device_id\n"
        "S1,bake,2026-01-05T08:00:00Z,2026-01-05T09:00:00Z,OVEN-1\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,A,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,B,10,kg\n",
        "device_events.csv": "device_id,event,at,result\n"
        "OVEN-1,calibration,2026-01-05T07:00:00Z,pass\n"
        "OVEN-1,alarm,2026-01-05T09:15:00.5+01:00,overheat\n",
    }.items():
        (plant / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [plant]).rejects == []
    backward = runner.invoke(app, ["trace", "backward", "B", "--format", "json"])
    assert backward.exit_code == 0, backward.stderr
    (step,) = json.loads(backward.stdout)["steps"]
    times = ([e["at"] for e in step["device_events"]], step["calibrated_before"]["at"])
    assert times == (["2026-01-05T09:15:00.500000+01:00"], "2026-01-05T07:00:00+00:00")
    window = ["--from", "2026-01-05T08:00Z", "--to", "2026-01-05T09:00Z"]
    answer = runner.invoke(app, ["trace", "device", "OVEN-1", *window, "--format", "json"])
    assert answer.exit_code == 0, answer.stderr
    recalled = runner.invoke(app, ["recall", "--device", "OVEN-1", *window, "--out",
                                   str(tmp_path / "r")])  # fmt: skip
    assert recalled.exit_code == 0, recalled.stderr
    package = json.loads((tmp_path / "r" / "recall.json").read_text(encoding="utf-8"))
    for shown in (json.loads(answer.stdout), package["window"]):
        assert ([e["at"] for e in shown["events"]], shown["calibrated_before"]["at"]) == times


# Lot A went into a mix in the UTC system (U1 06:00Z) and one in the MES, whose export has
# Shanghai time without an offset (S1 08:35+08:00 = 00:35Z); the two doughs went into pack U2.
_MIXED_ZONES = {
    "utc": {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,received_at\n"
        "A,FLOUR,100,kg,V1,2026-11-08T10:00:00\nM1,DOUGH,10,kg,,\nF,BREAD,20,pcs,,\n",
        "steps.csv": "step_id,operation,started_at\nU1,mix,2026-11-09T06:00:00\n"
        "U2,pack,2026-11-09T07:00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nU1,A,10,kg\nU2,M1,10,kg\nU2,M2,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nU1,M1,10,kg\nU2,F,20,pcs\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nZU,C1,2026-11-09T09:00:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nZU,F,10,pcs\n",
        "inspections.csv": "inspection_id,lot_id,test,result,inspected_at\n"
        "QU,A,moisture,pass,2026-11-09T06:00:00\n",
    },
    "mes": {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,received_at\n"
        "B,FLOUR,100,kg,V1,2026-11-08T12:00:00\nM2,DOUGH,10,kg,,\n",
        "steps.csv": "step_id,operation,started_at\nS1,mix,2026-11-09T08:35:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS1,A,5,kg\nS1,B,5,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS1,M2,10,kg\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\nZS,C1,2026-11-09T10:00:00\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nZS,F,10,pcs\n",
        "inspections.csv": "inspection_id,lot_id,test,result,inspected_at\n"
        "QS,A,moisture,pass,2026-11-09T08:35:00\n",
    },
}


def test_traces_list_times_read_in_two_zones_in_the_order_of_their_instants(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """One export read in UTC, another in Asia/Shanghai: S1 at 08:35+08:00 (00:35Z) came
    after U1 and U2 (06:00Z, 07:00Z), shipment ZS at 10:00+08:00 (02:00Z) after ZU (09:00Z)
    and inspection QS after QU — the traces sorted the times as text."""
    for name, zone in (("utc", "UTC"), ("mes", "Asia/Shanghai")):
        folder = tmp_path / name
        folder.mkdir()
        for file, text in _MIXED_ZONES[name].items():
            (folder / file).write_text(text, encoding="utf-8")
        assert import_paths(graph, [folder], timezone=zone).rejects == []
    forward = json.loads(runner.invoke(app, ["trace", "forward", "A", "--format", "json"]).stdout)
    assert [s["step_id"] for s in forward["steps"]] == ["S1", "U1", "U2"]
    assert [s["shipment_id"] for s in forward["shipments"]] == ["ZS", "ZU"]
    backward = json.loads(runner.invoke(app, ["trace", "backward", "F", "--format", "json"]).stdout)
    assert [s["step_id"] for s in backward["steps"]] == ["S1", "U1", "U2"]
    assert [i["inspection_id"] for i in backward["inspections"]] == ["QS", "QU"]
    assert [lot["lot_id"] for lot in backward["suppliers"][0]["lots"]] == ["B", "A"]
    table = runner.invoke(app, ["trace", "forward", "A"]).stdout
    assert table.index("S1 mix") < table.index("U1 mix")
    assert table.index("│ ZS ") < table.index("│ ZU ")
    table = runner.invoke(app, ["trace", "backward", "F"]).stdout
    assert table.index("│ QS ") < table.index("│ QU ")


# A loop through another lot (a rework booked to a new lot that goes back into the first):
# VA1 makes VB1, 2 kg of VB1 reworked into VC1, 1 kg of VC1 back into VB1.
_LOOP = {
    "lots.csv": "lot_id,material_id,quantity,uom,created_at,status\n"
    "VA1,FLOUR,10,kg,2026-04-01T08:00:00Z,released\n"
    "VB1,MIX,11,kg,2026-04-01T10:00:00Z,released\n"
    "VC1,MIX,2,kg,2026-04-01T11:00:00Z,released\n",
    "steps.csv": "step_id,operation,started_at,ended_at\n"
    "VS1,mix,2026-04-01T09:00:00Z,2026-04-01T10:00:00Z\n"
    "VS2,rework,2026-04-01T10:30:00Z,2026-04-01T11:00:00Z\n"
    "VS3,mix,2026-04-01T11:30:00Z,2026-04-01T12:00:00Z\n",
    "step_inputs.csv": "step_id,lot_id,quantity,uom\nVS1,VA1,10,kg\nVS2,VB1,2,kg\nVS3,VC1,1,kg\n",
    "step_outputs.csv": "step_id,lot_id,quantity,uom\nVS1,VB1,10,kg\nVS2,VC1,2,kg\nVS3,VB1,1,kg\n",
}


def _loop_plant(graph: TraceGraph, folder: Path, **files: str) -> TraceGraph:
    folder.mkdir()
    for name, text in {**_LOOP, **files}.items():
        (folder / name).write_text(text, "utf-8")
    assert import_paths(graph, [folder]).rejects == []
    return graph


def test_a_loop_through_another_lot_is_weighed_all_the_way_round(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Everything below VA1 is all VA1: VB1's 11 kg held 10.909 kg of VA1 (the loop weighed
    once around), more than the 10 kg there was; its 9 kg left held 8.926 kg and VC1's 1 kg
    left 0.909 kg, 98.3 % located with no word. At the flow's fixed point VB1 holds
    x = 10 + (1/2)(2/11)x = 11 kg of VA1, what is left is as much of VA1 as it weighs, and
    all of VA1 is located. The 11 kg are what went through VB1, more than the 10 kg of VA1:
    the answer says so."""
    _loop_plant(graph, tmp_path / "plant")
    result = trace_forward(graph, ["VA1"])
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots} == {
        "VB1": pytest.approx(11.0), "VC1": pytest.approx(2.0),
    }  # fmt: skip
    assert {row["lot_id"]: (row["remaining"], row["source_quantity"]) for row in result.stock} == {
        "VB1": (9.0, pytest.approx(9.0)), "VC1": (1.0, pytest.approx(1.0)),
    }  # fmt: skip
    assert result.totals["in_stock"] == pytest.approx(10.0)
    assert result.totals["located_share"] == pytest.approx(1.0)
    assert result.warnings == [
        "lots VB1, VC1 are made from each other, and what went round them is counted each time "
        "it passed: they show more of the source than there was (what went through them, not "
        "what they hold); what is left of them is as their records say"
    ]


def test_a_loop_through_another_lot_is_needed_all_the_way_round(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Backward, the loop's lots were weighed in name order, each before the lots it needs
    had been weighed: VB1 needed none of VA1 (all of it went into VB1), VC1 none of VB1 (2 kg
    of it went in). VB1 needs all of VA1; VC1 needs 2 kg of VB1 (2/11 of it), so 2/11 of
    VA1 — what VC1 holds beside the 1/11 kg of itself that came back round through VB1."""
    _loop_plant(graph, tmp_path / "plant")
    needed = {lot["lot_id"]: lot["quantity"] for lot in trace_backward(graph, ["VB1"]).lots}
    assert needed == {"VA1": pytest.approx(10.0), "VC1": pytest.approx(1.0)}
    needed = {lot["lot_id"]: lot["quantity"] for lot in trace_backward(graph, ["VC1"]).lots}
    assert needed == {"VB1": pytest.approx(2.0), "VA1": pytest.approx(20 / 11)}


def test_a_loop_that_gives_back_all_it_gets_is_said(graph: TraceGraph, tmp_path: Path) -> None:
    """Bad data: VB1 all reworked into VC1 and VC1 all back into VB1 — no finite answer.
    Weighed once around as before, and the answer says its figures are not to be trusted."""
    used = "step_id,lot_id,quantity,uom\nVS1,VA1,10,kg\nVS2,VB1,11,kg\nVS3,VC1,2,kg\n"
    _loop_plant(graph, tmp_path / "plant", **{"step_inputs.csv": used})
    assert trace_forward(graph, ["VA1"]).warnings == [
        "lots VB1, VC1 are made from each other and give back all they receive or more: "
        "what goes round them cannot be weighed, so it is counted once around, and what "
        "they and the lots made from them hold is not to be trusted"
    ]


def test_a_trace_from_thousands_of_unmeasured_sources_warns_of_ten_and_counts_the_rest() -> None:
    """A device window over a plant's whole span had 9,344 sources, 187 of them without a
    quantity of their own: each had its own warning line (and finding them rebuilt the list of
    such sources once per source: 15 s). The first ten are named one by one, the rest in one
    line; the summary counts the sources with a thousands separator, as everywhere else."""
    sources = [{"lot_id": f"L{i:05d}", "quantity": None if i % 50 == 0 else 10.0, "uom": "kg"}
               for i in range(9_344)]  # fmt: skip
    trace = tracing.ForwardTrace(sources, [], [], [], {"by_uom": {}})
    warnings = trace.warnings
    assert len(warnings) == 11
    assert warnings[0].startswith("source L00000 has no quantity of its own")
    assert warnings[9].startswith("source L00450 has no quantity of its own")
    assert warnings[10].startswith(
        "177 more sources (L00500, L00550, L00600, L00650, L00700 and 172 more) have no "
        "quantity of their own either"
    )
    assert len(trace.unmeasured_sources) == 187
    assert "made from L00000, L00001, L00002 and 9,341 more" in trace.summary()


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_the_terminal_tree_counts_its_source_lots_in_its_nodes(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner,
    direction: str,
) -> None:  # fmt: skip
    """A trace from 100 lots (a device window over a plant's span has tens of thousands) put
    a root line in the tree for each, past the 60 nodes it shows, under a footer saying it
    showed 60: the roots count in the tree's nodes, and the footer says how many sources it
    left out and where they all are."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom\n"
        + "".join(f"L{i:03d},FLOUR,10,kg\n" for i in range(100)),
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    lots_file = tmp_path / "lots.txt"
    lots_file.write_text("".join(f"L{i:03d}\n" for i in range(100)), encoding="utf-8")
    shown = runner.invoke(app, ["trace", direction, "--lots-file", str(lots_file)])
    assert shown.exit_code == 0, shown.output
    roots = [line for line in shown.stdout.splitlines() if line.startswith(("├── L", "└── L"))]
    assert len(roots) == cli_trace.TREE_LIMIT
    assert (f"… the tree shows the first {cli_trace.TREE_LIMIT} nodes, 60 of the 100 source "
            "lots (--format json or csv lists them all)") in shown.stdout  # fmt: skip


def test_a_lot_is_weighed_as_no_less_than_its_steps_made_and_it_gave(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Dough M is recorded as 1 kg, but its mix made 9 kg and the bake took 3 kg of it: the
    3 kg loaf D was said to hold A 27 kg (3/1 of the 9 kg that went into M, from a 10 kg lot)
    and M 3 kg, and salt Z (recorded as 0 kg, 0.5 kg into the mix) 0 kg, with no warning;
    forward from A, located 280 %. M is weighed as the 9 kg made: D took 3/9 of it, so
    A 3 kg, Z 0.5/3 kg, M 3 kg, and the answer says why M is weighed so."""
    _loop_plant(graph, tmp_path / "plant", **UNDER_RECORDED)
    result = trace_backward(graph, ["D"])
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots} == {
        "M": pytest.approx(3.0), "A": pytest.approx(3.0), "Z": pytest.approx(0.5 / 3, abs=1e-6),
    }  # fmt: skip
    assert result.warnings == [
        "M: recorded as 1 kg, but its steps made 9 kg and it gave 3 kg: weighed as 9 kg",
        "Z: recorded as 0 kg, but it gave 0.5 kg: weighed as 0.5 kg",
    ]
    forward = trace_forward(graph, ["A"])
    assert {lot["lot_id"]: lot["quantity"] for lot in forward.lots} == {
        "M": pytest.approx(9.0), "D": pytest.approx(3.0),
    }  # fmt: skip
    assert forward.located_share == pytest.approx(1.0)
    assert "M: recorded as 1 kg, but its steps made 9 kg and it gave 3 kg: weighed as 9 kg" in (
        forward.warnings
    )
    shown = CliRunner().invoke(app, ["trace", "backward", "D", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.stdout)["warnings"]) == 2
    table = CliRunner().invoke(app, ["trace", "backward", "D"])
    assert "weighed as 9 kg" in " ".join(table.stderr.split())


def test_an_inspection_of_a_lot_outside_the_genealogy_is_left_out(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Step S3 splits M1 into P1, P2 and P3; P1 and P2 go on to F1, P3 does not. IN10, a failed
    inspection of P3 taken during S3, was listed in F1's backward trace with its lot blanked
    ("IN10 | lot (blank) | step S3") and counted: "failed inspections: 2". It is of P3, not
    upstream of F1: left out, as `lot show` and rootcause leave it out. An inspection of the
    step itself (IN11) and one of P1 during S3 (IN12) stay."""
    _loop_plant(graph, tmp_path / "plant", **{
        "lots.csv": "lot_id,material_id,quantity,uom\nM1,DOUGH,30,kg\nP1,PIECE,10,kg\n"
        "P2,PIECE,10,kg\nP3,PIECE,10,kg\nF1,BREAD,20,kg\n",
        "steps.csv": "step_id,operation,started_at,ended_at,operator_id\n"
        "S3,divide,2026-03-01T08:00:00Z,2026-03-01T08:10:00Z,OP2\n"
        "S4,bake,2026-03-01T09:00:00Z,2026-03-01T09:30:00Z,OP2\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nS3,M1,30,kg\nS4,P1,10,kg\nS4,P2,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nS3,P1,10,kg\nS3,P2,10,kg\n"
        "S3,P3,10,kg\nS4,F1,20,kg\n",
        "inspections.csv": "inspection_id,test,result,inspected_at,lot_id,step_id,device_id,"
        "operator_id,value,unit\n"
        "IN10,visual,fail,2026-03-01T08:09:00Z,P3,S3,,OP2,,\n"
        "IN11,weight,pass,2026-03-01T08:05:00Z,,S3,,OP2,,\n"
        "IN12,visual,fail,2026-03-01T08:08:00Z,P1,S3,,OP2,,\n",
    })  # fmt: skip
    result = trace_backward(graph, ["F1"])
    assert [(i["inspection_id"], i["lot_id"], i.get("step_id")) for i in result.inspections] == [
        ("IN11", None, "S3"), ("IN12", "P1", "S3"),
    ]  # fmt: skip
    assert result.flags["failed inspections"] == 1
    table = CliRunner().invoke(app, ["trace", "backward", "F1"])
    assert table.exit_code == 0, table.output
    assert "IN10" not in table.stdout and "IN12" in table.stdout


def test_a_lot_recorded_as_more_than_its_steps_made_is_said_backward(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Loaf D recorded as 20 kg, though its bake made 3 kg of it: 17 kg of it came from no
    record, and the backward trace said nothing. It is weighed as its 20 kg (the largest),
    and the warning says how much of it is of unknown origin; what went in is as before."""
    tables = dict(UNDER_RECORDED)
    tables["lots.csv"] = tables["lots.csv"].replace("D,BREAD,3,kg", "D,BREAD,20,kg")
    _loop_plant(graph, tmp_path / "plant", **tables)
    result = trace_backward(graph, ["D"])
    assert {lot["lot_id"]: lot["quantity"] for lot in result.lots}["A"] == pytest.approx(3.0)
    assert result.warnings[0] == (
        "D: recorded as 20 kg, but its steps made 3 kg: 17 kg of it of unknown origin, "
        "weighed as 20 kg"
    )


def test_a_lot_shipped_returned_and_shipped_again_is_weighed_net_of_the_return(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Lot L (10 kg) went to C1, came back, and went to C2. Weighed as the largest of its own
    10 kg and what it gave, counting both deliveries and not the return, it was 20 kg: each
    customer was said to have 5 kg of it, half of what they had — a recall under-reporting
    exposure. What a lot gave is net of its returns: 10 kg, each delivery the whole lot."""
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom\nL,FLOUR,10,kg\n",
        "customers.csv": "customer_id,name\nC1,One\nC2,Two\n",
        "shipments.csv": "shipment_id,customer_id,shipped_at\n"
        "S1,C1,2026-03-01T08:00:00Z\nR1,C1,2026-03-02T08:00:00Z\nS2,C2,2026-03-03T08:00:00Z\n",
        "shipment_lines.csv": "shipment_id,lot_id,quantity,uom\nS1,L,10,kg\nR1,L,-10,kg\n"
        "S2,L,10,kg\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    result = trace_forward(graph, ["L"])
    assert sorted((s["shipment_id"], s["quantity"]) for s in result.shipments) == [
        ("R1", pytest.approx(-10.0)), ("S1", pytest.approx(10.0)), ("S2", pytest.approx(10.0)),
    ]  # fmt: skip
    assert result.located_share == pytest.approx(1.0)
    assert result.warnings == []


def test_lots_whose_records_disagree_are_warned_of_one_by_one_for_the_first_ten() -> None:
    """A lots table that keeps what is left in stock contradicts every lot that was used:
    a wide trace said so in a line per lot. The first ten, then one line for the rest."""
    recorded = [flow.Recorded(f"M{i:02d}", 1.0, "kg", 9.0, 3.0) for i in range(25)]
    lines = tracing.recorded_warnings(recorded)
    assert len(lines) == 11
    assert (
        lines[0]
        == "M00: recorded as 1 kg, but its steps made 9 kg and it gave 3 kg: weighed as 9 kg"
    )
    assert lines[10] == (
        "15 more lots (M10, M11, M12, M13, M14 and 10 more) are recorded as other than their "
        "steps made or they gave: weighed as the larger"
    )


def test_a_backward_tree_of_one_lot_shows_its_share_not_the_steps_whole_intake(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Pack step K split batch B (30 kg, of 3 kg of salt S) into F1, F2 and F3 of 10 kg each.
    Traced back from F1 the tree showed `B DOUGH · 30 kg into this step` and `S SALT · 3 kg
    into this step` — the steps' whole intake, not F1's share (the reviewer's F0000017: 167.526
    kg for 51.483 kg), while the received lots' table and JSON said 1 kg. With one lot traced
    a lot under a step shows its share in that lot, as the JSON's `quantity`."""
    import_tables(graph, tmp_path / "plant", {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
                    "S,SALT,10,kg,V1,S-77\nB,DOUGH,30,kg,,\n"
                    "F1,BREAD,10,kg,,\nF2,BREAD,10,kg,,\nF3,BREAD,10,kg,,\n",
        "steps.csv": "step_id,operation,started_at\n"
                     "X,mix,2026-11-03T08:00:00+00:00\nK,pack,2026-11-03T09:00:00+00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX,S,3,kg\nK,B,30,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX,B,30,kg\n"
                            "K,F1,10,kg\nK,F2,10,kg\nK,F3,10,kg\n",
    })  # fmt: skip
    shown = runner.invoke(app, ["trace", "backward", "F1"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    (batch,) = [line for line in lines if "── B DOUGH" in line]
    (salt,) = [line for line in lines if "── S SALT" in line]
    assert batch.endswith("B DOUGH · 10 kg"), shown.stdout
    assert "S SALT · 1 kg · supplier V1 lot S-77" in salt
    assert "into this step" not in shown.stdout and "all 1 traced" not in shown.stdout
    as_json = runner.invoke(app, ["trace", "backward", "F1", "--format", "json"])
    quantity = {lot["lot_id"]: lot["quantity"] for lot in json.loads(as_json.stdout)["lots"]}
    assert (quantity["B"], quantity["S"]) == (10.0, 1.0)


def test_a_backward_tree_of_several_lots_shows_no_trace_total_under_a_branch(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """Salt S went 1 kg into mix X1 (dough D1) and 3 kg into mix X2 (dough D2). Traced back
    from D1 and D2 together, the tree showed `S SALT · 4 kg` under X1 — the trace's total,
    under a step that took 1 kg (the tester's F0003780 F0003787: `SALT · 2 kg` under a mix of
    1 kg; with 33 lots, 15.565 kg). With several lots traced no amount is shown under a step;
    a line says so, and the received lots' column `used (all 2 traced)` gives the total, the
    JSON's `quantity` too."""
    import_tables(graph, tmp_path / "plant", {
        "lots.csv": "lot_id,material_id,quantity,uom,supplier_id,supplier_lot\n"
                    "S,SALT,10,kg,V1,S-77\nD1,DOUGH,20,kg,,\nD2,DOUGH,30,kg,,\n",
        "steps.csv": "step_id,operation,started_at\n"
                     "X1,mix,2026-11-03T08:00:00+00:00\nX2,mix,2026-11-03T09:00:00+00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nX1,S,1,kg\nX2,S,3,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nX1,D1,20,kg\nX2,D2,30,kg\n",
    })  # fmt: skip
    shown = runner.invoke(app, ["trace", "backward", "D1", "D2"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    salt = [line for line in shown.stdout.splitlines() if "── S SALT" in line]
    assert len(salt) == 2, shown.stdout
    assert "S SALT · supplier V1 lot S-77" in salt[0]
    assert "S SALT · supplier V1 lot S-77 (shown above)" in salt[1]
    assert "kg" not in "\n".join(salt)
    assert "With 2 lots traced the tree shows no amount under a step" in shown.stdout
    assert "used (all 2 traced)" in shown.stdout
    as_json = runner.invoke(app, ["trace", "backward", "D1", "D2", "--format", "json"])
    (lot,) = [lot for lot in json.loads(as_json.stdout)["lots"] if lot["lot_id"] == "S"]
    assert (lot["quantity"], lot["uom"]) == (4.0, "kg")


@pytest.mark.parametrize("command", [["trace", "backward"], ["rootcause"]])
def test_every_unknown_id_of_a_lots_file_is_named_with_its_line(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    command: list[str],
) -> None:  # fmt: skip
    """A list of 35 complaint lots with five typos said `no lot is known as 'F00039O8'` alone;
    the next typo was found on the next run, and the next. Every unknown id is in the one
    error line, the first five with their line in the file and close matches, then how many
    more; one unknown id alone reads as before, with its line."""
    listed = tmp_path / "lots.txt"
    listed.write_text("P1\n# the complaints\nP9\nM\nQ1, Q2\nQ3\nQ4\nQ5\nQ6\n", encoding="utf-8")
    shown = runner.invoke(app, [*command, "--lots-file", str(listed)])
    assert shown.exit_code == 2 and shown.stdout == "", shown.output
    error = shown.stderr.strip()
    assert "\n" not in error, error
    assert error.startswith(
        f"error: 7 ids name no lot — 'P9' ({listed} line 3): close matches: P1"
    ), error
    assert f"'Q2' ({listed} line 5): " in error and "; and 2 more" in error
    assert "'Q5'" not in error and "(hint: correct them and run again" in error
    listed.write_text("P1\n\nP9\n", encoding="utf-8")
    one = runner.invoke(app, [*command, "--lots-file", str(listed)])
    assert one.stderr.startswith(
        f"error: no lot is known as 'P9' ({listed} line 3) (hint: close matches: P1"
    ), one.stderr
    typed = runner.invoke(app, [*command, "P9"])  # an argument has no line
    assert typed.stderr.startswith("error: no lot is known as 'P9' (hint: close matches: P1")
