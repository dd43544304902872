"""Hostile input: every bad request gets a clear status (never UNKNOWN), nothing is reserved,
and the server keeps serving."""

from __future__ import annotations

import random

import grpc
import pytest
from grpc_health.v1 import health_pb2
from server_harness import COMMIT, HOLD, QUOTE, Harness, date, field_violations, line, order, pb

INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
NOT_FOUND = grpc.StatusCode.NOT_FOUND

PROMISE = "/promising.v1.PromisingService/PromiseOrder"
AVAILABILITY = "/promising.v1.PromisingService/CheckAvailability"
CONFIRM = "/promising.v1.PromisingService/ConfirmHold"
RELEASE = "/promising.v1.PromisingService/ReleaseReservation"


def many(count: int, item: str = "B") -> list[pb.OrderLine]:
    return [line(str(i), item, 1) for i in range(count)]


def _with(request: pb.PromiseOrderRequest, **fields: str) -> pb.PromiseOrderRequest:
    """The request with some string fields set."""
    for name, value in fields.items():
        setattr(request, name, value)
    return request


# (case, method, request, expected status, a field the violations must name or None)
CASES = [
    ("quantity 0", PROMISE, order(COMMIT, line("1", "B", 0)), INVALID, "lines[0].quantity"),
    ("quantity < 0", PROMISE, order(COMMIT, line("1", "B", -5)), INVALID, "lines[0].quantity"),
    ("quantity 10^12+1", PROMISE, order(HOLD, line("1", "B", 10**12 + 1)), INVALID,
     "lines[0].quantity"),
    ("quantity 2^63-1", PROMISE, order(COMMIT, line("1", "B", 2**63 - 1)), INVALID,
     "lines[0].quantity"),
    ("unknown item", PROMISE, order(COMMIT, line("1", "NOPE", 1)), INVALID, "lines[0].item_id"),
    ("unknown location", PROMISE,
     order(COMMIT, line("1", "B", 1, ship_from_location_id="X")), INVALID,
     "lines[0].ship_from_location_id"),
    ("no lines", PROMISE, order(COMMIT), INVALID, "lines"),
    ("duplicate line ids", PROMISE, order(COMMIT, line("1", "B", 1), line("1", "B", 1)), INVALID,
     "lines[1].line_id"),
    ("past the horizon", PROMISE, order(COMMIT, line("1", "B", 1, 30)), INVALID,
     "lines[0].requested_date"),
    ("far past the horizon", PROMISE, order(QUOTE, line("1", "B", 1, 10**6)), INVALID,
     "lines[0].requested_date"),
    ("not a date", PROMISE,
     order(COMMIT, pb.OrderLine(line_id="1", item_id="B", quantity=1,
                                requested_date={"year": 2026, "month": 13, "day": 1})),
     INVALID, "lines[0].requested_date"),
    ("no date", PROMISE, order(COMMIT, pb.OrderLine(line_id="1", item_id="B", quantity=1)),
     INVALID, "lines[0].requested_date"),
    ("no line id", PROMISE, order(COMMIT, line("", "B", 1)), INVALID, "lines[0].line_id"),
    ("no mode", PROMISE, order(0, line("1", "B", 1)), INVALID, "mode"),
    ("unknown mode", PROMISE, order(99, line("1", "B", 1)), INVALID, "mode"),
    ("hold without request id", PROMISE, order(HOLD, line("1", "B", 1), request_id=""), INVALID,
     "request_id"),
    ("commit without order id", PROMISE, order(COMMIT, line("1", "B", 1), order_id=""), INVALID,
     "order_id"),
    ("negative ttl", PROMISE, order(HOLD, line("1", "B", 1), ttl=-1), INVALID,
     "hold_ttl_seconds"),
    ("demand class of 2 MB", PROMISE,
     _with(order(COMMIT, line("1", "B", 1)), demand_class="G" * 2_000_000), INVALID,
     "demand_class"),
    ("customer id of 129 characters", PROMISE,
     _with(order(COMMIT, line("1", "B", 1)), customer_id="c" * 129), INVALID, "customer_id"),
    ("ttl beyond a week", PROMISE, order(HOLD, line("1", "B", 1), ttl=10**9), INVALID,
     "hold_ttl_seconds"),
    ("order id of 10k chars", PROMISE, order(COMMIT, line("1", "B", 1), order_id="o" * 10_000),
     INVALID, "order_id"),
    ("line id of 1 MB", PROMISE, order(COMMIT, line("x" * 2**20, "B", 1)), INVALID,
     "lines[0].line_id"),
    ("10,001 lines", PROMISE, order(QUOTE, *many(10_001)), INVALID, "lines"),
    ("10,000 bad lines", PROMISE, order(COMMIT, *many(10_000, item="")), INVALID,
     "lines[0].item_id"),
    ("200k lines", PROMISE, order(COMMIT, *many(200_000)), EXHAUSTED, None),
    ("100k unknown locations", AVAILABILITY,
     pb.CheckAvailabilityRequest(item_id="B", location_ids=[f"X{i}" for i in range(100_000)]),
     INVALID, "location_ids[0]"),
    ("confirm without ids", CONFIRM, pb.ConfirmHoldRequest(), INVALID, "request_id"),
    ("confirm unknown hold", CONFIRM, pb.ConfirmHoldRequest(request_id="c", hold_id="h"),
     NOT_FOUND, None),
    ("release with neither", RELEASE, pb.ReleaseReservationRequest(request_id="r"), INVALID,
     "order_id"),
    ("release 20k line ids", RELEASE,
     pb.ReleaseReservationRequest(request_id="r", order_id="o",
                                  line_ids=[str(i) for i in range(20_000)]),
     INVALID, "line_ids"),
    ("release unknown order", RELEASE, pb.ReleaseReservationRequest(request_id="r", order_id="o"),
     NOT_FOUND, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with Harness(tmp_path_factory.mktemp("hostile")) as harness:
        yield harness


def call(server: Harness, method: str, payload: bytes) -> grpc.RpcError | bytes:
    unary = server.channel.unary_unary(method)
    try:
        return unary(payload, timeout=30)
    except grpc.RpcError as error:
        return error


def assert_unharmed(server: Harness) -> None:
    """Still serving, and nothing reserved or journaled."""
    health = server.health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    quote = server.stub.PromiseOrder(order(QUOTE, line("1", "B", 1)), timeout=5)
    assert quote.lsn == 0 and quote.lines[0].status == pb.LINE_STATUS_ON_TIME
    assert server.reserved("B") == 0 and server.reserved("A") == 0


@pytest.mark.parametrize(
    ("method", "request_", "expected", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_request_gets_a_clear_error(server: Harness, method, request_, expected, field):
    """The bad request gets its status and field violation; the server is unharmed."""
    error = call(server, method, request_.SerializeToString())
    assert isinstance(error, grpc.RpcError), "a bad request was accepted"
    assert error.code() == expected, error.details()
    assert error.details()
    if field is not None:
        violations = field_violations(error)
        assert field in [f for f, _ in violations], violations
        assert len(violations) <= 21  # capped, so the error fits gRPC's trailers
    assert_unharmed(server)


@pytest.mark.parametrize("method", [PROMISE, AVAILABILITY, CONFIRM, RELEASE])
def test_random_bytes_never_unknown(server: Harness, method: str) -> None:
    """Random bytes are refused with a clear code (never UNKNOWN or INTERNAL)."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    for _ in range(40):
        payload = rng.randbytes(rng.randint(1, 4096))
        error = call(server, method, payload)
        # Bytes that happen to decode into a valid request may succeed; assert_unharmed then
        # proves they changed nothing.
        if isinstance(error, grpc.RpcError):
            assert error.code() in (INVALID, NOT_FOUND), f"seed {seed}: {error.code()}"
    assert_unharmed(server)


def test_random_bytes_on_the_stream(server: Harness) -> None:
    """Random bytes on StreamPromiseOrders end the stream INVALID_ARGUMENT, nothing else."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    stream = server.channel.stream_stream("/promising.v1.PromisingService/StreamPromiseOrders")
    for _ in range(10):
        payloads = [rng.randbytes(rng.randint(1, 2048)) for _ in range(3)]
        try:
            for response in stream(iter(payloads), timeout=30):
                decoded = pb.StreamPromiseOrdersResponse.FromString(response)
                for result in decoded.results:
                    assert result.WhichOneof("result") == "error", f"seed {seed}"
        except grpc.RpcError as error:
            assert error.code() == INVALID, f"seed {seed}: {error.code()}"
    assert_unharmed(server)


def test_dates_in_the_past_mean_as_soon_as_possible(server: Harness) -> None:
    """A requested date before as_of is not an error: it is promised from as_of on."""
    response = server.stub.PromiseOrder(order(QUOTE, line("1", "B", 1, -400)))
    assert response.lines[0].promised_date == date(0)
