"""Master data of a generated snapshot: locations, items, ATP rules, calendars, and which
items are stocked where (item-locations), with each item-location's daily demand rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from loaders.generator.ids import digits_for, text_ids
from promising.domain import ItemType, LocationKind

REGIONS = ("NORTH", "SOUTH", "EAST", "WEST", "CENTRAL")
CALENDAR_5D = "CAL-5D"
"""Monday to Friday, with a few holidays: plants and warehouses."""
CALENDAR_6D = "CAL-6D"
"""Monday to Saturday: half of the stores (the other half trade every day)."""
HOLIDAY_DAYS = (30, 100, 178, 250, 340)
"""Day offsets from as_of that CAL-5D closes on, besides weekends."""
CALENDAR_PAST_DAYS = 7
"""Calendar rows start a week before as_of, as an ERP export would (the loader skips them)."""
STOCKED_LOCATIONS_MAX = 4

RULES: tuple[tuple[str, str, bool, list[str] | None, list[str] | None], ...] = (
    ("LOOKAHEAD-FCST", "LOOKAHEAD", False, None, ["SALES_ORDER", "TRANSFER", "FORECAST"]),
    ("PERIOD", "NONE", False, ["ONHAND", "PURCHASE_ORDER", "WORK_ORDER"], ["SALES_ORDER"]),
    ("PERIOD-CUM", "NONE", True, None, None),
    ("BACKWARD", "BACKWARD", False, None, ["SALES_ORDER", "TRANSFER"]),
    (
        "BACKWARD-FORWARD",
        "BACKWARD_FORWARD",
        True,
        ["ONHAND", "PURCHASE_ORDER", "WORK_ORDER"],
        None,
    ),
)
"""One rule of each consumption kind (rule_id, consumption, accumulate, supply, demand types)."""


@dataclass(frozen=True)
class Master:
    """The master tables and the facts the event generator needs."""

    locations: pa.Table
    items: pa.Table
    atp_rules: pa.Table
    calendars: pa.Table
    location_kind: np.ndarray  # int8, LocationKind
    item_type: np.ndarray  # int8, ItemType
    il_item: np.ndarray  # int32, item of each item-location
    il_location: np.ndarray  # int32
    il_rate: np.ndarray  # float64, expected demand per day


def _location_kinds(count: int) -> np.ndarray:
    """Warehouses, then a plant or two (one per ten locations), then stores."""
    plants = 0 if count < 2 else max(1, count // 10)
    warehouses = min(count - plants, max(1, round(count * 0.35)))
    stores = count - plants - warehouses
    return np.repeat(
        np.array([LocationKind.WAREHOUSE, LocationKind.PLANT, LocationKind.STORE], np.int8),
        [warehouses, plants, stores],
    )


def locations_table(rng: np.random.Generator, count: int) -> tuple[pa.Table, np.ndarray]:
    kind = _location_kinds(count)
    ordinal = np.zeros(count, dtype=np.int64)
    for code in np.unique(kind):
        ordinal[kind == code] = np.arange(1, int((kind == code).sum()) + 1)
    ids = text_ids(count, [(kind, ["WH-", "PL-", "ST-"]), (ordinal, digits_for(count, 2))])
    store = kind == LocationKind.STORE
    six_day = rng.random(count) < 0.5
    calendar = np.where(store, np.where(six_day, 2, 1), 0)
    table = pa.table(
        {
            "location_id": ids,
            "kind": _strings([k.name for k in LocationKind], kind),
            "region": _strings(list(REGIONS), rng.integers(0, len(REGIONS), count)),
            "calendar_id": _strings([CALENDAR_5D, None, CALENDAR_6D], calendar),
        }
    )
    return table, kind


def _strings(options: list[str | None], codes: np.ndarray) -> pa.Array:
    """options[code] for each code, gathered by Arrow (no Python loop over rows)."""
    return pa.array(options, pa.string()).take(pa.array(codes, pa.int32()))


def _pick(rng: np.random.Generator, options: list[str | None], p: list[float], n: int) -> pa.Array:
    return _strings(options, rng.choice(len(options), size=n, p=p))


def items_table(
    rng: np.random.Generator, count: int, has_plant: bool
) -> tuple[pa.Table, np.ndarray]:
    make = rng.random(count) < (0.1 if has_plant else 0.0)
    item_type = np.where(make, ItemType.MAKE, ItemType.BUY).astype(np.int8)
    rule_ids = [None, "DEFAULT", *(rule[0] for rule in RULES)]
    rule_p = [0.75, 0.05, *([0.2 / len(RULES)] * len(RULES))]
    modes = [None, "SUPPLY", "LEAD_TIME", "INFINITE"]
    lead_time = np.where(make, rng.integers(5, 31, count), rng.integers(3, 61, count))
    make_lead_time = rng.integers(1, 16, count)
    fenced = rng.random(count) < 0.2
    fence = rng.choice(np.array([60, 90, 120, 180]), size=count)
    unit_cost = np.maximum(np.round(rng.lognormal(np.log(20.0), 1.0, count), 2), 0.01)
    unit_price = np.round(unit_cost * rng.uniform(1.15, 2.5, count), 2)
    numbers = np.arange(1, count + 1)
    table = pa.table(
        {
            "item_id": text_ids(count, ["ITM-", (numbers, digits_for(count, 6))]),
            "item_type": _strings([t.name for t in ItemType], item_type),
            "atp_rule_id": _pick(rng, rule_ids, rule_p, count),
            "promising_mode": _pick(rng, modes, [0.88, 0.04, 0.05, 0.03], count),
            "lead_time_days": pa.array(lead_time, pa.int32()),
            "make_lead_time_days": pa.array(make_lead_time, pa.int32(), mask=~make),
            "infinite_time_fence_days": pa.array(fence, pa.int32(), mask=~fenced),
            "unit_cost": pa.array(unit_cost, pa.float64()),
            "unit_price": pa.array(unit_price, pa.float64()),
        }
    )
    return table, item_type


def rules_table() -> pa.Table:
    columns = list(zip(*RULES, strict=True))
    return pa.table(
        {
            "rule_id": pa.array(columns[0], pa.string()),
            "consumption": pa.array(columns[1], pa.string()),
            "accumulate": pa.array(columns[2], pa.bool_()),
            "supply_types": pa.array(columns[3], pa.list_(pa.string())),
            "demand_types": pa.array(columns[4], pa.list_(pa.string())),
        }
    )


def calendars_table(as_of: dt.date, horizon_days: int, calendar_ids: set[str]) -> pa.Table:
    """Every day of each used calendar from a week before as_of to the horizon's end."""
    offsets = np.arange(-CALENDAR_PAST_DAYS, horizon_days)
    weekday = (as_of.weekday() + offsets) % 7  # Monday = 0
    holiday = np.isin(offsets, HOLIDAY_DAYS)
    working = {CALENDAR_5D: (weekday < 5) & ~holiday, CALENDAR_6D: weekday < 6}
    used = sorted(calendar_ids & working.keys())
    epoch_day = (as_of - dt.date(1970, 1, 1)).days
    days = np.tile(offsets + epoch_day, len(used)).astype(np.int32)
    return pa.table(
        {
            "calendar_id": pa.array(np.repeat(used, offsets.shape[0]).tolist(), pa.string()),
            "date": pa.array(days, pa.int32()).view(pa.date32()),
            "is_working": pa.array(
                np.concatenate([working[c] for c in used]) if used else [], pa.bool_()
            ),
        }
    )


