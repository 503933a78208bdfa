"""./scripts/bench: the engine comparison runs end to end on a small plant (real Neo4j, real
PostgreSQL started by the script), its reference agrees with the suite's own BFS model, and a
wrong answer from any engine stops the run."""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hand_plant import HAND_PLANT
from plant_model import PlantModel
from unended_plant import UNENDED_PLANT

from tracegraph.bench_engines import (
    ENGINES,
    Mismatch,
    Question,
    Weighed,
    _pg_factor_rows,
    sized_sets,
)
from tracegraph.compare.memory import InMemoryPlant
from tracegraph.compare.postgres import (
    backward_trace,
    find_binaries,
    forward_trace,
    load_plant,
    running_postgres,
    window_trace,
)
from tracegraph.errors import TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.importing.run import import_paths
from tracegraph.plant import generate_plant
from tracegraph.rootcause import SPLIT_FROM
from tracegraph.trace import trace_backward, trace_forward, trace_window

ROOT = Path(__file__).resolve().parent.parent


def _postgres_installed() -> bool:
    try:
        find_binaries()
    except TracegraphError:
        return False
    return True


needs_postgres = pytest.mark.skipif(
    not _postgres_installed() and not os.environ.get("CI"),
    reason="PostgreSQL 15 is not installed (CI installs it; apt-get install postgresql-15)",
)


