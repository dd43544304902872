"""The reservation book: orders, holds and request ids over the engine's ledger.

Every reserved order line is one ledger entry, keyed by `line_key(order_id, line_id)`; a hold
is a set of such lines with an expiry on the server clock. A hold ends exactly once:
confirmed, released (by hold, or when its last line is released by order) or expired.

All methods run on the journal's writer thread, but `plan`. A command validates first, then
journals, then changes memory, so a refused command leaves no trace. Each method returns the
encoded response, which is stored with the record: a retried request id gets those bytes
back, also after a restart.

An order that needs CP-SAT (`slow`) is planned before it reaches the writer, on another
thread (`plan`, a quote of the order); inside the writer, `promise` reserves that plan if it
still fits the ledger (`promising.fit`, microseconds) and promises the order again only when
it does not, so a solve of seconds does not hold up every other command.
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from promising.book import records
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
from promising.engine import Engine
from promising.errors import Conflict, DuplicateRequest, FieldViolation, InvalidInput, NotFound
from promising.fit import fits
from promising.journal import Journal
from promising.ledger import Reservation
from promising.manufacturing import supplier_sources
from promising.pegging import explain
from promising.promise import OrderPromise
from promising.remap import remap


def line_key(order_id: str, line_id: str) -> str:
    """The ledger key of an order line; the length prefix keeps any two ids apart."""
    return f"{len(order_id)}:{order_id}/{line_id}"


@dataclass(slots=True)
class Hold:
    """A hold: the lines it still holds (an ordered set) until `expires_at`."""

    hold_id: str
    order_id: str
    line_ids: dict[str, None]
    expires_at: float
    state: HoldState = HoldState.HELD


class Planned(NamedTuple):
    """An order's promise computed outside the writer, on `engine`."""

    engine: Engine
    promise: OrderPromise


@dataclass
class PlanCounts:
    """What became of the plans made outside the writer."""

    kept: int = 0
    """Reserved (or rejected) as planned: it still fit."""
    promised_again: int = 0
    """Promised again inside the writer: the ledger or the data had changed under it."""


@dataclass
class ReplayReport:
    """What a journal replay did: records read, and allocations it could not map exactly."""

    records: int = 0
    allocations_moved: int = 0
    allocations_dropped: list[records.JournaledAllocation] = field(default_factory=list)


