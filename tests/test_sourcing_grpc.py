"""Sourcing over real gRPC: ship_to_region and line flags in, fulfilments with ship and
arrival dates and the decision path out; a sourced order held and committed as one unit,
also across a restart; a stream of sourced quotes; refused fields."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from factories import Event, Item, Snapshot, SourcingRule, Substitute
from server_harness import (
    COMMIT,
    HOLD,
    QUOTE,
    Harness,
    day_of,
    field_violations,
    line,
    order,
)

from promising.engine import Engine
from promising.v1 import promising_service_pb2 as pb


def sourcing_engine() -> Engine:
    """A at W1 (5, transit 1) and W2 (5, transit 2); B only at W2; S substitutes A."""
    return Snapshot(
        items=[Item("A", unit_cost=1.0), Item("B"), Item("S")],
        locations=["W1", "W2"],
        supply=[
            Event("A", "W1", 0, 5),
            Event("A", "W2", 0, 5),
            Event("B", "W2", 0, 5),
            Event("S", "W1", 0, 9),
        ],
        sourcing=[
            SourcingRule("*", "EU", "W1", rank=1, transit_days=1, ship_cost=0.5),
            SourcingRule("*", "EU", "W2", rank=2, transit_days=2, ship_cost=0.25),
        ],
        substitutes=[Substitute("A", "S", 1)],
        horizon_days=30,
        snapshot_id="snap-sourcing",
    ).engine()


def sourced(mode: int, *lines: pb.OrderLine, **kw) -> pb.PromiseOrderRequest:
    request = order(mode, *lines, **kw)
    request.ship_to_region = "EU"
    return request


@pytest.fixture
def server(tmp_path: Path):
    with Harness(tmp_path, engine=sourcing_engine) as harness:
        yield harness


def _shipments(answer: pb.LinePromise) -> list[tuple]:
    return [
        (f.item_id, f.location_id, f.quantity, day_of(f.ship_date), day_of(f.arrival_date))
        for f in answer.fulfillments
    ]


def test_quote_sources_one_line_by_kernel(server: Harness) -> None:
    """A one-line quote with a region ships from the cheapest on-time candidate (GREEDY)."""
    response = server.stub.PromiseOrder(sourced(QUOTE, line("1", "A", 4, 5)), timeout=5)
    assert response.decision == pb.DECISION_PATH_GREEDY
    answer = response.lines[0]
    assert answer.status == pb.LINE_STATUS_ON_TIME
    assert _shipments(answer) == [("A", "W2", 4, 3, 5)]
    assert answer.fulfillments[0].cost == pytest.approx(4 * 1.25)


def test_split_and_ship_set_go_to_the_solver(server: Harness) -> None:
    """Splits and ship sets are chosen by CP-SAT and reported as such."""
    request = sourced(
        QUOTE,
        line("1", "A", 8, 5, allow_split=True),
        line("2", "B", 2, 5, ship_set_id="S"),
        line("3", "A", 1, 5, ship_set_id="S"),
    )
    response = server.stub.PromiseOrder(request, timeout=5)
    assert response.decision == pb.DECISION_PATH_SOLVER
    split, b, a = response.lines
    assert sum(f.quantity for f in split.fulfillments) == 8
    assert {f.location_id for f in b.fulfillments} == {f.location_id for f in a.fulfillments}
    assert [day_of(f.ship_date) for f in (*b.fulfillments, *a.fulfillments)] == [3, 3]


def test_substitutes_only_when_the_line_allows(server: Harness) -> None:
    """A line for more A than there is ships S only with allow_substitutes."""
    plain = server.stub.PromiseOrder(sourced(QUOTE, line("1", "A", 9, 5)), timeout=5)
    assert plain.lines[0].status == pb.LINE_STATUS_UNAVAILABLE
    request = sourced(QUOTE, line("1", "A", 9, 5, allow_substitutes=True))
    allowed = server.stub.PromiseOrder(request, timeout=5).lines[0]
    assert allowed.status == pb.LINE_STATUS_ON_TIME
    assert [f.item_id for f in allowed.fulfillments] == ["S"]


def test_hold_and_commit_reserve_every_fulfilment(server: Harness) -> None:
    """A split hold reserves at both locations; its commit survives a restart."""
    request = sourced(HOLD, line("1", "A", 8, 5, allow_split=True), order_id="SO-1")
    held = server.stub.PromiseOrder(request, timeout=5)
    assert held.reservation == pb.RESERVATION_STATE_HELD
    assert server.reserved("A", "W1") + server.reserved("A", "W2") == 8
    again = server.stub.PromiseOrder(request, timeout=5)  # the same request id
    assert again == held
    release = pb.ReleaseReservationRequest(request_id="r", hold_id=held.hold_id)
    server.stub.ReleaseReservation(release, timeout=5)
    assert server.reserved("A") == 0
    commit = sourced(COMMIT, line("1", "A", 8, 5, allow_split=True), order_id="SO-2")
    assert server.stub.PromiseOrder(commit, timeout=5).reservation == (
        pb.RESERVATION_STATE_COMMITTED
    )
    server.restart()
    assert server.reserved("A", "W1") + server.reserved("A", "W2") == 8
    short = server.stub.PromiseOrder(sourced(QUOTE, line("1", "A", 3, 5)), timeout=5)
    assert short.lines[0].status == pb.LINE_STATUS_UNAVAILABLE


def test_stream_of_sourced_quotes(server: Harness) -> None:
    """StreamPromiseOrders answers sourced orders like PromiseOrder does."""
    message = pb.StreamPromiseOrdersRequest(
        orders=[sourced(QUOTE, line("1", "A", n, 5)) for n in (1, 2, 3)]
    )
    (response,) = list(server.stub.StreamPromiseOrders(iter([message]), timeout=5))
    for result in response.results:
        assert result.response.decision == pb.DECISION_PATH_GREEDY
        assert result.response.lines[0].status == pb.LINE_STATUS_ON_TIME


def test_without_region_the_located_path_stays(server: Harness) -> None:
    """A named location and no region: promised in order, as before sourcing."""
    request = order(QUOTE, line("1", "A", 4, 5, ship_from_location_id="W1"))
    response = server.stub.PromiseOrder(request, timeout=5)
    assert response.decision == pb.DECISION_PATH_LOCATION
    assert _shipments(response.lines[0]) == [("A", "W1", 4, 5, 5)]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (sourced(QUOTE, line("1", "A", 1, 5, ship_set_id="x" * 129)), "lines[0].ship_set_id"),
        (
            pb.PromiseOrderRequest(
                mode=QUOTE, ship_to_region="y" * 129, lines=[line("1", "A", 1, 5)]
            ),
            "ship_to_region",
        ),
        (
            sourced(QUOTE, line("1", "B", 1, 5, allow_split=True, ship_from_location_id="W9")),
            "lines[0].ship_from_location_id",
        ),
    ],
)
def test_refused_fields(server: Harness, request_: pb.PromiseOrderRequest, field: str) -> None:
    """Bad sourcing fields are INVALID_ARGUMENT naming the field."""
    with pytest.raises(grpc.RpcError) as refused:
        server.stub.PromiseOrder(request_, timeout=5)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [f for f, _ in field_violations(refused.value)]
