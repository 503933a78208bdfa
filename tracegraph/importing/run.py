"""One import run: find the table files, read, validate, write, reconcile, record in the ledger.

    summary = import_paths(graph, [Path("exports/2026-11-23")], timezone="Europe/Berlin")

Per table the counts reconcile: rows read = rows written + rows rejected (identical duplicate
rows count as written: the graph holds them once). A file whose content was imported cleanly
before, under the same settings, is skipped as unchanged unless `force`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import itertools
import json
import re
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tracegraph import __version__
from tracegraph.account import os_account
from tracegraph.config import TIMEZONE_ENV, plant_zone_name, resolve_timezone
from tracegraph.errors import (
    ConfigurationError,
    DatabaseError,
    ImportBusy,
    RequestRefused,
    ServerUnavailable,
    TracegraphError,
)
from tracegraph.folders import READ_ONLY, unwritable
from tracegraph.graph import TraceGraph
from tracegraph.idtext import (
    PADDED_LOOKED_UP,
    SPELLING,
    folded_note,
    normal_id,
    number_ids_note,
    padded_supplier_lots,
    padded_supplier_lots_note,
    unfolded_lots_note,
)
from tracegraph.importing import full as full_dump
from tracegraph.importing import sources as run_sources
from tracegraph.importing.mappings import (
    FileRule,
    MappedFile,
    Mapping,
    apply_mapping,
    columns_read,
)
from tracegraph.importing.outcome import (
    FAILED,
    INTERRUPTED,
    OUTCOMES,
    crash_code,
    exit_code,
)
from tracegraph.importing.private_csv import write_private_csv
from tracegraph.importing.reader import (
    FORMS,
    HIVE_PARTITION,
    NO_LAST_LINE_BREAK,
    SPARK_PART,
    SUFFIXES,
    RawTable,
    StoredNumber,
    UnreadableFile,
    is_text_encoding,
    merged_hint,
    read_sheets,
    read_table,
    row_problem,
    table_name,
)
from tracegraph.importing.restore import RESTORED_SHAS, put_back_shas
from tracegraph.importing.tables import GROWING_TABLES, IMPORT_ORDER, TABLES, device_event_id
from tracegraph.importing.validate import (
    SKIPPED,
    CommaCounts,
    Reject,
    ambiguous_readings,
    comma_number,
    header_refusal,
    kept_as,
    not_the_header,
    number_cells_notes,
    pointed_note,
    reserved,
    unknown_table,
    validate_lazily,
)
from tracegraph.importing.writer import (
    BATCH_SIZE,
    MUST_EXIST,
    PARENT_TABLES,
    RunState,
    TableWrite,
    combine_digests,
    content_digest,
    settle_bounds,
    stale_bounds,
    stale_bounds_left,
    write_table,
)
from tracegraph.private_files import not_private_notes
from tracegraph.schema import FORMAT_LEVEL, Migrated, expected_names, schema_gaps
from tracegraph.values import counted, first_ids, iso, iso_seconds, spreadsheet_safe, were

Log = Callable[[str], None]
# (file name → table, rows done, rows in the file): for a progress bar.
Progress = Callable[[str, int, int], None]
BaseExceptionT = TypeVar("BaseExceptionT", bound=BaseException)
# (run id, the table files found): a run has begun — a nightly job's log names it at once.
Started = Callable[[str, Sequence[Path]], None]

# How long an import waits for another one to finish before it says so and exits (plus up to
# the server's 2 s check of transaction timeouts).
LOCK_WAIT_SECONDS = 3.0

# How many of the stub lots a run added its ledger entry names (stubs_created counts them all).
STUB_IDS_KEPT = 1000


@dataclass
class TableCounts:
    table: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    written: int = 0
    rejected: int = 0
    duplicates: int = 0
    changed: int = 0  # new rows, and rows that changed what the graph held
    updated: int = 0  # rows that changed what the graph held: the run's RowChange records
    seconds: float = 0.0

    @property
    def reconciles(self) -> bool:
        return self.read == self.written + self.rejected


@dataclass
class ImportSummary:
    run_id: str
    tables: dict[str, TableCounts]
    rejects: list[Reject]
    unchanged_files: dict[str, str]  # file -> run that imported the same content
    notes: list[str]
    stubs_created: int
    seconds: float
    reject_file: Path | None = None
    stub_lots: list[str] = field(default_factory=list)  # ids of the stub lots the run added
    dry_run: bool = False  # nothing written: `written` = would be written; no changes or stubs
    full: bool = False  # the files were complete dumps of their tables (--full)
    # per table compared (--full): rows the graph held that the files lack, removed (a dry
    # run: would be removed)
    removed: dict[str, int] = field(default_factory=dict)
    removed_file: Path | None = None  # those rows as they were (full.write_removed)
    # a dry run --full beyond --max-removals: the error the import would exit 2 with
    refused: TracegraphError | None = None
    # the runs before this one that did not end (killed, interrupted, failed): the stubs and
    # nodes known only from references they made are counted and named as this run's
    completes: list[str] = field(default_factory=list)
    # every file had the content of the last import of its name, and nothing was imported (a
    # night's files sent again): not an error (exit 0) but a day's data missing
    all_unchanged: bool = False

    @property
    def read(self) -> int:
        return sum(t.read for t in self.tables.values())

    @property
    def written(self) -> int:
        return sum(t.written for t in self.tables.values())

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables.values())

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.tables.values())

    @property
    def removed_rows(self) -> int:
        return sum(self.removed.values())

    @property
    def stubs_left(self) -> int:
        """The stub lots this run added that are still stubs when it ends: `stubs_created`
        also counts one the run made and deleted itself (a later file corrected the lot id), so
        it said 1 where no stub was left to look at. (A stub cannot be made and completed in
        one run: every file's lots rows are written before any row that names a lot.)"""
        return len(self.stub_lots)

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "read": self.read,
            "written": self.written,
            "rejected": self.rejected,
            "updated": None if self.dry_run else self.updated,
            "stubs_created": None if self.dry_run else self.stubs_created,
            "stubs_left": None if self.dry_run else self.stubs_left,
            "stub_lots": None if self.dry_run else self.stub_lots,
            "seconds": round(self.seconds, 3),
            "reject_file": str(self.reject_file) if self.reject_file else None,
            "full": self.full,
            # removed rows are no part of read = written + rejected: they are not in the files
            "removed": self.removed_rows if self.full else None,
            "removed_file": str(self.removed_file) if self.removed_file else None,
            # a dry run --full: why the import would refuse to remove them (it exits 2)
            "refused": self.refused.message if self.refused else None,
            "unchanged_files": self.unchanged_files,
            "all_unchanged": self.all_unchanged,
            "notes": self.notes,
            "completes": self.completes,
            "tables": self.table_counts(),
        }

    def table_counts(self) -> dict[str, dict[str, Any]]:
        """Per table: its files and rows read, written, rejected, duplicates, changed, updated."""
        return {
            name: {
                "files": t.files,
                "read": t.read,
                "written": t.written,
                "rejected": t.rejected,
                "duplicates": t.duplicates,
                # a dry run does not know what the graph holds
                "changed": None if self.dry_run else t.changed,
                "updated": None if self.dry_run else t.updated,
                # not compared (no --full, or a table left uncompared): None
                "removed": self.removed.get(name),
            }
            for name, t in self.tables.items()
        }


# Each table's place in the import order (IMPORT_ORDER): nodes before the rows that link them.
_ORDER = {name: i for i, name in enumerate(IMPORT_ORDER)}

# The files an import writes beside the exports (its reject file, a full import's removals):
# read back as tables by the next run of the same folder, each row an "unknown table" reject.
_IMPORT_OUTPUT = re.compile(r"(?:rejects|removed)-(?:dry-run-)?\d{8}T\d{6}Z-[0-9a-f]{6}\.csv",
                            re.IGNORECASE)  # fmt: skip


# The files a Spark, Hive or Hadoop job writes beside its part files, skipped without a note
# (each of them was a "skipped …: not a table file" note, two a part file): _SUCCESS, the
# checksum of every file (.part-00000-….parquet.crc, ._SUCCESS.crc), Databricks' _started_N and
# _committed_N, and Parquet's summary files _metadata and _common_metadata
_JOB_MARKER = re.compile(r"_SUCCESS|\..+\.crc|_(?:started|committed)_\w+|_(?:common_)?metadata")


# Forms a table is exported or packed in that the import does not read: a file of a table's
# name in one of them is tonight's table, not read. Copies and rotations (lots.csv.bak,
# lots.csv.1, lots.csv~) are not: an operator's backup beside tonight's file failed every run.
_TABLE_FORMS = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".tsv", ".txt", ".json", ".xml",
                          ".gz", ".zip", ".bz2", ".xz", ".7z", ".zst"})  # fmt: skip


def _is_table_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith((".", "~$"))


def _holds_tables(folder: Path) -> bool:
    """Whether a folder holds a table file (a Spark job's spark/lots/part-….parquet)."""
    try:
        return any(_is_table_file(f) for f in folder.iterdir())
    except OSError:  # not ours to read: the note on skipping it stands
        return False


def _part_notes(files: list[Path]) -> list[str]:
    """A note per folder of a Spark or Hive job's part files (part-00000-….snappy.parquet): read
    as the table the folder is named after (each was an unknown table 'part-00000-…')."""
    parts: dict[Path, list[Path]] = {}
    for path in files:
        if SPARK_PART.fullmatch(path.name.split(".")[0].lower()):
            parts.setdefault(path.parent, []).append(path)
    return [f"read {counted(len(found), 'part file')} in {folder} as table "
            f"{table_name(found[0])!r}, as the folder is named (a Spark or Hive job's output)"
            + (f"; {folder.name} is a Hive partition folder, not the table"
               if HIVE_PARTITION.fullmatch(folder.name)
               else "")
            for folder, found in parts.items()]  # fmt: skip


def _named_as_table(path: Path, mapping: Mapping | None) -> bool:
    """Whether a file in a form not read is named as a table file is (`lots.xls`,
    `LOTS.csv.gz`), or as a mapping's section takes its files."""
    if path.name.startswith((".", "~$")) or path.suffix.lower() not in _TABLE_FORMS:
        return False
    if mapping is not None:
        return bool(mapping.rules_for(path))
    return table_name(path.with_name(path.name.split(".")[0])) in TABLES


def natural_key(name: str) -> list[Any]:
    """A name's sort key with its runs of digits as numbers: `night9` before `night10`,
    `lots_2` before `lots_10` (as text, night10 came first)."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(name)]


_DIGITS = re.compile(r"(\d+)")


def _natural_order(path: Path) -> tuple[list[Any], str]:
    return natural_key(path.name), path.name


def find_files(
    paths: Sequence[Path], mapping: Mapping | None = None
) -> tuple[list[Path], list[str]]:
    """Table files named by `paths` (folders are searched, not recursively), and notes; in
    import order: by the table a file is, or under a mapping the first table it fills; within
    that, in the order `paths` are given, a folder's files in natural order (natural_key)."""
    files: list[Path] = []
    notes: list[str] = []
    holding: list[Path] = []  # folders in a folder given that hold table files
    for path in paths:
        if path.is_dir():
            outputs: list[str] = []
            for child in sorted(path.iterdir(), key=_natural_order):
                if child.is_dir():
                    if not child.name.startswith("."):
                        notes.append(f"skipped {child}: a folder (folders in a folder are not "
                                     "searched; name it to import it)")  # fmt: skip
                        if _holds_tables(child):
                            holding.append(child)
                elif _IMPORT_OUTPUT.fullmatch(child.name):
                    outputs.append(child.name)
                elif _JOB_MARKER.fullmatch(child.name) and child.is_file():
                    continue  # a Spark or Hadoop job's bookkeeping beside its part files
                elif child.name == RESTORED_SHAS:
                    continue  # a restore's, read after the writes (put_back_shas)
                elif _is_table_file(child):
                    files.append(child)
                elif child.is_file() and _named_as_table(child, mapping):
                    # lots.xls, lots.csv.gz: tonight's lots in a form not read; a note let the
                    # run end clean while the table went stale. Read, it is an unread file.
                    files.append(child)
                elif child.is_file():
                    notes.append(f"skipped {child}: not a table file ({FORMS})")
            if outputs:  # one note: a nightly import run in its export folder adds one a night
                notes.append(f"skipped {counted(len(outputs), 'file')} an import wrote in "
                             f"{path} (reject and removal lists): "
                             f"{first_ids(outputs, 3)}")  # fmt: skip
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES and not (
                mapping is not None and mapping.names_text_file(path)
            ):
                raise ConfigurationError(
                    f"{path} is not a table file", hint=f"tables are {FORMS} files"
                )
            files.append(path)
        else:
            raise ConfigurationError(f"{path} does not exist", hint="check the path")
    if not files and holding:  # a Spark job's output folder: spark/lots/part-….parquet
        raise ConfigurationError(
            f"no table files to import in {', '.join(str(p) for p in paths)}: folders in a "
            "folder are not searched",
            hint=f"name the folder that holds them: {first_ids([str(f) for f in holding], 3)}",
        )
    if not files:
        raise ConfigurationError(
            "no table files to import", hint="name files after their table, e.g. lots.csv"
        )
    if mapping is None:
        notes += _part_notes(files)
    # a file named twice (itself and its folder, or twice over) is read once: its rows were
    # counted, and written, as often as it was named
    files = list({path.resolve(): path for path in files}.values())

    def rank(path: Path) -> int:
        if mapping is None:
            return _ORDER.get(table_name(path), len(_ORDER))
        return min((_ORDER[rule.table] for rule in mapping.rules_for(path)), default=len(_ORDER))

    # Nodes before relationships: master data, lots and steps before the rows that link them —
    # across an export's files too (a delivery file's lines name the lots of a receipts file).
    # Within a table, as given (a stable sort): two nights' folders are written as successive
    # imports would be, the later night last. By path, `night10` came before `night9`, and
    # night 9's hold and typo, corrected by night 10, were what the graph kept.
    files.sort(key=rank)
    return files, notes


# The zone an import reads times without an offset in, and where it came from. An explicit
# --timezone wins; else the mapping's `timezone`, which describes the source system (a Chinese
# MES writes Shanghai time wherever the plant is); else TRACEGRAPH_TIMEZONE, the plant's zone
# (trace reads windows in it too); else UTC. The variable once came before the mapping (typer
# read it as the flag): a Berlin plant's shell read the MES's Shanghai times 7 h off, exit 0,
# without a word.
ENVIRONMENT = TIMEZONE_ENV


@dataclass(frozen=True)
class ChosenZone:
    name: str
    zone: ZoneInfo
    given: bool  # chosen by someone: UTC by default gets a note per file and column
    notes: tuple[str, ...]  # a flag overriding the mapping's zone, the variable not used


def chosen_zone(flag: str | None, mapping_zone: str | None, mapping_name: str = "") -> ChosenZone:
    """The zone of the times without an offset: `flag` (--timezone), else `mapping_zone`, else
    TRACEGRAPH_TIMEZONE, else UTC — each named in the error when it is no zone."""
    variable = plant_zone_name()
    whose = f"the mapping {mapping_name}'s" if mapping_name else "the mapping's"
    notes: list[str] = []
    if flag:
        name, source = flag, "--timezone"
        if mapping_zone and mapping_zone != flag:
            notes.append(
                f"--timezone {flag} overrides {whose} timezone {mapping_zone} (the zone its "
                f"source system writes): times without an offset were read in {flag}"
            )
    elif mapping_zone:
        name, source = mapping_zone, f"{whose} `timezone`"
        if variable and variable != mapping_zone:
            notes.append(
                f"{ENVIRONMENT}={variable} is not used: {whose} timezone {mapping_zone} reads "
                "the export's times without an offset (--timezone overrides it)"
            )
    elif variable:
        name, source = variable, ENVIRONMENT
    else:
        return ChosenZone("UTC", ZoneInfo("UTC"), False, ())
    return ChosenZone(name, resolve_timezone(name, source), True, tuple(notes))


def check_encoding(name: str | None) -> None:
    """Refuse an encoding Python does not know before any file is read (each file was said
    to be undecodable "as nonsense", one reject per file)."""
    if name is None:
        return
    if not is_text_encoding(name):
        raise ConfigurationError(
            f"unknown encoding {name!r}",
            hint="use a Python codec name such as utf-8, gb18030, cp1252 or utf-16, "
            "or leave --encoding out to detect it",
        )


# Raised when what an import records of each row's sources changes: a file last read by a
# version that kept less (1: rows keep their sources, `_sources`) is read again once.
PROVENANCE = 1


