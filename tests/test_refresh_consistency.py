"""Quotes never see a torn refresh: clients quote without pause while deltas and a new snapshot
are applied, and every answer equals the one recomputed from the version it names.

The reference for a version is built the slow, obvious way: the snapshot's rows with each
delta applied row by row in plain Python, written out as a whole snapshot and loaded from
scratch, with the test's commitments put back from their journaled form by `promising.remap`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
import time
from pathlib import Path

from refresh_data import AS_OF, FileServer, day, demand, supply, with_op, write_base, write_changes
from server_harness import COMMIT, QUOTE, line, order

from loaders import load_model
from promising.book import ReservationState, records
from promising.engine import Engine
from promising.remap import remap
from promising.rpc import convert, wire
from promising.v1 import promising_service_pb2 as pb

ITEMS = tuple(f"I{i:02d}" for i in range(12))
LOCATIONS = ("L1", "L2", "L3")
SUPPLY_TYPES = ("ONHAND", "PURCHASE_ORDER", "WORK_ORDER")
DEMAND_TYPES = ("SALES_ORDER", "TRANSFER", "FORECAST")
HORIZON = 40
Rows = dict[str, dict]
Version = tuple[str, int]


def _write(out: Path, tables: tuple[Rows, Rows], version: Version, as_of: dt.date) -> Path:
    sup, dem = tables
    return write_base(
        out, list(sup.values()), list(dem.values()), version[0], as_of, HORIZON,
        items=ITEMS, locations=LOCATIONS,
    )  # fmt: skip


def _row(rng: random.Random, rid: str, locations: tuple[str, ...]) -> dict:
    item, loc, n = rng.choice(ITEMS), rng.choice(locations), rng.randint(-3, HORIZON + 2)
    if rid.startswith("S"):
        return supply(rid, item, loc, n, rng.randint(1, 60), rng.choice(SUPPLY_TYPES))
    return demand(rid, item, loc, n, rng.randint(1, 20), rng.choice(DEMAND_TYPES))


def _rows(rng: random.Random, prefix: str, count: int, locations: tuple[str, ...]) -> Rows:
    return {f"{prefix}{k}": _row(rng, f"{prefix}{k}", locations) for k in range(count)}


def _delta(rng: random.Random, rows: Rows, prefix: str) -> tuple[list[dict], Rows]:
    """Random delta rows (UPSERT changed and new rows, some at an item-location never seen,
    DELETE others) and the table after them."""
    touched = rng.sample(sorted(rows), min(len(rows), 25))
    deleted, changed = touched[:8], touched[8:]
    upserts = {rid: _row(rng, rid, LOCATIONS[:2]) for rid in changed}
    upserts |= _rows(rng, prefix, 10, LOCATIONS)
    key = "supply_id" if prefix.startswith("S") else "demand_id"
    ops = [*with_op(list(upserts.values()), "UPSERT"), *({key: r, "op": "DELETE"} for r in deleted)]
    return ops, {rid: row for rid, row in rows.items() if rid not in deleted} | upserts


class Reference:
    """Engines built from scratch for each version, with the commitments put back."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.commitments: list[list] = []
        self.tables: dict[Version, tuple[tuple[Rows, Rows], dt.date]] = {}
        self.engines: dict[Version, Engine] = {}

    def add(self, version: Version, sup: Rows, dem: Rows, as_of: dt.date) -> None:
        self.tables[version] = ((dict(sup), dict(dem)), as_of)

    def engine(self, version: Version) -> Engine:
        if version not in self.engines:
            tables, as_of = self.tables[version]
            model, _ = load_model(_write(self.tmp / f"ref-{version}", tables, version, as_of))
            engine = Engine(model)
            frame = records.JournalFrame()
            journaled = {
                f"c{k}": frame.reservation([allocation], {})
                for k, allocation in enumerate(self.commitments)
            }
            engine.ledger.add_many(remap(journaled, frame.frame(), model).entries)
            self.engines[version] = engine
        return self.engines[version]

    def answer(self, request: pb.PromiseOrderRequest, response: pb.PromiseOrderResponse) -> bytes:
        """The response bytes the reference gives on the version `response` names."""
        _, lines = convert.promise_in(request)
        promise = self.engine((response.snapshot_id, response.delta_sequence)).promise_order(lines)
        return wire.promise_response(
            request.order_id, response.snapshot_id, response.lsn, promise,
            ReservationState.QUOTED, delta_sequence=response.delta_sequence,
        )  # fmt: skip


