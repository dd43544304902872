"""Moving reservations onto other data: journal replay, live refresh and (next) scenario forks.

A reservation names places (item-location rows, plant resources, suppliers) and buckets of
the data it was made on: its `Frame`. On other data it means the same item, location,
resource, supplier and date: a place maps by its ids, a bucket moves by the difference of
the two dates of bucket 0. A date before the new `as_of` folds into its first day (like
past-due supply: counted as moved); a place the new data does not know, or a date past its
horizon, is dropped and reported, and the line stays reserved without it.

The journal is one more frame: its records name places by id and days by date
(`book.records.JournalFrame`), so replay, refresh and forks all move reservations here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, TypeVar

import numpy as np

from promising.ledger import Allocation, Reservation
from promising.manufacturing import CapacityDraw, supplier_sources
from promising.model import SupplyModel, rows_of_keys

T = TypeVar("T")

DroppedAllocation = tuple[str, str, str, int]
"""(item_id, location_id, ISO date, quantity): an allocation that could not be moved."""


class Frame(NamedTuple):
    """What the places and buckets of some reservations mean."""

    item_ids: Sequence[str]
    location_ids: Sequence[str]
    row_item: np.ndarray  # row → index into item_ids
    row_location: np.ndarray  # row → index into location_ids
    resource_ids: Sequence[str]
    supplier_keys: Sequence[tuple[str, str]]  # supplier → (item_id, supplier location_id)
    day0: int  # the date of bucket 0, as a proleptic ordinal

    @staticmethod
    def of(model: SupplyModel) -> Frame:
        items, locations = model.items.ids, model.locations.ids
        suppliers = [
            (items[item], locations[s.location]) for item, s in supplier_sources(model.suppliers)
        ]
        return Frame(
            items, locations, model.row_item, model.row_location,
            model.manufacturing.resource_ids, suppliers, model.as_of.toordinal(),
        )  # fmt: skip

    def same_as(self, other: Frame) -> bool:
        """True when every place and bucket means the same in both frames."""
        return (
            self.day0 == other.day0
            and tuple(self.item_ids) == tuple(other.item_ids)
            and tuple(self.location_ids) == tuple(other.location_ids)
            and np.array_equal(self.row_item, other.row_item)
            and np.array_equal(self.row_location, other.row_location)
            and tuple(self.resource_ids) == tuple(other.resource_ids)
            and list(self.supplier_keys) == list(other.supplier_keys)
        )


class RemapReport(NamedTuple):
    """What could not be moved exactly."""

    allocations_moved: int = 0  # dated before the new as_of: folded into its first day
    allocations_dropped: tuple[DroppedAllocation, ...] = ()
    draws_dropped: int = 0  # capacity and supplier draws of unknown places or past the horizon


class Remapped(NamedTuple):
    entries: dict[str, Reservation]
    report: RemapReport


def remap(entries: Mapping[str, Reservation], source: Frame, target: SupplyModel) -> Remapped:
    """`entries`, made in `source`, moved onto `target` (one pass over all their cells)."""
    into = Frame.of(target)
    if source.same_as(into):
        return Remapped(dict(entries), RemapReport())
    keys = list(entries)
    horizon = target.horizon_days
    shift = source.day0 - into.day0

    units = _Column.of(keys, entries, lambda r: r.allocations)
    rows = np.unique(units.place)
    new_row = np.full(len(source.row_item), -1, dtype=np.int64)
    place_keys = target_keys(source, rows, target)
    new_row[rows] = np.where(place_keys >= 0, rows_of_keys(target, np.maximum(place_keys, 0)), -1)
    row, bucket, kept = units.moved(new_row, shift, horizon)
    moved = int((kept & (units.bucket + shift < 0)).sum())
    allocations = units.build(keys, row, bucket, kept, Allocation)
    dropped = tuple(
        (
            source.item_ids[source.row_item[p]],
            source.location_ids[source.row_location[p]],
            dt.date.fromordinal(source.day0 + b).isoformat(),
            q,
        )
        for p, b, q in zip(
            units.place[~kept].tolist(),
            units.bucket[~kept].tolist(),
            units.amount[~kept].tolist(),
            strict=True,
        )
    )

    resources = {rid: i for i, rid in enumerate(into.resource_ids)}
    resource_map = np.array([resources.get(rid, -1) for rid in source.resource_ids], np.int64)
    capacity = _Column.of(keys, entries, lambda r: r.capacity)
    c_place, c_bucket, c_kept = capacity.moved(resource_map, shift, horizon)
    suppliers = {key: i for i, key in enumerate(into.supplier_keys)}
    supplier_map = np.array([suppliers.get(key, -1) for key in source.supplier_keys], np.int64)
    supplier = _Column.of(keys, entries, lambda r: r.supplier_draws)
    s_place, s_bucket, s_kept = supplier.moved(supplier_map, shift, horizon)
    draws = capacity.build(keys, c_place, c_bucket, c_kept, CapacityDraw)
    supplier_draws = supplier.build(keys, s_place, s_bucket, s_kept, CapacityDraw)

    out = {
        key: Reservation(
            allocations.get(key, ()),
            draws.get(key, ()),
            supplier_draws.get(key, ()),
            entries[key].demand_class,
        )
        for key in keys
    }
    report = RemapReport(moved, dropped, int((~c_kept).sum() + (~s_kept).sum()))
    return Remapped(out, report)


def target_keys(source: Frame, rows: np.ndarray, target: SupplyModel) -> np.ndarray:
    """Item-location key (item × locations + location) in `target` of each of the source's
    `rows` (-1: `target` does not know the item or the location)."""
    rows = np.asarray(rows, dtype=np.int64)
    old_item = np.asarray(source.row_item)[rows]
    old_location = np.asarray(source.row_location)[rows]
    item = _id_map(source.item_ids, target.item_index, old_item)[old_item]
    location = _id_map(source.location_ids, target.location_index, old_location)[old_location]
    keys = item * max(len(target.locations.ids), 1) + location
    return np.where((item >= 0) & (location >= 0), keys, -1)


def _id_map(old_ids: Sequence[str], new_index: dict[str, int], used: np.ndarray) -> np.ndarray:
    """New index of each old index in `used` (-1: the new data does not know the id)."""
    out = np.full(len(old_ids), -1, dtype=np.int64)
    for i in np.unique(used).tolist():
        out[i] = new_index.get(old_ids[i], -1)
    return out


class _Column(NamedTuple):
    """One kind of cell of many reservations, flat: the entry each belongs to, its place,
    bucket and amount."""

    entry: np.ndarray
    place: np.ndarray
    bucket: np.ndarray
    amount: np.ndarray

    @staticmethod
    def of(
        keys: list[str],
        entries: Mapping[str, Reservation],
        cells: Callable[[Reservation], Iterable[tuple[int, int, int]]],
    ) -> _Column:
        flat = [(k, *cell) for k, key in enumerate(keys) for cell in cells(entries[key])]
        table = np.array(flat, dtype=np.int64).reshape(-1, 4)
        return _Column(*(np.ascontiguousarray(table[:, i]) for i in range(4)))

    def moved(
        self, place_map: np.ndarray, shift: int, horizon: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New place and bucket of each cell, and which cells are kept."""
        place = place_map[self.place]
        bucket = self.bucket + shift
        kept = (place >= 0) & (bucket < horizon)
        return place, np.maximum(bucket, 0), kept

    def build(
        self,
        keys: list[str],
        place: np.ndarray,
        bucket: np.ndarray,
        kept: np.ndarray,
        kind: Callable[[int, int, int], T],
    ) -> dict[str, tuple[T, ...]]:
        """The kept cells as `kind` tuples, grouped by entry key (in their order)."""
        out: dict[str, list[T]] = {}
        for k, p, b, a in zip(
            self.entry[kept].tolist(),
            place[kept].tolist(),
            bucket[kept].tolist(),
            self.amount[kept].tolist(),
            strict=True,
        ):
            out.setdefault(keys[k], []).append(kind(p, b, a))
        return {key: tuple(cells) for key, cells in out.items()}
