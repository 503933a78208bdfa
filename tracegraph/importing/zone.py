"""The zone an import reads times without an offset in, and where it came from.

An explicit --timezone wins; else the mapping's `timezone`, which describes the source system
(a Chinese MES writes Shanghai time wherever the plant is); else TRACEGRAPH_TIMEZONE, the plant's
zone (trace reads windows in it too); else UTC. The environment variable once came before the
mapping (typer read it as the flag): a Berlin plant's shell read the MES's Shanghai times 7 h
off, exit 0, without a word.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracegraph.errors import ConfigurationError

ENVIRONMENT = "TRACEGRAPH_TIMEZONE"


def resolve_timezone(name: str, source: str = "") -> ZoneInfo:
    """The zone named `name`; `source` says where the name came from (`--timezone`), as the
    error names it — an unknown zone in an environment variable was a riddle without it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{source} names an unknown timezone {name!r}"
            if source
            else f"unknown timezone {name!r}",
            hint="use an IANA name such as Europe/Berlin or UTC",
        ) from None


@dataclass(frozen=True)
class ChosenZone:
    name: str
    zone: ZoneInfo
    given: bool  # chosen by someone: UTC by default gets a note per file and column
    notes: tuple[str, ...]  # a flag overriding the mapping's zone, the variable not used


def chosen_zone(flag: str | None, mapping_zone: str | None, mapping_name: str = "") -> ChosenZone:
    """The zone of the times without an offset: `flag` (--timezone), else `mapping_zone`, else
    TRACEGRAPH_TIMEZONE, else UTC — each named in the error when it is no zone."""
    variable = os.environ.get(ENVIRONMENT) or None
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
