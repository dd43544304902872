"""The delta-patching kernels (kernels/refresh.py) against the references of tests/naive.py."""

from __future__ import annotations

import naive
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.refresh import merge_column, patch_dense, patch_grouped

# Small domains, so that equal events (interchangeable values) are common.
event = st.tuples(st.integers(-1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(-1, 1))


@st.composite
def deltas(draw: st.DrawFn) -> tuple:
    """Grouped rows of events, rows appended, removed events (mostly ones the rows hold,
    sometimes one they do not) and added events."""
    rows = draw(st.lists(st.lists(event, max_size=6), min_size=1, max_size=5))
    row_count = len(rows) + draw(st.integers(0, 2))
    held = [(r, e) for r, events in enumerate(rows) for e in events]
    picked = draw(st.lists(st.integers(0, max(len(held) - 1, 0)), unique=True, max_size=6))
    removed = [held[i] for i in picked if held]
    if draw(st.booleans()):
        removed.append((draw(st.integers(0, row_count - 1)), draw(event)))
    added = draw(st.lists(st.tuples(st.integers(0, row_count - 1), event), max_size=6))
    return rows, row_count, draw(st.permutations(removed)), added


def _columns(events: list[naive.Event]) -> tuple[np.ndarray, ...]:
    """Events as the model's columns: bucket, quantity (int64), kind (int8), class (int16)."""
    return (
        np.array([e[0] for e in events], np.int64),
        np.array([e[1] for e in events], np.int64),
        np.array([e[2] for e in events], np.int8),
        np.array([e[3] for e in events], np.int16),
    )


def _changes(changes: list[tuple[int, naive.Event]]) -> tuple[np.ndarray, ...]:
    rows = np.array([r for r, _ in changes], np.int64)
    return (rows, *_columns([e for _, e in changes]))


@settings(max_examples=300, deadline=None)
@given(case=deltas())
def test_patch_grouped_matches_reference(case: tuple) -> None:
    """Patched CSR events equal the rows with one equal event taken out per removal and the
    additions appended; an event no row holds is reported as missing."""
    rows, row_count, removed, added = case
    ptr = np.array(naive.group_ptr([r for r, es in enumerate(rows) for _ in es], len(rows)))
    columns = _columns([e for events in rows for e in events])
    count, *out, missing = patch_grouped(
        ptr, *columns, row_count, *_changes(removed), *_changes(added)
    )
    expected, expected_missing = naive.patch_grouped(rows, row_count, removed, added)
    got = list(zip(*(c.tolist() for c in out), strict=True))
    assert [got[count[r] : count[r + 1]] for r in range(row_count)] == expected
    assert missing == expected_missing


@settings(max_examples=200, deadline=None)
@given(
    horizon=st.integers(1, 6),
    row_count=st.integers(1, 4),
    data=st.data(),
    sign=st.sampled_from([1, -1]),
)
def test_patch_dense_matches_reference(
    horizon: int, row_count: int, data: st.DataObject, sign: int
) -> None:
    """Patching a bucket matrix adds (or takes out) exactly the events each row's rule counts."""
    n = data.draw(st.integers(0, 20))

    def draw(values: st.SearchStrategy[int]) -> list[int]:
        return data.draw(st.lists(values, min_size=n, max_size=n))

    rows, buckets = draw(st.integers(0, row_count - 1)), draw(st.integers(-1, horizon - 1))
    kinds, quantities = draw(st.integers(0, 4)), draw(st.integers(1, 100))
    masks = data.draw(st.lists(st.integers(0, 31), min_size=row_count, max_size=row_count))
    matrix = np.arange(row_count * horizon, dtype=np.int64).reshape(row_count, horizon)
    expected = matrix + sign * np.array(
        naive.dense(rows, buckets, quantities, kinds, masks, horizon), dtype=np.int64
    )
    patch_dense(
        matrix,
        np.array(masks, np.int64),
        np.array(rows, np.int64),
        np.array(buckets, np.int64),
        np.array(kinds, np.int8),
        np.array(quantities, np.int64),
        sign,
    )
    assert matrix.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    old=st.lists(st.integers(0, 50), max_size=12),
    data=st.data(),
)
def test_merge_column_matches_reference(old: list[int], data: st.DataObject) -> None:
    """Merging keeps the kept values in order and puts each added one before its position."""
    keep = data.draw(st.lists(st.booleans(), min_size=len(old), max_size=len(old)))
    added = data.draw(st.lists(st.integers(100, 150), max_size=6))
    at = sorted(
        data.draw(st.lists(st.integers(0, len(old)), min_size=len(added), max_size=len(added)))
    )
    out = np.full(sum(keep) + len(added), -1, dtype=np.int64)
    merge_column(
        np.array(old, np.int64),
        np.array(keep, np.bool_),
        np.array(added, np.int64),
        np.array(at, np.int64),
        out,
    )
    assert out.tolist() == naive.merge_column(old, keep, added, at)
