"""flow.forward weighs wide traces in arrays (a level of the DAG at a time) and narrow ones lot
by lot: both must give the same answer, to the last bit, on awkward data (rework in place,
zero and missing quantities, mixed units, nested sources, returns, steps without outputs or
without inputs, a lot used twice by one step)."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from tracegraph import flow, flow_arrays
from tracegraph.flow import Edge, ForwardFlow, Quantity, forward
from tracegraph.graph import TraceGraph
from tracegraph.trace import trace_forward

UNITS = ("kg", "kg", "kg", "g", "pcs", None, "box")
SEEDS = 400


def _quantity(rng: random.Random) -> float | None:
    drawn = rng.random()
    if drawn < 0.05:
        return None
    if drawn < 0.1:
        return 0.0
    if drawn < 0.12:
        return -float(rng.randrange(1, 5))
    return rng.choice((1.0, 2.5, 10.0, 33.3, 400.0, 0.125, 1e-3, 123.456789))


def _subgraph(seed: int) -> tuple[Any, ...]:
    """A random reached subgraph: steps merge and split lots, some give an input back."""
    rng = random.Random(seed)
    lots = [f"L{i:03d}" for i in range(rng.randrange(3, 30))]
    uses: list[Edge] = []
    outputs: list[Edge] = []
    for s in range(rng.randrange(1, 40)):
        step = f"S{s:03d}"
        # a step with outputs and no inputs (a lot booked in by a production order whose
        # consumption was never recorded), and a lot used twice by one step (two lines of
        # the same lot on a work order)
        count = rng.choice((0, 1, 1, 2, 3)) if rng.random() < 0.1 else rng.choice((1, 1, 2, 3))
        inputs = rng.sample(lots, min(len(lots), count))
        if inputs and rng.random() < 0.1:
            inputs.append(rng.choice(inputs))
        uses += [Edge(lot, step, _quantity(rng), rng.choice(UNITS)) for lot in inputs]
        made: set[str] = set()
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            lot = inputs[0] if inputs and rng.random() < 0.08 else f"L{len(lots):03d}"
            if lot not in made:  # a step gives a lot once
                made.add(lot)
                lots.append(lot) if lot not in lots else None
                outputs.append(Edge(lot, step, _quantity(rng), rng.choice(UNITS)))
    shipped = [Edge(rng.choice(lots), f"SH{h}", _quantity(rng), rng.choice(UNITS))
               for h in range(rng.randrange(0, 15))]  # fmt: skip
    quantities = {lot: Quantity(_quantity(rng), rng.choice(UNITS)) for lot in lots}
    count = min(len(lots), rng.choice((1, 1, 2, 3, 4)))
    sources = {lot: quantities[lot] for lot in rng.sample(lots, count)}
    return sources, quantities, uses, outputs, shipped


def _cyclic(uses: list[Edge], outputs: list[Edge]) -> bool:
    """Whether the lots make a cycle once rework in place is left out (A into a rework with C,
    C made from A, A booked back), which only the walk weighs."""
    following = flow.lot_graph(*flow.without_rework_in_place(uses, outputs))
    indegree: dict[str, int] = {}
    for lot, made in following.items():
        indegree.setdefault(lot, 0)
        for nxt in made:
            indegree[nxt] = indegree.get(nxt, 0) + 1
    free = [lot for lot, n in indegree.items() if n == 0]
    while free:
        for nxt in following.get(free.pop(), ()):
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                free.append(nxt)
    return any(indegree.values())


@pytest.fixture(autouse=True)
def _any_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small subgraphs here are deep for their size: weighed in arrays all the same."""
    monkeypatch.setattr(flow_arrays, "LOTS_PER_LEVEL", 0)


def _walks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """A list that gets an entry each time forward() weighs lot by lot."""
    walked: list[bool] = []
    walk = flow._forward_walk

    def spied(*args: Any) -> ForwardFlow:
        walked.append(True)
        return walk(*args)

    monkeypatch.setattr(flow, "_forward_walk", spied)
    return walked


def test_a_deep_chain_is_walked_not_weighed_level_by_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """A heel carried from batch to batch: 9,000 lots in a chain, as many levels. The arrays
    pay ~0.6 ms a level (1.1 s for 2,000 lots, the walk 22 ms): such a trace is walked."""
    monkeypatch.setattr(flow_arrays, "LOTS_PER_LEVEL", 200)
    walked = _walks(monkeypatch)
    count = 9_000
    lots = {f"L{i}": Quantity(10.0, "kg") for i in range(count)}
    uses = [Edge(f"L{i}", f"S{i}", 2.0, "kg") for i in range(count - 1)]
    outputs = [Edge(f"L{i + 1}", f"S{i}", 10.0, "kg") for i in range(count - 1)]
    weighed = forward({"L0": lots["L0"]}, lots, uses, outputs, [])
    assert walked == [True]
    assert weighed.depth[f"L{count - 1}"] == count - 1
    assert weighed.lots["L2"]["L0"] == pytest.approx(10.0 * 0.2 * 0.2)


