"""Supply and demand rows → `EventTable`s: ids to indices, dates to day offsets, types to codes."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from loaders.encode import (
    NULL,
    day_offsets,
    encode_categories,
    encode_enum,
    index_of,
    integers,
    optional_column,
)
from loaders.validate import check_unique
from promising.domain import DemandType, SupplyType
from promising.snapshot import EventTable


def encode_events(
    supply_table: pa.Table,
    demand_table: pa.Table,
    item_ids: pa.Array,
    location_ids: pa.Array,
    as_of: dt.date,
) -> tuple[EventTable, EventTable, pa.Array]:
    """Supply and demand rows in file order, and the demand classes they name.

    The checks and encoders run as independent jobs on two threads (Arrow, polars and numpy
    release the GIL); results are taken in a fixed order, so which problem is reported first
    never depends on timing.
    """
    ids = (item_ids, location_ids)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(check_unique, "supply", "supply_id", supply_table.column("supply_id")),
            pool.submit(_event_columns, supply_table, "supply", SupplyType, ids, as_of),
            pool.submit(check_unique, "demand", "demand_id", demand_table.column("demand_id")),
            pool.submit(_event_columns, demand_table, "demand", DemandType, ids, as_of),
            pool.submit(_demand_classes, demand_table),
        ]
        try:
            _, supply, _, demand, (classes, demand_class) = [job.result() for job in jobs]
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    no_class = np.full(supply_table.num_rows, NULL, dtype=np.int16)
    order_lines = optional_column(demand_table, "order_line_id")
    return (
        EventTable(**supply, demand_class=no_class, ids=_owned(supply_table.column("supply_id"))),
        EventTable(
            **demand,
            demand_class=demand_class,
            ids=_owned(demand_table.column("demand_id")),
            order_line_id=None if order_lines is None else _owned(order_lines),
        ),
        classes,
    )


def _owned(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column in memory of its own: never a view into a (memory-mapped) file.

    Arrays decoded from Parquet own their buffers already; a buffer sliced out of a larger
    one (an Arrow IPC file, memory-mapped) has a parent, and then the column is copied.
    """
    views = any(
        buffer is not None and buffer.parent is not None
        for chunk in values.chunks
        for buffer in chunk.buffers()
    )
    return pa.chunked_array([pa.concat_arrays(values.chunks)]) if views else values


def _demand_classes(table: pa.Table) -> tuple[pa.Array, np.ndarray]:
    values = optional_column(table, "demand_class")
    if values is None or pa.types.is_null(values.type):
        return pa.array([], pa.string()), np.full(table.num_rows, NULL, dtype=np.int16)
    return encode_categories("demand", "demand_class", values)


def _event_columns(
    table: pa.Table, name: str, kinds: type, ids: tuple[pa.Array, pa.Array], as_of: dt.date
) -> dict[str, np.ndarray]:
    n = table.num_rows
    item_ids, location_ids = ids
    return {
        "item": index_of(name, "item_id", table.column("item_id"), item_ids, "item"),
        "location": index_of(
            name, "location_id", table.column("location_id"), location_ids, "location"
        ),
        "day": day_offsets(name, "date", table.column("date"), as_of),
        "quantity": integers(
            name, "quantity", table.column("quantity"), n, np.int64, 1, "quantity must be > 0"
        ),
        "kind": encode_enum(name, f"{name}_type", table.column(f"{name}_type"), kinds),
    }
