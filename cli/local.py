"""`promising availability` and `promising promise`: a snapshot loaded into an engine here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from cli.output import OutputFormat, console, errors, fail
from cli.render import profile_json, profile_table, promise_json, promise_table
from loaders import load_model
from promising.engine import Engine
from promising.errors import PromisingError
from promising.promise import LineRequest

Snapshot = Annotated[Path, typer.Option("--snapshot", "-s", help="Snapshot directory.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No load report on stderr.")]
DemandClass = Annotated[
    str, typer.Option("--class", help="Demand class (allocation rules apply to it).")
]


def load(snapshot: Path, quiet: bool = False) -> Engine:
    """Load a snapshot into an engine; the load report goes to stderr unless quiet."""
    try:
        model, report = load_model(snapshot)
    except PromisingError as exc:
        raise fail(str(exc)) from None
    if not quiet:
        for line in report.lines():
            errors.print(f"[dim]{line}[/]")
    return Engine(model)


def date(value: str | None, name: str) -> dt.date | None:
    """The date an option names (None when not given); exit 2 when it is not one."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


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
    engine = load(snapshot, quiet)
    try:
        profiles = engine.availability(
            item,
            location,
            date(from_date, "--from"),
            date(to_date, "--to"),
            rule,
            demand_class,
        )
    except PromisingError as exc:
        raise fail(str(exc)) from None
    if not profiles:
        raise fail(f"item {item!r} has no supply or demand at any location")
    if output is OutputFormat.json:
        print(json.dumps([profile_json(p) for p in profiles], indent=2))
    else:
        for p in profiles:
            console.print(profile_table(p, show_all))
    if plot is not None:
        from cli.plot import plot_profiles  # matplotlib only when a picture is asked for

        errors.print(f"[green]plot written to[/] {plot_profiles(profiles, plot)}")


def promise(
    snapshot: Snapshot,
    item: Annotated[str, typer.Option(help="Item id.")],
    quantity: Annotated[int, typer.Option(help="Quantity in the item's base unit.")],
    date_: Annotated[str, typer.Option("--date", help="Requested date, YYYY-MM-DD.")],
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
    engine = load(snapshot, quiet)
    requested = date(date_, "--date")
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
        raise fail(str(exc)) from None
    if output is OutputFormat.json:
        extra = {"decision": decision} if decision else {}
        print(json.dumps(promise_json(answer) | extra, indent=2))
        return
    console.print(promise_table(engine, answer, decision))
