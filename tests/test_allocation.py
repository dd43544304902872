"""Allocation by demand class on a model: class ATP from snapshot demand and reservations,
and the optional allocation / manufacturing tables loaded from files."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from factories import SO, Event, Item, Snapshot

from loaders.manufacturing import load_allocation_rules, load_manufacturing, load_suppliers
from loaders.writer import write_snapshot
from promising.allocation import FIXED, AllocationRules, ClassRule, class_atp_row
from promising.errors import SnapshotError
from promising.ledger import Allocation, Reservation, ReservationLedger
from promising.manufacturing import MILLI
from promising.model import build_model

CLASSES = ("BRONZE", "GOLD", "SILVER")


def model(demand: list[Event] | None = None):
    snap = Snapshot(
        items=[Item("A")],
        locations=["W"],
        supply=[Event("A", "W", 0, 1000)],
        demand=demand or [],
        horizon_days=10,
    )
    return build_model(dataclasses.replace(snap.data(), demand_classes=CLASSES))


def rules(*class_rules: ClassRule) -> AllocationRules:
    return AllocationRules(default=tuple(sorted(class_rules, key=lambda r: r.priority)))


GOLD_20 = ClassRule("GOLD", 2000, 0, 1, False)
SILVER_80 = ClassRule("SILVER", 8000, 0, 2, False)


def atp(m, ledger, r, name) -> list[int]:
    return class_atp_row(m, ledger, r, 0, name).tolist()


def test_oracle_twenty_percent_caps_the_class() -> None:
    """20% of 1,000 caps GOLD at 200; SILVER keeps its 800."""
    m = model()
    ledger = ReservationLedger(m.row_count, m.horizon_days)
    assert atp(m, ledger, rules(GOLD_20, SILVER_80), "GOLD") == [200] * 10
    assert atp(m, ledger, rules(GOLD_20, SILVER_80), "SILVER") == [800] * 10


def test_snapshot_demand_and_reservations_count_by_class() -> None:
    """A class's snapshot demand and its reservations lower its own ATP, not the others'."""
    m = model([Event("A", "W", 3, 50, SO, CLASSES.index("GOLD"))])
    ledger = ReservationLedger(m.row_count, m.horizon_days)
    r = rules(GOLD_20, SILVER_80)
    assert atp(m, ledger, r, "GOLD") == [150] * 10
    ledger.add("o1", Reservation((Allocation(0, 5, 100),), demand_class="SILVER"))
    assert atp(m, ledger, r, "SILVER") == [700] * 10
    assert atp(m, ledger, r, "GOLD") == [150] * 10
    ledger.remove("o1")
    assert atp(m, ledger, r, "SILVER") == [800] * 10


def test_class_without_rule_reaches_unallocated_only() -> None:
    """A class the rules do not name gets only what no class holds."""
    m = model()
    ledger = ReservationLedger(m.row_count, m.horizon_days)
    assert atp(m, ledger, rules(GOLD_20), "BRONZE") == [800] * 10
    assert atp(m, ledger, rules(GOLD_20, SILVER_80), "BRONZE") == [0] * 10


def test_higher_class_may_consume_lower() -> None:
    """GOLD allowed to consume lower classes reaches SILVER's allocation too; not vice versa."""
    m = model()
    ledger = ReservationLedger(m.row_count, m.horizon_days)
    r = rules(ClassRule("GOLD", 2000, 0, 1, True), SILVER_80)
    assert atp(m, ledger, r, "GOLD") == [1000] * 10
    assert atp(m, ledger, r, "SILVER") == [800] * 10


def test_no_rules_means_plain_atp() -> None:
    """Without allocation rules there is no class ATP: the plain rule applies."""
    m = model()
    assert class_atp_row(m, ReservationLedger(1, 10), AllocationRules(), 0, "GOLD") is None


# --- files ----------------------------------------------------------------------------------

AS_OF = dt.date(2026, 1, 5)


def base_tables() -> dict[str, pa.Table]:
    return {
        "items": pa.table({"item_id": ["FG", "SUB", "RAW"], "item_type": ["MAKE", "MAKE", "BUY"]}),
        "locations": pa.table({"location_id": ["P1", "SUP"], "kind": ["PLANT", "SUPPLIER"]}),
        "supply": pa.table(
            {
                "supply_id": ["s1"],
                "item_id": ["RAW"],
                "location_id": ["P1"],
                "date": [AS_OF],
                "quantity": [10],
                "supply_type": ["ONHAND"],
            }
        ),
        "demand": pa.table(
            {
                "demand_id": pa.array([], pa.string()),
                "item_id": pa.array([], pa.string()),
                "location_id": pa.array([], pa.string()),
                "date": pa.array([], pa.date32()),
                "quantity": pa.array([], pa.int64()),
                "demand_type": pa.array([], pa.string()),
            }
        ),
        "allocation_rules": pa.table(
            {
                "item_id": ["*", "FG"],
                "demand_class": ["GOLD", "GOLD"],
                "percent": [30.0, None],
                "quantity": pa.array([None, 5], pa.int64()),
                "priority": [1, 1],
                "can_consume_lower": [False, True],
            }
        ),
        "bom": pa.table(
            {
                "parent_item_id": ["FG", "SUB"],
                "component_item_id": ["SUB", "RAW"],
                "quantity_per": [2, 3],
                "location_id": ["P1", "P1"],
            }
        ),
        "resources": pa.table(
            {
                "resource_id": ["LINE", "LINE"],
                "location_id": ["P1", "P1"],
                "date": [AS_OF, AS_OF + dt.timedelta(days=1)],
                "capacity": [8.0, 7.5],
            }
        ),
        "routings": pa.table(
            {
                "item_id": ["FG"],
                "location_id": ["P1"],
                "resource_id": ["LINE"],
                "usage_per_unit": [0.25],
            }
        ),
        "suppliers": pa.table(
            {
                "item_id": ["RAW"],
                "location_id": ["SUP"],
                "lead_time_days": [4],
                "capacity_per_day": [100],
                "unit_cost": [1.5],
            }
        ),
    }


