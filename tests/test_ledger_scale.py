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
# in local time; the newest is done.
LEDGER = """
UNWIND range(0, $runs - 1) AS i
CREATE (run:ImportRun {run_id: 'R' + toString(i), status: 'done',
  started_at: datetime('2024-01-01T00:00:00Z') + duration({minutes: 30 * i}),
  file_names: ['lots.csv', 'steps.csv', 'step_inputs.csv', 'step_outputs.csv',
               'inspections.csv', 'shipments.csv', 'shipment_lines.csv'],
  file_tables: ['lots', 'steps', 'step_inputs', 'step_outputs', 'inspections', 'shipments',
                'shipment_lines'],
  sha256: [f IN range(0, 6) | 'sha-' + toString(i) + '-' + toString(f)],
  fingerprints: [f IN range(0, 6) | 'fp-' + toString(i) + '-' + toString(f)],
  clean_fingerprints: [f IN range(0, 6) | 'fp-' + toString(i) + '-' + toString(f)],
  local_time_paths: ['/exports/steps.csv'], local_time_tables: ['steps'], timezone: 'UTC',
  counts_json: '{}'})
"""


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
    with graph.driver.session(database=graph.database) as session:
        session.run(LEDGER, runs=RUNS).consume()
    newest = f"fp-{RUNS - 1}-0"
    found = graph.read("import/previous_import_of_file", name="lots.csv", run_id="tonight",
                       fingerprint=newest)  # fmt: skip
    assert [row["run_id"] for row in found] == [f"R{RUNS - 1}"]
    costs = {
        "import/previous_import_of_file": _db_hits(
            graph, "import/previous_import_of_file", name="lots.csv", run_id="tonight",
            fingerprint=newest),
        "import/previous_zone_of_file": _db_hits(
            graph, "import/previous_zone_of_file", path="/exports/steps.csv", run_id="tonight",
            table="steps"),
        "import/runs_not_ended": _db_hits(graph, "import/runs_not_ended", run_id="tonight"),
        "ledger/import_runs": _db_hits(graph, "ledger/import_runs", limit=20),
    }  # fmt: skip
    assert {name: cost for name, cost in costs.items() if cost > 500} == {}
