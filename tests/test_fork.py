"""Forks of the engine's state: a fork's changes and reservations are invisible to live
quotes and live reservations to the fork; a fork shares every array it does not change; every
promise path (located, sourced, class, availability, CTP components) reads a changed row."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from factories import AS_OF, SO, Event, Item, Snapshot, SourcingRule

from promising.allocation import AllocationRules, ClassRule
from promising.domain import LineStatus, SupplyType
from promising.engine import Engine
from promising.errors import InvalidInput
from promising.fork import DemandChange, SupplyChange, fork
from promising.promise import LineRequest

ON_TIME = LineStatus.ON_TIME


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def live() -> Engine:
    """A: 10 at W1 on day 0, 20 more on day 9, 5 sold on day 2; region R ships from W1, W2."""
    return Snapshot(
        items=[Item("A"), Item("B")],
        locations=["W1", "W2"],
        supply=[Event("A", "W1", 0, 10), Event("A", "W1", 9, 20), Event("B", "W2", 0, 5)],
        demand=[Event("A", "W1", 2, 5, SO)],
        sourcing=[SourcingRule("*", "R", "W1", 1), SourcingRule("*", "R", "W2", 2)],
    ).engine()


def held(engine: Engine) -> int:
    """Units reserved over every row, read as the engine's own promises read them."""
    ledger = engine.ledger
    return sum(int(ledger.reserved_row(r).sum()) for r in range(engine.model.row_count))


def quote(engine: Engine, quantity: int, region: str | None = None, cls: str = ""):
    lines = [LineRequest("1", "A", quantity, day(3), None if region else "W1")]
    return engine.promise_order(lines, cls, region).lines[0]


def test_fork_changes_are_invisible_to_live_quotes() -> None:
    """20 more of A on day 1 in a fork: the fork promises 25 on day 3, live still on day 9."""
    eng = live()
    what_if = fork(eng, [SupplyChange("A", "W1", day(1), 20)])
    assert quote(what_if, 25).status is ON_TIME
    assert quote(what_if, 25, "R").status is ON_TIME  # the sourced path reads the row too
    assert quote(eng, 25).promised_date == day(9)
    assert quote(eng, 25, "R").promised_date == day(9)
    assert not eng.model.overlay


def test_reservations_stay_on_their_side() -> None:
    """A fork's reservation does not reach live; a live one made after the fork does not
    reach the fork; both ledgers audit."""
    eng = live()
    eng.reserve(eng.promise_order([LineRequest("1", "A", 3, day(3), "W1")]), ["live/1"])
    what_if = fork(eng)
    assert what_if.ledger.forked and not eng.ledger.forked
    assert held(what_if) == held(eng) == 3
    what_if.reserve(what_if.promise_order([LineRequest("1", "A", 2, day(3), "W1")]), ["f/1"])
    eng.reserve(eng.promise_order([LineRequest("2", "A", 1, day(3), "W1")]), ["live/2"])
    assert "f/1" not in eng.ledger and "live/2" not in what_if.ledger
    assert quote(eng, 1).status is ON_TIME  # live: 10 − 5 sold − 3 − 1 leaves 1 by day 3
    assert quote(eng, 2).promised_date == day(9)
    assert quote(what_if, 1).promised_date == day(9)  # the fork: 10 − 5 − 3 − 2 leaves none
    assert held(eng) == 4 and held(what_if) == 5
    eng.ledger.audit()
    what_if.ledger.audit()
    what_if.release("live/1")
    assert "live/1" in eng.ledger and held(eng) == 4 and held(what_if) == 2
    second = fork(what_if)  # a fork of a fork starts from the fork, not from live
    assert held(second) == 2
    second.ledger.audit()


def test_a_fork_shares_what_it_does_not_change() -> None:
    """The fork's model keeps the live matrices and events; only the changed row is copied,
    and its copy cannot be written."""
    eng = live()
    what_if = fork(eng, [DemandChange("A", "W1", day(4), 3)])
    model, base = what_if.model, eng.model
    assert model.supply is base.supply and model.demand is base.demand
    assert model.supply_events is base.supply_events
    row = base.row_of(0, 0)
    assert set(model.overlay) == {row}
    assert model.demand_row(row)[4] == base.demand[row, 4] + 3
    with pytest.raises(ValueError):
        model.demand_row(row)[0] = 1
    assert what_if.availability("A", ["W1"])[0].demand.sum() == base.demand[row].sum() + 3


def test_a_fork_of_a_fork_keeps_both_changes() -> None:
    """Changes stack: a fork of a fork sees its parent's changed rows and its own."""
    first = fork(live(), [SupplyChange("A", "W1", day(1), 20)])
    second = fork(first, [SupplyChange("B", "W2", day(0), 5)])
    assert quote(second, 25).status is ON_TIME
    b = second.promise_order([LineRequest("1", "B", 10, day(0), "W2")]).lines[0]
    assert b.status is ON_TIME
    assert first.promise_order([LineRequest("1", "B", 10, day(0), "W2")]).lines[0].status \
        is not ON_TIME  # fmt: skip


def test_class_atp_reads_the_changed_row() -> None:
    """A class's allocation follows the fork's supply: GOLD's 20% of 10 is 2; of 30, 6."""
    eng = live()
    rules = AllocationRules(
        default=(ClassRule("GOLD", 2000, 0, 1, False), ClassRule("SILVER", 8000, 0, 2, False))
    )
    eng = Engine(dataclasses.replace(eng.model, allocation=rules))
    assert quote(eng, 3, cls="GOLD").status is not ON_TIME
    what_if = fork(eng, [SupplyChange("A", "W1", day(0), 20, SupplyType.ONHAND)])
    assert quote(what_if, 3, cls="GOLD").status is ON_TIME
    assert quote(eng, 3, cls="GOLD").status is not ON_TIME


# (change, message part)
REFUSED = [
    (SupplyChange("Z", "W1", day(1), 5), "unknown item"),
    (SupplyChange("A", "W9", day(1), 5), "unknown location"),
    (SupplyChange("A", "W2", day(1), 5), "no supply or demand"),
]


@pytest.mark.parametrize(("change", "message"), REFUSED)
def test_refused_changes(change: SupplyChange, message: str) -> None:
    """A change naming an unknown item or location, or a new item-location, is refused."""
    with pytest.raises(InvalidInput, match=message):
        fork(live(), [change])


def test_changes_past_the_horizon_and_past_due() -> None:
    """Past-due supply counts on day 0; supply past the horizon is an event only."""
    eng = live()
    horizon = eng.model.horizon_days
    what_if = fork(
        eng,
        [SupplyChange("A", "W1", day(-5), 7), SupplyChange("A", "W1", day(horizon + 3), 9)],
    )
    row = eng.model.row_of(0, 0)
    assert what_if.model.supply_row(row)[0] == eng.model.supply[row, 0] + 7
    assert what_if.model.supply_row(row).sum() == eng.model.supply[row].sum() + 7
    events, at = what_if.model.events_of(row, True)
    assert events.bucket[events.ptr[at + 1] - 1] == -1
