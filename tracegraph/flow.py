"""How much of a lot reached another: quantity-weighted flow through splits and merges.

The traversal queries return the reached subgraph (lots, the steps between them, their edge
quantities); this module weighs it, in Python, over lots and steps in topological order. The
model is conservation of the source:

- a lot that sends `q` of its quantity `Q` into a step sends the fraction q/Q of everything it
  carries (forward) — and a step passes what it received to its outputs in proportion to their
  quantities;
- backward, a lot needs the fraction of each producing step that its share of the step's output
  represents, and that fraction of each of the step's inputs.

Quantities convert within one dimension (g ↔ kg); a lot's basis is its own quantity when its
unit has the edge's dimension, else the sum of what it gave or received in that dimension (a
lot counted in pieces but consumed by weight). Everything here is pure and tested directly.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, pairwise
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

from tracegraph.units import convert, measure


class Quantity(NamedTuple):
    """An amount and its unit. A named tuple, not a frozen dataclass: a wide trace makes one
    per reached lot, and a frozen dataclass's __init__ cost 8 µs each (0.8 s of a 100k-lot
    trace) where a tuple costs a tenth of that."""

    amount: float | None
    uom: str | None


class Edge:
    """One lot–step edge: `lot` went into `step` (use) or came out of it (output).

    Its amount in base units and its dimension are computed once: weighing a wide trace reads
    them several times for each of thousands of edges.
    """

    __slots__ = ("base", "dimension", "lot", "quantity", "step", "uom")

    def __init__(self, lot: str, step: str, quantity: float | None, uom: str | None) -> None:
        self.lot = lot
        self.step = step
        self.quantity = quantity
        self.uom = uom
        self.dimension, factor = measure(uom)
        self.base = (quantity or 0.0) * factor

    def __repr__(self) -> str:
        return f"Edge({self.lot!r}, {self.step!r}, {self.quantity!r}, {self.uom!r})"


class LotBasis:
    """The quantity of each lot in base units of a dimension, with fallbacks for gaps."""

    def __init__(self, lots: dict[str, Quantity], edges: Iterable[Edge]) -> None:
        self.lots = lots
        self._edge_sums: dict[tuple[str, str], float] = defaultdict(float)
        for edge in edges:
            if edge.quantity is not None and edge.quantity > 0:
                self._edge_sums[(edge.lot, edge.dimension)] += edge.base

    def of(self, lot: str, dim: str) -> float:
        # Not cached: the own-quantity case (nearly every lot) is two look-ups, cheaper than
        # a cache keyed by (lot, dimension) tuples was for the 100k lots of a wide trace.
        own = self.lots.get(lot)
        if own is not None:
            amount, uom = own
            if amount and amount > 0:
                own_dim, factor = measure(uom)
                if own_dim == dim:
                    return amount * factor
        return self._edge_sums.get((lot, dim), 0.0)

    def fraction(self, lot: str, edge: Edge) -> float:
        return self.share(lot, edge.dimension, edge.base)

    def share(self, lot: str, dim: str, base: float) -> float:
        """The fraction of `lot` that `base` (an amount in base units of `dim`) is."""
        basis = self.of(lot, dim)
        return base / basis if basis > 0 else 0.0


def _shares(outputs: list[Edge]) -> dict[str, float]:
    """Each output's share of a step's output (equal shares if units cannot be compared)."""
    if len(outputs) == 1:  # most steps make one lot: all of it, whatever its quantity
        return {outputs[0].lot: 1.0}
    dims = {e.dimension for e in outputs}
    total = sum(e.base for e in outputs)
    if len(dims) == 1 and total > 0:
        return {e.lot: e.base / total for e in outputs}
    return {e.lot: 1.0 / len(outputs) for e in outputs} if outputs else {}


def depths(sources: Iterable[str], following: dict[str, list[str]]) -> dict[str, int]:
    """Breadth-first lot distance (number of steps) from the nearest source."""
    found = dict.fromkeys(sources, 0)
    queue = deque(found)
    while queue:
        lot = queue.popleft()
        for nxt in following.get(lot, ()):
            if nxt not in found:
                found[nxt] = found[lot] + 1
                queue.append(nxt)
    return found


def _topological(lots: Iterable[str], following: dict[str, list[str]]) -> list[str]:
    """Lots so that every lot comes after those it was made from (Kahn); cycles appended."""
    nodes = list(dict.fromkeys(lots))
    indegree = dict.fromkeys(nodes, 0)
    for lot in nodes:
        for nxt in following.get(lot, ()):
            if nxt in indegree:
                indegree[nxt] += 1
    queue = deque(lot for lot in nodes if indegree[lot] == 0)
    order: list[str] = []
    while queue:
        lot = queue.popleft()
        order.append(lot)
        for nxt in following.get(lot, ()):
            if nxt in indegree:
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    queue.append(nxt)
    if len(order) < len(nodes):  # bad data made a cycle; weigh what is left in a fixed order
        placed = set(order)
        order += sorted(lot for lot in nodes if lot not in placed)
    return order


def lot_graph(uses: Iterable[Edge], outputs: Iterable[Edge]) -> dict[str, list[str]]:
    """lot -> lots made from it, through the steps given."""
    made: dict[str, list[str]] = defaultdict(list)
    for edge in outputs:
        made[edge.step].append(edge.lot)
    following: dict[str, list[str]] = defaultdict(list)
    for edge in uses:
        following[edge.lot].extend(made.get(edge.step, ()))
    return following


def without_rework_in_place(uses: list[Edge], outputs: list[Edge]) -> tuple[list[Edge], list[Edge]]:
    """Uses and outputs without the cycle of a lot going into a step that gives the same lot
    back (rework in place: 5 kg of lot A reworked and booked back to A). Weighed as it was, A's
    content went round the cycle and A grew by the 5 kg (60 -> 65 kg of its source, every
    shipment of it with it). What A takes back never left it:
    - when A is all the step makes (rework, perhaps adding salt, perhaps losing water), A's use
      is dropped and its output kept: the other inputs go into A;
    - when the step makes other lots too (a sort: A 10 kg in, A 5 kg and M 5 kg out), A's
      output is dropped and its use netted by it: A gave M 5 kg (dropped when nothing is left
      or the two are of different dimensions)."""
    back = {(edge.lot, edge.step): edge for edge in outputs}
    if not any((edge.lot, edge.step) in back for edge in uses):
        return uses, outputs
    made: dict[str, set[str]] = defaultdict(set)
    for edge in outputs:
        made[edge.step].add(edge.lot)
    netted: set[tuple[str, str]] = set()  # (lot, step) whose output is dropped
    kept_uses = []
    for edge in uses:
        returned = back.get((edge.lot, edge.step))
        if returned is None:
            kept_uses.append(edge)
        elif made[edge.step] != {edge.lot}:
            netted.add((edge.lot, edge.step))
            if returned.dimension == edge.dimension and edge.base - returned.base > 1e-9:
                factor = measure(edge.uom)[1]
                kept_uses.append(
                    Edge(edge.lot, edge.step, (edge.base - returned.base) / factor, edge.uom)
                )
    return kept_uses, [e for e in outputs if (e.lot, e.step) not in netted]


def balance(
    quantity: float | None,
    uom: str | None,
    uses: list[Edge],
    outputs: list[Edge],
    shipped: Iterable[tuple[float | None, str | None]],
) -> dict[str, Any] | None:
    """What is left of a lot by its records, in its own unit: its quantity, less what went
    into steps (a rework in place that gave it back does not count) and what was shipped, plus
    what came back. `uses` are the lot's lot→step edges, `outputs` every output of those steps
    (a sort that gives the lot back beside another lot used part of it), `shipped` its shipment
    lines' (quantity, uom), negative for a return. Records in a unit of another dimension (3 pcs
    of a kg lot) or without a quantity cannot be counted: `uncounted` says how many. None for a
    lot of no quantity: what is left of it is not known. `lot show` and the forward trace's
    stock both count with this, so the two never disagree."""
    if quantity is None:
        return None
    if outputs:  # without them there is no rework in place to leave out (a wide trace's lots)
        uses, _ = without_rework_in_place(uses, outputs)
    # plain loops and locals: a wide forward trace counts this for each of thousands of lots
    used = out = back = 0.0
    uncounted = 0
    for edge in uses:
        converted = None if edge.quantity is None else convert(edge.quantity, edge.uom, uom)
        if converted is None:
            uncounted += 1
        else:
            used += converted
    for amount, unit in shipped:
        converted = None if amount is None else convert(amount, unit, uom)
        if converted is None:
            uncounted += 1
        elif converted < 0:  # a return
            back -= converted
        else:
            out += converted
    return {"quantity": quantity, "uom": uom, "used": _round(used), "shipped": _round(out),
            "returned": _round(back), "remaining": _round(quantity - used - out + back),
            "uncounted": uncounted}  # fmt: skip


def _round(value: float) -> float:
    # + 0.0: no -0.0; zero (most of a wide trace's balances) is not rounded: the same 0.0
    return round(value, 6) + 0.0 if value else 0.0


@dataclass
class ForwardFlow:
    """Per reached lot and per shipment line: the amount of each source it carries."""

    lots: dict[str, dict[str, float]]
    lines: dict[tuple[str, str], dict[str, float]]  # (lot, shipment) -> source -> amount
    unplaced: dict[str, float]  # source -> amount that went into steps without outputs
    remaining: dict[str, dict[str, float]]  # lot -> source -> amount neither used nor shipped
    depth: dict[str, int]
    # source -> amount of it that went into another source (traced from a lot and from a
    # batch made of it: the batch counts whole, as its own, and this much of the lot is in it)
    nested: dict[str, float] = field(default_factory=dict)


_LOT, _STEP, _BASE = attrgetter("lot"), attrgetter("step"), attrgetter("base")
_DIMENSION, _QUANTITY = attrgetter("dimension"), attrgetter("quantity")

# From how many lots (sources included) forward() weighs in arrays rather than lot by lot.
ARRAYS_FROM_LOTS = 8_000


def forward(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    uses: list[Edge],
    outputs: list[Edge],
    shipped: list[Edge],
) -> ForwardFlow:
    """Weigh the sources through the reached subgraph. Amounts are in each source's unit.

    `uses` are lot→step edges of reached lots, `outputs` step→lot edges of reached steps,
    `shipped` lot→shipment edges (step = shipment id; a negative quantity is a return).

    Weighed with integer indices and sparse matrices, a level of the DAG at a time: lots get
    rows, steps and sources columns; a level's lots (all made by steps whose inputs are in
    earlier levels) get what their steps hold (outputs' shares × the steps' content), and
    send their fractions of it into the steps they went into (uses × their content). A trace
    from a commodity lot reaches ~100k lots in a handful of levels: per-lot dicts of
    per-source dicts walked lot by lot cost seconds in Python, a few sparse products per
    level cost milliseconds. Which sources reached a lot is kept as well as how much (a lot
    reached through a zero quantity carries a 0 of that source, as before). Narrow traces and
    bad data that makes a cycle are weighed lot by lot as before (_forward_walk).
    """
    uses, outputs = without_rework_in_place(uses, outputs)
    names = list(dict.fromkeys([*lots, *sources]))
    row = {lot: i for i, lot in enumerate(names)}
    # Edges' attributes a list at a time (map with attrgetter and dict look-ups runs in C: a
    # generator per edge cost as much as the weighing)
    rows = [list(map(row.get, map(_LOT, edges))) for edges in (uses, outputs, shipped)]
    # Below a few thousand lots the walk is quicker: the arrays and a few dozen sparse
    # operations cost ~3-5 ms whatever the size (211 lots: 0.9 ms walked, 5.3 ms in arrays;
    # 1,654 lots 6.5 vs 10.7 ms; 4,871 lots 27 vs 25 ms; 16,125 lots 127 -> 78 ms; 84,084
    # lots 1,059 -> 530 ms). Edges of lots not given (tests, other callers) are weighed as
    # they always were.
    if len(row) < ARRAYS_FROM_LOTS or any(None in found for found in rows):
        return _forward_walk(sources, lots, uses, outputs, shipped)
    step_col = {step: j for j, step in enumerate(dict.fromkeys(
        chain(map(_STEP, uses), map(_STEP, outputs))))}  # fmt: skip
    n, m, k = len(names), len(step_col), len(sources)
    u_lot, o_lot, s_lot = (np.array(found, np.intp) for found in rows)
    u_step = np.array(list(map(step_col.__getitem__, map(_STEP, uses))), np.intp)
    o_step = np.array(list(map(step_col.__getitem__, map(_STEP, outputs))), np.intp)
    if np.unique(o_step * n + o_lot).size < len(outputs):  # a step giving a lot twice
        return _forward_walk(sources, lots, uses, outputs, shipped)
    o_share = _output_shares(outputs, o_step, m)
    levels = _levels(n, m, u_lot, u_step, o_lot, o_step)
    if levels is None:  # bad data made a cycle
        return _forward_walk(sources, lots, uses, outputs, shipped)
    u_frac, s_frac = _fractions(lots, names, uses, u_lot, shipped, s_lot)
    source_row = np.fromiter((row[s] for s in sources), np.intp, k)
    # 0.0 + keeps an int amount a float, as before
    own = np.array([0.0 + (q.amount if q.amount is not None else 1.0) for q in sources.values()])
    use_m = sparse.csr_array((u_frac, (u_lot, u_step)), shape=(n, m))
    out_m = sparse.csr_array((o_share, (o_lot, o_step)), shape=(n, m))
    carried, in_steps, nested = _propagate(levels, use_m, out_m, source_row, own, n, m, k)
    # Which sources reached each lot: the amounts' structure, unless a zero fraction, share or
    # source amount can make a zero that sparse products drop; then weighed again as 0/1.
    if not (np.all(u_frac > 0) and np.all(o_share > 0) and np.all(own != 0)):
        ones_use = sparse.csr_array((np.ones(len(uses)), (u_lot, u_step)), shape=(n, m))
        ones_out = sparse.csr_array((np.ones(len(outputs)), (o_lot, o_step)), shape=(n, m))
        reach, step_reach, nested_reach = _propagate(
            levels, ones_use, ones_out, source_row, np.ones(k), n, m, k, clip=True
        )
        carried = _on(reach, carried)
        in_steps = _on(step_reach, in_steps)
        nested_keys = nested_reach > 0
    else:
        nested_keys = nested != 0
    source_ids = list(sources)
    carried_lots = dict(zip(names, _row_dicts(carried, source_ids), strict=True))
    # what went into steps that gave no reached lot
    stuck = in_steps[np.bincount(o_step, minlength=m) == 0]
    stuck_keys = np.bincount(stuck.indices, minlength=k) > 0
    stuck_sums = np.asarray(stuck.sum(axis=0)).ravel()
    unplaced = {source_ids[j]: float(stuck_sums[j]) for j in np.flatnonzero(stuck_keys).tolist()}

    # what is gone from each lot: its uses' fractions, then its shipments' (returns negative)
    # a shipment line without a quantity takes nothing; a return (negative) takes back the
    # fraction its magnitude is of the lot
    counted = [i for i, e in enumerate(shipped) if e.quantity is not None]
    line_edges = [shipped[i] for i in counted]
    line_row = s_lot[counted]
    line_frac = s_frac[counted]
    # in the order forward() always summed them: each lot's uses, then its shipment lines
    gone = np.bincount(np.concatenate([u_lot, line_row]),
                       weights=np.concatenate([u_frac, line_frac]), minlength=n)  # fmt: skip
    lines: dict[tuple[str, str], dict[str, float]] = {}
    if line_edges:
        on_line = _scaled(carried[line_row], line_frac)
        for edge, amounts in zip(line_edges, _row_dicts(on_line, source_ids), strict=True):
            lines[(edge.lot, edge.step)] = amounts
    # in about the order the lot-by-lot walk met the lots (the sources, then level by level):
    # the trace's in-stock total is summed over these in this order
    leveled = np.concatenate(levels)
    walked = np.concatenate([source_row, leveled[~np.isin(leveled, source_row)]])
    partly = walked[gone[walked] < 1.0 - 1e-9]
    rest = _row_dicts(_scaled(carried[partly], 1.0 - gone[partly]), source_ids)
    remaining = dict(zip([names[i] for i in partly.tolist()], rest, strict=True))
    return ForwardFlow(
        lots=carried_lots,
        lines=lines,
        unplaced=unplaced,
        remaining=remaining,
        depth=_depths(source_row, u_lot, u_step, o_lot, o_step, names, m),
        nested={source_ids[j]: float(nested[j]) for j in range(k) if nested_keys[j]},
    )


def _fractions(
    lots: dict[str, Quantity], names: list[str], uses: list[Edge], u_lot: np.ndarray,
    shipped: list[Edge], s_lot: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The fraction of its lot each use and each shipment line is (a return's negative), as
    LotBasis gives them: of the lot's own quantity when its unit has the edge's dimension,
    else of what the lot gave in that dimension (uses, then shipments, of positive quantity)."""
    dims: dict[str, int] = {}
    codes = [
        np.array([dims.setdefault(d, len(dims)) for d in map(_DIMENSION, edges)], np.intp)
        for edges in (uses, shipped)
    ]
    own_base = np.zeros(len(names))
    own_dim = np.full(len(names), -1, np.intp)
    for i, lot in enumerate(names):
        own = lots.get(lot)
        if own is not None and own.amount and own.amount > 0:
            dim, factor = measure(own.uom)
            own_base[i] = own.amount * factor
            own_dim[i] = dims.setdefault(dim, len(dims))
    width = max(len(dims), 1)
    bases = [np.array(list(map(_BASE, edges)), float) for edges in (uses, shipped)]
    given = [np.array(list(map(_QUANTITY, edges)), float) > 0 for edges in (uses, shipped)]
    # each lot's sum per dimension, in LotBasis's order (uses, then shipments): NaN > 0 is
    # False, so edges without a quantity add nothing, as there
    keys = np.concatenate([u_lot * width + codes[0], s_lot * width + codes[1]])
    sums = np.bincount(keys, weights=np.where(np.concatenate(given), np.concatenate(bases), 0.0),
                       minlength=len(names) * width)  # fmt: skip

    def of(lot: np.ndarray, dim: np.ndarray, base: np.ndarray) -> np.ndarray:
        basis = np.where(own_dim[lot] == dim, own_base[lot], sums[lot * width + dim])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(basis > 0, base / basis, 0.0)

    signs = np.where(np.array(list(map(_QUANTITY, shipped)), float) < 0, -1.0, 1.0)
    # a shipment line's fraction is of its magnitude, a return's negative
    return of(u_lot, codes[0], bases[0]), signs * of(s_lot, codes[1], np.abs(bases[1]))


