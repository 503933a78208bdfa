"""private_files: what a writer killed part-way leaves behind, and what the next writer of the
same file does with it. No database: these are files on the real file system."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tracegraph import private_files

# A writer killed by SIGKILL while writing rejects.csv: no `except` runs, its part stays
KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from tracegraph.private_files import private_file
with private_file(Path(sys.argv[1])) as out:
    out.write("lot_id,reason\\nB1,half a row")
    out.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.part"))


def test_the_part_a_killed_writer_left_is_removed_by_the_next_writer_of_that_file(
    tmp_path: Path,
) -> None:
    """kill -9 during a reject file's write left `.rejects.csv.RANDOM.part` (0600, half a
    file) and every killed night added one. The next write of rejects.csv removes the parts of
    that name untouched for an hour; a part written now (another process at work) and a part
    of another file are left."""
    target = tmp_path / "rejects.csv"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)],
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                            check=False)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    (left,) = _parts(tmp_path)
    assert left.startswith(".rejects.csv.")
    hour_ago = time.time() - private_files.STALE_PART_SECONDS - 60
    os.utime(tmp_path / left, (hour_ago, hour_ago))
    (tmp_path / ".rejects.csv.live.part").write_text("being written now")
    (tmp_path / ".summary.json.old.part").write_text("{")
    os.utime(tmp_path / ".summary.json.old.part", (hour_ago, hour_ago))

    private_files.write_private_text(target, "lot_id,reason\n")

    assert target.read_text() == "lot_id,reason\n"
    assert _parts(tmp_path) == [".rejects.csv.live.part", ".summary.json.old.part"]
