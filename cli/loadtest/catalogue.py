"""Which item-locations a load test may ask for: the server's own snapshot, found through
GetStatus.

The API has no call that lists items, and a load test should not add load of its own to find
them. `SupplyAdminService.GetStatus` names the snapshot directory the server answers from (and
its as_of); when that directory is readable here (the same machine, or a shared disk) the
item-locations of its supply and demand rows are read through `loaders`. Otherwise give
`--snapshot` (a copy of the files) or `--items ITEM@LOCATION,…`. Each line names its
location (`ship_from_location_id`): without a ship-to region the server needs one for an item
stocked at several places. A snapshot whose id differs from the server's is used with a
warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import grpc
import pyarrow as pa

from loaders import tables
from loaders.manifest import read_manifest
from loaders.reader import read_table
from promising.errors import SnapshotError
from promising.v1 import admin_service_pb2 as admin_pb
from promising.v1 import admin_service_pb2_grpc as admin_grpc


@dataclass(frozen=True)
class Catalogue:
    """The items to draw from and the server's calendar."""

    item_locations: tuple[tuple[str, str], ...]
    """(item, location) pairs; an empty location names none (for an item at one location)."""
    as_of: dt.date
    horizon_days: int
    snapshot_id: str
    source: str
    """Where the items came from: `--items`, or the snapshot directory read."""
    warning: str = ""


def discover(
    channel: grpc.Channel, items: tuple[str, ...], snapshot: Path | None, timeout: float
) -> Catalogue:
    """The catalogue: `items` (ITEM or ITEM@LOCATION) if given, else the item-locations of
    `snapshot` or of the server's snapshot. Raises ValueError saying what to pass instead
    when there is none, and grpc.RpcError when the server does not answer GetStatus."""
    status = admin_grpc.SupplyAdminServiceStub(channel).GetStatus(
        admin_pb.GetStatusRequest(), timeout=timeout
    )
    as_of = dt.date(status.as_of.year, status.as_of.month, status.as_of.day)
    snapshot_id = status.version.snapshot_id

    def made(pairs: tuple[tuple[str, str], ...], source: str, warning: str = "") -> Catalogue:
        return Catalogue(pairs, as_of, status.horizon_days, snapshot_id, source, warning)

    if items:
        return made(tuple(_pair(text) for text in items), "--items")
    if snapshot is None:
        if not status.snapshot_path:
            raise ValueError(
                "the server names no snapshot directory (it was given a model): pass --items "
                "or --snapshot"
            )
        snapshot = Path(status.snapshot_path)
        if not snapshot.is_dir():
            raise ValueError(
                f"the server's snapshot {snapshot} is not readable here: pass --snapshot (a "
                "copy of it) or --items"
            )
    try:
        manifest = read_manifest(snapshot)
        pairs = item_locations(snapshot)
    except SnapshotError as error:
        raise ValueError(f"{snapshot}: {error}") from None
    if not pairs:
        raise ValueError(f"{snapshot}: no supply or demand rows, so no item-locations")
    warning = ""
    if manifest.snapshot_id != snapshot_id:
        warning = f"{snapshot} is snapshot {manifest.snapshot_id}; the server's is {snapshot_id}"
    return made(pairs, str(snapshot), warning)


def item_locations(snapshot: Path) -> tuple[tuple[str, str], ...]:
    """The distinct (item, location) pairs of a snapshot's supply and demand rows, sorted."""
    found: set[tuple[str, str]] = set()
    for spec in (tables.SUPPLY, tables.DEMAND):
        table = read_table(snapshot, spec)
        if table is None:
            continue
        keys = table.select(["item_id", "location_id"])
        keys = pa.table([c.cast(pa.string()) for c in keys.columns], names=keys.column_names)
        distinct = keys.group_by(["item_id", "location_id"]).aggregate([])
        found.update(zip(*(distinct.column(n).to_pylist() for n in keys.column_names), strict=True))
    return tuple(sorted(found))


def _pair(text: str) -> tuple[str, str]:
    item, _, location = text.partition("@")
    return item, location
