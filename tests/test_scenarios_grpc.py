"""PlanningService over real gRPC (port 0): a scenario's changes reach its quotes and
profiles and nothing live; each change kind; refusals; time-to-live, count and memory
bounds; deletion; a live refresh leaves scenarios on the version they forked."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import grpc
import pytest
from refresh_data import FileServer, demand, supply, with_op, write_base, write_changes
from server_harness import COMMIT, HOLD, QUOTE, Clock, code_of, date, field_violations, line, order

from promising.rpc import ServerOptions
from promising.scenarios import ScenarioLimits
from promising.scenarios.registry import pinned_bytes
from promising.v1 import planning_service_pb2 as plan
from promising.v1 import planning_service_pb2_grpc as plan_grpc
from promising.v1 import promising_service_pb2 as pb

OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED

# A at L1: 10 on hand, a PO of 6 on day 5, 2 sold on day 3; B at L1: 4; C at L2: 8 on day 2.
BASE_SUPPLY = [
    supply("S1", "A", "L1", 0, 10),
    supply("S2", "A", "L1", 5, 6, "PURCHASE_ORDER"),
    supply("S3", "B", "L1", 0, 4),
    supply("S4", "C", "L2", 2, 8),
]
BASE_DEMAND = [demand("D1", "A", "L1", 3, 2)]
LIVE_SUPPLY = [10, 0, 0, 0, 0, 6, 0]
LIVE_DEMAND = [0, 0, 0, 2, 0, 0, 0]


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


def serve(tmp_path: Path, clock: Clock, limits: ScenarioLimits | None = None) -> FileServer:
    base = write_base(tmp_path / "snap-1", BASE_SUPPLY, BASE_DEMAND)
    options = ServerOptions(port=0, scenarios=limits or ScenarioLimits())
    return FileServer(base, tmp_path / "data", clock=clock, options=options)


@pytest.fixture
def server(tmp_path: Path, clock: Clock):
    with serve(tmp_path, clock) as fs:
        yield fs


def planning(fs: FileServer) -> plan_grpc.PlanningServiceStub:
    assert fs.channel is not None
    return plan_grpc.PlanningServiceStub(fs.channel)


# --- changes as the API spells them ------------------------------------------------------
def move(supply_id: str, n: int | None) -> plan.ScenarioChange:
    m = plan.MoveSupply(supply_id=supply_id)
    if n is not None:
        m.date.CopyFrom(date(n))
    return plan.ScenarioChange(move_supply=m)


def set_quantity(supply_id: str, quantity: int) -> plan.ScenarioChange:
    change = plan.SetSupplyQuantity(supply_id=supply_id, quantity=quantity)
    return plan.ScenarioChange(set_supply_quantity=change)


def remove(supply_id: str) -> plan.ScenarioChange:
    return plan.ScenarioChange(remove_supply=plan.RemoveSupply(supply_id=supply_id))


def add_supply(item: str, loc: str, n: int, quantity: int) -> plan.ScenarioChange:
    added = plan.AddSupply(item_id=item, location_id=loc, date=date(n), quantity=quantity)
    return plan.ScenarioChange(add_supply=added)


def add_demand(item: str, loc: str, n: int, quantity: int) -> plan.ScenarioChange:
    added = plan.AddDemand(item_id=item, location_id=loc, date=date(n), quantity=quantity)
    return plan.ScenarioChange(add_demand=added)


def create(fs: FileServer, *changes: plan.ScenarioChange, ttl: int = 0):
    request = plan.CreateScenarioRequest(changes=changes, ttl_seconds=ttl)
    return planning(fs).CreateScenario(request, timeout=10)


def columns(fs: FileServer, scenario_id: str = "", item: str = "A", loc: str = "L1") -> dict:
    """supply, demand, reserved per day (first 7 days) of one item-location, and the version."""
    request = pb.CheckAvailabilityRequest(
        item_id=item, location_ids=[loc], to_date=date(6), scenario_id=scenario_id
    )
    response = fs.stub.CheckAvailability(request, timeout=10)
    buckets = response.profiles[0].buckets
    return {
        "version": (response.snapshot_id, response.delta_sequence),
        "supply": [b.supply for b in buckets],
        "demand": [b.demand for b in buckets],
        "reserved": [b.reserved for b in buckets],
    }


def quote(fs: FileServer, quantity: int, n: int, scenario_id: str = "", **kw) -> pb.LinePromise:
    request = order(QUOTE, line("1", "A", quantity, n, ship_from_location_id="L1"))
    request.scenario_id = scenario_id
    for key, value in kw.items():
        setattr(request, key, value)
    return fs.stub.PromiseOrder(request, timeout=10)


# --- what a scenario sees ----------------------------------------------------------------
def test_a_scenario_sees_its_changes_and_live_does_not(server: FileServer) -> None:
    """The PO of 6 moved to day 1: the scenario quotes 14 on day 1 on time, live late on day 5;
    profiles alike; both name the live snapshot."""
    made = create(server, move("S2", 1))
    assert (made.snapshot_id, made.delta_sequence, made.lsn) == ("snap-1", 0, 0)
    on_scenario = quote(server, 14, 1, made.scenario_id, explain_supply=True)
    assert on_scenario.lines[0].status == pb.LINE_STATUS_ON_TIME
    assert on_scenario.snapshot_id == "snap-1"
    sources = on_scenario.lines[0].fulfillments[0].supplied_by
    assert sum(s.quantity for s in sources) == 14
    assert quote(server, 14, 1).lines[0].status == pb.LINE_STATUS_LATE
    assert columns(server, made.scenario_id)["supply"] == [10, 6, 0, 0, 0, 0, 0]
    assert columns(server)["supply"] == LIVE_SUPPLY


# (changes, supply of A at L1 days 0-6, demand of A at L1 days 0-6)
CHANGE_KINDS = [
    ([move("S2", 1)], [10, 6, 0, 0, 0, 0, 0], LIVE_DEMAND),
    ([move("S2", 40)], [10, 0, 0, 0, 0, 0, 0], LIVE_DEMAND),  # past the horizon: gone
    ([set_quantity("S1", 3)], [3, 0, 0, 0, 0, 6, 0], LIVE_DEMAND),
    ([set_quantity("S2", 0)], [10, 0, 0, 0, 0, 0, 0], LIVE_DEMAND),
    ([remove("S1")], [0, 0, 0, 0, 0, 6, 0], LIVE_DEMAND),
    ([add_supply("A", "L1", 2, 5)], [10, 0, 5, 0, 0, 6, 0], LIVE_DEMAND),
    ([add_demand("A", "L1", 4, 3)], LIVE_SUPPLY, [0, 0, 0, 2, 3, 0, 0]),
    ([move("S2", 1), set_quantity("S2", 9)], [10, 9, 0, 0, 0, 0, 0], LIVE_DEMAND),
    ([set_quantity("S2", 9), move("S2", 2), move("S2", 6)], [10, 0, 0, 0, 0, 0, 9], LIVE_DEMAND),
    ([move("S1", -3)], LIVE_SUPPLY, LIVE_DEMAND),  # past due counts on as_of
]


@pytest.mark.parametrize(("changes", "supply_", "demand_"), CHANGE_KINDS)
def test_each_change_kind(server: FileServer, changes, supply_, demand_) -> None:
    """Each change kind, and changes in order on one row, give the scenario's profile and
    leave live's as it was."""
    made = create(server, *changes)
    seen = columns(server, made.scenario_id)
    assert (seen["supply"], seen["demand"]) == (supply_, demand_)
    live = columns(server)
    assert (live["supply"], live["demand"]) == (LIVE_SUPPLY, LIVE_DEMAND)


