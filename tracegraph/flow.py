"""How much of a lot reached another: quantity-weighted flow through splits and merges.

The traversal queries return the reached subgraph (lots, the steps between them, their edge
quantities); this module weighs it, in Python, over lots and steps in topological order. The
model is conservation of the source:

- a lot that sends `q` of its quantity `Q` into a step sends the fraction q/Q of everything it
  carries (forward) — and a step passes what it received to its outputs in proportion to their
  quantities;
- backward, a lot needs the fraction of each producing step that its share of the step's output
  represents, and that fraction of each of the step's inputs.

Quantities convert within one dimension (g ↔ kg); a lot's basis is the largest of its own
quantity (when its unit has the edge's dimension), what it gave and what its steps made of it
in that dimension (see LotBasis): no line carries more than the whole lot.
Everything here is pure and tested directly.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
    """The quantity of each lot in base units of a dimension: the largest of its own quantity
    (when its unit has that dimension), what it gave (`given`: its uses and shipment lines) and
    what its steps made of it (`made`: the step→lot edges), in that dimension.

    The largest, so that no use or shipment line is ever more than the whole lot (no fraction
    above 1) and a lot recorded as 0 kg, or with no quantity, still passes on what went into
    it: dough recorded as 1 kg that its mix made as 9 kg and that gave 3 kg to the bake sent
    3/1 of everything it carried with those 3 kg (27 kg of a 10 kg flour lot), and a salt lot
    recorded as 0 kg that gave 0.5 kg was said to be 0 kg in the bread whatever went in. What
    it gave alone made a lot made as 10 kg and shipped as 2 kg send all its content with those
    2 kg; what was made alone would take a lot fed by steps not reached as smaller than what it
    gave. Of made and given, only the edges given count: a trace has those it reached, so a lot
    also made or used elsewhere counts smaller (see trace.recorded_warnings for when the own
    quantity disagrees with them)."""

    def __init__(
        self, lots: dict[str, Quantity], given: Iterable[Edge], made: Iterable[Edge] = ()
    ) -> None:
        self.lots = lots
        # net of returns: a lot shipped, returned and shipped again gave it once (counted
        # twice, 10 kg were weighed as 20, and each customer had half of what they had)
        self.given = _positive_sums(given, net=True)
        self.made = _positive_sums(made)
        self._edge_sums = dict(self.given)
        for key, amount in self.made.items():
            if amount > self._edge_sums.get(key, 0.0):
                self._edge_sums[key] = amount

    def of(self, lot: str, dim: str) -> float:
        # Not cached: two or three look-ups, cheaper than a cache keyed by (lot, dimension)
        # tuples was for the 100k lots of a wide trace.
        summed = self._edge_sums.get((lot, dim), 0.0)
        own = self.lots.get(lot)
        if own is not None:
            amount, uom = own
            if amount and amount > 0:
                own_dim, factor = measure(uom)
                if own_dim == dim and amount * factor > summed:
                    return amount * factor
        return summed

    def fraction(self, lot: str, edge: Edge) -> float:
        return self.share(lot, edge.dimension, edge.base)

    def share(self, lot: str, dim: str, base: float) -> float:
        """The fraction of `lot` that `base` (an amount in base units of `dim`) is."""
        basis = self.of(lot, dim)
        return base / basis if basis > 0 else 0.0


class Recorded(NamedTuple):
    """A lot whose own quantity is not what its steps made of it, or is less than what it
    gave: its own amount and unit, and what was made of it and what it gave, in that unit (0
    when nothing was, in that dimension)."""

    lot: str
    amount: float
    uom: str | None
    made: float
    given: float


def recorded_against(basis: LotBasis, lots: Iterable[str]) -> list[Recorded]:
    """The lots of `lots` (with a quantity of their own, 0 included) whose steps made other
    than that quantity of them, or that gave more than it, by the edges `basis` was given; by
    lot id."""
    found = []
    for lot in lots:
        own = basis.lots.get(lot)
        if own is None or own.amount is None or own.amount < 0:
            continue
        dim, factor = measure(own.uom)
        made = basis.made.get((lot, dim), 0.0) / factor
        given = basis.given.get((lot, dim), 0.0) / factor
        if _beyond(max(made, given), own.amount) or (made and _beyond(own.amount, made)):
            found.append(Recorded(lot, own.amount, own.uom, made, given))
    return sorted(found)


def _beyond(amount: float, than: float) -> bool:
    # float noise aside: 0.1 + 0.2 kg given of a 0.3 kg lot is not more than the lot
    return amount > than * (1 + 1e-9) + 1e-12


def _positive_sums(edges: Iterable[Edge], net: bool = False) -> dict[tuple[str, str], float]:
    """(lot, dimension) -> the sum of its edges' amounts in base units (those of a quantity
    above zero; with `net`, a return's negative one too — the sums above zero kept)."""
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for edge in edges:
        if edge.quantity is not None and (edge.quantity > 0 or (net and edge.quantity < 0)):
            sums[(edge.lot, edge.dimension)] += edge.base
    if net:
        return {key: amount for key, amount in sums.items() if amount > 0}
    return sums


