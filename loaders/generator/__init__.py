"""A realistic, seeded snapshot of any size, written in chunks (DESIGN §11 layout).

Master data first (locations, items, ATP rules, calendars), then supply and demand rows in
chunks of item-locations, each chunk from its own child seed: the same arguments give the
same bytes, and memory stays bounded by the chunk, not the snapshot.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np

from loaders.generator.events import (
    Context,
    event_batch,
    event_dictionaries,
    event_schema,
    numbering,
    row_counts,
)
from loaders.generator.manufacturing import allocation_rules, manufacturing_tables
from loaders.generator.master import generate_master
from loaders.generator.sourcing import sourcing_tables
from loaders.manifest import Manifest
from loaders.writer import Format, TableWriter, start_snapshot, write_manifest

__all__ = ["GenerateSummary", "Progress", "generate_snapshot"]

Progress = Callable[[int, int], None]
"""progress(done_rows, total_rows): called as tables and chunks are written."""
ROWS_PER_ITEM_LOCATION = 24
CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate_snapshot` wrote."""

    path: Path
    snapshot_id: str
    as_of: dt.date
    horizon_days: int
    format: Format
    rows: dict[str, int]
    item_locations: int
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generate_snapshot(
    out: str | Path,
    items: int,
    locations: int,
    horizon_days: int,
    seed: int,
    as_of: dt.date | None = None,
    fmt: Format = "parquet",
    progress: Progress | None = None,
    *,
    target_rows: int | None = None,
    rows_per_item_location: float | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> GenerateSummary:
    """Write a snapshot directory with `target_rows` supply and demand rows in total.

    Without `target_rows`, `rows_per_item_location` (default 24) times the number of
    item-locations. `as_of` defaults to today; pass it for byte-identical output.
    """
    if min(items, locations, horizon_days, chunk_rows) < 1:
        raise ValueError("items, locations, horizon_days and chunk_rows must be >= 1")
    if target_rows is not None and rows_per_item_location is not None:
        raise ValueError("give target_rows or rows_per_item_location, not both")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if min(target_rows or 0, rows_per_item_location or 0) < 0:
        raise ValueError("target_rows and rows_per_item_location must be >= 0")
    if fmt not in get_args(Format):
        raise ValueError(f"fmt must be one of {get_args(Format)}, got {fmt!r}")
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    master_seed, events_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(master_seed)
    master = generate_master(rng, items, locations, as_of, horizon_days)
    il_count = master.il_item.shape[0]
    if target_rows is None:
        per_il = (
            ROWS_PER_ITEM_LOCATION if rows_per_item_location is None else rows_per_item_location
        )
        target_rows = round(per_il * il_count)
    counts = row_counts(rng, master, target_rows)
    supply_factor = rng.uniform(0.7, 1.4, il_count)

    small = {
        "locations": master.locations,
        "items": master.items,
        "atp_rules": master.atp_rules,
        "calendars": master.calendars,
        "allocation_rules": allocation_rules(),
        **manufacturing_tables(
            np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2]),
            master,
            as_of,
            horizon_days,
        ),
        **sourcing_tables(np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3]), master),
    }
    total = sum(t.num_rows for t in small.values()) + target_rows
    done = 0
    report = progress or (lambda done_rows, total_rows: None)
    report(done, total)
    directory = start_snapshot(out)
    for name, table in small.items():
        with TableWriter(directory, name, table.schema, fmt) as writer:
            writer.write(table)
        done += table.num_rows
    report(done, total)

    ends = np.cumsum(counts.sum(axis=1))
    cuts = np.searchsorted(ends, np.arange(chunk_rows, target_rows, chunk_rows), side="left")
    bounds = np.unique(np.concatenate([[0], cuts + 1, [il_count]]).clip(0, il_count))
    chunk_seeds = events_seed.spawn(max(bounds.shape[0] - 1, 0))
    dictionaries = event_dictionaries(master)
    numbers = numbering(counts)
    writers = {
        table: TableWriter(directory, table, event_schema(table), fmt, _DICTIONARY[table])
        for table in ("supply", "demand")
    }
    try:
        for first, last, chunk_seed in zip(bounds[:-1], bounds[1:], chunk_seeds, strict=True):
            ctx = Context(
                np.random.default_rng(chunk_seed), as_of, horizon_days, master, supply_factor
            )
            for table, writer in writers.items():
                batch = event_batch(
                    ctx, table, counts[first:last], int(first), numbers, dictionaries
                )
                writer.write(batch)
                done += batch.num_rows
            report(done, total)
    finally:
        for writer in writers.values():
            writer.close()

    snapshot_id = f"gen-s{seed}-{items}x{locations}-{as_of:%Y%m%d}"
    write_manifest(directory, Manifest(snapshot_id, as_of, horizon_days))
    rows = {name: table.num_rows for name, table in small.items()}
    rows |= {table: writer.rows for table, writer in writers.items()}
    return GenerateSummary(
        path=directory,
        snapshot_id=snapshot_id,
        as_of=as_of,
        horizon_days=horizon_days,
        format=fmt,
        rows=rows,
        item_locations=il_count,
        seconds=time.perf_counter() - started,
    )


_DICTIONARY = {
    "supply": ["item_id", "location_id", "supply_type"],
    "demand": ["item_id", "location_id", "demand_type", "demand_class"],
}
"""Parquet columns worth dictionary pages; unique ids are written plain."""