def _output_shares(outputs: list[Edge], o_step: np.ndarray, m: int) -> np.ndarray:
    """Each output edge's share of its step's output, as _shares gives it: all of it when the
    step makes one lot, by quantity when its outputs share a dimension and weigh something,
    else equal shares."""
    count = np.bincount(o_step, minlength=m)
    base = np.fromiter((e.base for e in outputs), float, len(outputs))
    total = np.bincount(o_step, weights=base, minlength=m)
    codes: dict[str, int] = {}
    dim = np.fromiter((codes.setdefault(e.dimension, len(codes)) for e in outputs), np.intp,
                      len(outputs))  # fmt: skip
    low = np.full(m, len(codes), np.intp)
    high = np.full(m, -1, np.intp)
    np.minimum.at(low, o_step, dim)
    np.maximum.at(high, o_step, dim)
    by_quantity = ((low == high) & (total > 0))[o_step]
    per = count[o_step]
    with np.errstate(divide="ignore", invalid="ignore"):
        weighed = np.where(by_quantity, base / total[o_step], 1.0 / per)
    return np.where(per == 1, 1.0, weighed)


def _levels(
    n: int, m: int, u_lot: np.ndarray, u_step: np.ndarray, o_lot: np.ndarray, o_step: np.ndarray
) -> list[np.ndarray] | None:
    """Lot rows in levels: each lot after every step that made it, each step after all its
    inputs (Kahn, a level at a time). None when lots are left over: a cycle."""
    uses_by_lot = sparse.csr_array((np.ones(len(u_lot)), (u_lot, u_step)), shape=(n, m))
    outs_by_step = sparse.csr_array((np.ones(len(o_lot)), (o_step, o_lot)), shape=(m, n))
    step_need = np.bincount(u_step, minlength=m).astype(float)
    lot_need = np.bincount(o_lot, minlength=n).astype(float)
    free = np.flatnonzero(step_need == 0)  # steps with no input given: nothing to wait for
    if free.size:
        lot_need -= outs_by_step[free].sum(axis=0)
    placed = np.zeros(n, bool)
    levels = []
    ready = np.flatnonzero(lot_need == 0)
    while ready.size:
        placed[ready] = True
        levels.append(ready)
        sent = uses_by_lot[ready].sum(axis=0)
        step_need -= sent
        done = np.flatnonzero((step_need == 0) & (sent > 0))
        if done.size:
            lot_need -= outs_by_step[done].sum(axis=0)
        ready = np.flatnonzero((lot_need == 0) & ~placed)
    return levels if placed.all() else None


