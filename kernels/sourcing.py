"""Sourcing kernels: the best ship-from source for one line (the greedy path), and the
LOOKAHEAD ATP rows the solver path reads.

A source is one row of an int64 table (columns `SOURCE_*` below): the item-location row (-1:
none), `limit` — the first bucket from which capacity is unlimited (an infinite time fence,
a lead time, 0 for an INFINITE item, the horizon for none) —, transit days, calendar (-1:
every day works), a cost key per unit (lower is better), the variant (0: the ordered item,
n: a substitute of the n-th rank), the source's index in the caller's list, the row of the
caller's `atp` matrix that holds the source's capacity (-1: the item-location row's LOOKAHEAD
ATP, computed here from the model's matrices; a class ATP, a row with an order's earlier
lines added, or a supplier's cumulative free capacity are computed by the caller) and
whether the units are made or bought (1) rather than taken from stock (0). Rows come sorted
by (variant, made, cost key, preference): the first one on time with the whole quantity is
the best, and the search stops there.

A line ships from a source on a working day `b` of its calendar and arrives at
`b + transit`. On time means arriving by the requested bucket; the on-time ship day is the
latest working day on or before `requested - transit` (shipping later would be late, and
LOOKAHEAD ATP never decreases, so no earlier day can hold more).
"""

from __future__ import annotations

import numpy as np

from kernels.atp import lookahead_inplace, net_row
from kernels.config import jit

SOURCE_ROW = 0
SOURCE_LIMIT = 1
SOURCE_TRANSIT = 2
SOURCE_CALENDAR = 3
SOURCE_COST = 4
SOURCE_VARIANT = 5
SOURCE_INDEX = 6
SOURCE_ATP = 7
SOURCE_MADE = 8
SOURCE_FIELDS = 9
UNLIMITED = 1 << 62
"""Capacity beyond a source's limit: more than any quantity a line may ask for."""


@jit
def lookahead_into(
    supply: np.ndarray, demand: np.ndarray, reserved: np.ndarray, row: int, out: np.ndarray
) -> None:
    """out[t] = LOOKAHEAD ATP of `row` at t: min over s >= t of the cumulative net."""
    net_row(supply[row], demand[row], reserved[row], out)
    lookahead_inplace(out)


@jit
def lookahead_rows(
    supply: np.ndarray, demand: np.ndarray, reserved: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """LOOKAHEAD ATP of each row in `rows`: (len(rows), horizon) int64."""
    out = np.empty((rows.shape[0], supply.shape[1]), dtype=np.int64)
    for i in range(rows.shape[0]):
        lookahead_into(supply, demand, reserved, rows[i], out[i])
    return out


@jit
def is_working(working: np.ndarray, calendar: int, bucket: int) -> bool:
    return calendar < 0 or working[calendar, bucket]


@jit
def capacity_at(atp: np.ndarray, pooled: bool, limit: int, bucket: int) -> int:
    """Units a source can ship on `bucket`: unlimited from its limit on, else its capacity
    row `atp` (a source without one, `pooled` false, has none)."""
    if bucket >= limit:
        return UNLIMITED
    if not pooled:
        return 0
    return atp[bucket]


@jit
def best_source(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    sources: np.ndarray,
    working: np.ndarray,
    requested: int,
    quantity: int,
    allow_partial: bool,
    capacities: np.ndarray,
) -> tuple[int, int, int]:
    """(source index, ship bucket, units) of the best single shipment for one line, or
    (-1, -1, 0) when no source has anything (the index is the SOURCE_INDEX column).

    Best: on time, then most units (only a partial line may ship fewer than asked), then
    fewest days late, then the ordered item before its substitutes (by rank), then stock
    before making or buying, then lowest cost key, then the first source
    (`promising.sourcing.solver` has the same order). `capacities` holds the capacity rows
    the table's SOURCE_ATP column points to.
    """
    horizon = supply.shape[1]
    own = np.empty(horizon, dtype=np.int64)
    best = (-1, -1, 0)
    best_on_time, best_units, best_late, best_variant, best_made, best_cost = 0, 0, 0, 0, 0, 0
    for k in range(sources.shape[0]):
        row = sources[k, SOURCE_ROW]
        limit = sources[k, SOURCE_LIMIT]
        transit = sources[k, SOURCE_TRANSIT]
        calendar = sources[k, SOURCE_CALENDAR]
        given = sources[k, SOURCE_ATP]
        pooled = row >= 0 or given >= 0
        atp = own
        if given >= 0:
            atp = capacities[given]
        elif row >= 0 and limit > 0:
            lookahead_into(supply, demand, reserved, row, own)
        latest = requested - transit
        on_time_bucket = -1
        if latest >= 0:
            b = min(latest, horizon - 1)
            while b >= 0 and not is_working(working, calendar, b):
                b -= 1
            on_time_bucket = b
        on_time, units, bucket = 0, 0, -1
        if on_time_bucket >= 0 and capacity_at(atp, pooled, limit, on_time_bucket) >= quantity:
            on_time, units, bucket = 1, quantity, on_time_bucket
        else:
            for b in range(max(latest + 1, 0), horizon):
                if (
                    is_working(working, calendar, b)
                    and capacity_at(atp, pooled, limit, b) >= quantity
                ):
                    units, bucket = quantity, b
                    break
            if bucket < 0 and allow_partial:
                last = horizon - 1
                while last >= 0 and not is_working(working, calendar, last):
                    last -= 1
                most = capacity_at(atp, pooled, limit, last) if last >= 0 else 0
                if most > 0:
                    units = min(most, quantity)
                    for b in range(0, last + 1):
                        if (
                            is_working(working, calendar, b)
                            and capacity_at(atp, pooled, limit, b) >= units
                        ):
                            bucket = b
                            break
                    if bucket <= on_time_bucket:
                        bucket = on_time_bucket
        if bucket < 0:
            continue
        late = max(bucket + transit - requested, 0)
        variant = sources[k, SOURCE_VARIANT]
        made = sources[k, SOURCE_MADE]
        cost = sources[k, SOURCE_COST]
        if best[0] >= 0:
            if on_time != best_on_time:
                if on_time < best_on_time:
                    continue
            elif units != best_units:
                if units < best_units:
                    continue
            elif late != best_late:
                if late > best_late:
                    continue
            elif variant != best_variant:
                if variant > best_variant:
                    continue
            elif made != best_made:
                if made > best_made:
                    continue
            elif cost >= best_cost:
                continue
        best = (sources[k, SOURCE_INDEX], bucket, units)
        best_on_time, best_units, best_late = on_time, units, late
        best_variant, best_made, best_cost = variant, made, cost
        if on_time:  # the rows are sorted: no later one beats this
            break
    return best
