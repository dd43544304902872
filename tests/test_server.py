"""PromisingService end to end over real gRPC (port 0): every RPC, mode and error."""

from __future__ import annotations

import threading
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from server_harness import (
    COMMIT,
    HOLD,
    QUOTE,
    Clock,
    Harness,
    code_of,
    date,
    day_of,
    field_violations,
    line,
    order,
    pb,
)

from promising.rpc import ServerOptions

OK = grpc.StatusCode.OK
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def clock() -> Clock:
    return Clock(1_700_000_000.0)


@pytest.fixture
def server(tmp_path: Path, clock: Clock):
    with Harness(tmp_path, clock=clock) as harness:
        yield harness


# --- lifecycle ---------------------------------------------------------------------------
def test_not_serving_and_unavailable_until_loaded(tmp_path: Path) -> None:
    """Before a snapshot is served, health is NOT_SERVING and calls are UNAVAILABLE."""
    with Harness(tmp_path, serve=False) as harness:
        assert harness.health_status() == NOT_SERVING
        assert harness.health_status("promising.v1.PromisingService") == NOT_SERVING
        quote = order(QUOTE, line("1", "A", 1))
        assert code_of(lambda: harness.stub.PromiseOrder(quote)) == grpc.StatusCode.UNAVAILABLE
        stream = harness.stub.StreamPromiseOrders(iter([pb.StreamPromiseOrdersRequest()]))
        assert code_of(lambda: list(stream)) == grpc.StatusCode.UNAVAILABLE
        harness.serve()
        assert harness.health_status() == SERVING
        assert harness.health_status("promising.v1.PromisingService") == SERVING
        assert code_of(lambda: harness.stub.PromiseOrder(quote)) == OK


def test_reflection_lists_and_describes_the_service(server: Harness) -> None:
    """Server reflection names PromisingService and serves its file by symbol."""
    stub = reflection_pb2_grpc.ServerReflectionStub(server.channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="promising.v1.PromisingService"
        ),
    ]
    listed, described = list(stub.ServerReflectionInfo(iter(requests)))
    names = {s.name for s in listed.list_services_response.service}
    assert {"promising.v1.PromisingService", "grpc.health.v1.Health"} <= names
    files = described.file_descriptor_response.file_descriptor_proto
    assert any(b"PromiseOrder" in f for f in files)


def test_stop_turns_health_not_serving_then_closes(tmp_path: Path) -> None:
    """On stop, health watchers see NOT_SERVING, then the port refuses connections."""
    harness = Harness(tmp_path)
    harness.start()
    address = harness.server.address
    watcher = grpc.insecure_channel(address)
    watch = health_pb2_grpc.HealthStub(watcher).Watch(health_pb2.HealthCheckRequest(service=""))
    assert next(watch).status == SERVING
    stopper = threading.Thread(target=harness.stop)
    stopper.start()
    assert next(watch).status == NOT_SERVING
    watch.cancel()  # seen: a watch still open would hold the stop for its whole grace period
    stopper.join(10)
    watcher.close()
    channel = grpc.insecure_channel(address)
    with pytest.raises(grpc.FutureTimeoutError):
        grpc.channel_ready_future(channel).result(timeout=0.5)
    channel.close()


# --- availability ------------------------------------------------------------------------
def test_check_availability_profiles(server: Harness) -> None:
    """One profile per location with supply, demand, reserved and ATP per day in range."""
    response = server.stub.CheckAvailability(
        pb.CheckAvailabilityRequest(item_id="C", from_date=date(0), to_date=date(2))
    )
    assert response.snapshot_id == "snap-1" and response.lsn == 0
    assert [p.location_id for p in response.profiles] == ["L1", "L2"]
    buckets = response.profiles[0].buckets
    assert [day_of(b.date) for b in buckets] == [0, 1, 2]
    assert [(b.supply, b.demand, b.reserved, b.atp) for b in buckets] == [(3, 0, 0, 3)] * 1 + [
        (0, 0, 0, 3)
    ] * 2


