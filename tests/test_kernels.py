"""Kernels against the plain-Python references of tests/naive.py, on awkward inputs."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from factories import frozen
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sizes import examples

from kernels.atp import atp_batch, atp_row
from kernels.events import (
    bin_row,
    clip_buckets,
    dense_from_grouped,
    group_by_row,
    group_events,
    group_ptr,
    lookahead_from_events,
)
from kernels.promise import atp_at, atp_with, earliest_batch, earliest_bucket
from kernels.reserve import apply_reservations

SUPPLY = [6, 4, 2, 4, 8, 4, 4, 4]
DEMAND = [6, 2, 3, 6, 6, 1, 2, 2]


def arr(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


# Quantities: mostly zero or small, sometimes huge, so nets go negative and ties happen.
quantity = st.one_of(st.just(0), st.integers(0, 9), st.integers(0, 10**12))


@st.composite
def series(draw: st.DrawFn, horizon_max: int = 40) -> tuple[list[int], list[int], list[int]]:
    """(supply, demand, reserved) of one item-location over 1..horizon_max buckets."""
    horizon = draw(st.integers(1, horizon_max))
    supply = draw(st.lists(quantity, min_size=horizon, max_size=horizon))
    demand = draw(st.lists(quantity, min_size=horizon, max_size=horizon))
    reserved = draw(st.lists(st.integers(0, 9), min_size=horizon, max_size=horizon))
    return supply, demand, reserved


@pytest.mark.parametrize(
    ("consumption", "expected"),
    [
        (naive.NONE, [0, 2, -1, -2, 2, 3, 2, 2]),
        (naive.BACKWARD, [0, 0, 0, -1, 2, 3, 2, 2]),
        (naive.LOOKAHEAD, [-1, -1, -1, -1, 1, 4, 6, 8]),
    ],
)
def test_worked_example_of_design(consumption: int, expected: list[int]) -> None:
    """The worked example of DESIGN section 3 holds for the kernel and the reference."""
    zeros = [0] * 8
    out = np.empty(8, dtype=np.int64)
    atp_row(frozen(SUPPLY), frozen(DEMAND), arr(zeros), consumption, False, out)
    assert out.tolist() == expected
    assert naive.atp(SUPPLY, DEMAND, zeros, consumption, False) == expected


@settings(max_examples=examples(300, test=100), deadline=None)
@given(
    data=series(),
    consumption=st.sampled_from([0, 1, 2, 3]),
    accumulated=st.booleans(),
)
@example(data=([0] * 5, [0] * 5, [0] * 5), consumption=0, accumulated=False)
@example(data=([0, 0, 0, 0], [0, 0, 0, 9], [0, 0, 0, 0]), consumption=3, accumulated=True)
@example(data=([5], [7], [0]), consumption=2, accumulated=False)
@example(data=([0, 3, 0], [2, 0, 2], [0, 0, 0]), consumption=3, accumulated=False)
def test_atp_row_matches_reference(
    data: tuple[list[int], list[int], list[int]], consumption: int, accumulated: bool
) -> None:
    """Every consumption rule, with and without accumulation, equals the reference."""
    supply, demand, reserved = data
    out = np.empty(len(supply), dtype=np.int64)
    atp_row(frozen(supply), frozen(demand), arr(reserved), consumption, accumulated, out)
    assert out.tolist() == naive.atp(supply, demand, reserved, consumption, accumulated)


@settings(max_examples=examples(100, test=40), deadline=None)
@given(rows=st.lists(series(horizon_max=12), min_size=1, max_size=6), data=st.data())
def test_atp_batch_matches_rows(rows: list[tuple], data: st.DataObject) -> None:
    """The batch driver gives each row what the reference gives it, rule by rule."""
    horizon = min(len(r[0]) for r in rows)
    supply, demand, reserved = (np.array([r[k][:horizon] for r in rows]) for k in range(3))
    consumption = np.array(
        data.draw(st.lists(st.sampled_from([0, 1, 2, 3]), min_size=len(rows), max_size=len(rows)))
    )
    accumulated = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    )
    out = atp_batch(supply, demand, reserved, consumption, accumulated)
    for r in range(len(rows)):
        expected = naive.atp(
            supply[r].tolist(),
            demand[r].tolist(),
            reserved[r].tolist(),
            int(consumption[r]),
            bool(accumulated[r]),
        )
        assert out[r].tolist() == expected


@settings(max_examples=examples(300, test=100), deadline=None)
@given(data=series(), start=st.integers(-3, 45), want=st.integers(1, 30), cut=st.integers(0, 45))
@example(data=([0, 0, 0, 5], [0] * 4, [0] * 4), start=0, want=5, cut=4)  # all on the last day
@example(data=([5], [0], [0]), start=0, want=5, cut=1)  # a single bucket
@example(data=([9, 0, 0], [0, 0, 9], [0, 0, 0]), start=0, want=1, cut=3)  # future demand bites
def test_earliest_bucket_matches_reference(
    data: tuple[list[int], list[int], list[int]], start: int, want: int, cut: int
) -> None:
    """The one-pass earliest-date search equals scanning the reference LOOKAHEAD ATP."""
    supply, demand, reserved = data
    limit = min(cut, len(supply))
    got = earliest_bucket(frozen(supply), frozen(demand), arr(reserved), max(start, 0), want, limit)
    assert got == naive.earliest(supply, demand, reserved, start, want, limit)


@settings(max_examples=examples(100, test=50), deadline=None)
@given(data=series(), bucket=st.integers(0, 39))
def test_atp_at_matches_reference(
    data: tuple[list[int], list[int], list[int]], bucket: int
) -> None:
    """LOOKAHEAD ATP at one bucket equals the reference profile at that bucket."""
    supply, demand, reserved = data
    bucket = min(bucket, len(supply) - 1)
    expected = naive.lookahead(naive.net(supply, demand, reserved))[bucket]
    assert atp_at(arr(supply), arr(demand), arr(reserved), bucket) == expected


@settings(max_examples=200, deadline=None)
@given(data=series(), bucket=st.integers(0, 45), cut=st.integers(0, 45), seed=st.integers(0, 99))
def test_atp_with_pending_matches_reference(
    data: tuple[list[int], list[int], list[int]], bucket: int, cut: int, seed: int
) -> None:
    """LOOKAHEAD ATP at a bucket inside a fence, with pending units on top of the reserved,
    equals the reference profile over [0, limit) (0 past the fence)."""
    supply, demand, reserved = data
    limit = min(cut, len(supply))
    pending = [(seed * (t + 3)) % 7 for t in range(len(supply))]
    held = [r + p for r, p in zip(reserved, pending, strict=True)]
    if bucket < limit:
        expected = naive.lookahead(naive.net(supply[:limit], demand[:limit], held[:limit]))[bucket]
    else:
        expected = 0
    got = atp_with(arr(supply), arr(demand), arr(reserved), arr(pending), bucket, limit)
    assert got == expected


def test_reservation_moves_later_atp() -> None:
    """Reserving q at bucket t lowers LOOKAHEAD ATP at t and every earlier bucket that t bounds."""
    supply, demand, reserved = frozen([5, 0, 0, 5]), frozen([0, 0, 0, 0]), arr([0, 0, 0, 0])
    assert earliest_bucket(supply, demand, reserved, 0, 5, 4) == 0
    reserved[2] = 3
    assert earliest_bucket(supply, demand, reserved, 0, 5, 4) == 3
    assert earliest_bucket(supply, demand, reserved, 0, 2, 4) == 0


@settings(max_examples=examples(50, test=25), deadline=None)
@given(rows=st.lists(series(horizon_max=10), min_size=1, max_size=5), data=st.data())
def test_earliest_batch_matches_single(rows: list[tuple], data: st.DataObject) -> None:
    """The batch search answers each line as the single search does."""
    horizon = min(len(r[0]) for r in rows)
    supply, demand, reserved = (np.array([r[k][:horizon] for r in rows]) for k in range(3))
    count = data.draw(st.integers(1, 8))
    line_rows = np.array(
        data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=count, max_size=count))
    )
    starts = np.array(
        data.draw(st.lists(st.integers(0, horizon - 1), min_size=count, max_size=count))
    )
    wants = np.array(data.draw(st.lists(st.integers(1, 20), min_size=count, max_size=count)))
    limits = np.full(count, horizon)
    got = earliest_batch(supply, demand, reserved, line_rows, starts, wants, limits)
    for i in range(count):
        r = line_rows[i]
        expected = naive.earliest(
            supply[r].tolist(),
            demand[r].tolist(),
            reserved[r].tolist(),
            starts[i],
            wants[i],
            horizon,
        )
        assert got[i] == expected


@st.composite
def events(draw: st.DrawFn) -> tuple:
    horizon = draw(st.integers(1, 15))
    row_count = draw(st.integers(1, 5))
    count = draw(st.integers(0, 40))
    rows = draw(st.lists(st.integers(0, row_count - 1), min_size=count, max_size=count))
    days = draw(st.lists(st.integers(-5, horizon + 5), min_size=count, max_size=count))
    quantities = draw(st.lists(st.integers(1, 100), min_size=count, max_size=count))
    kinds = draw(st.lists(st.integers(0, 4), min_size=count, max_size=count))
    masks = draw(st.lists(st.integers(0, 31), min_size=row_count, max_size=row_count))
    return horizon, row_count, rows, days, quantities, kinds, masks


@settings(max_examples=examples(200, test=60), deadline=None)
@given(ev=events())
def test_events_to_buckets_match_reference(ev: tuple) -> None:
    """Past-due folding, horizon cut, scatter and per-row re-binning equal the reference."""
    horizon, row_count, rows, days, quantities, kinds, masks = ev
    buckets = np.empty(len(days), dtype=np.int64)
    past, beyond = clip_buckets(arr(days), horizon, buckets)
    ref_buckets, ref_past, ref_beyond = naive.bucketize(days, horizon)
    assert (buckets.tolist(), past, beyond) == (ref_buckets, ref_past, ref_beyond)

    kinds_arr = np.asarray(kinds, dtype=np.int8)
    expected = naive.dense(rows, ref_buckets, quantities, kinds, masks, horizon)
    ptr, order = group_by_row(arr(rows), row_count)
    assert ptr.tolist() == naive.group_ptr(rows, row_count)
    assert group_ptr(arr(rows), row_count).tolist() == ptr.tolist()
    by_row = (  # read-only, as the model holds its grouped events
        frozen(ptr),
        frozen(buckets[order]),
        frozen(arr(quantities)[order]),
        frozen(kinds_arr[order], np.int8),
    )
    out = np.full((row_count, horizon), -7, dtype=np.int64)  # garbage: the kernel zeroes rows
    dense_from_grouped(*by_row, arr(masks), out)
    assert out.tolist() == expected

    assert sorted(order.tolist()) == list(range(len(rows)))
    row_out = np.empty(horizon, dtype=np.int64)
    for r in range(row_count):
        members = order[ptr[r] : ptr[r + 1]]
        assert all(rows[i] == r for i in members)
        assert list(members) == sorted(members)  # stable
        bin_row(*by_row, r, masks[r], row_out)
        assert row_out.tolist() == expected[r]

    classes = np.arange(len(rows), dtype=np.int16)
    days32 = np.asarray(days, dtype=np.int32)  # the events table's day type
    grouped = group_events(
        arr(rows), days32, arr(quantities), kinds_arr, classes, row_count, horizon
    )
    g_ptr, g_bucket, g_quantity, g_kind, g_class, g_past, g_beyond = grouped
    assert (g_ptr.tolist(), g_past, g_beyond) == (ptr.tolist(), ref_past, ref_beyond)
    assert g_class.tolist() == order.tolist()  # same stable order as the counting sort
    assert g_bucket.tolist() == buckets[order].tolist()
    assert g_quantity.tolist() == arr(quantities)[order].tolist()
    assert g_kind.tolist() == kinds_arr[order].tolist()


@settings(max_examples=examples(100, test=50), deadline=None)
@given(
    allocations=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(1, 10**9)), max_size=30
    ),
    sign=st.sampled_from([1, -1]),
)
def test_apply_reservations_matches_reference(
    allocations: list[tuple[int, int, int]], sign: int
) -> None:
    """Bulk reservation apply (and release) equals adding them one by one, repeats included."""
    reserved = np.zeros((4, 7), dtype=np.int64)
    rows, buckets, quantities = (
        np.array([a[k] for a in allocations], dtype=np.int64) for k in range(3)
    )
    apply_reservations(reserved, rows, buckets, quantities, sign)
    assert reserved.tolist() == naive.apply_reservations([[0] * 7] * 4, allocations, sign)


@settings(max_examples=examples(100, test=40), deadline=None)
@given(ev=events())
def test_lookahead_from_events_matches_reference(ev: tuple) -> None:
    """ATP straight from signed unsorted events equals binning then the reference LOOKAHEAD."""
    horizon, row_count, rows, days, quantities, kinds, _ = ev
    signed = [q if k % 2 else -q for q, k in zip(quantities, kinds, strict=True)]
    got = lookahead_from_events(arr(rows), arr(days), arr(signed), row_count, horizon)
    buckets, _, _ = naive.bucketize(days, horizon)
    sums = naive.dense(rows, buckets, signed, [0] * len(rows), [1] * row_count, horizon)
    assert got.tolist() == [naive.lookahead(row) for row in sums]


@settings(max_examples=examples(200, test=100), deadline=None)
@given(
    supply=st.lists(st.integers(0, 6), max_size=8),
    demand=st.lists(st.integers(0, 6), min_size=1, max_size=8),
    data=st.data(),
)
def test_peg_fifo_matches_reference(supply: list[int], demand: list[int], data) -> None:
    """FIFO pegging of one demand equals handing out supply unit by unit in order."""
    from kernels.pegging import peg_fifo

    target = data.draw(st.integers(0, len(demand) - 1))
    out_s = np.empty(len(supply) + 1, dtype=np.int64)
    out_q = np.empty(len(supply) + 1, dtype=np.int64)
    count = peg_fifo(arr(supply), arr(demand), target, out_s, out_q)
    got = list(zip(out_s[:count].tolist(), out_q[:count].tolist(), strict=True))
    assert got == naive.peg_fifo(supply, demand, target)
