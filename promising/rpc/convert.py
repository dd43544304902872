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
    ReservationState,
)
from promising.domain import LineStatus
from promising.engine import QUANTITY_MAX
from promising.errors import FieldViolation, InvalidInput
from promising.promise import LinePromise, LineRequest, OrderPromise
from promising.v1 import promising_service_pb2 as pb

LINES_MAX = 10_000
"""Most lines in one order: far above real orders, small enough to answer in a blink."""

VIOLATIONS_MAX = 20
"""Most field violations reported at once: an error must fit in gRPC's 8 KiB trailers."""

_LINE_STATUS = {
    LineStatus.ON_TIME: pb.LINE_STATUS_ON_TIME,
    LineStatus.LATE: pb.LINE_STATUS_LATE,
    LineStatus.PARTIAL: pb.LINE_STATUS_PARTIAL,
    LineStatus.UNAVAILABLE: pb.LINE_STATUS_UNAVAILABLE,
}
_SOURCE_TYPE = {
    "ATP": pb.SOURCE_TYPE_ATP,
    "CTP": pb.SOURCE_TYPE_CTP,
    "SUPPLIER": pb.SOURCE_TYPE_SUPPLIER,
}
_MODES = {
    pb.PROMISE_MODE_QUOTE: PromiseMode.QUOTE,
    pb.PROMISE_MODE_HOLD: PromiseMode.HOLD,
    pb.PROMISE_MODE_COMMIT: PromiseMode.COMMIT,
}


class Violations:
    """Bad fields of one request, raised together as one `InvalidInput`."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:VIOLATIONS_MAX]
        more = len(self.items) - len(shown)
        message = "; ".join(f"{v.field}: {v.description}" for v in shown[:3])
        if len(self.items) > 3:
            message += f" (and {len(self.items) - 3} more)"
        if more:
            shown.append(FieldViolation("", f"{more} more violations not listed"))
        raise InvalidInput(message, shown)


def check_id(violations: Violations, field: str, value: str, required: bool = True) -> None:
    if not value:
        if required:
            violations.add(field, "required")
    elif len(value) > ID_SIZE_MAX:
        violations.add(field, f"at most {ID_SIZE_MAX} characters")


# --- dates -------------------------------------------------------------------------------
def date_in(value: date_pb2.Date, field: str, violations: Violations) -> dt.date | None:
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
            [FieldViolation("", "not a valid " + kind.DESCRIPTOR.full_name)],
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
    """The order's lines as engine requests, after the structural checks."""
    count = len(request.lines)
    if count == 0:
        violations.add("lines", "an order needs at least one line")
    elif count > LINES_MAX:
        violations.add("lines", f"at most {LINES_MAX} lines, got {count}")
        return []
    out = []
    for i, line in enumerate(request.lines):
        check_id(violations, f"lines[{i}].line_id", line.line_id)
        check_id(violations, f"lines[{i}].item_id", line.item_id)
        if not 0 < line.quantity <= QUANTITY_MAX:
            violations.add(f"lines[{i}].quantity", f"must be in 1..{QUANTITY_MAX}")
        requested = date_in(line.requested_date, f"lines[{i}].requested_date", violations)
        if requested is None and not line.HasField("requested_date"):
            violations.add(f"lines[{i}].requested_date", "required")
        location = line.ship_from_location_id or None
        if requested is not None:
            out.append(LineRequest(line.line_id, line.item_id, line.quantity, requested, location))
    return out


def promise_in(request: pb.PromiseOrderRequest) -> tuple[PromiseMode, list[LineRequest]]:
    """Mode and lines of a promise request; raises `InvalidInput` naming every bad field."""
    violations = Violations()
    mode = _MODES.get(request.mode)
    if mode is None:
        violations.add("mode", "must be PROMISE_MODE_QUOTE, _HOLD or _COMMIT")
    if mode is not PromiseMode.QUOTE:
        check_id(violations, "request_id", request.request_id)
        check_id(violations, "order_id", request.order_id)
    else:
        check_id(violations, "order_id", request.order_id, required=False)
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
    )


