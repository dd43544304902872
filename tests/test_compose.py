"""Every way of filling a line composes: a demand class is protected on every path (named
location, region, split, partial, ship set, substitutes, a made parent, committed
reservations); calendars and transit apply to a named location; and one order may combine a
class, a region, a split, a partial, a ship set, a substitute, a make plan and a supplier."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from factories import AS_OF, Event, Item, Snapshot, SourcingRule, Substitute

from promising.allocation import AllocationRules, ClassRule
from promising.domain import Decision, LineStatus, SourceType
from promising.engine import Engine
from promising.fork import SupplyChange, fork
from promising.manufacturing import MILLI, Component, Manufacturing, Operation, Supplier
from promising.model import build_model
from promising.promise import LineRequest

ON_TIME, LATE = LineStatus.ON_TIME, LineStatus.LATE
PARTIAL, UNAVAILABLE = LineStatus.PARTIAL, LineStatus.UNAVAILABLE
CLASSES = ("GOLD", "SILVER")
HALVES = (ClassRule("GOLD", 5000, 0, 1, False), ClassRule("SILVER", 5000, 0, 2, False))
WEEKEND = [d for d in range(40) if (AS_OF + dt.timedelta(days=d)).weekday() >= 5]
"""AS_OF is a Monday: days 5, 6, 12, 13 … are Saturdays and Sundays."""


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def line(item: str, quantity: int, requested: int, n: str = "1", **flags) -> LineRequest:
    return LineRequest(n, item, quantity, day(requested), **flags)


ITEMS = ["G", "X", "Y", "S1", "S2", "A", "B", "M", "C", "D"]
LOCATIONS = ["W1", "W2", "P", "SUP"]


def world(classed: tuple[str, ...] = ("G", "M")) -> Engine:
    """G (100 at W1; GOLD and SILVER half each), X split over W1 and W2, Y short, S1 and S2
    together only at W2, A substituted by B, M made at plant P from C on LINE (200 a day,
    make lead time 1; 100 of M at P, halved between the classes too), D bought from SUP
    (lead time 3, 5 a day). Region R: W1 (transit 1, 1.0 a unit), W2 (transit 2, 0.5), P
    (transit 1, free); W1 works Monday to Friday."""
    snap = Snapshot(
        items=[Item(i, unit_cost=1.0) for i in ITEMS],
        locations=LOCATIONS,
        supply=[
            Event("G", "W1", 0, 100),
            Event("X", "W1", 0, 30),
            Event("X", "W2", 0, 30),
            Event("Y", "W1", 0, 10),
            Event("S1", "W1", 0, 5),
            Event("S1", "W2", 0, 5),
            Event("S2", "W2", 0, 5),
            Event("B", "W1", 0, 20),
            Event("M", "P", 0, 100),
            Event("C", "P", 0, 1000),
        ],
        sourcing=[
            SourcingRule("*", "R", "W1", 1, transit_days=1, ship_cost=1.0),
            SourcingRule("*", "R", "W2", 2, transit_days=2, ship_cost=0.5),
            SourcingRule("*", "R", "P", 3, transit_days=1),
        ],
        substitutes=[Substitute("A", "B")],
        closed_days={"MON-FRI": WEEKEND},
        location_calendars={"W1": "MON-FRI"},
        horizon_days=40,
    )
    data = dataclasses.replace(snap.data(), demand_classes=CLASSES)
    lead = np.zeros(len(ITEMS), dtype=np.int32)
    lead[ITEMS.index("M")] = 1
    data = dataclasses.replace(
        data, items=dataclasses.replace(data.items, make_lead_time_days=lead)
    )
    model = build_model(data)
    m, c, p = ITEMS.index("M"), ITEMS.index("C"), LOCATIONS.index("P")
    manufacturing = Manufacturing(
        components={(m, p): (Component(c, 1),)},
        routings={(m, p): (Operation(0, MILLI),)},
        resource_ids=("LINE",),
        capacity_milli=np.full((1, 40), 200 * MILLI, dtype=np.int64),
    )
    suppliers = {ITEMS.index("D"): (Supplier(LOCATIONS.index("SUP"), 3, 5, 2.0),)}
    allocation = AllocationRules(by_item={ITEMS.index(i): HALVES for i in classed})
    model = dataclasses.replace(
        model, allocation=allocation, manufacturing=manufacturing, suppliers=suppliers
    )
    return Engine(model)


def ship_days(answer) -> list[tuple[str, str, int, int, int]]:
    """(location, source type, units, ship day, arrival day) of each fulfilment."""
    return [
        (f.location_id, str(f.source_type), f.quantity, (f.ship_date - AS_OF).days,
         (f.arrival_date - AS_OF).days)
        for f in answer.fulfillments
    ]  # fmt: skip


def atp_units(answer) -> int:
    return sum(f.quantity for f in answer.fulfillments if f.source_type is SourceType.ATP)


# --- class protection on every path ---------------------------------------------------------
# (how the SILVER line for 60 of G asks, the lines of the order)
PATHS = {
    "location": ([line("G", 60, 10, location_id="W1")], None),
    "region": ([line("G", 60, 10)], "R"),
    "location and region": ([line("G", 60, 10, location_id="W1")], "R"),
    "split": ([line("G", 60, 10, allow_split=True)], "R"),
    "partial": ([line("G", 60, 10, allow_partial=True)], "R"),
    "split and partial": ([line("G", 60, 10, allow_split=True, allow_partial=True)], "R"),
    "ship set": (
        [line("G", 60, 10, ship_set_id="S"), line("Y", 1, 10, "2", ship_set_id="S")],
        "R",
    ),
    "substitutes": ([line("G", 60, 10, allow_substitutes=True)], "R"),
    "two lines": ([line("G", 30, 10), line("G", 30, 10, "2")], "R"),
}


@pytest.mark.parametrize("path", PATHS)
def test_a_class_never_takes_a_higher_class_pool(path: str) -> None:
    """SILVER gets at most its 50 of G's 100, however the order asks; GOLD's 50 stay."""
    eng = world()
    lines, region = PATHS[path]
    promise = eng.promise_order(lines, "SILVER", region)
    g_lines = [ln for ln in promise.lines if ln.item_id == "G"]
    assert sum(atp_units(ln) for ln in g_lines) <= 50
    assert all(ln.status is not ON_TIME for ln in g_lines) or path == "two lines"
    if promise.all_available:
        eng.reserve(promise, [f"o/{ln.line_id}" for ln in promise.lines])
    gold = eng.promise_order([line("G", 50, 10)], "GOLD", "R").lines[0]
    assert gold.status is ON_TIME


@pytest.mark.parametrize("path", ["location", "region", "split", "partial", "substitutes"])
def test_committed_class_reservations_protect_on_every_path(path: str) -> None:
    """After SILVER commits its 50 by region, no further SILVER unit is on time on any path,
    while GOLD still gets its 50."""
    eng = world()
    first = eng.promise_order([line("G", 50, 10)], "SILVER", "R")
    assert first.lines[0].status is ON_TIME
    eng.reserve(first, ["s/1"])
    lines, region = PATHS[path]
    one_more = [dataclasses.replace(ln, quantity=1) for ln in lines]
    again = eng.promise_order(one_more, "SILVER", region).lines[0]
    assert again.status is not ON_TIME and atp_units(again) == 0
    assert eng.promise_order([line("G", 50, 10)], "GOLD", "R").lines[0].status is ON_TIME


def test_a_made_parent_keeps_the_class_pool() -> None:
    """M at P has 100 in stock, half GOLD's: SILVER's 60 is made instead of taking GOLD's
    stock, and GOLD still gets its 50 from stock."""
    eng = world()
    promise = eng.promise_order([line("M", 60, 10)], "SILVER", "R")
    (answer,) = promise.lines
    assert answer.status is ON_TIME
    assert [f.source_type for f in answer.fulfillments] == [SourceType.CTP]
    eng.reserve(promise, ["s/1"])
    gold = eng.promise_order([line("M", 50, 10)], "GOLD", "R").lines[0]
    assert gold.status is ON_TIME and gold.fulfillments[0].source_type is SourceType.ATP


# --- calendars and transit at a named location ---------------------------------------------
# (line flags, region, requested day, (location, type, units, ship day, arrival day))
CALENDAR_CASES = [
    ({}, "R", 7, ("W1", "ATP", 5, 4, 5)),  # Monday the 12th, transit 1: Friday the 9th
    ({"allow_partial": True}, "R", 7, ("W1", "ATP", 5, 4, 5)),  # the same through CP-SAT
    ({}, None, 5, ("W1", "ATP", 5, 4, 4)),  # Saturday, no region: Friday, no transit
    ({}, None, 4, ("W1", "ATP", 5, 4, 4)),  # Friday: Friday
]


@pytest.mark.parametrize(("flags", "region", "requested", "expected"), CALENDAR_CASES)
def test_a_named_location_keeps_its_calendar_and_transit(flags, region, requested, expected):
    """A named location ships on its working days, with its rule's transit and cost."""
    answer = (
        world()
        .promise_order([line("Y", 5, requested, location_id="W1", **flags)], "", region)
        .lines[0]
    )
    assert answer.status is ON_TIME
    assert ship_days(answer) == [expected]
    ship_cost = 1.0 if region else 0.0
    assert answer.fulfillments[0].cost == pytest.approx(5 * (1.0 + ship_cost))