def _shares(outputs: list[Edge]) -> dict[str, float]:
    """Each output lot's share of a step's output (equal shares if units cannot be compared).
    A lot given in several lines has their shares together: the last line's alone lost the
    rest (a lot booked back as 6 + 5 kg held 5/11 of what its step held)."""
    if len(outputs) == 1:  # most steps make one lot: all of it, whatever its quantity
        return {outputs[0].lot: 1.0}
    dims = {e.dimension for e in outputs}
    total = sum(e.base for e in outputs)
    shares: dict[str, float] = {}
    if len(dims) == 1 and total > 0:
        for e in outputs:
            shares[e.lot] = shares.get(e.lot, 0.0) + e.base / total
        return shares
    lots = dict.fromkeys(e.lot for e in outputs)
    return dict.fromkeys(lots, 1.0 / len(lots)) if lots else {}


def unevenly_measured(outputs: Iterable[Edge]) -> list[str]:
    """The steps whose output lots are in units of different dimensions (100 pcs of bread and
    0.5 kg of scrap): _shares cannot weigh them against each other and splits what the step
    holds equally, which the answer must say."""
    lots: dict[str, set[str]] = {}
    dims: dict[str, set[str]] = {}
    for edge in outputs:
        lots.setdefault(edge.step, set()).add(edge.lot)
        dims.setdefault(edge.step, set()).add(edge.dimension)
    # one lot in two lines (6 kg and 100 pcs of it) is all the step made: nothing is split
    return sorted(step for step, found in dims.items() if len(found) > 1 and len(lots[step]) > 1)


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


# a loop's first lot in the order -> the loop's lots
Loops = dict[str, list[str]]


def _ordered(lots: Iterable[str], following: dict[str, list[str]]) -> tuple[list[str], Loops]:
    """Lots so that every lot comes after those it was made from (Kahn), and the loops: lots
    made from each other through other lots (bad data, or a rework booked to a new lot that
    goes back into the first). Kahn leaves a loop's lots and those below it over; only then
    are they split into strongly connected components, upstream first, each component's lots
    together in the order and a loop keyed by its first lot (an acyclic trace costs nothing
    more)."""
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
    loops: Loops = {}
    if len(order) < len(nodes):
        placed = set(order)
        for component in _components(sorted(n for n in nodes if n not in placed), following):
            order += component
            if len(component) > 1 or component[0] in following.get(component[0], ()):
                loops[component[0]] = component
    return order, loops


def _weighing(
    order: list[str], loops: Loops, weigh: Callable[[list[str]], bool], unweighed: list[list[str]]
) -> Iterator[str]:
    """The lots in _ordered's order, each loop weighed (`weigh`) when its first lot comes, all
    upstream of it weighed by then; a loop that cannot be weighed (False) goes to `unweighed`,
    its lots walked once around, as they come. A generator: its step per lot is for traces
    with loops alone."""
    for lot in order:
        if lot in loops and not weigh(loops[lot]):
            unweighed.append(loops[lot])
        yield lot