def test_reservations_fork_with_the_scenario(server: FileServer) -> None:
    """A live commitment before the fork is in the scenario, one after it is not, and quotes
    on the scenario reserve nothing."""
    server.stub.PromiseOrder(order(COMMIT, line("1", "A", 3, 0, ship_from_location_id="L1")))
    made = create(server)
    assert made.lsn == 1
    server.stub.PromiseOrder(order(COMMIT, line("1", "A", 4, 0, ship_from_location_id="L1")))
    assert columns(server, made.scenario_id)["reserved"][0] == 3
    assert columns(server)["reserved"][0] == 7
    assert quote(server, 5, 0, made.scenario_id).lines[0].status == pb.LINE_STATUS_ON_TIME
    assert quote(server, 5, 0).lines[0].status != pb.LINE_STATUS_ON_TIME
    assert quote(server, 5, 0, made.scenario_id).lsn == 1
    assert columns(server)["reserved"][0] == 7


def test_live_commits_meanwhile_never_reach_a_scenario(server: FileServer) -> None:
    """While live commits take A at L1 one unit at a time, every quote and profile on a
    scenario made before answers exactly as at first."""
    made = create(server, add_supply("A", "L1", 1, 4))
    first = (quote(server, 18, 1, made.scenario_id).lines, columns(server, made.scenario_id))
    stop = threading.Event()

    def commit_all() -> None:
        for _ in range(20):
            server.stub.PromiseOrder(
                order(COMMIT, line("1", "A", 1, 0, ship_from_location_id="L1"))
            )
        stop.set()

    writer = threading.Thread(target=commit_all)
    writer.start()
    seen = 0
    while not stop.is_set() or seen == 0:
        again = (quote(server, 18, 1, made.scenario_id).lines, columns(server, made.scenario_id))
        assert again == first
        seen += 1
    writer.join()
    assert sum(columns(server)["reserved"]) == 14  # live: all of 10 + 6 − 2 taken


