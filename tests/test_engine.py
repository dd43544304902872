"""The engine API: profiles, one-location promises, modes, fences, reserve and release."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from factories import AS_OF, FORECAST, SO, Event, Item, Rule, Snapshot, series

from promising.domain import Consumption, DemandType, LineStatus, PromisingMode, type_mask
from promising.errors import InvalidInput, NotFound, UnknownEntity
from promising.promise import LineRequest
from promising.rpc.status import field_path

SUPPLY = [6, 4, 2, 4, 8, 4, 4, 4]
DEMAND = [6, 2, 3, 6, 6, 1, 2, 2]


def day(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


def engine():
    return Snapshot(
        items=[
            Item("A", unit_cost=2.5),
            Item("LT", mode=PromisingMode.LEAD_TIME, lead_time_days=5),
            Item("INF", mode=PromisingMode.INFINITE),
            Item("FENCE", fence_days=4),
            Item("MULTI"),
            Item("FC", rule="WITH_FC"),
        ],
        locations=["L1", "L2"],
        supply=[
            *series("A", "L1", SUPPLY),
            Event("FENCE", "L1", 0, 2),
            Event("MULTI", "L1", 0, 5),
            Event("MULTI", "L2", 3, 5),
            Event("FC", "L1", 0, 10),
        ],
        demand=[
            *series("A", "L1", DEMAND, SO),
            Event("FC", "L1", 2, 4, FORECAST),
        ],
        rules=[
            Rule(
                "WITH_FC",
                Consumption.NONE,
                demand_mask=type_mask([DemandType.SALES_ORDER, DemandType.FORECAST]),
            ),
            Rule("PERIOD", Consumption.NONE),
        ],
        horizon_days=8,
    ).engine()


# (item, quantity, requested day, location, status, promised day or None)
PROMISES = [
    ("A", 1, 4, "L1", LineStatus.ON_TIME, 4),  # ATP[4] = 1
    ("A", 1, 0, "L1", LineStatus.LATE, 4),  # ATP is -1 until day 4
    ("A", 4, 0, None, LineStatus.LATE, 5),  # the item's only location
    ("A", 8, 7, "L1", LineStatus.ON_TIME, 7),  # the last bucket
    ("A", 9, 0, "L1", LineStatus.UNAVAILABLE, None),  # more than the horizon holds
    ("A", 1, -3, "L1", LineStatus.LATE, 4),  # a requested date in the past
    ("A", 1, 0, "L2", LineStatus.UNAVAILABLE, None),  # no supply at L2
    ("LT", 10**6, 0, None, LineStatus.LATE, 5),  # LEAD_TIME: as_of + lead time
    ("LT", 3, 6, None, LineStatus.ON_TIME, 6),
    ("INF", 10**9, 1, None, LineStatus.ON_TIME, 1),  # INFINITE: always on the requested date
    ("FENCE", 2, 0, None, LineStatus.ON_TIME, 0),  # inside the fence, from supply
    ("FENCE", 3, 0, None, LineStatus.LATE, 4),  # short inside the fence: on the fence day
    ("FENCE", 10**6, 6, None, LineStatus.ON_TIME, 6),  # beyond the fence: anything
    ("MULTI", 5, 0, "L2", LineStatus.LATE, 3),
    ("FC", 6, 0, None, LineStatus.ON_TIME, 0),  # the rule counts a forecast of 4 on day 2 …
    ("FC", 7, 0, None, LineStatus.UNAVAILABLE, None),  # … which LOOKAHEAD protects (not NONE)
]


@pytest.mark.parametrize(
    ("item", "quantity", "requested", "location", "status", "promised"), PROMISES
)
def test_promise_line_table(
    item: str,
    quantity: int,
    requested: int,
    location: str | None,
    status: LineStatus,
    promised: int | None,
) -> None:
    """Each case promises the status and date that DESIGN section 3 gives."""
    answer = engine().promise_line(item, quantity, day(requested), location)
    assert answer.status is status
    assert answer.promised_date == (None if promised is None else day(promised))
    assert answer.promised_quantity == (0 if promised is None else quantity)


def test_promise_reports_fulfilment_and_cost() -> None:
    """A promise names its location, dates and cost (unit cost × quantity)."""
    answer = engine().promise_line("A", 2, day(5), "L1")
    (fulfilment,) = answer.fulfillments
    assert fulfilment.location_id == "L1"
    assert fulfilment.ship_date == day(5) == fulfilment.arrival_date
    assert fulfilment.cost == pytest.approx(5.0)
    assert fulfilment.source_type == "ATP"


# (item, quantity, requested day, location, expected error, field path)
BAD_LINES = [
    ("NOPE", 1, 0, None, "unknown item", "lines[0].item_id"),
    ("A", 0, 0, None, "quantity", "lines[0].quantity"),
    ("A", -5, 0, None, "quantity", "lines[0].quantity"),
    ("A", 10**13, 0, None, "quantity", "lines[0].quantity"),
    ("A", 1, 8, None, "horizon", "lines[0].requested_date"),
    ("A", 1, 0, "L9", "unknown location", "lines[0].ship_from_location_id"),
    ("MULTI", 1, 0, None, "2 locations", "lines[0].ship_from_location_id"),
]


@pytest.mark.parametrize(
    ("item", "quantity", "requested", "location", "message", "path"), BAD_LINES
)
def test_bad_lines_are_refused_with_field(
    item: str, quantity: int, requested: int, location: str | None, message: str, path: str
) -> None:
    """Each bad line is refused with a message and the path of the offending field."""
    with pytest.raises(InvalidInput, match=message) as info:
        engine().promise_line(item, quantity, day(requested), location)
    assert [field_path(v.path) for v in info.value.violations] == [path]


def test_reserve_consumes_and_release_frees() -> None:
    """A reservation lowers later promises; releasing it restores them exactly."""
    eng = engine()
    first = eng.promise_order([LineRequest("1", "A", 4, day(5), "L1")])
    eng.reserve(first, ["o1/1"])
    assert eng.promise_line("A", 4, day(5), "L1").promised_date == day(7)
    assert eng.availability("A", ["L1"])[0].reserved.tolist() == [0, 0, 0, 0, 0, 4, 0, 0]
    eng.release("o1/1")
    assert eng.promise_line("A", 4, day(5), "L1").promised_date == day(5)
    assert not eng.ledger.reserved.any()
    with pytest.raises(NotFound):
        eng.release("o1/1")


def test_reserve_is_all_or_none() -> None:
    """Reserving an order whose keys clash changes nothing."""
    eng = engine()
    eng.reserve(eng.promise_order([LineRequest("1", "A", 1, day(7), "L1")]), ["k1"])
    two = eng.promise_order(
        [LineRequest("1", "A", 1, day(7), "L1"), LineRequest("2", "A", 1, day(7), "L1")]
    )
    before = eng.ledger.reserved.copy()
    with pytest.raises(InvalidInput):
        eng.reserve(two, ["k2", "k1"])
    assert np.array_equal(eng.ledger.reserved, before)
    assert "k2" not in eng.ledger


def test_order_lines_see_each_other() -> None:
    """Two lines for the same item-location do not both take the same units."""
    eng = engine()
    answer = eng.promise_order(
        [LineRequest("1", "A", 6, day(6), "L1"), LineRequest("2", "A", 2, day(6), "L1")]
    )
    assert [ln.promised_date for ln in answer.lines] == [day(6), day(7)]
    assert not eng.ledger.reserved.any()  # a quote changes nothing


def test_duplicate_line_ids_are_refused() -> None:
    """An order with a repeated line id is refused."""
    lines = [LineRequest("1", "A", 1, day(7), "L1"), LineRequest("1", "A", 1, day(7), "L1")]
    with pytest.raises(InvalidInput, match="duplicate"):
        engine().promise_order(lines)


def test_availability_default_rule_and_override() -> None:
    """Profiles follow the item's rule, or the rule asked for (re-binning counted types)."""
    eng = engine()
    (fc,) = eng.availability("FC")
    assert fc.rule_id == "WITH_FC"
    assert fc.demand.tolist() == [0, 0, 4, 0, 0, 0, 0, 0]
    assert fc.atp.tolist() == [10, 0, -4, 0, 0, 0, 0, 0]
    (default,) = eng.availability("FC", rule_id="DEFAULT")
    assert default.demand.tolist() == [0] * 8  # the default rule leaves forecasts out
    assert default.atp.tolist() == [10] * 8
    (period,) = eng.availability("A", rule_id="PERIOD")
    assert period.atp.tolist() == [0, 2, -1, -2, 2, 3, 2, 2]