# (request, field named in the violation)
BAD_AVAILABILITY = [
    (pb.CheckAvailabilityRequest(), "item_id"),
    (pb.CheckAvailabilityRequest(item_id="nope"), "item_id"),
    (pb.CheckAvailabilityRequest(item_id="A", location_ids=["L1", "X"]), "location_ids[1]"),
    (pb.CheckAvailabilityRequest(item_id="A", atp_rule_id="nope"), "atp_rule_id"),
    (
        pb.CheckAvailabilityRequest(item_id="A", from_date={"year": 2026, "month": 2, "day": 30}),
        "from_date",
    ),
    (pb.CheckAvailabilityRequest(item_id="A", from_date=date(40)), "from_date"),
    (pb.CheckAvailabilityRequest(item_id="A", from_date=date(5), to_date=date(2)), "to_date"),
]


@pytest.mark.parametrize(("request_", "field"), BAD_AVAILABILITY)
def test_bad_availability_requests(server: Harness, request_, field: str) -> None:
    """Bad availability requests are INVALID_ARGUMENT naming the bad field."""
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.CheckAvailability(request_)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [f for f, _ in field_violations(caught.value)]


# --- promise modes -----------------------------------------------------------------------
def test_quote_changes_nothing(server: Harness) -> None:
    """QUOTE answers and reserves nothing; the lsn stays put."""
    response = server.stub.PromiseOrder(order(QUOTE, line("1", "A", 4), line("2", "A", 6)))
    assert response.reservation == pb.RESERVATION_STATE_QUOTED and response.lsn == 0
    assert [x.status for x in response.lines] == [pb.LINE_STATUS_ON_TIME] * 2
    fulfillment = response.lines[0].fulfillments[0]
    assert (fulfillment.location_id, fulfillment.quantity, fulfillment.cost) == ("L1", 4, 8.0)
    assert fulfillment.source_type == pb.SOURCE_TYPE_ATP
    assert server.reserved("A") == 0


def test_commit_reserves_and_answers_durably(server: Harness) -> None:
    """COMMIT reserves every line and answers with the journal's lsn after it."""
    response = server.stub.PromiseOrder(order(COMMIT, line("1", "A", 4), line("2", "B", 8)))
    assert response.reservation == pb.RESERVATION_STATE_COMMITTED and response.lsn == 1
    assert [x.status for x in response.lines] == [pb.LINE_STATUS_ON_TIME, pb.LINE_STATUS_LATE]
    assert day_of(response.lines[1].promised_date) == 1
    assert server.reserved("A") == 4 and server.reserved("B") == 8


def test_all_lines_or_none(server: Harness) -> None:
    """An order with one UNAVAILABLE line is REJECTED and reserves nothing."""
    response = server.stub.PromiseOrder(order(COMMIT, line("1", "A", 4), line("2", "D", 2)))
    assert response.reservation == pb.RESERVATION_STATE_REJECTED
    assert [x.status for x in response.lines] == [
        pb.LINE_STATUS_ON_TIME,
        pb.LINE_STATUS_UNAVAILABLE,
    ]
    assert not response.lines[1].HasField("promised_date")
    assert server.reserved("A") == 0


def test_hold_confirm_and_expiry(server: Harness, clock: Clock) -> None:
    """A hold lasts its TTL; a confirmed one stays; an expired one frees its units once."""
    held = server.stub.PromiseOrder(order(HOLD, line("1", "A", 4), ttl=30))
    assert held.reservation == pb.RESERVATION_STATE_HELD and held.hold_id
    assert held.hold_expire_time.ToNanoseconds() == int((clock.now + 30) * 1e9)
    second = server.stub.PromiseOrder(order(HOLD, line("1", "A", 5), ttl=60))
    server.stub.ConfirmHold(pb.ConfirmHoldRequest(request_id="c1", hold_id=held.hold_id))
    assert server.reserved("A") == 9
    clock.now += 61
    expired = pb.ConfirmHoldRequest(request_id="c2", hold_id=second.hold_id)
    assert code_of(lambda: server.stub.ConfirmHold(expired)) == grpc.StatusCode.FAILED_PRECONDITION
    assert server.reserved("A") == 4
    unknown = pb.ConfirmHoldRequest(request_id="c3", hold_id="nope")
    assert code_of(lambda: server.stub.ConfirmHold(unknown)) == grpc.StatusCode.NOT_FOUND


