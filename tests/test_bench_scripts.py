"""./scripts/bench-import, bench-write-floor, bench-trace, bench-device-events, bench-lot-records
and bench-package (README: "Import speed", "Trace speed") run end to end on a
small plant against the test server and write the results files they promise; their timings are
not judged here (benchmarks, not timed tests)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tracegraph import xlsx
from tracegraph.bench_lot_records import check_alike, remove_records, ways, write_records
from tracegraph.bench_package import check_workbooks_alike
from tracegraph.errors import TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.plant import COMMODITY

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, out: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / script), "--lots", "400", "--out", str(out), *args],
        env=os.environ | env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("shape", ["canonical", "sap"])
def test_bench_import_records_rates_and_reimport_ratios(
    neo4j_env: dict[str, str], tmp_path: Path, shape: str
) -> None:
    _run("bench-import", tmp_path, neo4j_env, "--shape", shape, "--note", "before the change")
    (result,) = json.loads((tmp_path / "import-results.json").read_text())
    assert result["rejected"] == 0 and result["rows"] > result["lots"] > 0
    assert result["node_rows_per_s"] > 0 and result["relationship_rows_per_s"] > 0
    # the unchanged files are skipped (not timed here: the script records the seconds);
    # forcing them re-reads every row and changes none
    assert result["unchanged_rows_read"] == 0 and result["unchanged_files_skipped"] > 0
    assert result["unchanged_reimport_seconds"] > 0
    assert result["forced_rows_changed"] == 0
    # the importing processes' own peak memory (each a spawned child, not the generator's)
    first, forced = result["first_import_peak_rss_mb"], result["forced_reimport_peak_rss_mb"]
    assert 0 < first < 4096 and 0 < forced < 4096
    table = (tmp_path / "import-results.md").read_text()
    assert f"| {result['lots']:,} | {shape} | {result['rows']:,} |" in table
    assert f"| {first:,} / {forced:,} |" in table
    assert table.endswith(f"\n- {result['when']} ({shape}): before the change\n")


def test_bench_trace_times_every_command_after_the_round_trip_floor(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    _run("bench-trace", tmp_path, neo4j_env, "--runs", "8")
    (result,) = json.loads((tmp_path / "trace-results.json").read_text())
    commands = result["commands"]
    assert next(iter(commands)) == "driver round trip (RETURN 1)"
    assert len(commands) == 10
    for name, timing in commands.items():
        assert timing["runs"] >= 2, name
        assert 0 < timing["p50_ms"] <= timing["p95_ms"] <= timing["max_ms"], name
    assert commands["trace forward (wide, salt lot)"]["mean_size"] > 10
    assert commands["rootcause (50 complaint lots)"]["mean_size"] > 0  # controls were found
    assert commands["rootcause (50 complaint lots of one day)"]["mean_size"] > 0
    assert "| trace backward (finished lot) |" in (tmp_path / "trace-results.md").read_text()


def test_bench_device_events_times_both_ways_of_reading_a_devices_events(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    _run("bench-device-events", tmp_path, neo4j_env, "--alarms-per-device", "300", "--runs",
         "6", "--rounds", "2")  # fmt: skip
    (result,) = json.loads((tmp_path / "device-events-results.json").read_text())
    assert result["device_events"] > 14 * 300
    assert len(result["commands"]) == 3
    for name, modes in result["commands"].items():
        assert list(modes) == ["walk", "index"], name
        for timing in modes.values():
            assert timing["runs"] >= 12 and 0 < timing["p50_ms"] <= timing["p95_ms"], name
        # the same answers either way
        assert modes["walk"]["mean_size"] == modes["index"]["mean_size"], name
    table = (tmp_path / "device-events-results.md").read_text()
    assert "| trace backward (finished lot) | index |" in table


def test_bench_write_floor_measures_each_way_of_writing_the_plants_lots(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    _run("bench-write-floor", tmp_path, neo4j_env)
    (result,) = json.loads((tmp_path / "write-floor-results.json").read_text())
    assert result["lots"] > 300 and result["batch_rows"] == 5000 and result["writers"] == 2
    # every way wrote every lot (the script checks the database held them all afterwards)
    assert [w["way"] for w in result["ways"]] == [
        "Lot, lot_id only, no schema", "Lot, a lot row's properties, no schema",
        "Lot, a lot row's properties, tracegraph's schema", "tracegraph import of lots.csv",
    ]  # fmt: skip
    for way in result["ways"]:
        assert way["rows"] == result["lots"] and way["rows_per_s"] > 0, way
    table = (tmp_path / "write-floor-results.md").read_text()
    assert "| Lot, a lot row's properties, tracegraph's schema |" in table


def test_bench_write_floor_splits_the_schema_one_lot_object_left_out_at_a_time(
    neo4j_env: dict[str, str], tmp_path: Path, graph: TraceGraph
) -> None:
    """--split-schema: the whole schema, then without each constraint or index of the Lot label
    (each named), then none; every way measured in each kept round, the warm-up's left out."""
    _run("bench-write-floor", tmp_path, neo4j_env, "--split-schema", "--rounds", "2",
         "--warm-up", "1")  # fmt: skip
    (result,) = json.loads((tmp_path / "write-floor-results.json").read_text())
    lot_objects = sorted(o.name for o in graph.schema_objects() if "Lot" in o.labels_or_types)
    ways = [w["way"] for w in result["ways"]]
    whole = "Lot, a lot row's properties, tracegraph's schema"
    assert ways[0] == whole and ways[-1] == "Lot, a lot row's properties, no schema"
    assert sorted(w.split(" but ")[1].split(" (")[0] for w in ways[1:-1]) == lot_objects
    assert {"constraint_unique_Lot_lot_id", "lot_identity_fulltext"} <= set(lot_objects)
    assert result["rounds"] == 2 and result["warm_up"] == 1
    for way in result["ways"]:
        assert way["rows"] == result["lots"] and len(way["rounds_cpu_us_per_row"]) == 2, way
    assert (
        "median of 2 alternating rounds after 1 not kept"
        in (tmp_path / "write-floor-results.md").read_text()
    )


