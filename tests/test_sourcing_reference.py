"""Sourcing against brute force: on small random orders (≤ 4 lines, ≤ 4 candidates, splits,
partials, ship sets, substitutes, calendars, prices; a bounded number of assignments) the
engine's choice is valid and its objective equals the best that enumerating every assignment
finds."""

from __future__ import annotations

import math
from dataclasses import astuple

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
from naive import SourcingWorld, best_sourcing, line_options, sourcing_objective
from sizes import SOAK, examples

from promising.domain import Decision
from promising.promise import LineRequest

ITEMS = ("A", "B", "C")
LOCATIONS = ("L1", "L2", "L3")
REGION = "R"
COSTS = (0.0, 0.25, 1.0, 2.5)
CANDIDATES_MAX = 4
"""Most sources (item, location) a line may have: brute force grows as their power."""
ASSIGNMENTS_MAX = 10_000_000 if SOAK else 100_000
"""Most assignments (the product of the lines' plans) an order may have: brute force pays up
to some 10 µs an assignment, and unbounded, one run of this test took over ten minutes. The
bound keeps 9 drawn orders in 10 in `make test` (4-line orders among them), 999 in 1,000 in
`make soak`."""


@st.composite
def cases(draw: st.DrawFn) -> tuple[SourcingWorld, Snapshot, list[dict], list[LineRequest]]:
    """A world, the same world as a snapshot, and an order (as dicts and as requests)."""
    horizon = draw(st.integers(3, 5))
    day = st.integers(0, horizon - 1)
    supply, demand = [], []
    for item in ITEMS:
        for location in LOCATIONS:
            events = st.lists(st.tuples(day, st.integers(1, 3)), min_size=1, max_size=2)
            for when, quantity in draw(events):
                supply.append(Event(item, location, when, quantity))
            if draw(st.booleans()) and draw(st.booleans()):
                demand.append(Event(item, location, draw(day), draw(st.integers(1, 3)), SO))
    closed = {loc: draw(st.sets(day, max_size=2)) for loc in LOCATIONS if draw(st.booleans())}
    rule = st.tuples(st.integers(1, 3), st.integers(0, 2), st.sampled_from(COSTS))
    anywhere = draw(st.lists(st.sampled_from(LOCATIONS), min_size=1, max_size=3, unique=True))
    rules = [("*", REGION, loc, *draw(rule)) for loc in anywhere]
    if draw(st.booleans()):
        rules.append((draw(st.sampled_from(ITEMS)), REGION, draw(st.sampled_from(LOCATIONS)),
                      *draw(rule)))  # fmt: skip
    substitutes = draw(st.sampled_from(([], [("A", "B", 1)], [("A", "B", 2), ("A", "C", 1)])))
    unit_cost = {item: draw(st.sampled_from(COSTS)) for item in ITEMS}
    price = {item: draw(st.sampled_from((0.0, 3.0, 5.0))) for item in ITEMS}

    world = SourcingWorld(horizon, {}, closed, rules, substitutes, unit_cost, price)
    lines, requests = [], []
    for n in range(draw(st.integers(1, 4))):
        line = draw_line(draw, ITEMS, LOCATIONS, horizon, 4, ("", "", "S", "T"))
        if len(world.sources(line, REGION)) > CANDIDATES_MAX:
            line["substitutes"] = False
        lines.append(line)
        requests.append(request_of(n, line))

    net: dict[tuple[str, str], list[int]] = {}
    for events, sign in ((supply, 1), (demand, -1)):
        for e in events:
            net.setdefault((e.item_id, e.location_id), [0] * horizon)[e.day] += sign * e.quantity
    world.net = net
    assume(math.prod(len(plans) for plans in line_options(world, lines, REGION)) <= ASSIGNMENTS_MAX)
    calendars = {f"C-{loc}": sorted(days) for loc, days in closed.items()}
    snapshot = Snapshot(
        items=[Item(i, unit_cost=unit_cost[i], unit_price=price[i]) for i in ITEMS],
        locations=list(LOCATIONS),
        supply=supply,
        demand=demand,
        horizon_days=horizon,
        sourcing=[SourcingRule(*r) for r in rules],
        substitutes=[Substitute(*s) for s in substitutes],
        closed_days=calendars,
        location_calendars={loc: f"C-{loc}" for loc in closed},
    )
    return world, snapshot, lines, requests


def _plans(world: SourcingWorld, lines: list[dict], promise) -> list[tuple]:
    """The engine's fulfilments as the reference's plans: (source index, units, day)."""
    plans = []
    for line, answer in zip(lines, promise.lines, strict=True):
        sources = [s[:2] for s in world.sources(line, REGION)]
        plans.append(
            tuple(
                (sources.index((f.item_id, f.location_id)), f.quantity, (f.ship_date - AS_OF).days)
                for f in answer.fulfillments
            )
        )
    return plans


@settings(
    max_examples=examples(300, test=100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases())
def test_engine_objective_equals_brute_force_optimum(case) -> None:
    """The engine's choice is valid and as good as the best of every assignment."""
    world, snapshot, lines, requests = case
    promise = snapshot.engine().promise_order(requests, ship_to_region=REGION)
    if promise.decision is Decision.LOCATION:  # every line names its location: no sourcing
        assert all(r.location_id and r == LineRequest(*astuple(r)[:5]) for r in requests)
        return
    assert promise.decision in (Decision.GREEDY, Decision.SOLVER)
    engine_value = sourcing_objective(world, lines, REGION, _plans(world, lines, promise))
    assert engine_value is not None, "the engine's choice breaks a rule"
    assert engine_value == best_sourcing(world, lines, REGION)


@pytest.mark.slow
@settings(max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_engine_objective_equals_brute_force_optimum_soak(case) -> None:
    """The same property on 5,000 orders (make soak)."""
    test_engine_objective_equals_brute_force_optimum.hypothesis.inner_test(case)