@needs_postgres
def test_bench_script_compares_three_engines_and_writes_results(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--lots", "800", "--runs", "6", "--out", str(out)],
        env=os.environ | neo4j_env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    saved = json.loads((out / "results.json").read_text())
    result = saved["scales"][next(iter(saved["scales"]))]
    assert 760 <= result["lots"] <= 840
    assert len(result["questions"]) == 8
    for name, question in result["questions"].items():
        assert question["runs"] >= 2, name
        assert question["median_size"] >= 1, name
        for engine in ENGINES:
            assert 0 < question[engine]["p50_ms"] <= question[engine]["p95_ms"], (name, engine)
    # the traces' time split into each database's part and the library's (the same code for
    # both); not for the window (its lots come first) nor the ranking
    split = [n for n, q in result["questions"].items() if "database_p50_ms" in q["tracegraph"]]
    assert split == [n for n in result["questions"] if n.startswith(("forward", "backward"))]
    for name in split:
        question = result["questions"][name]
        for engine in ("tracegraph", "postgresql"):
            part, rest = question[engine]["database_p50_ms"], question[engine]["library_p50_ms"]
            # each run's database part is within its whole time, so their medians are too
            assert 0 < part <= question[engine]["p50_ms"] and rest > 0, (name, engine)
    assert result["load"]["postgresql"]["rows"] == result["load"]["tracegraph"]["rows"]
    assert result["footprint"]["postgresql"]["store_bytes"] > 0
    markdown = (out / "results.md").read_text()
    assert "| forward, wide (commodity lot) |" in markdown
    assert "| forward, ~100k lots (consecutive commodity lots) |" in markdown
    assert "| tracegraph database / library | PostgreSQL database / library |" in markdown
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    again = subprocess.run(  # the database holds this plant: --reuse skips the Neo4j import
        [str(ROOT / "scripts" / "bench"), "--lots", "800", "--runs", "3", "--reuse",
         "--out", str(out)],
        env=os.environ | neo4j_env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "Neo4j already holds them (--reuse)" in again.stdout
    saved = json.loads((out / "results.json").read_text())
    assert list(saved["scales"]) == [str(result["lots"])]  # the scale replaced, not added
    assert saved["scales"][str(result["lots"])]["load"]["tracegraph"] == {"reused": True}
    assert "tracegraph import not repeated" in (out / "results.md").read_text()


def test_sized_sets_are_the_fewest_consecutive_lots_that_reach_the_size() -> None:
    pool = [f"L{i:03}" for i in range(100)]

    def reach(lots: list[str]) -> set[str]:  # each lot reaches itself and 9 lots of its own
        return {f"{lot}/{k}" for lot in lots for k in range(10)}

    sets = sized_sets(pool, reach, 95, 20, random.Random(3))
    assert len(sets) == 20
    for chosen in sets:
        assert len(chosen) == 10  # 10 lots reach 100 >= 95; 9 reach 90
        start = pool.index(chosen[0])
        assert chosen == [pool[(start + i) % 100] for i in range(10)]  # consecutive, wrapping
    assert len({tuple(c) for c in sets}) > 1  # random starts
    [whole] = sized_sets(pool, reach, 5_000, 1, random.Random(3))
    assert sorted(whole) == pool  # a plant too small for the size: the whole pool


def test_in_memory_reference_agrees_with_the_suites_model(tmp_path: Path) -> None:
    plant = generate_plant(1500, 5, tmp_path / "plant")
    memory, model = InMemoryPlant(plant.out), PlantModel(plant.out)
    salt = sorted(plant.commodity_lots)[0]
    some = [salt, *sorted(model.lots)[::97]]
    for lot in some:
        assert memory.forward([lot]) == {lot, *model.forward([lot])}, lot
        assert memory.backward([lot]) == {lot, *model.backward([lot])}, lot


@needs_postgres
def test_postgres_recursive_sql_agrees_with_the_suites_model(tmp_path: Path) -> None:
    plant = generate_plant(1200, 7, tmp_path / "plant")
    model = PlantModel(plant.out)
    lots = [sorted(plant.commodity_lots)[0], *sorted(model.lots)[::89]]
    with running_postgres() as pg, pg.connect() as conn:
        loaded = load_plant(pg, plant.out)
        assert loaded["rows"] == sum(
            len((plant.out / f).read_text().splitlines()) - 1
            for f in os.listdir(plant.out) if f.endswith(".csv")
        )  # fmt: skip
        for lot in lots:
            forward = {r["lot_id"] for r in forward_trace(conn, [lot]).lots}
            backward = {r["lot_id"] for r in backward_trace(conn, [lot]).lots}
            assert forward == set(model.forward([lot])), lot
            assert backward == set(model.backward([lot])), lot
        # factors of many lots come from concurrent queries over shares of them, as one query's
        many = sorted(model.lots)[: 2 * SPLIT_FROM + 1]
        split, whole = _pg_factor_rows(pg)(many), _pg_factor_rows(pg, queries=1)(many)
        assert [r["lot_id"] for r in split] == many
        assert _by_lot(split) == _by_lot(whole)
        assert sum(bool(r["steps"]) for r in whole) > len(many) // 2
    assert not pg.folder.exists(), "the throwaway data folder is removed"


def _by_lot(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Factors rows by lot, each list in a fixed order (rows may come in any order)."""
    return {
        r["lot_id"]: (sorted(r["raw_lots"]), sorted(r["input_lots"]), sorted(r["suppliers"]),
                      sorted(json.dumps(s, sort_keys=True) for s in r["steps"]))
        for r in rows
    }  # fmt: skip


def test_a_wrong_answer_stops_the_run_with_exit_code_1() -> None:
    right = {"a": {"a", "b"}, "c": {"c"}}
    question = Question(
        "forward", ["a", "a", "a", "a", "c"],
        {"tracegraph": right.__getitem__, "in-memory": right.__getitem__,
         "postgresql": lambda lot: {"a", "b"}},  # right for "a", wrong for "c"
    )  # fmt: skip
    with pytest.raises(Mismatch, match="postgresql and the in-memory BFS disagree for 'c'") as e:
        question.run()
    assert e.value.exit_code == 1
    assert "2 extra, 1 missing of 1" in str(e.value)


@needs_postgres
def test_postgres_traces_weigh_like_tracegraphs(hand_plant: TraceGraph, tmp_path: Path) -> None:
    """The benchmark times PostgreSQL on the whole answer: its rows, weighed by the library,
    give the trace tracegraph gives — amounts, shipments, customers, totals — so the two are
    timed on the same work. (Process parameters are extra columns the relational schema does
    not keep, so backward step maps are compared without them.)"""
    for name, text in HAND_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with running_postgres() as pg, pg.connect() as conn:
        load_plant(pg, tmp_path)
        for lot in ("A", "B", "M", "P1", "P2"):
            ours = trace_forward(hand_plant, [lot]).as_dict()
            theirs = forward_trace(conn, [lot]).as_dict()
            ours.pop("seconds"), theirs.pop("seconds")
            assert theirs == ours, lot
            mine, pgs = trace_backward(hand_plant, [lot]), backward_trace(conn, [lot])
            assert (pgs.sources, pgs.lots, pgs.suppliers, _links(pgs.steps)) == (
                mine.sources,
                mine.lots,
                mine.suppliers,
                _links(mine.steps),
            ), lot
        assert forward_trace(conn, ["B"]).totals["shipped_net"] is not None  # weighed, not empty
        start, end = datetime(2026, 11, 3, 7, tzinfo=UTC), datetime(2026, 11, 3, 8, 30, tzinfo=UTC)
        window = trace_window(hand_plant, "device", "MIXER-1", start.isoformat(), end.isoformat())
        made, forward, _, _ = window_trace(conn, "MIXER-1", start, end)
        assert made == window.processed_lots == ["M"]
        assert forward is not None and window.forward is not None
        assert {**forward.as_dict(), "seconds": 0} == {**window.forward.as_dict(), "seconds": 0}


@needs_postgres
def test_engines_agree_on_windows_over_steps_with_no_end(graph: TraceGraph, tmp_path: Path) -> None:
    """A step with no end time begun before a window is in it when it began less than the
    device's longest step (the import's longest_step_s) before the window: PostgreSQL and the
    in-memory BFS answer the window as tracegraph does, to the second of the bound. (Generated
    plants end every step; this plant has three steps without an end.)"""
    for name, text in UNENDED_PLANT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert import_paths(graph, [tmp_path]).rejected == 0
    memory = InMemoryPlant(tmp_path)
    windows = {  # from, to (2026-11-05/06, +01:00): the lots made in the window
        ("06T01:20:00", "06T02:00:00"): ["RF-X", "RF-IN"],
        ("06T03:00:00", "06T03:10:00"): ["RF-X", "RF-IN"],
        ("06T03:00:01", "06T03:10:00"): ["RF-IN"],  # 7,201 s after S-REF-X began: out
        ("06T03:40:00", "06T03:50:00"): [],
        ("05T21:59:00", "05T22:10:00"): ["RF-LONG"],  # ended steps by their end, as before
    }
    with running_postgres() as pg, pg.connect() as conn:
        load_plant(pg, tmp_path)
        for (begins, ends), lots in windows.items():
            start = datetime.fromisoformat(f"2026-11-{begins}+01:00")
            end = datetime.fromisoformat(f"2026-11-{ends}+01:00")
            ours = trace_window(graph, "device", "OVEN-1", start.isoformat(), end.isoformat())
            assert ours.processed_lots == lots, begins
            assert window_trace(conn, "OVEN-1", start, end)[0] == lots, begins
            assert memory.device_window("OVEN-1", start, end) == set(lots), begins


def _links(steps: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["step_id"], s["depth"], s["inputs"], s["outputs"], s["device_id"]) for s in steps]


def test_unequal_weighing_stops_the_run_with_exit_code_1() -> None:
    right = Weighed(frozenset({"a", "b"}), {"b": 0.375, "SH1 <- b": 0.375})
    wrong = Weighed(frozenset({"a", "b"}), {"b": 0.375, "SH1 <- b": 0.125})
    question = Question(
        "forward", ["a"] * 4,
        {"tracegraph": lambda _: right, "postgresql": lambda _: wrong,
         "in-memory": lambda _: {"a", "b"}},
    )  # fmt: skip
    with pytest.raises(Mismatch, match="tracegraph and PostgreSQL weigh 'a' differently") as e:
        question.run()
    assert "1 of 2 amounts, e.g. SH1 <- b: 0.375 vs 0.125" in str(e.value)
    close = Weighed(frozenset({"a", "b"}), {"b": 0.375 + 1e-12, "SH1 <- b": 0.375})
    assert right.differences(close) == ""  # sums over differently ordered edges may differ
