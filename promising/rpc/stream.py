"""StreamPromiseOrders: batches of orders in, one result per order out, pipelined.

A reader thread takes request messages as they come and starts each order at once (a quote
is answered on the spot, a reservation is queued to the writer), while the response side
waits for the answers in order. Many messages in flight let the writer commit many orders
per fsync. Responses are assembled from the stored response bytes directly: a
`PromiseOrderResult` is field 1 (response) or 2 (error) around the bytes, and a
`StreamPromiseOrdersResponse` is field 1 repeated, so nothing is parsed twice.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import grpc

from promising.book import Answer, PromiseOutcome
from promising.rpc.convert import parse
from promising.rpc.status import abort, rich_status
from promising.v1 import promising_service_pb2 as pb

WRITE_TIMEOUT_SECONDS = 60.0
"""Longest wait for the writer; far beyond any group commit, short of a hung caller."""
INFLIGHT_MAX = 64
"""Request messages read ahead of the responses sent: the stream's backpressure."""

_END = object()
Started = list[Any]  # per order: response bytes, a Future of an Answer, or a google.rpc.Status
Promise = Callable[[pb.PromiseOrderRequest], "bytes | Future[Answer[PromiseOutcome]]"]


def promise_stream(
    promise: Promise, requests: Iterator[bytes], context: grpc.ServicerContext
) -> Iterator[bytes]:
    """The response stream of StreamPromiseOrders; `promise` answers one order."""
    pending: queue.Queue[Any] = queue.Queue(INFLIGHT_MAX)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read() -> None:
        try:
            for data in requests:
                put(_start(promise, data))
                if stop.is_set():
                    return
        except Exception as error:  # a cancelled call, or an undecodable message
            put(error)
        put(_END)

    threading.Thread(target=read, name="stream-reader", daemon=True).start()
    try:
        while True:
            item = pending.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                abort(context, item)
            yield _finish(item)
    finally:
        stop.set()


def _start(promise: Promise, data: bytes) -> Started:
    batch = parse(pb.StreamPromiseOrdersRequest, data)
    started: Started = []
    for order in batch.orders:
        try:
            started.append(promise(order))
        except Exception as error:
            started.append(rich_status(error))
    return started


def _finish(started: Started) -> bytes:
    parts = []
    for item in started:
        if isinstance(item, bytes):
            result = _field(1, item)
        elif isinstance(item, Future):
            try:
                result = _field(1, item.result(WRITE_TIMEOUT_SECONDS).response)
            except Exception as error:
                result = _field(2, rich_status(error).SerializeToString())
        else:
            result = _field(2, item.SerializeToString())
        parts.append(_field(1, result))
    return b"".join(parts)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field: key, length, payload."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