def _components(nodes: list[str], following: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of `nodes` (edges between them alone), upstream
    first, each sorted (Tarjan's algorithm, iterative: a long chain below a loop would
    overflow the recursion limit)."""
    inside = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(following.get(root, ())))]
        while work:
            lot, successors = work[-1]
            for nxt in successors:
                if nxt not in inside:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(following.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[lot] = min(low[lot], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[lot])
                if low[lot] == index[lot]:
                    component: list[str] = []
                    while not component or component[-1] != lot:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    found.append(sorted(component))
    found.reverse()  # Tarjan finds a component after every component below it
    return found


# Up to how many lots a loop is weighed in dense arrays: a rework bin fed from every batch
# and fed into later ones makes all those batches one loop, and a dense matrix of n lots is
# n² floats (20,000 lots: 3.2 GB), so a larger loop is weighed in sparse ones.
DENSE_LOOP_LOTS = 300


def _loop_gain(
    loop: list[str],
    uses_of: dict[str, list[tuple[str, float]]],
    shares_of: dict[str, list[tuple[str, float]]],
) -> Any:
    """gain[i, k]: the fraction of loop lot k's content that reaches loop lot i in one step
    (the fraction k sends into a step times i's share of the step's output); a numpy array,
    or a scipy.sparse one for a loop of more than DENSE_LOOP_LOTS lots."""
    import numpy as np  # loaded with the trace anyway; only loops need it here

    at = {lot: i for i, lot in enumerate(loop)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for k, lot in enumerate(loop):
        for step, fraction in uses_of.get(lot, ()):
            for out, share in shares_of.get(step, ()):
                i = at.get(out)
                if i is not None:
                    rows.append(i)
                    cols.append(k)
                    values.append(fraction * share)
    size = len(loop)
    if size <= DENSE_LOOP_LOTS:
        gain = np.zeros((size, size))
        np.add.at(gain, (rows, cols), values)
        return gain
    from scipy import sparse

    return sparse.csr_array((values, (rows, cols)), shape=(size, size))  # duplicates summed


def _rows_kept(gain: Any, keep: Any) -> Any:
    """`gain` with the rows `keep` (a 0/1 vector) says to drop zeroed."""
    import numpy as np

    if isinstance(gain, np.ndarray):
        return keep[:, None] * gain
    from scipy import sparse

    return sparse.diags_array(keep) @ gain


def _fixed_point(gain: Any, given: Any) -> Any | None:
    """x = given + gain @ x: what each lot of a loop holds once what comes back around is
    counted (columns: one per source). None when the loop has no finite fixed point: it sends
    back all it receives or more (A makes B and B makes A, all of each; a lot used beyond its
    quantity), which is bad data that cannot be weighed. Found by the Collatz-Wielandt bound:
    the series given + gain·given + gain²·given ... converges if (I - |gain|) y = 1 has a
    solution y > 0 (then |gain| y < y), and for a gain of no negative entry only then; a y
    beyond 1e9 is a loop giving back all but a billionth, taken as all."""
    import numpy as np

    solve = _solver(gain)
    ones = np.ones(gain.shape[0])
    bound = solve(abs(gain), ones)
    if bound is None or not np.all(np.isfinite(bound)) or bound.min() <= 0 or bound.max() > 1e9:
        return None
    solved = solve(gain, given) if given.size else given
    return solved if solved is not None and np.all(np.isfinite(solved)) else None


def _solver(gain: Any) -> Callable[[Any, Any], Any]:
    """solve(matrix, rhs): x with (I - matrix) x = rhs, None when I - matrix is singular;
    dense or sparse as `gain` is."""
    import numpy as np

    size = gain.shape[0]
    if isinstance(gain, np.ndarray):

        def dense(matrix: Any, rhs: Any) -> Any:
            try:
                return np.linalg.solve(np.eye(size) - matrix, rhs)
            except np.linalg.LinAlgError:
                return None

        return dense
    import warnings

    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    def in_sparse(matrix: Any, rhs: Any) -> Any:
        with warnings.catch_warnings():  # singular: a warning and NaN, which the caller reads
            warnings.simplefilter("ignore")
            solved = spsolve(sparse.eye_array(size, format="csc") - matrix.tocsc(), rhs)
        return np.asarray(solved).reshape(np.shape(rhs))

    return in_sparse


def _weigh_loop(
    loop: list[str],
    sources: dict[str, Quantity],
    carried: dict[str, dict[str, float]],
    in_step: dict[str, dict[str, float]],
    uses_of: dict[str, list[tuple[str, float]]],
    shares_of: dict[str, list[tuple[str, float]]],
    takes_back: set[str],
    came_back: dict[str, float],
) -> dict[str, dict[str, float]] | None:
    """What each lot of a loop carries, at the fixed point of the flow (_fixed_point), before
    any of them is weighed: `carried` holds what steps fed from outside the loop gave them,
    `in_step` what the loop's steps hold from their inputs outside it. A source in the loop
    carries itself, and what of itself came back round when it `takes_back` (else that goes
    to `came_back`, which is nested in the source); what of other sources came into it is
    returned with it, for `nested`. None when the loop cannot be weighed."""
    import numpy as np

    given = [dict(carried.get(lot, {})) for lot in loop]
    at = {lot: i for i, lot in enumerate(loop)}
    for step in dict.fromkeys(step for lot in loop for step, _ in uses_of.get(lot, ())):
        pending = in_step.get(step)
        if not pending:
            continue
        for out, share in shares_of.get(step, ()):
            if out in at:
                into = given[at[out]]
                for source, amount in pending.items():
                    into[source] = into.get(source, 0.0) + amount * share
    names = list(dict.fromkeys(source for amounts in given for source in amounts))
    fed = np.array([[amounts.get(name, 0.0) for name in names] for amounts in given])
    fed = fed.reshape(len(loop), len(names))  # (a loop no source reached has no column)
    gain = _loop_gain(loop, uses_of, shares_of)
    start = fed.copy()
    own: dict[int, int] = {}  # a source of the loop's column -> its row
    for i, lot in enumerate(loop):
        if lot in sources:  # carries itself, and of the others nothing: they are nested
            start[i, :] = 0.0
            start[i, names.index(lot)] = carried[lot][lot]
            if lot in takes_back:
                own[names.index(lot)] = i
    keep = np.array([0.0 if lot in sources else 1.0 for lot in loop])
    solved = np.zeros_like(start)
    others = [j for j in range(len(names)) if j not in own]
    if others or not own:  # (no column at all: whether the loop can be weighed, all the same)
        found = _fixed_point(_rows_kept(gain, keep), start[:, others])
        if found is None:
            return None
        solved[:, others] = found
    for j, i in own.items():
        # what a source of the loop sends round comes back into it: LB made as 10 kg gave
        # 2 kg to LC, LC 1 kg back into LB, and LB held 11 kg of itself (the 1 kg was nowhere)
        mine = keep.copy()
        mine[i] = 1.0
        found = _fixed_point(_rows_kept(gain, mine), start[:, [j]])
        if found is None:
            return None
        solved[:, [j]] = found
    # a source's row: all that came into it (the walk keeps itself and nests the rest)
    rows = np.where([[lot in sources] for lot in loop], fed + gain @ solved, solved)
    weighed: dict[str, dict[str, float]] = {}
    for i, lot in enumerate(loop):
        weighed[lot] = {name: float(rows[i, j]) for j, name in enumerate(names)
                        if rows[i, j] != 0.0 or name in given[i]}  # fmt: skip
        if lot in takes_back:
            weighed[lot][lot] = float(solved[i, names.index(lot)])
        elif lot in sources:
            came_back[lot] = weighed[lot][lot] - carried[lot][lot]
            weighed[lot][lot] = carried[lot][lot]
    return weighed


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
    # a lot's use, or its return, may be booked in several lines (a hand-edited graph, two
    # imports under other line numbers): each was netted by one return alone (6 + 4 kg in,
    # 5 kg back gave M 1 kg, not 5), and of two returns the last alone counted
    back: dict[tuple[str, str], list[Edge]] = {}
    for edge in outputs:
        back.setdefault((edge.lot, edge.step), []).append(edge)
    if not any((edge.lot, edge.step) in back for edge in uses):
        return uses, outputs
    made: dict[str, set[str]] = defaultdict(set)
    for edge in outputs:
        made[edge.step].add(edge.lot)
    sorted_out: dict[tuple[str, str], list[Edge]] = {}  # a sort's uses of a lot it gives back
    for edge in uses:
        key = (edge.lot, edge.step)
        if key in back and made[edge.step] != {edge.lot}:
            sorted_out.setdefault(key, []).append(edge)
    kept_uses = []
    for edge in uses:
        key = (edge.lot, edge.step)
        if key not in back:
            kept_uses.append(edge)
        elif key in sorted_out and sorted_out[key][0] is edge:  # netted once, at its first use
            kept_uses += _netted(sorted_out[key], back[key])
    return kept_uses, [e for e in outputs if (e.lot, e.step) not in sorted_out]


def _netted(used: list[Edge], returned: list[Edge]) -> list[Edge]:
    """A sort's uses of a lot less what it gave back of it, all lines together: per dimension
    one use in the unit of its first line; none when nothing is left, or when nothing came back
    in that dimension (the two cannot be netted)."""
    first: dict[str, Edge] = {}
    for edge in used:
        first.setdefault(edge.dimension, edge)
    kept = []
    for dimension, edge in first.items():
        came_back = [e.base for e in returned if e.dimension == dimension]
        left = sum(e.base for e in used if e.dimension == dimension) - sum(came_back)
        if came_back and left > 1e-9:
            kept.append(Edge(edge.lot, edge.step, left / measure(edge.uom)[1], edge.uom))
    return kept


def given_unit(own: str | None, used: Iterable[str | None]) -> str | None:
    """The unit to count what a lot of unknown quantity gave in: its own unit (`own`) when
    some of the units it was used or shipped in (`used`) are of that dimension, else the first
    of them by name — not the first edge's, as the store's edge order changes between imports."""
    units: list[str | None] = [*sorted({uom for uom in used if uom is not None}), None]
    if own and any(measure(u)[0] == measure(own)[0] for u in units):
        return own
    return units[0]


def balance(
    quantity: float | None,
    uom: str | None,
    uses: list[Edge],
    outputs: list[Edge],
    shipped: Iterable[tuple[float | None, str | None]],
    made: Iterable[tuple[str, float | None, str | None]] = (),
) -> dict[str, Any] | None:
    """What is left of a lot by its records, in its own unit: its quantity, less what went
    into steps (a rework in place that gave it back does not count) and what was shipped, plus
    what came back. `uses` are the lot's lot→step edges, `outputs` every output of those steps
    (a sort that gives the lot back beside another lot used part of it), `shipped` its shipment
    lines' (quantity, uom), negative for a return. Records in a unit of another dimension (3 pcs
    of a kg lot) or without a quantity cannot be counted: `uncounted` says how many. None for a
    lot of no quantity: what is left of it is not known. `lot show` and the forward trace's
    stock both count with this, so the two never disagree.

    A rework in place that gives back less than it took used the rest (rework_losses: RB2,
    20 kg in and 18 kg back, then 18 kg shipped, is empty, not 2 kg). `made`: (step, quantity,
    uom) of what the steps that made the lot (not a rework in place) booked into it; a lot
    booked into by two steps or more that made more than its quantity holds the rest too
    (`booked_back`: a rework loop's return, LB made as 10 kg, 1 kg of its rework LC booked
    back into it by LS3, had 10 - 2 - 4 = 4 kg left, the 1 kg nowhere). One step's making is
    the lot's quantity as recorded (`check` lists the lots whose records disagree)."""
    if quantity is None:
        return None
    if outputs:  # without them there is no rework in place to leave out (a wide trace's lots)
        lost = rework_losses(uses, outputs)
        uses, _ = without_rework_in_place(uses, outputs)
        uses = [*uses, *lost] if lost else uses
    # plain loops and locals: a wide forward trace counts this for each of thousands of lots
    used = out = back = booked = 0.0
    uncounted = 0
    if made:
        booked = _booked_back(quantity, uom, made)
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
            "returned": _round(back), "booked_back": _round(booked),
            "remaining": _round(quantity + booked - used - out + back),
            "uncounted": uncounted}  # fmt: skip