def _propagate(
    levels: list[np.ndarray], use_m: sparse.csr_array, out_m: sparse.csr_array,
    source_row: np.ndarray, own: np.ndarray, n: int, m: int, k: int, clip: bool = False,
) -> tuple[sparse.csr_array, sparse.csr_array, np.ndarray]:  # fmt: skip
    """What each lot (n × k) and each step (m × k) carries of each source, and how much of
    each source went into another source. `clip`: 0/1 reach instead of amounts."""
    source_of = np.full(n, -1, np.intp)
    source_of[source_row] = np.arange(k)
    in_steps = sparse.csr_array((m, k))
    nested = np.zeros(k)
    blocks = []
    for level in levels:
        got = (out_m[level] @ in_steps).tocoo()
        which = source_of[level]
        # A source downstream of another source is affected whole: it carries itself, and
        # what the upstream sources sent into it is in it (not counted a second time in every
        # lot below it: lot + a batch made of it gave the batch's products twice).
        into_source = which[got.row] >= 0
        if into_source.any():
            nested += np.bincount(got.col[into_source], weights=got.data[into_source],
                                  minlength=k)  # fmt: skip
        at = np.flatnonzero(which >= 0)
        keep = ~into_source
        block = sparse.csr_array(
            (np.concatenate([got.data[keep], own[which[at]]]),
             (np.concatenate([got.row[keep], at]), np.concatenate([got.col[keep], which[at]]))),
            shape=(len(level), k),
        )  # fmt: skip
        blocks.append(block)
        in_steps = in_steps + use_m[level].T @ block
        if clip:
            in_steps.data = np.minimum(in_steps.data, 1.0)
    order = np.concatenate(levels)
    back = np.empty(n, np.intp)
    back[order] = np.arange(n)
    carried = sparse.vstack(blocks, format="csr")[back]
    if clip:
        nested = np.minimum(nested, 1.0)
    return sparse.csr_array(carried), sparse.csr_array(in_steps), nested