def _fingerprint(
    content_sha: str,
    table: str,
    timezone: str,
    encoding: str | None,
    full: bool = False,
    source: str = "",
) -> str:
    # A full import's file differs from the same bytes imported without --full: that import
    # removed nothing, so a full one compares the file with the graph even when its bytes are
    # those of the last import of its name.
    # The id spelling rules too (idtext.SPELLING): a file read by older rules is read again.
    # And the run's source, with the provenance level: the same bytes from another source are
    # read, so that its rows gain that source (skipped, a MES's materials.csv identical to the
    # ERP's left every row the ERP's, and the ERP's --full removed what the MES still sent);
    # a file an older version read is read once, so that its rows gain their source.
    settings = (
        f"{content_sha}|{table}|{timezone}|{encoding or ''}|ids{SPELLING}"
        + ("|full" if full else "")
        + f"|source {source}|provenance{PROVENANCE}"
    )
    return hashlib.sha256(settings.encode()).hexdigest()


def _fingerprints(
    files: Sequence[Path],
    shas: dict[str, str],
    mapping_sha: str,
    timezone: str,
    encoding: str | None,
    full: bool,
    source: str,
) -> dict[Path, str]:
    """Each file's _fingerprint under the run's settings (`shas`: its content's, by str(path))."""
    return {
        path: _fingerprint(
            shas[str(path)] + mapping_sha, table_name(path), timezone, encoding, full, source
        )
        for path in files
    }


def import_paths(
    graph: TraceGraph,
    paths: Sequence[Path],
    *,
    timezone: str | None = None,
    encoding: str | None = None,
    force: bool = False,
    reject_file: Path | None = None,
    mapping: Mapping | None = None,
    full: bool = False,
    max_removals: str = full_dump.DEFAULT_MAX_REMOVALS,
    accept_older: bool = False,
    max_rejects: int = 0,
    source: str | None = None,
    over_sources: bool = False,
    log: Log = lambda _: None,
    progress: Progress = lambda *_: None,
    on_start: Started = lambda *_: None,
    on_locked: Started = lambda *_: None,
) -> ImportSummary:
    """Import `paths`. `on_start` is called with the run id and files before the import lock
    is tried, `on_locked` once the run holds it (no other import runs). `full`: the files are
    complete dumps of their tables; the rows the graph holds of those tables and the files
    lack are removed after the writes (see full.py), unless a table would lose more than
    `max_removals` (rows, or a percentage of the table) — then nothing is removed.

    A file whose content an earlier run imported for its table, and later runs replaced (an
    older export sent again), is named in a warning; a full import of one is refused before
    anything is written (OlderExportRefused), unless `accept_older` (a rollback on purpose).
    `max_rejects`: the exit code and outcome the ledger entry keeps (outcome.exit_code).

    `source` (default: sources.default_source) names where the files come from, on the
    ledger; a full run over tables another source wrote is refused before anything is
    written (sources.SourcesRefused), unless `over_sources` (--remove-other-sources)."""
    limit = full_dump.parse_limit(max_removals) if full else None
    chosen = chosen_zone(timezone, *_mapping_zone(mapping))
    timezone, zone, zone_given = chosen.name, chosen.zone, chosen.given
    check_encoding(encoding)
    source = _source(source, mapping)
    # the source whose rows a --full run compares; every source's with --remove-other-sources
    whose = None if over_sources else source
    files, notes = find_files(paths, mapping)
    notes[:0] = chosen.notes
    # the canonical tables the files fill: on the ledger entry, and those --full compares
    filled = run_sources.filled_tables(files, mapping)
    mapping_sha = hashlib.sha256(mapping.path.read_bytes()).hexdigest() if mapping else ""
    started = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
    reject_path = _writable(reject_file or Path(f"rejects-{run_id}.csv"), files)
    on_start(run_id, files)
    shas = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    schema_note = _installed_schema(graph, log)
    fingerprints = _fingerprints(files, shas, mapping_sha, timezone, encoding, full, source)
    with _import_lock(graph, run_id):
        _schema_still_there(graph)
        schema_note = schema_note + _migrated(graph, bool(schema_note), log)
        on_locked(run_id, files)
        started_at = datetime.now(UTC)
        # the run and its files' ledger nodes in one transaction (see import/start_files)
        files_read = _file_nodes(run_id, files, shas, fingerprints, source, timezone, started_at)
        run_props = {
            "run_id": run_id, "status": "running", "started_at": started_at,
            "user": os_account(), "host": socket.gethostname(), "timezone": timezone,
            # which tracegraph wrote the run (its rules for hashes, notes and receipts)
            "tracegraph_version": __version__,
            # the data format it wrote (an older version's run lacks it: older_format_runs)
            "format_level": FORMAT_LEVEL,
            "files": [str(f.absolute()) for f in files],
            "sha256": [shas[str(f)] for f in files],
            # which content each file name had (see previous_import_of_file.cypher)
            "file_names": [f.name for f in files],
            "fingerprints": [fingerprints[f] for f in files],
            # the table each file is (its name's: lots_2.csv is lots), beside sha256: which
            # content each table had, for a later run's older_exports.cypher
            "file_tables": [table_name(f) for f in files],
            "full": full,
            # where the files come from, and the canonical tables they fill: a later full
            # run of another source over them is refused (sources.other_sources)
            "source": source, "canonical_tables": filled,
            # the columns of its files per table, as it reads them (writer.RunState.read_file)
            "table_columns": [],
            "mapping": str(mapping.path.absolute()) if mapping else None,
            "mapping_sha256": mapping_sha or None,
        }  # fmt: skip
        graph.write_all([
            ("import/start_run", {"props": run_props}),
            ("import/start_files", {"run_id": run_id, "files": files_read}),
        ])  # fmt: skip
        completes = _runs_not_ended(graph, run_id)
        completes_notes = _completes_note(completes)
        stubs_before, unreported_before, references_before = _reported_before(graph)
        tables: dict[str, TableCounts] = {}
        rejects: list[Reject] = []
        unchanged: dict[str, str] = {}
        # per file skipped as unchanged (its absolute path), the run that imported its content
        # and that run's start (_all_unchanged_note; its file node keeps them: files_finished)
        content_of: dict[str, tuple[str, Any]] = {}
        all_same: dict[str, tuple[str, Any]] = {}  # every file so, though --full reads them
        # the rows' digest of each file skipped as unchanged: its last import's (_digests)
        kept_digests: dict[str, str | None] = {}
        clean: list[str] = []
        state = RunState(run_id=run_id, zone_given=zone_given,
                         present=full_dump.Present() if full else None,
                         source=source)  # fmt: skip
        # bounds an earlier run left stale (it stopped before computing them): computed with
        # this run's, once its writes are done
        stale_bounds_left(graph, state)
        removals: dict[str, full_dump.Removal] = {}
        removed_file: Path | None = None
        # a --full run whose removals --max-removals refuses: its rows are written, it ends as
        # a run does (counts, rejects, notes, summary file), nothing removed, exit 2
        refused_removals: full_dump.RemovalRefused | None = None
        removal_notes: list[str] = []
        older_notes: list[str] = []
        pending_older: list[Any] = []  # told once the files are written (told_older)
        work = _Files(graph, mapping, zone, encoding, tables, log, progress, state)
        try:
            if full:  # before anything is written: a refusal leaves the graph as it was
                notes += run_sources.other_sources(graph, run_id, source, filled, over_sources,
                                                   log)  # fmt: skip
            todo = []
            skipped: list[str] = []  # logged unless --full reads them all the same
            for path in files:
                if not force:
                    previous, removed_by = _last_import(graph, run_id, path, fingerprints[path],
                                                        mapping, source)  # fmt: skip
                    if removed_by is not None:
                        notes.append(_read_again_note(path, str(previous[0]["run_id"]),
                                                      removed_by, source))  # fmt: skip
                        log(notes[-1])
                    elif previous:
                        unchanged[str(path)] = str(previous[0]["run_id"])
                        # the run that imported the content (not a night that skipped it too)
                        content_of[str(path.absolute())] = (
                            previous[0]["content_run_id"],
                            previous[0]["content_started_at"],
                        )
                        kept_digests[str(path.absolute())] = previous[0]["content_digest"]
                        clean.append(fingerprints[path])
                        skipped.append(f"{path.name}: skipped, the last import of a file of "
                                       f"that name ({previous[0]['run_id']}) had the same "
                                       "content")  # fmt: skip
                        continue
                todo.append(path)
            if (
                full
                and unchanged
                and (todo or _imported_since(graph, run_id, set(unchanged.values())))
            ):
                # A full import compares a table's rows with all of its files: one skipped
                # file's rows would be taken for gone. Skipped only when every file is as the
                # last full import left it and no import ran since. One line says so: each
                # unchanged file's "skipped" line was followed by its "rows read" line.
                why = "not all files are" if todo else "an import ran since"
                log(f"--full: every file is read and compared, also the "
                    f"{counted(len(unchanged), 'file')} unchanged since the last full import "
                    f"({', '.join(Path(f).name for f in unchanged)}), as {why}")  # fmt: skip
                # every file as the last import of its name: nothing imported, if the
                # comparison changes and removes nothing (yesterday's full dump sent again
                # while another source's deltas ran since)
                all_same = {} if todo else dict(content_of)
                todo, unchanged = list(files), {}
                clean = []
                content_of = {}
            else:
                for line in skipped:
                    log(line)
            if unchanged and not todo:
                notes.append(_all_unchanged_note(content_of))
                log(notes[-1])
            older_notes = _older_exports(
                graph,
                run_id,
                todo,
                shas,
                full,
                accept_older,
                log,
                mapping,
                encoding,
                # read only when an older export of a growing table is found under --full
                lacking=lambda growing: _lacking(
                    graph,
                    _keys_of(todo, growing, mapping, zone, encoding),
                    growing,
                    whose,
                ),
                source=source,
                pending=pending_older,
            )
            if pending_older:  # on the ledger before the writes (not the log): a kill -9 keeps it
                graph.write("import/finish_run", run_id=run_id,
                            props={"notes": [before_writing(pending_older)]})  # fmt: skip
            for path, file_rejects in work.run(todo):
                rejects.extend(file_rejects)
                if not file_rejects and (mapping is not None or table_name(path) in TABLES):
                    clean.append(fingerprints[path])
                # on the ledger as each file is done: a run killed outright (kill -9, no
                # except below) keeps them too — `imports` showed it `? ? ? ?`
                graph.write("import/finish_run", run_id=run_id,
                            props=_counts_so_far(run_id, tables, rejects, unchanged))  # fmt: skip
            older_notes += told_older(pending_older, work.wrote(shas), log)
            pending_older = []  # told
            if put_back_shas(graph, paths, source, todo):  # a restore's folder: its last rows
                # and no export: the source's next one, as it was before, is no older export
                # of it (older_exports.cypher; "a hold released" where none was)
                graph.write("import/finish_run", run_id=run_id, props={"restore_import": True})
            if state.present is not None and limit is not None:
                # the limit is a share of what the graph held before tonight's rows: the
                # dry run, which compares before any write, then says what the run will do
                # rows of other sources that this source now sends too (state.gained) are this
                # source's after the writes: before them, they were not
                gained = state.gained if whose is not None else {}
                new_rows = {name: t.changed - t.updated + gained.get(name, 0)
                            for name, t in tables.items()}  # fmt: skip
                if whose is not None:  # rows of sources gone silent: a renamed source's
                    notes += run_sources.unsent_notes(graph, run_id, whose, filled,
                                                      state.present.keys, log)  # fmt: skip
                removals, removal_notes = full_dump.compare(
                    graph, state.present, whose, log, new_rows
                )
                full_dump.keep_linked(graph, removals)
                refused_removals = full_dump.refusal(removals, limit)
                if refused_removals is not None:
                    # Tonight's rows are written and stay. Raised, the refusal ended the run
                    # as a failure: no counts on stdout, in --format json or the summary file,
                    # nor the reject file's name, though rows were written and rejected.
                    removals = {}
                else:
                    removed_file = _remove_rows(graph, run_id, removals, reject_path, log,
                                                state)  # fmt: skip
                    # rows other sources still send: only this source is taken off them
                    full_dump.drop_sources(graph, removals, run_id, removed_file)
            # the bounds of devices and operators whose steps changed or went, exactly
            settle_bounds(graph, state)
            # nothing to look for when every file was skipped as unchanged
            orphans = (graph.write_records("import/delete_orphan_references")[0]
                       if todo or removed_file else {"lots": []})  # fmt: skip
            stubs_now = graph.read("import/stub_lot_ids")[0]
            stubs_after = set(stubs_now["ids"])
            new_stubs = sorted(stubs_after - stubs_before)
            made_stubs = set(removals["lots"].kept) if "lots" in removals else set()
            references = _new_references(references_before,
                                         _references(graph.read("import/reference_only")[0]),
                                         full_dump.reference_only(removals))  # fmt: skip
            summary = ImportSummary(
                run_id=run_id, tables=tables, rejects=rejects, unchanged_files=unchanged,
                notes=schema_note + notes + older_notes + completes_notes + state.notes
                + _new_stubs([i for i in new_stubs if i not in made_stubs], set(stubs_now["made"]))
                + _completed_stubs(stubs_before | unreported_before, stubs_after,
                                   orphans["lots"])
                + references
                + removal_notes + full_dump.removal_notes(removals)
                + _orphans_deleted(orphans, removed_file is not None),
                # stubs this run completed, or deleted as orphans, left the count: they were
                # there before; a run it completes had made those it left unreported, which
                # count as this run's while there (not once completed or deleted)
                stubs_created=len(stubs_after) - len(stubs_before) + state.completed_stubs
                + len(orphans["lots"]) - len(unreported_before - stubs_after),
                seconds=time.perf_counter() - started,
                stub_lots=new_stubs, full=full, removed=full_dump.removed_counts(removals),
                removed_file=removed_file, completes=[run["run_id"] for run in completes],
                refused=refused_removals,
            )  # fmt: skip
            summary.all_unchanged = bool(unchanged) and not todo
            if all_same and not (any(t.changed for t in tables.values()) or rejects
                                 or summary.removed_rows or refused_removals):  # fmt: skip
                summary.all_unchanged = True
                summary.notes.append(_full_unchanged_note(all_same, summary.read))
                log(summary.notes[-1])
            summary.reject_file = _rejects_written(
                reject_path, rejects, reject_file, mapped=bool(mapping)
            )
            summary.notes += not_private_notes(summary.reject_file, "the reject file")
        except (Exception, KeyboardInterrupt) as error:
            # Any failure, a bug included, marks the run failed if the server still answers;
            # Ctrl-C (and SIGTERM, see cli/imports.py) marks it interrupted — it stayed
            # "running" until the next import, and `imports` showed a dead run as running. A
            # kill -9 leaves it running: the next import marks it interrupted.
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            # With the counts of the files it finished (`imports` showed an interrupted run's
            # counts blank): the rows of the file it was writing are not in them, although
            # its whole batches are in the graph (counts_partial; a re-run completes them).
            if not isinstance(error, KeyboardInterrupt):
                # the steps written are whole: their bounds are computed now, else by the next
                # import (from the ledger entry)
                with contextlib.suppress(TracegraphError):
                    settle_bounds(graph, state)
            # an older export's warning not told yet: the files that wrote a row back before
            # the run stopped, and the one it was writing
            older_notes += told_older(pending_older, work.wrote(shas), log, work.writing_now(shas))
            with contextlib.suppress(TracegraphError):
                _finish_run(graph, run_id, state, None, {
                    "status": status, "ended_at": datetime.now(UTC),
                    **_counts_so_far(run_id, tables, rejects, unchanged),
                    # an older export (or another source's tables) is refused before any file
                    # is written: its counts are whole
                    "counts_partial": not isinstance(error, OlderExportRefused | SourcesRefused),
                    # why it failed, and what it said until then: the ledger of a refused
                    # night had its status alone, and `imports` showed "? removed"
                    **_failure(error),
                    "notes": schema_note + notes + older_notes + completes_notes
                    + state.notes + removal_notes,
                    # refused before removing anything: 0 removed, not "? (killed?)"
                    "rows_removed": 0
                    if isinstance(error, OlderExportRefused | SourcesRefused)
                    else None,
                    # an older export (or another source's tables) refused: it wrote nothing,
                    # and is no content of a table
                    "refused_before_writing": isinstance(error, OlderExportRefused
                                                        | SourcesRefused) or None,
                })  # fmt: skip
            # the command prints them with the error (stdout, --format json, --summary-file):
            # a failed run's warning of rows written back was on its ledger entry alone
            if isinstance(error, ServerUnavailable | DatabaseError):
                raise _noted(stopped_part_way(run_id, error), older_notes) from error
            _noted(error, older_notes)
            raise
        # A run whose removals were refused ended too (its stubs named, its bounds settled:
        # done, exit 2, its error kept), but its files are no content a later run may skip as
        # unchanged: sent again, the cut-off dump is refused again.
        clean_files = clean if refused_removals is None else []
        _finish_run(
            graph,
            run_id,
            state,
            clean_files,
            {
                "status": "done", "ended_at": datetime.now(UTC), "clean_fingerprints": clean_files,
                # as the import's last line and summary file say it (a run that rejected every
                # row was `done`, no more)
                "exit_code": (code := exit_code(summary, max_rejects)), "outcome": OUTCOMES[code],
                "rows_read": summary.read, "rows_written": summary.written,
                "rows_rejected": summary.rejected, "rows_updated": summary.updated,
                "counts_partial": None,  # whole (each finished file wrote them partial)
                "stubs_created": summary.stubs_created,
                "all_unchanged": summary.all_unchanged,  # nothing imported: `imports` says so
                # the files skipped as unchanged and the run that imported each one's content:
                # `imports RUN` of a night sent twice said "0 rows read" and nothing more
                "unchanged_files": list(unchanged), "unchanged_of": list(unchanged.values()),
                "stubs_left": summary.stubs_left,  # stub_lots is cut at STUB_IDS_KEPT ids
                # the stubs it added by id, the first STUB_IDS_KEPT (a step-only delta naming
                # 100k lots of an older system would make the ledger entry megabytes)
                "stub_lots": summary.stub_lots[:STUB_IDS_KEPT],
                "seconds": summary.seconds, "counts_json": json.dumps(summary.table_counts()),
                "notes": summary.notes,  # rows a mapping leaves out, sheets not read, …
                # the runs before it that did not end, whose stubs it named (_runs_not_ended)
                "completes": summary.completes,
                "reject_file": str(summary.reject_file) if summary.reject_file else None,
                # a run without --full compared nothing: no count (null leaves it out)
                "rows_removed": summary.removed_rows if full else None,
                # the removed rows as table:key, the first REMOVED_IDS_KEPT (all in the file)
                "removed": full_dump.ledger_ids(removals) if full else None,
                # the tables it compared: they hold this run's rows alone now (other_sources)
                "compared_tables": sorted(removals) if full and not refused_removals else None,
                # the refusal's line, exit code and outcome, as a failed run's
                **(_failure(refused_removals) if refused_removals is not None else {}),
            },
            kept_digests,
            content_of,
        )  # fmt: skip
        return summary


