"""The model builder: dense rows, bucket folding, counted types, immutability."""

from __future__ import annotations

import numpy as np
import pytest
from factories import FORECAST, SO, Event, Item, Rule, Snapshot

from promising.domain import SupplyType, type_mask


def small() -> Snapshot:
    return Snapshot(
        items=[Item("A"), Item("B", rule="PO_ONLY")],
        locations=["L1", "L2"],
        supply=[
            Event("A", "L1", -3, 5, SupplyType.ONHAND),  # past due → bucket 0
            Event("A", "L1", 2, 7, SupplyType.PURCHASE_ORDER),
            Event("A", "L1", 99, 4, SupplyType.PURCHASE_ORDER),  # past the horizon
            Event("B", "L2", 0, 3, SupplyType.ONHAND),
            Event("B", "L2", 1, 6, SupplyType.PURCHASE_ORDER),
        ],
        demand=[
            Event("A", "L1", -1, 2, SO),
            Event("A", "L1", 3, 8, FORECAST),  # not counted by the default rule
            Event("A", "L2", 4, 1, SO),
        ],
        rules=[Rule("PO_ONLY", supply_mask=type_mask([SupplyType.PURCHASE_ORDER]))],
        horizon_days=10,
    )


def test_rows_are_item_location_pairs_in_order() -> None:
    """Each (item, location) with supply or demand gets one dense row, sorted by ids."""
    model = small().model()
    pairs = [(int(i), int(loc)) for i, loc in zip(model.row_item, model.row_location, strict=True)]
    assert pairs == [(0, 0), (0, 1), (1, 1)]
    assert model.row_of(0, 1) == 1
    assert model.row_of(1, 0) == -1
    assert model.rows_of_item(0).tolist() == [0, 1]


def test_past_due_folds_and_horizon_cuts() -> None:
    """Past-due rows land in bucket 0, rows past the horizon are left out, both counted."""
    model = small().model()
    assert model.supply[0].tolist() == [5, 0, 7, 0, 0, 0, 0, 0, 0, 0]
    assert model.demand[0].tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    stats = model.stats
    assert (stats.supply_past_due, stats.supply_beyond_horizon) == (1, 1)
    assert (stats.demand_past_due, stats.demand_beyond_horizon) == (1, 0)


def test_rows_count_only_the_item_rule_types() -> None:
    """An item's row counts only the supply and demand types its ATP rule names."""
    model = small().model()
    assert model.supply[2].tolist()[:3] == [0, 6, 0]  # B counts purchase orders only


def test_model_arrays_cannot_be_written() -> None:
    """The built model is read-only: every array refuses writes."""
    model = small().model()
    arrays = [
        model.supply,
        model.demand,
        model.row_item,
        model.row_location,
        model.item_rows,
        model.item_row_ptr,
        model.supply_events.quantity,
        model.demand_events.bucket,
        model.items.atp_rule,
        model.rules.supply_mask,
    ]
    for a in arrays:
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        np.add(model.supply, 1, out=model.supply)


def test_empty_snapshot_builds() -> None:
    """A snapshot without supply or demand builds an empty model."""
    model = Snapshot(items=[Item("A")], locations=["L1"]).model()
    assert model.row_count == 0
    assert model.supply.shape == (0, 30)


def test_pegging_explains_a_promise() -> None:
    """A line pegs to the supply left after earlier demand took the earliest, FIFO."""
    from promising.pegging import SupplySource, peg_line

    snap = Snapshot(
        items=[Item("A")],
        locations=["L1"],
        supply=[
            Event("A", "L1", -2, 10, SupplyType.ONHAND),
            Event("A", "L1", 5, 20, SupplyType.PURCHASE_ORDER),
        ],
        demand=[Event("A", "L1", 1, 8, SO), Event("A", "L1", 9, 50, FORECAST)],
        horizon_days=10,
    )
    model = snap.model()
    reserved = np.zeros(10, dtype=np.int64)
    reserved[2] = 1  # an earlier reservation takes one more on-hand unit
    sources = peg_line(model, reserved, 0, 6, 5)
    assert sources == (
        SupplySource("ONHAND", model.as_of, 1),
        SupplySource("PURCHASE_ORDER", model.date_of(5), 4),
    )


def test_peg_fulfillment_by_ids() -> None:
    """A fulfilment named by ids pegs like its row; unknown ids peg to nothing."""
    from promising.pegging import SupplySource, peg_fulfillment

    model = small().model()
    reserved = np.zeros((model.row_count, model.horizon_days), dtype=np.int64)
    day = model.date_of(3)
    assert peg_fulfillment(model, reserved, "A", "L1", day, 4) == (
        SupplySource("ONHAND", model.as_of, 3),
        SupplySource("PURCHASE_ORDER", model.date_of(2), 1),
    )
    assert peg_fulfillment(model, reserved, "NOPE", "L1", day, 4) == ()
    assert peg_fulfillment(model, reserved, "B", "L1", day, 4) == ()
