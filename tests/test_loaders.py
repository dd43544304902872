"""Snapshot loading: exact encodings, accepted variants, and every way a snapshot is refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders import load_model, load_snapshot, read_manifest, write_snapshot
from loaders.writer import TableWriter
from promising.domain import (
    ALL_SUPPLY_MASK,
    DEFAULT_DEMAND_MASK,
    Consumption,
    DemandType,
    ItemType,
    LocationKind,
    PromisingMode,
    SupplyType,
    type_mask,
)
from promising.errors import SnapshotError

AS_OF = dt.date(2026, 1, 5)  # a Monday
HORIZON = 30
FORMATS = ["parquet", "arrow"]


def day(offset: int) -> dt.date:
    return AS_OF + dt.timedelta(days=offset)


def valid_tables() -> dict[str, pa.Table]:
    """A small snapshot that uses every column, each optional one null somewhere."""
    return {
        "items": pa.table(
            {
                "item_id": ["A", "B", "C"],
                "item_type": ["BUY", "MAKE", "BUY"],
                "atp_rule_id": [None, "PERIOD", "DEFAULT"],
                "promising_mode": [None, "LEAD_TIME", "INFINITE"],
                "lead_time_days": pa.array([None, 5, 0], pa.int16()),
                "make_lead_time_days": pa.array([None, 3, None], pa.int64()),
                "infinite_time_fence_days": pa.array([0, None, 45], pa.uint8()),
                "unit_cost": [1.5, None, 2.0],
                "unit_price": pa.array([None, None, 3], pa.int32()),
            }
        ),
        "locations": pa.table(
            {
                "location_id": ["W1", "P1", "S1"],
                "kind": ["WAREHOUSE", "PLANT", "STORE"],
                "region": ["NORTH", None, "SOUTH"],
                "calendar_id": ["5D", "5D", None],
            }
        ),
        "atp_rules": pa.table(
            {
                "rule_id": ["PERIOD", "BACK"],
                "consumption": ["NONE", "BACKWARD"],
                "accumulate": [True, False],
                "supply_types": pa.array(
                    [["ONHAND", "PURCHASE_ORDER"], None], pa.list_(pa.string())
                ),
                "demand_types": pa.array(
                    [None, ["SALES_ORDER", "FORECAST"]], pa.list_(pa.string())
                ),
            }
        ),
        "calendars": pa.table(
            {
                "calendar_id": ["5D", "5D", "5D", "5D", "5D"],
                "date": [day(0), day(5), day(6), day(-3), day(HORIZON + 2)],
                "is_working": [True, False, False, False, False],
            }
        ),
        "supply": pa.table(
            {
                "supply_id": ["S1", "S2", "S3", "S4"],
                "item_id": ["A", "B", "A", "C"],
                "location_id": ["W1", "P1", "S1", "W1"],
                "date": [day(-2), day(0), day(3), day(HORIZON)],
                "quantity": pa.array([10, 20, 5, 7], pa.int32()),
                "supply_type": ["ONHAND", "WORK_ORDER", "PURCHASE_ORDER", "PLANNED_ORDER"],
            }
        ),
        "demand": pa.table(
            {
                "demand_id": ["D1", "D2", "D3", "D4", "D5"],
                "item_id": ["A", "A", "B", "C", "A"],
                "location_id": ["W1", "W1", "P1", "W1", "S1"],
                "date": [day(-1), day(4), day(29), day(40), day(1)],
                "quantity": pa.array([1, 2, 3, 4, 5], pa.int64()),
                "demand_type": [
                    "SALES_ORDER",
                    "FORECAST",
                    "TRANSFER",
                    "SALES_ORDER",
                    "SALES_ORDER",
                ],
                "demand_class": ["SILVER", None, None, "GOLD", "SILVER"],
                "order_line_id": ["O1/1", None, None, "O2/1", "O3/1"],
            }
        ),
    }


def write(path: Path, tables: dict[str, pa.Table], fmt: str = "parquet") -> Path:
    return write_snapshot(
        path, tables, snapshot_id="t1", as_of=AS_OF, horizon_days=HORIZON, format=fmt
    )


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_encodes_every_column_exactly(tmp_path: Path, fmt: str) -> None:
    """Ids, dates, enums, rule masks, calendars and defaults encode as the contract says."""
    data = load_snapshot(write(tmp_path, valid_tables(), fmt))
    assert (data.snapshot_id, data.as_of, data.horizon_days) == ("t1", AS_OF, HORIZON)

    items = data.items
    assert items.ids == ("A", "B", "C")
    assert items.item_type.tolist() == [ItemType.BUY, ItemType.MAKE, ItemType.BUY]
    assert items.atp_rule.tolist() == [0, 1, 0]
    assert items.promising_mode.tolist() == [
        PromisingMode.SUPPLY,
        PromisingMode.LEAD_TIME,
        PromisingMode.INFINITE,
    ]
    assert items.lead_time_days.tolist() == [0, 5, 0]
    assert items.make_lead_time_days.tolist() == [0, 3, 0]
    assert items.infinite_time_fence_days.tolist() == [0, 0, 45]
    np.testing.assert_array_equal(items.unit_cost, [1.5, np.nan, 2.0])
    np.testing.assert_array_equal(items.unit_price, [np.nan, np.nan, 3.0])

    rules = data.rules
    assert rules.ids == ("DEFAULT", "PERIOD", "BACK")
    assert rules.consumption.tolist() == [
        Consumption.LOOKAHEAD,
        Consumption.NONE,
        Consumption.BACKWARD,
    ]
    assert rules.accumulate.tolist() == [False, True, False]
    assert rules.supply_mask.tolist() == [
        ALL_SUPPLY_MASK,
        type_mask([SupplyType.ONHAND, SupplyType.PURCHASE_ORDER]),
        ALL_SUPPLY_MASK,
    ]
    assert rules.demand_mask.tolist() == [
        DEFAULT_DEMAND_MASK,
        DEFAULT_DEMAND_MASK,
        type_mask([DemandType.SALES_ORDER, DemandType.FORECAST]),
    ]

    locations = data.locations
    assert locations.ids == ("W1", "P1", "S1")
    assert locations.kind.tolist() == [LocationKind.WAREHOUSE, LocationKind.PLANT, 2]
    assert locations.region == ("NORTH", None, "SOUTH")
    assert locations.calendar.tolist() == [0, 0, -1]
    assert data.calendars.ids == ("5D",)
    expected_working = np.ones(HORIZON, dtype=bool)
    expected_working[[5, 6]] = False  # rows before as_of or past the horizon are skipped
    np.testing.assert_array_equal(data.calendars.working, expected_working[None, :])

    supply = data.supply
    assert supply.item.tolist() == [0, 1, 0, 2]
    assert supply.location.tolist() == [0, 1, 2, 0]
    assert supply.day.tolist() == [-2, 0, 3, HORIZON]
    assert supply.quantity.tolist() == [10, 20, 5, 7]
    assert supply.quantity.dtype == np.int64
    assert supply.kind.tolist() == [0, 3, 1, 4]
    assert supply.demand_class.tolist() == [-1] * 4

    demand = data.demand
    assert data.demand_classes == ("GOLD", "SILVER")
    assert demand.demand_class.tolist() == [1, -1, -1, 0, 1]
    assert demand.day.tolist() == [-1, 4, 29, 40, 1]
    assert demand.kind.tolist() == [0, 2, 1, 0, 0]
    assert data.rows_read == {
        "items": 3,
        "locations": 3,
        "supply": 4,
        "demand": 5,
        "atp_rules": 2,
        "calendars": 5,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_snapshot_round_trip(generated_snapshot: Callable[[str], Path], fmt: str) -> None:
    """A generated snapshot loads; every row is kept and decodes back to its file values."""
    path = generated_snapshot(fmt)
    data = load_snapshot(path)
    manifest = read_manifest(path)
    assert (data.as_of, data.horizon_days) == (manifest.as_of, manifest.horizon_days)
    for table, events, kinds in (
        ("supply", data.supply, SupplyType),
        ("demand", data.demand, DemandType),
    ):
        source = _read(path, table)
        assert len(events) == source.num_rows == data.rows_read[table]
        item_ids = np.array(data.items.ids)[events.item]
        assert item_ids.tolist() == source.column("item_id").cast(pa.string()).to_pylist()
        location_ids = np.array(data.locations.ids)[events.location]
        assert location_ids.tolist() == source.column("location_id").cast(pa.string()).to_pylist()
        epoch = (data.as_of - dt.date(1970, 1, 1)).days
        days = source.column("date").cast(pa.int32()).to_numpy() - epoch
        np.testing.assert_array_equal(events.day, days)
        np.testing.assert_array_equal(events.quantity, source.column("quantity").to_numpy())
        names = np.array([k.name for k in kinds])[events.kind]
        assert names.tolist() == source.column(f"{table}_type").cast(pa.string()).to_pylist()
    classes = _read(path, "demand").column("demand_class").cast(pa.string())
    decoded = [data.demand_classes[c] if c >= 0 else None for c in data.demand.demand_class]
    assert decoded == classes.to_pylist()
    assert data.demand_classes == ("BRONZE", "GOLD", "SILVER")
    assert data.rules.ids[0] == "DEFAULT"
    assert set(data.rules.consumption.tolist()) == {int(c) for c in Consumption}


def _read(path: Path, table: str) -> pa.Table:
    if (path / f"{table}.parquet").exists():
        return pq.read_table(path / f"{table}.parquet")
    with pa.memory_map(str(path / f"{table}.arrow")) as source:
        return pa.ipc.open_file(source).read_all()


def test_load_model_report_counts(generated_snapshot: Callable[[str], Path]) -> None:
    """The load report's past-due and past-horizon counts match the files; lines name them."""
    path = generated_snapshot("parquet")
    model, report = load_model(path)
    manifest = read_manifest(path)
    for table in ("supply", "demand"):
        epoch = (manifest.as_of - dt.date(1970, 1, 1)).days
        days = _read(path, table).column("date").cast(pa.int32()).to_numpy() - epoch
        assert getattr(report, f"{table}_past_due") == int((days < 0).sum()) > 0
        beyond = int((days >= manifest.horizon_days).sum())
        assert getattr(report, f"{table}_beyond_horizon") == beyond > 0
    pairs = set()
    for table in ("supply", "demand"):
        source = _read(path, table)
        pairs |= set(
            zip(
                source.column("item_id").cast(pa.string()).to_pylist(),
                source.column("location_id").cast(pa.string()).to_pylist(),
                strict=True,
            )
        )
    assert report.item_locations == model.row_count == len(pairs)
    assert report.rows_read["supply"] + report.rows_read["demand"] == 30_000
    assert set(report.step_seconds) == {"read", "encode", "build"}
    text = str(report)
    assert report.snapshot_id in text and "past due" in text and "item-locations" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_loaded_arrays_do_not_alias_the_files(tmp_path: Path, fmt: str) -> None:
    """Loaded arrays own their memory: overwriting the (memory-mapped) files in place changes
    nothing that was loaded."""
    tables = valid_tables()
    _set(tables, "supply", "quantity", pa.array([10, 20, 5, 7], pa.int64()))
    path = write(tmp_path, tables, fmt)
    data = load_snapshot(path)
    before = {
        name: [getattr(getattr(data, name), f).copy() for f in ("item", "day", "quantity")]
        for name in ("supply", "demand")
    }
    for file in path.glob(f"*.{fmt}"):
        with open(file, "r+b") as handle:
            handle.write(bytes(file.stat().st_size))
    for name, arrays in before.items():
        for field, array in zip(("item", "day", "quantity"), arrays, strict=True):
            np.testing.assert_array_equal(getattr(getattr(data, name), field), array)


