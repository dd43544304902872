"""Supply and demand rows of a generated snapshot, per category, vectorized over rows.

The total number of rows is split over categories by share, and each category's rows over
its eligible item-locations by a multinomial draw (popular item-locations get more rows), so
the requested size is met exactly. Quantities are sized from each item-location's demand
rate, so supply roughly covers demand but not everywhere, and not always in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from loaders.generator.ids import digits_for, text_ids
from loaders.generator.master import Master
from promising.domain import DemandType, ItemType, LocationKind, SupplyType

DEMAND_CLASSES = ("GOLD", "SILVER", "BRONZE")
DEMAND_CLASS_P = (0.15, 0.30, 0.45)
"""The rest (10 %) of sales orders have no demand class."""
ORDER_LINES = 4
"""Sales-order schedule lines per order (order_line_id = order number and line)."""
WEEKDAY_WEIGHTS = np.array([1.3, 1.2, 1.1, 1.0, 0.9, 0.35, 0.15])
"""Sales orders by weekday, Monday first: busy early in the week, quiet at weekends."""


@dataclass(frozen=True)
class Category:
    """One kind of row: its table, type code, share of all rows, id prefix, and volume.

    `volume` is the category's total quantity per item-location, in days of demand over
    the horizon (1.0 = the expected demand of the whole horizon).
    """

    table: str
    code: int
    share: float
    prefix: str
    volume: float


CATEGORIES = (
    Category("supply", SupplyType.ONHAND, 0.08, "OH-", 0.45),
    Category("supply", SupplyType.PURCHASE_ORDER, 0.14, "PO-", 0.45),
    Category("supply", SupplyType.TRANSFER, 0.05, "TR-", 0.10),
    Category("supply", SupplyType.WORK_ORDER, 0.04, "WO-", 0.45),
    Category("supply", SupplyType.PLANNED_ORDER, 0.05, "PL-", 0.20),
    Category("demand", DemandType.SALES_ORDER, 0.44, "SO-", 0.50),
    Category("demand", DemandType.TRANSFER, 0.04, "TO-", 0.10),
    Category("demand", DemandType.FORECAST, 0.16, "FC-", 1.00),
)
SALES_ORDER = 5
"""Index of the sales-order category: always eligible, it takes any rounding remainder."""


@dataclass(frozen=True)
class Context:
    """What the date and quantity rules of a chunk need."""

    rng: np.random.Generator
    as_of: dt.date
    horizon_days: int
    master: Master
    supply_factor: np.ndarray  # float64 per item-location: < 1 short, > 1 long


def _eligible(master: Master) -> list[np.ndarray]:
    """Item-locations that can have each category's rows."""
    make = master.item_type[master.il_item] == ItemType.MAKE
    kind = master.location_kind[master.il_location]
    everywhere = np.ones(make.shape[0], dtype=bool)
    return [
        everywhere,
        ~make,
        kind != LocationKind.PLANT,
        make & (kind == LocationKind.PLANT),
        everywhere,
        everywhere,
        kind != LocationKind.STORE,
        everywhere,
    ]


def row_counts(rng: np.random.Generator, master: Master, total_rows: int) -> np.ndarray:
    """(item_locations, categories) row counts summing exactly to `total_rows`."""
    eligible = _eligible(master)
    il_count = master.il_item.shape[0]
    shares = np.array(
        [c.share if e.any() else 0.0 for c, e in zip(CATEGORIES, eligible, strict=True)]
    )
    per_category = np.floor(total_rows * shares / shares.sum()).astype(np.int64)
    per_category[SALES_ORDER] += total_rows - per_category.sum()
    counts = np.zeros((il_count, len(CATEGORIES)), dtype=np.int64)
    weight = np.sqrt(master.il_rate)
    for c, (rows, mask) in enumerate(zip(per_category, eligible, strict=True)):
        if rows == 0:
            continue
        if CATEGORIES[c].code == SupplyType.ONHAND and CATEGORIES[c].table == "supply":
            # On-hand: spread evenly (a row or two of stock per item-location), not by weight.
            counts[:, c] = rows // il_count
            extra = rng.choice(il_count, size=int(rows % il_count), replace=False)
            counts[extra, c] += 1
            continue
        p = np.where(mask, weight, 0.0)
        counts[:, c] = rng.multinomial(rows, p / p.sum())
    return counts


def _uniform(ctx: Context, n: int, low: int, high: int) -> np.ndarray:
    return ctx.rng.integers(low, max(high, low + 1), n)


