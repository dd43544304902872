"""Named synthetic data sets for kernel benchmarks (snapshot files come from the generator)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

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
