"""The writer's re-check of a plan made outside it: a fresh plan fits; after other
reservations, it fits exactly when reserving it breaks no commitment (units by LOOKAHEAD,
class ATP, plant and supplier capacity)."""

from __future__ import annotations

import datetime as dt

import naive
import numpy as np
from factories import AS_OF, Event, Item, Snapshot, SourcingRule
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_engine_capable import engine as capable_engine

from promising.fit import fits
from promising.ledger import Allocation, Reservation
from promising.manufacturing import CapacityDraw
from promising.promise import LineRequest


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def reservations(promise) -> list[Reservation]:
    return [line.reservation for line in promise.lines]


def test_fresh_plans_fit() -> None:
    """A plan checked against the ledger it was made on fits: class, CTP, supplier and sourced
    orders alike."""
    eng = capable_engine()
    for lines, demand_class in [
        ([LineRequest("1", "A", 150, day(0), "P")], "GOLD"),
        ([LineRequest("1", "B", 8, day(0), "P"), LineRequest("2", "C", 4, day(0), "P")], ""),
        ([LineRequest("1", "D", 4, day(0), "P"), LineRequest("2", "D", 4, day(0), "P")], ""),
    ]:
        promise = eng.promise_order(lines, demand_class)
        assert promise.all_available
        assert fits(eng.model, eng.ledger, reservations(promise))
    sourced = Snapshot(
        items=[Item("A"), Item("B")],
        locations=["W1", "W2"],
        supply=[Event("A", "W1", 0, 5), Event("A", "W2", 0, 5), Event("B", "W2", 0, 5)],
        sourcing=[SourcingRule("*", "R", "W1"), SourcingRule("*", "R", "W2", rank=2)],
        horizon_days=10,
    ).engine()
    lines = [LineRequest("1", "A", 8, day(2), allow_split=True), LineRequest("2", "B", 5, day(2))]
    promise = sourced.promise_order(lines, ship_to_region="R")
    assert promise.all_available
    assert fits(sourced.model, sourced.ledger, reservations(promise))


def test_class_plan_stops_fitting_when_the_class_is_used_up() -> None:
    """A GOLD plan of 150 (GOLD holds 200 of 1,000, less 50 of demand) no longer fits once
    another GOLD commitment of 100 lands, though the plain ATP has room; a SILVER one of 100
    leaves it fitting."""
    eng = capable_engine()
    plan = eng.promise_order([LineRequest("1", "A", 150, day(0), "P")], "GOLD")
    silver = eng.promise_order([LineRequest("1", "A", 100, day(0), "P")], "SILVER")
    eng.reserve(silver, ["s"])
    assert fits(eng.model, eng.ledger, reservations(plan))
    gold = eng.promise_order([LineRequest("1", "A", 100, day(0), "P")], "GOLD")
    eng.reserve(gold, ["g"])
    assert not fits(eng.model, eng.ledger, reservations(plan))


def test_capacity_plans_stop_fitting_when_capacity_is_taken() -> None:
    """A CTP plan and a supplier plan fit until the capacity they draw is taken by others."""
    eng = capable_engine()
    make = eng.promise_order([LineRequest("1", "B", 8, day(0), "P")])
    buy = eng.promise_order([LineRequest("1", "D", 4, day(0), "P")])
    eng.reserve(eng.promise_order([LineRequest("1", "C", 4, day(0), "P")]), ["c"])
    assert not fits(eng.model, eng.ledger, reservations(make))
    assert fits(eng.model, eng.ledger, reservations(buy))
    eng.reserve(eng.promise_order([LineRequest("1", "D", 2, day(0), "P")]), ["d"])
    assert not fits(eng.model, eng.ledger, reservations(buy))
    eng.release("c")
    eng.release("d")
    assert fits(eng.model, eng.ledger, reservations(make) + reservations(buy))


def test_draws_beyond_capacity_do_not_fit() -> None:
    """Plant and supplier draws that together exceed a day's capacity do not fit."""
    eng = capable_engine()  # LINE: 4 units a day; the supplier: 2 a day
    assert fits(eng.model, eng.ledger, [Reservation(capacity=(CapacityDraw(0, 3, 4000),))])
    assert not fits(
        eng.model, eng.ledger, [Reservation(capacity=(CapacityDraw(0, 3, 4000),)),
                                Reservation(capacity=(CapacityDraw(0, 3, 1),))],
    )  # fmt: skip
    assert not fits(eng.model, eng.ledger, [Reservation(supplier_draws=(CapacityDraw(0, 5, 3),))])


HORIZON = 12
ROWS = st.lists(st.sampled_from([0, 0, 0, 1, 2, 4, 7]), min_size=HORIZON, max_size=HORIZON)
PLAN = st.lists(st.tuples(st.integers(0, 1), st.integers(0, HORIZON - 1), st.integers(1, 6)),
                min_size=1, max_size=4)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(
    supply=st.tuples(ROWS, ROWS),
    demand=st.tuples(ROWS, ROWS),
    fence=st.sampled_from([0, 0, 5, 9]),
    first=PLAN,
    second=PLAN,
)
def test_fits_exactly_when_no_commitment_breaks(supply, demand, fence, first, second) -> None:
    """With one plan reserved, a second fits exactly when, after adding it, LOOKAHEAD ATP
    (inside the fence) is >= 0 from its earliest bucket at each row it takes from; and a plan
    that fits, reserved, leaves every reservation's commitment whole."""
    supply = [[*s[:-1], s[-1] + 1] for s in supply]  # a unit on the last day: every row exists
    items = [Item("X", fence_days=fence), Item("Y", fence_days=fence)]
    eng = Snapshot(
        items=items,
        locations=["L"],
        supply=[Event(i.item_id, "L", t, q) for k, i in enumerate(items)
                for t, q in enumerate(supply[k]) if q],
        demand=[Event(i.item_id, "L", t, q) for k, i in enumerate(items)
                for t, q in enumerate(demand[k]) if q],
        horizon_days=HORIZON,
    ).engine()  # fmt: skip
    model = eng.model
    rows = [model.row_of(model.item(i.item_id), 0) for i in items]
    limit = min(fence, HORIZON) if fence else HORIZON

    def plan(cells) -> Reservation:
        return Reservation(tuple(Allocation(rows[r], b, q) for r, b, q in cells))

    def whole(reserved: dict[int, list[int]], held: list[Allocation]) -> bool:
        """The reference: every held allocation's commitment holds (inside the fence)."""
        for a in held:
            k = rows.index(a.row)
            net = naive.net(supply[k][:limit], demand[k][:limit], reserved[a.row][:limit])
            if a.bucket < limit and naive.lookahead(net)[a.bucket] < 0:
                return False
        return True

    a, b = plan(first), plan(second)
    assume(fits(model, eng.ledger, [a]))
    eng.ledger.add("a", a)
    after = {row: eng.ledger.reserved[row].tolist() for row in rows}
    for cell in b.allocations:
        after[cell.row][cell.bucket] += cell.quantity
    fit = fits(model, eng.ledger, [b])
    assert fit == whole(after, list(b.allocations))
    if fit:
        eng.ledger.add("b", b)
        assert whole(after, [*a.allocations, *b.allocations])
        np.testing.assert_array_equal([eng.ledger.reserved[row] for row in rows],
                                      [after[row] for row in rows])  # fmt: skip