# --- accepted variants ------------------------------------------------------------------


def _set(tables: dict[str, pa.Table], table: str, column: str, values: pa.Array) -> None:
    t = tables[table]
    tables[table] = t.set_column(t.schema.get_field_index(column), column, values)


def _drop(tables: dict[str, pa.Table], table: str, *columns: str) -> None:
    tables[table] = tables[table].drop_columns(list(columns))


def _cast(table: str, column: str, type_: pa.DataType) -> Callable[[dict], None]:
    def mutate(tables: dict[str, pa.Table]) -> None:
        _set(tables, table, column, tables[table].column(column).cast(type_))

    return mutate


def _no_optional_tables(tables: dict[str, pa.Table]) -> None:
    del tables["atp_rules"], tables["calendars"]
    _drop(tables, "items", "atp_rule_id")
    _drop(tables, "locations", "calendar_id")


def _empty_optional_tables(tables: dict[str, pa.Table]) -> None:
    for name in ("atp_rules", "calendars"):
        tables[name] = tables[name].slice(0, 0)
    _drop(tables, "items", "atp_rule_id")
    _drop(tables, "locations", "calendar_id")


def _set_new(tables: dict[str, pa.Table], table: str, column: str, values: pa.Array) -> None:
    tables[table] = tables[table].append_column(column, values)