def _on(reach: sparse.csr_array, amounts: sparse.csr_array) -> sparse.csr_array:
    """`amounts` with an entry wherever `reach` has one (zeros included)."""
    rows, cols = reach.nonzero()
    values = np.asarray(amounts[rows, cols]).ravel() if rows.size else np.zeros(0)
    return sparse.csr_array((values, (rows, cols)), shape=reach.shape)


def _scaled(matrix: sparse.csr_array, factors: np.ndarray) -> sparse.csr_array:
    """Each row of `matrix` times its factor (the same product as amount * factor)."""
    scaled = sparse.csr_array(matrix, copy=True)
    scaled.data = scaled.data * np.repeat(factors, np.diff(scaled.indptr))
    return scaled


def _row_dicts(matrix: sparse.csr_array, columns: list[str]) -> list[dict[str, float]]:
    """Each row as {column name: value}, in column order, explicit zeros included."""
    matrix.sort_indices()
    bounds = matrix.indptr.tolist()
    cols = [columns[j] for j in matrix.indices.tolist()]
    values = matrix.data.tolist()
    return [
        {cols[start]: values[start]} if end - start == 1
        else dict(zip(cols[start:end], values[start:end], strict=True))
        for start, end in pairwise(bounds)
    ]  # fmt: skip