def _file_nodes(
    run_id: str,
    files: Sequence[Path],
    shas: dict[str, str],
    fingerprints: dict[Path, str],
    source: str,
    timezone: str,
    started_at: datetime,
) -> list[dict[str, Any]]:
    """The props of a node per file the run reads (ImportedFile, written with the run in one
    transaction: import/start_files): what its lists hold of the file, and the run's id, start
    and source, on which the look-ups by name and content seek (previous_import_of_file,
    older_exports). Not clean until the run ends done (_finish_run)."""
    return [
        {
            "file_id": f"{run_id}|{i}", "run_id": run_id, "position": i, "name": f.name,
            "path": str(f.absolute()), "table": table_name(f), "sha256": shas[str(f)],
            "fingerprint": fingerprints[f], "clean": False, "started_at": started_at,
            "source": source, "timezone": timezone,
        }
        for i, f in enumerate(files)
    ]  # fmt: skip


def _finish_run(
    graph: TraceGraph,
    run_id: str,
    state: RunState,
    clean: list[str] | None,
    props: dict[str, Any],
    skipped_digests: dict[str, str | None] | None = None,
    content_of: dict[str, tuple[str, Any]] | None = None,
) -> None:
    """Close the run's ledger entry (its status, counts, the files it read times of without an
    offset) and, in the same transaction, its file nodes: clean (`clean`: the fingerprints of
    the files it read or skipped without a reject, None for a run that did not end done) and
    the local-time fields (import/files_finished). Together: a run done always has its clean
    files, and a file is never clean for a run that did not end done."""
    local = _local_time_files(state)
    graph.write_all([
        ("import/finish_run", {"run_id": run_id, "props": {**props, **local}}),
        ("import/files_finished", {"run_id": run_id, "clean": clean,
                                   "local_paths": local["local_time_paths"],
                                   "local_tables": local["local_time_tables"],
                                   "digests": _digests(state, clean, skipped_digests or {}),
                                   # the skipped files' content runs (_all_unchanged_note)
                                   "content_runs": {path: list(run) for path, run
                                                    in (content_of or {}).items()}}),
    ])  # fmt: skip


def _digests(state: RunState, clean: list[str] | None, skipped: dict[str, Any]) -> dict[str, str]:
    """Per file the run read whole (its absolute path), its rows' digest for the ledger's file
    node (writer.content_digest), and per file it skipped as unchanged its last import's
    (`skipped`): none for a run that did not end done, whose last file may be half written. A
    later run's older-export check compares them (_older_exports)."""
    if clean is None:
        return {}
    read = {path: content_digest(rows, total) for path, (rows, total) in state.digests.items()}
    return {**{path: d for path, d in skipped.items() if d is not None}, **read}


def _counts_so_far(
    run_id: str, tables: dict[str, TableCounts], rejects: list[Reject], unchanged: dict[str, str]
) -> dict[str, Any]:
    """The ledger's counts of the files a run has finished, marked partial: the rows of the file
    it is writing are not in them, although its whole batches are in the graph (a re-run
    completes them). `imports` shows them as ≥N."""
    done = ImportSummary(run_id, tables, rejects, unchanged, [], 0, 0.0)
    return {"counts_partial": True, "rows_read": done.read, "rows_written": done.written,
            "rows_rejected": done.rejected, "rows_updated": done.updated,
            "counts_json": json.dumps(done.table_counts())}  # fmt: skip


def _local_time_files(state: RunState) -> dict[str, list[str]]:
    """The ledger's record of the files whose times without an offset the run read in its
    zone (parallel lists: the file names, their tables and their paths as `files` keeps them),
    for the next run's previous_zone_of_file, which compares paths: siteA/steps.csv and
    siteB/steps.csv are other files."""
    return {"local_time_files": [Path(path).name for path, _ in state.local_times],
            "local_time_tables": [table for _, table in state.local_times],
            "local_time_paths": [path for path, _ in state.local_times]}  # fmt: skip


def _last_import(
    graph: TraceGraph,
    run_id: str,
    path: Path,
    fingerprint: str,
    mapping: Mapping | None,
    source: str,
) -> tuple[list[Any], Any | None]:
    """The last import of `path` by `source` when it had the same content under the same
    settings (import/previous_import_of_file; empty: none, the file is read), and the run of
    another source that removed rows of its tables since, or took itself off rows of them
    that `source` still sends (_removed_since): then it is read all the same."""
    previous = graph.read("import/previous_import_of_file", run_id=run_id, name=path.name,
                          fingerprint=fingerprint, source=source)  # fmt: skip
    return previous, _removed_since(graph, run_id, previous, path, mapping, source)


def _removed_since(
    graph: TraceGraph,
    run_id: str,
    previous: list[Any],
    path: Path,
    mapping: Mapping | None,
    source: str,
) -> Any | None:
    """The run of another source that removed rows of the tables `path` fills (--full) since
    `previous`, the run whose import of the same content would let it be skipped as unchanged,
    or took itself off rows of them that `source` still sends (its `run_id`, `source` and
    whether it `removed` rows); None: none did, or no such run. The file's own source's
    removals do not count: its full dump removed what it no longer has, and reading the file
    again wrote it back, to be removed by the next full dump — every night. A row another
    source was taken off is `source`'s to vouch for (writer.TO_VOUCH): its rows are written
    again where the graph holds other values, then the file is skipped as unchanged again
    (that run is then before its last import)."""
    if not previous:
        return None
    tables = run_sources.tables_of(path, mapping)
    found = graph.read("import/removed_since", run_id=run_id, since=previous[0]["run_id"],
                       tables=tables, source=source,
                       vouched=[full_dump.left_to(t, source) for t in tables])  # fmt: skip
    return found[0] if found else None


# what a night whose every file was the last night's content is asked
_STALE_EXPORT = "Is the exporter sending yesterday's files? Check tonight's export"


def _same_content(content_of: dict[str, tuple[str, Any]]) -> str:
    """Every file had the content of the last import of its name (`content_of`: per file, the
    run that imported that content and its start), said with those runs."""
    by_run: dict[tuple[str, Any], list[str]] = {}
    for path, run in content_of.items():
        by_run.setdefault(run, []).append(Path(path).name)
    runs = "; ".join(
        f"{', '.join(dict.fromkeys(names))}: run {run}, started {iso_seconds(started)}"
        for (run, started), names in by_run.items()
    )
    return (
        "every file had the content of the last file of its name imported, as the run that "
        f"imported it ({runs})"
    )


def _all_unchanged_note(content_of: dict[str, tuple[str, Any]], dry_run: bool = False) -> str:
    """The note of a run whose every file had the content of the last import of its name:
    nothing was imported (a dry run: would be, its counts being the rows it checked all the
    same). Such a night's log looked like any good night's ("0 rows read", exit 0), and a day's
    data went missing unnoticed while the exporter sent the day before's files again."""
    said = ("the import would import nothing (the counts are of the rows checked all the "
            "same)" if dry_run else "nothing imported")  # fmt: skip
    return f"{said}: {_same_content(content_of)}. {_STALE_EXPORT}; `--force` reads them again"


def _full_unchanged_note(content_of: dict[str, tuple[str, Any]], read: int) -> str:
    """The note of a full import (--full) whose every file had the content of the last import
    of its name, read and compared all the same (an import ran since) and changing and
    removing nothing. It said "nothing imported" and to `--force` them, of a run that had read
    and compared every row."""
    return (
        f"--full: {_same_content(content_of)}; read and compared all the same, as an import "
        f"ran since: {counted(read, 'row')}, none changed, nothing to remove. {_STALE_EXPORT}"
    )


def _read_again_note(path: Path, imported_by: str, removed_by: Any, source: str) -> str:
    """The note of an unchanged file read all the same: a later run removed rows of its
    tables (--full), which its content may have written, or took its source off rows of them
    that this file's source still sends (its rows vouch for them again)."""
    if removed_by["removed"]:
        return (
            f"{path.name}: read again although unchanged since {imported_by}: run "
            f"{removed_by['run_id']} removed rows of its tables since (--full), which its rows "
            "may be among"
        )
    return (
        f"{path.name}: read again although unchanged since {imported_by}: run "
        f"{removed_by['run_id']} took {removed_by['source']} off rows of its tables since "
        f"(--full) that {source} still sends, whose values {source}'s rows give again"
    )


def _imported_since(graph: TraceGraph, run_id: str, runs: set[str]) -> bool:
    """Whether an import other than `run_id` began after the earliest of `runs`: it may have
    added rows (a delta under another file name) that the unchanged full dump lacks."""
    return bool(graph.read("import/imported_since", run_id=run_id, runs=sorted(runs))[0]["later"])


class OlderExportRefused(TracegraphError):
    """A full import of files an earlier run imported, whose tables later runs changed."""


SourcesRefused = run_sources.SourcesRefused


def _source(given: str | None, mapping: Mapping | None) -> str:
    """The run's source: --source, checked, else the mapping's name or `canonical`."""
    if given is None:
        return run_sources.default_source(mapping)
    return run_sources.checked_source(given)


def _source_sheets(
    path: Path, mapping: Mapping, encoding: str | None
) -> list[RawTable | UnreadableFile]:
    """A source file read as its mapping's sections read it: their sheets and header lines, the
    mapping's encoding unless `encoding` (--encoding) is given, separator and .txt rule."""
    reads = mapping.reads(path)
    return read_sheets(
        path,
        [(sheet, header_line) for sheet, header_line, _ in reads] or [(None, mapping.header_line)],
        encoding or mapping.encoding, mapping.delimiter_of(path),
        as_text=mapping.names_text_file(path),
    )  # fmt: skip


def _header_alone(path: Path, mapping: Mapping | None, encoding: str | None) -> bool:
    """Whether a delimited text file holds a header and no row: a nightly delta of a quiet day,
    the same bytes every such night, is no older export. Read as the import reads it, decoded
    (Excel's UTF-16 "Unicode text" of a header alone was three lines of bytes, its NULs),
    after a mapping's title lines. A file over 64 kB holds rows; other formats are taken to
    hold rows, and so is a file that cannot be read (the import rejects it)."""
    if path.suffix.lower() not in (".csv", ".txt") or path.stat().st_size > 65536:
        return False
    try:
        raws = _source_sheets(path, mapping, encoding) if mapping else [read_table(path, encoding)]
    except UnreadableFile:
        return False
    return all(isinstance(raw, RawTable) and not raw.rows for raw in raws)


def _keys_of(
    files: Sequence[Path],
    tables: set[str],
    mapping: Mapping | None,
    zone: ZoneInfo,
    encoding: str | None,
) -> full_dump.Present:
    """The keys the run's files of `tables` hold, read (and mapped, validated) before anything
    is written: every file of those tables, as the full import compares them together (a
    table split over site A's and site B's files is the keys of both)."""
    state = RunState(present=full_dump.Present())
    chosen = [f for f in files if tables.intersection(run_sources.tables_of(f, mapping))]
    for _ in _Files(None, mapping, zone, encoding, {}, lambda _: None, lambda *_: None,
                    state).run(chosen):  # fmt: skip
        pass
    assert state.present is not None
    return state.present


def _lacking(
    graph: TraceGraph, present: full_dump.Present, tables: set[str], source: str | None
) -> dict[str, int]:
    """Per table of `tables`, how many rows of `source` (None: of any) the graph holds that
    `present` lacks and a full import would remove or take `source` off (full_dump.lacked: an
    older export sent again took the MES off a lot the ERP sends, unrefused): not the steps
    and shipments it keeps
    because lots or inspections still link them (keep_linked), which the dump lacks every
    night — counted, they refused a quiet weekend's import that removes nothing. None for a
    table it leaves uncompared. One keys query per table (as the full import's own comparison
    reads them)."""
    only = full_dump.Present(
        {t: keys for t, keys in present.keys.items() if t in tables},
        {t: why for t, why in present.unsure.items() if t in tables},
    )
    removals, _ = full_dump.compare(graph, only, source)
    full_dump.keep_linked(graph, removals)
    return {table: full_dump.lacked(removal) for table, removal in removals.items()
            if full_dump.lacked(removal)}  # fmt: skip


def _older_exports(
    graph: TraceGraph,
    run_id: str,
    files: Sequence[Path],
    shas: dict[str, str],
    full: bool,
    accept: bool,
    log: Log,
    mapping: Mapping | None,
    encoding: str | None,
    lacking: Callable[[set[str]], dict[str, int]],
    dry_run: bool = False,
    source: str | None = None,
    pending: list[Any] | None = None,
) -> list[str]:
    """The note on the files of this run that are an older export sent again: their bytes are
    what an earlier run imported for their table, and later runs imported other content of it.
    Imported, such a file writes its rows back over the newer ones (night 1's lots.csv sent
    again after nights 3 and 4 released a hold night 3 set: exit 0, "clean"); under --full it
    also removes the rows the newer nights added (250, within --max-removals). One warning line
    for them all, in the notes too. A full import of such files is refused (OlderExportRefused)
    before it writes anything when the graph holds rows of a GROWING_TABLES table of theirs
    that the run's files lack — `lacking(tables)` counts them, per table — the run, not the
    table: an older export is seldom old in one file alone, and its other files would undo the
    newer nights' rows too. Without such rows (a weekend's hold set and lifted, lots.csv back to
    Friday's bytes, no lot made) it removes nothing and is imported, with the warning. Unless
    `accept` (--accept-older: the plant rolls back to that export on purpose), which a note
    records. One ledger query (older_exports.cypher) with the sha256s computed anyway; the
    files' keys are read only when an older export of a growing table is found under --full.
    Runs of `source` alone are compared (and runs recorded before runs kept one): two labs'
    inspections.csv, each its own source, are no older export of each other. `pending`
    (an import that is not --full): the files found are left there, for the run's ledger entry
    before its writes (before_writing); the warning that rows were written back is told once
    the run knows which files wrote a row (told_older)."""
    read = [f for f in files if not _header_alone(f, mapping, encoding)]
    # one entry per name, table and content: two nights' folders sending the same bytes of
    # lots.csv were two "older exports", named twice in the warning
    distinct = dict.fromkeys((f.name, table_name(f), shas[str(f)]) for f in read)
    listed = [{"name": name, "table": table, "sha": sha} for name, table, sha in distinct]
    filled = {(f.name, table_name(f)): run_sources.tables_of(f, mapping) for f in read}
    if not listed:
        return []
    found = graph.read("import/older_exports", run_id=run_id, files=listed,
                       tables=sorted({f["table"] for f in listed}), source=source)  # fmt: skip
    found = _rows_not_the_same(found, listed)
    if not found:
        return []
    found = sorted(found, key=lambda row: (row["name"], row["table"]))  # the query's is no order
    one = len(found) == 1
    text = _older_text(found)
    growing = {t for row in found for t in filled[row["name"], row["table"]] if t in GROWING_TABLES}
    lacked = lacking(growing) if full and not accept and growing else {}
    if accept:
        done = "would be imported" if dry_run else "imported"
        note = f"{text}: {done} all the same (--accept-older), its rows over the newer ones"
    elif lacked:
        removed = ", ".join(f"{n:,} {table}" for table, n in lacked.items())
        raise OlderExportRefused(
            f"{text}: a full import of {'it' if one else 'them'} would write the older rows back "
            "over the newer ones and remove the rows added since, which the graph holds and the "
            f"files lack ({removed}): nothing was written",
            hint="import tonight's export instead, or leave the older files out; to roll back "
            "to that export on purpose, run it again with --accept-older",
        )
    elif pending is not None and not full:
        # Whether rows are written back is known only once the files are written (told_older
        # names those whose rows were): not logged now — QC's earlier file sent again, every
        # row no news for QC, writes nothing back, and a log watched for "warning:" must not
        # say it might. The run's ledger entry holds it until then (before_writing): a run
        # killed outright keeps it there.
        pending.extend(found)
        return []
    else:
        kept = (f", and no {' or '.join(sorted(growing))} row the graph holds is missing from "
                "the files (--full removes none)" if full and growing else "")  # fmt: skip
        note = _written_back(text, "would be written" if dry_run else "were written", kept)
    log(f"warning: {note}")
    return [note]


