"""Reservations moved onto new data: one remap for refresh and journal replay, checked
against a plain per-cell reference; rows kept for reservations; absorbed lines."""

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
from promising.domain import LineStatus
from promising.ledger import Allocation, Reservation, ReservationLedger
from promising.manufacturing import CapacityDraw, Manufacturing, Supplier, supplier_sources
from promising.model import SupplyModel, build_model
from promising.promise import LinePromise
from promising.refresh.keys import id_keys, key_set
from promising.refresh.rebase import absorbed_lines, rows_to_keep
from promising.refresh.rows import with_rows
from promising.remap import Frame, remap

OLD_ITEMS = ["A", "B", "C", "D"]
OLD_LOCATIONS = ["L1", "L2", "L3"]
OLD_RESOURCES = ["R1", "R2", "R3"]


def _model(
    items: list[str],
    locations: list[str],
    horizon: int,
    as_of: dt.date,
    snapshot_id: str,
    skip: tuple[str, str] = ("A", "L3"),
    resources: list[str] = OLD_RESOURCES,
) -> SupplyModel:
    """Supply of 5 on day 0 at every item-location but `skip`; `resources`; each item is
    bought from a supplier at the first location, and item A also at the last."""
    supply = [Event(i, loc, 0, 5) for i in items for loc in locations if (i, loc) != skip]
    data = Snapshot(
        items=[Item(i) for i in items],
        locations=locations,
        supply=supply,
        horizon_days=horizon,
        snapshot_id=snapshot_id,
    ).data()
    model = build_model(dataclasses.replace(data, as_of=as_of))
    capacity = np.zeros((len(resources), horizon), dtype=np.int64)
    suppliers = {
        model.item_index[i]: tuple(
            Supplier(model.location_index[loc], 1, 10, float("nan"))
            for loc in dict.fromkeys([locations[0], locations[-1] if i == "A" else locations[0]])
        )
        for i in items
    }
    return dataclasses.replace(
        model,
        manufacturing=Manufacturing(resource_ids=tuple(resources), capacity_milli=capacity),
        suppliers=suppliers,
    )


def _reference(old: SupplyModel, entries: dict[str, Reservation], new: SupplyModel):
    """Each cell moved on its own, by ids and dates: (entries, moved, dropped, draws dropped)."""
    moved = dropped = draws_dropped = 0
    resources = {rid: k for k, rid in enumerate(new.manufacturing.resource_ids)}
    old_sources, new_sources = (
        [(m.items.ids[i], m.locations.ids[s.location]) for i, s in supplier_sources(m.suppliers)]
        for m in (old, new)
    )

    def day(bucket: int) -> int:
        return new.bucket_of(old.date_of(bucket))

    out = {}
    for key, r in entries.items():
        units = []
        for a in r.allocations:
            item = new.item_index.get(old.items.ids[old.row_item[a.row]])
            location = new.location_index.get(old.locations.ids[old.row_location[a.row]])
            row = -1 if item is None or location is None else new.row_of(item, location)
            bucket = day(a.bucket)
            if row < 0 or bucket >= new.horizon_days:
                dropped += 1
                continue
            moved += bucket < 0
            units.append(Allocation(row, max(bucket, 0), a.quantity))
        draws = {"capacity": [], "supplier": []}
        for kind, cells, index in (
            ("capacity", r.capacity, lambda d: resources.get(OLD_RESOURCES[d.resource], -1)),
            (
                "supplier",
                r.supplier_draws,
                lambda d: (
                    new_sources.index(old_sources[d.resource])
                    if old_sources[d.resource] in new_sources
                    else -1
                ),
            ),
        ):
            for d in cells:
                place, bucket = index(d), day(d.bucket)
                if place < 0 or bucket >= new.horizon_days:
                    draws_dropped += 1
                else:
                    draws[kind].append(CapacityDraw(place, max(bucket, 0), d.milli))
        out[key] = Reservation(
            tuple(units), tuple(draws["capacity"]), tuple(draws["supplier"]), r.demand_class
        )
    return out, moved, dropped, draws_dropped


@functools.cache
def _old_model() -> SupplyModel:
    """The model the reservations are made on (read-only, so one serves every example)."""
    return _model(OLD_ITEMS, OLD_LOCATIONS, 20, AS_OF, "old")


CELLS = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 19), st.integers(1, 9)), max_size=4)
ENTRIES = st.lists(st.tuples(CELLS, CELLS, CELLS), max_size=12)