def item_locations(
    rng: np.random.Generator, item_type: np.ndarray, location_kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each item at 1..min(locations, 4) distinct locations; MAKE items first at a plant.

    Locations of an item are start + cumulative gaps (mod locations), with gaps small enough
    that they never wrap onto the start: distinct without a per-item sample.
    """
    items, locations = item_type.shape[0], location_kind.shape[0]
    most = min(locations, STOCKED_LOCATIONS_MAX)
    stocked = np.where(rng.random(items) < 0.8, most, rng.integers(1, most + 1, items))
    start = rng.integers(0, locations, items)
    plants = np.flatnonzero(location_kind == LocationKind.PLANT)
    make = item_type == ItemType.MAKE
    if plants.shape[0]:
        start[make] = plants[rng.integers(0, plants.shape[0], int(make.sum()))]
    gap_max = max(1, (locations - 1) // max(most - 1, 1))
    gaps = rng.integers(1, gap_max + 1, (items, most))
    gaps[:, 0] = 0
    location = (start[:, None] + np.cumsum(gaps, axis=1)) % locations
    keep = np.arange(most)[None, :] < stocked[:, None]
    il_item = np.broadcast_to(np.arange(items, dtype=np.int32)[:, None], keep.shape)[keep]
    return il_item, location[keep].astype(np.int32)


def generate_master(
    rng: np.random.Generator, items: int, locations: int, as_of: dt.date, horizon_days: int
) -> Master:
    location_table, location_kind = locations_table(rng, locations)
    has_plant = bool((location_kind == LocationKind.PLANT).any())
    item_table, item_type = items_table(rng, items, has_plant)
    il_item, il_location = item_locations(rng, item_type, location_kind)
    # Daily demand: skewed across item-locations; stores sell less than warehouses ship.
    rate = rng.lognormal(np.log(2.0), 1.2, il_item.shape[0])
    rate = np.where(location_kind[il_location] == LocationKind.STORE, rate * 0.3, rate)
    used = set(location_table.column("calendar_id").drop_null().to_pylist())
    return Master(
        locations=location_table,
        items=item_table,
        atp_rules=rules_table(),
        calendars=calendars_table(as_of, horizon_days, used),
        location_kind=location_kind,
        item_type=item_type,
        il_item=il_item,
        il_location=il_location,
        il_rate=rate,
    )