def confirm_command(request: pb.ConfirmHoldRequest) -> ConfirmCommand:
    violations = Violations()
    check_id(violations, "request_id", request.request_id)
    check_id(violations, "hold_id", request.hold_id)
    violations.raise_if_any()
    return ConfirmCommand(request.request_id, digest(request), request.hold_id)


def release_command(request: pb.ReleaseReservationRequest) -> ReleaseCommand:
    violations = Violations()
    check_id(violations, "request_id", request.request_id)
    check_id(violations, "order_id", request.order_id, required=False)
    check_id(violations, "hold_id", request.hold_id, required=False)
    if len(request.line_ids) > LINES_MAX:
        violations.add("line_ids", f"at most {LINES_MAX}")
    else:
        for i, line_id in enumerate(request.line_ids):
            check_id(violations, f"line_ids[{i}]", line_id)
    violations.raise_if_any()
    return ReleaseCommand(
        request.request_id,
        digest(request),
        order_id=request.order_id,
        line_ids=tuple(request.line_ids),
        hold_id=request.hold_id,
    )


# --- responses ---------------------------------------------------------------------------
def line_out(line: LinePromise) -> pb.LinePromise:
    out = pb.LinePromise(
        line_id=line.line_id,
        status=_LINE_STATUS[line.status],
        promised_quantity=line.promised_quantity,
    )
    if line.promised_date is not None:
        out.promised_date.CopyFrom(date_out(line.promised_date))
    for f in line.fulfillments:
        out.fulfillments.append(
            pb.Fulfillment(
                item_id=f.item_id,
                location_id=f.location_id,
                quantity=f.quantity,
                ship_date=date_out(f.ship_date),
                arrival_date=date_out(f.arrival_date),
                source_type=_SOURCE_TYPE.get(f.source_type, pb.SOURCE_TYPE_UNSPECIFIED),
                cost=f.cost,
            )
        )
    return out


def promise_out(
    order_id: str,
    snapshot_id: str,
    lsn: int,
    promise: OrderPromise,
    state: ReservationState,
    hold_id: str = "",
    hold_expires_at: float | None = None,
) -> pb.PromiseOrderResponse:
    out = pb.PromiseOrderResponse(
        order_id=order_id,
        snapshot_id=snapshot_id,
        lsn=lsn,
        hold_id=hold_id,
        reservation=int(state),
        lines=[line_out(line) for line in promise.lines],
    )
    if hold_expires_at is not None:
        out.hold_expire_time.FromNanoseconds(round(hold_expires_at * 1e9))
    return out


def encode_promise(outcome: PromiseOutcome) -> bytes:
    """The wire bytes of a book's promise outcome (stored in the journal for retries)."""
    return promise_out(
        outcome.order_id,
        outcome.snapshot_id,
        outcome.lsn,
        outcome.promise,
        outcome.state,
        outcome.hold_id,
        outcome.hold_expires_at,
    ).SerializeToString()


def encode_confirm(outcome: ConfirmOutcome) -> bytes:
    return pb.ConfirmHoldResponse(
        hold_id=outcome.hold_id,
        order_id=outcome.order_id,
        line_ids=outcome.line_ids,
        snapshot_id=outcome.snapshot_id,
        lsn=outcome.lsn,
    ).SerializeToString()


def encode_release(outcome: ReleaseOutcome) -> bytes:
    return pb.ReleaseReservationResponse(
        order_id=outcome.order_id,
        line_ids=outcome.line_ids,
        hold_id=outcome.hold_id,
        snapshot_id=outcome.snapshot_id,
        lsn=outcome.lsn,
    ).SerializeToString()


def availability_out(
    profiles: Sequence[AvailabilityProfile], snapshot_id: str, lsn: int
) -> pb.CheckAvailabilityResponse:
    out = pb.CheckAvailabilityResponse(snapshot_id=snapshot_id, lsn=lsn)
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
