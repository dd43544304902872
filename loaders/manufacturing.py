"""Optional tables for allocation and capable-to-promise: `allocation_rules`, `bom`,
`routings`, `resources` and `suppliers` (DESIGN §11), read after the model is built so that
their item and location ids are checked against it. Each is refused like any other table:
table, column and first bad rows.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from loaders.encode import day_offsets, floats, index_of, integers, optional_column
from loaders.reader import read_table
from loaders.tables import Column, Kind, TableSpec
from loaders.validate import check_not_null, check_unique_keys, refuse
from promising.allocation import FIXED, AllocationRules, ClassRule
from promising.manufacturing import MILLI, Component, Manufacturing, Operation, Supplier
from promising.model import SupplyModel

ALLOCATION_RULES = TableSpec(
    "allocation_rules",
    (
        Column("item_id", Kind.STR),
        Column("demand_class", Kind.STR),
        Column("percent", Kind.FLOAT, required=False),
        Column("quantity", Kind.INT, required=False),
        Column("priority", Kind.INT),
        Column("can_consume_lower", Kind.BOOL),
    ),
    required=False,
)
BOM = TableSpec(
    "bom",
    (
        Column("parent_item_id", Kind.STR),
        Column("component_item_id", Kind.STR),
        Column("quantity_per", Kind.INT),
        Column("location_id", Kind.STR),
    ),
    required=False,
)
ROUTINGS = TableSpec(
    "routings",
    (
        Column("item_id", Kind.STR),
        Column("location_id", Kind.STR),
        Column("resource_id", Kind.STR),
        Column("usage_per_unit", Kind.FLOAT),
    ),
    required=False,
)
RESOURCES = TableSpec(
    "resources",
    (
        Column("resource_id", Kind.STR),
        Column("location_id", Kind.STR),
        Column("date", Kind.DATE),
        Column("capacity", Kind.FLOAT),
    ),
    required=False,
)
SUPPLIERS = TableSpec(
    "suppliers",
    (
        Column("item_id", Kind.STR),
        Column("location_id", Kind.STR),
        Column("lead_time_days", Kind.INT),
        Column("capacity_per_day", Kind.INT),
        Column("unit_cost", Kind.FLOAT, required=False),
    ),
    required=False,
)
ANY_ITEM = "*"


def _read(
    directory: Path, spec: TableSpec, rows_read: dict[str, int] | None = None
) -> pa.Table | None:
    """The table (None if absent), checked for nulls; counts its rows into `rows_read`."""
    table = read_table(directory, spec)
    if table is not None:
        check_not_null(spec, table)
        if rows_read is not None:
            rows_read[spec.name] = table.num_rows
    return table


def _ids(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, pa.string())


def _milli(table: str, column: str, values: pa.ChunkedArray) -> np.ndarray:
    """Decimal capacities and usages as int64 thousandths; refuse negatives."""
    raw = floats(values, len(values))
    bad = ~np.isfinite(raw) | (raw < 0)
    if bad.any():
        refuse(table, column, "must be a finite number >= 0", bad)
    return np.rint(raw * MILLI).astype(np.int64)


def load_allocation_rules(
    directory: Path, model: SupplyModel, rows_read: dict[str, int] | None = None
) -> AllocationRules:
    """Class rules per item (or `*`), each item's classes ordered by priority (1 first)."""
    table = _read(directory, ALLOCATION_RULES, rows_read)
    if table is None:
        return AllocationRules()
    name = ALLOCATION_RULES.name
    n = table.num_rows
    item_values = table.column("item_id")
    items = index_of(name, "item_id", item_values, _ids((*model.items.ids, ANY_ITEM)), "item")
    wildcard = len(model.items.ids)
    classes = table.column("demand_class").to_pylist()
    percent = floats(optional_column(table, "percent"), n)
    quantity_values = optional_column(table, "quantity")
    quantity = integers(name, "quantity", quantity_values, n, np.int64, 0, "must be >= 0")
    has_quantity = np.zeros(n, bool)
    if quantity_values is not None:
        has_quantity = ~np.asarray(quantity_values.is_null(), dtype=bool)
    both = ~np.isnan(percent) & has_quantity
    if both.any():
        refuse(name, "percent", "give percent or quantity, not both", both)
    neither = np.isnan(percent) & ~has_quantity
    if neither.any():
        refuse(name, "percent", "give percent or quantity", neither)
    bad_percent = ~np.isnan(percent) & ((percent < 0) | (percent > 100))
    if bad_percent.any():
        refuse(name, "percent", "must be between 0 and 100", bad_percent)
    priority = integers(name, "priority", table.column("priority"), n, np.int64, 1, "must be >= 1")
    can_lower = np.asarray(table.column("can_consume_lower").to_numpy(zero_copy_only=False))
    class_codes = {c: i for i, c in enumerate(sorted(set(classes)))}
    keys = items.astype(np.int64) * len(class_codes) + np.array([class_codes[c] for c in classes])
    check_unique_keys(name, "demand_class", keys, "demand class for the item")
    grouped: dict[int, list[ClassRule]] = defaultdict(list)
    for row in range(n):
        bp = FIXED if np.isnan(percent[row]) else round(float(percent[row]) * 100)
        grouped[int(items[row])].append(
            ClassRule(
                classes[row], bp, int(quantity[row]), int(priority[row]), bool(can_lower[row])
            )
        )
    ordered = {
        item: tuple(sorted(rules, key=lambda r: (r.priority, r.demand_class)))
        for item, rules in grouped.items()
    }
    default = ordered.pop(wildcard, ())
    return AllocationRules(by_item=ordered, default=default)