def _booked_back(
    quantity: float, uom: str | None, made: Iterable[tuple[str, float | None, str | None]]
) -> float:
    """What steps booked into a lot beyond its quantity, in its unit, when two steps or more
    did (see balance); 0 otherwise."""
    steps = set()
    total = 0.0
    for step, amount, unit in made:
        converted = None if amount is None else convert(amount, unit, uom)
        if converted is not None and converted > 0:
            steps.add(step)
            total += converted
    return total - quantity if len(steps) > 1 and total > quantity else 0.0


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
    # loops of lots (made from each other through other lots) that cannot be weighed: they
    # send back all they receive or more; weighed once around, in the order of their lots
    loops: list[list[str]] = field(default_factory=list)
    # lots whose own quantity is not what their reached steps made of them, or less than what
    # they gave (see LotBasis: weighed as the largest)
    recorded: list[Recorded] = field(default_factory=list)
    # loops weighed to their fixed point whose lots carried more of a source than there was
    # (what went round counted each time it passed: _held_more)
    round_loops: list[list[str]] = field(default_factory=list)
    # source -> how much of it came back into it round a loop (counted in `nested`): a source
    # weighed as its own quantity that is made from lots made from it (X1 -> X2 -> X3 -> X1)
    came_back: dict[str, float] = field(default_factory=dict)


