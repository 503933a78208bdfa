"""flow.forward for wide traces: the same weighing in integer-indexed sparse arrays.

Lots get rows, steps and sources columns; a level's lots (all made by steps whose inputs are in
earlier levels) get what their steps hold (outputs' shares × the steps' content), and send
their fractions of it into the steps they went into (uses × their content). A trace from a
commodity lot reaches ~100k lots in a handful of levels: per-lot dicts of per-source dicts
walked lot by lot cost seconds in Python, a few sparse products per level cost milliseconds.
Which sources reached a lot is kept as well as how much (a lot reached through a zero quantity
carries a 0 of that source, as the walk gives it). Used by flow.forward only from
flow.ARRAYS_FROM_LOTS lots: it is a module of its own so that scipy is imported only then.
"""

from __future__ import annotations

from itertools import chain, pairwise
from operator import attrgetter

import numpy as np
from scipy import sparse

from tracegraph.flow import Edge, ForwardFlow, Quantity, Recorded
from tracegraph.units import measure

# A level costs ~0.5-0.7 ms of sparse work whatever its size, the walk ~12 µs a lot: a deep
# graph (a heel carried from batch to batch: 2,000 lots in a chain walked in 22 ms, 1.1 s in
# arrays) is walked. The arrays pay off while the levels hold a couple of hundred lots each.
LOTS_PER_LEVEL = 200

_LOT, _STEP, _BASE = attrgetter("lot"), attrgetter("step"), attrgetter("base")
_DIMENSION, _QUANTITY = attrgetter("dimension"), attrgetter("quantity")


def forward(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    uses: list[Edge],
    outputs: list[Edge],
    shipped: list[Edge],
    made_edges: list[Edge] | None = None,
    lost: list[Edge] | None = None,
) -> ForwardFlow | None:
    """flow.forward's answer (`uses` and `outputs` without rework in place; `made_edges` the
    outputs that made their lot, for the lots' basis: `outputs` when not given; `lost` what
    reworks in place did not give back, flow.rework_losses), or None for what the levels
    cannot weigh: a cycle in bad data, a step giving one lot twice, edges of lots not given."""
    lost = lost or []
    names = list(dict.fromkeys([*lots, *sources]))
    row = {lot: i for i, lot in enumerate(names)}
    # Edges' attributes a list at a time (map with attrgetter and dict look-ups runs in C: a
    # generator per edge cost as much as the weighing)
    rows = [list(map(row.get, map(_LOT, edges))) for edges in (uses, outputs, shipped, lost)]
    # Edges of lots not given (tests, other callers) are weighed lot by lot, as they always were
    if any(None in found for found in rows):
        return None
    step_col = {step: j for j, step in enumerate(dict.fromkeys(
        chain(map(_STEP, uses), map(_STEP, outputs))))}  # fmt: skip
    n, m, k = len(names), len(step_col), len(sources)
    u_lot, o_lot, s_lot, l_lot = (np.array(found, np.intp) for found in rows)
    u_step = np.array(list(map(step_col.__getitem__, map(_STEP, uses))), np.intp)
    o_step = np.array(list(map(step_col.__getitem__, map(_STEP, outputs))), np.intp)
    if np.unique(o_step * n + o_lot).size < len(outputs):  # a step giving a lot twice
        return None
    # the outputs' dimensions and amounts, coded once for their shares and for the basis of a
    # lot of no quantity (what its steps made of it)
    dims: dict[str, int] = {}
    made = _Coded(outputs, o_lot, dims)
    o_share = _output_shares(made, o_step, m, len(dims))
    # which lot went into which step, which step made which lot: built once for the levels,
    # the reach pass and the depths
    uses_01 = sparse.csr_array((np.ones(len(uses)), (u_lot, u_step)), shape=(n, m))
    made_01 = sparse.csr_array((np.ones(len(outputs)), (o_step, o_lot)), shape=(m, n))
    levels = _levels(uses_01, made_01, u_step, o_lot)
    if levels is None:  # bad data made a cycle, or the graph is deep
        return None
    if made_edges is not None and made_edges is not outputs:  # a rework in place gave some back
        made = _Coded(made_edges, np.array(list(map(row.__getitem__, map(_LOT, made_edges))),
                                           np.intp), dims)  # fmt: skip
    u_frac, s_frac, l_frac, recorded = _fractions(
        lots, names, dims, _Coded(uses, u_lot, dims), _Coded(shipped, s_lot, dims), made,
        _Coded(lost, l_lot, dims))  # fmt: skip
    source_row = np.fromiter((row[s] for s in sources), np.intp, k)
    # 0.0 + keeps an int amount a float, as before
    own = np.array([0.0 + (q.amount if q.amount is not None else 1.0) for q in sources.values()])
    use_m = sparse.csr_array((u_frac, (u_lot, u_step)), shape=(n, m))
    out_m = sparse.csr_array((o_share, (o_lot, o_step)), shape=(n, m))
    carried, in_steps, nested = _propagate(levels, use_m, out_m, source_row, own, n, m, k)
    # Which sources reached each lot: the amounts' structure, unless a zero fraction, share or
    # source amount can make a zero that sparse products drop; then weighed again as 0/1.
    if not (np.all(u_frac > 0) and np.all(o_share > 0) and np.all(own != 0)):
        ones_out = sparse.csr_array((np.ones(len(outputs)), (o_lot, o_step)), shape=(n, m))
        reach, step_reach, nested_reach = _propagate(
            levels, uses_01, ones_out, source_row, np.ones(k), n, m, k, clip=True
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
    if lost:  # what reworks in place did not give back: gone into no lot, as into such steps
        gone_lost = _scaled(carried[l_lot], l_frac)
        lost_sums = np.asarray(gone_lost.sum(axis=0)).ravel()
        for j in np.flatnonzero(np.bincount(gone_lost.indices, minlength=k) > 0).tolist():
            unplaced[source_ids[j]] = unplaced.get(source_ids[j], 0.0) + float(lost_sums[j])

    # what is gone from each lot: its uses' fractions, then its shipments' (returns negative)
    # a shipment line without a quantity takes nothing; a return (negative) takes back the
    # fraction its magnitude is of the lot
    counted = [i for i, e in enumerate(shipped) if e.quantity is not None]
    line_edges = [shipped[i] for i in counted]
    line_row = s_lot[counted]
    line_frac = s_frac[counted]
    # in the order forward() sums them: each lot's uses, its shipment lines, its rework losses
    gone = np.bincount(np.concatenate([u_lot, line_row, l_lot]),
                       weights=np.concatenate([u_frac, line_frac, l_frac]),
                       minlength=n)  # fmt: skip
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
        depth=_depths(source_row, uses_01, made_01, names),
        nested={source_ids[j]: float(nested[j]) for j in range(k) if nested_keys[j]},
        recorded=recorded,
    )


