"""Delta directories: changed supply and demand rows for a running snapshot (DESIGN §11).

A delta is a directory like a snapshot: `manifest.json`, written last, and a `supply` and/or
`demand` table (Parquet or Arrow IPC) with the snapshot's columns plus `op`: `UPSERT` inserts
the row or replaces the row with the same id, `DELETE` removes the row with that id (its
other columns may be null). The manifest (`loaders.manifest`, checked as a snapshot's is)
names the snapshot the delta is for and its place in the sequence of deltas on it:

    {"format": "promising-delta", "version": 1, "snapshot_id": "...", "sequence": 1}

`read_delta` refuses the whole delta (`SnapshotError`, naming table, column and first bad
rows) for an unreadable or truncated file, a wrong schema, an unknown item or location, a
bad op or quantity, or an id twice; and (`Conflict`) a delta for another snapshot or out
of sequence. Ids are checked against the running data when the delta is applied.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import tables as t
from loaders.encode import day_offsets, encode_enum, index_of, integers, lookup, optional_column
from loaders.manifest import DeltaManifest, read_delta_manifest
from loaders.reader import EXTENSIONS, read_table
from loaders.validate import check_unique, refuse
from loaders.writer import Format, TableWriter, start_snapshot, write_manifest
from promising.delta import ID_COLUMNS, TABLES, Delta, TableChanges
from promising.domain import DemandType, SupplyType
from promising.errors import Conflict, SnapshotError
from promising.model import SupplyModel
from promising.snapshot import EventTable

OPS = ("UPSERT", "DELETE")
_KINDS = {"supply": SupplyType, "demand": DemandType}


def _spec(table: str) -> t.TableSpec:
    """The snapshot table's columns, all optional but the id, plus a required `op`."""
    spec = t.TABLES[table]
    columns = tuple(
        c if c.name == ID_COLUMNS[table] else dataclasses.replace(c, required=False)
        for c in spec.columns
    )
    return t.TableSpec(table, (*columns, t.Column("op", t.Kind.STR)), required=False)


def read_delta(path: str | Path, model: SupplyModel) -> Delta:
    """The delta in directory `path`, validated and encoded against `model` (the data in use,
    whose `snapshot_id` and `delta_sequence` it must follow)."""
    directory = Path(path)
    manifest = read_delta_manifest(directory)
    if manifest.snapshot_id != model.snapshot_id:
        raise Conflict(
            f"delta {manifest.sequence} is for snapshot {manifest.snapshot_id!r}; "
            f"the server is on {model.snapshot_id!r}"
        )
    expected = model.delta_sequence + 1
    if manifest.sequence != expected:
        raise Conflict(
            f"delta {manifest.sequence} for snapshot {model.snapshot_id!r} is out of sequence: "
            f"the next one is {expected}"
        )
    _refuse_other_tables(directory)
    read = {table: read_table(directory, _spec(table)) for table in TABLES}
    if all(table is None for table in read.values()):
        refuse("delta", None, "no supply or demand table")
    classes = list(model.demand_classes)
    changes = {
        name: _changes(name, table, model, classes)
        for name, table in read.items()
        if table is not None
    }
    return Delta(
        snapshot_id=manifest.snapshot_id,
        sequence=manifest.sequence,
        path=str(directory),
        demand_classes=tuple(classes),
        **changes,  # type: ignore[arg-type]
    )


def _refuse_other_tables(directory: Path) -> None:
    for file in sorted(directory.iterdir()):
        if file.suffix.lstrip(".") in EXTENSIONS and file.stem not in TABLES:
            refuse(file.stem, None, "a delta holds only supply and demand; load a snapshot instead")


def _changes(name: str, table: pa.Table, model: SupplyModel, classes: list[str]) -> TableChanges:
    id_column = ID_COLUMNS[name]
    ids = table.column(id_column)
    if ids.null_count:
        refuse(name, id_column, "null id", np.asarray(ids.is_null()))
    ops = lookup(table.column("op"), pa.array(OPS), np.int8)
    if (ops < 0).any():
        refuse(name, "op", "must be UPSERT or DELETE", ops < 0)
    check_unique(name, id_column, ids)
    upsert_rows = np.flatnonzero(ops == 0)
    delete_rows = np.flatnonzero(ops == 1)
    upsert = table.take(pa.array(upsert_rows))
    try:
        events = _upsert_events(name, upsert, model, classes)
    except SnapshotError as error:  # rows of the UPSERT part → rows of the file
        problem = error.problem
        rows = [int(upsert_rows[r]) for r in problem.rows]
        raise SnapshotError(dataclasses.replace(problem, rows=rows)) from None
    return TableChanges(
        upsert=events,
        upsert_rows=upsert_rows,
        delete_ids=ids.take(pa.array(delete_rows)),
        delete_rows=delete_rows,
    )


def _upsert_events(
    name: str, table: pa.Table, model: SupplyModel, classes: list[str]
) -> EventTable:
    """UPSERT rows → events, as the snapshot loader encodes them."""
    n = table.num_rows
    type_column = f"{name}_type"
    for column in ("item_id", "location_id", "date", "quantity", type_column):
        values = optional_column(table, column)
        if values is None:
            if n:
                refuse(name, column, "missing column (UPSERT rows need it)")
            continue
        if values.null_count:
            refuse(name, column, "null in a column UPSERT rows need", np.asarray(values.is_null()))
    if n == 0:
        return dataclasses.replace(TableChanges().upsert, ids=table.column(ID_COLUMNS[name]))
    items = pa.array(model.items.ids, pa.string())
    locations = pa.array(model.locations.ids, pa.string())
    demand_class = np.full(n, -1, dtype=np.int16)
    order_line_id = None
    if name == "demand":
        demand_class = _classes(table, classes)
        order_line_id = optional_column(table, "order_line_id")
    return EventTable(
        item=index_of(name, "item_id", table.column("item_id"), items, "item"),
        location=index_of(name, "location_id", table.column("location_id"), locations, "location"),
        day=day_offsets(name, "date", table.column("date"), model.as_of),
        quantity=integers(
            name, "quantity", table.column("quantity"), n, np.int64, 1, "quantity must be > 0"
        ),
        kind=encode_enum(name, type_column, table.column(type_column), _KINDS[name]),
        demand_class=demand_class,
        ids=table.column(ID_COLUMNS[name]),
        order_line_id=order_line_id,
    )


def _classes(table: pa.Table, classes: list[str]) -> np.ndarray:
    """int16 class of each row in `classes` (-1: none), appending classes seen first here."""
    values = optional_column(table, "demand_class")
    if values is None or pa.types.is_null(values.type) or values.null_count == len(values):
        return np.full(table.num_rows, -1, dtype=np.int16)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    seen = pc.unique(values).drop_null().to_pylist()
    classes.extend(sorted(set(seen) - set(classes)))
    codes = lookup(values, pa.array(classes, pa.string()), np.int16)
    return codes


def write_delta(
    out_dir: str | Path,
    tables: dict[str, pa.Table],
    *,
    snapshot_id: str,
    sequence: int,
    format: Format = "parquet",
) -> Path:
    """Write delta tables (with their `op` column) and, last, the manifest."""
    directory = start_snapshot(out_dir)
    for name, table in tables.items():
        with TableWriter(directory, name, table.schema, format) as writer:
            writer.write(table.unify_dictionaries() if format == "arrow" else table)
    write_manifest(directory, DeltaManifest(snapshot_id, sequence))
    return directory