def test_release_by_order_lines_and_hold(server: Harness) -> None:
    """ReleaseReservation frees named lines, a whole order, or a hold; then NOT_FOUND."""
    stub = server.stub
    stub.PromiseOrder(order(COMMIT, line("1", "B", 1), line("2", "B", 2), order_id="o1"))
    released = stub.ReleaseReservation(
        pb.ReleaseReservationRequest(request_id="r1", order_id="o1", line_ids=["2"])
    )
    assert list(released.line_ids) == ["2"] and server.reserved("B") == 1
    stub.ReleaseReservation(pb.ReleaseReservationRequest(request_id="r2", order_id="o1"))
    assert server.reserved("B") == 0
    again = pb.ReleaseReservationRequest(request_id="r3", order_id="o1")
    assert code_of(lambda: stub.ReleaseReservation(again)) == grpc.StatusCode.NOT_FOUND
    held = stub.PromiseOrder(order(HOLD, line("1", "A", 3), order_id="o2"))
    by_hold = stub.ReleaseReservation(
        pb.ReleaseReservationRequest(request_id="r4", hold_id=held.hold_id)
    )
    assert (by_hold.order_id, list(by_hold.line_ids)) == ("o2", ["1"])
    assert server.reserved("A") == 0
    both = pb.ReleaseReservationRequest(request_id="r5", order_id="o2", hold_id=held.hold_id)
    assert code_of(lambda: stub.ReleaseReservation(both)) == grpc.StatusCode.INVALID_ARGUMENT
    confirm = pb.ConfirmHoldRequest(request_id="r6", hold_id=held.hold_id)
    assert code_of(lambda: stub.ConfirmHold(confirm)) == grpc.StatusCode.FAILED_PRECONDITION


def test_reserved_line_cannot_be_promised_again(server: Harness) -> None:
    """A line of an order that is already reserved is FAILED_PRECONDITION."""
    server.stub.PromiseOrder(order(COMMIT, line("1", "B", 1), order_id="o1"))
    again = order(COMMIT, line("1", "B", 1), order_id="o1")
    assert code_of(lambda: server.stub.PromiseOrder(again)) == grpc.StatusCode.FAILED_PRECONDITION


# --- idempotency ---------------------------------------------------------------------------
def test_retry_returns_first_answer_and_other_content_is_already_exists(server: Harness) -> None:
    """Same request_id + content → the same bytes; other content → ALREADY_EXISTS."""
    request = order(COMMIT, line("1", "A", 4), request_id="req-1", order_id="o1")
    first = server.stub.PromiseOrder(request)
    server.stub.PromiseOrder(order(COMMIT, line("1", "B", 1)))  # moves the lsn on
    again = server.stub.PromiseOrder(request)
    assert again == first and server.reserved("A") == 4
    other = order(COMMIT, line("1", "A", 5), request_id="req-1", order_id="o1")
    assert code_of(lambda: server.stub.PromiseOrder(other)) == grpc.StatusCode.ALREADY_EXISTS


def test_idempotency_across_restart(server: Harness) -> None:
    """After a restart a retry still gets the first answer and reserves nothing more."""
    request = order(HOLD, line("1", "A", 4), request_id="req-1", ttl=600)
    first = server.stub.PromiseOrder(request)
    confirm = pb.ConfirmHoldRequest(request_id="req-2", hold_id=first.hold_id)
    confirmed = server.stub.ConfirmHold(confirm)
    server.restart()
    assert server.stub.PromiseOrder(request) == first
    assert server.stub.ConfirmHold(confirm) == confirmed
    assert server.reserved("A") == 4
    response = server.stub.PromiseOrder(order(QUOTE, line("1", "A", 7)))
    assert response.lines[0].status == pb.LINE_STATUS_UNAVAILABLE and response.lsn == 2


# --- stream --------------------------------------------------------------------------------
def test_stream_answers_each_order_in_order(server: Harness) -> None:
    """Each message's results come back in order; a bad order carries its error in place."""
    messages = [
        pb.StreamPromiseOrdersRequest(
            orders=[
                order(QUOTE, line("1", "A", 4)),
                order(COMMIT, line("1", "A", 4), order_id="s1"),
                order(COMMIT, line("1", "A", 0)),
            ]
        ),
        pb.StreamPromiseOrdersRequest(orders=[order(COMMIT, line("1", "A", 7))]),
        pb.StreamPromiseOrdersRequest(),
    ]
    responses = list(server.stub.StreamPromiseOrders(iter(messages)))
    assert [len(r.results) for r in responses] == [3, 1, 0]
    quote, commit, bad = responses[0].results
    assert quote.response.reservation == pb.RESERVATION_STATE_QUOTED
    assert commit.response.reservation == pb.RESERVATION_STATE_COMMITTED
    assert commit.response.order_id == "s1" and commit.response.lsn == 1
    assert bad.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "quantity" in bad.error.message
    assert responses[1].results[0].response.reservation == pb.RESERVATION_STATE_REJECTED


