"""proto ↔ domain: requests into engine and book calls, answers into response messages.

Structural checks (required fields, ranges, sizes) happen here, collecting every bad field
at once; the engine then checks what needs the model (unknown ids, the horizon).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from google.type import date_pb2

from promising.availability import AvailabilityProfile
from promising.book import (
    ID_SIZE_MAX,
    ConfirmCommand,
    ConfirmOutcome,
    PromiseCommand,
    PromiseMode,
    PromiseOutcome,
    ReleaseCommand,
    ReleaseOutcome,
)
from promising.engine import QUANTITY_MAX
from promising.errors import FieldPath, FieldViolation, InvalidInput
from promising.promise import LineRequest
from promising.rpc import wire
from promising.rpc.status import field_path
from promising.v1 import promising_service_pb2 as pb

LINES_MAX = 10_000
"""Most lines in one order: far above real orders, small enough to answer in a blink."""

VIOLATIONS_MAX = 20
"""Most field violations reported at once: an error must fit in gRPC's 8 KiB trailers."""

_MODES = {
    pb.PROMISE_MODE_QUOTE: PromiseMode.QUOTE,
    pb.PROMISE_MODE_HOLD: PromiseMode.HOLD,
    pb.PROMISE_MODE_COMMIT: PromiseMode.COMMIT,
}


class Violations:
    """Bad fields of one request, raised together as one `InvalidInput`."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, path: FieldPath, description: str) -> None:
        self.items.append(FieldViolation(path, description))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:VIOLATIONS_MAX]
        more = len(self.items) - len(shown)
        message = "; ".join(f"{field_path(v.path)}: {v.description}" for v in shown[:3])
        if len(self.items) > 3:
            message += f" (and {len(self.items) - 3} more)"
        if more:
            shown.append(FieldViolation((), f"{more} more violations not listed"))
        raise InvalidInput(message, shown)


def check_id(violations: Violations, field: FieldPath, value: str, required: bool = True) -> None:
    if not value:
        if required:
            violations.add(field, "required")
    elif len(value) > ID_SIZE_MAX:
        violations.add(field, f"at most {ID_SIZE_MAX} characters")


# --- dates -------------------------------------------------------------------------------
def date_in(value: date_pb2.Date, field: FieldPath, violations: Violations) -> dt.date | None:
    """A google.type.Date as a date; all zero means unset (None)."""
    if not (value.year or value.month or value.day):
        return None
    try:
        return dt.date(value.year, value.month, value.day)
    except ValueError:
        violations.add(field, f"{value.year:04d}-{value.month:02d}-{value.day:02d} is not a date")
        return None


def date_out(value: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


# --- requests ---
M = TypeVar("M", bound=Message)


def parse(kind: type[M], data: bytes) -> M:
    """A request message from its bytes; undecodable input is the caller's error."""
    try:
        return kind.FromString(data)
    except DecodeError as error:
        raise InvalidInput(
            f"undecodable {kind.DESCRIPTOR.name}: {error}",
            [FieldViolation((), "not a valid " + kind.DESCRIPTOR.full_name)],
        ) from None


# --- requests ----------------------------------------------------------------------------
def digest(request: Message) -> bytes:
    """Fingerprint of a request's content without its `request_id` (for idempotency)."""
    request_id = request.request_id  # type: ignore[attr-defined]
    request.ClearField("request_id")
    try:
        data = request.SerializeToString(deterministic=True)
    finally:
        request.request_id = request_id  # type: ignore[attr-defined]
    return hashlib.blake2b(data, digest_size=16).digest()


def lines_in(request: pb.PromiseOrderRequest, violations: Violations) -> list[LineRequest]:
    """The order's lines as engine requests, after the structural checks.

    The loop is the quote's hot path: a good line costs a few field reads and a cached date;
    only a bad one pays for building its violations.
    """
    count = len(request.lines)
    if count == 0:
        violations.add(("lines",), "an order needs at least one line")
    elif count > LINES_MAX:
        violations.add(("lines",), f"at most {LINES_MAX} lines, got {count}")
        return []
    out = []
    days = _DAYS
    for i, line in enumerate(request.lines):
        line_id, item_id, quantity = line.line_id, line.item_id, line.quantity
        value = line.requested_date
        key = (value.year, value.month, value.day)
        requested = days.get(key) or _day(key)
        if (
            requested is None
            or not 0 < quantity <= QUANTITY_MAX
            or not 0 < len(line_id) <= ID_SIZE_MAX
            or not 0 < len(item_id) <= ID_SIZE_MAX
            or len(line.ship_set_id) > ID_SIZE_MAX
        ):
            _line_violations(i, line, violations)
            continue
        out.append(
            LineRequest(
                line_id, item_id, quantity, requested, line.ship_from_location_id or None,
                line.allow_split, line.allow_partial, line.allow_substitutes, line.ship_set_id,
            )
        )  # fmt: skip
    return out


_DAYS: dict[tuple[int, int, int], dt.date] = {}


def _day(key: tuple[int, int, int]) -> dt.date | None:
    """The date of (year, month, day), cached; None when unset or not a date."""
    try:
        day = dt.date(*key)
    except ValueError:
        return None
    if len(_DAYS) > 100_000:
        _DAYS.clear()
    _DAYS[key] = day
    return day


