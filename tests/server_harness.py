"""Helpers for the gRPC tests: an in-process server on port 0, stubs, request builders."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
from factories import AS_OF, Item, Snapshot, series
from google.type import date_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from promising.engine import Engine
from promising.rpc import PromisingServer, ServerOptions
from promising.rpc.status import field_violations, status_of
from promising.v1 import promising_service_pb2 as pb
from promising.v1 import promising_service_pb2_grpc as pb_grpc

__all__ = ["AS_OF", "field_violations", "pb", "status_of"]


class Clock:
    """A settable server clock (epoch seconds)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now


def standard_engine() -> Engine:
    """A: 10 on day 0 only; B: 5 a day; C: 3 on day 0 at L1 and L2; D: 1 on day 0."""
    return Snapshot(
        items=[Item("A", unit_cost=2.0), Item("B"), Item("C"), Item("D")],
        locations=["L1", "L2"],
        supply=[
            *series("A", "L1", [10]),
            *series("B", "L1", [5] * 30),
            *series("C", "L1", [3]),
            *series("C", "L2", [3]),
            *series("D", "L1", [1]),
        ],
        horizon_days=30,
        snapshot_id="snap-1",
    ).engine()


class Harness:
    """An in-process server on port 0 over `data_dir`; `restart()` keeps the journal."""

    def __init__(
        self,
        data_dir: Path,
        engine: Callable[[], Engine] = standard_engine,
        clock: Callable[[], float] = time.time,
        options: ServerOptions | None = None,
        serve: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.make_engine = engine
        self.clock = clock
        self.options = options or ServerOptions(port=0)
        self.server: PromisingServer | None = None
        self.channel: grpc.Channel | None = None
        self.engine: Engine | None = None
        self._serve = serve

    def __enter__(self) -> Harness:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.server = PromisingServer(self.options)
        self.server.start()
        self.channel = grpc.insecure_channel(self.server.address)
        if self._serve:
            self.serve()

    def serve(self) -> None:
        assert self.server is not None
        self.engine = self.make_engine()
        self.server.serve(self.engine, self.data_dir, clock=self.clock)

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
        if self.server is not None:
            self.server.stop(1.0)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def stub(self) -> pb_grpc.PromisingServiceStub:
        assert self.channel is not None
        return pb_grpc.PromisingServiceStub(self.channel)

    @property
    def health(self) -> health_pb2_grpc.HealthStub:
        assert self.channel is not None
        return health_pb2_grpc.HealthStub(self.channel)

    def health_status(self, service: str = "") -> int:
        request = health_pb2.HealthCheckRequest(service=service)
        return self.health.Check(request, timeout=5).status

    def reserved(self, item_id: str, location_id: str | None = None) -> int:
        """Units reserved for an item, read over gRPC."""
        request = pb.CheckAvailabilityRequest(item_id=item_id)
        if location_id:
            request.location_ids.append(location_id)
        response = self.stub.CheckAvailability(request, timeout=5)
        return sum(b.reserved for p in response.profiles for b in p.buckets)


def date(n: int) -> date_pb2.Date:
    """The proto date n days after AS_OF."""
    day = AS_OF + dt.timedelta(days=n)
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def day_of(value: date_pb2.Date) -> int:
    """Days from AS_OF of a proto date."""
    return (dt.date(value.year, value.month, value.day) - AS_OF).days


def line(line_id: str, item_id: str, quantity: int, n: int = 0, **kw: Any) -> pb.OrderLine:
    return pb.OrderLine(
        line_id=line_id, item_id=item_id, quantity=quantity, requested_date=date(n), **kw
    )


def order(
    mode: int,
    *lines: pb.OrderLine,
    order_id: str | None = None,
    request_id: str | None = None,
    ttl: int = 0,
) -> pb.PromiseOrderRequest:
    """A PromiseOrderRequest; HOLD and COMMIT get fresh ids unless given."""
    fresh = mode != pb.PROMISE_MODE_QUOTE
    return pb.PromiseOrderRequest(
        request_id=request_id if request_id is not None else (uuid.uuid4().hex if fresh else ""),
        order_id=order_id if order_id is not None else (uuid.uuid4().hex[:12] if fresh else ""),
        mode=mode,  # type: ignore[arg-type]
        hold_ttl_seconds=ttl,
        lines=lines,
    )


QUOTE = pb.PROMISE_MODE_QUOTE
HOLD = pb.PROMISE_MODE_HOLD
COMMIT = pb.PROMISE_MODE_COMMIT


def code_of(call: Callable[[], object]) -> grpc.StatusCode:
    """The status code a call fails with (OK when it succeeds)."""
    try:
        call()
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return, attr-defined]
    return grpc.StatusCode.OK


def batches(*messages: pb.StreamPromiseOrdersRequest) -> Iterator[pb.StreamPromiseOrdersRequest]:
    yield from messages
