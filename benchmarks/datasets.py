"""Named synthetic data sets for kernel benchmarks (snapshot files come from the generator)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIZES = {"small": (1_000, 365), "medium": (20_000, 365), "large": (100_000, 365)}


@dataclass(frozen=True)
class Buckets:
    supply: np.ndarray
    demand: np.ndarray
    reserved: np.ndarray


@functools.cache
def buckets(size: str, seed: int = 7) -> Buckets:
    """Dense (rows, days) int64 supply/demand/reserved: sparse receipts, daily-ish demand."""
    rows, days = SIZES[size]
    rng = np.random.default_rng(seed)
    supply = np.zeros((rows, days), dtype=np.int64)
    supply[:, 0] = rng.integers(0, 500, rows)  # on hand
    receipts = rng.random((rows, days)) < 0.03  # a PO or work order every ~5 weeks
    supply[receipts] += rng.integers(10, 400, int(receipts.sum()))
    demand = rng.poisson(3.0, (rows, days)).astype(np.int64)
    reserved = np.where(rng.random((rows, days)) < 0.01, rng.integers(1, 20, (rows, days)), 0)
    return Buckets(supply, demand, reserved.astype(np.int64))


@dataclass(frozen=True)
class Events:
    row: np.ndarray  # int64
    day: np.ndarray  # int64, may be past due (< 0)
    quantity: np.ndarray  # int64, signed: supply > 0, demand < 0
    rows: int
    days: int


@functools.cache
def events(count: int = 2_000_000, rows: int = 100_000, days: int = 365, seed: int = 11) -> Events:
    """Unsorted raw supply (+) and demand (−) events, as an ERP export would list them."""
    rng = np.random.default_rng(seed)
    row = rng.integers(0, rows, count)
    day = rng.integers(-10, days, count)
    is_supply = rng.random(count) < 0.3
    quantity = np.where(is_supply, rng.integers(10, 400, count), -rng.integers(1, 30, count))
    return Events(row, day, quantity.astype(np.int64), rows, days)


@functools.cache
def engine(size: str = "medium", seed: int = 5):
    """An Engine over `size` item-locations (one item per row, four locations), no files."""
    from promising.domain import ALL_SUPPLY_MASK, DEFAULT_DEMAND_MASK
    from promising.engine import Engine
    from promising.model import build_model
    from promising.snapshot import (
        CalendarTable,
        EventTable,
        ItemTable,
        LocationTable,
        RuleTable,
        SnapshotData,
    )

    rows, days = SIZES[size]
    locations = 4
    items = rows // locations
    rng = np.random.default_rng(seed)

    def table(count: int, kinds: int) -> EventTable:
        return EventTable(
            item=rng.integers(0, items, count).astype(np.int32),
            location=rng.integers(0, locations, count).astype(np.int32),
            day=rng.integers(-5, days + 5, count).astype(np.int32),
            quantity=rng.integers(1, 100, count).astype(np.int64),
            kind=rng.integers(0, kinds, count).astype(np.int8),
            demand_class=np.full(count, -1, dtype=np.int16),
        )

    data = SnapshotData(
        snapshot_id=f"bench-{size}",
        as_of=dt.date(2026, 1, 5),
        horizon_days=days,
        items=ItemTable(
            ids=tuple(f"I{i:06d}" for i in range(items)),
            item_type=np.zeros(items, np.int8),
            atp_rule=np.zeros(items, np.int32),
            promising_mode=np.zeros(items, np.int8),
            lead_time_days=np.zeros(items, np.int32),
            make_lead_time_days=np.zeros(items, np.int32),
            infinite_time_fence_days=np.zeros(items, np.int32),
            unit_cost=np.ones(items),
            unit_price=np.full(items, np.nan),
        ),
        locations=LocationTable(
            ids=tuple(f"L{i}" for i in range(locations)),
            kind=np.zeros(locations, np.int8),
            region=(None,) * locations,
            calendar=np.full(locations, -1, np.int32),
        ),
        rules=RuleTable(
            ids=("DEFAULT",),
            consumption=np.zeros(1, np.int8),
            accumulate=np.zeros(1, np.bool_),
            supply_mask=np.array([ALL_SUPPLY_MASK]),
            demand_mask=np.array([DEFAULT_DEMAND_MASK]),
        ),
        calendars=CalendarTable(ids=(), working=np.ones((0, days), bool)),
        supply=table(rows * 8, 5),
        demand=table(rows * 20, 2),
    )
    return Engine(build_model(data))


DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "bench"
SNAPSHOT_SIZES = {
    # name: (items, locations, target supply+demand rows)
    "small": (500, 4, 20_000),
    "medium": (5_000, 8, 1_000_000),
    "large": (25_000, 8, 10_000_000),
}


def snapshot_dir(size: str, fmt: str = "parquet") -> Path:
    """A generated snapshot on disk (made once, then reused from data/bench/)."""
    from loaders.generator import generate_snapshot

    items, locations, rows = SNAPSHOT_SIZES[size]
    out = DATA_DIR / f"{size}-{fmt}"
    if not (out / "manifest.json").exists():
        generate_snapshot(
            out,
            items=items,
            locations=locations,
            horizon_days=365,
            seed=42,
            as_of=dt.date(2026, 1, 5),
            fmt=fmt,
            target_rows=rows,
        )
    return out
