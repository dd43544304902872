"""Allocation, CTP and suppliers over real gRPC: class promises, protection under concurrent
commits, CTP and supplier capacity kept across a restart."""

from __future__ import annotations

import threading
from pathlib import Path

from server_harness import COMMIT, QUOTE, Harness, day_of, line, order
from test_engine_capable import engine as capable_engine

from promising.v1 import promising_service_pb2 as pb


def classed(mode: int, demand_class: str, *lines: pb.OrderLine) -> pb.PromiseOrderRequest:
    request = order(mode, *lines)
    request.demand_class = demand_class
    return request


def test_class_promises_and_profile(tmp_path: Path) -> None:
    """GOLD is promised from its 20% (less its own demand); its profile shows the class ATP."""
    with Harness(tmp_path, engine=capable_engine) as server:
        stub = server.stub
        gold = stub.PromiseOrder(
            classed(COMMIT, "GOLD", line("1", "A", 150, ship_from_location_id="P"))
        )
        assert gold.lines[0].status == pb.LINE_STATUS_ON_TIME
        more = stub.PromiseOrder(
            classed(QUOTE, "GOLD", line("1", "A", 1, ship_from_location_id="P"))
        )
        assert more.lines[0].status == pb.LINE_STATUS_UNAVAILABLE
        silver = stub.PromiseOrder(
            classed(QUOTE, "SILVER", line("1", "A", 800, ship_from_location_id="P"))
        )
        assert silver.lines[0].status == pb.LINE_STATUS_ON_TIME
        request = pb.CheckAvailabilityRequest(
            item_id="A", location_ids=["P"], demand_class="SILVER"
        )
        (profile,) = stub.CheckAvailability(request).profiles
        assert profile.buckets[0].atp == 800


def test_lower_class_cannot_take_protected_units_under_concurrency(tmp_path: Path) -> None:
    """Eight clients commit SILVER lines at once until SILVER is exhausted; GOLD's 150 stay."""
    with Harness(tmp_path, engine=capable_engine) as server:
        stub = server.stub
        statuses: list[int] = []
        lock = threading.Lock()

        def client() -> None:
            for _ in range(30):
                reply = stub.PromiseOrder(
                    classed(COMMIT, "SILVER", line("1", "A", 7, ship_from_location_id="P"))
                )
                with lock:
                    statuses.append(reply.reservation)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        committed = statuses.count(pb.RESERVATION_STATE_COMMITTED)
        assert committed == 800 // 7  # SILVER's 800, never one order more
        gold = stub.PromiseOrder(
            classed(QUOTE, "GOLD", line("1", "A", 150, ship_from_location_id="P"))
        )
        assert gold.lines[0].status == pb.LINE_STATUS_ON_TIME


def test_ctp_and_supplier_capacity_survive_restart(tmp_path: Path) -> None:
    """CTP and supplier promises report their source; what they hold is replayed on restart."""
    with Harness(tmp_path, engine=capable_engine) as server:
        made = server.stub.PromiseOrder(order(COMMIT, line("1", "B", 8, ship_from_location_id="P")))
        (fulfilment,) = made.lines[0].fulfillments
        assert fulfilment.source_type == pb.SOURCE_TYPE_CTP
        assert day_of(made.lines[0].promised_date) == 2
        bought = server.stub.PromiseOrder(
            order(COMMIT, line("1", "D", 4, ship_from_location_id="P"))
        )
        assert bought.lines[0].fulfillments[0].source_type == pb.SOURCE_TYPE_SUPPLIER
        assert bought.lines[0].fulfillments[0].location_id == "SUP"
        before_c = server.stub.PromiseOrder(
            order(QUOTE, line("1", "C", 4, ship_from_location_id="P"))
        )
        before_d = server.stub.PromiseOrder(
            order(QUOTE, line("1", "D", 4, ship_from_location_id="P"))
        )
        server.restart()
        after_c = server.stub.PromiseOrder(
            order(QUOTE, line("1", "C", 4, ship_from_location_id="P"))
        )
        after_d = server.stub.PromiseOrder(
            order(QUOTE, line("1", "D", 4, ship_from_location_id="P"))
        )
        assert (
            day_of(after_c.lines[0].promised_date) == day_of(before_c.lines[0].promised_date) == 3
        )
        assert (
            day_of(after_d.lines[0].promised_date) == day_of(before_d.lines[0].promised_date) == 6
        )


def test_explain_supply_over_grpc(tmp_path: Path) -> None:
    """With explain_supply, each ATP fulfilment lists the supplies covering it (FIFO after
    earlier demand); off by default; also on a COMMIT's answer."""
    with Harness(tmp_path, engine=capable_engine) as server:
        request = order(QUOTE, line("1", "A", 940, 3, ship_from_location_id="P"))
        request.explain_supply = True
        reply = server.stub.PromiseOrder(request)
        (fulfilment,) = reply.lines[0].fulfillments
        assert fulfilment.source_type == pb.SOURCE_TYPE_ATP
        sources = [(s.supply_type, day_of(s.date), s.quantity) for s in fulfilment.supplied_by]
        assert sources == [("ONHAND", 0, 940)]
        plain = server.stub.PromiseOrder(
            order(QUOTE, line("1", "A", 5, 0, ship_from_location_id="P"))
        )
        assert not plain.lines[0].fulfillments[0].supplied_by
        committed = order(COMMIT, line("1", "A", 5, 0, ship_from_location_id="P"))
        committed.explain_supply = True
        reply = server.stub.PromiseOrder(committed)
        (source,) = reply.lines[0].fulfillments[0].supplied_by
        assert (source.supply_type, source.quantity) == ("ONHAND", 5)
