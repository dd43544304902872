"""Generated allocation rules, bills of material, routings and resource capacity.

Every item is allocated by demand class (`*` rules: GOLD 30% and may consume lower classes,
SILVER 25%; BRONZE has no allocation and lives on the unallocated 45%). Each MAKE item at a
plant gets 2–4 BUY components stocked at that plant and a routing on one of the plant's two
lines; lines have a daily capacity. From its own child seed, so the other tables do not move.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from loaders.generator.master import Master
from promising.domain import ItemType, LocationKind


def allocation_rules() -> pa.Table:
    return pa.table(
        {
            "item_id": ["*", "*"],
            "demand_class": ["GOLD", "SILVER"],
            "percent": [30.0, 25.0],
            "quantity": pa.array([None, None], pa.int64()),
            "priority": [1, 2],
            "can_consume_lower": [True, False],
        }
    )


def manufacturing_tables(
    rng: np.random.Generator, master: Master, as_of: dt.date, horizon_days: int
) -> dict[str, pa.Table]:
    """`bom`, `routings` and `resources` for the MAKE items stocked at plants."""
    item_ids = master.items.column("item_id").to_pylist()
    location_ids = master.locations.column("location_id").to_pylist()
    bom: dict[str, list] = {
        k: [] for k in ("parent_item_id", "component_item_id", "quantity_per", "location_id")
    }
    routings: dict[str, list] = {
        k: [] for k in ("item_id", "location_id", "resource_id", "usage_per_unit")
    }
    resources: dict[str, list] = {k: [] for k in ("resource_id", "location_id", "date", "capacity")}
    plants = np.flatnonzero(master.location_kind == LocationKind.PLANT)
    days = [as_of + dt.timedelta(days=d) for d in range(horizon_days)]
    for plant in plants.tolist():
        here = master.il_location == plant
        stocked = master.il_item[here]
        buy = stocked[master.item_type[stocked] == ItemType.BUY]
        make = stocked[master.item_type[stocked] == ItemType.MAKE]
        if buy.shape[0] < 2:
            continue
        for line in ("LINE-1", "LINE-2"):
            daily = float(rng.integers(200, 600))
            resources["resource_id"] += [line] * horizon_days
            resources["location_id"] += [location_ids[plant]] * horizon_days
            resources["date"] += days
            resources["capacity"] += [daily] * horizon_days
        for item in make.tolist():
            count = int(rng.integers(2, min(4, buy.shape[0]) + 1))
            for component in rng.choice(buy, size=count, replace=False).tolist():
                bom["parent_item_id"].append(item_ids[item])
                bom["component_item_id"].append(item_ids[component])
                bom["quantity_per"].append(int(rng.integers(1, 4)))
                bom["location_id"].append(location_ids[plant])
            routings["item_id"].append(item_ids[item])
            routings["location_id"].append(location_ids[plant])
            routings["resource_id"].append(f"LINE-{int(rng.integers(1, 3))}")
            routings["usage_per_unit"].append(float(rng.choice([0.5, 1.0, 1.5, 2.0])))
    return {
        "bom": pa.table(bom, schema=_schema(bom, pa.int64())),
        "routings": pa.table(routings, schema=_schema(routings, pa.float64())),
        "resources": pa.table(resources, schema=_schema(resources, pa.float64())),
    }


def _schema(columns: dict[str, list], number: pa.DataType) -> pa.Schema:
    """Explicit types, so that a table with no rows still has the right schema."""
    types = {
        "quantity_per": pa.int64(),
        "usage_per_unit": pa.float64(),
        "capacity": pa.float64(),
        "date": pa.date32(),
    }
    return pa.schema([pa.field(name, types.get(name, pa.string())) for name in columns])
