"""Promising one line through the Python API, against an empty njit call (the floor of any
call into a kernel) and against the bare search kernel on the same row."""

from __future__ import annotations

import datetime as dt

import numpy as np
from datasets import engine
from numba import njit
from ratio import interleaved

from kernels.promise import earliest_row


@njit(cache=True)
def _empty() -> int:
    return 0


def test_promise_line_vs_empty_njit(benchmark) -> None:
    """engine.promise_line on 20k item-locations × 365 days, random items (target ≤ 20×)."""
    eng = engine("medium")
    model = eng.model
    rng = np.random.default_rng(1)
    rows = rng.integers(0, model.row_count, 1_000_000)
    lines = iter(
        [
            (
                model.items.ids[model.row_item[r]],
                model.locations.ids[model.row_location[r]],
                model.as_of + dt.timedelta(days=int(d)),
            )
            for r, d in zip(rows[:400_000], rng.integers(0, 300, 400_000), strict=True)
        ]
    )

    def promise() -> object:
        item, location, day = next(lines)
        return eng.promise_line(item, 5, day, location)

    r = interleaved(
        "promise one line (Python API)",
        promise,
        _empty,
        "empty njit call",
        rounds=300,
        inner=200,
        target=20.0,
    )
    kernel_rows = iter(rows.tolist())
    reserved = eng.ledger.reserved
    days = model.horizon_days

    def kernel_only() -> int:
        return earliest_row(model.supply, model.demand, reserved, next(kernel_rows), 0, 5, days)

    interleaved(
        "search kernel alone (earliest_row, 365 buckets)",
        kernel_only,
        _empty,
        "empty njit call",
        rounds=300,
        inner=200,
    )
    benchmark.extra_info.update(ratio=r.ratio)
    benchmark(promise)
