"""Which tracegraph this is: the package's version and, run from a git checkout, its commit.

Every revision said 0.1.0, so a bug report or a ledger question ("which tracegraph wrote
this?") could not tell two builds of a day apart. The commit is asked of git only for
`--version`, and only when the package sits at the top of a checkout: an installed package
(site-packages inside some other repository, a venv in a checkout) names no commit that is not
its own. No git, not a checkout, a checkout git refuses (another user's): the version alone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tracegraph import __version__

PACKAGE = Path(__file__).resolve().parent


def version_text() -> str:
    """`0.2.0`, or `0.2.0 (git 1a2b3c4)`, `0.2.0 (git 1a2b3c4+dirty)` from a checkout whose
    tracked files have changes."""
    commit = checkout_commit(PACKAGE)
    return f"{__version__} (git {commit})" if commit else __version__


def checkout_commit(package: Path) -> str | None:
    """The short sha of the checkout `package` is the top-level `tracegraph/` folder of, with
    `+dirty` when its tracked files differ from that commit; None when it is none."""
    top = _git(package, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != package.parent:
        return None
    sha = _git(package, "rev-parse", "--short", "HEAD")
    if sha is None:  # a checkout with no commit yet
        return None
    changes = _git(package, "status", "--porcelain", "--untracked-files=no")
    return sha + ("+dirty" if changes else "")


def _git(folder: Path, *args: str) -> str | None:
    """git's answer in `folder`, stripped; None when git is absent, fails or hangs."""
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, timeout=5, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
