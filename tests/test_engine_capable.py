"""The engine beyond plain ATP: promising by demand class, making (CTP) and buying (suppliers),
reserving what those promises hold and releasing it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from factories import AS_OF, SO, Event, Item, Snapshot

from promising.allocation import AllocationRules, ClassRule
from promising.domain import LineStatus
from promising.engine import Engine
from promising.manufacturing import MILLI, Component, Manufacturing, Operation, Supplier
from promising.model import build_model
from promising.promise import LineRequest

CLASSES = ("GOLD", "SILVER")
RULES = AllocationRules(
    default=(ClassRule("GOLD", 2000, 0, 1, False), ClassRule("SILVER", 8000, 0, 2, False))
)


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def engine(**extra) -> Engine:
    """A (1,000 on hand), B and C made from A at plant P on LINE (4 units a day), D bought."""
    snap = Snapshot(
        items=[Item("A"), Item("B"), Item("C"), Item("D")],
        locations=["P", "SUP"],
        supply=[Event("A", "P", 0, 1000), Event("D", "P", 9, 5)],
        demand=[Event("A", "P", 2, 50, SO, CLASSES.index("GOLD"))],
        horizon_days=20,
    )
    data = dataclasses.replace(snap.data(), demand_classes=CLASSES)
    lead = np.array([0, 2, 1, 0], dtype=np.int32)
    data = dataclasses.replace(
        data, items=dataclasses.replace(data.items, make_lead_time_days=lead)
    )
    model = build_model(data)
    capacity = np.full((1, 20), 4 * MILLI, dtype=np.int64)
    manufacturing = Manufacturing(
        components={(1, 0): (Component(0, 2),), (2, 0): (Component(0, 1),)},
        routings={(1, 0): (Operation(0, MILLI),), (2, 0): (Operation(0, MILLI),)},
        resource_ids=("LINE@P",),
        capacity_milli=capacity,
    )
    suppliers = {3: (Supplier(1, 3, 2, 4.0),)}
    defaults = {"allocation": RULES, "manufacturing": manufacturing, "suppliers": suppliers}
    return Engine(dataclasses.replace(model, **(defaults | extra)))


# (demand class, quantity, status, promised day)
CLASS_CASES = [
    ("GOLD", 150, LineStatus.ON_TIME, 0),  # 20% of 1,000 is 200, less GOLD's own 50
    ("GOLD", 151, LineStatus.UNAVAILABLE, None),
    ("SILVER", 800, LineStatus.ON_TIME, 0),
    ("SILVER", 801, LineStatus.UNAVAILABLE, None),  # GOLD's 200 is protected
    ("", 950, LineStatus.ON_TIME, 0),  # no class: the plain ATP
]


@pytest.mark.parametrize(("demand_class", "quantity", "status", "promised"), CLASS_CASES)
def test_promise_by_demand_class(
    demand_class: str, quantity: int, status: LineStatus, promised: int | None
) -> None:
    """A class is promised from its allocation (and the unallocated rest), never another's."""
    answer = engine().promise_line("A", quantity, day(0), "P", demand_class=demand_class)
    assert answer.status is status
    assert answer.promised_date == (None if promised is None else day(promised))


def test_order_lines_of_one_class_share_its_allocation() -> None:
    """Two GOLD lines of one order cannot both take GOLD's last 150."""
    answer = engine().promise_order(
        [LineRequest("1", "A", 100, day(0), "P"), LineRequest("2", "A", 100, day(0), "P")],
        demand_class="GOLD",
    )
    assert [ln.status for ln in answer.lines] == [LineStatus.ON_TIME, LineStatus.UNAVAILABLE]


def test_class_reservation_and_release() -> None:
    """A GOLD commitment lowers GOLD's ATP only; releasing it gives it back."""
    eng = engine()
    promise = eng.promise_order([LineRequest("1", "A", 100, day(1), "P")], demand_class="GOLD")
    eng.reserve(promise, ["o/1"])
    assert (
        eng.promise_line("A", 51, day(0), "P", demand_class="GOLD").status is LineStatus.UNAVAILABLE
    )
    assert (
        eng.promise_line("A", 800, day(0), "P", demand_class="SILVER").status is LineStatus.ON_TIME
    )
    eng.release("o/1")
    assert eng.promise_line("A", 150, day(0), "P", demand_class="GOLD").status is LineStatus.ON_TIME


def test_ctp_promise_holds_components_and_capacity() -> None:
    """A MAKE item without stock is promised by CTP; a second order for the same line capacity
    comes later; releasing the first frees its components and capacity."""
    eng = engine()
    first = eng.promise_order([LineRequest("1", "B", 8, day(0), "P")])
    (line,) = first.lines
    assert line.fulfillments[0].source_type == "CTP"
    assert line.promised_date == day(2)  # lead time 2: LINE makes 4 + 4 on days 0 and 1
    assert sum(a.quantity for a in line.allocations) == 16  # two A per B
    eng.reserve(first, ["o1/1"])
    assert eng.ledger.capacity_used.sum() == 8 * MILLI
    second = eng.promise_line("C", 4, day(0), "P")  # C competes for LINE
    assert second.fulfillments[0].source_type == "CTP"
    assert second.promised_date == day(3)  # days 0 and 1 are full; C takes day 2, done on 3
    eng.release("o1/1")
    assert not eng.ledger.capacity_used.any() and not eng.ledger.reserved.any()
    assert eng.promise_line("C", 4, day(0), "P").promised_date == day(1)


def test_ctp_lines_of_one_order_share_capacity() -> None:
    """Two CTP lines in one order do not both count the same day's capacity."""
    answer = engine().promise_order(
        [LineRequest("1", "C", 4, day(0), "P"), LineRequest("2", "C", 4, day(0), "P")]
    )
    assert [ln.promised_date for ln in answer.lines] == [day(1), day(2)]


def test_supplier_when_atp_is_late() -> None:
    """A BUY item whose ATP comes too late is bought from its supplier when that is sooner,
    and the supplier's capacity is held by the reservation."""
    eng = engine()
    answer = eng.promise_order([LineRequest("1", "D", 4, day(0), "P")])
    (line,) = answer.lines
    assert line.fulfillments[0].source_type == "SUPPLIER"
    assert line.fulfillments[0].location_id == "SUP"
    assert line.promised_date == day(4)  # lead time 3, then 2 a day
    assert line.fulfillments[0].cost == pytest.approx(16.0)
    eng.reserve(answer, ["s/1"])
    assert eng.promise_line("D", 4, day(0), "P").promised_date == day(6)
    eng.release("s/1")
    assert eng.promise_line("D", 4, day(0), "P").promised_date == day(4)


def test_plain_atp_wins_when_on_time() -> None:
    """An on-time ATP answer is never replaced by making or buying."""
    answer = engine().promise_line("D", 5, day(9), "P")
    assert answer.fulfillments[0].source_type == "ATP"
    assert answer.status is LineStatus.ON_TIME