def test_bench_lot_records_times_three_ways_and_fails_on_a_record_that_differs(
    neo4j_env: dict[str, str], tmp_path: Path, graph: TraceGraph
) -> None:
    """The script times each question three ways and leaves no record behind; its check fails
    when one lot's record says other than the graph (a quantity changed after it was written)
    and when the traversal counts other than the BFS reaches."""
    _run("bench-lot-records", tmp_path, neo4j_env, "--runs", "3")
    (result,) = json.loads((tmp_path / "lot-records-results.json").read_text())
    assert result["lots"] > 300 and result["records_written"]["lots"] == result["lots"]
    assert list(result["questions"]) == [
        "forward, wide (commodity lot)", "forward, ~3k lots (consecutive commodity lots)",
        "forward, ~100k lots (consecutive commodity lots)",
    ]  # fmt: skip
    for question in result["questions"].values():
        assert question["runs"] >= 3 and question["median_lots"] > 1, question
        assert list(question["ways"]) == ["now", "records", "traversal alone"]
    table = (tmp_path / "lot-records-results.md").read_text()
    assert "| forward, wide (commodity lot) |" in table
    lot_ids = graph.read("bench/lot_record_ids")[0]["lot_ids"]
    assert len(lot_ids) == result["lots"]  # the plant is still there, its records are not:
    held, _, _ = graph.driver.execute_query(
        "MATCH (lot:Lot) WHERE lot._bench_record IS NOT NULL RETURN count(*) AS n",
        database_=graph.database,
    )
    assert held[0]["n"] == 0
    salt = [r["id"] for r in graph.driver.execute_query(
        "MATCH (lot:Lot)-[:OF]->(:Material {material_id: $m}) RETURN lot.lot_id AS id",
        m=COMMODITY, database_=graph.database).records][:2]  # fmt: skip
    fetch = ways(graph)
    write_records(graph, lot_ids)
    try:
        reached = {row[0] for row in fetch["now"](salt)[0]}
        check_alike([salt], fetch, lambda ids: reached)
        # a BFS that reaches one lot fewer than the traversal counts fails the check
        with pytest.raises(TracegraphError, match="the traversal counts"):
            check_alike([salt], fetch, lambda ids: set(sorted(reached)[1:]))
        changed = sorted(reached - set(salt))[0]
        graph.driver.execute_query(
            "MATCH (lot:Lot {lot_id: $id}) SET lot.quantity = lot.quantity + 1",
            id=changed,
            database_=graph.database,
        )
        with pytest.raises(TracegraphError, match="records differ from trace/forward"):
            check_alike([salt], fetch, lambda ids: reached)
    finally:
        remove_records(graph, lot_ids)


