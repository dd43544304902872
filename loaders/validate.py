"""Vectorized checks that refuse a bad table with the table, column and first bad rows.

Every check runs over whole columns; row numbers are materialized only once a check fails.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np
import polars as pl
import pyarrow as pa

from loaders.tables import Column, Kind, TableSpec
from promising.errors import SnapshotError, SnapshotProblem

ROWS_SHOWN = 5


def refuse(table: str, column: str | None, message: str, bad: np.ndarray | None = None) -> NoReturn:
    """Raise `SnapshotError`; `bad` is a boolean mask over the table's rows (or None)."""
    rows = [] if bad is None else [int(r) for r in np.flatnonzero(bad)[:ROWS_SHOWN]]
    raise SnapshotError(SnapshotProblem(table, column, message, rows))


def first_value(values: pa.ChunkedArray, bad: np.ndarray) -> object:
    """The value of the first bad row, to quote in a message."""
    return values[int(np.flatnonzero(bad)[0])].as_py()


def _is_str(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _accepts(kind: Kind, t: pa.DataType) -> bool:
    if kind is Kind.STR:
        return _is_str(t)
    if kind is Kind.INT:
        return pa.types.is_integer(t)
    if kind is Kind.FLOAT:
        return pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t)
    if kind is Kind.DATE:
        return pa.types.is_date(t) or pa.types.is_timestamp(t)
    if kind is Kind.BOOL:
        return pa.types.is_boolean(t)
    if kind is Kind.STR_LIST:
        lists = pa.types.is_list(t) or pa.types.is_large_list(t)
        return lists and _is_str(t.value_type)
    raise AssertionError(kind)


def check_schema(spec: TableSpec, schema: pa.Schema) -> list[Column]:
    """Refuse a missing required column or a column of the wrong type.

    Returns the spec's columns present in the file; an optional column that is entirely null
    may have Arrow's `null` type.
    """
    present = []
    for column in spec.columns:
        indices = schema.get_all_field_indices(column.name)
        if not indices:
            if column.required:
                refuse(spec.name, column.name, "missing column")
            continue
        if len(indices) > 1:
            refuse(spec.name, column.name, "column appears more than once")
        t = schema.field(indices[0]).type
        if not (_accepts(column.kind, t) or (not column.required and pa.types.is_null(t))):
            refuse(spec.name, column.name, f"must be {column.kind.value}, got {t}")
        present.append(column)
    return present


def null_mask(values: pa.ChunkedArray) -> np.ndarray:
    """Boolean mask of the null rows."""
    return np.asarray(values.is_null())


def check_not_null(spec: TableSpec, table: pa.Table) -> None:
    """Refuse a null in a required column."""
    for column in spec.columns:
        if column.required and column.read and table.column(column.name).null_count:
            values = table.column(column.name)
            refuse(spec.name, column.name, "null in a required column", null_mask(values))


def check_unique(table: str, column: str, values: pa.ChunkedArray) -> None:
    """Refuse an id that repeats; the bad rows are the repeats after each first occurrence.

    A 64-bit hash per id, sorted, finds candidates in a few tens of milliseconds for
    millions of rows (Arrow's own distinct count is an order of magnitude slower); only a
    hash collision falls through to the exact comparison.
    """
    if len(values) < 2:
        return
    series = pl.Series(values=_plain(values))
    hashes = np.sort(series.hash(seed=0).to_numpy())
    if not (hashes[1:] == hashes[:-1]).any():
        return
    repeat = (~series.is_first_distinct()).to_numpy()
    if repeat.any():
        refuse(table, column, f"duplicate id {first_value(values, repeat)!r}", repeat)


def check_unique_keys(table: str, column: str, keys: np.ndarray, what: str) -> None:
    """Refuse repeated int64 keys (composite ids packed into one integer)."""
    if keys.shape[0] < 2:
        return
    order = np.argsort(keys, kind="stable")
    repeat_sorted = np.zeros(keys.shape[0], dtype=bool)
    repeat_sorted[1:] = keys[order[1:]] == keys[order[:-1]]
    if repeat_sorted.any():
        repeat = np.zeros(keys.shape[0], dtype=bool)
        repeat[order[repeat_sorted]] = True
        refuse(table, column, f"duplicate {what}", repeat)


def check_min(table: str, column: str, values: np.ndarray, minimum: int, what: str) -> None:
    """Refuse values below `minimum` (quantities > 0, day counts >= 0)."""
    if values.shape[0] and values.min() < minimum:
        refuse(table, column, what, values < minimum)


def _plain(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Strings without dictionary encoding (a repeat may hide in two chunks' dictionaries)."""
    if pa.types.is_dictionary(values.type):
        return values.cast(values.type.value_type)
    return values
