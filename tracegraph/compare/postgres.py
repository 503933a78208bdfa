"""A throwaway PostgreSQL server for the benchmark, loaded with the plant's canonical tables.

Debian's PostgreSQL binaries (initdb, pg_ctl) start a server on a free loopback port with a
data folder of its own, password authentication (a random password that lives only in this
process) and settings sized for this machine; `stop` removes the folder. PostgreSQL refuses to
run as root, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import csv
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
from psycopg import sql as pgsql

from tracegraph.errors import TracegraphError
from tracegraph.private_files import write_private_text
from tracegraph.server import free_port
from tracegraph.trace import (
    BackwardTrace,
    ForwardTrace,
    backward_from_subgraph,
    downstream_from_record,
    forward_from_subgraph,
    upstream_from_record,
)

# COPY order: each canonical table the schema knows, with the columns it keeps. Extra columns
# of an export (process parameters on steps) are not part of the ERP schema and are skipped.
TABLES = (
    "materials", "suppliers", "customers", "locations", "operators", "devices", "lots",
    "steps", "step_inputs", "step_outputs", "inspections", "shipments", "shipment_lines",
    "device_events",
)  # fmt: skip
UTF8_BOM = b"\xef\xbb\xbf"
# Sized for the 2-core, 24 GB benchmark machine, next to a Neo4j with a 4 GB heap and 6 GB
# page cache: the same memory for the data as Neo4j's page cache. JIT off, as a DBA would set
# it for short queries: a recursive CTE's row estimate is unknowable, so the planner's cost for
# a 26-lot trace passes jit_above_cost, and compiling took ~30 ms of a query that runs in 3.
SETTINGS = {
    "shared_buffers": "2GB", "effective_cache_size": "6GB", "work_mem": "64MB",
    "maintenance_work_mem": "1GB", "max_wal_size": "4GB", "listen_addresses": "127.0.0.1",
    "jit": "off",
}  # fmt: skip


def sql(name: str) -> str:
    """One statement file of tracegraph/compare/sql/ by name."""
    path = resources.files("tracegraph.compare") / "sql" / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def find_binaries() -> Path:
    """The newest PostgreSQL (15 or later) bin folder of Debian's packages, or PG_BIN."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found or not found[-1].parent.name.isdigit() or int(found[-1].parent.name) < 15:
        raise TracegraphError(
            "PostgreSQL 15 or later is not installed",
            hint="apt-get install postgresql-15 (or set PG_BIN to its bin folder)",
        )
    return found[-1]


class WindowAnswer(NamedTuple):
    """A device window from PostgreSQL: the lots made in it, their forward trace, the
    device's events in the window and its last calibration before it (maps as the trace
    gives them: event, at, result)."""

    lots: list[str]
    forward: ForwardTrace | None
    events: list[dict[str, Any]]
    calibrated_before: dict[str, Any] | None


@dataclass
class Postgres:
    """A running throwaway server."""

    port: int
    password: str
    version: str
    folder: Path

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="bench", password=self.password,
            dbname="postgres", autocommit=True, options="-c timezone=UTC",
        )  # fmt: skip

    def data_bytes(self) -> int:
        with self.connect() as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0

    def peak_memory_bytes(self) -> int:
        """Sum of the server processes' peak resident memory (VmHWM), read from /proc."""
        pid_file = self.folder / "data" / "postmaster.pid"
        if not pid_file.exists():
            return 0
        root = int(pid_file.read_text().split()[0])
        total = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(proc.name) == root or fields.get("PPid", "").strip() == str(root):
                total += int(fields.get("VmHWM", "0 kB").split()[0]) * 1024
        return total


