"""`tracegraph db …`: start, stop, inspect, initialise and empty the database."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.table import Table

from tracegraph import __version__, health, lifecycle, server
from tracegraph import backup as backups
from tracegraph.cli.context import open_graph
from tracegraph.cli.group import HELP_MARKUP, SummaryGroup
from tracegraph.cli.ledger import rows_word, shown_status
from tracegraph.cli.render import OutputFormat, literal, note, print_json, stdout, warn
from tracegraph.config import find_home
from tracegraph.errors import ConfigurationError, ImportBusy, TracegraphError
from tracegraph.importing.run import holding_import_lock, running_import
from tracegraph.schema import FORMAT_LEVEL
from tracegraph.values import counted
from tracegraph.versions import NEO4J_VERSION

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP,
    cls=SummaryGroup,
    help="Start, stop, inspect, initialise, empty, back up and restore the Neo4j database.",
    no_args_is_help=True,
)


@app.command()
def up(
    local: bool = typer.Option(False, "--local", help="Use the local server even if Docker runs."),
    docker: bool = typer.Option(False, "--docker", help="Use docker compose; fail without Docker."),
    bolt_port: int = typer.Option(
        None,
        envvar="TRACEGRAPH_BOLT_PORT",
        min=1,
        max=65535,
        help="Bolt port (default 7687, then the last one).",
    ),
    http_port: int = typer.Option(
        None,
        envvar="TRACEGRAPH_HTTP_PORT",
        min=1,
        max=65535,
        help="HTTP/Browser port (default 7474, then the last one).",
    ),
    heap: str = typer.Option(
        None, envvar="TRACEGRAPH_HEAP", help=f"JVM heap (default {server.DEFAULT_HEAP})."
    ),
    pagecache: str = typer.Option(
        None,
        envvar="TRACEGRAPH_PAGECACHE",
        help=f"Page cache (default {server.DEFAULT_PAGECACHE}).",
    ),
) -> None:
    """Start Neo4j and wait until Bolt answers; print the Bolt URI and the Browser URL.

    Uses docker compose where a Docker engine answers, else a local Neo4j 5.26 Community server
    assembled from Maven Central (Java 17 or 21, Maven). The first start generates a random
    password into .tracegraph/credentials (mode 0600). With NEO4J_URI set, only checks that
    server. Running it again when the server is up changes nothing.
    """
    if local and docker:
        raise ConfigurationError("--local and --docker exclude each other", hint="pick one")
    mode: lifecycle.Mode = "local" if local else "docker" if docker else "auto"
    home = find_home()
    saved = server.saved_options(home) if home else None
    base = saved or server.ServerOptions()
    for name, amount in (("--heap", heap), ("--pagecache", pagecache)):
        if amount is not None and not amount.strip():  # `--heap "$UNSET"` meant the 4g default
            raise ConfigurationError(
                f"{name} is empty (or its environment variable is)",
                hint="give an amount, as 512m or 2g, or leave it out",
            )
    options = server.ServerOptions(
        bolt_port=bolt_port or base.bolt_port,
        http_port=http_port or base.http_port,
        heap=heap or base.heap,
        pagecache=pagecache or base.pagecache,
    )
    _check(options)  # before anything is saved: a bad value kept failing every later `db up`
    result = lifecycle.up(mode, options, log=note)
    state = "was already running" if result.already_running else "is up"
    if result.already_running and result.backend == "local" and saved is not None:
        # `db up --heap 8g` on a running server changed nothing and said nothing about it
        given = {"--bolt-port": (bolt_port, saved.bolt_port), "--http-port": (http_port,
                 saved.http_port), "--heap": (heap, saved.heap), "--pagecache": (pagecache,
                 saved.pagecache)}  # fmt: skip
        ignored = [f"{flag} {wanted} (it runs with {running})"
                   for flag, (wanted, running) in given.items()
                   if wanted is not None and not _same_setting(wanted, running)]  # fmt: skip
        if ignored:
            warn(
                f"the server was already running, so {'; '.join(ignored)} was not applied",
                hint="run `tracegraph db down`, then `tracegraph db up` with the new settings",
            )
    out = stdout()
    out.print(f"Neo4j ({result.backend}) {state}.")
    out.print(f"Bolt URI:    {literal(result.bolt_uri)}")
    if result.browser_url:
        out.print(f"Browser URL: {literal(result.browser_url)}")
    if result.credentials:
        out.print(f"Credentials: {literal(result.credentials)} (user neo4j; the password is in "
                  "that file)")  # fmt: skip


# Neo4j reads a bare number as bytes (`--heap 4096` is a 4 kB heap the JVM refuses): a unit
# is required.
_MEMORY = re.compile(r"[1-9][0-9]*[kmg]", re.IGNORECASE)


MIN_HEAP_MB = 256
MIN_PAGECACHE_MB = 16


def _megabytes(amount: str) -> float:
    """`512m` → 512, `2g` → 2048, `512k` → 0.5 (a checked amount: digits and a unit)."""
    return int(amount[:-1]) * {"k": 1 / 1024, "m": 1, "g": 1024}[amount[-1].lower()]


def _same_setting(wanted: object, running: object) -> bool:
    """A port, or an amount of memory by its size: `--heap 1024m` is the 1g a server runs
    with, and was said not to be applied."""
    sizes = isinstance(wanted, str) and isinstance(running, str)
    if sizes and _MEMORY.fullmatch(str(wanted)) and _MEMORY.fullmatch(str(running)):
        return _megabytes(str(wanted)) == _megabytes(str(running))
    return str(wanted).lower() == str(running).lower()


def _check(options: server.ServerOptions) -> None:
    """Settings Neo4j would refuse, refused here with the reason (Neo4j's own refusal was
    reported as an old line of its log)."""
    for name, value in (("--heap", options.heap), ("--pagecache", options.pagecache)):
        if not _MEMORY.fullmatch(value):
            raise ConfigurationError(f"{name} {value!r} is not an amount of memory",
                                     hint="write it with a unit, as 512m or 2g")  # fmt: skip
    # `--heap 512k` passed, was saved, and every later `db up` failed on it
    if _megabytes(options.heap) < MIN_HEAP_MB:
        raise ConfigurationError(f"--heap {options.heap} is too small for Neo4j",
                                 hint=f"give it {MIN_HEAP_MB}m at least (1g or more for "
                                 "imports and wide traces)")  # fmt: skip
    if _megabytes(options.pagecache) < MIN_PAGECACHE_MB:
        raise ConfigurationError(f"--pagecache {options.pagecache} is too small for Neo4j",
                                 hint=f"give it {MIN_PAGECACHE_MB}m at least")  # fmt: skip
    if options.bolt_port == options.http_port:
        raise ConfigurationError(
            f"Bolt and HTTP cannot share port {options.bolt_port}",
            hint="give --bolt-port and --http-port different ports",
        )


@app.command()
def down(
    force: bool = typer.Option(
        False,
        "--force",
        help="Stop it even while an import runs (the import ends, "
        "interrupted; running it again is safe).",
    ),
) -> None:
    """Stop the server `db up` started (its data stays). Refused while an import runs."""
    if not force:
        _refuse_while_importing()
    backend, was_running = lifecycle.down()
    stdout().print(f"Neo4j ({backend}) stopped." if was_running else "Neo4j was not running.")


def _refuse_while_importing() -> None:
    """Stopping the server under a nightly import ends it half-way: it can be re-run, but
    whoever stops the server should know it is there (it said nothing)."""
    home = find_home()
    if home is None:
        return
    try:
        graph = open_graph(lifecycle.home_settings(home))
    except TracegraphError:
        return  # not running, or not answering: nothing to ask, stopping it is all there is
    try:
        running = running_import(graph)
    finally:
        graph.driver.close()
    if running is not None:
        raise ImportBusy(
            f"the import lock is held by {running}: stopping the server ends it half-way",
            hint="wait for it to finish, or run `tracegraph db down --force` "
            "(running the import again afterwards is safe)",
        )


def _local_home() -> Path:
    """The home of a local server `db up` started (backups are of that server's files)."""
    home = find_home()
    if home is not None and lifecycle.backend_of(home) == "docker":
        raise ConfigurationError(
            "the server runs in Docker: back it up with Docker's tools",
            hint="`tracegraph db down`, then `docker run --rm -v tracegraph_tracegraph-data:/data "
            f"-v $PWD:/backups neo4j:{NEO4J_VERSION}-community neo4j-admin database dump neo4j "
            "--to-path=/backups`, then `chmod 600 neo4j.dump` (it holds the whole store)",
        )
    if home is None or not server.neo4j_home(home).is_dir():
        raise ConfigurationError(
            "no local server here to back up or restore",
            hint="run the command where the server's .tracegraph is (or set TRACEGRAPH_HOME)",
        )
    return home


@app.command()
def backup(
    to: Path = typer.Option(..., "--to", help="Folder to write the dump file into."),
) -> None:
    """Back up the database into a dump file (tracegraph-YYYYMMDDTHHMMSSZ.dump, readable by you
    only). Neo4j Community backs up a stopped server: run `db down` first, `db up` after."""
    dump = backups.backup(_local_home(), to.resolve())
    # sized as `db status` sizes the store it came from
    stdout().print(f"Backed up to {literal(dump)} ({_bytes(dump.stat().st_size)}).")


@app.command()
def restore(
    dump: Path = typer.Argument(..., help="A dump file `tracegraph db backup` wrote."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: replace the whole database."),
) -> None:
    """Replace the database with a backup (its lots, import ledger and recalls). Neo4j
    Community restores into a stopped server: run `db down` first, `db up` after."""
    if not yes:
        raise ConfigurationError(
            "db restore replaces everything in the database with the backup",
            hint=f"run `tracegraph db restore {dump} --yes` if that is what you want",
        )
    home = _local_home()
    backups.restore(home, dump)
    stdout().print(f"Restored {literal(dump)} into the server in {literal(home)}; start it with "
                   "`tracegraph db up`.")  # fmt: skip


@app.command()
def status(
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """Server version, URI, node counts per label and relationship counts per type; the local
    server's home, pid, heap, page cache, store size and free disk; constraints and indexes the
    graph model expects but the database lacks, or has under another name; the format level; an
    import running now and how the last ended.

    The format level is the store's (the highest an import stamped) beside this tracegraph's:
    a warning, with a hint to upgrade, when a newer tracegraph wrote the store. The local
    server's Bolt port, heap, page cache and data folder are those it runs with:
    neo4j-extra.conf's where that file sets them. A last import the ledger marks running while
    no process holds the import lock (its importer or its server died) shows as interrupted.

    The plant's nodes and relationships are counted apart from the ledgers' (imports, their
    files and row changes, source renames, migration changes, recalls: "ledger label", "ledger
    relationship type"); the Lot count's stubs
    (origin_known false) are said. The import lock's node, the Migration nodes `db init` writes
    and the import's SourcedTable marks are listed apart, as bookkeeping, and in no total."""
    graph = open_graph()
    try:
        current = graph.status()
        checked = health.health(graph, find_home())
    finally:
        graph.driver.close()
    if output is OutputFormat.json:
        print_json({**current.as_dict(), **checked.as_dict()})
        return
    out = stdout()
    out.print(
        f"Neo4j {current.version} {current.edition} at {literal(current.server)}, "
        f"database '{literal(current.database)}': {current.plant_nodes:,} plant nodes, "
        f"{current.total_nodes - current.plant_nodes:,} ledger nodes, "
        f"{current.plant_relationships:,} plant relationships, "
        f"{current.total_relationships - current.plant_relationships:,} ledger relationships"
    )
    _print_health(checked)
    if current.stub_lots:
        out.print(f"the Lot count includes {counted(current.stub_lots, 'stub lot')} "
                  "(origin_known false: a row named it, no lots row sent it)")  # fmt: skip
    for title, counts in (
        ("label", current.plant_labels),
        ("ledger label", current.ledger_nodes),
        ("relationship type", current.plant_relationship_types),
        ("ledger relationship type", current.ledger_relationships),
        ("bookkeeping label", current.bookkeeping_nodes),
    ):
        table = Table(title=None, show_edge=False, box=None, pad_edge=False)
        table.add_column(title)
        table.add_column("count", justify="right")
        for name, count in counts.items():
            table.add_row(literal(name), f"{count:,}")
        if counts:
            out.print(table)


# Less free disk than this beside the store is worth a warning: a nightly import's transaction
# logs and a backup dump need room, and Neo4j stops writing on a full disk.
_LOW_DISK_BYTES = 2 * 1024**3


# LocalServer.from_extra_conf's names as the status line says them
_SETTING_NAMES = {"bolt_port": "Bolt port", "http_port": "HTTP port", "heap": "heap",
                  "pagecache": "page cache", "data": "data folder"}  # fmt: skip


def _print_health(checked: health.Health) -> None:
    out = stdout()
    local = checked.local
    if local is not None:
        named = ", ".join(_SETTING_NAMES[name] for name in local.from_extra_conf)
        extra = f" ({named} as neo4j-extra.conf sets it)"
        out.print(
            f"Local server: {literal(local.home)}, pid {local.pid or 'none (not running?)'}, "
            f"Bolt port {local.bolt_port}, heap {literal(local.heap)}, page cache "
            f"{literal(local.pagecache)}; store {_bytes(local.store_bytes)} in "
            f"{literal(local.data_folder)}, "
            f"{_bytes(local.disk_free_bytes)} free on its disk"
            + (extra if local.from_extra_conf else "")
        )
        if local.disk_free_bytes < _LOW_DISK_BYTES:
            warn(
                f"only {_bytes(local.disk_free_bytes)} free on the disk of {local.home}",
                hint="free space before the next import: Neo4j stops writing on a full disk",
            )
    if checked.schema_missing:
        warn(
            f"the database lacks {len(checked.schema_missing)} of the graph model's constraints "
            f"and indexes: {', '.join(checked.schema_missing)}",
            hint="run `tracegraph db init` (the next import installs them too)",
        )
    if checked.schema_other_names:
        out.print(
            "Constraints and indexes under another name (they serve as the model's): "
            + literal(
                ", ".join(
                    f"{ours} as {theirs}" for ours, theirs in checked.schema_other_names.items()
                )
            )
        )
    if checked.schema_not_online:
        warn(
            f"not online yet: {', '.join(checked.schema_not_online)}",
            hint="still populating after `db init` or an import; queries are slower until then",
        )
    if checked.unkeyed_device_events > 0:
        unkeyed = checked.unkeyed_device_events
        warn(
            f"{unkeyed:,} device {'event lacks' if unkeyed == 1 else 'events lack'} the copy of "
            "their device's id: device windows, backward traces and rankings read every event "
            "of a device instead of seeking the index",
            hint="run `tracegraph db init` (the next import migrates them too)",
        )
    if checked.schema_retired:
        out.print(
            "Indexes an older tracegraph made that this one no longer uses (`db init` drops "
            f"them): {literal(', '.join(checked.schema_retired))}"
        )
    if checked.migrations_pending:
        pending = checked.migrations_pending
        warn(
            f"{len(pending)} data {'migration has' if len(pending) == 1 else 'migrations have'} "
            f"not run to the end on this database: {', '.join(pending)} (an upgrade not "
            "followed by `db init`, or one cut short)",
            hint="run `tracegraph db init`",
        )
    _print_format_level(checked)
    out.print(f"Import running: {literal(checked.running_import or 'none')}")
    last = checked.last_import
    if last is None:
        out.print("Last import: none")
        return
    at_least = "≥" if last["counts_partial"] else ""  # a stopped run: the files it finished
    # a run still running (its importer holds the lock, see ledger.checked_status) is no
    # stopped one: "no counts (the run did not finish)" was said of it
    running = last["status"] == "running"
    counts = (f"{at_least}{last['rows_read']:,} {rows_word(last['rows_read'], bool(at_least))} "
              f"read = {at_least}{last['rows_written']:,} "
              f"written + {at_least}{last['rows_rejected']:,} rejected"
              + (" so far (still running)" if running else "")
              if last["rows_read"] is not None
              else "no counts yet (still running)" if running
              else "no counts (the run did not finish)")  # fmt: skip
    who = f"{last['user']}@{last['host']}"
    out.print(
        f"Last import: {literal(last['run_id'])} {literal(shown_status(last))}, started "
        f"{literal(last['started_at'])} by {literal(who)}"
        + (f", ended {literal(last['ended_at'])}" if last["ended_at"] else "")
        + f"; {counts}"
    )


def _print_format_level(checked: health.Health) -> None:
    """The store's data format beside this tracegraph's, and a warning when a newer tracegraph
    wrote it: `db status` did not say, and an old tracegraph put back on a newer store (a
    rollback) read and wrote its keys the old way with nothing said."""
    level = checked.format_level
    stamped = "none stamped" if level is None else str(level)
    stdout().print(f"Format level: {stamped} (this tracegraph's: {FORMAT_LEVEL})")
    if not checked.store_is_newer:
        return
    unknown = checked.unknown_migrations
    newer = [f"format level {level}"] if level is not None and level > FORMAT_LEVEL else []
    if unknown:
        newer.append(f"{'a data migration' if len(unknown) == 1 else 'data migrations'} it "
                     f"does not know ({', '.join(unknown)})")  # fmt: skip
    warn(
        f"a newer tracegraph wrote this store ({' and '.join(newer)}): this one "
        f"({__version__}, format level {FORMAT_LEVEL}) may read and write it wrongly",
        hint="upgrade tracegraph to the version that wrote it before importing, tracing or "
        "recalling",
    )


def _bytes(amount: int) -> str:
    """A size in bytes as people read it: 512 B, 3.4 KiB, 12.0 MiB, 1.5 GiB (db status, db
    backup)."""
    if amount < 1024:
        return f"{amount} B"
    size = float(amount)
    for unit in ("KiB", "MiB"):
        size /= 1024
        if size < 1024:
            return f"{size:,.1f} {unit}"
    return f"{size / 1024:,.1f} GiB"


@app.command()
def init() -> None:
    """Install the constraints and indexes of the graph model, and bring data of older versions
    up to it. Safe to run again; refused while an import runs."""
    graph = open_graph()
    try:
        # The import lock tried first (a few seconds): the schema step's writes would otherwise
        # wait behind a running import's lock transaction for its whole length (48 s in a test,
        # hours for a nightly run) before the migrations' lock could refuse.
        busy = running_import(graph)
        if busy is not None:
            raise ImportBusy(f"db init is refused while an import runs ({busy})",
                             hint="wait for it to finish, then run `tracegraph db init` "
                             "again")  # fmt: skip
        dropped = graph.drop_retired()
        report = graph.init_schema(migrate=False)
        # the data migrations one at a time, never under an import (see schema.migrate_data)
        with holding_import_lock(graph, "db init's data migrations"):
            migrated = graph.migrate_data()
    finally:
        graph.driver.close()
    stdout().print(
        f"Schema ready: {len(report.created)} created, {len(report.existing)} already present "
        f"({sum(o.kind == 'constraint' for o in report.created + report.existing)} constraints, "
        f"{sum(o.kind != 'constraint' for o in report.created + report.existing)} indexes)."
    )
    for name in dropped:
        stdout().print(
            f"Dropped index {literal(name)}: an older tracegraph made it, this one does not use it."
        )
    for done in migrated:  # what the data migrations changed, one line each
        if done.changed:
            stdout().print(literal(done.note()))


@app.command()
def reset(
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete everything in the database."),
    keep_schema: bool = typer.Option(False, "--keep-schema", help="Keep constraints and indexes."),
) -> None:
    """Empty the database: every node and relationship, and the schema unless --keep-schema."""
    if not yes:
        raise ConfigurationError(
            "db reset deletes every node and relationship in the database",
            hint="run `tracegraph db reset --yes` if that is what you want",
        )
    graph = open_graph()
    try:
        # the import lock held while the data goes: no import starts into a half-empty graph
        graph.reset(keep_schema=keep_schema,
                    data_deleted=lambda: holding_import_lock(graph, "db reset"))  # fmt: skip
    finally:
        graph.driver.close()
    stdout().print(
        f"Database '{literal(graph.database)}' at {literal(graph.server)} is empty"
        + (" (schema kept)." if keep_schema else ".")
    )
