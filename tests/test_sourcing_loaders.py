"""Loading `sourcing_rules` and `substitutes`: exact encodings, every way they are refused,
and what the generator writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from test_loaders import Mutation, cast, cell, column_of, drop, valid_tables, write

from loaders import load_model, load_snapshot
from promising.errors import SnapshotError

FORMATS = ["parquet", "arrow"]


def sourcing_tables() -> dict[str, pa.Table]:
    """The loader tests' snapshot plus sourcing rules and substitutes."""
    tables = valid_tables()
    tables["sourcing_rules"] = pa.table(
        {
            "item_id": ["*", "*", "A", "A"],
            "region": ["NORTH", "NORTH", "NORTH", "SOUTH"],
            "location_id": ["W1", "P1", "S1", "W1"],
            "rank": pa.array([1, 2, 1, 1], pa.int8()),
            "transit_days": pa.array([1, 3, 0, 2], pa.uint16()),
            "ship_cost": pa.array([0.5, 1, 2.25, 0], pa.float32()),
        }
    )
    tables["substitutes"] = pa.table(
        {
            "item_id": ["A", "A", "B"],
            "substitute_item_id": ["B", "C", "C"],
            "rank": [2, 1, 1],
        }
    )
    return tables


@pytest.mark.parametrize("fmt", FORMATS)
def test_encodes_sourcing_tables(tmp_path: Path, fmt: str) -> None:
    """Rules keep file order with `*` as -1 and regions as sorted indices; substitutes too."""
    data = load_snapshot(write(tmp_path, sourcing_tables(), fmt))
    rules = data.sourcing_rules
    assert rules.item.tolist() == [-1, -1, 0, 0]
    assert rules.regions == ("NORTH", "SOUTH")
    assert rules.region.tolist() == [0, 0, 0, 1]
    assert rules.location.tolist() == [0, 1, 2, 0]
    assert rules.rank.tolist() == [1, 2, 1, 1]
    assert rules.transit_days.tolist() == [1, 3, 0, 2]
    assert rules.ship_cost.tolist() == [0.5, 1.0, 2.25, 0.0]
    subs = data.substitutes
    assert (subs.item.tolist(), subs.substitute.tolist(), subs.rank.tolist()) == (
        [0, 0, 1],
        [1, 2, 2],
        [2, 1, 1],
    )


def test_model_keeps_the_tables_read_only(tmp_path: Path) -> None:
    """The model carries the sourcing tables, frozen like every other array."""
    model, report = load_model(write(tmp_path, sourcing_tables()))
    assert len(model.sourcing_rules) == 4 and len(model.substitutes) == 3
    assert report.rows_read["sourcing_rules"] == 4
    with pytest.raises(ValueError, match="read-only"):
        model.sourcing_rules.transit_days[0] = 9
    with pytest.raises(ValueError, match="read-only"):
        model.substitutes.rank[0] = 9


def test_tables_are_optional(tmp_path: Path) -> None:
    """Without the tables there are no rules and no substitutes."""
    data = load_snapshot(write(tmp_path, valid_tables()))
    assert len(data.sourcing_rules) == 0 and len(data.substitutes) == 0


# One line a case: (case, where the error must point, mutation there, first bad rows).
BAD_TABLES: list[tuple[str, str, Mutation, list[int]]] = [
    ("missing region", "sourcing_rules.region", drop, []),
    ("missing ship cost", "sourcing_rules.ship_cost", drop, []),
    ("string transit", "sourcing_rules.transit_days", cast(pa.string()), []),
    ("null location", "sourcing_rules.location_id", cell(1, None), [1]),
    ("unknown item", "sourcing_rules.item_id", cell(2, "Z"), [2]),
    ("unknown location", "sourcing_rules.location_id", cell(0, "X9"), [0]),
    ("negative rank", "sourcing_rules.rank", cell(3, -1), [3]),
    ("negative transit", "sourcing_rules.transit_days", column_of([1, -2, 0, 0], pa.int32()), [1]),
    ("negative ship cost", "sourcing_rules.ship_cost", cell(1, -0.5), [1]),
    ("NaN ship cost", "sourcing_rules.ship_cost", cell(0, float("nan")), [0]),
    ("repeated rule", "sourcing_rules.location_id", cell(1, "W1"), [1]),
    ("unknown substitute", "substitutes.substitute_item_id", cell(1, "Z"), [1]),
    ("unknown substituted", "substitutes.item_id", cell(0, "Z"), [0]),
    ("item substitutes itself", "substitutes.substitute_item_id", cell(2, "B"), [2]),
    ("repeated substitute", "substitutes.substitute_item_id", cell(1, "B"), [1]),
    ("negative substitute rank", "substitutes.rank", cell(0, -3), [0]),
    ("null substitute rank", "substitutes.rank", cell(2, None), [2]),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("case", "where", "mutate", "rows"), BAD_TABLES, ids=[c[0] for c in BAD_TABLES]
)
def test_refuses_bad_sourcing_table(
    tmp_path: Path, fmt: str, case: str, where: str, mutate: Mutation, rows: list[int]
) -> None:
    """A bad sourcing table is refused with its table, column and first bad rows."""
    table, _, column = where.partition(".")
    tables = sourcing_tables()
    mutate(tables, table, column or None)
    write(tmp_path, tables, fmt)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(tmp_path)
    problem = caught.value.problem
    assert (problem.table, problem.column or "", problem.rows) == (table, column, rows)
    assert str(caught.value).startswith(where)


def test_generated_snapshot_has_sourcing(generated_snapshot) -> None:
    """The generator writes `*` rules for every region, item rules, and substitutes, and a
    quote with a ship-to region sources from them."""
    from promising.domain import Decision
    from promising.engine import Engine
    from promising.promise import LineRequest

    model, _ = load_model(generated_snapshot("parquet"))
    rules = model.sourcing_rules
    regions = {r for r in model.locations.region if r is not None}
    assert set(rules.regions) == regions
    wildcard = rules.item == -1
    per_region = np.bincount(rules.region[wildcard], minlength=len(rules.regions))
    assert (per_region >= 1).all() and (per_region <= 10).all()
    assert (~wildcard).any() and (rules.rank[~wildcard] == 0).all()
    subs = model.substitutes
    assert len(subs) > 0 and (subs.item != subs.substitute).all()

    engine = Engine(model)
    stocked = model.row_item[np.argmax(model.supply.sum(axis=1))]
    request = LineRequest("1", model.items.ids[stocked], 1, model.as_of + dt.timedelta(days=30))
    promise = engine.promise_order([request], ship_to_region=rules.regions[0])
    assert promise.decision is Decision.GREEDY
    assert promise.lines[0].fulfillments
