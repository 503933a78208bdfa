"""Common-cause ranking: what do the complaint lots share that comparable good lots don't?

Each lot's upstream factors (received lots, other input lots, suppliers, devices, operators,
operations and the production shift of every step) come from one query; every factor found
upstream of at least one complaint lot gets a 2×2 table — complaint lots with/without it,
control lots with/without it — and Fisher's exact test (one-sided: more common among
complaints), computed once per distinct table (tracegraph.hypergeometric). p-values are
also given adjusted for the number of factors tested (Bonferroni, counting only the factors
that could be significant at all: Tarone's refinement), so a long list of candidates does not
make chance look like a cause. The count is over the factors of every lot ranked, complaints
and controls alike: which factors the complaints carry is known only after labelling them,
and a count chosen from those no longer bounds the chance of a false finding.

Two kinds of factor come from what happened during a step rather than who or what ran it: an
alarm of the step's device during the step (per device and alarm kind: "over_temperature on
OVEN-5"), and a process parameter outside its usual range (per operation and parameter: below
the 5th or above the 95th percentile of the control lots' steps, "oven_temp_c high at bake").
They are tested and counted in the adjustment like every other factor.

Inspections of the lots reached (each lot's own and every upstream lot's; a check recorded
against the step that made a lot, and no lot, is that lot's) give four kinds more,
per test: a numeric value outside the controls' usual range of the same test and unit (as a
process parameter: "core_temp low (below 92.6 degC, the controls' 5th percentile)"); a failed
inspection of an upstream lot that was used all the same (rework: "failed inspection
core_temp" — a lot's own failure is left out, it is the defect rather than a cause of it, and
a complaint set of rejected lots had it "in common" by construction); the inspector and the
inspection device ("inspector OP07 (core_temp)"). Those two add to the steps' operators and
devices: a received lot has no step, so its incoming inspector is the only person recorded to
have handled it, and whoever checked a bake need not be who ran it. A test passed, or merely
done, is no factor: every lot of a material has the same tests.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from itertools import chain
from typing import Any, TypeVar

import numpy as np

from tracegraph.config import resolve_timezone
from tracegraph.errors import TracegraphError
from tracegraph.gcpause import without_collector
from tracegraph.graph import TraceGraph
from tracegraph.hypergeometric import at_least
from tracegraph.idtext import normal_id
from tracegraph.lots import AskedLots, id_list
from tracegraph.trace import SECOND_NS, epoch_ns, events_during, pair_ns
from tracegraph.values import STEP_FIELDS, counted, first_ids, zone_name

DEFAULT_PERIOD_DAYS = 3
DEFAULT_MAX_CONTROLS = 1000
SHIFT_HOURS = 8
# A parameter's usual range: the controls' steps of the same operation between these
# percentiles; from fewer values than USUAL_RANGE_FROM no range is drawn (the 5th percentile of
# a handful of values is one of them).
USUAL_RANGE = (5.0, 95.0)
USUAL_RANGE_FROM = 20
# p-values equal to this relative difference are one value: two tables of equal evidence are
# summed along different terms, which may differ in the last digits
TIE_TOLERANCE = 1e-9
TIES_NAMED = 5  # the tied factors a summary names before "and N more"
SHIFT_OF_DAY = "shift of day"  # an operation's shift on any day (a shift is of one date)
SHIFT_KINDS = frozenset({"shift", SHIFT_OF_DAY})
ALARM = "alarm during step"
OUT_OF_RANGE = "parameter out of range"
CONDITION_KINDS = frozenset({ALARM, OUT_OF_RANGE})  # what happened during a step
INSPECTION_OUT_OF_RANGE = "inspection out of range"
FAILED_INSPECTION = "failed inspection"
INSPECTOR = "inspector"
INSPECTION_DEVICE = "inspection device"
INSPECTION_KINDS = frozenset({INSPECTION_OUT_OF_RANGE, FAILED_INSPECTION, INSPECTOR,
                              INSPECTION_DEVICE})  # fmt: skip
# The factors query is one breadth-first search per lot, which the server runs on one core: the
# lots of a ranking are read by two concurrent queries, one per half (1M-lot plant, 1,050 lots,
# 2 cores: 66 -> 45 ms; three or four queries were no faster). Below SPLIT_FROM lots a second
# query costs more than it saves.
FACTOR_QUERIES = 2
SPLIT_FROM = 200

_T = TypeVar("_T")
# step properties that are no process parameter (the rest are the steps table's extra columns)
FIXED_STEP_PROPERTIES = sorted(STEP_FIELDS | {"work_order_id", "location_id"})


@dataclass
class Ranking:
    complaints: list[str]
    controls: list[str]
    comparable: int  # comparable lots found before any thinning
    controls_given: bool
    factors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the ranking left out, and why
    # why the verdicts are not to be read as they stand (one complaint lot)
    warnings: list[str] = field(default_factory=list)
    # comparable lots passed over as of the complaints' genealogy, others of the period taken
    # in their place while there are any (the notes name the first few, this all of them;
    # given controls are never left out but for complaint lots)
    left_out: list[str] = field(default_factory=list)
    # the zone the shifts' hours are in: --shift-timezone's name (or TRACEGRAPH_TIMEZONE's),
    # else the offsets the steps were imported with ("UTC", "+01:00, +02:00"); None when no
    # step has a start time
    shift_timezone: str | None = None
    shift_timezone_given: bool = False
    # how many factors the p-values are adjusted for: of every lot ranked, complaints and
    # controls, those that could be significant at all (testable_count)
    factors_tested: int = 0
    # how many periods the comparable lots were made in: the windows of --period-days around
    # the complaint lots, merged where they overlap (0 with given controls)
    periods: int = 0
    # where a named shift zone came from: --shift-timezone, or TRACEGRAPH_TIMEZONE (the
    # plant's zone: its shifts are the plant's)
    shift_timezone_source: str = "--shift-timezone"
    # complaint lots left out of the tests as another complaint lot is made from them (see
    # upstream_complaints): lot -> the complaint lots made from it
    left_out_upstream: dict[str, list[str]] = field(default_factory=dict)

    def counted(self) -> list[str]:
        """The complaint lots the tests count: all but those left out upstream."""
        return [lot for lot in self.complaints if lot not in self.left_out_upstream]

    def as_dict(self) -> dict[str, Any]:
        return {
            "complaints": self.complaints,
            # complaint lots another complaint lot is made from: their factors are all in the
            # lots made from them, so the tests leave them out
            "left_out_upstream": [
                {"lot": lot, "made_into": into} for lot, into in self.left_out_upstream.items()
            ],
            "controls": self.controls,
            "controls_left_out": self.left_out,
            "controls_chosen": "given" if self.controls_given else "comparable lots",
            "comparable_lots": self.comparable,
            "comparable_periods": self.periods,
            "shift_timezone": self.shift_timezone,
            "shift_timezone_given": self.shift_timezone_given,
            "factors": self.factors,
            "factors_tested": self.factors_tested,
            "summary": self.summary(),
            # the factors after the first with its p-value: the first is first by its kind's
            # name alone, and "strongest: alarm … on OVEN-5" hid four factors as strong
            "tied_with_strongest": [
                {"kind": f["kind"], "value": f["value"]} for f in self.strongest()[1:]
            ],
            "notes": self.notes,
            "warnings": self.warnings,
            "truncated": False,
            "seconds": round(self.seconds, 4),
        }

    def strongest(self) -> list[dict[str, Any]]:
        """The factors with the smallest p-value (several when tied), in the ranking's order."""
        if not self.factors:
            return []
        best = self.factors[0]["p_value"]
        return [f for f in self.factors if f["p_value"] <= best * (1 + TIE_TOLERANCE)]

    def summary(self) -> str:
        text = counted(len(self.complaints), "complaint lot")
        if self.left_out_upstream:
            text += (
                f" ({len(self.counted()):,} counted, {len(self.left_out_upstream):,} left "
                "out: made into other complaint lots, see the notes)"
            )
        text += f" against {counted(len(self.controls), 'control')}"
        picked = len(self.controls) + len(self.left_out)
        if not self.controls_given and self.comparable > picked:
            text += f" (evenly spaced from {self.comparable:,} comparable lots)"
        if self.left_out:
            text += f" ({counted(len(self.left_out), 'comparable lot')} left out: see the notes)"
        strongest = self.strongest()
        if len(strongest) == 1:
            top = strongest[0]
            text += f" · strongest: {top['kind']} {top['value']} ({top['verdict']})"
        elif strongest:
            named = _named(strongest)
            text += (f" · {len(strongest):,} factors share the strongest evidence "
                     f"(p {p_is(strongest[0]['p_value'])}, {strongest[0]['verdict']}): "
                     f"{named}")  # fmt: skip
        if any(f["kind"] in SHIFT_KINDS for f in strongest):
            text += f" · {self.shifts_in()}"
        return text

    def shifts_in(self) -> str:
        """Which clock a shift's hours are read on: a shift 22:00–06:00 in UTC is another
        night than in the plant's zone."""
        if self.shift_timezone_given:
            return f"shift hours in {self.shift_timezone} ({self.shift_timezone_source})"
        several = self.shift_timezone is not None and "," in self.shift_timezone
        return (f"shift hours in {self.shift_timezone}, the "
                f"{'offsets' if several else 'offset'} the steps were imported with "
                "(--shift-timezone reads them in the plant's zone)")  # fmt: skip

    def explanation(self) -> str:
        """The first factor explained, and the factors tied with it named."""
        strongest = self.strongest()
        if not strongest:
            return ""
        text = str(strongest[0]["explanation"])
        if len(strongest) > 1:
            others = _named(strongest[1:])
            text += (f" {counted(len(strongest) - 1, 'other factor')} "
                     f"{'has' if len(strongest) == 2 else 'have'} the same p-value, so the "
                     f"evidence does not tell {'it' if len(strongest) == 2 else 'them'} apart "
                     f"from this one: {others}.")  # fmt: skip
        return text


