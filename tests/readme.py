"""The commands the README shows, so that tests run exactly what users are told to run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def code_blocks(section: str | None = None, path: Path = README) -> list[str]:
    """Fenced sh blocks of a README, or of one `## section`."""
    text = path.read_text(encoding="utf-8")
    if section is not None:
        start = text.index(f"## {section}\n")
        end = text.find("\n## ", start + 1)
        text = text[start : end if end != -1 else None]
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def tracegraph_commands(section: str | None = None, path: Path = README) -> list[list[str]]:
    """Each `tracegraph …` line of a README's sh blocks, as argv without the program name."""
    commands = []
    for block in code_blocks(section, path):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("tracegraph "):
                commands.append(shlex.split(line)[1:])
    return commands


def script_commands() -> list[str]:
    return [
        line.split("#", 1)[0].strip()
        for block in code_blocks()
        for line in block.splitlines()
        if line.strip().startswith("./scripts/")
    ]
