"""Every error the engine raises, grouped by what the caller can do about it.

    PromisingError
    │  fix the request, then send it again
    ├── InvalidInput            the request is wrong                    → INVALID_ARGUMENT
    │   └── UnknownEntity       an item, location or rule id is unknown → INVALID_ARGUMENT
    ├── DuplicateRequest        a request_id reused with other content  → ALREADY_EXISTS
    │  look at the state first: what the request names is gone or has moved on
    ├── NotFound                a hold, order or reservation is unknown → NOT_FOUND
    ├── Conflict                state forbids it (expired hold)         → FAILED_PRECONDITION
    │  send the same request again later
    ├── Overloaded              too much at once, or too big            → RESOURCE_EXHAUSTED
    ├── Unavailable             the server cannot take it now           → UNAVAILABLE
    │   ├── NotReady            still loading its snapshot and journal, or shutting down
    │   └── JournalUnavailable  the journal stopped or failed to commit (restart the server)
    │  fix the files (an operator's job)
    └── SnapshotError           a snapshot or delta is refused; the engine keeps what it had

Business outcomes (short, late) are not errors: they are `LineStatus` values; our own bugs
are `assert`s. The mapping to gRPC status codes lives once, at the server edge
(`promising.rpc.status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PromisingError(Exception):
    """Base of every error the engine raises on purpose."""


FieldPath = tuple[str | int, ...]
"""Where a bad field is: the API's field names and list positions, ("lines", 2, "quantity")."""


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request, and what is wrong with it. The path stays structured here;
    each edge spells it for its users (gRPC: `lines[2].quantity`, `promising.rpc.status`)."""

    path: FieldPath
    description: str

    def __post_init__(self) -> None:
        assert isinstance(self.path, tuple), f"a field path is a tuple, got {self.path!r}"


class InvalidInput(PromisingError):
    """The request is malformed or out of range."""

    def __init__(self, message: str, violations: list[FieldViolation] | None = None) -> None:
        super().__init__(message)
        self.violations: list[FieldViolation] = violations or []


class UnknownEntity(InvalidInput):
    """An id in the request names no item, location, rule or demand class of the snapshot."""


class NotFound(PromisingError):
    """A hold, order or reservation id is not known to the engine."""


class Conflict(PromisingError):
    """The request is valid but the current state forbids it (for example an expired hold)."""


class DuplicateRequest(PromisingError):
    """A `request_id` was used before with different content."""


class Overloaded(PromisingError):
    """Too many requests at once, or a request too large to accept."""


class Unavailable(PromisingError):
    """The server cannot take requests now; the same request may succeed later."""


class NotReady(Unavailable):
    """The server is still loading its snapshot and journal, or shutting down."""


class JournalUnavailable(Unavailable):
    """The journal cannot take commands: stopped, or failed to commit (restart the server)."""


@dataclass
class SnapshotProblem:
    """Where a snapshot is wrong: table, column and the first offending rows."""

    table: str
    column: str | None
    message: str
    rows: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        rows = f" (first bad rows: {', '.join(map(str, self.rows))})" if self.rows else ""
        return f"{where}: {self.message}{rows}"


class SnapshotError(PromisingError):
    """A snapshot or delta was refused; nothing of it was applied."""

    def __init__(self, problem: SnapshotProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem
