"""Delta directories for the refresh benchmarks: a run of deltas that apply one after another.

Delta k changes `rows` rows of a generated snapshot, split evenly between supply and demand:
60% UPSERT existing rows (new quantity and date, the same item-location, 1% moved to a random
item-location), 20% INSERT new ids and 20% DELETE (rows of the snapshot for k = 1, then the
rows delta k - 1 inserted), so every delta in the run is valid after the one before it.
Written once under data/bench/ and reused.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loaders.delta import write_delta

TABLES = {"supply": ("supply_id", "supply_type"), "demand": ("demand_id", "demand_type")}


def delta_run(snapshot: Path, rows: int, count: int, out: Path) -> list[Path]:
    """`count` deltas of `rows` rows each on `snapshot`, in `out` (made once, then reused)."""
    paths = [out / f"delta-{k:04d}" for k in range(1, count + 1)]
    if all((p / "manifest.json").exists() for p in paths):
        return paths
    manifest = json.loads((snapshot / "manifest.json").read_text())
    rng = np.random.default_rng(17)
    per_table = rows // 2
    previous: dict[str, pa.Table | None] = {"supply": None, "demand": None}
    tables = {name: pq.read_table(snapshot / f"{name}.parquet") for name in TABLES}
    for name, table in tables.items():
        tables[name] = table.cast(
            pa.schema(
                [
                    pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
                    for f in table.schema
                ]
            )
        )
    pools = {name: rng.permutation(t.num_rows) for name, t in tables.items()}
    as_of = dt.date.fromisoformat(manifest["as_of"])
    for k, path in enumerate(paths, start=1):
        delta = {}
        for name, table in tables.items():
            upsert_count, new_count = per_table * 6 // 10, per_table * 2 // 10
            delete_count = per_table - upsert_count - new_count
            pool = pools[name]
            changed = table.take(pa.array(pool[:upsert_count]))
            changed = _revalue(changed, rng, as_of, table)
            fresh = _revalue(table.take(pa.array(rng.integers(0, table.num_rows, new_count))),
                             rng, as_of, table)  # fmt: skip
            id_column = TABLES[name][0]
            fresh = fresh.set_column(
                fresh.schema.get_field_index(id_column),
                id_column,
                pa.array([f"B{k}-{name[0]}{i}" for i in range(new_count)], pa.string()),
            )
            if previous[name] is None:
                gone = table.take(pa.array(pool[-delete_count:])).select([id_column])
            else:
                gone = previous[name].select([id_column]).slice(0, delete_count)
            previous[name] = fresh
            upserts = pa.concat_tables([changed, fresh])
            upserts = upserts.append_column("op", pa.array(["UPSERT"] * upserts.num_rows))
            deletes = _nulls_but(gone, upserts.schema, id_column)
            delta[name] = pa.concat_tables([upserts, deletes])
        write_delta(path, delta, snapshot_id=manifest["snapshot_id"], sequence=k)
    return paths


def _revalue(
    rows: pa.Table, rng: np.random.Generator, as_of: dt.date, all_rows: pa.Table
) -> pa.Table:
    """New quantities and dates; 1% of the rows moved to another row's item-location."""
    n = rows.num_rows
    days = rng.integers(0, 300, n)
    dates = pa.array([as_of + dt.timedelta(days=int(d)) for d in days], pa.date32())
    rows = rows.set_column(rows.schema.get_field_index("date"), "date", dates)
    quantity = pa.array(rng.integers(1, 200, n), pa.int64())
    rows = rows.set_column(rows.schema.get_field_index("quantity"), "quantity", quantity)
    moved = rng.random(n) < 0.01
    if moved.any():
        donors = all_rows.take(pa.array(rng.integers(0, all_rows.num_rows, n)))
        for column in ("item_id", "location_id"):
            mixed = pc.if_else(pa.array(moved), donors.column(column), rows.column(column))
            rows = rows.set_column(rows.schema.get_field_index(column), column, mixed)
    return rows


def _nulls_but(ids: pa.Table, schema: pa.Schema, id_column: str) -> pa.Table:
    """DELETE rows: the ids, every other column null."""
    n = ids.num_rows
    columns = [
        ids.column(id_column)
        if f.name == id_column
        else pa.array(["DELETE"] * n)
        if f.name == "op"
        else pa.nulls(n, f.type)
        for f in schema
    ]
    return pa.table(columns, schema=schema)
