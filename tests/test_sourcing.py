"""Sourcing, case by case: calendars, the horizon's end, candidates, ship sets, substitutes,
splits and partials, item modes, decision paths, reserving, and refused requests."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import AS_OF, Event, Item, Snapshot, SourcingRule, Substitute

from promising.domain import Decision, LineStatus, PromisingMode
from promising.errors import InvalidInput
from promising.promise import LineRequest

ON_TIME, LATE = LineStatus.ON_TIME, LineStatus.LATE
PARTIAL, UNAVAILABLE = LineStatus.PARTIAL, LineStatus.UNAVAILABLE


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def line(item: str, quantity: int, requested: int, n: str = "1", **flags) -> LineRequest:
    return LineRequest(n, item, quantity, day(requested), **flags)


def shipped(answer) -> list[tuple]:
    """(item, location, units, ship day, arrival day) of each fulfilment."""
    return [
        (f.item_id, f.location_id, f.quantity, (f.ship_date - AS_OF).days,
         (f.arrival_date - AS_OF).days)
        for f in answer.fulfillments
    ]  # fmt: skip


# --- calendars: the ship day moves to a working day of the source ------------------------
# (W1's closed days, supply (day, units), quantity, requested, status, ship day, arrival day)
CALENDAR_CASES = [
    ((), [(0, 5)], 2, 5, ON_TIME, 3, 5),  # no calendar: ship = requested − transit
    ((3,), [(0, 5)], 2, 5, ON_TIME, 2, 4),  # closed on the ship day: the day before
    ((2, 3), [(0, 5)], 2, 5, ON_TIME, 1, 3),  # closed two days: further back
    ((3,), [(3, 5)], 2, 5, LATE, 4, 6),  # the day before has no stock: next working day
    ((0, 1, 2, 3), [(0, 5)], 2, 5, LATE, 4, 6),  # no working day in time
    ((), [(0, 5)], 2, 1, LATE, 0, 2),  # requested sooner than transit allows
    ((4, 5), [(4, 5)], 2, 3, LATE, 6, 8),  # late, and closed when the stock comes
    (tuple(range(10)), [(0, 5)], 2, 5, UNAVAILABLE, None, None),  # never open
]


@pytest.mark.parametrize(
    ("closed", "supply", "quantity", "requested", "status", "ship", "arrival"), CALENDAR_CASES
)
def test_calendar_moves_the_ship_day(closed, supply, quantity, requested, status, ship, arrival):
    """A source ships only on its working days: on time means the latest one in time."""
    engine = Snapshot(
        items=[Item("A")],
        locations=["W1", "W2"],
        supply=[Event("A", "W1", d, q) for d, q in supply],
        sourcing=[SourcingRule("*", "R", "W1", transit_days=2)],
        closed_days={"CAL": list(closed)},
        location_calendars={"W1": "CAL"},
        horizon_days=10,
    ).engine()
    answer = engine.promise_order([line("A", quantity, requested)], ship_to_region="R").lines[0]
    assert answer.status is status
    expected = [] if ship is None else [("A", "W1", quantity, ship, arrival)]
    assert shipped(answer) == expected


# --- the horizon's end: ships inside it, may arrive after it ------------------------------
# (supply day, requested, status, ship day, arrival day); horizon 10, transit 3
HORIZON_CASES = [
    (0, 9, ON_TIME, 6, 9),  # arrives on the horizon's last day
    (8, 9, LATE, 8, 11),  # arrives two days past the horizon
    (9, 9, LATE, 9, 12),  # ships on the last bucket
    (10, 9, UNAVAILABLE, None, None),  # supply past the horizon never counts
    (0, 1, LATE, 0, 3),  # transit longer than the time left
]


@pytest.mark.parametrize(("supply_day", "requested", "status", "ship", "arrival"), HORIZON_CASES)
def test_transit_across_the_horizon_end(supply_day, requested, status, ship, arrival):
    """Ship days lie inside the horizon; arrival dates may lie past its end."""
    engine = Snapshot(
        items=[Item("A")],
        locations=["W1"],
        supply=[Event("A", "W1", supply_day, 4)],
        sourcing=[SourcingRule("*", "R", "W1", transit_days=3)],
        horizon_days=10,
    ).engine()
    answer = engine.promise_order([line("A", 4, requested)], ship_to_region="R").lines[0]
    assert answer.status is status
    assert shipped(answer) == ([] if ship is None else [("A", "W1", 4, ship, arrival)])
    if arrival is not None:
        assert answer.promised_date == day(arrival)


# --- candidates: item rules beat `*`; a named location is the only one --------------------
def candidates_engine():
    return Snapshot(
        items=[Item("A", unit_cost=1.0), Item("B", unit_cost=1.0)],
        locations=["W1", "W2", "W3"],
        supply=[Event(i, w, 0, 10) for i in "AB" for w in ("W1", "W2", "W3")],
        sourcing=[
            SourcingRule("*", "R", "W1", rank=1, transit_days=1, ship_cost=1.0),
            SourcingRule("*", "R", "W2", rank=2, transit_days=1, ship_cost=0.5),
            SourcingRule("A", "R", "W3", rank=1, transit_days=1, ship_cost=1.0),
            SourcingRule("B", "R", "W1", rank=1, transit_days=4, ship_cost=0.0),
            SourcingRule("*", "OTHER", "W3", rank=1, transit_days=0, ship_cost=0.0),
        ],
        horizon_days=10,
    ).engine()


# (item, requested, named location, region, status, location, ship day)
CANDIDATE_CASES = [
    ("A", 5, None, "R", ON_TIME, "W2", 4),  # cheapest of the three on time
    ("B", 5, None, "R", ON_TIME, "W1", 1),  # B's own rule for W1 (free, 4 days) beats `*`
    ("B", 2, None, "R", ON_TIME, "W2", 1),  # … too slow now: the cheaper `*` location
    ("A", 5, "W1", "R", ON_TIME, "W1", 4),  # a named location is the only candidate
    ("A", 5, None, "OTHER", ON_TIME, "W3", 5),  # another region, other rules
]


@pytest.mark.parametrize(
    ("item", "requested", "named", "region", "status", "location", "ship"), CANDIDATE_CASES
)
def test_candidates(item, requested, named, region, status, location, ship):
    """Candidates come from the region's rules, item-specific first, at the lowest cost."""
    request = line(item, 2, requested, allow_partial=True, location_id=named)
    answer = candidates_engine().promise_order([request], ship_to_region=region).lines[0]
    assert answer.status is status
    assert [(f.location_id, (f.ship_date - AS_OF).days) for f in answer.fulfillments] == [
        (location, ship)
    ]