def test_streamed_quotes_on_a_scenario(server: FileServer) -> None:
    """StreamPromiseOrders quotes on a scenario too, and refuses a HOLD on one per order."""
    made = create(server, move("S2", 1))
    quoted = order(QUOTE, line("1", "A", 14, 1, ship_from_location_id="L1"))
    held = order(HOLD, line("1", "A", 1, 1, ship_from_location_id="L1"))
    for request in (quoted, held):
        request.scenario_id = made.scenario_id
    (response,) = server.stub.StreamPromiseOrders(
        iter([pb.StreamPromiseOrdersRequest(orders=[quoted, held])]), timeout=10
    )
    first, second = response.results
    assert first.response.lines[0].status == pb.LINE_STATUS_ON_TIME
    assert second.error.code == INVALID.value[0]


def test_a_refresh_leaves_scenarios_on_their_version(server: FileServer, tmp_path: Path) -> None:
    """After a live delta, a scenario still answers on (snap-1, 0); live on (snap-1, 1)."""
    made = create(server, remove("S1"))
    delta = with_op([supply("S1", "A", "L1", 0, 30)], "UPSERT")
    server.apply(write_changes(tmp_path / "d1", 1, delta))
    on_scenario = columns(server, made.scenario_id)
    assert on_scenario["version"] == ("snap-1", 0) and on_scenario["supply"][0] == 0
    assert columns(server)["version"] == ("snap-1", 1)
    assert quote(server, 1, 0, made.scenario_id).delta_sequence == 0
    again = create(server, remove("S1"))  # a new scenario forks the new version
    assert again.delta_sequence == 1


# --- refusals ------------------------------------------------------------------------------
def ask(*changes: plan.ScenarioChange, ttl: int = 0) -> plan.CreateScenarioRequest:
    return plan.CreateScenarioRequest(changes=changes, ttl_seconds=ttl)


# (request, field named in the violation)
REFUSED = [
    (ask(move("S9", 1)), "changes[0].move_supply.supply_id"),
    (ask(remove("")), "changes[0].remove_supply.supply_id"),
    (ask(move("S2", None)), "changes[0].move_supply.date"),
    (ask(set_quantity("S1", -1)), "changes[0].set_supply_quantity.quantity"),
    (ask(add_supply("A", "L1", 1, 1), remove("S9")), "changes[1].remove_supply.supply_id"),
    (ask(add_supply("Z", "L1", 1, 1)), "changes[0].add_supply.item_id"),
    (ask(add_supply("A", "L9", 1, 1)), "changes[0].add_supply.location_id"),
    (ask(add_supply("A", "L2", 1, 1)), "changes[0].add_supply.location_id"),  # no such row
    (ask(move("S1", 1), add_demand("A", "L2", 1, 1)), "changes[1].add_demand.location_id"),
    (ask(add_demand("A", "L1", 1, 0)), "changes[0].add_demand.quantity"),
    (ask(remove("S1"), move("S1", 2)), "changes[1].move_supply.supply_id"),
    (ask(plan.ScenarioChange()), "changes[0]"),
    (ask(ttl=-1), "ttl_seconds"),
    (ask(ttl=86_401), "ttl_seconds"),
]


