"""Several sources feeding one graph: which source an import run is, and the refusal of a
`--full` run of one source over rows whose source nobody knows.

An ERP extract (`--mapping sap`) and a MES export (`--mapping mes_gbk`) of one plant both fill
`lots` and `shipments`. A run records its source (`--source`, by default the mapping's name, or
`canonical`), and every row it writes keeps the sources that sent it (`_sources`, see
writer._sources_after): a full dump of the MES compares only the MES's rows, and one the ERP
still sends loses only its MES source (full.drop_sources). Rows written before rows kept their
sources (no `_sources`) cannot be told apart: a `--full` run is refused before anything is
written when a table it would compare still holds such rows and the ledger shows another source
wrote it since it was last compared in full (other_sources) — the MES export, a day behind the
ERP, removed 30 ERP receipts (stubs now), 20 shipments and 60 lines, exit 0, before runs kept
their source. A table whose rows all carry their sources is never refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tracegraph.errors import ConfigurationError, TracegraphError
from tracegraph.graph import TraceGraph
from tracegraph.importing.mappings import Mapping, bundled_mappings
from tracegraph.importing.reader import table_name
from tracegraph.importing.tables import TABLES
from tracegraph.schema import FORMAT_LEVEL
from tracegraph.values import counted, first_ids, iso_seconds

# The source of a run without a mapping: canonical tables, whoever wrote them.
CANONICAL = "canonical"
SOURCE_LENGTH = 40
# Letters and digits (of any script: a plant may name its MES 质检), '-', '_' and '.'.
_SOURCE = re.compile(r"[^\W_][\w.-]*")  # not `-x`, which reads as an option
_NOT_IN_A_NAME = re.compile(r"[^\w.-]+")
# Mapping file names that say nothing of their source: the folder names it (importers/sap/)
_GENERIC_STEMS = frozenset({"mapping", "map", "mappings", "tracegraph"})

# The flag that lets a --full run compare tables another source wrote.
OVER_SOURCES_FLAG = "--remove-other-sources"


class SourcesRefused(TracegraphError):
    """A full import over tables another source wrote since they were last compared in full."""


def checked_source(name: str, flag: str = "--source") -> str:
    """`name` (--source, or `flag`'s) when it is a source's name: letters, digits, '-', '_'
    and '.', at most SOURCE_LENGTH characters."""
    if len(name) <= SOURCE_LENGTH and _SOURCE.fullmatch(name):
        return name
    raise ConfigurationError(
        f"{flag} {name!r} is no source name",
        hint=f"give letters, digits, '-', '_' and '.' (at most {SOURCE_LENGTH}), e.g. "
        "--source erp or --source mes-line2",
    )


def default_source(mapping: Mapping | None) -> str:
    """A run's source without --source: a bundled mapping's name (`sap`, however the mapping
    was named), else the mapping file's stem made a source's name — its folder's when the file
    is named as the bundled ones are (`erp/mapping.toml` is `erp`: an ERP's and an MES's
    copies of that layout were both `mapping`, one source, and the MES's --full removed the
    ERP's rows) —, else `canonical`. A name begins with a letter or digit, as --source's."""
    if mapping is None:
        return CANONICAL
    resolved = mapping.path.resolve()
    for name, path in bundled_mappings().items():
        if path.resolve() == resolved:
            return name
    named = mapping.path.stem
    folder = mapping.path.resolve().parent.name  # `--mapping mapping.toml` run in /srv/erp
    if named.casefold() in _GENERIC_STEMS and folder:
        named = folder
    stem = _NOT_IN_A_NAME.sub("-", named).strip("-._")[:SOURCE_LENGTH]
    return stem if _SOURCE.fullmatch(stem) else "mapping"


def tables_of(path: Path, mapping: Mapping | None) -> list[str]:
    """The canonical tables a file fills: a canonical file its name's (none when that is no
    table), a mapped file those its matching sections fill."""
    if mapping is None:
        name = table_name(path)
        return [name] if name in TABLES else []
    return sorted({rule.table for rule in mapping.rules_for(path)})


def filled_tables(files: Sequence[Path], mapping: Mapping | None) -> list[str]:
    """The canonical tables a run's files fill (those a --full run compares)."""
    return sorted({table for path in files for table in tables_of(path, mapping)})


def other_sources(
    graph: TraceGraph,
    run_id: str,
    source: str,
    tables: Sequence[str],
    accept: bool,
    log: Callable[[str], None],
    mark: bool = True,
) -> list[str]:
    """Before a --full run writes anything: refuse (SourcesRefused) when one of `tables` still
    holds rows written before rows kept their sources (legacy_rows.cypher) and runs of another
    source wrote it since it was last compared in full, unless `accept`
    (--remove-other-sources: the run compares every row, whatever its source), which a note
    records. Runs recorded before runs kept a source
    cannot be told apart: they do not count, and a note says so (until the table's next full
    comparison). A table whose rows all carry their sources is compared by source: neither
    refused nor noted. One ledger query (other_sources.cypher), and one of the graph's rows
    only when it finds runs (legacy_tables; `mark`: False for a dry run, which writes
    nothing)."""
    if not tables:
        return []
    found = graph.read("import/other_sources", run_id=run_id, source=source, tables=list(tables),
                       canonical=sorted(TABLES))  # fmt: skip
    if found and not accept:  # with it, every row is compared: the note names them all
        legacy = legacy_tables(graph, sorted({row["table"] for row in found}), mark)
        found = [row for row in found if row["table"] in legacy]
    others = [row for row in found if row["source"] is not None]
    notes = []
    older = [row for row in found if row["source"] is None]
    if older:
        tables_named = sorted({row["table"] for row in older})
        runs = max(row["runs"] for row in older)
        last = max(older, key=lambda row: row["started_at"])["run_id"]
        notes.append(
            f"--full: {counted(runs, 'run')} recorded before import runs kept their source "
            f"may have written {', '.join(tables_named)} (the last {last}): not told apart from "
            f"this source {source!r}, whose full dump removes what its files lack — if another "
            "source wrote those rows, they are removed too"
        )
    if others:
        by_source: dict[str, list[Any]] = {}
        for row in others:
            by_source.setdefault(row["source"], []).append(row)
        named = "; ".join(_source_text(name, rows) for name, rows in by_source.items())
        held = "" if accept else ", holding rows written before rows kept their sources"
        wrote = f"tables another source wrote since they were last compared in full{held}: {named}"
        if not accept:
            raise SourcesRefused(
                f"--full of source {source!r} would compare {wrote} — a full dump removes what "
                "its files lack and cannot tell another source's rows apart: nothing was written",
                hint=f"if those runs were this source under another name (a renamed mapping, a "
                "run without --source), give that name with --source; else import "
                f"{source!r} without --full (or give every source's files in one "
                "--full run: one run reads one mapping); if these files hold every row of those "
                f"tables, {first_ids(sorted(by_source), 3)}'s too, run it again with "
                f"{OVER_SOURCES_FLAG}",
            )
        notes.append(f"--full of source {source!r} compared {wrote}, on purpose "
                     f"({OVER_SOURCES_FLAG}): their rows these files lack are removed")  # fmt: skip
    for note in notes:
        log(note)
    return notes


def legacy_tables(graph: TraceGraph, tables: Sequence[str], mark: bool = True) -> set[str]:
    """Which of `tables` still hold rows written before rows kept their sources. A table whose
    rows all carry them was scanned to its end by every --full run another source's runs wrote
    (legacy_rows.cypher stops at the first such row only): once a scan finds none, the table
    is marked (mark_sourced_tables.cypher, which says why the mark stays true; not by a dry
    run) and not scanned again while the mark is trusted (sourced_tables.cypher)."""
    marked = {row["table"] for row in graph.read("import/sourced_tables", tables=list(tables),
                                                 level=FORMAT_LEVEL)}  # fmt: skip
    scanned = [table for table in tables if table not in marked]
    if not scanned:
        return set()
    legacy = {row["table"] for row in graph.read("import/legacy_rows", tables=scanned)}
    clean = [table for table in scanned if table not in legacy]
    if clean and mark:
        graph.write("import/mark_sourced_tables", tables=clean, level=FORMAT_LEVEL)
    return legacy


def _source_text(source: str, rows: list[Any]) -> str:
    """The tables a source wrote, how many of its runs and its last one, as the refusal names
    them."""
    last = max(rows, key=lambda row: row["started_at"])
    tables = [row["table"] for row in rows]
    listed = ", ".join(tables[:-1]) + " and " + tables[-1] if len(tables) > 1 else tables[0]
    return (
        f"{listed} by {source} ({counted(max(row['runs'] for row in rows), 'run')}, the last "
        f"{last['run_id']} on {iso_seconds(last['started_at'])})"
    )


# A source with no run for this long counts as silent for unsent_notes, whatever this source's
# first run: a monthly stock-taking export still runs within it, a source given up does not.
SILENT_AFTER = timedelta(days=60)
# A source that has not run since this one first ran is silent only once this one has run for
# that long: a new source's first --full (the ERP ran yesterday, the MES starts tonight) named
# the ERP as silent and told the user to rename it to the MES — whose next --full would then
# remove the ERP's rows; a weekly export beside a daily one still runs within it.
SETTLED_AFTER = timedelta(days=8)
# The option that gives a source's rows and runs a new name (cli/ledger.py, rename.py).
RENAME_FLAG = "--rename-source"


def unsent_notes(
    graph: TraceGraph,
    run_id: str,
    source: str,
    tables: Sequence[str],
    present: dict[str, set[Any]],
    log: Callable[[str], None],
    now: datetime | None = None,
) -> list[str]:
    """Before a --full run of `source` compares `tables`: a note per table holding rows whose
    sources (`_sources`) are all silent — no run since this source's first run, once that is
    SETTLED_AFTER old, or none for SILENT_AFTER. A source renamed (a mapping file renamed, --source
    changed) left its rows under the old name: this run does not compare them, so rows its dump
    lacks stay, night after night, unsaid. The note names the sources, the counts and the fix
    (`imports --rename-source OLD NEW`). Rows whose keys the run's files hold (`present`, per
    table) are left out: they are this source's once written (the dry run counts as the
    import does after its writes). One ledger query (source_runs.cypher, every run read),
    and one scan of the tables (silent_rows.cypher) only when a source is silent."""
    if not tables:
        return []
    now = now or datetime.now(UTC)
    runs = {row["source"]: row for row in graph.read("import/source_runs", run_id=run_id)}
    first = min(now, runs[source]["first"].to_native()) if source in runs else now
    settled = now - first >= SETTLED_AFTER
    silent = {
        name: row for name, row in runs.items()
        if name != source and ((settled and row["last"].to_native() < first)
                               or row["last"].to_native() < now - SILENT_AFTER)
    }  # fmt: skip
    if not silent:
        return []
    active = sorted({source, *runs} - set(silent))
    found: dict[str, list[tuple[str, int]]] = {}
    for row in graph.read("import/silent_rows", tables=list(tables), active=active):
        held = present.get(row["table"], set())
        unsent = sum(1 for key in row["keys"]
                     if (tuple(key) if isinstance(key, list) else key) not in held)  # fmt: skip
        if unsent:
            found.setdefault(row["table"], []).append((row["sources"], unsent))
    notes = []
    for table, rows in found.items():
        names = sorted({name for sources, _ in rows for name in sources.split(" ")})
        counts = "; ".join(f"{n:,} by {sources.replace(' ', ' and ')}" for sources, n in rows)
        last = ", ".join(f"{name} {iso_seconds(silent[name]['last'])}" if name in silent
                         else f"{name} none in the ledger" for name in names)  # fmt: skip
        old = names[0] if len(names) == 1 else "OLD"
        total = sum(n for _, n in rows)
        notes.append(
            f"--full of source {source!r}: {counted(total, f'{table} row')}"
            f" sent only by sources silent since {source!r} first ran (or for "
            f"{SILENT_AFTER.days} days) {'is' if total == 1 else 'are'} not compared, kept "
            f"whatever the dump lacks: {counts} "
            f"(last run: {last}) — if that is this source's old name (a renamed mapping file, "
            f"--source changed), run `tracegraph imports {RENAME_FLAG} {old} {source}`; else "
            "that source's own --full compares them"
        )
        log(notes[-1])
    return notes