ACCEPTED: list[tuple[str, Callable[[dict[str, pa.Table]], None]]] = [
    ("int8 quantity", _cast("supply", "quantity", pa.int8())),
    ("uint32 quantity", _cast("demand", "quantity", pa.uint32())),
    ("date64 dates", _cast("supply", "date", pa.date64())),
    ("timestamp dates", _cast("demand", "date", pa.timestamp("ms"))),
    ("large_string ids", _cast("supply", "item_id", pa.large_string())),
    ("dictionary ids", _cast("items", "item_id", pa.dictionary(pa.int16(), pa.string()))),
    ("string_view ids", _cast("demand", "location_id", pa.string_view())),
    ("string_view unique ids", _cast("supply", "supply_id", pa.string_view())),
    ("float32 costs", _cast("items", "unit_cost", pa.float32())),
    ("no optional item columns", lambda t: _drop(t, "items", "atp_rule_id", "promising_mode")),
    ("no optional columns", lambda t: _drop(t, "demand", "demand_class", "order_line_id")),
    ("no optional tables", lambda t: _no_optional_tables(t)),
    ("empty optional tables", _empty_optional_tables),
    ("all-null optional column", lambda t: _set(t, "locations", "region", pa.nulls(3))),
    ("unknown extra column", lambda t: _set_new(t, "supply", "lot", pa.array(["x"] * 4))),
    ("later tables ignored", lambda t: t.update(bom=pa.table({"nonsense": [1]}))),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("case", "mutate"), ACCEPTED, ids=[c for c, _ in ACCEPTED])
