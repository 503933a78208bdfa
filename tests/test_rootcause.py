"""Common-cause ranking: the vectorised Fisher test equals scipy's own fisher_exact, table by
table; and what a ranking says of itself (ties, one complaint lot, untested parameters)."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hand_plant import HAND_PLANT
from scipy.stats import fisher_exact, hypergeom
from typer.testing import CliRunner

from tracegraph import rootcause
from tracegraph.cli.main import app
from tracegraph.errors import UnknownLot
from tracegraph.graph import TraceGraph
from tracegraph.hypergeometric import at_least
from tracegraph.importing.run import import_paths
from tracegraph.lots import ids_in_text
from tracegraph.rootcause import fisher_greater


@pytest.mark.parametrize(("n_bad", "n_good"), [(1, 1), (12, 828), (50, 1000), (7, 3)])
def test_vectorised_fisher_equals_fisher_exact(n_bad: int, n_good: int) -> None:
    rng = random.Random(n_bad * 1000 + n_good)
    with_bad = [rng.randrange(1, n_bad + 1) for _ in range(40)] + [n_bad, 1]
    with_good = [rng.randrange(0, n_good + 1) for _ in range(40)] + [0, n_good]
    got = fisher_greater(np.array(with_bad), np.array(with_good), n_bad, n_good)
    for a, c, p in zip(with_bad, with_good, got.tolist(), strict=True):
        expected = fisher_exact([[a, n_bad - a], [c, n_good - c]], alternative="greater")[1]
        assert p == pytest.approx(expected, rel=1e-9, abs=1e-300), (a, c)


@pytest.mark.parametrize("seed", range(8))
def test_the_tail_equals_scipys_hypergeometric_tail(seed: int) -> None:
    """tracegraph.hypergeometric against scipy.stats.hypergeom.sf: plants of 2 to 200,000
    lots, every a from below the support to above it (1 and 0 there), tails as small as
    1e-300 and as close to 1 as they come; relative error within 1e-9."""
    rng = random.Random(seed)
    for _ in range(60):
        total = rng.choice([2, 10, 60, 1_050, 20_000, 200_000])
        carriers, drawn = rng.randrange(0, total + 1), rng.randrange(0, total + 1)
        if total > 1_050:  # complaint sets are small; a factor may be carried by many
            drawn = rng.randrange(0, 600)
        for a in {0, 1, drawn, carriers, min(carriers, drawn), min(carriers, drawn) + 1,
                  rng.randrange(0, drawn + 2), drawn - (total - carriers)}:  # fmt: skip
            want = float(hypergeom.sf(a - 1, total, carriers, drawn))
            got = at_least(a, total, carriers, drawn)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-300), (a, total, carriers, drawn)


def test_the_tail_of_large_rankings_from_log_gamma() -> None:
    """Beyond 2,000 drawn lots the first term comes from log-gamma (an exact coefficient cost
    0.9 s at 100,000 of 1M): within 1e-7 of scipy, in a fraction of a millisecond."""
    rng = random.Random(3)
    for _ in range(100):
        total = rng.choice([10_000, 200_000, 1_000_000])
        carriers, drawn = rng.randrange(0, total), rng.randrange(2_001, min(total, 50_000))
        mean = drawn * carriers / total
        for a in {1, int(mean), int(mean + 3 * mean**0.5) + 1, int(mean * 1.5) + 1}:
            want = float(hypergeom.sf(a - 1, total, carriers, drawn))
            got = at_least(a, total, carriers, drawn)
            assert got == pytest.approx(want, rel=1e-7, abs=1e-300), (a, total, carriers, drawn)


@pytest.mark.parametrize(
    ("started_at", "shift_start", "shift"),
    [
        ("2026-03-11T02:00:00+01:00", 0, ("2026-03-11", 0)),
        ("2026-03-11T02:00:00+01:00", 6, ("2026-03-10", 22)),  # the night shift of the 10th
        ("2026-03-11T22:00:00+01:00", 6, ("2026-03-11", 22)),
        ("2026-03-11T13:59:00+01:00", 6, ("2026-03-11", 6)),
        ("2026-03-01T03:00:00+00:00", 10, ("2026-03-01", 2)),  # 02-10 began that day
        ("2026-03-01T01:00:00+00:00", 10, ("2026-02-28", 18)),
    ],
)
def test_shifts_begin_where_the_plant_says(
    started_at: str, shift_start: int, shift: tuple[str, int]
) -> None:
    assert rootcause._shift("pack", started_at, shift_start) == ("pack", *shift)


def test_a_night_shift_is_found_when_shifts_begin_at_six() -> None:
    """40 lots packed hourly from 06:00; the 8 packed 22:00-05:00 are the complaints. With the
    plant's shifts (06-14-22) the night shift is the top factor, upstream of all 8 and of no
    control; with the fixed 00-08-16 buckets (the only ones before) it was not found at all."""
    start = datetime(2026, 3, 10, 6, tzinfo=timezone(timedelta(hours=1)))
    rows = [
        {"lot_id": f"F{i:02d}", "raw_lots": [], "input_lots": [], "suppliers": [],
         "steps": [{"operation": "pack", "started_at": (start + timedelta(hours=i)).isoformat(),
                    "device_id": None, "operator_id": None}]}
        for i in range(40)
    ]  # fmt: skip
    complaints = [f"F{i:02d}" for i in range(16, 24)]  # 22:00 to 05:00
    controls = [f"F{i:02d}" for i in range(40) if not 16 <= i < 24]
    top = rootcause.rank_factors(complaints, controls, rows, shift_start=6)[0]
    assert (top["value"], top["complaints_with"], top["controls_with"]) == (
        "pack 2026-03-10 22:00–06:00", 8, 0,
    )  # fmt: skip
    assert top["verdict"] == "strong common cause"
    fixed = rootcause.rank_factors(complaints, controls, rows)
    assert all(f["complaints_with"] < 8 for f in fixed)


def test_a_shift_that_recurs_every_night_is_one_factor() -> None:
    """Ten nights of bakes, one every 2 hours; the complaints are the bakes of 00:00-06:00 on
    nine of the days (3 each, 27 lots), the controls every other bake (93). Per date, each
    night's shift 00:00-08:00 is in 3 of 27 complaints and 1 control: nothing
    stood out, the tester's 30 night bakes on nine days ranked "operator OP10 (could be
    chance)" first. The shift of day, any date, is in 27 of 27 complaints and 3 of 93 controls
    (the 06:00 bakes and the tenth night), and counts in the adjustment like every factor."""
    start = datetime(2026, 1, 5, 0, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {"lot_id": f"F{i:03d}", "raw_lots": [], "input_lots": [], "suppliers": [],
         "steps": [{"operation": "bake", "device_id": None, "operator_id": None,
                    "started_at": (start + timedelta(hours=2 * i)).isoformat()}]}
        for i in range(120)
    ]  # fmt: skip
    # the bakes of 00:00, 02:00 and 04:00 of the first nine days (06:00 is a good bake)
    complaints = [r["lot_id"] for r in rows
                  if r["steps"][0]["started_at"][11:13] in ("00", "02", "04")
                  and r["steps"][0]["started_at"][:10] < "2026-01-14"]  # fmt: skip
    controls = [r["lot_id"] for r in rows if r["lot_id"] not in complaints]
    ranked = rootcause.rank_factors(complaints, controls, rows)
    top = ranked[0]
    assert (top["kind"], top["value"]) == ("shift of day", "bake 00:00–08:00, any day")
    # the 06:00 bakes of the ten nights and the tenth night's 00-04 bakes
    assert (top["complaints_with"], top["controls_with"]) == (27, 10 + 3)
    assert top["verdict"] == "strong common cause"
    dated = [f for f in ranked if f["kind"] == "shift" and f["value"].endswith("00:00–08:00")]
    assert dated and all(f["complaints_with"] == 3 for f in dated)


def _testable_by_hand(carriers: list[int], n_bad: int, n_good: int, alpha: float) -> int:
    """Tarone's m, the slow way: the smallest m for which at most m factors could reach
    alpha / m (a factor's best p-value: all its carriers among the complaints)."""
    best = [fisher_exact([[min(k, n_bad), n_bad - min(k, n_bad)],
                          [k - min(k, n_bad), n_good - k + min(k, n_bad)]],
                         alternative="greater")[1] for k in carriers]  # fmt: skip
    return next(m for m in range(1, len(carriers) + 1)
                if sum(p <= alpha / m for p in best) <= m)  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_factors_that_could_never_be_significant_do_not_dilute_the_others(seed: int) -> None:
    """p-values are adjusted for Tarone's m, not for every factor: 100 factors carried by one
    lot each (each lot's own batch) cannot reach significance with 8 complaints among 40 lots,
    so 3 factors that could are adjusted for 3, not 103; random cases agree with a slow
    computation straight from the definition, and m never exceeds Bonferroni's count."""
    assert rootcause.testable_count(np.array([1] * 100 + [8] * 3), 8, 32) == 3
    rng = random.Random(seed)
    n_bad, n_good = rng.choice([(8, 32), (12, 200), (3, 30)])
    carriers = [rng.randrange(1, n_bad + n_good + 1) for _ in range(rng.randrange(1, 60))]
    got = rootcause.testable_count(np.array(carriers), n_bad, n_good)
    assert got == _testable_by_hand(carriers, n_bad, n_good, 0.05)
    assert 1 <= got <= len(carriers)


def test_shifts_in_the_plants_time_zone() -> None:
    """Steps imported as UTC (the README's advice) and a Berlin night shift, 22:00-06:00 local:
    with --shift-timezone the shift is the plant's (it could only follow the stored offset)."""
    berlin = ZoneInfo("Europe/Berlin")
    assert rootcause._shift("pack", "2026-03-10T21:30:00+00:00", 6, berlin) == (
        "pack", "2026-03-10", 22,
    )  # fmt: skip
    assert rootcause._shift("pack", "2026-03-10T21:30:00+00:00", 6) == ("pack", "2026-03-10", 14)
    # summer time: 04:30Z is 06:30 in Berlin, the morning shift
    assert rootcause._shift("pack", "2026-07-10T04:30:00Z", 6, berlin) == ("pack", "2026-07-10", 6)


def _bake_rows(temperatures: list[float], alarms: dict[int, str]) -> list[dict[str, Any]]:
    """A lot per bake, each on OVEN-1 (so the device says nothing), with its temperature and
    the alarm of the oven during it, if any."""
    start = datetime(2026, 3, 10, 6, tzinfo=UTC)
    return [
        {"lot_id": f"F{i:02d}", "raw_lots": [], "input_lots": [], "suppliers": [],
         "steps": [{"operation": "bake", "started_at": (start + timedelta(hours=i)).isoformat(),
                    "device_id": "OVEN-1", "operator_id": None,
                    "parameters": {"oven_temp_c": temperature},
                    "alarms": [alarms[i]] if i in alarms else []}]}
        for i, temperature in enumerate(temperatures)
    ]  # fmt: skip


def test_a_parameter_above_the_controls_usual_range_is_a_factor() -> None:
    """40 controls baked at 200-239 °C (95th percentile 237.05); the 8 complaints at 245 °C,
    above it. "oven_temp_c high at bake" is upstream of all 8 complaints and of the 2 controls
    above the percentile (238, 239); the controls' 5th percentile (201.95) makes 200 and 201
    "low", a factor of no complaint: not tested. The shifts (a lot an hour) are 8 factors
    more, and the adjustment counts every factor that could be significant: of every lot, not
    only of the complaints (the controls' shifts are as testable as theirs)."""
    controls = [f"F{i:02d}" for i in range(40)]
    complaints = [f"F{i:02d}" for i in range(40, 48)]
    rows = _bake_rows([200.0 + i for i in range(40)] + [245.0] * 8, {})
    ranked = rootcause.rank_factors(complaints, controls, rows)
    top = ranked[0]
    assert (top["kind"], top["value"], top["complaints_with"], top["controls_with"]) == (
        "parameter out of range",
        "oven_temp_c high at bake (above 237.05, the controls' 95th percentile)",
        8, 2,
    )  # fmt: skip
    assert not any("low" in f["value"] for f in ranked)
    # the adjustment counts the factors that could be significant: the range factor, the
    # six shifts of 8 lots each (48 lots an hour apart) and the three shifts of day (16 lots
    # each); not the oven, the operation on it (all 48 lots) nor the "low" range (2 controls:
    # p >= 0.025) — 10 (it counted the complaints' 2 shifts only: 3)
    assert top["p_adjusted"] == pytest.approx(10 * top["p_value"], rel=1e-12)
    # too few controls' values draw no range: no such factor
    few = rootcause.rank_factors(complaints, controls[:19], rows)
    assert not any(f["kind"] == "parameter out of range" for f in few)


def test_an_alarm_during_the_complaints_steps_is_a_factor_per_device_and_kind() -> None:
    """Complaints F40-F47 were baked while OVEN-1 raised over_temperature (F45 a
    conveyor_stop instead); one control's bake had an over_temperature alarm too."""
    alarms = {i: "over_temperature" for i in range(40, 48)}
    alarms |= {45: "conveyor_stop", 3: "over_temperature"}
    rows = _bake_rows([220.0] * 48, alarms)
    ranked = rootcause.rank_factors([f"F{i}" for i in range(40, 48)],
                                    [f"F{i:02d}" for i in range(40)], rows)  # fmt: skip
    found = {f["value"]: (f["complaints_with"], f["controls_with"]) for f in ranked
             if f["kind"] == "alarm during step"}  # fmt: skip
    assert found == {"over_temperature on OVEN-1": (7, 1), "conveyor_stop on OVEN-1": (1, 0)}
    assert ranked[0]["value"] == "over_temperature on OVEN-1"


def test_a_batch_step_shared_by_many_controls_counts_once_in_the_usual_range() -> None:
    """One bake at 180 °C upstream of 25 control lots gave 25 equal values: a "usual range" of
    [180, 180] from one step, and a complaint baked at 181 °C "high". Each step counts once:
    one value is too few for a range."""
    shared = _bake_rows([180.0], {})[0]["steps"]
    rows = [{"lot_id": f"C{i:02d}", "raw_lots": [], "input_lots": [], "suppliers": [],
             "steps": shared} for i in range(25)]  # fmt: skip
    assert rootcause.usual_ranges(rows) == {}
    # 25 distinct bakes do draw one
    assert set(rootcause.usual_ranges(_bake_rows([180.0 + i for i in range(25)], {}))) == {
        ("bake", "oven_temp_c")
    }


# --- what the ranking says about itself (tester 2's findings) ------------------------------------


def _hand_plant_with(tmp_path: Path, graph: TraceGraph, **changes: str) -> TraceGraph:
    """tests/hand_plant.py's plant with some of its files replaced."""
    for name, text in {**HAND_PLANT, **changes}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def test_a_received_lot_with_nothing_made_upstream_is_not_said_to_share_no_factor(
    hand_plant: TraceGraph,
) -> None:
    """Received lot A (from V1, no step upstream) has its supplier for a factor, and V1 is
    ranked: the note "has nothing upstream … shares no factor" was said of it all the same. It
    is said of a lot with no factor at all — a stub."""
    ranking = rootcause.rank_common_causes(hand_plant, ["A"], ["B", "P1"])
    assert [(f["kind"], f["value"]) for f in ranking.factors] == [("supplier", "V1")]
    assert not any("no factor" in n or "nothing upstream" in n for n in ranking.notes)


def test_a_stub_complaint_is_said_to_have_no_factor(graph: TraceGraph, tmp_path: Path) -> None:
    inputs = HAND_PLANT["step_inputs.csv"] + "X,OLD-1,1,kg\n"  # OLD-1: a stub
    _hand_plant_with(tmp_path, graph, **{"step_inputs.csv": inputs})
    ranking = rootcause.rank_common_causes(graph, ["OLD-1", "A"], ["B", "P2"])
    assert [n for n in ranking.notes if "no factor" in n] == [
        "OLD-1 has no factor in the graph (no supplier, and nothing upstream: a stub, or a lot "
        "of unknown origin): it counts as a complaint that shares no factor"
    ]


def test_factors_tied_for_the_strongest_evidence_are_all_named(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """P1 and P2 share their dough M, its flour and salt, the mixer, the packer, both operators
    and their shifts (dated, and of day); controls A and B only their suppliers. Every one of
    those factors has the
    same p-value (1/6): the summary named the first by its kind's name alone ("strongest: device
    MIXER-1") as if it stood out."""
    shown = runner.invoke(app, ["rootcause", "P1", "P2", "--controls", "A,B", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    best = payload["factors"][0]["p_value"]
    tied = [f for f in payload["factors"] if f["p_value"] == best]
    assert best == pytest.approx(1 / 6) and len(tied) == 13
    assert payload["tied_with_strongest"] == [
        {"kind": f["kind"], "value": f["value"]} for f in tied[1:]
    ]
    first = ", ".join(f"{f['kind']} {f['value']}" for f in tied[:5])
    assert payload["summary"] == (
        "2 complaint lots against 2 controls · 13 factors share the strongest evidence "
        f"(p = 0.17, could be chance): {first} and 8 more · {UTC_SHIFTS}"
    )
    table = runner.invoke(
        app, ["rootcause", "P1", "P2", "--controls", "A,B"], env={"COLUMNS": "400"}
    )
    assert payload["summary"] in table.stdout
    assert "12 other factors have the same p-value, so the evidence does not tell them apart" in (
        table.stdout
    )


def test_shifts_are_counted_in_the_plants_zone_from_tracegraph_timezone(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """TRACEGRAPH_TIMEZONE, "the plant's zone", was ignored for shifts: with it set to
    Europe/Berlin the ranking said shift_timezone "UTC" (the steps' offset), so mix X at
    08:00Z counted in the shift of 08:00 UTC, not of 09:00 in the plant. --shift-timezone
    still wins."""
    args = ["rootcause", "P1", "P2", "--controls", "A,B", "--format", "json"]
    berlin = {"TRACEGRAPH_TIMEZONE": "Europe/Berlin"}
    payload = json.loads(runner.invoke(app, args, env=berlin).stdout)
    assert (payload["shift_timezone"], payload["shift_timezone_given"]) == ("Europe/Berlin", True)
    assert payload["summary"].endswith(" · shift hours in Europe/Berlin (TRACEGRAPH_TIMEZONE)")
    flag = json.loads(runner.invoke(app, [*args, "--shift-timezone", "Asia/Shanghai"],
                                    env=berlin).stdout)  # fmt: skip
    assert flag["shift_timezone"] == "Asia/Shanghai"


UTC_SHIFTS = (
    "shift hours in UTC, the offset the steps were imported with (--shift-timezone "
    "reads them in the plant's zone)"
)


@pytest.mark.parametrize(
    ("options", "zone", "given", "said"),
    [
        ((), "UTC", False, UTC_SHIFTS),
        (("--shift-timezone", "Asia/Shanghai"), "Asia/Shanghai", True,
         "shift hours in Asia/Shanghai (--shift-timezone)"),
    ],
)  # fmt: skip
def test_the_ranking_names_the_zone_of_its_shift_hours(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner,
    options: tuple[str, ...], zone: str, given: bool, said: str,
) -> None:  # fmt: skip
    """P1 and P2 share the shifts of mix X and pack Y (08:00 and 09:00 UTC): a shift
    "08:00–16:00" did not say on which clock — the steps' own offset, or --shift-timezone's."""
    args = ["rootcause", "P1", "P2", "--controls", "A,B", *options]
    payload = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert (payload["shift_timezone"], payload["shift_timezone_given"]) == (zone, given)
    best = payload["factors"][0]["p_value"]
    assert "shift" in [f["kind"] for f in payload["factors"] if f["p_value"] == best]
    assert payload["summary"].endswith(f" · {said}")
    table = runner.invoke(app, args, env={"COLUMNS": "400"})
    assert table.exit_code == 0, table.output
    assert said[0].upper() + said[1:] in table.stdout.splitlines()


def test_shifts_of_steps_imported_in_two_zones_name_both_offsets() -> None:
    rows: list[dict[str, Any]] = [
        {"lot_id": "F1", "steps": [{"started_at": "2026-11-09T08:35+08:00"},
                                   {"started_at": None}]},
        {"lot_id": "F2", "steps": [{"started_at": "2026-11-09T06:00Z"},
                                   {"started_at": "2026-11-09T07:00:00.5+00:00"}]},
        {"lot_id": "C1", "steps": [{"started_at": "2026-11-09T07:00:00-05:00"}]},  # a control
    ]  # fmt: skip
    assert rootcause._step_zones(rows, ["F1", "F2"]) == "+08:00, UTC"
    assert rootcause._step_zones(rows, ["F2"]) == "UTC"
    assert rootcause._step_zones([{"lot_id": "F1", "steps": []}], ["F1"]) is None
    ranking = rootcause.Ranking([], [], 0, True, shift_timezone="+08:00, UTC")
    assert ranking.shifts_in() == (
        "shift hours in +08:00, UTC, the offsets the steps were imported with "
        "(--shift-timezone reads them in the plant's zone)"
    )


def test_one_strongest_factor_is_named_alone() -> None:
    ranking = rootcause.Ranking(["F1", "F2"], ["C1"], 1, True, [
        {"kind": "device", "value": "OVEN-5", "p_value": 0.01, "verdict": "likely",
         "explanation": "why"},
        {"kind": "device", "value": "OVEN-6", "p_value": 0.02, "verdict": "likely",
         "explanation": "why not"},
    ])  # fmt: skip
    assert ranking.summary().endswith("· strongest: device OVEN-5 (likely)")
    assert ranking.as_dict()["tied_with_strongest"] == []
    assert ranking.explanation() == "why"


def test_one_complaint_lot_is_never_more_than_possible() -> None:
    """One complaint baked on OVEN-9 alone, against 200 controls on OVEN-1: the oven is shared
    by 1 of 1 complaints and no control (p = 1/201). One lot's own oven was "strong common
    cause"; one lot cannot show what complaints share."""
    rows = _bake_rows([220.0] * 201, {})
    rows[200]["steps"][0]["device_id"] = "OVEN-9"
    ranked = rootcause.rank_factors(["F200"], [f"F{i:02d}" for i in range(200)], rows)
    top = ranked[0]
    assert (top["value"], top["complaints_with"], top["controls_with"]) == ("OVEN-9", 1, 0)
    # adjusted for OVEN-9 and bake on OVEN-9 (1 lot each, p 1/201 at best) and the first
    # shift (2 lots, 06:00 and 07:00; the others, 8 lots each, cannot reach 0.05 / 3): 3 / 201
    assert top["p_adjusted"] == pytest.approx(3 / 201) and top["verdict"] == "possible"
    assert {f["verdict"] for f in ranked} <= {"possible", "could be chance"}
    # two complaint lots are judged as before
    assert rootcause._verdict(0.001, 2, 2) == "strong common cause"


def test_one_complaint_lot_warns_that_it_cannot_show_what_complaints_share(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    shown = runner.invoke(app, ["rootcause", "P1", "--controls", "A,B", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["warnings"] == [rootcause.ONE_COMPLAINT]
    assert "warning: one complaint lot cannot show what complaints have in common" in (shown.stderr)
    two = runner.invoke(app, ["rootcause", "P1", "P2", "--controls", "A,B", "--format", "json"])
    assert json.loads(two.stdout)["warnings"] == []


def test_given_controls_are_named_as_given_in_the_explanation(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    shown = runner.invoke(app, ["rootcause", "P1", "P2", "--controls", "A,B", "--format", "json"])
    explanation = json.loads(shown.stdout)["factors"][0]["explanation"]
    assert "of 0 of 2 given control lots (0%)" in explanation
    assert "comparable" not in explanation


@pytest.mark.parametrize("controls", [",,,", " , ", ""])
def test_controls_that_name_no_lot_are_refused(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, controls: str
) -> None:
    """`--controls ",,,"` ranked against the default controls, as if no --controls was given."""
    result = runner.invoke(app, ["rootcause", "P1", "P2", "--controls", controls])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: --controls names no lot (only blanks or separators) (hint: give good lots: "
        "--controls L1,L2 — or leave --controls out for lots of the same materials made in "
        "the same period)\n"
    )


def test_a_parameter_too_few_controls_have_is_said_to_be_untested(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """The mix ran at 180 °C; the controls (received lots) have no mix: no usual range, so
    oven_temp_c could not be out of range — and was left out without a word."""
    steps = HAND_PLANT["steps.csv"].replace("OP1,\n", "OP1,180\n")
    _hand_plant_with(tmp_path, graph, **{"steps.csv": steps})
    ranking = rootcause.rank_common_causes(graph, ["P1", "P2"], ["A", "B"])
    assert [n for n in ranking.notes if "process parameter" in n] == [
        "1 process parameter of the complaint lots' steps was not tested for being out of range: "
        "the control lots' steps give fewer than 20 values to draw the usual range from — "
        "oven_temp_c at mix (0 values)"
    ]


def test_parameters_with_a_usual_range_are_not_said_to_be_untested() -> None:
    controls = [f"F{i:02d}" for i in range(40)]
    rows = _bake_rows([200.0 + i for i in range(40)] + [245.0] * 8, {})
    complaints = [f"F{i:02d}" for i in range(40, 48)]
    assert rootcause._ranked(complaints, controls, rows, 0, None, False).unranged == []
    few = rootcause._ranked(complaints, controls[:19], rows, 0, None, False)
    assert few.unranged == [(("bake", "oven_temp_c"), 19)]


# --- complaint lots from a file ---------------------------------------------------------------


def test_ids_in_a_lots_file() -> None:
    text = "\ufeff# complaints of week 12\nP1\r\n\n  P2 , A;B\tLOT#12\n   # an aside\n"
    assert ids_in_text(text) == ["P1", "P2", "A", "B", "LOT#12"]
    # a scanner's raw GS1 string: its GS (0x1D) separates its fields, not two ids or lines
    scanned = "]C10109506000134352\x1d10L2611"
    assert ids_in_text(f"{scanned}\n{scanned}21SN-1\x1d\r\nP1") == [
        scanned,
        f"{scanned}21SN-1\x1d",
        "P1",
    ]


def test_rootcause_reads_the_complaint_lots_from_a_file(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """Excel's "CSV UTF-8" begins with a byte order mark: the first id was unknown."""
    listed = tmp_path / "complaints.csv"
    listed.write_bytes("\ufeffP1\r\n# the second\r\nP2\r\n".encode())
    args = ["rootcause", "--lots-file", str(listed), "--controls", "A,B", "--format", "json"]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["complaints"] == ["P1", "P2"]
    # arguments and a file together; `-` reads standard input
    piped = runner.invoke(app, ["rootcause", "P2", "--lots-file", "-", "--controls", "A,B",
                                "--format", "json"], input="P1\n")  # fmt: skip
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["complaints"] == ["P2", "P1"]
    # an unknown id is named with its line, though the ids are looked up in another thread
    listed.write_text("P1\nP9X\n", encoding="utf-8")
    unknown = runner.invoke(app, args)
    assert unknown.exit_code == 2, unknown.output
    assert f"{listed.name} line 2" in " ".join(unknown.stderr.split()), unknown.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# nothing\n\n", "lists no lot (only blank lines or # comments)"),
        ("P1\n\u6279\u6b21\n".encode("gb18030"), "is not UTF-8 text"),
        (None, "cannot read --lots-file"),
    ],
)
def test_a_lots_file_that_gives_no_lot_is_refused(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    content: bytes | None, message: str,
) -> None:  # fmt: skip
    listed = tmp_path / "complaints.txt"
    if content is not None:
        listed.write_bytes(content)
    result = runner.invoke(app, ["rootcause", "--lots-file", str(listed)])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- which lots are compared with the complaints (tester 5's findings) ---------------------------


def _packed_plant(tmp_path: Path, graph: TraceGraph) -> TraceGraph:
    """20 baked lots B00-B19, each packed into finished lot F00-F19 on PACKER-1; F10 was
    rejected and F11 is on hold, the others released."""
    status = {10: "rejected", 11: "hold"}
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom,created_at,status\n" + "".join(
            f"B{i:02d},BAKED,10,kg,2026-11-03T06:{i:02d}:00+00:00,released\n"
            f"F{i:02d},BREAD,100,pcs,2026-11-03T08:{i:02d}:00+00:00,{status.get(i, 'released')}\n"
            for i in range(20)),
        "steps.csv": "step_id,operation,started_at,device_id\n"
        + "".join(f"K{i:02d},pack,2026-11-03T08:{i:02d}:00+00:00,PACKER-1\n" for i in range(20)),
        "step_inputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"K{i:02d},B{i:02d},10,kg\n" for i in range(20)),
        "step_outputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"K{i:02d},F{i:02d},100,pcs\n" for i in range(20)),
    }  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def test_chosen_controls_leave_out_lots_of_the_complaints_genealogy_and_name_lots_not_known_good(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Complaints F01, F02 and batch B03: batches B01 and B02 went into complaint lots and F03
    was packed from complaint B03 — each shares a complaint's factors by construction, and
    counted as a control it diluted the causes sought: left out, and the summary says the
    controls were not thinned but left out. F10 (rejected) and F11 (on hold) are not known
    good, but a lot held because it shares the suspected oven is no defect: kept, and named."""
    ranking = rootcause.rank_common_causes(_packed_plant(tmp_path, graph), ["F01", "F02", "B03"])
    everything = {f"{m}{i:02d}" for m in "BF" for i in range(20)} - {"F01", "F02", "B03"}
    assert sorted(ranking.controls) == sorted(everything - {"B01", "B02", "F03"})
    assert sorted(ranking.left_out) == ["B01", "B02", "F03"]
    assert ranking.notes[0] == (
        "comparable lots: 37 lots of the same materials made within 3 days of a complaint lot "
        "of their material"
    )
    assert ranking.notes[2:] == [
        "3 control lots left out, made from or into a complaint lot (sharing its factors by "
        "construction, not by chance): B01, B02, F03",
        "2 controls are on hold or rejected, counted as good: F10, F11 — if they have the "
        "defect, rank them as complaints",
    ]
    assert ranking.notes[1].startswith("B03 has no factor in the graph")  # nothing upstream
    assert ranking.summary().startswith(
        "3 complaint lots against 34 controls (3 comparable lots left out: see the notes) · "
    )
    assert ranking.as_dict()["controls_left_out"] == ranking.left_out
    # no complaint is made from another here
    assert ranking.warnings == []


def test_lots_of_the_complaints_genealogy_passed_over_are_replaced_by_other_comparable_lots(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """20 of the 37 comparable lots, evenly spaced, pick B02 (it went into complaint F02) and,
    for complaint F02, its neighbour F03 (packed from complaint B03): left out, they were not
    replaced and the ranking counted 18 controls while the period held 17 more. Other lots
    take their place: exactly 20, none of the genealogy, and the note says so."""
    genealogy = {"B01", "B02", "F03"}
    ranking = rootcause.rank_common_causes(
        _packed_plant(tmp_path, graph), ["F01", "F02", "B03"], max_controls=20
    )
    assert len(ranking.controls) == 20 and not set(ranking.controls) & genealogy
    assert ranking.left_out and set(ranking.left_out) <= genealogy
    passed = ", ".join(sorted(ranking.left_out))
    assert ranking.notes[2] == (
        f"{len(ranking.left_out)} comparable lots passed over, made from or into a complaint "
        "lot (sharing its factors by construction, not by chance), the controls taken from the "
        f"period's other lots: {passed}"
    )
    assert ranking.summary().startswith(
        "3 complaint lots against 20 controls (evenly spaced from 37 comparable lots) "
        f"({len(ranking.left_out)} comparable lots left out: see the notes) · "
    )
    assert ranking.as_dict()["controls_left_out"] == ranking.left_out
    # the same picks every time
    again = rootcause.rank_common_causes(graph, ["F01", "F02", "B03"], max_controls=20)
    assert (again.controls, again.left_out) == (ranking.controls, ranking.left_out)


def test_given_controls_of_the_complaints_genealogy_are_kept_and_said_to_be_related(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Controls given by the engineer are theirs to choose: a related one and a rejected one are
    kept, each named."""
    graph = _packed_plant(tmp_path, graph)
    ranking = rootcause.rank_common_causes(graph, ["F01", "F02"], ["B01", "F05", "F10"])
    assert ranking.controls == ["B01", "F05", "F10"] and ranking.left_out == []
    assert ranking.notes == [
        "1 control lot given, made from or into a complaint lot (sharing its factors by "
        "construction, not by chance): B01",
        "1 control is on hold or rejected, counted as good: F10 — if it has the defect, rank it "
        "as complaints",
    ]


def test_complaint_lots_made_from_one_another_leave_the_upstream_one_out_with_a_note(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """B03 and F03, packed from it, and F07: every factor of B03 is F03's too, so counting both
    was one batch counted twice. B03 is left out of the tests, a note says why, the JSON lists
    it, and F03 and F07 count as two complaint lots."""
    graph = _packed_plant(tmp_path, graph)
    ranking = rootcause.rank_common_causes(graph, ["B03", "F03", "F07"])
    assert ranking.warnings == []
    assert "B03 left out: F03 is made from it; its factors are F03's" in ranking.notes
    assert ranking.as_dict()["left_out_upstream"] == [{"lot": "B03", "made_into": ["F03"]}]
    assert {f["complaints"] for f in ranking.factors} == {2}
    assert ranking.summary().startswith(
        "3 complaint lots (2 counted, 1 left out: made into other complaint lots, see the "
        "notes) against "
    )
    shown = CliRunner().invoke(app, ["rootcause", "B03", "F03", "F07"], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    assert "B03 left out: F03 is made from it" in shown.stderr


def test_a_complaint_lot_left_out_chooses_no_controls(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """Review: B03, left out beside F03 (packed from it), still chose the controls: its
    material brought batches in as controls of what is one finished lot (the tester's plant:
    760 batches among F0003780's 1,000 controls, `pack on PACKER-4` 70/1000 where F0003780
    alone has 115/402), and good lots made from a left-out lot were passed over. The controls
    are those of the lots counted."""
    graph = _packed_plant(tmp_path, graph)
    alone = rootcause.rank_common_causes(graph, ["F03"])
    both = rootcause.rank_common_causes(graph, ["B03", "F03"])
    assert both.controls == alone.controls
    assert "B03" not in both.controls


def _batch_and_its_pack(controls: int) -> list[dict[str, Any]]:
    """Batch B mixed on MIXER-9 from raw lot R1 and lot F packed from it on PACKER-1; control
    lots C000… each mixed on MIXER-1 from a raw lot of its own and packed on PACKER-1."""
    mix = {"operation": "mix", "started_at": "2026-03-10T06:00:00+00:00", "operator_id": None}
    pack = {"operation": "pack", "started_at": "2026-03-10T09:00:00+00:00",
            "device_id": "PACKER-1", "operator_id": None}  # fmt: skip
    return [
        {"lot_id": "B", "raw_lots": ["R1"], "input_lots": [], "suppliers": [],
         "steps": [{**mix, "device_id": "MIXER-9"}]},
        {"lot_id": "F", "raw_lots": ["R1"], "input_lots": ["B"], "suppliers": [],
         "steps": [{**mix, "device_id": "MIXER-9"}, pack]},
        *({"lot_id": f"C{i:03d}", "raw_lots": [f"R{i + 100}"], "input_lots": [],
           "suppliers": [], "steps": [{**mix, "device_id": "MIXER-1"}, pack]}
          for i in range(controls)),
    ]  # fmt: skip


def test_complaint_lots_made_from_one_another_count_as_one_complaint() -> None:
    """F packed from complaint batch B carries every factor of B: counted as two complaints,
    raw lot R1 and MIXER-9 were in 2 of 2 complaints and 0 of 200 controls (p = 1/20,301 =
    4.9e-5), "strong common cause" of what is one batch's genealogy (F0003780 from B0003779 on
    the tester's 10k plant: input lot D0003778, p adj. 0.0015). B is left out: F alone is one
    complaint, 1 of 1, p = 1/201, capped at "possible" as one complaint lot is."""
    controls = [f"C{i:03d}" for i in range(200)]
    ranked = rootcause.rank_factors(["B", "F"], controls, _batch_and_its_pack(200))
    top = ranked[0]
    assert (top["complaints_with"], top["complaints"], top["controls_with"]) == (1, 1, 0)
    assert top["p_value"] == pytest.approx(1 / 201)
    assert {f["verdict"] for f in ranked} <= {"possible", "could be chance"}
    assert "of 1 of 1 complaint lots" in top["explanation"]
    # B left out, F and another complaint G are two complaints
    rows = _batch_and_its_pack(200)
    rows.append({**rows[1], "lot_id": "G", "input_lots": []})
    assert {f["complaints"] for f in rootcause.rank_factors(["B", "F", "G"], controls, rows)} == {2}


def test_a_lot_and_the_one_packed_from_it_are_capped_and_neither_is_its_own_factor(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """The reviewer's F0003780 with B0003779: grouped as one line of descent carrying the
    union of their factors, the top factor was `input lot B0003779` of a group holding
    B0003779, 1 of 1. Now B03 is left out, F03 is the one complaint lot counted (warned of and
    capped at "possible"), B03 stays F03's factor and F03 is no factor at all."""
    graph = _packed_plant(tmp_path, graph)
    ranking = rootcause.rank_common_causes(graph, ["B03", "F03"])
    assert ranking.warnings[0] == rootcause.ONE_COMPLAINT
    assert ranking.summary().startswith(
        "2 complaint lots (1 counted, 1 left out: made into other complaint lots, see the "
        "notes) against "
    )
    assert {f["verdict"] for f in ranking.factors} <= {"possible", "could be chance"}
    assert {f["complaints"] for f in ranking.factors} == {1}
    assert ("input lot", "B03") in {(f["kind"], f["value"]) for f in ranking.factors}
    assert "F03" not in {f["value"] for f in ranking.factors}
    shown = CliRunner().invoke(app, ["rootcause", "B03", "F03"], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    assert "complaints" in shown.stdout and "complaint lines" not in shown.stdout
    assert "one complaint lot cannot show" in shown.stderr


def _raw_lot_into_eight(controls: int) -> list[dict[str, Any]]:
    """Received raw lot R (supplier V12) in batches B0-B7, each packed into F0-F7; control
    lots C000… each of a raw lot and a batch of their own, the first 4 of raw lot R too."""
    pack = {"operation": "pack", "started_at": "2026-03-10T09:00:00+00:00",
            "device_id": "PACKER-1", "operator_id": None, "ended_at": None}  # fmt: skip
    return [
        {"lot_id": "R", "raw_lots": [], "input_lots": [], "suppliers": ["V12"], "steps": []},
        *({"lot_id": f"F{i}", "raw_lots": ["R", f"RF{i}"], "input_lots": [f"B{i}"],
           "suppliers": ["V12"], "steps": [pack]} for i in range(8)),
        *({"lot_id": f"C{i:03d}", "raw_lots": [f"RC{i}", *(["R"] if i < 4 else [])],
           "input_lots": [f"BC{i}"], "suppliers": ["V12"], "steps": [pack]}
          for i in range(controls)),
    ]  # fmt: skip


def test_naming_the_suspect_raw_lot_as_a_complaint_keeps_the_finding() -> None:
    """The reviewer's case: the 8 F lots made from raw lot R0003909 rank `raw lot R0003909`
    8/8 against 4/1000, strong common cause; given R0003909 as a complaint too, the lots
    grouped as one line of descent and twelve factors tied at "could be chance". R is left out
    (every F lot is made from it) and stays their factor: 8 of 8, strong common cause."""
    controls = [f"C{i:03d}" for i in range(1000)]
    rows = _raw_lot_into_eight(1000)
    complaints = [*(f"F{i}" for i in range(8)), "R"]
    top = rootcause.rank_factors(complaints, controls, rows)[0]
    assert (top["kind"], top["value"]) == ("raw lot", "R")
    assert (top["complaints_with"], top["complaints"], top["controls_with"]) == (8, 8, 4)
    assert top["verdict"] == "strong common cause"
    assert rootcause.upstream_complaints(complaints, rows) == {"R": complaints[:8]}


def test_siblings_of_one_upstream_complaint_lot_both_count_and_share_it() -> None:
    """F1 and F2, both packed from complaint batch B: grouped with B they were one complaint
    (1 of 1, capped). B is left out; F1 and F2 count as two complaint lots and `input lot B`
    is their common factor, 2 of 2."""
    controls = [f"C{i:03d}" for i in range(200)]
    rows = _batch_and_its_pack(200)
    rows[1:2] = [{**rows[1], "lot_id": "F1"}, {**rows[1], "lot_id": "F2"}]
    ranked = rootcause.rank_factors(["B", "F1", "F2"], controls, rows)
    shared = {(f["kind"], f["value"]): f for f in ranked}[("input lot", "B")]
    assert (shared["complaints_with"], shared["complaints"]) == (2, 2)
    assert {f["complaints"] for f in ranked} == {2}
    assert rootcause.upstream_complaints(["B", "F1", "F2"], rows) == {"B": ["F1", "F2"]}


def test_controls_that_are_all_of_the_complaints_genealogy_leave_nothing_to_compare_with(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """A batch and the lot reworked from it, alone of their material: the one comparable lot of
    the complaint is its own batch, left out — the error says why, not "no other lot"."""
    (tmp_path / "one").mkdir()
    for name, text in {
        "lots.csv": "lot_id,material_id,quantity,uom,created_at\nX1,BAKED,10,kg,"
                    "2026-11-04T06:00:00+00:00\nY1,BAKED,10,kg,2026-11-04T07:00:00+00:00\n",
        "steps.csv": "step_id,operation,started_at\nQ1,rework,2026-11-04T07:00:00+00:00\n",
        "step_inputs.csv": "step_id,lot_id,quantity,uom\nQ1,X1,10,kg\n",
        "step_outputs.csv": "step_id,lot_id,quantity,uom\nQ1,Y1,10,kg\n",
    }.items():  # fmt: skip
        (tmp_path / "one" / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path / "one"]).rejects == []
    refused = CliRunner().invoke(app, ["rootcause", "Y1"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith(
        "error: no control lots to compare with: 1 control lot left out, made from or into a "
        "complaint lot"
    ), refused.stderr


@pytest.mark.parametrize(
    ("option", "value", "bound"),
    [("--max-controls", "99999999999999999999", "1000000"), ("--period-days", "99999999999999",
                                                            "36500")],
)  # fmt: skip
def test_an_option_past_its_bound_is_a_usage_error(option: str, value: str, bound: str) -> None:
    """A 20-digit --max-controls was `unexpected failure: OverflowError` (exit 3), a huge
    --period-days Neo4j's words about EpochDay: both are refused before any query."""
    shown = CliRunner().invoke(app, ["rootcause", "F01", option, value])
    assert shown.exit_code == 2
    assert shown.stderr.startswith(f"error: Invalid value for '{option}'"), shown.stderr
    assert bound in shown.stderr and "Traceback" not in shown.stderr


def test_undated_complaint_lots_are_said_to_be_why_no_lot_is_comparable(
    graph: TraceGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    """BREAD has 20 dated lots; complaints G1 and G2 have no created_at. The error said no
    other lot "was made within 3 days of them": the reason is that they have no date."""
    graph = _packed_plant(tmp_path, graph)
    (tmp_path / "undated").mkdir()
    (tmp_path / "undated" / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom\nG1,BREAD,100,pcs\nG2,BREAD,100,pcs\n", encoding="utf-8"
    )
    assert import_paths(graph, [tmp_path / "undated"]).rejects == []
    refused = CliRunner().invoke(app, ["rootcause", "G1", "G2"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: no control lots to compare with: the complaint lots have no created_at (G1, "
        "G2), and comparable lots are those made within 3 days of them (hint: give good lots "
        "with --controls, or import the lots' created_at)\n"
    )


def test_the_comparable_period_ends_at_instants_whatever_their_offsets(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Complaint lot C was made at 08:00Z; a day either side ends at 08:00Z of the 6th and the
    8th. A lot made at either end written in another offset (09:00+01:00, 03:00-05:00) fell
    outside it, as Neo4j orders one instant's spellings by offset; a microsecond beyond stays
    outside. Both queries that read the period agree."""
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\n"
        "C,BREAD,10,pcs,2026-01-07T08:00:00Z\n"
        "END-HI,BREAD,10,pcs,2026-01-08T09:00:00+01:00\n"
        "END-LO,BREAD,10,pcs,2026-01-06T03:00:00-05:00\n"
        "OUT-HI,BREAD,10,pcs,2026-01-08T09:00:00.000001+01:00\n"
        "OUT-LO,BREAD,10,pcs,2026-01-06T02:59:59.999999-05:00\n",
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    (found,) = graph.read(
        "rootcause/comparable_lots",
        lot_ids=["C"],
        days=1,
        max_controls=10,
        passed_over=[],
        downstream_of=[],
    )
    assert (found["comparable"], sorted(found["controls"])) == (2, ["END-HI", "END-LO"])
    more = graph.read("rootcause/more_controls", lot_ids=["C"], days=1, taken=["C"], missing=10)
    assert sorted(row["lot_id"] for row in more) == ["END-HI", "END-LO"]


def _daily_lots(tmp_path: Path, graph: TraceGraph) -> TraceGraph:
    """A BREAD lot (B0101 … B0228) and a CAKE lot (K0101 … K0228) made at 08:00Z every day of
    January and February 2026."""
    days = [datetime(2026, 1, 1, 8, tzinfo=UTC) + timedelta(days=d) for d in range(59)]
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\n"
        + "".join(f"{letter}{day:%m%d},{material},10,pcs,{day.isoformat()}\n"
                  for day in days for letter, material in (("B", "BREAD"), ("K", "CAKE"))),
        encoding="utf-8",
    )  # fmt: skip
    assert import_paths(graph, [tmp_path]).rejects == []
    return graph


def _made(letter: str, first: str, last: str) -> set[str]:
    """The lots of _daily_lots of one material made from day `first` to `last` (MMDD)."""
    days = [datetime(2026, 1, 1) + timedelta(days=d) for d in range(59)]
    return {f"{letter}{day:%m%d}" for day in days if first <= f"{day:%m%d}" <= last}


def test_complaints_made_a_month_apart_are_compared_with_lots_made_around_each_not_between(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """BREAD complaints of 10 January and of 10 and 11 February, a CAKE complaint of 25 January.
    The comparable period was one span from the first complaint less 3 days to the last plus
    3 days, of every complaint material: 7 January to 14 February, 74 lots — those made in the
    month between the complaints were controls (on a 1M-lot plant, 50 complaints spread over
    3 years drew from 424,857 comparable lots, nearly every finished lot). Comparable lots are
    those made within 3 days of a complaint lot of their material: BREAD of 7-13 January and
    7-14 February (the two February windows merged, each lot counted once), CAKE of 22-28
    January — 18 lots, in 3 periods, and the note says the rule."""
    graph = _daily_lots(tmp_path, graph)
    complaints = ["B0110", "B0210", "B0211", "K0125"]
    comparable = (_made("B", "0107", "0113") | _made("B", "0207", "0214")
                  | _made("K", "0122", "0128")) - set(complaints)  # fmt: skip
    ranking = rootcause.rank_common_causes(graph, complaints)
    assert (ranking.comparable, sorted(ranking.controls)) == (18, sorted(comparable))
    assert ranking.as_dict()["comparable_periods"] == 3
    assert ranking.notes[0] == (
        "comparable lots: 18 lots of the same materials made within 3 days of a complaint lot "
        "of their material, in 3 periods (the complaint lots were made more than 6 days apart: "
        "lots made between the periods are not compared)"
    )
    # thinned: evenly spaced within the windows, never a lot made between them
    thinned = rootcause.rank_common_causes(graph, complaints, max_controls=6)
    assert thinned.comparable == 18 and len(thinned.controls) == 6
    assert set(thinned.controls) <= comparable, thinned.controls
    assert thinned.summary().startswith(
        "4 complaint lots against 6 controls (evenly spaced from 18 comparable lots)"
    )
    # complaints within one window: one period, said without a count of periods
    near = rootcause.rank_common_causes(graph, ["B0210", "B0211"])
    assert sorted(near.controls) == sorted(_made("B", "0207", "0214") - {"B0210", "B0211"})
    assert near.notes[0] == (
        "comparable lots: 6 lots of the same materials made within 3 days of a complaint lot "
        "of their material"
    )
    assert near.as_dict()["comparable_periods"] == 1


def test_each_windows_ends_are_instants_whatever_their_offsets(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """Complaint lots C1 and C2 made a month apart at 08:00Z, a day either side: lots made at
    the ends of either window written in another offset are inside, a microsecond beyond
    either end outside, and a lot made between the windows (MID) is no comparable lot — it
    was, in the one span from C1 to C2. Both queries that read the windows agree."""
    rows = "".join(
        f"END-HI-{n},BREAD,10,pcs,2026-{month}-08T09:00:00+01:00\n"
        f"END-LO-{n},BREAD,10,pcs,2026-{month}-06T03:00:00-05:00\n"
        f"OUT-HI-{n},BREAD,10,pcs,2026-{month}-08T09:00:00.000001+01:00\n"
        f"OUT-LO-{n},BREAD,10,pcs,2026-{month}-06T02:59:59.999999-05:00\n"
        for n, month in ((1, "01"), (2, "02"))
    )
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\n"
        "C1,BREAD,10,pcs,2026-01-07T08:00:00Z\nC2,BREAD,10,pcs,2026-02-07T08:00:00Z\n"
        "MID,BREAD,10,pcs,2026-01-20T08:00:00Z\n" + rows,
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    inside = ["END-HI-1", "END-HI-2", "END-LO-1", "END-LO-2"]
    (found,) = graph.read(
        "rootcause/comparable_lots",
        lot_ids=["C1", "C2"],
        days=1,
        max_controls=10,
        passed_over=[],
        downstream_of=[],
    )
    assert (found["comparable"], sorted(found["controls"])) == (4, inside)
    assert len(found["windows"]) == 2
    more = graph.read(
        "rootcause/more_controls", lot_ids=["C1", "C2"], days=1, taken=["C1", "C2"], missing=10
    )
    assert sorted(row["lot_id"] for row in more) == inside
    # the lots passed over are those of the windows too: MID is none
    (again,) = graph.read(
        "rootcause/comparable_lots",
        lot_ids=["C1", "C2"],
        days=1,
        max_controls=10,
        passed_over=["END-HI-2", "MID"],
        downstream_of=[],
    )
    assert again["passed_over"] == ["END-HI-2"]
    assert sorted(again["controls"]) == ["END-HI-1", "END-LO-1", "END-LO-2"]


def test_more_controls_are_spread_over_the_period_not_its_first_lots(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """When the evenly spaced picks come out short, the controls read to make up the number
    are spread over the period's free lots as the picks are: three of ten free lots made an
    hour apart are the 1st, 4th and 7th, not the three oldest (which compared the complaints
    with one end of the period only)."""
    rows = "".join(f"F{i},BREAD,10,pcs,2026-01-07T{i:02d}:00:00Z\n" for i in range(10))
    (tmp_path / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\nC,BREAD,10,pcs,2026-01-07T05:30:00Z\n" + rows,
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path]).rejects == []
    more = graph.read("rootcause/more_controls", lot_ids=["C"], days=1, taken=["C"], missing=3)
    assert [row["lot_id"] for row in more] == ["F0", "F3", "F6"]
    every = graph.read(
        "rootcause/more_controls", lot_ids=["C"], days=1, taken=["C", "F1"], missing=20
    )
    assert [row["lot_id"] for row in every] == [f"F{i}" for i in range(10) if i != 1]
    # A second complaint a month later, D at 05:30Z with ten lots G0-G9 made an hour apart
    # around it, and a lot made between the two (MID): the free lots are those of the two
    # windows only, 20, and six of them are spread over both — MID was one of the 21 free lots
    # of the one span from C to D.
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "lots.csv").write_text(
        "lot_id,material_id,quantity,uom,created_at\nD,BREAD,10,pcs,2026-02-07T05:30:00Z\n"
        "MID,BREAD,10,pcs,2026-01-20T05:30:00Z\n"
        + "".join(f"G{i},BREAD,10,pcs,2026-02-07T{i:02d}:00:00Z\n" for i in range(10)),
        encoding="utf-8",
    )
    assert import_paths(graph, [tmp_path / "later"]).rejects == []
    both = graph.read(
        "rootcause/more_controls", lot_ids=["C", "D"], days=1, taken=["C", "D"], missing=6
    )
    assert [row["lot_id"] for row in both] == ["F0", "F3", "F6", "G0", "G3", "G6"]


def test_the_adjustment_counts_the_factors_of_every_lot_not_only_the_complaints(
    graph: TraceGraph, tmp_path: Path
) -> None:
    """100 batches of dough each packed into three loaves; ten complaint loaves, two of them
    from batch B000, the others from B001-B008 (one each). Two of ten sharing one of 100
    batches happens by chance: p = 0.0030 for B000 (2 of 10, 1 of 290 controls), and any of
    the 100 batches could have been the one. Tarone's count of testable factors was taken over
    the complaints' factors only (9 batches: p_adjusted 0.027, "likely"); chosen after seeing
    which lots are complaints, it no longer bounds the family-wise error (a tester's 90 random
    sets of 10 lots: 12 called likely or strong). Over every lot's factors it is 100 (each
    batch carried by 3 lots can reach p = 2.7e-5): p_adjusted 0.30, could be chance."""
    at = "2026-01-07T08:00:00Z"
    batches = [f"B{i:03d}" for i in range(100)]
    files = {
        "lots.csv": "lot_id,material_id,quantity,uom,created_at\n"
        + "".join(f"{b},DOUGH,30,kg,{at}\n" for b in batches)
        + "".join(f"{b}-{k},BREAD,10,kg,{at}\n" for b in batches for k in "abc"),
        "steps.csv": "step_id,operation,started_at\n"
        + "".join(f"P-{b},pack,{at}\n" for b in batches),
        "step_inputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"P-{b},{b},30,kg\n" for b in batches),
        "step_outputs.csv": "step_id,lot_id,quantity,uom\n"
        + "".join(f"P-{b},{b}-{k},10,kg\n" for b in batches for k in "abc"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejects == []
    complaints = ["B000-a", "B000-b", *(f"B{i:03d}-a" for i in range(1, 9))]
    controls = [f"{b}-{k}" for b in batches for k in "abc" if f"{b}-{k}" not in complaints]
    ranking = rootcause.rank_common_causes(graph, complaints, controls)
    (batch,) = [f for f in ranking.factors if f["value"].startswith("B000")]
    assert (batch["complaints_with"], batch["controls_with"]) == (2, 1)
    p = float(hypergeom.sf(1, 300, 3, 10))
    assert batch["p_value"] == pytest.approx(p, rel=1e-9)
    assert batch["p_adjusted"] == pytest.approx(100 * p, rel=1e-9)
    assert batch["verdict"] == "could be chance"
    assert ranking.factors_tested == ranking.as_dict()["factors_tested"] == 100


def _factor(kind: str, value: str, a: int, c: int, p: float, adjusted: float, verdict: str,
            n: int = 33) -> dict[str, Any]:  # fmt: skip
    return {"kind": kind, "value": value, "complaints_with": a, "complaints": n,
            "complaint_share": a / n, "controls_with": c, "controls": 1000,
            "control_share": c / 1000, "p_value": p, "p_adjusted": adjusted,
            "verdict": verdict}  # fmt: skip


TESTERS_FACTORS = [
    _factor("parameter out of range",
            "oven_temp_c high at bake (above 237, the controls' 95th percentile)",
            30, 46, 9.4e-34, 7.7e-31, "strong"),
    _factor("shift", "pack 2026-01-09 08:00–16:00", 26, 47, 3.2e-26, 2.6e-23, "strong"),
    _factor("operation on device", "bake on OVEN-3", 30, 167, 1.2e-19, 1e-16, "strong"),
    _factor("operator", "OP10", 3, 120, 9.4e-3, 0.34, "could be chance"),
    _factor("raw lot", "R0003734", 1, 1000, 1e-301, 0.0, "strong common cause"),
]  # fmt: skip


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_the_factor_table_never_splits_a_number_or_a_date(width: int) -> None:
    """At 80 columns the seven columns got near-equal widths and folded mid-token:
    `2026-01-0`/`9`, `08:00–16:`/`00`, `9.4e-3`/`4` (read as 0.0094), `46/10`/`00`, the header
    `complaint`/`s`. Every word of every cell is whole on some line, at 60 to 120 columns, and
    no line is wider than the terminal; narrower than the table's words need (60; 80 with
    `< 1e-300` and `1000/1000`), each factor is a paragraph; from 100 columns a table, the value
    column the widest and the counts on one line."""
    from rich.console import Console

    from tracegraph.cli.rootcause import factor_table

    console = Console(width=width, record=True, file=io.StringIO(), highlight=False)
    console.print(factor_table(TESTERS_FACTORS, width))
    text = console.export_text()
    lines = text.splitlines()
    assert max(map(len, lines)) <= width
    words = {word for f in TESTERS_FACTORS for word in (
        *f["value"].split(), "complaints", rootcause.p_text(f["p_value"]),
        rootcause.p_text(f["p_adjusted"]), f"{f['controls_with']}/1000",
        f"{f['complaints_with']}/33")}  # fmt: skip
    split = [word for word in words if not any(word in line for line in lines)]
    assert split == [], text
    if width >= 100:
        header = next(line for line in lines if "kind" in line)
        cells = [len(cell) for cell in header.split("┃")[1:-1]]
        assert cells[1] == max(cells), text  # the width went to the value column
        assert "30/33 (91%)" in text and "1000/1000 (100%)" in text


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_the_rootcause_table_keeps_its_dates_and_counts_whole_at_every_width(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, width: int
) -> None:
    """`rootcause P1 P2 --controls A,B` on a terminal of 60 to 120 columns: the shifts'
    dates and hours (`2026-11-03`, `08:00–16:00`), the counts (`2/2`) and the header
    `complaints` are whole on a line; at 80 columns the table folded `2026-11-0`/`3`."""
    shown = runner.invoke(app, ["rootcause", "P1", "P2", "--controls", "A,B"],
                          env={"COLUMNS": str(width)})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    split = [word for word in ("2026-11-03", "08:00–16:00", "2/2", "0/2", "complaints",
                               "MIXER-1", "PACKER-1")
             if not any(word in line for line in lines)]  # fmt: skip
    assert split == [], shown.stdout


def test_a_complaint_lot_given_several_ways_is_counted_once_and_said_so(
    hand_plant: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner
) -> None:
    """P1 given as `P1` and `lot_id|P1`, P2 twice: 4 ids, 2 complaint lots. The summary said
    "2 complaint lots" under a list of 4 without a word (the tester's R0003909 given four ways,
    35 lines and 32 complaints)."""
    ranking = rootcause.rank_common_causes(hand_plant, ["P1", "lot_id|P1", "P2", "P2 "], ["A", "B"])
    assert ranking.complaints == ["P1", "P2"]
    assert ranking.notes[0] == (
        "4 ids given name 2 complaint lots, each lot counted once: P1 given as P1, lot_id|P1; "
        "P2 given 2 times"
    )
    shown = runner.invoke(app, ["rootcause", "P1", "lot_id|P1", "P2", "--controls", "A,B"])
    assert shown.exit_code == 0, shown.output
    assert "note: 3 ids given name 2 complaint lots, each lot counted once: P1 given as P1, " in (
        shown.stderr
    )


def test_lots_named_by_a_key_rank_as_when_named_by_their_ids(hand_plant: TraceGraph) -> None:
    """A complaint and a control named by their supplier lots' keys (`supplier_lot|V1|000123` is
    A, `supplier_lot|V2|000123` B) rank as when named by their ids: the factor rows are read
    while the ids are looked up, by the ids as given, and the lots an id names by another key
    after (read by the ids alone, A had no factor and B counted none)."""
    by_key = rootcause.rank_common_causes(
        hand_plant, ["supplier_lot|V1|000123"], ["supplier_lot|V2|000123", "P2"]
    )
    by_id = rootcause.rank_common_causes(hand_plant, ["A"], ["B", "P2"])
    assert (by_key.complaints, by_key.controls) == (["A"], ["B", "P2"])
    assert [(f["kind"], f["value"], f["complaints_with"], f["controls_with"])
            for f in by_key.factors] == [("supplier", "V1", 1, 1)]  # fmt: skip
    assert (by_key.factors, by_key.notes) == (by_id.factors, by_id.notes)


def _reads(graph: TraceGraph, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """Each query `graph` reads from now on, by name, with the lots of the factor rows it
    returned (as returned: the ranking extends the list). The database answers as ever: the
    list only records."""
    done: list[tuple[str, list[str]]] = []
    read = graph.read

    def recorded(name: str, /, **params: Any) -> list[Any]:
        found = read(name, **params)
        lots = found[0]["lots"] if name == "rootcause/factors" else []
        done.append((name, sorted(row["lot_id"] for row in lots)))
        return found

    monkeypatch.setattr(graph, "read", recorded)
    return done


def _factors_read(reads: list[tuple[str, list[str]]]) -> list[list[str]]:
    """The lots of each factors query that read any, in the order run."""
    return [lots for name, lots in reads if name == "rootcause/factors" and lots]


def test_lots_named_by_keys_have_their_factors_read_once(
    hand_plant: TraceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Complaint A and control B named by their supplier lots' keys, control P2 by its id: the
    factors were read twice, P2's while the ids were looked up and A's and B's after, each read
    with the devices' bounds beside it. One read of the three lots, the bounds read once."""
    reads = _reads(hand_plant, monkeypatch)
    ranking = rootcause.rank_common_causes(
        hand_plant, ["supplier_lot|V1|000123"], ["supplier_lot|V2|000123", "P2"]
    )
    assert (ranking.complaints, ranking.controls) == (["A"], ["B", "P2"])
    assert _factors_read(reads) == [["A", "B", "P2"]]
    assert [name for name, _ in reads].count("rootcause/device_bounds") == 1


@pytest.mark.parametrize("controls", [["A", "B"], None])
def test_a_mistyped_id_is_named_before_any_factor_is_read(
    hand_plant: TraceGraph, monkeypatch: pytest.MonkeyPatch, controls: list[str] | None
) -> None:
    """`P9X` among P1 and P2: the factors of P1 and P2 and the devices' bounds were read while
    the ids were looked up, and the error came after them (~80 ms on the 1M-lot plant). No
    factor is read before the error, and no step's alarms sought (the devices' bounds and a
    small plant's alarms are read beside the look-up, as before: after it, they put two round
    trips between the look-up and the ranking)."""
    reads = _reads(hand_plant, monkeypatch)
    with pytest.raises(UnknownLot, match="P9X"):
        rootcause.rank_common_causes(hand_plant, ["P1", "P2", "P9X"], controls)
    assert _factors_read(reads) == []
    assert [name for name, _ in reads if name == "rootcause/step_alarms"] == []


# the top four of the tester's 33 complaints on the 10k plant (rootcause --lots-file
# complaints.txt --top 4)
TESTERS_TOP_FOUR = [
    _factor("shift", "pack 2026-01-09 08:00–16:00", 19, 44, 2.6e-19, 2.1e-16, "strong", n=26),
    _factor("operation on device", "bake on OVEN-3", 23, 163, 4.3e-15, 3.4e-12, "strong", n=26),
    _factor("device", "OVEN-3", 23, 168, 8e-15, 6.4e-12, "strong", n=26),
    _factor("shift", "bake 2026-01-09 08:00–16:00", 15, 40, 6e-14, 4.8e-11, "strong", n=26),
]  # fmt: skip


def test_an_ordinary_ranking_is_a_table_at_80_columns_and_paragraphs_have_no_trailing_spaces() -> (
    None
):
    """At 80 columns the tester's top four needed 59 characters of words for 58 (the header
    `complaints` alone 10, over counts of 5) and always fell back to numbered paragraphs, whose
    lines ended in the grid's padding. The header breaks at a syllable (`com-`/`plaints`) and
    the table fits, the shifts' hours whole; at 60 columns the paragraphs' lines end in a
    character, not a space."""
    from rich.console import Console

    from tracegraph.cli.rootcause import factor_table

    def shown(width: int) -> list[str]:
        console = Console(width=width, record=True, file=io.StringIO(), highlight=False)
        console.print(factor_table(TESTERS_TOP_FOUR, width))
        return console.export_text().splitlines()

    table = shown(80)
    assert any("┃ kind" in line for line in table), "\n".join(table)
    assert max(map(len, table)) <= 80
    assert sum("08:00–16:00" in line for line in table) == 2
    assert any("com-" in line for line in table) and any("plaints" in line for line in table)
    paragraphs = shown(60)
    assert paragraphs[1] == "1. shift pack 2026-01-09 08:00–16:00", "\n".join(paragraphs)
    assert paragraphs[3] == "   complaints 19/26 (73%) · controls 44/1000 (4%)"
    assert [line for line in paragraphs if line != line.rstrip()] == []
