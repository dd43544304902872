"""Sending one call and recording it when it finishes, blocking or as a future.

Orders the server reserved (HELD or COMMITTED) are remembered so that the run can release
them at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import grpc

from cli.loadtest.draw import Call
from cli.loadtest.recorder import Recorder
from cli.loadtest.spec import Kind
from promising.v1 import promising_service_pb2 as pb
from promising.v1 import promising_service_pb2_grpc as pb_grpc

_RESERVED = (pb.RESERVATION_STATE_HELD, pb.RESERVATION_STATE_COMMITTED)


class Sender:
    """Sends calls on one channel and records each in the recorder; thread-safe."""

    def __init__(self, channel: grpc.Channel, recorder: Recorder, timeout: float) -> None:
        stub = pb_grpc.PromisingServiceStub(channel)
        self._methods: dict[Kind, Any] = {
            Kind.quote: stub.PromiseOrder,
            Kind.hold: stub.PromiseOrder,
            Kind.commit: stub.PromiseOrder,
            Kind.check: stub.CheckAvailability,
        }
        self.recorder = recorder
        self.timeout = timeout
        self.reserved_order_ids: list[str] = []
        self._lock = threading.Lock()

    def blocking(self, call: Call) -> None:
        """Send and wait (closed loop): the call is intended when it is sent."""
        sent = time.perf_counter()
        try:
            response = self._methods[call.kind](call.request, timeout=self.timeout)
            code = "OK"
        except grpc.RpcError as error:
            response, code = None, _code(error)
        self._finish(call, sent, sent, time.perf_counter(), code, response)

    def future(self, call: Call, intended: float, done: Callable[[], None]) -> None:
        """Send without waiting (open loop); `done` runs once the call is recorded."""
        sent = time.perf_counter()
        future = self._methods[call.kind].future(call.request, timeout=self.timeout)

        def completed(f: Any) -> None:
            now = time.perf_counter()
            try:
                if f.cancelled():
                    response, code = None, "CANCELLED"
                elif (error := f.exception()) is not None:
                    response, code = None, _code(error)
                else:
                    response, code = f.result(), "OK"
                self._finish(call, intended, sent, now, code, response)
            finally:
                done()

        future.add_done_callback(completed)

    def _finish(
        self, call: Call, intended: float, sent: float, completed: float, code: str, response: Any
    ) -> None:
        reserving = call.kind in (Kind.hold, Kind.commit)
        if reserving and response is not None and response.reservation in _RESERVED:
            with self._lock:
                self.reserved_order_ids.append(response.order_id)
        self.recorder.record(call.kind, intended, sent, completed, code, call.line_count)


def _code(error: BaseException) -> str:
    code = error.code() if hasattr(error, "code") else None
    return code.name if code is not None else "UNKNOWN"
