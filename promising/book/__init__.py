"""Reservations: orders, holds with expiry, idempotent requests, journal replay.

Plain Python (no gRPC): `Book` keeps the state on the writer thread, `Reservations` puts it
behind the journal's writer. See DESIGN section 4.
"""

from promising.book.book import Book, Hold, ReplayReport, line_key
from promising.book.commands import (
    HOLD_TTL_DEFAULT_SECONDS,
    HOLD_TTL_MAX_SECONDS,
    ID_SIZE_MAX,
    Answer,
    ConfirmCommand,
    ConfirmOutcome,
    HoldState,
    PromiseCommand,
    PromiseMode,
    PromiseOutcome,
    ReleaseCommand,
    ReleaseOutcome,
    ReservationState,
)
from promising.book.reservations import JOURNAL_FILE, Reservations

__all__ = [
    "HOLD_TTL_DEFAULT_SECONDS",
    "HOLD_TTL_MAX_SECONDS",
    "ID_SIZE_MAX",
    "JOURNAL_FILE",
    "Answer",
    "Book",
    "ConfirmCommand",
    "ConfirmOutcome",
    "Hold",
    "HoldState",
    "PromiseCommand",
    "PromiseMode",
    "PromiseOutcome",
    "ReleaseCommand",
    "ReleaseOutcome",
    "ReplayReport",
    "ReservationState",
    "Reservations",
    "line_key",
]
