"""The whole pipeline against brute force: on small random orders mixing demand classes,
regions, splits, partials, ship sets, substitutes, making (CTP) and a supplier, the engine's
choice is valid and its objective equals the best that enumerating every assignment finds
(tests/naive.py `best_composed`, with class pools, supplier capacity and make plans)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from factories import (
    AS_OF,
    SO,
    Event,
    Item,
    Snapshot,
    SourcingRule,
    Substitute,
    draw_line,
    request_of,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from naive import (
    ComposedWorld,
    CtpWorld,
    best_composed,
    composed_make_days,
    composed_objective,
    composed_options,
)
from sizes import SOAK, examples

from promising.allocation import AllocationRules, ClassRule
from promising.domain import Decision
from promising.engine import Engine
from promising.manufacturing import MILLI, Component, Manufacturing, Operation, Supplier
from promising.model import build_model

ORDERED = ("A", "B", "M", "D")
"""A: allocated GOLD / SILVER; B: A's substitute; M: made at P from C; D: bought from SUP."""
ITEMS = (*ORDERED, "C")
STOCKED = ("L1", "L2", "P")
LOCATIONS = (*STOCKED, "SUP")
REGION = "R"
COSTS = (0.0, 0.5, 1.0, 2.5)
SOURCES_MAX = 4
"""Most sources a line may have: brute force grows as their power."""
ASSIGNMENTS_MAX = 10_000_000 if SOAK else 100_000
"""Most assignments brute force enumerates for one order (an order past it is skipped)."""


@st.composite
def cases(draw: st.DrawFn):
    """A world, the same world as an engine, the order as dicts and as requests, its class."""
    horizon = draw(st.integers(3, 5))
    day = st.integers(0, horizon - 1)
    supply: dict[tuple[str, str], list[int]] = {}
    demand: dict[tuple[str, str], list[int]] = {}
    supply_events, demand_events = [], []
    for item in ORDERED:
        for location in STOCKED:
            if draw(st.integers(0, 3)) == 0:
                continue  # no row here
            row = supply.setdefault((item, location), [0] * horizon)
            for when, quantity in draw(st.lists(st.tuples(day, st.integers(1, 4)), max_size=2)):
                row[when] += quantity
                supply_events.append(Event(item, location, when, quantity))
            if draw(st.integers(0, 3)) == 0:
                when, quantity = draw(day), draw(st.integers(1, 2))
                demand.setdefault((item, location), [0] * horizon)[when] += quantity
                demand_events.append(Event(item, location, when, quantity, SO))
            if not any(row) and (item, location) not in demand:
                supply_events.append(Event(item, location, 0, 1))
                row[0] += 1
    c_supply = [0] * horizon
    for when, quantity in draw(st.lists(st.tuples(day, st.integers(1, 6)), min_size=1, max_size=2)):
        c_supply[when] += quantity
        supply_events.append(Event("C", "P", when, quantity))
    closed = {loc: draw(st.sets(day, max_size=2)) for loc in STOCKED if draw(st.booleans())}
    rule = st.tuples(st.integers(1, 3), st.integers(0, 2), st.sampled_from(COSTS))
    anywhere = draw(st.lists(st.sampled_from(STOCKED), min_size=1, max_size=3, unique=True))
    rules = [("*", REGION, loc, *draw(rule)) for loc in anywhere]
    substitutes = draw(st.sampled_from(([], [("A", "B", 1)])))
    unit_cost = {item: draw(st.sampled_from(COSTS)) for item in ITEMS}
    price = {item: draw(st.sampled_from((0.0, 3.0))) for item in ITEMS}
    gold_bp = draw(st.sampled_from((3000, 5000, 7000)))
    can_lower = [draw(st.booleans()), False]
    allocation = {"A": (["GOLD", "SILVER"], [gold_bp, 10000 - gold_bp], can_lower)}
    lead, capacity_per_day = draw(st.integers(0, 2)), draw(st.integers(1, 2))
    supplier_cost = draw(st.sampled_from(COSTS))
    suppliers = {"D": [("SUP", lead, capacity_per_day, supplier_cost)]}
    line_capacity, make_lead = draw(st.integers(1, 3)), draw(st.integers(0, 1))
    plant = CtpWorld(
        supply={"C": c_supply},
        demand={"C": [0] * horizon},
        components={"M": [("C", 1)]},
        routings={"M": [("LINE", 1)]},
        capacity={"LINE": [line_capacity] * horizon},
        lead={"M": make_lead},
        horizon=horizon,
    )
    demand_class = draw(st.sampled_from(("", "GOLD", "SILVER")))
    world = ComposedWorld(
        horizon, supply, demand, closed, rules, substitutes, unit_cost, price, allocation,
        suppliers, ("M", "P", plant), demand_class,
    )  # fmt: skip

    lines, requests = [], []
    for n in range(draw(st.integers(1, 3))):
        line = draw_line(draw, ORDERED, STOCKED, horizon, 3, ("", "", "S"))
        if len(world.sources(line, REGION)) > SOURCES_MAX:
            line["substitutes"] = False
        if not world.sources(line, REGION) and line["location"] is None:
            line["location"] = "L1"  # the engine refuses a line nothing can fill
        lines.append(line)
        requests.append(request_of(n, line))

    options = composed_options(world, lines, REGION)
    assume(math.prod(len(plans) for plans in options) <= ASSIGNMENTS_MAX)
    snapshot = Snapshot(
        items=[Item(i, unit_cost=unit_cost[i], unit_price=price[i]) for i in ITEMS],
        locations=list(LOCATIONS),
        supply=supply_events,
        demand=demand_events,
        horizon_days=horizon,
        sourcing=[SourcingRule(*r) for r in rules],
        substitutes=[Substitute(*s) for s in substitutes],
        closed_days={f"C-{loc}": sorted(days) for loc, days in closed.items()},
        location_calendars={loc: f"C-{loc}" for loc in closed},
    )
    engine = _engine(snapshot, gold_bp, can_lower[0], lead, capacity_per_day, supplier_cost,
                     line_capacity, make_lead)  # fmt: skip
    return world, engine, lines, requests, demand_class


