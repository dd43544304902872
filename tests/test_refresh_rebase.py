"""Reservations moved onto new data: the vectorized rebase agrees with journal replay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import numpy as np
from factories import AS_OF, Event, Item, Snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from sizes import examples

from promising.book import records
from promising.ledger import Allocation, ReservationLedger
from promising.model import SupplyModel, build_model
from promising.refresh.keys import id_keys, key_set
from promising.refresh.rebase import absorbed_lines, rebase_ledger, rows_to_keep
from promising.refresh.rows import with_rows

OLD_ITEMS = ["A", "B", "C", "D"]
OLD_LOCATIONS = ["L1", "L2", "L3"]


def _model(
    items: list[str],
    locations: list[str],
    horizon: int,
    as_of: dt.date,
    snapshot_id: str,
    skip: tuple[str, str] = ("A", "L3"),
) -> SupplyModel:
    """Supply of 5 on day 0 at every item-location but `skip`."""
    supply = [Event(i, loc, 0, 5) for i in items for loc in locations if (i, loc) != skip]
    data = Snapshot(
        items=[Item(i) for i in items],
        locations=locations,
        supply=supply,
        horizon_days=horizon,
        snapshot_id=snapshot_id,
    ).data()
    return build_model(dataclasses.replace(data, as_of=as_of))


@functools.cache
def _old_model() -> SupplyModel:
    """The model the reservations are made on (read-only, so one serves every example)."""
    return _model(OLD_ITEMS, OLD_LOCATIONS, 20, AS_OF, "old")


ENTRIES = st.lists(
    st.lists(
        st.tuples(st.integers(0, 10), st.integers(0, 19), st.integers(1, 9)),
        max_size=4,
    ),
    max_size=12,
)


@settings(max_examples=examples(60, test=20), deadline=None)
@given(
    entries=ENTRIES,
    shift=st.integers(0, 25),
    horizon=st.integers(5, 20),
    items=st.lists(st.sampled_from([*OLD_ITEMS, "E"]), min_size=1, unique=True),
    locations=st.lists(st.sampled_from(OLD_LOCATIONS), min_size=1, unique=True),
)
def test_rebase_equals_journal_replay(
    entries: list[list[tuple[int, int, int]]],
    shift: int,
    horizon: int,
    items: list[str],
    locations: list[str],
) -> None:
    """Rows, buckets, moved and dropped counts match `records.Remap` on the journaled form,
    for a later as_of, fewer items or locations and another horizon."""
    old = _old_model()
    new = _model(items, locations, horizon, AS_OF + dt.timedelta(days=shift), "new")
    ledger = ReservationLedger(old.row_count, old.horizon_days)
    journaled = {}
    for k, entry in enumerate(entries):
        allocations = tuple(Allocation(r % old.row_count, b, q) for r, b, q in entry)
        ledger.add(f"k{k}", allocations, "GOLD" if k % 3 == 0 else None)
        journaled[f"k{k}"] = records.allocations_out(old, allocations)

    rebased, summary = rebase_ledger(old, ledger, new)
    remap = records.Remap(new)
    expected = {key: remap.allocations(j) for key, j in journaled.items()}
    assert {key: rebased.get(key) for key in expected} == expected
    assert np.array_equal(rebased.reserved, rebased.recompute())
    assert summary.allocations_moved == remap.moved
    assert summary.allocations_dropped == len(remap.dropped)
    assert summary.lines_kept == len(entries)
    assert all(rebased.demand_class_of(f"k{k}") == "GOLD" for k in range(0, len(entries), 3))


def test_rows_are_kept_for_reservations() -> None:
    """An item-location the new snapshot lacks gets a row when it holds a reservation, so the
    reservation is kept rather than dropped; unknown items are still dropped."""
    old = _model(OLD_ITEMS, OLD_LOCATIONS, 20, AS_OF, "old")
    new = _model(["A", "B"], OLD_LOCATIONS, 20, AS_OF, "new", skip=("A", "L1"))
    ledger = ReservationLedger(old.row_count, old.horizon_days)
    row_a = old.row_of(old.item("A"), old.location("L1"))
    row_d = old.row_of(old.item("D"), old.location("L1"))
    ledger.add("a", (Allocation(row_a, 3, 2),))
    ledger.add("d", (Allocation(row_d, 3, 2),))
    plan = rows_to_keep(old, ledger, new)
    kept = with_rows(new, plan)
    rebased, summary = rebase_ledger(old, ledger, kept)
    assert plan.added == 1 and summary.allocations_dropped == 1
    row = kept.row_of(kept.item("A"), kept.location("L1"))
    assert rebased.get("a") == (Allocation(row, 3, 2),) and rebased.get("d") == ()
    assert kept.supply[row].sum() == 0


def test_only_committed_lines_whose_order_line_is_in_the_demand_are_absorbed() -> None:
    """Absorption takes committed lines named by the new demand; holds and others stay."""
    lines = {("O1", "1"): "", ("O1", "2"): "", ("O2", "1"): "hold-7", ("O/3", "1"): ""}
    demand = key_set(id_keys(["O1/1", "O2/1", "O/3/1", None, "O9/9"]))
    assert absorbed_lines(lines.items(), demand) == [("O1", "1"), ("O/3", "1")]
    assert absorbed_lines(lines.items(), key_set(id_keys([]))) == []
