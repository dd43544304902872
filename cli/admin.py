"""`promising load`, `promising apply-delta`, `promising status`: refresh a running server.

The directory is resolved here and read by the server, on its own file system (run the
command where the server can see the same path). Nothing is applied when the server refuses
a snapshot or delta: the command prints why and exits 1, and the server keeps answering
from what it had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from cli.calls import DEFAULT_ADDRESS, Address, Timeout, call
from cli.output import console
from promising.v1 import admin_service_pb2 as pb
from promising.v1 import admin_service_pb2_grpc as pb_grpc

T = TypeVar("T")
Directory = Annotated[
    Path,
    typer.Argument(help="The directory (manifest.json and table files), as the server sees it."),
]


def load(
    directory: Directory,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 600.0,
) -> None:
    """Load a new snapshot into a running server; reservations move onto it."""
    request = pb.LoadSnapshotRequest(path=str(directory.resolve()))
    response = _call(address, lambda stub: stub.LoadSnapshot(request, timeout=timeout))
    _show_refresh("loaded", response.version, response.rebase, response.rows_read)
    console.print(
        f"[dim]built aside in {response.build_seconds:.2f} s, swapped in "
        f"{response.swap_seconds * 1e3:.1f} ms[/]"
    )


def apply_delta(
    directory: Directory,
    address: Address = DEFAULT_ADDRESS,
    timeout: Timeout = 120.0,
) -> None:
    """Apply a delta (supply/demand rows with op UPSERT or DELETE) to a running server."""
    request = pb.ApplyDeltaRequest(path=str(directory.resolve()))
    response = _call(address, lambda stub: stub.ApplyDelta(request, timeout=timeout))
    rows = {key: value for key, value in response.rows_applied.items() if value}
    _show_refresh("applied", response.version, response.rebase, rows)
    added = response.item_locations_added
    console.print(
        (f"{added:,} new item-locations; " if added else "")
        + f"[dim]built aside in {response.build_seconds * 1e3:.1f} ms, swapped in "
        f"{response.swap_seconds * 1e3:.1f} ms[/]"
    )


def status(address: Address = DEFAULT_ADDRESS, timeout: Timeout = 10.0) -> None:
    """What a running server answers from: snapshot, deltas, rows, journal, holds."""
    response = _call(address, lambda stub: stub.GetStatus(pb.GetStatusRequest(), timeout=timeout))
    v = response.version
    as_of = dt.date(response.as_of.year, response.as_of.month, response.as_of.day)
    refreshed = response.refreshed_time.ToDatetime(dt.UTC).astimezone()
    table = Table(show_header=False, title="server status", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("snapshot", f"{v.snapshot_id} (as of {as_of}, {response.horizon_days} days)")
    table.add_row("deltas applied", f"{v.delta_sequence:,}")
    table.add_row("rows", ", ".join(f"{k} {n:,}" for k, n in sorted(response.rows.items())))
    table.add_row("item-locations", f"{response.item_locations:,}")
    table.add_row("snapshot path", response.snapshot_path or "-")
    table.add_row("last delta", response.last_delta_path or "-")
    table.add_row("refreshed", f"{refreshed:%Y-%m-%d %H:%M:%S %Z}")
    table.add_row("journal lsn", f"{response.lsn:,}")
    table.add_row("holds open", f"{response.holds_open:,}")
    table.add_row("lines reserved", f"{response.lines_reserved:,}")
    if response.watch_path:
        table.add_row("watching", response.watch_path)
    if response.last_error:
        table.add_row("last refused", f"[red]{response.last_error}[/]")
    console.print(table)


def _show_refresh(verb: str, version: pb.Version, rebase: pb.RebaseSummary, rows: Any) -> None:
    console.print(
        f"[green]{verb}[/]: snapshot [bold]{version.snapshot_id}[/], delta "
        f"{version.delta_sequence} [dim](lsn {version.lsn})[/]"
    )
    if rows:
        console.print("rows: " + ", ".join(f"{k} {n:,}" for k, n in sorted(rows.items())))
    moved = [
        ("lines kept", rebase.lines_kept),
        ("absorbed by the new demand", rebase.lines_absorbed),
        ("allocations folded into as_of", rebase.allocations_moved),
        ("allocations dropped", rebase.allocations_dropped),
        ("item-locations kept for reservations", rebase.item_locations_kept),
    ]
    console.print(
        "reservations: "
        + ", ".join(f"{what} {n:,}" for what, n in moved if n or what == "lines kept")
    )


def _call(address: str, method: Callable[[pb_grpc.SupplyAdminServiceStub], T]) -> T:
    """The call; a refusal names the one path sent, so fields repeating it are left out."""
    return call(pb_grpc.SupplyAdminServiceStub, address, method, repeat_violations=False)