def _engine(snapshot, gold_bp, gold_lower, lead, capacity_per_day, supplier_cost,
            line_capacity, make_lead) -> Engine:  # fmt: skip
    data = dataclasses.replace(snapshot.data(), demand_classes=("GOLD", "SILVER"))
    make_lead_days = np.zeros(len(ITEMS), dtype=np.int32)
    make_lead_days[ITEMS.index("M")] = make_lead
    data = dataclasses.replace(
        data, items=dataclasses.replace(data.items, make_lead_time_days=make_lead_days)
    )
    model = build_model(data)
    item, location = ITEMS.index, LOCATIONS.index
    rules = (
        ClassRule("GOLD", gold_bp, 0, 1, gold_lower),
        ClassRule("SILVER", 10000 - gold_bp, 0, 2, False),
    )
    manufacturing = Manufacturing(
        components={(item("M"), location("P")): (Component(item("C"), 1),)},
        routings={(item("M"), location("P")): (Operation(0, MILLI),)},
        resource_ids=("LINE",),
        capacity_milli=np.full((1, model.horizon_days), line_capacity * MILLI, dtype=np.int64),
    )
    supplier = Supplier(location("SUP"), lead, capacity_per_day, supplier_cost)
    return Engine(
        dataclasses.replace(
            model,
            allocation=AllocationRules(by_item={item("A"): rules}),
            manufacturing=manufacturing,
            suppliers={item("D"): (supplier,)},
        )
    )


def _plans(world: ComposedWorld, lines: list[dict], promise) -> list[tuple]:
    """The engine's fulfilments as the reference's plans: (source index, units, day)."""
    plans = []
    for line, answer in zip(lines, promise.lines, strict=True):
        keys = [(s[0], s[1], s[5]) for s in world.sources(line, REGION)]
        shipped = []
        for f in answer.fulfillments:
            k = keys.index((f.item_id, f.location_id, str(f.source_type)))
            shipped.append((k, f.quantity, (f.ship_date - AS_OF).days))
        plans.append(tuple(shipped))
    return plans


def _check(case) -> None:
    world, engine, lines, requests, demand_class = case
    promise = engine.promise_order(requests, demand_class, REGION)
    assert promise.decision in (Decision.LOCATION, Decision.GREEDY, Decision.SOLVER)
    make_days = composed_make_days(world, lines, REGION)
    plans = _plans(world, lines, promise)
    engine_value = composed_objective(world, lines, REGION, plans, make_days)
    assert engine_value is not None, "the engine's choice breaks a rule"
    if promise.decision is Decision.LOCATION:
        # Lines at their named (or only) location are promised in order, each the best it
        # can be given the lines before it: valid, and optimal for one line.
        if len(lines) == 1:
            assert engine_value == best_composed(world, lines, REGION)
        return
    assert engine_value == best_composed(world, lines, REGION)


@settings(
    max_examples=examples(600, test=120),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases())
def test_pipeline_objective_equals_brute_force_optimum(case) -> None:
    """The engine's choice is valid and as good as the best of every assignment."""
    _check(case)


@pytest.mark.slow
@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_pipeline_objective_equals_brute_force_optimum_soak(case) -> None:
    """The same property on 3,000 orders (make soak)."""
    _check(case)