@pytest.mark.parametrize(("request_", "field"), REFUSED)
def test_refused_scenarios(server: FileServer, request_, field: str) -> None:
    """A bad change or time-to-live is INVALID_ARGUMENT naming the field; nothing is kept."""
    with pytest.raises(grpc.RpcError) as caught:
        planning(server).CreateScenario(request_, timeout=10)
    assert caught.value.code() == INVALID
    assert field in [f for f, _ in field_violations(caught.value)]
    assert len(server.server.scenarios) == 0


def test_a_scenario_quotes_only(server: FileServer) -> None:
    """HOLD or COMMIT on a scenario is INVALID_ARGUMENT on `scenario_id`; nothing reserved."""
    made = create(server)
    for mode in (HOLD, COMMIT):
        request = order(mode, line("1", "A", 1, 0, ship_from_location_id="L1"))
        request.scenario_id = made.scenario_id
        with pytest.raises(grpc.RpcError) as caught:
            server.stub.PromiseOrder(request, timeout=10)
        assert caught.value.code() == INVALID
        assert "scenario_id" in [f for f, _ in field_violations(caught.value)]
    assert columns(server)["reserved"] == [0] * 7


def test_unknown_scenarios_are_not_found(server: FileServer) -> None:
    """Quotes, profiles and deletion naming no scenario are NOT_FOUND; an empty id to
    DeleteScenario is INVALID_ARGUMENT."""
    assert code_of(lambda: quote(server, 1, 0, "nope")) == NOT_FOUND
    assert code_of(lambda: columns(server, "nope")) == NOT_FOUND
    stub = planning(server)
    assert code_of(lambda: stub.DeleteScenario(plan.DeleteScenarioRequest(scenario_id="nope"))) \
        == NOT_FOUND  # fmt: skip
    assert code_of(lambda: stub.DeleteScenario(plan.DeleteScenarioRequest())) == INVALID


def test_delete(server: FileServer) -> None:
    """A deleted scenario answers NOT_FOUND; deleting it again too."""
    made = create(server, move("S2", 1))
    request = plan.DeleteScenarioRequest(scenario_id=made.scenario_id)
    assert planning(server).DeleteScenario(request).scenario_id == made.scenario_id
    assert code_of(lambda: quote(server, 1, 0, made.scenario_id)) == NOT_FOUND
    assert code_of(lambda: planning(server).DeleteScenario(request)) == NOT_FOUND


# --- time-to-live and bounds -------------------------------------------------------------
def test_scenarios_expire_on_the_server_clock(server: FileServer, clock: Clock) -> None:
    """A scenario answers until its ttl_seconds pass on the server clock, then NOT_FOUND;
    0 means the default of 900 seconds."""
    short = create(server, ttl=60)
    default = create(server)
    assert short.expire_time.seconds == int(clock.now) + 60
    assert default.expire_time.seconds == int(clock.now) + 900
    clock.now += 59
    assert code_of(lambda: quote(server, 1, 0, short.scenario_id)) == OK
    clock.now += 1
    assert code_of(lambda: quote(server, 1, 0, short.scenario_id)) == NOT_FOUND
    assert code_of(lambda: columns(server, default.scenario_id)) == OK
    clock.now += 900
    assert code_of(lambda: columns(server, default.scenario_id)) == NOT_FOUND


def test_the_sweep_drops_expired_scenarios(tmp_path: Path, clock: Clock) -> None:
    """Expired scenarios go on the periodic sweep, without any access."""
    with serve(tmp_path, clock, ScenarioLimits(sweep_seconds=0.02)) as fs:
        create(fs, ttl=10)
        assert len(fs.server.scenarios) == 1
        clock.now += 10
        deadline = time.monotonic() + 5
        while len(fs.server.scenarios._scenarios) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not fs.server.scenarios._scenarios


def test_count_bound(tmp_path: Path, clock: Clock) -> None:
    """Past the count bound CreateScenario is RESOURCE_EXHAUSTED; deleting or expiry makes
    room again."""
    with serve(tmp_path, clock, ScenarioLimits(count_max=2)) as fs:
        first = create(fs, ttl=10)
        create(fs, ttl=20)
        assert code_of(lambda: create(fs)) == EXHAUSTED
        planning(fs).DeleteScenario(plan.DeleteScenarioRequest(scenario_id=first.scenario_id))
        create(fs, ttl=30)
        assert code_of(lambda: create(fs)) == EXHAUSTED
        clock.now += 20  # the second one expires
        assert code_of(lambda: create(fs)) == OK