def _commit(server: FileServer, reference: Reference) -> None:
    """Commitments made before the refreshes, kept by the reference in journaled form."""
    for k, item in enumerate(ITEMS[:4]):
        request = order(COMMIT, line("1", item, 2, 10 + k, ship_from_location_id="L1"))
        answer = server.stub.PromiseOrder(request, timeout=5)
        if answer.reservation == pb.RESERVATION_STATE_COMMITTED:
            f = answer.lines[0].fulfillments[0]
            ship = dt.date(f.ship_date.year, f.ship_date.month, f.ship_date.day)
            reference.commitments.append([item, "L1", ship.isoformat(), int(f.quantity)])


class Clients:
    """Threads quoting random orders (1-3 lines, every location named) until stopped."""

    def __init__(self, server: FileServer, count: int) -> None:
        self.server = server
        self.seen: list[tuple[pb.PromiseOrderRequest, pb.PromiseOrderResponse]] = []
        self.failures: list[BaseException] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(s,)) for s in range(count)]

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        try:
            while not self.stopping.is_set():
                lines = [
                    line(str(n), rng.choice(ITEMS), rng.randint(1, 40), rng.randint(0, 35),
                         ship_from_location_id=rng.choice(LOCATIONS))
                    for n in range(1, rng.randint(1, 3) + 1)
                ]  # fmt: skip
                request = order(QUOTE, *lines)
                self.seen.append((request, self.server.stub.PromiseOrder(request, timeout=10)))
        except BaseException as error:
            self.failures.append(error)

    def __enter__(self) -> Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(30)

    def wait_for(self, answers: int) -> None:
        """Until `answers` more answers came (so each version gets quoted)."""
        target = len(self.seen) + answers
        while len(self.seen) < target and not self.failures:
            self.stopping.wait(0.005)


def test_quotes_match_the_version_they_name(tmp_path: Path) -> None:
    """Three clients quote throughout five deltas, a snapshot with a later as_of and two more
    deltas; every answer equals the reference computed on the (snapshot, delta) it names."""
    rng = random.Random(20260105)
    sup, dem = _rows(rng, "S", 160, LOCATIONS[:2]), _rows(rng, "D", 160, LOCATIONS[:2])
    reference = Reference(tmp_path)
    version, as_of = ("snap-1", 0), AS_OF
    reference.add(version, sup, dem, as_of)
    base = _write(tmp_path / "snap-1", (sup, dem), version, as_of)
    with FileServer(base, tmp_path / "data") as server:
        _commit(server, reference)  # before the clients: the reference holds them all
        with Clients(server, 3) as clients:
            _refresh(server, reference, rng, clients)
    assert not clients.failures, clients.failures[0]
    assert {(r.snapshot_id, r.delta_sequence) for _, r in clients.seen} == set(reference.tables)
    wrong = [
        (request, response)
        for request, response in clients.seen
        if reference.answer(request, response) != response.SerializeToString()
    ]
    assert not wrong, f"{len(wrong)} of {len(clients.seen)} answers differ, first: {wrong[0]}"


def _refresh(
    server: FileServer, reference: Reference, rng: random.Random, clients: Clients
) -> None:
    """Five deltas, a new snapshot two days later, two deltas on it; quotes in between."""
    version, ((sup, dem), as_of) = ("snap-1", 0), reference.tables[("snap-1", 0)]
    tmp_path = reference.tmp
    for step in range(1, 9):
        clients.wait_for(25)
        if step == 6:  # a new snapshot two days later, sharing a quarter of the supply
            sup = _rows(rng, "S", 120, LOCATIONS[:2]) | dict(list(sup.items())[:40])
            version, as_of = ("snap-2", 0), day(2)
            server.load(_write(tmp_path / "snap-2", (sup, dem), version, as_of))
        else:
            version = (version[0], version[1] + 1)
            s_ops, sup = _delta(rng, sup, f"S{step}x")
            d_ops, dem = _delta(rng, dem, f"D{step}x")
            delta = write_changes(
                tmp_path / f"d{step}", version[1], s_ops, d_ops, snapshot_id=version[0]
            )
            server.apply(delta)
        reference.add(version, sup, dem, as_of)
    clients.wait_for(25)


