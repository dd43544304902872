"""Moving the engine's reservations onto new data: by item, location and date, as journaled.

A reservation names a row and a bucket of the model it was made on. On another model it
means the same item, location and date: the bucket moves by the difference of the `as_of`
dates, a date before the new `as_of` folds into its first day (like past-due supply) and
one past the new horizon, or at an item or location the new data does not know, is dropped
(its line stays reserved without it). This is what journal replay does (`book.records.Remap`),
so a restarted server holds exactly what the running one held.

A committed order line that the new data carries as demand is absorbed: the engine's entry
goes, the demand stays, and the line is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from promising.engine import Engine
from promising.ledger import Allocation, ReservationLedger
from promising.manufacturing import CapacityDraw, CapacityLedger
from promising.model import SupplyModel
from promising.refresh.keys import contains, id_keys, order_line_id
from promising.refresh.rows import RowPlan, plan_rows, rows_of_keys


@dataclass(frozen=True)
class RebaseSummary:
    """What a refresh did to the reservations."""

    lines_kept: int = 0
    lines_absorbed: int = 0
    allocations_moved: int = 0
    allocations_dropped: int = 0
    item_locations_kept: int = 0


@dataclass(frozen=True)
class _Flat:
    """Every allocation of a ledger as columns, with the index of its entry in `keys`."""

    keys: list[str]
    entry: np.ndarray
    row: np.ndarray
    bucket: np.ndarray
    quantity: np.ndarray

    @staticmethod
    def of(ledger: ReservationLedger) -> _Flat:
        keys = ledger.keys()
        entries = [ledger.get(key) for key in keys]
        flat = [a for entry in entries for a in entry]
        table = np.array(flat, dtype=np.int64).reshape(-1, 3)
        counts = np.fromiter((len(e) for e in entries), dtype=np.int64, count=len(entries))
        entry = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        return _Flat(keys, entry, table[:, 0], table[:, 1], table[:, 2])


def _id_map(old_ids: tuple[str, ...], new_index: dict[str, int], used: np.ndarray) -> np.ndarray:
    """New index of each old index in `used` (-1: the new data does not know the id)."""
    out = np.full(len(old_ids), -1, dtype=np.int64)
    for i in np.unique(used).tolist():
        out[i] = new_index.get(old_ids[i], -1)
    return out


def _new_keys(old: SupplyModel, new: SupplyModel, rows: np.ndarray) -> np.ndarray:
    """Item-location key in `new` of each old row (-1: item or location unknown there)."""
    old_item = old.row_item[rows]
    old_location = old.row_location[rows]
    item = _id_map(old.items.ids, new.item_index, old_item)[old_item]
    location = _id_map(old.locations.ids, new.location_index, old_location)[old_location]
    keys = item * max(len(new.locations.ids), 1) + location
    return np.where((item >= 0) & (location >= 0), keys, -1)


def rows_to_keep(old: SupplyModel, ledger: ReservationLedger, new: SupplyModel) -> RowPlan:
    """Rows `new` needs beyond its own so that no reservation loses its item-location: those
    that hold a reservation on `old` whose item and location `new` knows."""
    flat = _Flat.of(ledger)
    keys = _new_keys(old, new, np.unique(flat.row))
    keys = keys[keys >= 0]
    return plan_rows(new, keys[rows_of_keys(new, keys) < 0])


def rebase_ledger(
    old: SupplyModel, ledger: ReservationLedger, new: SupplyModel
) -> tuple[ReservationLedger, RebaseSummary]:
    """A ledger for `new` holding `ledger`'s reservations (which is left as it is)."""
    flat = _Flat.of(ledger)
    if old.items is new.items and old.locations is new.locations and old.as_of == new.as_of:
        row, bucket = flat.row, flat.bucket  # a delta: rows keep their index
        moved = np.zeros(flat.row.shape[0], dtype=bool)
        kept = np.ones(flat.row.shape[0], dtype=bool)
    else:
        keys = _new_keys(old, new, flat.row)
        row = np.where(keys >= 0, rows_of_keys(new, np.maximum(keys, 0)), -1)
        bucket = flat.bucket + (old.as_of - new.as_of).days
        kept = (row >= 0) & (bucket < new.horizon_days)
        moved = kept & (bucket < 0)
        bucket = np.maximum(bucket, 0)
    entries: dict[str, list[Allocation]] = {key: [] for key in flat.keys}
    for i, r, b, q in zip(
        flat.entry[kept].tolist(),
        row[kept].tolist(),
        bucket[kept].tolist(),
        flat.quantity[kept].tolist(),
        strict=True,
    ):
        entries[flat.keys[i]].append(Allocation(r, b, q))
    out = ReservationLedger(new.row_count, new.horizon_days)
    classes = {key: c for key in flat.keys if (c := ledger.demand_class_of(key))}
    out.add_many({key: tuple(allocations) for key, allocations in entries.items()}, classes)
    summary = RebaseSummary(
        lines_kept=len(flat.keys),
        allocations_moved=int(moved.sum()),
        allocations_dropped=int((~kept).sum()),
    )
    return out, summary


