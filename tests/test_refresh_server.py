"""SupplyAdminService over real gRPC: deltas and snapshots applied while serving, refusals
that change nothing, absorption, as-of roll-forward, and a restart that comes back the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from refresh_data import (
    FileServer,
    day,
    demand,
    supply,
    with_op,
    write_base,
    write_changes,
)
from server_harness import COMMIT, HOLD, QUOTE, Clock, Harness, code_of, line, order

from promising.rpc.status import field_violations
from promising.v1 import promising_service_pb2 as pb

BASE_SUPPLY = [
    supply("S1", "A", "L1", 0, 10),
    supply("S2", "A", "L1", 5, 6, "PURCHASE_ORDER"),
    supply("S3", "B", "L1", 0, 4),
    supply("S4", "C", "L2", 2, 8),
]
BASE_DEMAND = [demand("D1", "A", "L1", 3, 2), demand("D2", "B", "L1", 9, 1, "FORECAST")]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write_base(tmp_path / "snap-1", BASE_SUPPLY, BASE_DEMAND)


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def server(base: Path, tmp_path: Path, clock: Clock):
    with FileServer(base, tmp_path / "data", clock=clock) as fs:
        yield fs


def quotes(fs: FileServer) -> list[bytes]:
    """A fixed set of answers (quotes and profiles) as bytes, to compare before and after."""
    out = []
    for item, location in (("A", "L1"), ("B", "L1"), ("C", "L2")):
        for quantity in (1, 9, 15):
            request = order(QUOTE, line("1", item, quantity, 1, ship_from_location_id=location))
            out.append(fs.stub.PromiseOrder(request, timeout=5).SerializeToString())
        out.append(fs.profile(item, location).SerializeToString())
    return out


def test_every_answer_names_the_version(server: FileServer, tmp_path: Path) -> None:
    """After a delta, quotes, profiles, commits, confirms and releases name (snapshot, 1)."""
    delta = write_changes(tmp_path / "d1", 1, with_op([supply("S1", "A", "L1", 0, 30)], "UPSERT"))
    applied = server.apply(delta)
    assert (applied.version.snapshot_id, applied.version.delta_sequence) == ("snap-1", 1)
    assert applied.rows_applied["supply.UPSERT"] == 1
    quote = server.stub.PromiseOrder(
        order(QUOTE, line("1", "A", 25, 0, ship_from_location_id="L1"))
    )
    assert (quote.snapshot_id, quote.delta_sequence) == ("snap-1", 1)
    assert quote.lines[0].status == pb.LINE_STATUS_ON_TIME
    assert server.columns("A", "L1")["version"] == ("snap-1", 1)
    held = server.stub.PromiseOrder(order(HOLD, line("1", "A", 2, 0, ship_from_location_id="L1")))
    confirmed = server.stub.ConfirmHold(pb.ConfirmHoldRequest(request_id="c", hold_id=held.hold_id))
    released = server.stub.ReleaseReservation(
        pb.ReleaseReservationRequest(request_id="r", order_id=held.order_id)
    )
    assert held.delta_sequence == confirmed.delta_sequence == released.delta_sequence == 1


def test_delta_adds_item_locations_and_deletes_rows(server: FileServer, tmp_path: Path) -> None:
    """An UPSERT at a new item-location adds its row; a DELETE takes its units out."""
    delta = write_changes(
        tmp_path / "d1",
        1,
        [*with_op([supply("S9", "B", "L2", 1, 7)], "UPSERT"), {"supply_id": "S3", "op": "DELETE"}],
        with_op([demand("D1", "A", "L1", 3, 2)], "DELETE"),
    )
    assert server.apply(delta).item_locations_added == 1
    assert server.columns("B", "L2")["atp"][:3] == [0, 7, 7]
    assert server.columns("B", "L1")["supply"][0] == 0
    assert server.columns("A", "L1")["demand"][3] == 0
    status = server.status()
    assert dict(status.rows) == {"supply": 4, "demand": 1} and status.item_locations == 4


def _delta(out: Path, sequence: int, rows: list[dict], snapshot_id: str = "snap-1") -> Path:
    return write_changes(out, sequence, rows, snapshot_id=snapshot_id)


def _truncated(out: Path) -> Path:
    path = _delta(out, 1, with_op([supply("S1", "A", "L1", 0, 1)], "UPSERT"))
    file = path / "supply.parquet"
    file.write_bytes(file.read_bytes()[:40])
    return path


def _without(path: Path, table: str) -> Path:
    (path / f"{table}.parquet").unlink()
    return path


UPSERT_S1 = with_op([supply("S1", "A", "L1", 0, 1)], "UPSERT")
Apply = Callable[[FileServer, Path, Path], object]
"""A refresh call: (server, scratch directory, the snapshot loaded) → response."""


def _apply(rows: list[dict], sequence: int = 1, snapshot_id: str = "snap-1") -> Apply:
    return lambda fs, out, base: fs.apply(_delta(out, sequence, rows, snapshot_id))


def _load(make: Callable[[Path], Path]) -> Apply:
    return lambda fs, out, base: fs.load(make(out))


BAD, STATE = "INVALID_ARGUMENT", "FAILED_PRECONDITION"
# fmt: off
FAULTS: list[tuple[str, Apply, str]] = [
    ("truncated file", lambda fs, out, base: fs.apply(_truncated(out)), BAD),
    ("wrong schema", _apply([{"supply_id": "S1"}]), BAD),
    ("unknown item", _apply(with_op([supply("S5", "Z", "L1", 0, 1)], "UPSERT")), BAD),
    ("DELETE of an unknown id", _apply([{"supply_id": "S404", "op": "DELETE"}]), BAD),
    ("delta for another snapshot", _apply(UPSERT_S1, snapshot_id="snap-0"), STATE),
    ("delta out of sequence", _apply(UPSERT_S1, sequence=2), STATE),
    ("snapshot without supply", _load(lambda o: _without(write_base(o, []), "supply")), BAD),
    ("snapshot as of the day before", _load(lambda o: write_base(o, [], [], "s0", day(-1))), STATE),
    ("the snapshot loaded already", lambda fs, out, base: fs.load(base), STATE),
    ("not a directory", _load(lambda o: o / "nowhere"), BAD),
    ("no path", lambda fs, out, base: fs.apply(Path("")), BAD),
]
# fmt: on


@pytest.mark.parametrize(("name", "apply", "code"), FAULTS, ids=[f[0] for f in FAULTS])
def test_faulty_input_changes_nothing(
    server: FileServer, base: Path, tmp_path: Path, name: str, apply: Apply, code: str
) -> None:
    """Each faulty snapshot or delta is refused with its code and reason; every answer, the
    status and the next delta's sequence are as before."""
    server.stub.PromiseOrder(order(COMMIT, line("1", "A", 3, 2, ship_from_location_id="L1")))
    before, status = quotes(server), server.status()
    with pytest.raises(grpc.RpcError) as refused:
        apply(server, tmp_path / "bad", base)
    assert refused.value.code().name == code, (name, refused.value.details())
    if code == "INVALID_ARGUMENT" and name != "no path":
        assert [f for f, _ in field_violations(refused.value)] == ["path"]
    assert quotes(server) == before, name
    after = server.status()
    assert after.version == status.version and after.lines_reserved == 1
    assert after.last_error, name
    good = write_changes(tmp_path / "good", 1, with_op([supply("S1", "A", "L1", 0, 11)], "UPSERT"))
    assert server.apply(good).version.delta_sequence == 1
    assert server.status().last_error == after.last_error