def load_manufacturing(
    directory: Path, model: SupplyModel, rows_read: dict[str, int] | None = None
) -> Manufacturing:
    """BOMs, routings and resource capacity per plant; resources are ordered as first seen."""
    bom = _read(directory, BOM, rows_read)
    routings = _read(directory, ROUTINGS, rows_read)
    resources = _read(directory, RESOURCES, rows_read)
    items, locations = _ids(model.items.ids), _ids(model.locations.ids)
    components: dict[tuple[int, int], list[Component]] = defaultdict(list)
    if bom is not None:
        name = BOM.name
        parent = index_of(name, "parent_item_id", bom.column("parent_item_id"), items, "item")
        child = index_of(name, "component_item_id", bom.column("component_item_id"), items, "item")
        plant = index_of(name, "location_id", bom.column("location_id"), locations, "location")
        per = integers(
            name,
            "quantity_per",
            bom.column("quantity_per"),
            bom.num_rows,
            np.int64,
            1,
            "must be > 0",
        )
        own = parent == child
        if own.any():
            refuse(name, "component_item_id", "an item cannot be its own component", own)
        for p, c, loc, q in zip(
            parent.tolist(), child.tolist(), plant.tolist(), per.tolist(), strict=True
        ):
            components[(p, loc)].append(Component(c, q))
    resource_ids: list[str] = []
    resource_index: dict[tuple[str, int], int] = {}
    horizon = model.horizon_days
    capacity_rows: list[np.ndarray] = []
    if resources is not None:
        name = RESOURCES.name
        plant = index_of(
            name, "location_id", resources.column("location_id"), locations, "location"
        )
        day = day_offsets(name, "date", resources.column("date"), model.as_of)
        milli = _milli(name, "capacity", resources.column("capacity"))
        for rid, loc, d, m in zip(
            resources.column("resource_id").to_pylist(),
            plant.tolist(),
            day.tolist(),
            milli.tolist(),
            strict=True,
        ):
            key = (rid, loc)
            if key not in resource_index:
                resource_index[key] = len(resource_ids)
                resource_ids.append(f"{rid}@{model.locations.ids[loc]}")
                capacity_rows.append(np.zeros(horizon, dtype=np.int64))
            if 0 <= d < horizon:
                capacity_rows[resource_index[key]][d] += m
    operations: dict[tuple[int, int], list[Operation]] = defaultdict(list)
    if routings is not None:
        name = ROUTINGS.name
        item = index_of(name, "item_id", routings.column("item_id"), items, "item")
        plant = index_of(name, "location_id", routings.column("location_id"), locations, "location")
        usage = _milli(name, "usage_per_unit", routings.column("usage_per_unit"))
        rids = routings.column("resource_id").to_pylist()
        unknown = np.array(
            [(r, loc) not in resource_index for r, loc in zip(rids, plant.tolist(), strict=True)],
            dtype=bool,
        )
        if unknown.any():
            first = rids[int(np.flatnonzero(unknown)[0])]
            refuse(name, "resource_id", f"unknown resource {first!r} at that location", unknown)
        for i, loc, r, u in zip(item.tolist(), plant.tolist(), rids, usage.tolist(), strict=True):
            operations[(i, loc)].append(Operation(resource_index[(r, loc)], u))
    capacity = np.array(capacity_rows, dtype=np.int64).reshape(len(resource_ids), horizon)
    return Manufacturing(
        components={k: tuple(v) for k, v in components.items()},
        routings={k: tuple(v) for k, v in operations.items()},
        resource_ids=tuple(resource_ids),
        capacity_milli=capacity,
    )


def load_suppliers(
    directory: Path, model: SupplyModel, rows_read: dict[str, int] | None = None
) -> dict[int, tuple[Supplier, ...]]:
    """Supplier sources per BUY item: a SUPPLIER location, lead time, capacity per day."""
    table = _read(directory, SUPPLIERS, rows_read)
    if table is None:
        return {}
    name = SUPPLIERS.name
    n = table.num_rows
    item = index_of(name, "item_id", table.column("item_id"), _ids(model.items.ids), "item")
    location = index_of(
        name, "location_id", table.column("location_id"), _ids(model.locations.ids), "location"
    )
    lead = integers(
        name, "lead_time_days", table.column("lead_time_days"), n, np.int32, 0, "must be >= 0"
    )
    capacity = integers(
        name, "capacity_per_day", table.column("capacity_per_day"), n, np.int64, 0, "must be >= 0"
    )
    cost = floats(optional_column(table, "unit_cost"), n)
    out: dict[int, list[Supplier]] = defaultdict(list)
    for row in range(n):
        out[int(item[row])].append(
            Supplier(int(location[row]), int(lead[row]), int(capacity[row]), float(cost[row]))
        )
    return {k: tuple(v) for k, v in out.items()}
