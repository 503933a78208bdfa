"""One exception hierarchy for everything a user can run into.

The CLI turns any TracegraphError into one red line on stderr (message, then hint) and the
error's exit code. Messages never carry a password: build them from names, URIs and paths only.
"""

from __future__ import annotations

import errno

# OS errors that are the machine's state, not a bug: one line and exit 2 (a full disk ended
# `demo generate` as an "unexpected failure", exit 3).
MACHINE_ERRORS = {
    errno.ENOSPC: "free some space, or write elsewhere; run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space, or write elsewhere",
    errno.EACCES: "check the file's or folder's permissions",
    errno.EPERM: "check the file's or folder's owner and permissions",
    errno.EROFS: "the file system is read-only: write elsewhere",
    # not stdout's (that ends quietly, 141): a FIFO or socket the command writes to
    errno.EPIPE: "the program reading a pipe or FIFO this command writes to closed it before "
    "the end, and what it read is incomplete: check that program, then run the command again",
}


def interrupted_by(error: BaseException | None) -> bool:
    """Whether Ctrl-C ended the command: a KeyboardInterrupt, or an error raised while one
    unwound (stopped in the Neo4j driver's receive_into_buffer, it raised BufferError "Existing
    exports of data: object cannot be re-sized": exit 3 "unexpected failure", 2 in 6 tries)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        # `raise … from None` says its context is no part of it (an import's typer.Exit(130),
        # raised once it has said "interrupted" and ended its run)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return False


class TracegraphError(Exception):
    """Base of every error tracegraph reports to a person."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class ConfigurationError(TracegraphError):
    """Settings are missing, contradictory or unsafe (e.g. a credentials file others can read)."""


class ServerUnavailable(TracegraphError):
    """Nothing answers Bolt at the configured URI."""


class ServerNotAnswering(ServerUnavailable):
    """The server accepts connections (its process holds the port) but answers nothing: paused,
    hung, or not Neo4j."""


class AuthenticationFailed(TracegraphError):
    """The server answered but refused the user name or password."""


class UnknownDatabase(TracegraphError):
    """The server has no database of the configured name."""


class ImportBusy(TracegraphError):
    """Another import is writing to the same database."""


class DatabaseError(TracegraphError):
    """Neo4j refused or failed a query for a reason not covered above."""


class RequestRefused(DatabaseError):
    """Neo4j refused the request itself (a Neo.ClientError: a constraint, a statement it cannot
    run): the same request is refused again, unlike a server that went away."""


class ServerSetupError(TracegraphError):
    """The local Neo4j server could not be assembled, configured, started or stopped."""


class JavaNotFound(ServerSetupError):
    """No Java runtime Neo4j 5.26 accepts (17 or 21)."""


class PortInUse(ServerSetupError):
    """A port the local server needs is taken by another process."""


class UnknownQuery(TracegraphError):
    """A query name that has no file in cypher/."""


class UnknownLot(TracegraphError):
    """No lot is known by the given id, under any of its identities."""


class AmbiguousLot(TracegraphError):
    """An id (typically a bare supplier lot number) names more than one lot."""


class UnknownSubject(TracegraphError):
    """A device, operator or other named thing the graph does not know."""


class EmptyWindow(TracegraphError):
    """A recall asked by time window found no lots in it: there is nothing to recall."""