def load(tmp_path: Path, tables: dict[str, pa.Table]):
    from loaders.snapshot import load_snapshot

    path = write_snapshot(tmp_path / "s", tables, snapshot_id="m", as_of=AS_OF, horizon_days=5)
    return path, build_model(load_snapshot(path))


def test_manufacturing_tables_load(tmp_path: Path) -> None:
    """Allocation rules, BOM, routings, capacity (in thousandths) and suppliers load encoded."""
    from loaders import load_model

    path, _ = load(tmp_path, base_tables())
    m, _ = load_model(path)
    assert m.allocation == load_allocation_rules(path, m)  # load_model attaches them
    assert m.manufacturing.resource_ids == ("LINE@P1",)
    assert m.suppliers[m.item("RAW")][0].lead_time_days == 4
    r = load_allocation_rules(path, m)
    assert r.default == (ClassRule("GOLD", 3000, 0, 1, False),)
    assert r.for_item(m.item("FG")) == (ClassRule("GOLD", FIXED, 5, 1, True),)
    mfg = load_manufacturing(path, m)
    fg, sub, raw, plant = m.item("FG"), m.item("SUB"), m.item("RAW"), m.location("P1")
    assert [tuple(c) for c in mfg.components[(fg, plant)]] == [(sub, 2)]
    assert [tuple(c) for c in mfg.components[(sub, plant)]] == [(raw, 3)]
    assert mfg.resource_ids == ("LINE@P1",)
    assert mfg.capacity_milli[0, :3].tolist() == [8 * MILLI, 7500, 0]
    assert [tuple(op) for op in mfg.routings[(fg, plant)]] == [(0, 250)]
    (supplier,) = load_suppliers(path, m)[raw]
    assert (supplier.location, supplier.lead_time_days, supplier.capacity_per_day) == (
        m.location("SUP"),
        4,
        100,
    )


def _with(table: str, **columns: list) -> dict[str, pa.Table]:
    tables = base_tables()
    t = tables[table]
    for name, values in columns.items():
        t = t.set_column(
            t.column_names.index(name), name, pa.array(values, t.schema.field(name).type)
        )
    tables[table] = t
    return tables


BAD = [
    (_with("allocation_rules", item_id=["*", "NOPE"]), "allocation_rules", "item_id", [1]),
    (_with("allocation_rules", percent=[130.0, None]), "allocation_rules", "percent", [0]),
    (_with("allocation_rules", percent=[30.0, 10.0]), "allocation_rules", "percent", [1]),
    (_with("allocation_rules", priority=[0, 1]), "allocation_rules", "priority", [0]),
    (_with("bom", component_item_id=["SUB", "NOPE"]), "bom", "component_item_id", [1]),
    (_with("bom", quantity_per=[2, 0]), "bom", "quantity_per", [1]),
    (_with("bom", component_item_id=["FG", "RAW"]), "bom", "component_item_id", [0]),
    (_with("resources", capacity=[8.0, -1.0]), "resources", "capacity", [1]),
    (_with("routings", resource_id=["OVEN"]), "routings", "resource_id", [0]),
    (_with("suppliers", location_id=["NOPE"]), "suppliers", "location_id", [0]),
]


@pytest.mark.parametrize(("tables", "table", "column", "rows"), BAD)
def test_bad_manufacturing_tables_are_refused(
    tmp_path: Path, tables: dict, table: str, column: str, rows: list[int]
) -> None:
    """Each bad optional table is refused naming its table, column and first bad rows, also
    by load_model as a whole."""
    from loaders import load_model

    path, m = load(tmp_path, tables)
    with pytest.raises(SnapshotError):
        load_model(path)
    with pytest.raises(SnapshotError) as info:
        load_allocation_rules(path, m)
        load_manufacturing(path, m)
        load_suppliers(path, m)
    problem = info.value.problem
    assert (problem.table, problem.column, problem.rows) == (table, column, rows)
    assert np.all(m.supply >= 0)


def test_items_without_optional_columns_promise(tmp_path: Path) -> None:
    """An items table with only the required columns loads with defaults for every item
    (an absent promising_mode once gave a 0-length array and every promise failed)."""
    _, m = load(tmp_path, base_tables())
    assert m.items.promising_mode.tolist() == [0, 0, 0]
    assert m.item_scalars.promising_mode == (0, 0, 0)