# A factor is (kind, key). The key of a received lot, supplier, device or operator is its id; of
# an operation on a device (operation, device id), of a shift (operation, day, first hour) and of
# a shift of day (operation, first hour):
# tuples, spelled out as text only for the factors that reach the ranking (_spelled): building
# the ~22k factors of 1,050 lots took 9.4 ms with every key formatted, 6.5 ms with tuples.
Factor = tuple[str, Any]


# (operation, parameter) of a step's parameter, (INSPECTED, test, unit) of an inspection's value
# -> (lowest, highest) usual value: one map, so that both kinds share the percentile code; the
# keys' lengths (2 and 3) keep a test apart from a parameter of the same name (_unranged_note
# tells them apart so too).
Ranges = dict[tuple[Any, ...], tuple[float, float]]
INSPECTED = "inspection"


def lot_factors(
    row: dict[str, Any], shift_start: int = 0, shift_zone: tzinfo | None = None,
    ranges: Ranges | None = None, memo: dict[int, frozenset[Factor]] | None = None,
) -> set[Factor]:  # fmt: skip
    """The factors of one lot from its factors row; shifts begin at `shift_start` o'clock, in
    `shift_zone` (default: the offset each step's start was stored with). A step's `alarms`
    (alarm kinds of its device during it) and `parameters` (outside `ranges`) are factors when
    the row has them, and so are the results, values, inspectors and devices of its
    `own_inspections` and of its upstream lots' `inspections` (a list per lot; rows from the
    benchmark's other engines have none of these). `memo` keeps each lot's inspection
    factors for the next row that reaches the lot (a ranking's rows share the lists)."""
    found: set[Factor] = {("raw lot", lot) for lot in row["raw_lots"]}
    found.update(("input lot", lot) for lot in row["input_lots"])
    found.update(("supplier", s) for s in row["suppliers"])
    for step in row["steps"]:
        device, operator = step["device_id"], step["operator_id"]
        if device:
            found.add(("device", device))
            found.add(("operation on device", (step["operation"], device)))
        if operator:
            found.add(("operator", operator))
        if step["started_at"] is not None:
            shift = _shift(step["operation"], step["started_at"], shift_start, shift_zone)
            found.add(("shift", shift))
            # the same hours on any day: a cause that recurs every night (a cleaning crew, the
            # night's oven setting) is in nine dated shifts of nine days, none of them strong
            found.add((SHIFT_OF_DAY, (shift[0], shift[2])))
        if alarms := step.get("alarms"):  # most steps have none: no generator made for them
            found.update((ALARM, (device, kind)) for kind in alarms)
        for name, value in step.get("parameters", {}).items():
            if outside := _outside(ranges, (step["operation"], name), value):
                found.add((OUT_OF_RANGE, (step["operation"], name, *outside)))
    # Rankings reach the same lots many times (one day's 1,048 lots on the 1M-lot plant reach
    # 8,432 lots, 3,929 distinct): each upstream lot's inspection factors are found once
    # (`memo`, by the identity of the list the rows share)
    memo = {} if memo is None else memo
    for inspections in row.get("inspections", ()):
        if (shared := memo.get(id(inspections))) is None:
            shared = memo[id(inspections)] = _inspection_factors(inspections, True, ranges)
        found |= shared
    own = row.get("own_inspections")
    return found | _inspection_factors(own, False, ranges) if own else found


def _inspection_factors(
    inspections: list[dict[str, Any]], upstream: bool, ranges: Ranges | None
) -> frozenset[Factor]:
    """The factors of one lot's inspections, as a lot `upstream` or as the lot itself (whose
    failure is its defect, not a cause of it)."""
    found: set[Factor] = set()
    for inspection in inspections:
        test = inspection["test"]
        if upstream and inspection["result"] == "fail":
            found.add((FAILED_INSPECTION, test))
        if inspection["operator_id"]:
            found.add((INSPECTOR, (inspection["operator_id"], test)))
        if inspection["device_id"]:
            found.add((INSPECTION_DEVICE, (inspection["device_id"], test)))
        value, unit = inspection["value"], inspection["unit"]
        if value is not None and (outside := _outside(ranges, (INSPECTED, test, unit), value)):
            found.add((INSPECTION_OUT_OF_RANGE, (test, unit, *outside)))
    return frozenset(found)


def _outside(ranges: Ranges | None, key: tuple[Any, ...], value: float) -> tuple[str, float] | None:
    """("low", bound) or ("high", bound) for a value outside its usual range; None inside it,
    or with no range for it."""
    usual = ranges.get(key) if ranges else None
    if usual is None or usual[0] <= value <= usual[1]:
        return None
    return ("low", usual[0]) if value < usual[0] else ("high", usual[1])


def usual_ranges(rows: list[dict[str, Any]]) -> Ranges:
    """Each (operation, parameter)'s and (INSPECTED, test, unit)'s usual range over the steps
    and inspections of `rows` (the controls'): from the 5th to the 95th percentile of its
    values (see USUAL_RANGE)."""
    return ranges_of(parameter_values(rows))