def test_memory_bound(tmp_path: Path, clock: Clock) -> None:
    """Past the bound on what scenarios hold apart from live, CreateScenario is
    RESOURCE_EXHAUSTED; a deletion frees room."""
    changes = [add_supply("A", "L1", n, 1) for n in range(5)]
    with serve(tmp_path, clock) as fs:
        size = create(fs, *changes).held_bytes
        assert size > 0
        fs.server.scenarios.clear()
        limits = fs.server.scenarios.limits
        fs.server.scenarios.limits = dataclasses.replace(limits, held_bytes_max=size * 3 // 2)
        made = create(fs, *changes)
        assert code_of(lambda: create(fs, *changes)) == EXHAUSTED
        planning(fs).DeleteScenario(plan.DeleteScenarioRequest(scenario_id=made.scenario_id))
        assert code_of(lambda: create(fs, *changes)) == OK


def test_scenarios_on_replaced_data_count_what_they_keep_alive(
    tmp_path: Path, clock: Clock
) -> None:
    """After a snapshot load, a scenario on the old data still answers on it and keeps its
    arrays alive; they count against the memory bound until it goes."""
    with serve(tmp_path, clock) as fs:
        assert fs.server is not None and fs.server.reservations is not None
        old = create(fs)
        fs.load(write_base(tmp_path / "snap-2", BASE_SUPPLY, BASE_DEMAND, snapshot_id="snap-2"))
        assert columns(fs, old.scenario_id)["version"] == ("snap-1", 0)
        registry = fs.server.scenarios
        old_engine = registry.get(old.scenario_id).engine
        pinned = pinned_bytes([old_engine], fs.server.reservations.engine)
        assert pinned > 0
        probe = create(fs)
        assert probe.snapshot_id == "snap-2"
        planning(fs).DeleteScenario(plan.DeleteScenarioRequest(scenario_id=probe.scenario_id))
        limit = old.held_bytes + probe.held_bytes + pinned - 1
        registry.limits = dataclasses.replace(registry.limits, held_bytes_max=limit)
        assert code_of(lambda: create(fs)) == EXHAUSTED
        planning(fs).DeleteScenario(plan.DeleteScenarioRequest(scenario_id=old.scenario_id))
        assert code_of(lambda: create(fs)) == OK


# --- discovery -----------------------------------------------------------------------------
def test_reflection_and_health_list_the_planning_service(server: FileServer) -> None:
    """Server reflection names PlanningService and serves its file; health reports it."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    stub = reflection_pb2_grpc.ServerReflectionStub(server.channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="promising.v1.PlanningService"
        ),
    ]
    listed, described = list(stub.ServerReflectionInfo(iter(requests)))
    names = {s.name for s in listed.list_services_response.service}
    assert "promising.v1.PlanningService" in names
    files = described.file_descriptor_response.file_descriptor_proto
    assert any(b"CreateScenario" in f for f in files)
    health = health_pb2_grpc.HealthStub(server.channel)
    check = health.Check(health_pb2.HealthCheckRequest(service="promising.v1.PlanningService"))
    assert check.status == health_pb2.HealthCheckResponse.SERVING


def test_live_data_without_ids(tmp_path: Path) -> None:
    """On a model built without files, supply added works and a change by id is refused as
    an unknown supply."""
    from server_harness import Harness

    with Harness(tmp_path) as harness:
        stub = plan_grpc.PlanningServiceStub(harness.channel)
        made = stub.CreateScenario(
            plan.CreateScenarioRequest(changes=[add_supply("A", "L1", 1, 5)]), timeout=10
        )
        request = order(QUOTE, line("1", "A", 15, 1), order_id="")
        request.scenario_id = made.scenario_id
        assert harness.stub.PromiseOrder(request).lines[0].status == pb.LINE_STATUS_ON_TIME
        with pytest.raises(grpc.RpcError) as caught:
            stub.CreateScenario(plan.CreateScenarioRequest(changes=[remove("S1")]), timeout=10)
        assert caught.value.code() == INVALID
        assert field_violations(caught.value) == [
            (
                "changes[0].remove_supply.supply_id",
                "unknown supply (the live data has no supply ids)",
            )
        ]