def test_accepts_equivalent_encodings(
    tmp_path: Path, fmt: str, case: str, mutate: Callable[[dict], None]
) -> None:
    """Any integer width, date type, string flavour or absent optional part loads the same."""
    tables = valid_tables()
    mutate(tables)
    data = load_snapshot(write(tmp_path, tables, fmt))
    reference = load_snapshot(write(tmp_path / "reference", valid_tables(), fmt))
    for events in ("supply", "demand"):
        got, want = getattr(data, events), getattr(reference, events)
        for field in ("item", "location", "day", "quantity", "kind"):
            np.testing.assert_array_equal(getattr(got, field), getattr(want, field), field)
    assert data.items.ids == reference.items.ids


def test_chunks_with_different_dictionaries(tmp_path: Path) -> None:
    """Row groups whose dictionaries differ still map each id to its own index."""
    tables = valid_tables()
    write(tmp_path, tables)
    supply = tables["supply"]
    first = supply.slice(0, 2).cast(
        supply.schema.set(1, pa.field("item_id", pa.dictionary(pa.int32(), pa.string())))
    )
    second = supply.slice(2).cast(first.schema)
    with TableWriter(tmp_path, "supply", first.schema) as writer:
        writer.write(first)
        writer.write(second)
    data = load_snapshot(tmp_path)
    assert data.supply.item.tolist() == [0, 1, 0, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_demand_classes_are_the_values_used(tmp_path: Path, fmt: str) -> None:
    """A dictionary value no row uses is not a demand class (Arrow IPC keeps whole dictionaries)."""
    tables = valid_tables()
    dictionary = pa.array(["BRONZE", "GOLD", "PLATINUM", "SILVER"])
    indices = pa.array([3, None, None, 1, 3], pa.int8())
    _set(tables, "demand", "demand_class", pa.DictionaryArray.from_arrays(indices, dictionary))
    data = load_snapshot(write(tmp_path, tables, fmt))
    assert data.demand_classes == ("GOLD", "SILVER")
    assert data.demand.demand_class.tolist() == [1, -1, -1, 0, 1]


LOOKUP_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.string_view(),
    pa.dictionary(pa.int8(), pa.string()),
]


@pytest.mark.parametrize("type_", LOOKUP_TYPES, ids=str)
def test_lookup_of_sliced_chunks_with_nulls(type_: pa.DataType) -> None:
    """Lookups honour chunk offsets and validity bitmaps: null → -1, unknown → -2."""
    from loaders.encode import lookup

    values = pa.array(["x", "b", None, "a", "zz", None, "b", "a", "c"] * 3).cast(type_)
    chunked = pa.chunked_array([values.slice(1, 7), values.slice(10, 9), values.slice(20)])
    codes = lookup(chunked, pa.array(["a", "b", "c"]), np.int16)
    expected = [{"a": 0, "b": 1, "c": 2, None: -1}.get(v, -2) for v in chunked.to_pylist()]
    assert codes.tolist() == expected


# --- refused snapshots ------------------------------------------------------------------