def _as_server_user(command: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Start a server on a free loopback port; stop it and delete its data on the way out."""
    binaries = find_binaries()
    folder = Path(tempfile.mkdtemp(prefix="tracegraph-pg-"))
    password = secrets.token_urlsafe(24)
    write_private_text(folder / "pwfile", password + "\n")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chown(folder / "pwfile", user.pw_uid, user.pw_gid)
    data, port = folder / "data", free_port()
    try:
        _run([str(binaries / "initdb"), "-D", str(data), "-U", "bench", "--no-sync",
              "--auth=scram-sha-256", f"--pwfile={folder / 'pwfile'}", "-E", "UTF8",
              "--locale=C"])  # fmt: skip
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
              "-w", "-o", f"-p {port} -k {folder} {options}", "start"])  # fmt: skip
        version = subprocess.run(  # a fixed binary of Debian's package
            [str(binaries / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        yield Postgres(port, password, version, folder)
    finally:
        if (data / "postmaster.pid").exists():
            _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(  # fixed binaries, arguments made here
        _as_server_user(command), capture_output=True, text=True, check=False
    )
    if done.returncode:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise TracegraphError(
            f"PostgreSQL: {Path(command[0]).name} failed: {last[0]}",
            hint="is Debian's postgresql-15 package installed and /tmp writable?",
        )


def load_plant(pg: Postgres, folder: Path) -> dict[str, Any]:
    """COPY the canonical CSV tables of a generated plant, then index; rows and seconds."""
    started = time.perf_counter()
    rows = 0
    with pg.connect() as conn:
        conn.execute(sql("schema"))
        for table in TABLES:
            path = folder / f"{table}.csv"
            if not path.exists():
                continue
            rows += _copy(conn, table, path)
        conn.execute(sql("indexes"))
    return {"rows": rows, "seconds": time.perf_counter() - started}


def _copy(conn: psycopg.Connection[Any], table: str, path: Path) -> int:
    known = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table]
    ).fetchall()}  # fmt: skip
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    keep = [i for i, name in enumerate(header) if name in known]
    columns = pgsql.SQL(", ").join(pgsql.Identifier(header[i]) for i in keep)
    with conn.cursor() as cursor:
        if len(keep) == len(header):  # the file as it is: PostgreSQL parses the CSV itself
            statement = pgsql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true)")
            with cursor.copy(statement.format(pgsql.Identifier(table), columns)) as copy, \
                    path.open("rb") as raw:  # fmt: skip
                if raw.peek(3)[:3] == UTF8_BOM:
                    raw.read(3)
                while chunk := raw.read(1 << 20):
                    copy.write(chunk)
        else:  # extra columns (process parameters): only the schema's columns, row by row
            statement = pgsql.SQL("COPY {} ({}) FROM STDIN")
            with cursor.copy(statement.format(pgsql.Identifier(table), columns)) as copy, \
                    path.open(newline="", encoding="utf-8-sig") as handle:  # fmt: skip
                records = csv.reader(handle)
                next(records, None)
                for record in records:
                    copy.write_row([record[i] if record[i] != "" else None for i in keep])
        return cursor.rowcount


def forward_trace(conn: psycopg.Connection[Any], lots: list[str]) -> ForwardTrace:
    """The forward trace of `lots` (lot ids) from PostgreSQL's rows (sql/forward.sql), weighed
    and shaped by the library's own code, as trace_forward weighs Neo4j's."""
    started = time.perf_counter()
    row = conn.execute(sql("forward"), {"lot_ids": lots}).fetchone()
    assert row is not None  # one row of two lists, always
    found = downstream_from_record({"lots": row[0], "shipments": row[1]})
    fetched = time.perf_counter()
    result = forward_from_subgraph(found, lots)
    result.seconds, result.fetch_seconds = time.perf_counter() - started, fetched - started
    return result


def backward_trace(conn: psycopg.Connection[Any], lots: list[str]) -> BackwardTrace:
    """The backward trace of `lots` from PostgreSQL's rows (sql/backward.sql), weighed and
    shaped by the library's own code, as trace_backward does Neo4j's."""
    started = time.perf_counter()
    row = conn.execute(sql("backward"), {"lot_ids": lots}).fetchone()
    assert row is not None  # one row of four lists, always
    found = upstream_from_record(
        {"lots": row[0], "steps": row[1], "nodes": row[2], "devices": row[3]}
    )
    fetched = time.perf_counter()
    result = backward_from_subgraph(found, lots)
    result.seconds, result.fetch_seconds = time.perf_counter() - started, fetched - started
    return result


def window_trace(
    conn: psycopg.Connection[Any], device_id: str, start: datetime, end: datetime
) -> WindowAnswer:
    """The lots a device made in [start, end), their forward trace (None if it made none),
    and the device's events in the window and last calibration before it, as trace_window
    finds them in Neo4j: the window's lots and events first, then the lots' trace."""
    params = {"device_id": device_id, "window_start": start, "window_end": end}
    row = conn.execute(sql("device_window"), params).fetchone()
    assert row is not None  # one row: lots, events, last calibration
    made, events, calibrated = row
    lots = list(dict.fromkeys(made))
    return WindowAnswer(lots, forward_trace(conn, lots) if lots else None, events, calibrated)
