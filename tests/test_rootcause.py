"""The vectorised Fisher test equals scipy's own fisher_exact, table by table."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.stats import fisher_exact, hypergeom

from tracegraph import rootcause
from tracegraph.hypergeometric import at_least
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
    more, and the adjustment counts every factor that could be significant."""
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
    # every factor is in the adjustment's count: the range factor, the device, the operation
    # on it and the two shifts the complaints fall in could each be significant
    carriers = np.array([f["complaints_with"] + f["controls_with"] for f in ranked])
    assert top["p_adjusted"] == pytest.approx(
        min(1.0, top["p_value"] * rootcause.testable_count(carriers, 8, 40))
    )
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
