"""The validated, id-encoded content of a snapshot: what `loaders/` hands to the model builder.

Every string id is already replaced by a dense integer index into the id tuples; every date
by a day offset from `as_of` (negative = past due, >= horizon_days = past the horizon). The
builder in `promising.model` turns this into the read-only `SupplyModel`. Loaders never
build arrays by bucket, and the builder never reads a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class ItemTable:
    """Items, one row each; `atp_rule` indexes `RuleTable` rows (0 is the built-in default)."""

    ids: tuple[str, ...]
    item_type: np.ndarray  # int8, ItemType
    atp_rule: np.ndarray  # int32
    promising_mode: np.ndarray  # int8, PromisingMode
    lead_time_days: np.ndarray  # int32
    make_lead_time_days: np.ndarray  # int32
    infinite_time_fence_days: np.ndarray  # int32, 0 = none
    unit_cost: np.ndarray  # float64, NaN = unknown
    unit_price: np.ndarray  # float64, NaN = unknown


@dataclass(frozen=True)
class LocationTable:
    """Locations; `calendar` indexes `CalendarTable.ids`, -1 = every day works."""

    ids: tuple[str, ...]
    kind: np.ndarray  # int8, LocationKind
    region: tuple[str | None, ...]
    calendar: np.ndarray  # int32


@dataclass(frozen=True)
class RuleTable:
    """ATP rules; row 0 is always the built-in DEFAULT rule."""

    ids: tuple[str, ...]
    consumption: np.ndarray  # int8, Consumption
    accumulate: np.ndarray  # bool
    supply_mask: np.ndarray  # int64, bit per SupplyType
    demand_mask: np.ndarray  # int64, bit per DemandType


@dataclass(frozen=True)
class CalendarTable:
    """Working days per calendar and bucket: `working[c, t]` (True = ships and receives)."""

    ids: tuple[str, ...]
    working: np.ndarray  # bool, (calendars, horizon_days)


@dataclass(frozen=True)
class EventTable:
    """Supply or demand rows, unsorted, in file order.

    `kind` is SupplyType or DemandType; `demand_class` indexes `SnapshotData.demand_classes`
    (-1 = none; always -1 for supply). When the rows came from files, `ids` holds their
    `supply_id`/`demand_id` and `order_line_id` the demand's order lines (null: none), as Arrow
    strings: a delta finds the rows it replaces by id, and a refresh finds the order lines the
    engine committed that the new demand carries (`promising.refresh`, which keys them only
    when it needs them, so a load does not pay for it).
    """

    item: np.ndarray  # int32
    location: np.ndarray  # int32
    day: np.ndarray  # int32, offset from as_of
    quantity: np.ndarray  # int64, > 0
    kind: np.ndarray  # int8
    demand_class: np.ndarray  # int16
    ids: pa.ChunkedArray | None = None  # string
    order_line_id: pa.ChunkedArray | None = None  # string, null = none

    def __len__(self) -> int:
        return int(self.item.shape[0])


@dataclass(frozen=True)
class SourcingRuleTable:
    """Sourcing rules (DESIGN §5): for an item (`item` -1 = every item, `*`) and a ship-to
    region (`region` indexes `regions`), a candidate ship-from location with its rank,
    transit days and ship cost per unit."""

    item: np.ndarray  # int32, -1 = `*`
    region: np.ndarray  # int32, index into `regions`
    location: np.ndarray  # int32
    rank: np.ndarray  # int32
    transit_days: np.ndarray  # int32
    ship_cost: np.ndarray  # float64, per unit
    regions: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.item.shape[0])

    @staticmethod
    def empty() -> SourcingRuleTable:
        none = np.zeros(0, dtype=np.int32)
        return SourcingRuleTable(none, none, none, none, none, np.zeros(0))


@dataclass(frozen=True)
class SubstituteTable:
    """Ranked substitutes: `substitute` may fill a line for `item` (lower rank first)."""

    item: np.ndarray  # int32
    substitute: np.ndarray  # int32
    rank: np.ndarray  # int32

    def __len__(self) -> int:
        return int(self.item.shape[0])

    @staticmethod
    def empty() -> SubstituteTable:
        none = np.zeros(0, dtype=np.int32)
        return SubstituteTable(none, none, none)


@dataclass(frozen=True)
class SnapshotData:
    """A whole snapshot, validated and encoded."""

    snapshot_id: str
    as_of: dt.date
    horizon_days: int
    items: ItemTable
    locations: LocationTable
    rules: RuleTable
    calendars: CalendarTable
    supply: EventTable
    demand: EventTable
    demand_classes: tuple[str, ...] = ()
    rows_read: dict[str, int] = field(default_factory=dict)
    sourcing_rules: SourcingRuleTable = field(default_factory=SourcingRuleTable.empty)
    substitutes: SubstituteTable = field(default_factory=SubstituteTable.empty)