class _Coded:
    """Edges as arrays: their lots' rows, their dimensions as codes of a shared `dims`, their
    amounts in base units, and whether each has a quantity above zero (NaN > 0 is False, so
    edges without a quantity count for nothing, as in LotBasis)."""

    def __init__(self, edges: list[Edge], rows: np.ndarray, dims: dict[str, int]) -> None:
        self.rows = rows
        self.dim = np.array([dims.setdefault(d, len(dims)) for d in map(_DIMENSION, edges)],
                            np.intp)  # fmt: skip
        self.base = np.array(list(map(_BASE, edges)), float)
        quantity = np.array(list(map(_QUANTITY, edges)), float)
        self.given = quantity > 0
        self.negative = quantity < 0


def _fractions(
    lots: dict[str, Quantity], names: list[str], dims: dict[str, int], uses: _Coded,
    shipped: _Coded, made: _Coded, lost: _Coded,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Recorded]]:  # fmt: skip
    """The fraction of its lot each use, each shipment line (a return's negative) and each
    rework's loss is, as LotBasis gives them: of the largest of the lot's own quantity (when
    its unit has the edge's dimension), what the lot gave in that dimension (uses, losses, then
    shipments, net of returns) and what its steps made of it; and the lots
    flow.recorded_against finds."""
    own_base = np.zeros(len(names))
    own_dim = np.full(len(names), -1, np.intp)
    factors = np.ones(len(names))
    for i, lot in enumerate(names):
        own = lots.get(lot)
        if own is not None and own.amount is not None and own.amount >= 0:
            dim, factors[i] = measure(own.uom)
            own_base[i] = own.amount * factors[i]
            own_dim[i] = dims.setdefault(dim, len(dims))
    width = max(len(dims), 1)

    def summed(*kinds: _Coded, net: bool = False) -> np.ndarray:
        """Each lot's sum per dimension over the edges of `kinds`, in LotBasis's order (`net`:
        returns' negative amounts too, a negative sum as none)."""
        keys = np.concatenate([k.rows * width + k.dim for k in kinds])
        weights = np.concatenate([np.where(k.given | (net & k.negative), k.base, 0.0)
                                  for k in kinds])  # fmt: skip
        sums = np.bincount(keys, weights=weights, minlength=len(names) * width)
        return np.maximum(sums, 0.0) if net else sums

    given_sums, made_sums = summed(uses, lost, shipped, net=True), summed(made)
    sums = np.maximum(given_sums, made_sums)

    def of(lot: np.ndarray, dim: np.ndarray, base: np.ndarray) -> np.ndarray:
        summed = sums[lot * width + dim]
        basis = np.where(own_dim[lot] == dim, np.maximum(own_base[lot], summed), summed)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(basis > 0, base / basis, 0.0)

    signs = np.where(shipped.negative, -1.0, 1.0)
    # flow.recorded_against's lots, found over the arrays (a wide trace has 100k lots): those
    # whose steps made other than their own quantity, or that gave more
    has = np.flatnonzero(own_dim >= 0)
    at = has * width + own_dim[has]
    made_own, given_own, own_at = made_sums[at], given_sums[at], own_base[has]
    off = (np.maximum(made_own, given_own) > own_at * (1 + 1e-9) + 1e-12) | (
        (made_own > 0) & (own_at > made_own * (1 + 1e-9) + 1e-12))  # fmt: skip
    recorded = [
        Recorded(names[i], lots[names[i]].amount or 0.0, lots[names[i]].uom,
                 float(made_sums[j] / factors[i]), float(given_sums[j] / factors[i]))
        for i, j in zip(has[off].tolist(), at[off].tolist(), strict=True)
    ]  # fmt: skip
    recorded.sort()
    # a shipment line's fraction is of its magnitude, a return's negative
    return (of(uses.rows, uses.dim, uses.base),
            signs * of(shipped.rows, shipped.dim, np.abs(shipped.base)),
            of(lost.rows, lost.dim, lost.base), recorded)  # fmt: skip