def _depths(
    source_row: np.ndarray, u_lot: np.ndarray, u_step: np.ndarray, o_lot: np.ndarray,
    o_step: np.ndarray, names: list[str], m: int,
) -> dict[str, int]:  # fmt: skip
    """Breadth-first lot distance (number of steps) from the nearest source, a layer at a time."""
    n = len(names)
    uses_by_lot = sparse.csr_array((np.ones(len(u_lot)), (u_lot, u_step)), shape=(n, m))
    outs_by_step = sparse.csr_array((np.ones(len(o_lot)), (o_step, o_lot)), shape=(m, n))
    following = sparse.csr_array(uses_by_lot @ outs_by_step)
    distance = np.full(n, -1, np.intp)
    distance[source_row] = 0
    frontier = np.unique(source_row)
    steps = 0
    while frontier.size:
        steps += 1
        reached = np.unique(following[frontier].indices)
        frontier = reached[distance[reached] < 0]
        distance[frontier] = steps
    found = np.flatnonzero(distance >= 0).tolist()
    return dict(zip([names[i] for i in found], distance[found].tolist(), strict=True))


def _forward_walk(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    uses: list[Edge],
    outputs: list[Edge],
    shipped: list[Edge],
) -> ForwardFlow:
    """forward() a lot at a time, in topological order, over per-lot dicts of per-source
    amounts: for what the levels cannot weigh (a cycle in bad data, edges of lots not given).
    `uses` and `outputs` are without rework in place."""
    basis = LotBasis(lots, [*uses, *shipped])
    following = lot_graph(uses, outputs)
    # Each use's fraction of its lot is needed twice (what the lot sends, what is gone from
    # it): computed once. Plain dicts with .get below, not nested defaultdicts: a wide trace
    # weighs thousands of edges and the lambda-made defaults cost more than the arithmetic.
    uses_of: dict[str, list[tuple[str, float]]] = {}
    step_inputs_left: dict[str, int] = {}
    gone: dict[str, float] = {}  # lot -> fraction used or shipped (net)
    for edge in uses:
        lot, step = edge.lot, edge.step
        fraction = basis.share(lot, edge.dimension, edge.base)
        uses_of.setdefault(lot, []).append((step, fraction))
        step_inputs_left[step] = step_inputs_left.get(step, 0) + 1
        gone[lot] = gone.get(lot, 0.0) + fraction
    # each step's outputs with their shares, found once (most steps make one lot: all of it)
    shares_of: dict[str, list[tuple[str, float]]] = {}
    outputs_of: dict[str, list[Edge]] = {}
    for edge in outputs:
        outputs_of.setdefault(edge.step, []).append(edge)
    for step, outs in outputs_of.items():
        shares_of[step] = [(outs[0].lot, 1.0)] if len(outs) == 1 else list(_shares(outs).items())
    carried: dict[str, dict[str, float]] = {}
    for lot, quantity in sources.items():  # 0.0 + keeps an int amount a float, as before
        carried[lot] = {lot: 0.0 + (quantity.amount if quantity.amount is not None else 1.0)}
    in_step: dict[str, dict[str, float]] = {}
    unplaced: dict[str, float] = defaultdict(float)

    def release(step: str) -> None:
        content = in_step.pop(step, None)
        if not content:
            return
        shares = shares_of.get(step)
        if not shares:
            for source, amount in content.items():
                unplaced[source] += amount
            return
        for lot, share in shares:
            into = carried.get(lot)
            if into is None:
                into = carried[lot] = {}
            for source, amount in content.items():
                into[source] = into.get(source, 0.0) + amount * share

    nested: dict[str, float] = defaultdict(float)
    for lot in _topological([*lots, *sources], following):
        content = carried.get(lot)
        if content is None:
            content = carried[lot] = {}
        if len(content) > 1 and lot in sources:
            # A source downstream of another source is affected whole: it carries itself, and
            # what the upstream sources sent into it is in it (not counted a second time in
            # every lot below it: lot + a batch made of it gave the batch's products twice).
            for source, amount in content.items():
                if source != lot:
                    nested[source] += amount
            content = carried[lot] = {lot: content[lot]}
        for step, fraction in uses_of.get(lot, ()):
            if content:
                bucket = in_step.get(step)
                if bucket is None:
                    bucket = in_step[step] = {}
                for source, amount in content.items():
                    bucket[source] = bucket.get(source, 0.0) + amount * fraction
            left = step_inputs_left[step] - 1
            step_inputs_left[step] = left
            if left == 0:
                release(step)
    for step in list(in_step):  # steps whose inputs sit in a cycle
        release(step)

    lines: dict[tuple[str, str], dict[str, float]] = {}
    for edge in shipped:
        if edge.quantity is None:
            continue
        # A return (negative quantity) takes back the fraction its magnitude is of the lot.
        sign = -1.0 if edge.quantity < 0 else 1.0
        fraction = sign * basis.share(edge.lot, edge.dimension, abs(edge.base))
        gone[edge.lot] = gone.get(edge.lot, 0.0) + fraction
        lines[(edge.lot, edge.step)] = {
            source: amount * fraction for source, amount in carried.get(edge.lot, {}).items()
        }
    remaining: dict[str, dict[str, float]] = {}
    for lot, amounts in carried.items():
        used_up = gone.get(lot, 0.0)
        if used_up < 1.0 - 1e-9:
            remaining[lot] = {s: a * (1.0 - used_up) for s, a in amounts.items()}
    return ForwardFlow(
        lots=carried,
        lines=lines,
        unplaced=dict(unplaced),
        remaining=remaining,
        depth=depths(sources, following),
        nested=dict(nested),
    )