# From how many lots (sources included) forward() weighs in arrays rather than lot by lot:
# below a few thousand lots the walk is quicker, as the arrays and a few dozen sparse
# operations cost ~3-5 ms whatever the size (211 lots: 0.9 ms walked, 5.3 ms in arrays; 1,654
# lots 6.5 vs 10.7 ms; 4,871 lots 27 vs 25 ms; 16,125 lots 127 -> 78 ms; 84,084 lots 1,059 ->
# 530 ms).
ARRAYS_FROM_LOTS = 8_000


def forward(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    uses: list[Edge],
    outputs: list[Edge],
    shipped: list[Edge],
    made_elsewhere: Callable[[], Iterable[Edge]] | None = None,
) -> ForwardFlow:
    """Weigh the sources through the reached subgraph. Amounts are in each source's unit.

    `uses` are lot→step edges of reached lots, `outputs` step→lot edges of reached steps,
    `shipped` lot→shipment edges (step = shipment id; a negative quantity is a return),
    `made_elsewhere` gives the step→lot edges into reached lots of steps the trace did not
    reach (for the basis of a lot in a loop, asked for only when there is one: _forward_walk).

    A trace of ARRAYS_FROM_LOTS lots or more is weighed in sparse arrays, a level of the DAG
    at a time (tracegraph.flow_arrays); a narrower one, and what the arrays cannot weigh (a
    loop of lots), lot by lot (_forward_walk). Both give the same answer (tested on
    random subgraphs, tests/test_flow_arrays.py).
    """
    kept_uses, kept_outputs, made = _without_rework(uses, outputs)
    # only where a lot came out of a step it went into (a pass over 100k edges spared)
    lost = rework_losses(uses, outputs) if kept_uses is not uses else []
    uses, outputs = kept_uses, kept_outputs
    if len(lots.keys() | sources.keys()) >= ARRAYS_FROM_LOTS:
        # Imported here: numpy is loaded anyway, but scipy.sparse would cost every command
        # ~80 ms at start, and only wide traces use it.
        from tracegraph import flow_arrays

        weighed = flow_arrays.forward(sources, lots, uses, outputs, shipped, made, lost)
        if weighed is not None:
            return weighed
    return _forward_walk(sources, lots, uses, outputs, shipped, made, lost, made_elsewhere)