def _older_text(found: list[Any]) -> str:
    """The files older_exports.cypher found, named with the run that first imported each."""
    named = "; ".join(
        f"{row['name']} (as run {row['run_id']} imported it on {iso_seconds(row['started_at'])}; "
        f"{counted(row['runs_since'], 'later run')} imported other {row['table']} content)"
        for row in found
    )
    verb = "is" if len(found) == 1 else "are"
    return f"{counted(len(found), 'file')} {verb} an older export sent again: {named}"


def before_writing(found: list[Any]) -> str:
    """The note of older exports sent again on the run's ledger entry before it writes them (a
    run that is not --full), which a run killed outright keeps: its rows that are news for
    their source (the newest change wins) are written back."""
    return (f"{_older_text(found)}: its rows that are news for their source may be written "
            "back over the newer ones; the run's last notes say whether any was")  # fmt: skip


def _written_back(text: str, done: str, kept: str = "") -> str:
    return (f"{text}: its rows {done} back over the newer ones (a hold released, a correction "
            f"undone){kept}; if that was not meant, import the newest export again")  # fmt: skip


def told_older(
    pending: list[Any],
    wrote: set[tuple[str, str, str]],
    log: Log,
    writing: frozenset[tuple[str, str, str]] = frozenset(),
) -> list[str]:
    """The warning of the older exports sent again (_older_exports' `pending`) whose files
    changed a row: `wrote` holds each such file's (name, table, sha256). QC's earlier file sent
    again byte for byte, every row of it no news for QC (the per-column rule), changed
    nothing, where the warning said its rows were written back (a hold released); and a night
    1 lots.csv that changed nothing beside a new lots_2.csv was named for lots_2.csv's rows
    (the table's changes were counted, not the file's). `writing`: the file a run that
    stopped part-way was writing, whose rows may have been written back (it had changed none
    when it stopped, or the writes of its batch were not counted yet)."""
    notes = []
    for files, done in (
        (wrote, "were written"),
        (writing - wrote, "may have been written, up to where the run stopped,"),
    ):
        found = [row for row in pending if (row["name"], row["table"], row["sha"]) in files]
        if found:
            notes.append(_written_back(_older_text(found), done))
    for note in notes:
        log(f"warning: {note}")
    return notes


def _rows_not_the_same(found: list[Any], listed: list[dict[str, str]]) -> list[Any]:
    """The older exports found (older_exports.cypher) of the tables whose rows tonight are not
    the rows the table's last import had: a lots.csv imported on night 1, the same rows saved
    as lots.xlsx on night 2 and the CSV sent again on night 3 writes nothing back, where its
    bytes alone made it "an older export … a correction undone". Compared per table by the
    digests of the rows (writer.content_digest) of all of the run's files of the table — each
    known from the earlier import of its bytes, or the last's — with those of the last import's
    files; any digest not known (a file imported before they were kept) keeps the warning."""
    kept = []
    for table in dict.fromkeys(row["table"] for row in found):
        rows = [row for row in found if row["table"] == table]
        current = {c["sha"]: c["digest"] for c in rows[0]["current_digests"]}
        earlier = {(row["name"], row["sha"]): row["earlier_digest"] for row in rows}
        tonight = [current.get(f["sha"]) if f["sha"] in current
                   else earlier.get((f["name"], f["sha"]))
                   for f in listed if f["table"] == table]  # fmt: skip
        last = [current.get(sha) for sha in rows[0]["current"]]
        known = None not in tonight and None not in last
        if not (known and combine_digests(tonight) == combine_digests(last)):  # type: ignore[arg-type]
            kept.extend(rows)
    return kept


# The attribute of a run's error that holds its notes (_noted).
RUN_NOTES = "tracegraph_run_notes"


def _noted(error: BaseExceptionT, notes: list[str]) -> BaseExceptionT:
    """`error` with the run's notes its summary file records (cli/imports.py: run_notes): an
    attribute of its own, not the exception's `__notes__`, which any library may add to."""
    setattr(error, RUN_NOTES, [*getattr(error, RUN_NOTES, []), *notes])
    return error


def _failure(error: BaseException) -> dict[str, Any]:
    """A failed or interrupted run's error line, exit code and outcome for its ledger entry, as
    the import printed them: one line, never a traceback (a bug's is its type and first line)."""
    hint = None
    if isinstance(error, KeyboardInterrupt):
        code: int | None = INTERRUPTED
        line = "interrupted (Ctrl-C or SIGTERM)"
    elif isinstance(error, TracegraphError):
        code, line, hint = error.exit_code, error.message, error.hint or None
    else:  # a bug (3), or an OSError: 2 when it is the machine's (a full disk), else 3
        code = crash_code(error)
        first = (str(error).splitlines() or [""])[0][:300]
        line = f"{type(error).__name__}: {first}" if first else type(error).__name__
    outcome = OUTCOMES[FAILED] if code is None else OUTCOMES.get(code, OUTCOMES[FAILED])
    return {"error": line, "error_hint": hint, "exit_code": code, "outcome": outcome}


def _remove_rows(
    graph: TraceGraph,
    run_id: str,
    removals: dict[str, full_dump.Removal],
    reject_path: Path,
    log: Log,
    state: RunState,
) -> Path | None:
    """Write the rows a full import removes (and those it only takes its source off, which
    full.drop_sources does after) to removed-RUN.csv beside the reject file, name the file
    and the counts of removed rows on the run's ledger entry, then delete them — in that order, so
    that a run killed while deleting has said what it deletes (its re-run finds the rest).
    The file and `removing_json` say what the run set out to remove; a step or shipment linked
    since keep_linked looked is kept by the delete, stays listed there, and is neither in
    `rows_removed` nor among the ledger's removal records (full.remove takes its record back).
    The devices and operators of the steps removed are noted as stale before (their bounds
    are computed again from the steps left, see writer.settle_bounds)."""
    path = full_dump.record_removals(graph, removals, run_id, reject_path)
    if path is None:
        return None
    steps = removals.get("steps")
    if steps is not None and steps.keys:
        stale_bounds(graph, state,
                     {r["device_id"] for r in steps.records if r.get("device_id") is not None},
                     {r["operator_id"] for r in steps.records
                      if r.get("operator_id") is not None})  # fmt: skip
    counts = {t: len(r.keys) for t, r in removals.items() if r.keys}
    graph.write("import/finish_run", run_id=run_id, props={
        "removed_file": str(path), "removing_json": json.dumps(counts),
        # a later run does not skip a file of these tables as unchanged: what its content
        # wrote may be gone (previous_import_of_file.cypher)
        "removed_tables": sorted(counts),
        # and a later run of a source left on rows it takes its source off does not skip a
        # file of their table as unchanged: its rows vouch for them again (writer.TO_VOUCH)
        "taken_off_for": full_dump.taken_off_for(removals),
    })  # fmt: skip
    if counts:  # else only rows to take the source off, which the file lists too
        tables = ", ".join(f"{t} {n:,}" for t, n in counts.items())
        log(f"removing {counted(sum(counts.values()), 'row')} the full dump no longer has "
            f"({tables}); as they were: {path}")  # fmt: skip
    full_dump.remove(graph, removals, run_id, path)
    return path


def stopped_part_way(run_id: str, error: TracegraphError) -> TracegraphError:
    """The error of a server that went away (killed, out of memory, full disk, `db down`)
    during run `run_id`, naming the run and that re-running it completes it: the line said only
    "cannot reach Neo4j", and an operator reading the cron log took the night as not run. An
    error that names the run already is returned as it is."""
    if error.message.startswith(f"import {run_id} stopped part-way"):
        return error
    if isinstance(error, RequestRefused):
        # Neo4j refused the statement itself: a re-run is refused at the same place (a test
        # of a full dump told the tester to re-run a removal that could never succeed)
        again = ("running the same import again is safe (whole batches were written, nothing "
                 "twice) but is refused again until what Neo4j names changes")  # fmt: skip
        hint = f"{error.hint}; {again}" if error.hint else again
    else:
        hint = (f"{error.hint + '; then' if error.hint else 'then'} run the same import again: "
                "it completes this one (whole batches were written, nothing twice)")  # fmt: skip
    return type(error)(f"import {run_id} stopped part-way: {error.message}", hint=hint)


def _installed_schema(graph: TraceGraph, log: Log) -> list[str]:
    """The model's constraints and indexes, installed when the database lacks any of them (an
    import straight after `db up`, into a team's server, or after an upgrade that adds one):
    without them every MERGE scans its label — 20 minutes for a 100k-row plant — and nothing
    keeps a lot id unique. An index an upgrade added was only made by `db init` by hand."""
    # by what each object covers: one made by hand under another name is there (schema_gaps)
    missing = schema_gaps(graph.schema_objects()).missing
    if not missing:
        return _keyed_device_events(graph, log)
    # the data migrations once this run holds the import lock (see _migrated)
    graph.init_schema(migrate=False)
    if len(missing) == len(expected_names()):
        note = (
            "the database had no schema: installed the graph model's constraints and indexes first"
        )
    else:
        note = (
            f"the database lacked {len(missing)} of the graph model's constraints and indexes "
            f"({first_ids(missing)}): installed them first"
        )
    log(note)
    return [note]


def _schema_still_there(graph: TraceGraph) -> None:
    """Refuse, before a row is written, when the schema installed before the import lock was
    taken is gone: a `db reset` in the import's first seconds dropped it, and the import wrote
    its rows with no constraint (its MERGEs scanning labels, nothing keeping lot ids unique)."""
    missing = schema_gaps(graph.schema_objects()).missing
    if missing:
        raise ImportBusy(
            f"the graph model's constraints and indexes were dropped as this import started "
            f"({first_ids(list(missing), 3)}; a `tracegraph db reset`?): no row was written",
            hint="run the import again: it installs them first",
        )


def _keyed_device_events(graph: TraceGraph, log: Log) -> list[str]:
    """Device events some other writer left without their device's id (an older version's
    import, a hand edit in the Browser) are migrated here too, not only at `db init`: one such
    event sends every device query to reading events from the device (see
    cypher/trace/device_events.cypher), and the schema being complete, nothing else would run
    the migration. Two reads of the count store when every event is keyed."""
    (found,) = graph.read("db/unkeyed_device_events")
    if found["unkeyed"] <= 0:
        return []
    graph.autocommit("migrate/device_event_device_id")
    note = (
        f"{found['unkeyed']:,} device {'event' if found['unkeyed'] == 1 else 'events'} lacked "
        "their device's id (written by another version or by hand): copied it first"
    )
    log(note)
    return [note]


# The data migrations an import must not start without, each run by the import until it has run
# to its end once on the database (its Migration node), in the order migrate_data runs them (file
# names): before them, the import's look-ups by key miss what an older version keyed otherwise,
# and write the same record a second time. An alarm's key gains its kind before its time is
# re-keyed as UTC, which keeps the kind at the end. The ledger's runs from before it kept a node
# per file get theirs (import_run_files): else the unchanged-file skip and the older-export
# check, which seek those nodes, would not see them.
IMPORT_MIGRATIONS = ("alarm_event_id", "device_event_utc_key", "import_run_files",
                     "serial_gtin14")  # fmt: skip


def _migrated(graph: TraceGraph, installed: bool, log: Log) -> list[str]:
    """The data migrations, run while this import holds the import lock (as `db init` runs
    them): all of them when it has just installed the schema (an upgrade, a new database),
    and each of IMPORT_MIGRATIONS until it has once run to its end on this database.

    Device events an older version keyed otherwise (an alarm without its kind, a time with the
    offset it was written with) get the key tables.device_event_id makes before this import
    looks them up by it, and serials an older version keyed under a GTIN-13 (or -12, -8) their
    GTIN-14 key (migrate/serial_gtin14) — else importing the same rows again would add each a
    second time. Once done, a migration's Migration node says so (`db init` writes them too): a
    look-up, not a scan of every event (~0.3 s for 280k alarms) or serial. Under the lock: two
    runs of migrate/alarm_event_id at once could both append the kind, two re-keyings to UTC
    could both merge an event into the other. A note (logged) per migration that changed
    something: how many nodes, and the keys it merged."""
    if installed:
        # those among them too, each marked done: not scanned for twice
        migrated = graph.migrate_data()
    else:
        undone = [name for name in IMPORT_MIGRATIONS
                  if not graph.read("db/migration_done", name=name)[0]["done"]]  # fmt: skip
        migrated = []
        for name in undone:
            migrated.append(Migrated.of(name, graph.autocommit(f"migrate/{name}")))
            graph.write("db/mark_migration_done", name=name, now=datetime.now(UTC))
    notes = [done.note() for done in migrated if done.changed]
    older_runs = graph.read("import/older_format_runs", level=FORMAT_LEVEL)
    if older_runs and not installed:
        # A rollback's runs have their file lists alone: given their file nodes again (the
        # migration skips runs that have them), or the look-ups on those nodes miss them — a
        # file sent back to night 1's content after a rollback's night 3 was skipped as
        # unchanged since night 1, night 3's hold kept.
        graph.autocommit("migrate/import_run_files")
    notes += [_older_run_note(older) for older in older_runs]
    for note in notes:
        log(note)
    return notes


def _older_run_note(older: dict[str, Any]) -> str:
    """The note on a run an older tracegraph made after the data migrations (older_format_runs):
    `db init`, and — when it kept no source, so its rows lost theirs — importing each source
    again. A version before tracegraph_version was recorded said "(None)"."""
    version = older["version"] or "version not recorded"
    # --force: the files are those imported before, skipped as unchanged without it (the older
    # run kept no file nodes to compare with), and first: once `db init` runs the migrations
    # again, the run is older than them and this note is not given again
    sources = (" — and it kept no sources: the rows it wrote have none, so first import each "
               "source's files again with its --source and --force (unchanged files are "
               "skipped without it) to give them their sources, then"
               if older["unsourced"] else ":")  # fmt: skip
    return (
        f"import {older['run_id']} was run by an older tracegraph ({version}) after the data "
        "migrations: what it wrote may be keyed the old way, beside what they re-keyed"
        f"{sources} run `tracegraph db init`, which migrates it"
    )


def _runs_not_ended(graph: TraceGraph, run_id: str) -> list[dict[str, Any]]:
    """The runs since the last one that ended `done` that did not end themselves (run id and
    status), oldest first. None: the stubs and nodes known only from references the graph
    holds now were named by a run that ended, and are marked so (mark_reported.cypher). Else
    those without the mark are theirs — a kill -9 leaves no summary, and the re-run that
    completes its work found them already there: its ledger said nothing of them."""
    runs = [dict(row) for row in graph.read("import/runs_not_ended", run_id=run_id)]
    if not runs:
        graph.write("import/mark_reported")
    return runs


