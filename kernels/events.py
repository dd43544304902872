"""Raw supply/demand events → dense (rows, horizon) buckets, and a row index over the events.

Events arrive unsorted (as the ERP exported them). A counting sort groups them by row (CSR),
O(events); each row is then binned while it sits in cache, and one row's events can be
re-binned under another rule without touching the rest.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kernels.atp import lookahead_inplace
from kernels.config import jit, jit_parallel


@jit
def bucket_of(day: int, horizon: int) -> int:
    """The bucket of a day offset: past due folds into 0, at or past `horizon` is -1."""
    if day < 0:
        return 0
    if day >= horizon:
        return -1
    return day


@jit
def counted(bucket: int, type_mask: int, kind: int) -> bool:
    """Whether an event counts in a rule's buckets: inside the horizon and of a type in the
    rule's mask (bit `kind`)."""
    return bucket >= 0 and ((type_mask >> kind) & 1) == 1


@jit
def clip_buckets(days: np.ndarray, horizon: int, out: np.ndarray) -> tuple[int, int]:
    """`bucket_of` each day into `out`. Returns (past_due_count, beyond_horizon_count)."""
    past_due = 0
    beyond = 0
    for i in range(days.shape[0]):
        d = days[i]
        past_due += d < 0
        beyond += d >= horizon
        out[i] = bucket_of(d, horizon)
    return past_due, beyond


@jit
def group_ptr(groups: np.ndarray, group_count: int) -> np.ndarray:
    """Where each group starts once members are ordered by group (CSR): the members of group
    g take positions ptr[g]:ptr[g+1]. Counts, then a running sum: O(members + groups)."""
    ptr = np.zeros(group_count + 1, dtype=np.int64)
    for i in range(groups.shape[0]):
        ptr[groups[i] + 1] += 1
    for g in range(group_count):
        ptr[g + 1] += ptr[g]
    return ptr


@jit
def group_by_row(rows: np.ndarray, row_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort: (ptr, order) with events of row r at order[ptr[r]:ptr[r+1]].

    Stable: events keep their file order inside a row.
    """
    ptr = group_ptr(rows, row_count)
    fill = ptr[:-1].copy()
    order = np.empty(rows.shape[0], dtype=np.int64)
    for i in range(rows.shape[0]):
        r = rows[i]
        order[fill[r]] = i
        fill[r] += 1
    return ptr, order


@jit
def group_events(
    rows: np.ndarray,
    days: np.ndarray,
    quantities: np.ndarray,
    kinds: np.ndarray,
    classes: np.ndarray,
    row_count: int,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Group events by row and bucket their days, in two passes and no gathers.

    Returns (ptr, bucket, quantity, kind, demand_class, past_due, beyond): the event columns
    in row order (stable), days folded/cut as `clip_buckets` does, and its two counts.
    """
    n = rows.shape[0]
    ptr = group_ptr(rows, row_count)
    fill = ptr[:-1].copy()
    bucket = np.empty(n, dtype=np.int64)
    quantity = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int8)
    demand_class = np.empty(n, dtype=np.int16)
    past_due = 0
    beyond = 0
    for i in range(n):
        r = rows[i]
        k = fill[r]
        fill[r] = k + 1
        d = days[i]
        past_due += d < 0
        beyond += d >= horizon
        bucket[k] = bucket_of(d, horizon)
        quantity[k] = quantities[i]
        kind[k] = kinds[i]
        demand_class[k] = classes[i]
    return ptr, bucket, quantity, kind, demand_class, past_due, beyond


@jit
def bin_row(
    ptr: np.ndarray,
    buckets: np.ndarray,
    quantities: np.ndarray,
    types: np.ndarray,
    row: int,
    type_mask: int,
    out: np.ndarray,
) -> None:
    """Re-bin one row's grouped events under a type mask into `out` (zeroed here)."""
    out[:] = 0
    for i in range(ptr[row], ptr[row + 1]):
        if counted(buckets[i], type_mask, types[i]):
            out[buckets[i]] += quantities[i]


@jit_parallel
def dense_from_grouped(
    ptr: np.ndarray,
    buckets: np.ndarray,
    quantities: np.ndarray,
    kinds: np.ndarray,
    row_type_mask: np.ndarray,
    out: np.ndarray,
) -> None:
    """Fill each row of `out` (zeroed here) from its grouped events, rows in parallel.

    Row by row, every write lands in one row of the matrix that stays in cache; a scatter in
    file order instead writes all over the matrix and pays a cache miss per event.
    """
    for r in prange(out.shape[0]):
        row = out[r]
        row[:] = 0
        mask = row_type_mask[r]
        for i in range(ptr[r], ptr[r + 1]):
            if counted(buckets[i], mask, kinds[i]):
                row[buckets[i]] += quantities[i]


@jit_parallel
def _lookahead_from_grouped(
    ptr: np.ndarray, order: np.ndarray, days: np.ndarray, quantities: np.ndarray, out: np.ndarray
) -> None:
    horizon = out.shape[1]
    for r in prange(out.shape[0]):
        row = out[r]
        row[:] = 0
        for k in range(ptr[r], ptr[r + 1]):
            i = order[k]
            b = bucket_of(days[i], horizon)
            if b >= 0:
                row[b] += quantities[i]
        lookahead_inplace(row)


def lookahead_from_events(
    rows: np.ndarray,
    days: np.ndarray,
    quantities: np.ndarray,
    row_count: int,
    horizon: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """LOOKAHEAD ATP per (row, day) straight from unsorted signed events (supply +, demand -).

    Past-due days fold into bucket 0, days past the horizon are left out. One counting sort
    groups the events by row; then each row is binned and consumed while it is in cache.
    `out`, if given, is reused: a recompute that allocates 36M fresh int64 each time spends
    as long in the kernel's page faults as in the arithmetic.
    """
    if not (rows.shape == days.shape == quantities.shape):
        raise ValueError("rows, days and quantities must have one shape")
    ptr, order = group_by_row(rows.astype(np.int64, copy=False), row_count)
    if out is None:
        out = np.empty((row_count, horizon), dtype=np.int64)
    elif out.shape != (row_count, horizon) or out.dtype != np.int64:
        raise ValueError(f"out must be int64 of shape ({row_count}, {horizon})")
    _lookahead_from_grouped(
        ptr, order, days.astype(np.int64, copy=False), quantities.astype(np.int64, copy=False), out
    )
    return out