def rework_losses(uses: list[Edge], outputs: list[Edge]) -> list[Edge]:
    """What a rework in place that makes its lot alone did not give back of it, as a use of
    that much (per dimension, in the unit of its first use): 20 kg of RB2 in, 18 kg of RB2
    back is 2 kg of RB2 gone (lost water, scrap), which without_rework_in_place drops with the
    use — RB2 was said to have 2 kg left, 20 - 18 shipped, when it was empty. None when what
    came back is as much or more (salt added), or not said (a line without a quantity)."""
    back: dict[tuple[str, str], list[Edge]] = {}
    made: dict[str, set[str]] = {}
    for edge in outputs:
        back.setdefault((edge.lot, edge.step), []).append(edge)
        made.setdefault(edge.step, set()).add(edge.lot)
    used: dict[tuple[str, str], list[Edge]] = {}
    for edge in uses:
        if (edge.lot, edge.step) in back and made[edge.step] == {edge.lot}:
            used.setdefault((edge.lot, edge.step), []).append(edge)
    lost = []
    for key, lines in used.items():
        if any(edge.quantity is None for edge in back[key]):
            continue  # booked back without a quantity: how much came back is unknown
        for dimension, first in {e.dimension: e for e in reversed(lines)}.items():
            if not any(e.dimension == dimension for e in back[key]):
                continue  # booked back in another dimension (800 pcs of a 20 kg lot): unknown
            gone = sum(e.base for e in lines if e.dimension == dimension and e.quantity)
            gone -= sum(e.base for e in back[key] if e.dimension == dimension and e.quantity)
            if gone > 1e-9 * max(first.base, 1.0):
                lost.append(Edge(first.lot, first.step, gone / measure(first.uom)[1], first.uom))
    return lost


def _without_rework(
    uses: list[Edge], outputs: list[Edge]
) -> tuple[list[Edge], list[Edge], list[Edge]]:
    """without_rework_in_place's uses and outputs, and the outputs that made their lot (for
    LotBasis): not what a rework in place gave back, which the lot held before (dough made as
    40.5 kg, 5 kg of it reworked and booked back, is 40.5 kg, not 45.5)."""
    kept_uses, kept_outputs = without_rework_in_place(uses, outputs)
    if kept_uses is uses:  # no lot came out of a step it went into (a set of 100k edges spared)
        return kept_uses, kept_outputs, kept_outputs
    taken = {(edge.lot, edge.step) for edge in uses}
    made = [edge for edge in kept_outputs if (edge.lot, edge.step) not in taken]
    return kept_uses, kept_outputs, made