class Book:
    """Reserved order lines and holds, kept in step with the engine's ledger."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._new_id = new_id
        self.orders: dict[str, dict[str, str]] = {}
        """order_id → line_id → the hold holding it ("" once committed)."""
        self.holds: dict[str, Hold] = {}
        self._expiry: list[tuple[float, str]] = []
        self._requests: dict[str, tuple[bytes, int]] = {}
        self._replaying: dict[str, Reservation] | None = None
        self.replay_report = ReplayReport()
        self.plans = PlanCounts()

    # --- commands ------------------------------------------------------------------------
    def promise(
        self,
        command: PromiseCommand,
        journal: Journal,
        encode: Callable[[PromiseOutcome], bytes],
        planned: Planned | None = None,
    ) -> Answer[PromiseOutcome]:
        """Promise an order and hold or commit every line, or none when any is unavailable;
        `planned` is the order's promise made outside the writer, used if it still fits."""
        digest = b"promise:" + command.digest
        stored = self._stored(command.request_id, digest, journal)
        if stored is not None:
            return Answer(stored, None)
        _check_promise(command)
        order_id = command.order_id
        held = self.orders.get(order_id)
        if held:
            taken = [line.line_id for line in command.lines if line.line_id in held]
            if taken:
                raise Conflict(
                    f"order {order_id!r} already has reserved lines {taken[:5]}; release first"
                )
        engine = self.engine
        model = engine.model
        promise = self._promise(command, planned)
        if command.explain_supply:
            promise = explain(model, engine.ledger.reserved, promise)
        lsn = journal.next_lsn
        if not promise.all_available:
            outcome = PromiseOutcome(
                order_id, model.snapshot_id, lsn, promise, ReservationState.REJECTED,
                delta_sequence=model.delta_sequence,
            )  # fmt: skip
            response = encode(outcome)
            body = records.encode({"order": order_id})
            journal.append(records.REJECT, body, command.request_id, digest, response)
        else:
            hold_id, expires_at = "", None
            state = ReservationState.COMMITTED
            if command.mode is PromiseMode.HOLD:
                ttl = command.hold_ttl_seconds or HOLD_TTL_DEFAULT_SECONDS
                hold_id, expires_at = self._new_id(), self.clock() + ttl
                state = ReservationState.HELD
            sources = supplier_sources(model.suppliers)
            outcome = PromiseOutcome(
                order_id, model.snapshot_id, lsn, promise, state, hold_id, expires_at,
                model.delta_sequence,
            )  # fmt: skip
            response = encode(outcome)
            body = records.encode(
                {
                    "order": order_id,
                    "hold": hold_id or None,
                    "expires_at": expires_at,
                    "snapshot": model.snapshot_id,
                    "lines": [records.line_out(model, sources, line) for line in promise.lines],
                }
            )
            journal.append(records.RESERVE, body, command.request_id, digest, response)
            line_ids = [line.line_id for line in promise.lines]
            engine.reserve(promise, [line_key(order_id, line_id) for line_id in line_ids])
            self._reserved(order_id, line_ids, hold_id, expires_at)
        self._requests[command.request_id] = (digest, lsn)
        return Answer(response, outcome)

    def slow(self, command: PromiseCommand) -> bool:
        """True for an order to plan outside the writer: several lines that the sourcing
        chooses for (CP-SAT), and not a retry of a request already answered. One-line
        and located orders are promised inside the writer, in microseconds, as before."""
        if len(command.lines) < 2 or command.request_id in self._requests:
            return False
        return self.engine.sourcing.needed(command.lines, command.ship_to_region or None)

    def plan(self, command: PromiseCommand) -> Planned | None:
        """The order's promise, computed on the calling thread from the engine in use (as a
        quote reads it); None when it cannot be, and the writer then meets the reason again
        in the order of its own checks. Any thread."""
        engine = self.engine
        try:
            _check_promise(command)
            promise = engine.promise_order(
                command.lines, command.demand_class, command.ship_to_region or None
            )
        except Exception:
            return None
        return Planned(engine, promise)

    def _promise(self, command: PromiseCommand, planned: Planned | None) -> OrderPromise:
        """`planned` if it was made on the engine in use and still fits its ledger (a plan
        that reserves nothing always fits: it is a rejection, as a quote then would have
        answered); else the order promised here and now."""
        engine = self.engine
        if planned is not None:
            promise = planned.promise
            if planned.engine is engine and (
                not promise.all_available
                or fits(engine.model, engine.ledger, [line.reservation for line in promise.lines])
            ):
                self.plans.kept += 1
                return promise
            self.plans.promised_again += 1
        return engine.promise_order(
            command.lines, command.demand_class, command.ship_to_region or None
        )

    def confirm(
        self,
        command: ConfirmCommand,
        journal: Journal,
        encode: Callable[[ConfirmOutcome], bytes],
    ) -> Answer[ConfirmOutcome]:
        """Commit the lines of a live hold."""
        digest = b"confirm:" + command.digest
        stored = self._stored(command.request_id, digest, journal)
        if stored is not None:
            return Answer(stored, None)
        _check_ids(("request_id", command.request_id), ("hold_id", command.hold_id))
        hold = self._live_hold(command.hold_id)
        lsn = journal.next_lsn
        model = self.engine.model
        outcome = ConfirmOutcome(
            hold.hold_id, hold.order_id, tuple(hold.line_ids), model.snapshot_id, lsn,
            model.delta_sequence,
        )  # fmt: skip
        response = encode(outcome)
        body = records.encode({"hold": hold.hold_id})
        journal.append(records.CONFIRM, body, command.request_id, digest, response)
        self._confirmed(hold)
        self._requests[command.request_id] = (digest, lsn)
        return Answer(response, outcome)

    def release(
        self,
        command: ReleaseCommand,
        journal: Journal,
        encode: Callable[[ReleaseOutcome], bytes],
    ) -> Answer[ReleaseOutcome]:
        """Free an order's lines (all or some) or a live hold's lines, at once."""
        digest = b"release:" + command.digest
        stored = self._stored(command.request_id, digest, journal)
        if stored is not None:
            return Answer(stored, None)
        order_id, line_ids = self._release_target(command)
        lsn = journal.next_lsn
        model = self.engine.model
        outcome = ReleaseOutcome(
            order_id, tuple(line_ids), command.hold_id, model.snapshot_id, lsn,
            model.delta_sequence,
        )  # fmt: skip
        response = encode(outcome)
        body = records.encode(
            {"order": order_id, "lines": line_ids, "hold": command.hold_id or None}
        )
        journal.append(records.RELEASE, body, command.request_id, digest, response)
        self._released(order_id, line_ids, command.hold_id)
        self._requests[command.request_id] = (digest, lsn)
        return Answer(response, outcome)

    def expire_due(self, journal: Journal) -> float | None:
        """Expire every live hold whose time has come; returns the next expiry, if any."""
        now = self.clock()
        heap = self._expiry
        while heap and heap[0][0] <= now:
            _, hold_id = heapq.heappop(heap)
            hold = self.holds.get(hold_id)
            if hold is None or hold.state is not HoldState.HELD:
                continue
            journal.append(records.EXPIRE, records.encode({"hold": hold_id}))
            self._expired(hold)
        return heap[0][0] if heap else None

    # --- restart -------------------------------------------------------------------------
    def replay(self, journal: Journal) -> ReplayReport:
        """Rebuild orders, holds, request ids and the ledger from every journaled record."""
        frame = records.JournalFrame()
        count = 0
        # Reservations that survive the whole journal are moved onto the model and go into
        # the ledger at the end, in one pass.
        self._replaying = replaying = {}
        for record in journal.records():
            body = records.decode(record.body)
            kind = record.kind
            if kind == records.RESERVE:
                order_id, hold_id = body["order"], body["hold"] or ""
                line_ids = []
                for line_id, journaled, *more in body["lines"]:
                    key = line_key(order_id, line_id)
                    replaying[key] = frame.reservation(journaled, more[0] if more else {})
                    line_ids.append(line_id)
                self._reserved(order_id, line_ids, hold_id, body["expires_at"])
            elif kind == records.CONFIRM:
                self._confirmed(self.holds[body["hold"]])
            elif kind == records.RELEASE:
                self._released(body["order"], body["lines"], body["hold"] or "")
            elif kind == records.EXPIRE:
                self._expired(self.holds[body["hold"]])
            elif kind == records.REFRESH:
                self._absorb(body.get("absorbed", ()))
            elif kind != records.REJECT:
                raise ValueError(f"journal record {record.lsn}: unknown kind {kind!r}")
            if record.request_id is not None:
                self._requests[record.request_id] = (record.digest or b"", record.lsn)
            count += 1
        self._replaying = None
        moved = remap(replaying, frame.frame(), self.engine.model)
        self.engine.ledger.add_many(moved.entries)
        report = moved.report
        self.replay_report = ReplayReport(
            count, report.allocations_moved, list(report.allocations_dropped)
        )
        return self.replay_report

    # --- refresh (promising.refresh) -----------------------------------------------------
    def switch(self, engine: Engine, absorbed: Iterable[tuple[str, str]] = ()) -> None:
        """Answer from `engine` (new data, with the reservations moved onto it) from now on;
        forget the committed (order_id, line_id) lines the new data carries as demand."""
        self.engine = engine
        self._absorb(absorbed)

    def _absorb(self, lines: Iterable[tuple[str, str]]) -> None:
        by_order: dict[str, list[str]] = {}
        for order_id, line_id in lines:
            by_order.setdefault(order_id, []).append(line_id)
        for order_id, line_ids in by_order.items():
            self._released(order_id, line_ids, "")

    # --- reading (tests, audits) ---------------------------------------------------------
    def reserved_lines(self) -> dict[tuple[str, str], str]:
        """(order_id, line_id) → holding hold id ("" when committed), for every live line."""
        return {
            (order_id, line_id): hold_id
            for order_id, lines in self.orders.items()
            for line_id, hold_id in lines.items()
        }

    # --- state changes (shared by commands and replay) -----------------------------------
    def _reserved(
        self, order_id: str, line_ids: list[str], hold_id: str, expires_at: float | None
    ) -> None:
        order = self.orders.setdefault(order_id, {})
        for line_id in line_ids:
            order[line_id] = hold_id
        if hold_id:
            assert expires_at is not None
            self.holds[hold_id] = Hold(hold_id, order_id, dict.fromkeys(line_ids), expires_at)
            heapq.heappush(self._expiry, (expires_at, hold_id))

    def _confirmed(self, hold: Hold) -> None:
        order = self.orders[hold.order_id]
        for line_id in hold.line_ids:
            order[line_id] = ""
        hold.state = HoldState.CONFIRMED

    def _released(self, order_id: str, line_ids: Iterable[str], hold_id: str) -> None:
        order = self.orders[order_id]
        line_ids = list(line_ids)
        self._free([line_key(order_id, line_id) for line_id in line_ids])
        for line_id in line_ids:
            held_by = order.pop(line_id)
            if held_by:
                hold = self.holds[held_by]
                del hold.line_ids[line_id]
                if not hold.line_ids:
                    hold.state = HoldState.RELEASED
        if not order:
            del self.orders[order_id]
        if hold_id:
            self.holds[hold_id].state = HoldState.RELEASED

    def _expired(self, hold: Hold) -> None:
        order = self.orders[hold.order_id]
        self._free([line_key(hold.order_id, line_id) for line_id in hold.line_ids])
        for line_id in hold.line_ids:
            del order[line_id]
        if not order:
            del self.orders[hold.order_id]
        hold.line_ids.clear()
        hold.state = HoldState.EXPIRED

    def _free(self, keys: list[str]) -> None:
        """Release the lines' reservations, all or none (first, so that a failure leaves the
        book as it was)."""
        if self._replaying is None:
            self.engine.release_many(keys)
        else:
            for key in keys:
                del self._replaying[key]

    # --- checks --------------------------------------------------------------------------
    def _stored(self, request_id: str, digest: bytes, journal: Journal) -> bytes | None:
        """The first answer to `request_id`, if it was answered; refuses other content."""
        seen = self._requests.get(request_id)
        if seen is None:
            return None
        if seen[0] != digest:
            raise DuplicateRequest(
                f"request_id {request_id!r} was already used for a different request"
            )
        return journal.response(seen[1])

    def _live_hold(self, hold_id: str) -> Hold:
        hold = self.holds.get(hold_id)
        if hold is None:
            raise NotFound(f"no hold {hold_id!r}")
        if hold.state is not HoldState.HELD:
            raise Conflict(f"hold {hold_id!r} is {hold.state.value.lower()}")
        return hold

    def _release_target(self, command: ReleaseCommand) -> tuple[str, list[str]]:
        """(order_id, line_ids) a release frees, after every check."""
        _check_ids(("request_id", command.request_id))
        if bool(command.order_id) == bool(command.hold_id):
            raise InvalidInput(
                "set exactly one of order_id and hold_id",
                [
                    FieldViolation(("order_id",), "set exactly one of order_id and hold_id"),
                    FieldViolation(("hold_id",), "set exactly one of order_id and hold_id"),
                ],
            )
        if command.hold_id:
            if command.line_ids:
                raise InvalidInput(
                    "line_ids go with order_id, not hold_id",
                    [FieldViolation(("line_ids",), "only with order_id")],
                )
            hold = self._live_hold(command.hold_id)
            return hold.order_id, list(hold.line_ids)
        order = self.orders.get(command.order_id)
        if order is None:
            raise NotFound(f"order {command.order_id!r} has nothing reserved")
        if not command.line_ids:
            return command.order_id, list(order)
        line_ids = list(dict.fromkeys(command.line_ids))
        missing = [line_id for line_id in line_ids if line_id not in order]
        if missing:
            raise NotFound(
                f"order {command.order_id!r} has nothing reserved for lines {missing[:5]}"
            )
        return command.order_id, line_ids