def test_availability_range_and_locations() -> None:
    """A date range slices the profile; every location of the item by default."""
    eng = engine()
    profiles = eng.availability("MULTI", from_date=day(2), to_date=day(4))
    assert [p.location_id for p in profiles] == ["L1", "L2"]
    assert profiles[1].supply.tolist() == [0, 5, 0]
    assert profiles[1].dates == [day(2), day(3), day(4)]
    (empty,) = eng.availability("A", ["L2"])
    assert not empty.atp.any()


@pytest.mark.parametrize(
    ("from_day", "to_day", "field"),
    [(9, None, "from_date"), (3, 2, "to_date"), (None, -1, "to_date")],
)
def test_availability_bad_ranges(from_day: int | None, to_day: int | None, field: str) -> None:
    """A range outside the horizon or reversed is refused, naming the field."""
    with pytest.raises(InvalidInput) as info:
        engine().availability(
            "A",
            from_date=None if from_day is None else day(from_day),
            to_date=None if to_day is None else day(to_day),
        )
    assert (field,) in [v.path for v in info.value.violations]


def test_unknown_rule_and_location_in_availability() -> None:
    """Unknown ids in a profile request are refused as unknown entities."""
    with pytest.raises(UnknownEntity, match="rule"):
        engine().availability("A", rule_id="NOPE")
    with pytest.raises(UnknownEntity, match="location"):
        engine().availability("A", ["NOPE"])


def test_bulk_add_equals_one_by_one() -> None:
    """Replaying reservations in bulk gives the same R[t] as adding them one at a time."""
    one, bulk = engine(), engine()
    promise = one.promise_order(
        [LineRequest("1", "A", 3, day(6), "L1"), LineRequest("2", "MULTI", 2, day(4), "L2")]
    )
    one.reserve(promise, ["o/1", "o/2"])
    bulk.ledger.add_many({"o/1": promise.lines[0].reservation, "o/2": promise.lines[1].reservation})
    assert np.array_equal(one.ledger.reserved, bulk.ledger.reserved)
    bulk.ledger.audit()