def _late_and_beyond(ctx: Context, days: np.ndarray, past: float, beyond: float) -> None:
    """Move a share of rows before as_of (past due) and past the horizon."""
    h, u = ctx.horizon_days, ctx.rng.random(days.shape[0])
    late = u < past
    days[late] = -ctx.rng.integers(1, 31, int(late.sum()))
    far = u > 1.0 - beyond
    days[far] = h + ctx.rng.integers(0, 60, int(far.sum()))


def _weekday(ctx: Context, days: np.ndarray) -> np.ndarray:
    """Monday = 0 for day offsets from as_of."""
    return (ctx.as_of.weekday() + days) % 7


def _days_onhand(ctx: Context, n: int) -> np.ndarray:
    days = np.zeros(n, dtype=np.int64)
    stale = ctx.rng.random(n) < 0.1  # stock counted a few days ago
    days[stale] = -ctx.rng.integers(1, 8, int(stale.sum()))
    return days


def _days_purchase(ctx: Context, n: int) -> np.ndarray:
    days = _uniform(ctx, n, 1 if ctx.horizon_days > 1 else 0, ctx.horizon_days)
    _late_and_beyond(ctx, days, past=0.03, beyond=0.01)
    return days


def _days_transfer(ctx: Context, n: int) -> np.ndarray:
    return _uniform(ctx, n, 0, min(ctx.horizon_days, 21))


def _days_work_order(ctx: Context, n: int) -> np.ndarray:
    days = _uniform(ctx, n, 0, min(ctx.horizon_days, 90))
    _late_and_beyond(ctx, days, past=0.02, beyond=0.0)
    return days


def _days_planned(ctx: Context, n: int) -> np.ndarray:
    days = _uniform(ctx, n, min(14, ctx.horizon_days - 1), ctx.horizon_days)
    _late_and_beyond(ctx, days, past=0.0, beyond=0.03)
    return days


def _days_sales_order(ctx: Context, n: int) -> np.ndarray:
    """Booked mostly for the next weeks, on busy weekdays; some past due, a few far out."""
    h = ctx.horizon_days
    days = np.floor(ctx.rng.exponential(max(1.0, min(45.0, h / 3)), n)).astype(np.int64) % h
    wanted = ctx.rng.choice(7, size=n, p=WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum())
    days += wanted - _weekday(ctx, days)
    _late_and_beyond(ctx, days, past=0.06, beyond=0.005)
    return days


def _days_forecast(ctx: Context, n: int) -> np.ndarray:
    """Weekly forecast buckets, dated on Mondays; the last week may end past the horizon."""
    first_monday = (7 - ctx.as_of.weekday()) % 7
    weeks = max(1, -(-(ctx.horizon_days - first_monday) // 7))
    return first_monday + 7 * ctx.rng.integers(0, weeks, n)


DAYS: tuple[Callable[[Context, int], np.ndarray], ...] = (
    _days_onhand,
    _days_purchase,
    _days_transfer,
    _days_work_order,
    _days_planned,
    _days_sales_order,
    _days_transfer,
    _days_forecast,
)
"""Date rule of each category, in CATEGORIES order."""


def _quantities(
    ctx: Context, category: int, il: np.ndarray, days: np.ndarray, count: np.ndarray
) -> np.ndarray:
    """The category's volume for the item-location, split over its rows, with noise."""
    spec, rng = CATEGORIES[category], ctx.rng
    volume = ctx.master.il_rate[il] * ctx.horizon_days * spec.volume
    if spec.table == "supply":
        volume *= ctx.supply_factor[il]
    if spec.code == DemandType.FORECAST and spec.table == "demand":
        season = 1.0 + 0.3 * np.sin(2 * np.pi * (ctx.as_of.timetuple().tm_yday + days) / 365)
        volume *= season
    mean = volume / np.maximum(count, 1)
    quantity = np.ceil(mean * rng.lognormal(0.0, 0.4, il.shape[0]))
    if spec.code == SupplyType.PURCHASE_ORDER and spec.table == "supply":
        lot = np.where(mean >= 50, 10, 1)  # suppliers ship big orders in lots of ten
        quantity = np.ceil(quantity / lot) * lot
    return np.maximum(quantity, 1).astype(np.int64)


def _rows(ctx: Context, counts: np.ndarray, first_il: int, category: int) -> dict[str, np.ndarray]:
    per_il = counts[:, category]
    il = np.repeat(np.arange(first_il, first_il + per_il.shape[0]), per_il)
    days = DAYS[category](ctx, il.shape[0])
    quantity = _quantities(ctx, category, il, days, np.repeat(per_il, per_il))
    code = np.full(il.shape[0], CATEGORIES[category].code, dtype=np.int8)
    return {"il": il, "day": days, "quantity": quantity, "code": code}


@dataclass
class Numbering:
    """Running document numbers per category, so ids stay unique across chunks."""

    next_number: np.ndarray  # int64 per category
    width: int


def _date32(ctx: Context, days: np.ndarray) -> pa.Array:
    epoch_day = (ctx.as_of - dt.date(1970, 1, 1)).days
    return pa.array((days + epoch_day).astype(np.int32), pa.int32()).view(pa.date32())


def _dictionary(codes: np.ndarray, dictionary: pa.Array, valid: np.ndarray | None = None):
    mask = None if valid is None else ~valid
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32(), mask=mask), dictionary)


