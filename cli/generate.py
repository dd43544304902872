"""`promising generate`: a realistic, seeded snapshot written to a directory."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.local import date
from cli.output import console, errors
from loaders.generator import generate_snapshot


class FileFormat(StrEnum):
    parquet = "parquet"
    arrow = "arrow"


def generate(
    out: Annotated[Path, typer.Option(help="Directory to write the snapshot into.")],
    items: Annotated[int, typer.Option(min=1, help="Number of items.")] = 1000,
    locations: Annotated[int, typer.Option(min=1, help="Number of locations.")] = 8,
    horizon_days: Annotated[int, typer.Option(min=1, help="Daily buckets.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 1,
    rows: Annotated[
        int | None, typer.Option(help="Target supply+demand rows (default: scale with items).")
    ] = None,
    file_format: Annotated[FileFormat, typer.Option("--format")] = FileFormat.parquet,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Bucket 0, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Write a realistic, seeded snapshot (on-hand, POs, work orders, orders, forecasts)."""
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("rows", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = generate_snapshot(
            out,
            items=items,
            locations=locations,
            horizon_days=horizon_days,
            seed=seed,
            as_of=date(as_of, "--as-of"),
            target_rows=rows,
            fmt=file_format.value,
            progress=advance,
        )
    tables = ", ".join(f"{name} {count:,}" for name, count in summary.rows.items())
    console.print(f"snapshot {summary.snapshot_id} as of {summary.as_of}, {horizon_days} days")
    console.print(f"rows: {tables}; item-locations {summary.item_locations:,}")
    console.print(f"[green]wrote[/] {out} in {time.perf_counter() - started:.1f} s")
