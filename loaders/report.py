"""Load a snapshot into a ready `SupplyModel` and say what the load did, for humans."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from loaders.manufacturing import load_allocation_rules, load_manufacturing, load_suppliers
from loaders.snapshot import load_snapshot
from promising.model import SupplyModel, build_model
from promising.snapshot import SnapshotData


@dataclass(frozen=True)
class LoadReport:
    """What a load read, folded, left out, and how long each step took."""

    snapshot_id: str
    as_of: dt.date
    horizon_days: int
    rows_read: dict[str, int]
    supply_past_due: int
    demand_past_due: int
    supply_beyond_horizon: int
    demand_beyond_horizon: int
    item_locations: int
    seconds: float
    step_seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as short lines of text."""
        steps = ", ".join(f"{step} {s:.2f}s" for step, s in self.step_seconds.items())
        tables = ", ".join(f"{name} {rows:,}" for name, rows in self.rows_read.items())
        return [
            f"snapshot {self.snapshot_id} as of {self.as_of.isoformat()}, {self.horizon_days} days",
            f"rows read: {tables}",
            f"past due, folded into {self.as_of.isoformat()}: "
            f"supply {self.supply_past_due:,}, demand {self.demand_past_due:,}",
            f"past the horizon, left out: "
            f"supply {self.supply_beyond_horizon:,}, demand {self.demand_beyond_horizon:,}",
            f"item-locations: {self.item_locations:,}",
            f"loaded in {self.seconds:.2f}s" + (f" ({steps})" if steps else ""),
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def load_model(path: str | Path) -> tuple[SupplyModel, LoadReport]:
    """Load, validate and build the snapshot at `path`; raises `SnapshotError` if refused."""
    model, report, _ = load_model_data(path)
    return model, report


def load_model_data(path: str | Path) -> tuple[SupplyModel, LoadReport, SnapshotData]:
    """`load_model`, also returning the snapshot's rows (a live refresh indexes them)."""
    started = time.perf_counter()
    steps: dict[str, float] = {}
    data = load_snapshot(path, timings=steps)
    building = time.perf_counter()
    model = build_model(data)
    directory = Path(path)
    rows_read = dict(model.stats.rows_read)
    model = dataclasses.replace(
        model,
        allocation=load_allocation_rules(directory, model, rows_read),
        manufacturing=load_manufacturing(directory, model, rows_read),
        suppliers=load_suppliers(directory, model, rows_read),
        stats=dataclasses.replace(model.stats, rows_read=rows_read),
    )
    steps["build"] = time.perf_counter() - building
    stats = model.stats
    report = LoadReport(
        snapshot_id=model.snapshot_id,
        as_of=model.as_of,
        horizon_days=model.horizon_days,
        rows_read=dict(stats.rows_read),
        supply_past_due=stats.supply_past_due,
        demand_past_due=stats.demand_past_due,
        supply_beyond_horizon=stats.supply_beyond_horizon,
        demand_beyond_horizon=stats.demand_beyond_horizon,
        item_locations=model.row_count,
        seconds=time.perf_counter() - started,
        step_seconds=steps,
    )
    return model, report, data
