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


def test_the_parts_killed_writers_left_are_removed_by_the_next_write_in_the_folder(
    tmp_path: Path,
) -> None:
    """kill -9 during a reject file's write left `.rejects.csv.RANDOM.part` (0600, half a
    file) and every killed night added one. The next write in the folder removes the parts of
    ours untouched for a day — a reject file of another night's name too; a part written now
    (another process at work) and a file not named as ours are left."""
    target = tmp_path / "rejects.csv"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)],
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                            check=False)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    (left,) = _parts(tmp_path)
    assert left.startswith(".rejects.csv.")
    day_ago = time.time() - private_files.STALE_PART_SECONDS - 60
    os.utime(tmp_path / left, (day_ago, day_ago))
    (tmp_path / ".rejects.csv.livepart.part").write_text("being written now")
    # a killed night's reject file, named after its run: a part of another name of ours
    other_night = tmp_path / ".rejects-20261201T010203Z-a1b2c3.csv.k3j_h5g6.part"
    other_night.write_text("lot_id,reason\n")
    not_ours = tmp_path / ".download.part"  # another program's, not mkstemp's name
    not_ours.write_text("?")
    for old in (other_night, not_ours):
        os.utime(old, (day_ago, day_ago))

    private_files.write_private_text(target, "lot_id,reason\n")

    assert target.read_text() == "lot_id,reason\n"
    assert _parts(tmp_path) == [".download.part", ".rejects.csv.livepart.part"]
