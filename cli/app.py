"""The `promising` command: generate data, look at availability, promise a line, serve."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from promising.availability import AvailabilityProfile
from promising.engine import Engine
from promising.errors import PromisingError
from promising.pegging import peg_fulfillment
from promising.promise import Fulfillment, LinePromise, LineRequest

app = typer.Typer(
    help="promising: an order-promising engine (ATP). What can we deliver, from where, when?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class FileFormat(StrEnum):
    parquet = "parquet"
    arrow = "arrow"


Snapshot = Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot directory.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No load report on stderr.")]
DemandClass = Annotated[
    str, typer.Option("--class", help="Demand class (allocation rules apply to it).")
]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _load(snapshot: Path, quiet: bool = False) -> Engine:
    """Load a snapshot into an engine; the load report goes to stderr unless quiet."""
    from loaders import load_model

    try:
        model, report = load_model(snapshot)
    except PromisingError as exc:
        raise _fail(str(exc)) from None
    if not quiet:
        for line in report.lines():
            errors.print(f"[dim]{line}[/]")
    return Engine(model)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
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
    from loaders.generator import generate_snapshot

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
            as_of=_date(as_of, "--as-of"),
            target_rows=rows,
            fmt=file_format.value,
            progress=advance,
        )
    tables = ", ".join(f"{name} {count:,}" for name, count in summary.rows.items())
    console.print(f"snapshot {summary.snapshot_id} as of {summary.as_of}, {horizon_days} days")
    console.print(f"rows: {tables}; item-locations {summary.item_locations:,}")
    console.print(f"[green]wrote[/] {out} in {time.perf_counter() - started:.1f} s")


def _profile_table(p: AvailabilityProfile, show_all: bool) -> Table:
    table = Table(title=f"{p.item_id} @ {p.location_id}  (rule {p.rule_id})", title_justify="left")
    for column in ("date", "supply", "demand", "reserved", "ATP"):
        table.add_column(column, justify="right" if column != "date" else "left")
    hidden = 0
    last = len(p.dates) - 1
    for i, day in enumerate(p.dates):
        moved = p.supply[i] or p.demand[i] or p.reserved[i]
        if not (show_all or moved or i in (0, last)):
            hidden += 1
            continue
        atp = int(p.atp[i])
        style = "red" if atp < 0 else ""
        table.add_row(
            day.isoformat(),
            f"{int(p.supply[i]):,}",
            f"{int(p.demand[i]):,}",
            f"{int(p.reserved[i]):,}",
            f"[{style}]{atp:,}[/]" if style else f"{atp:,}",
        )
    if hidden:
        table.caption = f"{hidden} days without movement hidden (--all shows them)"
    return table


def _profile_json(p: AvailabilityProfile) -> dict:
    return {
        "item_id": p.item_id,
        "location_id": p.location_id,
        "rule_id": p.rule_id,
        "buckets": [
            {
                "date": day.isoformat(),
                "supply": int(p.supply[i]),
                "demand": int(p.demand[i]),
                "reserved": int(p.reserved[i]),
                "atp": int(p.atp[i]),
            }
            for i, day in enumerate(p.dates)
        ],
    }


@app.command()
def availability(
    snapshot: Snapshot,
    item: Annotated[str, typer.Option(help="Item id.")],
    location: Annotated[
        list[str] | None, typer.Option(help="Location id (repeat; default: all).")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="ATP rule id (default: the item's).")] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    to_date: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    plot: Annotated[Path | None, typer.Option(help="Also write a PNG chart here.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show days without movement.")] = False,
    demand_class: DemandClass = "",
    quiet: Quiet = False,
) -> None:
    """Supply, demand, reservations and ATP per day for an item at its locations."""
    engine = _load(snapshot, quiet)
    try:
        profiles = engine.availability(
            item,
            location,
            _date(from_date, "--from"),
            _date(to_date, "--to"),
            rule,
            demand_class,
        )
    except PromisingError as exc:
        raise _fail(str(exc)) from None
    if not profiles:
        raise _fail(f"item {item!r} has no supply or demand at any location")
    if output is OutputFormat.json:
        print(json.dumps([_profile_json(p) for p in profiles], indent=2))
    else:
        for p in profiles:
            console.print(_profile_table(p, show_all))
    if plot is not None:
        from cli.plot import plot_profiles

        errors.print(f"[green]plot written to[/] {plot_profiles(profiles, plot)}")


def _promise_json(answer: LinePromise) -> dict:
    return {
        "line_id": answer.line_id,
        "item_id": answer.item_id,
        "status": answer.status.name,
        "requested_quantity": answer.requested_quantity,
        "requested_date": answer.requested_date.isoformat(),
        "promised_quantity": answer.promised_quantity,
        "promised_date": answer.promised_date.isoformat() if answer.promised_date else None,
        "fulfillments": [
            {
                "item_id": f.item_id,
                "location_id": f.location_id,
                "quantity": f.quantity,
                "ship_date": f.ship_date.isoformat(),
                "arrival_date": f.arrival_date.isoformat(),
                "source_type": f.source_type,
                "cost": f.cost,
            }
            for f in answer.fulfillments
        ],
    }


@app.command()
def promise(
    snapshot: Snapshot,
    item: Annotated[str, typer.Option(help="Item id.")],
    quantity: Annotated[int, typer.Option(help="Quantity in the item's base unit.")],
    date: Annotated[str, typer.Option(help="Requested date, YYYY-MM-DD.")],
    location: Annotated[str | None, typer.Option(help="Ship-from location.")] = None,
    region: Annotated[
        str | None, typer.Option(help="Ship-to region: choose the locations by sourcing rules.")
    ] = None,
    split: Annotated[bool, typer.Option(help="May ship from several locations.")] = False,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    demand_class: DemandClass = "",
    quiet: Quiet = False,
) -> None:
    """Promise one line: on time, late (with the date) or unavailable, and from where.

    A line short in ATP may be made (CTP) or bought (a supplier) when that is sooner; with
    --class, items with allocation rules promise from that demand class's allocation. With
    --region the sourcing rules choose the ship-from locations (--split: several)."""
    engine = _load(snapshot, quiet)
    requested = _date(date, "--date")
    assert requested is not None
    decision = ""
    try:
        if region or split:
            line = LineRequest("1", item, quantity, requested, location, allow_split=split)
            order = engine.promise_order([line], demand_class, ship_to_region=region)
            answer, decision = order.lines[0], order.decision.name
        else:
            answer = engine.promise_line(
                item, quantity, requested, location, demand_class=demand_class
            )
    except PromisingError as exc:
        raise _fail(str(exc)) from None
    if output is OutputFormat.json:
        extra = {"decision": decision} if decision else {}
        print(json.dumps(_promise_json(answer) | extra, indent=2))
        return
    colour = {"ON_TIME": "green", "LATE": "yellow"}.get(answer.status.name, "red")
    promised = (
        f"{answer.promised_quantity:,} by {answer.promised_date}" if answer.fulfillments else ""
    )
    table = Table(
        title=f"promise {quantity:,} × {item} wanted {requested}: "
        f"[{colour}]{answer.status.name}[/] {promised}",
        title_justify="left",
        caption=f"sources chosen by {decision}" if decision else None,
    )
    shown = answer.fulfillments
    columns = ["from", "qty", "ship", "arrive", "cost"]
    if any(f.item_id != item for f in shown):
        columns.insert(0, "item")  # a substitute
    if any(f.source_type != "ATP" for f in shown):
        columns.append("source")
    columns.append("supplied by")
    for column in columns:
        table.add_column(column, justify="right" if column in ("qty", "cost") else "left")
    for f in shown:
        cells = {
            "item": f.item_id,
            "from": f.location_id or "-",
            "qty": f"{f.quantity:,}",
            "ship": str(f.ship_date),
            "arrive": str(f.arrival_date),
            "cost": f"{f.cost:,.2f}",
            "source": f.source_type,
            "supplied by": _supplied_by(engine, f) if f.source_type == "ATP" else "-",
        }
        table.add_row(*(cells[c] for c in columns))
    console.print(table)


def _supplied_by(engine: Engine, f: Fulfillment) -> str:
    """Which supplies an ATP fulfilment pegs to, first in first out: "PO 2026-01-12 ×4"."""
    sources = peg_fulfillment(
        engine.model, engine.ledger.reserved, f.item_id, f.location_id, f.ship_date, f.quantity
    )
    merged: dict[tuple[str, dt.date], int] = {}
    for source in sources:  # supplies of one type and date read as one
        key = (source.supply_type, source.date)
        merged[key] = merged.get(key, 0) + source.quantity
    short = {"ONHAND": "on hand", "PURCHASE_ORDER": "PO", "WORK_ORDER": "WO"}
    parts = [
        f"{short.get(kind, kind.lower().replace('_', ' '))} {day} ×{quantity:,}"
        for (kind, day), quantity in merged.items()
    ]
    return ", ".join(parts) or "-"


@app.command()
def serve(
    snapshot: Snapshot,
    data_dir: Annotated[Path, typer.Option(help="Directory of the reservation journal.")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 50051,
    watch: Annotated[
        Path | None, typer.Option(help="Apply snapshot and delta folders dropped in here.")
    ] = None,
) -> None:
    """Serve the gRPC API (promising.v1) on a snapshot, with a durable journal."""
    args = [
        sys.executable,
        "-m",
        "server",
        "--snapshot",
        str(snapshot),
        "--data-dir",
        str(data_dir),
    ]
    args += ["--host", host, "--port", str(port)]
    args += ["--watch", str(watch)] if watch is not None else []
    os.execv(sys.executable, args)


def _mount_client() -> None:
    try:
        from cli.client import client_app
    except ImportError:
        return
    app.add_typer(client_app, name="client", help="Talk to a running server.")
    from cli import admin

    app.command("load")(admin.load)
    app.command("apply-delta")(admin.apply_delta)
    app.command("status")(admin.status)


_mount_client()
