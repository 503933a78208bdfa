"""./scripts/bench: the engine comparison runs end to end on a small plant (real Neo4j, real
PostgreSQL started by the script), its reference agrees with the suite's own BFS model, and a
wrong answer from any engine stops the run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from plant_model import PlantModel

from tracegraph.bench_engines import ENGINES, Mismatch, Question
from tracegraph.compare.memory import InMemoryPlant
from tracegraph.compare.postgres import find_binaries, load_plant, running_postgres, sql
from tracegraph.errors import TracegraphError
from tracegraph.plant import generate_plant

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
    assert len(result["questions"]) == 5
    for name, question in result["questions"].items():
        assert question["runs"] >= 2, name
        assert question["median_size"] >= 1, name
        for engine in ENGINES:
            assert 0 < question[engine]["p50_ms"] <= question[engine]["p95_ms"], (name, engine)
    assert result["load"]["postgresql"]["rows"] == result["load"]["tracegraph"]["rows"]
    assert result["footprint"]["postgresql"]["store_bytes"] > 0
    markdown = (out / "results.md").read_text()
    assert "| forward, wide (commodity lot) |" in markdown
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
            forward = {r[0] for r in conn.execute(sql("forward"), {"lot_ids": [lot]}).fetchall()}
            backward = {r[0] for r in conn.execute(sql("backward"), {"lot_ids": [lot]})}
            assert forward == {lot, *model.forward([lot])}, lot
            assert backward == {lot, *model.backward([lot])}, lot
    assert not pg.folder.exists(), "the throwaway data folder is removed"


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