def test_item_rule_order_and_override():
    """An item's rules come first, by rank; its rule for a location replaces the `*` one."""
    sourcing = candidates_engine().sourcing
    model = sourcing.model
    found = [(model.locations.ids[c.location], c.transit_days) for c in
             sourcing.rules.candidates(model.item_index["B"], "R")]  # fmt: skip
    assert found == [("W1", 4), ("W2", 1)]
    found = [model.locations.ids[c.location] for c in
             sourcing.rules.candidates(model.item_index["A"], "R")]  # fmt: skip
    assert found == ["W3", "W1", "W2"]


# --- ship sets: together from one location on one day, or not at all ----------------------
def set_engine():
    return Snapshot(
        items=[Item("A"), Item("B"), Item("C")],
        locations=["W1", "W2"],
        supply=[
            Event("A", "W1", 0, 5),
            Event("A", "W2", 0, 5),
            Event("B", "W2", 0, 5),
            Event("C", "W1", 0, 5),
            Event("C", "W2", 6, 5),
        ],
        sourcing=[SourcingRule("*", "R", "W1"), SourcingRule("*", "R", "W2", rank=2)],
        horizon_days=10,
    ).engine()


# (items of a two-line order, ship-set ids, statuses, (location, ship day) of each line)
SET_CASES = [
    ("AB", ("S", "S"), (ON_TIME, ON_TIME), (("W2", 3), ("W2", 3))),  # A follows B to W2
    ("AB", ("", ""), (ON_TIME, ON_TIME), (("W2", 3), ("W2", 3))),  # apart, still one shipment
    ("BC", ("S", "S"), (LATE, LATE), (("W2", 6), ("W2", 6))),  # C only on day 6 at W2
    ("BC", ("", ""), (ON_TIME, ON_TIME), (("W2", 3), ("W1", 3))),
    ("BC", ("S", "T"), (ON_TIME, ON_TIME), (("W2", 3), ("W1", 3))),  # two sets of one
]