def _reported_before(graph: TraceGraph) -> tuple[set[str], set[str], dict[str, list[str]]]:
    """The stub lots and the nodes known only from references there as the run starts that a
    run which ended has named: what the run finds besides them at its end is its own (or the
    runs' it `completes`). And the stub lots no run that ended named (a killed run's, which the
    run names as its own if they stay, and as completed if it gives them their row)."""
    stubs = graph.read("import/stub_lot_ids")[0]
    references = graph.read("import/reference_only")[0]
    unreported = references["unreported"]
    before = {kind: sorted(set(ids) - set(unreported[kind]))
              for kind, ids in _references(references).items()}  # fmt: skip
    return set(stubs["ids"]) - set(stubs["unreported"]), set(stubs["unreported"]), before


def _references(found: Any) -> dict[str, list[str]]:
    """reference_only's ids per kind of master data (without its `unreported`)."""
    return {kind: ids for kind, ids in dict(found).items() if kind != "unreported"}


def _completes_note(runs: list[dict[str, Any]]) -> list[str]:
    """The note of a run that follows runs that did not end: it names their stubs as its own.
    A run that failed, or was interrupted by Ctrl-C or SIGTERM, ended: its error is named (a
    refused full import's note said "which did not end (killed?)"); one that has no end on
    its ledger entry was killed outright."""
    if not runs:
        return []
    named = ", ".join(_stopped_run(run) for run in runs)
    return [
        f"completes {named}: the stub lots and the nodes known only from references it created "
        "that are still there are counted and named as this run's",
        *(_stopped_removing(run) for run in runs if run.get("removed_file")),
    ]


def _stopped_removing(run: dict[str, Any]) -> str:
    """The note of a run that follows one stopped after listing the rows its --full removes (a
    kill while it deleted them): what that run deleted is in its file alone — a re-run's lists
    only the rest, and `imports RERUN --restore` gave back only those, nothing said. The re-run
    first: a row both files list holds its newer values in the re-run's (an import between may
    have changed it), and the stopped run's restore leaves out a row a later run removed again
    (restore.removed_later), so either order keeps them; each writes only the rows the graph
    lacks."""
    return (
        f"run {run['run_id']} was stopped while removing the rows its full dump no longer had: "
        f"it had listed them in {run['removed_file']} and deleted some or all of them, which "
        "this run's own file of removed rows does not list; to give them back, restore this "
        f"run, import its folder, then restore that run (`tracegraph imports {run['run_id']} "
        "--restore DIR`, then import DIR): each restore writes only the rows the graph lacks"
    )


def _stopped_run(run: dict[str, Any]) -> str:
    """A run that did not end `done`, as a note names it (see _completes_note)."""
    named = f"{run['status']} run {run['run_id']}"
    if not run.get("ended"):
        return f"{named}, which did not end (killed?)"
    return f"{named} ({run['error']})" if run.get("error") else named


def _new_references(
    before: dict[str, list[str]],
    after: dict[str, list[str]],
    emptied: dict[str, set[str]] | None = None,
) -> list[str]:
    """A note per kind of master data the run created from references alone (a device named by
    a step, with no row in devices): expected when an export does not carry that table, a typo
    when it does — `OVEN-99` for `OVEN-9`. `emptied`: those a full import left so as their
    rows were gone (named in its own note)."""
    notes = []
    for kind, ids in after.items():
        new = sorted(set(ids) - set(before[kind]) - (emptied or {}).get(kind, set()))
        if new:
            shown = first_ids(new)
            notes.append(
                f"{counted(len(new), kind.removesuffix('s'))} named by references but given "
                f"no row of {'its' if len(new) == 1 else 'their'} own "
                f"{'was' if len(new) == 1 else 'were'} created: {shown} (a typo in a reference "
                "makes one)"
            )
    return notes


# What to do about stubs, said with them: a MES's steps named lots every night that the ERP's
# receipts, imported 20 minutes later, filled — a note that alarmed and said nothing of that.
STUB_ADVICE = (
    "a lots row completes a stub, as a later import of another source's receipts does, which "
    "then counts them; once every source is imported, `tracegraph check` lists those still "
    "open (unknown_origin): a typo in a lot id makes one"
)


def _completed_stubs(before: set[str], after: set[str], deleted: list[str]) -> list[str]:
    """The note naming the stub lots earlier runs left that this run gave their lots row: those
    of `before` (named by a run that ended, or made by a killed one it completes: they went
    unnamed) no longer stubs at its end, save those it deleted as orphans (`deleted`). The
    stubs read before and after the run: no query of its own."""
    completed = sorted(before - after - set(deleted))
    if not completed:
        return []
    their = "its" if len(completed) == 1 else "their"
    return [
        f"{counted(len(completed), 'lot')} that earlier runs created without a row of {their} "
        f"own got {their} lots row: {first_ids(completed)}"
    ]


def _new_stubs(ids: list[str], made: set[str]) -> list[str]:
    """Notes naming the stub lots the run added: lots a step, inspection, shipment or lot
    identifier names that neither the import nor the graph has a row for. Counted before, never
    named: a typo in a lot id (`L-0012` for `L-012`) was a number in the summary. Those a step
    made (`made`: its output, not also its input) are named apart: their origin is known, only
    their row is missing (the note called a step_outputs lot "a stub (origin unknown)", which
    `check` does not list)."""
    notes = []
    unknown = [i for i in ids if i not in made]
    if unknown:
        one = len(unknown) == 1
        notes.append(
            f"{counted(len(unknown), 'lot')} named by steps, inspections, shipments or lot "
            f"identifiers but given no row of {'its' if one else 'their'} own "
            f"{'was' if one else 'were'} created as {'a stub' if one else 'stubs'} (origin "
            f"unknown): {first_ids(unknown)} ({STUB_ADVICE})"
        )
    produced = [i for i in ids if i in made]
    if produced:
        one = len(produced) == 1
        notes.append(
            f"{counted(len(produced), 'lot')} with no row of {'its' if one else 'their'} own, "
            f"made by {'a step' if one else 'steps'}, {'was' if one else 'were'} created "
            f"without {'its' if one else 'their'} quantity and material: {first_ids(produced)} "
            f"({'its' if one else 'a'} lots row completes {'it' if one else 'one'}; a typo in a "
            "lot id makes one)"
        )
    return notes


def _orphans_deleted(deleted: dict[str, list[str]], removed: bool = False) -> list[str]:
    """A note per kind of node known only from references that the run deleted because no row
    refers to it any more (delete_orphan_references.cypher): a corrected reference's typo, or
    (`removed`) what only the rows a full import removed named."""
    notes = []
    for kind, ids in deleted.items():
        if ids:
            shown = first_ids(sorted(ids))
            what = "stub lot" if kind == "lots" else kind.removesuffix("s").replace("_", " ")
            them = "it" if len(ids) == 1 else "them"
            notes.append(
                f"deleted {counted(len(ids), what)} known only from references that no row "
                f"refers to any more: {shown} ("
                + (
                    "rows the full dump no longer has, or a corrected reference, left "
                    if removed
                    else "a corrected reference left "
                )
                + f"{them}; a clean import has none)"
            )
    return notes


def _mapping_zone(mapping: Mapping | None) -> tuple[str | None, str]:
    """A mapping's `timezone` and its name, for chosen_zone."""
    return (mapping.timezone, mapping.name or mapping.path.name) if mapping else (None, "")


