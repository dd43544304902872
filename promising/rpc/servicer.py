"""The promising.v1.PromisingService handlers.

Handlers take and return raw bytes: parsing inside the handler turns undecodable input into
INVALID_ARGUMENT (gRPC's own deserializer would answer INTERNAL), and a durable answer is
sent as the very bytes stored in the journal. Quotes and availability read the engine on
the calling worker thread; HOLD, COMMIT, confirm and release go to the single writer and
return after their group commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import grpc

from promising.book import Answer, PromiseMode, PromiseOutcome, Reservations, ReservationState
from promising.engine import Engine
from promising.errors import NotReady
from promising.pegging import explain
from promising.rpc import convert, wire
from promising.rpc.status import abort
from promising.rpc.stream import WRITE_TIMEOUT_SECONDS, promise_stream
from promising.v1 import promising_service_pb2 as pb

SERVICE_NAME = "promising.v1.PromisingService"


@dataclass(frozen=True)
class Loaded:
    """What the service answers from, swapped in as one reference once loading is done."""

    engine: Engine
    reservations: Reservations


class PromisingServicer:
    """Answers PromisingService calls; UNAVAILABLE until `attach` gives it an engine."""

    def __init__(self) -> None:
        self._loaded: Loaded | None = None

    def attach(self, engine: Engine, reservations: Reservations) -> None:
        self._loaded = Loaded(engine, reservations)

    def detach(self) -> None:
        self._loaded = None

    @property
    def loaded(self) -> Loaded:
        loaded = self._loaded
        if loaded is None:
            raise NotReady("the server is loading its snapshot; retry shortly")
        return loaded

    # --- the RPCs ------------------------------------------------------------------------
    def check_availability(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            return self._check_availability(convert.parse(pb.CheckAvailabilityRequest, data))
        except Exception as error:
            abort(context, error)

    def promise_order(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            answer = self.promise(convert.parse(pb.PromiseOrderRequest, data))
            if isinstance(answer, Future):
                return answer.result(WRITE_TIMEOUT_SECONDS).response
            return answer
        except Exception as error:
            abort(context, error)

    def confirm_hold(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            command = convert.confirm_command(convert.parse(pb.ConfirmHoldRequest, data))
            future = self.loaded.reservations.confirm(command, convert.encode_confirm)
            return future.result(WRITE_TIMEOUT_SECONDS).response
        except Exception as error:
            abort(context, error)

    def release_reservation(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            command = convert.release_command(convert.parse(pb.ReleaseReservationRequest, data))
            future = self.loaded.reservations.release(command, convert.encode_release)
            return future.result(WRITE_TIMEOUT_SECONDS).response
        except Exception as error:
            abort(context, error)

    def stream_promise_orders(
        self, requests: Iterator[bytes], context: grpc.ServicerContext
    ) -> Iterator[bytes]:
        try:
            self.loaded  # noqa: B018 - UNAVAILABLE before reading anything while loading
        except Exception as error:
            abort(context, error)
        return promise_stream(self.promise, requests, context)

    # --- shared by unary and stream ------------------------------------------------------
    def promise(self, request: pb.PromiseOrderRequest) -> bytes | Future[Answer[PromiseOutcome]]:
        """A quote's response bytes now, or the future answer of a reservation."""
        loaded = self.loaded
        mode, lines = convert.promise_in(request)
        if mode is PromiseMode.QUOTE:
            lsn = loaded.reservations.lsn
            engine = loaded.engine
            promise = engine.promise_order(
                lines, request.demand_class, request.ship_to_region or None
            )
            if request.explain_supply:
                promise = explain(engine.model, engine.ledger.reserved, promise)
            return wire.promise_response(
                request.order_id, promise.snapshot_id, lsn, promise, ReservationState.QUOTED,
                delta_sequence=engine.model.delta_sequence,
            )  # fmt: skip
        command = convert.promise_command(request, mode, lines)
        return loaded.reservations.promise(command, convert.encode_promise)

    def _check_availability(self, request: pb.CheckAvailabilityRequest) -> bytes:
        loaded = self.loaded
        model = loaded.engine.model
        violations = convert.Violations()
        if request.item_id not in model.item_index:
            violations.add(("item_id",), "unknown item" if request.item_id else "required")
        for i, location_id in enumerate(request.location_ids):
            if location_id not in model.location_index:
                violations.add(("location_ids", i), "unknown location")
        rule_id = request.atp_rule_id if request.HasField("atp_rule_id") else None
        if rule_id is not None and rule_id not in model.rule_index:
            violations.add(("atp_rule_id",), "unknown ATP rule")
        from_date = convert.date_in(request.from_date, ("from_date",), violations)
        to_date = convert.date_in(request.to_date, ("to_date",), violations)
        violations.raise_if_any()
        lsn = loaded.reservations.lsn
        profiles = loaded.engine.availability(
            request.item_id,
            list(request.location_ids) or None,
            from_date,
            to_date,
            rule_id,
            request.demand_class if request.HasField("demand_class") else "",
        )
        return convert.availability_out(
            profiles, model.snapshot_id, lsn, model.delta_sequence
        ).SerializeToString()

    # --- wiring --------------------------------------------------------------------------
    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler]:
        """This service's methods, served as raw bytes (register with
        `add_registered_method_handlers`: gRPC then dispatches them without a lookup)."""
        unary = grpc.unary_unary_rpc_method_handler
        return {
            "CheckAvailability": unary(self.check_availability),
            "PromiseOrder": unary(self.promise_order),
            "ConfirmHold": unary(self.confirm_hold),
            "ReleaseReservation": unary(self.release_reservation),
            "StreamPromiseOrders": grpc.stream_stream_rpc_method_handler(
                self.stream_promise_orders
            ),
        }
