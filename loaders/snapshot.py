"""Load a snapshot directory into validated, id-encoded `SnapshotData` (DESIGN §11).

A pure function of the files: it returns the whole snapshot or raises `SnapshotError`; no
part of a refused snapshot reaches the caller. Dates stay day offsets from `as_of` here;
folding past-due rows into bucket 0 and leaving out rows past the horizon is the model
builder's job.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import tables as t
from loaders.encode import (
    NULL,
    day_offsets,
    encode_categories,
    encode_enum,
    floats,
    index_of,
    integers,
    lookup,
    strings,
)
from loaders.manifest import Manifest, read_manifest
from loaders.reader import read_table
from loaders.validate import check_not_null, check_unique, check_unique_keys, refuse
from promising.domain import (
    ALL_SUPPLY_MASK,
    DEFAULT_DEMAND_MASK,
    DEFAULT_RULE_ID,
    Consumption,
    DemandType,
    ItemType,
    LocationKind,
    PromisingMode,
    SupplyType,
)
from promising.snapshot import (
    CalendarTable,
    EventTable,
    ItemTable,
    LocationTable,
    RuleTable,
    SnapshotData,
)

__all__ = ["Manifest", "load_snapshot", "read_manifest"]


def load_snapshot(path: str | Path, *, timings: dict[str, float] | None = None) -> SnapshotData:
    """Read, validate and encode the snapshot in directory `path`.

    `timings`, if given, receives the seconds spent reading files (`read`) and validating
    and encoding them (`encode`).
    """
    started = time.perf_counter()
    directory = Path(path)
    manifest = read_manifest(directory)
    read = {name: read_table(directory, spec) for name, spec in t.TABLES.items()}
    loaded = {name: table for name, table in read.items() if table is not None}
    for name, table in loaded.items():
        check_not_null(t.TABLES[name], table)
    encoding = time.perf_counter()

    rules, rule_ids = _rules(loaded.get("atp_rules"))
    calendars, calendar_ids = _calendars(loaded.get("calendars"), manifest)
    items, item_ids = _items(loaded["items"], rule_ids)
    locations, location_ids = _locations(loaded["locations"], calendar_ids)
    supply, demand, classes = _events(
        loaded["supply"], loaded["demand"], item_ids, location_ids, manifest.as_of
    )
    data = SnapshotData(
        snapshot_id=manifest.snapshot_id,
        as_of=manifest.as_of,
        horizon_days=manifest.horizon_days,
        items=items,
        locations=locations,
        rules=rules,
        calendars=calendars,
        supply=supply,
        demand=demand,
        demand_classes=tuple(classes.to_pylist()),
        rows_read={name: table.num_rows for name, table in loaded.items()},
    )
    if timings is not None:
        timings["read"] = encoding - started
        timings["encode"] = time.perf_counter() - encoding
    return data


def _optional(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _id_set(values: pa.ChunkedArray) -> pa.Array:
    """The ids of a table as one plain string array (the value set to look ids up in)."""
    array = values.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not pa.types.is_string(array.type):
        array = array.cast(pa.large_string())
    return array


def _rules(table: pa.Table | None) -> tuple[RuleTable, pa.Array]:
    """The built-in DEFAULT rule as row 0, then the file's rules in file order."""
    if table is None:
        table = pa.table(
            {
                "rule_id": pa.array([], pa.string()),
                "consumption": pa.array([], pa.string()),
                "accumulate": pa.array([], pa.bool_()),
            }
        )
    name = t.ATP_RULES.name
    check_unique(name, "rule_id", table.column("rule_id"))
    file_ids = _id_set(table.column("rule_id"))
    reserved = np.asarray(pc.equal(file_ids, DEFAULT_RULE_ID).fill_null(False))
    if reserved.any():
        refuse(name, "rule_id", f"{DEFAULT_RULE_ID} is the built-in rule's id", reserved)
    consumption = encode_enum(name, "consumption", table.column("consumption"), Consumption)
    supply_mask = _type_masks(table, "supply_types", SupplyType, ALL_SUPPLY_MASK)
    demand_mask = _type_masks(table, "demand_types", DemandType, DEFAULT_DEMAND_MASK)
    accumulate = np.asarray(table.column("accumulate"), dtype=bool)
    rules = RuleTable(
        ids=(DEFAULT_RULE_ID, *file_ids.to_pylist()),
        consumption=np.concatenate([[np.int8(Consumption.LOOKAHEAD)], consumption]),
        accumulate=np.concatenate([[False], accumulate]),
        supply_mask=np.concatenate([[np.int64(ALL_SUPPLY_MASK)], supply_mask]),
        demand_mask=np.concatenate([[np.int64(DEFAULT_DEMAND_MASK)], demand_mask]),
    )
    ids = pa.concat_arrays([pa.array([DEFAULT_RULE_ID], file_ids.type), file_ids])
    return rules, ids