def _forward_walk(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    uses: list[Edge],
    outputs: list[Edge],
    shipped: list[Edge],
    made: list[Edge],
    lost: Sequence[Edge] = (),
    made_elsewhere: Callable[[], Iterable[Edge]] | None = None,
) -> ForwardFlow:
    """forward() a lot at a time, in topological order, over per-lot dicts of per-source
    amounts: for what the levels cannot weigh (a loop of lots, weighed to its fixed point by
    _weigh_loop; edges of lots not given). `uses` and `outputs` are without rework in place,
    `made` the outputs that made their lot (_without_rework), `lost` what reworks in place did
    not give back (rework_losses). A lot of a loop is weighed as all its steps made, those the
    trace did not reach (`made_elsewhere`) too: a source LB made as 10 kg, of which 1 kg came
    back round through LC, is 11 kg going through it, as it is traced from its flour; and a
    lot made by a step outside the loop and one inside it (Q1) was the loop's alone."""
    following = lot_graph(uses, outputs)
    order, loops = _ordered([*lots, *sources], following)
    in_loops = {lot for loop in loops.values() for lot in loop}
    made_also = ([edge for edge in made_elsewhere() if edge.lot in in_loops]
                 if loops and made_elsewhere else [])  # fmt: skip
    basis = LotBasis(lots, [*uses, *lost, *shipped], [*made, *made_also])
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
            if sealed and lot in sealed:  # a weighed loop's lot has what comes back around
                continue
            into = carried.get(lot)
            if into is None:
                into = carried[lot] = {}
            for source, amount in content.items():
                into[source] = into.get(source, 0.0) + amount * share

    sealed: set[str] = set()
    came_back: dict[str, float] = {}

    # The sources of a loop booked into beyond what they are weighed as (LB, 10 kg, made as 10
    # kg and 1 kg booked back by its loop) take back what they send round; the others (VB1
    # recorded as the 11 kg it was made as, the 1 kg back included) carry themselves, and what
    # came back is nested in them (it was nowhere: LB located 90 %, WB 0 %).
    takes_back = set()
    for lot in in_loops.intersection(sources):
        own = sources[lot]
        dim, factor = measure(own.uom)
        if own.amount is not None and basis.of(lot, dim) > own.amount * factor * (1 + 1e-9):
            takes_back.add(lot)

    def weigh(loop: list[str]) -> bool:
        weighed = _weigh_loop(loop, sources, carried, in_step, uses_of, shares_of, takes_back,
                              came_back)  # fmt: skip
        if weighed is not None:
            carried.update(weighed)
            sealed.update(weighed)
        return weighed is not None

    nested: dict[str, float] = defaultdict(float)
    unweighed: list[list[str]] = []
    walked = _weighing(order, loops, weigh, unweighed) if loops else order
    for lot in walked:
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
    for step in list(in_step):  # steps whose inputs sit in a loop not weighed, or were not given
        release(step)
    for lot, amount in came_back.items():  # (filled as the loops were weighed, in the walk)
        nested[lot] += amount

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
    for edge in lost:  # gone from the lot, into no lot: as a step without outputs
        fraction = basis.share(edge.lot, edge.dimension, edge.base)
        gone[edge.lot] = gone.get(edge.lot, 0.0) + fraction
        for source, amount in carried.get(edge.lot, {}).items():
            unplaced[source] += amount * fraction
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
        loops=unweighed,
        recorded=recorded_against(basis, carried),
        round_loops=_held_more(loops, unweighed, carried, sources),
        came_back={lot: amount for lot, amount in came_back.items() if amount > 1e-9},
    )


def _held_more(
    loops: Loops,
    unweighed: list[list[str]],
    carried: dict[str, dict[str, float]],
    sources: dict[str, Quantity],
) -> list[list[str]]:
    """The loops weighed to their fixed point of which a lot carried more of a source than
    the source: material that went round is counted each time it passed the lot (WB, made of
    10 kg of WA, all of it into WC and all of WC back: 20 kg of WA went through WB). What is
    left of them is right; the figures of what went through must not read as a lot."""
    found = []
    for loop in loops.values():
        if loop in unweighed:
            continue
        for lot in loop:
            if any(amount > (sources[source].amount or 0.0) * (1 + 1e-6) + 1e-9
                   for source, amount in carried.get(lot, {}).items()):  # fmt: skip
                found.append(loop)
                break
    return found


@dataclass
class BackwardFlow:
    """Per upstream lot: how much of it (in its own unit, or the edge's) went into the sources."""

    needed: dict[str, Quantity]
    depth: dict[str, int]
    loops: list[list[str]] = field(default_factory=list)  # not weighed: see ForwardFlow.loops
    recorded: list[Recorded] = field(default_factory=list)  # see ForwardFlow.recorded
    closed: list[list[str]] = field(default_factory=list)  # loops fed from no other lot