Mutation = Callable[[dict[str, pa.Table], str, str | None], None]
"""Spoils `tables` at (table, column): the place the error must then name."""


def cell(row: int, value: object) -> Mutation:
    """Set one cell, keeping the column's type."""

    def mutate(tables: dict[str, pa.Table], table: str, column: str | None) -> None:
        values = tables[table].column(column)
        cells = values.to_pylist()
        cells[row] = value
        _set(tables, table, column, pa.array(cells, values.type))

    return mutate


def column_of(values: list, type_: pa.DataType) -> Mutation:
    """Replace the whole column."""
    return lambda tables, table, column: _set(tables, table, column, pa.array(values, type_))


def cast(type_: pa.DataType) -> Mutation:
    return lambda tables, table, column: _cast(table, column, type_)(tables)


def drop(tables: dict[str, pa.Table], table: str, column: str | None) -> None:
    _drop(tables, table, column)


def remove(name: str | None = None) -> Mutation:
    """Remove a table (by default the one named in the error)."""
    return lambda tables, table, column: tables.pop(name or table) and None


# One line a case: (case, where the error must point, mutation there, first bad rows).
BAD_TABLES: list[tuple[str, str, Mutation, list[int]]] = [
    ("no supply table", "supply", remove(), []),
    ("no items table", "items", remove(), []),
    ("missing column", "supply.quantity", drop, []),
    ("missing id column", "items.item_id", drop, []),
    ("float quantity", "demand.quantity", cast(pa.float64()), []),
    ("string date", "supply.date", cast(pa.string()), []),
    ("integer ids", "items.item_id", column_of([1, 2, 3], pa.int32()), []),
    ("string bool", "calendars.is_working", cast(pa.string()), []),
    ("list of ints", "atp_rules.supply_types", column_of([[1], None], pa.list_(pa.int8())), []),
    ("null item", "supply.item_id", cell(2, None), [2]),
    ("null date", "demand.date", cell(4, None), [4]),
    ("null quantity", "demand.quantity", cell(0, None), [0]),
    ("null kind", "locations.kind", cell(1, None), [1]),
    ("null accumulate", "atp_rules.accumulate", cell(1, None), [1]),
    ("duplicate item", "items.item_id", cell(2, "A"), [2]),
    ("duplicate location", "locations.location_id", cell(1, "S1"), [2]),
    ("duplicate supply", "supply.supply_id", cell(3, "S2"), [3]),
    ("duplicate demand", "demand.demand_id", cell(1, "D1"), [1]),
    ("duplicate rule", "atp_rules.rule_id", cell(1, "PERIOD"), [1]),
    ("rule named DEFAULT", "atp_rules.rule_id", cell(1, "DEFAULT"), [1]),
    ("duplicate calendar day", "calendars.date", cell(2, day(5)), [2]),
    ("unknown item", "supply.item_id", cell(1, "Z"), [1]),
    ("unknown location", "demand.location_id", cell(3, "X9"), [3]),
    ("unknown rule", "items.atp_rule_id", cell(0, "NOPE"), [0]),
    ("unknown calendar", "locations.calendar_id", cell(2, "7D"), [2]),
    ("no calendars table", "locations.calendar_id", remove("calendars"), [0, 1]),
    ("bad item_type", "items.item_type", cell(1, "BUILD"), [1]),
    ("bad kind", "locations.kind", cell(0, "SHOP"), [0]),
    ("bad supply_type", "supply.supply_type", cell(3, "GIFT"), [3]),
    ("lower-case demand_type", "demand.demand_type", cell(2, "transfer"), [2]),
    ("bad consumption", "atp_rules.consumption", cell(0, "FIFO"), [0]),
    ("bad promising_mode", "items.promising_mode", cell(0, "MAGIC"), [0]),
    ("bad listed type", "atp_rules.demand_types", cell(1, ["SALES_ORDER", "RETURN"]), [1]),
    ("date past int32 days", "supply.date", column_of([0, 0, 2**62, 0], pa.timestamp("ms")), [2]),
    ("zero quantity", "supply.quantity", cell(2, 0), [2]),
    ("negative quantity", "demand.quantity", cell(1, -3), [1]),
    ("negative lead time", "items.lead_time_days", cell(1, -1), [1]),
    (
        "negative fences",
        "items.infinite_time_fence_days",
        column_of([0, -7, -1], pa.int8()),
        [1, 2],
    ),
    ("lead time over int32", "items.lead_time_days", column_of([0, 2**40, 1], pa.int64()), [1]),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("case", "where", "mutate", "rows"), BAD_TABLES, ids=[c[0] for c in BAD_TABLES]
)
def test_refuses_bad_table(
    tmp_path: Path, fmt: str, case: str, where: str, mutate: Mutation, rows: list[int]
) -> None:
    """A bad table is refused with its table, column and first bad rows in the error."""
    table, _, column = where.partition(".")
    tables = valid_tables()
    mutate(tables, table, column or None)
    write(tmp_path, tables, fmt)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(tmp_path)
    problem = caught.value.problem
    assert (problem.table, problem.column or "", problem.rows) == (table, column, rows)
    assert str(caught.value).startswith(where)


