"""The in-memory supply model: dense ids and read-only int64 (item-location, bucket) arrays.

Layout: `supply` and `demand` are C-ordered (item_locations, horizon_days) int64 matrices, one
row per item-location. A promise reads one row front to back and a batch recompute streams
row after row, so both walk memory sequentially; the bucket-major alternative
(horizon_days, item_locations) makes the single-row promise stride by a whole row of the
matrix per bucket. Measured in benchmarks/test_atp.py on 100k × 365 (benchmarks/README.md):
the batch recompute costs the same in both layouts when each is looped its best way (ratio
1.09) and 2× more in bucket-major looped per row, while the one-line promise search is 4×
faster row-major (1.4 µs against 5.7 µs), so row-major it is.

Rows count the supply and demand types of the item's own ATP rule; the raw events stay
grouped by row (CSR) so a profile under another rule re-bins one row on request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from kernels.events import dense_from_grouped, group_events, group_ptr
from promising.allocation import AllocationRules
from promising.errors import UnknownEntity
from promising.item_locations import key_count, key_of, keys_of, split_keys
from promising.manufacturing import Manufacturing, Supplier
from promising.snapshot import (
    CalendarTable,
    EventTable,
    ItemTable,
    LocationTable,
    RuleTable,
    SnapshotData,
    SourcingRuleTable,
    SubstituteTable,
)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _freeze_tables(*tables: object) -> None:
    """Make every array of the snapshot's tables read-only: the model takes them over."""
    for table in tables:
        for f in fields(table):  # type: ignore[arg-type]
            value = getattr(table, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


@dataclass(frozen=True)
class GroupedEvents:
    """Events grouped by item-location row: row r owns positions ptr[r]:ptr[r+1]."""

    ptr: np.ndarray  # int64, (rows + 1,)
    bucket: np.ndarray  # int64, -1 = past the horizon
    quantity: np.ndarray  # int64
    kind: np.ndarray  # int8
    demand_class: np.ndarray  # int16


class RowValues(NamedTuple):
    """One item-location row as a fork changed it (`promising.fork`): its counted buckets,
    and its events as a row of some `GroupedEvents` (the model's own where a side is
    unchanged, else a group of that one row)."""

    supply: np.ndarray  # int64, (horizon_days,)
    demand: np.ndarray
    supply_events: tuple[GroupedEvents, int]
    demand_events: tuple[GroupedEvents, int]


@dataclass(frozen=True)
class LoadStats:
    """What the build did with the rows: read, folded into bucket 0, left out."""

    rows_read: dict[str, int]
    supply_past_due: int
    supply_beyond_horizon: int
    demand_past_due: int
    demand_beyond_horizon: int


@dataclass(frozen=True)
class ItemScalars:
    """Per-item attributes as Python tuples: indexing a tuple costs ~20 ns, a numpy scalar
    ~50 ns plus slow comparisons against enums, and the one-line promise reads several."""

    promising_mode: tuple[int, ...]
    lead_time_days: tuple[int, ...]
    infinite_time_fence_days: tuple[int, ...]
    unit_cost: tuple[float, ...]

    @staticmethod
    def of(items: ItemTable) -> ItemScalars:
        return ItemScalars(
            promising_mode=tuple(items.promising_mode.tolist()),
            lead_time_days=tuple(items.lead_time_days.tolist()),
            infinite_time_fence_days=tuple(items.infinite_time_fence_days.tolist()),
            unit_cost=tuple(items.unit_cost.tolist()),
        )


@dataclass(frozen=True)
class SupplyModel:
    """A snapshot, ready to answer: immutable; reservations live in `ReservationLedger`."""

    snapshot_id: str
    as_of: dt.date
    horizon_days: int
    items: ItemTable
    locations: LocationTable
    rules: RuleTable
    calendars: CalendarTable
    demand_classes: tuple[str, ...]
    item_index: dict[str, int]
    location_index: dict[str, int]
    rule_index: dict[str, int]
    row_item: np.ndarray  # int32, (rows,): item of each item-location row
    row_location: np.ndarray  # int32, (rows,)
    item_row_ptr: np.ndarray  # int64, (items + 1,): rows of item i are item_rows[ptr[i]:ptr[i+1]]
    item_rows: np.ndarray  # int64, rows sorted by (item, location)
    supply: np.ndarray  # int64, (rows, horizon_days), counted by each item's rule
    demand: np.ndarray  # int64, (rows, horizon_days)
    supply_events: GroupedEvents
    demand_events: GroupedEvents
    stats: LoadStats
    item_scalars: ItemScalars
    row_index: dict[int, int]  # item-location key (`promising.item_locations`) → row
    dates: tuple[dt.date, ...]  # date of each bucket
    # Optional tables, attached after the build (loaders.load_model) where a snapshot has them.
    allocation: AllocationRules = field(default_factory=AllocationRules)
    manufacturing: Manufacturing = field(default_factory=Manufacturing)
    suppliers: dict[int, tuple[Supplier, ...]] = field(default_factory=dict)
    sourcing_rules: SourcingRuleTable = field(default_factory=SourcingRuleTable.empty)
    substitutes: SubstituteTable = field(default_factory=SubstituteTable.empty)
    delta_sequence: int = 0
    """Deltas applied on the snapshot (`promising.refresh`): with `snapshot_id`, the version."""
    overlay: dict[int, RowValues] = field(default_factory=dict)
    """Rows a fork has changed, by row (`promising.fork`): they shadow the matrices' rows.
    Empty for a loaded model; read rows through `supply_row`/`demand_row`/`events_of`."""

    @property
    def row_count(self) -> int:
        return int(self.row_item.shape[0])

    # --- rows (a fork's overlay first) ----------------------------------------------------
    def supply_row(self, row: int) -> np.ndarray:
        """Counted supply of one row per bucket (read only)."""
        changed = self.overlay.get(row) if self.overlay else None
        return self.supply[row] if changed is None else changed.supply

    def demand_row(self, row: int) -> np.ndarray:
        """Counted demand of one row per bucket (read only)."""
        changed = self.overlay.get(row) if self.overlay else None
        return self.demand[row] if changed is None else changed.demand

    def events_of(self, row: int, supply: bool) -> tuple[GroupedEvents, int]:
        """The grouped supply (or demand) events holding `row`, and its row in them."""
        changed = self.overlay.get(row) if self.overlay else None
        if changed is None:
            return (self.supply_events if supply else self.demand_events), row
        return changed.supply_events if supply else changed.demand_events

    # --- dates -------------------------------------------------------------------------
    def bucket_of(self, day: dt.date) -> int:
        """Bucket index of a date (may be negative or >= horizon_days)."""
        return (day - self.as_of).days

    def date_of(self, bucket: int) -> dt.date:
        if 0 <= bucket < self.horizon_days:
            return self.dates[bucket]
        return self.as_of + dt.timedelta(days=int(bucket))

    @property
    def horizon_end(self) -> dt.date:
        """The last date inside the horizon."""
        return self.date_of(self.horizon_days - 1)

    # --- ids ---------------------------------------------------------------------------
    def item(self, item_id: str) -> int:
        try:
            return self.item_index[item_id]
        except KeyError:
            raise UnknownEntity(f"unknown item {item_id!r}") from None

    def location(self, location_id: str) -> int:
        try:
            return self.location_index[location_id]
        except KeyError:
            raise UnknownEntity(f"unknown location {location_id!r}") from None

    def rule(self, rule_id: str) -> int:
        try:
            return self.rule_index[rule_id]
        except KeyError:
            raise UnknownEntity(f"unknown ATP rule {rule_id!r}") from None

    def rows_of_item(self, item: int) -> np.ndarray:
        """Item-location rows of an item, ordered by location index."""
        return self.item_rows[self.item_row_ptr[item] : self.item_row_ptr[item + 1]]

    def row_of(self, item: int, location: int) -> int:
        """Row of (item, location), or -1 when the item has no supply or demand there."""
        return self.row_index.get(key_of(item, location, len(self.locations.ids)), -1)


LOOKUP_KEYS_MAX = 1 << 22
"""Largest items × locations looked up through a dense table (32 MiB); beyond, a sort."""


def row_keys(model: SupplyModel) -> np.ndarray:
    """Item-location key (`promising.item_locations`) of every row."""
    return keys_of(model.row_item, model.row_location, len(model.locations.ids))


def rows_of_keys(model: SupplyModel, keys: np.ndarray) -> np.ndarray:
    """Row of each item-location key, -1 where the model has none."""
    known = row_keys(model)
    count = key_count(len(model.items.ids), len(model.locations.ids))
    if count <= LOOKUP_KEYS_MAX:
        row_of_key = np.full(count, -1, dtype=np.int64)
        row_of_key[known] = np.arange(known.shape[0], dtype=np.int64)
        return row_of_key[keys]
    if known.shape[0] == 0:
        return np.full(keys.shape[0], -1, dtype=np.int64)
    order = np.argsort(known)
    at = np.minimum(np.searchsorted(known[order], keys), known.shape[0] - 1)
    return np.where(known[order[at]] == keys, order[at], -1)


PRESENCE_KEYS_MAX = 1 << 25
"""Largest items × locations for the presence table (8 bytes a key: 256 MiB at most)."""


def _item_location_rows(
    supply: EventTable, demand: EventTable, item_count: int, location_count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense row ids for every (item, location) pair that appears in supply or demand.

    Returns (keys, supply_rows, demand_rows), rows ordered by item-location key, so by
    (item, location). While items × locations fits a presence table
    (PRESENCE_KEYS_MAX), two linear passes replace the sort of np.unique, which took half of
    a 10M-row build.
    """
    supply_keys = keys_of(supply.item, supply.location, location_count)
    demand_keys = keys_of(demand.item, demand.location, location_count)
    count = key_count(item_count, location_count)
    if count <= PRESENCE_KEYS_MAX:
        present = np.zeros(count, dtype=np.bool_)
        present[supply_keys] = True
        present[demand_keys] = True
        keys = np.flatnonzero(present)
        row_of_key = np.empty(count, dtype=np.int64)
        row_of_key[keys] = np.arange(keys.shape[0], dtype=np.int64)
        return keys, row_of_key[supply_keys], row_of_key[demand_keys]
    keys, inverse = np.unique(np.concatenate([supply_keys, demand_keys]), return_inverse=True)
    inverse = inverse.astype(np.int64, copy=False)
    split = supply_keys.shape[0]
    return keys, inverse[:split], inverse[split:]


def _dense(
    events: GroupedEvents, row_mask: np.ndarray, row_count: int, horizon_days: int
) -> np.ndarray:
    """(rows, horizon) int64 sums of each row's events whose type its rule counts."""
    out = np.empty((row_count, horizon_days), dtype=np.int64)
    mask = np.ascontiguousarray(row_mask, dtype=np.int64)
    dense_from_grouped(events.ptr, events.bucket, events.quantity, events.kind, mask, out)
    return out


def _group(
    events: EventTable, rows: np.ndarray, row_count: int, horizon_days: int
) -> tuple[GroupedEvents, int, int]:
    """Events grouped by row with bucketed days; also (past_due, beyond_horizon) counts."""
    ptr, bucket, quantity, kind, demand_class, past_due, beyond = group_events(
        rows,
        events.day,
        events.quantity,
        events.kind,
        events.demand_class,
        row_count,
        horizon_days,
    )
    grouped = GroupedEvents(
        ptr=_frozen(ptr),
        bucket=_frozen(bucket),
        quantity=_frozen(quantity),
        kind=_frozen(kind),
        demand_class=_frozen(demand_class),
    )
    return grouped, int(past_due), int(beyond)


def build_model(data: SnapshotData) -> SupplyModel:
    """Build the read-only model from validated snapshot data (vectorized and njit passes)."""
    horizon = data.horizon_days
    _freeze_tables(
        data.items,
        data.locations,
        data.rules,
        data.calendars,
        data.sourcing_rules,
        data.substitutes,
    )
    location_count = len(data.locations.ids)
    keys, supply_rows, demand_rows = _item_location_rows(
        data.supply, data.demand, len(data.items.ids), location_count
    )
    row_item, row_location = split_keys(keys, location_count)
    row_count = row_item.shape[0]
    row_rule = data.items.atp_rule[row_item]

    supply_events, s_past, s_beyond = _group(data.supply, supply_rows, row_count, horizon)
    demand_events, d_past, d_beyond = _group(data.demand, demand_rows, row_count, horizon)
    supply = _dense(supply_events, data.rules.supply_mask[row_rule], row_count, horizon)
    demand = _dense(demand_events, data.rules.demand_mask[row_rule], row_count, horizon)
    item_row_ptr = group_ptr(row_item, len(data.items.ids))

    return SupplyModel(
        snapshot_id=data.snapshot_id,
        as_of=data.as_of,
        horizon_days=horizon,
        items=data.items,
        locations=data.locations,
        rules=data.rules,
        calendars=data.calendars,
        demand_classes=data.demand_classes,
        item_index={item_id: i for i, item_id in enumerate(data.items.ids)},
        location_index={loc_id: i for i, loc_id in enumerate(data.locations.ids)},
        rule_index={rule_id: i for i, rule_id in enumerate(data.rules.ids)},
        row_item=_frozen(row_item),
        row_location=_frozen(row_location),
        item_row_ptr=_frozen(item_row_ptr),
        # rows are already ordered by (item, location): keys come out sorted
        item_rows=_frozen(np.arange(row_count, dtype=np.int64)),
        supply=_frozen(supply),
        demand=_frozen(demand),
        supply_events=supply_events,
        demand_events=demand_events,
        stats=LoadStats(
            rows_read=dict(data.rows_read),
            supply_past_due=s_past,
            supply_beyond_horizon=s_beyond,
            demand_past_due=d_past,
            demand_beyond_horizon=d_beyond,
        ),
        item_scalars=ItemScalars.of(data.items),
        row_index=dict(zip(keys.tolist(), range(row_count), strict=True)),
        dates=tuple(data.as_of + dt.timedelta(days=d) for d in range(horizon)),
        sourcing_rules=data.sourcing_rules,
        substitutes=data.substitutes,
    )