def _type_masks(table: pa.Table, column: str, enum: type, default: int) -> np.ndarray:
    """One bit per listed type; a null or absent list means `default`."""
    n = table.num_rows
    masks = np.full(n, default, dtype=np.int64)
    values = _optional(table, column)
    if values is None or pa.types.is_null(values.type) or values.null_count == n:
        return masks
    lists = values.combine_chunks()
    flat = pc.list_flatten(lists)
    parents = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    codes = lookup(pa.chunked_array([flat], flat.type), pa.array([m.name for m in enum]))
    bad = np.zeros(n, dtype=bool)
    bad[parents[codes < 0]] = True
    if bad.any():
        allowed = ", ".join(m.name for m in enum)
        value = flat[int(np.flatnonzero(codes < 0)[0])].as_py()
        refuse(t.ATP_RULES.name, column, f"unknown value {value!r} (allowed: {allowed})", bad)
    listed = ~np.asarray(lists.is_null())
    masks[listed] = 0
    np.bitwise_or.at(masks, parents, np.left_shift(np.int64(1), codes.astype(np.int64)))
    return masks


def _calendars(table: pa.Table | None, manifest: Manifest) -> tuple[CalendarTable, pa.Array]:
    """Working days by calendar and bucket; days the table does not list are working days."""
    horizon = manifest.horizon_days
    if table is None:
        empty = pa.array([], pa.string())
        return CalendarTable(ids=(), working=np.ones((0, horizon), dtype=bool)), empty
    name = t.CALENDARS.name
    ids, calendar = encode_categories(name, "calendar_id", table.column("calendar_id"))
    day = day_offsets(table.column("date"), manifest.as_of)
    # (calendar, day) packed into one int64: calendar above bit 32, day shifted non-negative.
    keys = (calendar.astype(np.int64) << 32) | (day.astype(np.int64) + 2**31)
    check_unique_keys(name, "date", keys, "(calendar_id, date)")
    working = np.ones((len(ids), horizon), dtype=bool)
    inside = (day >= 0) & (day < horizon)
    is_working = np.asarray(table.column("is_working"), dtype=bool)
    working[calendar[inside], day[inside]] = is_working[inside]
    return CalendarTable(ids=tuple(ids.to_pylist()), working=working), ids


def _items(table: pa.Table, rule_ids: pa.Array) -> tuple[ItemTable, pa.Array]:
    name, n = t.ITEMS.name, table.num_rows
    check_unique(name, "item_id", table.column("item_id"))
    ids = _id_set(table.column("item_id"))
    rule_values = _optional(table, "atp_rule_id")
    atp_rule = (
        np.zeros(n, dtype=np.int32)
        if rule_values is None or pa.types.is_null(rule_values.type)
        else index_of(name, "atp_rule_id", rule_values, rule_ids, "ATP rule", null=0)
    )

    def days(column: str) -> np.ndarray:
        values = _optional(table, column)
        return integers(name, column, values, n, np.int32, 0, "negative day count")

    items = ItemTable(
        ids=tuple(ids.to_pylist()),
        item_type=encode_enum(name, "item_type", table.column("item_type"), ItemType),
        atp_rule=atp_rule,
        promising_mode=encode_enum(
            name,
            "promising_mode",
            _optional(table, "promising_mode"),
            PromisingMode,
            PromisingMode.SUPPLY,
        ),
        lead_time_days=days("lead_time_days"),
        make_lead_time_days=days("make_lead_time_days"),
        infinite_time_fence_days=days("infinite_time_fence_days"),
        unit_cost=floats(_optional(table, "unit_cost"), n),
        unit_price=floats(_optional(table, "unit_price"), n),
    )
    return items, ids


def _locations(table: pa.Table, calendar_ids: pa.Array) -> tuple[LocationTable, pa.Array]:
    name, n = t.LOCATIONS.name, table.num_rows
    check_unique(name, "location_id", table.column("location_id"))
    ids = _id_set(table.column("location_id"))
    calendar_values = _optional(table, "calendar_id")
    calendar = (
        np.full(n, NULL, dtype=np.int32)
        if calendar_values is None or pa.types.is_null(calendar_values.type)
        else index_of(name, "calendar_id", calendar_values, calendar_ids, "calendar")
    )
    locations = LocationTable(
        ids=tuple(ids.to_pylist()),
        kind=encode_enum(name, "kind", table.column("kind"), LocationKind),
        region=strings(_optional(table, "region"), n),
        calendar=calendar,
    )
    return locations, ids


def _events(
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
    return (
        EventTable(**supply, demand_class=no_class),
        EventTable(**demand, demand_class=demand_class),
        classes,
    )


def _demand_classes(table: pa.Table) -> tuple[pa.Array, np.ndarray]:
    values = _optional(table, "demand_class")
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
        "day": day_offsets(table.column("date"), as_of),
        "quantity": integers(
            name, "quantity", table.column("quantity"), n, np.int64, 1, "quantity must be > 0"
        ),
        "kind": encode_enum(name, f"{name}_type", table.column(f"{name}_type"), kinds),
    }