def test_reports_at_most_five_bad_rows(tmp_path: Path) -> None:
    """Many bad rows: the error lists the first five, in row order."""
    tables = valid_tables()
    n = 12
    tables["demand"] = pa.table(
        {
            "demand_id": [f"D{i}" for i in range(n)],
            "item_id": ["A"] * n,
            "location_id": ["W1"] * n,
            "date": [day(1)] * n,
            "quantity": [1, 0, 2, 0, 0, 3, 0, 0, 0, 0, 4, 0],
            "demand_type": ["SALES_ORDER"] * n,
        }
    )
    write(tmp_path, tables)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(tmp_path)
    assert caught.value.problem.rows == [1, 3, 4, 6, 7]


def _manifest(**fields: object) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        manifest = json.loads((path / "manifest.json").read_text())
        manifest.update(fields)
        for key, value in fields.items():
            if value is ...:
                del manifest[key]
        (path / "manifest.json").write_text(json.dumps(manifest))

    return mutate


def _truncate(name: str) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        file = next(path.glob(f"{name}.*"))
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])

    return mutate


def _other_format_copy(path: Path) -> None:
    file = next(path.glob("items.*"))
    other = "arrow" if file.suffix == ".parquet" else "parquet"
    (path / f"items.{other}").write_bytes(file.read_bytes())


BAD_FILES: list[tuple[str, Callable[[Path], None], str, str | None]] = [
    ("no manifest", lambda p: (p / "manifest.json").unlink(), "manifest", None),
    ("manifest not JSON", lambda p: (p / "manifest.json").write_text("{oops"), "manifest", None),
    ("manifest a list", lambda p: (p / "manifest.json").write_text("[]"), "manifest", None),
    ("wrong format", _manifest(format="csv-dump"), "manifest", "format"),
    ("version 2", _manifest(version=2), "manifest", "version"),
    ("version as text", _manifest(version="1"), "manifest", "version"),
    ("bad as_of", _manifest(as_of="2026-13-01"), "manifest", "as_of"),
    ("as_of missing", _manifest(as_of=...), "manifest", "as_of"),
    ("zero horizon", _manifest(horizon_days=0), "manifest", "horizon_days"),
    ("horizon as float", _manifest(horizon_days=30.0), "manifest", "horizon_days"),
    ("no snapshot_id", _manifest(snapshot_id=...), "manifest", "snapshot_id"),
    ("truncated demand", _truncate("demand"), "demand", None),
    (
        "garbage items",
        lambda p: next(p.glob("items.*")).write_bytes(b"PAR1 nonsense"),
        "items",
        None,
    ),
    ("both formats", _other_format_copy, "items", None),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("case", "mutate", "table", "column"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_refuses_bad_files(
    tmp_path: Path,
    fmt: str,
    case: str,
    mutate: Callable[[Path], None],
    table: str,
    column: str | None,
) -> None:
    """A bad manifest or an unreadable, truncated or ambiguous file is refused by name."""
    mutate(write(tmp_path, valid_tables(), fmt))
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(tmp_path)
    assert (caught.value.problem.table, caught.value.problem.column) == (table, column)


def test_refusal_leaves_no_state(tmp_path: Path) -> None:
    """A refused load changes nothing: the good snapshot loads the same before and after."""
    good = write(tmp_path / "good", valid_tables())
    bad_tables = valid_tables()
    cell(0, "Z")(bad_tables, "supply", "item_id")
    bad = write(tmp_path / "bad", bad_tables)
    first = load_snapshot(good)
    with pytest.raises(SnapshotError):
        load_snapshot(bad)
    again = load_snapshot(good)
    np.testing.assert_array_equal(first.supply.item, again.supply.item)
    assert first.rows_read == again.rows_read