def backward(
    sources: dict[str, Quantity],
    lots: dict[str, Quantity],
    inputs: list[Edge],
    outputs: list[Edge],
) -> BackwardFlow:
    """`inputs`: lot→step edges of every reached step; `outputs`: all step→lot edges of them."""
    inputs, outputs, made = _without_rework(inputs, outputs)
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
    basis = LotBasis(lots, inputs, made)
    preceding: dict[str, list[str]] = defaultdict(list)  # lot -> lots it was made from
    for edge in outputs:
        preceding[edge.lot].extend(e.lot for e in inputs_of.get(edge.step, ()))

    # Lots come after every reached lot made from them, so when a lot is weighed, each step it
    # went into has already received its full share from the step's outputs.
    fraction: dict[str, float] = {}
    step_fraction: dict[str, float] = defaultdict(float)

    def weigh(loop: list[str]) -> bool:
        needs = _needs_of_loop(loop, sources, step_fraction, uses_of, outputs_of, basis)
        fraction.update(needs or {})
        return needs is not None

    unweighed: list[list[str]] = []
    order, loops = _ordered([*sources, *lots], preceding)
    for lot in _weighing(order, loops, weigh, unweighed) if loops else order:
        if lot in sources:
            fraction[lot] = 1.0
        elif lot not in fraction:  # a weighed loop's lots have theirs, with what came round
            fraction[lot] = sum(
                step_fraction[use.step] * basis.fraction(lot, use) for use in uses_of[lot]
            )
        # per step once: a lot given in two lines has its share of the step in _shares
        for step in dict.fromkeys(made.step for made in made_by.get(lot, ())):
            step_fraction[step] += fraction[lot] * _shares(outputs_of[step])[lot]

    needed: dict[str, Quantity] = {}
    for lot, share in fraction.items():
        own = lots.get(lot) or sources.get(lot)
        if own and own.amount is not None and own.uom is not None:
            # of the lot's basis (LotBasis: no less than what its steps made of it or what it
            # gave), in its own unit: of its own amount, a lot recorded as 0 kg was 0 kg in the
            # sources whatever went into them
            dim, factor = measure(own.uom)
            whole = basis.of(lot, dim) / factor if factor else own.amount
            needed[lot] = Quantity(share * max(whole, own.amount), own.uom)
        elif uses_of[lot]:  # no quantity of its own: in a unit it was consumed in, chosen as
            # the forward trace chooses (which also counts the lot's shipments, not reached
            # here), every use of that dimension converted to it (2 kg and 500 g were 2 kg, or
            # 500 g, by the store's order: the other unit left out)
            unit = given_unit(own.uom if own else None, [u.uom for u in uses_of[lot]])
            dim, factor = measure(unit)
            base = sum(step_fraction[u.step] * u.base for u in uses_of[lot] if u.dimension == dim)
            needed[lot] = Quantity(base / factor, unit)
        else:
            needed[lot] = Quantity(None, None)
    making = {(edge.lot, edge.step) for edge in made}
    return BackwardFlow(needed=needed, depth=depths(sources, preceding), loops=unweighed,
                        recorded=recorded_against(basis, fraction),
                        closed=_closed(loops, made_by, inputs_of, making))  # fmt: skip


def _closed(
    loops: Loops,
    made_by: dict[str, list[Edge]],
    inputs_of: dict[str, list[Edge]],
    made: set[tuple[str, str]],
) -> list[list[str]]:
    """The loops of lots made from each other alone: every step that made one of them took
    lots of the loop in and nothing else (X1 into X2, X2 into X3, X3 into X1). Nothing came
    into them from outside: where they came from is not known, unless one was received
    (cypher/check/unknown_origin.cypher's rule). A rework in place (its output not in `made`,
    the (lot, step) pairs that made a lot) brings in only what else it took (salt added): one
    that took the lot alone left the loop "fed from outside" (its use dropped, no inputs)."""
    found = []
    for loop in loops.values():
        inside = set(loop)
        if all((inputs_of.get(edge.step) or (lot, edge.step) not in made)
               and all(e.lot in inside for e in inputs_of.get(edge.step, ()))
               for lot in loop for edge in made_by.get(lot, ())):  # fmt: skip
            found.append(loop)
    return found


def _needs_of_loop(
    loop: list[str],
    sources: dict[str, Quantity],
    step_fraction: dict[str, float],
    uses_of: dict[str, list[Edge]],
    outputs_of: dict[str, list[Edge]],
    basis: LotBasis,
) -> dict[str, float] | None:
    """The fraction of each lot of a loop that the sources needed, at the fixed point (see
    _fixed_point): `step_fraction` holds what the steps below the loop need of their makers;
    a lot of the loop needs its fraction of each step it went into, and the loop's steps need
    their share of what the loop's lots made by them need. A source needs itself whole."""
    import numpy as np

    uses = {lot: [(u.step, basis.fraction(lot, u)) for u in uses_of.get(lot, ())] for lot in loop}
    steps = dict.fromkeys(step for used in uses.values() for step, _ in used)
    shares = {step: list(_shares(outputs_of.get(step, [])).items()) for step in steps}
    # backward, a lot's need flows up to the lots its steps were made from: the transpose
    gain = _loop_gain(loop, uses, shares).T
    given = np.zeros((len(loop), 1))
    for i, lot in enumerate(loop):
        if lot in sources:
            given[i, 0] = 1.0
        else:
            given[i, 0] = sum(step_fraction.get(step, 0.0) * part for step, part in uses[lot])
    keep = np.array([0.0 if lot in sources else 1.0 for lot in loop])
    solved = _fixed_point(_rows_kept(gain, keep), given)
    return None if solved is None else {lot: float(solved[i, 0]) for i, lot in enumerate(loop)}
