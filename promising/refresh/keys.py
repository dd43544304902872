"""128-bit keys of string ids: two seeded 64-bit hashes, computed by polars over whole columns.

A delta names the rows it replaces by id and a refresh matches order lines by id, over
millions of rows; keeping the strings would cost a Python object each. A key is two
independent 64-bit hashes of the string, so two different ids share a key with probability
about n² / 2^129: never, in practice. Keys are compared only inside one process (the journal
keeps the strings), so the hash function may change between polars versions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa

SEEDS = (0, 1)
NONE = np.uint64(0)
"""The key of a null id is (0, 0)."""
SLICE_ROWS = 1 << 18


def id_keys(values: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> np.ndarray:
    """uint64 (n, 2) keys of the ids; a null id gets (0, 0)."""
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(list(values), pa.string())
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if values.null_count:  # hash only the ids there are (order lines: most demand has none)
        valid = np.asarray(values.is_valid())
        keys = np.zeros((len(values), 2), dtype=np.uint64)
        keys[valid] = id_keys(values.filter(pa.array(valid)))
        return keys
    keys = np.empty((len(values), 2), dtype=np.uint64)
    # In slices: converting strings to polars holds the GIL (a quote waits for it), so a
    # slice bounds that wait to a few milliseconds.
    for start in range(0, len(values), SLICE_ROWS):
        series = pl.from_arrow(values.slice(start, SLICE_ROWS))
        assert isinstance(series, pl.Series)
        if series.dtype != pl.String:
            series = series.cast(pl.String)
        out = keys[start : start + SLICE_ROWS]
        for column, seed in enumerate(SEEDS):
            out[:, column] = series.hash(seed=seed).to_numpy()
    return keys


def order_line_id(order_id: str, line_id: str) -> str:
    """The `order_line_id` under which a snapshot's demand names an order line of the engine."""
    return f"{order_id}/{line_id}"


def key_set(keys: np.ndarray) -> np.ndarray:
    """The non-null keys sorted by their first word: a set for `contains` to search in.

    Only the first word is sorted (argsort of one uint64 column is several times faster than
    a lexicographic sort); keys with the same first word sit together, in any order.
    """
    present = keys[(keys[:, 0] != NONE) | (keys[:, 1] != NONE)]
    return np.ascontiguousarray(present[np.argsort(present[:, 0])])


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each key is in `sorted_keys` (from `key_set`)."""
    if sorted_keys.shape[0] == 0 or keys.shape[0] == 0:
        return np.zeros(keys.shape[0], dtype=bool)
    first = sorted_keys[:, 0]
    lo = np.searchsorted(first, keys[:, 0], side="left")
    hi = np.searchsorted(first, keys[:, 0], side="right")
    found = np.zeros(keys.shape[0], dtype=bool)
    # Equal first words are almost always a single entry; walk the rare longer runs.
    step = 0
    active = np.flatnonzero(lo < hi)
    while active.shape[0]:
        at = lo[active] + step
        hit = sorted_keys[at, 1] == keys[active, 1]
        found[active[hit]] = True
        active = active[~hit & (at + 1 < hi[active])]
        step += 1
    return found