@pytest.mark.parametrize(("items", "sets", "statuses", "where"), SET_CASES)
def test_ship_sets(items, sets, statuses, where):
    """Lines of one ship set leave one location on one day; sets of one line are free."""
    order = [line(item, 2, 3, str(n), ship_set_id=s) for n, (item, s) in
             enumerate(zip(items, sets, strict=True))]  # fmt: skip
    promise = set_engine().promise_order(order, ship_to_region="R")
    assert promise.decision is Decision.SOLVER
    assert tuple(a.status for a in promise.lines) == statuses
    assert (
        tuple(
            (f.location_id, (f.ship_date - AS_OF).days)
            for a in promise.lines
            for f in a.fulfillments
        )
        == where
    )


def test_ship_set_that_cannot_ship_together_promises_none_of_it():
    """A set whose items share no location is unavailable as a whole (not line by line)."""
    engine = Snapshot(
        items=[Item("A"), Item("B"), Item("C")],
        locations=["W1", "W2"],
        supply=[Event("A", "W1", 0, 5), Event("B", "W2", 0, 5), Event("C", "W1", 0, 5)],
        sourcing=[SourcingRule("*", "R", "W1"), SourcingRule("*", "R", "W2")],
        horizon_days=10,
    ).engine()
    order = [
        line("A", 1, 3, "1", ship_set_id="S"),
        line("B", 1, 3, "2", ship_set_id="S"),
        line("C", 1, 3, "3"),
    ]
    promise = engine.promise_order(order, ship_to_region="R")
    assert [a.status for a in promise.lines] == [UNAVAILABLE, UNAVAILABLE, ON_TIME]
    assert not promise.all_available


# --- substitutes: only when allowed, ranked, filling in for the ordered item --------------
def substitutes_engine(a_supply_day: int | None):
    supply = [Event("B", "W1", 0, 5), Event("C", "W1", 0, 5), Event("D", "W1", 0, 5)]
    if a_supply_day is not None:
        supply.append(Event("A", "W1", a_supply_day, 5))
    return Snapshot(
        items=[
            Item("A", unit_cost=5.0),
            Item("B", unit_cost=9.0),
            Item("C", unit_cost=1.0),
            Item("D", unit_cost=0.5),
        ],
        locations=["W1"],
        supply=supply,
        sourcing=[SourcingRule("*", "R", "W1")],
        substitutes=[Substitute("A", "B", 1), Substitute("A", "C", 2), Substitute("C", "D", 1)],
        horizon_days=10,
    ).engine()


# (A's supply day or None, allow_substitutes, status, item shipped)
SUBSTITUTE_CASES = [
    (None, False, UNAVAILABLE, None),  # no A at all, substitutes not allowed
    (None, True, ON_TIME, "B"),  # rank 1 fills in, though C is cheaper
    (6, False, LATE, "A"),  # A only late: late it is
    (6, True, ON_TIME, "B"),  # on time with a substitute beats late with A
    (0, True, ON_TIME, "A"),  # A in time: no substitute, however cheap
]


@pytest.mark.parametrize(("a_day", "allowed", "status", "item"), SUBSTITUTE_CASES)
def test_substitutes_only_when_allowed(a_day, allowed, status, item):
    """Ranked substitutes fill a line only when it allows them and they serve it better."""
    request = line("A", 3, 4, allow_substitutes=allowed)
    answer = substitutes_engine(a_day).promise_order([request], ship_to_region="R").lines[0]
    assert answer.status is status
    assert [f.item_id for f in answer.fulfillments] == ([] if item is None else [item])
    assert answer.item_id == "A"


