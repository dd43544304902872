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
_CATEGORIES_MAX = int(np.iinfo(np.int16).max)


def _valid(array: pa.Array) -> np.ndarray | None:
    """1 where a row is not null, 0 where it is (None: no nulls), from the validity bitmap."""
    if not array.null_count:
        return None
    bitmap = array.buffers()[0]
    if bitmap is None:  # the null type: every row is null
        return np.zeros(len(array), dtype=np.uint8)
    bits = np.unpackbits(
        np.frombuffer(bitmap, dtype=np.uint8), count=array.offset + len(array), bitorder="little"
    )
    return bits[array.offset :]


def _raw(array: pa.Array) -> np.ndarray:
    """The values buffer of a fixed-width array as numpy, nulls included (zero-copy)."""
    dtype = np.dtype(array.type.to_pandas_dtype())
    buffer = array.buffers()[1]
    return np.frombuffer(
        buffer, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def _lookup_chunk(chunk: pa.Array, value_set: pa.Array, out: np.ndarray) -> None:
    """Write the position in `value_set` of each value of `chunk` into `out`."""
    if pa.types.is_dictionary(chunk.type):
        # Look up each distinct value once, then gather by the row's dictionary index (the
        # index under a null row is arbitrary: clipped here, overwritten below).
        mapping = np.zeros(max(len(chunk.dictionary), 1), dtype=out.dtype)
        _lookup_chunk(chunk.dictionary, value_set, mapping[: len(chunk.dictionary)])
        np.take(mapping, _raw(chunk.indices), out=out, mode="clip")
        valid = _valid(chunk.indices)
    else:
        if pa.types.is_string_view(chunk.type):
            chunk = chunk.cast(pa.large_string())
        if chunk.type != value_set.type:
            value_set = value_set.cast(chunk.type)
        out[:] = pc.index_in(chunk, value_set=value_set).fill_null(UNKNOWN).to_numpy()
        valid = _valid(chunk)
    if valid is not None:
        # out = out where valid else NULL (-1), as three in-place passes, no boolean indexing.
        valid = valid.astype(out.dtype, copy=False)
        out *= valid
        out += valid
        out -= 1


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
    rows: int = 0,
) -> np.ndarray:
    """int8 code of each enum name (null or absent column → `default`, else -1).

    `rows` is the table's row count, for an absent column (`values` None)."""
    n = rows if values is None else len(values)
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


_UNITS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400 * 10**9}
_DAYS_MAX = 2**31 - 2**20
"""Dates within about 5.8 million years of 1970 (and of as_of) fit int32 day offsets."""


def day_offsets(table: str, column: str, values: pa.ChunkedArray, as_of: dt.date) -> np.ndarray:
    """int32 days from `as_of` of each date (date32, date64 or timestamp).

    A date64 or timestamp is checked against the int32 day range before the cast, which
    would otherwise wrap around silently.
    """
    if not pa.types.is_date32(values.type):
        per_day = 86_400_000 if pa.types.is_date64(values.type) else 0
        per_day = per_day or _UNITS_PER_DAY[values.type.unit]
        raw = values.cast(pa.int64()).to_numpy()
        far = np.abs(raw // per_day) > _DAYS_MAX
        if far.any():
            refuse(table, column, "date out of range", far)
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


def encode_categories(
    table: str, column: str, values: pa.ChunkedArray
) -> tuple[pa.Array, np.ndarray]:
    """(sorted distinct strings that occur, int16 index of each row's value, -1 = null).

    A dictionary may hold values no row uses (a writer's shared dictionary): those are left
    out, so the categories do not depend on how the file was encoded.
    """
    found: set[str] = set()
    for chunk in values.chunks:
        distinct = chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk)
        found.update(distinct.drop_null().to_pylist())
    if len(found) > _CATEGORIES_MAX:
        refuse(table, column, f"more than {_CATEGORIES_MAX} distinct values")
    candidates = pa.array(sorted(found), pa.string())
    codes = lookup(values, candidates, np.int16)
    count = len(candidates)
    if count <= 8:  # a few compare passes beat a bincount that widens every code to intp
        used = np.array([(codes == k).any() for k in range(count)], dtype=bool)
    else:
        used = np.bincount(codes[codes >= 0], minlength=count) > 0
    if not used.all():
        remap = (np.cumsum(used) - 1).astype(np.int16)
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], codes).astype(np.int16)
        candidates = candidates.filter(pa.array(used))
    return candidates, codes


def optional_column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    """The column, or None when the file does not have it."""
    return table.column(name) if name in table.column_names else None


def id_set(values: pa.ChunkedArray) -> pa.Array:
    """A table's ids as one plain string array: the value set to look references up in."""
    array = values.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not pa.types.is_string(array.type):
        array = array.cast(pa.large_string())
    return array