def event_batch(
    ctx: Context,
    table: str,
    counts: np.ndarray,
    first_il: int,
    numbering: Numbering,
    dictionaries: dict[str, pa.Array],
) -> pa.Table:
    """The chunk's rows of `table` ("supply" or "demand"), shuffled like an ERP export."""
    categories = [c for c, spec in enumerate(CATEGORIES) if spec.table == table]
    parts = [_rows(ctx, counts, first_il, c) for c in categories]
    rows = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    category = np.repeat(np.array(categories), [p["il"].shape[0] for p in parts])
    order = ctx.rng.permutation(category.shape[0])
    rows = {key: values[order] for key, values in rows.items()}
    category = category[order]
    n = category.shape[0]

    number = np.empty(n, dtype=np.int64)
    for c in categories:
        at = np.flatnonzero(category == c)
        number[at] = numbering.next_number[c] + np.arange(at.shape[0])
        numbering.next_number[c] += at.shape[0]
    prefixes = [spec.prefix for spec in CATEGORIES]
    master = ctx.master
    columns: dict[str, pa.Array] = {
        f"{table}_id": text_ids(n, [(category, prefixes), (number, numbering.width)]),
        "item_id": _dictionary(master.il_item[rows["il"]], dictionaries["item_id"]),
        "location_id": _dictionary(master.il_location[rows["il"]], dictionaries["location_id"]),
        "date": _date32(ctx, rows["day"]),
        "quantity": pa.array(rows["quantity"], pa.int64()),
        f"{table}_type": _dictionary(rows["code"], dictionaries[f"{table}_type"]),
    }
    if table == "demand":
        sales = category == SALES_ORDER
        p = np.array([*DEMAND_CLASS_P, 1.0 - sum(DEMAND_CLASS_P)])
        demand_class = ctx.rng.choice(len(p), size=n, p=p)
        classed = sales & (demand_class < len(DEMAND_CLASSES))
        columns["demand_class"] = _dictionary(
            np.minimum(demand_class, len(DEMAND_CLASSES) - 1),
            dictionaries["demand_class"],
            classed,
        )
        order_number, line = np.divmod(number - 1, ORDER_LINES)
        columns["order_line_id"] = text_ids(
            n, ["ORD-", (order_number + 1, numbering.width), "/", (line + 1, 1)], valid=sales
        )
    return pa.table(columns, schema=event_schema(table))


def event_schema(table: str) -> pa.Schema:
    """The schema of `event_batch` tables: ids and enum values dictionary-encoded."""
    ids = pa.dictionary(pa.int32(), pa.string())
    fields = [
        pa.field(f"{table}_id", pa.string()),
        pa.field("item_id", ids),
        pa.field("location_id", ids),
        pa.field("date", pa.date32()),
        pa.field("quantity", pa.int64()),
        pa.field(f"{table}_type", ids),
    ]
    if table == "demand":
        fields += [pa.field("demand_class", ids), pa.field("order_line_id", pa.string())]
    return pa.schema(fields)


def event_dictionaries(master: Master) -> dict[str, pa.Array]:
    """One dictionary per encoded column, shared by every batch (Arrow IPC needs that)."""
    return {
        "item_id": master.items.column("item_id").combine_chunks(),
        "location_id": master.locations.column("location_id").combine_chunks(),
        "supply_type": pa.array([t.name for t in SupplyType], pa.string()),
        "demand_type": pa.array([t.name for t in DemandType], pa.string()),
        "demand_class": pa.array(DEMAND_CLASSES, pa.string()),
    }


def numbering(counts: np.ndarray) -> Numbering:
    """Document numbers start at 1; width fits the largest category."""
    largest = int(counts.sum(axis=0).max()) if counts.size else 0
    return Numbering(np.ones(len(CATEGORIES), dtype=np.int64), digits_for(largest, 9))