def absorbed_lines(
    lines: Iterable[tuple[tuple[str, str], str]], order_lines: np.ndarray
) -> list[tuple[str, str]]:
    """The committed lines among `lines` ((order_id, line_id) → holding hold id, "" once
    committed) whose `order_line_id` is in `order_lines` (a `keys.key_set`)."""
    committed = [line for line, hold_id in lines if not hold_id]
    if not committed or order_lines.shape[0] == 0:
        return []
    keys = id_keys([order_line_id(order_id, line_id) for order_id, line_id in committed])
    return [line for line, hit in zip(committed, contains(order_lines, keys), strict=True) if hit]


def carry_capacity(old: Engine, new: Engine) -> None:
    """Give `new` the plant and supplier capacity that CTP and SUPPLIER promises hold.

    When both models index resources, suppliers and days alike (always after a delta) the
    capacity ledgers are shared as they are; otherwise each hold moves by resource id,
    supplier (item, location) and date, like journal replay (`records.Remap.extras`).
    """
    a, b = old.model, new.model
    if (
        a.as_of == b.as_of
        and a.horizon_days == b.horizon_days
        and a.manufacturing.resource_ids == b.manufacturing.resource_ids
        and (a.suppliers is b.suppliers or a.suppliers == b.suppliers)
    ):
        capable = old.capable
        new.capable.capacity = capable.capacity
        new.capable.ctp.capacity = capable.capacity
        new.capable.suppliers.capacity = capable.suppliers.capacity
        return
    shift = (a.as_of - b.as_of).days
    resources = {rid: i for i, rid in enumerate(b.manufacturing.resource_ids)}
    resource_map = [resources.get(rid, -1) for rid in a.manufacturing.resource_ids]
    _move(old.capable.capacity, new.capable.capacity, resource_map, shift, b.horizon_days)
    new_sources = {
        (b.items.ids[item], b.locations.ids[s.location]): i
        for i, (item, s) in enumerate(new.capable.suppliers.sources)
    }
    supplier_map = [
        new_sources.get((a.items.ids[item], a.locations.ids[s.location]), -1)
        for item, s in old.capable.suppliers.sources
    ]
    _move(
        old.capable.suppliers.capacity, new.capable.suppliers.capacity, supplier_map, shift,
        b.horizon_days,
    )  # fmt: skip


def _move(
    old: CapacityLedger, new: CapacityLedger, resource_map: list[int], shift: int, horizon: int
) -> None:
    entries: dict[str, tuple[CapacityDraw, ...]] = old.entries()
    for key, draws in entries.items():
        moved = tuple(
            CapacityDraw(resource_map[d.resource], max(d.bucket + shift, 0), d.milli)
            for d in draws
            if resource_map[d.resource] >= 0 and d.bucket + shift < horizon
        )
        if moved:
            new.add(key, moved)