def test_absorbed_commitment_counts_once(server: FileServer, tmp_path: Path) -> None:
    """Commit through the engine, then load a snapshot holding that order line as demand: the
    availability counts it once, the release finds nothing, and a restart agrees."""
    committed = server.stub.PromiseOrder(
        order(COMMIT, line("1", "A", 4, 1, ship_from_location_id="L1"), order_id="O1")
    )
    assert committed.reservation == pb.RESERVATION_STATE_COMMITTED
    server.stub.PromiseOrder(
        order(COMMIT, line("1", "A", 1, 1, ship_from_location_id="L1"), order_id="O2")
    )
    assert server.columns("A", "L1")["atp"][0] == 10 - 2 - 4 - 1
    erp = [*BASE_DEMAND, demand("D3", "A", "L1", 1, 4, order_line_id="O1/1")]
    loaded = server.load(write_base(tmp_path / "snap-2", BASE_SUPPLY, erp, snapshot_id="snap-2"))
    assert loaded.rebase.lines_absorbed == 1 and loaded.rebase.lines_kept == 1
    after = server.columns("A", "L1")
    assert after["demand"][1] == 4 and after["reserved"][1] == 1
    assert after["atp"][0] == 10 - 2 - 4 - 1
    release = pb.ReleaseReservationRequest(request_id="r1", order_id="O1")
    assert code_of(lambda: server.stub.ReleaseReservation(release)) == grpc.StatusCode.NOT_FOUND
    server.restart()
    assert server.columns("A", "L1") == after and server.notes == []