def test_substitutes_are_not_transitive():
    """D substitutes C, not A: an A line never ships D."""
    engine = substitutes_engine(None)
    request = line("A", 5, 4, allow_substitutes=True, allow_split=True, allow_partial=True)
    answer = engine.promise_order([request], ship_to_region="R").lines[0]
    assert {f.item_id for f in answer.fulfillments} <= {"A", "B", "C"}


# --- splits and partials ----------------------------------------------------------------
def split_engine():
    return Snapshot(
        items=[Item("A")],
        locations=["W1", "W2"],
        supply=[Event("A", "W1", 0, 5), Event("A", "W2", 0, 2), Event("A", "W2", 6, 6)],
        sourcing=[SourcingRule("*", "R", "W1"), SourcingRule("*", "R", "W2")],
        horizon_days=10,
    ).engine()


# (quantity, split, partial, status, promised units, shipments (location, units, ship day))
SPLIT_CASES = [
    (7, False, False, LATE, 7, [("W2", 7, 6)]),  # one location: W2 once its PO is in
    (7, True, False, ON_TIME, 7, [("W1", 5, 4), ("W2", 2, 4)]),  # split: on time
    (7, False, True, LATE, 7, [("W2", 7, 6)]),  # partial prefers the whole, late
    (9, True, False, LATE, 9, [("W1", 5, 4), ("W2", 4, 6)]),  # only late even split
    (14, False, True, PARTIAL, 8, [("W2", 8, 6)]),  # the most one location has
    (14, True, True, PARTIAL, 13, [("W1", 5, 4), ("W2", 8, 6)]),  # all there is
    (14, True, False, UNAVAILABLE, 0, []),  # not enough anywhere
]


@pytest.mark.parametrize(
    ("quantity", "split", "partial", "status", "units", "shipments"), SPLIT_CASES
)
def test_splits_and_partials(quantity, split, partial, status, units, shipments):
    """A line splits only with allow_split and ships less than asked only with allow_partial."""
    request = line("A", quantity, 4, allow_split=split, allow_partial=partial)
    promise = split_engine().promise_order([request], ship_to_region="R")
    answer = promise.lines[0]
    assert answer.status is status
    assert answer.promised_quantity == units
    assert [(s[1], s[2], s[3]) for s in shipped(answer)] == shipments
    assert promise.decision is (Decision.SOLVER if split else Decision.GREEDY)


# --- item modes: INFINITE, LEAD_TIME and an infinite time fence, through the rules --------
# (item, quantity, requested, status, ship day, reserved)
MODE_CASES = [
    ("INF", 10**6, 5, ON_TIME, 4, False),  # always there: ships just in time
    ("LT", 10**6, 5, ON_TIME, 4, False),  # lead time 3 days: in time
    ("LT", 10**6, 2, LATE, 3, False),  # not before day 3
    ("FENCE", 3, 2, ON_TIME, 1, True),  # inside the fence, from supply
    ("FENCE", 50, 8, ON_TIME, 7, False),  # beyond the fence: anything
]


@pytest.mark.parametrize(
    ("item", "quantity", "requested", "status", "ship", "reserved"), MODE_CASES
)
def test_item_modes(item, quantity, requested, status, ship, reserved):
    """Promising modes and fences hold for sourced lines as for located ones."""
    engine = Snapshot(
        items=[
            Item("INF", mode=PromisingMode.INFINITE),
            Item("LT", mode=PromisingMode.LEAD_TIME, lead_time_days=3),
            Item("FENCE", fence_days=6),
        ],
        locations=["W1"],
        supply=[Event("FENCE", "W1", 0, 4)],
        sourcing=[SourcingRule("*", "R", "W1", transit_days=1)],
        horizon_days=10,
    ).engine()
    answer = engine.promise_order([line(item, quantity, requested)], ship_to_region="R").lines[0]
    assert answer.status is status
    assert [s[3] for s in shipped(answer)] == [ship]
    assert bool(answer.allocations) is reserved