def _check_ids(*fields: tuple[str, str]) -> None:
    violations = []
    for name, value in fields:
        if not value:
            violations.append(FieldViolation((name,), "required"))
        elif len(value) > ID_SIZE_MAX:
            violations.append(FieldViolation((name,), f"at most {ID_SIZE_MAX} characters"))
    if violations:
        raise InvalidInput(
            "; ".join(f"{v.path[-1]}: {v.description}" for v in violations), violations
        )


def _check_promise(command: PromiseCommand) -> None:
    _check_ids(("request_id", command.request_id), ("order_id", command.order_id))
    if command.mode not in (PromiseMode.HOLD, PromiseMode.COMMIT):
        raise InvalidInput(
            "the book only holds or commits", [FieldViolation(("mode",), "HOLD or COMMIT")]
        )
    if not 0 <= command.hold_ttl_seconds <= HOLD_TTL_MAX_SECONDS:
        raise InvalidInput(
            f"hold_ttl_seconds must be in 0..{HOLD_TTL_MAX_SECONDS}",
            [FieldViolation(("hold_ttl_seconds",), f"must be in 0..{HOLD_TTL_MAX_SECONDS}")],
        )
    long = [
        FieldViolation(("lines", i, "line_id"), f"at most {ID_SIZE_MAX} characters")
        for i, line in enumerate(command.lines)
        if len(line.line_id) > ID_SIZE_MAX
    ]
    if long:
        raise InvalidInput("line ids too long", long)
