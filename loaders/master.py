"""Master tables → encoded tables: ATP rules, calendars, items and locations.

Each returns its table and the ids (as an Arrow array) that later tables' references are
looked up in: rules before items, calendars before locations.
"""

from __future__ import annotations

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
    id_set,
    index_of,
    integers,
    lookup,
    optional_column,
    strings,
)
from loaders.manifest import Manifest
from loaders.validate import check_unique, check_unique_keys, refuse
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
from promising.snapshot import CalendarTable, ItemTable, LocationTable, RuleTable


def encode_rules(table: pa.Table | None) -> tuple[RuleTable, pa.Array]:
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
    file_ids = id_set(table.column("rule_id"))
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
    values = optional_column(table, column)
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


def encode_calendars(table: pa.Table | None, manifest: Manifest) -> tuple[CalendarTable, pa.Array]:
    """Working days by calendar and bucket; days the table does not list are working days."""
    horizon = manifest.horizon_days
    if table is None:
        empty = pa.array([], pa.string())
        return CalendarTable(ids=(), working=np.ones((0, horizon), dtype=bool)), empty
    name = t.CALENDARS.name
    ids, calendar = encode_categories(name, "calendar_id", table.column("calendar_id"))
    day = day_offsets(name, "date", table.column("date"), manifest.as_of)
    # (calendar, day) packed into one int64: calendar above bit 32, day shifted non-negative.
    keys = (calendar.astype(np.int64) << 32) | (day.astype(np.int64) + 2**31)
    check_unique_keys(name, "date", keys, "(calendar_id, date)")
    working = np.ones((len(ids), horizon), dtype=bool)
    inside = (day >= 0) & (day < horizon)
    is_working = np.asarray(table.column("is_working"), dtype=bool)
    working[calendar[inside], day[inside]] = is_working[inside]
    return CalendarTable(ids=tuple(ids.to_pylist()), working=working), ids


def encode_items(table: pa.Table, rule_ids: pa.Array) -> tuple[ItemTable, pa.Array]:
    name, n = t.ITEMS.name, table.num_rows
    check_unique(name, "item_id", table.column("item_id"))
    ids = id_set(table.column("item_id"))
    rule_values = optional_column(table, "atp_rule_id")
    atp_rule = (
        np.zeros(n, dtype=np.int32)
        if rule_values is None or pa.types.is_null(rule_values.type)
        else index_of(name, "atp_rule_id", rule_values, rule_ids, "ATP rule", null=0)
    )

    def days(column: str) -> np.ndarray:
        values = optional_column(table, column)
        return integers(name, column, values, n, np.int32, 0, "negative day count")

    items = ItemTable(
        ids=tuple(ids.to_pylist()),
        item_type=encode_enum(name, "item_type", table.column("item_type"), ItemType),
        atp_rule=atp_rule,
        promising_mode=encode_enum(
            name,
            "promising_mode",
            optional_column(table, "promising_mode"),
            PromisingMode,
            PromisingMode.SUPPLY,
            rows=n,
        ),
        lead_time_days=days("lead_time_days"),
        make_lead_time_days=days("make_lead_time_days"),
        infinite_time_fence_days=days("infinite_time_fence_days"),
        unit_cost=floats(optional_column(table, "unit_cost"), n),
        unit_price=floats(optional_column(table, "unit_price"), n),
    )
    return items, ids


def encode_locations(table: pa.Table, calendar_ids: pa.Array) -> tuple[LocationTable, pa.Array]:
    name, n = t.LOCATIONS.name, table.num_rows
    check_unique(name, "location_id", table.column("location_id"))
    ids = id_set(table.column("location_id"))
    calendar_values = optional_column(table, "calendar_id")
    calendar = (
        np.full(n, NULL, dtype=np.int32)
        if calendar_values is None or pa.types.is_null(calendar_values.type)
        else index_of(name, "calendar_id", calendar_values, calendar_ids, "calendar")
    )
    locations = LocationTable(
        ids=tuple(ids.to_pylist()),
        kind=encode_enum(name, "kind", table.column("kind"), LocationKind),
        region=strings(optional_column(table, "region"), n),
        calendar=calendar,
    )
    return locations, ids
