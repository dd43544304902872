"""Helpers for the live-refresh tests: small snapshot and delta directories, and a server on
port 0 that reads them (the refresh tests' harness)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import grpc
import pyarrow as pa

from loaders import write_snapshot
from loaders.delta import write_delta
from loaders.sources import FileSources
from promising.engine import Engine
from promising.refresh.restore import refresh_records, restore
from promising.rpc import PromisingServer, ServerOptions
from promising.v1 import admin_service_pb2 as admin_pb
from promising.v1 import admin_service_pb2_grpc as admin_grpc
from promising.v1 import promising_service_pb2 as pb
from promising.v1 import promising_service_pb2_grpc as pb_grpc

AS_OF = dt.date(2026, 1, 5)
ITEMS = ("A", "B", "C")
LOCATIONS = ("L1", "L2")
SUPPLY_SCHEMA = pa.schema(
    [
        ("supply_id", pa.string()),
        ("item_id", pa.string()),
        ("location_id", pa.string()),
        ("date", pa.date32()),
        ("quantity", pa.int64()),
        ("supply_type", pa.string()),
    ]
)
DEMAND_SCHEMA = pa.schema(
    [
        ("demand_id", pa.string()),
        ("item_id", pa.string()),
        ("location_id", pa.string()),
        ("date", pa.date32()),
        ("quantity", pa.int64()),
        ("demand_type", pa.string()),
        ("demand_class", pa.string()),
        ("order_line_id", pa.string()),
    ]
)


def day(n: int, as_of: dt.date = AS_OF) -> dt.date:
    return as_of + dt.timedelta(days=n)


def supply(sid: str, item: str, loc: str, n: int, qty: int, kind: str = "ONHAND") -> dict:
    """A supply row dated `n` days after AS_OF."""
    return dict(
        supply_id=sid, item_id=item, location_id=loc, date=day(n), quantity=qty, supply_type=kind
    )


def demand(
    did: str,
    item: str,
    loc: str,
    n: int,
    qty: int,
    kind: str = "SALES_ORDER",
    order_line_id: str | None = None,
    demand_class: str | None = None,
) -> dict:
    """A demand row dated `n` days after AS_OF."""
    return dict(
        demand_id=did, item_id=item, location_id=loc, date=day(n), quantity=qty,
        demand_type=kind, demand_class=demand_class, order_line_id=order_line_id,
    )  # fmt: skip


def master(items: Iterable[str] = ITEMS, locations: Iterable[str] = LOCATIONS) -> dict:
    items, locations = list(items), list(locations)
    return {
        "items": pa.table({"item_id": items, "item_type": ["BUY"] * len(items)}),
        "locations": pa.table({"location_id": locations, "kind": ["WAREHOUSE"] * len(locations)}),
    }


def write_base(
    out: Path,
    supply_rows: list[dict],
    demand_rows: list[dict] = (),  # type: ignore[assignment]
    snapshot_id: str = "snap-1",
    as_of: dt.date = AS_OF,
    horizon_days: int = 30,
    fmt: str = "parquet",
    items: Iterable[str] = ITEMS,
    locations: Iterable[str] = LOCATIONS,
) -> Path:
    """A snapshot directory with the given rows (items A, B, C at L1, L2 unless given)."""
    tables = {
        **master(items, locations),
        "supply": pa.Table.from_pylist(list(supply_rows), SUPPLY_SCHEMA),
        "demand": pa.Table.from_pylist(list(demand_rows), DEMAND_SCHEMA),
    }
    return write_snapshot(
        out, tables, snapshot_id=snapshot_id, as_of=as_of, horizon_days=horizon_days,
        format=fmt,  # type: ignore[arg-type]
    )  # fmt: skip


def with_op(rows: list[dict], op: str) -> list[dict]:
    return [{**row, "op": op} for row in rows]


def write_changes(
    out: Path,
    sequence: int,
    supply_rows: list[dict] = (),  # type: ignore[assignment]
    demand_rows: list[dict] = (),  # type: ignore[assignment]
    snapshot_id: str = "snap-1",
    fmt: str = "parquet",
) -> Path:
    """A delta directory; rows carry their `op` (see `with_op`)."""
    tables = {}
    if supply_rows:
        schema = SUPPLY_SCHEMA.append(pa.field("op", pa.string()))
        tables["supply"] = pa.Table.from_pylist(list(supply_rows), schema)
    if demand_rows:
        schema = DEMAND_SCHEMA.append(pa.field("op", pa.string()))
        tables["demand"] = pa.Table.from_pylist(list(demand_rows), schema)
    return write_delta(
        out, tables, snapshot_id=snapshot_id, sequence=sequence,
        format=fmt,  # type: ignore[arg-type]
    )  # fmt: skip


class FileServer:
    """A server on port 0 that serves a snapshot directory and refreshes live; `restart()`
    keeps the journal (and comes back on what the journal says was last applied)."""

    def __init__(
        self,
        snapshot: Path,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
        options: ServerOptions | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.data_dir = data_dir
        self.clock = clock
        self.options = options or ServerOptions(port=0)
        self.server: PromisingServer | None = None
        self.channel: grpc.Channel | None = None
        self.notes: list[str] = []

    def __enter__(self) -> FileServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        sources = FileSources()
        records = refresh_records(self.data_dir / "journal.sqlite")
        version, self.notes = restore(self.snapshot, records, sources)
        self.server = PromisingServer(self.options)
        self.server.start()
        self.server.serve(
            Engine(version.model), self.data_dir, clock=self.clock, sources=sources,
            version=version,
        )  # fmt: skip
        self.channel = grpc.insecure_channel(self.server.address)

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
        if self.server is not None:
            self.server.stop(1.0)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def stub(self) -> pb_grpc.PromisingServiceStub:
        assert self.channel is not None
        return pb_grpc.PromisingServiceStub(self.channel)

    @property
    def admin(self) -> admin_grpc.SupplyAdminServiceStub:
        assert self.channel is not None
        return admin_grpc.SupplyAdminServiceStub(self.channel)

    def load(self, path: Path) -> admin_pb.LoadSnapshotResponse:
        return self.admin.LoadSnapshot(admin_pb.LoadSnapshotRequest(path=str(path)), timeout=30)

    def apply(self, path: Path) -> admin_pb.ApplyDeltaResponse:
        return self.admin.ApplyDelta(admin_pb.ApplyDeltaRequest(path=str(path)), timeout=30)

    def status(self) -> admin_pb.GetStatusResponse:
        return self.admin.GetStatus(admin_pb.GetStatusRequest(), timeout=10)

    def profile(self, item: str, location: str) -> pb.CheckAvailabilityResponse:
        request = pb.CheckAvailabilityRequest(item_id=item, location_ids=[location])
        return self.stub.CheckAvailability(request, timeout=10)

    def columns(self, item: str, location: str) -> dict[str, Any]:
        """supply, demand, reserved and atp per day of one item-location, and the version."""
        response = self.profile(item, location)
        buckets = response.profiles[0].buckets
        return {
            "version": (response.snapshot_id, response.delta_sequence),
            "supply": [b.supply for b in buckets],
            "demand": [b.demand for b in buckets],
            "reserved": [b.reserved for b in buckets],
            "atp": [b.atp for b in buckets],
        }
