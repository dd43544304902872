"""What the book is asked to do (commands) and what it answers (outcomes).

A command carries its caller's `digest` of the request content (without the request id):
the same `request_id` with the same digest is a retry and gets the first answer again; with
another digest it is refused. The caller chooses how to fingerprint (the gRPC layer hashes
the deterministic proto encoding), so the book stays free of any wire format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Generic, TypeVar

from promising.promise import LineRequest, OrderPromise

HOLD_TTL_DEFAULT_SECONDS = 900
HOLD_TTL_MAX_SECONDS = 7 * 24 * 3600
ID_SIZE_MAX = 128
"""Longest request, order, line or hold id, in characters: ids are journaled and indexed."""


class PromiseMode(IntEnum):
    """What a promise request does; values match the proto's `PromiseMode`."""

    QUOTE = 1
    HOLD = 2
    COMMIT = 3


class ReservationState(IntEnum):
    """What was reserved for an order; values match the proto's `ReservationState`."""

    QUOTED = 1
    HELD = 2
    COMMITTED = 3
    REJECTED = 4


class HoldState(Enum):
    """A hold ends exactly once: confirmed, released or expired."""

    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class PromiseCommand:
    """Promise an order and hold or commit it: all lines or none."""

    request_id: str
    digest: bytes
    order_id: str
    mode: PromiseMode
    lines: Sequence[LineRequest]
    hold_ttl_seconds: int = 0
    demand_class: str = ""
    explain_supply: bool = False
    ship_to_region: str = ""


@dataclass(frozen=True, slots=True)
class ConfirmCommand:
    """Turn a live hold into a commitment."""

    request_id: str
    digest: bytes
    hold_id: str


@dataclass(frozen=True, slots=True)
class ReleaseCommand:
    """Free an order's reserved lines (all, or `line_ids`), or a hold's lines."""

    request_id: str
    digest: bytes
    order_id: str = ""
    line_ids: Sequence[str] = ()
    hold_id: str = ""


Command = PromiseCommand | ConfirmCommand | ReleaseCommand


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    """A promise and what was reserved for it."""

    order_id: str
    snapshot_id: str
    lsn: int
    promise: OrderPromise
    state: ReservationState
    hold_id: str = ""
    hold_expires_at: float | None = None
    delta_sequence: int = 0


@dataclass(frozen=True, slots=True)
class ConfirmOutcome:
    """A confirmed hold: its lines are committed now."""

    hold_id: str
    order_id: str
    line_ids: tuple[str, ...]
    snapshot_id: str
    lsn: int
    delta_sequence: int = 0


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    """Lines freed, by order or by hold."""

    order_id: str
    line_ids: tuple[str, ...]
    hold_id: str
    snapshot_id: str
    lsn: int
    delta_sequence: int = 0


Outcome = PromiseOutcome | ConfirmOutcome | ReleaseOutcome
OutcomeT = TypeVar("OutcomeT", PromiseOutcome, ConfirmOutcome, ReleaseOutcome)


@dataclass(frozen=True, slots=True)
class Answer(Generic[OutcomeT]):
    """What to send back: the encoded response, and the outcome when it is a first answer.

    `outcome` is None when `response` was stored by an earlier request with the same id.
    """

    response: bytes
    outcome: OutcomeT | None

    @property
    def replayed(self) -> bool:
        return self.outcome is None
