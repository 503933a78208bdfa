"""The ledger's look-ups on a normal night cost what they find, not the ledger's size: a plant
importing every hour has tens of thousands of ImportRun nodes after a few years. Measured by
the server's own PROFILE (db hits), on a ledger of 3,000 runs written by Cypher in the shape
start_run gives them (a real import each would take an hour)."""

from __future__ import annotations

from typing import Any

from tracegraph import queries
from tracegraph.graph import TraceGraph

RUNS = 3_000

# One run every 30 minutes, each reading the same seven files (sha256s of its own), steps.csv
# in local time; the newest is done. RUNS_BEFORE_FILE_NODES: the runs alone, as versions before
# the ledger's file nodes wrote them; LEDGER: with a node per file, as start_files writes them.
RUNS_BEFORE_FILE_NODES = """
UNWIND range(0, $runs - 1) AS i
CREATE (run:ImportRun {run_id: 'R' + toString(i), status: 'done', format_level: 1,
  started_at: datetime('2024-01-01T00:00:00Z') + duration({minutes: 30 * i}),
  file_names: ['lots.csv', 'steps.csv', 'step_inputs.csv', 'step_outputs.csv',
               'inspections.csv', 'shipments.csv', 'shipment_lines.csv'],
  file_tables: ['lots', 'steps', 'step_inputs', 'step_outputs', 'inspections', 'shipments',
                'shipment_lines'],
  sha256: [f IN range(0, 6) | 'sha-' + toString(i) + '-' + toString(f)],
  fingerprints: [f IN range(0, 6) | 'fp-' + toString(i) + '-' + toString(f)],
  clean_fingerprints: [f IN range(0, 6) | 'fp-' + toString(i) + '-' + toString(f)],
  files: ['/exports/lots.csv', '/exports/steps.csv', '/exports/step_inputs.csv',
          '/exports/step_outputs.csv', '/exports/inspections.csv', '/exports/shipments.csv',
          '/exports/shipment_lines.csv'],
  local_time_paths: ['/exports/steps.csv'], local_time_tables: ['steps'], timezone: 'UTC',
  counts_json: '{}'})
"""
LEDGER = (
    RUNS_BEFORE_FILE_NODES
    + """
WITH run
UNWIND range(0, 6) AS f
CREATE (run)-[:READ]->(:ImportedFile {file_id: run.run_id + '|' + toString(f),
  run_id: run.run_id, position: f, name: run.file_names[f], path: run.files[f],
  table: run.file_tables[f], sha256: run.sha256[f], fingerprint: run.fingerprints[f],
  clean: true, started_at: run.started_at, timezone: 'UTC', source: 'canonical',
  local_time_path: CASE f WHEN 1 THEN run.files[f] END,
  local_time_tables: CASE f WHEN 1 THEN ['steps'] END})
"""
)


def _ledger(graph: TraceGraph) -> None:
    """RUNS runs with their file nodes, and the server's plans made for a ledger of that size:
    plans cached while earlier tests' ledgers held a few runs scanned an index it seeks (as a
    server replans once its statistics change)."""
    with graph.driver.session(database=graph.database) as session:
        session.run(LEDGER, runs=RUNS).consume()
        session.run("CALL db.clearQueryCaches()").consume()


def _db_hits(graph: TraceGraph, query: str, /, **params: Any) -> int:
    with graph.driver.session(database=graph.database) as session:
        profile = session.run("PROFILE " + queries.load(query), params).consume().profile
    assert profile is not None
    hits, todo = 0, [profile]
    while todo:
        operator = todo.pop()
        hits += operator.get("dbHits", 0)
        todo += operator.get("children", [])
    return hits


def test_a_normal_nights_ledger_look_ups_do_not_read_every_run(graph: TraceGraph) -> None:
    """With 30,000 runs a night's import spent 3.6 s in ledger look-ups that filtered (or
    sorted) every run before taking the newest: the last import of each file (60-90k db hits a
    file), the zone its times were last read in, the runs since the last one done; `imports`
    and `db status` projected every run to show 20 (990k hits). Read newest first on
    ImportRun.started_at's index and stopped at the first match or the limit, each costs a few
    dozen hits here, where filtering all 3,000 runs cost 6,000-9,000."""
    _ledger(graph)
    newest = f"fp-{RUNS - 1}-0"
    found = graph.read("import/previous_import_of_file", name="lots.csv", run_id="tonight",
                       fingerprint=newest, source="canonical")  # fmt: skip
    assert [row["run_id"] for row in found] == [f"R{RUNS - 1}"]
    costs = {
        "import/previous_import_of_file": _db_hits(
            graph, "import/previous_import_of_file", name="lots.csv", run_id="tonight",
            fingerprint=newest, source="canonical"),
        "import/previous_zone_of_file": _db_hits(
            graph, "import/previous_zone_of_file", path="/exports/steps.csv", run_id="tonight",
            table="steps"),
        "import/runs_not_ended": _db_hits(graph, "import/runs_not_ended", run_id="tonight"),
        "ledger/import_runs": _db_hits(graph, "ledger/import_runs", limit=20),
    }  # fmt: skip
    assert {name: cost for name, cost in costs.items() if cost > 500} == {}


def test_a_new_file_name_a_changed_file_and_db_status_do_not_read_every_run(
    graph: TraceGraph,
) -> None:
    """With 30,000 runs, three look-ups still read every run's lists (list elements cannot be
    indexed): a file name no run read (a dated name, lots_20261207.csv: 0.2 s a file, for the
    last import of its name and the zone its times were read in), the search for an earlier run
    with a changed file's sha256 (older_exports: 1.4 s an import, every night a file changed),
    and `db status`'s format level (a label scan). Here, with 3,000 runs, they cost 6,000-
    20,000 db hits; seeking the runs' file nodes (ImportedFile) and ImportRun.format_level on
    their indexes, a few dozen — and the older export of a recent night is still found."""
    _ledger(graph)
    tonight = {"name": "lots.csv", "table": "lots", "sha": "sha-tonight"}
    resent = {"name": "steps.csv", "table": "steps", "sha": f"sha-{RUNS - 3}-1"}
    found = graph.read("import/older_exports", run_id="tonight", files=[tonight, resent],
                       tables=["lots", "steps"], source=None)  # fmt: skip
    assert [(row["name"], row["run_id"], row["runs_since"]) for row in found] == [
        ("steps.csv", f"R{RUNS - 3}", 2)
    ]
    assert graph.read("db/format_level")[0]["level"] == 1
    costs = {
        "import/previous_import_of_file": _db_hits(
            graph, "import/previous_import_of_file", name="lots_20261207.csv", run_id="tonight",
            fingerprint="fp-tonight", source="canonical"),
        "import/previous_zone_of_file": _db_hits(
            graph, "import/previous_zone_of_file", path="/exports/steps_20261207.csv",
            run_id="tonight", table="steps"),
        "import/older_exports": _db_hits(
            graph, "import/older_exports", run_id="tonight", files=[tonight, resent],
            tables=["lots", "steps"], source=None),
        "db/format_level": _db_hits(graph, "db/format_level"),
    }  # fmt: skip
    assert {name: cost for name, cost in costs.items() if cost > 500} == {}
