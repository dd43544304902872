"""ATP kernels at scale: batch recompute against a memory-bandwidth probe, and the layout choice.

Run: make bench  (or .venv/bin/python -m pytest benchmarks/test_atp.py --benchmark-only)
"""

from __future__ import annotations

import numpy as np
import pytest
from datasets import buckets
from numba import njit, prange
from ratio import interleaved

from kernels.atp import LOOKAHEAD, atp_batch_driver
from kernels.promise import earliest_row


def bandwidth_probe(*arrays: np.ndarray) -> int:
    """One pass over the same bytes: the floor for any kernel that must read them."""
    return sum(int(a.sum()) for a in arrays)


@pytest.mark.parametrize("size", ["large"])
def test_atp_recompute_vs_bandwidth(benchmark, size: str) -> None:
    """LOOKAHEAD ATP for 100k item-locations × 365 days, against np.sum over the inputs."""
    b = buckets(size)
    rows = b.supply.shape[0]
    consumption = np.full(rows, LOOKAHEAD, dtype=np.int8)
    accumulate = np.zeros(rows, dtype=np.bool_)
    out = np.empty_like(b.supply)

    def recompute() -> None:
        atp_batch_driver(b.supply, b.demand, b.reserved, consumption, accumulate, out)

    r = interleaved(
        f"ATP recompute {rows:,} × {b.supply.shape[1]} ({size})",
        recompute,
        lambda: bandwidth_probe(b.supply, b.demand, b.reserved),
        "np.sum over the 3 input arrays",
        rounds=7,
        target=3.0,
    )
    benchmark.extra_info.update(ratio=r.ratio, baseline_s=r.baseline_median_s)
    benchmark.pedantic(recompute, rounds=3, iterations=1)


# --- layout: (rows, days) row-major, as the model stores it, vs (days, rows) bucket-major ---
@njit(cache=True, parallel=True)
def _atp_bucket_major(supply, demand, reserved, out):
    days, rows = supply.shape
    for r in prange(rows):
        total = 0
        for t in range(days):
            total += supply[t, r] - demand[t, r] - reserved[t, r]
            out[t, r] = total
        running = total
        for t in range(days - 1, -1, -1):
            if out[t, r] < running:
                running = out[t, r]
            out[t, r] = running


@njit(cache=True, parallel=True)
def _atp_bucket_major_vectorized(supply, demand, reserved, out):
    """Bucket-major done the way that layout wants: a whole row of buckets per step."""
    days, rows = supply.shape
    for r in prange(rows):
        out[0, r] = supply[0, r] - demand[0, r] - reserved[0, r]
    for t in range(1, days):
        for r in prange(rows):
            out[t, r] = out[t - 1, r] + supply[t, r] - demand[t, r] - reserved[t, r]
    for t in range(days - 2, -1, -1):
        for r in prange(rows):
            if out[t + 1, r] < out[t, r]:
                out[t, r] = out[t + 1, r]


@njit(cache=True)
def _earliest_bucket_major(supply, demand, reserved, row, start, quantity):
    days = supply.shape[0]
    total = 0
    for t in range(days):
        total += supply[t, row] - demand[t, row] - reserved[t, row]
    cum = total
    running = cum
    first = days
    for t in range(days - 1, -1, -1):
        running = min(running, cum)
        if running < quantity:
            break
        first = t
        cum -= supply[t, row] - demand[t, row] - reserved[t, row]
    return -1 if first >= days else max(first, start)


def test_layout_batch_recompute(benchmark) -> None:
    """Batch recompute: row-major (the model's layout) against bucket-major, same data."""
    b = buckets("large")
    rows = b.supply.shape[0]
    consumption = np.zeros(rows, dtype=np.int8)
    accumulate = np.zeros(rows, dtype=np.bool_)
    out = np.empty_like(b.supply)
    s_t, d_t, r_t = (np.ascontiguousarray(a.T) for a in (b.supply, b.demand, b.reserved))
    out_t = np.empty_like(s_t)
    row_major = lambda: atp_batch_driver(  # noqa: E731
        b.supply, b.demand, b.reserved, consumption, accumulate, out
    )
    interleaved(
        "layout, batch: row-major vs bucket-major (column loop)",
        row_major,
        lambda: _atp_bucket_major(s_t, d_t, r_t, out_t),
        "bucket-major",
        rounds=5,
    )
    interleaved(
        "layout, batch: row-major vs bucket-major (row-of-buckets loop)",
        row_major,
        lambda: _atp_bucket_major_vectorized(s_t, d_t, r_t, out_t),
        "bucket-major",
        rounds=5,
    )
    assert np.array_equal(out, out_t.T)
    benchmark.pedantic(row_major, rounds=3, iterations=1)


def test_layout_single_promise(benchmark) -> None:
    """One-line promise search: row-major against bucket-major, random rows."""
    b = buckets("large")
    s_t, d_t, r_t = (np.ascontiguousarray(a.T) for a in (b.supply, b.demand, b.reserved))
    rng = np.random.default_rng(3)
    picks = iter(rng.integers(0, b.supply.shape[0], 10**7).tolist())
    days = b.supply.shape[1]
    row_major = lambda: earliest_row(b.supply, b.demand, b.reserved, next(picks), 0, 50, days)  # noqa: E731
    interleaved(
        "layout, one promise: row-major vs bucket-major",
        row_major,
        lambda: _earliest_bucket_major(s_t, d_t, r_t, next(picks), 0, 50),
        "bucket-major",
        rounds=200,
        inner=50,
    )
    benchmark(row_major)