def test_stream_pipelines_many_commits(server: Harness) -> None:
    """Hundreds of COMMIT messages in flight land once each, in order, never overselling."""
    count = 300
    messages = (
        pb.StreamPromiseOrdersRequest(orders=[order(COMMIT, line("1", "B", 1, n=i % 30))])
        for i in range(count)
    )
    responses = list(server.stub.StreamPromiseOrders(messages))
    lsns = [r.results[0].response.lsn for r in responses]
    assert lsns == list(range(1, count + 1))
    states = [r.results[0].response.reservation for r in responses]
    assert states.count(pb.RESERVATION_STATE_COMMITTED) == 150  # B: 5 a day for 30 days
    assert server.reserved("B") == 150


def test_stream_undecodable_message_ends_the_stream(server: Harness) -> None:
    """A message that is not a StreamPromiseOrdersRequest ends the stream INVALID_ARGUMENT."""
    call = server.channel.stream_stream("/promising.v1.PromisingService/StreamPromiseOrders")
    with pytest.raises(grpc.RpcError) as caught:
        list(call(iter([b"\xff\xff\xff"])))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# --- failures ------------------------------------------------------------------------------
def test_unexpected_error_is_internal_without_internals(server: Harness, monkeypatch) -> None:
    """An unexpected exception is INTERNAL with a log reference, and the server goes on."""

    def broken(lines):
        raise RuntimeError("secret path /etc/shadow")

    monkeypatch.setattr(server.engine, "promise_order", broken)
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.PromiseOrder(order(QUOTE, line("1", "A", 1)))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in caught.value.details() and "ref" in caught.value.details()
    with pytest.raises(grpc.RpcError) as caught:
        server.stub.PromiseOrder(order(COMMIT, line("1", "A", 1)))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    monkeypatch.undo()
    assert server.stub.PromiseOrder(order(COMMIT, line("1", "A", 1))).lsn == 1


def test_oversized_message_is_resource_exhausted(tmp_path: Path) -> None:
    """A request larger than max_message_bytes is RESOURCE_EXHAUSTED."""
    options = ServerOptions(port=0, max_message_bytes=2048)
    with Harness(tmp_path, options=options) as harness:
        big = order(QUOTE, *[line(str(i), "B", 1) for i in range(200)])
        code = code_of(lambda: harness.stub.PromiseOrder(big))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert code_of(lambda: harness.stub.PromiseOrder(order(QUOTE, line("1", "B", 1)))) == OK


def test_too_many_concurrent_calls_is_resource_exhausted(tmp_path: Path) -> None:
    """Beyond max_concurrent_rpcs, a call is RESOURCE_EXHAUSTED."""
    options = ServerOptions(port=0, max_concurrent_rpcs=2)
    with Harness(tmp_path, options=options) as harness:
        gate = threading.Event()

        def held_open():
            yield pb.StreamPromiseOrdersRequest()
            gate.wait(5)

        streams = [harness.stub.StreamPromiseOrders(held_open()) for _ in range(2)]
        for stream in streams:
            next(stream)
        quote = order(QUOTE, line("1", "B", 1))
        assert code_of(lambda: harness.stub.PromiseOrder(quote)) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED
        )
        gate.set()
        for stream in streams:
            list(stream)


def test_full_writer_queue_is_resource_exhausted(tmp_path: Path) -> None:
    """When the writer's queue is full, HOLD and COMMIT are RESOURCE_EXHAUSTED; quotes go on."""
    options = ServerOptions(port=0, queue_max=1)
    with Harness(tmp_path, options=options) as harness:
        gate, inside = threading.Event(), threading.Event()
        writer = harness.server.reservations.writer
        blocker = writer.submit(lambda journal: (inside.set(), gate.wait(5)))
        assert inside.wait(5)
        filler = writer.submit(lambda journal: None)
        commit = order(COMMIT, line("1", "B", 1))
        assert code_of(lambda: harness.stub.PromiseOrder(commit)) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED
        )
        assert code_of(lambda: harness.stub.PromiseOrder(order(QUOTE, line("1", "B", 1)))) == OK
        gate.set()
        blocker.result(5), filler.result(5)
        assert harness.stub.PromiseOrder(commit).lsn == 1