# --- decision paths and the path without sourcing ---------------------------------------
def test_decision_paths():
    """Located orders keep the location path; one sourced line is greedy; more go to CP-SAT."""
    engine = split_engine()
    located = engine.promise_order([LineRequest("1", "A", 1, day(4), "W1")], ship_to_region="R")
    assert located.decision is Decision.LOCATION
    one = engine.promise_order([line("A", 1, 4)], ship_to_region="R")
    assert one.decision is Decision.GREEDY
    two = engine.promise_order([line("A", 1, 4, "1"), line("A", 1, 4, "2")], ship_to_region="R")
    assert two.decision is Decision.SOLVER
    with pytest.raises(InvalidInput):  # no region, two locations: name one, as before
        engine.promise_order([line("A", 1, 4)])


def test_lines_of_one_order_share_the_stock():
    """Two lines of one order never promise the same unit twice."""
    engine = split_engine()
    order = [line("A", 5, 4, "1"), line("A", 5, 4, "2")]
    promise = engine.promise_order(order, ship_to_region="R")
    statuses = sorted(a.status for a in promise.lines)
    assert statuses == [ON_TIME, LATE]
    rows = {a.row for answer in promise.lines for a in answer.allocations}
    assert len(rows) == 2


# --- reserving: the choice is held as one unit ------------------------------------------
def test_reserve_holds_every_shipment_and_release_frees_them():
    """A split promise reserves at both locations, and the next quote sees it."""
    engine = split_engine()
    promise = engine.promise_order([line("A", 7, 4, allow_split=True)], ship_to_region="R")
    engine.reserve(promise, ["order/1"])
    assert int(engine.ledger.reserved.sum()) == 7
    again = engine.promise_order([line("A", 6, 4, allow_split=True)], ship_to_region="R")
    assert shipped(again.lines[0]) == [("A", "W2", 6, 6, 6)]
    engine.release("order/1")
    assert not engine.ledger.reserved.any()
    engine.ledger.audit()


def test_margin_with_prices():
    """With prices, the substitute that earns more wins among equals in service."""
    engine = Snapshot(
        items=[
            Item("A"),
            Item("B", unit_cost=2.0, unit_price=3.0),
            Item("C", unit_cost=2.0, unit_price=9.0),
        ],
        locations=["W1"],
        supply=[Event("B", "W1", 0, 5), Event("C", "W1", 0, 5)],
        sourcing=[SourcingRule("*", "R", "W1")],
        substitutes=[Substitute("A", "B", 1), Substitute("A", "C", 1)],
        horizon_days=10,
    ).engine()
    answer = engine.promise_order(
        [line("A", 2, 4, allow_substitutes=True)], ship_to_region="R"
    ).lines[0]
    assert [f.item_id for f in answer.fulfillments] == ["C"]
    assert answer.fulfillments[0].cost == 4.0


# --- refused requests ---------------------------------------------------------------------
# (line, region, field of the violation)
REFUSED = [
    (LineRequest("1", "A", 1, day(2), allow_partial=True), "NOWHERE", "ship_from_location_id"),
    (LineRequest("1", "A", 1, day(2), "W9", allow_split=True), "R", "ship_from_location_id"),
    (LineRequest("1", "Z", 1, day(2), allow_split=True), "R", "item_id"),
    (LineRequest("1", "A", 0, day(2), allow_split=True), "R", "quantity"),
    (LineRequest("1", "A", 1, day(10), allow_split=True), "R", "requested_date"),
]


@pytest.mark.parametrize(("request_line", "region", "field"), REFUSED)
def test_refused(request_line, region, field):
    """Bad sourced lines are refused naming the field, as located lines are."""
    with pytest.raises(InvalidInput) as refused:
        split_engine().promise_order([request_line], ship_to_region=region)
    assert refused.value.violations[0].path == ("lines", 0, field)