def _line_violations(i: int, line: pb.OrderLine, violations: Violations) -> None:
    check_id(violations, ("lines", i, "line_id"), line.line_id)
    check_id(violations, ("lines", i, "item_id"), line.item_id)
    check_id(violations, ("lines", i, "ship_set_id"), line.ship_set_id, required=False)
    if not 0 < line.quantity <= QUANTITY_MAX:
        violations.add(("lines", i, "quantity"), f"must be in 1..{QUANTITY_MAX}")
    field = ("lines", i, "requested_date")
    value = line.requested_date
    if not (value.year or value.month or value.day):
        violations.add(field, "required")
    else:
        date_in(value, field, violations)


def promise_in(request: pb.PromiseOrderRequest) -> tuple[PromiseMode, list[LineRequest]]:
    """Mode and lines of a promise request; raises `InvalidInput` naming every bad field."""
    violations = Violations()
    mode = _MODES.get(request.mode)
    if mode is None:
        violations.add(("mode",), "must be PROMISE_MODE_QUOTE, _HOLD or _COMMIT")
    if mode is not PromiseMode.QUOTE:
        check_id(violations, ("request_id",), request.request_id)
        check_id(violations, ("order_id",), request.order_id)
    else:
        check_id(violations, ("order_id",), request.order_id, required=False)
    check_id(violations, ("ship_to_region",), request.ship_to_region, required=False)
    check_id(violations, ("demand_class",), request.demand_class, required=False)
    check_id(violations, ("customer_id",), request.customer_id, required=False)
    lines = lines_in(request, violations)
    violations.raise_if_any()
    assert mode is not None
    return mode, lines


def promise_command(
    request: pb.PromiseOrderRequest, mode: PromiseMode, lines: Sequence[LineRequest]
) -> PromiseCommand:
    return PromiseCommand(
        request_id=request.request_id,
        digest=digest(request),
        order_id=request.order_id,
        mode=mode,
        lines=lines,
        hold_ttl_seconds=request.hold_ttl_seconds,
        demand_class=request.demand_class,
        explain_supply=request.explain_supply,
        ship_to_region=request.ship_to_region,
    )


def confirm_command(request: pb.ConfirmHoldRequest) -> ConfirmCommand:
    violations = Violations()
    check_id(violations, ("request_id",), request.request_id)
    check_id(violations, ("hold_id",), request.hold_id)
    violations.raise_if_any()
    return ConfirmCommand(request.request_id, digest(request), request.hold_id)


def release_command(request: pb.ReleaseReservationRequest) -> ReleaseCommand:
    violations = Violations()
    check_id(violations, ("request_id",), request.request_id)
    check_id(violations, ("order_id",), request.order_id, required=False)
    check_id(violations, ("hold_id",), request.hold_id, required=False)
    if len(request.line_ids) > LINES_MAX:
        violations.add(("line_ids",), f"at most {LINES_MAX}")
    else:
        for i, line_id in enumerate(request.line_ids):
            check_id(violations, ("line_ids", i), line_id)
    violations.raise_if_any()
    return ReleaseCommand(
        request.request_id,
        digest(request),
        order_id=request.order_id,
        line_ids=tuple(request.line_ids),
        hold_id=request.hold_id,
    )


# --- responses ---------------------------------------------------------------------------
def encode_promise(outcome: PromiseOutcome) -> bytes:
    """The wire bytes of a book's promise outcome (stored in the journal for retries)."""
    return wire.promise_response(
        outcome.order_id,
        outcome.snapshot_id,
        outcome.lsn,
        outcome.promise,
        outcome.state,
        outcome.hold_id,
        outcome.hold_expires_at,
        outcome.delta_sequence,
    )


def encode_confirm(outcome: ConfirmOutcome) -> bytes:
    return pb.ConfirmHoldResponse(
        hold_id=outcome.hold_id,
        order_id=outcome.order_id,
        line_ids=outcome.line_ids,
        snapshot_id=outcome.snapshot_id,
        lsn=outcome.lsn,
        delta_sequence=outcome.delta_sequence,
    ).SerializeToString()


def encode_release(outcome: ReleaseOutcome) -> bytes:
    return pb.ReleaseReservationResponse(
        order_id=outcome.order_id,
        line_ids=outcome.line_ids,
        hold_id=outcome.hold_id,
        snapshot_id=outcome.snapshot_id,
        lsn=outcome.lsn,
        delta_sequence=outcome.delta_sequence,
    ).SerializeToString()


def availability_out(
    profiles: Sequence[AvailabilityProfile], snapshot_id: str, lsn: int, delta_sequence: int = 0
) -> pb.CheckAvailabilityResponse:
    out = pb.CheckAvailabilityResponse(
        snapshot_id=snapshot_id, lsn=lsn, delta_sequence=delta_sequence
    )
    for p in profiles:
        message = out.profiles.add(
            item_id=p.item_id, location_id=p.location_id, atp_rule_id=p.rule_id
        )
        columns = zip(
            p.dates,
            p.supply.tolist(),
            p.demand.tolist(),
            p.reserved.tolist(),
            p.atp.tolist(),
            strict=True,
        )
        message.buckets.extend(
            pb.AvailabilityBucket(
                date=date_out(day), supply=supply, demand=demand, reserved=reserved, atp=atp
            )
            for day, supply, demand, reserved, atp in columns
        )
    return out