def check_paths(
    paths: Sequence[Path],
    *,
    timezone: str | None = None,
    encoding: str | None = None,
    reject_file: Path | None = None,
    mapping: Mapping | None = None,
    graph: TraceGraph | None = None,
    max_removals: str = full_dump.DEFAULT_MAX_REMOVALS,
    accept_older: bool = False,
    source: str | None = None,
    over_sources: bool = False,
    force: bool = False,
    ledger: Callable[[], TraceGraph] | None = None,
    log: Log = lambda _: None,
    progress: Progress = lambda *_: None,
    on_start: Started = lambda *_: None,
) -> ImportSummary:
    """A dry run: what importing `paths` would reject for the files' own content — every file
    read, every mapping applied, every cell checked — without Neo4j, so tonight's export or a
    new mapping can be tried first. `written` counts the rows that would be written. What only
    the graph knows is not checked: references to steps or shipments of other files or earlier
    imports, and which lots would be stubs.

    With a `graph`, the dry run of a full import (--full): the files are also compared with
    what the graph holds of their tables (read only), and the rows a full import would remove
    are counted, named in a note and listed in removed-RUN.csv beside the reject file, and
    files that are an older export sent again, or of tables another source wrote, are the
    import's refusal (_older_exports, sources.other_sources).

    With a `ledger` (opens the graph: with --full the one compared, else the server
    configured, once the files are checked), unless `force`: when the import would skip every
    file as unchanged, the summary says so as the import's would (all_unchanged,
    _all_unchanged_note), the files read all the same; when it cannot be asked, a note says
    this is not known (_ledger_skips)."""
    limit = full_dump.parse_limit(max_removals) if graph is not None else None
    chosen = chosen_zone(timezone, *_mapping_zone(mapping))
    timezone, zone, zone_given = chosen.name, chosen.zone, chosen.given
    check_encoding(encoding)
    source = _source(source, mapping)
    # the source whose rows a --full run compares; every source's with --remove-other-sources
    whose = None if over_sources else source
    files, notes = find_files(paths, mapping)
    notes[:0] = chosen.notes
    started = time.perf_counter()
    run_id = datetime.now(UTC).strftime("dry-run-%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)
    reject_path = _writable(reject_file or Path(f"rejects-{run_id}.csv"), files)
    on_start(run_id, files)
    tables: dict[str, TableCounts] = {}
    rejects: list[Reject] = []
    state = RunState(zone_given=zone_given,
                     present=full_dump.Present() if graph is not None else None)  # fmt: skip
    for _, file_rejects in _Files(None, mapping, zone, encoding, tables, log, progress, state).run(
        files
    ):
        rejects += file_rejects
    for table, count in state.unverified.items():
        what = MUST_EXIST[table][2]
        notes.append(
            f"{counted(count, f'{table} row')} {'names' if count == 1 else 'name'} {what} that "
            "no valid row of these files is: "
            "the import rejects them unless the graph already holds it"
        )
    removals: dict[str, full_dump.Removal] = {}
    removed_file = None
    refused: TracegraphError | None = None
    if graph is not None and state.present is not None:
        shas = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
        present, known = state.present, graph
        if not graph.read("db/migration_done", name="import_run_files")[0]["done"]:
            # the older-export check seeks the ledger's file nodes, which the runs before the
            # upgrade get from the import (or `db init`); this dry run writes nothing
            notes.append("the ledger's runs before this version have no file nodes yet (the "
                         "next import or `tracegraph db init` makes them): this dry run cannot "
                         "tell whether a file is an older export sent again")  # fmt: skip
        filled = run_sources.filled_tables(files, mapping)
        try:  # the files are read: their keys are the dry run's
            notes += run_sources.other_sources(graph, run_id, source, filled, over_sources, log,
                                               mark=False)  # fmt: skip
            if whose is not None:
                notes += run_sources.unsent_notes(graph, run_id, whose, filled,
                                                  state.present.keys, log)  # fmt: skip
            notes += _older_exports(
                graph, run_id, files, shas, True, accept_older, log, mapping, encoding,
                dry_run=True, lacking=lambda growing: _lacking(known, present, growing, whose),
                source=source,
            )  # fmt: skip
        except (OlderExportRefused, SourcesRefused) as error:
            refused = error
    if graph is not None and state.present is not None and limit is not None:
        removals, compared = full_dump.compare(graph, state.present, whose, log)
        # nothing is written yet: the links tonight's rows make are counted as the import,
        # which removes after its writes, will find them (the inspections those rows move
        # matter only where a step may be removed)
        steps = removals.get("steps")
        rewritten = _rewritten(graph, state) if steps and steps.keys else set()
        full_dump.keep_linked(graph, removals, state.linked, rewritten)
        notes += compared + full_dump.removal_notes(removals, dry_run=True)
        removed_file = full_dump.record_removals(graph, removals, run_id, reject_path)
        # the import's refusal, as the dry run's error: it exits 2, as the import would
        refused = refused or full_dump.refusal(removals, limit, listed=removed_file, dry_run=True)
    summary = ImportSummary(
        run_id=run_id, tables=tables, rejects=rejects, unchanged_files={},
        notes=notes + state.notes, stubs_created=0, seconds=time.perf_counter() - started,
        dry_run=True, full=graph is not None,
        removed={t: len(r.keys) for t, r in removals.items()}, removed_file=removed_file,
        refused=refused,
    )  # fmt: skip
    if ledger is not None and not force:
        mapping_sha = hashlib.sha256(mapping.path.read_bytes()).hexdigest() if mapping else ""
        shas = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
        fingerprints = _fingerprints(files, shas, mapping_sha, timezone, encoding,
                                     graph is not None, source)  # fmt: skip
        (skipped, summary.unchanged_files), unknown = _ledger_skips(ledger, lambda known: (
            _would_skip(known, run_id, files, fingerprints, mapping, source, graph is not None)
        ))  # fmt: skip
        summary.all_unchanged = bool(skipped)
        for note in [_all_unchanged_note(skipped, dry_run=True)] if skipped else unknown:
            summary.notes.append(note)
            log(note)
    summary.reject_file = _rejects_written(reject_path, rejects, reject_file, mapped=bool(mapping))
    summary.notes += not_private_notes(summary.reject_file, "the reject file")
    return summary


# _would_skip's answer: per file the run that imported its content and its start, and the
# files the import would not read, each with its last run.
Skipped = tuple[dict[str, tuple[str, Any]], dict[str, str]]


def _ledger_skips(
    ledger: Callable[[], TraceGraph], would_skip: Callable[[TraceGraph], Skipped]
) -> tuple[Skipped, list[str]]:
    """`would_skip` asked of the graph `ledger` opens, and no note; or, when the server did not
    answer or its ledger could not be read, nothing and the note that this is not known: the
    look-up is optional, and its failure failed the whole dry run (exit 2, no summary, no
    reject file)."""
    try:
        known = ledger()
    except TracegraphError as error:
        return ({}, {}), [f"no server answered ({error.message}): {_UNCHANGED_UNKNOWN}"]
    try:
        return would_skip(known), []
    except Exception as error:  # any failure: the dry run's checks stand without it
        said = error.message if isinstance(error, TracegraphError) else type(error).__name__
        return ({}, {}), [f"the ledger could not be read ({said}): {_UNCHANGED_UNKNOWN}"]


# Why a dry run cannot say whether the import would skip the night (_ledger_skips).
_UNCHANGED_UNKNOWN = "whether the import would skip the files as unchanged is not known"


def _would_skip(
    graph: TraceGraph,
    run_id: str,
    files: Sequence[Path],
    fingerprints: dict[Path, str],
    mapping: Mapping | None,
    source: str,
    full: bool,
) -> Skipped:
    """For a dry run: when an import of `files` would skip every one as unchanged, per file
    (its absolute path) the run that imported its content and its start, as
    _all_unchanged_note takes them, and the files it would not read (each with its last run,
    as the import's unchanged_files; none with --full); else nothing. As import_paths decides:
    a file read again since another source's --full removed rows is read, and a --full run
    reads every file once an import ran since (whether that changes nothing, the dry run
    cannot tell)."""
    if not files or not graph.read("db/migration_done", name="import_run_files")[0]["done"]:
        return {}, {}  # a ledger without file nodes (an import makes them) knows of no import
    content_of: dict[str, tuple[str, Any]] = {}
    unread: dict[str, str] = {}
    for path in files:
        previous, removed_by = _last_import(graph, run_id, path, fingerprints[path], mapping,
                                            source)  # fmt: skip
        if not previous or removed_by is not None:
            return {}, {}
        unread[str(path)] = str(previous[0]["run_id"])
        content_of[str(path.absolute())] = (previous[0]["content_run_id"],
                                            previous[0]["content_started_at"])  # fmt: skip
    if not full:
        return content_of, unread
    # a --full import reads every file all the same (and finds nothing to change)
    return ({}, {}) if _imported_since(graph, run_id, set(unread.values())) else (content_of, {})


def _writable(path: Path, files: Sequence[Path]) -> Path:
    """`path`, once its folder exists and can be written, and it is neither a folder nor one of
    the `files` read: found out before an import, not after it, when its rejects have nowhere
    to go (or have written over the export they came from)."""
    if path.is_dir():
        raise ConfigurationError(f"the reject file {path} is a folder",
                                 hint="pass --rejects the name of a file")  # fmt: skip
    if path.exists() and any(path.samefile(f) for f in files):
        raise ConfigurationError(
            f"the reject file {path} is one of the files to import: it would be written over",
            hint="pass --rejects a file of another name",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the reject file {path}: {exc.strerror or exc}",
            hint="pass --rejects a file in a folder you can write",
        ) from None
    why = unwritable(path.parent, path)
    if why is not None:
        raise ConfigurationError(
            f"cannot write the reject file {path}: {why}",
            hint="pass --rejects a file on a file system mounted for writing (not read-only)"
            if why == READ_ONLY else "pass --rejects a file in a folder you can write",
        )  # fmt: skip
    # absolute: a nightly job's log and the ledger name it wherever the job was started from
    return path.absolute()


@contextlib.contextmanager
def _import_lock(graph: TraceGraph, run_id: str) -> Iterator[None]:
    """One import at a time: two writing the same tables would race (a lot both create fails
    the second on the uniqueness constraint, half-way through its run). The lock goes with the
    importer's connection, so a killed import holds nothing (see db.held_lock)."""
    graph.write("import/lock_node")
    with graph.held_lock("import/take_lock", wait_seconds=LOCK_WAIT_SECONDS, token=run_id) as held:
        if not held:
            raise ImportBusy(f"another import is running: {_running_run(graph)}",
                             hint="wait for it to finish, then run this one again")  # fmt: skip
        # Every importer of a database must lock (an older tracegraph does not): holding the
        # lock, no other import runs, so entries still marked running were killed.
        graph.write("import/interrupted_runs")
        yield


BUSY_WAIT_SECONDS = 5.0  # how long `db reset` waits for a running import before refusing


@contextlib.contextmanager
def holding_import_lock(graph: TraceGraph, doing: str) -> Iterator[None]:
    """Hold the import lock while `doing` runs, or raise ImportBusy when an import holds it
    (waiting BUSY_WAIT_SECONDS): `doing` under a running import would leave it half-written
    (a reset during an import left nodes whose rows the next import took as written, and
    their edges were never made). The block must not delete the ImportLock node, which the
    lock's own transaction holds."""
    graph.write("import/lock_node")
    with graph.held_lock("import/take_lock", wait_seconds=BUSY_WAIT_SECONDS, token=doing) as held:
        if not held:
            raise ImportBusy(f"an import is running ({_running_run(graph)}): {doing} would "
                             "leave its graph half-written",
                             hint="wait for it to finish, then run this again")  # fmt: skip
        yield


def running_import(graph: TraceGraph) -> str | None:
    """What holds the import lock now (an import: which, by whom, since when), or None —
    found by trying the lock twice (a slow server's first try may time out), rolled back."""
    try:
        if graph.import_lock_free(tries=2):
            return None
    except DatabaseError:  # no lock node: no import has ever run here
        return None
    rows = graph.read("import/running_run")
    return (
        f"an import: {_run_text(rows[0])}"
        if rows
        else ("an import starting, or `tracegraph db reset`")
    )


def _running_run(graph: TraceGraph) -> str:
    rows = graph.read("import/running_run")
    return _run_text(rows[0]) if rows else "its ledger entry is not written yet"


def _run_text(run: Any) -> str:
    return f"run {run['run_id']} by {run['user']}@{run['host']}, started {iso(run['started_at'])}"


def _note_unread_sheets(
    raw: RawTable, state: RunState, holding: dict[str, list[str]], mapped: bool = False
) -> None:
    """A note of a workbook's sheets with data that were not read. Under --full, a table is
    not compared tonight when one of them has its header (`holding`: per table the file
    fills, those sheets): a dump past Excel's row limit spills into a second sheet, whose rows
    would be taken for gone. A sheet without it is only noted: a cover sheet (`Exportiert von |
    ERP PROD`) left every table of an ERP's nightly export uncompared, nothing removed, exit 0."""
    if not raw.unread_sheets:
        return
    sheets = ", ".join(repr(title) for title in raw.unread_sheets)
    which = (
        "a [[file]] section reads the sheet its `sheet` names, else the one named like the "
        "file, else the first with data" if mapped
        else "one sheet is read per file: the one named like the file, else the first "
        "with data"
    )  # fmt: skip
    note = f"{raw.path}: sheets with data not read: {sheets} ({which})"
    if state.present is not None:
        compared = [table for table, titles in holding.items() if not titles]
        if compared:
            names = ", ".join(compared)
            note += f"; no {names} header on them: --full compares {names} all the same"
        for table, titles in holding.items():
            if titles:
                state.present.unknown(
                    table,
                    _holding_reason(raw, table, titles),
                    fix=(
                        f"one sheet per table: move its rows to sheet {raw.sheet!r}, or delete "
                        "the sheet if they are not tonight's, then run the full import again"
                    ),
                )
    state.notes.append(note)


def _holding_reason(raw: RawTable, table: str, titles: list[str]) -> str:
    """Why a table is not compared: a sheet not read may hold its rows (it has the table's
    header, or no mapping names the sheet to read: see _unread_holding)."""
    sheets = ", ".join(repr(title) for title in titles)
    return (
        f"{raw.path}: sheet {sheets} may hold {table} rows too (its header is the "
        "table's, or no mapping's `sheet` names the one to read), and they were not read"
    )


def _sheets_with_header(raw: RawTable, unread: Sequence[str], columns: set[str]) -> list[str]:
    """The sheets not read whose header has `columns` (the table's required columns, or the
    columns a mapping reads that the sheet read has): they could hold the table's rows."""
    return [title for title, names in raw.sheet_headers
            if title in unread and columns and columns <= names]  # fmt: skip


def _mapped_holding(
    reads: list[tuple[str | None, int, list[FileRule]]],
    raws: list[RawTable | UnreadableFile],
    unread: Sequence[str],
) -> dict[str, list[str]]:
    """Per table a mapped workbook fills, its sheets not read whose header has the columns the
    section reads (those of them on the sheet it reads)."""
    holding: dict[str, list[str]] = {}
    for (sheet, _, rules), raw in zip(reads, raws, strict=True):
        for rule in rules:
            if sheet is None:  # the section names no sheet: any other may be its rows' spill
                sheets = list(unread)
            elif isinstance(raw, RawTable):
                sheets = _sheets_with_header(raw, unread, columns_read(rule) & set(raw.header))
            else:
                sheets = []
            holding.setdefault(rule.table, []).extend(sheets)
    return holding


def plan(files: Sequence[Path], mapping: Mapping | None) -> list[tuple[Path, str | None]]:
    """The run's work as (file, table) in import order: nodes before relationships across all
    files. A canonical file is its table; a mapped file gives each table its sections fill in
    that table's place, so an export's goods movements (lots, issues to orders, receipts from
    orders) come around the orders file they name, whatever the files are called. None: a
    mapped file no section matches (rejected whole in the last place)."""
    if mapping is None:
        return [(path, None) for path in files]
    units: list[tuple[int, int, Path, str | None]] = []
    for index, path in enumerate(files):
        filled: list[str | None] = [*sorted({rule.table for rule in mapping.rules_for(path)})]
        for table in filled or [None]:
            units.append((_ORDER[table] if table else len(_ORDER), index, path, table))
    return [(path, table) for _, _, path, table in sorted(units, key=lambda u: u[:2])]


class _Files:
    """One run's files, written table by table in import order (see plan) — or, without a
    graph, only read, mapped, validated and counted (a dry run). A mapped file is read and
    mapped once, when its first table's turn comes, and kept until its last table is written."""

    def __init__(
        self,
        graph: TraceGraph | None,
        mapping: Mapping | None,
        zone: ZoneInfo,
        encoding: str | None,
        tables: dict[str, TableCounts],
        log: Log,
        progress: Progress,
        state: RunState,
    ) -> None:
        self.graph, self.mapping, self.zone, self.encoding = graph, mapping, zone, encoding
        self.tables, self.log, self.progress, self.state = tables, log, progress, state
        # a file's sheets through the mapping (a CSV file is one); None: it could not be read
        self._mapped: dict[Path, list[MappedFile] | None] = {}
        self.overlaps = _Overlaps()
        # per file, the rows it wrote that were new or changed the graph: the tables' counts
        # are of all their files together (a night 1 lots.csv that changed nothing beside a
        # new lots_2.csv); and the file being written, if any (a run that fails part-way)
        self.changed: Counter[Path] = Counter()
        self.writing: Path | None = None

    def run(self, files: Sequence[Path]) -> Iterator[tuple[Path, list[Reject]]]:
        """Each file with all of its rejects, once its last table is done."""
        units = plan(files, self.mapping)
        self.overlaps.watch(units)
        left = Counter(path for path, _ in units)
        found: dict[Path, list[Reject]] = {}
        for path, table in units:
            before, self.writing = self._changed(), path
            # a mapped file's rejects name their table: a row two tables reject is two lines
            found.setdefault(path, []).extend(self._one(path, table))
            self.changed[path] += self._changed() - before
            self.writing = None
            left[path] -= 1
            if not left[path]:
                self._mapped.pop(path, None)
                yield path, found.pop(path)

    def _changed(self) -> int:
        return sum(counts.changed for counts in self.tables.values())

    def wrote(self, shas: dict[str, str]) -> set[tuple[str, str, str]]:
        """The files that changed a row, as (name, table, sha256) — older_exports.cypher's."""
        return self._named([path for path, n in self.changed.items() if n], shas)

    def writing_now(self, shas: dict[str, str]) -> frozenset[tuple[str, str, str]]:
        """The file being written when the run stopped, as `wrote` names files."""
        return frozenset(self._named([self.writing] if self.writing is not None else [], shas))

    @staticmethod
    def _named(paths: list[Path], shas: dict[str, str]) -> set[tuple[str, str, str]]:
        return {(path.name, table_name(path), shas[str(path)]) for path in paths}

    def _one(self, path: Path, table: str | None) -> list[Reject]:
        if self.mapping is None:
            name = table_name(path)
            counts = self.tables.setdefault(name, TableCounts(name))
            return _import_file(self.graph, path, name, self.zone, self.encoding, counts,
                                self.log, self.progress, self.state, self.overlaps)  # fmt: skip
        rejects: list[Reject] = []
        if path not in self._mapped:  # a sheet not read leaves the others to be written
            self._mapped[path], rejects = self._map(path, self.mapping)
        mapped = self._mapped[path]
        if mapped is None or table is None:
            return rejects
        return rejects + self._write_mapped(mapped, path, table)

    def _map(self, path: Path, mapping: Mapping) -> tuple[list[MappedFile] | None, list[Reject]]:
        """A source file through its mapping, each sheet its sections read on its own; the
        whole-file rejects when it (or a sheet) cannot be read or no section matches it."""
        reads = mapping.reads(path)
        try:
            raws = _source_sheets(path, mapping, self.encoding)
        except UnreadableFile as problem:
            every = [rule for _, _, rules in reads for rule in rules]
            return None, [self._unread(path, every, problem, None)]
        if not reads:  # a file named on the command line that no section matches
            first = raws[0] if raws else None
            lines = [line for line, _ in first.rows] if isinstance(first, RawTable) else []
            counts = self.tables.setdefault(path.stem, TableCounts(path.stem, files=[str(path)]))
            counts.read += len(lines)
            counts.rejected += len(lines)
            reason = f"no [[file]] section of {mapping.path.name} matches {path.name}"
            if (other := mapping.matched_as(path)) is not None:
                reason += f" (one matches {other[0]} only: add {other[1]!r} to its match)"
            return None, [Reject(str(path), line, "", "", reason) for line in lines]
        mapped: list[MappedFile] = []
        rejects: list[Reject] = []
        read = [raw for raw in raws if isinstance(raw, RawTable)]
        # what reading the file noted (a GBK file that was valid UTF-8 read as GB18030, a
        # nameless column with data): once per file, though its sections read several sheets
        for said in dict.fromkeys(note for raw in read for note in raw.said):
            _say(self.state, self.log, said)
        if read:  # the sheets with data that no section reads
            unread = [s for s in read[0].unread_sheets if all(s in r.unread_sheets for r in read)]
            _note_unread_sheets(dataclasses.replace(read[0], unread_sheets=tuple(unread)),
                                self.state, _mapped_holding(reads, raws, unread),
                                mapped=True)  # fmt: skip
        for (sheet, _, rules), raw in zip(reads, raws, strict=True):
            if isinstance(raw, UnreadableFile):  # a sheet missing or empty: its sections' rows
                rejects.append(self._unread(path, rules, raw, sheet))
                continue
            _note_short_rows(raw, self.state, self.log)
            one = apply_mapping(mapping, raw, rules)
            untaken = one.untaken_note(path)
            for note in [*one.notes, *([untaken] if untaken else [])]:
                _say(self.state, self.log, note)
            mapped.append(one)
        return mapped, rejects

    def _unread(
        self, path: Path, rules: Sequence[FileRule], problem: UnreadableFile, sheet: str | None
    ) -> Reject:
        """The one reject (line 0) of a file, or a sheet, that cannot be read: counted as one
        row of the first table its sections fill in import order (as a canonical file's is of
        its table), not under a table named after the file, which is no table."""
        # no section matches a file named on the command line: as its rows would be (_map)
        table = min((rule.table for rule in rules), key=_ORDER.__getitem__, default=path.stem)
        counts = self.tables.setdefault(table, TableCounts(table))
        if str(path) not in counts.files:
            counts.files.append(str(path))
        counts.read += 1
        counts.rejected += 1
        self.log(_unread_line(path, problem) if sheet is None else
                 f"{path.name}: sheet {sheet!r} not read, its sections' rows are not imported — "
                 f"{problem}")  # fmt: skip
        if self.state.present is not None:
            for rule in rules:
                self.state.present.unknown(rule.table, f"{path} cannot be read")
        return Reject(str(path), 0, "", "", str(problem), sheet or "", table)

    def _write_mapped(self, mapped: list[MappedFile], path: Path, table: str) -> list[Reject]:
        """The rows of `table` that the file's sections made, sheet by sheet; rows the mapping
        could not convert count as rejected for that table."""
        found: list[Reject] = []
        for one in mapped:
            parts = [raw for t, raw in one.tables if t == table]
            if not parts:
                continue
            counts = self.tables.setdefault(table, TableCounts(table))
            rejects = [r for t, r in one.rejects if t == table]
            counts.read += len(rejects)
            counts.rejected += len(rejects)
            if rejects and self.state.present is not None:
                # the mapping could not convert these rows: which records they are is not known
                self.state.present.unknown(
                    table, f"{path}: {counted(len(rejects), 'row')} the mapping could not convert"
                )
            written = _write_raw(self.graph, _one_table(parts), table, self.zone, counts,
                                 self.log, self.progress, self.state, unconverted=len(rejects),
                                 overlaps=self.overlaps, mapped=True)  # fmt: skip
            # each made once as the reject file has it (its sheet, table, source terms)
            found += rejects
            found += [one.in_source_terms(table, reject) for reject in written]
        for one in mapped:  # written: its rows are let go, for the file's next tables to use
            one.tables = [(t, raw) for t, raw in one.tables if t != table]
        return found


class _Overlaps:
    """The rows of a table that more than one file of the run fills (two nights' folders, a
    delta beside a dump), by key: a later file's row with other values for the same key is
    written over the earlier one's — as successive imports would — and a note says how many,
    which keys, and which file won (one per pair of files). Compared on the columns both
    files have: a status-update file leaves the quantity as it is. Tables one file fills are
    not kept (no cost)."""

    def __init__(self) -> None:
        self._watched: set[str] = set()
        # table -> key -> (file, its canonical columns, the row's values of them, its extras)
        self._seen: dict[str, dict[Any, tuple[Path, tuple[str, ...], tuple[Any, ...], Any]]] = {}
        self._overruled: dict[tuple[str, Path], dict[Path, list[str]]] = {}

    def watch(self, units: Sequence[tuple[Path, str | None]]) -> None:
        files: dict[str, set[Path]] = {}
        for path, table in units:
            name = table if table is not None else table_name(path)
            files.setdefault(name, set()).add(path)
        self._watched = {name for name, paths in files.items() if len(paths) > 1}

    def compare(
        self, table: str, raw: RawTable, rows: Iterator[dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        """The rows, passed on as they are validated, each compared with an earlier file's."""
        if table not in self._watched or table not in TABLES:
            yield from rows
            return
        seen = self._seen.setdefault(table, {})
        overruled = self._overruled.setdefault((table, raw.path), {})
        columns = tuple(c for c in raw.header if TABLES[table].column(c) is not None)
        for row in rows:
            key = full_dump.row_key(table, row)
            values = tuple(row.get(c) for c in columns)
            extra = row.get("_extra") or {}
            earlier = seen.get(key)
            if (earlier is not None and earlier[0] != raw.path
                    and _differ(earlier, columns, values, extra)):  # fmt: skip
                overruled.setdefault(earlier[0], []).append(full_dump.key_text(key))
            seen[key] = (raw.path, columns, values, extra)
            yield row

    def notes(self, table: str, path: Path, dry_run: bool) -> list[str]:
        """The notes of the rows of `path` that overrule an earlier file's of the run."""
        notes = []
        for earlier, keys in self._overruled.pop((table, path), {}).items():
            one = len(keys) == 1
            win = "would be written last and win" if dry_run else "were written last and won"
            notes.append(
                f"{path}: {counted(len(keys), f'{table} row')} {'gives' if one else 'give'} "
                f"other values than {earlier} for the same key ({first_ids(keys, 5)}): this "
                f"file's {win} (files are written in the order given on the command line, a "
                "folder's in natural order: night9 before night10)"
            )
        return notes


def _differ(
    earlier: tuple[Path, tuple[str, ...], tuple[Any, ...], Any],
    columns: tuple[str, ...],
    values: tuple[Any, ...],
    extra: dict[str, Any],
) -> bool:
    """Whether a row gives other values than an earlier file's row of the same key, in the
    columns (and extra columns) both files have."""
    _, their_columns, theirs, their_extra = earlier
    if their_columns == columns and their_extra.keys() == extra.keys():  # the same layout
        return theirs != values or their_extra != extra
    old = dict(zip(their_columns, theirs, strict=True))
    new = dict(zip(columns, values, strict=True))
    return any(old[c] != new[c] for c in old.keys() & new.keys()) or any(
        their_extra[c] != extra[c] for c in their_extra.keys() & extra.keys()
    )


def _one_table(parts: list[RawTable]) -> RawTable:
    """The rows several sections of one file made for one table (SAP's receipts from vendors
    and from orders, both lots) as one table in line order, so that validation sees them
    together: a lot both make is a duplicate, rejected when they disagree. A column one section
    does not fill is empty in its rows."""
    if len(parts) == 1:
        return parts[0]
    header = tuple(dict.fromkeys(column for part in parts for column in part.header))
    rows = sorted(
        ((line, {column: cells.get(column, "") for column in header})
         for part in parts for line, cells in part.rows),
        key=lambda row: row[0],
    )  # fmt: skip
    first = parts[0]
    return RawTable(first.path, header, rows, first.encoding, first.notes, sheet=first.sheet)


def _import_file(
    graph: TraceGraph | None,
    path: Path,
    name: str,
    zone: ZoneInfo,
    encoding: str | None,
    counts: TableCounts,
    log: Log,
    progress: Progress,
    state: RunState,
    overlaps: _Overlaps | None = None,
) -> list[Reject]:
    began = time.perf_counter()
    try:
        raw = read_table(path, encoding)
    except UnreadableFile as problem:
        # Nothing of the file can be read: one reject stands for the whole file (on line 0,
        # or on the header its reason is about).
        reject = Reject(str(path), problem.line, "", "", str(problem))
        return _whole_file_rejected(reject, name, "cannot be read", counts, log, state)
    table = TABLES.get(name)
    wrong = None if table is None else not_the_header(raw, table)
    if table is not None and wrong is not None:
        # A header that is not the table's: its rows are not read, as a file that cannot be
        # read; under --full the table is not compared (no row of it was read).
        missing = next(c for c in table.required if c not in raw.header)
        reject = Reject(str(path), raw.header_at, missing, "", wrong, sheet=raw.sheet)
        return _whole_file_rejected(reject, name, f"has no {name} header", counts, log, state)
    for said in raw.said:
        _say(state, log, said)
    # a canonical workbook names no sheet to read: any other sheet with data may be its rows'
    # spill (a headerless `lots (2)` holding 4 of 105 lots were removed, exit 0); a mapping's
    # `sheet` says which one holds the table (its cover sheet is then only noted)
    _note_unread_sheets(raw, state, {name: list(raw.unread_sheets)} if name in TABLES else {})
    if name not in TABLES and not raw.rows:
        # No row to reject, so its header stands for it: `export.csv` holding a header alone
        # was a clean import of a table `export` (exit 0), a misnamed file unnoticed.
        counts.files.append(str(path))
        counts.read += 1
        counts.rejected += 1
        reason = f"{unknown_table(path, name)}; the file holds a header and no row"
        log(f"{path}: {reason}")
        # line 1, the header the reason is about: line 0 is a file that could not be read
        return [Reject(str(path), 1, "", "", reason)]
    _note_renamed(raw, name, state, log)  # a mapping names its columns: not guessed there
    file_rejects = _write_raw(graph, raw, name, zone, counts, log, progress, state, began,
                              overlaps=overlaps)  # fmt: skip
    if raw.sheet:  # a workbook's rejects name their sheet
        file_rejects = [r.placed(sheet=raw.sheet) for r in file_rejects]
    if raw.merged:
        file_rejects = [_in_merged_range(raw, r) for r in file_rejects]
    for sheet in raw.also_holding:
        # a sheet of the table's rows not read: one reject, so that the run is not clean
        counts.read += 1
        counts.rejected += 1
        file_rejects.append(Reject(str(path), raw.header_at, "", "", (
            f"sheet {sheet!r} has a {name} header too, and its rows were not read: one sheet "
            f"is read per file, {raw.sheet!r} here (the one named like the file, else the first "
            f"with data); one table per workbook, or move its rows to sheet {raw.sheet!r}"
            f"{', a hidden sheet: unhide it' if raw.sheet_hidden else ''}"),
            sheet=sheet))  # fmt: skip
    return file_rejects


def _in_merged_range(raw: RawTable, reject: Reject) -> Reject:
    """A reject of an empty cell that a merged range covers, saying so: rows 4-5 of B3:B5 were
    rejected "required value is empty", the planner not told to unmerge."""
    merged = "" if reject.value.strip() else merged_hint(raw, reject.line, [reject.column])
    if not merged:
        return reject
    return dataclasses.replace(reject, reason=reject.reason + merged)


def _whole_file_rejected(
    reject: Reject, name: str, why: str, counts: TableCounts, log: Log, state: RunState
) -> list[Reject]:
    """A file none of whose rows is read, `reject` standing for them (one row read, one
    rejected); under --full its table is not compared (`why`: what the note says of it)."""
    counts.files.append(reject.file)
    counts.read += 1
    counts.rejected += 1
    log(f"{Path(reject.file).name}: not read, the whole file is rejected — {reject.reason}")
    if state.present is not None and name in TABLES:
        state.present.unknown(name, f"{reject.file} {why}")
    return [reject]


def _say(state: RunState, log: Log, note: str) -> None:
    """A note for the run's summary and ledger, and its log line."""
    state.notes.append(note)
    log(note)


def _note_kept_names(raw: RawTable, name: str, state: RunState, log: Log) -> None:
    """Extra columns named like a property the importer keeps for itself, and what they are
    stored as (validate.kept_as)."""
    table = TABLES.get(name)
    for column in raw.header:
        if reserved(column) and table is not None and table.column(column) is None:
            _say(state, log, f"{raw.path}: column {column} is a name tracegraph keeps for "
                 f"itself: its values are stored as {kept_as(column, raw.header)}")  # fmt: skip


# Other names exports give canonical columns (abbreviations, ERP words): an extra column so
# named, in a file that lacks the column, is most likely it renamed (see _note_renamed).
_ALIASES: dict[str, tuple[str, ...]] = {
    "quantity": ("qty", "quant", "amount", "menge", "count"),
    "uom": ("unit", "units", "unit_of_measure", "unit_of_measurement", "einheit", "meins"),
    "unit": ("uom", "units", "unit_of_measure"),
    "lot_id": ("lot", "lot_no", "lot_number", "lotnumber", "batch", "batch_id", "batch_no"),
    "material_id": ("material", "material_no", "material_number", "item", "item_id", "sku"),
    "supplier_id": ("supplier", "vendor", "vendor_id"),
    "supplier_lot": ("vendor_lot", "supplier_batch", "vendor_batch"),
    "customer_id": ("customer", "customer_no"),
    "location_id": ("location", "warehouse", "storage_location"),
    "device_id": ("device", "machine", "machine_id", "equipment", "equipment_id"),
    "operator_id": ("operator", "user", "user_id", "employee", "employee_id"),
    "step_id": ("step", "step_no"),
    "shipment_id": ("shipment", "delivery", "delivery_id"),
    "started_at": ("start", "start_time", "started", "begin"),
    "ended_at": ("end", "end_time", "ended", "finish"),
    "created_at": ("created", "production_date", "produced_at"),
    "expires_at": ("expires", "expiry", "expiry_date", "best_before", "bbd"),
    "received_at": ("received", "receipt_date", "received_on"),
    "shipped_at": ("shipped", "ship_date", "shipped_on"),
    "inspected_at": ("inspected", "inspection_date"),
}


def _lookalike(name: str, missing: Sequence[str]) -> str | None:
    """The canonical column among `missing` that an extra column `name` may be: an alias
    (qty, unit), a typo (quantiy), or an abbreviation (qnty: its letters in order, the same
    first letter)."""
    folded = re.sub(r"[\s\-.]+", "_", name.strip().lower())
    for column in missing:
        if folded in _ALIASES.get(column, ()):
            return column
    close = difflib.get_close_matches(folded, missing, n=1, cutoff=0.8)
    if close:
        return close[0]
    for column in missing:
        letters = iter(column)
        if (len(folded) >= 3 and folded[0] == column[0]
                and all(letter in letters for letter in folded)):  # fmt: skip
            return column
    return None


def _note_renamed(raw: RawTable, name: str, state: RunState, log: Log) -> None:
    """An extra column named like a canonical column the file lacks (`qty` for `quantity`):
    kept as an extra property, as extra columns are, it left `quantity` as it was and gave
    every lot a `qty` no later dump removes — without a word. Not rejected: an extra column
    is a feature (a step's process parameters), and the guess may be wrong; a note says it."""
    table = TABLES.get(name)
    if table is None or header_refusal(raw, table) is not None:
        # every row rejected for its header (`Status` for status): no property was stored, and
        # the rejects say why — the note said `Status` "was stored as an extra property"
        return
    missing = [c.name for c in table.columns if c.name not in raw.header]
    for column in raw.header:
        if table.column(column) is not None or column.startswith("_"):
            continue
        meant = _lookalike(column, missing)
        if meant is not None:
            note = (
                f"{raw.path}: column {column} is no column of {name} and was stored as an "
                f"extra property `{column}`; it may be {meant}, which the file lacks (so {meant} "
                f"kept what the graph holds): if so, rename the column to {meant}, or read the "
                "export with a mapping (importers/README.md), and import it again (a file whose "
                f"{column} cells are empty removes the property)"
            )
            _say(state, log, note)


def _note_last_line(raw: RawTable, state: RunState, log: Log) -> None:
    """A file whose last row has all its cells but no line break after it: an export that
    stopped writing may have cut its last value (bake_min 31 read as 3, recorded as a change).
    The hint was only in the file's log line on stderr: the summary and ledger said clean."""
    for note in raw.notes:
        if note.startswith(NO_LAST_LINE_BREAK):
            said = (
                f"{raw.path}: {note} (an export that stopped writing may have cut its last "
                "value: compare it with the source, and import the mended file again)"
            )
            if said not in state.notes:  # a mapped file's tables share the file's notes
                _say(state, log, said)


def _note_short_rows(
    raw: RawTable, state: RunState, log: Log, rejected: frozenset[int] = frozenset()
) -> None:
    """Rows with fewer cells than the header are read with the missing cells empty, as a writer
    that leaves trailing empty cells out means them; an empty cell clears what the graph holds
    (a lot's hold, a step's device), so a row cut by hand or by a tool must not do it silently."""
    lines = [str(n) for n in raw.short_lines if n not in rejected]  # those were not read
    if not lines:
        return
    note = (
        f"{raw.path}: {counted(len(lines), 'row')} with fewer cells than the header "
        f"(line {first_ids(lines, 5)}) {were(len(lines))} read with the missing cells empty, "
        "which clears those values in the graph (if a row was cut, mend it and import again)"
    )
    _say(state, log, note)


def _note_zone_change(
    graph: TraceGraph,
    path: Path,
    table: str,
    zone: ZoneInfo,
    state: RunState,
    log: Log,
    written: TableWrite,
    moved: int | None = None,
) -> None:
    """Say when the last import of this file (its path: siteA/steps.csv is not siteB/steps.csv)
    into this table read its times without an offset in another zone, and this import changed
    rows of it: the same local times are now other instants — steps and lots move to them, but
    device events (keyed by their instant) stay beside the old ones. A file whose rows are all
    as the graph held them (or new: another file's steps) moved nothing. Recorded for the next
    import (the run's ledger entry keeps the files, its timezone the zone)."""
    last = _last_local_read(graph, path, table, state)
    if last is not None and last["timezone"] != zone.key:
        note = _zone_change_note(path, table, zone.key, last, written, moved)
        if note is not None:
            _say(state, log, note)
    state.local_times.append((str(path.absolute()), table))


def _last_local_read(
    graph: TraceGraph, path: Path, table: str, state: RunState
) -> dict[str, Any] | None:
    """The last earlier import that read this file's times without an offset into this table
    (its run_id and timezone), or None (none, or a run not recorded): one ledger query per file
    and run (import/previous_zone_of_file reads every run's files), kept in the run's state."""
    if state.run_id is None:
        return None
    where = (str(path.absolute()), table)
    if where not in state.last_local_reads:
        found = graph.read("import/previous_zone_of_file", run_id=state.run_id,
                           path=where[0], table=table)  # fmt: skip
        state.last_local_reads[where] = found[0] if found else None
    return state.last_local_reads[where]


def _zone_change_note(
    path: Path, table: str, zone: str, last: dict[str, Any], written: TableWrite,
    moved: int | None = None,
) -> str | None:  # fmt: skip
    """The note of a file read again in another zone, or None when no row of it moved: its
    changed rows; for device events, whose instant is their key, the events that are new at
    another instant than one the graph held (`moved`, _MovedEvents), not the night's new ones
    (a night that added 3 events and moved 2 said 5 were "other instants")."""
    old = last["timezone"]
    said = (f"{path}: {table} times without an offset were read in {zone}, but the last import "
            f"of this file ({last['run_id']}) read them in {old}: ")  # fmt: skip
    if table == "device_events":
        new = moved if moved is not None else written.changed - written.updated
        if not new:
            return None
        return said + (
            f"{counted(new, 'event')} of it {were(new)} new, other instants beside those read in "
            f"{old} — to remove those, re-import device_events with --full (and --max-removals) "
            "giving every file of the table, as --full removes the events its files lack (README, "
            "Importing exports: times without an offset)"
        )
    if not written.updated:
        return None
    return said + (f"{counted(written.updated, 'row')} of it moved to the new instants (if {old} "
                   f"was right, import the file again with --timezone {old})")  # fmt: skip


class _MovedEvents:
    """The device events of a file read again in another zone that moved (see
    _note_zone_change): rows new to the graph whose local time, read in the zone of the file's
    last import, is an event the graph held — the same event at another instant, not one of
    the night's new ones. Each batch of rows is looked up (import/device_events_shas) before
    the writer takes it, so `count` is what the graph held before the import."""

    def __init__(self, graph: TraceGraph, old: ZoneInfo, zone: ZoneInfo) -> None:
        self.graph, self.old, self.zone = graph, old, zone
        self.count = 0
        self.created: set[str] = set()  # this file's new keys: no earlier event of the graph

    @classmethod
    def of_file(
        cls, graph: TraceGraph | None, path: Path, table: str, zone: ZoneInfo, state: RunState
    ) -> _MovedEvents | None:
        """A watch over a device_events file whose last import read it in another zone."""
        if graph is None or table != "device_events":
            return None
        last = _last_local_read(graph, path, table, state)
        if last is None or last["timezone"] in (None, zone.key):
            return None
        try:
            return cls(graph, ZoneInfo(last["timezone"]), zone)
        except (ValueError, KeyError):  # a zone this machine does not know: the plain count
            return None

    def _earlier(self, row: dict[str, Any]) -> str | None:
        """The key the row's local time had read in the old zone; None for a time whose
        offset is not the new zone's there (it carried its own: read alike in both)."""
        at = row["at"]
        if at.utcoffset() != at.astimezone(self.zone).utcoffset():
            return None
        return device_event_id({**row, "at": at.replace(tzinfo=None).replace(tzinfo=self.old)})

    def watch(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        source = iter(rows)
        while batch := list(itertools.islice(source, BATCH_SIZE)):
            keys = [(device_event_id(row), self._earlier(row)) for row in batch]
            asked = sorted({key for pair in keys for key in pair if key is not None})
            # (no source: the keys alone are asked, not which rows lack this run's source)
            held = {row["key"] for row in self.graph.read("import/device_events_shas",
                                                          keys=asked, source=None)}  # fmt: skip
            for key, earlier in keys:
                if key in held:
                    continue
                # an earlier row of this file may have made the old key (written since)
                if earlier not in (None, key) and earlier in held and earlier not in self.created:
                    self.count += 1
                self.created.add(key)
            yield from batch


def _offsetless_note(path: Path, table: str, column: str, cells: int, zone: ZoneInfo) -> str:
    """Times without an offset read as UTC, the default: said once per file and column, as an
    export in local time read as UTC puts every event hours off."""
    return (
        f"{path}: {counted(cells, f'{table}.{column} value')} without a UTC offset "
        f"{'was' if cells == 1 else 'were'} read as {zone.key} time (written in another zone? "
        "give it with --timezone ZONE, or `timezone` in the mapping)"
    )


def _clock_note(
    path: Path, table: str, column: str, cells: int, zone: ZoneInfo, example: datetime, clock: str
) -> str:
    """Local times the clocks skipped (02:30 the night summer time starts) or showed twice
    (02:30 the night it ends), once per file and column, with the first as an example in its
    zone's own terms: read silently, a step from 02:30 to 03:30 the spring night took no time
    at all, and an autumn night's 02:30 was the first of two without a word."""
    wall = example.replace(tzinfo=None)
    values = counted(cells, f"{table}.{column} value")
    it = "it" if cells == 1 else "them"
    if clock == SKIPPED:
        there = example.astimezone(zone)
        return (
            f"{path}: {values} without a UTC offset "
            f"{'names a local time' if cells == 1 else 'name local times'} that did not exist in "
            f"{zone.key} (the clocks skipped {it} when summer time began): read with the offset "
            f"before the change ({wall.isoformat()} as {example.isoformat()}, which is "
            f"{there:%H:%M} {there.tzname()} there)"
        )
    second = wall.replace(tzinfo=zone, fold=1)
    return (
        f"{path}: {values} without a UTC offset "
        f"{'names a local time' if cells == 1 else 'name local times'} that {zone.key} showed "
        f"twice (the clocks went back): read as the first ({wall.isoformat()} as "
        f"{example.isoformat()}); for the second, write its offset "
        f"({second.isoformat()})"
    )


def _repeated_link_note(path: Path, table: str, lines: int, first: tuple[str, int, int]) -> str:
    """Lines of a link table that repeat an earlier line exactly, once per file: kept once, as
    any identical row is — but two pallets of one lot of equal weight are written so, and the
    graph then held half of what the step used or the shipment carried, with nothing said."""
    keys, earlier, line = first
    return (
        f"{path}: {counted(lines, f'{table} line')} {'repeats' if lines == 1 else 'repeat'} an "
        f"earlier line exactly (as {keys} on line {line}, as on line {earlier}): kept once; if "
        "they are several pallets of the lot, write one line with their sum (or a mapping's "
        'combine = "sum" adds them)'
    )


def _cut_note(path: Path, table: str, column: str, cells: int, example: str) -> str:
    """Times with digits beyond the microsecond (an OPC UA or .NET export's 100 ns ticks, a
    nanosecond clock), once per file and column: the import reads to the microsecond, and cut
    them silently — two alarms 0.2 µs apart became one "duplicate"."""
    return (
        f"{path}: {counted(cells, f'{table}.{column} value')} "
        f"{'has' if cells == 1 else 'have'} digits beyond the microsecond (as {example}): "
        "cut to the microsecond, which the import keeps (rows that differ only beyond it are "
        "rejected, not merged)"
    )


def _comma_notes(path: Path, commas: CommaCounts) -> list[str]:
    """What a ';' file's extra cells with decimal commas became (validate's _semicolon_extra),
    once per column: how many were read as numbers, how many kept as text and why."""
    notes = [
        f"{path}: column {name}: {counted(n, 'value')} with a decimal comma read as "
        f"{'a number' if n == 1 else 'numbers'} (252,5 as 252.5)"
        for name, n in commas.numbers.items()
    ]
    for name, n in commas.by_column.items():
        first = commas.first_by_column[name]
        notes.append(
            f"{path}: column {name}: {counted(n, 'value')} with three digits after the comma "
            f"read as {'a decimal' if n == 1 else 'decimals'} ({first} as "
            f"{comma_number(first):g}), as the column's other values write a decimal "
            "comma (252,5) and none groups thousands by ','"
        )
    for name, n in commas.ambiguous.items():
        first = commas.first_ambiguous[name]
        why = ambiguous_readings(first)
        notes.append(
            f"{path}: column {name}: {counted(n, 'value')} kept as text, as written: {first} {why}"
        )
    return notes


def _unread_line(path: Path, problem: UnreadableFile) -> str:
    """The log line of a file that cannot be read at all: a nightly log had no line for it,
    its reason only in the reject file."""
    return f"{path.name}: not read, the whole file is rejected — {problem}"


def _number_supplier_lots(raw: RawTable, name: str) -> list[tuple[str, str]]:
    """The (lot_id, supplier lot) of a lots file's first 1,000 supplier lots a workbook or
    Parquet file stored as whole numbers (075131 typed into a column not formatted as Text is
    the number 75131)."""
    if name != "lots" or "supplier_lot" not in raw.header or "lot_id" not in raw.header:
        return []
    numbers = ((cells.get("lot_id", ""), cells["supplier_lot"]) for _, cells in raw.rows
               if type(cells.get("supplier_lot")) is StoredNumber)  # fmt: skip
    return [(normal_id(lot), number.strip())
            for lot, number in itertools.islice(numbers, PADDED_LOOKED_UP)]  # fmt: skip


def _write_raw(
    graph: TraceGraph | None,
    raw: RawTable,
    name: str,
    zone: ZoneInfo,
    counts: TableCounts,
    log: Log,
    progress: Progress,
    state: RunState,
    began: float | None = None,
    unconverted: int = 0,
    overlaps: _Overlaps | None = None,
    mapped: bool = False,
) -> list[Reject]:
    """Validate and write (or, without a graph, count) one table's rows of one file, and log
    its line; its rejects as validation and the writer made them (the caller gives them their
    sheet, or source terms, in one copy). `unconverted`: the file's rows of this table its
    mapping already rejected, so that the line's counts are the file's, as the summary's are;
    `overlaps`: the rows of the run's earlier files of the table, to say which of them this
    file's rows overrule; `mapped`: the rows came through a mapping."""
    began = time.perf_counter() if began is None else began
    if str(raw.path) not in counts.files:
        counts.files.append(str(raw.path))
    # before the write, which replaces the spelling the graph holds
    held = [] if graph is None else padded_supplier_lots(graph, _number_supplier_lots(raw, name))
    validated, rows = validate_lazily(raw, name, zone, mapped)
    if overlaps is not None:
        rows = overlaps.compare(name, raw, rows)
    compared = state.present is not None and name in TABLES
    if state.present is not None and compared:
        rows = state.present.collect(name, rows)
    label = f"{raw.path.name} → {name}"
    moved = _MovedEvents.of_file(graph, raw.path, name, zone, state)
    if moved is not None:
        rows = moved.watch(rows)
    if graph is None:  # a dry run: the rows that pass validation would be written
        written = _counted(name, rows, state)
    else:
        written = write_table(
            graph, validated, rows, lambda done: progress(label, done, validated.read), state
        )
    file_rejects = validated.rejects + written.rejects
    file_written = written.written + validated.duplicates
    if state.present is not None and compared:
        state.present.protect(name, raw, validated.rejects, zone)
    if name in PARENT_TABLES.values() and validated.rejects:
        _rejected_parents(name, raw, validated.rejects, zone, state)
    _note_kept_names(raw, name, state, log)
    rejected_lines = frozenset(r.line for r in file_rejects)
    _note_short_rows(raw, state, log, rejected_lines)
    for overruled in overlaps.notes(name, raw.path, graph is None) if overlaps else []:
        _say(state, log, overruled)
    _note_last_line(raw, state, log)
    if validated.later_ends:
        later = (
            f"{raw.path}: {counted(validated.later_ends, f'{name} row')} "
            f"{'ends' if validated.later_ends == 1 else 'end'} in the hour the clocks go back, "
            "which the clock showed twice: read as the second of the two (as the first, each "
            "would end before it starts)"
        )
        _say(state, log, later)
    if validated.earlier_starts:
        earlier = (
            f"{raw.path}: {counted(validated.earlier_starts, f'{name} row')} "
            f"{'starts' if validated.earlier_starts == 1 else 'start'} in the hour the clocks "
            "skipped and "
            f"{'ends' if validated.earlier_starts == 1 else 'end'} after it: the start was read "
            "with the offset after the change (with the offset before, each would end before it "
            "starts)"
        )
        _say(state, log, earlier)
    for column, clock in sorted(validated.clock_examples, key=lambda c: raw.header.index(c[0])):
        times = validated.skipped_times if clock == SKIPPED else validated.repeated_times
        if times.get(column):
            example = validated.clock_examples[column, clock]
            said = _clock_note(raw.path, name, column, times[column], zone, example, clock)
            _say(state, log, said)
    # canonical tables only: a mapped export of one row per step and output (the MES shape)
    # repeats each input link once per row by design, and its mapping's `combine` decides
    if validated.repeated_link_example is not None and not mapped:
        _say(state, log, _repeated_link_note(raw.path, name, validated.repeated_links,
                                             validated.repeated_link_example))  # fmt: skip
    for column in sorted(validated.cut_times, key=raw.header.index):
        said = _cut_note(raw.path, name, column, validated.cut_times[column],
                         validated.cut_examples[column])  # fmt: skip
        _say(state, log, said)
    # Only when read as UTC because no zone was chosen: a mapping's timezone (the SAP and MES
    # samples have one) or --timezone (even UTC) is a choice, and its ten notes a run were noise.
    unzoned = [] if state.zone_given else sorted(validated.naive_times, key=raw.header.index)
    for column in unzoned:
        offsetless = _offsetless_note(raw.path, name, column, validated.naive_times[column], zone)
        _say(state, log, offsetless)
    if graph is not None and any(validated.naive_times.values()):
        _note_zone_change(graph, raw.path, name, zone, state, log, written,
                          moved.count if moved is not None else None)  # fmt: skip
    for comma_note in _comma_notes(raw.path, validated.commas):
        _say(state, log, comma_note)
    for column, count in validated.folded_ids.items():
        examples = validated.folded_examples[column]
        _say(state, log, folded_note(raw.path, name, column, count, examples))
    for column, count in validated.number_ids.items():
        ids = validated.number_id_values[column]
        _say(state, log, number_ids_note(graph, raw.path, name, column, count, ids))
    for numbers_note in number_cells_notes(raw, name, rejected_lines):
        _say(state, log, numbers_note)
    if held:
        _say(state, log, padded_supplier_lots_note(raw.path, held))
    for column, count in validated.pointed.items():
        _say(state, log, pointed_note(raw.path, name, column, count,
                                      validated.pointed_examples[column],
                                      validated.pointed_by[column]))  # fmt: skip
    if graph is not None and state.present is None and validated.unfolded_lots:  # --full removes
        old_lots = unfolded_lots_note(graph, raw.path, validated.unfolded_lots)
        if old_lots:
            _say(state, log, old_lots)
    seconds = time.perf_counter() - began
    counts.read += validated.read
    counts.duplicates += validated.duplicates
    counts.written += file_written
    counts.changed += written.changed
    counts.updated += written.updated
    counts.rejected += len(file_rejects)
    counts.seconds += seconds
    note = f" ({'; '.join(raw.notes)})" if raw.notes else ""
    outcome = (
        f"{file_written:,} would be written"
        if graph is None
        else f"{file_written:,} written ({written.changed - written.updated:,} new, "
        f"{written.updated:,} changed)"
    )
    read = validated.read + unconverted
    log(
        f"{raw.path.name} → {name}: {counted(read, 'row')} read, {outcome}, "
        f"{len(file_rejects) + unconverted:,} rejected, "
        f"{raw.encoding}{note}, {read / max(seconds, 1e-9):,.0f} rows/s"
    )
    return file_rejects


# The tables whose ids link tables name (MUST_EXIST), and each one's id column.
_KEY_OF = {"steps": "step_id", "shipments": "shipment_id"}
_PARENT_OF = {column: table for table, column in _KEY_OF.items()}


def _rejected_parents(
    table: str, raw: RawTable, rejects: Sequence[Reject], zone: ZoneInfo, state: RunState
) -> None:
    """The ids of a steps or shipments file's rejected rows (whose id reads), each with its
    file and line, for the link rows naming them to say so (RunState.rejected_parents)."""
    lines = {reject.line for reject in rejects}
    held = state.rejected_parents.setdefault(table, {})
    for line, cells in raw.rows:
        if line in lines and row_problem(cells) is None:
            key = full_dump.raw_key(table, cells, zone)
            if key is not None:
                held.setdefault(key, (raw.path.name, line))


def _counted(table: str, rows: Iterator[dict[str, Any]], state: RunState) -> TableWrite:
    """A dry run's stand-in for write_table: every valid row counts as written, its step or
    shipment id is kept, and a link row naming a step or shipment that no valid row of the run
    carries is counted as unverified (the import rejects it unless the graph holds it). Under
    --full, the steps and shipments link rows name, and the inspections rows carry, are kept
    too: the import writes those links before it removes anything (full.keep_linked)."""
    key = _KEY_OF.get(table)
    reference = MUST_EXIST[table][0] if table in MUST_EXIST else None
    known = state.checked_ids.get(_PARENT_OF[reference], set()) if reference else set()
    full = state.present is not None
    linked = state.linked.setdefault(_PARENT_OF[reference], set()) if full and reference else None
    relinked = state.relinked if full and table == "inspections" else None
    written = 0
    for row in rows:
        written += 1
        if key is not None:
            state.checked_ids.setdefault(table, set()).add(row[key])
        named = row.get(reference) if reference is not None else None
        if named is not None and named not in known:
            state.unverified[table] = state.unverified.get(table, 0) + 1
        if named is not None and linked is not None:
            linked.add(named)
        if relinked is not None:
            relinked[row["inspection_id"]] = named
    return TableWrite(written=written)


def _rewritten(graph: TraceGraph, state: RunState) -> set[Any]:
    """The inspections a dry run's valid rows carry that the import will write, so that their
    edge to a step becomes their row's: not one whose step is neither in the run's steps rows
    nor in the graph (the import rejects that row, and its edge the graph holds stays)."""
    known = state.checked_ids.get("steps", set())
    asked = sorted({s for s in state.relinked.values() if s is not None and s not in known})
    found: set[Any] = set()
    for start in range(0, len(asked), BATCH_SIZE):
        batch = asked[start : start + BATCH_SIZE]
        found.update(graph.read("import/existing_steps", ids=batch)[0]["found"])
    return {i for i, s in state.relinked.items() if s is None or s in known or s in found}


def _rejects_written(
    path: Path, rejects: Sequence[Reject], given: Path | None, mapped: bool = False
) -> Path | None:
    """The reject file, if there are rejects. A file named by --rejects is written with its
    header alone when nothing was rejected: a clean night left the last night's rejects in it,
    and a monitoring job reading it raised a false alarm. The summary names no reject file
    then; a run's own rejects-RUN.csv is not made."""
    if rejects:
        return write_rejects(path, rejects, mapped)
    if given is not None:
        write_rejects(path, rejects, mapped)
    return None


class _SafeTexts(dict[str, str]):
    """spreadsheet_safe of texts that repeat (a file's name, its columns), each made once."""

    def __missing__(self, text: str) -> str:
        self[text] = safe = spreadsheet_safe(text)
        return safe


def write_rejects(path: Path, rejects: Sequence[Reject], mapped: bool = False) -> Path:
    """The reject file. `mapped`: the run's files went through a mapping, whose rejects name
    their table, and a reject without one is of a file no section reads (its `table` is left
    empty: it was the file's name, which is no table)."""
    # `sheet` and `table` came later: added at the end, as the file is a public contract. A
    # canonical file's rejects are of the table its name says (set here, once per file: a
    # reject made again for it cost a sixth more in a file of 200,000 rejected rows).
    # Every text column kept as text in a spreadsheet, not the value alone: a header
    # `=HYPERLINK(…)` (the column) or a folder named `=cmd|' calc'!A0` (the file, and the reason
    # of a file that cannot be read, which names it) ran as formulas. A file's name, sheet,
    # table and columns are made safe once (`safe`), not per reject.
    tables: dict[str, str] = {}
    safe = _SafeTexts()
    rows = ([safe[r.file], r.line, safe[r.column], spreadsheet_safe(r.value[:500]),
             spreadsheet_safe(r.reason), safe[r.sheet],
             safe[r.table if r.table or mapped
                  else tables.get(r.file) or tables.setdefault(r.file, table_name(Path(r.file)))]]
            for r in rejects)  # fmt: skip
    return write_private_csv(
        path,
        itertools.chain([["file", "line", "column", "value", "reason", "sheet", "table"]], rows),
        "the reject file",
        "free space or pass --rejects another file, then run it again (that is safe)",
    )  # fmt: skip
