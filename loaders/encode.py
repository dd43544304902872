"""Column encoders: string ids → dense indices, enum names → codes, dates → day offsets.

Each works on a whole (chunked) Arrow column with Arrow compute and numpy, refuses unknown
values with the first bad rows, and returns a fresh numpy array that owns its memory (never a
view into a memory-mapped file).
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.validate import check_min, first_value, refuse

NULL = -1
UNKNOWN = -2
_EPOCH = dt.date(1970, 1, 1)


def _lookup_chunk(chunk: pa.Array, value_set: pa.Array, out: np.ndarray) -> None:
    """Write the position in `value_set` of each value of `chunk` into `out`."""
    if pa.types.is_dictionary(chunk.type):
        # Look up each distinct value once, then gather by the row's dictionary index.
        mapping = np.zeros(max(len(chunk.dictionary), 1), dtype=out.dtype)
        _lookup_chunk(chunk.dictionary, value_set, mapping[: len(chunk.dictionary)])
        indices = chunk.indices
        if indices.null_count:
            indices = indices.fill_null(0)
        np.take(mapping, indices.to_numpy(), out=out)
    else:
        if pa.types.is_string_view(chunk.type):
            chunk = chunk.cast(pa.large_string())
        if chunk.type != value_set.type:
            value_set = value_set.cast(chunk.type)
        out[:] = pc.index_in(chunk, value_set=value_set).fill_null(UNKNOWN).to_numpy()
    if chunk.null_count:
        out[np.asarray(chunk.is_null())] = NULL


def lookup(
    values: pa.ChunkedArray, value_set: pa.Array, dtype: type[np.integer] = np.int32
) -> np.ndarray:
    """Position of each value in `value_set`: NULL (-1) for null, UNKNOWN (-2) if absent."""
    if pa.types.is_string_view(value_set.type):
        value_set = value_set.cast(pa.large_string())
    out = np.empty(len(values), dtype=dtype)
    start = 0
    for chunk in values.chunks:
        _lookup_chunk(chunk, value_set, out[start : start + len(chunk)])
        start += len(chunk)
    return out


def index_of(
    table: str, column: str, values: pa.ChunkedArray, ids: pa.Array, what: str, null: int = NULL
) -> np.ndarray:
    """int32 index of each id in `ids` (null → `null`); refuse an id that `ids` lacks."""
    codes = lookup(values, ids)
    unknown = codes == UNKNOWN
    if unknown.any():
        refuse(table, column, f"unknown {what} {first_value(values, unknown)!r}", unknown)
    if null != NULL and values.null_count:
        codes[codes == NULL] = null
    return codes


def encode_enum(
    table: str,
    column: str,
    values: pa.ChunkedArray | None,
    enum: type[IntEnum],
    default: IntEnum | None = None,
) -> np.ndarray:
    """int8 code of each enum name (null or absent column → `default`, else -1)."""
    n = 0 if values is None else len(values)
    missing = NULL if default is None else int(default)
    if values is None or values.null_count == n:
        return np.full(n, missing, dtype=np.int8)
    # Codes are positions in the member list (see promising.domain), so a lookup in the
    # names is the encoding.
    assert [int(m) for m in enum] == list(range(len(enum))), enum
    codes = lookup(values, pa.array([m.name for m in enum]), np.int8)
    unknown = codes == UNKNOWN
    if unknown.any():
        allowed = ", ".join(m.name for m in enum)
        value = first_value(values, unknown)
        refuse(table, column, f"unknown value {value!r} (allowed: {allowed})", unknown)
    if missing != NULL and values.null_count:
        codes[codes == NULL] = missing
    return codes


def day_offsets(values: pa.ChunkedArray, as_of: dt.date) -> np.ndarray:
    """int32 days from `as_of` of each date (date32, date64 or timestamp)."""
    if not pa.types.is_date32(values.type):
        values = values.cast(pa.date32(), safe=False)
    days = values.cast(pa.int32()).to_numpy()
    return np.subtract(days, np.int32((as_of - _EPOCH).days), dtype=np.int32)


def integers(
    table: str,
    column: str,
    values: pa.ChunkedArray | None,
    n: int,
    dtype: type[np.integer],
    minimum: int,
    what: str,
    default: int = 0,
) -> np.ndarray:
    """Integers of any width as `dtype` (null → `default`); refuse values below `minimum`."""
    if values is None or pa.types.is_null(values.type):
        return np.full(n, default, dtype=dtype)
    if values.null_count:
        values = values.fill_null(default)
    raw = values.to_numpy()
    check_min(table, column, raw, minimum, what)
    limit = np.iinfo(dtype).max
    if raw.shape[0] and raw.max() > limit:
        refuse(table, column, f"larger than {limit}", raw > limit)
    # A read-only array is a view of Arrow memory (maybe a mapped file): copy it.
    return raw.astype(dtype, copy=not raw.flags.writeable)


def floats(values: pa.ChunkedArray | None, n: int) -> np.ndarray:
    """float64 values, NaN where null or absent."""
    if values is None or pa.types.is_null(values.type):
        return np.full(n, np.nan)
    values = values.cast(pa.float64())
    return np.array(values.to_numpy(zero_copy_only=False), dtype=np.float64, copy=True)


def strings(values: pa.ChunkedArray | None, n: int) -> tuple[str | None, ...]:
    """Python strings (None where null or absent), for small tables only."""
    if values is None:
        return (None,) * n
    return tuple(values.to_pylist())


def distinct_used(values: pa.ChunkedArray) -> pa.Array:
    """Sorted distinct non-null strings that occur in `values` (dictionary-aware)."""
    found: set[str] = set()
    for chunk in values.chunks:
        if pa.types.is_dictionary(chunk.type):
            indices = chunk.indices.drop_null().to_numpy()
            used = np.bincount(indices, minlength=len(chunk.dictionary)) > 0
            found.update(chunk.dictionary.filter(pa.array(used)).to_pylist())
        else:
            found.update(pc.unique(chunk.drop_null()).to_pylist())
    return pa.array(sorted(found), type=pa.string())
