"""Races: ten clients reserve the last unit at once; exactly one gets it."""

from __future__ import annotations

import threading

import grpc
import pytest
from factories import Item, Snapshot, series
from server_harness import COMMIT, HOLD, Harness, line, order, pb

from promising.engine import Engine
from promising.v1.promising_service_pb2_grpc import PromisingServiceStub

CLIENTS = 10
ROUNDS = 12


def last_units() -> Engine:
    """Items R0…R11, one unit each, on day 0 only."""
    items = [f"R{i}" for i in range(ROUNDS)]
    return Snapshot(
        items=[Item(i) for i in items],
        locations=["L1"],
        supply=[event for i in items for event in series(i, "L1", [1])],
        horizon_days=5,
    ).engine()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with Harness(tmp_path_factory.mktemp("race"), engine=last_units) as harness:
        yield harness


@pytest.fixture(scope="module")
def stubs(server: Harness):
    """One stub per client, each on its own channel (connection), made ready once: closing
    ten channels after every round cost more than the round."""
    channels = [grpc.insecure_channel(server.server.address) for _ in range(CLIENTS)]
    for channel in channels:
        grpc.channel_ready_future(channel).result(timeout=5)
    yield [PromisingServiceStub(channel) for channel in channels]
    for channel in channels:
        channel.close()


def race(
    stubs: list[PromisingServiceStub], requests: list[pb.PromiseOrderRequest]
) -> list[pb.PromiseOrderResponse]:
    """Send one request per client, all released by one barrier."""
    barrier = threading.Barrier(len(requests))
    answers: list[pb.PromiseOrderResponse | None] = [None] * len(requests)

    def client(i: int) -> None:
        barrier.wait()
        answers[i] = stubs[i].PromiseOrder(requests[i], timeout=30)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return answers  # type: ignore[return-value]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_exactly_one_client_gets_the_last_unit(
    server: Harness, stubs: list[PromisingServiceStub], round_: int
) -> None:
    """Of ten concurrent HOLD/COMMIT orders for the last unit, one wins, nine are rejected."""
    item = f"R{round_}"
    mode = COMMIT if round_ % 2 == 0 else HOLD
    requests = [order(mode, line("1", item, 1)) for _ in range(CLIENTS)]
    answers = race(stubs, requests)
    winners = [a for a in answers if a.reservation != pb.RESERVATION_STATE_REJECTED]
    assert len(winners) == 1
    assert winners[0].lines[0].status == pb.LINE_STATUS_ON_TIME
    rejected = [a for a in answers if a.reservation == pb.RESERVATION_STATE_REJECTED]
    assert all(a.lines[0].status == pb.LINE_STATUS_UNAVAILABLE for a in rejected)
    assert server.reserved(item) == 1
    assert len({a.lsn for a in answers}) == CLIENTS  # each answer has its own journal record
