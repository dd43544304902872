"""The snapshot generator: seeded, sized as asked, and shaped like a real ERP export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loaders import generate_snapshot, load_model, load_snapshot, read_manifest
from loaders.generator.master import STOCKED_LOCATIONS_MAX
from promising.domain import DemandType, ItemType, LocationKind, PromisingMode, SupplyType

AS_OF = dt.date(2026, 1, 5)


def _files(path: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(path.iterdir())}


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_same_seed_same_bytes(tmp_path: Path, fmt: str) -> None:
    """The same arguments write byte-identical files; another seed writes other data."""
    args = {"items": 120, "locations": 5, "horizon_days": 40, "as_of": AS_OF, "fmt": fmt}
    kwargs = {"target_rows": 6_000, "chunk_rows": 2_000}
    generate_snapshot(tmp_path / "a", seed=3, **args, **kwargs)
    generate_snapshot(tmp_path / "b", seed=3, **args, **kwargs)
    generate_snapshot(tmp_path / "c", seed=4, **args, **kwargs)
    a, b, c = (_files(tmp_path / name) for name in "abc")
    assert a == b
    assert sorted(a) == sorted(c) and a[f"supply.{fmt}"] != c[f"supply.{fmt}"]


@pytest.mark.parametrize(
    ("items", "locations", "target_rows"),
    [(10, 1, 300), (50, 3, 0), (400, 12, 25_000), (2_000, 8, 120_001)],
)
def test_target_rows_reached(tmp_path: Path, items: int, locations: int, target_rows: int) -> None:
    """Supply plus demand rows equal `target_rows` exactly, and the snapshot loads."""
    summary = generate_snapshot(
        tmp_path, items, locations, 30, seed=1, as_of=AS_OF, target_rows=target_rows
    )
    assert summary.rows["supply"] + summary.rows["demand"] == target_rows
    data = load_snapshot(tmp_path)
    assert len(data.supply) + len(data.demand) == target_rows
    _, report = load_model(tmp_path)
    assert report.rows_read == summary.rows


def test_rows_per_item_location(tmp_path: Path) -> None:
    """Without a target, rows scale with item-locations; each item is stocked at 1..4 places."""
    summary = generate_snapshot(
        tmp_path, 1_000, 8, 60, seed=2, as_of=AS_OF, rows_per_item_location=10
    )
    rows = summary.rows["supply"] + summary.rows["demand"]
    assert rows == round(10 * summary.item_locations)
    assert 1_000 <= summary.item_locations <= 1_000 * STOCKED_LOCATIONS_MAX
    assert summary.item_locations > 3.5 * 1_000  # most items at the most locations


def test_progress_reports_rows_written(tmp_path: Path) -> None:
    """progress(done, total) rises monotonically to the total, which never changes."""
    calls: list[tuple[int, int]] = []
    summary = generate_snapshot(
        tmp_path,
        200,
        4,
        30,
        seed=5,
        as_of=AS_OF,
        progress=lambda done, total: calls.append((done, total)),
        target_rows=10_000,
        chunk_rows=1_500,
    )
    done = [d for d, _ in calls]
    assert calls[0][0] == 0 and done == sorted(done)
    assert {total for _, total in calls} == {summary.total_rows}
    assert calls[-1][0] == summary.total_rows
    assert len(calls) >= 10_000 // 1_500


def test_snapshot_looks_like_an_erp_export(generated_snapshot: Callable[[str], Path]) -> None:
    """Every kind of row, rule, mode, location and calendar the engine handles is present."""
    path = generated_snapshot("parquet")
    data = load_snapshot(path)
    h = data.horizon_days
    assert set(data.supply.kind.tolist()) == {int(t) for t in SupplyType}
    assert set(data.demand.kind.tolist()) == {int(t) for t in DemandType}
    for events in (data.supply, data.demand):
        assert (events.day < 0).any() and (events.day >= h).any()  # past due and too far
        assert ((events.day >= 0) & (events.day < h)).mean() > 0.9
    assert data.demand_classes == ("BRONZE", "GOLD", "SILVER")
    sales = data.demand.kind == DemandType.SALES_ORDER
    assert (data.demand.demand_class[~sales] == -1).all()
    assert (data.demand.demand_class[sales] >= 0).mean() > 0.8

    assert set(data.locations.kind.tolist()) == {
        LocationKind.WAREHOUSE,
        LocationKind.PLANT,
        LocationKind.STORE,
    }
    assert len(set(data.locations.region)) > 1
    assert (data.locations.calendar >= 0).any() and len(data.calendars.ids) >= 1
    weekend_closed = ~data.calendars.working[0]
    assert 2 * (h // 7) <= weekend_closed.sum() <= 2 * (h // 7 + 1) + 5

    items = data.items
    assert len(data.rules.ids) == 6 and (items.atp_rule > 0).any() and (items.atp_rule == 0).any()
    modes = set(items.promising_mode.tolist())
    assert {PromisingMode.SUPPLY, PromisingMode.LEAD_TIME, PromisingMode.INFINITE} <= modes
    assert (items.infinite_time_fence_days > 0).any()
    make = items.item_type == ItemType.MAKE
    assert 0 < make.sum() < 0.3 * len(items.ids)
    assert (items.make_lead_time_days[make] > 0).all()
    assert (items.unit_price > items.unit_cost).all()

    # MAKE items are built at plants: their work orders are dated at a plant.
    work = data.supply.kind == SupplyType.WORK_ORDER
    assert (data.locations.kind[data.supply.location[work]] == LocationKind.PLANT).all()
    assert make[data.supply.item[work]].all()


def test_sales_orders_follow_the_week(generated_snapshot: Callable[[str], Path]) -> None:
    """Weekly seasonality: more sales orders are due on a Monday than on a Sunday."""
    path = generated_snapshot("parquet")
    data = load_snapshot(path)
    sales = data.demand.kind == DemandType.SALES_ORDER
    weekday = (read_manifest(path).as_of.weekday() + data.demand.day[sales]) % 7
    per_weekday = np.bincount(weekday, minlength=7)
    assert per_weekday[0] > 3 * per_weekday[6]


def test_forecasts_are_weekly_on_mondays(generated_snapshot: Callable[[str], Path]) -> None:
    """Forecast rows fall on Mondays, in weekly buckets."""
    path = generated_snapshot("arrow")
    with pa.memory_map(str(path / "demand.arrow")) as source:
        demand = pa.ipc.open_file(source).read_all()
    forecast = demand.filter(pc.equal(demand.column("demand_type").cast(pa.string()), "FORECAST"))
    assert forecast.num_rows > 0
    assert set(pc.day_of_week(forecast.column("date")).to_pylist()) == {0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"items": 0},
        {"locations": 0},
        {"horizon_days": 0},
        {"seed": -1},
        {"target_rows": -5},
        {"rows_per_item_location": -1.0},
        {"fmt": "csv"},
        {"target_rows": 10, "rows_per_item_location": 2},
    ],
)
def test_rejects_bad_arguments(tmp_path: Path, kwargs: dict) -> None:
    """Sizes below one, a negative seed or two row targets at once are refused up front."""
    args = {"items": 5, "locations": 2, "horizon_days": 10, "seed": 1, **kwargs}
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, **args)