@settings(max_examples=examples(60, test=20), deadline=None)
@given(
    entries=ENTRIES,
    shift=st.integers(0, 25),
    horizon=st.integers(5, 20),
    items=st.lists(st.sampled_from([*OLD_ITEMS, "E"]), min_size=1, unique=True),
    locations=st.lists(st.sampled_from(OLD_LOCATIONS), min_size=1, unique=True),
    resources=st.lists(st.sampled_from([*OLD_RESOURCES, "R9"]), unique=True),
)
def test_remap_equals_reference_from_the_model_and_from_the_journal(
    entries: list[tuple[list[tuple[int, int, int]], ...]],
    shift: int,
    horizon: int,
    items: list[str],
    locations: list[str],
    resources: list[str],
) -> None:
    """Units, plant and supplier capacity and classes move as the per-cell reference moves
    them (later as_of, fewer items, locations, resources or suppliers, another horizon),
    whether read from a ledger (refresh) or from the journal (replay)."""
    old = _old_model()
    new = _model(items, locations, horizon, AS_OF + dt.timedelta(days=shift), "new", ("A", "L3"),
                 resources)  # fmt: skip
    sources = len(supplier_sources(old.suppliers))
    ledger = ReservationLedger.for_model(old)
    frame = records.JournalFrame()
    journaled = {}
    for k, (units, capacity, supplier) in enumerate(entries):
        reservation = Reservation(
            tuple(Allocation(r % old.row_count, b, q) for r, b, q in units),
            tuple(CapacityDraw(r % 3, b, q) for r, b, q in capacity),
            tuple(CapacityDraw(r % sources, b, q) for r, b, q in supplier),
            "GOLD" if k % 3 == 0 else "",
        )
        ledger.add(f"k{k}", reservation)
        promise = LinePromise(
            "1", "A", LineStatus.ON_TIME, 1, AS_OF, 1, AS_OF, (), reservation.allocations,
            reservation.demand_class, reservation.capacity, reservation.supplier_draws,
        )  # fmt: skip
        line = records.line_out(old, supplier_sources(old.suppliers), promise)
        journaled[f"k{k}"] = frame.reservation(line[1], line[2] if len(line) > 2 else {})
    expected, moved, dropped, draws_dropped = _reference(old, ledger.entries(), new)

    for got in (
        remap(ledger.entries(), Frame.of(old), new),
        remap(journaled, frame.frame(), new),
    ):
        assert got.entries == expected
        assert got.report.allocations_moved == moved
        assert len(got.report.allocations_dropped) == dropped
        assert got.report.draws_dropped == draws_dropped
        again = ReservationLedger.for_model(new)
        again.add_many(got.entries)
        again.audit()


def test_remap_onto_the_same_data_changes_nothing() -> None:
    """On a model whose frame is the same, every reservation stays as it is."""
    model = _model(OLD_ITEMS, OLD_LOCATIONS, 20, AS_OF, "old")
    entries = {"k": Reservation((Allocation(1, 2, 3),), (CapacityDraw(0, 1, 5),), (), "GOLD")}
    got = remap(entries, Frame.of(model), dataclasses.replace(model, snapshot_id="again"))
    assert got.entries == entries and got.report == type(got.report)()


def test_rows_are_kept_for_reservations() -> None:
    """An item-location the new snapshot lacks gets a row when it holds a reservation, so the
    reservation is kept rather than dropped; unknown items are still dropped."""
    old = _model(OLD_ITEMS, OLD_LOCATIONS, 20, AS_OF, "old")
    new = _model(["A", "B"], OLD_LOCATIONS, 20, AS_OF, "new", skip=("A", "L1"))
    ledger = ReservationLedger.for_model(old)
    row_a = old.row_of(old.item("A"), old.location("L1"))
    row_d = old.row_of(old.item("D"), old.location("L1"))
    ledger.add("a", Reservation((Allocation(row_a, 3, 2),)))
    ledger.add("d", Reservation((Allocation(row_d, 3, 2),)))
    plan = rows_to_keep(old, ledger, new)
    kept = with_rows(new, plan)
    moved = remap(ledger.entries(), Frame.of(old), kept)
    assert plan.added == 1 and len(moved.report.allocations_dropped) == 1
    row = kept.row_of(kept.item("A"), kept.location("L1"))
    assert moved.entries["a"].allocations == (Allocation(row, 3, 2),)
    assert moved.entries["d"].allocations == ()
    assert kept.supply[row].sum() == 0


def test_only_committed_lines_whose_order_line_is_in_the_demand_are_absorbed() -> None:
    """Absorption takes committed lines named by the new demand; holds and others stay."""
    lines = {("O1", "1"): "", ("O1", "2"): "", ("O2", "1"): "hold-7", ("O/3", "1"): ""}
    demand = key_set(id_keys(["O1/1", "O2/1", "O/3/1", None, "O9/9"]))
    assert absorbed_lines(lines.items(), demand) == [("O1", "1"), ("O/3", "1")]
    assert absorbed_lines(lines.items(), key_set(id_keys([]))) == []