def parameter_values(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[float]]:
    """Each (operation, parameter)'s values over the steps of `rows`, each step once, and each
    (INSPECTED, test, unit)'s numeric values over their inspections, each inspection once."""
    values: dict[tuple[Any, ...], list[float]] = {}
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        for step in row["steps"]:
            # each step once: a batch upstream of 25 control lots gave 25 equal values, a
            # range of one value, and a complaint baked a degree off it an "out of range"
            once = (step["operation"], step["started_at"], step["device_id"],
                    step["operator_id"], step.get("ended_at"))  # fmt: skip
            if once in seen:
                continue
            seen.add(once)
            for name, value in step.get("parameters", {}).items():
                values.setdefault((step["operation"], name), []).append(value)
    # a baked lot's inspection is upstream of every finished lot packed from it: once
    for inspection in _each_inspection(rows):
        if inspection["value"] is not None:
            key = (INSPECTED, inspection["test"], inspection["unit"])
            values.setdefault(key, []).append(inspection["value"])
    return values


def _each_inspection(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The inspections of the rows' lots and of the lots upstream, each once: the concurrent
    queries of a ranking send a lot's inspections once each, and an inspection during a step
    that made two lots comes with both."""
    every = {inspection["id"]: inspection for row in rows
             for inspections in (row.get("own_inspections"), *row.get("inspections", ()))
             if inspections for inspection in inspections}  # fmt: skip
    yield from every.values()


def ranges_of(values: dict[tuple[Any, ...], list[float]]) -> Ranges:
    """The usual range of each parameter with USUAL_RANGE_FROM values or more."""
    ranges: Ranges = {}
    for key, found in values.items():
        if len(found) >= USUAL_RANGE_FROM:
            low, high = np.percentile(np.array(found, dtype=float), USUAL_RANGE)
            ranges[key] = (float(low), float(high))
    return ranges


def _shift(
    operation: str | None, started_at: str, shift_start: int = 0, zone: tzinfo | None = None
) -> tuple[str | None, str, int]:
    """The production shift a step started in, local time: (operation, day, first hour). With
    shifts from 06:00, a step at 02:00 is in the night shift that began at 22:00 the day
    before."""
    if zone is None and started_at[10:11] == "T" and started_at[13:14] == ":":
        day, hour = started_at[:10], int(started_at[11:13])  # ISO text: read it, don't parse
    else:
        start = datetime.fromisoformat(started_at)
        start = start.astimezone(zone) if zone is not None else start
        day, hour = f"{start:%Y-%m-%d}", start.hour
    first = ((hour - shift_start) % 24 // SHIFT_HOURS * SHIFT_HOURS + shift_start) % 24
    if first > hour:  # a night shift that began the day before
        day = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    return operation, day, first


def _spelled(kind: str, key: Any) -> str:
    """A factor's value as the ranking shows it: `bake on OVEN-2`, `bake 2026-11-03 08:00–16:00`."""
    if kind == "operation on device":
        return f"{key[0]} on {key[1]}"
    if kind == "shift":
        operation, day, hour = key
        return f"{operation} {day} {hour:02d}:00–{(hour + SHIFT_HOURS) % 24:02d}:00"
    if kind == SHIFT_OF_DAY:
        operation, hour = key
        return f"{operation} {hour:02d}:00–{(hour + SHIFT_HOURS) % 24:02d}:00, any day"
    if kind == ALARM:
        return f"{key[1] or 'alarm'} on {key[0]}"
    if kind == OUT_OF_RANGE:
        operation, name, side, bound = key
        return f"{name} {side} at {operation} ({_beyond(side, bound)})"
    if kind == INSPECTION_OUT_OF_RANGE:
        test, unit, side, bound = key
        return f"{test} {side} ({_beyond(side, bound, unit)})"
    if kind in (INSPECTOR, INSPECTION_DEVICE):
        return f"{key[0]} ({key[1]})"  # who or what, and the test
    return str(key)


def _beyond(side: str, bound: float, unit: str | None = None) -> str:
    """`above 237.05, the controls' 95th percentile`."""
    percentile = USUAL_RANGE[0] if side == "low" else USUAL_RANGE[1]
    return (f"{'below' if side == 'low' else 'above'} {bound:g}{f' {unit}' if unit else ''}, "
            f"the controls' {percentile:g}th percentile")  # fmt: skip


@without_collector
def rank_common_causes(
    graph: TraceGraph,
    complaint_ids: list[str],
    control_ids: list[str] | None = None,
    period_days: int = DEFAULT_PERIOD_DAYS,
    max_controls: int = DEFAULT_MAX_CONTROLS,
    shift_start: int = 0,
    shift_zone: str | None = None,
    inspections: bool = False,
    shift_zone_source: str = "--shift-timezone",
) -> Ranking:
    """Rank the factors upstream of the complaint lots against controls (given, or the lots of
    the same materials made within `period_days`, at most `max_controls`); production shifts
    are SHIFT_HOURS long from `shift_start` o'clock in `shift_zone` (an IANA name; default:
    the offset each step's start was imported with; `shift_zone_source` says where the name
    came from). `inspections`: the inspection factors too (INSPECTION_KINDS), which cost a
    ranking a fifth to a third more time."""
    started = time.perf_counter()
    zone = None
    if shift_zone:  # an unknown zone fails before any query
        zone = resolve_timezone(shift_zone)
    complaint_ids = id_list(complaint_ids)
    control_ids = _given_controls(control_ids)
    named_by: dict[str, list[str]] = {}  # complaint lots given more than one way
    if control_ids:
        complaints, controls, factor_rows = _given_lots(
            graph, complaint_ids, control_ids, inspections, named_by
        )
        comparable, periods = len(controls), 0
        passed_over: list[str] = []
        upstream = upstream_complaints(complaints, factor_rows)
    else:
        (complaints,), own_rows = _resolved_with_rows(
            graph, [AskedLots.of(complaint_ids)], inspections, named_by
        )
        # The complaint lots left out (upstream_complaints) choose no controls, nor pass any
        # over: batch B0003779 given beside F0003780, packed from it, brought 760 batches in
        # as F0003780's controls, and good lots made from a suspect raw lot given as a
        # complaint were passed over (8/33 vs 0/1000 where its evidence is 8/33 vs 3/1000).
        upstream = upstream_complaints(complaints, own_rows)
        comparable, periods, controls, passed_over, factor_rows = _chosen_controls(
            graph, [lot for lot in complaints if lot not in upstream], period_days,
            max_controls, inspections, own_rows,
        )  # fmt: skip
        controls = [lot for lot in controls if lot not in upstream]  # never a complaint lot
        have = {row["lot_id"] for row in factor_rows}
        factor_rows = [*factor_rows, *(row for row in own_rows if row["lot_id"] not in have)]
    kept, said = _unrelated_good_controls(
        [lot for lot in complaints if lot not in upstream], controls, factor_rows,
        not control_ids, passed_over,
        replaced=len(controls) >= max_controls,
    )  # fmt: skip
    counted_in = set(kept)
    left_out = [*passed_over, *(c for c in controls if c not in counted_in)]
    controls = kept
    if not controls and said:
        raise TracegraphError(
            "no control lots to compare with: " + "; ".join(said),
            hint="give good lots of other batches with --controls",
        )
    if not controls:
        if control_ids:
            raise TracegraphError(
                "no control lots to compare with: every --controls lot is a complaint lot",
                hint="give good lots with --controls",
            )
        undated = [
            row["lot_id"] for row in graph.read("rootcause/undated_lots", lot_ids=complaints)
        ]
        if len(undated) == len(complaints):
            raise TracegraphError(
                "no control lots to compare with: the complaint lots have no created_at "
                f"({first_ids(undated, 5)}), and comparable lots are those made within "
                f"{period_days} days of them",
                hint="give good lots with --controls, or import the lots' created_at",
            )
        raise TracegraphError(
            "no control lots to compare with: no other lot of the complaint lots' materials "
            f"was made within {period_days} days of them",
            hint="give good lots with --controls; a wider --period-days helps only when the "
            "materials have other lots (a stub has no material, and every lot of a material "
            "given as a complaint leaves none)",
        )
    ranked = _ranked(complaints, controls, factor_rows, shift_start, zone, bool(control_ids))
    notes = _given_twice(complaint_ids, complaints, named_by)
    notes += [f"{lot} is a complaint lot: left out of the controls"
             for lot in dict.fromkeys(normal_id(c) for c in control_ids or ())
             if lot in complaints]  # fmt: skip
    if not control_ids:
        notes.append(_period_note(comparable, periods, period_days))
    # said of a lot with no factor at all: a received lot with no step upstream still has its
    # supplier, and was said to share none while its supplier was ranked
    notes += [f"{lot} has no factor in the graph (no supplier, and nothing upstream: a stub, "
              "or a lot of unknown origin): it counts as a complaint that shares no factor"
              for lot in ranked.factorless]  # fmt: skip
    notes += said
    notes += _unranged_note(ranked.unranged)
    notes += [f"{lot} left out: {first_ids(into, 3)} {'is' if len(into) == 1 else 'are'} made "
              f"from it; its factors are {_possessive(into)}"
              for lot, into in ranked.left_out.items()]  # fmt: skip
    warnings = [ONE_COMPLAINT] if len(complaints) - len(ranked.left_out) == 1 else []
    zone_named = shift_zone or _step_zones(factor_rows, complaints)
    return Ranking(complaints, controls, comparable, bool(control_ids), ranked.factors,
                   time.perf_counter() - started, notes, warnings, left_out, zone_named,
                   bool(shift_zone), ranked.tested, periods,
                   shift_timezone_source=shift_zone_source,
                   left_out_upstream=ranked.left_out)  # fmt: skip


def _possessive(lots: list[str]) -> str:
    """`F0003780's`, or `theirs` of several lots."""
    return f"{lots[0]}'s" if len(lots) == 1 else "theirs"


def _given_twice(
    ids: list[str], complaints: list[str], named_by: dict[str, list[str]]
) -> list[str]:
    """A note when ids given name fewer lots than there are ids: one lot given four ways
    (`R0003909`, `746882`, `supplier_lot|V12|746882`, `lot_id|R0003909`), or the same id twice,
    is one complaint lot, and the summary counted fewer complaints than lines without a word."""
    given = [text for text in (normal_id(i) for i in ids) if text]
    repeated = [f"{text} given {n} times" for text, n in Counter(given).items() if n > 1]
    ways = [f"{lot} given as {', '.join(texts)}" for lot, texts in named_by.items()]
    if not ways and not repeated:
        return []
    said = [*ways, *repeated]
    more = f"; and {len(said) - 5:,} more" if len(said) > 5 else ""
    return [f"{counted(len(given), 'id')} given name {counted(len(complaints), 'complaint lot')}, "
            f"each lot counted once: {'; '.join(said[:5])}{more}"]  # fmt: skip


def _period_note(comparable: int, periods: int, days: int) -> str:
    """Which lots the controls were drawn from: the rule, and how many periods it gave when the
    complaint lots were made far apart (the lots made between them are not comparable)."""
    text = (f"comparable lots: {counted(comparable, 'lot')} of the same materials made within "
            f"{counted(days, 'day')} of a complaint lot of their material")  # fmt: skip
    if periods > 1:
        text += (f", in {periods:,} periods (the complaint lots were made more than "
                 f"{counted(2 * days, 'day')} apart: lots made between the periods are not "
                 "compared)")  # fmt: skip
    return text


def _step_zones(rows: list[dict[str, Any]], complaints: list[str]) -> str | None:
    """The zones the complaint lots' steps' starts were stored in ("UTC", "+01:00, +02:00"),
    which their shifts are counted in when no --shift-timezone is given; None when no step has
    a start. The complaints' alone: only their shifts are ranked, and reading 1,050 lots' 21k
    steps took 18 ms, 50 complaints' 0.35 ms (in-process, on a busy machine)."""
    # the distinct endings first: thousands of steps share a few offsets (a zone name in
    # brackets is kept whole)
    is_complaint = set(complaints)
    starts = (step["started_at"] for row in rows if row["lot_id"] in is_complaint
              for step in row["steps"])  # fmt: skip
    endings = {at if at[-1] == "]" else at[-6:] for at in starts if at}
    zones = sorted({zone_name(ending) or "UTC" for ending in endings})
    return ", ".join(zones) or None


# How many times the comparable lots are picked again, passing over the lots of the complaints'
# genealogy the picks before found (see _chosen_controls): on the generated plants one more
# pick did; a chain of lots each made from the one before (a starter culture) passes over a
# pick's worth each time.
PICK_ROUNDS = 8


def _chosen_controls(
    graph: TraceGraph, complaints: list[str], period_days: int, max_controls: int,
    inspections: bool, known: Sequence[dict[str, Any]] = (),
) -> tuple[int, int, list[str], list[str], list[Any]]:  # fmt: skip
    """How many comparable lots there are and in how many periods (_periods), up to
    `max_controls` of them picked, the comparable lots passed over as of the complaints'
    genealogy, and the factor rows of the complaints and of every lot picked. Whether a lot
    was made from a complaint lot, or went into one, is known once the factor rows are read:
    when some picks are, the comparable lots are picked again passing over those, every lot
    upstream of a complaint and every lot downstream of a complaint some pick was made from
    (whether picked or not: a day's consecutive complaints have consecutive batches upstream, a
    complaint batch consecutive lots packed from it, and passed over only as picked, the
    neighbours taken in their place were more of them — 50 such complaints on the 100k-lot
    plant took four picks, now two), each lot's row read once. Excluding the genealogy in the
    first pick would need every complaint's lots downstream — the whole plant's for a raw lot —
    in every ranking, which almost never has one. `known`: factor rows already read (the
    complaints', read to find those left out), not read again."""
    avoid: list[str] = []
    sources: list[str] = []  # complaint lots some pick was made from
    is_complaint = set(complaints)
    rows: dict[str, Any] = {row["lot_id"]: row for row in known}
    for _ in range(PICK_ROUNDS):
        comparable, periods, controls, passed = _comparable_lots(
            graph, complaints, period_days, max_controls, avoid, sources
        )
        if not controls:
            break
        unread = [lot for lot in (*complaints, *controls) if lot not in rows]
        if unread:
            rows.update((row["lot_id"], row) for row in _factor_rows(graph, unread, inspections))
        related = set(_genealogy(complaints, controls, list(rows.values())))
        if not related:
            break
        passed += [c for c in controls if c in related]
        controls = [c for c in controls if c not in related]
        if len(controls) >= min(max_controls, comparable - len(passed)):
            break  # as many as asked, or no other lot of the period left
        avoid = list(dict.fromkeys([*passed, *_upstream_of(complaints, list(rows.values()))]))
        sources = sorted({*sources, *(lot for c in related
                                      for lot in (*rows[c]["raw_lots"], *rows[c]["input_lots"])
                                      if lot in is_complaint)})  # fmt: skip
    picked = {*complaints, *controls, *passed}
    return (comparable, periods, controls, passed,
            [row for lot, row in rows.items() if lot in picked])  # fmt: skip


def _comparable_lots(
    graph: TraceGraph, complaints: list[str], period_days: int, max_controls: int,
    avoid: list[str], sources: list[str],
) -> tuple[int, int, list[str], list[str]]:  # fmt: skip
    """How many comparable lots there are and in how many periods (_periods), up to
    `max_controls` of them evenly spaced, none of `avoid` nor downstream of `sources`, and the
    comparable lots among those passed over (cypher/rootcause/comparable_lots.cypher)."""
    (found,) = graph.read(
        "rootcause/comparable_lots", lot_ids=complaints, days=period_days,
        max_controls=max_controls, passed_over=avoid, downstream_of=sources,
    )  # fmt: skip
    if found["without_material_id"]:
        raise TracegraphError(
            f"{counted(found['without_material_id'], 'complaint lot')} "
            f"{'lacks' if found['without_material_id'] == 1 else 'lack'} material_id, which "
            "this version keeps on every lot to find comparable lots",
            hint="run `tracegraph db init` once: it copies each lot's material onto it",
        )
    # a lot picked twice (two picks fell on complaint lots, see the query) counts once
    comparable, passed = found["comparable"], found["passed_over"]
    controls = list(dict.fromkeys(found["controls"]))[:max_controls]
    missing = min(max_controls, comparable - len(passed)) - len(controls)
    if missing > 0:  # rare: see cypher/rootcause/more_controls.cypher
        controls += [row["lot_id"] for row in graph.read(
            "rootcause/more_controls", lot_ids=complaints, days=period_days,
            taken=[*complaints, *controls, *passed], missing=missing,
        )]  # fmt: skip
    return comparable, _periods(found["windows"]), controls, passed


def _periods(windows: list[list[Any]]) -> int:
    """How many periods the materials' windows [first, last] cover, merged across materials:
    BREAD's and CAKE's windows around the same days are one period."""
    periods, end = 0, None
    for first, last in sorted((w[0].to_native(), w[1].to_native()) for w in windows):
        if end is None or first > end:
            periods += 1
        end = last if end is None or last > end else end
    return periods


def _upstream_of(complaints: list[str], rows: list[dict[str, Any]]) -> set[str]:
    """The lots upstream of the complaint lots, complaints aside, by their factor rows."""
    is_complaint = set(complaints)
    return {lot for row in rows if row["lot_id"] in is_complaint
            for lot in (*row["raw_lots"], *row["input_lots"])
            if lot not in is_complaint}  # fmt: skip


def _genealogy(complaints: list[str], controls: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """The controls made from a complaint lot or that went into one, by the factor rows' lots
    upstream (a control's row tells the first, a complaint's the second)."""
    upstream = {row["lot_id"]: {*row["raw_lots"], *row["input_lots"]} for row in rows}
    is_complaint = set(complaints)
    below = _upstream_of(complaints, rows)
    return [c for c in controls if c in below or upstream.get(c, set()) & is_complaint]


# Lots that are not known good, named when counted as controls: the statuses of the lots
# table (DESIGN.md §4) besides released
NOT_GOOD = ("hold", "rejected")


def _unrelated_good_controls(
    complaints: list[str], controls: list[str], rows: list[dict[str, Any]], chosen: bool,
    passed_over: Sequence[str] = (), replaced: bool = False,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """The controls a ranking may count, and notes on those it may not. A control made from a
    complaint lot, or that went into one, shares that lot's factors by construction, not by
    chance: counted, it dilutes the very causes sought (a batch's raw lot "in 7 of 77
    controls", four of them packed from the complaint batch). Comparable lots chosen by the
    ranking (`chosen`) that are on hold or rejected are not known good: a lot rejected for the
    same defect is a complaint the engineer did not name — but a lot put on hold during the
    investigation, because it shares the suspected oven, is no defect, and leaving it out would
    make the oven look stronger than it is: so those are kept and named, for the engineer to
    judge. Related lots are left out of chosen controls; given controls are the engineer's
    choice, kept, and said to be related. (Complaint lots made from one another: see
    upstream_complaints.) `passed_over`: comparable lots of the genealogy not picked (see
    _chosen_controls), named with the related controls; `replaced`: the controls are as many as
    asked all the same."""
    related = [*passed_over, *_genealogy(complaints, controls, rows)]
    status = {row["lot_id"]: row.get("status") for row in rows}
    not_good = [c for c in controls if status.get(c) in NOT_GOOD and c not in related]
    dropped = set(related) if chosen else set()
    kept = [c for c in controls if c not in dropped]
    notes = []
    if related and chosen and replaced:
        notes.append(f"{counted(len(related), 'comparable lot')} passed over, made from or into "
                     f"a complaint lot (sharing its factors by construction, not by chance), "
                     f"the controls taken from the period's other lots: "
                     f"{first_ids(sorted(related), 8)}")  # fmt: skip
    elif related:
        notes.append(f"{counted(len(related), 'control lot')} "
                     f"{'left out' if chosen else 'given'}, made from or into a complaint lot "
                     f"(sharing its factors by construction, not by chance): "
                     f"{first_ids(sorted(related), 8)}")  # fmt: skip
    if not_good:
        named = first_ids(sorted(not_good), 8)
        notes.append(f"{counted(len(not_good), 'control')} {'is' if len(not_good) == 1 else 'are'} "
                     f"on hold or rejected, counted as good: {named} — if "
                     f"{'it has' if len(not_good) == 1 else 'they have'} the defect, rank "
                     f"{'it' if len(not_good) == 1 else 'them'} as complaints")  # fmt: skip
    return kept, notes


def _named(factors: list[dict[str, Any]]) -> str:
    """`alarm during step over_temperature on OVEN-5, input lot B1 and 3 more`."""
    return first_ids([f"{f['kind']} {f['value']}" for f in factors], TIES_NAMED)


ONE_COMPLAINT = (
    "one complaint lot cannot show what complaints have in common: every factor of it is "
    "shared by 1 of 1, so the ranking can only order its factors by how rare they are among "
    'the controls (its own batches always are); no verdict goes beyond "possible" — give '
    "every lot with the defect"
)


def _given_controls(control_ids: list[str] | None) -> list[str] | None:
    """The control ids given, or None for the default controls. Ids that are all blank are
    refused: `--controls ",,,"` fell back to the default controls without a word."""
    if control_ids is None:
        return None
    given = id_list(control_ids)
    if not any(normal_id(c) for c in given):
        raise TracegraphError(
            "--controls names no lot (only blanks or separators)",
            hint="give good lots: --controls L1,L2 — or leave --controls out for lots of the "
            "same materials made in the same period",
        )
    return given


def _unranged_note(unranged: list[tuple[tuple[Any, ...], int]]) -> list[str]:
    """Notes naming the complaints' process parameters and inspection tests that were not
    tested for being out of range: too few control values to draw a usual range from."""
    parameters = [f"{key[1]} at {key[0]} ({counted(values, 'value')})"
                  for key, values in unranged if len(key) == 2]  # fmt: skip
    # (INSPECTED, test, unit)
    tests = [f"{key[1]} ({f'{key[2]}, ' if key[2] else ''}{counted(values, 'value')})"
             for key, values in unranged if len(key) == 3]  # fmt: skip
    return [f"{counted(len(named), what)} of the complaint lots' {whose} "
            f"{'was' if len(named) == 1 else 'were'} not tested for being out of range: "
            f"the control lots' {whose} give fewer than {USUAL_RANGE_FROM} values to draw the "
            f"usual range from — {first_ids(named, 8)}"
            for named, what, whose in ((parameters, "process parameter", "steps"),
                                       (tests, "inspection test", "inspections"))
            if named]  # fmt: skip


def read_in_parts(
    readers: Sequence[Callable[[list[str]], list[_T]]], lot_ids: list[str]
) -> list[_T]:
    """What the readers return for `lot_ids`: one reader reads them all, or — for SPLIT_FROM lots
    or more — every reader reads a share of them at the same time (see FACTOR_QUERIES)."""
    if len(lot_ids) < SPLIT_FROM or len(readers) == 1:
        return readers[0](lot_ids)
    parts = [lot_ids[i :: len(readers)] for i in range(len(readers))]
    with ThreadPoolExecutor(len(readers), thread_name_prefix="tracegraph-factors") as pool:
        return [row for found in pool.map(lambda read, part: read(part), readers, parts)
                for row in found]  # fmt: skip


def _factor_rows(graph: TraceGraph, lot_ids: list[str], inspections: bool = False) -> list[Any]:
    """Factors rows (see lot_factors), one per lot found, read by FACTOR_QUERIES concurrent
    queries; the query sends each step as a compact list, and the inspections of each lot
    reached once beside the rows."""
    # The kinds of the alarms during each step, not the device history of every step (as a
    # backward trace reads it, calibrations and all: 20 ms more for a ranking of 1,050 lots
    # on the 1M-lot plant, near its 100 ms bar). The devices' longest steps, which bound a
    # step with no end, are read beside the factors, and so is every alarm when the graph
    # holds few device events (see _alarms_beside).
    with ThreadPoolExecutor(1, thread_name_prefix="tracegraph-alarms") as pool:
        beside = pool.submit(_alarms_beside, graph)
        rows = _rows_read(graph, lot_ids, inspections)
        return _with_alarms(graph, rows, *beside.result())


def _rows_read(
    graph: TraceGraph, lot_ids: list[str], inspections: bool, all_lots: list[str] | None = None
) -> list[Any]:
    """The factors query's rows of `lot_ids` (their steps as the query sends them: see
    _with_alarms), each with its inspections; none at all unless every id of `all_lots` is a
    lot id (rootcause/factors' $all_lots)."""

    def read(part: list[str]) -> list[Any]:
        (found,) = graph.read("rootcause/factors", lot_ids=part, fixed=FIXED_STEP_PROPERTIES,
                              inspections=inspections, all_lots=all_lots or [])  # fmt: skip
        inspected = _inspections(found["inspections"])
        rows: list[Any] = found["lots"]
        for row in rows:
            # lists shared by every row that reaches the lot (see lot_factors' memo)
            row["own_inspections"] = inspected.get(row["lot_id"], [])
            row["inspections"] = [inspected[lot] for lot in (*row["raw_lots"], *row["input_lots"])
                                  if lot in inspected]  # fmt: skip
        return rows

    return read_in_parts([read] * FACTOR_QUERIES, lot_ids)


def _with_alarms(
    graph: TraceGraph, rows: list[Any], longest: dict[Any, int], alarms: dict[Any, Any] | None
) -> list[Any]:
    """The rows with each step a dict, its numeric parameters and the kinds of the alarms
    during it (`longest` and `alarms` as _alarms_beside reads them)."""
    kinds = _step_alarm_kinds(graph, rows, longest, alarms)
    for row in rows:
        row["steps"] = [
            {"operation": operation, "started_at": started_at, "device_id": device_id,
             "operator_id": operator_id, "ended_at": ended_at,
             # numbers only: a text column (a recipe name) has no range
             "parameters": {name: value for name, value in parameters
                            if isinstance(value, int | float) and not isinstance(value, bool)},
             "alarms": kinds.get((device_id, started_at, ended_at), [])}
            for operation, started_at, device_id, operator_id, ended_at, parameters in row["steps"]
        ]  # fmt: skip
    return rows


def _inspections(found: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Each lot's inspections as lot_factors reads them, from the factors query's (each lot
    once: the rows of the lots it is upstream of share its dicts, made once)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for lot, inspections in found:
        out[lot] = []
        for test, result, value, unit, operator_id, device_id, inspection_id in inspections:
            out[lot].append({"id": inspection_id, "test": test, "result": result,
                             "value": _number(value), "unit": unit, "operator_id": operator_id,
                             "device_id": device_id})  # fmt: skip
    return out


def _number(value: Any) -> float | None:
    """An inspection's value as a number, or None: the column is text ("96.4", "ok", "<5")."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        # float() reads 1_000 and " nan "; an export never means the first, no range holds NaN
        number = float(value.replace("_", "x") if isinstance(value, str) else value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_Step = tuple[Any, str, str | None]  # device_id, started_at, ended_at (ISO 8601)


# Up to this many device events in the graph, every alarm is read beside the factors query
# (rootcause/alarms): no round trip after it, and a plant's few alarms cost less than seeking
# each ranked step's (a ranking of ~1,000 lots has ~4,000 steps). Beyond, each step's alarms
# are sought after the factors (rootcause/step_alarms): with 50k alarms per device, reading
# every alarm was most of a ranking's time (bench/device-events-results.md).
ALL_ALARMS_UP_TO = 10_000


def _alarms_beside(graph: TraceGraph) -> tuple[dict[Any, int], dict[Any, Any] | None]:
    """Each device's longest step (seconds); and every alarm per device, when the graph holds
    no more than ALL_ALARMS_UP_TO device events (else None)."""
    (bounds,) = graph.read("rootcause/device_bounds")
    longest = {device_id: seconds for device_id, seconds in bounds["longest"]}
    if bounds["events"] > ALL_ALARMS_UP_TO:
        return longest, None
    return longest, _all_alarms(graph)


def _all_alarms(graph: TraceGraph) -> dict[Any, Any]:
    """Every alarm per device (rootcause/alarms), its times as epoch ns (trace.pair_ns)."""
    return {row["device_id"]: {**row, "times": [pair_ns(at) for at in row["times"]]}
            for row in graph.read("rootcause/alarms")}  # fmt: skip


def _step_alarm_kinds(
    graph: TraceGraph, rows: list[Any], longest: dict[Any, int], alarms: dict[Any, Any] | None
) -> dict[_Step, list[str]]:
    """The kinds of the alarms each step's device raised during it (as backward traces match
    them: trace.events_during), for the steps of the factor rows that have any: from every
    alarm of every device (`alarms`, rootcause/alarms) when read, else sought per step in the
    index (rootcause/step_alarms) — or, on a graph whose events are not all keyed yet, from
    every alarm after all."""
    # a batch step upstream of many lots comes once per lot: matched once
    steps = list({(device_id, started_at, ended_at): None
                  for row in rows for _, started_at, device_id, _, ended_at, _ in row["steps"]
                  if device_id is not None and started_at is not None})  # fmt: skip
    if not steps:
        return {}
    if alarms is None:
        (found,) = graph.read("rootcause/step_alarms", steps=_step_spans(steps, longest))
        if found["keyed"]:
            return {steps[i]: sorted(set(kinds)) for i, kinds in found["kinds"]}
        alarms = _all_alarms(graph)
    out = {}
    for step in steps:
        device_id, started_at, ended_at = step
        if device_id in alarms:
            out[step] = _alarm_kinds(alarms[device_id], started_at, ended_at,
                                     longest.get(device_id, 0))  # fmt: skip
    return out


def _step_spans(steps: list[_Step], longest: dict[Any, int]) -> list[list[Any]]:
    """[device_id, from, to] per step, instants as [epochSeconds, nanosecond], both included:
    from its start to its end, or — with no end — to the nanosecond before its start plus the
    device's longest step, the bound trace.events_during excludes. (Epoch milliseconds cut
    both sides: an alarm at 08:00:00.0004 was during a step that ended at 08:00:00.0002.)"""
    spans = []
    for device_id, started_at, ended_at in steps:
        starts = epoch_ns(started_at)
        longest_ns = longest.get(device_id, 0) * SECOND_NS
        ends = epoch_ns(ended_at) if ended_at else starts + longest_ns - 1
        spans.append([device_id, list(divmod(starts, SECOND_NS)), list(divmod(ends, SECOND_NS))])
    return spans


def _alarm_kinds(device: dict[str, Any], started_at: str, ended_at: str | None,
                 longest_s: int) -> list[str]:  # fmt: skip
    """The kinds of the alarms a step's device raised during it, from all of the device's
    (rootcause/alarms), as backward traces match them (trace.events_during)."""
    ended = epoch_ns(ended_at) if ended_at else None
    during, _ = events_during(device["times"], epoch_ns(started_at), ended, longest_s)
    return sorted(set(device["kinds"][during]))


def _given_lots(
    graph: TraceGraph, complaint_ids: list[str], control_ids: list[str], inspections: bool,
    named_by: dict[str, list[str]],
) -> tuple[list[str], list[str], list[Any]]:  # fmt: skip
    """Complaint and control lots as given (resolved, lot ids too: see resolve_lots; `named_by`
    as resolve_lots fills it), and their factor rows."""
    (complaints, named), rows = _resolved_with_rows(
        graph, [AskedLots.of(complaint_ids), AskedLots.of(control_ids)], inspections, named_by
    )
    controls = [c for c in named if c not in complaints]
    return complaints, controls, rows if controls else []


def _resolved_with_rows(
    graph: TraceGraph, asked: list[AskedLots], inspections: bool,
    named_by: dict[str, list[str]],
) -> tuple[list[list[str]], list[Any]]:  # fmt: skip
    """The lots each list of ids names (as resolve_lots decides; `named_by` of the first list's),
    and the factor rows of them all. The ids are looked up (lot/resolve) while the rows are read
    by the ids as given, if every id is a lot id: the look-up first, of complaints and then of
    controls, put two round trips before the factors query (1M-lot plant, a ranking of 1,050
    lots: see CHANGELOG, Unreleased). Ids of which one is not a lot id read no row then (the
    factors query's $all_lots): a mistyped id is an error before any factor is read, and the
    lots supplier lot numbers or keys name are read once, after the look-up. The devices'
    bounds and alarms are read beside both (_alarms_beside): read after the look-up, in its
    thread, they put two round trips after it (a ranking of 4 lots on a 20k-lot plant: p50
    8.8 → 24.1 ms)."""
    guess = list(dict.fromkeys(text for each in asked for text in each.asked))
    with ThreadPoolExecutor(2, thread_name_prefix="tracegraph-resolve") as pool:
        beside = pool.submit(_alarms_beside, graph)
        # in this context: an unknown id of a --lots-file is named with its line (lots.ID_LINES)
        resolved = pool.submit(copy_context().run, _decided, graph, asked, guess, named_by)
        rows = _rows_read(graph, guess, inspections, all_lots=guess)
        decided = resolved.result()
        longest, alarms = beside.result()
    lots = list(dict.fromkeys(lot for each in decided for lot in each))
    have = {row["lot_id"] for row in rows}
    if missing := [lot for lot in lots if lot not in have]:
        rows += _rows_read(graph, missing, inspections)
    wanted = set(lots)
    return decided, _with_alarms(graph, [row for row in rows if row["lot_id"] in wanted],
                                 longest, alarms)  # fmt: skip


def _decided(
    graph: TraceGraph, asked: list[AskedLots], ids: list[str], named_by: dict[str, list[str]]
) -> list[list[str]]:
    """The lots each list of ids names (lot/resolve of `ids`, all the lists' asked ids; raises
    UnknownLot or AmbiguousLot as resolve_lots does)."""
    resolution = graph.read("lot/resolve", ids=ids)[0]["ids"]
    return [each.decided(graph, resolution, named_by if i == 0 else None)
            for i, each in enumerate(asked)]  # fmt: skip


def rank_factors(
    complaints: list[str], controls: list[str], factor_rows: list[dict[str, Any]],
    shift_start: int = 0, shift_zone: tzinfo | None = None, controls_given: bool = False,
) -> list[dict[str, Any]]:  # fmt: skip
    """Every factor of a complaint lot, ranked by Fisher's exact test against the controls.
    `factor_rows` are shaped like cypher/rootcause/factors.cypher's (the benchmark feeds rows
    from other engines through the same ranking)."""
    return _ranked(complaints, controls, factor_rows, shift_start, shift_zone,
                   controls_given).factors  # fmt: skip


@dataclass
class _Ranked:
    factors: list[dict[str, Any]]
    factorless: list[str]  # complaint lots with no factor at all
    # (the Ranges key, the controls' values) of the complaints' steps' parameters and
    # inspections' tests that had too few control values for a usual range (USUAL_RANGE_FROM)
    unranged: list[tuple[tuple[Any, ...], int]]
    tested: int = 0  # the factors the p-values are adjusted for (testable_count)
    # complaint lots left out of the tests (upstream_complaints): lot -> lots made from it
    left_out: dict[str, list[str]] = field(default_factory=dict)


def upstream_complaints(complaints: list[str], rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each complaint lot another complaint lot is made from, directly or further upstream (by
    the factor rows' lots upstream, made or received), with the complaint lots made from it, in
    the complaints' order. Such a lot's factors are all in the lots made from it: counted as a
    complaint too, one batch was two complaints ("strong common cause" of its own mixing lot).
    It is left out of the tests, and stays a factor of the lots made from it: eight lots made
    from raw lot R0003909 keep "raw lot R0003909 8 of 8" when R0003909 is given as a complaint
    too. (Grouping lots made from one another into one complaint carrying all their factors
    merged unrelated lots through a shared raw lot, and made R0003909 a factor of itself.)
    Lots upstream of each other (a genealogy with a loop) are both kept."""
    is_complaint = set(complaints)
    upstream = {row["lot_id"]: {*row["raw_lots"], *row["input_lots"]}
                for row in rows if row["lot_id"] in is_complaint}  # fmt: skip
    made_into: dict[str, list[str]] = {}
    for lot in complaints:
        for source in upstream.get(lot, ()):
            if source in is_complaint and source != lot and lot not in upstream.get(source, ()):
                made_into.setdefault(source, []).append(lot)
    return {lot: made_into[lot] for lot in complaints if lot in made_into}


def _ranked(
    complaints: list[str], controls: list[str], factor_rows: list[dict[str, Any]],
    shift_start: int, shift_zone: tzinfo | None, controls_given: bool,
) -> _Ranked:  # fmt: skip
    """rank_factors, with what the ranking could not rank: the complaint lots without a factor
    and the parameters without a usual range."""
    # the usual ranges of the parameters are the controls' (a complaint's own values would
    # widen the range that is to tell them apart)
    is_control = set(controls)
    values = parameter_values([row for row in factor_rows if row["lot_id"] in is_control])
    ranges = ranges_of(values)
    memo: dict[int, frozenset[Factor]] = {}
    factors = {row["lot_id"]: lot_factors(row, shift_start, shift_zone, ranges, memo)
               for row in factor_rows}  # fmt: skip
    # A complaint lot another one is made from is left out: its factors are all the other's,
    # and counted as two complaints the batch's mixing lot was "strong common cause" of one
    # batch (F0003780 from B0003779, p adj. 0.0015)
    left_out = upstream_complaints(complaints, factor_rows)
    complaints = [lot for lot in complaints if lot not in left_out]
    # chained, not a generator: a ranking counts ~21k factors (1,050 lots), 5.1 -> 4.0 ms
    in_complaints = Counter(chain.from_iterable(factors.get(lot, ()) for lot in complaints))
    # Only the complaint lots' factors are ranked (a factor no complaint lot carries cannot be
    # one they share), but every factor of every lot counts in the adjustment: which factors
    # the complaints carry is known only once the lots are labelled, and counting those alone
    # (Tarone's m chosen after seeing the labels) let random complaint sets through as likely
    # causes — two sibling lots of one of 100 batches among ten complaints (see testable_count)
    in_controls = Counter(chain.from_iterable(factors.get(lot, ()) for lot in controls))
    n_bad, n_good = len(complaints), len(controls)
    spelled = sorted(
        (((kind, _spelled(kind, key)), (kind, key)) for kind, key in in_complaints),
        key=lambda pair: pair[0],
    )
    candidates = [shown for shown, _ in spelled]
    with_bad = np.array([in_complaints[f] for _, f in spelled], dtype=np.int64)
    with_good = np.array([in_controls.get(f, 0) for _, f in spelled], dtype=np.int64)
    p_values = fisher_greater(with_bad, with_good, n_bad, n_good)
    carriers = in_controls.copy()
    carriers.update(in_complaints)
    tested = testable_count(np.fromiter(carriers.values(), np.int64, len(carriers)), n_bad, n_good)
    ranked = sorted(
        zip(p_values.tolist(), candidates, with_bad.tolist(), with_good.tolist(), strict=True),
        key=lambda r: (r[0], -r[2] / n_bad, r[1]),
    )
    compared_with = "given control lots" if controls_given else "comparable lots"
    out = []
    for p, (kind, value), a, c in ranked:
        adjusted = min(1.0, p * tested)
        b, d = n_bad - a, n_good - c
        odds = (a * d) / (b * c) if b * c else None  # the sample odds ratio; None if infinite
        out.append({
            "kind": kind, "value": value,
            "complaints_with": a, "complaints": n_bad,
            "controls_with": c, "controls": n_good,
            "complaint_share": round(a / n_bad, 4), "control_share": round(c / n_good, 4),
            "odds_ratio": None if odds is None else round(odds, 3),
            "p_value": p, "p_adjusted": adjusted,
            "verdict": _verdict(adjusted, a, n_bad),
            "explanation": _explain(kind, value, a, n_bad, c, n_good, p, adjusted, compared_with),
        })  # fmt: skip
    factorless = [lot for lot in complaints if not factors.get(lot)]
    return _Ranked(out, factorless, _unranged(complaints, factor_rows, values, ranges), tested,
                   left_out)  # fmt: skip


def _unranged(
    complaints: list[str], factor_rows: list[dict[str, Any]],
    control_values: dict[tuple[Any, ...], list[float]], ranges: Ranges,
) -> list[tuple[tuple[Any, ...], int]]:  # fmt: skip
    """(Ranges key, how many control values) of each parameter of the complaints' steps and
    each test of their inspections with a number that has no usual range: it could not be
    found out of range, and was left out without a word."""
    is_complaint = set(complaints)
    found: set[tuple[Any, ...]] = {
        (step["operation"], name)
        for row in factor_rows if row["lot_id"] in is_complaint
        for step in row["steps"] for name in step.get("parameters", {})
    }  # fmt: skip
    found.update((INSPECTED, inspection["test"], inspection["unit"])
                 for inspection in _each_inspection([row for row in factor_rows
                                                     if row["lot_id"] in is_complaint])
                 if inspection["value"] is not None)  # fmt: skip
    return sorted(((key, len(control_values.get(key, []))) for key in found if key not in ranges),
                  key=lambda t: tuple(map(str, t[0])))  # fmt: skip


def testable_count(carriers: np.ndarray, n_bad: int, n_good: int, alpha: float = 0.05) -> int:
    """How many factors the p-values are adjusted for: Tarone's (1990) refinement of
    Bonferroni. A factor carried by K lots in all has a smallest p-value it could ever reach
    (all K among the complaints, or as many as there are); a factor that could not reach
    alpha / m even so cannot be a finding and need not count in m. m is the smallest number
    for which at most m factors could reach alpha / m. Lots upstream of one lot alone (each
    lot's own batch) are most of the factors and could never be significant: counted, they
    made every adjusted p-value several times larger. Family-wise error stays at most alpha;
    m found for alpha 0.05 is no smaller than for 0.01, so the 0.01 verdict stays safe too."""
    if carriers.size == 0:
        return 0
    # one p-value per distinct K (thousands of factors share a few hundred K)
    totals, inverse = np.unique(carriers, return_inverse=True)
    per_total = np.array([at_least(min(k, n_bad), n_bad + n_good, k, n_bad)
                          for k in totals.tolist()])  # fmt: skip
    smallest = np.sort(per_total[inverse])
    m = np.arange(1, carriers.size + 1)
    reaching = np.searchsorted(smallest, alpha / m, side="right")  # for every m at once
    return int(m[np.argmax(reaching <= m)])  # m = len(carriers) always qualifies


def fisher_greater(
    with_bad: np.ndarray, with_good: np.ndarray, n_bad: int, n_good: int
) -> np.ndarray:
    """One-sided Fisher's exact p-values for many 2×2 tables at once.

    With the margins fixed, the number of complaint lots carrying a factor is hypergeometric:
    P(X >= a) for X ~ Hypergeom(N = n_bad + n_good, K = a + c, n = n_bad) is exactly
    scipy.stats.fisher_exact(..., alternative="greater") (tests/test_rootcause.py checks the
    two agree), computed once per distinct table by tracegraph.hypergeometric.
    """
    if with_bad.size == 0:
        return np.array([], dtype=float)
    # One p-value per distinct table: thousands of factors share a few hundred (a, c) pairs,
    # and a tail costs microseconds (10,000 factors: 51 -> 2 ms when this was first done).
    tables, inverse = np.unique(with_bad * (n_good + 1) + with_good, return_inverse=True)
    bad, good = tables // (n_good + 1), tables % (n_good + 1)
    per_table = np.array([at_least(a, n_bad + n_good, a + c, n_bad)
                          for a, c in zip(bad.tolist(), good.tolist(), strict=True)])  # fmt: skip
    p_values: np.ndarray = per_table[inverse.reshape(-1)]
    return p_values


def _verdict(adjusted: float, a: int, n: int) -> str:
    if n == 1:
        # One complaint lot shares every factor of its own with itself (1 of 1): a small
        # p-value says only that the factor is rare among the controls, which a lot's own
        # batch and the alarm of its own bake always are. "strong common cause" and "likely"
        # were said of one lot's genealogy; "possible" is as far as one lot goes.
        return "possible" if adjusted < 0.05 else "could be chance"
    if adjusted < 0.01:
        return "strong common cause" if a == n else "strong"
    if adjusted < 0.05:
        return "likely"
    return "could be chance"


# Below this a p-value is not told apart from 0: a double underflows to 0.0 under ~1e-308
# (805 complaint lots all of one raw lot printed "p = 0", which no test of chance gives).
P_FLOOR = 1e-300


def p_text(p: float) -> str:
    """A p-value as people read it: two significant digits, "< 1e-300" where it underflowed."""
    return f"< {P_FLOOR:.0e}" if p < P_FLOOR else f"{p:.2g}"


def p_is(p: float) -> str:
    """ "= 3e-05" or "< 1e-300", to follow "p "."""
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def _explain(
    kind: str, value: str, a: int, n: int, c: int, m: int, p: float, adj: float,
    compared_with: str = "comparable lots",
) -> str:  # fmt: skip
    return (
        f"{kind} {value} is upstream of {a} of {n} complaint lots ({a / n:.0%}) but of "
        f"{c} of {m:,} {compared_with} ({c / m:.0%}); a split at least this uneven happens by "
        f"chance with p {p_is(p)} (Fisher's exact test, one-sided), {p_text(adj)} after allowing "
        f"for every factor tested that could have been significant."
    )