def _output_shares(made: _Coded, o_step: np.ndarray, m: int, codes: int) -> np.ndarray:
    """Each output edge's share of its step's output, as _shares gives it: all of it when the
    step makes one lot, by quantity when its outputs share a dimension and weigh something,
    else equal shares. `codes`: how many dimension codes there are."""
    count = np.bincount(o_step, minlength=m)
    base = made.base
    total = np.bincount(o_step, weights=base, minlength=m)
    dim = made.dim
    low = np.full(m, codes, np.intp)
    high = np.full(m, -1, np.intp)
    np.minimum.at(low, o_step, dim)
    np.maximum.at(high, o_step, dim)
    by_quantity = ((low == high) & (total > 0))[o_step]
    per = count[o_step]
    with np.errstate(divide="ignore", invalid="ignore"):
        weighed = np.where(by_quantity, base / total[o_step], 1.0 / per)
    return np.where(per == 1, 1.0, weighed)


def _levels(
    uses_01: sparse.csr_array, made_01: sparse.csr_array, u_step: np.ndarray, o_lot: np.ndarray
) -> list[np.ndarray] | None:
    """Lot rows in levels: each lot after every step that made it, each step after all its
    inputs (Kahn, a level at a time). None when lots are left over (a cycle), or when the graph
    is too deep for the arrays to pay (LOTS_PER_LEVEL)."""
    n, m = uses_01.shape
    step_need = np.bincount(u_step, minlength=m).astype(float)
    lot_need = np.bincount(o_lot, minlength=n).astype(float)
    free = np.flatnonzero(step_need == 0)  # steps with no input given: nothing to wait for
    if free.size:
        lot_need -= made_01[free].sum(axis=0)
    placed = np.zeros(n, bool)
    levels = []
    ready = np.flatnonzero(lot_need == 0)
    while ready.size:
        placed[ready] = True
        levels.append(ready)
        if len(levels) * LOTS_PER_LEVEL > n:
            return None
        sent = uses_01[ready].sum(axis=0)
        step_need -= sent
        done = np.flatnonzero((step_need == 0) & (sent > 0))
        if done.size:
            lot_need -= made_01[done].sum(axis=0)
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
    source_row: np.ndarray, uses_01: sparse.csr_array, made_01: sparse.csr_array, names: list[str]
) -> dict[str, int]:
    """Breadth-first lot distance (number of steps) from the nearest source, a layer at a time."""
    n = len(names)
    following = sparse.csr_array(uses_01 @ made_01)
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