# --- everything in one order -----------------------------------------------------------------


def test_one_order_combines_every_way_of_filling_a_line() -> None:
    """GOLD, region R: G from GOLD's pool, X split over W1 and W2, Y partial, S1 and S2
    together from W2, A filled by B, M made at P, D bought; reserving holds it all and
    releasing frees it all."""
    eng = world(classed=("G",))
    lines = [
        line("G", 50, 10, "g"),
        line("X", 50, 10, "x", allow_split=True),
        line("Y", 15, 10, "y", allow_partial=True),
        line("S1", 5, 10, "s1", ship_set_id="S"),
        line("S2", 5, 10, "s2", ship_set_id="S"),
        line("A", 5, 10, "a", allow_substitutes=True),
        line("M", 150, 10, "m"),
        line("D", 10, 10, "d"),
    ]
    promise = eng.promise_order(lines, "GOLD", "R")
    assert promise.decision is Decision.SOLVER
    by_id = {ln.line_id: ln for ln in promise.lines}
    statuses = {k: ln.status for k, ln in by_id.items()}
    assert statuses == {
        "g": ON_TIME, "x": ON_TIME, "y": PARTIAL, "s1": ON_TIME, "s2": ON_TIME,
        "a": ON_TIME, "m": ON_TIME, "d": ON_TIME,
    }  # fmt: skip
    assert by_id["g"].demand_class == "GOLD"
    # W2 ships for 0.5 a unit, W1 for 1.0: as much as W2 holds, the rest from W1
    assert sorted((f.location_id, f.quantity) for f in by_id["x"].fulfillments) == [
        ("W1", 20),
        ("W2", 30),
    ]
    assert by_id["y"].promised_quantity == 10
    set_ships = {(f.location_id, f.ship_date) for k in ("s1", "s2") for f in by_id[k].fulfillments}
    assert len(set_ships) == 1 and next(iter(set_ships))[0] == "W2"
    assert [f.item_id for f in by_id["a"].fulfillments] == ["B"]
    assert [f.source_type for f in by_id["m"].fulfillments] == [SourceType.CTP]
    assert [f.source_type for f in by_id["d"].fulfillments] == [SourceType.SUPPLIER]
    assert by_id["m"].capacity and by_id["d"].supplier_draws

    keys = [f"o/{ln.line_id}" for ln in promise.lines]
    eng.reserve(promise, keys)
    assert eng.ledger.class_reserved(eng.model.row_of(0, 0), "GOLD").sum() == 50
    assert eng.ledger.capacity_used.sum() == 150 * MILLI
    assert eng.ledger.supplier_used.sum() == 10
    again = eng.promise_order([line("G", 1, 10)], "GOLD", "R").lines[0]
    assert again.status is not ON_TIME  # GOLD's 50 are committed
    for key in keys:
        eng.release(key)
    assert not eng.ledger.reserved.any()
    assert not eng.ledger.capacity_used.any() and not eng.ledger.supplier_used.any()