def _both(monkeypatch: pytest.MonkeyPatch, *given: Any) -> tuple[ForwardFlow, ForwardFlow]:
    walked = _walks(monkeypatch)
    monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", 0)
    in_arrays = forward(*given)
    assert not walked or _cyclic(given[2], given[3]), "the arrays were not tested"
    monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", 1 << 60)
    return in_arrays, forward(*given)


def test_the_random_subgraphs_hold_input_less_steps_and_lots_used_twice() -> None:
    """The comparisons below meet both shapes, in subgraphs the arrays weigh (no cycle): a
    generator that stopped making them would leave them untested without a word."""
    shapes: Counter[str] = Counter()
    for seed in range(SEEDS):
        _, _, uses, outputs, _ = _subgraph(seed)
        if _cyclic(uses, outputs):
            continue
        inputs = {edge.step for edge in uses}
        twice = Counter((edge.lot, edge.step) for edge in uses)
        shapes["no inputs"] += any(edge.step not in inputs for edge in outputs)
        shapes["used twice"] += any(count > 1 for count in twice.values())
    assert shapes["no inputs"] >= 50 and shapes["used twice"] >= 50, shapes


@pytest.mark.parametrize("seed", range(SEEDS))
def test_arrays_weigh_as_the_walk(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Which sources reached each lot, line and step exactly; amounts to the last bits (a sum
    of three or more parts is added in another order: 1244.5672233999935 beside ...933)."""
    in_arrays, walked = _both(monkeypatch, *_subgraph(seed))
    for name in ("lots", "lines", "remaining"):
        got, want = getattr(in_arrays, name), getattr(walked, name)
        assert got.keys() == want.keys(), name
        for key, amounts in got.items():
            assert amounts == pytest.approx(want[key], rel=1e-12, abs=1e-300), (name, key)
    assert in_arrays.unplaced == pytest.approx(walked.unplaced, rel=1e-12)
    assert in_arrays.nested == pytest.approx(walked.nested, rel=1e-12)
    assert in_arrays.depth == walked.depth
    # the lots whose own quantity their records contradict (the trace's warnings)
    assert [r[:3] for r in in_arrays.recorded] == [r[:3] for r in walked.recorded]
    assert [x for r in in_arrays.recorded for x in r[3:]] == pytest.approx(
        [x for r in walked.recorded for x in r[3:]], rel=1e-12
    )


def test_arrays_weigh_splits_merges_zeros_and_nested_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By hand: salt S (10 kg, 500 g of it) and flour F (100 kg, 40 used) make dough M
    (40.5 kg), packed into P1 300 pcs and P2 100 pcs (3/4 and 1/4); a zero-quantity use takes
    none of F into Z, which still carries a 0 of F; F's dough is traced from too (nested)."""
    lots = {"S": Quantity(10, "kg"), "F": Quantity(100, "kg"), "M": Quantity(40.5, "kg"),
            "P1": Quantity(300, "pcs"), "P2": Quantity(100, "pcs"),
            "Z": Quantity(1, "kg")}  # fmt: skip
    uses = [Edge("F", "X", 40, "kg"), Edge("S", "X", 500, "g"), Edge("M", "Y", 40.5, "kg"),
            Edge("F", "W", 0, "kg")]  # fmt: skip
    outputs = [Edge("M", "X", 40.5, "kg"), Edge("P1", "Y", 300, "pcs"),
               Edge("P2", "Y", 100, "pcs"), Edge("Z", "W", 1, "kg")]  # fmt: skip
    shipped = [Edge("P1", "SH1", 300, "pcs"), Edge("P2", "RMA", -10, "pcs")]
    sources = {"S": lots["S"], "F": lots["F"], "M": lots["M"]}
    in_arrays, walked = _both(monkeypatch, sources, lots, uses, outputs, shipped)
    assert in_arrays == walked
    assert in_arrays.lots["M"] == {"M": 40.5}  # a source below sources is affected whole
    assert in_arrays.nested == {"S": 0.5, "F": 40.0}
    assert in_arrays.lots["P1"] == {"M": 30.375} and in_arrays.lots["P2"] == {"M": 10.125}
    assert in_arrays.lots["Z"] == {"F": 0.0}
    assert in_arrays.lines[("P2", "RMA")] == {"M": -1.0125}
    assert in_arrays.depth == {"S": 0, "F": 0, "M": 0, "P1": 1, "P2": 1, "Z": 1}


def test_a_cycle_is_weighed_lot_by_lot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad data: A makes B and B makes A. The arrays cannot order it; the walk weighs it."""
    monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", 0)
    lots = {"A": Quantity(10, "kg"), "B": Quantity(10, "kg")}
    weighed = forward({"A": lots["A"]}, lots, [Edge("A", "X", 10, "kg"), Edge("B", "Y", 10, "kg")],
                      [Edge("B", "X", 10, "kg"), Edge("A", "Y", 10, "kg")], [])  # fmt: skip
    assert weighed.lots["B"] == {"A": 10.0}


# VA1 makes VB1 (10 kg); 2 kg of VB1 reworked into VC1; 1 kg of VC1 back into VB1; 1 kg of
# VB1 into VD1: a loop through another lot, and a lot made from it
_LOOP_LOTS = {"VA1": Quantity(10, "kg"), "VB1": Quantity(11, "kg"), "VC1": Quantity(2, "kg"),
              "VD1": Quantity(1, "kg")}  # fmt: skip
_LOOP_USES = [Edge("VA1", "VS1", 10, "kg"), Edge("VB1", "VS2", 2, "kg"),
              Edge("VC1", "VS3", 1, "kg"), Edge("VB1", "VS4", 1, "kg")]  # fmt: skip
_LOOP_OUTPUTS = [Edge("VB1", "VS1", 10, "kg"), Edge("VC1", "VS2", 2, "kg"),
                 Edge("VB1", "VS3", 1, "kg"), Edge("VD1", "VS4", 1, "kg")]  # fmt: skip


@pytest.fixture(params=["dense", "sparse"])
def loop_arrays(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loops are weighed in dense arrays up to flow.DENSE_LOOP_LOTS lots, in sparse ones
    beyond (a rework bin fed from every batch): the tests below run both."""
    if request.param == "sparse":
        monkeypatch.setattr(flow, "DENSE_LOOP_LOTS", 0)


@pytest.mark.usefixtures("loop_arrays")
def test_a_loop_through_another_lot_is_weighed_to_its_fixed_point() -> None:
    """VB1 holds x = 10 + (1/2)(2/11)x = 11 kg of VA1 (weighed once around: 10.909 kg, and
    what is left of it 8.926 kg for 9 kg left); VC1 2 kg, of which 1 kg is left. Traced from
    VB1 too, VB1 carries itself whole and holds the 10 kg of VA1 (nested)."""
    weighed = forward({"VA1": _LOOP_LOTS["VA1"]}, _LOOP_LOTS, _LOOP_USES, _LOOP_OUTPUTS, [])
    assert weighed.lots["VB1"] == {"VA1": pytest.approx(11.0)}
    assert weighed.lots["VC1"] == {"VA1": pytest.approx(2.0)}
    assert weighed.lots["VD1"] == {"VA1": pytest.approx(1.0)}
    assert weighed.remaining["VB1"] == {"VA1": pytest.approx(8.0)}
    assert weighed.remaining["VC1"] == {"VA1": pytest.approx(1.0)}
    assert weighed.loops == []
    sources = {lot: _LOOP_LOTS[lot] for lot in ("VA1", "VB1")}
    both = forward(sources, _LOOP_LOTS, _LOOP_USES, _LOOP_OUTPUTS, [])
    assert both.lots["VB1"] == {"VB1": 11.0}
    assert both.lots["VC1"] == {"VB1": pytest.approx(2.0)}
    # and the 1 kg of VB1 that came back into it round the loop is in it (it was nowhere:
    # 10 of VB1's 11 kg located)
    assert both.nested == {"VA1": pytest.approx(10.0), "VB1": pytest.approx(1.0)}
    assert both.came_back == {"VB1": pytest.approx(1.0)}


@pytest.mark.usefixtures("loop_arrays")
def test_a_loop_through_another_lot_is_needed_all_the_way_round() -> None:
    """Backward from VD1 (1 kg of VB1): VB1's 1 kg and the 1/10 kg of it that came back round
    through VC1, and 1 kg of VA1 (VD1 is all VA1); in name order VA1 needed none."""
    needed = flow.backward({"VD1": _LOOP_LOTS["VD1"]}, _LOOP_LOTS, _LOOP_USES, _LOOP_OUTPUTS)
    for lot, amount in (("VB1", 1.1), ("VC1", 0.1), ("VA1", 1.0)):
        got = needed.needed[lot]
        assert got.uom == "kg" and got.amount == pytest.approx(amount), lot
    assert needed.loops == []


@pytest.mark.usefixtures("loop_arrays")
def test_a_loop_that_gives_back_all_it_gets_is_weighed_once_around_and_said() -> None:
    """S gives X 4 kg beside all of A; X makes B and B makes A, all of each: no fixed point
    (what goes round grows without end). Weighed once around as before (a bounded answer), and
    named, so the trace can warn; forward and backward (T made of B by W, with no quantity).
    The loop was S into A (4 kg) beside B into A (10 kg), A recorded as 10 kg: weighed as the
    14 kg made of it (flow.LotBasis), A sends 10/14 round and the loop has a fixed point."""
    lots = {"S": Quantity(4, "kg"), "A": Quantity(10, "kg"), "B": Quantity(10, "kg")}
    uses = [Edge("S", "X", 4, "kg"), Edge("A", "X", 10, "kg"), Edge("B", "Y", 10, "kg")]
    outputs = [Edge("B", "X", 10, "kg"), Edge("A", "Y", 10, "kg")]
    weighed = forward({"S": lots["S"]}, lots, uses, outputs, [])
    assert weighed.loops == [["A", "B"]]
    assert weighed.lots["A"] == {"S": 4.0} and weighed.lots["B"] == {"S": 4.0}
    lots["T"] = Quantity(1, "kg")
    needed = flow.backward({"T": lots["T"]}, lots, [*uses, Edge("B", "W", None, "kg")],
                           [*outputs, Edge("T", "W", 1, "kg")])  # fmt: skip
    assert needed.loops == [["A", "B"]]


@pytest.mark.parametrize("sources", [["B"], ["A"], ["A", "B"], ["M", "A"], ["P2"]])
def test_forward_trace_json_is_the_same_in_arrays(
    hand_plant: TraceGraph, monkeypatch: pytest.MonkeyPatch, sources: list[str]
) -> None:
    """The whole answer (rows, shipments, customers, stock, totals) as the walk gives it."""
    monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", 0)
    in_arrays = trace_forward(hand_plant, sources).as_dict()
    monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", 1 << 60)
    walked = trace_forward(hand_plant, sources).as_dict()
    in_arrays["seconds"] = walked["seconds"] = 0
    assert json.dumps(in_arrays) == json.dumps(walked)
    assert in_arrays["shipments"]  # the answer weighed something


@pytest.mark.parametrize(
    ("used", "back"),
    [
        ([Edge("A", "S", 6, "kg"), Edge("A", "S", 4, "kg")], [Edge("A", "S", 5, "kg")]),
        ([Edge("A", "S", 10, "kg")], [Edge("A", "S", 3, "kg"), Edge("A", "S", 2000, "g")]),
        ([Edge("A", "S", 4000, "g"), Edge("A", "S", 6, "kg")], [Edge("A", "S", 5, "kg")]),
    ],
)
def test_a_sort_nets_a_lot_used_or_given_back_in_several_lines(
    monkeypatch: pytest.MonkeyPatch, used: list[Edge], back: list[Edge]
) -> None:
    """Lot A (10 kg) sorted: 10 kg in, 5 kg of A back and 5 kg to M — A's use booked in two
    lines (6 + 4 kg, a hand-edited graph or two imports under other line numbers), or its
    return in two. A gave M 5 kg and 5 kg of A is left, as a quality engineer counts it. Each
    line was netted by the one return alone (6 - 5 = 1 kg, 4 - 5 nothing): M carried 1 kg of
    A and A had 9 kg left; two returns kept the last alone (10 - 2 = 8 kg to M)."""
    lots = {"A": Quantity(10, "kg"), "M": Quantity(5, "kg")}
    outputs = [*back, Edge("M", "S", 5, "kg")]
    assert [(e.lot, e.base) for e in flow.without_rework_in_place(used, outputs)[0]] == [
        ("A", 5.0)
    ]  # fmt: skip
    in_arrays, walked = _both(monkeypatch, {"A": lots["A"]}, lots, used, outputs, [])
    for weighed in (in_arrays, walked):
        assert weighed.lots["M"] == pytest.approx({"A": 5.0})
        assert weighed.remaining["A"] == pytest.approx({"A": 5.0})  # 10 = 5 in M + 5 left
    needed = flow.backward({"M": lots["M"]}, lots, used, outputs).needed
    assert needed["A"].uom == "kg" and needed["A"].amount == pytest.approx(5.0)
    left = flow.balance(10, "kg", used, outputs, [])
    assert left is not None and (left["used"], left["remaining"]) == (5.0, 5.0)


def test_a_lot_given_back_in_two_lines_gets_all_of_what_its_step_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lot A reworked with 1 kg of salt B, booked back to A in two lines (6 + 5 kg): all of B
    is in A. A step's shares were per lot, the last line's alone (5/11 of B, 6/11 lost); the
    backward weighing added each line's share, which was the last line's twice (10/11)."""
    lots = {"A": Quantity(10, "kg"), "B": Quantity(1, "kg")}
    uses = [Edge("A", "R", 10, "kg"), Edge("B", "R", 1, "kg")]
    outputs = [Edge("A", "R", 6, "kg"), Edge("A", "R", 5, "kg")]
    for arrays_from in (0, 1 << 60):  # the arrays leave a step giving a lot twice to the walk
        monkeypatch.setattr(flow, "ARRAYS_FROM_LOTS", arrays_from)
        weighed = forward({"B": lots["B"]}, lots, uses, outputs, [])
        assert weighed.lots["A"] == pytest.approx({"B": 1.0})
    needed = flow.backward({"A": lots["A"]}, lots, uses, outputs).needed
    assert needed["B"].uom == "kg" and needed["B"].amount == pytest.approx(1.0)


def test_a_lot_of_no_quantity_is_as_much_as_its_step_made_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Flour A (10 kg) all made into mix N, booked out of its step as 10 kg but with no
    quantity of its own; 2 kg of N shipped, 2 kg of it into packing P. N was weighed as what it
    gave alone: the 2 kg line carried all 10 kg of A (5x the customer's share) and none was
    left in N. Backward, N was what it gave and what was made of it together (12 kg): P needed
    1.67 kg of A, not 2."""
    lots = {"A": Quantity(10, "kg"), "N": Quantity(None, None), "P": Quantity(2, "kg")}
    uses = [Edge("A", "MIX", 10, "kg"), Edge("N", "PACK", 2, "kg")]
    outputs = [Edge("N", "MIX", 10, "kg"), Edge("P", "PACK", 2, "kg")]
    shipped = [Edge("N", "SH1", 2, "kg")]
    for weighed in _both(monkeypatch, {"A": lots["A"]}, lots, uses, outputs, shipped):
        assert weighed.lines[("N", "SH1")] == pytest.approx({"A": 2.0})
        assert weighed.lots["P"] == pytest.approx({"A": 2.0})
        assert weighed.remaining["N"] == pytest.approx({"A": 6.0})  # 10 - 2 shipped - 2 packed
    needed = flow.backward({"P": lots["P"]}, lots, uses, outputs).needed
    for lot in ("A", "N"):
        assert needed[lot].uom == "kg" and needed[lot].amount == pytest.approx(2.0), lot


def test_a_lot_of_no_quantity_that_gave_more_than_was_made_is_what_it_gave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """N of no quantity, 4 kg of it made by the step reached (another step made the rest),
    10 kg shipped: the line takes all N carries, not 10/4 of it."""
    lots = {"A": Quantity(4, "kg"), "N": Quantity(None, None)}
    uses = [Edge("A", "MIX", 4, "kg")]
    outputs = [Edge("N", "MIX", 4, "kg")]
    shipped = [Edge("N", "SH1", 10, "kg")]
    for weighed in _both(monkeypatch, {"A": lots["A"]}, lots, uses, outputs, shipped):
        assert weighed.lines[("N", "SH1")] == pytest.approx({"A": 4.0})
        assert "N" not in weighed.remaining


def test_a_rework_in_place_that_loses_weight_is_weighed_so_in_arrays_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RB2 (20 kg) reworked in place gives 18 kg back and ships 18 kg: the 2 kg not given back
    were said to be left in RB2 (flow.rework_losses). Both ways: nothing left, 18 kg shipped,
    2 kg unplaced; beside it F (10 kg) ships half, untouched by the rework."""
    lots = {"RB2": Quantity(20, "kg"), "F": Quantity(10, "kg")}
    weighed = _both(monkeypatch, lots, lots, [Edge("RB2", "RIP2", 20, "kg")],
                    [Edge("RB2", "RIP2", 18, "kg")],
                    [Edge("RB2", "RSH2", 18, "kg"), Edge("F", "FSH", 5, "kg")])  # fmt: skip
    for flowed in weighed:
        assert flowed.lines[("RB2", "RSH2")] == {"RB2": pytest.approx(18.0)}
        assert flowed.unplaced == {"RB2": pytest.approx(2.0)}
        assert flowed.remaining == {"F": {"F": pytest.approx(5.0)}}
