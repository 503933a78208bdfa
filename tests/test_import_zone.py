"""Which zone an import reads times without an offset in: --timezone, else the mapping's
`timezone` (the source system's zone), else TRACEGRAPH_TIMEZONE (the plant's), else UTC. The
variable once overrode the mapping: a Berlin shell read a Shanghai MES's times 7 h off, exit 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracegraph.cli.main import app
from tracegraph.graph import TraceGraph

MAPPING = (
    'timezone = "Asia/Shanghai"\n[[file]]\nmatch = "receipts*.csv"\ntable = "lots"\n'
    '[file.columns]\nlot_id = "CHARG"\nmaterial_id = "MATNR"\nreceived_at = "TS"\n'
    'supplier_id = { value = "V1" }\n'
)


def _received(graph: TraceGraph) -> str:
    records, _, _ = graph.driver.execute_query(
        "MATCH (:Lot {lot_id: 'B1'})-[r:SUPPLIED_BY]->() RETURN toString(r.received_at) AS at",
        database_=graph.database,
    )
    return str(records[0]["at"])


def _export(tmp_path: Path, mapping: str | None = MAPPING) -> list[str]:
    """The import's arguments: the export (and its mapping, if any)."""
    (tmp_path / "in").mkdir(parents=True)
    if mapping is None:
        (tmp_path / "in" / "lots.csv").write_text(
            "lot_id,material_id,supplier_id,received_at\nB1,M1,V1,2026-11-03T08:15\n",
            encoding="utf-8",
        )
        return [str(tmp_path / "in")]
    (tmp_path / "in" / "receipts.csv").write_text("CHARG,MATNR,TS\nB1,M1,2026-11-03T08:15\n")
    (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
    return [str(tmp_path / "in"), "--mapping", str(tmp_path / "map.toml")]


@pytest.mark.parametrize(
    ("flag", "variable", "mapping", "at", "note"),
    [
        ((), "Europe/Berlin", MAPPING, "2026-11-03T08:15:00+08:00",
         "TRACEGRAPH_TIMEZONE=Europe/Berlin is not used: the mapping map.toml's timezone "
         "Asia/Shanghai reads the export's times without an offset (--timezone overrides it)"),
        (("--timezone", "Europe/Berlin"), "America/New_York", MAPPING,
         "2026-11-03T08:15:00+01:00",
         "--timezone Europe/Berlin overrides the mapping map.toml's timezone Asia/Shanghai (the "
         "zone its source system writes): times without an offset were read in Europe/Berlin"),
        ((), "Europe/Berlin", None, "2026-11-03T08:15:00+01:00", None),
        (("--timezone", "Asia/Shanghai"), "", MAPPING, "2026-11-03T08:15:00+08:00", None),
    ],
    ids=["mapping-over-variable", "flag-over-mapping", "variable", "flag-same-as-mapping"],
)  # fmt: skip
def test_the_flag_then_the_mapping_then_the_variable_choose_the_zone(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path,
    flag: tuple[str, ...], variable: str, mapping: str | None, at: str, note: str | None,
) -> None:  # fmt: skip
    args = ["import", *_export(tmp_path, mapping), *flag, "--format", "json"]
    result = runner.invoke(app, args, env={"TRACEGRAPH_TIMEZONE": variable})
    assert result.exit_code == 0, result.output
    assert _received(graph) == at
    notes = json.loads(result.stdout)["notes"]
    assert [n for n in notes if "timezone" in n.lower()] == ([note] if note else [])


def test_an_unknown_zone_in_the_variable_is_named_as_the_variable(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    for dry in ((), ("--dry-run",)):
        result = runner.invoke(
            app, ["import", *_export(tmp_path / str(len(dry)), None), *dry],
            env={"TRACEGRAPH_TIMEZONE": "Europe/Berln"},
        )  # fmt: skip
        assert result.exit_code == 2
        assert result.stderr == (
            "error: TRACEGRAPH_TIMEZONE names an unknown timezone 'Europe/Berln' (hint: use an "
            "IANA name such as Europe/Berlin or UTC)\n"
        )


def test_a_file_read_again_in_another_zone_is_said_to_be(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """device_events.csv imported in UTC, then again with --timezone Asia/Shanghai (corrected):
    its alarm became another instant beside the first, and nothing said so — the README's fix
    (--full) was for those who knew. Steps move to the new instants: said so too. A file whose
    times carry their offset, and a third run in the same zone, say nothing."""
    export = tmp_path / "in"
    export.mkdir()
    (export / "device_events.csv").write_text(
        "device_id,event,at,result\nOVEN-1,alarm,2026-11-03T08:15,over_temperature\n"
    )
    (export / "steps.csv").write_text("step_id,operation,started_at\nS1,bake,2026-11-03T08:00\n")
    (export / "lots.csv").write_text("lot_id,material_id,created_at\nL1,M1,2026-11-03T08:00Z\n")

    def notes(*zone: str) -> list[str]:
        result = runner.invoke(app, ["import", str(export), *zone, "--format", "json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        return [n for n in payload["notes"] if "last import" in n]

    assert notes("--timezone", "UTC") == []
    first = graph.read("ledger/import_runs", limit=1)[0]["run"]["run_id"]
    assert notes("--timezone", "Asia/Shanghai") == [
        f"{export / 'steps.csv'}: steps times without an offset were read in Asia/Shanghai, but "
        f"the last import of this file ({first}) read them in UTC: 1 row of it moved to the "
        "new instants (if UTC was right, import the file again with --timezone UTC)",
        f"{export / 'device_events.csv'}: device_events times without an offset were read in "
        f"Asia/Shanghai, but the last import of this file ({first}) read them in UTC: 1 event "
        "of it was new, other instants beside those read in UTC — to remove those, re-import "
        "device_events with --full (and --max-removals) giving every file of the table, as "
        "--full removes the events its files lack (README, Importing exports: times without an "
        "offset)",
    ]
    assert notes("--timezone", "Asia/Shanghai", "--force") == []


def test_two_sites_files_of_one_name_in_their_own_zones_are_other_files(
    neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """siteA/steps.csv (step SA1, read in Asia/Shanghai) and siteB/steps.csv (SB1, read in
    Europe/Berlin) were compared by file NAME: every night each site's import said the other's
    rows "moved to the new instants" (with `1 new, 0 changed`), and for device_events advised a
    --full re-import of site B alone, which removes site A's events. Compared by path, and only
    when rows of the file changed: the two sites say nothing."""
    for site, step in (("siteA", "SA1"), ("siteB", "SB1")):
        (tmp_path / site).mkdir()
        (tmp_path / site / "steps.csv").write_text(
            f"step_id,operation,started_at\n{step},bake,2026-11-03T08:00\n"
        )
        (tmp_path / site / "device_events.csv").write_text(
            f"device_id,event,at,result\nOVEN-{site},calibration,2026-11-03T07:00,pass\n"
        )

    def notes(site: str, zone: str) -> list[str]:
        args = ["import", str(tmp_path / site), "--timezone", zone, "--format", "json"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return [n for n in json.loads(result.stdout)["notes"] if "last import" in n]

    for _night in range(2):
        assert notes("siteA", "Asia/Shanghai") == []
        assert notes("siteB", "Europe/Berlin") == []


def test_a_zone_change_counts_the_moved_events_not_the_nights_new_ones(
    graph: TraceGraph, neo4j_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """device_events.csv read in UTC with 2 events, then again in Asia/Shanghai with those 2
    and 3 events the night added: the note said "5 events of it were new, other instants beside
    those read in UTC", counting the 3 genuinely new events among the moved ones. It says 2."""
    export = tmp_path / "in"
    export.mkdir()
    header = "device_id,event,at,result\n"
    old = (
        "OVEN-1,alarm,2026-11-03T08:15,over_temperature\nOVEN-1,calibration,2026-11-03T06:00,pass\n"
    )
    night = (
        "OVEN-1,alarm,2026-11-04T08:15,over_temperature\n"
        "OVEN-1,alarm,2026-11-04T09:15,door_open\n"
        "OVEN-2,calibration,2026-11-04T06:00,pass\n"
    )

    def notes(*zone: str) -> list[str]:
        result = runner.invoke(app, ["import", str(export), *zone, "--format", "json"])
        assert result.exit_code == 0, result.output
        return [n for n in json.loads(result.stdout)["notes"] if "last import" in n]

    (export / "device_events.csv").write_text(header + old)
    assert notes("--timezone", "UTC") == []
    first = graph.read("ledger/import_runs", limit=1)[0]["run"]["run_id"]
    (export / "device_events.csv").write_text(header + old + night)
    assert notes("--timezone", "Asia/Shanghai") == [
        f"{export / 'device_events.csv'}: device_events times without an offset were read in "
        f"Asia/Shanghai, but the last import of this file ({first}) read them in UTC: 2 events "
        "of it were new, other instants beside those read in UTC — to remove those, re-import "
        "device_events with --full (and --max-removals) giving every file of the table, as "
        "--full removes the events its files lack (README, Importing exports: times without an "
        "offset)",
    ]


def test_the_last_zone_of_a_device_events_file_is_asked_of_the_ledger_once(
    graph: TraceGraph,
    neo4j_env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A device_events file with local times asked the ledger for its last zone twice a night:
    the moved-events watch before writing, the zone-change note after (the query reads every
    ImportRun's files, so it grows with the ledger). Its first import and the next night's
    (the same zone, the normal night) ask once each. Every query still runs on the real graph:
    the spy only counts the query names."""
    export = tmp_path / "in"
    export.mkdir()
    events = "device_id,event,at,result\n"
    asked: list[str] = []
    read = TraceGraph.read

    def counted_read(self: TraceGraph, name: str, /, **params: Any) -> list[Any]:
        asked.append(name)
        return read(self, name, **params)

    for night in range(2):  # each night's export has one event more: the file is read
        events += f"OVEN-1,alarm,2026-11-0{3 + night}T08:15,over_temperature\n"
        (export / "device_events.csv").write_text(events)
        asked.clear()
        with monkeypatch.context() as spy:
            spy.setattr(TraceGraph, "read", counted_read)
            result = runner.invoke(app, ["import", str(export), "--timezone", "Europe/Berlin"])
        assert result.exit_code == 0, result.output
        assert asked.count("import/previous_zone_of_file") == 1, (night, asked)
