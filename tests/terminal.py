"""Run a command with one of its output streams on a pseudo-terminal, read while it runs.

Read only after the command ended, a terminal deadlocks: `import --help` (tens of kB) filled
the pty's buffer, the command waited to write and the test waited for the command (CI hung in
test_errors for minutes). The other stream goes to a file, never a pipe nobody reads."""

from __future__ import annotations

import os
import pty
import subprocess
import tempfile


def run_on_terminal(
    command: list[str], env: dict[str, str], terminal: str = "stdout", timeout: float = 120
) -> tuple[int, bytes, bytes]:
    """(exit code, what the terminal showed, what the other stream wrote); `terminal` is
    "stdout" or "stderr"."""
    leader, follower = pty.openpty()
    with tempfile.TemporaryFile() as other:
        out, err = (
            (follower, other.fileno()) if terminal == "stdout" else (other.fileno(), follower)
        )
        try:
            process = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
            os.close(follower)
            follower = -1
            shown = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: every writer of the terminal has closed it
                    break
                if not chunk:
                    break
                shown += chunk
            code = process.wait(timeout=timeout)
        finally:
            os.close(leader)
            if follower != -1:
                os.close(follower)
        other.seek(0)
        return code, shown, other.read()