class Committer:
    """A thread that commits small orders and releases some, keeping what is still reserved
    in journaled form: (order_id, line_id) → [item, location, ISO date, quantity]."""

    def __init__(self, server: FileServer) -> None:
        self.server = server
        self.live: dict[tuple[str, str], list] = {}
        self.failures: list[BaseException] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        rng = random.Random(7)
        try:
            for n in itertools.count():
                if self.stopping.is_set():
                    return
                if self.live and rng.random() < 0.3:
                    order_id = rng.choice(sorted({o for o, _ in self.live}))
                    release = pb.ReleaseReservationRequest(request_id=f"r{n}", order_id=order_id)
                    self.server.stub.ReleaseReservation(release, timeout=10)
                    self.live = {k: v for k, v in self.live.items() if k[0] != order_id}
                    continue
                lines = [
                    line(str(k), rng.choice(ITEMS), rng.randint(1, 5), rng.randint(0, 30),
                         ship_from_location_id=rng.choice(LOCATIONS[:2]))
                    for k in range(1, rng.randint(1, 2) + 1)
                ]  # fmt: skip
                request = order(COMMIT, *lines, order_id=f"o{n}", request_id=f"c{n}")
                answer = self.server.stub.PromiseOrder(request, timeout=10)
                assert answer.reservation == pb.RESERVATION_STATE_COMMITTED, answer
                for asked, promised in zip(lines, answer.lines, strict=True):
                    day = promised.promised_date
                    when = dt.date(day.year, day.month, day.day).isoformat()
                    where = [asked.item_id, asked.ship_from_location_id, when, asked.quantity]
                    self.live[(f"o{n}", promised.line_id)] = where
        except BaseException as error:
            self.failures.append(error)


def _reserved(server: FileServer) -> dict[tuple[str, str], list[int]]:
    return {
        (item, loc): server.columns(item, loc)["reserved"] for item in ITEMS for loc in LOCATIONS
    }


def test_reservations_made_during_refreshes_are_all_kept(tmp_path: Path) -> None:
    """Orders committed and released while deltas and a later snapshot are applied: at the
    end, and after a restart, every item-location holds exactly the live commitments, moved
    onto the last version as journal replay would."""
    rng = random.Random(11)
    on_hand = {
        f"OH-{i}-{loc}": supply(f"OH-{i}-{loc}", i, loc, -1, 100_000)
        for i in ITEMS for loc in LOCATIONS[:2]
    }  # fmt: skip
    sup, dem = _rows(rng, "S", 120, LOCATIONS[:2]), _rows(rng, "D", 120, LOCATIONS[:2])
    reference = Reference(tmp_path)
    version, as_of = ("snap-1", 0), AS_OF
    base = _write(tmp_path / "snap-1", (on_hand | sup, dem), version, as_of)
    with FileServer(base, tmp_path / "data") as server:
        committer = Committer(server)
        committer.thread.start()
        for step in range(1, 6):
            time.sleep(0.15)
            if step == 4:
                version, as_of = ("snap-2", 0), day(2)
                server.load(_write(tmp_path / "snap-2", (on_hand | sup, dem), version, as_of))
                continue
            version = (version[0], version[1] + 1)
            s_ops, sup = _delta(rng, sup, f"S{step}x")
            d_ops, dem = _delta(rng, dem, f"D{step}x")
            path = write_changes(tmp_path / f"d{step}", version[1], s_ops, d_ops, version[0])
            server.apply(path)
        time.sleep(0.15)
        committer.stopping.set()
        committer.thread.join(30)
        assert not committer.failures, committer.failures[0]
        reference.add(version, on_hand | sup, dem, as_of)
        reference.commitments = list(committer.live.values())
        model = reference.engine(version).model
        expected = {}
        for item in ITEMS:
            for loc in LOCATIONS:
                row = model.row_of(model.item(item), model.location(loc))
                reserved = reference.engine(version).ledger.reserved
                expected[(item, loc)] = [0] * HORIZON if row < 0 else reserved[row].tolist()
        assert len(committer.live) > 10
        assert _reserved(server) == expected
        server.restart()
        assert _reserved(server) == expected