def test_as_of_rolls_forward(server: FileServer, tmp_path: Path, clock: Clock) -> None:
    """A later as_of moves bucket 0: past-due reservations fold into it, later ones keep their
    date, and a hold keeps its expiry."""
    held = server.stub.PromiseOrder(
        order(HOLD, line("1", "A", 3, 1, ship_from_location_id="L1"), ttl=600)
    )
    server.stub.PromiseOrder(order(COMMIT, line("1", "A", 2, 6, ship_from_location_id="L1")))
    snap = write_base(tmp_path / "s2", BASE_SUPPLY, BASE_DEMAND, snapshot_id="snap-2", as_of=day(4))
    loaded = server.load(snap)
    assert loaded.rebase.allocations_moved == 1 and loaded.rebase.lines_kept == 2
    reserved = server.columns("A", "L1")["reserved"]
    assert reserved[0] == 3 and reserved[2] == 2 and sum(reserved) == 5
    status = server.status()
    assert (status.as_of.day, status.holds_open) == (day(4).day, 1)
    clock.now += 601
    server.stub.PromiseOrder(order(QUOTE, line("1", "B", 1, 5, ship_from_location_id="L1")))
    server.stub.PromiseOrder(order(COMMIT, line("1", "B", 1, 5, ship_from_location_id="L1")))
    assert sum(server.columns("A", "L1")["reserved"]) == 2
    confirm = pb.ConfirmHoldRequest(request_id="late", hold_id=held.hold_id)
    assert code_of(lambda: server.stub.ConfirmHold(confirm)) == grpc.StatusCode.FAILED_PRECONDITION


def test_restart_comes_back_on_the_last_version(server: FileServer, tmp_path: Path) -> None:
    """Snapshot, deltas and reservations applied live come back identical after a restart,
    including a row kept for a reservation that the new snapshot lacks."""
    server.stub.PromiseOrder(order(COMMIT, line("1", "C", 5, 3, ship_from_location_id="L2")))
    snap = write_base(tmp_path / "s2", BASE_SUPPLY[:3], BASE_DEMAND, snapshot_id="snap-2")
    assert server.load(snap).rebase.item_locations_kept == 1
    delta = write_changes(
        tmp_path / "d1", 1, with_op([supply("S7", "B", "L2", 2, 5)], "UPSERT"), snapshot_id="snap-2"
    )
    server.apply(delta)
    server.stub.PromiseOrder(order(COMMIT, line("1", "B", 2, 2, ship_from_location_id="L2")))
    before, status = quotes(server), server.status()
    assert server.columns("C", "L2")["reserved"][3] == 5
    server.restart()
    after = server.status()
    assert quotes(server) == before and server.notes == []
    assert (after.version.snapshot_id, after.version.delta_sequence) == ("snap-2", 1)
    assert (after.item_locations, after.lines_reserved) == (status.item_locations, 2)


def test_restart_without_the_files_falls_back(server: FileServer, tmp_path: Path) -> None:
    """When the snapshot last loaded is gone, a restart serves the starting one and says so."""
    snap = write_base(tmp_path / "s2", BASE_SUPPLY, BASE_DEMAND, snapshot_id="snap-2")
    server.load(snap)
    for file in snap.iterdir():
        file.unlink()
    server.restart()
    assert server.status().version.snapshot_id == "snap-1"
    assert "snap-2" in server.notes[0]


def test_deltas_need_a_model_with_row_ids(tmp_path: Path) -> None:
    """A server started on an in-memory model takes snapshots but refuses deltas until one."""
    from loaders.sources import FileSources

    with Harness(tmp_path / "data", serve=False) as harness:
        assert harness.server is not None
        harness.engine = harness.make_engine()
        harness.server.serve(harness.engine, tmp_path / "data", sources=FileSources())
        refresher = harness.server.refresher
        assert refresher is not None
        path = write_changes(tmp_path / "d", 1, with_op([supply("S1", "A", "L1", 0, 1)], "UPSERT"))
        with pytest.raises(Exception, match="load a snapshot before applying deltas"):
            refresher.apply_delta(path)


def test_hand_written_wire_names_the_delta_sequence() -> None:
    """The hot-path encoder writes `delta_sequence` as the generated classes do, byte for byte."""
    from promising.promise import OrderPromise
    from promising.rpc import wire

    for sequence in (0, 1, 127, 128, 10**12):
        promise = OrderPromise("snap", ())
        encoded = wire.promise_response("o", "snap", 7, promise, 1, "h", 5.5, sequence)
        decoded = pb.PromiseOrderResponse.FromString(encoded)
        assert decoded.delta_sequence == sequence
        assert decoded.SerializeToString(deterministic=True) == encoded