@dataclass
class BackwardFlow:
    """Per upstream lot: how much of it (in its own unit, or the edge's) went into the sources."""

    needed: dict[str, Quantity]
    depth: dict[str, int]


def backward(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    inputs: list[Edge],
    outputs: list[Edge],
) -> BackwardFlow:
    """`inputs`: lot→step edges of every reached step; `outputs`: all step→lot edges of them."""
    inputs, outputs = without_rework_in_place(inputs, outputs)
    outputs_of: dict[str, list[Edge]] = defaultdict(list)
    for edge in outputs:
        outputs_of[edge.step].append(edge)
    inputs_of: dict[str, list[Edge]] = defaultdict(list)
    for edge in inputs:
        inputs_of[edge.step].append(edge)
    made_by: dict[str, list[Edge]] = defaultdict(list)
    for edge in outputs:
        made_by[edge.lot].append(edge)
    uses_of: dict[str, list[Edge]] = defaultdict(list)
    for edge in inputs:
        uses_of[edge.lot].append(edge)
    basis = LotBasis(lots, [*inputs, *outputs])
    preceding: dict[str, list[str]] = defaultdict(list)  # lot -> lots it was made from
    for edge in outputs:
        preceding[edge.lot].extend(e.lot for e in inputs_of.get(edge.step, ()))

    # Lots come after every reached lot made from them, so when a lot is weighed, each step it
    # went into has already received its full share from the step's outputs.
    fraction: dict[str, float] = {}
    step_fraction: dict[str, float] = defaultdict(float)
    for lot in _topological([*sources, *lots], preceding):
        if lot in sources:
            fraction[lot] = 1.0
        else:
            fraction[lot] = sum(
                step_fraction[use.step] * basis.fraction(lot, use) for use in uses_of[lot]
            )
        for made in made_by.get(lot, ()):
            step_fraction[made.step] += fraction[lot] * _shares(outputs_of[made.step])[lot]

    needed: dict[str, Quantity] = {}
    for lot, share in fraction.items():
        own = lots.get(lot) or sources.get(lot)
        if own and own.amount is not None and own.uom is not None:
            needed[lot] = Quantity(share * own.amount, own.uom)
        elif uses_of[lot]:  # no quantity of its own: in the unit it was consumed in
            use = uses_of[lot][0]
            amount = sum(step_fraction[u.step] * (u.quantity or 0.0) for u in uses_of[lot]
                         if u.uom == use.uom)  # fmt: skip
            needed[lot] = Quantity(amount, use.uom)
        else:
            needed[lot] = Quantity(None, None)
    return BackwardFlow(needed=needed, depth=depths(sources, preceding))
