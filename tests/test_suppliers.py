"""Supplier sources for BUY items: lead time, daily capacity, competing orders, release."""

from __future__ import annotations

from promising.ledger import Reservation, ReservationLedger
from promising.manufacturing import Supplier
from promising.suppliers import SupplierPlanner

NAN = float("nan")


def planner() -> SupplierPlanner:
    return SupplierPlanner(
        {0: (Supplier(5, 3, 10, 2.0), Supplier(6, 5, 100, 1.0)), 1: (Supplier(5, 0, 1, NAN),)},
        ReservationLedger(0, 20, supplier_count=3),
    )


# (item, quantity, first day wanted) → (supplier location, ship day) or None
CASES = [
    ((0, 10, 0), (5, 3)),  # the first supplier's lead time and one day of capacity
    ((0, 25, 0), (6, 5)),  # three days of 10 end on day 5 too: the tie goes to the cheaper
    ((0, 35, 0), (6, 5)),  # the second supplier is faster for 35
    ((0, 10, 8), (6, 8)),  # both can ship on day 8: the cheaper one wins
    ((1, 3, 0), (5, 2)),  # one a day from today
    ((1, 21, 0), None),  # 20 days of 1 is not enough
    ((2, 1, 0), None),  # no supplier
]


def test_supplier_cases() -> None:
    """Each case ships from the supplier and on the day the rules above give."""
    p = planner()
    for (item, quantity, first), expected in CASES:
        plan = p.plan(item, quantity, first)
        got = None if plan is None else (plan.location, plan.done)
        assert got == expected, (item, quantity, first)


def test_competing_orders_and_release() -> None:
    """A reserved order uses the supplier's capacity; the next ships later; release restores."""
    p = planner()
    first = p.plan(1, 3, 0)
    assert first is not None and first.done == 2
    p.ledger.add("o1", Reservation(supplier_draws=first.draws))
    second = p.plan(1, 3, 0)
    assert second is not None and second.done == 5
    p.ledger.remove("o1")
    assert p.plan(1, 3, 0).done == 2
