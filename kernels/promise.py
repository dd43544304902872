"""Earliest-date search for a quantity under LOOKAHEAD ATP, and its batch driver.

LOOKAHEAD ATP is a suffix minimum of the cumulative net, so it never decreases over time:
the buckets where ATP >= q form a suffix of the horizon. One backward pass finds where that
suffix starts, without allocating: cum[t] is derived from the total as we walk back.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kernels.config import jit, jit_parallel

NOT_FOUND = -1


@jit
def earliest_bucket(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    start: int,
    quantity: int,
    limit: int,
) -> int:
    """Earliest bucket t >= start with LOOKAHEAD ATP[t] >= quantity, or -1.

    Only buckets [0, limit) count (limit < horizon models an infinite time fence: beyond it
    nothing constrains, and the caller treats t >= limit as available).
    """
    total = 0
    for t in range(limit):
        total += supply[t] - demand[t] - reserved[t]
    cum = total
    running = cum
    first = limit
    for t in range(limit - 1, -1, -1):
        if cum < running:
            running = cum
        if running < quantity:
            break
        first = t
        cum -= supply[t] - demand[t] - reserved[t]
    if first >= limit:
        return NOT_FOUND
    return max(first, start) if start < limit else NOT_FOUND


@jit
def atp_at(supply: np.ndarray, demand: np.ndarray, reserved: np.ndarray, bucket: int) -> int:
    """LOOKAHEAD ATP at one bucket: min over s >= bucket of the cumulative net."""
    horizon = supply.shape[0]
    cum = 0
    for t in range(bucket + 1):
        cum += supply[t] - demand[t] - reserved[t]
    running = cum
    for t in range(bucket + 1, horizon):
        cum += supply[t] - demand[t] - reserved[t]
        if cum < running:
            running = cum
    return running


@jit
def atp_with(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    pending: np.ndarray,
    bucket: int,
    limit: int,
) -> int:
    """LOOKAHEAD ATP at `bucket` over the buckets [0, limit), with `pending` reserved on top of
    `reserved`: min over bucket <= s < limit of the cumulative net. Checking that a plan made
    earlier still fits: >= 0 at its earliest bucket means no commitment there or later breaks.
    0 when `bucket` >= `limit` (past an infinite time fence nothing constrains)."""
    cum = 0
    running = 0
    for t in range(limit):
        cum += supply[t] - demand[t] - reserved[t] - pending[t]
        if t == bucket or (t > bucket and cum < running):
            running = cum
    return running


@jit
def earliest_row(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    row: int,
    start: int,
    quantity: int,
    limit: int,
) -> int:
    """`earliest_bucket` for one row of the (rows, horizon) matrices.

    Passing the whole matrices and a row index keeps the Python-to-numba call to three array
    arguments whose unboxing cost is paid once, instead of slicing three views in Python.
    """
    return earliest_bucket(supply[row], demand[row], reserved[row], start, quantity, limit)


@jit_parallel
def earliest_batch_driver(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    rows: np.ndarray,
    starts: np.ndarray,
    quantities: np.ndarray,
    limits: np.ndarray,
    out: np.ndarray,
) -> None:
    """Independent earliest-bucket searches for many (row, start, quantity, limit) lines."""
    for i in prange(rows.shape[0]):
        r = rows[i]
        out[i] = earliest_bucket(
            supply[r], demand[r], reserved[r], starts[i], quantities[i], limits[i]
        )


def earliest_batch(
    supply: np.ndarray,
    demand: np.ndarray,
    reserved: np.ndarray,
    rows: np.ndarray,
    starts: np.ndarray,
    quantities: np.ndarray,
    limits: np.ndarray,
) -> np.ndarray:
    """Earliest bucket per line (quotes: lines do not see each other); -1 where none."""
    count = rows.shape[0]
    for name, arr in (("starts", starts), ("quantities", quantities), ("limits", limits)):
        if arr.shape != (count,):
            raise ValueError(f"{name} must have shape ({count},), got {arr.shape}")
    out = np.empty(count, dtype=np.int64)
    earliest_batch_driver(
        supply,
        demand,
        reserved,
        rows.astype(np.int64, copy=False),
        starts.astype(np.int64, copy=False),
        quantities.astype(np.int64, copy=False),
        limits.astype(np.int64, copy=False),
        out,
    )
    return out
