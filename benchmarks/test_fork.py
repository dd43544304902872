"""Forking the live state (model and reservations) for a what-if, on the 1M-row data set:
a fork with a 100-row change against copying one item-location row (target ≤ 5 ms), and the
memory a fork holds until written against the live state's size (target ≤ 1%)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from datasets import snapshot_dir
from ratio import interleaved

from loaders.report import load_model_data
from promising.engine import Engine
from promising.fork import SupplyChange, fork
from promising.promise import LineRequest

COMMITTED_LINES = 2_000
"""Live reservations when the fork is taken (one-line commits on random rows)."""


def _live() -> Engine:
    model, _, _ = load_model_data(snapshot_dir("medium"))
    engine = Engine(model)
    rng = np.random.default_rng(3)
    for n, row in enumerate(rng.integers(0, model.row_count, COMMITTED_LINES).tolist()):
        line = LineRequest(
            "1",
            model.items.ids[model.row_item[row]],
            int(rng.integers(1, 5)),
            model.as_of + dt.timedelta(days=int(rng.integers(0, 300))),
            model.locations.ids[model.row_location[row]],
        )
        promise = engine.promise_order([line])
        if promise.all_available:
            engine.reserve(promise, [f"o{n}/1"])
    return engine


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def test_fork_with_100_row_change(benchmark) -> None:
    """fork(engine, 100 supply changes on 100 rows) vs copying one row (target ≤ 5 ms)."""
    engine = _live()
    model = engine.model
    rng = np.random.default_rng(5)
    rows = rng.choice(model.row_count, 100, replace=False)
    changes = [
        SupplyChange(
            model.items.ids[model.row_item[r]],
            model.locations.ids[model.row_location[r]],
            model.as_of + dt.timedelta(days=int(d)),
            50,
        )
        for r, d in zip(rows.tolist(), rng.integers(0, 300, 100).tolist(), strict=True)
    ]
    reserved = engine.ledger.reserved
    one_row = int(rows[0])

    def forked() -> Engine:
        return fork(engine, changes)

    def copy_row() -> np.ndarray:
        return reserved[one_row].copy()

    r = interleaved(
        "fork + 100-row change (1M-row data set, 2,000 live lines)",
        forked,
        copy_row,
        "copy one item-location row",
        rounds=30,
    )
    print(f"fork + 100-row change: {r.subject_median_s * 1e3:.2f} ms (target ≤ 5 ms)")

    state_bytes = sum(
        a.nbytes
        for a in (
            model.supply,
            model.demand,
            reserved,
            *(vars(model.supply_events).values()),
            *(vars(model.demand_events).values()),
        )
    )
    before = _rss_bytes()
    kept = [fork(engine, changes) for _ in range(10)]
    held = (_rss_bytes() - before) / len(kept)
    print(
        f"memory a fork holds until written: {held / 2**20:.2f} MiB of a "
        f"{state_bytes / 2**20:.0f} MiB live state = {held / state_bytes:.3%} (target ≤ 1%)"
    )
    line = LineRequest("1", changes[0].item_id, 5, changes[0].date, changes[0].location_id)
    assert kept[0].promise_order([line]).lines[0].promised_quantity == 5
    benchmark.extra_info.update(ratio=r.ratio, fork_ms=r.subject_median_s * 1e3)
    benchmark.extra_info.update(memory_share=held / state_bytes)
    benchmark(forked)
