"""Who ran a command, as the import ledger and the recall history record it."""

from __future__ import annotations

import os
import pwd


def os_account() -> str:
    """The name of the OS account the process runs as (its real uid), or the uid's number when
    the account has none. getpass.getuser read LOGNAME and USER first: `LOGNAME=qa.manager
    tracegraph import …` run as root put qa.manager in the audit trail."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container's uid with no line in /etc/passwd
        return str(uid)