def test_the_combined_order_on_a_what_if_fork() -> None:
    """The same all-in-one order (class, region, split, partial, ship set, substitute, CTP,
    supplier) on a fork with 20 more of X at W2: X ships all from W2 there, every other line
    as live, and live is untouched."""
    eng = world(classed=("G",))
    lines = [
        line("G", 50, 10, "g"),
        line("X", 50, 10, "x", allow_split=True),
        line("Y", 15, 10, "y", allow_partial=True),
        line("S1", 5, 10, "s1", ship_set_id="S"),
        line("S2", 5, 10, "s2", ship_set_id="S"),
        line("A", 5, 10, "a", allow_substitutes=True),
        line("M", 150, 10, "m"),
        line("D", 10, 10, "d"),
    ]
    what_if = fork(eng, [SupplyChange("X", "W2", day(0), 20)])
    forked = {ln.line_id: ln for ln in what_if.promise_order(lines, "GOLD", "R").lines}
    live = {ln.line_id: ln for ln in eng.promise_order(lines, "GOLD", "R").lines}
    assert [(f.location_id, f.quantity) for f in forked["x"].fulfillments] == [("W2", 50)]
    assert sorted((f.location_id, f.quantity) for f in live["x"].fulfillments) == [
        ("W1", 20),
        ("W2", 30),
    ]
    assert {k: ln.status for k, ln in forked.items()} == {k: ln.status for k, ln in live.items()}
    assert [f.source_type for f in forked["m"].fulfillments] == [SourceType.CTP]
    assert [f.source_type for f in forked["d"].fulfillments] == [SourceType.SUPPLIER]


def test_stock_before_making_or_buying_when_it_serves_as_well() -> None:
    """An on-time line from stock is never made or bought instead, even where buying is
    cheaper; making wins over a late stock date."""
    eng = world()
    assert eng.promise_order([line("M", 10, 10)], "", "R").lines[0].fulfillments[0].source_type \
        is SourceType.ATP  # fmt: skip
    made = eng.promise_order([line("M", 150, 10)], "", "R").lines[0]
    assert made.status is ON_TIME and made.fulfillments[0].source_type is SourceType.CTP


def test_lines_made_in_one_order_share_the_line_capacity() -> None:
    """Two made lines of one sourced order cannot both count the same day's capacity."""
    eng = world()
    lines = [line("M", 150, 30, "1", allow_partial=True), line("M", 150, 30, "2")]
    promise = eng.promise_order(lines, "", "R")
    made = [f for ln in promise.lines for f in ln.fulfillments if f.source_type is SourceType.CTP]
    draws = [d for ln in promise.lines for d in ln.capacity]
    per_day: dict[int, int] = {}
    for d in draws:
        per_day[d.bucket] = per_day.get(d.bucket, 0) + d.milli
    assert made and max(per_day.values()) <= 200 * MILLI
