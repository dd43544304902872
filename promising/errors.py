"""Every error the engine raises, grouped by what the caller can do about it.

    PromisingError
    ├── InvalidInput          the request is wrong; fix it and retry   → INVALID_ARGUMENT
    │   └── UnknownEntity     an item, location or rule id is unknown  → INVALID_ARGUMENT
    ├── NotFound              a hold, order or reservation is unknown  → NOT_FOUND
    ├── Conflict              state forbids it (expired hold)          → FAILED_PRECONDITION
    ├── DuplicateRequest      a request_id reused with other content   → ALREADY_EXISTS
    ├── Overloaded            too much at once, or too big             → RESOURCE_EXHAUSTED
    └── SnapshotError         a snapshot or delta is refused; the engine keeps what it had

Business outcomes (short, late) are not errors: they are `LineStatus` values.
The mapping to gRPC status codes lives once, at the server edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PromisingError(Exception):
    """Base of every error the engine raises on purpose."""


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: its path (`lines[2].quantity`) and what is wrong."""

    field: str
    description: str


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