def test_bench_package_times_packages_and_both_workbooks_and_checks_they_read_alike(
    neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    _run("bench-package", tmp_path, neo4j_env, "--runs", "2")
    (result,) = json.loads((tmp_path / "package-results.json").read_text())
    recalls = result["recalls"]
    assert list(recalls) == ["commodity lot", "~3k lots (consecutive commodity lots)",
                             "~100k lots (consecutive commodity lots)"]  # fmt: skip
    for name, recall in recalls.items():
        assert recall["lots"] > 10 and recall["events"] > recall["lots"], name
        assert recall["package"]["runs"] == 2 and recall["package"]["p50_ms"] > 0, name
        assert set(recall["writers"]) == {"tracegraph.xlsx", "openpyxl write-only", "events CSV",
                                          "EPCIS JSON-LD"}  # fmt: skip
        assert recall["p50_ratio_to_openpyxl"]["tracegraph.xlsx"] > 0
    table = (tmp_path / "package-results.md").read_text()
    assert "| commodity lot | 1 |" in table


def test_bench_packages_check_fails_when_the_workbooks_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check that both writers' workbooks hold the same is able to fail: a changed value,
    a row more, a sheet split in two are each a one-line error."""
    from tracegraph.bench_package import openpyxl_workbook, package_workbook

    events = [{"traceability_lot_code": f"L{n}", "quantity": n, "event_type": "shipping",
               "event_date_utc": "2026-11-04 08:00:00"} for n in range(5)]  # fmt: skip
    customers = ([{"customer_id": "C1", "name": "=Shop two"}], ("customer_id", "name"))
    stock = [{"lot_id": "L1", "remaining": 2.5}]
    shipped = [{"shipment_id": "S1", "shipped_at": "2026-11-04T08:00:00+00:00"}]
    ours = package_workbook(tmp_path / "ours.xlsx", (events, customers, stock, shipped))
    check_workbooks_alike(
        ours, openpyxl_workbook(tmp_path / "theirs.xlsx", (events, customers, stock, shipped))
    )
    changed = [*events[:2], {**events[2], "quantity": 99}, *events[3:]]
    other = openpyxl_workbook(tmp_path / "changed.xlsx", (changed, customers, stock, shipped))
    with pytest.raises(TracegraphError, match=r"^sheet 'tracking events': row 4 differs$"):
        check_workbooks_alike(ours, other)
    longer = openpyxl_workbook(
        tmp_path / "longer.xlsx", ([*events, events[0]], customers, stock, shipped)
    )
    with pytest.raises(TracegraphError, match=r"^sheet 'tracking events': row 7 differs$"):
        check_workbooks_alike(ours, longer)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # ours split in two sheets, the baseline not
    split = package_workbook(tmp_path / "split.xlsx", (events, customers, stock, shipped))
    with pytest.raises(TracegraphError, match=r"^sheet 'tracking events': row 5 differs$"):
        check_workbooks_alike(split, ours)


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("bench-lot-records", ["--lots", "0"], "argument --lots: 0 is too small (use at least 50)"),
        ("bench-lot-records", ["--runs", "0"], "argument --runs: 0 is too small (use at least 1)"),
        ("bench-write-floor", ["--lots", "x"], "argument --lots: 'x' is not a whole number"),
        ("bench-package", ["--runs", "0"], "argument --runs: 0 is too small (use at least 1)"),
    ],
)
def test_bench_scripts_refuse_sizes_that_measure_nothing_in_one_line(
    script: str, args: list[str], message: str
) -> None:
    """Refused before the server is touched: argparse's usage and one error line, exit 2."""
    done = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1].endswith(message)
    assert "Traceback" not in done.stderr
