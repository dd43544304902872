"""Item-location rows of a model across refreshes: rows are appended, never moved or removed.

A delta may bring the first supply or demand of an item at a location, and a new snapshot
may lack an item-location the engine still holds reservations at: both append rows. Rows
that stay keep their index, so a delta leaves the reservation ledger valid as it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from kernels.events import group_ptr
from promising.item_locations import keys_of, split_keys
from promising.model import GroupedEvents, SupplyModel, rows_of_keys


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class RowPlan:
    """The rows of a model after appending some: what every changed table must follow."""

    old_count: int
    count: int
    row_item: np.ndarray
    row_location: np.ndarray
    item_row_ptr: np.ndarray
    item_rows: np.ndarray
    row_index: dict[int, int]
    fresh: np.ndarray
    """Keys of the appended rows, sorted: row `old_count + i` is `fresh[i]`."""

    @property
    def added(self) -> int:
        return self.count - self.old_count

    def rows_of(self, model: SupplyModel, keys: np.ndarray) -> np.ndarray:
        """Row of each key in the planned rows of `model` (-1 where neither has it)."""
        rows = rows_of_keys(model, keys)
        if self.fresh.shape[0]:
            new = rows < 0
            at = np.minimum(np.searchsorted(self.fresh, keys[new]), self.fresh.shape[0] - 1)
            hit = self.fresh[at] == keys[new]
            rows[new] = np.where(hit, self.old_count + at, -1)
        return rows


def plan_rows(model: SupplyModel, keys: np.ndarray) -> RowPlan:
    """Rows of `model` plus one for each distinct key in `keys` that it lacks."""
    old = model.row_count
    fresh = np.unique(keys)
    fresh = fresh[rows_of_keys(model, fresh) < 0] if fresh.shape[0] else fresh
    if fresh.shape[0] == 0:
        return RowPlan(
            old, old, model.row_item, model.row_location, model.item_row_ptr, model.item_rows,
            model.row_index, fresh,
        )  # fmt: skip
    location_count = len(model.locations.ids)
    fresh_item, fresh_location = split_keys(fresh, location_count)
    row_item = np.concatenate([model.row_item, fresh_item])
    row_location = np.concatenate([model.row_location, fresh_location])
    all_keys = keys_of(row_item, row_location, location_count)
    item_rows = np.argsort(all_keys, kind="stable").astype(np.int64)
    item_row_ptr = group_ptr(row_item, len(model.items.ids))
    row_index = dict(model.row_index)
    row_index.update(zip(fresh.tolist(), range(old, old + fresh.shape[0]), strict=True))
    return RowPlan(
        old, old + fresh.shape[0], _frozen(row_item), _frozen(row_location),
        _frozen(item_row_ptr), _frozen(item_rows), row_index, _frozen(fresh),
    )  # fmt: skip


def grown_matrix(matrix: np.ndarray, count: int) -> np.ndarray:
    """A writable copy of a (rows, horizon) matrix with zero rows appended up to `count`."""
    out = np.empty((count, matrix.shape[1]), dtype=matrix.dtype)
    out[: matrix.shape[0]] = matrix
    out[matrix.shape[0] :] = 0
    return out


def grown_events(events: GroupedEvents, count: int) -> GroupedEvents:
    """Grouped events with empty rows appended up to `count` (the event columns are shared)."""
    extra = count - (events.ptr.shape[0] - 1)
    if extra == 0:
        return events
    ptr = np.concatenate([events.ptr, np.full(extra, events.ptr[-1], dtype=np.int64)])
    return dataclasses.replace(events, ptr=_frozen(ptr))


def with_rows(model: SupplyModel, plan: RowPlan) -> SupplyModel:
    """The model with the plan's rows (zero supply and demand in the new ones)."""
    if plan.added == 0:
        return model
    return dataclasses.replace(
        model,
        row_item=plan.row_item,
        row_location=plan.row_location,
        item_row_ptr=plan.item_row_ptr,
        item_rows=plan.item_rows,
        row_index=plan.row_index,
        supply=_frozen(grown_matrix(model.supply, plan.count)),
        demand=_frozen(grown_matrix(model.demand, plan.count)),
        supply_events=grown_events(model.supply_events, plan.count),
        demand_events=grown_events(model.demand_events, plan.count),
    )
